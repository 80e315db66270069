/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include "common/error.h"
#include "metrics/metrics.h"
#include "metrics/server.h"
#include "vtier-test.h"

/* The /metrics endpoint on a real socket (127.0.0.1, an ephemeral port). Clients run in threads
 * with blocking sockets while the test's main loop serves, as vtierd's does. */

typedef struct {
	guint16 port;
	gchar *request;	      /* sent at once (NULL: nothing) */
	guint trickle_ms;     /* >0: send one byte of @request per trickle_ms instead */
	gboolean hang_up;     /* close as soon as one whole response is in (keep-alive clients) */
	GString *response;
	gint64 elapsed_us;    /* until the server closed the connection */
	gint done;
} Client;

/* Whether @r holds one whole response (headers and Content-Length bytes of body). */
static gboolean response_complete(const GString *r)
{
	const gchar *end = strstr(r->str, "\r\n\r\n");
	const gchar *length = strstr(r->str, "Content-Length: ");

	if (end == NULL || length == NULL)
		return FALSE;
	return r->len >= (gsize)(end + 4 - r->str) + g_ascii_strtoull(length + 16, NULL, 10);
}

static gpointer client_thread(gpointer data)
{
	Client *c = data;
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	GOutputStream *out;
	GInputStream *in;
	gchar buf[4096];
	gssize n;

	conn = g_socket_client_connect_to_host(sc, "127.0.0.1", c->port, NULL, &error);
	g_assert_no_error(error);
	out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	for (gsize i = 0; c->request != NULL && c->trickle_ms > 0 && c->request[i]; i++) {
		if (!g_output_stream_write_all(out, c->request + i, 1, NULL, NULL, NULL))
			break;
		g_usleep(c->trickle_ms * 1000);
	}
	if (c->request != NULL && c->trickle_ms == 0)
		g_output_stream_write_all(out, c->request, strlen(c->request), NULL, NULL, NULL);
	while ((n = g_input_stream_read(in, buf, sizeof(buf), NULL, NULL)) > 0) {
		g_string_append_len(c->response, buf, n);
		if (c->hang_up && response_complete(c->response))
			break;
	}
	c->elapsed_us = g_get_monotonic_time() - start;
	g_atomic_int_set(&c->done, 1);
	g_main_context_wakeup(NULL);
	return NULL;
}

static Client *client_start(guint16 port, const gchar *request, guint trickle_ms,
			    gboolean hang_up)
{
	Client *c = g_new0(Client, 1);

	c->hang_up = hang_up;
	c->port = port;
	c->request = g_strdup(request);
	c->trickle_ms = trickle_ms;
	c->response = g_string_new(NULL);
	g_thread_unref(g_thread_new("client", client_thread, c));
	return c;
}

/* Serves until @c is done (at most 20 s). */
static void client_wait(Client *c)
{
	gint64 limit = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	while (!g_atomic_int_get(&c->done)) {
		g_assert_cmpint(g_get_monotonic_time(), <, limit);
		g_main_context_iteration(NULL, TRUE);
	}
}

static void client_free(Client *c)
{
	g_free(c->request);
	g_string_free(c->response, TRUE);
	g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Client, client_free)

static gchar *http(guint16 port, const gchar *request)
{
	g_autoptr(Client) c = client_start(port, request, 0, FALSE);

	client_wait(c);
	return g_strdup(c->response->str);
}

static GBytes *fixed_source(gpointer user_data)
{
	return g_bytes_new_static(user_data, strlen(user_data));
}

static GBytes *empty_source(gpointer user_data)
{
	return NULL;
}

#define BODY "# HELP vtier_kdamond_up x\n# TYPE vtier_kdamond_up gauge\nvtier_kdamond_up 1\n"
#define GET(path) "GET " path " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

static VtierMetricsServer *server_new(VtierMetricsSource source, gpointer data)
{
	g_autoptr(GError) error = NULL;
	VtierMetricsServer *server = vtier_metrics_server_new("127.0.0.1:0", source, data, &error);

	g_assert_no_error(error);
	g_assert_nonnull(server);
	g_assert_cmpuint(vtier_metrics_server_get_port(server), >, 0);
	return server;
}

