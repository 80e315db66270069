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

/* Whether `xmllint --relaxng` accepts @xml against the shipped schema. */
static gboolean xmllint_accepts(const gchar *xmllint, const gchar *schema, const gchar *file,
				const gchar *xml)
{
	const gchar *argv[] = { xmllint, "--noout", "--relaxng", schema, file, NULL };
	gint status = 0;

	g_assert_true(g_file_set_contents(file, xml, -1, NULL));
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL,
				   G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				   NULL, NULL, NULL, &status, NULL));
	return g_spawn_check_wait_status(status, NULL);
}

/* The schema and vtier's unit parser agree on sizes, rates and durations: what one refuses (a
 * bare number of bytes, say) the other refuses too, and every spelling vtier takes validates. */
static void check_units_agree(const gchar *xmllint, const gchar *schema, const gchar *file)
{
	static const struct {
		const gchar *element;
		const gchar *attribute;
		const gchar *value;
		gboolean ok;
	} cases[] = {
		{ "fast", "size", "4096", FALSE },
		{ "fast", "size", "4096 ", FALSE },
		{ "fast", "size", "1.5GiB", FALSE },
		{ "fast", "size", "8  GiB", FALSE },
		{ "fast", "size", "0", TRUE },
		{ "fast", "size", "1k", TRUE },
		{ "fast", "size", "8 gib", TRUE },
		{ "fast", "size", "4096B", TRUE },
		{ "fast", "size", "7Bytes", TRUE },
		{ "fast", "size", "1Mb", TRUE },
		{ "migration", "max-rate", "64/s", FALSE },
		{ "migration", "max-rate", "64 /s", FALSE },
		{ "migration", "max-rate", "64MiB/s", TRUE },
		{ "migration", "max-rate", "1g/s", TRUE },
		{ "cold", "age", "7", TRUE },
		{ "cold", "age", "500mS", TRUE },
		{ "cold", "age", "2Min", TRUE },
		{ "cold", "age", "5 Sec", TRUE },
		{ "cold", "age", "7 days", FALSE },
	};
	const gchar *args[] = { "check", "--memory", "8GiB", "-", NULL };
	g_autoptr(GString) wrong = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *child = g_strdup_printf("<%s %s='%s'/>", cases[i].element,
							  cases[i].attribute, cases[i].value);
		g_autofree gchar *xml = g_strdup_printf(
			"<policy xmlns='https://vtier.dev/xmlns/policy/1.0' mode='allowance'>"
			"%s%s</policy>",
			g_str_equal(cases[i].element, "fast") ? "" : "<fast size='4GiB'/>", child);
		g_auto(Run) r = { 0 };

		if (!run_policy(&r, xml, args))
			return;
		if (r.ok != cases[i].ok)
			g_string_append_printf(wrong, "vtierctl policy check %s %s: %s\n", xml,
					       r.ok ? "accepts it" : "refuses it", r.err);
		if (xmllint != NULL && xmllint_accepts(xmllint, schema, file, xml) != cases[i].ok)
			g_string_append_printf(wrong, "xmllint --relaxng %s %s\n",
					       cases[i].ok ? "refuses" : "accepts", xml);
	}
	g_test_message("%s", wrong->str);
	g_assert_cmpstr(wrong->str, ==, "");
}

/* The resolved output of `policy check` has one <fast>, reads back through `policy check` to the
 * same output, and validates against the schema with xmllint, for every mode and template. */
static void test_policy_cli_round_trip(void)
{
	static const gchar *const inputs[] = {
		"<policy mode='ratio'/>",
		"<policy mode='allowance'><fast size='4GiB'/></policy>",
		"<policy mode='hot-split'><fast ratio='20%'/></policy>",
		"<policy mode='pin-fast'/>",
		"<policy mode='pin-slow'/>",
		"<policy mode='monitor'/>",
		"<policy mode='off'/>",
		"<policy mode='interleave'/>",
		"<policy template='capacity'/>",
		"<policy template='latency-critical'/>",
		"<policy template='balanced'/>",
		"<policy template='default'/>",
	};
	g_autofree gchar *schema = g_test_build_filename(G_TEST_DIST, "..", "policies",
							 "vtier-policy.rng", NULL);
	g_autofree gchar *xmllint = g_find_program_in_path("xmllint");
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-policy-XXXXXX", NULL);
	g_autofree gchar *file = g_build_filename(tmp, "resolved.xml", NULL);
	const gchar *args[] = { "check", "--memory", "8GiB", "-", NULL };

	for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
		g_auto(Run) first = { 0 };
		g_auto(Run) again = { 0 };
		const gchar *fast;

		if (!run_policy(&first, inputs[i], args))
			return;
		g_test_message("%s -> %s%s", inputs[i], first.out, first.err);
		g_assert_true(first.ok);
		fast = strstr(first.out, "<vtier:fast ");
		g_assert_nonnull(fast);
		g_assert_null(strstr(fast + 1, "<vtier:fast "));
		run_policy(&again, first.out, args);
		g_assert_true(again.ok);
		g_assert_cmpstr(strchr(again.out, '\n'), ==, strchr(first.out, '\n'));
		if (xmllint != NULL)
			g_assert_true(xmllint_accepts(xmllint, schema, file, first.out));
	}
	check_units_agree(xmllint, schema, file);
	if (xmllint == NULL)
		g_test_message("xmllint not installed: schema validation of the output not run");
	vtier_test_rm_rf(tmp);
}

/* A template that does not load is listed with its error, and the verb fails. */
static void test_policy_cli_broken_template(void)
{
	g_autofree gchar *src = g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-policy-XXXXXX", NULL);
	g_autofree gchar *dir_arg = g_strdup_printf("--policy-dir=%s", tmp);
	const gchar *args[] = { dir_arg, "templates", NULL };
	g_autofree gchar *rng = NULL;
	g_autofree gchar *rng_path = g_build_filename(src, "vtier-policy.rng", NULL);
	g_autofree gchar *rng_copy = g_build_filename(tmp, "vtier-policy.rng", NULL);
	g_autofree gchar *broken = g_build_filename(tmp, "broken.xml", NULL);
	g_autofree gchar *good = g_build_filename(tmp, "good.xml", NULL);
	g_auto(Run) r = { 0 };

	g_assert_true(g_file_get_contents(rng_path, &rng, NULL, NULL));
	g_assert_true(g_file_set_contents(rng_copy, rng, -1, NULL));
	g_assert_true(g_file_set_contents(broken, "<policy mode='bogus'/>", -1, NULL));
	g_assert_true(g_file_set_contents(good,
					  "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' "
					  "mode='off'/>",
					  -1, NULL));
	if (!run_policy(&r, NULL, args))
		return;
	g_assert_false(r.ok);
	g_assert_nonnull(strstr(r.out, "good:\n"));
	g_assert_nonnull(strstr(r.out, "broken: INVALID: template \"broken\""));
	g_assert_nonnull(strstr(r.err, "invalid template(s): broken"));
	vtier_test_rm_rf(tmp);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/policy-cli/check", test_policy_cli_check);
	g_test_add_func("/policy-cli/domain", test_policy_cli_domain);
	g_test_add_func("/policy-cli/templates", test_policy_cli_templates);
	g_test_add_func("/policy-cli/round-trip", test_policy_cli_round_trip);
	g_test_add_func("/policy-cli/broken-template", test_policy_cli_broken_template);
	return g_test_run();
}
