/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* One escaping function per sink for text that may come from a guest (domain names, XML, QMP
 * replies, control requests). */

/* For a terminal: printable UTF-8 passes as it is; control characters (C0, DEL, C1), Unicode
 * bidirectional controls and line/paragraph separators, backslashes and bytes that are not UTF-8
 * are written as escapes (\n, \t, \r, \\, \xNN, \u{NNNN}), so the text can neither move the
 * cursor, recolour the screen, reorder what follows nor span lines. NULL gives "". */
gchar *vtier_escape_terminal(const gchar *text);
