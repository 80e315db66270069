/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-qmp"

#include "config.h"

#include "common/error.h"
#include "qmp/framer.h"
#include "qmp/query.h"

void vtier_qmp_memory_device_free(VtierQmpMemoryDevice *dev)
{
	if (dev == NULL)
		return;
	g_free(dev->type);
	g_free(dev->id);
	g_free(dev->memdev);
	g_free(dev);
}

void vtier_qmp_status_free(VtierQmpStatus *status)
{
	if (status == NULL)
		return;
	g_free(status->status);
	g_free(status);
}

/* --- small JSON accessors that tolerate what a hostile or newer QEMU may send --- */

static gboolean reply_is(JsonNode *reply, JsonNodeType type, const gchar *command,
			 GError **error)
{
	if (reply != NULL && JSON_NODE_TYPE(reply) == type)
		return TRUE;
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: reply is not a JSON %s", command,
		    type == JSON_NODE_ARRAY ? "array" : "object");
	return FALSE;
}

#define member_of vtier_qmp_json_value

static gchar *str_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = member_of(o, name, G_TYPE_STRING);

	return n != NULL ? g_strdup(json_node_get_string(n)) : NULL;
}

/* A non-negative integer member; FALSE (with an error naming it) when absent or negative. */
static gboolean u64_member(JsonObject *o, const gchar *command, const gchar *name,
			   guint64 *ret, GError **error)
{
	JsonNode *n = member_of(o, name, G_TYPE_INT64);

	if (n == NULL || json_node_get_int(n) < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: member \"%s\" is missing or not a non-negative integer", command,
			    name);
		return FALSE;
	}
	*ret = (guint64)json_node_get_int(n);
	return TRUE;
}

static gboolean bool_member(JsonObject *o, const gchar *name)
{
	JsonNode *n = member_of(o, name, G_TYPE_BOOLEAN);

	return n != NULL && json_node_get_boolean(n);
}

static JsonObject *element_object(JsonArray *a, guint i, const gchar *command, GError **error)
{
	JsonNode *n = json_array_get_element(a, i);

	if (!JSON_NODE_HOLDS_OBJECT(n)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: element %u is not a JSON object", command, i);
		return NULL;
	}
	return json_node_get_object(n);
}

/* --- parsers --- */

static gboolean parse_host_nodes(JsonObject *o, GArray *nodes, GError **error)
{
	JsonNode *n = json_object_get_member(o, "host-nodes");
	JsonArray *a;

	if (n == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(n)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "query-memdev: host-nodes is not an array");
		return FALSE;
	}
	a = json_node_get_array(n);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);
		gint64 v = JSON_NODE_HOLDS_VALUE(e) &&
					   json_node_get_value_type(e) == G_TYPE_INT64
				   ? json_node_get_int(e)
				   : -1;
		guint node = (guint)v;

		if (v < 0 || v > G_MAXUINT16) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "query-memdev: host-nodes element %u is not a node number", i);
			return FALSE;
		}
		g_array_append_val(nodes, node);
	}
	return TRUE;
}

static VtierGuestMemdev *parse_memdev(JsonObject *o, GError **error)
{
	g_autoptr(VtierGuestMemdev) m = vtier_guest_memdev_new();

	if (!u64_member(o, "query-memdev", "size", &m->size_bytes, error) ||
	    !parse_host_nodes(o, m->host_nodes, error))
		return NULL;
	m->backend_id = str_member(o, "id"); /* optional before QEMU 2.x; NULL then */
	m->policy = str_member(o, "policy");
	if (m->policy == NULL)
		m->policy = g_strdup("default");
	m->share = bool_member(o, "share");
	return g_steal_pointer(&m);
}

GPtrArray *vtier_qmp_parse_memdevs(JsonNode *reply, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)vtier_guest_memdev_free);
	JsonArray *a;

	if (!reply_is(reply, JSON_NODE_ARRAY, "query-memdev", error))
		return NULL;
	a = json_node_get_array(reply);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = element_object(a, i, "query-memdev", error);
		VtierGuestMemdev *m = o != NULL ? parse_memdev(o, error) : NULL;

		if (m == NULL)
			return NULL;
		g_ptr_array_add(out, m);
	}
	return g_steal_pointer(&out);
}

