/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/snapshot.h"

/* Why guest @g's split is where it is, in plain sentences (gchar *, raw text: escape for the
 * sink): its state, target, measured share, budgets and whether quotas were hit, what DAMON sees
 * as hot, the controller, unmovable bytes and why, the sampler, kdamond and fast-tier capacity,
 * host warnings and the last error. Pure: reads only @s and @g. */
GPtrArray *vtier_explain_guest(const VtierSnapshot *s, const VtierSnapshotGuest *g);
