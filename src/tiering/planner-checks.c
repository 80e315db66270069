/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include "tiering/planner-private.h"
#include "tiering/planner.h"

/* What each mode needs from the kernel and the host, checked before any scheme is laid out so a
 * refused guest gets no slot. Every message names the guest, its mode and what is missing. */

static gchar *lacks(const PlanContext *ctx, const PlanGuest *pg, const gchar *what)
{
	return g_strdup_printf("guest \"%s\": mode %s needs %s, which the kernel (%s) lacks",
			       pg->guest->name, vtier_policy_mode_to_string(pg->guest->policy->mode),
			       what, ctx->features->source ? ctx->features->source : "probe");
}

static gchar *needs(const PlanGuest *pg, const gchar *what)
{
	return g_strdup_printf("guest \"%s\": mode %s needs %s", pg->guest->name,
			       vtier_policy_mode_to_string(pg->guest->policy->mode), what);
}

static gboolean has_filter(const PlanContext *ctx, VtierDamonFilterType type)
{
	VtierDamonFilterLayer layer =
		ctx->modern_filters ? vtier_damon_filter_type_layer(type) : VTIER_DAMON_LAYER_LEGACY;

	return vtier_damon_features_has_filter_type(ctx->features, layer, type);
}

/* Filters every migrating paddr scheme uses: the guest's memcg and its source node's range. */
static gchar *check_filters(const PlanContext *ctx, const PlanGuest *pg, gboolean young)
{
	if (!has_filter(ctx, VTIER_DAMON_FILTER_ADDR))
		return lacks(ctx, pg, "the DAMOS filter type addr");
	if (!has_filter(ctx, VTIER_DAMON_FILTER_MEMCG))
		return lacks(ctx, pg, "the DAMOS filter type memcg");
	if (young && !has_filter(ctx, VTIER_DAMON_FILTER_YOUNG))
		return lacks(ctx, pg, "the DAMOS filter type young");
	if (pg->guest->memcg_path == NULL || pg->guest->memcg_path[0] != '/')
		return needs(pg, "the memory cgroup its memory is charged to (unknown: is the "
				 "guest running? `vtierctl plan` takes --memcg NAME=PATH)");
	return NULL;
}

static gchar *check_tiers(const PlanGuest *pg)
{
	if (pg->result->fast_node < 0)
		return needs(pg, "a fast memory node (the host has none it can use)");
	if (pg->result->slow_node < 0)
		return needs(pg, "a slow memory node near its fast node (the host has none)");
	return NULL;
}

static gchar *check_ratio(const PlanContext *ctx, const PlanGuest *pg)
{
	const VtierPolicy *policy = pg->guest->policy;
	const VtierDamonFeatures *f = ctx->features;

	if (!vtier_damon_features_has_action(f, VTIER_DAMON_ACTION_MIGRATE_HOT))
		return lacks(ctx, pg, "the DAMOS action migrate_hot (Linux 6.11+)");
	if (!vtier_damon_features_has_action(f, VTIER_DAMON_ACTION_MIGRATE_COLD))
		return lacks(ctx, pg, "the DAMOS action migrate_cold (Linux 6.11+)");
	if (policy->tuner != VTIER_POLICY_TUNER_KERNEL)
		return check_filters(ctx, pg, TRUE);
	if (policy->mode == VTIER_POLICY_MODE_RATIO &&
	    !vtier_damon_features_has_goal_metric(f, VTIER_DAMON_METRIC_USER_INPUT))
		return lacks(ctx, pg, "the quota goal metric user_input (tuner=kernel)");
	if (policy->mode == VTIER_POLICY_MODE_ALLOWANCE &&
	    (!vtier_damon_features_has_goal_metric(f, VTIER_DAMON_METRIC_NODE_MEMCG_USED_BP) ||
	     !vtier_damon_features_has_goal_metric(f, VTIER_DAMON_METRIC_NODE_MEMCG_FREE_BP) ||
	     !f->goal_nid || !f->goal_path))
		return lacks(ctx, pg,
			     "the quota goal metrics node_memcg_used_bp/node_memcg_free_bp with goal "
			     "nid and path (Linux 6.19+) for tuner=kernel (tuner=vtier works here)");
	return check_filters(ctx, pg, TRUE);
}

