/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/json.h"
#include "tiering/damon/damon-driver.h"
#include "tiering/damon/damon-ownership.h"
#include "tiering/damon/damon-script.h"
#include "tiering/damon/damon-writer.h"

/* `vtierctl damon apply MODEL.json | status | stop | script MODEL.json --profile NAME` (MODEL
 * may also be a plan file of `vtierctl plan --format=json`): drives
 * DAMON with a model directly, for tests, the lab and recovery while vtierd is stopped (vtierd
 * is the one writer otherwise). apply/stop take ownership like vtierd (they refuse a kdamond
 * vtier did not create); status reads only and shows every kdamond, whoever owns it; script
 * writes nothing. */

/* A model file, or a plan file (`vtierctl plan --format=json`: its "model" member). */
static VtierDamonModel *load_model(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *obj;
	VtierDamonModel *model;

	if (!g_file_get_contents(path, &data, NULL, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "%s", local->message);
		return NULL;
	}
	root = vtier_json_from_data(data, error);
	if (root == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	obj = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	if (obj != NULL && json_object_has_member(obj, "model") &&
	    json_object_has_member(obj, "slots"))
		model = vtier_damon_model_from_json(json_object_get_member(obj, "model"), error);
	else
		model = vtier_damon_model_from_json(root, error);
	if (model == NULL)
		g_prefix_error(error, "%s: ", path);
	return model;
}

static gboolean do_apply(VtierDamonDriver *d, const gchar *path, gboolean json, GError **error)
{
	g_autoptr(VtierDamonModel) model = load_model(path, error);
	g_auto(VtierDamonApplyResult) result = { 0 };

	if (model == NULL || !vtier_damon_driver_apply(d, model, &result, error))
		return FALSE;
	for (guint k = 0; k < result.actions->len; k++) {
		VtierDamonStateAction a = g_array_index(result.actions, VtierDamonStateAction, k);

		if (json)
			printf("{\"kdamond\": %u, \"state\": \"%s\", \"writes\": %u, "
			       "\"staged_wait_ms\": %u}\n",
			       k, vtier_damon_state_action_to_string(a), result.writes,
			       result.staged > 0 ? result.staged_wait_ms : 0);
		else
			printf("kdamond %u: %s (%u writes, %u EBUSY retries)\n", k,
			       vtier_damon_state_action_to_string(a), result.writes,
			       result.busy_retries);
	}
	if (!json && result.staged > 0)
		printf("staged start of %u kdamond(s): unmatchable pattern, on, %u ms, real pattern, "
		       "commit\n",
		       result.staged, result.staged_wait_ms);
	return TRUE;
}

static void print_stats_text(const VtierDamonKdamondStatus *st)
{
	for (guint s = 0; s < st->schemes->len; s++) {
		const VtierDamonSchemeStats *ss = &g_array_index(st->schemes, VtierDamonSchemeStats, s);

		printf("  scheme %u: tried %" G_GUINT64_FORMAT " B, applied %" G_GUINT64_FORMAT
		       " B, quota exceeded %" G_GUINT64_FORMAT "x, effective quota %" G_GUINT64_FORMAT
		       " B\n",
		       s, ss->sz_tried, ss->sz_applied, ss->qt_exceeds, ss->effective_bytes);
	}
}

/* One kdamond as status shows it; the stats of vtier's running ones when they can be read. */
static JsonNode *show_kdamond(VtierDamonWriter *writer, const VtierDamonSeenKdamond *k,
			      gboolean json)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_auto(VtierDamonKdamondStatus) st = { 0 };
	g_autoptr(GError) local = NULL;
	gboolean stats = writer != NULL && k->owned && k->running &&
			 vtier_damon_writer_read_status(writer, k->index, &st, &local);

	if (!json) {
		printf("kdamond %u: %s, pid %d, %s\n", k->index, k->running ? "on" : "off", k->pid,
		       k->owned ? "vtier's" : "not vtier's (another DAMON user owns it)");
		if (stats)
			print_stats_text(&st);
		return NULL;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "index");
	json_builder_add_int_value(b, k->index);
	json_builder_set_member_name(b, "running");
	json_builder_add_boolean_value(b, k->running);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, k->pid);
	json_builder_set_member_name(b, "owner");
	json_builder_add_string_value(b, k->owned ? "vtier" : "other");
	json_builder_set_member_name(b, "status");
	if (stats)
		json_builder_add_value(b, vtier_damon_kdamond_status_to_json(&st));
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* Reads only (no ownership claim, no state file, no probe): every kdamond, whoever owns it, and
 * the exclusive DAMON modules that are enabled. */
