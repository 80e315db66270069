/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/json.h"
#include "common/paths.h"
#include "daemon/manager-private.h"

/* vtierd's part of the state file (/run/vtier/state.json, member "vtierd"; the DAMON driver
 * keeps its own member "damon" in the same file): the plan's slots, so that a restarted vtierd
 * plans every guest into the scheme group it had (no renumbered schemes), and the attached
 * guests, which libvirt does not know about. A dry run keeps its own file beside its control
 * socket, so it never disturbs a real vtierd's state. A corrupt file is set aside and reported,
 * never fatal. */

/* A dry run keeps its state beside its control socket (a fixture sysroot stays untouched when
 * VTIER_CONTROL_SOCKET points elsewhere); a real vtierd in /run/vtier, with the driver's. */
static gchar *state_path(VtierManager *m)
{
	if (m->options.dry_run) {
		g_autofree gchar *configured =
			vtier_config_get_string(m->config, "daemon", "control_socket");
		g_autofree gchar *socket = vtier_control_socket_path(configured);
		g_autofree gchar *dir = g_path_get_dirname(socket);

		return g_build_filename(dir, "dry-run-state.json", NULL);
	}
	return vtier_path_build(VTIER_PATH_VTIER_RUN, "state.json", NULL);
}

/* A guest's entry in "attached", made at its first save and shared by the trees of the saves
 * after it (never changed): an attached guest's name, pid and attach options do not change while
 * it is attached (attaching again makes a new guest), and a save at 500 guests need not build
 * and free 500 objects to write one more. */
static JsonObject *attached_object(VtierDaemonGuest *g)
{
	JsonObject *o;

	if (g->state_attached != NULL)
		return json_object_ref(g->state_attached);
	o = json_object_new();
	json_object_set_string_member(o, "name", g->name);
	json_object_set_int_member(o, "pid", g->record->pid);
	if (g->attach_qmp != NULL)
		json_object_set_string_member(o, "qmp", g->attach_qmp);
	if (g->attach_policy != NULL)
		json_object_set_string_member(o, "policy", g->attach_policy);
	if (g->attach_template != NULL)
		json_object_set_string_member(o, "template", g->attach_template);
	g->state_attached = json_object_ref(o);
	return o;
}

/* The attached guests in name order: the member's text is the same while they are. */
static GPtrArray *attached_guests(VtierManager *m)
{
	GPtrArray *all = vtier_daemon_guests_by_name(m);
	GPtrArray *guests = g_ptr_array_sized_new(all->len);

	for (guint i = 0; i < all->len; i++) {
		VtierDaemonGuest *g = all->pdata[i];

		if (g->origin == VTIER_ORIGIN_ATTACH && g->record != NULL)
			g_ptr_array_add(guests, g);
	}
	return guests;
}

static JsonNode *attached_to_json(GPtrArray *guests)
{
	JsonArray *array = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < guests->len; i++)
		json_array_add_object_element(array, attached_object(guests->pdata[i]));
	json_node_take_array(node, array);
	return node;
}

/* vtierd's member as a tree (the file's text when the member cannot be spliced in). */
static JsonNode *mine_to_json(VtierManager *m, GPtrArray *guests)
{
	JsonNode *mine = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(mine, json_object_new());
	json_object_set_member(json_node_get_object(mine), "slots",
			       vtier_plan_slots_to_json(m->slots));
	json_object_set_member(json_node_get_object(mine), "attached", attached_to_json(guests));
	return mine;
}

/* The text vtier_json_to_data gives @node at depth 0, without its newline. */
static gchar *node_text(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, node);
	return json_generator_to_data(gen, NULL);
}

/* @s as a JSON string: as it is when nothing in it needs escaping (the slots' owner keys),
 * else as json-glib escapes it. */
