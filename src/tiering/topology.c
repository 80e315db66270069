/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-topology"

#include "config.h"

#include <errno.h>

#include "common/error.h"
#include "common/fileio.h"
#include "tiering/topology-private.h"

/* The topology model and its classification into fast and slow memory. No I/O here: the loader
 * (topology-read.c) fills nodes from the kernel, tests and the planner fill them from literals. */

static const gchar *const role_names[] = {
	[VTIER_NODE_ROLE_NONE] = "none",
	[VTIER_NODE_ROLE_FAST] = "fast",
	[VTIER_NODE_ROLE_SLOW] = "slow",
};
G_STATIC_ASSERT(G_N_ELEMENTS(role_names) == VTIER_NODE_ROLE_LAST);

static const gchar *const basis_names[] = {
	[VTIER_TOPOLOGY_BASIS_CONFIG] = "config",
	[VTIER_TOPOLOGY_BASIS_MEMORY_TIERS] = "memory-tiers",
	[VTIER_TOPOLOGY_BASIS_CPULESS] = "cpu-less",
};
G_STATIC_ASSERT(G_N_ELEMENTS(basis_names) == VTIER_TOPOLOGY_BASIS_LAST);

const gchar *vtier_node_role_to_string(VtierNodeRole role)
{
	g_return_val_if_fail((guint)role < VTIER_NODE_ROLE_LAST, "invalid");
	return role_names[role];
}

const gchar *vtier_topology_basis_to_string(VtierTopologyBasis basis)
{
	g_return_val_if_fail((guint)basis < VTIER_TOPOLOGY_BASIS_LAST, "invalid");
	return basis_names[basis];
}

static void problem_free(VtierTopologyProblem *problem)
{
	g_free(problem->summary);
	g_free(problem->fix);
	g_free(problem);
}

VtierNode *vtier_node_new(guint id)
{
	VtierNode *node = g_new0(VtierNode, 1);

	node->id = id;
	node->cpus = g_array_new(FALSE, FALSE, sizeof(guint));
	node->distances = g_array_new(FALSE, FALSE, sizeof(guint));
	node->memory_tier = VTIER_MEMORY_TIER_NONE;
	node->ranges = g_array_new(FALSE, FALSE, sizeof(VtierPhysRange));
	node->nearest_slow = g_array_new(FALSE, FALSE, sizeof(guint));
	node->nearest_fast = g_array_new(FALSE, FALSE, sizeof(guint));
	return node;
}

void vtier_node_free(VtierNode *node)
{
	if (node == NULL)
		return;
	g_array_unref(node->cpus);
	g_array_unref(node->distances);
	g_array_unref(node->ranges);
	g_array_unref(node->nearest_slow);
	g_array_unref(node->nearest_fast);
	g_free(node);
}

VtierTopology *vtier_topology_new(void)
{
	VtierTopology *topology = g_new0(VtierTopology, 1);

	topology->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_node_free);
	topology->problems = g_ptr_array_new_with_free_func((GDestroyNotify)problem_free);
	topology->notes = g_ptr_array_new_with_free_func(g_free);
	topology->capacity_source = g_strdup("literal");
	topology->basis = VTIER_TOPOLOGY_BASIS_CPULESS;
	topology->numa_balancing = -1;
	topology->demotion_enabled = -1;
	return topology;
}

void vtier_topology_free(VtierTopology *topology)
{
	if (topology == NULL)
		return;
	g_ptr_array_unref(topology->nodes);
	g_ptr_array_unref(topology->problems);
	g_ptr_array_unref(topology->notes);
	g_free(topology->capacity_source);
	g_free(topology);
}

void vtier_topology_add_node(VtierTopology *topology, VtierNode *node)
{
	g_ptr_array_add(topology->nodes, node);
}

void vtier_node_set_distance(VtierNode *node, guint to, guint distance)
{
	guint unknown = VTIER_DISTANCE_UNKNOWN;

	while (node->distances->len <= to)
		g_array_append_val(node->distances, unknown);
	g_array_index(node->distances, guint, to) = distance;
}

/* Appends [start, end), merging with the last range when they touch; ranges come in ascending. */
void vtier_node_add_range(VtierNode *node, guint64 start, guint64 end)
{
	VtierPhysRange range = { start, end };

	if (end <= start)
		return;
	if (node->ranges->len > 0) {
		VtierPhysRange *last = &g_array_index(node->ranges, VtierPhysRange,
						      node->ranges->len - 1);
		if (start <= last->end) {
			last->end = MAX(last->end, end);
			return;
		}
	}
	g_array_append_val(node->ranges, range);
}

