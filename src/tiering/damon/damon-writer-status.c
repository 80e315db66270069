/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include "common/error.h"
#include <string.h>

#include "common/fileio.h"
#include "common/json.h"
#include "tiering/damon/damon-writer-private.h"

/* Read-back of a running kdamond: stats, effective quotas, tried bytes, goal values. */

void vtier_damon_kdamond_status_clear(VtierDamonKdamondStatus *status)
{
	g_clear_pointer(&status->schemes, g_array_unref);
	g_clear_pointer(&status->goals, g_ptr_array_unref);
}

/* Reads admin file @rel as a number; a file the kernel lacks reads 0 (told by the read's ENOENT,
 * not by a lookup before it: one system call less per file and interval). */
static gboolean read_u64(VtierDamonWriter *w, const gchar *rel, guint64 *ret, GError **error)
{
	g_autofree gchar *path = vtier_damon_admin_path(rel);
	g_autoptr(GError) local = NULL;

	*ret = 0;
	if (vtier_damon_io_read_u64(w->io, path, ret, &local))
		return TRUE;
	*ret = 0;
	if (g_error_matches(local, VTIER_ERROR, VTIER_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

/* @periodic: the VtierDamonStatsFiles a per-interval read of a filtered status takes the file
 * for (the controller's inputs: sz_applied, qt_exceeds and the tried bytes of PULL/PUSH;
 * sz_ops_filter_passed and nr_snapshots of the hot stat schemes, whose growth gives a guest's
 * hot bytes per node), 0: read only for a full status. */
static const struct {
	const gchar *file;
	gsize offset;
	guint periodic;
} scheme_files[] = {
	{ "stats/nr_tried", G_STRUCT_OFFSET(VtierDamonSchemeStats, nr_tried), 0 },
	{ "stats/sz_tried", G_STRUCT_OFFSET(VtierDamonSchemeStats, sz_tried),
	  VTIER_DAMON_STATS_MOVED },
	{ "stats/nr_applied", G_STRUCT_OFFSET(VtierDamonSchemeStats, nr_applied), 0 },
	{ "stats/sz_applied", G_STRUCT_OFFSET(VtierDamonSchemeStats, sz_applied),
	  VTIER_DAMON_STATS_MOVED },
	{ "stats/sz_ops_filter_passed", G_STRUCT_OFFSET(VtierDamonSchemeStats, sz_ops_filter_passed),
	  VTIER_DAMON_STATS_HOT },
	{ "stats/qt_exceeds", G_STRUCT_OFFSET(VtierDamonSchemeStats, qt_exceeds),
	  VTIER_DAMON_STATS_MOVED },
	{ "stats/nr_snapshots", G_STRUCT_OFFSET(VtierDamonSchemeStats, nr_snapshots),
	  VTIER_DAMON_STATS_HOT },
	{ "quotas/effective_bytes", G_STRUCT_OFFSET(VtierDamonSchemeStats, effective_bytes), 0 },
	{ "tried_regions/total_bytes", G_STRUCT_OFFSET(VtierDamonSchemeStats, tried_bytes),
	  VTIER_DAMON_STATS_TRIED_REGIONS },
};

/* The files a filtered status reads of scheme @s (0: none), every file without a filter. */
static guint wanted_files(VtierDamonWriter *w, guint64 s)
{
	if (w->status_schemes == NULL)
		return G_MAXUINT;
	return GPOINTER_TO_UINT(g_hash_table_lookup(w->status_schemes,
						    GUINT_TO_POINTER((guint)s + 1)));
}

static gboolean read_scheme(VtierDamonWriter *w, const gchar *sp, guint files,
			    VtierDamonSchemeStats *st, GArray **ret_goals, GError **error)
{
	g_autofree gchar *nr_rel = g_strconcat(sp, "/quotas/goals/nr_goals", NULL);
	g_autoptr(GArray) goals = g_array_new(FALSE, TRUE, sizeof(guint64));
	guint64 nr_goals = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(scheme_files); i++) {
		g_autofree gchar *rel = NULL;

		if (w->status_schemes != NULL && !(scheme_files[i].periodic & files))
			continue;
		rel = g_strconcat(sp, "/", scheme_files[i].file, NULL);

		if (!read_u64(w, rel, &G_STRUCT_MEMBER(guint64, st, scheme_files[i].offset), error))
			return FALSE;
	}
	if (w->status_schemes != NULL) {
		*ret_goals = g_steal_pointer(&goals); /* the periodic read skips the goals */
		return TRUE;
	}
	if (!read_u64(w, nr_rel, &nr_goals, error))
		return FALSE;
	for (guint64 g = 0; g < nr_goals; g++) {
		g_autofree gchar *rel = g_strdup_printf("%s/quotas/goals/%" G_GUINT64_FORMAT
							"/current_value", sp, g);
		guint64 v = 0;

		if (!read_u64(w, rel, &v, error))
			return FALSE;
		g_array_append_val(goals, v);
	}
	*ret_goals = g_steal_pointer(&goals);
	return TRUE;
}

/* Asks the kernel to refresh the files (unless refresh_ms does it periodically:
 * *@ret_refreshing): for a filtered status only what its schemes' files need (effective quotas
 * are not read; the tried bytes make the kernel walk every scheme's regions). */
static gboolean request_update(VtierDamonWriter *w, const gchar *kp, gboolean *ret_refreshing,
			       GError **error)
{
	static const struct {
		const gchar *command;
		guint files;
	} commands[] = {
		{ "update_schemes_stats", VTIER_DAMON_STATS_MOVED | VTIER_DAMON_STATS_HOT },
		{ "update_schemes_effective_quotas", 0 },
		{ "update_schemes_tried_bytes", VTIER_DAMON_STATS_TRIED_REGIONS },
	};
	g_autofree gchar *refresh_rel = g_strconcat(kp, "/refresh_ms", NULL);
	g_autofree gchar *state_rel = g_strconcat(kp, "/state", NULL);
	VtierDamonApplyResult result = { 0 };
	guint64 refresh = 0;
	guint files = 0;
	GHashTableIter iter;
	gpointer value;

	if (!read_u64(w, refresh_rel, &refresh, error))
		return FALSE;
	*ret_refreshing = refresh > 0;
	if (refresh > 0)
		return TRUE;
	if (w->status_schemes != NULL) {
		g_hash_table_iter_init(&iter, w->status_schemes);
		while (g_hash_table_iter_next(&iter, NULL, &value))
			files |= GPOINTER_TO_UINT(value);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (w->status_schemes != NULL && !(commands[i].files & files))
			continue;
		if (!vtier_damon_features_has_state_command(w->features, commands[i].command))
			continue;
		if (!vtier_damon_writer_write(w, state_rel, commands[i].command, &result, error)) {
			vtier_damon_writer_explain(w, NULL, state_rel, commands[i].command,
						   vtier_damon_io_last_errno(w->io), error);
			return FALSE;
		}
	}
	return TRUE;
}

void vtier_damon_writer_set_status_schemes(VtierDamonWriter *w, const GArray *schemes)
{
	g_clear_pointer(&w->status_schemes, g_hash_table_unref);
	if (schemes == NULL)
		return;
	w->status_schemes = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; i < schemes->len; i++) {
		const VtierDamonStatsWant *want = &g_array_index(schemes, VtierDamonStatsWant, i);
		gpointer key = GUINT_TO_POINTER(want->scheme + 1);
		guint files = GPOINTER_TO_UINT(g_hash_table_lookup(w->status_schemes, key));

		g_hash_table_insert(w->status_schemes, key, GUINT_TO_POINTER(files | want->files));
	}
}

gboolean vtier_damon_writer_read_status(VtierDamonWriter *w, guint kdamond,
					VtierDamonKdamondStatus *ret, GError **error)
{
	g_autofree gchar *kp = g_strdup_printf("kdamonds/%u", kdamond);
	g_autofree gchar *state_rel = g_strconcat(kp, "/state", NULL);
	g_autofree gchar *pid_rel = g_strconcat(kp, "/pid", NULL);
	g_autofree gchar *nr_rel = g_strconcat(kp, "/contexts/0/schemes/nr_schemes", NULL);
	g_autofree gchar *state = NULL;
	g_autofree gchar *pid = NULL;
	gboolean refreshing = FALSE;
	guint64 nr = 0;

	vtier_damon_kdamond_status_clear(ret);
	ret->schemes = g_array_new(FALSE, TRUE, sizeof(VtierDamonSchemeStats));
	ret->goals = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	if (!vtier_damon_writer_read(w, state_rel, &state, error) ||
	    !vtier_damon_writer_read(w, pid_rel, &pid, error))
		return FALSE;
	ret->running = g_strcmp0(state, "on") == 0;
	ret->pid = (gint)g_ascii_strtoll(pid, NULL, 10);
	if (!ret->running)
		return TRUE;
	if (!request_update(w, kp, &refreshing, error) || !read_u64(w, nr_rel, &nr, error))
		return FALSE;
	ret->tried_fresh = !refreshing;
	for (guint64 s = 0; s < nr; s++) {
		g_autofree gchar *sp = g_strdup_printf("%s/contexts/0/schemes/%" G_GUINT64_FORMAT, kp, s);
		VtierDamonSchemeStats st = { 0 };
		GArray *goals = NULL;
		guint files = wanted_files(w, s);

		/* refresh_ms leaves the tried regions as the last request left them: a periodic
		 * read does not take a stale value */
		if (refreshing && w->status_schemes != NULL)
			files &= ~(guint)VTIER_DAMON_STATS_TRIED_REGIONS;

		if (files == 0) {
			g_array_append_val(ret->schemes, st);
			g_ptr_array_add(ret->goals, g_array_new(FALSE, TRUE, sizeof(guint64)));
			continue;
		}
		if (!read_scheme(w, sp, files, &st, &goals, error))
			return FALSE;
		g_array_append_val(ret->schemes, st);
		g_ptr_array_add(ret->goals, goals);
	}
	return TRUE;
}

JsonNode *vtier_damon_kdamond_status_to_json(const VtierDamonKdamondStatus *status)
{
	JsonObject *obj = json_object_new();
	JsonArray *schemes = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_object_set_boolean_member(obj, "running", status->running);
	json_object_set_int_member(obj, "pid", status->pid);
	for (guint i = 0; status->schemes != NULL && i < status->schemes->len; i++) {
		const VtierDamonSchemeStats *st = &g_array_index(status->schemes, VtierDamonSchemeStats, i);
		GArray *goals = status->goals->pdata[i];
		JsonObject *so = json_object_new();
		JsonArray *ga = json_array_new();

		for (gsize f = 0; f < G_N_ELEMENTS(scheme_files); f++) {
			const gchar *name = strrchr(scheme_files[f].file, '/') + 1;

			vtier_json_set_u64(so, g_str_equal(name, "total_bytes") ? "tried_bytes" : name,
						 G_STRUCT_MEMBER(guint64, st, scheme_files[f].offset));
		}
		for (guint g = 0; g < goals->len; g++)
			json_array_add_int_element(ga, (gint64)g_array_index(goals, guint64, g));
		json_object_set_array_member(so, "goal_current_values", ga);
		json_array_add_object_element(schemes, so);
	}
	json_object_set_array_member(obj, "schemes", schemes);
	json_node_take_object(node, obj);
	return node;
}