static void append_string(GString *out, const gchar *s)
{
	const gchar *p = s;
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *text = NULL;

	while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
		p++;
	if (*p == '\0') {
		g_string_append_c(out, '"');
		g_string_append_len(out, s, p - s);
		g_string_append_c(out, '"');
		return;
	}
	node = json_node_init_string(json_node_alloc(), s);
	text = node_text(node);
	g_string_append(out, text);
}

/* @text (a generator's text at depth 0) at depth @depth: every line indented. */
static gchar *indented(const gchar *text, guint depth)
{
	GString *out = g_string_sized_new(strlen(text) * 2);

	for (const gchar *line = text; line != NULL;) {
		const gchar *nl = strchr(line, '\n');

		for (guint i = 0; i < 2 * depth; i++)
			g_string_append_c(out, ' ');
		g_string_append_len(out, line, nl != NULL ? nl - line + 1 : (gssize)strlen(line));
		line = nl != NULL ? nl + 1 : NULL;
	}
	return g_string_free(out, FALSE);
}

/* The guest's entry in "attached" as the file has it (depth 3), made once. */
static const gchar *attached_text(VtierDaemonGuest *g)
{
	if (g->state_attached_text == NULL) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
		g_autofree gchar *text = NULL;

		json_node_take_object(node, attached_object(g));
		text = node_text(node);
		g->state_attached_text = indented(text, 3);
	}
	return g->state_attached_text;
}

/* vtierd's member as json-glib's pretty generator writes it as a member of the file's root
 * (depth 1, indent 2), written directly: at 500 guests the generator over ~1500 values was ~4%
 * of a reconcile that adds a guest, and building the tree to compare with the last one as much
 * again. Each attached guest's entry is generated once (made once, it never changes); the
 * slots' keys need no escaping but through json-glib. test-daemon checks the file against
 * json-glib's text of it. */
static gchar *mine_text(VtierManager *m, GPtrArray *guests)
{
	gsize size = 64 + 48 * m->slots->owners->len;
	GString *out;

	/* the attached entries' length, so that the string is not grown (copied) a few times on
	 * the way to its ~150 KiB at 500 guests */
	for (guint i = 0; i < guests->len; i++)
		size += strlen(attached_text(guests->pdata[i])) + 2;
	out = g_string_sized_new(size);

	g_string_append(out, "{\n    \"slots\" : [");
	for (guint i = 0; i < m->slots->owners->len; i++) {
		const gchar *owner = m->slots->owners->pdata[i];

		g_string_append(out, i == 0 ? "\n      " : ",\n      ");
		if (owner != NULL)
			append_string(out, owner);
		else
			g_string_append(out, "null");
	}
	g_string_append(out, m->slots->owners->len > 0 ? "\n    ],\n" : "],\n");
	g_string_append(out, "    \"attached\" : [");
	for (guint i = 0; i < guests->len; i++) {
		g_string_append(out, i == 0 ? "\n" : ",\n");
		g_string_append(out, attached_text(guests->pdata[i]));
	}
	g_string_append(out, guests->len > 0 ? "\n    ]\n  }" : "]\n  }");
	return g_string_free(out, FALSE);
}

static JsonNode *read_root(const gchar *path)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	JsonNode *root;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	root = vtier_json_from_data(text, &error);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_autofree gchar *aside = g_strdup_printf("%s.corrupt", path);

		g_warning("%s is corrupt (%s): set aside as %s; vtierd goes on without it (attached "
			  "guests and plan slots it held are lost)",
			  path, error != NULL ? error->message : "not an object", aside);
		if (g_rename(path, aside) != 0)
			g_warning("cannot rename %s: %s", path, g_strerror(errno));
		g_clear_pointer(&root, json_node_unref);
		return NULL;
	}
	return root;
}

/* A failed save is counted (errors_total{kind="state-file"}) and logged once until a save works
 * again: a full disk must not log every reconcile. */
static gboolean save_failed(VtierManager *m, GError *local, GError **error)
{
	vtier_manager_count_error(m, "state-file");
	if (!m->state_save_failing)
		g_warning("%s (vtierd keeps tiering; attach and detach are refused until the state "
			  "file can be written)",
			  local->message);
	m->state_save_failing = TRUE;
	g_propagate_error(error, local);
	return FALSE;
}