static gchar *check_hot_split(const PlanContext *ctx, const PlanGuest *pg)
{
	const VtierDamonFeatures *f = ctx->features;

	if (!vtier_damon_features_has_action(f, VTIER_DAMON_ACTION_MIGRATE_HOT))
		return lacks(ctx, pg, "the DAMOS action migrate_hot (Linux 6.11+)");
	if (pg->guest->policy->tuner == VTIER_POLICY_TUNER_KERNEL) {
		if (!vtier_damon_features_has_goal_metric(f,
							  VTIER_DAMON_METRIC_NODE_ELIGIBLE_MEM_BP) ||
		    !f->goal_nid)
			return lacks(ctx, pg,
				     "the quota goal metric node_eligible_mem_bp with goal nid (Linux "
				     "7.2+) for tuner=kernel");
		if (!vtier_damon_features_has_goal_tuner(f, VTIER_DAMON_TUNER_TEMPORAL))
			return lacks(ctx, pg,
				     "the quota goal tuner temporal (Linux 7.1+) for tuner=kernel");
	}
	if (!ctx->modern_filters)
		return lacks(ctx, pg, "core_filters/ops_filters with allow (Linux 6.14+)");
	/* vtier's loop measures the hot memory of the pair per node with two stat schemes */
	if (pg->guest->policy->tuner == VTIER_POLICY_TUNER_VTIER &&
	    !plan_hot_stats(ctx))
		return lacks(ctx, pg,
			     "the scheme stats sz_ops_filter_passed and nr_snapshots (7.3 has them, "
			     "6.18 not) to measure hot memory per node for tuner=vtier");
	return check_filters(ctx, pg, FALSE);
}

static gchar *check_interleave(const PlanContext *ctx, const PlanGuest *pg)
{
	const VtierDamonFeatures *f = ctx->features;
	const VtierPlanOptions *options = ctx->input->options;

	if (!vtier_damon_features_has_operations(f, VTIER_DAMON_OPS_VADDR))
		return lacks(ctx, pg, "the vaddr monitoring operations");
	if (!vtier_damon_features_has_action(f, VTIER_DAMON_ACTION_MIGRATE_HOT))
		return lacks(ctx, pg, "the DAMOS action migrate_hot (Linux 6.11+)");
	if (!f->dests)
		return lacks(ctx, pg, "DAMOS dests, weighted migration destinations (Linux 6.17+)");
	if (!ctx->modern_filters ||
	    !vtier_damon_features_has_filter_type(f, VTIER_DAMON_LAYER_CORE,
						  VTIER_DAMON_FILTER_TARGET))
		return lacks(ctx, pg, "the core DAMOS filter type target (Linux 6.14+)");
	if (options == NULL || !options->vaddr_kdamond)
		return needs(pg, "the second, vaddr kdamond: set [damon] vaddr_kdamond=true in "
				 "vtierd.conf and restart vtierd (nr_kdamonds cannot change while "
				 "a kdamond runs)");
	if (pg->guest->pid <= 0)
		return needs(pg, "the QEMU process id (unknown: is the guest running?)");
	return NULL;
}

static gchar *check_pin(const PlanContext *ctx, const PlanGuest *pg)
{
	VtierDamonAction action = pg->guest->policy->mode == VTIER_POLICY_MODE_PIN_FAST
					  ? VTIER_DAMON_ACTION_MIGRATE_HOT
					  : VTIER_DAMON_ACTION_MIGRATE_COLD;

	if (!vtier_damon_features_has_action(ctx->features, action)) {
		g_autofree gchar *what = g_strdup_printf("the DAMOS action %s (Linux 6.11+)",
							 vtier_damon_action_to_string(action));

		return lacks(ctx, pg, what);
	}
	return check_filters(ctx, pg, FALSE);
}

gchar *plan_check_guest(const PlanContext *ctx, const PlanGuest *pg)
{
	VtierPolicyMode mode = pg->guest->policy->mode;
	gchar *why = NULL;

	if (mode == VTIER_POLICY_MODE_OFF)
		return NULL;
	if (mode == VTIER_POLICY_MODE_MONITOR) {
		if (!vtier_damon_features_has_action(ctx->features, VTIER_DAMON_ACTION_STAT))
			return lacks(ctx, pg, "the DAMOS action stat");
		if (!has_filter(ctx, VTIER_DAMON_FILTER_MEMCG))
			return lacks(ctx, pg, "the DAMOS filter type memcg");
		if (pg->guest->memcg_path == NULL || pg->guest->memcg_path[0] != '/')
			return needs(pg, "the memory cgroup its memory is charged to (unknown: is "
					 "the guest running? `vtierctl plan` takes --memcg "
					 "NAME=PATH)");
		return pg->result->fast_node < 0 ? check_tiers(pg) : NULL;
	}
	why = check_tiers(pg);
	if (why != NULL)
		return why;
	switch (mode) {
	case VTIER_POLICY_MODE_RATIO:
	case VTIER_POLICY_MODE_ALLOWANCE:
		return check_ratio(ctx, pg);
	case VTIER_POLICY_MODE_HOT_SPLIT:
		return check_hot_split(ctx, pg);
	case VTIER_POLICY_MODE_INTERLEAVE:
		return check_interleave(ctx, pg);
	case VTIER_POLICY_MODE_PIN_FAST:
	case VTIER_POLICY_MODE_PIN_SLOW:
		return check_pin(ctx, pg);
	default:
		g_assert_not_reached();
	}
	return NULL;
}
