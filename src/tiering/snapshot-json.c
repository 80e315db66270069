/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-snapshot"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "tiering/snapshot.h"

/* The snapshot's JSON codec. Absent strings are omitted (and decode as NULL); unknown
 * members are errors. */

static void set_string(JsonObject *obj, const gchar *name, const gchar *value)
{
	if (value != NULL)
		json_object_set_string_member(obj, name, value);
}

static void set_bp(JsonObject *obj, const gchar *name, guint bp)
{
	if (bp == VTIER_SNAPSHOT_NO_BP)
		json_object_set_null_member(obj, name);
	else
		json_object_set_int_member(obj, name, bp);
}

static JsonNode *strings_to_json(const GPtrArray *strings)
{
	JsonArray *array = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < strings->len; i++)
		json_array_add_string_element(array, g_ptr_array_index(strings, i));
	json_node_take_array(node, array);
	return node;
}

static JsonNode *direction_to_json(const VtierSnapshotDirection *d, gboolean table)
{
	JsonObject *obj = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	vtier_json_set_u64(obj, "budget_bytes", d->budget_bytes);
	vtier_json_set_u64(obj, "migrated_bytes", d->migrated_bytes);
	if (table) {
		json_node_take_object(node, obj);
		return node;
	}
	vtier_json_set_u64(obj, "tried_bytes", d->tried_bytes);
	vtier_json_set_u64(obj, "quota_exceeded", d->quota_exceeded);
	if (!d->hot_unknown)
		vtier_json_set_u64(obj, "hot_bytes", d->hot_bytes);
	json_object_set_int_member(obj, "scheme", d->scheme);
	if (d->walk != VTIER_SNAPSHOT_WALK_NONE)
		set_string(obj, "walk", vtier_snapshot_walk_to_string(d->walk));
	json_node_take_object(node, obj);
	return node;
}

static JsonNode *histogram_to_json(const VtierHistogram *h)
{
	JsonObject *obj = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);
	JsonArray *bounds = json_array_new();
	JsonArray *counts = json_array_new();

	for (guint i = 0; i < h->bounds->len; i++) {
		json_array_add_double_element(bounds, g_array_index(h->bounds, gdouble, i));
		json_array_add_int_element(counts, (gint64)g_array_index(h->counts, guint64, i));
	}
	json_object_set_array_member(obj, "bounds", bounds);
	json_object_set_array_member(obj, "counts", counts);
	vtier_json_set_u64(obj, "count", h->count);
	json_object_set_double_member(obj, "sum", h->sum);
	json_node_take_object(node, obj);
	return node;
}

static void guest_nodes_to_json(JsonObject *obj, const VtierSnapshotGuest *g)
{
	JsonArray *nodes = json_array_new();

	for (guint i = 0; i < g->nodes->len; i++) {
		const VtierSnapshotGuestNode *n = &g_array_index(g->nodes, VtierSnapshotGuestNode, i);
		JsonObject *o = json_object_new();

		json_object_set_int_member(o, "node", n->node);
		json_object_set_string_member(o, "tier", vtier_tier_to_string(n->tier));
		vtier_json_set_u64(o, "bytes", n->bytes);
		json_array_add_object_element(nodes, o);
	}
	json_object_set_array_member(obj, "nodes", nodes);
}

