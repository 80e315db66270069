/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Text from outside vtier (guest names, domain XML, QMP replies, control requests, file names)
 * is hostile. Each sink it may reach has exactly one escaping function here; every writer to
 * that sink calls it. Each returns a new string and never fails. */

/* A shell script comment ("# TEXT"): one line whatever @text holds. Backslash, control characters
 * (newline, carriage return, escape, ...), DEL and bytes that are not UTF-8 become \\, \n, \r,
 * \t or \xNN, so nothing after the "#" can start a new command line. */
gchar *vtier_escape_shell_comment(const gchar *text) G_GNUC_MALLOC;
/* A shell word: @text as it is when it is made only of characters the shell never interprets
 * (letters, digits and _./:+-=,@%), else in single quotes (a quote inside as '\''). The word
 * expands to exactly @text; control characters are kept (inside quotes they are literal). */
gchar *vtier_escape_shell_word(const gchar *text) G_GNUC_MALLOC;
/* A log line (stderr, the journal): one line, control characters, DEL and bytes that are not
 * UTF-8 escaped as in vtier_escape_shell_comment(), so a name cannot forge a second log line or
 * drive the reader's terminal. Backslashes are kept, so a message already escaped (by
 * vtier_escape_terminal()) is not escaped twice. */
gchar *vtier_escape_log(const gchar *text) G_GNUC_MALLOC;

/* For a terminal: printable UTF-8 passes as it is; control characters (C0, DEL, C1), Unicode
 * bidirectional controls and line/paragraph separators, backslashes and bytes that are not UTF-8
 * are written as escapes (\n, \t, \r, \\, \xNN, \u{NNNN}), so the text can neither move the
 * cursor, recolour the screen, reorder what follows nor span lines. NULL gives "". */
gchar *vtier_escape_terminal(const gchar *text);

/* A Prometheus text-format (0.0.4) label value, without the surrounding double quotes:
 * backslash, double quote and line feed become \\, \" and \n; invalid UTF-8 is replaced
 * with U+FFFD. Never NULL; NULL @text gives "". */
gchar *vtier_escape_metrics_label(const gchar *text);