static VtierQmpMemoryDevice *parse_memory_device(JsonObject *o, GError **error)
{
	g_autoptr(VtierQmpMemoryDevice) d = g_new0(VtierQmpMemoryDevice, 1);
	JsonNode *data = json_object_get_member(o, "data");
	JsonObject *dobj;
	JsonNode *node;

	d->type = str_member(o, "type");
	if (d->type == NULL || data == NULL || !JSON_NODE_HOLDS_OBJECT(data)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "query-memory-devices: element without type or data");
		return NULL;
	}
	dobj = json_node_get_object(data);
	d->id = str_member(dobj, "id");
	d->memdev = str_member(dobj, "memdev");
	node = member_of(dobj, "node", G_TYPE_INT64);
	d->node = node != NULL ? (gint)CLAMP(json_node_get_int(node), -1, G_MAXINT16) : -1;
	/* virtio-pmem names its address "memaddr" */
	if (!u64_member(dobj, "query-memory-devices", "addr", &d->addr, NULL))
		(void)u64_member(dobj, "query-memory-devices", "memaddr", &d->addr, NULL);
	if (!u64_member(dobj, "query-memory-devices", "size", &d->size, error))
		return NULL;
	return g_steal_pointer(&d);
}

GPtrArray *vtier_qmp_parse_memory_devices(JsonNode *reply, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(
		(GDestroyNotify)vtier_qmp_memory_device_free);
	JsonArray *a;

	if (!reply_is(reply, JSON_NODE_ARRAY, "query-memory-devices", error))
		return NULL;
	a = json_node_get_array(reply);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = element_object(a, i, "query-memory-devices", error);
		VtierQmpMemoryDevice *d = o != NULL ? parse_memory_device(o, error) : NULL;

		if (d == NULL)
			return NULL;
		g_ptr_array_add(out, d);
	}
	return g_steal_pointer(&out);
}

VtierQmpMemorySizeSummary *vtier_qmp_parse_memory_size_summary(JsonNode *reply, GError **error)
{
	g_autofree VtierQmpMemorySizeSummary *s = g_new0(VtierQmpMemorySizeSummary, 1);
	JsonObject *o;

	if (!reply_is(reply, JSON_NODE_OBJECT, "query-memory-size-summary", error))
		return NULL;
	o = json_node_get_object(reply);
	if (!u64_member(o, "query-memory-size-summary", "base-memory", &s->base_memory, error))
		return NULL;
	/* plugged-memory is absent when the machine cannot hot-plug memory */
	if (json_object_has_member(o, "plugged-memory") &&
	    !u64_member(o, "query-memory-size-summary", "plugged-memory", &s->plugged_memory,
			error))
		return NULL;
	return g_steal_pointer(&s);
}

VtierQmpStatus *vtier_qmp_parse_status(JsonNode *reply, GError **error)
{
	g_autoptr(VtierQmpStatus) s = g_new0(VtierQmpStatus, 1);
	JsonObject *o;

	if (!reply_is(reply, JSON_NODE_OBJECT, "query-status", error))
		return NULL;
	o = json_node_get_object(reply);
	s->status = str_member(o, "status");
	if (s->status == NULL || member_of(o, "running", G_TYPE_BOOLEAN) == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "query-status: reply lacks status or running");
		return NULL;
	}
	s->running = bool_member(o, "running");
	return g_steal_pointer(&s);
}

gchar *vtier_qmp_parse_name(JsonNode *reply, GError **error)
{
	if (!reply_is(reply, JSON_NODE_OBJECT, "query-name", error))
		return NULL;
	/* {} when QEMU runs without -name */
	return str_member(json_node_get_object(reply), "name");
}

/* --- async wrappers: one generic runner, one parser per command --- */

typedef gpointer (*ParseFunc)(JsonNode *reply, GError **error);

typedef struct {
	ParseFunc parse;
	GDestroyNotify free_result;
} QueryOp;

