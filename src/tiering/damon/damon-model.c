/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include "common/error.h"
#include "common/json.h"
#include "tiering/damon/damon-model.h"

/* ---- enumerations ---- */

static const gchar *const ops_names[] = { "vaddr", "fvaddr", "paddr" };
G_STATIC_ASSERT(G_N_ELEMENTS(ops_names) == VTIER_DAMON_OPS_LAST);

static const gchar *const action_names[] = {
	"willneed", "cold",	    "pageout",	    "hugepage", "nohugepage", "lru_prio",
	"lru_deprio", "migrate_hot", "migrate_cold", "stat",	"collapse",
};
G_STATIC_ASSERT(G_N_ELEMENTS(action_names) == VTIER_DAMON_ACTION_LAST);

static const gchar *const metric_names[] = {
	"user_input",	     "some_mem_psi_us",	   "node_mem_used_bp",
	"node_mem_free_bp",  "node_memcg_used_bp", "node_memcg_free_bp",
	"active_mem_bp",     "inactive_mem_bp",	   "node_eligible_mem_bp",
};
G_STATIC_ASSERT(G_N_ELEMENTS(metric_names) == VTIER_DAMON_METRIC_LAST);

static const gchar *const tuner_names[] = { "consist", "temporal" };
G_STATIC_ASSERT(G_N_ELEMENTS(tuner_names) == VTIER_DAMON_TUNER_LAST);

static const gchar *const wmark_names[] = { "none", "free_mem_rate" };
G_STATIC_ASSERT(G_N_ELEMENTS(wmark_names) == VTIER_DAMON_WMARK_LAST);

static const gchar *const filter_names[] = {
	"anon", "active", "memcg", "young", "hugepage_size", "unmapped", "addr", "target",
};
G_STATIC_ASSERT(G_N_ELEMENTS(filter_names) == VTIER_DAMON_FILTER_LAST);

static const gchar *const layer_names[] = { "core", "ops", "legacy" };
G_STATIC_ASSERT(G_N_ELEMENTS(layer_names) == VTIER_DAMON_LAYER_LAST);

static const gchar *const layer_dirs[] = { "core_filters", "ops_filters", "filters" };
G_STATIC_ASSERT(G_N_ELEMENTS(layer_dirs) == VTIER_DAMON_LAYER_LAST);

static gboolean lookup(const gchar *const *names, guint n, const gchar *text, guint *ret)
{
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(names[i], text) == 0) {
			*ret = i;
			return TRUE;
		}
	}
	return FALSE;
}

#define ENUM_CODEC(prefix, Type, names, last)                                          \
	const gchar *prefix##_to_string(Type value)                                    \
	{                                                                              \
		return (guint)value < (last) ? names[value] : "(invalid)";             \
	}                                                                              \
	gboolean prefix##_from_string(const gchar *text, Type *ret_value)              \
	{                                                                              \
		guint v;                                                               \
		if (!lookup(names, (last), text, &v))                                  \
			return FALSE;                                                  \
		*ret_value = (Type)v;                                                  \
		return TRUE;                                                           \
	}

ENUM_CODEC(vtier_damon_ops, VtierDamonOps, ops_names, VTIER_DAMON_OPS_LAST)
ENUM_CODEC(vtier_damon_action, VtierDamonAction, action_names, VTIER_DAMON_ACTION_LAST)
ENUM_CODEC(vtier_damon_goal_metric, VtierDamonGoalMetric, metric_names, VTIER_DAMON_METRIC_LAST)
ENUM_CODEC(vtier_damon_goal_tuner, VtierDamonGoalTuner, tuner_names, VTIER_DAMON_TUNER_LAST)
ENUM_CODEC(vtier_damon_wmark_metric, VtierDamonWmarkMetric, wmark_names, VTIER_DAMON_WMARK_LAST)
ENUM_CODEC(vtier_damon_filter_type, VtierDamonFilterType, filter_names, VTIER_DAMON_FILTER_LAST)
ENUM_CODEC(vtier_damon_filter_layer, VtierDamonFilterLayer, layer_names, VTIER_DAMON_LAYER_LAST)

VtierDamonFilterLayer vtier_damon_filter_type_layer(VtierDamonFilterType type)
{
	return type == VTIER_DAMON_FILTER_ADDR || type == VTIER_DAMON_FILTER_TARGET
		       ? VTIER_DAMON_LAYER_CORE
		       : VTIER_DAMON_LAYER_OPS;
}

