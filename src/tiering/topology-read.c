/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-topology"

#include "config.h"

#include <numa.h>
#include <stdio.h>
#include <string.h>

#include "common/dl.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "tiering/topology-private.h"

/* Reads the topology from the kernel, below the sysroot. Every error names the file (as the host
 * would spell it) and the offending value. */

static gboolean read_id_list(gchar *path, GArray **ret, GError **error)
{
	g_autofree gchar *owned = path;
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autofree gchar *text = NULL;

	if (!vtier_file_read_trimmed(path, &text, error))
		return FALSE;
	*ret = vtier_parse_id_list(text, host, error);
	return *ret != NULL;
}

static gboolean read_distances(VtierNode *node, const GArray *online, GError **error)
{
	g_autofree gchar *name = g_strdup_printf("node%u", node->id);
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_NODES, name, "distance", NULL);
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) fields = NULL;

	if (!vtier_file_read_trimmed(path, &text, error))
		return FALSE;
	fields = g_strsplit_set(text, " \t\n", -1);
	for (guint i = 0, n = 0; fields[i] != NULL; i++) {
		guint64 value;

		if (fields[i][0] == '\0')
			continue;
		if (n >= online->len) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "%s: \"%s\" has more entries than the %u online nodes", host,
				    text, online->len);
			return FALSE;
		}
		if (!vtier_parse_u64(fields[i], host, &value, error))
			return FALSE;
		if (value >= VTIER_DISTANCE_UNKNOWN) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "%s: distance \"%s\" is out of range", host, fields[i]);
			return FALSE;
		}
		vtier_node_set_distance(node, g_array_index(online, guint, n++), (guint)value);
		if (fields[i + 1] == NULL && n != online->len) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "%s: \"%s\" has %u entries for %u online nodes", host, text, n,
				    online->len);
			return FALSE;
		}
	}
	if (node->distances->len == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: empty", host);
		return FALSE;
	}
	return TRUE;
}

/* "Node 0 MemTotal:  5990604 kB" */
static gboolean meminfo_value(const gchar *text, const gchar *host, const gchar *key,
			      guint64 *ret, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
		g_autoptr(GPtrArray) words = g_ptr_array_new();
		guint64 kib;

		for (guint j = 0; f[j] != NULL; j++) {
			if (f[j][0] != '\0')
				g_ptr_array_add(words, f[j]);
		}
		if (words->len < 4 || g_strcmp0(g_ptr_array_index(words, 2), key) != 0)
			continue;
		if (!vtier_parse_u64(g_ptr_array_index(words, 3), host, &kib, error))
			return FALSE;
		*ret = kib * 1024;
		return TRUE;
	}
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: no \"%s\" line", host, key);
	return FALSE;
}

static gboolean read_meminfo(VtierNode *node, GError **error)
{
	g_autofree gchar *name = g_strdup_printf("node%u", node->id);
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_NODES, name, "meminfo", NULL);
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autofree gchar *text = NULL;

	if (!vtier_file_read(path, &text, error))
		return FALSE;
	return meminfo_value(text, host, "MemTotal:", &node->total_bytes, error) &&
	       meminfo_value(text, host, "MemFree:", &node->free_bytes, error);
}

static VtierNode *read_node(guint id, const GArray *online, GError **error)
{
	g_autoptr(VtierNode) node = vtier_node_new(id);
	g_autofree gchar *name = g_strdup_printf("node%u", id);
	g_autoptr(GArray) cpus = NULL;

	if (!read_id_list(vtier_path_build(VTIER_PATH_NODES, name, "cpulist", NULL), &cpus, error))
		return NULL;
	g_array_append_vals(node->cpus, cpus->data, cpus->len);
	if (!read_distances(node, online, error) || !read_meminfo(node, error))
		return NULL;
	node->has_memory = node->total_bytes > 0;
	return g_steal_pointer(&node);
}

/* memory_tierN/nodelist for every tier; a missing memory_tiering directory means no tiers. */
static gboolean read_memory_tiers(VtierTopology *topology, GError **error)
{
	g_autofree gchar *dir_path = vtier_path_build(VTIER_PATH_MEMORY_TIERS, NULL);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const gchar *entry;

	while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
		g_autoptr(GArray) ids = NULL;
		guint64 tier;

		if (!g_str_has_prefix(entry, "memory_tier") ||
		    !vtier_parse_u64(entry + strlen("memory_tier"), entry, &tier, NULL) ||
		    tier > G_MAXINT)
			continue;
		if (!read_id_list(
			vtier_path_build(VTIER_PATH_MEMORY_TIERS, entry, "nodelist", NULL), &ids,
			error))
			return FALSE;
		topology->has_memory_tiers = TRUE;
		for (guint i = 0; i < ids->len; i++) {
			VtierNode *node = (VtierNode *)vtier_topology_get_node(
				topology, g_array_index(ids, guint, i));
			if (node != NULL)
				node->memory_tier = (gint)tier;
		}
	}
	return TRUE;
}

