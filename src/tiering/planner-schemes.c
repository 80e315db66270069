/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include "tiering/planner-private.h"
#include "tiering/planner.h"

/* The schemes of each mode. Filters keep a scheme to one guest (memcg) and one source node
 * (addr): on 6.14+ kernels in core_filters/ops_filters with `allow` (reject form for addresses,
 * because memory that no core filter matches passes the core stage once an ops filter exists),
 * on 6.12 in filters/, where a filter excludes what it matches (matching=Y) or does not match
 * (matching=N). */

guint64 plan_hot_min_accesses(guint hot_threshold_bp)
{
	guint64 max = PLAN_AGGR_US / PLAN_SAMPLE_US;
	guint64 n = (max * hot_threshold_bp + 9999) / 10000;

	return MAX(n, 1);
}

guint64 plan_age_intervals(guint64 ms)
{
	guint64 aggr_ms = PLAN_AGGR_US / 1000;

	return (ms + aggr_ms - 1) / aggr_ms;
}

/* A fresh scheme directory matches nothing (every access_pattern range is 0..0, measured on 6.12,
 * 6.18 and 7.3): every scheme the planner lays out starts from "every region". */
static void match_all(VtierDamonScheme *scheme)
{
	scheme->sz.min = 0;
	scheme->sz.max = G_MAXUINT64;
	scheme->nr_accesses.min = 0;
	scheme->nr_accesses.max = G_MAXUINT32;
	scheme->age.min = 0;
	scheme->age.max = G_MAXUINT32;
}

/* 0 (every aggregation interval) with fixed intervals; a fixed 100 ms with auto-tuning. */
static guint64 plan_apply_interval(const PlanContext *ctx)
{
	return ctx->tune_intervals ? PLAN_TUNED_APPLY_US : 0;
}

static VtierDamonFilter *add_filter(const PlanContext *ctx, VtierDamonScheme *scheme,
				    VtierDamonFilterType type)
{
	VtierDamonFilter *filter = vtier_damon_scheme_add_filter(scheme, type);

	if (!ctx->modern_filters)
		filter->layer = VTIER_DAMON_LAYER_LEGACY;
	return filter;
}

static const VtierNode *node_of(const PlanContext *ctx, guint id)
{
	return vtier_topology_get_node(ctx->input->topology, id);
}

/* Keeps only memory on node @keep: one "not in this range" filter when the node has one range,
 * else one "in this range" rejection per range of every other monitored node. */
static void add_keep_node(const PlanContext *ctx, VtierDamonScheme *scheme, guint keep)
{
	const VtierNode *node = node_of(ctx, keep);

	if (node->ranges->len == 1) {
		const VtierPhysRange *r = &g_array_index(node->ranges, VtierPhysRange, 0);
		VtierDamonFilter *f = add_filter(ctx, scheme, VTIER_DAMON_FILTER_ADDR);

		f->matching = FALSE;
		f->allow = FALSE;
		f->addr_start = r->start;
		f->addr_end = r->end;
		return;
	}
	for (guint i = 0; i < ctx->monitored->len; i++) {
		const VtierNode *other = node_of(ctx, g_array_index(ctx->monitored, guint, i));

		if (other->id == keep)
			continue;
		for (guint j = 0; j < other->ranges->len; j++) {
			const VtierPhysRange *r = &g_array_index(other->ranges, VtierPhysRange, j);
			VtierDamonFilter *f = add_filter(ctx, scheme, VTIER_DAMON_FILTER_ADDR);

			f->matching = TRUE;
			f->allow = FALSE;
			f->addr_start = r->start;
			f->addr_end = r->end;
		}
	}
}

static void add_reject_young(const PlanContext *ctx, VtierDamonScheme *scheme)
{
	VtierDamonFilter *f = add_filter(ctx, scheme, VTIER_DAMON_FILTER_YOUNG);

	f->matching = TRUE;
	f->allow = FALSE;
}

/* Keeps only the guest's memcg. With @allows (6.14+ only) the filter allows the guest's pages,
 * and no later filter looks at them; without, it rejects every other page, and the guest's go on
 * to the next filter (the only form 6.12 has). */
static void add_keep_memcg(const PlanContext *ctx, VtierDamonScheme *scheme, const gchar *path,
			   gboolean allows)
{
	VtierDamonFilter *f = add_filter(ctx, scheme, VTIER_DAMON_FILTER_MEMCG);

	g_free(f->memcg_path);
	f->memcg_path = g_strdup(path);
	f->matching = allows && ctx->modern_filters;
	f->allow = allows && ctx->modern_filters;
}

