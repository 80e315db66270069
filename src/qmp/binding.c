/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-qmp"

#include "config.h"

#include "qmp/binding.h"

static gboolean node_in(const GArray *nodes, guint node)
{
	for (guint i = 0; nodes != NULL && i < nodes->len; i++)
		if (g_array_index(nodes, guint, i) == node)
			return TRUE;
	return FALSE;
}

static gchar *nodes_to_string(const GArray *nodes)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < nodes->len; i++)
		g_string_append_printf(s, "%s%u", i > 0 ? "," : "", g_array_index(nodes, guint, i));
	return g_string_free(g_steal_pointer(&s), FALSE);
}

GPtrArray *vtier_qmp_check_slow_binding(const GPtrArray *memdevs, const GArray *slow_nodes)
{
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; memdevs != NULL && i < memdevs->len; i++) {
		const VtierGuestMemdev *m = g_ptr_array_index(memdevs, i);
		g_autofree gchar *nodes = NULL;
		gboolean all_slow = m->host_nodes != NULL && m->host_nodes->len > 0;

		if (g_strcmp0(m->policy, "bind") != 0)
			continue;
		for (guint j = 0; all_slow && j < m->host_nodes->len; j++)
			all_slow = node_in(slow_nodes, g_array_index(m->host_nodes, guint, j));
		if (!all_slow)
			continue;
		nodes = nodes_to_string(m->host_nodes);
		g_ptr_array_add(warnings,
				g_strdup_printf("memory backend %s (%" G_GUINT64_FORMAT " MiB) is "
						"bound with policy=bind to slow host node%s %s: "
						"its pages cannot be migrated to fast memory; "
						"use policy=preferred or add a fast node to "
						"host-nodes",
						m->backend_id != NULL ? m->backend_id : "(no id)",
						m->size_bytes >> 20,
						m->host_nodes->len > 1 ? "s" : "", nodes));
	}
	return warnings;
}
