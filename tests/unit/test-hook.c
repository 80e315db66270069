/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The built libvirt hook (virt-hooks/vtier-hook) against a stand-in vtierd (control-fake.c) in a
 * temporary directory: it forwards the call and exits 0 (1 only for a refused prepare); with
 * vtierd absent, wedged or slow it exits 0 within 1 s; hostile argv and stdin never crash it; it
 * prints nothing on stdout; it does not link libvirt. Round-trip times are printed. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control-fake.h"
#include "vtier-test.h"

/* The hook's promise is 1 s; allow for a loaded test machine on top. */
#define HOOK_LIMIT_MS 1300

typedef struct {
	gint status;
	gchar *out;
	gchar *err;
	gint64 ms;
} HookRun;

static void hook_run_clear(HookRun *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HookRun, hook_run_clear)

static gchar *hook_path(void)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");

	return builddir != NULL ? g_build_filename(builddir, "virt-hooks", "vtier-hook", NULL) : NULL;
}

static gchar *bytes_text(GBytes *bytes)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(bytes, &size);

	return g_strndup(data != NULL ? data : "", size);
}

/* Runs the hook with @args (after argv[0]) and @input on stdin (NULL: /dev/null; with @hold
 * the pipe stays open and unwritten), talking to @socket (NULL: no $VTIER_CONTROL_SOCKET, the
 * path from the configuration file). */
static void run_hook(HookRun *r, const gchar *socket, const gchar *const *args, GBytes *input,
		     gboolean hold)
{
	g_autofree gchar *exe = hook_path();
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GBytes) err = NULL;
	g_autoptr(GError) error = NULL;
	GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;
	gint64 t0;

	g_assert_nonnull(exe);
	flags |= input != NULL || hold ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0;
	launcher = g_subprocess_launcher_new(flags);
	if (socket != NULL)
		g_subprocess_launcher_setenv(launcher, "VTIER_CONTROL_SOCKET", socket, TRUE);
	else
		g_subprocess_launcher_unsetenv(launcher, "VTIER_CONTROL_SOCKET");
	g_ptr_array_add(argv, exe);
	for (gsize i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	t0 = g_get_monotonic_time();
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	if (hold) {
		g_assert_true(g_subprocess_wait(proc, NULL, &error));
		g_autoptr(GBytes) nothing = g_bytes_new(NULL, 0);

		r->ms = (g_get_monotonic_time() - t0) / 1000;
		g_assert_true(g_subprocess_communicate(proc, nothing, NULL, &out, &err, &error));
	} else {
		g_assert_true(g_subprocess_communicate(proc, input, NULL, &out, &err, &error));
		r->ms = (g_get_monotonic_time() - t0) / 1000;
	}
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc)); /* no crash */
	r->status = g_subprocess_get_exit_status(proc);
	r->out = bytes_text(out);
	r->err = bytes_text(err);
}

static GBytes *text_bytes(const gchar *text)
{
	return g_bytes_new(text, strlen(text));
}

