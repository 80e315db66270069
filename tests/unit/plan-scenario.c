/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "plan-scenario.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)

static VtierNode *node(guint id, guint first_cpu, guint n_cpus, guint64 start, guint64 size)
{
	VtierNode *n = vtier_node_new(id);

	for (guint c = 0; c < n_cpus; c++) {
		guint cpu = first_cpu + c;

		g_array_append_val(n->cpus, cpu);
	}
	n->total_bytes = size;
	n->free_bytes = size / 2;
	n->has_memory = TRUE;
	vtier_node_add_range(n, start, start + size);
	return n;
}

VtierTopology *plan_scenario_topology_small(void)
{
	VtierTopology *t = vtier_topology_new();
	VtierNode *dram = node(0, 0, 4, 0, 4 * GIB);
	VtierNode *cxl = node(1, 0, 0, 4 * GIB, 4 * GIB);

	vtier_node_set_distance(dram, 0, 10);
	vtier_node_set_distance(dram, 1, 20);
	vtier_node_set_distance(cxl, 0, 20);
	vtier_node_set_distance(cxl, 1, 10);
	vtier_topology_add_node(t, dram);
	vtier_topology_add_node(t, cxl);
	g_assert_true(vtier_topology_classify(t, NULL, NULL, NULL));
	return t;
}

VtierPlanGuest *plan_scenario_guest(guint n, guint64 memory_bytes, VtierPolicyMode mode)
{
	g_autoptr(VtierPolicy) policy = vtier_policy_new_default(mode);
	g_autofree gchar *name = g_strdup_printf("vm%u", n);
	g_autofree gchar *uuid = g_strdup_printf("00000000-0000-4000-8000-%012x", n);
	g_autofree gchar *memcg =
		g_strdup_printf("/machine.slice/machine-qemu\\x2d%u\\x2dvm%u.scope", n, n);

	if (mode == VTIER_POLICY_MODE_ALLOWANCE) {
		policy->fast_size = memory_bytes / 4;
		policy->fields |= VTIER_POLICY_FIELD_FAST_SIZE;
	}
	return vtier_plan_guest_new(name, uuid, memory_bytes, memcg, (gint)(4100 + n), policy);
}
