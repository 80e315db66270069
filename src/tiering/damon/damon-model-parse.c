/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include "common/error.h"
#include "common/json.h"
#include "tiering/damon/damon-model.h"

/* The JSON parser of damon-model.h: every member is optional (absent means the kernel's
 * default), unknown members and spellings are errors naming their JSON path. */

typedef VtierJsonReader Reader;

#define GET_U64(r, s, f) vtier_json_get_u64(r, #f, &(s)->f)
#define GET_BOOL(r, s, f) vtier_json_get_bool(r, #f, &(s)->f)

/* Iterates the objects of array member @name: calls @parse(node, path, item_data, error). */
typedef gboolean (*ParseItem)(JsonNode *node, const gchar *path, gpointer data, GError **error);

static void parse_array(Reader *r, const gchar *name, ParseItem parse, gpointer data)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_ARRAY);
	g_autofree gchar *path = NULL;
	JsonArray *array;

	if (node == NULL)
		return;
	path = vtier_json_child_path(r->path, name, 0);
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array) && !r->failed; i++) {
		g_autofree gchar *item = vtier_json_child_path(path, NULL, (gint)i);

		if (!parse(json_array_get_element(array, i), item, data, r->error))
			r->failed = TRUE;
	}
}

/* Reads object member @name with @parse(node, path, data, error). */
static void parse_object(Reader *r, const gchar *name, ParseItem parse, gpointer data)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_OBJECT);
	g_autofree gchar *path = NULL;

	if (node == NULL)
		return;
	path = vtier_json_child_path(r->path, name, 0);
	if (!parse(node, path, data, r->error))
		r->failed = TRUE;
}

static gboolean parse_range(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonRange *range = data;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, range, min);
	GET_U64(&r, range, max);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_perf_event(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonPerfEvent *ev = vtier_damon_context_add_perf_event(data);
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, ev, type);
	GET_U64(&r, ev, config);
	GET_U64(&r, ev, config1);
	GET_U64(&r, ev, config2);
	GET_BOOL(&r, ev, sample_phys_addr);
	GET_BOOL(&r, ev, sample_weight_struct);
	GET_BOOL(&r, ev, freq);
	GET_U64(&r, ev, sample_freq);
	GET_U64(&r, ev, sample_period);
	GET_U64(&r, ev, wakeup_events);
	GET_U64(&r, ev, precise_ip);
	GET_BOOL(&r, ev, exclude_kernel);
	GET_BOOL(&r, ev, exclude_hv);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_intervals_goal(JsonNode *node, const gchar *path, gpointer data,
				     GError **error)
{
	VtierDamonIntervalsGoal *goal = data;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, goal, access_bp);
	GET_U64(&r, goal, aggrs);
	GET_U64(&r, goal, min_sample_us);
	GET_U64(&r, goal, max_sample_us);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_intervals(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonContext *ctx = data;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, ctx, sample_us);
	GET_U64(&r, ctx, aggr_us);
	GET_U64(&r, ctx, update_us);
	parse_object(&r, "intervals_goal", parse_intervals_goal, &ctx->intervals_goal);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_sample(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	parse_array(&r, "perf_events", parse_perf_event, data);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_attrs(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonContext *ctx = data;
	VtierDamonRange nr_regions = { ctx->nr_regions_min, ctx->nr_regions_max };
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	parse_object(&r, "intervals", parse_intervals, ctx);
	parse_object(&r, "nr_regions", parse_range, &nr_regions);
	parse_object(&r, "sample", parse_sample, ctx);
	ctx->nr_regions_min = nr_regions.min;
	ctx->nr_regions_max = nr_regions.max;
	return vtier_json_reader_finish(&r);
}

static gboolean parse_region(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonRegion region = { 0 };
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, &region, start);
	GET_U64(&r, &region, end);
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	g_array_append_val(((VtierDamonTarget *)data)->regions, region);
	return TRUE;
}