/* The last hook request the stand-in received, parsed. */
static VtierControlRequest *last_request(VtierTestControl *c)
{
	g_autoptr(GPtrArray) lines = vtier_test_control_requests(c);
	const gchar *line;
	g_autoptr(GError) error = NULL;
	VtierControlRequest *req;

	g_assert_cmpuint(lines->len, >, 0);
	line = g_ptr_array_index(lines, lines->len - 1);
	req = vtier_control_request_parse(line, strlen(line), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(req->cmd, ==, VTIER_CONTROL_CMD_HOOK);
	return req;
}

static gint compare_ms(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

static void test_hook_forwards(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	const gchar *xml = "<domain type='kvm'><name>web-01</name><memory>1048576</memory></domain>";
	g_autoptr(GBytes) input = text_bytes(xml);
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
	const gchar *ops[] = { "prepare", "start", "started", "stopped", "release", "migrate",
			       "restore", "reconnect", "attach" };

	for (gsize i = 0; i < G_N_ELEMENTS(ops); i++) {
		g_auto(HookRun) r = { 0 };
		g_autoptr(VtierControlRequest) req = NULL;

		run_hook(&r, c->path, (const gchar *const[]){ "web-01", ops[i], "begin", "-", NULL },
			 input, FALSE);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.out, ==, ""); /* migrate and restore: XML unchanged */
		req = last_request(c);
		g_assert_cmpstr(req->name, ==, "web-01");
		g_assert_cmpstr(req->operation, ==, ops[i]);
		g_assert_cmpstr(req->sub_operation, ==, "begin");
		g_assert_cmpstr(req->extra, ==, "-");
		g_assert_cmpstr(req->xml, ==, xml);
		g_assert_false(req->xml_truncated);
		g_array_append_val(times, r.ms);
	}
	g_array_sort(times, compare_ms);
	g_test_message("hook round trip with vtierd up over %u runs: p50 %" G_GINT64_FORMAT
		       " ms, max %" G_GINT64_FORMAT " ms",
		       times->len, g_array_index(times, gint64, times->len / 2),
		       g_array_index(times, gint64, times->len - 1));
	g_assert_cmpint(g_array_index(times, gint64, times->len - 1), <, HOOK_LIMIT_MS);
}

static void test_hook_refused_prepare(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(HookRun) prepare = { 0 };
	g_auto(HookRun) started = { 0 };

	run_hook(&prepare, c->path, (const gchar *const[]){ "deny-me", "prepare", "begin", "-", NULL },
		 NULL, FALSE);
	g_assert_cmpint(prepare.status, ==, 1);
	g_assert_cmpstr(prepare.out, ==, "");
	g_assert_nonnull(strstr(prepare.err, "not enough fast memory: 40 GiB promised"));
	g_assert_nonnull(strstr(prepare.err, "\\x1b[31m")); /* escaped */
	g_assert_null(strchr(prepare.err, '\x1b'));
	/* allow=false matters only for prepare */
	run_hook(&started, c->path, (const gchar *const[]){ "deny-me", "started", "begin", "-", NULL },
		 NULL, FALSE);
	g_assert_cmpint(started.status, ==, 0);
}

static void test_hook_vtierd_absent(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("vtier-hook-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "control", NULL);
	g_autoptr(GBytes) input = text_bytes("<domain/>");
	g_auto(HookRun) r = { 0 };

	run_hook(&r, path, (const gchar *const[]){ "web-01", "prepare", "begin", "-", NULL }, input,
		 FALSE);
	g_test_message("hook with vtierd down: %" G_GINT64_FORMAT " ms", r.ms);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "");
	g_assert_nonnull(strstr(r.err, "is vtierd running?"));
	g_assert_cmpuint(strchr(r.err, '\n') - r.err + 1, ==, strlen(r.err)); /* one line */
	g_assert_cmpint(r.ms, <, HOOK_LIMIT_MS);
	vtier_test_rm_rf(dir);
}

/* Without $VTIER_CONTROL_SOCKET the hook finds the socket in [daemon] control_socket of
 * vtierd.conf, as vtierd does; a configuration it cannot read never fails the guest: exit 0, the
 * reason in its one line, the default path tried (below the test's own sysroot). */
static void test_hook_socket_from_config(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_autofree gchar *conf = g_build_filename(c->dir, "vtierd.conf", NULL);
	g_autofree gchar *good = g_strdup_printf("[daemon]\ncontrol_socket=%s\n", c->path);
	g_autofree gchar *root = g_dir_make_tmp("vtier-hook-XXXXXX", NULL);
	g_autoptr(GBytes) input = text_bytes("<domain/>");
	const gchar *const args[] = { "cfg-01", "started", "begin", "-", NULL };

	g_setenv("VTIER_CONFIG", conf, TRUE);
	g_setenv("VTIER_SYSROOT", root, TRUE);
	g_assert_true(g_file_set_contents(conf, good, -1, NULL));
	{
		g_auto(HookRun) r = { 0 };
		g_autoptr(VtierControlRequest) req = NULL;

		run_hook(&r, NULL, args, input, FALSE);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.err, ==, "");
		req = last_request(c);
		g_assert_cmpstr(req->name, ==, "cfg-01");
	}
	g_assert_true(g_file_set_contents(conf, "[daemon\ncontrol_socket=x\n", -1, NULL));
	{
		g_auto(HookRun) r = { 0 };

		run_hook(&r, NULL, args, input, FALSE);
		g_test_message("hook with a broken vtierd.conf: %s", r.err);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.out, ==, "");
		g_assert_nonnull(strstr(r.err, "not forwarded"));
		g_assert_nonnull(strstr(r.err, conf));
		g_assert_nonnull(strstr(r.err, "run/vtier/control"));
		g_assert_cmpuint(strchr(r.err, '\n') - r.err + 1, ==, strlen(r.err)); /* one line */
		g_assert_cmpint(r.ms, <, HOOK_LIMIT_MS);
	}
	g_unsetenv("VTIER_CONFIG");
	g_unsetenv("VTIER_SYSROOT");
	vtier_test_rm_rf(root);
}

