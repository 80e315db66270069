/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-metrics"

#include "config.h"

#include "common/error.h"
#include "common/soup-dl.h"
#include "metrics/metrics.h"
#include "metrics/server.h"

/* Defaults: Prometheus scrapes in well under a second; anything slower is a stuck client. */
#define IO_TIMEOUT_S	5
#define DEADLINE_S	15
#define MAX_CONNECTIONS 16

/* The server lives in its own thread, on its own main context: a scrape is answered while
 * vtierd's loop is busy (a reconcile at 500 guests, a DAMON commit), and nothing a client does
 * reaches that loop. Everything below runs in that thread, except the public functions at the
 * end (the caller's). */
struct _VtierMetricsServer {
	SoupServer *soup;
	GInetSocketAddress *address; /* the one bound (real port); set before new() returns */
	VtierMetricsSource source;
	gpointer user_data;
	GHashTable *connections; /* GSocket * -> Tracked * */
	guint io_timeout_s;	 /* set_limits() writes these atomically */
	guint deadline_s;
	guint max_connections;
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	/* start-up, handed from the thread to new() */
	GMutex lock;
	GCond started;
	gboolean start_done;
	GSocketAddress *listen_address;
	const gchar *listen;
	GError *start_error;
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
	GSocket *socket;   /* a reference */
	GSource *deadline; /* attached to the server's context, or NULL once fired */
	gint64 since;	   /* monotonic time it was accepted */
} Tracked;

static void tracked_free(gpointer data)
{
	Tracked *t = data;

	if (t->deadline != NULL) {
		g_source_destroy(t->deadline);
		g_source_unref(t->deadline);
	}
	g_object_unref(t->socket);
	g_free(t);
}

static gboolean connection_deadline(gpointer data)
{
	Tracked *t = data;

	if (!g_socket_is_closed(t->socket)) {
		g_debug("closing a /metrics connection still open after %u s",
			g_atomic_int_get(&t->server->deadline_s));
		g_socket_shutdown(t->socket, TRUE, TRUE, NULL);
	}
	g_clear_pointer(&t->deadline, g_source_unref);
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
	g_debug("%u /metrics connections open: closing the oldest",
		g_hash_table_size(self->connections));
	g_socket_shutdown(oldest->socket, TRUE, TRUE, NULL);
	g_hash_table_remove(self->connections, oldest->socket);
}

