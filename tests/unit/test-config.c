/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "common/error.h"
#include "common/config.h"
#include "vtier-test.h"

static void test_config_defaults(void)
{
	g_autoptr(VtierConfig) config = vtier_config_new_default();
	g_autofree gchar *uri = vtier_config_get_string(config, "daemon", "libvirt_uri");

	g_assert_cmpstr(uri, ==, "qemu:///system");
	g_assert_false(vtier_config_get_boolean(config, "damon", "disable_damon_stat"));
	g_assert_false(vtier_config_has_key(config, "damon", "disable_damon_stat"));
}

static void test_config_values(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) config = vtier_config_load_data(
		"[damon]\ndisable_damon_stat=true\n[sampler]\nmode=ibs\nperiod=262144\n",
		"test.conf", &error);

	g_assert_no_error(error);
	g_assert_true(vtier_config_get_boolean(config, "damon", "disable_damon_stat"));
	g_assert_cmpuint(vtier_config_get_u64(config, "sampler", "period"), ==, 262144);
}

static void test_config_rejects(void)
{
	const struct {
		const gchar *data;
		const gchar *message;
	} cases[] = {
		{ "[damon]\ndisable_damon_stat=yes\n",
		  "test.conf: [damon] disable_damon_stat=\"yes\" is not a boolean (allowed: true, "
		  "false)" },
		{ "[sampler]\nmode=magic\n",
		  "test.conf: [sampler] mode=\"magic\" is not allowed (allowed: auto, ibs, pebs, "
		  "none)" },
		{ "[sampler]\nperiod=-5\n",
		  "test.conf: [sampler] period=\"-5\" is not a non-negative integer" },
		{ "[damon]\ndisable_damonstat=true\n",
		  "test.conf: unknown key \"disable_damonstat\" in group [damon]" },
		{ "[tiering]\nx=1\n", "test.conf: unknown group [tiering]" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierConfig) config =
			vtier_config_load_data(cases[i].data, "test.conf", &error);

		g_assert_null(config);
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
		g_assert_cmpstr(error->message, ==, cases[i].message);
	}
}

static void test_config_syntax_error(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) config = vtier_config_load_data("damon\n", "bad.conf", &error);

	g_assert_null(config);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_true(g_str_has_prefix(error->message, "bad.conf: "));
}

static void test_config_missing_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) optional = vtier_config_load("/nonexistent/vtierd.conf", FALSE, &error);
	g_autoptr(VtierConfig) required = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(optional);
	required = vtier_config_load("/nonexistent/vtierd.conf", TRUE, &error);
	g_assert_null(required);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "/nonexistent/vtierd.conf"));
}

/* The shipped sample (data/vtierd.conf) is generated from the key table: it always lists every
 * key with its real default, and it loads as a valid (all-default) configuration. */
static void test_config_sample(void)
{
	g_autofree gchar *sample = vtier_config_render_sample();
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) config = vtier_config_load_data(sample, "sample", &error);
	g_autofree gchar *shipped_path = g_build_filename(g_test_get_dir(G_TEST_DIST), "..",
							  "data", "vtierd.conf", NULL);

	g_assert_no_error(error);
	g_assert_nonnull(config);
	vtier_test_assert_golden_path(shipped_path, sample);
}

/* vtierd.conf(5) documents every key under its group's section. */
static void test_config_man_page(void)
{
	g_autofree gchar *path = g_build_filename(g_test_get_dir(G_TEST_DIST), "..", "docs", "man",
						  "vtierd.conf.5", NULL);
	g_autofree gchar *man = NULL;
	g_auto(GStrv) all = vtier_config_list_keys();
	g_autoptr(GError) error = NULL;

	g_file_get_contents(path, &man, NULL, &error);
	g_assert_no_error(error);
	for (gsize i = 0; all[i] != NULL; i++) {
		g_auto(GStrv) gk = g_strsplit(all[i], ".", 2);
		g_autofree gchar *section = g_strdup_printf(".SH [%s]\n", gk[0]);
		g_autofree gchar *entry = g_strdup_printf(".BR %s \"", gk[1]);
		const gchar *in_section = strstr(man, section);
		const gchar *next_section = NULL;
		const gchar *found = NULL;

		g_assert_nonnull(in_section);
		next_section = strstr(in_section + 1, ".SH ");
		found = strstr(in_section, entry);
		if (found == NULL || (next_section != NULL && found > next_section))
			g_test_fail_printf("vtierd.conf.5 does not document [%s] %s", gk[0], gk[1]);
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/config/defaults", test_config_defaults);
	g_test_add_func("/config/values", test_config_values);
	g_test_add_func("/config/rejects", test_config_rejects);
	g_test_add_func("/config/syntax-error", test_config_syntax_error);
	g_test_add_func("/config/missing-file", test_config_missing_file);
	g_test_add_func("/config/sample", test_config_sample);
	g_test_add_func("/config/man-page", test_config_man_page);
	return g_test_run();
}
