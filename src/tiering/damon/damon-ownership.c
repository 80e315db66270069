/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "common/error.h"
#include "common/paths.h"
#include "tiering/damon/damon-features.h"
#include "common/json.h"
#include "tiering/damon/damon-ownership.h"

static gchar *state_path(void)
{
	return vtier_path_build(VTIER_PATH_VTIER_RUN, "state.json", NULL);
}

/* The whole state.json (an empty object when absent). */
static JsonNode *load_state(GError **error)
{
	g_autofree gchar *path = state_path();
	g_autofree gchar *data = NULL;
	g_autoptr(GError) local = NULL;
	JsonNode *node;

	if (!g_file_get_contents(path, &data, NULL, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			node = json_node_new(JSON_NODE_OBJECT);
			json_node_take_object(node, json_object_new());
			return node;
		}
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO, "%s", local->message);
		return NULL;
	}
	node = vtier_json_from_data(data, error);
	if (node != NULL && !JSON_NODE_HOLDS_OBJECT(node)) {
		g_autofree gchar *host = vtier_path_to_host(path);

		json_node_unref(node);
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: not a JSON object", host);
		return NULL;
	}
	if (node == NULL)
		g_prefix_error(error, "%s: ", path);
	return node;
}

GArray *vtier_damon_ownership_load(GError **error)
{
	g_autoptr(JsonNode) root = load_state(error);
	g_autoptr(GArray) owned = g_array_new(FALSE, TRUE, sizeof(VtierDamonOwnedKdamond));
	JsonNode *damon;
	JsonNode *list;
	JsonArray *kdamonds;

	if (root == NULL)
		return NULL;
	damon = json_object_get_member(json_node_get_object(root), "damon");
	if (damon == NULL || !JSON_NODE_HOLDS_OBJECT(damon))
		return g_steal_pointer(&owned);
	list = json_object_get_member(json_node_get_object(damon), "kdamonds");
	if (list == NULL || !JSON_NODE_HOLDS_ARRAY(list))
		return g_steal_pointer(&owned);
	kdamonds = json_node_get_array(list);
	for (guint i = 0; kdamonds != NULL && i < json_array_get_length(kdamonds); i++) {
		JsonNode *el = json_array_get_element(kdamonds, i);
		JsonObject *k;
		VtierDamonOwnedKdamond o;

		if (!JSON_NODE_HOLDS_OBJECT(el))
			continue;
		k = json_node_get_object(el);
		o.index = (guint)json_object_get_int_member_with_default(k, "index", 0);
		o.pid = (gint)json_object_get_int_member_with_default(k, "pid", -1);
		g_array_append_val(owned, o);
	}
	return g_steal_pointer(&owned);
}

static GMutex state_lock;

void vtier_damon_ownership_lock_state(void)
{
	g_mutex_lock(&state_lock);
}

void vtier_damon_ownership_unlock_state(void)
{
	g_mutex_unlock(&state_lock);
}

static gboolean save_damon_member_locked(JsonObject *damon, GError **error)
{
	g_autoptr(JsonNode) root = load_state(error);
	g_autofree gchar *path = state_path();
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) local = NULL;

	JsonNode *old;

	if (root == NULL) {
		json_object_unref(damon);
		return FALSE;
	}
	/* keep the members of "damon" this save does not set (kdamonds vs features) */
	old = json_object_get_member(json_node_get_object(root), "damon");
	if (old != NULL && JSON_NODE_HOLDS_OBJECT(old)) {
		g_autoptr(GList) members = json_object_get_members(json_node_get_object(old));

		for (GList *l = members; l != NULL; l = l->next) {
			if (!json_object_has_member(damon, l->data))
				json_object_set_member(
					damon, l->data,
					json_node_copy(json_object_get_member(json_node_get_object(old),
									      l->data)));
		}
	}
	json_object_set_object_member(json_node_get_object(root), "damon", damon);
	text = vtier_json_to_data(root);
	if (g_mkdir_with_parents(dir, 0755) < 0) {
		vtier_error_set_errno(error, errno, "cannot create %s", dir);
		return FALSE;
	}
	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean save_damon_member(JsonObject *damon, GError **error)
{
	gboolean ok;

	vtier_damon_ownership_lock_state();
	ok = save_damon_member_locked(damon, error);
	vtier_damon_ownership_unlock_state();
	return ok;
}

static gboolean read_kdamond(VtierDamonIo *io, guint k, gboolean *ret_running, gint *ret_pid,
			     GError **error)
{
	g_autofree gchar *state_rel = g_strdup_printf("kdamonds/%u/state", k);
	g_autofree gchar *pid_rel = g_strdup_printf("kdamonds/%u/pid", k);
	g_autofree gchar *state_path_ = vtier_damon_admin_path(state_rel);
	g_autofree gchar *pid_path = vtier_damon_admin_path(pid_rel);
	g_autofree gchar *state = NULL;
	g_autofree gchar *pid = NULL;

	if (!vtier_damon_io_read(io, state_path_, &state, error) ||
	    !vtier_damon_io_read(io, pid_path, &pid, error))
		return FALSE;
	*ret_running = g_strcmp0(state, "on") == 0;
	*ret_pid = (gint)g_ascii_strtoll(pid, NULL, 10);
	return TRUE;
}

