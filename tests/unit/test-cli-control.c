/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vtierctl's daemon verbs (status, top, explain, attach, detach, reload, dump), the real binary
 * against a stand-in vtierd (control-fake.c) on a socket in a temporary directory: output, --json,
 * --socket and VTIER_CONTROL_SOCKET, and the exit statuses of vtierctl(8) (0 ok, 1 vtierd
 * reported a failure, 2 usage, 3 vtierd unreachable). */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "control-fake.h"
#include "vtier-test.h"

typedef struct {
	gint status;
	gchar *out;
	gchar *err;
} CtlRun;

static void ctl_run_clear(CtlRun *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CtlRun, ctl_run_clear)

/* Runs vtierctl @args; @socket (may be NULL) goes to VTIER_CONTROL_SOCKET. */
static void run_ctl(CtlRun *r, const gchar *socket, const gchar *const *args)
{
	g_autofree gchar *exe = g_build_filename(g_getenv("VTIER_BUILDDIR"), "vtierctl", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_auto(GStrv) env = g_get_environ();
	g_autoptr(GError) error = NULL;
	gint wait_status = 0;

	if (socket != NULL)
		env = g_environ_setenv(env, "VTIER_CONTROL_SOCKET", socket, TRUE);
	else
		env = g_environ_unsetenv(env, "VTIER_CONTROL_SOCKET");
	g_ptr_array_add(argv, exe);
	for (gsize i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
				   &r->out, &r->err, &wait_status, &error));
	g_assert_no_error(error);
	g_assert_true(WIFEXITED(wait_status));
	r->status = WEXITSTATUS(wait_status);
}

#define CTL(r, socket, ...) run_ctl((r), (socket), (const gchar *const[]){ __VA_ARGS__, NULL })

/* The status requests @c received, each by its view ("full" when the line has none), are the
 * NULL-terminated @...  */
static void assert_status_views(VtierTestControl *c, ...)
{
	g_autoptr(GPtrArray) requests = vtier_test_control_requests(c);
	va_list ap;
	guint i = 0;

	va_start(ap, c);
	for (const gchar *want = va_arg(ap, const gchar *); want != NULL;
	     want = va_arg(ap, const gchar *), i++) {
		const gchar *line;
		const gchar *view;

		g_assert_cmpuint(i, <, requests->len);
		line = g_ptr_array_index(requests, i);
		view = strstr(line, "\"view\":\"table\"")  ? "table"
		       : strstr(line, "\"view\":\"text\"") ? "text"
							   : "full";
		g_assert_nonnull(strstr(line, "\"cmd\":\"status\""));
		g_assert_cmpstr(view, ==, want);
	}
	va_end(ap);
	g_assert_cmpuint(i, ==, requests->len);
}

