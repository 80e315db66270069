/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-io.h"
#include "tiering/damon/damon-model.h"
#include "tiering/damon/damon-ownership.h"
#include "tiering/damon/damon-writer.h"

/*
 * The DAMON driver as vtierd uses it: ownership, features, writer and records in the right order.
 *
 *   start():  claims the tree (refuses foreign kdamonds and exclusive modules, may turn damon_stat
 *             off), then learns the features: the probe on an empty tree (recorded in
 *             /run/vtier/state.json), or, when vtier's own kdamonds run (a restart), the features
 *             recorded when they were created (the probe could only read file presence then).
 *   apply():  the writer's apply, then records vtier's kdamonds (index, pid) after every apply,
 *             also a failed one (a kdamond may have been created, or restarted by the writer).
 *   stop():   stops vtier's kdamonds and removes them (nr_kdamonds 0), forgets the record.
 */
typedef struct _VtierDamonDriver VtierDamonDriver;

/* @io: NULL for the real sysfs (below the current sysroot). */
VtierDamonDriver *vtier_damon_driver_new(VtierDamonIo *io);
void vtier_damon_driver_free(VtierDamonDriver *driver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonDriver, vtier_damon_driver_free)

gboolean vtier_damon_driver_start(VtierDamonDriver *driver, gboolean disable_damon_stat,
				  GError **error);
/* After start(): the features in use, and what the claim found. */
const VtierDamonFeatures *vtier_damon_driver_get_features(VtierDamonDriver *driver);
const VtierDamonClaim *vtier_damon_driver_get_claim(VtierDamonDriver *driver);
VtierDamonWriter *vtier_damon_driver_get_writer(VtierDamonDriver *driver);

gboolean vtier_damon_driver_apply(VtierDamonDriver *driver, const VtierDamonModel *model,
				  VtierDamonApplyResult *ret_result, GError **error);
gboolean vtier_damon_driver_read_status(VtierDamonDriver *driver, guint kdamond,
					VtierDamonKdamondStatus *ret_status, GError **error);
gboolean vtier_damon_driver_stop(VtierDamonDriver *driver, GError **error);
