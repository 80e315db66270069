/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-daemon: vtierd's own cost, in dry-run on a synthetic host (the AMD Turin + CXL fixture
 * with N workload cgroups attached by pid), so the kernel's part is left out (the kernel's commit
 * time is measured in the lab, bench/README.md).
 *
 *   reconcile after one guest is added at 10/100/500 guests: vtierd's CPU time (goal < 5 ms at
 *     500), with the writes it makes;
 *   status at 500 guests: the control request's handling (the reply line from the snapshot's
 *     text, encoded once per snapshot), p50/p99, and the encoding of a new snapshot;
 *   one controller interval at 500 guests (measure every memcg, read stats, step);
 *   idle: CPU and RSS over a period with 100 guests (--idle-seconds, default 10; the issue's
 *     figure is over 60 s: `bench/bench-daemon --idle-seconds 60`), in a process of its own
 *     (--idle-guests N runs it alone), twice: the guests settled at their target (50% on node 0,
 *     the default policy's ratio: nothing to move, the idle) and 20% on node 0
 *     (--idle-fast-percent; a dry run's memory never moves, so the controller asks for new
 *     budgets every interval).
 *
 * Run: make -C BUILDDIR check TESTS= && BUILDDIR/bench/bench-daemon [--quick] [--idle-seconds N]
 * To profile one size: BUILDDIR/bench/bench-daemon --guests 500 --rounds 40 (the reconcile only),
 * e.g. under `perf record -g`; with BENCH_PERF_CTL=FIFO and `perf record --control fifo:FIFO -D -1`
 * perf samples the measured reconciles alone.
 * Baseline in the same run: the planner alone for the same guests (what reconcile costs beyond
 * the pure plan).
 */
#include "config.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "common/paths.h"
#include "daemon/manager-private.h"
#include "vtier-test.h"

static gdouble cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (gdouble)ts.tv_sec + (gdouble)ts.tv_nsec / 1e9;
}

/* Each workload's memory: 500 MiB, @fast_pct of it on node 0 (N0), the rest on node 1. */
static void add_workload(const gchar *root, guint i, guint fast_pct)
{
	guint64 total = 500ull << 20, fast = total * fast_pct / 100;
	g_autofree gchar *stat = g_strdup_printf("anon N0=%" G_GUINT64_FORMAT " N1=%" G_GUINT64_FORMAT
						 "\nfile N0=0 N1=0\n", fast, total - fast);
	g_autofree gchar *cg = g_strdup_printf("proc/%u/cgroup", 1000 + i);
	g_autofree gchar *cgline = g_strdup_printf("0::/bench.slice/w%u.scope\n", i);
	g_autofree gchar *ctl = g_strdup_printf("sys/fs/cgroup/bench.slice/w%u.scope/"
						"cgroup.controllers", i);
	g_autofree gchar *numa = g_strdup_printf("sys/fs/cgroup/bench.slice/w%u.scope/"
						 "memory.numa_stat", i);

	vtier_test_write_file(root, cg, cgline);
	vtier_test_write_file(root, ctl, "memory\n");
	vtier_test_write_file(root, numa, stat);
}

static VtierManager *new_manager(const gchar *policy_dir)
{
	g_auto(VtierManagerOptions) options = { 0 };
	g_autoptr(GError) error = NULL;
	VtierManager *m;

	options.config_path = g_build_filename(vtier_paths_get_sysroot(), "vtierd.conf", NULL);
	options.config_explicit = TRUE;
	options.connect_uri = g_strdup("none");
	options.dry_run = TRUE;
	options.policy_dir = g_strdup(policy_dir);
	m = vtier_manager_new(&options, &error);
	if (m == NULL || !vtier_manager_start(m, &error)) {
		fprintf(stderr, "bench-daemon: %s\n", error->message);
		exit(1);
	}
	return m;
}

static void attach(VtierManager *m, guint i)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_ATTACH);
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(GError) error = NULL;

	req->name = g_strdup_printf("w%04u", i);
	req->pid = (gint)(1000 + i);
	if (!vtier_manager_handle_request(req, &result, &error, m)) {
		fprintf(stderr, "bench-daemon: attach: %s\n", error->message);
		exit(1);
	}
}

