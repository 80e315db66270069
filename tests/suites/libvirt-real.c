/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Driven by tests/suites/libvirt.sh against a real libvirtd with real QEMU guests:
 *
 *   libvirt-real --uri URI --keep NAME [--kill NAME] [--restart CMD]
 *
 * 1. discovers the running guests through VtierVirtConnection (GLib-driven libvirt events);
 * 2. for --keep: its real QEMU pid and memory cgroup, memory.numa_stat, query-memdev through
 *    libvirt's QMP passthrough;
 * 3. with --restart: runs CMD (which stops libvirtd, kills the --kill guest's QEMU behind its back
 *    and starts libvirtd again) while the main loop runs, and checks that vtier reconnects, that
 *    the kept guest is still known exactly once with the same pid, and that the killed one is
 *    reported removed.
 * Prints TAP-like "ok - ..." / "not ok - ..." lines and "observed: ..." facts. */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt-qemu.h>
#include <stdio.h>

#include "common/error.h"
#include "common/paths.h"
#include "virt/connection.h"
#include "virt/memcg.h"

typedef struct {
	GHashTable *added;   /* name → count */
	GHashTable *removed; /* name → count */
	guint ups;
	guint downs;
	gboolean restart_done;
	gint restart_status;
} State;

static guint failures;

static void check(gboolean ok, const gchar *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	fflush(stdout);
	if (!ok)
		failures++;
}

static guint count(GHashTable *table, const gchar *name)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(table, name));
}

static void bump(GHashTable *table, const gchar *name)
{
	g_hash_table_insert(table, g_strdup(name), GUINT_TO_POINTER(count(table, name) + 1));
}

static void on_added(VtierVirtConnection *c, const VtierGuest *g, gpointer data)
{
	printf("event: added %s (pid %d)\n", g->name, g->pid);
	bump(((State *)data)->added, g->name);
}

static void on_changed(VtierVirtConnection *c, const VtierGuest *g, gpointer data)
{
	printf("event: changed %s (pid %d)\n", g->name, g->pid);
}

static void on_removed(VtierVirtConnection *c, const VtierGuest *g, gpointer data)
{
	printf("event: removed %s\n", g->name);
	bump(((State *)data)->removed, g->name);
}

static void on_connection(VtierVirtConnection *c, gboolean up, gpointer data)
{
	State *s = data;

	printf("event: connection %s\n", up ? "up" : "down");
	if (up)
		s->ups++;
	else
		s->downs++;
}

typedef gboolean (*Predicate)(VtierVirtConnection *conn, State *s, gconstpointer data);

static gboolean expired_cb(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean wait_until(VtierVirtConnection *conn, State *s, Predicate p, gconstpointer data,
			   guint seconds)
{
	gboolean expired = FALSE;
	guint id = g_timeout_add_seconds(seconds, expired_cb, &expired);

	while (!p(conn, s, data) && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
	return p(conn, s, data);
}

static gboolean has_guest(VtierVirtConnection *conn, State *s, gconstpointer name)
{
	return vtier_virt_connection_lookup(conn, name) != NULL;
}

static gboolean lacks_guest(VtierVirtConnection *conn, State *s, gconstpointer name)
{
	return vtier_virt_connection_lookup(conn, name) == NULL;
}

static gboolean restarted(VtierVirtConnection *conn, State *s, gconstpointer data)
{
	return s->restart_done && s->downs > 0 && vtier_virt_connection_is_connected(conn) &&
	       vtier_virt_connection_get_n_connects(conn) >= 2;
}

static void check_pid_and_memcg(const VtierGuest *g)
{
	g_autofree gchar *pid_file_s = g_strdup_printf("%d", g->pid);
	g_autofree gchar *cmdline_path = vtier_path_build(VTIER_PATH_PROCFS, pid_file_s, "cmdline", NULL);
	g_autofree gchar *cmdline = NULL;
	gsize len = 0;
	gint pid_file = 0;
	g_autoptr(GError) error = NULL;

	printf("observed: guest %s uuid %s id %d memory %" G_GUINT64_FORMAT " bytes\n", g->name,
	       g->uuid, g->id, g->memory_bytes);
	printf("observed: pid %d\n", g->pid);
	printf("observed: memcg %s\n", g->memcg_path != NULL ? g->memcg_path : "(none)");
	check(vtier_memcg_read_libvirt_pid(g->name, &pid_file, &error) && pid_file == g->pid,
	      "pid equals libvirt's pid file");
	if (g_file_get_contents(cmdline_path, &cmdline, &len, NULL)) {
		for (gsize i = 0; i + 1 < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
	}
	check(cmdline != NULL && strstr(cmdline, "qemu-system") != NULL &&
		      strstr(cmdline, g->name) != NULL,
	      "the pid is the guest's QEMU process");
	check(g->memcg_path != NULL && strstr(g->memcg_path, g->name) != NULL,
	      "the memcg names the guest");
}

static void check_numa_stat(const VtierGuest *g)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) nodes = NULL;
	VtierCgroupVersion version = vtier_memcg_host_version();
	guint64 total = 0;
	gboolean ok = g->memcg_path != NULL &&
		      vtier_memcg_read_numa_stat(version, g->memcg_path, &nodes, &error);

	if (!ok) {
		printf("# %s\n", error != NULL ? error->message : "no memcg");
		check(FALSE, "memory.numa_stat read");
		return;
	}
	printf("observed: memory.numa_stat (cgroup %s):", vtier_cgroup_version_to_string(version));
	for (guint i = 0; i < nodes->len; i++) {
		printf(" N%u=%" G_GUINT64_FORMAT, i, g_array_index(nodes, guint64, i));
		total += g_array_index(nodes, guint64, i);
	}
	printf(" bytes\n");
	check(total > 0 && total <= g->memory_bytes + (256u << 20),
	      "memory.numa_stat shows the guest's memory on host nodes");
}

static void check_query_memdev(VtierVirtConnection *conn, const VtierGuest *g)
{
	g_autoptr(virDomain) dom =
		virDomainLookupByName(vtier_virt_connection_get_virconnect(conn), g->name);
	g_autoptr(JsonParser) parser = json_parser_new();
	char *reply = NULL;
	gboolean ok = FALSE;

	if (dom != NULL &&
	    virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-memdev\"}", &reply, 0) == 0) {
		printf("observed: query-memdev %s\n", reply);
		if (json_parser_load_from_data(parser, reply, -1, NULL)) {
			JsonObject *obj = json_node_get_object(json_parser_get_root(parser));
			JsonArray *ret = json_object_get_array_member(obj, "return");
			JsonObject *m0 = json_array_get_length(ret) > 0
						 ? json_array_get_object_element(ret, 0)
						 : NULL;

			ok = m0 != NULL &&
			     (guint64)json_object_get_int_member(m0, "size") == g->memory_bytes;
		}
	} else {
		printf("# query-memdev: %s\n", vtier_virt_last_error());
	}
	g_free(reply);
	check(ok, "query-memdev through libvirt passthrough reports the guest's RAM backend");
}