gboolean vtier_damon_ownership_record(VtierDamonIo *io, guint nr_kdamonds, GError **error)
{
	g_autofree gchar *nr_path = vtier_damon_admin_path("kdamonds/nr_kdamonds");
	JsonObject *damon = json_object_new();
	JsonArray *kdamonds = json_array_new();
	guint64 nr = 0;

	json_object_set_array_member(damon, "kdamonds", kdamonds);
	/* an apply that failed early may have left fewer kdamonds than the model has */
	if (vtier_damon_io_exists(io, nr_path) && vtier_damon_io_read_u64(io, nr_path, &nr, NULL))
		nr_kdamonds = MIN(nr_kdamonds, (guint)nr);
	else
		nr_kdamonds = 0;
	for (guint k = 0; k < nr_kdamonds; k++) {
		JsonObject *o = json_object_new();
		gboolean running;
		gint pid;

		if (!read_kdamond(io, k, &running, &pid, error)) {
			json_object_unref(o);
			json_object_unref(damon);
			return FALSE;
		}
		json_object_set_int_member(o, "index", k);
		json_object_set_int_member(o, "pid", running ? pid : -1);
		json_array_add_object_element(kdamonds, o);
	}
	return save_damon_member(damon, error);
}

static const VtierDamonOwnedKdamond *find_owned(GArray *owned, guint k);
static gboolean module_enabled(VtierDamonIo *io, const gchar *name);

GArray *vtier_damon_ownership_survey(VtierDamonIo *io, GPtrArray **ret_modules, GError **error)
{
	static const gchar *const modules[] = { "damon_stat", "damon_reclaim", "damon_lru_sort" };
	g_autofree gchar *nr_path = vtier_damon_admin_path("kdamonds/nr_kdamonds");
	g_autoptr(GArray) owned = vtier_damon_ownership_load(error);
	g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(VtierDamonSeenKdamond));
	guint64 nr = 0;

	if (owned == NULL)
		return NULL;
	if (ret_modules != NULL) {
		*ret_modules = g_ptr_array_new_with_free_func(g_free);
		for (gsize i = 0; i < G_N_ELEMENTS(modules); i++) {
			if (module_enabled(io, modules[i]))
				g_ptr_array_add(*ret_modules, g_strdup(modules[i]));
		}
	}
	if (!vtier_damon_io_exists(io, nr_path))
		return g_steal_pointer(&seen);
	if (!vtier_damon_io_read_u64(io, nr_path, &nr, error))
		return NULL;
	for (guint k = 0; k < nr; k++) {
		const VtierDamonOwnedKdamond *o = find_owned(owned, k);
		VtierDamonSeenKdamond s = { .index = k };

		if (!read_kdamond(io, k, &s.running, &s.pid, error))
			return NULL;
		if (!s.running)
			s.pid = -1;
		s.owned = o != NULL && (!s.running || o->pid == s.pid);
		g_array_append_val(seen, s);
	}
	return g_steal_pointer(&seen);
}

void vtier_damon_claim_clear(VtierDamonClaim *claim)
{
	g_clear_pointer(&claim->adopted, g_array_unref);
}

static const VtierDamonOwnedKdamond *find_owned(GArray *owned, guint k)
{
	for (guint i = 0; i < owned->len; i++) {
		const VtierDamonOwnedKdamond *o = &g_array_index(owned, VtierDamonOwnedKdamond, i);

		if (o->index == k)
			return o;
	}
	return NULL;
}

static gboolean refuse_kdamond(guint k, gboolean running, gint pid, GError **error)
{
	g_autofree gchar *kdir = NULL;

	kdir = g_strdup_printf("kdamonds/%u", k);
	{
		g_autofree gchar *state = vtier_path_build_host(VTIER_PATH_DAMON_ADMIN, kdir, "state", NULL);
		g_autofree gchar *nr = vtier_path_build_host(VTIER_PATH_DAMON_ADMIN, "kdamonds",
							     "nr_kdamonds", NULL);

		if (running)
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
				    "kdamond %u (pid %d) is running and vtier did not start it; vtier "
				    "owns the whole DAMON tree and never touches a kdamond it did not "
				    "create. Fix: stop its owner (e.g. `damo stop`), or `echo off > %s`, "
				    "then start vtierd again",
				    k, pid, state);
		else
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
				    "kdamond %u exists (stopped) and vtier did not create it; vtier "
				    "owns the whole DAMON tree and never touches a kdamond it did not "
				    "create. Fix: when its owner is done with it, `echo 0 > %s`, then "
				    "start vtierd again",
				    k, nr);
	}
	return FALSE;
}