static gboolean read_has_memory(VtierTopology *topology, GError **error)
{
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_NODES, "has_memory", NULL);
	g_autoptr(GArray) ids = NULL;

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE; /* MemTotal > 0 decides */
	if (!read_id_list(g_steal_pointer(&path), &ids, error))
		return FALSE;
	for (guint i = 0; i < topology->nodes->len; i++) {
		VtierNode *node = g_ptr_array_index(topology->nodes, i);
		gboolean listed = FALSE;

		for (guint j = 0; j < ids->len; j++)
			listed = listed || g_array_index(ids, guint, j) == node->id;
		node->has_memory = listed;
	}
	return TRUE;
}


/* kernel.numa_balancing and demotion_enabled; absent files (kernels without the feature) leave
 * them unknown, malformed ones are errors. */
static gboolean read_kernel_tiering(VtierTopology *topology, GError **error)
{
	g_autofree gchar *nb =
	    vtier_path_build(VTIER_PATH_SYSCTL, "kernel", "numa_balancing", NULL);
	g_autofree gchar *de = vtier_path_build(VTIER_PATH_SYSFS, "kernel", "mm", "numa",
						"demotion_enabled", NULL);
	g_autofree gchar *de_host = vtier_path_to_host(de);
	g_autofree gchar *text = NULL;
	guint64 mode;

	if (g_file_test(nb, G_FILE_TEST_EXISTS)) {
		if (!vtier_file_read_u64(nb, &mode, error))
			return FALSE;
		topology->numa_balancing = (gint)MIN(mode, G_MAXINT);
	}
	if (!g_file_test(de, G_FILE_TEST_EXISTS))
		return TRUE;
	if (!vtier_file_read_trimmed(de, &text, error))
		return FALSE;
	if (g_strcmp0(text, "true") != 0 && g_strcmp0(text, "false") != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: \"%s\" is not true or false", de_host, text);
		return FALSE;
	}
	topology->demotion_enabled = g_strcmp0(text, "true") == 0;
	return TRUE;
}

/* libnuma is loaded at run time (common/dl.h): linked, its constructor read sysfs and /proc at
 * every vtier program's start, `vtierctl status` included, and only a real host's topology
 * reads it. */
#define NUMA_SYMBOLS(X)                                                                            \
	X(numa_available)                                                                          \
	X(numa_distance)                                                                           \
	X(numa_node_size64)

/* tests/unit/topology.mk builds a copy pointed at a library that does not exist */
#ifndef VTIER_LIBNUMA_LOAD_SONAME
#define VTIER_LIBNUMA_LOAD_SONAME VTIER_LIBNUMA_SONAME
#endif

#define NUMA_DEFINE(name) static typeof(name) *sym_##name;
NUMA_SYMBOLS(NUMA_DEFINE)
#undef NUMA_DEFINE

static gboolean numa_load(GError **error)
{
#define NUMA_ENTRY(name) {#name, (gpointer *)&sym_##name},
	static const VtierDlSymbol symbols[] = {NUMA_SYMBOLS(NUMA_ENTRY)};
#undef NUMA_ENTRY
	static const VtierDlLibrary library = {VTIER_LIBNUMA_LOAD_SONAME, "libnuma1", symbols,
					       G_N_ELEMENTS(symbols)};
	static VtierDlOnce state;

	return vtier_dl_load_once(&state, &library, 1, error);
}

/* On the real machine, libnuma gives capacity and free memory (the same kernel numbers, through
 * the library the rest of the system uses) and its distances cross-check sysfs; it cannot be
 * pointed at a fixture, so it is skipped for any other sysroot. Disagreements become notes; so
 * does a libnuma that cannot be loaded (the capacity then comes from sysfs). */
static void read_libnuma(VtierTopology *topology)
{
	g_autoptr(GArray) totals = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autoptr(GArray) frees = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autoptr(GError) error = NULL;

	if (!vtier_paths_is_real_root())
		return;
	if (!numa_load(&error)) {
		vtier_topology_add_note(topology, g_strdup_printf("%s; capacity from sysfs meminfo",
								  error->message));
		return;
	}
	if (sym_numa_available() < 0)
		return;
	for (guint i = 0; i < topology->nodes->len; i++) {
		VtierNode *node = g_ptr_array_index(topology->nodes, i);
		long long free_bytes = 0;
		long long total = sym_numa_node_size64((int)node->id, &free_bytes);

		if (total < 0) {
			vtier_topology_add_note(
			    topology, g_strdup_printf("libnuma cannot size node %u; capacity "
						      "from sysfs meminfo",
						      node->id));
			return;
		}
		g_array_append_val(totals, total);
		g_array_append_val(frees, free_bytes);
		for (guint j = 0; j < topology->nodes->len; j++) {
			const VtierNode *to = g_ptr_array_index(topology->nodes, j);
			guint mine = vtier_topology_distance(topology, node->id, to->id);
			int theirs = sym_numa_distance((int)node->id, (int)to->id);

			if (theirs > 0 && (guint)theirs != mine)
				vtier_topology_add_note(
					topology, g_strdup_printf("libnuma says distance %u->%u is "
								  "%d, sysfs %u (sysfs used)",
								  node->id, to->id, theirs, mine));
		}
	}
	for (guint i = 0; i < topology->nodes->len; i++) {
		VtierNode *node = g_ptr_array_index(topology->nodes, i);
		node->total_bytes = g_array_index(totals, guint64, i);
		node->free_bytes = g_array_index(frees, guint64, i);
	}
	g_free(topology->capacity_source);
	topology->capacity_source = g_strdup("libnuma");
}

