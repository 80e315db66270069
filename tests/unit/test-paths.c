/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "vtier-test.h"

static void test_paths_real_root(void)
{
	g_autofree gchar *p = NULL;

	vtier_paths_set_sysroot(NULL);
	g_assert_true(vtier_paths_is_real_root());
	p = vtier_path_build(VTIER_PATH_DAMON_ADMIN, "kdamonds", "nr_kdamonds", NULL);
	g_assert_cmpstr(p, ==, "/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds");
}

static void test_paths_sysroot(void)
{
	g_autofree gchar *p = NULL;
	g_autofree gchar *host = NULL;
	g_autofree gchar *hp = NULL;

	vtier_paths_set_sysroot("/tmp/fixture/");
	g_assert_false(vtier_paths_is_real_root());
	g_assert_cmpstr(vtier_paths_get_sysroot(), ==, "/tmp/fixture");
	p = vtier_path_build(VTIER_PATH_NODES, "node1", "cpulist", NULL);
	g_assert_cmpstr(p, ==, "/tmp/fixture/sys/devices/system/node/node1/cpulist");
	host = vtier_path_to_host(p);
	g_assert_cmpstr(host, ==, "/sys/devices/system/node/node1/cpulist");
	hp = vtier_path_build_host(VTIER_PATH_IOMEM, NULL);
	g_assert_cmpstr(hp, ==, "/proc/iomem");
	vtier_paths_set_sysroot(NULL);
}

static void test_paths_to_host_outside_root(void)
{
	g_autofree gchar *host = NULL;
	g_autofree gchar *sibling = NULL;

	vtier_paths_set_sysroot("/tmp/fixture");
	host = vtier_path_to_host("/etc/vtier/vtierd.conf");
	g_assert_cmpstr(host, ==, "/etc/vtier/vtierd.conf");
	/* a sibling that merely shares the prefix is not inside the root */
	sibling = vtier_path_to_host("/tmp/fixture2/sys");
	g_assert_cmpstr(sibling, ==, "/tmp/fixture2/sys");
	vtier_paths_set_sysroot(NULL);
}

static void test_paths_env(void)
{
	vtier_paths_set_sysroot(NULL);
	g_assert_cmpstr(vtier_paths_get_sysroot(), ==, "/");
	vtier_paths_set_sysroot("relative/dir");
	g_assert_true(g_path_is_absolute(vtier_paths_get_sysroot()));
	g_assert_true(g_str_has_suffix(vtier_paths_get_sysroot(), "/relative/dir"));
	vtier_paths_set_sysroot(NULL);
}

static void test_paths_forbid_real_damon(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *p = NULL;

	/* vtier_test_init() set VTIER_FORBID_REAL_DAMON=1: the real tree is untouchable */
	vtier_paths_set_sysroot(NULL);
	p = vtier_path_build(VTIER_PATH_DAMON_ADMIN, "kdamonds", "0", "state", NULL);
	g_assert_false(vtier_paths_check_damon_write(p, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
	g_assert_nonnull(strstr(error->message, "/sys/kernel/mm/damon/admin/kdamonds/0/state"));
	g_clear_error(&error);
	/* and so is any write through the file helper, before it opens anything */
	g_assert_false(vtier_file_write_value(p, "off", &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
}

static void test_paths_fake_damon_writable(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *p = NULL;
	g_autofree gchar *back = NULL;

	vtier_test_write_file(root->root, "sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds", "0\n");
	p = vtier_path_build(VTIER_PATH_DAMON_ADMIN, "kdamonds", "nr_kdamonds", NULL);
	g_assert_true(vtier_file_write_value(p, "1", &error));
	g_assert_no_error(error);
	g_assert_true(vtier_file_read_trimmed(p, &back, &error));
	g_assert_cmpstr(back, ==, "1");
}

/* A sysroot whose sys/ (or a directory below it) is a symlink into the real /sys is the real
 * tree: refused, and so is the damon_stat module's parameter and any other kernel file. */
static void test_paths_forbid_symlinked_sysroot(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autofree gchar *sys = g_build_filename(root->root, "sys", NULL);
	g_autofree gchar *p = NULL;
	g_autofree gchar *stat = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(symlink("/sys", sys), ==, 0);
	p = vtier_path_build(VTIER_PATH_DAMON_ADMIN, "kdamonds", "0", "state", NULL);
	g_assert_false(vtier_paths_check_damon_write(p, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	g_assert_false(vtier_file_write_value(p, "off", &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	stat = vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters", "enabled", NULL);
	g_assert_false(vtier_file_write_value(stat, "N", &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
	g_assert_nonnull(strstr(error->message, "damon_stat"));
}

static void test_paths_forbid_damon_stat_real_root(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *p = NULL;

	vtier_paths_set_sysroot(NULL);
	p = vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters", "enabled", NULL);
	g_assert_false(vtier_paths_check_damon_write(p, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	/* a relative path that climbs out of a fixture into the real tree */
	g_assert_false(vtier_paths_check_damon_write("/tmp/../sys/kernel/mm/damon/admin/x", &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED);
}

/* The config file and the policy folder are path kinds of the store: never below the sysroot,
 * overridden by VTIER_CONFIG and VTIER_POLICY_DIR. */
static void test_paths_installed_files(void)
{
	g_autofree gchar *saved = g_strdup(g_getenv("VTIER_POLICY_DIR"));
	g_autofree gchar *conf = NULL;
	g_autofree gchar *policies = NULL;
	g_autofree gchar *over = NULL;

	vtier_paths_set_sysroot("/tmp/fixture");
	g_unsetenv("VTIER_CONFIG");
	g_unsetenv("VTIER_POLICY_DIR");
	conf = vtier_path_build(VTIER_PATH_CONFIG, NULL);
	policies = vtier_path_build(VTIER_PATH_POLICIES, "vtier-policy.rng", NULL);
	g_assert_cmpstr(conf, ==, VTIER_SYSCONFDIR "/vtier/vtierd.conf");
	g_assert_cmpstr(policies, ==, VTIER_POLICYDIR "/vtier-policy.rng");
	g_setenv("VTIER_CONFIG", "/srv/test.conf", TRUE);
	over = vtier_path_build(VTIER_PATH_CONFIG, NULL);
	g_assert_cmpstr(over, ==, "/srv/test.conf");
	g_unsetenv("VTIER_CONFIG");
	if (saved != NULL)
		g_setenv("VTIER_POLICY_DIR", saved, TRUE);
	vtier_paths_set_sysroot(NULL);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/paths/real-root", test_paths_real_root);
	g_test_add_func("/paths/sysroot", test_paths_sysroot);
	g_test_add_func("/paths/to-host-outside-root", test_paths_to_host_outside_root);
	g_test_add_func("/paths/relative-root", test_paths_env);
	g_test_add_func("/paths/forbid-real-damon", test_paths_forbid_real_damon);
	g_test_add_func("/paths/fake-damon-writable", test_paths_fake_damon_writable);
	g_test_add_func("/paths/forbid-symlinked-sysroot", test_paths_forbid_symlinked_sysroot);
	g_test_add_func("/paths/forbid-damon-stat", test_paths_forbid_damon_stat_real_root);
	g_test_add_func("/paths/installed-files", test_paths_installed_files);
	return g_test_run();
}
