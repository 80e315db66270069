/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-topology"

#include "config.h"

#include "tiering/topology-private.h"

/* The JSON codec and the one-screen text view of a topology. Pure. */

#define MAX_RANGES_SHOWN 6

static void add_id_array(JsonBuilder *b, const gchar *member, const GArray *ids)
{
	json_builder_set_member_name(b, member);
	json_builder_begin_array(b);
	for (guint i = 0; i < ids->len; i++)
		json_builder_add_int_value(b, g_array_index(ids, guint, i));
	json_builder_end_array(b);
}

static gchar *range_hex(const VtierPhysRange *r)
{
	return g_strdup_printf("0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x", r->start,
			       r->end - 1);
}

static void add_ranges(JsonBuilder *b, const VtierNode *node)
{
	json_builder_set_member_name(b, "ranges");
	json_builder_begin_array(b);
	for (guint i = 0; i < node->ranges->len; i++) {
		const VtierPhysRange *r = &g_array_index(node->ranges, VtierPhysRange, i);
		g_autofree gchar *hex = range_hex(r);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "start");
		json_builder_add_int_value(b, (gint64)r->start);
		json_builder_set_member_name(b, "end");
		json_builder_add_int_value(b, (gint64)r->end);
		json_builder_set_member_name(b, "iomem");
		json_builder_add_string_value(b, hex);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void add_distances(JsonBuilder *b, const VtierNode *node)
{
	json_builder_set_member_name(b, "distances");
	json_builder_begin_array(b);
	for (guint i = 0; i < node->distances->len; i++) {
		guint d = g_array_index(node->distances, guint, i);

		if (d == VTIER_DISTANCE_UNKNOWN)
			json_builder_add_null_value(b);
		else
			json_builder_add_int_value(b, d);
	}
	json_builder_end_array(b);
}

static void add_node(JsonBuilder *b, const VtierNode *node)
{
	g_autofree gchar *cpus = vtier_id_list_to_string(node->cpus);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, node->id);
	json_builder_set_member_name(b, "role");
	json_builder_add_string_value(b, vtier_node_role_to_string(node->role));
	json_builder_set_member_name(b, "cpus");
	json_builder_add_string_value(b, cpus);
	json_builder_set_member_name(b, "cpuless");
	json_builder_add_boolean_value(b, node->cpus->len == 0);
	json_builder_set_member_name(b, "has_memory");
	json_builder_add_boolean_value(b, node->has_memory);
	json_builder_set_member_name(b, "total_bytes");
	json_builder_add_int_value(b, (gint64)node->total_bytes);
	json_builder_set_member_name(b, "free_bytes");
	json_builder_add_int_value(b, (gint64)node->free_bytes);
	json_builder_set_member_name(b, "memory_tier");
	if (node->memory_tier == VTIER_MEMORY_TIER_NONE)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, node->memory_tier);
	add_distances(b, node);
	add_ranges(b, node);
	json_builder_set_member_name(b, "range_bytes");
	json_builder_add_int_value(b, (gint64)vtier_node_range_bytes(node));
	json_builder_set_member_name(b, "offline_blocks");
	json_builder_add_int_value(b, node->n_offline_blocks);
	add_id_array(b, "nearest_slow", node->nearest_slow);
	add_id_array(b, "nearest_fast", node->nearest_fast);
	json_builder_end_object(b);
}

static void add_problems_and_notes(JsonBuilder *b, const VtierTopology *topology)
{
	json_builder_set_member_name(b, "problems");
	json_builder_begin_array(b);
	for (guint i = 0; i < topology->problems->len; i++) {
		const VtierTopologyProblem *p = g_ptr_array_index(topology->problems, i);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "summary");
		json_builder_add_string_value(b, p->summary);
		json_builder_set_member_name(b, "fix");
		json_builder_add_string_value(b, p->fix);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "notes");
	json_builder_begin_array(b);
	for (guint i = 0; i < topology->notes->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(topology->notes, i));
	json_builder_end_array(b);
}

