/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "bench-metrics"

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>

#include "metrics-fixture.h"
#include "metrics/metrics.h"
#include "metrics/server.h"

/*
 * bench-metrics: the /metrics renderer and endpoint alone on a synthetic host of N tiering
 * guests (tests/unit/metrics-fixture.c), without vtierd. bench/metrics.sh measures vtierd itself
 * and uses this for the render time and, with BENCH_METRICS_CACHED=1, as the baseline (the
 * endpoint serving a constant text); tests/suites/metrics.sh checks its output. By hand:
 *   bench-metrics render N        print the text of N guests (for promtool check metrics)
 *   bench-metrics time N          mean render time of one scrape of N guests, and its size
 *   bench-metrics serve N [LISTEN] [SECONDS]
 *                                 serve N guests on LISTEN (default 127.0.0.1:0), rendering the
 *                                 snapshot on every scrape; prints the URL, runs
 *                                 until SIGINT/SIGTERM or SECONDS (default 600) have passed;
 *                                 with BENCH_METRICS_CACHED=1 it renders once and serves that text
 */

static GBytes *render_source(gpointer user_data)
{
	gchar *text = vtier_metrics_render(user_data);

	return g_bytes_new_take(text, strlen(text));
}

/* What vtierd does: render once per snapshot, serve a reference to that text. */
static GBytes *cached_source(gpointer user_data)
{
	return g_bytes_ref(user_data);
}

static int cmd_render(guint n)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_synthetic(n);
	g_autofree gchar *text = vtier_metrics_render(s);

	fputs(text, stdout);
	return 0;
}

static int cmd_time(guint n)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_synthetic(n);
	gint64 start = g_get_monotonic_time(), now;
	guint runs = 0;
	gsize bytes = 0;

	do {
		g_autofree gchar *text = vtier_metrics_render(s);

		bytes = strlen(text);
		runs++;
		now = g_get_monotonic_time();
	} while (now - start < G_USEC_PER_SEC);
	g_print("render %u guests: %.3f ms per scrape (%u runs), %zu bytes\n", n,
		(gdouble)(now - start) / runs / 1000.0, runs, bytes);
	return 0;
}

static gboolean quit(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

static int cmd_serve(guint n, const gchar *listen, guint seconds)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_synthetic(n);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GError) error = NULL;
	gboolean cached = g_strcmp0(g_getenv("BENCH_METRICS_CACHED"), "1") == 0;
	g_autofree gchar *rendered = cached ? vtier_metrics_render(s) : NULL;
	g_autoptr(GBytes) text =
	    cached ? g_bytes_new_static(rendered, strlen(rendered)) : NULL;
	g_autoptr(VtierMetricsServer) server =
	    cached ? vtier_metrics_server_new(listen, cached_source, text, &error)
		   : vtier_metrics_server_new(listen, render_source, s, &error);
	g_autofree gchar *url = NULL;

	if (server == NULL) {
		g_printerr("bench-metrics: %s\n", error != NULL ? error->message : "listen=off");
		return 1;
	}
	url = vtier_metrics_server_get_url(server);
	g_print("%s\n", url);
	fflush(stdout);
	g_unix_signal_add(SIGINT, quit, loop);
	g_unix_signal_add(SIGTERM, quit, loop);
	g_timeout_add_seconds(seconds, quit, loop);
	g_main_loop_run(loop);
	return 0;
}

int main(int argc, char **argv)
{
	guint64 n = 0, seconds = 600;

	if (argc < 3 || !g_ascii_string_to_unsigned(argv[2], 10, 0, 100000, &n, NULL)) {
		g_printerr("usage: bench-metrics render|time|serve N [LISTEN] [SECONDS]\n");
		return 2;
	}
	if (g_strcmp0(argv[1], "render") == 0)
		return cmd_render(n);
	if (g_strcmp0(argv[1], "time") == 0)
		return cmd_time(n);
	if (g_strcmp0(argv[1], "serve") == 0) {
		if (argc > 4 && !g_ascii_string_to_unsigned(argv[4], 10, 1, 86400, &seconds, NULL))
			return 2;
		return cmd_serve(n, argc > 3 ? argv[3] : "127.0.0.1:0", seconds);
	}
	g_printerr("bench-metrics: unknown command %s\n", argv[1]);
	return 2;
}
