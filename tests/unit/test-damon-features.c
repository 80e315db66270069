/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <glib/gstdio.h>

#include "common/error.h"
#include "tiering/damon/damon-features.h"
#include "vtier-test.h"

static void test_profiles_load(void)
{
	const gchar *const *names = vtier_damon_profile_names();

	g_assert_cmpuint(g_strv_length((gchar **)names), ==, 4);
	for (gsize i = 0; names[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierDamonFeatures) f = vtier_damon_features_load(names[i], &error);
		g_autoptr(VtierDamonFeatures) back = NULL;
		g_autofree gchar *text = NULL;
		g_autofree gchar *text2 = NULL;
		g_autofree gchar *golden = g_strdup_printf("damon/profile-%s.txt", names[i]);
		g_autofree gchar *summary = NULL;

		g_assert_no_error(error);
		g_assert_true(f->available && f->complete);
		text = vtier_damon_features_to_data(f);
		back = vtier_damon_features_from_data(text, NULL, &error);
		g_assert_no_error(error);
		text2 = vtier_damon_features_to_data(back);
		g_assert_cmpstr(text, ==, text2);
		g_assert_null(vtier_damon_features_diff(f, back));
		summary = vtier_damon_features_to_text(f);
		vtier_test_assert_golden(golden, summary);
	}
}

/* The profiles say what docs/../reference/damon-sysfs.md's table says. */
static void test_profiles_table(void)
{
	g_autoptr(VtierDamonFeatures) v612 = vtier_damon_features_load("6.12", NULL);
	g_autoptr(VtierDamonFeatures) v618 = vtier_damon_features_load("6.18", NULL);
	g_autoptr(VtierDamonFeatures) v73 = vtier_damon_features_load("7.3", NULL);

	g_assert_true(vtier_damon_features_has_action(v612, VTIER_DAMON_ACTION_MIGRATE_HOT));
	g_assert_false(vtier_damon_features_has_action(v618, VTIER_DAMON_ACTION_COLLAPSE));
	g_assert_true(vtier_damon_features_has_action(v73, VTIER_DAMON_ACTION_COLLAPSE));
	g_assert_false(vtier_damon_features_has_goal_metric(v612, VTIER_DAMON_METRIC_NODE_MEM_USED_BP));
	g_assert_true(vtier_damon_features_has_goal_metric(v618, VTIER_DAMON_METRIC_NODE_MEM_USED_BP));
	g_assert_false(vtier_damon_features_has_goal_metric(v618, VTIER_DAMON_METRIC_NODE_MEMCG_USED_BP));
	g_assert_true(vtier_damon_features_has_goal_metric(v73, VTIER_DAMON_METRIC_NODE_ELIGIBLE_MEM_BP));
	g_assert_true(!v612->goal_nid && v618->goal_nid && !v618->goal_path && v73->goal_path);
	g_assert_false(vtier_damon_features_has_goal_tuner(v618, VTIER_DAMON_TUNER_TEMPORAL));
	g_assert_true(vtier_damon_features_has_goal_tuner(v73, VTIER_DAMON_TUNER_TEMPORAL));
	g_assert_false(v612->core_filters || v612->ops_filters || v612->filter_allow);
	g_assert_true(vtier_damon_features_has_filter_type(v612, VTIER_DAMON_LAYER_LEGACY,
							   VTIER_DAMON_FILTER_MEMCG));
	g_assert_false(vtier_damon_features_has_filter_type(v612, VTIER_DAMON_LAYER_OPS,
							    VTIER_DAMON_FILTER_MEMCG));
	g_assert_true(vtier_damon_features_has_filter_type(v618, VTIER_DAMON_LAYER_CORE,
							   VTIER_DAMON_FILTER_ADDR));
	g_assert_false(vtier_damon_features_has_filter_type(v618, VTIER_DAMON_LAYER_CORE,
							    VTIER_DAMON_FILTER_MEMCG));
	g_assert_true(!v612->dests && v618->dests && v618->intervals_goal && v618->refresh_ms &&
		      v618->addr_unit);
	g_assert_true(!v618->pause && v73->pause && v73->probes && v73->obsolete_target &&
		      v73->fail_charge);
	g_assert_false(vtier_damon_features_has_state_command(v612, "update_tuned_intervals"));
	g_assert_true(vtier_damon_features_has_state_command(v618, "update_tuned_intervals"));
	g_assert_false(vtier_damon_features_get_module(v612, "damon_stat")->present);
	g_assert_true(vtier_damon_features_get_module(v73, "damon_stat")->enabled);
	g_assert_true(vtier_damon_features_has_trace_event(v618, "damos_esz"));
	g_assert_false(v73->perf_events);
}

static void test_hw_rfc(void)
{
	g_autoptr(VtierDamonFeatures) v73 = vtier_damon_features_load("7.3", NULL);
	g_autoptr(VtierDamonFeatures) hw = vtier_damon_features_load("7.3+hw-rfc", NULL);
	g_autofree gchar *diff = vtier_damon_features_diff(v73, hw);

	g_assert_cmpstr(diff, ==,
			"perf_events: expected no, found yes\n"
			"max_perf_events: expected 0, found 64\n");
}