static void test_cli_status(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(CtlRun) text = { 0 };
	g_auto(CtlRun) json = { 0 };
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(VtierSnapshot) back = NULL;
	g_autoptr(GError) error = NULL;

	CTL(&text, NULL, "status", "--socket", c->path);
	g_assert_cmpint(text.status, ==, 0);
	g_assert_nonnull(strstr(text.out, "kdamond:  on, pid 777"));
	g_assert_nonnull(strstr(text.out, "evil\\n\\x1b[31mred"));
	g_assert_null(strchr(text.out, '\x1b'));
	/* the socket from the environment; --json is the snapshot as vtierd sent it */
	CTL(&json, c->path, "status", "--json");
	g_assert_cmpint(json.status, ==, 0);
	node = json_from_string(json.out, &error);
	g_assert_no_error(error);
	back = vtier_snapshot_from_json(node, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(back->guests->len, ==, 4);
	g_assert_nonnull(strstr(json.out, "\"memcg_path\"")); /* the whole snapshot */
	assert_status_views(c, "text", "full", NULL);
}

/* A vtierd older than status's "view" refuses it: vtierctl asks again without it. A vtierd older
 * than the "text" view is asked for the table's members, and vtierctl renders them: the text is
 * the same whichever vtierd rendered it. */
static void test_cli_status_old_vtierd(void)
{
	g_auto(CtlRun) text = { 0 };
	g_auto(CtlRun) from_table = { 0 };
	g_auto(CtlRun) from_text = { 0 };
	VtierTestControl *c; /* one at a time: each serves on the default main context */

	c = vtier_test_control_new();
	c->refuse_view = TRUE;
	CTL(&text, c->path, "status");
	g_assert_cmpint(text.status, ==, 0);
	g_assert_nonnull(strstr(text.out, "kdamond:  on, pid 777"));
	assert_status_views(c, "text", "table", "full", NULL);
	vtier_test_control_free(c);
	c = vtier_test_control_new();
	c->refuse_text = TRUE;
	CTL(&from_table, c->path, "status");
	g_assert_cmpint(from_table.status, ==, 0);
	assert_status_views(c, "text", "table", NULL);
	vtier_test_control_free(c);
	c = vtier_test_control_new();
	CTL(&from_text, c->path, "status");
	g_assert_cmpint(from_text.status, ==, 0);
	assert_status_views(c, "text", NULL);
	vtier_test_control_free(c);
	g_assert_cmpstr(from_text.out, ==, from_table.out);
	g_assert_cmpstr(from_text.out, ==, text.out);
}

/* vtierd escapes what its text shows; vtierctl escapes a line that is not printable ASCII again,
 * keeping the backslashes vtierd wrote. */
static void test_cli_status_hostile_text(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(CtlRun) text = {0};

	c->hostile_text = TRUE;
	CTL(&text, c->path, "status");
	g_assert_cmpint(text.status, ==, 0);
	g_assert_cmpstr(text.out, ==, "ok \\x41\n\\x1b[31mred\\u{202e} \\ end\n");
}

static void test_cli_top(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(CtlRun) once = { 0 };
	g_auto(CtlRun) live = { 0 };
	g_auto(CtlRun) bad = { 0 };
	g_auto(GStrv) lines = NULL;

	CTL(&once, c->path, "top", "--once");
	g_assert_cmpint(once.status, ==, 0);
	g_assert_true(g_str_has_prefix(once.out, "vtier  00:00:00 UTC  4 guests"));
	g_assert_nonnull(strstr(once.out, "[########.|........] ramping"));
	lines = g_strsplit(once.out, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 2 + 4 + 1);
	/* not a terminal: refreshes follow each other */
	CTL(&live, c->path, "top", "--count", "2", "--interval", "1");
	g_assert_cmpint(live.status, ==, 0);
	g_assert_nonnull(strstr(strstr(live.out, "vtier  00:00:00") + 1, "vtier  00:00:00"));
	CTL(&bad, c->path, "top", "--interval", "0");
	g_assert_cmpint(bad.status, ==, 2);
}

static void test_cli_explain(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(CtlRun) ok = { 0 };
	g_auto(CtlRun) json = { 0 };
	g_auto(CtlRun) missing = { 0 };
	g_auto(CtlRun) usage = { 0 };

	CTL(&ok, c->path, "explain", "web-01");
	g_assert_cmpint(ok.status, ==, 0);
	g_assert_true(g_str_has_prefix(ok.out, "web-01\n  web-01 is tiered in mode ratio"));
	g_assert_nonnull(strstr(ok.out, "  That quota was hit 3 times"));
	CTL(&json, c->path, "explain", "web-01", "--json");
	g_assert_cmpint(json.status, ==, 0);
	g_assert_nonnull(strstr(json.out, "\"sentences\""));
	/* vtierd's error: exit 1, its message (quoting the hostile name) escaped */
	CTL(&missing, c->path, "explain", "no\x1b[2Jsuch");
	g_assert_cmpint(missing.status, ==, 1);
	g_assert_nonnull(strstr(missing.err, "no guest named \"no\\x1b[2Jsuch\""));
	g_assert_null(strchr(missing.err, '\x1b'));
	CTL(&usage, c->path, "explain");
	g_assert_cmpint(usage.status, ==, 2);
}

static void test_cli_attach(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_autofree gchar *policy = g_build_filename(c->dir, "policy.xml", NULL);
	const gchar *text = "<policy xmlns=\"https://vtier.org/policy/1\" mode=\"ratio\"/>\n";
	g_auto(CtlRun) attach = { 0 };
	g_auto(CtlRun) both = { 0 };
	g_auto(CtlRun) neither = { 0 };
	g_auto(CtlRun) two = { 0 };
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(VtierControlRequest) req = NULL;
	const gchar *line;

	g_assert_true(g_file_set_contents(policy, text, -1, NULL));
	CTL(&attach, c->path, "attach", "batch 1", "--pid", "4242", "--policy", policy);
	g_assert_cmpint(attach.status, ==, 0);
	g_assert_cmpstr(attach.out, ==,
			"attached batch 1 (pid 4242, memory cgroup /vtier.slice/attached.scope)\n");
	lines = vtier_test_control_requests(c);
	line = g_ptr_array_index(lines, lines->len - 1);
	req = vtier_control_request_parse(line, strlen(line), NULL, NULL);
	g_assert_nonnull(req);
	g_assert_cmpstr(req->name, ==, "batch 1");
	g_assert_cmpint(req->pid, ==, 4242);
	g_assert_cmpstr(req->policy, ==, text); /* the file's text is sent */
	CTL(&both, c->path, "attach", "x", "--pid", "1", "--qmp", "/run/q.sock");
	g_assert_cmpint(both.status, ==, 2);
	CTL(&neither, c->path, "attach", "x");
	g_assert_cmpint(neither.status, ==, 2);
	CTL(&two, c->path, "attach", "x", "--qmp", "/q", "--policy", policy, "--template", "gold");
	g_assert_cmpint(two.status, ==, 2);
}

static void test_cli_detach_reload_dump(void)
{
	g_autoptr(VtierTestControl) c = vtier_test_control_new();
	g_auto(CtlRun) detach = { 0 };
	g_auto(CtlRun) unknown = { 0 };
	g_auto(CtlRun) reload = { 0 };
	g_auto(CtlRun) reload_bad = { 0 };
	g_auto(CtlRun) dump = { 0 };
	g_autoptr(JsonNode) node = NULL;

	CTL(&detach, c->path, "detach", "web-01");
	g_assert_cmpint(detach.status, ==, 0);
	g_assert_cmpstr(detach.out, ==, "detached web-01\n");
	CTL(&unknown, c->path, "detach", "ghost");
	g_assert_cmpint(unknown.status, ==, 1);
	g_assert_nonnull(strstr(unknown.err, "no attached guest named \"ghost\""));
	CTL(&reload, c->path, "reload");
	g_assert_cmpint(reload.status, ==, 0);
	c->reload_fails = TRUE;
	CTL(&reload_bad, c->path, "reload");
	g_assert_cmpint(reload_bad.status, ==, 1);
	g_assert_nonnull(strstr(reload_bad.err, "interval_ms: not a number"));
	CTL(&dump, c->path, "dump");
	g_assert_cmpint(dump.status, ==, 0);
	node = json_from_string(dump.out, NULL);
	g_assert_nonnull(node);
	g_assert_true(json_object_has_member(json_node_get_object(node), "snapshot"));
}

/* No vtierd: every daemon verb exits 3 and says so. */
static void test_cli_unreachable(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("vtier-ctl-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "control", NULL);
	const gchar *verbs[][3] = { { "status", NULL }, { "top", "--once", NULL },
				    { "explain", "x", NULL }, { "detach", "x", NULL },
				    { "reload", NULL }, { "dump", NULL } };

	for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++) {
		g_auto(CtlRun) r = { 0 };

		run_ctl(&r, path, verbs[i]);
		g_assert_cmpint(r.status, ==, 3);
		g_assert_nonnull(strstr(r.err, "cannot reach vtierd at "));
		g_assert_nonnull(strstr(r.err, "(is vtierd running?)"));
	}
	vtier_test_rm_rf(dir);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	if (g_getenv("VTIER_BUILDDIR") == NULL) {
		g_printerr("VTIER_BUILDDIR is not set (run through make check)\n");
		return 77;
	}
	g_test_add_func("/cli-control/status", test_cli_status);
	g_test_add_func("/cli-control/status/old-vtierd", test_cli_status_old_vtierd);
	g_test_add_func("/cli-control/status/hostile-text", test_cli_status_hostile_text);
	g_test_add_func("/cli-control/top", test_cli_top);
	g_test_add_func("/cli-control/explain", test_cli_explain);
	g_test_add_func("/cli-control/attach", test_cli_attach);
	g_test_add_func("/cli-control/detach-reload-dump", test_cli_detach_reload_dump);
	g_test_add_func("/cli-control/unreachable", test_cli_unreachable);
	return g_test_run();
}
