/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include <string.h>

#include "tiering/planner-private.h"
#include "tiering/planner.h"

/* Groups kept from one plan to the next. A guest's group of kdamond 0 (ratio, allowance,
 * pin-fast, pin-slow, monitor) is a function of its key below and of the plan's stamp (the
 * kernel's features the scheme builders read and the monitored nodes' ranges and sizes): when
 * both are what the previous plan built that group from, the new plan takes a reference to the
 * previous plan's schemes instead of building them again (at 500 guests a reconcile that adds one
 * guest built ~2000 schemes, with their filters and goals, and freed as many). The group's index
 * does not enter a paddr scheme. Hot-split groups depend on every member of their pair and add
 * notes while built: they are built every time. The result is the plan built from scratch, byte
 * for byte (test-planner, the /planner/reuse tests). */

struct _PlanGroupKey {
	gboolean parked;
	VtierPolicyMode mode;
	VtierPolicyTuner tuner;
	guint hot_threshold_bp;
	guint fast_ratio_bp;
	guint64 max_rate;
	guint64 cold_age_ms;
	guint64 memory_bytes;
	gchar *memcg_path;
	gint fast_node;
	gint slow_node;
	guint64 fast_target_bytes;
	/* what building the group set in the guest's result */
	guint n_schemes;
	gboolean hot_stats;
	gboolean primed;
};

static void group_key_clear(PlanGroupKey *key)
{
	g_free(key->memcg_path);
}

PlanGroupKey *plan_group_key_new(const PlanGuest *pg)
{
	PlanGroupKey *key = g_rc_box_new0(PlanGroupKey);
	const VtierPolicy *p;

	if (pg == NULL) {
		key->parked = TRUE;
		return key;
	}
	p = pg->guest->policy;
	key->mode = pg->result->mode;
	key->tuner = p->tuner;
	key->hot_threshold_bp = p->hot_threshold_bp;
	key->fast_ratio_bp = p->fast_ratio_bp;
	key->max_rate = p->max_rate;
	key->cold_age_ms = p->cold_age_ms;
	key->memory_bytes = pg->guest->memory_bytes;
	key->memcg_path = g_strdup(pg->guest->memcg_path);
	key->fast_node = pg->result->fast_node;
	key->slow_node = pg->result->slow_node;
	key->fast_target_bytes = pg->result->fast_target_bytes;
	return key;
}

PlanGroupKey *plan_group_key_ref(PlanGroupKey *key)
{
	return g_rc_box_acquire(key);
}

void plan_group_key_unref(PlanGroupKey *key)
{
	if (key != NULL)
		g_rc_box_release_full(key, (GDestroyNotify)group_key_clear);
}

/* Whether @key is what plan_group_key_new(@pg) would make (@pg NULL: parked). */
static gboolean group_key_matches(const PlanGroupKey *key, const PlanGuest *pg)
{
	const VtierPolicy *p;

	if (pg == NULL || key->parked)
		return pg == NULL && key->parked;
	p = pg->guest->policy;
	return key->mode == pg->result->mode && key->tuner == p->tuner &&
	       key->hot_threshold_bp == p->hot_threshold_bp &&
	       key->fast_ratio_bp == p->fast_ratio_bp && key->max_rate == p->max_rate &&
	       key->cold_age_ms == p->cold_age_ms &&
	       key->memory_bytes == pg->guest->memory_bytes &&
	       key->fast_node == pg->result->fast_node && key->slow_node == pg->result->slow_node &&
	       key->fast_target_bytes == pg->result->fast_target_bytes &&
	       g_strcmp0(key->memcg_path, pg->guest->memcg_path) == 0;
}

void plan_group_key_set_result(PlanGroupKey *key, const PlanGuest *pg)
{
	key->n_schemes = pg->result->n_schemes;
	key->hot_stats = pg->result->hot_stats;
	key->primed = pg->result->primed;
}

guint plan_group_key_n_schemes(const PlanGroupKey *key)
{
	return key->n_schemes;
}

gboolean plan_group_key_hot_stats(const PlanGroupKey *key)
{
	return key->hot_stats;
}

gboolean plan_group_key_primed(const PlanGroupKey *key)
{
	return key->primed;
}

static void stamp_add(GArray *stamp, guint64 value)
{
	g_array_append_val(stamp, value);
}

/* What every group of kdamond 0 depends on besides its key: the group size, the features the
 * scheme builders read, and each monitored node's id, size and ranges (add_keep_node keeps a
 * node by its ranges, or by the ranges of every other monitored node; allowance's goals use the
 * fast node's size). */
GArray *plan_reuse_stamp(const PlanContext *ctx, guint group_schemes)
{
	GArray *stamp = g_array_new(FALSE, FALSE, sizeof(guint64));

	stamp_add(stamp, group_schemes);
	stamp_add(stamp, ctx->modern_filters);
	stamp_add(stamp, ctx->tune_intervals);
	stamp_add(stamp, ctx->features->fail_charge);
	stamp_add(stamp, ctx->monitored->len);
	for (guint i = 0; i < ctx->monitored->len; i++) {
		const VtierNode *node = vtier_topology_get_node(
			ctx->input->topology, g_array_index(ctx->monitored, guint, i));

		stamp_add(stamp, node->id);
		stamp_add(stamp, node->total_bytes);
		stamp_add(stamp, node->ranges->len);
		for (guint j = 0; j < node->ranges->len; j++) {
			const VtierPhysRange *r = &g_array_index(node->ranges, VtierPhysRange, j);

			stamp_add(stamp, r->start);
			stamp_add(stamp, r->end);
		}
	}
	return stamp;
}

gboolean plan_reuse_possible(const VtierPlan *previous, const VtierPlan *plan)
{
	const VtierDamonContext *c;

	if (previous == NULL || previous->reuse_stamp == NULL || previous->group_keys == NULL ||
	    previous->model->kdamonds->len == 0 ||
	    previous->reuse_stamp->len != plan->reuse_stamp->len ||
	    memcmp(previous->reuse_stamp->data, plan->reuse_stamp->data,
		   plan->reuse_stamp->len * sizeof(guint64)) != 0)
		return FALSE;
	c = ((const VtierDamonKdamond *)g_ptr_array_index(previous->model->kdamonds, 0))->context;
	return c->operations == VTIER_DAMON_OPS_PADDR &&
	       c->schemes->len == previous->group_keys->len * plan->group_schemes;
}

/* The previous plan's group @g, shared into @c, when it was built from what @pg (NULL: parked)
 * gives now: returns a reference to its key (with its results), else NULL. */
PlanGroupKey *plan_reuse_group(const VtierPlan *previous, VtierDamonContext *c, guint g,
			       guint group_schemes, const PlanGuest *pg)
{
	const VtierDamonContext *old;
	PlanGroupKey *before;

	if (g >= previous->group_keys->len)
		return NULL;
	before = g_ptr_array_index(previous->group_keys, g);
	if (before == NULL || !group_key_matches(before, pg))
		return NULL;
	old = ((const VtierDamonKdamond *)g_ptr_array_index(previous->model->kdamonds, 0))->context;
	for (guint i = 0; i < group_schemes; i++)
		g_ptr_array_add(c->schemes,
				vtier_damon_scheme_ref(old->schemes->pdata[g * group_schemes + i]));
	return plan_group_key_ref(before);
}
