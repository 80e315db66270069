/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <string.h>

#include "damon-test-util.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/damon/damon-probe.h"
#include "tiering/damon/damon-writer.h"
#include "vtier-test.h"

static VtierDamonFeatures *load(const gchar *profile, gboolean damon_stat_enabled)
{
	g_autoptr(GError) error = NULL;
	VtierDamonFeatures *f = vtier_damon_features_load(profile, &error);
	VtierDamonModule *stat;

	g_assert_no_error(error);
	stat = vtier_damon_features_get_module(f, "damon_stat");
	stat->enabled = stat->present && damon_stat_enabled;
	return f;
}

static gchar *nr_kdamonds(VtierDamonIo *io)
{
	g_autofree gchar *path = vtier_damon_admin_path("kdamonds/nr_kdamonds");
	gchar *value = NULL;

	g_assert_true(vtier_damon_io_read(io, path, &value, NULL));
	return value;
}

/* The probe finds on each kernel's fake exactly what the profile says, and leaves no trace. */
static void test_probe_profiles(void)
{
	const gchar *const *names = vtier_damon_profile_names();

	for (gsize i = 0; names[i] != NULL; i++) {
		g_autoptr(VtierDamonFeatures) expected = load(names[i], FALSE);
		g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(expected);
		g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierDamonFeatures) probed = vtier_damon_probe(io, &error);
		g_autofree gchar *diff = NULL;
		g_autofree gchar *nr = NULL;

		g_assert_no_error(error);
		diff = vtier_damon_features_diff(expected, probed);
		g_test_message("%s: %s", names[i], diff != NULL ? diff : "same");
		g_assert_null(diff);
		g_assert_true(probed->complete);
		g_assert_cmpstr(probed->source, ==, "probe");
		nr = nr_kdamonds(io);
		g_assert_cmpstr(nr, ==, "0");
		g_assert_false(vtier_damon_fake_is_running(fake, 0));
	}
}

/* damon_stat holds DAMON on 7.3: the scratch kdamond cannot start, the probe says so. */
static void test_probe_damon_stat(void)
{
	g_autoptr(VtierDamonFeatures) expected = load("7.3", TRUE);
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(expected);
	g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonFeatures) probed = vtier_damon_probe(io, &error);
	g_autofree gchar *diff = NULL;

	g_assert_no_error(error);
	g_assert_false(probed->complete);
	g_assert_nonnull(strstr(probed->incomplete_reason, "Device or resource busy (an exclusive "
							   "DAMON module holds DAMON)"));
	g_assert_true(vtier_damon_features_get_module(probed, "damon_stat")->enabled);
	g_assert_true(vtier_damon_features_has_action(probed, VTIER_DAMON_ACTION_COLLAPSE));
	diff = vtier_damon_features_diff(expected, probed);
	g_assert_nonnull(diff);
	g_assert_true(g_str_has_prefix(diff, "state_commands: expected [on off commit "));
	/* ... and nothing else differs */
	g_assert_true(strchr(diff, '\n') == diff + strlen(diff) - 1);
}

/* A tree in use is never written: presence only, naming who is there. */
static void test_probe_busy_tree(void)
{
	g_autoptr(VtierTestSysroot) sysroot = vtier_test_sysroot_new(NULL);
	g_autoptr(VtierDamonFeatures) f = load("6.18", FALSE);
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(f);
	g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
	g_autoptr(VtierDamonWriter) writer = vtier_damon_writer_new(io, f);
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio("/");
	g_autoptr(VtierDamonFeatures) probed = NULL;
	g_autoptr(GError) error = NULL;
	guint logged;

	vtier_test_write_file(sysroot->root, "sys/fs/cgroup/cgroup.procs", "");
	g_assert_true(vtier_damon_writer_apply(writer, model, NULL, &error));
	g_assert_no_error(error);
	logged = vtier_damon_fake_get_log(fake)->len;
	probed = vtier_damon_probe(io, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(vtier_damon_fake_get_log(fake)->len, ==, logged);
	g_assert_false(probed->complete);
	g_assert_cmpstr(probed->incomplete_reason, ==,
			"the DAMON tree is in use (kdamond 0 on (pid 3000)): no trial writes, only "
			"file presence");
	g_assert_true(probed->core_filters && probed->dests && probed->refresh_ms);
	g_assert_false(probed->pause);
}

static void test_probe_no_damon(void)
{
	g_autoptr(VtierDamonFeatures) none = vtier_damon_features_new();
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(none);
	g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonFeatures) probed = vtier_damon_probe(io, &error);

	g_assert_no_error(error);
	g_assert_false(probed->available);
	g_assert_null(vtier_damon_features_diff(none, probed));
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/probe/profiles", test_probe_profiles);
	g_test_add_func("/damon/probe/damon-stat", test_probe_damon_stat);
	g_test_add_func("/damon/probe/busy-tree", test_probe_busy_tree);
	g_test_add_func("/damon/probe/no-damon", test_probe_no_damon);
	return g_test_run();
}
