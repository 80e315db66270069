/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include "common/error.h"
#include "tiering/plan-input.h"
#include "virt/domain-xml.h"

/* Whether <numatune>'s memory nodeset (as written) names @id. */
static gboolean nodeset_names(const VtierGuest *guest, guint id)
{
	g_autoptr(GArray) set = NULL;

	if (guest->numatune_nodeset == NULL)
		return FALSE;
	set = vtier_cpuset_parse(guest->numatune_nodeset, NULL);
	for (guint i = 0; set != NULL && i < set->len; i++) {
		if (g_array_index(set, guint, i) == id)
			return TRUE;
	}
	return FALSE;
}

/* The nodes a <numatune> binds the guest to are this host's, and there is at least one: a guest
 * bound to a node the host lacks, or to none, would otherwise be planned as if it were unbound. */
static gboolean check_numatune_nodes(const VtierGuest *guest, const VtierTopology *topology,
				     GError **error)
{
	g_autoptr(GArray) set = NULL;

	if (guest->numatune_nodeset != NULL)
		set = vtier_cpuset_parse(guest->numatune_nodeset, NULL);
	if (set != NULL && set->len == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "guest \"%s\": <numatune> nodeset \"%s\" names no node", guest->name,
			    guest->numatune_nodeset);
		return FALSE;
	}
	for (guint i = 0; guest->bound_nodes != NULL && i < guest->bound_nodes->len; i++) {
		guint id = g_array_index(guest->bound_nodes, guint, i);

		if (vtier_topology_get_node(topology, id) != NULL)
			continue;
		if (nodeset_names(guest, id))
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "guest \"%s\": <numatune> nodeset \"%s\": this host has no NUMA "
				    "node %u",
				    guest->name, guest->numatune_nodeset, id);
		else
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "guest \"%s\": <numatune><memnode> nodeset: this host has no "
				    "NUMA node %u",
				    guest->name, id);
		return FALSE;
	}
	return TRUE;
}

/* DAMON's paddr migration ignores cpusets and memory policies: a strict numatune that excludes
 * every slow node would be broken by tiering, so with [policy] respect_numatune the guest is
 * refused. */
static gboolean check_numatune_strict(const VtierGuest *guest, const VtierTopology *topology,
				      const VtierPlanOptions *options, GError **error)
{
	if (!options->respect_numatune || g_strcmp0(guest->numatune_mode, "strict") != 0 ||
	    guest->bound_nodes == NULL || guest->bound_nodes->len == 0)
		return TRUE;
	for (guint i = 0; i < guest->bound_nodes->len; i++) {
		const VtierNode *node =
			vtier_topology_get_node(topology, g_array_index(guest->bound_nodes, guint, i));

		if (node != NULL && node->role == VTIER_NODE_ROLE_SLOW)
			return TRUE;
	}
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
		    "guest \"%s\": <numatune mode=\"strict\"> binds its memory to nodes %s, which "
		    "exclude every slow node: DAMON would move it against that binding, so vtier "
		    "plans nothing for it (set [policy] respect_numatune=false to tier it anyway)",
		    guest->name,
		    guest->numatune_nodeset != NULL ? guest->numatune_nodeset : "(pinned)");
	return FALSE;
}

gboolean vtier_plan_input_check_numatune(const VtierGuest *guest, const VtierTopology *topology,
					 const VtierPlanOptions *options, GError **error)
{
	VtierPlanOptions defaults;

	vtier_plan_options_init(&defaults);
	return check_numatune_nodes(guest, topology, error) &&
	       check_numatune_strict(guest, topology, options != NULL ? options : &defaults, error);
}

VtierPlanGuest *vtier_plan_input_guest(const VtierGuest *guest, const VtierTopology *topology,
				       const VtierPolicyStore *store,
				       const VtierPlanOptions *options, gchar **ret_warning,
				       GError **error)
{
	VtierPlanOptions defaults;
	g_autoptr(VtierPolicy) policy = NULL;
	g_autoptr(GError) local = NULL;

	vtier_plan_options_init(&defaults);
	if (options == NULL)
		options = &defaults;
	if (guest->memory_bytes == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "guest \"%s\": its memory size is 0 or unknown (no <memory> in its "
			    "domain XML?)",
			    guest->name);
		return NULL;
	}
	if (topology != NULL && !vtier_plan_input_check_numatune(guest, topology, options, error))
		return NULL;
	policy = vtier_policy_resolve(store, guest->name, guest->memory_bytes, guest->policy_xml,
				      options->default_mode, &local);
	if (policy == NULL) {
		if (options->strict) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		if (ret_warning != NULL)
			*ret_warning = g_strdup_printf("%s; using the host default (mode %s)",
						       local->message,
						       vtier_policy_mode_to_string(options->default_mode));
		policy = vtier_policy_resolve(store, guest->name, guest->memory_bytes, NULL,
					      options->default_mode, error);
		if (policy == NULL)
			return NULL;
	}
	return vtier_plan_guest_new_from_guest(guest, policy);
}

/* Two guests that would share a slot (same uuid) or could not be told apart (same name). */
static gboolean check_unique(GPtrArray *guests, GError **error)
{
	g_autoptr(GHashTable) uuids = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < guests->len; i++) {
		const VtierGuest *g = g_ptr_array_index(guests, i);
		const VtierGuest *other;

		other = g->uuid != NULL ? g_hash_table_lookup(uuids, g->uuid) : NULL;
		if (other != NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
				    "guests \"%s\" and \"%s\" have the same uuid %s", other->name,
				    g->name, g->uuid);
			return FALSE;
		}
		if (g_hash_table_contains(names, g->name)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT,
				    "two guests are named \"%s\"", g->name);
			return FALSE;
		}
		if (g->uuid != NULL)
			g_hash_table_insert(uuids, g->uuid, (gpointer)g);
		g_hash_table_add(names, g->name);
	}
	return TRUE;
}

GPtrArray *vtier_plan_input_guests(GPtrArray *guests, const VtierTopology *topology,
				   const VtierPolicyStore *store,
				   const VtierPlanOptions *options, GPtrArray *warnings,
				   GError **error)
{
	g_autoptr(GPtrArray) out =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);

	if (!check_unique(guests, error))
		return NULL;
	for (guint i = 0; i < guests->len; i++) {
		g_autofree gchar *warning = NULL;
		VtierPlanGuest *pg = vtier_plan_input_guest(g_ptr_array_index(guests, i),
							    topology, store, options, &warning,
							    error);

		if (pg == NULL)
			return NULL;
		if (warning != NULL && warnings != NULL)
			g_ptr_array_add(warnings, g_steal_pointer(&warning));
		g_ptr_array_add(out, pg);
	}
	return g_steal_pointer(&out);
}
