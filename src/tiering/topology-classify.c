/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-topology"

#include "config.h"

#include "common/error.h"
#include "tiering/topology-private.h"

/* Classification of nodes into fast and slow memory, pairing, and the problems found on the way.
 * Pure: works on the node data only.
 *
 * Order of evidence: the configuration ([topology] fast_nodes/slow_nodes) wins; else the kernel's
 * memory tiers when the memory nodes span at least two tiers (the lowest tier holding a node with
 * CPUs is the fast tier); else CPU-less nodes farther than local memory are slow. A CPU-less node
 * in the same tier as a node with CPUs is slow anyway and reported: the kernel was not told about
 * its performance (no HMAT), so its own tiering (demotion, NUMA balancing) cannot work. */

static guint local_distance(const VtierTopology *topology, const VtierNode *node)
{
	return vtier_topology_distance(topology, node->id, node->id);
}

/* The smallest distance from @node to a memory node with CPUs (other than itself). */
static guint distance_to_cpus(const VtierTopology *topology, const VtierNode *node)
{
	guint best = VTIER_DISTANCE_UNKNOWN;

	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *other = g_ptr_array_index(topology->nodes, i);

		if (other == node || other->cpus->len == 0)
			continue;
		best = MIN(best, vtier_topology_distance(topology, other->id, node->id));
	}
	return best;
}

/* Without usable tiers: nodes with CPUs are fast; CPU-less nodes are slow unless the firmware puts
 * them as close to the CPUs as local memory. */
static VtierNodeRole role_by_cpus(const VtierTopology *topology, const VtierNode *node)
{
	guint local, near;

	if (node->cpus->len > 0)
		return VTIER_NODE_ROLE_FAST;
	local = local_distance(topology, node);
	near = distance_to_cpus(topology, node);
	if (local != VTIER_DISTANCE_UNKNOWN && near != VTIER_DISTANCE_UNKNOWN && near <= local)
		return VTIER_NODE_ROLE_FAST;
	return VTIER_NODE_ROLE_SLOW;
}

/* The number of distinct memory tiers the memory nodes sit in, and the fastest tier holding a
 * node with CPUs (or the fastest tier at all). */
static guint count_tiers(const VtierTopology *topology, gint *ret_top)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	gint top_cpu = G_MAXINT, top_any = G_MAXINT;

	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *node = g_ptr_array_index(topology->nodes, i);

		if (!node->has_memory || node->memory_tier == VTIER_MEMORY_TIER_NONE)
			continue;
		g_hash_table_add(seen, GINT_TO_POINTER(node->memory_tier + 1));
		top_any = MIN(top_any, node->memory_tier);
		if (node->cpus->len > 0)
			top_cpu = MIN(top_cpu, node->memory_tier);
	}
	*ret_top = top_cpu != G_MAXINT ? top_cpu : top_any;
	return g_hash_table_size(seen);
}

static VtierNodeRole role_by_tier(const VtierTopology *topology, const VtierNode *node, gint top)
{
	if (node->memory_tier == VTIER_MEMORY_TIER_NONE)
		return role_by_cpus(topology, node);
	if (node->memory_tier < top)
		return VTIER_NODE_ROLE_FAST;
	if (node->memory_tier > top)
		return VTIER_NODE_ROLE_SLOW;
	return role_by_cpus(topology, node);
}

static gboolean check_config_ids(const VtierTopology *topology, const GArray *ids,
				 const gchar *key, GError **error)
{
	for (guint i = 0; i < ids->len; i++) {
		guint id = g_array_index(ids, guint, i);
		const VtierNode *node = vtier_topology_get_node(topology, id);

		if (node == NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "[topology] %s: node %u does not exist (online nodes: %u)", key,
				    id, topology->nodes->len);
			return FALSE;
		}
		if (!node->has_memory) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "[topology] %s: node %u has no memory", key, id);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean id_in(const GArray *ids, guint id)
{
	for (guint i = 0; ids != NULL && i < ids->len; i++) {
		if (g_array_index(ids, guint, i) == id)
			return TRUE;
	}
	return FALSE;
}