static gboolean parse_target(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonTarget *target = vtier_damon_context_add_target(data);
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	vtier_json_get_int(&r, "pid_target", &target->pid_target);
	GET_BOOL(&r, target, obsolete_target);
	parse_array(&r, "regions", parse_region, target);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_goal(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonGoal *goal = vtier_damon_scheme_add_goal(data);
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	VTIER_JSON_GET_ENUM(&r, "target_metric", vtier_damon_goal_metric_from_string,
				  &goal->target_metric);
	GET_U64(&r, goal, target_value);
	GET_U64(&r, goal, current_value);
	vtier_json_get_int(&r, "nid", &goal->nid);
	vtier_json_get_string(&r, "path", &goal->path);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_weights(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonQuotas *q = data;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, q, sz_permil);
	GET_U64(&r, q, nr_accesses_permil);
	GET_U64(&r, q, age_permil);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_quotas(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonScheme *scheme = data;
	VtierDamonQuotas *q = &scheme->quotas;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, q, ms);
	GET_U64(&r, q, bytes);
	GET_U64(&r, q, reset_interval_ms);
	VTIER_JSON_GET_ENUM(&r, "goal_tuner", vtier_damon_goal_tuner_from_string,
				  &q->goal_tuner);
	GET_U64(&r, q, fail_charge_num);
	GET_U64(&r, q, fail_charge_denom);
	parse_object(&r, "weights", parse_weights, q);
	parse_array(&r, "goals", parse_goal, scheme);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_watermarks(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonWatermarks *w = data;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	VTIER_JSON_GET_ENUM(&r, "metric", vtier_damon_wmark_metric_from_string, &w->metric);
	GET_U64(&r, w, interval_us);
	GET_U64(&r, w, high);
	GET_U64(&r, w, mid);
	GET_U64(&r, w, low);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_filter(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonFilter *f = vtier_damon_scheme_add_filter(data, VTIER_DAMON_FILTER_ANON);
	gboolean has_layer;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	has_layer = json_object_has_member(r.obj, "layer");
	VTIER_JSON_GET_ENUM(&r, "type", vtier_damon_filter_type_from_string, &f->type);
	f->layer = vtier_damon_filter_type_layer(f->type);
	if (has_layer)
		VTIER_JSON_GET_ENUM(&r, "layer", vtier_damon_filter_layer_from_string,
					  &f->layer);
	GET_BOOL(&r, f, matching);
	GET_BOOL(&r, f, allow);
	vtier_json_get_string(&r, "memcg_path", &f->memcg_path);
	GET_U64(&r, f, addr_start);
	GET_U64(&r, f, addr_end);
	GET_U64(&r, f, min);
	GET_U64(&r, f, max);
	vtier_json_get_uint(&r, "damon_target_idx", &f->damon_target_idx);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_dest(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonDest dest = { 0 };
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	vtier_json_get_uint(&r, "id", &dest.id);
	vtier_json_get_uint(&r, "weight", &dest.weight);
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	g_array_append_val(((VtierDamonScheme *)data)->dests, dest);
	return TRUE;
}

static gboolean parse_pattern(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonScheme *s = data;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	parse_object(&r, "sz", parse_range, &s->sz);
	parse_object(&r, "nr_accesses", parse_range, &s->nr_accesses);
	parse_object(&r, "age", parse_range, &s->age);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_scheme(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonScheme *s = vtier_damon_context_add_scheme(data);
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	VTIER_JSON_GET_ENUM(&r, "action", vtier_damon_action_from_string, &s->action);
	vtier_json_get_int(&r, "target_nid", &s->target_nid);
	GET_U64(&r, s, apply_interval_us);
	parse_object(&r, "access_pattern", parse_pattern, s);
	parse_object(&r, "quotas", parse_quotas, s);
	parse_object(&r, "watermarks", parse_watermarks, &s->watermarks);
	parse_array(&r, "filters", parse_filter, s);
	parse_array(&r, "dests", parse_dest, s);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_context(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonContext *ctx = data;
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	VTIER_JSON_GET_ENUM(&r, "operations", vtier_damon_ops_from_string, &ctx->operations);
	GET_U64(&r, ctx, addr_unit);
	GET_BOOL(&r, ctx, pause);
	parse_object(&r, "monitoring_attrs", parse_attrs, ctx);
	parse_array(&r, "targets", parse_target, ctx);
	parse_array(&r, "schemes", parse_scheme, ctx);
	return vtier_json_reader_finish(&r);
}

static gboolean parse_kdamond(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierDamonKdamond *k = vtier_damon_model_add_kdamond(data);
	Reader r;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	GET_U64(&r, k, refresh_ms);
	parse_object(&r, "context", parse_context, k->context);
	return vtier_json_reader_finish(&r);
}

VtierDamonModel *vtier_damon_model_from_json(JsonNode *node, GError **error)
{
	g_autoptr(VtierDamonModel) model = vtier_damon_model_new();
	Reader r;

	if (!vtier_json_reader_init(&r, node, "", error))
		return NULL;
	parse_array(&r, "kdamonds", parse_kdamond, model);
	if (!vtier_json_reader_finish(&r))
		return NULL;
	return g_steal_pointer(&model);
}

VtierDamonModel *vtier_damon_model_from_data(const gchar *data, GError **error)
{
	g_autoptr(JsonNode) node = vtier_json_from_data(data, error);

	if (node == NULL)
		return NULL;
	return vtier_damon_model_from_json(node, error);
}