static void set_quota(const PlanContext *ctx, VtierDamonScheme *scheme, guint64 rate)
{
	guint64 bytes = rate * PLAN_RESET_INTERVAL_MS / 1000;

	scheme->quotas.bytes = MAX(bytes, 4096);
	scheme->quotas.reset_interval_ms = PLAN_RESET_INTERVAL_MS;
	scheme->quotas.sz_permil = PLAN_WEIGHT_SZ_PERMIL;
	scheme->quotas.nr_accesses_permil = PLAN_WEIGHT_NR_ACCESSES_PERMIL;
	scheme->quotas.age_permil = PLAN_WEIGHT_AGE_PERMIL;
	if (ctx->features->fail_charge) {
		scheme->quotas.fail_charge_num = PLAN_FAIL_CHARGE_NUM;
		scheme->quotas.fail_charge_denom = PLAN_FAIL_CHARGE_DENOM;
	}
}

static void add_goal(VtierDamonScheme *scheme, VtierDamonGoalMetric metric, guint64 target,
		     gint nid, const gchar *path)
{
	VtierDamonGoal *goal = vtier_damon_scheme_add_goal(scheme);

	goal->target_metric = metric;
	goal->target_value = target;
	if (nid >= 0) /* else the kernel's default: the file may not exist (6.12) */
		goal->nid = nid;
	if (path != NULL) {
		g_free(goal->path);
		goal->path = g_strdup(path);
	}
}

void plan_scheme_park(VtierDamonScheme *scheme)
{
	scheme->action = VTIER_DAMON_ACTION_STAT;
	scheme->quotas.bytes = VTIER_PLAN_PARKED_BYTES;
	scheme->quotas.reset_interval_ms = PLAN_RESET_INTERVAL_MS;
}

/* The share (bp) of the guest's memory its fast target is. */
static guint64 target_share_bp(const PlanGuest *pg)
{
	const VtierPlanGuest *g = pg->guest;

	if (g->memory_bytes == 0)
		return g->policy->fast_ratio_bp;
	return MIN(pg->result->fast_target_bytes * 10000 / g->memory_bytes, 10000);
}

/* The kernel-tuner goals of PULL (@pull) or PUSH for ratio and allowance (tuner=kernel). */
static void add_kernel_goals(const PlanContext *ctx, VtierDamonScheme *scheme,
			     const PlanGuest *pg, gboolean pull)
{
	const VtierPlanGuest *g = pg->guest;
	const VtierNode *fast = node_of(ctx, (guint)pg->result->fast_node);
	guint64 bp;

	if (g->policy->mode == VTIER_POLICY_MODE_RATIO) {
		/* vtierd feeds current_value from memory.numa_stat */
		bp = target_share_bp(pg);
		add_goal(scheme, VTIER_DAMON_METRIC_USER_INPUT, pull ? bp : 10000 - bp, -1, NULL);
		return;
	}
	bp = fast->total_bytes ? pg->result->fast_target_bytes * 10000 / fast->total_bytes : 0;
	bp = MIN(bp, 10000);
	add_goal(scheme,
		 pull ? VTIER_DAMON_METRIC_NODE_MEMCG_USED_BP : VTIER_DAMON_METRIC_NODE_MEMCG_FREE_BP,
		 pull ? MAX(bp, 1) : MAX(10000 - bp, 1), (gint)fast->id, g->memcg_path);
}

/* A PULL over every region of the slow node (closed loop, pin-fast) ranks regions by access
 * frequency only. DAMOS resets the age of every region it tries, whether anything moved or not,
 * and among regions with no access the youngest rank highest: with an age weight, the free pages
 * and other memory the PULL had just tried stayed the top-ranked cold regions, the quota's score
 * threshold let only those (>= one budget's worth) be tried, and the guest's older cold pages
 * were never reached. Measured on 7.3: a guest settled at 50% asked to go to 70% moved 0.5 MiB
 * in 60 s, its PULL trying the same six 33 MiB free regions at the top of node 1 (age 1, nothing
 * passing the memcg filter) at ~1.2 GiB/s (docs/controller.md). Without an age weight every cold
 * region scores 0: hot regions still come first when they fill the budget, and below that the
 * budget walks the node in address order. */
static void pull_rank_by_frequency(VtierDamonScheme *scheme)
{
	scheme->quotas.age_permil = 0;
}

