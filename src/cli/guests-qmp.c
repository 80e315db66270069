/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/guests-qmp.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/paths.h"
#include "qmp/binding.h"
#include "qmp/guest-source.h"
#include "tiering/options.h"
#include "tiering/topology.h"
#include "virt/guest.h"

/* --slow-nodes LIST: each node must exist on this host (below the sysroot). */
static GArray *parse_slow_nodes(const gchar *list, GError **error)
{
	g_autoptr(GArray) nodes = vtier_parse_id_list(list, "--slow-nodes", error);

	for (guint i = 0; nodes != NULL && i < nodes->len; i++) {
		g_autofree gchar *name = g_strdup_printf("node%u", g_array_index(nodes, guint, i));
		g_autofree gchar *dir = vtier_path_build(VTIER_PATH_NODES, name, NULL);

		if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--slow-nodes %s: this host has no NUMA node %u", list,
				    g_array_index(nodes, guint, i));
			return NULL;
		}
	}
	return g_steal_pointer(&nodes);
}

/* The slow nodes: --slow-nodes when given, else the host's topology (as `vtierctl topology`
 * classifies it, with [topology] of vtierd.conf). No topology, no warnings. */
static GArray *slow_nodes_of(const gchar *list, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_auto(VtierOptions) options = { 0 };
	g_autoptr(VtierTopology) topology = NULL;

	if (list != NULL)
		return parse_slow_nodes(list, error);
	if (vtier_options_load(NULL, NULL, &options, &local))
		topology = vtier_topology_load(&options.topology, &local);
	if (topology == NULL) {
		g_debug("no host topology, so no slow-binding warnings: %s", local->message);
		return g_array_new(FALSE, FALSE, sizeof(guint));
	}
	return vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_SLOW);
}

static gchar *nodes_text(const GArray *nodes)
{
	g_autoptr(GString) s = g_string_new(NULL);
	gboolean empty;

	for (guint i = 0; nodes != NULL && i < nodes->len; i++)
		g_string_append_printf(s, "%s%u", i > 0 ? "," : "", g_array_index(nodes, guint, i));
	empty = s->len == 0;
	return g_string_free(g_steal_pointer(&s), empty);
}

static void print_text(const VtierGuest *g, const GPtrArray *warnings)
{
	g_autofree gchar *name = vtier_escape_terminal(g->name);
	g_autofree gchar *memcg =
		g->memcg_path != NULL ? vtier_escape_terminal(g->memcg_path) : g_strdup("-");

	printf("name:   %s\n", name);
	printf("source: %s\n", vtier_guest_source_to_string(g->source));
	printf("pid:    %d\n", g->pid);
	printf("memory: %" G_GUINT64_FORMAT " MiB\n", g->memory_bytes >> 20);
	printf("memcg:  %s\n", memcg);
	if (g->node_bytes != NULL && g->node_bytes->len > 0) {
		printf("usage: ");
		for (guint i = 0; i < g->node_bytes->len; i++)
			printf(" N%u=%" G_GUINT64_FORMAT " MiB", i,
			       g_array_index(g->node_bytes, guint64, i) >> 20);
		printf("\n");
	}
	for (guint i = 0; i < g->memdevs->len; i++) {
		const VtierGuestMemdev *m = g_ptr_array_index(g->memdevs, i);
		g_autofree gchar *nodes = nodes_text(m->host_nodes);

		printf("memdev: %s %" G_GUINT64_FORMAT " MiB policy=%s host-nodes=%s%s\n",
		       m->backend_id != NULL ? m->backend_id : "-", m->size_bytes >> 20, m->policy,
		       nodes != NULL ? nodes : "any", m->share ? " share" : "");
	}
	for (guint i = 0; warnings != NULL && i < warnings->len; i++)
		printf("warning: %s\n", (const gchar *)g_ptr_array_index(warnings, i));
}

static void print_json(const VtierGuest *g, const GPtrArray *warnings)
{
	g_autoptr(JsonNode) root = vtier_guest_to_json(g);
	g_autoptr(JsonArray) arr = json_array_new();
	g_autofree gchar *text = NULL;

	for (guint i = 0; warnings != NULL && i < warnings->len; i++)
		json_array_add_string_element(arr, g_ptr_array_index(warnings, i));
	json_object_set_array_member(json_node_get_object(root), "warnings",
				     json_array_ref(arr));
	text = json_to_string(root, TRUE);
	printf("%s\n", text);
}

static VtierGuest *probe_socket(const gchar *path, GError **error)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GAsyncResult) res = NULL;
	VtierGuest *guest;

	g_main_context_push_thread_default(ctx);
	vtier_qmp_guest_from_socket_async(path, VTIER_QMP_TIMEOUT_DEFAULT_MS, NULL,
					  vtier_qmp_store_result, &res);
	guest = vtier_qmp_guest_from_socket_finish(vtier_qmp_wait(&res), error);
	/* let the closed connection's cancelled I/O finish */
	while (g_main_context_iteration(ctx, FALSE))
		;
	g_main_context_pop_thread_default(ctx);
	return guest;
}

gboolean vtier_cli_guests_qmp(const gchar *qmp_socket, gint pid, const gchar *slow_nodes,
			      gboolean json, GError **error)
{
	g_autoptr(VtierGuest) guest = NULL;
	g_autoptr(GArray) slow = NULL;
	g_autoptr(GPtrArray) warnings = NULL;

	if ((qmp_socket == NULL) == (pid <= 0)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "give exactly one of --qmp SOCKET and --pid PID");
		return FALSE;
	}
	slow = slow_nodes_of(slow_nodes, error);
	if (slow == NULL)
		return FALSE;
	guest = qmp_socket != NULL ? probe_socket(qmp_socket, error)
				   : vtier_qmp_guest_from_pid(pid, NULL, error);
	if (guest == NULL)
		return FALSE;
	warnings = vtier_qmp_check_slow_binding(guest->memdevs, slow);
	if (json)
		print_json(guest, warnings);
	else
		print_text(guest, warnings);
	return TRUE;
}
