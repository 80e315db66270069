/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "common/escape.h"
#include "vtier-test.h"

static void test_escape_shell_comment(void)
{
	static const struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
		{ "vm1", "vm1" },
		{ "evil\ntouch /tmp/x", "evil\\ntouch /tmp/x" },
		{ "a\rb\tc\\d", "a\\rb\\tc\\\\d" },
		{ "esc\x1b[2Jx\x7f", "esc\\x1b[2Jx\\x7f" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },     /* UTF-8 kept */
		{ "bad\xff\xfe", "bad\\xff\\xfe" },    /* not UTF-8 */
		{ "c1\xc2\x85x", "c1\\xc2\\x85x" },    /* NEL, a C1 control */
		{ "ls\xe2\x80\xa8x", "ls\\xe2\\x80\\xa8x" }, /* U+2028 line separator */
		{ "", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *c = vtier_escape_shell_comment(cases[i].in);
		g_autofree gchar *l = vtier_escape_log(cases[i].in);

		g_autofree gchar *logged = NULL;
		g_auto(GStrv) parts = g_strsplit(cases[i].out, "\\\\", -1);

		g_assert_cmpstr(c, ==, cases[i].out);
		/* the log keeps backslashes as they are */
		logged = g_strjoinv("\\", parts);
		g_assert_cmpstr(l, ==, logged);
		g_assert_null(strchr(c, '\n'));
	}
}

/* Every byte value survives a round trip through sh: the word expands to exactly the text. */
static void test_escape_shell_word(void)
{
	static const gchar *const words[] = { "plain/path_1.2:3", "",	      "it's",
					      "$(touch /tmp/x)",  "a b\nc",   "\\x2d",
					      "'; rm -rf / #",	  "`id`",     "*?[]" };

	for (gsize i = 0; i < G_N_ELEMENTS(words); i++) {
		g_autofree gchar *word = vtier_escape_shell_word(words[i]);
		g_autofree gchar *script = g_strdup_printf("printf '%%s' %s", word);
		const gchar *argv[] = { "/bin/sh", "-c", script, NULL };
		g_autofree gchar *out = NULL;
		g_autoptr(GError) error = NULL;
		gint status = 0;

		g_assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
					   &out, NULL, &status, &error));
		g_assert_no_error(error);
		g_assert_cmpstr(out, ==, words[i]);
	}
	{
		g_autofree gchar *plain = vtier_escape_shell_word("kdamonds/0/state");

		g_assert_cmpstr(plain, ==, "kdamonds/0/state");
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/escape/shell-comment", test_escape_shell_comment);
	g_test_add_func("/escape/shell-word", test_escape_shell_word);
	return g_test_run();
}
