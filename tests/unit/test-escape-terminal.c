/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vtier_escape_terminal(): guest-supplied text cannot move the cursor, recolour the terminal,
 * reorder what follows or span lines; printable Unicode passes unchanged. */
#include "config.h"

#include "common/escape.h"
#include "vtier-test.h"

static void check(const gchar *in, const gchar *expected)
{
	g_autofree gchar *out = vtier_escape_terminal(in);

	g_assert_cmpstr(out, ==, expected);
}

static void test_escape_terminal_plain(void)
{
	check(NULL, "");
	check("", "");
	check("web-01", "web-01");
	check("a b \"quoted\" 'x' ../etc", "a b \"quoted\" 'x' ../etc");
	check("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xa7", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xa7");
}

static void test_escape_terminal_controls(void)
{
	check("a\nb", "a\\nb");
	check("a\r\tb", "a\\r\\tb");
	check("\x1b[2J\x1b]0;owned\x07", "\\x1b[2J\\x1b]0;owned\\x07");
	check("del\x7f", "del\\x7f");
	check("back\\slash", "back\\\\slash");
	/* C1 controls (CSI as U+009B), bidi overrides, line separator, BOM */
	check("\xc2\x9b" "31m", "\\u{009b}31m");
	check("abc\xe2\x80\xae" "evil", "abc\\u{202e}evil");
	check("x\xe2\x81\xa6y", "x\\u{2066}y");
	check("l\xe2\x80\xa8m", "l\\u{2028}m");
	check("\xef\xbb\xbfz", "\\u{feff}z");
}

static void test_escape_terminal_invalid(void)
{
	check("bad\xff\xfe", "bad\\xff\\xfe");
	check("trunc\xe6\x97", "trunc\\xe6\\x97");
	check("\xc0\x80", "\\xc0\\x80"); /* overlong NUL */
}

/* Whatever the input, the output is valid UTF-8 without control characters. */
static void test_escape_terminal_all_bytes(void)
{
	gchar in[256];
	g_autofree gchar *out = NULL;

	for (guint i = 0; i < 255; i++)
		in[i] = (gchar)(i + 1);
	in[255] = '\0';
	out = vtier_escape_terminal(in);
	g_assert_true(g_utf8_validate(out, -1, NULL));
	for (const gchar *p = out; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		g_assert_false(c < 0x20 || (c >= 0x7f && c <= 0x9f));
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/escape/terminal/plain", test_escape_terminal_plain);
	g_test_add_func("/escape/terminal/controls", test_escape_terminal_controls);
	g_test_add_func("/escape/terminal/invalid", test_escape_terminal_invalid);
	g_test_add_func("/escape/terminal/all-bytes", test_escape_terminal_all_bytes);
	return g_test_run();
}
