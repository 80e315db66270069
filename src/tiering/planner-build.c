/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include "tiering/planner-private.h"
#include "tiering/planner.h"

/* Lays out kdamond 0 (paddr, scheme groups in slot order) and kdamond 1 (vaddr, interleave). */

/* owner key -> GPtrArray of its PlanGuest (in name order), built once per plan. */
static GHashTable *group_members(GPtrArray *pgs)
{
	GHashTable *members = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						    (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; i < pgs->len; i++) {
		PlanGuest *pg = g_ptr_array_index(pgs, i);
		GPtrArray *list;

		if (pg->owner == NULL)
			continue;
		list = g_hash_table_lookup(members, pg->owner);
		if (list == NULL) {
			list = g_ptr_array_new();
			g_hash_table_insert(members, pg->owner, list);
		}
		g_ptr_array_add(list, pg);
	}
	return members;
}

/* The hot set's fast share of a pair: the guests' ratios weighted by their memory. */
static guint hot_split_target(VtierPlan *plan, GPtrArray *members)
{
	guint64 weight = 0, sum = 0;
	gboolean differ = FALSE;
	const PlanGuest *first = g_ptr_array_index(members, 0);

	for (guint i = 0; i < members->len; i++) {
		const PlanGuest *pg = g_ptr_array_index(members, i);
		guint64 w = MAX(pg->guest->memory_bytes >> 20, 1);

		weight += w;
		sum += w * pg->guest->policy->fast_ratio_bp;
		differ |= pg->guest->policy->fast_ratio_bp != first->guest->policy->fast_ratio_bp;
	}
	if (differ)
		g_ptr_array_add(plan->notes,
				g_strdup_printf("hot-split guests of nodes %d and %d ask different "
						"fast ratios; the host-wide split uses their "
						"memory-weighted mean, %" G_GUINT64_FORMAT " bp",
						first->result->fast_node, first->result->slow_node,
						sum / weight));
	return (guint)(sum / weight);
}

/* Who drives a pair's budgets: its first member's (by name) tuner; the plan notes a pair whose
 * guests ask different ones. The planner checked each member against its own tuner: with a
 * member of each, both ran on this kernel. */
static VtierPolicyTuner hot_split_tuner(VtierPlan *plan, GPtrArray *members)
{
	const PlanGuest *first = g_ptr_array_index(members, 0);
	VtierPolicyTuner tuner = first->guest->policy->tuner;

	for (guint i = 1; i < members->len; i++) {
		const PlanGuest *pg = g_ptr_array_index(members, i);

		if (pg->guest->policy->tuner != tuner) {
			g_ptr_array_add(plan->notes,
					g_strdup_printf("hot-split guests of nodes %d and %d ask "
							"different tuners; the host-wide split runs "
							"tuner=%s, the first guest's by name",
							first->result->fast_node,
							first->result->slow_node,
							vtier_policy_tuner_to_string(tuner)));
			break;
		}
	}
	return tuner;
}

/* The group's schemes past PULL/PUSH for a guest whose PULL/PUSH the controller drives:
 * stat-fast and stat-slow where the kernel counts its ops filters' bytes and its applications,
 * then the PUSH's primer where the kernel charges the PUSH for what it rejects; parked otherwise.
 * Returns the number of schemes the guest uses. */
static guint build_group_tail(const PlanContext *ctx, VtierDamonScheme **tail, guint n_tail,
			      PlanGuest *pg, guint n_used)
{
	gboolean closed = pg != NULL && n_used == 2 &&
			  (pg->result->mode == VTIER_POLICY_MODE_RATIO ||
			   pg->result->mode == VTIER_POLICY_MODE_ALLOWANCE) &&
			  pg->guest->policy->tuner == VTIER_POLICY_TUNER_VTIER;
	guint k = 0;

	if (closed && plan_hot_stats(ctx)) {
		plan_scheme_hot_stat(ctx, tail[k++], pg, TRUE);
		plan_scheme_hot_stat(ctx, tail[k++], pg, FALSE);
		pg->result->hot_stats = TRUE;
	}
	if (closed && plan_primes(ctx)) {
		plan_scheme_prime(ctx, tail[k++], pg);
		pg->result->primed = TRUE;
	}
	g_assert(k == 0 || k == n_tail);
	for (guint i = k; i < n_tail; i++)
		plan_scheme_park(tail[i]);
	return n_used + k;
}

