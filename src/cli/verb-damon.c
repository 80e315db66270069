/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "tiering/damon/damon-driver.h"
#include "common/json.h"

/* `vtierctl damon apply MODEL.json | status | stop | script MODEL.json --profile NAME`: drives
 * DAMON with a model directly, for tests, the lab and recovery while vtierd is stopped (vtierd
 * is the one writer otherwise). apply/status/stop take ownership like vtierd (they refuse a
 * kdamond vtier did not create); script writes nothing. */

static VtierDamonModel *load_model(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) local = NULL;
	VtierDamonModel *model;

	if (!g_file_get_contents(path, &data, NULL, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "%s", local->message);
		return NULL;
	}
	model = vtier_damon_model_from_data(data, error);
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

static gboolean do_status(VtierDamonDriver *d, gboolean json, GError **error)
{
	const VtierDamonClaim *claim = vtier_damon_driver_get_claim(d);

	for (guint i = 0; i < claim->adopted->len; i++) {
		guint k = g_array_index(claim->adopted, VtierDamonOwnedKdamond, i).index;
		g_auto(VtierDamonKdamondStatus) st = { 0 };
		g_autoptr(JsonNode) node = NULL;
		g_autofree gchar *text = NULL;

		if (!vtier_damon_driver_read_status(d, k, &st, error))
			return FALSE;
		node = vtier_damon_kdamond_status_to_json(&st);
		if (json) {
			text = vtier_json_to_data(node);
			fputs(text, stdout);
			continue;
		}
		printf("kdamond %u: %s, pid %d\n", k, st.running ? "on" : "off", st.pid);
		for (guint s = 0; s < st.schemes->len; s++) {
			const VtierDamonSchemeStats *ss = &g_array_index(st.schemes, VtierDamonSchemeStats, s);

			printf("  scheme %u: tried %" G_GUINT64_FORMAT " B, applied %" G_GUINT64_FORMAT
			       " B, quota exceeded %" G_GUINT64_FORMAT "x, effective quota %" G_GUINT64_FORMAT
			       " B\n",
			       s, ss->sz_tried, ss->sz_applied, ss->qt_exceeds, ss->effective_bytes);
		}
	}
	if (claim->adopted->len == 0 && !json)
		printf("no kdamond of vtier runs\n");
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
	script = vtier_damon_writer_render_script(model, f, error);
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
	d = vtier_damon_driver_new(NULL);
	if (!vtier_damon_driver_start(d, disable_stat, error))
		return FALSE;
	if (g_str_equal(action, "apply"))
		return do_apply(d, argv[2], common.json, error);
	if (g_str_equal(action, "status"))
		return do_status(d, common.json, error);
	return vtier_damon_driver_stop(d, error);
}