/* With @table, only what vtier_status_render() shows (vtier_snapshot_to_json_table()). */
static JsonNode *guest_to_json(const VtierSnapshotGuest *g, gboolean table)
{
	JsonObject *obj = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);
	JsonArray *unmovable = json_array_new();
	gboolean full = !table;

	set_string(obj, "name", g->name);
	if (full) {
		set_string(obj, "uuid", g->uuid);
		set_string(obj, "source", g->source);
		json_object_set_int_member(obj, "pid", g->pid);
		set_string(obj, "memcg_path", g->memcg_path);
	}
	set_string(obj, "mode", g->mode);
	if (full) {
		set_string(obj, "tuner", g->tuner);
		set_string(obj, "policy_origin", g->policy_origin);
		json_object_set_int_member(obj, "priority", g->priority);
	}
	json_object_set_string_member(obj, "state", vtier_guest_state_to_string(g->state));
	set_string(obj, "state_reason", g->state_reason);
	if (full) {
		vtier_json_set_u64(obj, "memory_bytes", g->memory_bytes);
		json_object_set_int_member(obj, "fast_node", g->fast_node);
		json_object_set_int_member(obj, "slow_node", g->slow_node);
	}
	set_bp(obj, "target_share_bp", g->target_share_bp);
	vtier_json_set_u64(obj, "target_fast_bytes", g->target_fast_bytes);
	json_object_set_boolean_member(obj, "measured", g->measured);
	vtier_json_set_u64(obj, "fast_bytes", g->fast_bytes);
	vtier_json_set_u64(obj, "slow_bytes", g->slow_bytes);
	set_bp(obj, "share_bp", g->share_bp);
	if (full)
		guest_nodes_to_json(obj, g);
	json_object_set_member(obj, "up", direction_to_json(&g->up, table));
	json_object_set_member(obj, "down", direction_to_json(&g->down, table));
	json_object_set_string_member(obj, "control_state",
				      vtier_control_state_to_string(g->control_state));
	set_string(obj, "control_reason", g->control_reason);
	vtier_json_set_u64(obj, "granted_fast_bytes", g->granted_fast_bytes);
	json_object_set_int_member(obj, "control_error_bytes", g->control_error_bytes);
	if (g->surveying)
		json_object_set_boolean_member(obj, "surveying", TRUE);
	for (guint i = 0; i < g->unmovable->len; i++) {
		const VtierSnapshotUnmovable *u = g_ptr_array_index(g->unmovable, i);
		JsonObject *o = json_object_new();

		json_object_set_string_member(o, "reason", u->reason);
		vtier_json_set_u64(o, "bytes", u->bytes);
		json_array_add_object_element(unmovable, o);
	}
	json_object_set_array_member(obj, "unmovable", unmovable);
	if (full) {
		json_object_set_double_member(obj, "fast_byte_seconds", g->fast_byte_seconds);
		json_object_set_double_member(obj, "slow_byte_seconds", g->slow_byte_seconds);
	}
	set_string(obj, "last_error", g->last_error);
	if (full)
		json_object_set_int_member(obj, "last_error_time", g->last_error_time);
	json_node_take_object(node, obj);
	return node;
}

JsonNode *vtier_snapshot_guest_to_json(const VtierSnapshotGuest *g)
{
	return guest_to_json(g, FALSE);
}

static JsonNode *snapshot_to_json(const VtierSnapshot *s, gboolean table)
{
	JsonObject *obj = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);
	JsonArray *nodes = json_array_new();
	JsonArray *guests = json_array_new();
	JsonObject *errors = json_object_new();
	g_autoptr(GList) kinds = g_hash_table_get_keys(s->errors_total);

	json_object_set_int_member(obj, "snapshot_version", VTIER_SNAPSHOT_VERSION);
	set_string(obj, "version", s->version);
	json_object_set_int_member(obj, "time_unix_ms", s->time_unix_ms);
	vtier_json_set_u64(obj, "sequence", s->sequence);
	json_object_set_int_member(obj, "interval_ms", s->interval_ms);
	json_object_set_boolean_member(obj, "dry_run", s->dry_run);
	set_string(obj, "sysroot", s->sysroot);
	json_object_set_boolean_member(obj, "kdamond_up", s->kdamond_up);
	json_object_set_int_member(obj, "kdamond_pid", s->kdamond_pid);
	set_string(obj, "kdamond_state", s->kdamond_state);
	set_string(obj, "sampler_kind", s->sampler_kind);
	set_string(obj, "sampler_reason", s->sampler_reason);
	set_string(obj, "kernel_release", s->kernel_release);
	json_object_set_member(obj, "kernel_features", strings_to_json(s->kernel_features));
	for (guint i = 0; i < s->nodes->len; i++) {
		const VtierSnapshotNode *n = &g_array_index(s->nodes, VtierSnapshotNode, i);
		JsonObject *o = json_object_new();

		json_object_set_int_member(o, "node", n->node);
		json_object_set_string_member(o, "tier", vtier_tier_to_string(n->tier));
		vtier_json_set_u64(o, "total_bytes", n->total_bytes);
		vtier_json_set_u64(o, "free_bytes", n->free_bytes);
		json_array_add_object_element(nodes, o);
	}
	json_object_set_array_member(obj, "nodes", nodes);
	vtier_json_set_u64(obj, "fast_reserve_bytes", s->fast_reserve_bytes);
	vtier_json_set_u64(obj, "fast_promised_bytes", s->fast_promised_bytes);
	json_object_set_member(obj, "warnings", strings_to_json(s->warnings));
	for (guint i = 0; i < s->guests->len; i++)
		json_array_add_element(guests, guest_to_json(g_ptr_array_index(s->guests, i), table));
	json_object_set_array_member(obj, "guests", guests);
	vtier_json_set_u64(obj, "reconciles_total", s->reconciles_total);
	vtier_json_set_u64(obj, "commits_total", s->commits_total);
	vtier_json_set_u64(obj, "writes_total", s->writes_total);
	kinds = g_list_sort(kinds, (GCompareFunc)g_strcmp0);
	for (GList *l = kinds; l != NULL; l = l->next)
		vtier_json_set_u64(errors, l->data, vtier_snapshot_get_errors(s, l->data));
	json_object_set_object_member(obj, "errors_total", errors);
	json_object_set_member(obj, "reconcile_seconds", histogram_to_json(s->reconcile_seconds));
	json_object_set_member(obj, "commit_seconds", histogram_to_json(s->commit_seconds));
	set_string(obj, "last_reconcile_error", s->last_reconcile_error);
	json_node_take_object(node, obj);
	return node;
}