/* Builds group @group of @owner (NULL: parked) from scratch. */
static void build_group_fresh(const PlanContext *ctx, VtierPlan *plan, VtierDamonContext *c,
			      GPtrArray *members, guint group)
{
	VtierDamonScheme *first = vtier_damon_context_add_scheme(c);
	VtierDamonScheme *second = vtier_damon_context_add_scheme(c);
	VtierDamonScheme *tail[3] = { NULL, NULL, NULL };
	guint n_tail = plan->group_schemes - 2;
	PlanGuest *pg;

	g_assert(n_tail <= G_N_ELEMENTS(tail));
	for (guint i = 0; i < n_tail; i++)
		tail[i] = vtier_damon_context_add_scheme(c);
	if (members == NULL) {
		plan_scheme_park(first);
		plan_scheme_park(second);
		build_group_tail(ctx, tail, n_tail, NULL, 0);
		return;
	}
	pg = g_ptr_array_index(members, 0);
	for (guint i = 0; i < members->len; i++) {
		PlanGuest *m = g_ptr_array_index(members, i);

		m->result->first_scheme = (gint)(group * plan->group_schemes);
		m->result->n_schemes = 2;
	}
	switch (pg->result->mode) {
	case VTIER_POLICY_MODE_RATIO:
	case VTIER_POLICY_MODE_ALLOWANCE:
		plan_scheme_pull(ctx, first, pg);
		plan_scheme_push(ctx, second, pg);
		pg->result->n_schemes = build_group_tail(ctx, tail, n_tail, pg, 2);
		return;
	case VTIER_POLICY_MODE_HOT_SPLIT: {
		guint target = hot_split_target(plan, members);
		guint fast = (guint)pg->result->fast_node, slow = (guint)pg->result->slow_node;
		VtierPolicyTuner tuner = hot_split_tuner(plan, members);
		gboolean hot = tuner == VTIER_POLICY_TUNER_VTIER && plan_hot_stats(ctx);

		plan_scheme_hot_split(ctx, first, fast, slow, TRUE, members, target, tuner);
		plan_scheme_hot_split(ctx, second, fast, slow, FALSE, members, target, tuner);
		if (hot) {
			plan_scheme_hot_split_stat(ctx, tail[0], fast, members);
			plan_scheme_hot_split_stat(ctx, tail[1], slow, members);
		}
		for (guint i = hot ? 2 : 0; i < n_tail; i++)
			plan_scheme_park(tail[i]);
		for (guint i = 0; i < members->len; i++) {
			PlanGuest *m = g_ptr_array_index(members, i);

			m->result->tuner = tuner;
			m->result->hot_target_bp = target;
			m->result->hot_stats = hot;
			m->result->n_schemes = hot ? 4 : 2;
		}
		return;
	}
	case VTIER_POLICY_MODE_PIN_FAST:
	case VTIER_POLICY_MODE_PIN_SLOW:
		plan_scheme_pin(ctx, first, pg);
		break;
	case VTIER_POLICY_MODE_MONITOR:
		plan_scheme_stat(ctx, first, pg);
		break;
	default:
		g_assert_not_reached();
	}
	plan_scheme_park(second);
	build_group_tail(ctx, tail, n_tail, NULL, 0);
	pg->result->n_schemes = 1;
}

/* Group @group of @owner (NULL: parked): shared with @previous when built there from the same
 * key (NULL: no group to share), else built; the plan records the key either way (a hot-split
 * pair's group, or a group of several guests, has none: never shared). */
static void build_group(const PlanContext *ctx, VtierPlan *plan, VtierDamonContext *c,
			GHashTable *by_owner, const gchar *owner, guint group,
			const VtierPlan *previous)
{
	GPtrArray *members = owner != NULL ? g_hash_table_lookup(by_owner, owner) : NULL;
	PlanGuest *pg = NULL;
	PlanGroupKey *key = NULL;
	gboolean keyed;

	g_assert(owner == NULL || (members != NULL && members->len > 0));
	if (members != NULL)
		pg = g_ptr_array_index(members, 0);
	keyed = members == NULL ||
		(members->len == 1 && pg->result->mode != VTIER_POLICY_MODE_HOT_SPLIT);
	if (keyed && previous != NULL)
		key = plan_reuse_group(previous, c, group, plan->group_schemes, pg);
	if (key != NULL) {
		if (pg != NULL) {
			pg->result->first_scheme = (gint)(group * plan->group_schemes);
			pg->result->n_schemes = plan_group_key_n_schemes(key);
			pg->result->hot_stats = plan_group_key_hot_stats(key);
			pg->result->primed = plan_group_key_primed(key);
		}
		g_ptr_array_add(plan->group_keys, key);
		return;
	}
	build_group_fresh(ctx, plan, c, members, group);
	if (keyed) {
		key = plan_group_key_new(pg);
		if (pg != NULL)
			plan_group_key_set_result(key, pg);
	}
	g_ptr_array_add(plan->group_keys, key);
}

