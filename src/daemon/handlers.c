/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "daemon/manager-private.h"
#include "tiering/explain.h"
#include "tiering/policy-units.h"
#include "tiering/status-render.h"
#include "virt/domain-xml.h"

/* The control requests (common/control.h), answered on the main loop from what the manager
 * holds: read-only requests never change anything. */

static JsonNode *object_node(JsonObject *obj)
{
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(node, obj);
	return node;
}

static JsonNode *handle_explain(VtierManager *m, const gchar *name, GError **error)
{
	const VtierSnapshotGuest *g = vtier_snapshot_lookup(m->snapshot, name);
	g_autoptr(GPtrArray) sentences = NULL;
	JsonObject *obj;
	JsonArray *array;

	if (g == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
			    "vtierd knows no guest named \"%s\"", name);
		return NULL;
	}
	sentences = vtier_explain_guest(m->snapshot, g);
	obj = json_object_new();
	array = json_array_new();
	for (guint i = 0; i < sentences->len; i++)
		json_array_add_string_element(array, g_ptr_array_index(sentences, i));
	json_object_set_string_member(obj, "name", g->name);
	json_object_set_array_member(obj, "sentences", array);
	json_object_set_member(obj, "guest", vtier_snapshot_guest_to_json(g));
	return object_node(obj);
}

static JsonNode *handle_dump(VtierManager *m)
{
	JsonObject *obj = json_object_new();
	g_autofree gchar *config = vtier_config_to_data(m->config);
	JsonObject *state = json_object_new();

	json_object_set_member(obj, "snapshot", vtier_snapshot_to_json(m->snapshot));
	if (m->plan != NULL)
		json_object_set_member(obj, "plan", vtier_plan_to_json(m->plan));
	else
		json_object_set_null_member(obj, "plan");
	if (m->applied != NULL)
		json_object_set_member(obj, "applied_model", vtier_damon_model_to_json(m->applied));
	else
		json_object_set_null_member(obj, "applied_model");
	json_object_set_string_member(obj, "config", config);
	json_object_set_member(state, "slots", vtier_plan_slots_to_json(m->slots));
	json_object_set_boolean_member(state, "adopted", m->adopted);
	json_object_set_object_member(obj, "state", state);
	return object_node(obj);
}

/* Puts back a guest taken out of the table for a request that was refused. */
static void put_back(VtierManager *m, VtierDaemonGuest *g)
{
	if (g != NULL)
		g_hash_table_replace(m->guests, g->name, g);
}

/* An attach is acknowledged only once the state file holds it (it survives a crash of vtierd in
 * the apply it triggers); one that cannot be saved (the disk is full) is refused whole, and a
 * guest attached before (a re-attach with another policy) stays as it was. */
static JsonNode *handle_attach(VtierManager *m, const VtierControlRequest *req, GError **error)
{
	VtierDaemonGuest *old = g_hash_table_lookup(m->guests, req->name);
	VtierDaemonGuest *g = NULL;
	JsonObject *obj;

	if (old != NULL && old->origin == VTIER_ORIGIN_ATTACH)
		g_hash_table_steal(m->guests, req->name);
	else
		old = NULL;
	if (!vtier_daemon_guest_attach(m, req, &g, error)) {
		put_back(m, old);
		return NULL;
	}
	if (!vtier_manager_state_save(m, error)) {
		g_prefix_error(error, "attach %s: ", req->name);
		if (old != NULL) {
			put_back(m, old);
			vtier_manager_mark_dirty(m, "attach refused");
		} else {
			vtier_daemon_guest_detach(m, req->name, NULL);
		}
		return NULL;
	}
	vtier_daemon_guest_free(old);
	{
		g_autofree gchar *name = vtier_escape_log(g->name);
		g_autofree gchar *memcg = vtier_escape_log(g->record->memcg_path);

		g_message("attached %s (pid %d, memcg %s)", name, g->record->pid, memcg);
	}
	obj = json_object_new();
	json_object_set_string_member(obj, "name", g->name);
	json_object_set_int_member(obj, "pid", g->record->pid);
	json_object_set_string_member(obj, "memcg_path", g->record->memcg_path);
	return object_node(obj);
}

/* A detach is acknowledged only once the state file no longer holds the guest; one that cannot
 * be saved is refused and the guest keeps tiering (the reply and the state agree). */