static gboolean classify_by_config(VtierTopology *topology, const gchar *fast_nodes,
				   const gchar *slow_nodes, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GArray) fast = vtier_parse_id_list(fast_nodes != NULL ? fast_nodes : "",
						     "[topology] fast_nodes", &local);
	g_autoptr(GArray) slow = NULL;

	if (fast != NULL)
		slow = vtier_parse_id_list(slow_nodes != NULL ? slow_nodes : "",
					   "[topology] slow_nodes", &local);
	if (slow == NULL) {
		/* a bad value in the admin's configuration, not in a kernel file */
		g_set_error_literal(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    local->message);
		return FALSE;
	}
	if (!check_config_ids(topology, fast, "fast_nodes", error) ||
	    !check_config_ids(topology, slow, "slow_nodes", error))
		return FALSE;
	for (guint i = 0; i < topology->nodes->len; i++) {
		VtierNode *node = g_ptr_array_index(topology->nodes, i);
		gboolean f = id_in(fast, node->id), s = id_in(slow, node->id);

		if (f && s) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "[topology] node %u is in both fast_nodes and slow_nodes",
				    node->id);
			return FALSE;
		}
		if (!node->has_memory)
			node->role = VTIER_NODE_ROLE_NONE;
		else if (f || (fast->len == 0 && !s))
			node->role = VTIER_NODE_ROLE_FAST;
		else if (s || slow->len == 0)
			node->role = VTIER_NODE_ROLE_SLOW;
		else
			node->role = VTIER_NODE_ROLE_NONE;
	}
	topology->basis = VTIER_TOPOLOGY_BASIS_CONFIG;
	return TRUE;
}

static void classify_detected(VtierTopology *topology)
{
	gint top = VTIER_MEMORY_TIER_NONE;
	gboolean tiers = topology->has_memory_tiers && count_tiers(topology, &top) >= 2;

	topology->basis = tiers ? VTIER_TOPOLOGY_BASIS_MEMORY_TIERS : VTIER_TOPOLOGY_BASIS_CPULESS;
	for (guint i = 0; i < topology->nodes->len; i++) {
		VtierNode *node = g_ptr_array_index(topology->nodes, i);

		if (!node->has_memory)
			node->role = VTIER_NODE_ROLE_NONE;
		else if (tiers)
			node->role = role_by_tier(topology, node, top);
		else
			node->role = role_by_cpus(topology, node);
	}
}

/* For @node, the nodes of @role at the smallest distance (ties: all of them). */
static void find_nearest(const VtierTopology *topology, const VtierNode *node, VtierNodeRole role,
			 GArray *ret)
{
	guint best = VTIER_DISTANCE_UNKNOWN;
	gboolean any = FALSE;

	g_array_set_size(ret, 0);
	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *other = g_ptr_array_index(topology->nodes, i);
		guint d;

		if (other->role != role || other == node)
			continue;
		d = vtier_topology_distance(topology, node->id, other->id);
		if (!any || d < best) {
			g_array_set_size(ret, 0);
			best = d;
		}
		if (!any || d == best)
			g_array_append_val(ret, other->id);
		any = TRUE;
	}
}

static void pair_nodes(VtierTopology *topology)
{
	for (guint i = 0; i < topology->nodes->len; i++) {
		VtierNode *node = g_ptr_array_index(topology->nodes, i);

		g_array_set_size(node->nearest_slow, 0);
		g_array_set_size(node->nearest_fast, 0);
		if (node->role == VTIER_NODE_ROLE_FAST)
			find_nearest(topology, node, VTIER_NODE_ROLE_SLOW, node->nearest_slow);
		else if (node->role == VTIER_NODE_ROLE_SLOW)
			find_nearest(topology, node, VTIER_NODE_ROLE_FAST, node->nearest_fast);
	}
}

static gchar *shared_tier_fix(const VtierTopology *topology, const gchar *fast_text,
			      const gchar *slow_text)
{
	const gchar *fix = "give the kernel the slow memory's performance: enable ACPI HMAT (and "
			   "CXL CDAT) in the firmware, or online the device through dax kmem "
			   "(daxctl reconfigure-device --mode=system-ram) so it lands in a slower "
			   "tier";

	if (topology->basis == VTIER_TOPOLOGY_BASIS_CONFIG)
		return g_strdup_printf("%s; vtier itself follows [topology] in vtierd.conf", fix);
	return g_strdup_printf("%s; and set [topology] fast_nodes=%s slow_nodes=%s in vtierd.conf "
			       "to make vtier's split explicit",
			       fix, fast_text, slow_text);
}

/* Fast and slow nodes that share a kernel memory tier, one problem per tier. */
static void check_shared_tiers(VtierTopology *topology)
{
	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *slow = g_ptr_array_index(topology->nodes, i);
		g_autoptr(GArray) fast = g_array_new(FALSE, FALSE, sizeof(guint));
		g_autoptr(GArray) slows = g_array_new(FALSE, FALSE, sizeof(guint));
		g_autofree gchar *fast_text = NULL, *slow_text = NULL;
		gboolean first = TRUE;

		if (slow->role != VTIER_NODE_ROLE_SLOW ||
		    slow->memory_tier == VTIER_MEMORY_TIER_NONE)
			continue;
		for (guint j = 0; j < topology->nodes->len; j++) {
			const VtierNode *other = g_ptr_array_index(topology->nodes, j);

			if (other->memory_tier != slow->memory_tier)
				continue;
			if (other->role == VTIER_NODE_ROLE_FAST)
				g_array_append_val(fast, other->id);
			else if (other->role == VTIER_NODE_ROLE_SLOW) {
				first = first && other->id >= slow->id;
				g_array_append_val(slows, other->id);
			}
		}
		if (fast->len == 0 || !first)
			continue;
		fast_text = vtier_id_list_to_string(fast);
		slow_text = vtier_id_list_to_string(slows);
		vtier_topology_add_problem(
			topology,
			g_strdup_printf("slow node(s) %s sit in the same kernel memory tier "
					"(memory_tier%d) as fast node(s) %s: the kernel sees no "
					"performance difference, so its own demotion and NUMA "
					"balancing tiering do nothing",
					slow_text, slow->memory_tier, fast_text),
			shared_tier_fix(topology, fast_text, slow_text));
	}
}