static void reconcile(VtierManager *m)
{
	g_autoptr(GError) error = NULL;

	if (m->reconcile_source != 0) {
		g_source_remove(m->reconcile_source);
		m->reconcile_source = 0;
	}
	if (!vtier_manager_reconcile_now(m, &error)) {
		fprintf(stderr, "bench-daemon: reconcile: %s\n", error->message);
		exit(1);
	}
}

static gint compare_doubles(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

	return x < y ? -1 : x > y;
}

static gdouble percentile(GArray *samples, gdouble p)
{
	g_array_sort(samples, compare_doubles);
	return g_array_index(samples, gdouble, (guint)((samples->len - 1) * p));
}

/* With BENCH_PERF_CTL=FIFO (perf record --control fifo:FIFO -D -1), perf samples only the
 * measured reconciles, not the setup's attaches. */
static void perf_control(const gchar *command)
{
	const gchar *fifo = g_getenv("BENCH_PERF_CTL");
	FILE *f;

	if (fifo == NULL || (f = fopen(fifo, "w")) == NULL)
		return;
	fprintf(f, "%s\n", command);
	fclose(f);
}

static void bench_reconcile(const gchar *policy_dir, guint n, guint rounds)
{
	g_autoptr(GArray) cpu = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) own = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) kernel = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) vtierd = g_array_new(FALSE, FALSE, sizeof(gdouble));
	VtierManager *m = new_manager(policy_dir);
	guint64 writes = 0;

	for (guint i = 0; i < n; i++)
		attach(m, i);
	reconcile(m);
	for (guint r = 0; r < rounds; r++) {
		guint64 w0 = m->writes;
		gdouble t0, a0, k0;

		attach(m, n + r);
		perf_control("enable");
		t0 = cpu_seconds();
		a0 = m->apply_cpu_seconds;
		k0 = m->kernel_cpu_seconds;
		reconcile(m);
		{
			gdouble dt = (cpu_seconds() - t0) * 1000;
			gdouble mine = dt - (m->apply_cpu_seconds - a0) * 1000;
			gdouble fake = (m->kernel_cpu_seconds - k0) * 1000;
			gdouble rest = dt - fake;

			g_array_append_val(cpu, dt);
			g_array_append_val(own, mine);
			g_array_append_val(kernel, fake);
			g_array_append_val(vtierd, rest);
		}
		perf_control("disable");
		writes = m->writes - w0;
	}
	printf("%-6u %12.3f %12.3f %14.3f %12.3f %12.3f %10" G_GUINT64_FORMAT "\n", n,
	       percentile(cpu, 0.5), percentile(cpu, 0.99), percentile(own, 0.5),
	       percentile(kernel, 0.5), percentile(vtierd, 0.5), writes);
	vtier_manager_free(m);
}

static void bench_status(const gchar *policy_dir, guint n, guint rounds)
{
	g_autoptr(GArray) wall = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) encode = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	VtierManager *m = new_manager(policy_dir);
	gdouble t_interval;

	for (guint i = 0; i < n; i++)
		attach(m, i);
	reconcile(m);
	t_interval = cpu_seconds();
	vtier_manager_interval_run(m);
	vtier_damon_worker_drain(m); /* the status read runs on vtierd's DAMON worker */
	t_interval = (cpu_seconds() - t_interval) * 1000;
	/* what the control server does per status request: the text handler, the reply line */
	for (guint r = 0; r < rounds; r++) {
		g_autoptr(GByteArray) out = g_byte_array_new();
		gint64 t0 = g_get_monotonic_time();
		g_autoptr(GBytes) text = vtier_manager_handle_request_text(req, m);
		gdouble dt;

		vtier_control_reply_ok_append_text(out, 1, text);
		dt = (gdouble)(g_get_monotonic_time() - t0) / 1000;
		g_array_append_val(wall, dt);
	}
	/* the first status after a snapshot is published encodes it (the handler's JSON, as text) */
	for (guint r = 0; r < MAX(rounds / 10, 5); r++) {
		g_autoptr(JsonNode) result = NULL;
		g_autofree gchar *text = NULL;
		gint64 t0 = g_get_monotonic_time();
		gdouble dt;

		vtier_manager_handle_request(req, &result, NULL, m);
		text = json_to_string(result, FALSE);
		dt = (gdouble)(g_get_monotonic_time() - t0) / 1000;
		g_array_append_val(encode, dt);
	}
	printf("status at %u guests: p50 %.3f ms, p99 %.3f ms (the reply line from the snapshot's "
	       "text; goal p99 < 10 ms)\n",
	       n, percentile(wall, 0.5), percentile(wall, 0.99));
	printf("status at %u guests, first after a snapshot: p50 %.3f ms, p99 %.3f ms (encoding "
	       "it: handler + JSON text)\n",
	       n, percentile(encode, 0.5), percentile(encode, 0.99));
	printf("controller interval at %u guests: %.3f ms CPU (numa_stat of every memcg, stats, "
	       "step)\n",
	       n, t_interval);
	vtier_manager_free(m);
}