const gchar *vtier_damon_filter_layer_dir(VtierDamonFilterLayer layer)
{
	return (guint)layer < VTIER_DAMON_LAYER_LAST ? layer_dirs[layer] : "filters";
}

/* ---- constructors (the kernel's defaults, as a fresh sysfs directory reads) ---- */

VtierDamonModel *vtier_damon_model_new(void)
{
	VtierDamonModel *model = g_new0(VtierDamonModel, 1);

	model->kdamonds = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_kdamond_free);
	return model;
}

void vtier_damon_model_free(VtierDamonModel *model)
{
	if (model == NULL)
		return;
	g_ptr_array_unref(model->kdamonds);
	g_free(model);
}

VtierDamonKdamond *vtier_damon_kdamond_new(void)
{
	VtierDamonKdamond *kdamond = g_new0(VtierDamonKdamond, 1);

	kdamond->context = vtier_damon_context_new();
	return kdamond;
}

void vtier_damon_kdamond_free(VtierDamonKdamond *kdamond)
{
	if (kdamond == NULL)
		return;
	vtier_damon_context_free(kdamond->context);
	g_free(kdamond);
}

VtierDamonContext *vtier_damon_context_new(void)
{
	VtierDamonContext *ctx = g_new0(VtierDamonContext, 1);

	ctx->operations = VTIER_DAMON_OPS_VADDR;
	ctx->addr_unit = 1;
	ctx->sample_us = 5000;
	ctx->aggr_us = 100000;
	ctx->update_us = 60000000;
	ctx->nr_regions_min = 10;
	ctx->nr_regions_max = 1000;
	ctx->perf_events = g_ptr_array_new_with_free_func(g_free);
	ctx->targets = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_target_free);
	ctx->schemes = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_scheme_free);
	return ctx;
}

void vtier_damon_context_free(VtierDamonContext *context)
{
	if (context == NULL)
		return;
	g_ptr_array_unref(context->perf_events);
	g_ptr_array_unref(context->targets);
	g_ptr_array_unref(context->schemes);
	g_free(context);
}

VtierDamonTarget *vtier_damon_target_new(void)
{
	VtierDamonTarget *target = g_new0(VtierDamonTarget, 1);

	target->regions = g_array_new(FALSE, TRUE, sizeof(VtierDamonRegion));
	return target;
}

void vtier_damon_target_free(VtierDamonTarget *target)
{
	if (target == NULL)
		return;
	g_array_unref(target->regions);
	g_free(target);
}

void vtier_damon_target_add_region(VtierDamonTarget *target, guint64 start, guint64 end)
{
	VtierDamonRegion region = { .start = start, .end = end };

	g_array_append_val(target->regions, region);
}

VtierDamonPerfEvent *vtier_damon_perf_event_new(void)
{
	VtierDamonPerfEvent *ev = g_new0(VtierDamonPerfEvent, 1);

	ev->freq = TRUE;
	ev->wakeup_events = 1;
	ev->precise_ip = 2;
	ev->exclude_kernel = TRUE;
	ev->exclude_hv = TRUE;
	return ev;
}

void vtier_damon_perf_event_free(VtierDamonPerfEvent *event)
{
	g_free(event);
}

VtierDamonScheme *vtier_damon_scheme_new(void)
{
	VtierDamonScheme *scheme = g_new0(VtierDamonScheme, 1);

	scheme->action = VTIER_DAMON_ACTION_STAT;
	scheme->target_nid = -1;
	scheme->quotas.goal_tuner = VTIER_DAMON_TUNER_CONSIST;
	scheme->quotas.goals = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_goal_free);
	scheme->watermarks.metric = VTIER_DAMON_WMARK_NONE;
	scheme->filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_filter_free);
	scheme->dests = g_array_new(FALSE, TRUE, sizeof(VtierDamonDest));
	g_atomic_ref_count_init(&scheme->ref_count);
	return scheme;
}

VtierDamonScheme *vtier_damon_scheme_ref(VtierDamonScheme *scheme)
{
	g_atomic_ref_count_inc(&scheme->ref_count);
	return scheme;
}