JsonNode *vtier_snapshot_to_json(const VtierSnapshot *s)
{
	return snapshot_to_json(s, FALSE);
}

JsonNode *vtier_snapshot_to_json_table(const VtierSnapshot *s)
{
	return snapshot_to_json(s, TRUE);
}

GBytes *vtier_snapshot_to_json_bytes(const VtierSnapshot *s, gboolean table)
{
	g_autoptr(JsonNode) node = snapshot_to_json(s, table);
	gchar *text = json_to_string(node, FALSE);

	return g_bytes_new_take(text, strlen(text));
}

/* ---- decode ---- */

static void get_bp(VtierJsonReader *r, const gchar *name, guint *ret)
{
	JsonNode *node;

	if (r->obj != NULL && json_object_has_member(r->obj, name) &&
	    JSON_NODE_HOLDS_NULL(json_object_get_member(r->obj, name))) {
		g_hash_table_add(r->seen, (gpointer)name);
		*ret = VTIER_SNAPSHOT_NO_BP;
		return;
	}
	vtier_json_get_uint(r, name, ret);
	node = r->obj != NULL ? json_object_get_member(r->obj, name) : NULL;
	if (node != NULL && !r->failed && *ret > 10000)
		vtier_json_reader_fail(r, name, "above 10000 basis points");
}

static void get_tier(VtierJsonReader *r, const gchar *name, VtierTier *ret)
{
	g_autofree gchar *text = NULL;

	vtier_json_get_string(r, name, &text);
	if (text == NULL)
		return;
	if (g_strcmp0(text, "fast") == 0)
		*ret = VTIER_TIER_FAST;
	else if (g_strcmp0(text, "slow") == 0)
		*ret = VTIER_TIER_SLOW;
	else
		vtier_json_reader_fail(r, name, "expected \"fast\" or \"slow\"");
}

static void get_strings(VtierJsonReader *r, const gchar *name, GPtrArray *out)
{
	g_auto(GStrv) strv = NULL;

	vtier_json_get_strv(r, name, &strv);
	for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
		g_ptr_array_add(out, g_strdup(strv[i]));
}

/* Calls @each for every object element of array member @name. */
typedef gboolean (*ElementFunc)(JsonNode *node, const gchar *path, gpointer data, GError **error);

static void get_objects(VtierJsonReader *r, const gchar *name, ElementFunc each, gpointer data)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_ARRAY);
	JsonArray *array;

	if (node == NULL)
		return;
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array) && !r->failed; i++) {
		g_autofree gchar *path = vtier_json_child_path(r->path, name, (gint)i);

		if (!each(json_array_get_element(array, i), path, data, r->error))
			r->failed = TRUE;
	}
}

