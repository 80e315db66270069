/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "vtier-test.h"

/* `vtierctl policy` end to end: the real binary on policy texts and domain XMLs. */

typedef struct {
	gchar *out;
	gchar *err;
	gint status;
	gboolean ok;
} Run;

static void run_clear(Run *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* Runs `vtierctl policy --policy-dir SRC/policies ARGS...` with @input on stdin (or none). */
static gboolean run_policy(Run *r, const gchar *input, const gchar *const *args)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *policies = g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;

	if (builddir == NULL) {
		g_test_skip("VTIER_BUILDDIR is not set (run through make check)");
		return FALSE;
	}
	g_ptr_array_add(argv, g_build_filename(builddir, "vtierctl", NULL));
	g_ptr_array_add(argv, g_strdup("policy"));
	g_ptr_array_add(argv, g_strdup_printf("--policy-dir=%s", policies));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(proc, input ? input : "", NULL, &r->out, &r->err, &error);
	g_assert_no_error(error);
	r->ok = g_subprocess_get_successful(proc);
	return TRUE;
}

static void test_policy_cli_check(void)
{
	const gchar *args[] = { "check", "-", NULL };
	g_auto(Run) r = { 0 };

	if (!run_policy(&r,
			"<p:policy xmlns:p=\"https://vtier.dev/xmlns/policy/1.0\" "
			"template=\"capacity\"><fast ratio=\"30%\"/></p:policy>",
			args))
		return;
	g_assert_true(r.ok);
	g_assert_cmpstr(r.err, ==, "");
	g_assert_cmpstr(r.out, ==,
			"<!-- mode from: template capacity -->\n"
			"<vtier:policy xmlns:vtier=\"https://vtier.dev/xmlns/policy/1.0\" "
			"mode=\"ratio\">\n"
			"  <vtier:fast ratio=\"30%\"/>\n"
			"  <vtier:migration max-rate=\"64MiB/s\" tuner=\"vtier\"/>\n"
			"  <vtier:hot threshold=\"10%\"/>\n"
			"  <vtier:cold age=\"5s\"/>\n"
			"  <vtier:priority value=\"20\"/>\n"
			"</vtier:policy>\n");
}

static void test_policy_cli_domain(void)
{
	g_autofree gchar *bad = vtier_test_data_path("plan", "vm4-bad-policy.xml", NULL);
	g_autofree gchar *good = vtier_test_data_path("plan", "vm1-hot-split.xml", NULL);
	const gchar *bad_args[] = { "check", bad, NULL };
	const gchar *good_args[] = { "--json", "check", good, NULL };
	g_auto(Run) r = { 0 };
	g_auto(Run) g = { 0 };

	if (!run_policy(&r, NULL, bad_args))
		return;
	g_assert_false(r.ok);
	g_assert_cmpstr(r.out, ==, "");
	g_assert_cmpstr(r.err, ==,
			"vtierctl policy: guest \"vm4\": policy element <fast> attribute \"size\": "
			"64GiB is larger than the guest's memory (allowed: 0 to 4GiB)\n");
	run_policy(&g, NULL, good_args);
	g_assert_true(g.ok);
	g_assert_true(strstr(g.out, "\"mode\" : \"hot-split\"") != NULL);
	g_assert_true(strstr(g.out, "\"max_rate_bytes_per_second\" : 536870912") != NULL);
}

static void test_policy_cli_templates(void)
{
	const gchar *args[] = { "templates", NULL };
	const gchar *bad[] = { "check", NULL };
	g_auto(Run) r = { 0 };
	g_auto(Run) u = { 0 };

	if (!run_policy(&r, NULL, args))
		return;
	g_assert_true(r.ok);
	g_assert_true(g_str_has_prefix(r.out, "balanced:\n"));
	g_assert_true(strstr(r.out, "\nlatency-critical:\n<vtier:policy xmlns:vtier=\"https://"
				    "vtier.dev/xmlns/policy/1.0\" mode=\"pin-fast\">\n") != NULL);
	run_policy(&u, NULL, bad);
	g_assert_false(u.ok);
	g_assert_cmpstr(u.err, ==,
			"vtierctl policy: expected `check FILE|-` or `templates` (try --help)\n");
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/policy-cli/check", test_policy_cli_check);
	g_test_add_func("/policy-cli/domain", test_policy_cli_domain);
	g_test_add_func("/policy-cli/templates", test_policy_cli_templates);
	return g_test_run();
}