gboolean vtier_damon_scheme_is_shared(const VtierDamonScheme *scheme)
{
	return !g_atomic_ref_count_compare((gatomicrefcount *)&scheme->ref_count, 1);
}

void vtier_damon_scheme_free(VtierDamonScheme *scheme)
{
	if (scheme == NULL || !g_atomic_ref_count_dec(&scheme->ref_count))
		return;
	g_ptr_array_unref(scheme->quotas.goals);
	g_ptr_array_unref(scheme->filters);
	g_array_unref(scheme->dests);
	g_free(scheme);
}

VtierDamonGoal *vtier_damon_goal_new(void)
{
	VtierDamonGoal *goal = g_new0(VtierDamonGoal, 1);

	goal->target_metric = VTIER_DAMON_METRIC_USER_INPUT;
	goal->path = g_strdup("");
	return goal;
}

void vtier_damon_goal_free(VtierDamonGoal *goal)
{
	if (goal == NULL)
		return;
	g_free(goal->path);
	g_free(goal);
}

VtierDamonFilter *vtier_damon_filter_new(VtierDamonFilterType type)
{
	VtierDamonFilter *filter = g_new0(VtierDamonFilter, 1);

	filter->type = type;
	filter->layer = vtier_damon_filter_type_layer(type);
	filter->memcg_path = g_strdup("");
	return filter;
}

void vtier_damon_filter_free(VtierDamonFilter *filter)
{
	if (filter == NULL)
		return;
	g_free(filter->memcg_path);
	g_free(filter);
}

void vtier_damon_scheme_add_dest(VtierDamonScheme *scheme, guint id, guint weight)
{
	VtierDamonDest dest = { .id = id, .weight = weight };

	g_array_append_val(scheme->dests, dest);
}

VtierDamonKdamond *vtier_damon_model_add_kdamond(VtierDamonModel *model)
{
	VtierDamonKdamond *kdamond = vtier_damon_kdamond_new();

	g_ptr_array_add(model->kdamonds, kdamond);
	return kdamond;
}

VtierDamonTarget *vtier_damon_context_add_target(VtierDamonContext *context)
{
	VtierDamonTarget *target = vtier_damon_target_new();

	g_ptr_array_add(context->targets, target);
	return target;
}

VtierDamonScheme *vtier_damon_context_add_scheme(VtierDamonContext *context)
{
	VtierDamonScheme *scheme = vtier_damon_scheme_new();

	g_ptr_array_add(context->schemes, scheme);
	return scheme;
}

VtierDamonPerfEvent *vtier_damon_context_add_perf_event(VtierDamonContext *context)
{
	VtierDamonPerfEvent *event = vtier_damon_perf_event_new();

	g_ptr_array_add(context->perf_events, event);
	return event;
}

VtierDamonGoal *vtier_damon_scheme_add_goal(VtierDamonScheme *scheme)
{
	VtierDamonGoal *goal = vtier_damon_goal_new();

	g_ptr_array_add(scheme->quotas.goals, goal);
	return goal;
}

VtierDamonFilter *vtier_damon_scheme_add_filter(VtierDamonScheme *scheme, VtierDamonFilterType type)
{
	VtierDamonFilter *filter = vtier_damon_filter_new(type);

	g_ptr_array_add(scheme->filters, filter);
	return filter;
}

/* ---- JSON: writing ---- */

#define SET_U64(obj, s, f) vtier_json_set_u64(obj, #f, (s)->f)
#define SET_BOOL(obj, s, f) json_object_set_boolean_member(obj, #f, (s)->f)

static JsonObject *range_to_json(const VtierDamonRange *range)
{
	JsonObject *obj = json_object_new();

	SET_U64(obj, range, min);
	SET_U64(obj, range, max);
	return obj;
}

static JsonObject *perf_event_to_json(const VtierDamonPerfEvent *ev)
{
	JsonObject *obj = json_object_new();

	SET_U64(obj, ev, type);
	SET_U64(obj, ev, config);
	SET_U64(obj, ev, config1);
	SET_U64(obj, ev, config2);
	SET_BOOL(obj, ev, sample_phys_addr);
	SET_BOOL(obj, ev, sample_weight_struct);
	SET_BOOL(obj, ev, freq);
	SET_U64(obj, ev, sample_freq);
	SET_U64(obj, ev, sample_period);
	SET_U64(obj, ev, wakeup_events);
	SET_U64(obj, ev, precise_ip);
	SET_BOOL(obj, ev, exclude_kernel);
	SET_BOOL(obj, ev, exclude_hv);
	return obj;
}