static void serve(SoupServer *soup, SoupServerMessage *msg, const gchar *path, GHashTable *query,
		  gpointer data)
{
	VtierMetricsServer *self = data;
	SoupMessageHeaders *headers = sym_soup_server_message_get_response_headers(msg);
	g_autoptr(GBytes) text = NULL;

	sym_soup_message_headers_replace(headers, "Connection", "close");
	if (g_strcmp0(path, "/metrics") != 0) {
		sym_soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	if (g_strcmp0(sym_soup_server_message_get_method(msg), "GET") != 0) {
		sym_soup_message_headers_replace(headers, "Allow", "GET");
		sym_soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
		return;
	}
	text = self->source(self->user_data);
	if (text == NULL) {
		sym_soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
		return;
	}
	sym_soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	sym_soup_message_headers_replace(headers, "Content-Type", VTIER_METRICS_CONTENT_TYPE);
	sym_soup_message_body_append_bytes(sym_soup_server_message_get_response_body(msg), text);
}

/* Every request, and first of all every new connection (a request starts as soon as libsoup
 * accepts one, before any byte is read): a connection seen for the first time gets its I/O
 * timeout and its deadline, and when too many are open the oldest is shut down. */
static void request_started(SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
	VtierMetricsServer *self = data;
	GSocket *socket = sym_soup_server_message_get_socket(msg);
	Tracked *t;

	if (socket == NULL || g_hash_table_contains(self->connections, socket))
		return;
	g_hash_table_foreach_remove(self->connections, tracked_closed, NULL);
	while (g_hash_table_size(self->connections) >=
	       (guint)g_atomic_int_get(&self->max_connections))
		evict_oldest(self);
	g_socket_set_timeout(socket, g_atomic_int_get(&self->io_timeout_s));
	t = g_new0(Tracked, 1);
	t->server = self;
	t->socket = g_object_ref(socket);
	t->since = g_get_monotonic_time();
	t->deadline = g_timeout_source_new_seconds(g_atomic_int_get(&self->deadline_s));
	g_source_set_callback(t->deadline, connection_deadline, t, NULL);
	g_source_attach(t->deadline, self->context);
	g_hash_table_insert(self->connections, socket, t);
}

static gboolean server_listen(VtierMetricsServer *self, GSocketAddress *address,
			      const gchar *listen, GError **error)
{
	g_autoptr(GError) local = NULL;
	GSList *listeners;

	if (!sym_soup_server_listen(self->soup, address, 0, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
			    "cannot listen on [metrics] listen=\"%s\": %s", listen, local->message);
		return FALSE;
	}
	listeners = sym_soup_server_get_listeners(self->soup);
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

/* The server's thread: listens, says how that went, then serves until its loop is quit. */
static gpointer server_thread(gpointer data)
{
	VtierMetricsServer *self = data;
	gboolean ok;

	g_main_context_push_thread_default(self->context);
	self->soup = sym_soup_server_new("server-header", "vtierd", NULL);
	sym_soup_server_add_handler(self->soup, NULL, serve, self, NULL);
	g_signal_connect(self->soup, "request-started", G_CALLBACK(request_started), self);
	ok = server_listen(self, self->listen_address, self->listen, &self->start_error);
	g_mutex_lock(&self->lock);
	self->start_done = TRUE;
	g_cond_signal(&self->started);
	g_mutex_unlock(&self->lock);
	if (ok)
		g_main_loop_run(self->loop);
	g_signal_handlers_disconnect_by_data(self->soup, self);
	sym_soup_server_disconnect(self->soup);
	g_clear_object(&self->soup);
	g_hash_table_remove_all(self->connections); /* deadlines, references */
	/* what the disconnect left pending (closing connections) runs here, not in another loop */
	while (g_main_context_iteration(self->context, FALSE))
		;
	g_main_context_pop_thread_default(self->context);
	return NULL;
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
	if (!vtier_soup_load(error))
		return NULL;
	self = g_new0(VtierMetricsServer, 1);
	self->source = source;
	self->user_data = user_data;
	self->io_timeout_s = IO_TIMEOUT_S;
	self->deadline_s = DEADLINE_S;
	self->max_connections = MAX_CONNECTIONS;
	self->connections = g_hash_table_new_full(NULL, NULL, NULL, tracked_free);
	self->context = g_main_context_new();
	self->loop = g_main_loop_new(self->context, FALSE);
	g_mutex_init(&self->lock);
	g_cond_init(&self->started);
	self->listen_address = address;
	self->listen = listen;
	self->thread = g_thread_new("vtierd-metrics", server_thread, self);
	g_mutex_lock(&self->lock);
	while (!self->start_done)
		g_cond_wait(&self->started, &self->lock);
	g_mutex_unlock(&self->lock);
	self->listen_address = NULL;
	self->listen = NULL;
	if (self->start_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&self->start_error));
		return NULL; /* the autoptr joins the thread, which has ended */
	}
	return g_steal_pointer(&self);
}

static gboolean quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

void vtier_metrics_server_free(VtierMetricsServer *server)
{
	if (server == NULL)
		return;
	if (server->thread != NULL) {
		g_main_context_invoke(server->context, quit_loop, server->loop);
		g_thread_join(server->thread);
	}
	g_clear_pointer(&server->connections, g_hash_table_unref);
	g_clear_pointer(&server->loop, g_main_loop_unref);
	g_clear_pointer(&server->context, g_main_context_unref);
	g_clear_error(&server->start_error);
	g_mutex_clear(&server->lock);
	g_cond_clear(&server->started);
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
	g_atomic_int_set(&server->io_timeout_s, io_timeout_s);
	g_atomic_int_set(&server->deadline_s, deadline_s);
	g_atomic_int_set(&server->max_connections, max_connections);
}

void vtier_metrics_server_invoke(VtierMetricsServer *server, GSourceFunc function, gpointer data)
{
	g_main_context_invoke(server->context, function, data);
}
