/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

/*
 * The /metrics HTTP endpoint: libsoup-3.0 in a thread of its own, on its own main context, so a
 * scrape never waits for vtierd's loop nor holds it. GET /metrics answers with the text @source
 * returns (NULL: 503, no snapshot yet); every other path is 404 and every other method 405. Every
 * response says "Connection: close", and a client cannot hold the endpoint: each connection has
 * an I/O timeout, a deadline after which it is shut down whatever it does, and at a small limit
 * of open connections the oldest is closed.
 */

/* Returns the text to serve (a reference the server drops), or NULL when there is nothing to
 * serve yet. Called in the server's thread for every scrape: it must be thread-safe and must not
 * block (vtierd renders the snapshot it last published, once, and hands every scrape a reference
 * to that text). */
typedef GBytes *(*VtierMetricsSource)(gpointer user_data);

typedef struct _VtierMetricsServer VtierMetricsServer;

/* Listens on @listen ("127.0.0.1:9848", "[::1]:PORT", see vtier_metrics_parse_listen()). For
 * "off" it returns NULL without setting @error. */
VtierMetricsServer *vtier_metrics_server_new(const gchar *listen, VtierMetricsSource source,
					     gpointer user_data, GError **error);
void vtier_metrics_server_free(VtierMetricsServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierMetricsServer, vtier_metrics_server_free)

/* The port it listens on (the one the kernel chose for port 0). */
guint16 vtier_metrics_server_get_port(const VtierMetricsServer *server);
/* "http://ADDRESS:PORT/metrics" */
gchar *vtier_metrics_server_get_url(const VtierMetricsServer *server);

/* Limits, in seconds and connections (tests shorten the first two). */
void vtier_metrics_server_set_limits(VtierMetricsServer *server, guint io_timeout_s,
				     guint deadline_s, guint max_connections);

/* Runs @function(@data) once in the server's thread, soon (g_main_context_invoke()): work that
 * belongs with the scrapes, such as rendering a snapshot just published. @data must live until
 * vtier_metrics_server_free() returns. */
void vtier_metrics_server_invoke(VtierMetricsServer *server, GSourceFunc function, gpointer data);
