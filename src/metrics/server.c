/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-metrics"

#include "config.h"

#include <libsoup/soup.h>

#include "common/error.h"
#include "metrics/metrics.h"
#include "metrics/server.h"

/* Defaults: Prometheus scrapes in well under a second; anything slower is a stuck client. */
#define IO_TIMEOUT_S	5
#define DEADLINE_S	15
#define MAX_CONNECTIONS 16

struct _VtierMetricsServer {
	SoupServer *soup;
	GInetSocketAddress *address; /* the one bound (real port) */
	VtierMetricsSource source;
	gpointer user_data;
	GHashTable *connections; /* GSocket * -> Tracked * */
	guint io_timeout_s;
	guint deadline_s;
	guint max_connections;
};

/* A connection libsoup accepted. libsoup 3.2 (Debian 12's 3.2.2) does not watch a kept-alive
 * connection between requests: one its client closed stays in CLOSE-WAIT and its descriptor is
 * never released, not even by a shutdown (libsoup holds the socket). So every response says
 * "Connection: close" (Prometheus opens one connection per scrape then; on 127.0.0.1 or a LAN
 * that costs nothing beside a 15 s interval), and the socket is held here only to bound a
 * client that never completes a request: entries of closed sockets are pruned whenever a
 * connection arrives, each connection is shut down at its deadline, and at the limit the oldest
 * one makes room. */
typedef struct {
	VtierMetricsServer *server;
	GSocket *socket; /* a reference */
	guint deadline;
	gint64 since;	 /* monotonic time it was accepted */
} Tracked;

static void tracked_free(gpointer data)
{
	Tracked *t = data;

	if (t->deadline != 0)
		g_source_remove(t->deadline);
	g_object_unref(t->socket);
	g_free(t);
}

static gboolean connection_deadline(gpointer data)
{
	Tracked *t = data;

	if (!g_socket_is_closed(t->socket)) {
		g_debug("closing a /metrics connection still open after %u s",
			t->server->deadline_s);
		g_socket_shutdown(t->socket, TRUE, TRUE, NULL);
	}
	t->deadline = 0;
	g_hash_table_remove(t->server->connections, t->socket);
	return G_SOURCE_REMOVE;
}

static gboolean tracked_closed(gpointer key, gpointer value, gpointer data)
{
	return g_socket_is_closed(key);
}

/* Shuts the oldest connection down: a dead kept-alive one, or the oldest of stuck clients. */
static void evict_oldest(VtierMetricsServer *self)
{
	GHashTableIter iter;
	gpointer value;
	Tracked *oldest = NULL;

	g_hash_table_iter_init(&iter, self->connections);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		Tracked *t = value;

		if (oldest == NULL || t->since < oldest->since)
			oldest = t;
	}
	if (oldest == NULL)
		return;
	g_debug("%u /metrics connections open: closing the oldest", self->max_connections);
	g_socket_shutdown(oldest->socket, TRUE, TRUE, NULL);
	g_hash_table_remove(self->connections, oldest->socket);
}

static void serve(SoupServer *soup, SoupServerMessage *msg, const gchar *path, GHashTable *query,
		  gpointer data)
{
	VtierMetricsServer *self = data;
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	gchar *text;

	soup_message_headers_replace(headers, "Connection", "close");
	if (g_strcmp0(path, "/metrics") != 0) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	if (g_strcmp0(soup_server_message_get_method(msg), "GET") != 0) {
		soup_message_headers_replace(headers, "Allow", "GET");
		soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
		return;
	}
	text = self->source(self->user_data);
	if (text == NULL) {
		soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
		return;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg, VTIER_METRICS_CONTENT_TYPE, SOUP_MEMORY_TAKE, text,
					 strlen(text));
}

/* Every request, and first of all every new connection (a request starts as soon as libsoup
 * accepts one, before any byte is read): a connection seen for the first time gets its I/O
 * timeout and its deadline, and when too many are open the oldest is shut down. */