static JsonNode *handle_detach(VtierManager *m, const VtierControlRequest *req, GError **error)
{
	VtierDaemonGuest *g = g_hash_table_lookup(m->guests, req->name);

	if (g == NULL || g->origin != VTIER_ORIGIN_ATTACH) {
		vtier_daemon_guest_detach(m, req->name, error); /* says why */
		return NULL;
	}
	g_hash_table_steal(m->guests, req->name);
	if (!vtier_manager_state_save(m, error)) {
		g_prefix_error(error, "detach %s: ", req->name);
		put_back(m, g);
		return NULL;
	}
	put_back(m, g);
	if (!vtier_daemon_guest_detach(m, req->name, error))
		return NULL;
	return object_node(json_object_new());
}

/* ---- the libvirt hook ---- */

static guint64 guest_fast_bytes(const VtierPolicy *policy, guint64 memory_bytes)
{
	switch (policy->mode) {
	case VTIER_POLICY_MODE_RATIO:
	case VTIER_POLICY_MODE_HOT_SPLIT:
	case VTIER_POLICY_MODE_INTERLEAVE:
		return memory_bytes / 10000 * policy->fast_ratio_bp +
		       memory_bytes % 10000 * policy->fast_ratio_bp / 10000;
	case VTIER_POLICY_MODE_ALLOWANCE:
		return MIN(policy->fast_size, memory_bytes);
	case VTIER_POLICY_MODE_PIN_FAST:
		return memory_bytes;
	default:
		return 0;
	}
}

/* prepare: the policy must resolve, and the fast memory promised to running guests plus this
 * one must fit the fast nodes less [host] fast_reserve. Warns; refuses only with [policy]
 * strict=true. */
static gboolean hook_prepare(VtierManager *m, const VtierControlRequest *req, JsonArray *messages)
{
	gboolean strict = m->typed.plan.strict;
	VtierPolicyMode mode = m->typed.plan.default_mode;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) rec = NULL;
	g_autoptr(VtierPolicy) policy = NULL;
	guint64 want, promised = m->snapshot->fast_promised_bytes, capacity = vtier_manager_fast_capacity(m);

	if (req->xml == NULL || req->xml[0] == '\0') {
		/* libvirt gives prepare the XML; without it (too large for a request) nothing is
		 * checked, and the guest starts */
		json_array_add_string_element(messages,
					      "vtier: no domain XML reached vtierd: the policy and "
					      "the fast-tier capacity were not checked");
		return TRUE;
	}
	rec = vtier_domain_xml_parse(req->xml, strlen(req->xml), NULL, &error);
	if (rec == NULL) {
		json_array_add_string_element(messages, error->message);
		return !strict;
	}
	policy = vtier_policy_resolve(m->store, req->name, rec->memory_bytes, rec->policy_xml, mode,
				      &error);
	if (policy == NULL) {
		g_autofree gchar *msg = g_strdup_printf(
			"%s%s", error->message,
			strict ? "" : " (the guest runs under the host default policy)");

		json_array_add_string_element(messages, msg);
		return !strict;
	}
	want = guest_fast_bytes(policy, rec->memory_bytes);
	if (want > 0 && promised + want > capacity) {
		g_autofree gchar *w = vtier_policy_format_size(want);
		g_autofree gchar *p = vtier_policy_format_size(promised);
		g_autofree gchar *c = vtier_policy_format_size(capacity);
		g_autofree gchar *msg = g_strdup_printf(
			"vtier: guest %s wants %s of fast memory; running guests are promised %s of "
			"the %s the fast nodes offer (less [host] fast_reserve)%s",
			req->name, w, p, c, strict ? "" : ": it will get less than its policy asks");

		json_array_add_string_element(messages, msg);
		return !strict;
	}
	return TRUE;
}

static gboolean on_deferred_refresh(gpointer data)
{
	VtierManager *m = data;
	g_autoptr(GList) uuids = g_hash_table_get_keys(m->refresh_uuids);

	m->refresh_source = 0;
	for (GList *l = uuids; l != NULL && m->virt != NULL; l = l->next)
		vtier_virt_connection_refresh(m->virt, l->data);
	g_hash_table_remove_all(m->refresh_uuids);
	return G_SOURCE_REMOVE;
}

/* libvirtd waits for the hook while it runs, so the hook's request must never wait on libvirt:
 * the guest is marked at once, and the domain is re-read from libvirt only after the reply
 * (libvirt's own lifecycle event usually gets there first). */