JsonNode *vtier_topology_to_json(const VtierTopology *topology)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GArray) fast = vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_FAST);
	g_autoptr(GArray) slow = vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_SLOW);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "basis");
	json_builder_add_string_value(b, vtier_topology_basis_to_string(topology->basis));
	add_id_array(b, "fast_nodes", fast);
	add_id_array(b, "slow_nodes", slow);
	json_builder_set_member_name(b, "block_size_bytes");
	json_builder_add_int_value(b, (gint64)topology->block_size_bytes);
	json_builder_set_member_name(b, "has_memory_tiers");
	json_builder_add_boolean_value(b, topology->has_memory_tiers);
	json_builder_set_member_name(b, "iomem_hidden");
	json_builder_add_boolean_value(b, topology->iomem_hidden);
	json_builder_set_member_name(b, "capacity_source");
	json_builder_add_string_value(b, topology->capacity_source);
	json_builder_set_member_name(b, "numa_balancing");
	if (topology->numa_balancing < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_int_value(b, topology->numa_balancing);
	json_builder_set_member_name(b, "demotion_enabled");
	if (topology->demotion_enabled < 0)
		json_builder_add_null_value(b);
	else
		json_builder_add_boolean_value(b, topology->demotion_enabled == 1);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	for (guint i = 0; i < topology->nodes->len; i++)
		add_node(b, g_ptr_array_index(topology->nodes, i));
	json_builder_end_array(b);
	add_problems_and_notes(b, topology);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* "node 1 (distance 50)", "nodes 2,3 (distance 24)" */
static gchar *pairing_text(const VtierTopology *topology, const VtierNode *node, const GArray *ids)
{
	g_autofree gchar *list = vtier_id_list_to_string(ids);
	guint d;

	if (ids->len == 0)
		return g_strdup("none");
	d = vtier_topology_distance(topology, node->id, g_array_index(ids, guint, 0));
	if (d == VTIER_DISTANCE_UNKNOWN)
		return g_strdup_printf("node%s %s (distance unknown)", ids->len > 1 ? "s" : "",
				       list);
	return g_strdup_printf("node%s %s (distance %u)", ids->len > 1 ? "s" : "", list, d);
}

static void render_node_head(GString *out, const VtierNode *node)
{
	g_autofree gchar *cpus = vtier_id_list_to_string(node->cpus);
	g_autofree gchar *total = vtier_format_gib(node->total_bytes);
	g_autofree gchar *free_text = vtier_format_gib(node->free_bytes);
	g_autofree gchar *tier = node->memory_tier == VTIER_MEMORY_TIER_NONE
					 ? g_strdup("-")
					 : g_strdup_printf("%d", node->memory_tier);
	g_autofree gchar *cpu_text = node->cpus->len == 0
					 ? g_strdup("CPU-less")
					 : g_strdup_printf("CPUs %s (%u)", cpus, node->cpus->len);
	g_autofree gchar *role = g_ascii_strup(vtier_node_role_to_string(node->role), -1);

	g_string_append_printf(out, "%-4s node %-3u tier %-4s %-22s total %-12s free %s\n", role,
			       node->id, tier, cpu_text, total, free_text);
}

static void render_node(GString *out, const VtierTopology *topology, const VtierNode *node)
{
	render_node_head(out, node);
	for (guint i = 0; i < node->ranges->len && i < MAX_RANGES_SHOWN; i++) {
		const VtierPhysRange *r = &g_array_index(node->ranges, VtierPhysRange, i);
		g_autofree gchar *hex = range_hex(r);
		g_autofree gchar *size = vtier_format_gib(r->end - r->start);

		g_string_append_printf(out, "     range  %-37s %s\n", hex, size);
	}
	if (node->ranges->len > MAX_RANGES_SHOWN) {
		g_autofree gchar *sum = vtier_format_gib(vtier_node_range_bytes(node));
		g_string_append_printf(out, "     ... %u more ranges (%u in all, %s)\n",
				       node->ranges->len - MAX_RANGES_SHOWN, node->ranges->len,
				       sum);
	}
	if (node->ranges->len == 0 && node->has_memory)
		g_string_append(out, "     range  none online\n");
	if (node->role == VTIER_NODE_ROLE_FAST) {
		g_autofree gchar *pair = pairing_text(topology, node, node->nearest_slow);
		g_string_append_printf(out, "     nearest slow: %s\n", pair);
	} else if (node->role == VTIER_NODE_ROLE_SLOW) {
		g_autofree gchar *pair = pairing_text(topology, node, node->nearest_fast);
		g_string_append_printf(out, "     nearest fast: %s\n", pair);
	}
}

static void render_distances(GString *out, const VtierTopology *topology)
{
	g_string_append(out, "\nDistances:\n      ");
	for (guint i = 0; i < topology->nodes->len; i++)
		g_string_append_printf(
		    out, " %5u", ((const VtierNode *)g_ptr_array_index(topology->nodes, i))->id);
	g_string_append_c(out, '\n');
	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *from = g_ptr_array_index(topology->nodes, i);

		g_string_append_printf(out, "  %4u", from->id);
		for (guint j = 0; j < topology->nodes->len; j++) {
			const VtierNode *to = g_ptr_array_index(topology->nodes, j);
			guint d = vtier_topology_distance(topology, from->id, to->id);

			if (d == VTIER_DISTANCE_UNKNOWN)
				g_string_append(out, "     ?");
			else
				g_string_append_printf(out, " %5u", d);
		}
		g_string_append_c(out, '\n');
	}
}