static void on_query_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	const QueryOp *op = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(JsonNode) reply = vtier_qmp_client_execute_finish(VTIER_QMP_CLIENT(source),
								    result, &error);
	gpointer parsed;

	if (reply == NULL) {
		g_task_return_error(task, error);
		return;
	}
	parsed = op->parse(reply, &error);
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, parsed, op->free_result);
}

static void query_async(VtierQmpClient *client, const gchar *command, const QueryOp *op,
			gpointer tag, GCancellable *cancellable, GAsyncReadyCallback callback,
			gpointer user_data)
{
	GTask *task = g_task_new(client, cancellable, callback, user_data);

	g_task_set_source_tag(task, tag);
	g_task_set_task_data(task, (gpointer)op, NULL);
	vtier_qmp_client_execute_async(client, command, NULL, cancellable, on_query_reply, task);
}

static gpointer query_finish(VtierQmpClient *client, GAsyncResult *result, gpointer tag,
			     GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, client), NULL);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == tag, NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

static const QueryOp op_memdev = { (ParseFunc)vtier_qmp_parse_memdevs,
				   (GDestroyNotify)g_ptr_array_unref };
static const QueryOp op_memory_devices = { (ParseFunc)vtier_qmp_parse_memory_devices,
					   (GDestroyNotify)g_ptr_array_unref };
static const QueryOp op_size_summary = { (ParseFunc)vtier_qmp_parse_memory_size_summary, g_free };
static const QueryOp op_status = { (ParseFunc)vtier_qmp_parse_status,
				   (GDestroyNotify)vtier_qmp_status_free };
static const QueryOp op_name = { (ParseFunc)vtier_qmp_parse_name, g_free };

void vtier_qmp_query_memdev_async(VtierQmpClient *client, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data)
{
	query_async(client, "query-memdev", &op_memdev, vtier_qmp_query_memdev_async, cancellable,
		    callback, user_data);
}

GPtrArray *vtier_qmp_query_memdev_finish(VtierQmpClient *client, GAsyncResult *result,
					 GError **error)
{
	return query_finish(client, result, vtier_qmp_query_memdev_async, error);
}

void vtier_qmp_query_memory_devices_async(VtierQmpClient *client, GCancellable *cancellable,
					  GAsyncReadyCallback callback, gpointer user_data)
{
	query_async(client, "query-memory-devices", &op_memory_devices,
		    vtier_qmp_query_memory_devices_async, cancellable, callback, user_data);
}

GPtrArray *vtier_qmp_query_memory_devices_finish(VtierQmpClient *client, GAsyncResult *result,
						 GError **error)
{
	return query_finish(client, result, vtier_qmp_query_memory_devices_async, error);
}

void vtier_qmp_query_memory_size_summary_async(VtierQmpClient *client, GCancellable *cancellable,
					       GAsyncReadyCallback callback, gpointer user_data)
{
	query_async(client, "query-memory-size-summary", &op_size_summary,
		    vtier_qmp_query_memory_size_summary_async, cancellable, callback, user_data);
}

VtierQmpMemorySizeSummary *vtier_qmp_query_memory_size_summary_finish(VtierQmpClient *client,
								      GAsyncResult *result,
								      GError **error)
{
	return query_finish(client, result, vtier_qmp_query_memory_size_summary_async, error);
}

void vtier_qmp_query_status_async(VtierQmpClient *client, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data)
{
	query_async(client, "query-status", &op_status, vtier_qmp_query_status_async, cancellable,
		    callback, user_data);
}

VtierQmpStatus *vtier_qmp_query_status_finish(VtierQmpClient *client, GAsyncResult *result,
					      GError **error)
{
	return query_finish(client, result, vtier_qmp_query_status_async, error);
}

void vtier_qmp_query_name_async(VtierQmpClient *client, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data)
{
	query_async(client, "query-name", &op_name, vtier_qmp_query_name_async, cancellable,
		    callback, user_data);
}

gboolean vtier_qmp_query_name_finish(VtierQmpClient *client, GAsyncResult *result,
				     gchar **ret_name, GError **error)
{
	GError *local = NULL;

	*ret_name = query_finish(client, result, vtier_qmp_query_name_async, &local);
	if (local != NULL) {
		g_propagate_error(error, local);
		return FALSE;
	}
	return TRUE;
}
