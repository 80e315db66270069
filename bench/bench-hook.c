/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "bench-hook"

#include "config.h"

#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control-fake.h"
#include "vtier-test.h"

/* bench-hook: the libvirt hook's round trip (spawn virt-hooks/vtier-hook, read a domain XML on
 * stdin, one `hook` request to a live control server, exit), as libvirt sees it: p50/p99/max over
 * BENCH_RUNS runs with the server up, and the max with the server down (no socket) and wedged
 * (listening, never answering). The server is the real control-server.c with the stand-in
 * handler of the tests. Targets (issue 9): p99 < 20 ms up, max < 1 s down. Run from the build tree:
 *   make bench    (or: ./bench/bench-hook [RUNS])
 * Figures, not assertions. */

#define BENCH_RUNS 200

static const gchar *xml =
    "<domain type='kvm'><name>web-01</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>"
    "<memory unit='KiB'>16777216</memory><vcpu>4</vcpu><metadata><vtier:policy "
    "xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' mode='ratio'><vtier:fast ratio='50%'/>"
    "</vtier:policy></metadata><os><type arch='x86_64'>hvm</type></os></domain>";

/* One hook run, in milliseconds. */
static gdouble run_hook(const gchar *hook, const gchar *socket)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
				      G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
				      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GBytes) input = g_bytes_new_static(xml, strlen(xml));
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();

	g_subprocess_launcher_setenv(launcher, "VTIER_CONTROL_SOCKET", socket, TRUE);
	proc = g_subprocess_launcher_spawn(launcher, &error, hook, "web-01", "started", "begin", "-",
					   NULL);
	if (proc == NULL || !g_subprocess_communicate(proc, input, NULL, NULL, NULL, &error)) {
		g_printerr("bench-hook: %s\n", error->message);
		exit(1);
	}
	return (gdouble)(g_get_monotonic_time() - t0) / 1000.0;
}

static gint compare_double(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

	return x < y ? -1 : x > y;
}

static void report(const gchar *what, GArray *ms)
{
	g_array_sort(ms, compare_double);
	printf("%-28s runs %4u  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", what, ms->len,
	       g_array_index(ms, gdouble, ms->len / 2),
	       g_array_index(ms, gdouble, MIN(ms->len - 1, ms->len * 99 / 100)),
	       g_array_index(ms, gdouble, ms->len - 1));
}

static GArray *measure(const gchar *hook, const gchar *socket, guint runs)
{
	GArray *ms = g_array_new(FALSE, FALSE, sizeof(gdouble));

	for (guint i = 0; i < runs; i++) {
		gdouble t = run_hook(hook, socket);

		g_array_append_val(ms, t);
	}
	return ms;
}

int main(int argc, char **argv)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *hook = g_build_filename(builddir ? builddir : ".", "virt-hooks",
						  "vtier-hook", NULL);
	guint runs = argc > 1 ? (guint)g_ascii_strtoull(argv[1], NULL, 10) : BENCH_RUNS;
	g_autoptr(GArray) up = NULL;
	g_autoptr(GArray) down = NULL;
	g_autoptr(GArray) wedged = NULL;
	g_autofree gchar *wedged_path = NULL;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gint fd;

	runs = MAX(runs, 10);
	{
		g_autoptr(VtierTestControl) control = vtier_test_control_new();

		run_hook(hook, control->path); /* warm the page cache */
		up = measure(hook, control->path, runs);
		report("hook, vtierd up", up);
		wedged_path = g_build_filename(control->dir, "wedged", NULL);
		down = measure(hook, wedged_path, runs);
		report("hook, vtierd down", down);
		g_strlcpy(addr.sun_path, wedged_path, sizeof(addr.sun_path));
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0) {
			g_printerr("bench-hook: cannot listen on %s\n", wedged_path);
			return 1;
		}
		wedged = measure(hook, wedged_path, 5);
		report("hook, vtierd wedged", wedged);
		close(fd);
	}
	printf("targets: p99 < 20 ms with vtierd up, max < 1000 ms with vtierd down or wedged\n");
	return 0;
}
