/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include "daemon/manager-private.h"

/* Each guest's hot bytes per node, for the controller and status (docs/planner.md, "Hot memory
 * per node"). A guest whose PULL/PUSH the controller drives has two `stat` schemes (stat-fast,
 * stat-slow) kept to its memcg, its young pages and one node's ranges. DAMON's paddr `stat` adds
 * the bytes of those pages in every hot region to stats/sz_ops_filter_passed at each application.
 * On 7.3 stats/nr_snapshots counts the applications: the growth of the one over the growth of the
 * other is the guest's mean hot bytes on that node over the interval (lab, 7.3: 127.0 MiB for a
 * 128 MiB hot set, another memcg's hot memory on the same node left out). 6.18 has no
 * nr_snapshots; there each application adds the same regions' bytes to stats/sz_tried as one
 * application's walk gives in tried_regions/total_bytes, so the passed bytes per application are
 * total_bytes x (growth of passed) / (growth of sz_tried). */

enum { HOT_FAST, HOT_SLOW };

gboolean vtier_daemon_hot_counted(const VtierDamonFeatures *features)
{
	return features != NULL && features->scheme_stats != NULL &&
	       g_strv_contains((const gchar *const *)features->scheme_stats, "nr_snapshots");
}

/* 6.18's measure takes one walk's tried bytes, so one interval's figure is noisy (lab, 6.18:
 * 10.5-198.7 MiB over 8 s for a 128 MiB hot set standing still, mean 120.0): the median of the
 * last three. */
static guint64 median_of_last(VtierDaemonGuest *g, guint which, guint64 raw)
{
	guint64 *r = g->hot_raw[which];
	guint64 a, b, c;

	r[g->hot_nraw[which] % 3] = raw;
	g->hot_nraw[which]++;
	if (g->hot_nraw[which] < 3)
		return raw;
	a = r[0], b = r[1], c = r[2];
	return MAX(MIN(a, b), MIN(MAX(a, b), c));
}

/* One node's mean hot bytes since the last interval into @ret; FALSE when there is no measure
 * yet (a new scheme, a restarted kdamond). An interval in which the kernel published nothing new
 * (its files refresh every refresh_ms) keeps the last measure. */
static gboolean hot_of(VtierDaemonGuest *g, guint which, gint scheme,
		       const VtierDamonKdamondStatus *status, gboolean counted, guint64 *ret)
{
	const VtierDamonSchemeStats *st;
	guint64 passed, count, now_count;
	gboolean fresh;

	if (status == NULL || status->schemes == NULL || scheme < 0 ||
	    (guint)scheme >= status->schemes->len)
		return FALSE;
	st = &g_array_index(status->schemes, VtierDamonSchemeStats, scheme);
	now_count = counted ? st->nr_snapshots : st->sz_tried;
	fresh = g->hot_scheme[which] != scheme + 1 ||
		st->sz_ops_filter_passed < g->hot_passed[which] ||
		now_count < g->hot_snapshots[which];
	passed = st->sz_ops_filter_passed - (fresh ? 0 : g->hot_passed[which]);
	count = now_count - (fresh ? 0 : g->hot_snapshots[which]);
	g->hot_scheme[which] = scheme + 1;
	g->hot_passed[which] = st->sz_ops_filter_passed;
	g->hot_snapshots[which] = now_count;
	if (fresh) {
		g->hot_valid[which] = FALSE;
	} else if (counted && count > 0) {
		g->hot_last[which] = passed / count;
		g->hot_valid[which] = TRUE;
	} else if (!counted && count > 0) {
		g->hot_last[which] = median_of_last(
			g, which,
			(guint64)((gdouble)st->tried_bytes * (gdouble)passed / (gdouble)count));
		g->hot_valid[which] = TRUE;
	} else if (!counted && st->tried_bytes == 0) {
		/* no region hot enough to try: nothing hot there (nothing new published shows
		 * as tried bytes that did not grow) */
		g->hot_last[which] = median_of_last(g, which, 0);
		g->hot_valid[which] = TRUE;
	}
	if (fresh)
		g->hot_nraw[which] = 0;
	*ret = g->hot_last[which];
	return g->hot_valid[which];
}

void vtier_daemon_guest_measure_hot(VtierDaemonGuest *g, const VtierDamonKdamondStatus *status,
				    gboolean counted, VtierSnapshotGuest *s)
{
	const VtierPlanGuestResult *r = g->result;
	guint64 hot[2] = { 0, 0 };
	gboolean ok;

	g->hot_known = FALSE;
	if (r == NULL || !r->planned || !r->hot_stats || r->first_scheme < 0 || r->kdamond != 0) {
		g->hot_scheme[HOT_FAST] = g->hot_scheme[HOT_SLOW] = 0;
		g->hot_valid[HOT_FAST] = g->hot_valid[HOT_SLOW] = FALSE;
		return;
	}
	/* both, always: each call also takes the counters for the next interval */
	ok = hot_of(g, HOT_FAST, r->first_scheme + VTIER_PLAN_HOT_FAST_OFFSET, status, counted,
		    &hot[HOT_FAST]);
	ok &= hot_of(g, HOT_SLOW, r->first_scheme + VTIER_PLAN_HOT_SLOW_OFFSET, status, counted,
		     &hot[HOT_SLOW]);
	if (!ok)
		return;
	g->hot_known = TRUE;
	s->down.hot_bytes = hot[HOT_FAST]; /* PUSH's source: the fast node */
	s->up.hot_bytes = hot[HOT_SLOW];   /* PULL's source: the slow node */
}
