/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/planner.h"
#include "tiering/policy.h"
#include "tiering/topology.h"
#include "virt/guest.h"

/* Turning the guests vtier found (src/virt/guest.h: libvirt, a QMP socket, a bare pid) into the
 * planner's input. `vtierctl plan` and vtierd's reconcile loop both go through here, so the two
 * plan the same guests the same way. No I/O: the guest records come with their pid and memcg
 * filled in (or not: the planner then refuses the guest, naming what is missing). */

/* The checks of @guest's <numatune> against @topology that vtier_plan_input_guest() makes (for a
 * caller that keeps the resolved policy of an earlier call: the host or the options may have
 * changed since). @options NULL: defaults. */
gboolean vtier_plan_input_check_numatune(const VtierGuest *guest, const VtierTopology *topology,
					 const VtierPlanOptions *options, GError **error);

/* One guest: its policy resolved against @store (the XML of its <metadata>, else @options'
 * default mode). A policy the schema or the guest's memory rejects falls back to the default
 * mode with *@ret_warning set (optional), or fails with [policy] strict. A guest with no memory
 * size is an error naming it. Against @topology (the host's; NULL when only the policy is being
 * checked): a <numatune> naming a node the host lacks, or no node at all, is an error naming the
 * value (a guest bound to it would be planned as if unbound); so is, with [policy]
 * respect_numatune, a strict <numatune> that excludes every slow node (tiering would break it).
 * @options NULL: defaults. */
VtierPlanGuest *vtier_plan_input_guest(const VtierGuest *guest, const VtierTopology *topology,
				       const VtierPolicyStore *store,
				       const VtierPlanOptions *options, gchar **ret_warning,
				       GError **error);

/* Every guest of @guests (VtierGuest), as a new array of VtierPlanGuest in the same order; each as
 * vtier_plan_input_guest() takes it. Two guests with the same uuid, or the same name, are an error
 * naming both. Warnings (policies that fell back) are appended to @warnings (gchar *, optional). */
GPtrArray *vtier_plan_input_guests(GPtrArray *guests, const VtierTopology *topology,
				   const VtierPolicyStore *store,
				   const VtierPlanOptions *options, GPtrArray *warnings,
				   GError **error);