static void restart_finished(GObject *source, GAsyncResult *res, gpointer data)
{
	State *s = data;
	g_autoptr(GError) error = NULL;

	if (!g_subprocess_wait_finish(G_SUBPROCESS(source), res, &error))
		s->restart_status = -1;
	else
		s->restart_status = g_subprocess_get_exit_status(G_SUBPROCESS(source));
	s->restart_done = TRUE;
}

static void run_restart(VtierVirtConnection *conn, State *s, const gchar *cmd, const gchar *keep,
			const gchar *kill, gint pid_before)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) proc =
		g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, "/bin/sh", "-c", cmd, NULL);
	const VtierGuest *g;
	GPtrArray *guests;
	guint n_keep = 0;

	if (proc == NULL) {
		check(FALSE, error->message);
		return;
	}
	g_subprocess_wait_async(proc, NULL, restart_finished, s);
	check(wait_until(conn, s, restarted, NULL, 90) && s->restart_status == 0,
	      "libvirtd restarted: vtier saw the connection drop and reconnected");
	printf("observed: reconnects %u (connection down %u, up %u)\n",
	       vtier_virt_connection_get_n_connects(conn) - 1, s->downs, s->ups);
	guests = vtier_virt_connection_get_guests(conn);
	for (guint i = 0; i < guests->len; i++)
		n_keep += g_strcmp0(((VtierGuest *)g_ptr_array_index(guests, i))->name, keep) == 0;
	g = vtier_virt_connection_lookup(conn, keep);
	check(n_keep == 1 && g != NULL && g->pid == pid_before,
	      "the running guest is re-found once, with the same pid");
	check(count(s->added, keep) == 1 && count(s->removed, keep) == 0,
	      "the running guest was neither re-added nor removed");
	if (kill != NULL) {
		/* libvirtd may list it until its reconnect thread has found the QEMU gone */
		check(wait_until(conn, s, lacks_guest, kill, 30) && count(s->removed, kill) == 1,
		      "the guest that died while libvirtd was down is removed");
	}
}

int main(int argc, char **argv)
{
	g_autofree gchar *uri = NULL;
	g_autofree gchar *keep = NULL;
	g_autofree gchar *kill = NULL;
	g_autofree gchar *restart = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- vtier against a real libvirtd");
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierVirtConnection) conn = NULL;
	State s = { 0 };
	const GOptionEntry entries[] = {
		{ "uri", 0, 0, G_OPTION_ARG_STRING, &uri, "libvirt URI", "URI" },
		{ "keep", 0, 0, G_OPTION_ARG_STRING, &keep, "guest that keeps running", "NAME" },
		{ "kill", 0, 0, G_OPTION_ARG_STRING, &kill, "guest killed during the restart", "NAME" },
		{ "restart", 0, 0, G_OPTION_ARG_STRING, &restart, "command restarting libvirtd", "CMD" },
		G_OPTION_ENTRY_NULL,
	};
	VtierVirtOptions opts = { .resolve_memcg = TRUE, .backoff_min_ms = 200,
				  .backoff_max_ms = 2000 };
	const VtierVirtCallbacks cbs = { on_added, on_changed, on_removed, on_connection };
	const VtierGuest *g;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || keep == NULL) {
		fprintf(stderr, "%s\n", error != NULL ? error->message : "--keep NAME is required");
		return 2;
	}
	s.added = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s.removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	conn = vtier_virt_connection_new(uri, &opts, &cbs, &s);
	check(vtier_virt_connection_start(conn, &error), "connected to libvirtd");
	if (error != NULL)
		printf("# %s\n", error->message);
	check(wait_until(conn, &s, has_guest, keep, 30), "the running guest is discovered");
	g = vtier_virt_connection_lookup(conn, keep);
	if (g != NULL) {
		gint pid = g->pid;

		check_pid_and_memcg(g);
		check_numa_stat(g);
		check_query_memdev(conn, g);
		if (kill != NULL)
			check(vtier_virt_connection_lookup(conn, kill) != NULL,
			      "the second guest is discovered");
		if (restart != NULL)
			run_restart(conn, &s, restart, keep, kill, pid);
	}
	g_hash_table_unref(s.added);
	g_hash_table_unref(s.removed);
	printf("libvirt-real: %u failed\n", failures);
	return failures == 0 ? 0 : 1;
}
