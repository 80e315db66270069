/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "control-fake.h"
#include "tiering/explain.h"
#include "tiering/status-render.h"
#include "vtier-test.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MIB (G_GUINT64_CONSTANT(1) << 20)

static VtierSnapshotGuest *guest_new(const gchar *name, guint target_bp, guint64 fast,
				     guint64 slow)
{
	VtierSnapshotGuest *g = vtier_snapshot_guest_new(name);

	g->source = g_strdup("libvirt");
	g->pid = 4242;
	g->memcg_path = g_strdup("/machine.slice/machine-qemu\\x2d1\\x2dvm.scope");
	g->mode = g_strdup("ratio");
	g->tuner = g_strdup("vtier");
	g->policy_origin = g_strdup("domain");
	g->state = VTIER_GUEST_STATE_TIERING;
	g->memory_bytes = fast + slow;
	g->fast_node = 0;
	g->slow_node = 2;
	g->target_share_bp = target_bp;
	g->target_fast_bytes = (fast + slow) / 10000 * target_bp;
	g->measured = TRUE;
	g->fast_bytes = fast;
	g->slow_bytes = slow;
	g->share_bp = fast + slow > 0 ? (guint)(fast * 10000 / (fast + slow)) : VTIER_SNAPSHOT_NO_BP;
	vtier_snapshot_guest_add_node(g, 0, VTIER_TIER_FAST, fast);
	vtier_snapshot_guest_add_node(g, 2, VTIER_TIER_SLOW, slow);
	g->up = (VtierSnapshotDirection){ .budget_bytes = 256 * MIB, .migrated_bytes = 3 * GIB,
					  .tried_bytes = 4 * GIB, .quota_exceeded = 3,
					  .hot_bytes = 512 * MIB, .scheme = 0 };
	g->down = (VtierSnapshotDirection){ .budget_bytes = 128 * MIB, .migrated_bytes = GIB,
					    .tried_bytes = GIB, .hot_bytes = 64 * MIB, .scheme = 1 };
	g->control_state = VTIER_CONTROL_STATE_RAMPING;
	g->control_reason = g_strdup("8 points below target");
	g->granted_fast_bytes = g->target_fast_bytes;
	g->control_error_bytes = (gint64)g->granted_fast_bytes - (gint64)fast;
	return g;
}

static void add_host(VtierSnapshot *s)
{
	VtierSnapshotNode fast = { .node = 0, .tier = VTIER_TIER_FAST, .total_bytes = 64 * GIB,
				   .free_bytes = 12 * GIB };
	VtierSnapshotNode slow = { .node = 2, .tier = VTIER_TIER_SLOW, .total_bytes = 128 * GIB,
				   .free_bytes = 100 * GIB };

	g_free(s->version);
	s->version = g_strdup("test");
	s->time_unix_ms = G_GINT64_CONSTANT(1767225600000); /* 2026-01-01 00:00:00 UTC */
	s->sequence = 12;
	s->interval_ms = 1000;
	s->sysroot = g_strdup("/");
	s->kdamond_up = TRUE;
	s->kdamond_pid = 777;
	g_free(s->kdamond_state);
	s->kdamond_state = g_strdup("on");
	g_free(s->sampler_kind);
	s->sampler_kind = g_strdup("ibs");
	s->sampler_reason = g_strdup("AMD IBS op sampling is available");
	s->kernel_release = g_strdup("6.18.0");
	g_ptr_array_add(s->kernel_features, g_strdup("migrate_hot"));
	g_ptr_array_add(s->kernel_features, g_strdup("migrate_cold"));
	g_array_append_val(s->nodes, fast);
	g_array_append_val(s->nodes, slow);
	s->fast_reserve_bytes = 4 * GIB;
	s->fast_promised_bytes = 20 * GIB;
	g_ptr_array_add(s->warnings,
			g_strdup("kernel.numa_balancing=1 moves pages against vtier's plan"));
}

