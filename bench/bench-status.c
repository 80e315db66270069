/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "bench-status"

#include "config.h"

#include <stdio.h>

#include "cli/status-render.h"
#include "control-fake.h"
#include "vtier-test.h"

/* bench-status: `vtierctl status` at 10, 100 and 500 guests as its user sees it, in parts: the
 * control round trip (request, the server encoding the snapshot, the reply line, the client
 * parsing it), decoding the snapshot, rendering the table, and the whole `vtierctl status`
 * process. The server is control-server.c with the stand-in handler of the tests (vtierd's own
 * cost to build a snapshot is bench-daemon's). Issue 9's target: status at 500 guests p99 < 10 ms.
 * Run from the build tree: make bench (or VTIER_BUILDDIR=$PWD ./bench/bench-status). */

#define RUNS 200

static void grow(VtierTestControl *c, guint n)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
	const VtierSnapshotGuest *model = vtier_snapshot_lookup(c->snapshot, "web-01");

	if (model == NULL) /* a grown snapshot: its guests are copies of web-01 */
		model = g_ptr_array_index(c->snapshot->guests, 0);
	g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)vtier_snapshot_guest_free);

	for (guint i = 0; i < n; i++) {
		VtierSnapshotGuest *g = vtier_snapshot_guest_copy(model);

		g_free(g->name);
		g->name = i == 0 ? g_strdup("web-01") : g_strdup_printf("guest-%04u", i);
		g_ptr_array_add(guests, g);
	}
	g_ptr_array_unref(c->snapshot->guests);
	c->snapshot->guests = g_steal_pointer(&guests);
	c->snapshot->sequence++; /* a new snapshot, as vtierd publishes one */
}

static gint compare_double(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

	return x < y ? -1 : x > y;
}

static void report(const gchar *what, guint n, GArray *ms)
{
	g_array_sort(ms, compare_double);
	printf("%-26s %3u guests  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", what, n,
	       g_array_index(ms, gdouble, ms->len / 2),
	       g_array_index(ms, gdouble, MIN(ms->len - 1, ms->len * 99 / 100)),
	       g_array_index(ms, gdouble, ms->len - 1));
}

static gdouble since(gint64 t0)
{
	return (gdouble)(g_get_monotonic_time() - t0) / 1000.0;
}

/* One status call in the process: round trip, decode, render (ms each). */
static void call_once(const gchar *path, gdouble *ret_call, gdouble *ret_decode,
		      gdouble *ret_render)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(VtierSnapshot) snapshot = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();

	req->view = VTIER_CONTROL_VIEW_TABLE; /* as `vtierctl status` asks */

	if (!vtier_control_call(path, req, 5000, &result, &error)) {
		g_printerr("bench-status: %s\n", error->message);
		exit(1);
	}
	*ret_call = since(t0);
	t0 = g_get_monotonic_time();
	snapshot = vtier_snapshot_from_json(result, &error);
	g_assert_no_error(error);
	*ret_decode = since(t0);
	t0 = g_get_monotonic_time();
	text = vtier_status_render(snapshot);
	*ret_render = since(t0);
}

static void bench_size(VtierTestControl *c, const gchar *vtierctl, guint n)
{
	g_autoptr(GArray) call = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) decode = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) render = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) process = g_array_new(FALSE, FALSE, sizeof(gdouble));
	const gchar *argv[] = { vtierctl, "status", "--socket", c->path, NULL };

	grow(c, n);
	for (guint i = 0; i < RUNS; i++) {
		gdouble a, b, r;

		call_once(c->path, &a, &b, &r);
		g_array_append_val(call, a);
		g_array_append_val(decode, b);
		g_array_append_val(render, r);
	}
	for (guint i = 0; i < RUNS / 10; i++) {
		gint64 t0 = g_get_monotonic_time();
		gdouble t;

		g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			     NULL, NULL, NULL);
		t = since(t0);
		g_array_append_val(process, t);
	}
	{
		g_autoptr(GBytes) full = vtier_snapshot_to_json_bytes(c->snapshot, FALSE);
		g_autoptr(GBytes) table = vtier_snapshot_to_json_bytes(c->snapshot, TRUE);

		printf("status reply               %3u guests  table view %" G_GSIZE_FORMAT
		       " bytes (full: %" G_GSIZE_FORMAT ")\n",
		       n, g_bytes_get_size(table), g_bytes_get_size(full));
	}
	report("status round trip", n, call);
	report("snapshot decode", n, decode);
	report("status render", n, render);
	report("vtierctl status (process)", n, process);
}

int main(int argc, char **argv)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *vtierctl = g_build_filename(builddir ? builddir : ".", "vtierctl", NULL);
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	const guint sizes[] = { 10, 100, 500 };

	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++)
		bench_size(c, vtierctl, sizes[i]);
	printf("target: status at 500 guests p99 < 10 ms (vtierd's side: bench-daemon)\n");
	return 0;
}