static gboolean guest_node_from_json(JsonNode *node, const gchar *path, gpointer data,
				     GError **error)
{
	VtierSnapshotGuestNode n = { 0 };
	g_auto(VtierJsonReader) r = { 0 };

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	vtier_json_get_uint(&r, "node", &n.node);
	get_tier(&r, "tier", &n.tier);
	vtier_json_get_u64(&r, "bytes", &n.bytes);
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	g_array_append_val((GArray *)data, n);
	return TRUE;
}

static gboolean unmovable_from_json(JsonNode *node, const gchar *path, gpointer data,
				    GError **error)
{
	g_auto(VtierJsonReader) r = { 0 };
	g_autofree gchar *reason = NULL;
	guint64 bytes = 0;

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	vtier_json_get_string(&r, "reason", &reason);
	vtier_json_get_u64(&r, "bytes", &bytes);
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	vtier_snapshot_guest_add_unmovable(data, reason != NULL ? reason : "", bytes);
	return TRUE;
}

static void get_direction(VtierJsonReader *parent, const gchar *name, VtierSnapshotDirection *d)
{
	JsonNode *node = vtier_json_get_node(parent, name, JSON_NODE_OBJECT);
	g_autofree gchar *path = NULL;
	g_auto(VtierJsonReader) r = { 0 };

	if (node == NULL)
		return;
	path = vtier_json_child_path(parent->path, name, -1);
	if (!vtier_json_reader_init(&r, node, path, parent->error)) {
		parent->failed = TRUE;
		return;
	}
	vtier_json_get_u64(&r, "budget_bytes", &d->budget_bytes);
	vtier_json_get_u64(&r, "migrated_bytes", &d->migrated_bytes);
	vtier_json_get_u64(&r, "tried_bytes", &d->tried_bytes);
	vtier_json_get_u64(&r, "quota_exceeded", &d->quota_exceeded);
	d->hot_unknown = !json_object_has_member(r.obj, "hot_bytes");
	vtier_json_get_u64(&r, "hot_bytes", &d->hot_bytes);
	vtier_json_get_int(&r, "scheme", &d->scheme);
	VTIER_JSON_GET_ENUM(&r, "walk", vtier_snapshot_walk_from_string, &d->walk);
	if (!vtier_json_reader_finish(&r))
		parent->failed = TRUE;
}

static void guest_fields_from_json(VtierJsonReader *r, VtierSnapshotGuest *g)
{
	vtier_json_get_string(r, "uuid", &g->uuid);
	vtier_json_get_string(r, "source", &g->source);
	vtier_json_get_int(r, "pid", &g->pid);
	vtier_json_get_string(r, "memcg_path", &g->memcg_path);
	vtier_json_get_string(r, "mode", &g->mode);
	vtier_json_get_string(r, "tuner", &g->tuner);
	vtier_json_get_string(r, "policy_origin", &g->policy_origin);
	vtier_json_get_uint(r, "priority", &g->priority);
	VTIER_JSON_GET_ENUM(r, "state", vtier_guest_state_from_string, &g->state);
	vtier_json_get_string(r, "state_reason", &g->state_reason);
	vtier_json_get_u64(r, "memory_bytes", &g->memory_bytes);
	vtier_json_get_int(r, "fast_node", &g->fast_node);
	vtier_json_get_int(r, "slow_node", &g->slow_node);
	get_bp(r, "target_share_bp", &g->target_share_bp);
	vtier_json_get_u64(r, "target_fast_bytes", &g->target_fast_bytes);
	vtier_json_get_bool(r, "measured", &g->measured);
	vtier_json_get_u64(r, "fast_bytes", &g->fast_bytes);
	vtier_json_get_u64(r, "slow_bytes", &g->slow_bytes);
	get_bp(r, "share_bp", &g->share_bp);
	get_objects(r, "nodes", guest_node_from_json, g->nodes);
	get_direction(r, "up", &g->up);
	get_direction(r, "down", &g->down);
	VTIER_JSON_GET_ENUM(r, "control_state", vtier_control_state_from_string,
			    &g->control_state);
	vtier_json_get_string(r, "control_reason", &g->control_reason);
	vtier_json_get_u64(r, "granted_fast_bytes", &g->granted_fast_bytes);
	vtier_json_get_int64(r, "control_error_bytes", &g->control_error_bytes);
	vtier_json_get_bool(r, "surveying", &g->surveying);
	get_objects(r, "unmovable", unmovable_from_json, g);
	vtier_json_get_double(r, "fast_byte_seconds", &g->fast_byte_seconds);
	vtier_json_get_double(r, "slow_byte_seconds", &g->slow_byte_seconds);
	vtier_json_get_string(r, "last_error", &g->last_error);
	vtier_json_get_int64(r, "last_error_time", &g->last_error_time);
}