/* A configured fast node the kernel ranks below a configured slow node. */
static void check_config_against_tiers(VtierTopology *topology)
{
	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *f = g_ptr_array_index(topology->nodes, i);

		for (guint j = 0; f->role == VTIER_NODE_ROLE_FAST && j < topology->nodes->len;
		     j++) {
			const VtierNode *s = g_ptr_array_index(topology->nodes, j);

			if (s->role != VTIER_NODE_ROLE_SLOW ||
			    f->memory_tier == VTIER_MEMORY_TIER_NONE ||
			    s->memory_tier == VTIER_MEMORY_TIER_NONE ||
			    f->memory_tier <= s->memory_tier)
				continue;
			vtier_topology_add_problem(
			    topology,
			    g_strdup_printf("configured fast node %u is in a slower kernel memory "
					    "tier (memory_tier%d) than configured slow node %u "
					    "(memory_tier%d)",
					    f->id, f->memory_tier, s->id, s->memory_tier),
			    g_strdup("check [topology] fast_nodes= and slow_nodes= in vtierd.conf "
				     "(they may be swapped)"));
		}
	}
}

static void add_summary_notes(VtierTopology *topology)
{
	g_autoptr(GArray) fast = vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_FAST);
	g_autoptr(GArray) slow = vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_SLOW);

	if (fast->len == 0)
		vtier_topology_add_problem(
			topology, g_strdup("no fast memory node: vtier has no tier to promote to"),
			g_strdup("set [topology] fast_nodes= in vtierd.conf"));
	if (slow->len == 0)
		vtier_topology_add_note(topology,
					g_strdup("no slow memory node: every memory node is fast, "
						 "vtier has nothing to tier (monitor mode only)"));
	for (guint i = 0; i < topology->nodes->len; i++) {
		const VtierNode *node = g_ptr_array_index(topology->nodes, i);

		if (node->role != VTIER_NODE_ROLE_NONE && node->ranges->len == 0 &&
		    topology->block_size_bytes > 0)
			vtier_topology_add_note(
			    topology,
			    g_strdup_printf("node %u (%s) has no online System RAM "
					    "range: DAMON cannot monitor it",
					    node->id, vtier_node_role_to_string(node->role)));
	}
}

/* The kernel's own tiering moves the pages vtier placed: NUMA balancing pulls a guest's slow
 * pages to the node its vCPUs run on (measured in the lab), demotion on reclaim pushes fast pages
 * out. Only matters when there is something to tier. */
static void check_kernel_tiering(VtierTopology *topology)
{
	g_autoptr(GArray) slow = vtier_topology_nodes_with_role(topology, VTIER_NODE_ROLE_SLOW);

	if (slow->len == 0)
		return;
	if (topology->numa_balancing > 0)
		vtier_topology_add_problem(
		    topology,
		    g_strdup_printf("kernel.numa_balancing=%d: the kernel migrates pages toward "
				    "the CPUs that touch them (mode 2/3: promotes hot slow "
				    "pages) and undoes vtier's placement",
				    topology->numa_balancing),
		    g_strdup("sysctl -w kernel.numa_balancing=0, and make it permanent in "
			     "/etc/sysctl.d/"));
	if (topology->demotion_enabled == 1)
		vtier_topology_add_note(
		    topology, g_strdup("demotion_enabled=true: under memory pressure the "
				       "kernel also demotes cold pages to slower tiers on its "
				       "own"));
}

gboolean vtier_topology_classify(VtierTopology *topology, const gchar *fast_nodes,
				 const gchar *slow_nodes, GError **error)
{
	gboolean configured = (fast_nodes != NULL && fast_nodes[0] != '\0') ||
			      (slow_nodes != NULL && slow_nodes[0] != '\0');

	g_ptr_array_set_size(topology->problems, 0);
	g_ptr_array_set_size(topology->notes, 0);
	if (configured) {
		if (!classify_by_config(topology, fast_nodes, slow_nodes, error))
			return FALSE;
		check_config_against_tiers(topology);
	} else {
		classify_detected(topology);
	}
	pair_nodes(topology);
	check_shared_tiers(topology);
	check_kernel_tiering(topology);
	add_summary_notes(topology);
	return TRUE;
}
