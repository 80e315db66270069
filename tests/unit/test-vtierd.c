/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The built vtierd as a process (dry run, no libvirt, the AMD Turin + CXL fixture as its sysroot)
 * with the built vtierctl and hook beside it, as tests/faults/lib.sh runs them but within make
 * check: the control socket set only by [daemon] control_socket of the configuration vtierd reads
 * by default ($VTIER_CONFIG) is the one vtierctl and the hook reach; systemd's readiness
 * notifications through a stand-in NOTIFY_SOCKET. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/control.h"
#include "vtier-test.h"

typedef struct {
	gchar *dir; /* the test's folder: the configuration, the socket, the log */
	VtierTestSysroot *sysroot;
	const gchar *root;
	gchar *conf;
	gchar *socket;
	gchar *log;
	GPid pid;
} Vtierd;

typedef struct {
	gint status;
	gchar *out;
	gchar *err;
} Run;

static void run_clear(Run *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* The environment every program of the test gets: the configuration found through the path
 * store's $VTIER_CONFIG and no $VTIER_CONTROL_SOCKET, so only the key names the socket. */
static gchar **test_environ(const Vtierd *d)
{
	g_auto(GStrv) env = g_get_environ();
	g_autofree gchar *policies = g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);

	env = g_environ_unsetenv(env, "VTIER_CONTROL_SOCKET");
	env = g_environ_unsetenv(env, "VTIER_SYSROOT");
	env = g_environ_unsetenv(env, "NOTIFY_SOCKET");
	env = g_environ_setenv(env, "VTIER_CONFIG", d->conf, TRUE);
	env = g_environ_setenv(env, "VTIER_POLICY_DIR", policies, TRUE);
	return g_steal_pointer(&env);
}

/* A program of the build tree, by its path in it. */
static gchar *built(const gchar *relpath)
{
	return g_build_filename(g_getenv("VTIER_BUILDDIR"), relpath, NULL);
}