VtierSnapshot *vtier_test_snapshot_new(void)
{
	VtierSnapshot *s = vtier_snapshot_new();
	g_autofree gchar *long_name = g_strnfill(300, 'L');
	VtierSnapshotGuest *g;

	add_host(s);
	g_ptr_array_add(s->guests, guest_new("web-01", 5000, 4 * GIB, 5 * GIB + 512 * MIB));
	g = guest_new("evil\n\x1b[31mred\xe2\x80\xae" "gnp", 10000, 2 * GIB, 0);
	g->mode = (g_free(g->mode), g_strdup("pin-fast"));
	g->last_error = g_strdup("filter rejected: \x1b]0;owned\x07");
	g->last_error_time = 1767225000;
	g_ptr_array_add(s->guests, g);
	g = guest_new("\xe6\x97\xa5\xe6\x9c\xac-db", 3000, GIB, 3 * GIB);
	vtier_snapshot_guest_add_unmovable(g, "hugetlbfs", GIB);
	g->state = VTIER_GUEST_STATE_FAULT;
	g->state_reason = g_strdup("memory cgroup vanished; retry in 8 s");
	g_ptr_array_add(s->guests, g);
	g = guest_new(long_name, VTIER_SNAPSHOT_NO_BP, 0, 0);
	g->measured = FALSE;
	g->share_bp = VTIER_SNAPSHOT_NO_BP;
	g->memcg_path = (g_free(g->memcg_path), NULL);
	g->state = VTIER_GUEST_STATE_UNMEASURED;
	g->up.scheme = -1;
	g->down.scheme = -1;
	g_ptr_array_add(s->guests, g);
	vtier_snapshot_sort(s);
	return s;
}

static JsonNode *explain_result(const VtierSnapshot *s, const gchar *name, GError **error)
{
	const VtierSnapshotGuest *g = vtier_snapshot_lookup(s, name);
	g_autoptr(GPtrArray) sentences = NULL;
	JsonObject *obj;
	JsonArray *array;
	JsonNode *node;

	if (g == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "no guest named \"%s\"", name);
		return NULL;
	}
	sentences = vtier_explain_guest(s, g);
	obj = json_object_new();
	array = json_array_new();
	for (guint i = 0; i < sentences->len; i++)
		json_array_add_string_element(array, g_ptr_array_index(sentences, i));
	json_object_set_string_member(obj, "name", name);
	json_object_set_array_member(obj, "sentences", array);
	json_object_set_member(obj, "guest", vtier_snapshot_guest_to_json(g));
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, obj);
	return node;
}

static JsonNode *object_node(JsonObject *obj)
{
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(node, obj);
	return node;
}

static JsonNode *hook_result(const VtierControlRequest *req)
{
	JsonObject *obj = json_object_new();
	JsonArray *messages = json_array_new();
	gboolean deny = g_strcmp0(req->name, "deny-me") == 0 &&
			g_strcmp0(req->operation, "prepare") == 0;

	if (deny)
		json_array_add_string_element(
		    messages, "not enough fast memory: 40 GiB promised of 36 GiB \x1b[31m");
	json_object_set_boolean_member(obj, "allow", !deny);
	json_object_set_array_member(obj, "messages", messages);
	return object_node(obj);
}

/* A "text" view no vtierd sends: an escape sequence, a bidi override, a backslash vtierd escaped */
#define HOSTILE_TEXT "{\"text\":\"ok \\\\x41\\n\\u001b[31mred\\u202e \\\\ end\\n\"}"

/* status as vtierd answers it (handlers.c): the snapshot's text, encoded once per sequence. */
static GBytes *fake_text_handler(const VtierControlRequest *req, gpointer user_data)
{
	VtierTestControl *c = user_data;
	g_autoptr(GMutexLocker) locker = NULL;

	VtierControlView view = req->view;

	if (req->cmd != VTIER_CONTROL_CMD_STATUS || view >= VTIER_CONTROL_VIEW_LAST)
		return NULL;
	locker = g_mutex_locker_new(&c->lock);
	if ((c->refuse_view && view != VTIER_CONTROL_VIEW_FULL) ||
	    (c->refuse_text && view == VTIER_CONTROL_VIEW_TEXT))
		return NULL; /* fake_handler refuses it */
	g_ptr_array_add(c->requests, vtier_control_request_to_line(req));
	if (c->hostile_text && view == VTIER_CONTROL_VIEW_TEXT)
		return g_bytes_new_static(HOSTILE_TEXT, strlen(HOSTILE_TEXT));
	if (c->status_text[view] == NULL || c->status_sequence[view] != c->snapshot->sequence) {
		g_clear_pointer(&c->status_text[view], g_bytes_unref);
		c->status_text[view] = vtier_status_result_bytes(c->snapshot, view);
		c->status_sequence[view] = c->snapshot->sequence;
	}
	return g_bytes_ref(c->status_text[view]);
}