/* No priority weights: DAMOS takes the regions in address order and resumes each window where
 * the last one stopped (the walk of kernels without fail_charge, below). */
static void rank_in_address_order(VtierDamonScheme *scheme)
{
	scheme->quotas.sz_permil = 0;
	scheme->quotas.nr_accesses_permil = 0;
	scheme->quotas.age_permil = 0;
}

/* With vtier's closed loop (src/tiering/controller.h) the PULL of ratio and allowance, and
 * pin-fast's, take every region of the guest on the slow node, hottest first by access
 * frequency, so that a share above the hot set can be reached (measured in the lab on 7.3: the
 * hot set arrived first, then cold pages up to the share; docs/controller.md). Without
 * fail_charge (< 7.2) the weights are 0 and DAMON takes regions in address order (6.18: 49.5% in
 * 16 s). Ranked, such a PULL stalls once the hot set is fast: 6.18's quota threshold is taken
 * over every region the access pattern lets through, the fast node's too, which the addr filter
 * then rejects, so with a budget's worth of hotter memory on the fast node no region of the slow
 * node is above it (7.3 leaves the rejected regions out). 6.18, 5 Dec 2026: a 50% ratio stopped
 * at 24.9% with the PULL at 32 MiB a window trying nothing for 80 s, pin-fast at 32 MiB/s at
 * 66.9 of 256 MiB (docs/controller.md). Before (2 Dec), with an age weight, the PULL also kept
 * charging the regions the hot set had just left. */
static void pull_every_region(const PlanContext *ctx, VtierDamonScheme *scheme)
{
	scheme->nr_accesses.min = 0;
	pull_rank_by_frequency(scheme);
	if (!ctx->features->fail_charge)
		rank_in_address_order(scheme);
}

/* Without fail_charge the closed loop's PULL walks in address order (above), so which of the
 * guest's pages come first is the layout's luck (87.6% of the hot set fast in one 6.18 run).
 * Unranked, a pattern can still choose: the plan's PULL takes only regions at the hot threshold,
 * and vtierd widens it to every region (nr_accesses.min 0) once that walk runs dry, so the hot
 * set comes first and the cold pages up to the share after it (src/daemon/interval.c,
 * "walk_pull"; docs/controller.md). The fast node's hot regions do not skew a pattern as they
 * do a ranking's threshold: they pass it, and the addr filter skips them uncharged. */
static void walk_hot_first(VtierDamonScheme *scheme, const VtierPolicy *policy)
{
	scheme->nr_accesses.min = plan_hot_min_accesses(policy->hot_threshold_bp);
}

void plan_scheme_pull(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg)
{
	const VtierPolicy *policy = pg->guest->policy;

	match_all(scheme);
	scheme->action = VTIER_DAMON_ACTION_MIGRATE_HOT;
	scheme->target_nid = pg->result->fast_node;
	scheme->apply_interval_us = plan_apply_interval(ctx);
	scheme->nr_accesses.min = plan_hot_min_accesses(policy->hot_threshold_bp);
	set_quota(ctx, scheme, policy->max_rate);
	if (policy->tuner == VTIER_POLICY_TUNER_KERNEL) {
		add_kernel_goals(ctx, scheme, pg, TRUE);
	} else {
		pull_every_region(ctx, scheme);
		if (!ctx->features->fail_charge)
			walk_hot_first(scheme, policy);
	}
	add_keep_node(ctx, scheme, (guint)pg->result->slow_node);
	add_keep_memcg(ctx, scheme, pg->guest->memcg_path, TRUE);
}

/* Without fail_charge (< 7.2) a closed loop's PUSH takes every region of the fast node in
 * address order and demotes the guest's pages that were not touched since the last check
 * (`young` rejected). Measured on 6.18 (e2e, 3 Dec 2026): a PUSH over regions without access,
 * coldest first, spent its whole 26 MiB a window on node 0's free pages and other memory (the
 * kernel charges the tries its memcg filter rejects): 376 MiB tried, 0 moved, a 30% target
 * never left 48.8%. The guest's cold pages lay in regions with its hot ones, which a pattern of
 * nr_accesses 0 never reaches; unranked, DAMOS resumes each window where the last one stopped,
 * so the walk reaches them. The PULL does the same there (pull_every_region). */
static void push_every_region(VtierDamonScheme *scheme)
{
	scheme->nr_accesses.max = G_MAXUINT32;
	rank_in_address_order(scheme);
}

