/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/paths.h"
#include "damon-test-util.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/damon/damon-ownership.h"
#include "tiering/damon/damon-writer.h"
#include "vtier-test.h"

typedef struct {
	VtierTestSysroot *sysroot;
	VtierDamonFeatures *features;
	VtierDamonFake *fake;
	VtierDamonIo *io;
} Fixture;

static void setup(Fixture *fx, const gchar *profile, gboolean damon_stat)
{
	fx->sysroot = vtier_test_sysroot_new(NULL);
	vtier_test_write_file(fx->sysroot->root, "sys/fs/cgroup/cgroup.procs", "");
	fx->features = vtier_damon_features_load(profile, NULL);
	if (vtier_damon_features_get_module(fx->features, "damon_stat")->present)
		vtier_damon_features_get_module(fx->features, "damon_stat")->enabled = damon_stat;
	fx->fake = vtier_damon_fake_new(fx->features);
	fx->io = vtier_damon_fake_get_io(fx->fake);
}

static void teardown(Fixture *fx)
{
	vtier_damon_io_unref(fx->io);
	vtier_damon_fake_free(fx->fake);
	vtier_damon_features_free(fx->features);
	vtier_test_sysroot_free(fx->sysroot);
}

/* Another tool (damo, a script) starts a kdamond through sysfs. */
static void start_foreign(Fixture *fx)
{
	static const gchar *const writes[][2] = {
		{ "kdamonds/nr_kdamonds", "1" },
		{ "kdamonds/0/contexts/nr_contexts", "1" },
		{ "kdamonds/0/contexts/0/operations", "paddr" },
		{ "kdamonds/0/contexts/0/targets/nr_targets", "1" },
		{ "kdamonds/0/state", "on" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(writes); i++) {
		g_autofree gchar *path = vtier_damon_admin_path(writes[i][0]);

		g_assert_true(vtier_damon_io_write(fx->io, path, writes[i][1], NULL));
	}
}

static void test_empty_tree(void)
{
	Fixture fx = { 0 };
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;

	setup(&fx, "6.12", FALSE);
	g_assert_true(vtier_damon_ownership_claim(fx.io, FALSE, &claim, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(claim.adopted->len, ==, 0);
	g_assert_cmpuint(vtier_damon_fake_get_log(fx.fake)->len, ==, 0);
	teardown(&fx);
}

static void test_foreign_running(void)
{
	Fixture fx = { 0 };
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stat =
		vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters", "enabled", NULL);
	guint logged;

	setup(&fx, "7.3", TRUE);
	g_assert_true(vtier_damon_io_write(fx.io, stat, "N", NULL));
	start_foreign(&fx);
	logged = vtier_damon_fake_get_log(fx.fake)->len;
	g_assert_false(vtier_damon_ownership_claim(fx.io, TRUE, &claim, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_test_message("%s", error->message);
	g_assert_true(g_str_has_prefix(error->message, "kdamond 0 (pid 3000) is running and vtier did "
						       "not start it"));
	g_assert_nonnull(strstr(error->message, "`echo off > /sys/kernel/mm/damon/admin/kdamonds/0/state`"));
	/* nothing was written, the foreign kdamond still runs */
	g_assert_cmpuint(vtier_damon_fake_get_log(fx.fake)->len, ==, logged);
	g_assert_true(vtier_damon_fake_is_running(fx.fake, 0));
	teardown(&fx);
}

static void test_foreign_stopped(void)
{
	Fixture fx = { 0 };
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *nr = vtier_damon_admin_path("kdamonds/nr_kdamonds");

	setup(&fx, "6.18", FALSE);
	g_assert_true(vtier_damon_io_write(fx.io, nr, "1", NULL));
	g_assert_false(vtier_damon_ownership_claim(fx.io, FALSE, &claim, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_assert_nonnull(strstr(error->message, "kdamond 0 exists (stopped) and vtier did not create it"));
	g_assert_nonnull(strstr(error->message, "`echo 0 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds`"));
	teardown(&fx);
}

/* vtierd restarts: its running kdamond is adopted and nothing is written. */
static void test_adopt_own(void)
{
	Fixture fx = { 0 };
	g_auto(VtierDamonClaim) claim = { 0 };
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio("/");
	g_autoptr(VtierDamonWriter) w = NULL;
	g_autoptr(GArray) owned = NULL;
	guint writes;

	setup(&fx, "6.18", FALSE);
	w = vtier_damon_writer_new(fx.io, fx.features);
	g_assert_true(vtier_damon_writer_apply(w, model, NULL, &error));
	g_assert_true(vtier_damon_ownership_record(fx.io, 1, &error));
	g_assert_no_error(error);
	owned = vtier_damon_ownership_load(&error);
	g_assert_cmpuint(owned->len, ==, 1);
	g_assert_cmpint(g_array_index(owned, VtierDamonOwnedKdamond, 0).pid, ==, 3000);
	g_clear_pointer(&w, vtier_damon_writer_free);
	writes = vtier_damon_io_get_write_count(fx.io);
	g_assert_true(vtier_damon_ownership_claim(fx.io, FALSE, &claim, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(claim.adopted->len, ==, 1);
	w = vtier_damon_writer_new(fx.io, fx.features);
	g_assert_true(vtier_damon_writer_apply(w, model, &result, &error));
	g_assert_cmpint(g_array_index(result.actions, VtierDamonStateAction, 0), ==,
			VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes);
	teardown(&fx);
}

static void test_damon_stat(void)
{
	Fixture fx = { 0 };
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio("/");
	g_autoptr(VtierDamonWriter) w = NULL;

	setup(&fx, "7.3", TRUE);
	w = vtier_damon_writer_new(fx.io, fx.features);
	/* without the ownership check, `on` fails and the error names the module */
	g_assert_false(vtier_damon_writer_apply(w, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_BUSY);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, "cannot write \"on\" to /sys/kernel/mm/damon/admin/"
						"kdamonds/0/state: Device or resource busy (cause: an "
						"exclusive DAMON user holds DAMON: damon_stat enabled"));
	g_clear_error(&error);
	/* vtierd records the kdamond it created, started or not */
	g_assert_true(vtier_damon_ownership_record(fx.io, 1, &error));
	g_assert_false(vtier_damon_ownership_claim(fx.io, FALSE, &claim, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_assert_nonnull(strstr(error->message, "the damon_stat module is enabled "
						"(/sys/module/damon_stat/parameters/enabled = Y)"));
	g_assert_nonnull(strstr(error->message, "disable_damon_stat=true"));
	g_clear_error(&error);
	g_assert_true(vtier_damon_ownership_claim(fx.io, TRUE, &claim, &error));
	g_assert_no_error(error);
	g_assert_true(claim.damon_stat_disabled);
	g_assert_cmpuint(claim.owned_stopped, ==, 1);
	g_assert_true(vtier_damon_writer_apply(w, model, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(vtier_damon_fake_is_running(fx.fake, 0));
	teardown(&fx);
}

/* The config switch only covers damon_stat. */
static void test_damon_reclaim(void)
{
	Fixture fx = { 0 };
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path =
		vtier_path_build(VTIER_PATH_MODULES, "damon_reclaim", "parameters", "enabled", NULL);

	setup(&fx, "7.3", TRUE);
	g_assert_true(vtier_damon_io_write(fx.io, path, "Y", NULL));
	g_assert_false(vtier_damon_ownership_claim(fx.io, TRUE, &claim, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_assert_nonnull(strstr(error->message, "the damon_reclaim module is enabled"));
	/* refused before anything was touched: damon_stat is still on */
	g_assert_false(claim.damon_stat_disabled);
	teardown(&fx);
}

static void test_state_file_kept(void)
{
	Fixture fx = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *text = NULL;

	setup(&fx, "6.12", FALSE);
	vtier_test_write_file(fx.sysroot->root, "run/vtier/state.json", "{\"guests\": [1, 2]}\n");
	g_assert_true(vtier_damon_ownership_record(fx.io, 0, &error));
	g_assert_no_error(error);
	path = vtier_path_build(VTIER_PATH_VTIER_RUN, "state.json", NULL);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, "\"guests\""));
	g_assert_nonnull(strstr(text, "\"damon\""));
	teardown(&fx);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/ownership/empty-tree", test_empty_tree);
	g_test_add_func("/damon/ownership/foreign-running", test_foreign_running);
	g_test_add_func("/damon/ownership/foreign-stopped", test_foreign_stopped);
	g_test_add_func("/damon/ownership/adopt-own", test_adopt_own);
	g_test_add_func("/damon/ownership/damon-stat", test_damon_stat);
	g_test_add_func("/damon/ownership/damon-reclaim", test_damon_reclaim);
	g_test_add_func("/damon/ownership/state-file-kept", test_state_file_kept);
	return g_test_run();
}