static gboolean fake_handler(const VtierControlRequest *req, JsonNode **ret_result,
			     GError **error, gpointer user_data)
{
	VtierTestControl *c = user_data;
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
	JsonObject *obj;

	g_ptr_array_add(c->requests, vtier_control_request_to_line(req));
	switch (req->cmd) {
	case VTIER_CONTROL_CMD_STATUS:
		if (req->view == VTIER_CONTROL_VIEW_TEXT && c->refuse_text && !c->refuse_view) {
			/* the message of a vtierd older than the "text" view */
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "invalid request: args.view: expected \"full\" or \"table\"");
			return FALSE;
		}
		if (req->view != VTIER_CONTROL_VIEW_FULL) {
			/* the message of a vtierd older than the "view" argument */
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "invalid request: args.view: unknown member");
			return FALSE;
		}
		*ret_result = vtier_snapshot_to_json(c->snapshot);
		return TRUE;
	case VTIER_CONTROL_CMD_DUMP:
		obj = json_object_new();
		json_object_set_member(obj, "snapshot", vtier_snapshot_to_json(c->snapshot));
		json_object_set_string_member(obj, "config", "[daemon]\n");
		*ret_result = object_node(obj);
		return TRUE;
	case VTIER_CONTROL_CMD_EXPLAIN:
		*ret_result = explain_result(c->snapshot, req->name, error);
		return *ret_result != NULL;
	case VTIER_CONTROL_CMD_ATTACH:
		obj = json_object_new();
		json_object_set_string_member(obj, "name", req->name);
		json_object_set_int_member(obj, "pid", req->pid > 0 ? req->pid : 999);
		json_object_set_string_member(obj, "memcg_path", "/vtier.slice/attached.scope");
		*ret_result = object_node(obj);
		return TRUE;
	case VTIER_CONTROL_CMD_DETACH:
		if (vtier_snapshot_lookup(c->snapshot, req->name) != NULL)
			return TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
			    "no attached guest named \"%s\"", req->name);
		return FALSE;
	case VTIER_CONTROL_CMD_RELOAD:
		if (!c->reload_fails)
			return TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "/etc/vtier/vtierd.conf: [daemon] interval_ms: not a number");
		return FALSE;
	case VTIER_CONTROL_CMD_HOOK:
		if (c->hook_delay_ms > 0)
			g_usleep(c->hook_delay_ms * 1000);
		*ret_result = hook_result(req);
		return TRUE;
	default:
		return TRUE;
	}
}

static gpointer loop_thread(gpointer user_data)
{
	VtierTestControl *c = user_data;

	g_main_context_push_thread_default(NULL);
	g_main_loop_run(c->loop);
	return NULL;
}

VtierTestControl *vtier_test_control_new(void)
{
	VtierTestControl *c = g_new0(VtierTestControl, 1);
	g_autoptr(GError) error = NULL;

	g_mutex_init(&c->lock);
	c->dir = g_dir_make_tmp("vtier-ctl-XXXXXX", &error);
	g_assert_no_error(error);
	c->path = g_build_filename(c->dir, "control", NULL);
	c->snapshot = vtier_test_snapshot_new();
	c->requests = g_ptr_array_new_with_free_func(g_free);
	c->server = vtier_control_server_new(c->path, G_MAXUINT, fake_handler, c, &error);
	g_assert_no_error(error);
	vtier_control_server_set_text_handler(c->server, fake_text_handler);
	c->loop = g_main_loop_new(NULL, FALSE);
	c->thread = g_thread_new("fake-vtierd", loop_thread, c);
	return c;
}

static gboolean quit_loop(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

void vtier_test_control_free(VtierTestControl *c)
{
	if (c == NULL)
		return;
	g_idle_add(quit_loop, c->loop);
	g_thread_join(c->thread);
	vtier_control_server_free(c->server);
	g_main_loop_unref(c->loop);
	vtier_snapshot_free(c->snapshot);
	for (guint i = 0; i < VTIER_CONTROL_VIEW_LAST; i++)
		g_clear_pointer(&c->status_text[i], g_bytes_unref);
	g_ptr_array_unref(c->requests);
	vtier_test_rm_rf(c->dir);
	g_free(c->dir);
	g_free(c->path);
	g_mutex_clear(&c->lock);
	g_free(c);
}

GPtrArray *vtier_test_control_requests(VtierTestControl *c)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
	GPtrArray *copy = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < c->requests->len; i++)
		g_ptr_array_add(copy, g_strdup(g_ptr_array_index(c->requests, i)));
	return copy;
}