static void hook_refresh(VtierManager *m, const VtierControlRequest *req, gboolean stopping)
{
	VtierDaemonGuest *g = g_hash_table_lookup(m->guests, req->name);
	g_autoptr(VtierGuest) rec = NULL;

	if (g != NULL && g->origin == VTIER_ORIGIN_LIBVIRT)
		g->stopping = stopping;
	if (m->virt != NULL && req->xml != NULL && req->xml[0] != '\0')
		rec = vtier_domain_xml_parse(req->xml, strlen(req->xml), NULL, NULL);
	if (rec != NULL && rec->uuid != NULL) {
		g_hash_table_add(m->refresh_uuids, g_strdup(rec->uuid));
		if (m->refresh_source == 0)
			m->refresh_source = g_timeout_add_full(G_PRIORITY_LOW, 200,
							       on_deferred_refresh, m, NULL);
	}
	vtier_manager_mark_dirty(m, stopping ? "hook: guest stopping" : "hook: guest started");
}

static JsonNode *handle_hook(VtierManager *m, const VtierControlRequest *req)
{
	JsonObject *obj = json_object_new();
	JsonArray *messages = json_array_new();
	gboolean allow = TRUE;
	const gchar *op = req->operation;

	if (g_strcmp0(op, "prepare") == 0)
		allow = hook_prepare(m, req, messages);
	else if (g_strcmp0(op, "started") == 0 || g_strcmp0(op, "reconnect") == 0 ||
		 g_strcmp0(op, "attach") == 0)
		hook_refresh(m, req, FALSE);
	else if (g_strcmp0(op, "stopped") == 0 || g_strcmp0(op, "release") == 0)
		hook_refresh(m, req, TRUE);
	/* migrate, restore, start and the rest: nothing to do, the XML is left as it is */
	{
		g_autofree gchar *name = vtier_escape_log(req->name);
		g_autofree gchar *what = vtier_escape_log(op);

		if (allow)
			g_info("hook: %s %s", name, what);
		else
			g_message("hook: %s %s: refused", name, what);
	}
	json_object_set_boolean_member(obj, "allow", allow);
	json_object_set_array_member(obj, "messages", messages);
	return object_node(obj);
}

/* A status of 500 guests is ~600 KB of JSON: building and writing it took tens of ms of the main
 * loop per request. A snapshot is published once an interval (and after a reconcile) and never
 * changed after, so its text is made once, by the first status that asks for it. */
GBytes *vtier_manager_handle_request_text(const VtierControlRequest *req, gpointer user_data)
{
	VtierManager *m = user_data;
	VtierControlView view = req->view;

	if (req->cmd != VTIER_CONTROL_CMD_STATUS || view >= VTIER_CONTROL_VIEW_LAST)
		return NULL;
	if (m->status_text[view] == NULL || m->status_sequence[view] != m->snapshot->sequence) {
		g_clear_pointer(&m->status_text[view], g_bytes_unref);
		m->status_text[view] = vtier_status_result_bytes(m->snapshot, view);
		m->status_sequence[view] = m->snapshot->sequence;
		m->status_encodes++;
	}
	return g_bytes_ref(m->status_text[view]);
}

gboolean vtier_manager_handle_request(const VtierControlRequest *req, JsonNode **ret_result,
				      GError **error, gpointer user_data)
{
	VtierManager *m = user_data;
	JsonNode *result = NULL;

	switch (req->cmd) {
	case VTIER_CONTROL_CMD_PING: {
		JsonObject *obj = json_object_new();

		json_object_set_string_member(obj, "version", PACKAGE_VERSION);
		result = object_node(obj);
		break;
	}
	case VTIER_CONTROL_CMD_STATUS:
		if (req->view == VTIER_CONTROL_VIEW_TEXT)
			result = vtier_status_render_json(m->snapshot);
		else if (req->view == VTIER_CONTROL_VIEW_TABLE)
			result = vtier_snapshot_to_json_table(m->snapshot);
		else
			result = vtier_snapshot_to_json(m->snapshot);
		break;
	case VTIER_CONTROL_CMD_DUMP:
		result = handle_dump(m);
		break;
	case VTIER_CONTROL_CMD_EXPLAIN:
		result = handle_explain(m, req->name, error);
		break;
	case VTIER_CONTROL_CMD_ATTACH:
		result = handle_attach(m, req, error);
		break;
	case VTIER_CONTROL_CMD_DETACH:
		result = handle_detach(m, req, error);
		break;
	case VTIER_CONTROL_CMD_RELOAD:
		if (vtier_manager_reload(m, error))
			result = object_node(json_object_new());
		else
			vtier_manager_count_error(m, "config");
		break;
	case VTIER_CONTROL_CMD_HOOK:
		result = handle_hook(m, req);
		break;
	case VTIER_CONTROL_CMD_LAST:
		break;
	}
	if (result == NULL) {
		if (error != NULL && *error == NULL)
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED,
				    "internal error: %s failed without a reason",
				    vtier_control_command_to_string(req->cmd));
		return FALSE;
	}
	*ret_result = result;
	return TRUE;
}