/* Every kdamond of the tree must be vtier's; running ones are adopted. */
static gboolean claim_tree(VtierDamonIo *io, VtierDamonClaim *claim, GError **error)
{
	g_autofree gchar *nr_path = vtier_damon_admin_path("kdamonds/nr_kdamonds");
	g_autoptr(GArray) owned = vtier_damon_ownership_load(error);
	guint64 nr = 0;

	if (owned == NULL)
		return FALSE;
	if (!vtier_damon_io_exists(io, nr_path))
		return TRUE; /* no DAMON sysfs: nothing to own; the caller reports it */
	if (!vtier_damon_io_read_u64(io, nr_path, &nr, error))
		return FALSE;
	for (guint k = 0; k < nr; k++) {
		const VtierDamonOwnedKdamond *o = find_owned(owned, k);
		gboolean running;
		gint pid;

		if (!read_kdamond(io, k, &running, &pid, error))
			return FALSE;
		if (o == NULL || (running && o->pid != pid))
			return refuse_kdamond(k, running, pid, error);
		if (running) {
			VtierDamonOwnedKdamond a = { k, pid };

			g_array_append_val(claim->adopted, a);
		} else {
			claim->owned_stopped++;
		}
	}
	return TRUE;
}

static gboolean module_enabled(VtierDamonIo *io, const gchar *name)
{
	g_autofree gchar *path =
		vtier_path_build(VTIER_PATH_MODULES, name, "parameters", "enabled", NULL);
	g_autofree gchar *value = NULL;

	return vtier_damon_io_exists(io, path) && vtier_damon_io_read(io, path, &value, NULL) &&
	       g_strcmp0(value, "Y") == 0;
}

/* Refuses for any enabled exclusive module vtier may not turn off, then turns damon_stat off
 * when allowed. */
static gboolean claim_modules(VtierDamonIo *io, gboolean disable_damon_stat,
			      VtierDamonClaim *claim, GError **error)
{
	const gchar *const *names = vtier_damon_exclusive_module_names();
	g_autofree gchar *stat_path =
		vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters", "enabled", NULL);

	for (gsize i = 0; names[i] != NULL; i++) {
		g_autofree gchar *host = vtier_path_build_host(VTIER_PATH_MODULES, names[i],
								 "parameters", "enabled", NULL);
		gboolean is_stat = g_str_equal(names[i], "damon_stat");

		if (!module_enabled(io, names[i]) || (is_stat && disable_damon_stat))
			continue;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
			    "the %s module is enabled (%s = Y) and holds DAMON exclusively, so no "
			    "kdamond of vtier can start. Fix: `echo N > %s`%s",
			    names[i], host, host,
			    is_stat ? " (or boot with damon_stat.enabled=N), or set [damon] "
				      "disable_damon_stat=true in vtierd.conf to let vtierd do it"
				    : "");
		return FALSE;
	}
	if (disable_damon_stat && module_enabled(io, "damon_stat")) {
		if (!vtier_damon_io_write(io, stat_path, "N", error)) {
			g_prefix_error(error, "cannot turn damon_stat off: ");
			return FALSE;
		}
		claim->damon_stat_disabled = TRUE;
	}
	return TRUE;
}

gboolean vtier_damon_ownership_claim(VtierDamonIo *io, gboolean disable_damon_stat,
				     VtierDamonClaim *ret_claim, GError **error)
{
	vtier_damon_claim_clear(ret_claim);
	memset(ret_claim, 0, sizeof(*ret_claim));
	ret_claim->adopted = g_array_new(FALSE, TRUE, sizeof(VtierDamonOwnedKdamond));
	/* the tree first: refuse before touching anything, even a module parameter */
	if (!claim_tree(io, ret_claim, error))
		return FALSE;
	return claim_modules(io, disable_damon_stat, ret_claim, error);
}

gboolean vtier_damon_ownership_save_features(const VtierDamonFeatures *features, GError **error)
{
	JsonObject *damon = json_object_new();

	json_object_set_member(damon, "features", vtier_damon_features_to_json(features));
	return save_damon_member(damon, error);
}

VtierDamonFeatures *vtier_damon_ownership_load_features(GError **error)
{
	g_autoptr(JsonNode) root = load_state(error);
	g_autofree gchar *path = state_path();
	VtierDamonFeatures *f;
	JsonNode *damon;
	JsonNode *node;

	if (root == NULL)
		return NULL;
	damon = json_object_get_member(json_node_get_object(root), "damon");
	if (damon == NULL || !JSON_NODE_HOLDS_OBJECT(damon))
		return NULL;
	node = json_object_get_member(json_node_get_object(damon), "features");
	if (node == NULL)
		return NULL;
	f = vtier_damon_features_from_json(node, error);
	if (f == NULL) {
		g_autofree gchar *host = vtier_path_to_host(path);

		g_prefix_error(error, "%s: damon.features: ", host);
		return NULL;
	}
	{
		g_autofree gchar *host = vtier_path_to_host(path);

		g_free(f->source);
		f->source = g_strdup_printf("probe recorded in %s", host);
	}
	return f;
}
