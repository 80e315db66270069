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

/* What a periodic reader wants of one scheme (vtier_damon_writer_set_status_schemes()): each
 * file is one sysfs read per interval, and tried_regions/total_bytes also needs the kernel to
 * walk the scheme's regions (`update_schemes_tried_bytes`). */
typedef enum {
	VTIER_DAMON_STATS_MOVED = 1 << 0,	  /* PULL/PUSH: sz_applied, sz_tried, qt_exceeds */
	VTIER_DAMON_STATS_TRIED_REGIONS = 1 << 1, /* tried_regions/total_bytes */
	VTIER_DAMON_STATS_HOT = 1 << 2,		  /* stat: sz_ops_filter_passed, nr_snapshots */
} VtierDamonStatsFiles;

typedef struct {
	guint scheme; /* index in the kdamond's context */
	guint files;  /* VtierDamonStatsFiles */
} VtierDamonStatsWant;