static void test_diff_and_file(void)
{
	g_autoptr(VtierDamonFeatures) v612 = vtier_damon_features_load("6.12", NULL);
	g_autoptr(VtierDamonFeatures) v73 = vtier_damon_features_load("7.3", NULL);
	g_autoptr(VtierDamonFeatures) loaded = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *diff = vtier_damon_features_diff(v612, v73);
	g_autofree gchar *dir = g_dir_make_tmp("vtier-damon-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "probe.json", NULL);
	g_autofree gchar *text = vtier_damon_features_to_data(v73);

	g_assert_nonnull(strstr(diff, "actions: expected [willneed"));
	g_assert_nonnull(strstr(diff, "module damon_stat: expected absent, found present\n"));
	/* a module's enabled state is runtime state, not a capability */
	vtier_damon_features_get_module(v73, "damon_reclaim")->enabled = TRUE;
	g_clear_pointer(&diff, g_free);
	loaded = vtier_damon_features_load("7.3", NULL);
	diff = vtier_damon_features_diff(loaded, v73);
	g_assert_null(diff);
	g_clear_pointer(&loaded, vtier_damon_features_free);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	loaded = vtier_damon_features_load(path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(loaded->source, ==, path);
	g_assert_null(vtier_damon_features_diff(v73, loaded));
	g_unlink(path);
	g_rmdir(dir);
	g_clear_pointer(&loaded, vtier_damon_features_free);
	loaded = vtier_damon_features_load("6.13", &error);
	g_assert_null(loaded);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "neither a DAMON profile (6.12, 6.18, 7.3, 7.3+hw-rfc)"));
}

static void test_parse_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonFeatures) f =
		vtier_damon_features_from_data("{\"modules\": [{\"name\": \"damon_foo\"}]}", NULL, &error);

	g_assert_null(f);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_nonnull(strstr(error->message, "modules[0].name: not an exclusive DAMON module"));
	g_clear_error(&error);
	f = vtier_damon_features_from_data("{\"actionz\": []}", NULL, &error);
	g_assert_null(f);
	g_assert_nonnull(strstr(error->message, "actionz: unknown member"));
}

/* The profiles' trace events and exclusive modules (at boot) are what the lab captured from the
 * real kernels (tests/data/damon/{events,modules}-KERNEL.txt, tests/kernel/lab-capture). */
static void test_lab_captures(void)
{
	static const gchar *const kernels[] = { "6.12", "6.18", "7.3" };

	for (gsize k = 0; k < G_N_ELEMENTS(kernels); k++) {
		g_autoptr(VtierDamonFeatures) f = vtier_damon_features_load(kernels[k], NULL);
		g_autofree gchar *events_name = g_strdup_printf("events-%s.txt", kernels[k]);
		g_autofree gchar *modules_name = g_strdup_printf("modules-%s.txt", kernels[k]);
		g_autofree gchar *events_path = vtier_test_data_path("damon", events_name, NULL);
		g_autofree gchar *modules_path = vtier_test_data_path("damon", modules_name, NULL);
		g_autofree gchar *events = NULL;
		g_autofree gchar *modules = NULL;
		g_autoptr(GStrvBuilder) names = g_strv_builder_new();
		g_auto(GStrv) lines = NULL;
		g_auto(GStrv) captured = NULL;

		g_assert_true(g_file_get_contents(events_path, &events, NULL, NULL));
		g_assert_true(g_file_get_contents(modules_path, &modules, NULL, NULL));
		lines = g_strsplit(events, "\n", -1);
		for (gsize i = 0; lines[i] != NULL; i++) {
			if (lines[i][0] != '\0' && lines[i][0] != '#' && !g_ascii_isspace(lines[i][0]))
				g_strv_builder_add(names, lines[i]);
		}
		captured = g_strv_builder_end(names);
		g_assert_true(g_strv_equal((const gchar *const *)captured,
					   (const gchar *const *)f->trace_events));
		for (guint i = 0; i < f->modules->len; i++) {
			const VtierDamonModule *m = f->modules->pdata[i];
			g_autofree gchar *on = g_strdup_printf("%s/parameters/enabled\tY\n", m->name);
			g_autofree gchar *off = g_strdup_printf("%s/parameters/enabled\tN\n", m->name);

			g_test_message("%s %s: present %d enabled %d", kernels[k], m->name, m->present,
				       m->enabled);
			g_assert_cmpint(m->present, ==,
					strstr(modules, on) != NULL || strstr(modules, off) != NULL);
			g_assert_cmpint(m->enabled, ==, strstr(modules, on) != NULL);
		}
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/features/profiles-load", test_profiles_load);
	g_test_add_func("/damon/features/profiles-table", test_profiles_table);
	g_test_add_func("/damon/features/hw-rfc", test_hw_rfc);
	g_test_add_func("/damon/features/diff-and-file", test_diff_and_file);
	g_test_add_func("/damon/features/parse-errors", test_parse_errors);
	g_test_add_func("/damon/features/lab-captures", test_lab_captures);
	return g_test_run();
}