/* vtierd wedged: its socket accepts connections (the backlog) but nobody ever answers. */
static void test_hook_vtierd_wedged(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("vtier-hook-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "control", NULL);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gint fd = socket(AF_UNIX, SOCK_STREAM, 0);
	g_auto(HookRun) r = { 0 };

	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(fd, 4), ==, 0);
	run_hook(&r, path, (const gchar *const[]){ "web-01", "started", "begin", "-", NULL }, NULL,
		 FALSE);
	g_test_message("hook with vtierd wedged: %" G_GINT64_FORMAT " ms", r.ms);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, "");
	g_assert_nonnull(strstr(r.err, "did not answer"));
	g_assert_cmpint(r.ms, <, HOOK_LIMIT_MS);
	close(fd);
	vtier_test_rm_rf(dir);
}

/* vtierd slow: it answers after 3 s; the hook has long gone. */
static void test_hook_vtierd_slow(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(HookRun) r = { 0 };

	c->hook_delay_ms = 3000;
	run_hook(&r, c->path, (const gchar *const[]){ "web-01", "prepare", "begin", "-", NULL }, NULL,
		 FALSE);
	g_test_message("hook with vtierd slow: %" G_GINT64_FORMAT " ms", r.ms);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpint(r.ms, <, HOOK_LIMIT_MS);
}

static void test_hook_hostile_argv(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_autofree gchar *long_name = g_strnfill(300, 'n');
	g_autofree gchar *huge_name = g_strnfill(5000, 'h');
	const gchar *names[] = { "with space", "quote\"'`$(reboot)", "\xe6\x97\xa5\xe6\x9c\xac",
				 "../../etc/passwd", long_name, "new\nline\x1b[2J", "-", "--help" };
	const gchar *const odd[][5] = {
		{ NULL }, { "", NULL }, { "\xff\xfe", "prepare", NULL }, { "x", NULL },
		{ "x", "", "", "", NULL }, { huge_name, "prepare", "begin", "-", NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_auto(HookRun) r = { 0 };
		g_autoptr(VtierControlRequest) req = NULL;

		run_hook(&r, c->path, (const gchar *const[]){ names[i], "started", "-", "-", NULL },
			 NULL, FALSE);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.out, ==, "");
		req = last_request(c);
		g_assert_cmpstr(req->name, ==, names[i]); /* exactly, for vtierd to look it up */
	}
	for (gsize i = 0; i < G_N_ELEMENTS(odd); i++) {
		g_auto(HookRun) r = { 0 };

		run_hook(&r, c->path, odd[i], NULL, FALSE);
		g_test_message("odd argv %" G_GSIZE_FORMAT ": exit %d, stderr %s", i, r.status, r.err);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.out, ==, "");
		g_assert_null(strchr(r.err, '\x1b'));
	}
}