static void vtierd_init(Vtierd *d)
{
	g_autofree gchar *text = NULL;

	d->dir = g_dir_make_tmp("vtier-vtierd-XXXXXX", NULL);
	g_assert_nonnull(d->dir);
	d->sysroot = vtier_test_sysroot_new("amd-turin-cxl");
	d->root = d->sysroot->root;
	vtier_test_write_file(d->root, "sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
	d->conf = g_build_filename(d->dir, "vtierd.conf", NULL);
	d->socket = g_build_filename(d->dir, "elsewhere", "control", NULL);
	d->log = g_build_filename(d->dir, "vtierd.log", NULL);
	text = g_strdup_printf("[daemon]\ncontrol_socket=%s\n[metrics]\nlisten=off\n", d->socket);
	g_assert_true(g_file_set_contents(d->conf, text, -1, NULL));
}

/* vtierd dies with the test, even when an assertion aborts it. */
static void die_with_parent(gpointer user_data)
{
	(void)user_data;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts vtierd with @env and waits (10 s at most: a sanitizer build starts slowly) until it
 * answers a ping at d->socket. */
static void vtierd_start(Vtierd *d, gchar **env)
{
	g_autofree gchar *exe = built("vtierd");
	const gchar *argv[] = {exe,	"--dry-run", "--foreground", "--debug", "--sysroot",
			       d->root, "--connect", "none",	     NULL};
	g_autoptr(GError) error = NULL;
	gint log_fd = g_open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	g_assert_cmpint(log_fd, >=, 0);
	g_assert_true(g_spawn_async_with_fds(NULL, (gchar **)argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
					     die_with_parent, NULL, &d->pid, -1, log_fd, log_fd,
					     &error));
	g_assert_no_error(error);
	close(log_fd);
	for (;;) {
		g_autoptr(VtierControlRequest) req =
		    vtier_control_request_new(VTIER_CONTROL_CMD_PING);
		g_autoptr(JsonNode) result = NULL;

		if (vtier_control_call(d->socket, req, 1000, &result, NULL))
			return;
		g_assert_cmpint(waitpid(d->pid, NULL, WNOHANG), ==, 0); /* still running */
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(50 * 1000);
	}
}

/* Stops vtierd with @signal and returns its exit status. */
static gint vtierd_stop(Vtierd *d, gint signal)
{
	gint status = 0;

	if (d->pid == 0)
		return -1;
	g_assert_cmpint(kill(d->pid, signal), ==, 0);
	g_assert_cmpint(waitpid(d->pid, &status, 0), ==, d->pid);
	g_spawn_close_pid(d->pid);
	d->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void vtierd_clear(Vtierd *d)
{
	if (d->pid != 0)
		vtierd_stop(d, SIGKILL);
	if (d->dir != NULL)
		vtier_test_rm_rf(d->dir);
	g_free(d->dir);
	vtier_test_sysroot_free(d->sysroot);
	g_free(d->conf);
	g_free(d->socket);
	g_free(d->log);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Vtierd, vtierd_clear)

static void run(Run *r, gchar **env, const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	gint wait_status = 0;

	g_assert_true(g_spawn_sync(NULL, (gchar **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &r->out,
				   &r->err, &wait_status, &error));
	g_assert_no_error(error);
	g_assert_true(WIFEXITED(wait_status));
	r->status = WEXITSTATUS(wait_status);
	g_test_message("%s: exit %d, stderr: %s", argv[0], r->status, r->err);
}

/* Only the configuration names the socket: vtierd listens there, and vtierctl and the hook,
 * reading the same file, reach it. */
static void test_socket_from_config(void)
{
	g_auto(Vtierd) d = {0};
	g_auto(GStrv) env = NULL;
	g_autofree gchar *ctl = built("vtierctl");
	g_autofree gchar *hook = built("virt-hooks/vtier-hook");
	g_autofree gchar *log = NULL;
	g_auto(Run) status = {0};
	g_auto(Run) hooked = {0};

	vtierd_init(&d);
	env = test_environ(&d);
	vtierd_start(&d, env);
	run(&status, env, (const gchar *const[]){ctl, "status", "--json", NULL});
	g_assert_cmpint(status.status, ==, 0);
	g_assert_nonnull(strstr(status.out, "\"guests\""));
	run(&hooked, env, (const gchar *const[]){hook, "cfg-guest", "prepare", "begin", "-", NULL});
	g_assert_cmpint(hooked.status, ==, 0);
	/* vtierd's own answer (no XML came with this call), not "not forwarded" */
	g_assert_nonnull(strstr(hooked.err, "no domain XML reached vtierd"));
	g_assert_null(strstr(hooked.err, "not forwarded"));
	g_assert_cmpint(vtierd_stop(&d, SIGTERM), ==, 0);
	g_assert_true(g_file_get_contents(d.log, &log, NULL, NULL));
	g_assert_nonnull(strstr(log, "hook: cfg-guest prepare"));
}

/* A stand-in for systemd's notification socket: a datagram socket the test reads. */
static gint notify_socket_new(const gchar *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gint fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	return fd;
}

/* The next notification vtierd sent (10 s at most), as text. */
static gchar *notify_next(gint fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	gchar buf[4096];
	gssize n;

	g_assert_cmpint(poll(&pfd, 1, 10000), ==, 1);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	g_assert_cmpint(n, >, 0);
	return g_strndup(buf, (gsize)n);
}

static void assert_notified(gint fd, const gchar *expected)
{
	g_autofree gchar *state = notify_next(fd);

	g_test_message("NOTIFY_SOCKET got %s", state);
	g_assert_cmpstr(state, ==, expected);
}

/* sd_notify(3) as vtierd's unit file (Type=notify) expects it: READY=1 once it serves its control
 * socket, RELOADING=1 then READY=1 around a SIGHUP, STOPPING=1 on SIGTERM. */
static void test_notify(void)
{
	g_auto(Vtierd) d = {0};
	g_auto(GStrv) env = NULL;
	g_autofree gchar *path = NULL;
	gint fd;

	vtierd_init(&d);
	path = g_build_filename(d.dir, "notify", NULL);
	fd = notify_socket_new(path);
	env = test_environ(&d);
	env = g_environ_setenv(env, "NOTIFY_SOCKET", path, TRUE);
	vtierd_start(&d, env);
	assert_notified(fd, "READY=1");
	g_assert_cmpint(kill(d.pid, SIGHUP), ==, 0);
	assert_notified(fd, "RELOADING=1");
	assert_notified(fd, "READY=1");
	g_assert_cmpint(vtierd_stop(&d, SIGTERM), ==, 0);
	assert_notified(fd, "STOPPING=1");
	close(fd);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	if (g_getenv("VTIER_BUILDDIR") == NULL) {
		g_printerr("VTIER_BUILDDIR is not set (run through make check)\n");
		return 77;
	}
	g_test_add_func("/vtierd/socket-from-config", test_socket_from_config);
	g_test_add_func("/vtierd/notify", test_notify);
	return g_test_run();
}