static JsonObject *monitoring_attrs_to_json(const VtierDamonContext *ctx)
{
	JsonObject *attrs = json_object_new();
	JsonObject *intervals = json_object_new();
	JsonObject *goal = json_object_new();
	JsonObject *nr_regions = json_object_new();
	JsonObject *sample = json_object_new();
	JsonArray *events = json_array_new();

	SET_U64(intervals, ctx, sample_us);
	SET_U64(intervals, ctx, aggr_us);
	SET_U64(intervals, ctx, update_us);
	SET_U64(goal, &ctx->intervals_goal, access_bp);
	SET_U64(goal, &ctx->intervals_goal, aggrs);
	SET_U64(goal, &ctx->intervals_goal, min_sample_us);
	SET_U64(goal, &ctx->intervals_goal, max_sample_us);
	json_object_set_object_member(intervals, "intervals_goal", goal);
	json_object_set_object_member(attrs, "intervals", intervals);
	vtier_json_set_u64(nr_regions, "min", ctx->nr_regions_min);
	vtier_json_set_u64(nr_regions, "max", ctx->nr_regions_max);
	json_object_set_object_member(attrs, "nr_regions", nr_regions);
	for (guint i = 0; i < ctx->perf_events->len; i++)
		json_array_add_object_element(events, perf_event_to_json(ctx->perf_events->pdata[i]));
	json_object_set_array_member(sample, "perf_events", events);
	json_object_set_object_member(attrs, "sample", sample);
	return attrs;
}

static JsonObject *target_to_json(const VtierDamonTarget *target)
{
	JsonObject *obj = json_object_new();
	JsonArray *regions = json_array_new();

	json_object_set_int_member(obj, "pid_target", target->pid_target);
	SET_BOOL(obj, target, obsolete_target);
	for (guint i = 0; i < target->regions->len; i++) {
		const VtierDamonRegion *r = &g_array_index(target->regions, VtierDamonRegion, i);
		JsonObject *ro = json_object_new();

		SET_U64(ro, r, start);
		SET_U64(ro, r, end);
		json_array_add_object_element(regions, ro);
	}
	json_object_set_array_member(obj, "regions", regions);
	return obj;
}

static JsonObject *goal_to_json(const VtierDamonGoal *goal)
{
	JsonObject *obj = json_object_new();

	json_object_set_string_member(obj, "target_metric",
				      vtier_damon_goal_metric_to_string(goal->target_metric));
	SET_U64(obj, goal, target_value);
	SET_U64(obj, goal, current_value);
	json_object_set_int_member(obj, "nid", goal->nid);
	json_object_set_string_member(obj, "path", goal->path);
	return obj;
}

static JsonObject *quotas_to_json(const VtierDamonQuotas *q)
{
	JsonObject *obj = json_object_new();
	JsonObject *weights = json_object_new();
	JsonArray *goals = json_array_new();

	SET_U64(obj, q, ms);
	SET_U64(obj, q, bytes);
	SET_U64(obj, q, reset_interval_ms);
	json_object_set_string_member(obj, "goal_tuner",
				      vtier_damon_goal_tuner_to_string(q->goal_tuner));
	SET_U64(obj, q, fail_charge_num);
	SET_U64(obj, q, fail_charge_denom);
	SET_U64(weights, q, sz_permil);
	SET_U64(weights, q, nr_accesses_permil);
	SET_U64(weights, q, age_permil);
	json_object_set_object_member(obj, "weights", weights);
	for (guint i = 0; i < q->goals->len; i++)
		json_array_add_object_element(goals, goal_to_json(q->goals->pdata[i]));
	json_object_set_array_member(obj, "goals", goals);
	return obj;
}

static JsonObject *watermarks_to_json(const VtierDamonWatermarks *w)
{
	JsonObject *obj = json_object_new();

	json_object_set_string_member(obj, "metric", vtier_damon_wmark_metric_to_string(w->metric));
	SET_U64(obj, w, interval_us);
	SET_U64(obj, w, high);
	SET_U64(obj, w, mid);
	SET_U64(obj, w, low);
	return obj;
}