static gboolean state_write(VtierManager *m, gboolean *ret_wrote, GError **error);

gboolean vtier_manager_state_save(VtierManager *m, GError **error)
{
	GError *local = NULL;
	gboolean wrote = FALSE;
	gboolean ok;

	vtier_damon_ownership_lock_state(); /* the driver saves its member from the DAMON worker */
	ok = state_write(m, &wrote, &local);
	vtier_damon_ownership_unlock_state();
	if (!ok)
		return save_failed(m, local, error);
	/* a save with nothing to write proves nothing about the disk: while saves fail, only a
	 * write that worked ends the episode (the faults suite's full tmpfs logged it three times
	 * when a skipped write cleared it between two refused attaches) */
	if (!wrote)
		return TRUE;
	if (m->state_save_failing)
		g_message("state file written again");
	m->state_save_failing = FALSE;
	return TRUE;
}

/* Whether the file is as vtierd's last write left it (not replaced, removed or changed since:
 * by the driver's saves, which keep vtierd's member, or by anything else). */
static gboolean state_untouched(VtierManager *m, const gchar *path)
{
	GStatBuf st;

	if (m->state_root == NULL || g_stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return FALSE;
	return st.st_ino == m->state_stat.st_ino && st.st_dev == m->state_stat.st_dev &&
	       st.st_size == m->state_stat.st_size &&
	       st.st_mtim.tv_sec == m->state_stat.st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == m->state_stat.st_mtim.tv_nsec;
}

/* Written only when vtierd's member changed since the last write or the file is not as that
 * write left it: a reconcile that kept every slot and attached guest leaves the file alone. While
 * the file is as vtierd left it, its other members are those vtierd wrote: it is not read again
 * (at 500 guests a save took ~7.7 ms of CPU, much of it reading and parsing the file). */
/* A string no member of the file holds: its place in the root's text is where vtierd's member
 * goes. */
#define MINE_MARK "\001vtierd\002"
#define MINE_MARK_TEXT "\"\\u0001vtierd\\u0002\""

/* The file's text: @root's other members as json-glib writes them, vtierd's member @mine spliced
 * in at its place (the whole tree generated when the mark is not found exactly once). */
static gchar *root_text(VtierManager *m, JsonNode *root, const gchar *mine, GPtrArray *guests)
{
	JsonObject *obj = json_node_get_object(root);
	g_autofree gchar *text = NULL;
	const gchar *at;

	json_object_set_string_member(obj, "vtierd", MINE_MARK);
	text = vtier_json_to_data(root);
	at = strstr(text, MINE_MARK_TEXT);
	if (at != NULL && strstr(at + 1, MINE_MARK_TEXT) == NULL) {
		/* spliced by copies, not printf's %s over ~150 KiB */
		gsize head = (gsize)(at - text), len = strlen(mine);
		const gchar *tail = at + strlen(MINE_MARK_TEXT);
		gsize tail_len = strlen(tail);
		gchar *out = g_malloc(head + len + tail_len + 1);

		memcpy(out, text, head);
		memcpy(out + head, mine, len);
		memcpy(out + head + len, tail, tail_len + 1);
		return out;
	}
	json_object_set_member(obj, "vtierd", mine_to_json(m, guests));
	return vtier_json_to_data(root);
}

/* Written only when vtierd's member changed since the last write or the file is not as that
 * write left it: a reconcile that kept every slot and attached guest leaves the file alone. While
 * the file is as vtierd left it, its other members are those vtierd wrote: it is not read again
 * (at 500 guests a save took ~7.7 ms of CPU, much of it reading and parsing the file). */
static gboolean state_write(VtierManager *m, gboolean *ret_wrote, GError **error)
{
	g_autofree gchar *path = state_path(m);
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GPtrArray) guests = attached_guests(m);
	g_autofree gchar *mine = mine_text(m, guests);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) local = NULL;
	gboolean untouched = state_untouched(m, path);

	*ret_wrote = FALSE;
	if (untouched && g_strcmp0(mine, m->state_mine) == 0)
		return TRUE;
	root = untouched ? json_node_ref(m->state_root) : read_root(path);
	if (root == NULL) {
		root = json_node_new(JSON_NODE_OBJECT);
		json_node_take_object(root, json_object_new());
	}
	text = root_text(m, root, mine, guests);
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		vtier_error_set_errno(error, errno, "cannot create %s", dir);
		return FALSE;
	}
	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				      &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO, "cannot write the state file: %s",
			    local->message);
		return FALSE;
	}
	g_clear_pointer(&m->state_mine, g_free);
	g_clear_pointer(&m->state_root, json_node_unref);
	if (g_stat(path, &m->state_stat) == 0) { /* else compare nothing: write the next time */
		m->state_mine = g_steal_pointer(&mine);
		m->state_root = json_node_ref(root); /* its member "vtierd" may be the mark */
	}
	m->state_writes++;
	*ret_wrote = TRUE;
	return TRUE;
}