static gboolean do_status(gboolean json, GError **error)
{
	g_autoptr(VtierDamonIo) io = vtier_damon_io_new_real();
	g_autoptr(GPtrArray) modules = NULL;
	g_autoptr(GArray) seen = vtier_damon_ownership_survey(io, &modules, error);
	g_autoptr(VtierDamonFeatures) features = NULL;
	g_autoptr(VtierDamonWriter) writer = NULL;
	g_autoptr(JsonArray) list = json_array_new();
	g_autoptr(GError) local = NULL;

	if (seen == NULL)
		return FALSE;
	features = vtier_damon_ownership_load_features(&local);
	if (features != NULL)
		writer = vtier_damon_writer_new(io, features);
	for (guint i = 0; i < seen->len; i++) {
		JsonNode *node = show_kdamond(writer, &g_array_index(seen, VtierDamonSeenKdamond, i),
					      json);

		if (node != NULL)
			json_array_add_element(list, node);
	}
	if (json) {
		g_autoptr(JsonObject) root = json_object_new();
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
		g_autofree gchar *text = NULL;
		JsonArray *mods = json_array_new();

		for (guint i = 0; i < modules->len; i++)
			json_array_add_string_element(mods, modules->pdata[i]);
		json_object_set_array_member(root, "kdamonds", json_array_ref(list));
		json_object_set_array_member(root, "exclusive_modules", mods);
		json_node_set_object(node, root);
		text = vtier_json_to_data(node);
		fputs(text, stdout);
		return TRUE;
	}
	for (guint i = 0; i < modules->len; i++)
		printf("module %s is enabled and holds DAMON exclusively\n",
		       (const gchar *)modules->pdata[i]);
	if (seen->len == 0)
		printf("no kdamond exists\n");
	return TRUE;
}

static gboolean do_script(const gchar *path, const gchar *profile, GError **error)
{
	g_autoptr(VtierDamonModel) model = load_model(path, error);
	g_autoptr(VtierDamonFeatures) f = NULL;
	g_autofree gchar *script = NULL;

	if (model == NULL)
		return FALSE;
	f = vtier_damon_features_load(profile != NULL ? profile : "7.3", error);
	if (f == NULL)
		return FALSE;
	script = vtier_damon_render_script(model, f, error);
	if (script == NULL)
		return FALSE;
	fputs(script, stdout);
	return TRUE;
}

gboolean vtier_cli_verb_damon(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *profile = NULL;
	g_autoptr(VtierDamonDriver) d = NULL;
	gboolean disable_stat = FALSE;
	const gchar *action;
	const GOptionEntry entries[] = {
		{ "profile", 0, 0, G_OPTION_ARG_STRING, &profile,
		  "script: kernel profile or probe JSON file (default 7.3)", "NAME" },
		{ "disable-damon-stat", 0, 0, G_OPTION_ARG_NONE, &disable_stat,
		  "Turn damon_stat off when it holds DAMON (as [damon] disable_damon_stat=true)", NULL },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "apply MODEL.json | status | stop | script MODEL.json",
			     "Drive DAMON with a model (tests, lab, recovery while vtierd is stopped).",
			     entries, &common, error))
		return FALSE;
	action = argc > 1 ? argv[1] : "";
	if (g_str_equal(action, "script") && argc == 3)
		return do_script(argv[2], profile, error);
	if (!(g_str_equal(action, "apply") && argc == 3) &&
	    !((g_str_equal(action, "status") || g_str_equal(action, "stop")) && argc == 2)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "usage: vtierctl damon apply MODEL.json | status | stop | script MODEL.json");
		return FALSE;
	}
	if (g_str_equal(action, "status"))
		return do_status(common.json, error);
	d = vtier_damon_driver_new(NULL);
	if (!vtier_damon_driver_start(d, disable_stat, error)) {
		/* stop that cannot: show what is in the way before failing */
		if (g_str_equal(action, "stop") && !common.json)
			do_status(FALSE, NULL);
		return FALSE;
	}
	if (g_str_equal(action, "apply"))
		return do_apply(d, argv[2], common.json, error);
	return vtier_damon_driver_stop(d, error);
}