guint64 vtier_node_range_bytes(const VtierNode *node)
{
	guint64 sum = 0;

	for (guint i = 0; i < node->ranges->len; i++) {
		const VtierPhysRange *r = &g_array_index(node->ranges, VtierPhysRange, i);
		sum += r->end - r->start;
	}
	return sum;
}

const VtierNode *vtier_topology_get_node(const VtierTopology *topology, guint id)
{
	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *node = g_ptr_array_index(topology->nodes, i);
		if (node->id == id)
			return node;
	}
	return NULL;
}

guint vtier_topology_distance(const VtierTopology *topology, guint from, guint to)
{
	const VtierNode *node = vtier_topology_get_node(topology, from);

	if (node == NULL || to >= node->distances->len)
		return VTIER_DISTANCE_UNKNOWN;
	return g_array_index(node->distances, guint, to);
}

GArray *vtier_topology_nodes_with_role(const VtierTopology *topology, VtierNodeRole role)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *node = g_ptr_array_index(topology->nodes, i);
		if (node->role == role)
			g_array_append_val(ids, node->id);
	}
	return ids;
}

static gboolean parse_list_item(const gchar *item, const gchar *what, guint64 *ret_first,
				guint64 *ret_last, GError **error)
{
	g_auto(GStrv) bounds = g_strsplit(item, "-", 3);

	if (g_strv_length(bounds) > 2) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: \"%s\" is not a number or a range", what, item);
		return FALSE;
	}
	if (!vtier_parse_u64(bounds[0], what, ret_first, error))
		return FALSE;
	*ret_last = *ret_first;
	if (bounds[1] != NULL && !vtier_parse_u64(bounds[1], what, ret_last, error))
		return FALSE;
	if (*ret_last < *ret_first || *ret_last > G_MAXUINT16 * 64) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: \"%s\" is not a valid range", what, item);
		return FALSE;
	}
	return TRUE;
}

static gint cmp_guint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

GArray *vtier_parse_id_list(const gchar *text, const gchar *what, GError **error)
{
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autofree gchar *copy = g_strstrip(g_strdup(text));
	g_auto(GStrv) items = g_strsplit(copy, ",", -1);

	for (guint i = 0; copy[0] != '\0' && items[i] != NULL; i++) {
		guint64 first, last;

		if (!parse_list_item(g_strstrip(items[i]), what, &first, &last, error))
			return NULL;
		for (guint64 v = first; v <= last; v++) {
			guint id = (guint)v;
			g_array_append_val(ids, id);
		}
	}
	g_array_sort(ids, cmp_guint);
	for (guint i = 1; i < ids->len; i++) {
		if (g_array_index(ids, guint, i) == g_array_index(ids, guint, i - 1))
			g_array_remove_index(ids, i--);
	}
	return g_steal_pointer(&ids);
}

void vtier_topology_add_problem(VtierTopology *topology, gchar *summary, gchar *fix)
{
	VtierTopologyProblem *problem = g_new0(VtierTopologyProblem, 1);

	problem->summary = summary;
	problem->fix = fix;
	g_ptr_array_add(topology->problems, problem);
}

void vtier_topology_add_note(VtierTopology *topology, gchar *note)
{
	g_ptr_array_add(topology->notes, note);
}

gchar *vtier_id_list_to_string(const GArray *ids)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < ids->len; i++) {
		guint first = g_array_index(ids, guint, i);
		guint last = first;

		while (i + 1 < ids->len && g_array_index(ids, guint, i + 1) == last + 1)
			last = g_array_index(ids, guint, ++i);
		if (out->len > 0)
			g_string_append_c(out, ',');
		if (last == first)
			g_string_append_printf(out, "%u", first);
		else
			g_string_append_printf(out, "%u-%u", first, last);
	}
	return g_string_free(out, FALSE);
}

gchar *vtier_format_gib(guint64 bytes)
{
	gdouble gib = (gdouble)bytes / (1024.0 * 1024.0 * 1024.0);
	gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (bytes > 0 && gib < 0.01)
		return g_strdup("<0.01 GiB");
	/* not printf: the CLI runs with the user's locale, the output must not depend on it */
	return g_strdup_printf("%s GiB", g_ascii_formatd(buf, sizeof(buf), "%.2f", gib));
}