static JsonObject *filter_to_json(const VtierDamonFilter *f)
{
	JsonObject *obj = json_object_new();

	json_object_set_string_member(obj, "layer", vtier_damon_filter_layer_to_string(f->layer));
	json_object_set_string_member(obj, "type", vtier_damon_filter_type_to_string(f->type));
	SET_BOOL(obj, f, matching);
	SET_BOOL(obj, f, allow);
	json_object_set_string_member(obj, "memcg_path", f->memcg_path);
	SET_U64(obj, f, addr_start);
	SET_U64(obj, f, addr_end);
	SET_U64(obj, f, min);
	SET_U64(obj, f, max);
	json_object_set_int_member(obj, "damon_target_idx", f->damon_target_idx);
	return obj;
}

static JsonObject *scheme_to_json(const VtierDamonScheme *s)
{
	JsonObject *obj = json_object_new();
	JsonObject *pattern = json_object_new();
	JsonArray *filters = json_array_new();
	JsonArray *dests = json_array_new();

	json_object_set_string_member(obj, "action", vtier_damon_action_to_string(s->action));
	json_object_set_int_member(obj, "target_nid", s->target_nid);
	SET_U64(obj, s, apply_interval_us);
	json_object_set_object_member(pattern, "sz", range_to_json(&s->sz));
	json_object_set_object_member(pattern, "nr_accesses", range_to_json(&s->nr_accesses));
	json_object_set_object_member(pattern, "age", range_to_json(&s->age));
	json_object_set_object_member(obj, "access_pattern", pattern);
	json_object_set_object_member(obj, "quotas", quotas_to_json(&s->quotas));
	json_object_set_object_member(obj, "watermarks", watermarks_to_json(&s->watermarks));
	for (guint i = 0; i < s->filters->len; i++)
		json_array_add_object_element(filters, filter_to_json(s->filters->pdata[i]));
	json_object_set_array_member(obj, "filters", filters);
	for (guint i = 0; i < s->dests->len; i++) {
		const VtierDamonDest *d = &g_array_index(s->dests, VtierDamonDest, i);
		JsonObject *dobj = json_object_new();

		json_object_set_int_member(dobj, "id", d->id);
		json_object_set_int_member(dobj, "weight", d->weight);
		json_array_add_object_element(dests, dobj);
	}
	json_object_set_array_member(obj, "dests", dests);
	return obj;
}

static JsonObject *context_to_json(const VtierDamonContext *ctx)
{
	JsonObject *obj = json_object_new();
	JsonArray *targets = json_array_new();
	JsonArray *schemes = json_array_new();

	json_object_set_string_member(obj, "operations", vtier_damon_ops_to_string(ctx->operations));
	SET_U64(obj, ctx, addr_unit);
	SET_BOOL(obj, ctx, pause);
	json_object_set_object_member(obj, "monitoring_attrs", monitoring_attrs_to_json(ctx));
	for (guint i = 0; i < ctx->targets->len; i++)
		json_array_add_object_element(targets, target_to_json(ctx->targets->pdata[i]));
	json_object_set_array_member(obj, "targets", targets);
	for (guint i = 0; i < ctx->schemes->len; i++)
		json_array_add_object_element(schemes, scheme_to_json(ctx->schemes->pdata[i]));
	json_object_set_array_member(obj, "schemes", schemes);
	return obj;
}

JsonNode *vtier_damon_model_to_json(const VtierDamonModel *model)
{
	JsonObject *obj = json_object_new();
	JsonArray *kdamonds = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	for (guint i = 0; i < model->kdamonds->len; i++) {
		const VtierDamonKdamond *k = model->kdamonds->pdata[i];
		JsonObject *kobj = json_object_new();

		SET_U64(kobj, k, refresh_ms);
		json_object_set_object_member(kobj, "context", context_to_json(k->context));
		json_array_add_object_element(kdamonds, kobj);
	}
	json_object_set_array_member(obj, "kdamonds", kdamonds);
	json_node_take_object(node, obj);
	return node;
}

gchar *vtier_damon_model_to_data(const VtierDamonModel *model)
{
	g_autoptr(JsonNode) node = vtier_damon_model_to_json(model);

	return vtier_json_to_data(node);
}