static void test_hook_hostile_stdin(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_autofree gchar *big = g_strnfill(2 * 1024 * 1024, 'x');
	g_autofree gchar *long_xml = g_strnfill(100 * 1024, 'y');
	const guint8 binary_data[] = { '<', 0, 0xff, 0xfe, '>', 0x1b, 0 };
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) huge = text_bytes(big);
	g_autoptr(GBytes) too_long = text_bytes(long_xml);
	g_autoptr(GBytes) binary = g_bytes_new(binary_data, sizeof(binary_data));
	GBytes *inputs[] = { empty, huge, too_long, binary };
	const gboolean truncated[] = { FALSE, TRUE, TRUE, TRUE };

	for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
		g_auto(HookRun) r = { 0 };
		g_autoptr(VtierControlRequest) req = NULL;

		run_hook(&r, c->path, (const gchar *const[]){ "web-01", "prepare", "begin", "-", NULL },
			 inputs[i], FALSE);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.out, ==, "");
		g_assert_cmpint(r.ms, <, HOOK_LIMIT_MS);
		req = last_request(c);
		g_assert_cmpstr(req->xml, ==, "");
		g_assert_cmpint(req->xml_truncated, ==, truncated[i]);
	}
}

/* A stdin that never ends (libvirt stuck writing): still out within the deadline. */
static void test_hook_stdin_never_closes(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(HookRun) r = { 0 };
	g_autoptr(VtierControlRequest) req = NULL;

	run_hook(&r, c->path, (const gchar *const[]){ "web-01", "prepare", "begin", "-", NULL }, NULL,
		 TRUE);
	g_test_message("hook with a stdin that never closes: %" G_GINT64_FORMAT " ms", r.ms);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpint(r.ms, <, HOOK_LIMIT_MS);
	req = last_request(c);
	g_assert_cmpstr(req->xml, ==, "");
}

/* The hook links GLib and json-glib, never libvirt. */
static void test_hook_no_libvirt(void)
{
	g_autofree gchar *exe = hook_path();
	g_autofree gchar *readelf = g_find_program_in_path("readelf");
	const gchar *argv[] = { readelf, "-d", exe, NULL };
	g_autofree gchar *out = NULL;
	g_autoptr(GError) error = NULL;
	gint status = -1;

	if (readelf == NULL) {
		g_test_skip("readelf is not installed (Debian package binutils)");
		return;
	}
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
				   &out, NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_nonnull(strstr(out, "(NEEDED)"));
	g_assert_nonnull(strstr(out, "libglib-2.0"));
	g_assert_null(strstr(out, "libvirt"));
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	if (g_getenv("VTIER_BUILDDIR") == NULL) {
		g_printerr("VTIER_BUILDDIR is not set (run through make check)\n");
		return 77;
	}
	g_test_add_func("/hook/forwards", test_hook_forwards);
	g_test_add_func("/hook/refused-prepare", test_hook_refused_prepare);
	g_test_add_func("/hook/vtierd-absent", test_hook_vtierd_absent);
	g_test_add_func("/hook/vtierd-wedged", test_hook_vtierd_wedged);
	g_test_add_func("/hook/socket-from-config", test_hook_socket_from_config);
	g_test_add_func("/hook/vtierd-slow", test_hook_vtierd_slow);
	g_test_add_func("/hook/hostile-argv", test_hook_hostile_argv);
	g_test_add_func("/hook/hostile-stdin", test_hook_hostile_stdin);
	g_test_add_func("/hook/stdin-never-closes", test_hook_stdin_never_closes);
	g_test_add_func("/hook/no-libvirt", test_hook_no_libvirt);
	return g_test_run();
}
