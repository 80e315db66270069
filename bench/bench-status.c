/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "bench-status"

#include "config.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "tiering/status-render.h"
#include "control-fake.h"
#include "vtier-test.h"

/* bench-status: `vtierctl status` at 10, 100 and 500 guests as its user sees it, in parts: the
 * control round trip (request, the server encoding the snapshot, the reply line, the client
 * parsing it), decoding the snapshot, rendering the table, and the whole `vtierctl status`
 * process. The round trip, decode and render are those of the "table" view (what vtierctl did
 * before the "text" view, and still does against a vtierd without it); "text view round trip" is
 * what `vtierctl status` does now, and "text view encode" vtierd's rendering of it, once per
 * snapshot. The server is control-server.c with the stand-in handler of the tests (vtierd's own
 * cost to build a snapshot is bench-daemon's). Issue 9's target: status at 500 guests p99 < 10 ms.
 * Each part is shown as wall time and as CPU time (the round trip's is the process's, client and
 * server threads; the process's is the child's user + system time): on a loaded machine the wall
 * time's tail is the scheduler's, the CPU time is the code's.
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

static gdouble percentile(GArray *ms, guint pct)
{
	return g_array_index(ms, gdouble, MIN(ms->len - 1, ms->len * pct / 100));
}

static void report(const gchar *what, guint n, GArray *ms, GArray *cpu)
{
	g_array_sort(ms, compare_double);
	g_array_sort(cpu, compare_double);
	printf("%-26s %3u guests  p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  cpu p50 %7.3f p99 "
	       "%7.3f ms\n",
	       what, n, percentile(ms, 50), percentile(ms, 99), g_array_index(ms, gdouble, ms->len - 1),
	       percentile(cpu, 50), percentile(cpu, 99));
}

static gdouble cpu_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (gdouble)ts.tv_sec * 1000.0 + (gdouble)ts.tv_nsec / 1e6;
}

static gdouble children_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (gdouble)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	       (gdouble)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static gdouble since(gint64 t0)
{
	return (gdouble)(g_get_monotonic_time() - t0) / 1000.0;
}

/* One status call in the process: round trip, decode, render (ms each, wall then CPU). */
static void call_once(const gchar *path, gdouble *ret_call, gdouble *ret_decode,
		      gdouble *ret_render, gdouble *ret_cpu)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(VtierSnapshot) snapshot = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();
	gdouble c0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);

	req->view = VTIER_CONTROL_VIEW_TABLE; /* as `vtierctl status` asks */

	if (!vtier_control_call(path, req, 5000, &result, &error)) {
		g_printerr("bench-status: %s\n", error->message);
		exit(1);
	}
	*ret_call = since(t0);
	ret_cpu[0] = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	t0 = g_get_monotonic_time();
	c0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
	snapshot = vtier_snapshot_from_json(result, &error);
	g_assert_no_error(error);
	*ret_decode = since(t0);
	ret_cpu[1] = cpu_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
	t0 = g_get_monotonic_time();
	c0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
	text = vtier_status_render(snapshot);
	*ret_render = since(t0);
	ret_cpu[2] = cpu_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
}

/* The "text" view's round trip, the client reading the text out of the reply included. */
static void call_text(const gchar *path, gdouble *ret_call, gdouble *ret_cpu)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();
	gdouble c0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);

	req->view = VTIER_CONTROL_VIEW_TEXT;
	if (!vtier_control_call(path, req, 5000, &result, &error)) {
		g_printerr("bench-status: %s\n", error->message);
		exit(1);
	}
	g_assert_nonnull(json_object_get_string_member(json_node_get_object(result), "text"));
	*ret_call = since(t0);
	*ret_cpu = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
}

static void bench_size(VtierTestControl *c, const gchar *vtierctl, guint n)
{
	g_autoptr(GArray) call = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) decode = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) render = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) process = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) text_call = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) text_cpu = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) encode = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) encode_cpu = g_array_new(FALSE, FALSE, sizeof(gdouble));
	GArray *cpu[4];
	const gchar *argv[] = { vtierctl, "status", "--socket", c->path, NULL };

	for (guint i = 0; i < G_N_ELEMENTS(cpu); i++)
		cpu[i] = g_array_new(FALSE, FALSE, sizeof(gdouble));
	grow(c, n);
	for (guint i = 0; i < RUNS; i++) {
		gdouble a, b, r, used[3];

		call_once(c->path, &a, &b, &r, used);
		g_array_append_val(call, a);
		g_array_append_val(decode, b);
		g_array_append_val(render, r);
		for (guint k = 0; k < 3; k++)
			g_array_append_val(cpu[k], used[k]);
		call_text(c->path, &a, &used[0]);
		g_array_append_val(text_call, a);
		g_array_append_val(text_cpu, used[0]);
	}
	for (guint i = 0; i < RUNS / 10; i++) {
		g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
		gint64 t0 = g_get_monotonic_time();
		gdouble c0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
		g_autoptr(GBytes) text =
		    vtier_status_result_bytes(c->snapshot, VTIER_CONTROL_VIEW_TEXT);
		gdouble t = since(t0);

		g_array_append_val(encode, t);
		t = cpu_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		g_array_append_val(encode_cpu, t);
	}
	for (guint i = 0; i < RUNS / 10; i++) {
		gint64 t0 = g_get_monotonic_time();
		gdouble c0 = children_cpu_ms();
		gdouble t;

		g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			     NULL, NULL, NULL);
		t = since(t0);
		g_array_append_val(process, t);
		t = children_cpu_ms() - c0;
		g_array_append_val(cpu[3], t);
	}
	{
		g_autoptr(GBytes) full = vtier_snapshot_to_json_bytes(c->snapshot, FALSE);
		g_autoptr(GBytes) table = vtier_snapshot_to_json_bytes(c->snapshot, TRUE);
		g_autoptr(GBytes) text =
		    vtier_status_result_bytes(c->snapshot, VTIER_CONTROL_VIEW_TEXT);

		printf("status reply               %3u guests  table view %" G_GSIZE_FORMAT
		       " bytes (full: %" G_GSIZE_FORMAT ", text: %" G_GSIZE_FORMAT ")\n",
		       n, g_bytes_get_size(table), g_bytes_get_size(full), g_bytes_get_size(text));
	}
	report("status round trip", n, call, cpu[0]);
	report("snapshot decode", n, decode, cpu[1]);
	report("status render", n, render, cpu[2]);
	report("text view round trip", n, text_call, text_cpu);
	report("text view encode (vtierd)", n, encode, encode_cpu);
	report("vtierctl status (process)", n, process, cpu[3]);
	for (guint i = 0; i < G_N_ELEMENTS(cpu); i++)
		g_array_unref(cpu[i]);
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
