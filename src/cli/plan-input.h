/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* `vtierctl plan --connect URI`: the XML of every running domain of @uri (read-only connection),
 * as a new array of texts. Domain facts, pids and memcgs come from src/virt/. */
GPtrArray *vtier_cli_connect_domains(const gchar *uri, GError **error);
