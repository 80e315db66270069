/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vtierctl's dispatcher (vtier_cli_run_verb()) with fake verbs: a verb that fails without an
 * error, or succeeds with one, is reported as an internal error instead of crashing vtierctl; a
 * usage error keeps its exit status. */
#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "vtier-test.h"

static gboolean fails_silently(int argc, char **argv, GError **error)
{
	(void)argc;
	(void)argv;
	(void)error;
	return FALSE;
}

static gboolean succeeds_with_error(int argc, char **argv, GError **error)
{
	(void)argc;
	(void)argv;
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED, "left over");
	return TRUE;
}

static gboolean fails_usage(int argc, char **argv, GError **error)
{
	(void)argc;
	(void)argv;
	return vtier_cli_usage_error(error, "unexpected argument \"%s\"", "x");
}

static gboolean fails_with_control(int argc, char **argv, GError **error)
{
	(void)argc;
	(void)argv;
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "no file /x\nfake: line");
	return FALSE;
}

static gboolean succeeds(int argc, char **argv, GError **error)
{
	(void)argc;
	(void)argv;
	(void)error;
	return TRUE;
}

typedef struct {
	VtierCliVerb verb;
	gint status;	     /* what the dispatcher returns */
	const gchar *stderr; /* what it prints (a g_pattern_match_simple() pattern) */
} Fake;

static const Fake fakes[] = {
	{ { "silent", "fails without an error", fails_silently },
	  1,
	  "vtierctl silent: internal error: the verb failed without saying why (please report "
	  "this)\n" },
	{ { "leftover", "succeeds with an error", succeeds_with_error },
	  1,
	  "vtierctl leftover: internal error: the verb succeeded but set an error: left over\n" },
	{ { "usage", "fails with a usage error", fails_usage },
	  2,
	  "vtierctl usage: unexpected argument \"x\" (try --help)\n" },
	{ { "control", "fails with a newline in its message", fails_with_control },
	  1,
	  "vtierctl control: no file /x\\nfake: line\n" },
	{ { "ok", "succeeds", succeeds }, 0, "" },
};

/* Runs one fake verb through the dispatcher in a subprocess (it prints on stderr), which prints
 * the exit status the dispatcher returns. */
static void test_fake(gconstpointer data)
{
	const Fake *fake = data;
	char *argv[] = { (char *)fake->verb.name, NULL };
	g_autofree gchar *out = g_strdup_printf("exit %d\n", fake->status);

	if (g_test_subprocess()) {
		printf("exit %d\n", vtier_cli_run_verb(&fake->verb, 1, argv));
		fflush(stdout);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
	g_test_trap_assert_stdout(out);
	g_test_trap_assert_stderr(fake->stderr);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(fakes); i++) {
		g_autofree gchar *path = g_strdup_printf("/cli-dispatch/%s", fakes[i].verb.name);

		g_test_add_data_func(path, &fakes[i], test_fake);
	}
	return g_test_run();
}
