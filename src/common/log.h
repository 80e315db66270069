/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Installs vtier's log writer: "PROGRAM: LEVEL: message" on stderr, debug messages only when
 * @debug is set or G_MESSAGES_DEBUG names the domain. Modules log with g_debug() at most; the
 * program's top level reports failures once. */
void vtier_log_init(const gchar *program, gboolean debug);