/* The PUSH takes regions without access, coldest first, and rejects pages touched since the last
 * check (young). With the kernel's goal tuner it also waits for the policy's cold age. With
 * vtier's closed loop it does not: the controller asks for a PUSH only while the guest is above
 * its target, and the guest's cold pages on the fast node lie between its hot ones, page by page,
 * where DAMON's regions of them rarely reach the age. Measured on 7.3: after 50% -> 70% the cold
 * regions of the guest on node 0 were 4-160 KiB slivers between hot ones, none older than 9.5 s
 * (a 10 s cold age), and 70% -> 30% stopped at 53.7% (docs/controller.md). */
void plan_scheme_push(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg)
{
	const VtierPolicy *policy = pg->guest->policy;

	match_all(scheme);
	scheme->action = VTIER_DAMON_ACTION_MIGRATE_COLD;
	scheme->target_nid = pg->result->slow_node;
	scheme->apply_interval_us = plan_apply_interval(ctx);
	scheme->nr_accesses.min = 0;
	scheme->nr_accesses.max = 0;
	set_quota(ctx, scheme, policy->max_rate);
	if (policy->tuner == VTIER_POLICY_TUNER_KERNEL) {
		scheme->age.min = plan_age_intervals(policy->cold_age_ms);
		add_kernel_goals(ctx, scheme, pg, FALSE);
	} else if (!ctx->features->fail_charge) {
		push_every_region(scheme);
	}
	add_keep_node(ctx, scheme, (guint)pg->result->fast_node);
	add_reject_young(ctx, scheme);
	add_keep_memcg(ctx, scheme, pg->guest->memcg_path, TRUE);
}

/* pin-fast / pin-slow: every page of the guest on the other tier moves, hottest (pin-fast) or
 * coldest (pin-slow) first, at the policy's rate. pin-fast is a PULL over every region, ranked as
 * the closed loop's is (pull_every_region: by frequency only, or in address order without
 * fail_charge). pin-slow keeps the age weight: the coldest rank highest, and a region tried (age
 * reset) drops to the bottom, so its tries rotate. */
void plan_scheme_pin(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg)
{
	gboolean to_fast = pg->guest->policy->mode == VTIER_POLICY_MODE_PIN_FAST;

	match_all(scheme);
	scheme->action = to_fast ? VTIER_DAMON_ACTION_MIGRATE_HOT : VTIER_DAMON_ACTION_MIGRATE_COLD;
	scheme->target_nid = to_fast ? pg->result->fast_node : pg->result->slow_node;
	scheme->apply_interval_us = plan_apply_interval(ctx);
	set_quota(ctx, scheme, pg->guest->policy->max_rate);
	if (to_fast)
		pull_every_region(ctx, scheme);
	add_keep_node(ctx, scheme,
		      (guint)(to_fast ? pg->result->slow_node : pg->result->fast_node));
	add_keep_memcg(ctx, scheme, pg->guest->memcg_path, TRUE);
}

/* monitor: a stat scheme over the guest's memory (no migration, no budget needed). */
void plan_scheme_stat(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg)
{
	match_all(scheme);
	scheme->action = VTIER_DAMON_ACTION_STAT;
	scheme->apply_interval_us = plan_apply_interval(ctx);
	add_keep_memcg(ctx, scheme, pg->guest->memcg_path, TRUE);
}

/* The guest's hot memory on one node, for vtier's controller (docs/planner.md, "Hot memory per
 * node"): the PULL's hotness threshold, kept to the node's ranges and the guest's memcg as the
 * PULL/PUSH are, no quota (a stat scheme moves nothing). On paddr, `stat` walks the pages of
 * every matching region and adds those its ops filters let through (the memcg's) to
 * stats/sz_ops_filter_passed; stats/nr_snapshots counts its applications, so their growth over
 * an interval gives the guest's mean hot bytes on that node. */
static void hot_stat_on(const PlanContext *ctx, VtierDamonScheme *scheme, guint node,
			guint hot_threshold_bp)
{
	match_all(scheme);
	scheme->action = VTIER_DAMON_ACTION_STAT;
	scheme->apply_interval_us =
		ctx->tune_intervals ? PLAN_HOT_STAT_TUNED_APPLY_US : PLAN_HOT_STAT_APPLY_US;
	scheme->nr_accesses.min = plan_hot_min_accesses(hot_threshold_bp);
	add_keep_node(ctx, scheme, node);
}

/* Only the pages touched since the last check: a hot region also holds the cold pages that lie
 * between its hot ones in physical memory. */
