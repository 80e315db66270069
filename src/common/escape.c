/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-escape"

#include "config.h"

#include <string.h>

#include "common/escape.h"

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