static void load_attached(VtierManager *m, JsonArray *array)
{
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *node = json_array_get_element(array, i);
		g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_ATTACH);
		g_auto(VtierJsonReader) r = { 0 };
		g_autoptr(GError) error = NULL;
		VtierDaemonGuest *g = NULL;

		if (!vtier_json_reader_init(&r, node, "vtierd.attached", &error)) {
			g_warning("state file: %s", error->message);
			continue;
		}
		vtier_json_get_string(&r, "name", &req->name);
		vtier_json_get_int(&r, "pid", &req->pid);
		vtier_json_get_string(&r, "qmp", &req->qmp);
		vtier_json_get_string(&r, "policy", &req->policy);
		vtier_json_get_string(&r, "template", &req->template_name);
		if (!vtier_json_reader_finish(&r) || req->name == NULL) {
			g_warning("state file: an attached guest is unreadable: %s",
				  error != NULL ? error->message : "no name");
			continue;
		}
		if (!vtier_daemon_guest_attach(m, req, &g, &error)) {
			g_autofree gchar *name = vtier_escape_log(req->name);

			g_warning("state file: attached guest %s is gone: %s", name, error->message);
			continue;
		}
		g_message("re-attached %s (pid %d) from the state file", g->name, g->record->pid);
	}
}

gboolean vtier_manager_state_check(VtierManager *m)
{
	g_autofree gchar *path = state_path(m);
	gboolean existed = g_file_test(path, G_FILE_TEST_EXISTS);
	g_autoptr(JsonNode) root = read_root(path); /* sets a corrupt file aside, saying so */

	return existed && root == NULL;
}

gboolean vtier_manager_state_load(VtierManager *m, GError **error)
{
	g_autofree gchar *path = state_path(m);
	g_autoptr(JsonNode) root = read_root(path);
	JsonObject *obj;
	JsonNode *mine, *slots, *attached;

	(void)error;
	if (root == NULL)
		return TRUE;
	obj = json_node_get_object(root);
	mine = json_object_get_member(obj, "vtierd");
	if (mine == NULL || !JSON_NODE_HOLDS_OBJECT(mine))
		return TRUE;
	slots = json_object_get_member(json_node_get_object(mine), "slots");
	if (slots != NULL) {
		g_autoptr(GError) local = NULL;
		VtierPlanSlots *loaded = vtier_plan_slots_from_json(slots, &local);

		if (loaded == NULL) {
			g_warning("state file %s: slots: %s (planning afresh)", path, local->message);
		} else {
			vtier_plan_slots_free(m->slots);
			m->slots = loaded;
		}
	}
	attached = json_object_get_member(json_node_get_object(mine), "attached");
	if (attached != NULL && JSON_NODE_HOLDS_ARRAY(attached))
		load_attached(m, json_node_get_array(attached));
	return TRUE;
}