static void add_keep_young(const PlanContext *ctx, VtierDamonScheme *scheme)
{
	VtierDamonFilter *f = add_filter(ctx, scheme, VTIER_DAMON_FILTER_YOUNG);

	f->matching = FALSE;
	f->allow = FALSE;
}

/* One guest's: the memcg filter first, in its reject form, so that the young filter (an rmap walk
 * per page, which also marks the page old) looks at the guest's pages only, not at other guests'
 * in the same regions. vtierd widens the slow node's to every region for a while after a ramp
 * (src/daemon/interval.c, survey_slow), where that is most of the node. */
void plan_scheme_hot_stat(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg,
			  gboolean fast)
{
	hot_stat_on(ctx, scheme, (guint)(fast ? pg->result->fast_node : pg->result->slow_node),
		    pg->guest->policy->hot_threshold_bp);
	add_keep_memcg(ctx, scheme, pg->guest->memcg_path, FALSE);
	add_keep_young(ctx, scheme);
}

/* Whether a `stat` scheme walks a region's pages through its ops filters and counts those they
 * let through (paddr, 6.14+: stats/sz_ops_filter_passed), with a `young` ops filter to use. */
static gboolean stat_walks_pages(const PlanContext *ctx)
{
	const VtierDamonFeatures *f = ctx->features;

	return ctx->modern_filters && f->scheme_stats != NULL &&
	       vtier_damon_features_has_filter_type(f, VTIER_DAMON_LAYER_OPS,
						    VTIER_DAMON_FILTER_YOUNG) &&
	       g_strv_contains((const gchar *const *)f->scheme_stats, "sz_ops_filter_passed");
}

gboolean plan_hot_stats(const PlanContext *ctx)
{
	/* 6.18 has sz_ops_filter_passed but not nr_snapshots: without the count of applications
	 * the bytes passed are no measure (the time since the last read is not one either: in the
	 * lab, 7.3 applied its schemes 4.5 times a second, not the nominal 10) */
	return stat_walks_pages(ctx) &&
	       g_strv_contains((const gchar *const *)ctx->features->scheme_stats, "nr_snapshots");
}

/* A primer needs a kernel that charges the PUSH for what its filters reject (no fail_charge)
 * and whose `stat` runs a scheme's ops filters page by page (stat_walks_pages), with an ops
 * memcg filter to keep to the guest's pages. */
gboolean plan_primes(const PlanContext *ctx)
{
	return stat_walks_pages(ctx) && !ctx->features->fail_charge &&
	       vtier_damon_features_has_filter_type(ctx->features, VTIER_DAMON_LAYER_OPS,
						    VTIER_DAMON_FILTER_MEMCG);
}

guint plan_group_schemes(const PlanContext *ctx)
{
	return VTIER_PLAN_GROUP_SCHEMES + (plan_hot_stats(ctx) ? 2 : 0) + (plan_primes(ctx) ? 1 : 0);
}

/* The PUSH's primer. The PUSH's `young` filter calls a page young when its PTE was accessed or
 * its idle flag is clear, and marks it old as it looks; DAMON's own sampling marks one page per
 * region at a time, so most of a guest's pages read young the first time the PUSH meets them,
 * and only the next pass moves those still old. Without fail_charge the kernel charges that
 * first pass in full: at the few MiB a window of a guest a few points above its target it takes
 * minutes (6.18, tests/kernel/push-guest.sh: 987 MiB tried and 6 MiB moved in the first 14 s,
 * then 155 MiB in 8 s; docs/controller.md). The primer does the marking pass uncharged to the
 * PUSH: `stat` over the same node, the guest's pages only (the memcg filter comes first, so
 * other memory is neither looked at nor marked), each marked old by the young filter. It comes
 * after the PUSH in the group, so in each region the PUSH looks before the primer marks: the
 * PUSH moves a page not touched for at least one apply interval (an aggregation interval, what
 * DAMON itself counts as no access). Parked in the plan; vtierd opens it while the PUSH has a
 * budget (src/daemon/interval.c, prime_push), at most VTIER_PLAN_PRIME_BYTES a window walked in
 * address order. sz_ops_filter_passed counts the guest's old pages it saw. */