static VtierSnapshotGuest *guest_from_json_at(JsonNode *node, const gchar *path, GError **error)
{
	g_auto(VtierJsonReader) r = { 0 };
	g_autoptr(VtierSnapshotGuest) g = NULL;
	g_autofree gchar *name = NULL;

	if (!vtier_json_reader_init(&r, node, path, error))
		return NULL;
	vtier_json_get_string(&r, "name", &name);
	if (name == NULL && !r.failed)
		vtier_json_reader_fail(&r, "name", "missing");
	g = vtier_snapshot_guest_new(name);
	guest_fields_from_json(&r, g);
	if (!vtier_json_reader_finish(&r))
		return NULL;
	return g_steal_pointer(&g);
}

VtierSnapshotGuest *vtier_snapshot_guest_from_json(JsonNode *node, GError **error)
{
	return guest_from_json_at(node, "guest", error);
}

static gboolean guest_element(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierSnapshotGuest *g = guest_from_json_at(node, path, error);

	if (g == NULL)
		return FALSE;
	g_ptr_array_add(data, g);
	return TRUE;
}

static gboolean node_element(JsonNode *node, const gchar *path, gpointer data, GError **error)
{
	VtierSnapshotNode n = { 0 };
	g_auto(VtierJsonReader) r = { 0 };

	if (!vtier_json_reader_init(&r, node, path, error))
		return FALSE;
	vtier_json_get_uint(&r, "node", &n.node);
	get_tier(&r, "tier", &n.tier);
	vtier_json_get_u64(&r, "total_bytes", &n.total_bytes);
	vtier_json_get_u64(&r, "free_bytes", &n.free_bytes);
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	g_array_append_val((GArray *)data, n);
	return TRUE;
}

static void get_histogram(VtierJsonReader *parent, const gchar *name, VtierHistogram **ret)
{
	JsonNode *node = vtier_json_get_node(parent, name, JSON_NODE_OBJECT);
	g_autofree gchar *path = NULL;
	g_auto(VtierJsonReader) r = { 0 };
	JsonNode *bounds, *counts;
	g_autoptr(GArray) b = g_array_new(FALSE, TRUE, sizeof(gdouble));
	g_autoptr(VtierHistogram) h = NULL;

	if (node == NULL)
		return;
	path = vtier_json_child_path(parent->path, name, -1);
	if (!vtier_json_reader_init(&r, node, path, parent->error)) {
		parent->failed = TRUE;
		return;
	}
	bounds = vtier_json_get_node(&r, "bounds", JSON_NODE_ARRAY);
	counts = vtier_json_get_node(&r, "counts", JSON_NODE_ARRAY);
	if (bounds == NULL || counts == NULL ||
	    json_array_get_length(json_node_get_array(bounds)) !=
		    json_array_get_length(json_node_get_array(counts))) {
		if (!r.failed)
			vtier_json_reader_fail(&r, "counts", "needs as many elements as bounds");
	} else {
		JsonArray *ba = json_node_get_array(bounds), *ca = json_node_get_array(counts);

		for (guint i = 0; i < json_array_get_length(ba); i++) {
			gdouble v = json_array_get_double_element(ba, i);

			g_array_append_val(b, v);
		}
		h = vtier_histogram_new((const gdouble *)(gpointer)b->data, b->len);
		for (guint i = 0; i < json_array_get_length(ca); i++) {
			gint64 c = json_array_get_int_element(ca, i);

			g_array_index(h->counts, guint64, i) = c > 0 ? (guint64)c : 0;
		}
		vtier_json_get_u64(&r, "count", &h->count);
		vtier_json_get_double(&r, "sum", &h->sum);
	}
	if (!vtier_json_reader_finish(&r)) {
		parent->failed = TRUE;
		return;
	}
	vtier_histogram_free(*ret);
	*ret = g_steal_pointer(&h);
}