static gboolean set_flag(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static void serve_for(guint ms)
{
	gboolean done = FALSE;

	g_timeout_add(ms, set_flag, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

static void test_get(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	guint16 port = vtier_metrics_server_get_port(server);
	g_autofree gchar *url = vtier_metrics_server_get_url(server);
	g_autofree gchar *expected_url = g_strdup_printf("http://127.0.0.1:%u/metrics", port);
	g_autofree gchar *reply = http(port, GET("/metrics"));
	g_autofree gchar *query = http(port, GET("/metrics?name[]=x"));

	g_assert_cmpstr(url, ==, expected_url);
	g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 200 OK\r\n"));
	g_assert_nonnull(strstr(reply, "\r\nContent-Type: " VTIER_METRICS_CONTENT_TYPE "\r\n"));
	g_assert_true(g_str_has_suffix(reply, "\r\n\r\n" BODY));
	g_assert_true(g_str_has_prefix(query, "HTTP/1.1 200 OK\r\n"));
}

/* A client that asks to keep its connection (as Prometheus and curl do) gets its answer and
 * "Connection: close": libsoup 3.2 would leak the connection once the client hangs up. */
static void test_keep_alive(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	g_autofree gchar *reply = http(vtier_metrics_server_get_port(server),
				       "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" GET("/metrics"));
	g_auto(GStrv) parts = g_strsplit(reply, "HTTP/1.1 200 OK\r\n", -1);

	g_assert_cmpuint(g_strv_length(parts), ==, 2);
	g_assert_nonnull(strstr(reply, "\r\nConnection: close\r\n"));
	g_assert_true(g_str_has_suffix(reply, "\r\n\r\n" BODY));
}

static guint open_fds(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	guint n = 0;

	g_assert_nonnull(dir);
	while (g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

static void test_not_found_and_method(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	guint16 port = vtier_metrics_server_get_port(server);
	/* ("/../metrics" is /metrics: libsoup removes dot segments, as RFC 3986 says) */
	const gchar *const missing[] = { GET("/"), GET("/metrics/"), GET("/metricsx"),
					 GET("/metrics/../x") };
	const gchar *const methods[] = { "POST", "PUT", "DELETE", "HEAD", "OPTIONS" };

	for (guint i = 0; i < G_N_ELEMENTS(missing); i++) {
		g_autofree gchar *reply = http(port, missing[i]);

		if (!g_str_has_prefix(reply, "HTTP/1.1 404 Not Found\r\n"))
			g_test_message("reply to %s: %s", missing[i], reply);
		g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 404 Not Found\r\n"));
		g_assert_null(strstr(reply, "vtier_kdamond_up"));
	}
	for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
		g_autofree gchar *request = g_strdup_printf(
			"%s /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			"Content-Length: 0\r\n\r\n",
			methods[i]);
		g_autofree gchar *reply = http(port, request);

		g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 405 Method Not Allowed\r\n"));
		g_assert_nonnull(strstr(reply, "\r\nAllow: GET\r\n"));
	}
}

static void test_unavailable(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(empty_source, NULL);
	g_autofree gchar *reply = http(vtier_metrics_server_get_port(server), GET("/metrics"));

	g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 503 Service Unavailable\r\n"));
}

static void test_off_and_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	g_autofree gchar *taken = g_strdup_printf("127.0.0.1:%u",
						  vtier_metrics_server_get_port(server));
	g_autofree gchar *quoted = g_strdup_printf("listen=\"%s\"", taken);

	g_assert_null(vtier_metrics_server_new("off", fixed_source, NULL, &error));
	g_assert_no_error(error);
	g_assert_null(vtier_metrics_server_new("localhost:1", fixed_source, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "listen=\"localhost:1\""));
	g_clear_error(&error);
	g_assert_null(vtier_metrics_server_new(taken, fixed_source, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	g_assert_nonnull(strstr(error->message, quoted));
}

/* A client that sends nothing is dropped after the I/O timeout, one that trickles a byte at a
 * time after the deadline, and neither delays a scrape in the meantime. */
static void test_stuck_clients(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	guint16 port = vtier_metrics_server_get_port(server);
	g_autoptr(Client) silent = NULL;
	g_autoptr(Client) trickle = NULL;
	g_autoptr(Client) scrape = NULL;

	vtier_metrics_server_set_limits(server, 1, 2, 16);
	silent = client_start(port, NULL, 0, FALSE);
	trickle = client_start(port, GET("/metrics"), 300, FALSE);
	serve_for(100);
	scrape = client_start(port, GET("/metrics"), 0, FALSE);
	client_wait(scrape);
	g_assert_true(g_str_has_prefix(scrape->response->str, "HTTP/1.1 200 OK\r\n"));
	g_assert_false(g_atomic_int_get(&silent->done));
	g_assert_false(g_atomic_int_get(&trickle->done));
	client_wait(silent);
	client_wait(trickle);
	g_assert_cmpint(silent->elapsed_us, >=, 900 * 1000);
	g_assert_cmpint(silent->elapsed_us, <, 1900 * 1000);
	g_assert_cmpint(trickle->elapsed_us, >=, 1900 * 1000);
	g_assert_cmpint(trickle->elapsed_us, <, 3500 * 1000);
	g_assert_cmpstr(silent->response->str, ==, "");
	g_assert_cmpstr(trickle->response->str, ==, "");
}

/* Connections that clients closed do not count against the limit (libsoup does not always say
 * when one ends). */
static void test_connections_reused(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	guint16 port = vtier_metrics_server_get_port(server);

	vtier_metrics_server_set_limits(server, 5, 15, 3);
	for (guint i = 0; i < 10; i++) {
		g_autofree gchar *reply = http(port, i % 2 ? GET("/metrics") : GET("/nothing"));

		g_assert_true(g_str_has_prefix(reply, i % 2 ? "HTTP/1.1 200" : "HTTP/1.1 404"));
		serve_for(20);
	}
}

/* Keep-alive clients that hang up after their response (as curl does): scrapes keep being
 * served and no descriptor stays behind (the lab soak saw vtierd's grow by one a scrape, 14 ->
 * 49, with libsoup 3.2.2 holding each connection its client had closed). */
static void test_keep_alive_hang_up(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	guint16 port = vtier_metrics_server_get_port(server);
	guint before;

	vtier_metrics_server_set_limits(server, 5, 15, 30);
	serve_for(20);
	before = open_fds();
	for (guint i = 0; i < 20; i++) {
		g_autoptr(Client) c =
			client_start(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 0, TRUE);

		client_wait(c);
		g_assert_true(g_str_has_prefix(c->response->str, "HTTP/1.1 200 OK\r\n"));
		g_assert_cmpint(c->elapsed_us, <, 2 * G_USEC_PER_SEC);
	}
	serve_for(100);
	g_assert_cmpuint(open_fds(), <=, before);
}

/* At the limit, a new connection closes the oldest: stuck clients cannot lock scrapes out. */
static void test_connection_limit(void)
{
	g_autoptr(VtierMetricsServer) server = server_new(fixed_source, (gpointer)BODY);
	guint16 port = vtier_metrics_server_get_port(server);
	g_autoptr(Client) a = NULL;
	g_autoptr(Client) b = NULL;
	g_autoptr(Client) c = NULL;

	vtier_metrics_server_set_limits(server, 5, 10, 2);
	a = client_start(port, NULL, 0, FALSE);
	serve_for(200);
	b = client_start(port, NULL, 0, FALSE);
	serve_for(200);
	c = client_start(port, GET("/metrics"), 0, FALSE);
	client_wait(c);
	g_assert_true(g_str_has_prefix(c->response->str, "HTTP/1.1 200 OK\r\n"));
	client_wait(a); /* the oldest made room */
	g_assert_cmpint(a->elapsed_us, <, 2 * G_USEC_PER_SEC);
	g_assert_false(g_atomic_int_get(&b->done));
	client_wait(b); /* its I/O timeout */
	g_assert_cmpint(b->elapsed_us, >=, 4 * G_USEC_PER_SEC);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/metrics-server/get", test_get);
	g_test_add_func("/metrics-server/keep-alive", test_keep_alive);
	g_test_add_func("/metrics-server/not-found-and-method", test_not_found_and_method);
	g_test_add_func("/metrics-server/unavailable", test_unavailable);
	g_test_add_func("/metrics-server/off-and-errors", test_off_and_errors);
	g_test_add_func("/metrics-server/stuck-clients", test_stuck_clients);
	g_test_add_func("/metrics-server/connection-limit", test_connection_limit);
	g_test_add_func("/metrics-server/connections-reused", test_connections_reused);
	g_test_add_func("/metrics-server/keep-alive-hang-up", test_keep_alive_hang_up);
	return g_test_run();
}