/* Whether a range of a monitored node other than @node begins at @addr. */
static gboolean other_node_begins_at(const PlanContext *ctx, guint node, guint64 addr)
{
	for (guint i = 0; i < ctx->monitored->len; i++) {
		const VtierNode *other = vtier_topology_get_node(
			ctx->input->topology, g_array_index(ctx->monitored, guint, i));

		for (guint j = 0; other->id != node && j < other->ranges->len; j++)
			if (g_array_index(other->ranges, VtierPhysRange, j).start == addr)
				return TRUE;
	}
	return FALSE;
}

/* The monitored nodes' ranges, with the last page of a range left out where another node's
 * begins right after it. Where two nodes meet, a DAMON region can span both; the PULL's and the
 * PUSH's node filters then split it, and 6.18's walk skips the part past the split for that
 * pass, every pass (the regions merge again): in the lab a region of 1023-1226 MiB held node 1's
 * first 202 MiB out of every PULL (vtierd's aims have the same cure: reconcile.c,
 * vtier_budgets_hole_aims). DAMON merges only adjacent regions, so the page left out keeps each
 * region on one node. 6.12 and 7.3 walk the rest of a split region; the page costs them
 * nothing. */
static void build_target(const PlanContext *ctx, VtierDamonContext *c)
{
	VtierDamonTarget *target = vtier_damon_context_add_target(c);

	for (guint i = 0; i < ctx->monitored->len; i++) {
		const VtierNode *node = vtier_topology_get_node(
			ctx->input->topology, g_array_index(ctx->monitored, guint, i));

		for (guint j = 0; j < node->ranges->len; j++) {
			const VtierPhysRange *r = &g_array_index(node->ranges, VtierPhysRange, j);
			guint64 end = r->end;

			if (end - r->start > PLAN_NODE_EDGE_HOLE_BYTES &&
			    other_node_begins_at(ctx, node->id, end))
				end -= PLAN_NODE_EDGE_HOLE_BYTES;
			vtier_damon_target_add_region(target, r->start, end);
		}
	}
}

void plan_build_paddr(const PlanContext *ctx, VtierPlan *plan, GPtrArray *pgs)
{
	VtierDamonKdamond *k = vtier_damon_model_add_kdamond(plan->model);
	VtierDamonContext *c = k->context;
	g_autoptr(GHashTable) by_owner = group_members(pgs);
	const VtierPlan *previous = NULL;

	if (ctx->features->refresh_ms)
		k->refresh_ms = PLAN_REFRESH_MS;
	plan_set_monitoring(ctx, c, VTIER_DAMON_OPS_PADDR);
	plan->sampler_reason = plan_perf_event(ctx, c);
	build_target(ctx, c);
	plan->reuse_stamp = plan_reuse_stamp(ctx, plan->group_schemes);
	plan->group_keys = g_ptr_array_new_full(plan->slots->owners->len,
						(GDestroyNotify)plan_group_key_unref);
	if (plan_reuse_possible(ctx->input->reuse, plan))
		previous = ctx->input->reuse;
	for (guint g = 0; g < plan->slots->owners->len; g++)
		build_group(ctx, plan, c, by_owner, g_ptr_array_index(plan->slots->owners, g), g,
			    previous);
}

/* kdamond 1: one vaddr target per interleave guest (by name), one scheme each. */
void plan_build_vaddr(const PlanContext *ctx, VtierPlan *plan, GPtrArray *pgs)
{
	VtierDamonKdamond *k = vtier_damon_model_add_kdamond(plan->model);
	VtierDamonContext *c = k->context;
	guint n = 0;

	if (ctx->features->refresh_ms)
		k->refresh_ms = PLAN_REFRESH_MS;
	plan_set_monitoring(ctx, c, VTIER_DAMON_OPS_VADDR);
	for (guint i = 0; i < pgs->len; i++) {
		PlanGuest *pg = g_ptr_array_index(pgs, i);
		VtierDamonTarget *target;

		if (!pg->result->planned || pg->result->mode != VTIER_POLICY_MODE_INTERLEAVE)
			continue;
		target = vtier_damon_context_add_target(c);
		target->pid_target = pg->guest->pid;
		plan_scheme_interleave(ctx, vtier_damon_context_add_scheme(c), pg, n);
		pg->result->kdamond = 1;
		pg->result->first_scheme = (gint)n;
		pg->result->n_schemes = 1;
		n++;
	}
	if (n == 0)
		g_ptr_array_add(plan->notes,
				g_strdup("kdamond 1 (vaddr, interleave) has no guest yet: DAMON stops "
					 "a kdamond without targets, so vtierd turns it on when the "
					 "first interleave guest runs"));
}