static void get_errors(VtierJsonReader *parent, GHashTable *errors)
{
	JsonNode *node = vtier_json_get_node(parent, "errors_total", JSON_NODE_OBJECT);
	g_autoptr(GList) members = NULL;
	g_auto(VtierJsonReader) r = { 0 };

	if (node == NULL)
		return;
	if (!vtier_json_reader_init(&r, node, "errors_total", parent->error)) {
		parent->failed = TRUE;
		return;
	}
	members = json_object_get_members(json_node_get_object(node));
	for (GList *l = members; l != NULL; l = l->next) {
		guint64 *v = g_new0(guint64, 1);

		vtier_json_get_u64(&r, l->data, v);
		g_hash_table_insert(errors, g_strdup(l->data), v);
	}
	if (!vtier_json_reader_finish(&r))
		parent->failed = TRUE;
}

VtierSnapshot *vtier_snapshot_from_json(JsonNode *node, GError **error)
{
	g_auto(VtierJsonReader) r = { 0 };
	g_autoptr(VtierSnapshot) s = vtier_snapshot_new();
	guint version = VTIER_SNAPSHOT_VERSION;

	if (!vtier_json_reader_init(&r, node, "snapshot", error))
		return NULL;
	vtier_json_get_uint(&r, "snapshot_version", &version);
	if (!r.failed && version != VTIER_SNAPSHOT_VERSION)
		vtier_json_reader_fail(&r, "snapshot_version", "unsupported version");
	g_clear_pointer(&s->version, g_free);
	vtier_json_get_string(&r, "version", &s->version);
	vtier_json_get_int64(&r, "time_unix_ms", &s->time_unix_ms);
	vtier_json_get_u64(&r, "sequence", &s->sequence);
	vtier_json_get_uint(&r, "interval_ms", &s->interval_ms);
	vtier_json_get_bool(&r, "dry_run", &s->dry_run);
	vtier_json_get_string(&r, "sysroot", &s->sysroot);
	vtier_json_get_bool(&r, "kdamond_up", &s->kdamond_up);
	vtier_json_get_int(&r, "kdamond_pid", &s->kdamond_pid);
	vtier_json_get_string(&r, "kdamond_state", &s->kdamond_state);
	vtier_json_get_string(&r, "sampler_kind", &s->sampler_kind);
	vtier_json_get_string(&r, "sampler_reason", &s->sampler_reason);
	vtier_json_get_string(&r, "kernel_release", &s->kernel_release);
	get_strings(&r, "kernel_features", s->kernel_features);
	get_objects(&r, "nodes", node_element, s->nodes);
	vtier_json_get_u64(&r, "fast_reserve_bytes", &s->fast_reserve_bytes);
	vtier_json_get_u64(&r, "fast_promised_bytes", &s->fast_promised_bytes);
	get_strings(&r, "warnings", s->warnings);
	get_objects(&r, "guests", guest_element, s->guests);
	vtier_json_get_u64(&r, "reconciles_total", &s->reconciles_total);
	vtier_json_get_u64(&r, "commits_total", &s->commits_total);
	vtier_json_get_u64(&r, "writes_total", &s->writes_total);
	get_errors(&r, s->errors_total);
	get_histogram(&r, "reconcile_seconds", &s->reconcile_seconds);
	get_histogram(&r, "commit_seconds", &s->commit_seconds);
	vtier_json_get_string(&r, "last_reconcile_error", &s->last_reconcile_error);
	if (!vtier_json_reader_finish(&r))
		return NULL;
	return g_steal_pointer(&s);
}
