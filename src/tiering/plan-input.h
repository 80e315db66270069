/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/planner.h"
#include "tiering/policy.h"
#include "virt/guest.h"

/* Turning the guests vtier found (src/virt/guest.h: libvirt, a QMP socket, a bare pid) into the
 * planner's input. `vtierctl plan` and vtierd's reconcile loop both go through here, so the two
 * plan the same guests the same way. No I/O: the guest records come with their pid and memcg
 * filled in (or not: the planner then refuses the guest, naming what is missing). */

/* One guest: its policy resolved against @store (the XML of its <metadata>, else @options'
 * default mode). A policy the schema or the guest's memory rejects falls back to the default
 * mode with *@ret_warning set (optional), or fails with [policy] strict. A guest with no memory
 * size is an error naming it. @options NULL: defaults. */
VtierPlanGuest *vtier_plan_input_guest(const VtierGuest *guest, const VtierPolicyStore *store,
				       const VtierPlanOptions *options, gchar **ret_warning,
				       GError **error);

/* Every guest of @guests (VtierGuest), as a new array of VtierPlanGuest in the same order. Two
 * guests with the same uuid, or the same name, are an error naming both. Warnings (policies that
 * fell back) are appended to @warnings (gchar *, optional). */
GPtrArray *vtier_plan_input_guests(GPtrArray *guests, const VtierPolicyStore *store,
				   const VtierPlanOptions *options, GPtrArray *warnings,
				   GError **error);
