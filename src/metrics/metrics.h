/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tiering/snapshot.h"

/*
 * vtier's Prometheus side: a pure renderer of a snapshot to the text exposition format 0.0.4
 * (render.c), the `[metrics] listen` parser (listen.c) shared by config validation and the
 * server, and the HTTP endpoint on libsoup-3.0 (server.c).
 */

#define VTIER_METRICS_CONTENT_TYPE   "text/plain; version=0.0.4; charset=utf-8"
#define VTIER_METRICS_DEFAULT_LISTEN "127.0.0.1:9848"

/* Appends every vtier metric family of @snapshot to @out (no I/O, no clock: the same snapshot
 * always renders the same bytes). Guests appear in the snapshot's order (sorted by name). */
void vtier_metrics_render_to(const VtierSnapshot *snapshot, GString *out);
gchar *vtier_metrics_render(const VtierSnapshot *snapshot);

/* Parses a `[metrics] listen` value: "IPV4:PORT", "[IPV6]:PORT" (numeric addresses only, port
 * 0-65535, 0 = any free port) or "off". Returns FALSE with an error naming the value when it is
 * none of these. For "off", *ret_address is set to NULL. @ret_address may be NULL (validation). */
gboolean vtier_metrics_parse_listen(const gchar *text, GSocketAddress **ret_address,
				    GError **error);
