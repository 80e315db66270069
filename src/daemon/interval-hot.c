/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include "daemon/manager-private.h"

/* Each guest's hot bytes per node, for the controller and status (docs/planner.md, "Hot memory
 * per node"). A guest whose PULL/PUSH the controller drives has two `stat` schemes (stat-fast,
 * stat-slow) kept to its memcg and to one node's ranges. DAMON's paddr `stat` adds the bytes of
 * the memcg's pages in every hot region to stats/sz_ops_filter_passed at each application, and
 * counts the applications in stats/nr_snapshots: the growth of the one over the growth of the
 * other is the guest's mean hot bytes on that node over the interval (lab, 7.3: 123.9 MiB for a
 * 128 MiB hot set, another memcg's hot memory on the same node left out). The planner adds the
 * schemes only where the kernel has both files. */

enum { HOT_FAST, HOT_SLOW };

/* One node's mean hot bytes since the last interval into @ret; FALSE when there is no measure
 * yet (a new scheme, a restarted kdamond). An interval in which the kernel published nothing new
 * (its files refresh every refresh_ms) keeps the last measure. One of the slow node's is left out
 * while g->hot_skip says its scheme changed (a survey began or ended, interval.c, survey_slow):
 * such an interval mixes two measures, and a survey's first pass over pages no check has marked
 * yet counts them all as young. While readings are left out the guest has no reading of its hot
 * memory at all (vtier_daemon_guest_measure_hot), so the controller starts and judges no
 * exchange on one: kept, the last measure stood still, and an exchange started on it stopped
 * after 4 steps "not shrinking" (the benchmark's moving workload, 7.3, 7 Dec 2026); the
 * survey's last count, kept after its end, started an exchange of DAMON's regions at 7 MiB a
 * window whose PULL and PUSH each moved 22 MiB for a remnant of 14 (e2e). */
static gboolean hot_of(VtierDaemonGuest *g, guint which, gint scheme,
		       const VtierDamonKdamondStatus *status, guint64 *ret)
{
	const VtierDamonSchemeStats *st;
	guint64 passed, snaps;
	gboolean fresh;

	if (status == NULL || status->schemes == NULL || scheme < 0 ||
	    (guint)scheme >= status->schemes->len)
		return FALSE;
	st = &g_array_index(status->schemes, VtierDamonSchemeStats, scheme);
	fresh = g->hot_scheme[which] != scheme + 1 ||
		st->sz_ops_filter_passed < g->hot_passed[which] ||
		st->nr_snapshots < g->hot_snapshots[which];
	passed = st->sz_ops_filter_passed - (fresh ? 0 : g->hot_passed[which]);
	snaps = st->nr_snapshots - (fresh ? 0 : g->hot_snapshots[which]);
	g->hot_scheme[which] = scheme + 1;
	g->hot_passed[which] = st->sz_ops_filter_passed;
	g->hot_snapshots[which] = st->nr_snapshots;
	if (fresh) {
		g->hot_valid[which] = FALSE;
	} else if (snaps > 0 && which == HOT_SLOW && g->hot_skip > 0) {
		g->hot_skip--;
	} else if (snaps > 0) {
		g->hot_last[which] = passed / snaps;
		g->hot_valid[which] = TRUE;
	}
	*ret = g->hot_last[which];
	return g->hot_valid[which];
}

void vtier_daemon_guest_measure_hot(VtierDaemonGuest *g, const VtierDamonKdamondStatus *status,
				    VtierSnapshotGuest *s)
{
	const VtierPlanGuestResult *r = g->result;
	guint64 hot[2] = { 0, 0 };
	gboolean skipping = g->hot_skip > 0; /* a reading left out: this one too */
	gboolean ok;

	g->hot_known = FALSE;
	if (r == NULL || !r->planned || !r->hot_stats || r->first_scheme < 0 || r->kdamond != 0) {
		g->hot_scheme[HOT_FAST] = g->hot_scheme[HOT_SLOW] = 0;
		g->hot_valid[HOT_FAST] = g->hot_valid[HOT_SLOW] = FALSE;
		return;
	}
	/* both, always: each call also takes the counters for the next interval */
	ok = hot_of(g, HOT_FAST, r->first_scheme + VTIER_PLAN_HOT_FAST_OFFSET, status,
		    &hot[HOT_FAST]);
	ok &= hot_of(g, HOT_SLOW, r->first_scheme + VTIER_PLAN_HOT_SLOW_OFFSET, status,
		     &hot[HOT_SLOW]);
	if (!ok || skipping)
		return;
	g->hot_known = TRUE;
	s->down.hot_bytes = hot[HOT_FAST]; /* PUSH's source: the fast node */
	s->up.hot_bytes = hot[HOT_SLOW];   /* PULL's source: the slow node */
	s->down.hot_unknown = s->up.hot_unknown = FALSE;
}
