/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * Escaping of untrusted text (domain names, XML, QMP replies, control requests) for the places
 * vtier writes it to. One escaping function per sink: every writer to a sink goes through the
 * function of that sink, and nothing else escapes for it.
 */

/* A Prometheus text-format (0.0.4) label value, without the surrounding double quotes:
 * backslash, double quote and line feed become \\, \" and \n; invalid UTF-8 is replaced
 * with U+FFFD. Never NULL; NULL @text gives "". */
gchar *vtier_escape_metrics_label(const gchar *text);
