/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "vtier-test.h"

/* `vtierctl plan` end to end: the real binary on fixture hosts and domain XMLs. */

#define MEMCG1 "vm1=/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope"
#define MEMCG2 "vm2=/machine.slice/machine-qemu\\x2d2\\x2dvm2.scope"

typedef struct {
	gchar *out;
	gchar *err;
	gint status;
} Run;

static void run_clear(Run *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static gchar *data(const gchar *rel)
{
	return vtier_test_data_path(rel, NULL);
}

/* Runs vtierctl with @args (NULL-terminated) and VTIER_POLICY_DIR set to the source tree's. */
static void run_vtierctl(Run *r, const gchar *const *args)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *exe = NULL;
	g_autofree gchar *policies = g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_auto(GStrv) env = g_get_environ();
	g_autoptr(GError) error = NULL;

	if (builddir == NULL) {
		g_test_skip("VTIER_BUILDDIR is not set (run through make check)");
		return;
	}
	exe = g_build_filename(builddir, "vtierctl", NULL);
	env = g_environ_setenv(env, "VTIER_POLICY_DIR", policies, TRUE);
	g_ptr_array_add(argv, exe);
	g_ptr_array_add(argv, (gpointer) "plan");
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_spawn_sync(NULL, (gchar **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
		     &r->status, &error);
	g_assert_no_error(error);
}

static gboolean exited_ok(const Run *r)
{
	return g_spawn_check_wait_status(r->status, NULL);
}

/* The demo: two hot-split guests on the AMD Turin + CXL host with the RFC sampling kernel, the
 * seed's Configuration A. */
static void test_cli_demo(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *vm1 = data("plan/vm1-hot-split.xml");
	g_autofree gchar *vm2 = data("plan/vm2-hot-split.xml");
	const gchar *shell[] = { "--sysroot", root, "--kernel-features", "7.3+hw-rfc", "--domain",
				 vm1, "--domain", vm2, "--memcg", MEMCG1, "--memcg", MEMCG2, NULL };
	const gchar *json[] = { "--sysroot", root, "--kernel-features", "7.3+hw-rfc", "--domain",
				vm1, "--domain", vm2, "--memcg", MEMCG1, "--memcg", MEMCG2,
				"--format=json", NULL };
	g_auto(Run) a = { 0 };
	g_auto(Run) b = { 0 };

	run_vtierctl(&a, shell);
	if (g_test_failed() || a.out == NULL)
		return;
	g_assert_cmpstr(a.err, ==, "");
	g_assert_true(exited_ok(&a));
	vtier_test_assert_golden("plan/demo-hot-split.sh", a.out);
	run_vtierctl(&b, json);
	g_assert_true(exited_ok(&b));
	vtier_test_assert_golden("plan/demo-hot-split.json", b.out);
}

/* The memcg from the sysroot: pid file -> /proc/PID/cgroup (v2) -> nearest memcg. */
static void test_cli_memcg_from_sysroot(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("amd-turin-cxl");
	g_autofree gchar *vm3 = data("plan/vm3-ratio.xml");
	const gchar *args[] = { "--sysroot", root->root, "--kernel-features", "6.18", "--domain",
				vm3, NULL };
	g_auto(Run) r = { 0 };

	vtier_test_write_file(root->root, "run/libvirt/qemu/vm3.pid", "4242\n");
	vtier_test_write_file(root->root, "proc/4242/cgroup",
			      "0::/machine.slice/machine-qemu\\x2d3\\x2dvm3.scope/libvirt/emulator\n");
	vtier_test_write_file(root->root, "sys/fs/cgroup/cgroup.controllers",
			      "cpuset cpu io memory pids\n");
	vtier_test_write_file(root->root, "sys/fs/cgroup/machine.slice/cgroup.controllers",
			      "cpuset cpu io memory pids\n");
	vtier_test_write_file(root->root,
			      "sys/fs/cgroup/machine.slice/machine-qemu\\x2d3\\x2dvm3.scope/"
			      "cgroup.controllers",
			      "cpuset cpu io memory pids\n");
	vtier_test_write_file(root->root,
			      "sys/fs/cgroup/machine.slice/machine-qemu\\x2d3\\x2dvm3.scope/libvirt/"
			      "emulator/cgroup.controllers",
			      "\n");
	vtier_test_write_file(root->root,
			      "sys/fs/cgroup/machine.slice/machine-qemu\\x2d3\\x2dvm3.scope/libvirt/"
			      "cgroup.controllers",
			      "\n");
	vtier_test_write_file(root->root,
			      "sys/fs/cgroup/machine.slice/machine-qemu\\x2d3\\x2dvm3.scope/libvirt/"
			      "emulator/cgroup.procs",
			      "4242\n");
	run_vtierctl(&r, args);
	if (r.out == NULL)
		return;
	g_assert_cmpstr(r.err, ==, "");
	g_assert_true(exited_ok(&r));
	g_assert_true(strstr(r.out, "# guest vm3: ratio, fast node 0, slow node 1, kdamond 0 "
				    "schemes 0-2\n") != NULL);
	g_assert_true(strstr(r.out, "printf '%s\\n' '/machine.slice/machine-qemu\\x2d3\\x2dvm3.scope' > "
				    "/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/"
				    "ops_filters/0/memcg_path\n") != NULL);
	/* capacity template: 64 MiB/s */
	g_assert_true(strstr(r.out, "echo 67108864 > /sys/kernel/mm/damon/admin/kdamonds/0/"
				    "contexts/0/schemes/0/quotas/bytes\n") != NULL);
	g_assert_true(strstr(r.out, "\necho on > /sys/kernel/mm/damon/admin/kdamonds/0/state\n") !=
		      NULL);
}

static void test_cli_bad_policy(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *vm4 = data("plan/vm4-bad-policy.xml");
	g_autofree gchar *conf = NULL;
	const gchar *args[] = { "--sysroot", root, "--kernel-features", "7.3", "--domain", vm4,
				"--memcg", "vm4=/vm4", "--format=json", NULL };
	g_auto(Run) r = { 0 };
	g_auto(Run) strict = { 0 };
	g_autoptr(GError) error = NULL;
	gint fd;

	run_vtierctl(&r, args);
	if (r.out == NULL)
		return;
	g_assert_true(exited_ok(&r));
	g_assert_cmpstr(r.err, ==,
			"vtierctl plan: guest \"vm4\": policy element <fast> attribute \"size\": "
			"64GiB is larger than the guest's memory (allowed: 0 to 4GiB); using the "
			"host default (mode ratio)\n");
	g_assert_true(strstr(r.out, "\"mode\" : \"ratio\"") != NULL);
	/* [policy] strict=true: refused */
	fd = g_file_open_tmp("vtier-plan-XXXXXX.conf", &conf, &error);
	g_assert_no_error(error);
	close(fd);
	g_assert_true(g_file_set_contents(conf, "[policy]\nstrict=true\n", -1, NULL));
	{
		const gchar *sargs[] = { "--sysroot", root, "--kernel-features", "7.3", "--domain",
					 vm4, "--config", conf, NULL };

		run_vtierctl(&strict, sargs);
	}
	g_unlink(conf);
	g_assert_false(exited_ok(&strict));
	g_assert_cmpstr(strict.out, ==, "");
	g_assert_cmpstr(strict.err, ==,
			"vtierctl plan: guest \"vm4\": policy element <fast> attribute \"size\": "
			"64GiB is larger than the guest's memory (allowed: 0 to 4GiB)\n");
}

static void test_cli_usage_errors(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	const gchar *no_features[] = { "--sysroot", root, NULL };
	const gchar *bad_format[] = { "--kernel-features", "7.3", "--format=yaml", NULL };
	const gchar *bad_memcg[] = { "--kernel-features", "7.3", "--memcg", "vm1", NULL };
	const gchar *bad_profile[] = { "--sysroot", root, "--kernel-features", "5.10", NULL };
	struct {
		const gchar *const *args;
		const gchar *prefix;
	} cases[] = {
		{ no_features, "vtierctl plan: --kernel-features PROFILE|FILE is required" },
		{ bad_format, "vtierctl plan: --format \"yaml\": allowed: shell, json" },
		{ bad_memcg, "vtierctl plan: --memcg \"vm1\": expected NAME=PATH" },
		{ bad_profile, "vtierctl plan: " },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(Run) r = { 0 };

		run_vtierctl(&r, cases[i].args);
		if (r.out == NULL)
			return;
		g_assert_false(exited_ok(&r));
		g_assert_cmpstr(r.out, ==, "");
		g_assert_true(g_str_has_prefix(r.err, cases[i].prefix));
	}
}

/* --connect: libvirt's in-process test driver (its one running domain "test"). */
static void test_cli_connect(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	const gchar *args[] = { "--sysroot", root, "--kernel-features", "7.3", "--connect",
				"test:///default", "--memcg", "test=/machine/test", NULL };
	g_auto(Run) r = { 0 };

	run_vtierctl(&r, args);
	if (r.out == NULL)
		return;
	g_assert_cmpstr(r.err, ==, "");
	g_assert_true(exited_ok(&r));
	g_assert_true(strstr(r.out, "# guest test: ratio, fast node 0, slow node 1") != NULL);
	g_assert_true(strstr(r.out, "echo /machine/test > ") != NULL);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/plan-cli/demo", test_cli_demo);
	g_test_add_func("/plan-cli/memcg-from-sysroot", test_cli_memcg_from_sysroot);
	g_test_add_func("/plan-cli/bad-policy", test_cli_bad_policy);
	g_test_add_func("/plan-cli/usage-errors", test_cli_usage_errors);
	g_test_add_func("/plan-cli/connect", test_cli_connect);
	return g_test_run();
}
