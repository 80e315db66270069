/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-escape"

#include "config.h"

#include "common/escape.h"

/* One escaping function per sink (see escape.h). */

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