static glong rss_kib(void)
{
	g_autofree gchar *text = NULL;
	const gchar *line;

	if (!g_file_get_contents("/proc/self/status", &text, NULL, NULL))
		return -1;
	line = strstr(text, "VmRSS:");
	return line != NULL ? strtol(line + 6, NULL, 10) : -1;
}

static gboolean on_quit(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static void bench_idle(const gchar *policy_dir, guint n, guint seconds)
{
	VtierManager *m = new_manager(policy_dir);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	gdouble t0, k0;
	gint64 w0;
	guint64 writes0, commits0, state0;

	for (guint i = 0; i < n; i++)
		attach(m, i);
	reconcile(m);
	writes0 = m->writes;
	commits0 = m->commits;
	state0 = m->state_writes;
	k0 = m->kernel_cpu_seconds;
	t0 = cpu_seconds();
	w0 = g_get_monotonic_time();
	g_timeout_add_seconds(seconds, on_quit, loop);
	g_main_loop_run(loop);
	{
		gdouble wall = (gdouble)(g_get_monotonic_time() - w0) / 1e6;

		printf("idle with %u guests over %u s: CPU %.3f%% of a core (of which the fake "
		       "kernel %.3f%%), RSS %ld KiB (goal < 0.2%%, < 16 MiB)\n",
		       n, seconds, (cpu_seconds() - t0) * 100 / wall,
		       (m->kernel_cpu_seconds - k0) * 100 / wall, rss_kib());
	}
	printf("idle with %u guests: %" G_GUINT64_FORMAT " DAMON writes, %" G_GUINT64_FORMAT
	       " commits, %" G_GUINT64_FORMAT " state file writes\n",
	       n, m->writes - writes0, m->commits - commits0, m->state_writes - state0);
	vtier_manager_free(m);
}

/* Only warnings and worse: vtierd's notices (one per attach) would drown the figures. */
static GLogWriterOutput quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
				     gpointer data)
{
	if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG))
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_standard_streams(level, fields, n, data);
}