static VtierTopology *read_topology(GError **error)
{
	g_autoptr(VtierTopology) topology = vtier_topology_new();
	g_autoptr(GArray) online = NULL;

	if (!read_id_list(vtier_path_build(VTIER_PATH_NODES, "online", NULL), &online, error))
		return NULL;
	if (online->len == 0) {
		g_autofree gchar *host = vtier_path_build_host(VTIER_PATH_NODES, "online", NULL);
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: no online node", host);
		return NULL;
	}
	g_free(topology->capacity_source);
	topology->capacity_source = g_strdup("sysfs meminfo");
	for (guint i = 0; i < online->len; i++) {
		VtierNode *node = read_node(g_array_index(online, guint, i), online, error);
		if (node == NULL)
			return NULL;
		vtier_topology_add_node(topology, node);
	}
	if (!read_has_memory(topology, error) || !read_memory_tiers(topology, error) ||
	    !vtier_topology_read_ranges(topology, error) || !read_kernel_tiering(topology, error))
		return NULL;
	return g_steal_pointer(&topology);
}

static void add_load_notes(VtierTopology *topology)
{
	if (topology->iomem_hidden) {
		g_autofree gchar *iomem = vtier_path_build_host(VTIER_PATH_IOMEM, NULL);
		vtier_topology_add_note(topology,
					g_strdup_printf("%s shows no addresses (not root): ranges "
							"are online memory blocks, not checked "
							"against System RAM",
							iomem));
	}
	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *node = g_ptr_array_index(topology->nodes, i);

		guint64 ranges = vtier_node_range_bytes(node);

		if (!topology->iomem_hidden &&
		    ranges > node->total_bytes + node->total_bytes / 10 &&
		    ranges - node->total_bytes > 256 * 1024 * 1024) {
			g_autofree gchar *r = vtier_format_gib(ranges);
			g_autofree gchar *t = vtier_format_gib(node->total_bytes);
			vtier_topology_add_note(
			    topology, g_strdup_printf("node %u: its ranges span %s but MemTotal is "
						      "%s (ballooned, reserved or hot-unplugged "
						      "memory): DAMON regions cover the whole span",
						      node->id, r, t));
		}
		if (node->n_offline_blocks > 0)
			vtier_topology_add_note(
				topology, g_strdup_printf("node %u: %u memory block(s) offline, "
							  "left out of its ranges",
							  node->id, node->n_offline_blocks));
	}
}

void vtier_topology_options_clear(VtierTopologyOptions *options)
{
	g_clear_pointer(&options->fast_nodes, g_free);
	g_clear_pointer(&options->slow_nodes, g_free);
}

gboolean vtier_topology_options_check(const VtierTopologyOptions *options, GError **error)
{
	g_autoptr(GArray) fast = NULL;
	g_autoptr(GArray) slow = NULL;
	g_autoptr(GError) local = NULL;

	fast = vtier_parse_id_list(options->fast_nodes != NULL ? options->fast_nodes : "",
				   "[topology] fast_nodes", &local);
	if (fast != NULL)
		slow = vtier_parse_id_list(options->slow_nodes != NULL ? options->slow_nodes : "",
					   "[topology] slow_nodes", &local);
	if (slow == NULL) {
		/* a bad value in the admin's configuration, not in a kernel file */
		g_set_error_literal(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    local->message);
		return FALSE;
	}
	for (guint i = 0; i < fast->len; i++) {
		for (guint j = 0; j < slow->len; j++) {
			if (g_array_index(fast, guint, i) != g_array_index(slow, guint, j))
				continue;
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "[topology] node %u is in both fast_nodes and slow_nodes",
				    g_array_index(fast, guint, i));
			return FALSE;
		}
	}
	return TRUE;
}

VtierTopology *vtier_topology_load(const VtierTopologyOptions *options, GError **error)
{
	g_autoptr(VtierTopology) topology = NULL;
	const gchar *fast = options != NULL ? options->fast_nodes : NULL;
	const gchar *slow = options != NULL ? options->slow_nodes : NULL;

	if (options != NULL && !vtier_topology_options_check(options, error))
		return NULL;
	topology = read_topology(error);
	if (topology == NULL)
		return NULL;
	if (!vtier_topology_classify(topology, fast, slow, error))
		return NULL;
	/* after classify, which resets the notes */
	read_libnuma(topology);
	add_load_notes(topology);
	return g_steal_pointer(&topology);
}