static void request_started(SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
	VtierMetricsServer *self = data;
	GSocket *socket = soup_server_message_get_socket(msg);
	Tracked *t;

	if (socket == NULL || g_hash_table_contains(self->connections, socket))
		return;
	g_hash_table_foreach_remove(self->connections, tracked_closed, NULL);
	while (g_hash_table_size(self->connections) >= self->max_connections)
		evict_oldest(self);
	g_socket_set_timeout(socket, self->io_timeout_s);
	t = g_new0(Tracked, 1);
	t->server = self;
	t->socket = g_object_ref(socket);
	t->since = g_get_monotonic_time();
	t->deadline = g_timeout_add_seconds(self->deadline_s, connection_deadline, t);
	g_hash_table_insert(self->connections, socket, t);
}

static gboolean server_listen(VtierMetricsServer *self, GSocketAddress *address,
			      const gchar *listen, GError **error)
{
	g_autoptr(GError) local = NULL;
	GSList *listeners;

	if (!soup_server_listen(self->soup, address, 0, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
			    "cannot listen on [metrics] listen=\"%s\": %s", listen, local->message);
		return FALSE;
	}
	listeners = soup_server_get_listeners(self->soup);
	self->address = G_INET_SOCKET_ADDRESS(g_socket_get_local_address(listeners->data, &local));
	g_slist_free(listeners);
	if (self->address == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
			    "cannot read the address of [metrics] listen=\"%s\": %s", listen,
			    local->message);
		return FALSE;
	}
	return TRUE;
}

VtierMetricsServer *vtier_metrics_server_new(const gchar *listen, VtierMetricsSource source,
					     gpointer user_data, GError **error)
{
	g_autoptr(VtierMetricsServer) self = NULL;
	g_autoptr(GSocketAddress) address = NULL;

	if (!vtier_metrics_parse_listen(listen, &address, error))
		return NULL;
	if (address == NULL)
		return NULL; /* off */
	self = g_new0(VtierMetricsServer, 1);
	self->source = source;
	self->user_data = user_data;
	self->io_timeout_s = IO_TIMEOUT_S;
	self->deadline_s = DEADLINE_S;
	self->max_connections = MAX_CONNECTIONS;
	self->connections = g_hash_table_new_full(NULL, NULL, NULL, tracked_free);
	self->soup = soup_server_new("server-header", "vtierd", NULL);
	soup_server_add_handler(self->soup, NULL, serve, self, NULL);
	g_signal_connect(self->soup, "request-started", G_CALLBACK(request_started), self);
	if (!server_listen(self, address, listen, error))
		return NULL;
	return g_steal_pointer(&self);
}

void vtier_metrics_server_free(VtierMetricsServer *server)
{
	if (server == NULL)
		return;
	if (server->soup != NULL)
		g_signal_handlers_disconnect_by_data(server->soup, server);
	if (server->soup != NULL) {
		soup_server_disconnect(server->soup);
		g_object_unref(server->soup);
	}
	if (server->connections != NULL) {
		g_hash_table_remove_all(server->connections); /* deadlines, references */
		g_hash_table_unref(server->connections);
	}
	g_clear_object(&server->address);
	g_free(server);
}

guint16 vtier_metrics_server_get_port(const VtierMetricsServer *server)
{
	return g_inet_socket_address_get_port(server->address);
}

gchar *vtier_metrics_server_get_url(const VtierMetricsServer *server)
{
	GInetAddress *address = g_inet_socket_address_get_address(server->address);
	g_autofree gchar *host = g_inet_address_to_string(address);
	gboolean v6 = g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6;

	return g_strdup_printf("http://%s%s%s:%u/metrics", v6 ? "[" : "", host, v6 ? "]" : "",
			       vtier_metrics_server_get_port(server));
}

void vtier_metrics_server_set_limits(VtierMetricsServer *server, guint io_timeout_s,
				     guint deadline_s, guint max_connections)
{
	server->io_timeout_s = io_timeout_s;
	server->deadline_s = deadline_s;
	server->max_connections = max_connections;
}