void plan_scheme_prime(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg)
{
	match_all(scheme);
	scheme->action = VTIER_DAMON_ACTION_STAT;
	scheme->apply_interval_us = plan_apply_interval(ctx);
	scheme->quotas.bytes = VTIER_PLAN_PARKED_BYTES;
	scheme->quotas.reset_interval_ms = PLAN_RESET_INTERVAL_MS;
	add_keep_node(ctx, scheme, (guint)pg->result->fast_node);
	/* the memcg filter first, so other memory is neither looked at nor marked */
	add_keep_memcg(ctx, scheme, pg->guest->memcg_path, FALSE);
	add_reject_young(ctx, scheme);
}

void plan_scheme_hot_split(const PlanContext *ctx, VtierDamonScheme *scheme, guint fast,
			   guint slow, gboolean to_fast, GPtrArray *members, guint target_bp,
			   VtierPolicyTuner tuner)
{
	const PlanGuest *first = g_ptr_array_index(members, 0);
	guint64 rate = first->guest->policy->max_rate;

	for (guint i = 1; i < members->len; i++) {
		const PlanGuest *pg = g_ptr_array_index(members, i);

		rate = MIN(rate, pg->guest->policy->max_rate);
	}
	match_all(scheme);
	scheme->action = VTIER_DAMON_ACTION_MIGRATE_HOT;
	scheme->target_nid = (gint)(to_fast ? fast : slow);
	scheme->apply_interval_us = plan_apply_interval(ctx);
	scheme->nr_accesses.min =
		plan_hot_min_accesses(first->guest->policy->hot_threshold_bp);
	scheme->quotas.bytes = MAX(rate * PLAN_RESET_INTERVAL_MS / 1000, 4096);
	scheme->quotas.reset_interval_ms = PLAN_RESET_INTERVAL_MS;
	if (tuner == VTIER_POLICY_TUNER_KERNEL) {
		scheme->quotas.goal_tuner = VTIER_DAMON_TUNER_TEMPORAL;
		add_goal(scheme, VTIER_DAMON_METRIC_NODE_ELIGIBLE_MEM_BP,
			 to_fast ? target_bp : 10000 - target_bp, (gint)(to_fast ? fast : slow),
			 NULL);
	} else if (ctx->features->fail_charge) {
		/* the controller's budgets (quotas/bytes) are exact per window only when the
		 * pages the memcg filter rejects are not charged (as for ratio) */
		scheme->quotas.fail_charge_num = PLAN_FAIL_CHARGE_NUM;
		scheme->quotas.fail_charge_denom = PLAN_FAIL_CHARGE_DENOM;
	}
	add_keep_node(ctx, scheme, to_fast ? slow : fast);
	for (guint i = 0; i < members->len; i++) {
		const PlanGuest *pg = g_ptr_array_index(members, i);

		add_keep_memcg(ctx, scheme, pg->guest->memcg_path, TRUE);
	}
}

void plan_scheme_hot_split_stat(const PlanContext *ctx, VtierDamonScheme *scheme, guint node,
				GPtrArray *members)
{
	const PlanGuest *first = g_ptr_array_index(members, 0);

	hot_stat_on(ctx, scheme, node, first->guest->policy->hot_threshold_bp);
	/* several memcgs: their allow filters, last */
	add_keep_young(ctx, scheme);
	for (guint i = 0; i < members->len; i++) {
		const PlanGuest *pg = g_ptr_array_index(members, i);

		add_keep_memcg(ctx, scheme, pg->guest->memcg_path, TRUE);
	}
}

/* interleave (Configuration B): the hot set of the guest's address space spread over its fast
 * and slow node by weight; the target filter keeps the scheme to this guest's QEMU process. */
void plan_scheme_interleave(const PlanContext *ctx, VtierDamonScheme *scheme,
			    const PlanGuest *pg, guint target_index)
{
	const VtierPolicy *policy = pg->guest->policy;
	guint fast_weight = (policy->fast_ratio_bp + 50) / 100;
	VtierDamonFilter *f;

	match_all(scheme);
	scheme->action = VTIER_DAMON_ACTION_MIGRATE_HOT;
	scheme->apply_interval_us = plan_apply_interval(ctx);
	scheme->nr_accesses.min = plan_hot_min_accesses(policy->hot_threshold_bp);
	set_quota(ctx, scheme, policy->max_rate);
	f = add_filter(ctx, scheme, VTIER_DAMON_FILTER_TARGET);
	f->damon_target_idx = target_index;
	f->matching = FALSE;
	f->allow = FALSE;
	vtier_damon_scheme_add_dest(scheme, (guint)pg->result->fast_node, fast_weight);
	vtier_damon_scheme_add_dest(scheme, (guint)pg->result->slow_node, 100 - fast_weight);
}