static void render_problems(GString *out, const VtierTopology *topology)
{
	if (topology->problems->len == 0)
		g_string_append(out, "\nProblems: none\n");
	else
		g_string_append(out, "\nProblems:\n");
	for (guint i = 0; i < topology->problems->len; i++) {
		const VtierTopologyProblem *p = g_ptr_array_index(topology->problems, i);
		g_string_append_printf(out, "  ! %s\n    fix: %s\n", p->summary, p->fix);
	}
	if (topology->notes->len > 0)
		g_string_append(out, "Notes:\n");
	for (guint i = 0; i < topology->notes->len; i++)
		g_string_append_printf(out, "  - %s\n",
				       (const gchar *)g_ptr_array_index(topology->notes, i));
}

gchar *vtier_topology_to_text(const VtierTopology *topology)
{
	GString *out = g_string_new(NULL);
	g_autofree gchar *block = g_strdup_printf("%" G_GUINT64_FORMAT " MiB",
						  topology->block_size_bytes / (1024 * 1024));
	g_autoptr(GArray) fast = vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_FAST);
	g_autoptr(GArray) slow = vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_SLOW);
	g_autofree gchar *fast_text = vtier_id_list_to_string(fast);
	g_autofree gchar *slow_text = vtier_id_list_to_string(slow);

	g_string_append_printf(
	    out, "NUMA nodes: %u   fast: %s   slow: %s   (classified by %s)\n",
	    topology->nodes->len, fast->len ? fast_text : "none", slow->len ? slow_text : "none",
	    topology->basis == VTIER_TOPOLOGY_BASIS_CONFIG	   ? "vtierd.conf [topology]"
	    : topology->basis == VTIER_TOPOLOGY_BASIS_MEMORY_TIERS ? "kernel memory tiers"
								   : "CPU-less nodes and distance");
	g_string_append_printf(out, "Memory block size %s; capacity from %s; ranges are online "
				    "System RAM, inclusive\n",
			       block, topology->capacity_source);
	if (topology->numa_balancing >= 0 || topology->demotion_enabled >= 0) {
		g_autofree gchar *nb = topology->numa_balancing < 0
					       ? g_strdup("?")
					       : g_strdup_printf("%d", topology->numa_balancing);
		g_string_append_printf(
		    out, "Kernel tiering: numa_balancing %s, demotion_enabled %s\n", nb,
		    topology->demotion_enabled < 0    ? "?"
		    : topology->demotion_enabled == 1 ? "true"
						      : "false");
	}
	g_string_append_c(out, '\n');
	for (guint i = 0; i < topology->nodes->len; i++)
		render_node(out, topology, g_ptr_array_index(topology->nodes, i));
	render_distances(out, topology);
	render_problems(out, topology);
	return g_string_free(out, FALSE);
}