int main(int argc, char **argv)
{
	g_autofree gchar *root = NULL;
	g_autofree gchar *fixture = NULL;
	g_autofree gchar *policy_dir = NULL;
	gboolean quick = FALSE;
	gint idle_seconds = 10;
	gint only_guests = 0;
	gint idle_guests = 0;
	gint idle_fast = 50;
	gint rounds = 0;
	const GOptionEntry entries[] = {
		{ "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "Fewer rounds (CI)", NULL },
		{ "idle-seconds", 0, 0, G_OPTION_ARG_INT, &idle_seconds, "Idle period", "N" },
		{ "guests", 0, 0, G_OPTION_ARG_INT, &only_guests,
		  "Only the reconcile at N guests (profiling)", "N" },
		{ "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Reconciles measured per size", "N" },
		{ "idle-guests", 0, 0, G_OPTION_ARG_INT, &idle_guests,
		  "Only the idle figure, with N guests (profiling)", "N" },
		{ "idle-fast-percent", 0, 0, G_OPTION_ARG_INT, &idle_fast,
		  "The idle guests' memory on node 0 (50: settled at the default policy's target)",
		  "P" },
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("");
	guint sizes[] = { 10, 100, 500 };

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, NULL))
		return 2;
	g_setenv("VTIER_FORBID_REAL_DAMON", "1", TRUE);
	g_setenv("VTIER_CONTROL_SOCKET", "", TRUE);
	g_log_set_writer_func(quiet_writer, NULL, NULL);
	policy_dir = g_build_filename(g_getenv("VTIER_SRCDIR") ? g_getenv("VTIER_SRCDIR")
							       : VTIER_SRCDIR_FALLBACK,
				      "policies", NULL);
	fixture = g_build_filename(VTIER_SRCDIR_FALLBACK, "tests", "data", "sysfs", "amd-turin-cxl",
				   ".", NULL);
	root = g_dir_make_tmp("bench-daemon-XXXXXX", NULL);
	{
		const gchar *cp[] = { "cp", "-a", fixture, root, NULL };
		gint status = 1;

		if (root == NULL ||
		    !g_spawn_sync(NULL, (gchar **)cp, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
				  NULL, &status, NULL) ||
		    status != 0) {
			fprintf(stderr, "bench-daemon: cannot copy %s\n", fixture);
			return 1;
		}
	}
	vtier_paths_set_sysroot(root);
	vtier_test_write_file(root, "sys/fs/cgroup/cgroup.controllers", "memory\n");
	vtier_test_write_file(root, "vtierd.conf", "[metrics]\nlisten=off\n");
	for (guint i = 0; i < 520; i++)
		add_workload(root, i, idle_guests > 0 ? (guint)CLAMP(idle_fast, 0, 100) : 20);
	if (idle_guests > 0) {
		printf("# idle: each guest's memory %d%% on node 0 (the default policy's target is "
		       "50%%: %s)\n", idle_fast, idle_fast == 50 ? "settled, nothing to move"
							   : "the controller keeps moving it");
		bench_idle(policy_dir, (guint)MIN(idle_guests, 500), (guint)idle_seconds);
		vtier_test_rm_rf(root);
		return 0;
	}
	printf("# reconcile after one guest is added (dry run: vtierd's own CPU, kernel excluded)\n");
	printf("# total = plan + apply; without_apply leaves out the DAMON writer on the in-process\n"
	       "# fake kernel (a dry run's stand-in for sysfs)\n");
	printf("# fake_kernel: the fake kernel's `state` commands (commit: validation and running\n"
	       "# configuration), the kernel's own work in production; vtierd = total - fake_kernel\n");
	printf("%-6s %12s %12s %14s %12s %12s %10s\n", "guests", "cpu_p50_ms", "cpu_p99_ms",
	       "without_apply", "fake_kernel", "vtierd_p50", "writes");
	if (rounds <= 0)
		rounds = quick ? 3 : 15;
	rounds = MIN(rounds, 20); /* 520 workloads: 500 guests and 20 added */
	if (only_guests > 0) {
		bench_reconcile(policy_dir, (guint)MIN(only_guests, 500), (guint)rounds);
		vtier_test_rm_rf(root);
		return 0;
	}
	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++)
		bench_reconcile(policy_dir, sizes[i], (guint)rounds);
	bench_status(policy_dir, 500, quick ? 50 : 500);
	vtier_test_rm_rf(root);
	fflush(stdout);
	/* idle in a process of its own (this one's heap holds what the 500-guest runs left): the
	 * guests settled at their target (the "idle"), then 20% fast, where a dry run's
	 * guests never move and the controller asks for new budgets every interval */
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *secs = g_strdup_printf("%d", quick ? 3 : idle_seconds);
		const gchar *idle[] = { "/proc/self/exe", "--idle-guests", "100", "--idle-seconds",
					secs, "--idle-fast-percent", i == 0 ? "50" : "20", NULL };
		gint status = 1;

		if (!g_spawn_sync(NULL, (gchar **)idle, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL,
				  NULL, NULL, NULL, &status, NULL) ||
		    !g_spawn_check_wait_status(status, NULL))
			return 1;
	}
	return 0;
}
