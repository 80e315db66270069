/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* What DAMON reports back about a running kdamond (read-back, damon-writer.h). */

/* schemes/S/stats/, quotas/effective_bytes and tried_regions/total_bytes of one scheme. Fields
 * a kernel lacks read 0. */
typedef struct {
	guint64 nr_tried;
	guint64 sz_tried;
	guint64 nr_applied;
	guint64 sz_applied;
	guint64 sz_ops_filter_passed;
	guint64 qt_exceeds;
	guint64 nr_snapshots;
	guint64 effective_bytes;
	guint64 tried_bytes;
} VtierDamonSchemeStats;
