/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-escape"

#include "config.h"

#include <string.h>

#include "common/escape.h"

/* Appends @text with control characters, DEL and invalid UTF-8 escaped (and backslash, when
 * @backslash): the result is one line of printable text (valid UTF-8 beyond ASCII is kept). */
static void append_one_line(GString *out, const gchar *text, gboolean backslash)
{
	const gchar *p = text;
	const gchar *end = text + strlen(text);

	while (p < end) {
		guchar c = (guchar)*p;
		gunichar u;

		if (c == '\\' && backslash) {
			g_string_append(out, "\\\\");
		} else if (c == '\n') {
			g_string_append(out, "\\n");
		} else if (c == '\r') {
			g_string_append(out, "\\r");
		} else if (c == '\t') {
			g_string_append(out, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			g_string_append_printf(out, "\\x%02x", c);
		} else if (c < 0x80) {
			g_string_append_c(out, (gchar)c);
		} else {
			u = g_utf8_get_char_validated(p, end - p);
			if (u == (gunichar)-1 || u == (gunichar)-2 || (u >= 0x80 && u < 0xa0) ||
			    u == 0x2028 || u == 0x2029) {
				/* invalid UTF-8, C1 controls, Unicode line separators */
				g_string_append_printf(out, "\\x%02x", c);
			} else {
				const gchar *next = g_utf8_next_char(p);

				g_string_append_len(out, p, next - p);
				p = next;
				continue;
			}
		}
		p++;
	}
}

gchar *vtier_escape_shell_comment(const gchar *text)
{
	GString *out = g_string_new(NULL);

	append_one_line(out, text != NULL ? text : "", TRUE);
	return g_string_free(out, FALSE);
}

gchar *vtier_escape_log(const gchar *text)
{
	GString *out = g_string_new(NULL);

	/* backslashes stay: a message escaped earlier (for the terminal) is not escaped twice */
	append_one_line(out, text != NULL ? text : "", FALSE);
	return g_string_free(out, FALSE);
}

gchar *vtier_escape_shell_word(const gchar *text)
{
	GString *out;
	gboolean plain = text != NULL && text[0] != '\0';

	for (const gchar *p = text; plain && *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("_./:+-=,@%", *p) == NULL)
			plain = FALSE;
	}
	if (plain)
		return g_strdup(text);
	out = g_string_new("'");
	for (const gchar *p = text != NULL ? text : ""; *p != '\0'; p++) {
		if (*p == '\'')
			g_string_append(out, "'\\''");
		else
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '\'');
	return g_string_free(out, FALSE);
}

/* Characters that reorder or break the text around them on a terminal. */
static gboolean is_terminal_hostile(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x200e && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

static void append_terminal_char(GString *out, gunichar c)
{
	switch (c) {
	case '\n':
		g_string_append(out, "\\n");
		break;
	case '\t':
		g_string_append(out, "\\t");
		break;
	case '\r':
		g_string_append(out, "\\r");
		break;
	case '\\':
		g_string_append(out, "\\\\");
		break;
	default:
		if (c < 0x80 && is_terminal_hostile(c))
			g_string_append_printf(out, "\\x%02x", c);
		else if (is_terminal_hostile(c))
			g_string_append_printf(out, "\\u{%04x}", c);
		else
			g_string_append_unichar(out, c);
	}
}

gchar *vtier_escape_terminal(const gchar *text)
{
	GString *out = g_string_new(NULL);
	const gchar *p = text != NULL ? text : "";
	const gchar *end = p + strlen(p);

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", (guint)(guchar)*p);
			p++;
			continue;
		}
		append_terminal_char(out, c);
		p = g_utf8_next_char(p);
	}
	return g_string_free(out, FALSE);
}

gchar *vtier_escape_metrics_label(const gchar *text)
{
	g_autofree gchar *valid = NULL;
	GString *out;

	if (text == NULL)
		return g_strdup("");
	valid = g_utf8_make_valid(text, -1);
	out = g_string_sized_new(strlen(valid) + 8);
	for (const gchar *p = valid; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		default:
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}
