/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "common/error.h"
#include "common/paths.h"
#include "common/config.h"
#include "tiering/options.h"
#include "tiering/topology-private.h"
#include "vtier-test.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define NODE_DIR "sys/devices/system/node/"
#define MEM_DIR "sys/devices/system/memory/"
#define BROKEN "amd-genoa-cxl-dram-tier"

static VtierTopology *load_fixture(const gchar *fixture, const gchar *conf)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) config = NULL;
	g_auto(VtierOptions) options = { 0 };
	VtierTopology *topology;

	if (conf != NULL) {
		config = vtier_config_load_data(conf, "test.conf", &error);
		g_assert_no_error(error);
		g_assert_true(vtier_config_to_options(config, &options, &error));
	}
	vtier_test_sysroot_fixture(fixture);
	topology = vtier_topology_load(conf != NULL ? &options.topology : NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(topology);
	vtier_paths_set_sysroot(NULL);
	return topology;
}

static const VtierNode *node(const VtierTopology *topology, guint id)
{
	const VtierNode *n = vtier_topology_get_node(topology, id);

	g_assert_nonnull(n);
	return n;
}

static void assert_range(const VtierNode *n, guint i, guint64 start, guint64 end_inclusive)
{
	const VtierPhysRange *r;

	g_assert_cmpuint(i, <, n->ranges->len);
	r = &g_array_index(n->ranges, VtierPhysRange, i);
	g_assert_cmphex(r->start, ==, start);
	g_assert_cmphex(r->end, ==, end_inclusive + 1);
}

static void assert_ids(const GArray *ids, const gchar *expected)
{
	g_autofree gchar *text = vtier_id_list_to_string(ids);

	g_assert_cmpstr(text, ==, expected);
}

static void test_parse_id_list(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) ids = vtier_parse_id_list("8,0-3,10-11,2\n", "test", &error);
	g_autoptr(GArray) empty = vtier_parse_id_list("\n", "test", &error);
	GArray *bad;

	g_assert_no_error(error);
	assert_ids(ids, "0-3,8,10-11");
	g_assert_cmpuint(ids->len, ==, 7);
	g_assert_cmpuint(empty->len, ==, 0);
	bad = vtier_parse_id_list("0-x", "cpulist", &error);
	g_assert_null(bad);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_nonnull(strstr(error->message, "cpulist"));
	g_clear_error(&error);
	bad = vtier_parse_id_list("5-1", "cpulist", &error);
	g_assert_null(bad);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_clear_error(&error);
	bad = vtier_parse_id_list("1-2-3", "cpulist", &error);
	g_assert_null(bad);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
}

static void test_iomem_parse(void)
{
	const gchar *text = "00001000-0009ffff : System RAM\n"
			    "000a0000-000fffff : Reserved\n"
			    "100000000-13fffffff : System RAM\n"
			    "  100000000-100ffffff : Kernel code\n"
			    "10000000000-13fffffffff : CXL Window 0\n"
			    "  10000000000-13fffffffff : region0\n"
			    "    10000000000-13fffffffff : dax0.0\n"
			    "      10000000000-13fffffffff : System RAM (kmem)\n";
	const gchar *hidden = "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) ranges = NULL;
	g_autoptr(GArray) zeros = NULL;
	GArray *bad = NULL;
	gboolean is_hidden = TRUE;

	g_assert_true(vtier_iomem_parse_system_ram(text, "iomem", &ranges, &is_hidden, &error));
	g_assert_no_error(error);
	g_assert_false(is_hidden);
	g_assert_cmpuint(ranges->len, ==, 3);
	g_assert_cmphex(g_array_index(ranges, VtierPhysRange, 0).start, ==, 0x1000);
	g_assert_cmphex(g_array_index(ranges, VtierPhysRange, 0).end, ==, 0xa0000);
	g_assert_cmphex(g_array_index(ranges, VtierPhysRange, 2).start, ==, 0x10000000000);
	g_assert_cmphex(g_array_index(ranges, VtierPhysRange, 2).end, ==, 0x14000000000);
	g_assert_true(vtier_iomem_parse_system_ram(hidden, "iomem", &zeros, &is_hidden, &error));
	g_assert_true(is_hidden);
	g_assert_false(vtier_iomem_parse_system_ram("1000-zz : System RAM\n", "/proc/iomem", &bad,
						    &is_hidden, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_nonnull(strstr(error->message, "/proc/iomem: line 1"));
	g_clear_error(&error);
	/* a line whose end overflows is an error naming it, not a range dropped in silence */
	{
		const gchar *overflow[] = {
			"00001000-0009ffff : System RAM\n100000000-ffffffffffffffff : System RAM\n",
			"00001000-0009ffff : System RAM\n100000000-1ffffffffffffffff : System RAM\n",
		};

		for (gsize i = 0; i < G_N_ELEMENTS(overflow); i++) {
			g_autoptr(GError) e = NULL;
			g_autoptr(GArray) r = NULL;

			g_assert_false(vtier_iomem_parse_system_ram(overflow[i], "/proc/iomem", &r,
								    &is_hidden, &e));
			g_assert_nonnull(strstr(e->message, "/proc/iomem: line 2 \"100000000-"));
		}
	}
	g_assert_false(vtier_iomem_parse_system_ram("0-fff : Reserved\n", "/proc/iomem", &bad,
						    &is_hidden, &error));
	g_assert_nonnull(strstr(error->message, "no \"System RAM\""));
	g_assert_null(bad);
}

static void test_fixture_turin(void)
{
	g_autoptr(VtierTopology) t = load_fixture("amd-turin-cxl", NULL);
	const VtierNode *n0 = node(t, 0), *n1 = node(t, 1);

	g_assert_cmpuint(t->nodes->len, ==, 2);
	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_MEMORY_TIERS);
	g_assert_cmpuint(t->block_size_bytes, ==, 2 * GIB);
	g_assert_cmpstr(t->capacity_source, ==, "sysfs meminfo");
	g_assert_cmpint(n0->role, ==, VTIER_NODE_ROLE_FAST);
	g_assert_cmpint(n1->role, ==, VTIER_NODE_ROLE_SLOW);
	g_assert_cmpuint(n0->cpus->len, ==, 128);
	g_assert_cmpuint(n1->cpus->len, ==, 0);
	g_assert_cmpint(n0->memory_tier, ==, 4);
	g_assert_cmpint(n1->memory_tier, ==, 22);
	g_assert_cmpuint(n1->total_bytes, ==, 256 * GIB);
	g_assert_cmpuint(n1->free_bytes, ==, G_GUINT64_CONSTANT(268173312) * 1024);
	g_assert_cmpuint(vtier_topology_distance(t, 0, 1), ==, 50);
	g_assert_cmpuint(vtier_topology_distance(t, 1, 1), ==, 10);
	g_assert_cmpuint(vtier_topology_distance(t, 0, 7), ==, VTIER_DISTANCE_UNKNOWN);
	/* node 0: the three System RAM pieces inside memory0 and memory2..384 */
	g_assert_cmpuint(n0->ranges->len, ==, 3);
	assert_range(n0, 0, 0x1000, 0x9ffff);
	assert_range(n0, 1, 0x100000, 0x75ffffff);
	assert_range(n0, 2, 0x100000000, 0xc07fffffff);
	/* node 1: the kmem range nested below the CXL window */
	g_assert_cmpuint(n1->ranges->len, ==, 1);
	assert_range(n1, 0, 0x10000000000, 0x13fffffffff);
	assert_ids(n0->nearest_slow, "1");
	assert_ids(n1->nearest_fast, "0");
	g_assert_cmpuint(t->problems->len, ==, 0);
	g_assert_cmpuint(t->notes->len, ==, 0);
}

static void test_fixture_spr_pairing(void)
{
	g_autoptr(VtierTopology) t = load_fixture("intel-spr-2s-cxl", NULL);
	g_autoptr(GArray) fast = vtier_topology_nodes_with_role(t, VTIER_NODE_ROLE_FAST);
	g_autoptr(GArray) slow = vtier_topology_nodes_with_role(t, VTIER_NODE_ROLE_SLOW);

	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_MEMORY_TIERS);
	assert_ids(fast, "0-1");
	assert_ids(slow, "2-3");
	/* each socket's DRAM pairs with the CXL device on that socket */
	assert_ids(node(t, 0)->nearest_slow, "2");
	assert_ids(node(t, 1)->nearest_slow, "3");
	assert_ids(node(t, 2)->nearest_fast, "0");
	assert_ids(node(t, 3)->nearest_fast, "1");
	assert_range(node(t, 1), 0, 0x8000000000, 0xffffffffff);
	/* memory639 is offline: node 3 ends one 2 GiB block early */
	g_assert_cmpuint(node(t, 3)->n_offline_blocks, ==, 1);
	g_assert_cmpuint(node(t, 3)->ranges->len, ==, 1);
	assert_range(node(t, 3), 0, 0x12000000000, 0x13f7fffffff);
	g_assert_cmpuint(vtier_node_range_bytes(node(t, 3)), ==, 126 * GIB);
	/* this host left the kernel's NUMA balancing on: it would undo vtier's placement */
	g_assert_cmpint(t->numa_balancing, ==, 1);
	g_assert_cmpint(t->demotion_enabled, ==, 1);
	g_assert_cmpuint(t->problems->len, ==, 1);
	g_assert_nonnull(strstr(((VtierTopologyProblem *)g_ptr_array_index(t->problems, 0))->fix,
				"kernel.numa_balancing=0"));
	g_assert_cmpuint(t->notes->len, ==, 2);
	g_assert_nonnull(strstr(g_ptr_array_index(t->notes, 0), "demotion_enabled=true"));
	g_assert_nonnull(strstr(g_ptr_array_index(t->notes, 1), "node 3: 1 memory block"));
}

static void test_fixture_no_slow_tier(void)
{
	g_autoptr(VtierTopology) t = load_fixture("intel-icx-2s-dram", NULL);
	g_autoptr(GArray) slow = vtier_topology_nodes_with_role(t, VTIER_NODE_ROLE_SLOW);

	/* one kernel tier only: the CPU rule decides, and both nodes have CPUs */
	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_CPULESS);
	g_assert_cmpuint(slow->len, ==, 0);
	g_assert_cmpint(node(t, 0)->role, ==, VTIER_NODE_ROLE_FAST);
	g_assert_cmpint(node(t, 1)->role, ==, VTIER_NODE_ROLE_FAST);
	g_assert_cmpuint(node(t, 0)->nearest_slow->len, ==, 0);
	/* NUMA balancing is on, but with nothing to tier it is no problem for vtier */
	g_assert_cmpint(t->numa_balancing, ==, 1);
	g_assert_cmpuint(t->problems->len, ==, 0);
	g_assert_nonnull(strstr(g_ptr_array_index(t->notes, 0), "no slow memory node"));
	assert_range(node(t, 1), 0, 0x4080000000, 0x80ffffffff);
}

static void test_fixture_broken_tier(void)
{
	g_autoptr(VtierTopology) t = load_fixture(BROKEN, NULL);
	const VtierTopologyProblem *p;

	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_CPULESS);
	g_assert_cmpint(node(t, 0)->role, ==, VTIER_NODE_ROLE_FAST);
	g_assert_cmpint(node(t, 1)->role, ==, VTIER_NODE_ROLE_SLOW);
	g_assert_cmpint(node(t, 1)->memory_tier, ==, 4);
	g_assert_cmpuint(t->problems->len, ==, 1);
	p = g_ptr_array_index(t->problems, 0);
	g_assert_nonnull(strstr(p->summary, "slow node(s) 1"));
	g_assert_nonnull(strstr(p->summary, "memory_tier4"));
	g_assert_nonnull(strstr(p->fix, "HMAT"));
	g_assert_nonnull(strstr(p->fix, "[topology] fast_nodes=0 slow_nodes=1"));
	/* plain "System RAM" (not kmem) ranges work the same */
	assert_range(node(t, 1), 0, 0x6080000000, 0x807fffffff);
}

/* The lab's QEMU guest, captured from a real 7.3 kernel (tests/data/sysfs/lab-qemu/README.md). */
static void test_fixture_lab_qemu(void)
{
	g_autoptr(VtierTopology) t = load_fixture("lab-qemu", NULL);
	const VtierNode *n0 = node(t, 0), *n1 = node(t, 1);
	const VtierTopologyProblem *p;

	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_MEMORY_TIERS);
	g_assert_cmpuint(t->block_size_bytes, ==, 128 * 1024 * 1024);
	g_assert_cmpint(n0->role, ==, VTIER_NODE_ROLE_FAST);
	g_assert_cmpint(n1->role, ==, VTIER_NODE_ROLE_SLOW);
	assert_ids(n0->cpus, "0-1");
	g_assert_cmpuint(n1->cpus->len, ==, 0);
	g_assert_cmpint(n0->memory_tier, ==, 4);
	g_assert_cmpint(n1->memory_tier, ==, 54);
	g_assert_cmpuint(vtier_topology_distance(t, 0, 1), ==, 20);
	assert_ids(n0->nearest_slow, "1");
	g_assert_cmpuint(n0->ranges->len, ==, 2);
	assert_range(n0, 0, 0x1000, 0x9fbff);
	assert_range(n0, 1, 0x100000, 0x3fffffff);
	/* node1 = memory8..15 = [0x40000000, 0x80000000), less the 128 KiB the firmware reserves */
	g_assert_cmpuint(n1->ranges->len, ==, 1);
	assert_range(n1, 0, 0x40000000, 0x7ffdffff);
	g_assert_cmpuint(t->numa_balancing, ==, 1);
	g_assert_cmpuint(t->problems->len, ==, 1);
	p = g_ptr_array_index(t->problems, 0);
	g_assert_nonnull(strstr(p->summary, "kernel.numa_balancing=1"));
}

/* Node1's range, recomputed from the captured memory blocks and iomem of the real lab tree. */
static void test_lab_qemu_blocks(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "lab-qemu", NULL);
	g_autofree gchar *node1 = g_build_filename(root, NODE_DIR "node1", NULL);
	g_autoptr(GDir) dir = g_dir_open(node1, 0, NULL);
	g_autoptr(VtierTopology) t = load_fixture("lab-qemu", NULL);
	const VtierPhysRange *r = &g_array_index(node(t, 1)->ranges, VtierPhysRange, 0);
	guint64 first = G_MAXUINT64, last = 0, bs = 128 * 1024 * 1024;
	const gchar *name;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		guint64 b;

		if (!g_str_has_prefix(name, "memory") || !g_ascii_isdigit(name[6]))
			continue;
		b = g_ascii_strtoull(name + 6, NULL, 10);
		first = MIN(first, b);
		last = MAX(last, b);
	}
	g_assert_cmpuint(first, ==, 8);
	g_assert_cmpuint(last, ==, 15);
	g_assert_cmphex(r->start, ==, first * bs);
	g_assert_cmphex(r->end, <=, (last + 1) * bs);
	g_assert_cmphex((last + 1) * bs - r->end, ==, 128 * 1024);
}

/* The same real tree as it looks without HMAT: both nodes in memory_tier4. */
static void test_lab_qemu_without_hmat(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("lab-qemu");
	g_autofree gchar *tier54 = g_build_filename(
		root->root, "sys/devices/virtual/memory_tiering/memory_tier54", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierTopology) t = NULL;

	vtier_test_rm_rf(tier54);
	vtier_test_write_file(root->root, "sys/devices/virtual/memory_tiering/memory_tier4/nodelist",
			      "0-1\n");
	t = vtier_topology_load(NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_CPULESS);
	g_assert_cmpint(node(t, 1)->role, ==, VTIER_NODE_ROLE_SLOW);
	g_assert_cmpuint(t->problems->len, ==, 2);
	g_assert_nonnull(strstr(((VtierTopologyProblem *)g_ptr_array_index(t->problems, 0))->summary,
				"memory_tier4"));
}

static void test_config_override(void)
{
	g_autoptr(VtierTopology) t = load_fixture(BROKEN, "[topology]\nfast_nodes=0\n"
							"slow_nodes=1\n");
	g_autoptr(VtierTopology) spr = load_fixture("intel-spr-2s-cxl", "[topology]\n"
									"slow_nodes=2\n");
	g_autoptr(GArray) fast = vtier_topology_nodes_with_role(spr, VTIER_NODE_ROLE_FAST);
	const VtierTopologyProblem *p;

	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_CONFIG);
	g_assert_cmpint(node(t, 1)->role, ==, VTIER_NODE_ROLE_SLOW);
	/* the kernel's tiers are still wrong for its own tiering: still reported, without the
	 * advice to set what is already set */
	g_assert_cmpuint(t->problems->len, ==, 1);
	p = g_ptr_array_index(t->problems, 0);
	g_assert_null(strstr(p->fix, "fast_nodes="));
	/* only slow_nodes given: every other memory node is fast, even a CPU-less one */
	g_assert_cmpint(spr->basis, ==, VTIER_TOPOLOGY_BASIS_CONFIG);
	assert_ids(fast, "0-1,3");
	assert_ids(node(spr, 0)->nearest_slow, "2");
	assert_ids(node(spr, 1)->nearest_slow, "2");
	/* configured fast node 3 shares memory_tier22 with slow node 2 (and NUMA balancing is on)
	 */
	g_assert_cmpuint(spr->problems->len, ==, 2);
	p = g_ptr_array_index(spr->problems, 0);
	g_assert_nonnull(strstr(p->summary, "slow node(s) 2 sit in the same kernel memory tier "
					    "(memory_tier22) as fast node(s) 3"));
}

static void test_config_swapped(void)
{
	g_autoptr(VtierTopology) t = load_fixture("amd-turin-cxl", "[topology]\nfast_nodes=1\n"
								     "slow_nodes=0\n");
	const VtierTopologyProblem *p;

	g_assert_cmpint(node(t, 1)->role, ==, VTIER_NODE_ROLE_FAST);
	g_assert_cmpuint(t->problems->len, ==, 1);
	p = g_ptr_array_index(t->problems, 0);
	g_assert_nonnull(strstr(p->summary, "configured fast node 1 is in a slower kernel memory "
					    "tier (memory_tier22) than configured slow node 0"));
	g_assert_nonnull(strstr(p->fix, "swapped"));
}

static void test_config_override_errors(void)
{
	static const struct {
		const gchar *conf;
		const gchar *message;
	} cases[] = {
	    {"[topology]\nfast_nodes=0\nslow_nodes=5\n", "slow_nodes: node 5 does not exist"},
	    {"[topology]\nfast_nodes=0-1\nslow_nodes=1\n", "node 1 is in both"},
	    {"[topology]\nfast_nodes=zero\n", "[topology] fast_nodes: \"zero\" is not a number"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierConfig) config = vtier_config_load_data(cases[i].conf, "t", &error);
		g_auto(VtierOptions) options = { 0 };
		g_autoptr(VtierTopology) t = NULL;

		g_assert_no_error(error);
		/* what needs no host fails in the mapping every consumer shares */
		if (vtier_config_to_options(config, &options, &error)) {
			vtier_test_sysroot_fixture(BROKEN);
			t = vtier_topology_load(&options.topology, &error);
			vtier_paths_set_sysroot(NULL);
		}
		g_assert_null(t);
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, cases[i].message));
	}
}

/* A literal topology as the planner builds one: no kernel tiers, distances decide. */
static void test_literal_classify(void)
{
	g_autoptr(VtierTopology) t = vtier_topology_new();
	g_autoptr(GError) error = NULL;
	guint cpu = 0;
	static const guint dist[4][4] = {
		{ 10, 20, 10, 30 }, { 20, 10, 30, 12 }, { 10, 30, 10, 40 }, { 30, 12, 40, 10 }
	};

	for (guint id = 0; id < 4; id++) {
		VtierNode *n = vtier_node_new(id);

		if (id < 2)
			g_array_append_val(n->cpus, cpu);
		n->has_memory = TRUE;
		for (guint j = 0; j < 4; j++)
			vtier_node_set_distance(n, j, dist[id][j]);
		vtier_node_add_range(n, id * GIB, (id + 1) * GIB);
		vtier_topology_add_node(t, n);
	}
	g_assert_true(vtier_topology_classify(t, NULL, "", &error));
	g_assert_no_error(error);
	g_assert_cmpint(t->basis, ==, VTIER_TOPOLOGY_BASIS_CPULESS);
	/* node 2 is CPU-less but as near as local memory: fast; node 3 is farther: slow */
	g_assert_cmpint(node(t, 2)->role, ==, VTIER_NODE_ROLE_FAST);
	g_assert_cmpint(node(t, 3)->role, ==, VTIER_NODE_ROLE_SLOW);
	assert_ids(node(t, 0)->nearest_slow, "3");
	assert_ids(node(t, 3)->nearest_fast, "1");
	/* re-classifying replaces rather than accumulates */
	g_assert_true(vtier_topology_classify(t, "0", "1-3", &error));
	g_assert_true(vtier_topology_classify(t, "0", "1-3", &error));
	assert_ids(node(t, 0)->nearest_slow, "2");
	g_assert_cmpuint(t->problems->len, ==, 0);
	g_assert_cmpuint(t->notes->len, ==, 0);
}

/* Ranges merge across touching blocks and ties in distance give several nearest nodes. */
static void test_literal_ranges_and_ties(void)
{
	g_autoptr(VtierTopology) t = vtier_topology_new();
	g_autoptr(GError) error = NULL;
	guint cpu = 0;

	for (guint id = 0; id < 3; id++) {
		VtierNode *n = vtier_node_new(id);

		if (id == 0)
			g_array_append_val(n->cpus, cpu);
		n->has_memory = TRUE;
		for (guint j = 0; j < 3; j++)
			vtier_node_set_distance(n, j, id == j ? 10 : 20);
		vtier_topology_add_node(t, n);
	}
	vtier_node_add_range((VtierNode *)node(t, 0), 0, GIB);
	vtier_node_add_range((VtierNode *)node(t, 0), GIB, 2 * GIB);
	vtier_node_add_range((VtierNode *)node(t, 0), 3 * GIB, 4 * GIB);
	g_assert_cmpuint(node(t, 0)->ranges->len, ==, 2);
	g_assert_cmpuint(vtier_node_range_bytes(node(t, 0)), ==, 3 * GIB);
	g_assert_true(vtier_topology_classify(t, NULL, NULL, &error));
	assert_ids(node(t, 0)->nearest_slow, "1-2");
}

static void test_golden(gconstpointer data)
{
	const gchar *fixture = data;
	g_autoptr(VtierTopology) t = load_fixture(fixture, NULL);
	g_autofree gchar *text = vtier_topology_to_text(t);
	g_autoptr(JsonNode) json = vtier_topology_to_json(t);
	g_autofree gchar *json_text = json_to_string(json, TRUE);
	g_autofree gchar *text_name = g_strdup_printf("topology-%s.txt", fixture);
	g_autofree gchar *json_name = g_strdup_printf("topology-%s.json", fixture);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	vtier_test_assert_golden(text_name, text);
	vtier_test_assert_golden(json_name, json_text);
	g_assert_true(json_parser_load_from_data(parser, json_text, -1, &error));
	g_assert_no_error(error);
}

/* Malformed and missing kernel files: an error naming the file, never a crash. */
typedef struct {
	const gchar *name;
	const gchar *file;     /* relative to the sysroot */
	const gchar *contents; /* NULL: delete the file */
	const gchar *message;  /* expected in the error */
} Corruption;

static const Corruption corruptions[] = {
    {"online-missing", NODE_DIR "online", NULL, "cannot read /sys/devices/system/node/online"},
    {"online-empty", NODE_DIR "online", "\n", "/sys/devices/system/node/online: no online node"},
    {"online-garbage", NODE_DIR "online", "zero\n", "/sys/devices/system/node/online: \"zero\""},
    {"cpulist-garbage", NODE_DIR "node0/cpulist", "0-63,x\n",
     "/sys/devices/system/node/node0/cpulist: \"x\" is not a number"},
    {"distance-empty", NODE_DIR "node1/distance", "", "/sys/devices/system/node/node1/distance"},
    {"distance-short", NODE_DIR "node1/distance", "32\n",
     "/sys/devices/system/node/node1/distance: \"32\" has 1 entries for 2 online nodes"},
    {"distance-long", NODE_DIR "node1/distance", "32 10 10\n", "more entries than the 2"},
    {"distance-garbage", NODE_DIR "node0/distance", "10 far\n",
     "/sys/devices/system/node/node0/distance: \"far\" is not a number"},
    {"meminfo-missing", NODE_DIR "node1/meminfo", NULL,
     "cannot read /sys/devices/system/node/node1/meminfo"},
    {"meminfo-empty", NODE_DIR "node0/meminfo", "",
     "/sys/devices/system/node/node0/meminfo: no \"MemTotal:\" line"},
    {"meminfo-garbage", NODE_DIR "node0/meminfo", "Node 0 MemTotal: lots kB\n",
     "/sys/devices/system/node/node0/meminfo: \"lots\" is not a number"},
    {"has-memory-garbage", NODE_DIR "has_memory", "0-\n", "/sys/devices/system/node/has_memory"},
    {"tier-garbage", "sys/devices/virtual/memory_tiering/memory_tier4/nodelist", "all\n",
     "/sys/devices/virtual/memory_tiering/memory_tier4/nodelist: \"all\""},
    {"block-size-missing", MEM_DIR "block_size_bytes", NULL,
     "cannot read /sys/devices/system/memory/block_size_bytes"},
    {"block-size-garbage", MEM_DIR "block_size_bytes", "2 GiB\n",
     "/sys/devices/system/memory/block_size_bytes: \"2 GiB\" is not a power-of-two"},
    {"block-size-zero", MEM_DIR "block_size_bytes", "0\n", "block_size_bytes: \"0\""},
    {"block-state-garbage", MEM_DIR "memory200/state", "sleeping\n",
     "/sys/devices/system/memory/memory200/state: \"sleeping\" is not a memory block state"},
    {"block-state-missing", MEM_DIR "memory0/state", NULL,
     "cannot read /sys/devices/system/memory/memory0/state"},
    {"numa-balancing-garbage", "proc/sys/kernel/numa_balancing", "on\n",
     "/proc/sys/kernel/numa_balancing: \"on\" is not a number"},
    {"demotion-garbage", "sys/kernel/mm/numa/demotion_enabled", "yes\n",
     "/sys/kernel/mm/numa/demotion_enabled: \"yes\" is not true or false"},
    {"iomem-missing", "proc/iomem", NULL, "cannot read /proc/iomem"},
    {"iomem-empty", "proc/iomem", "", "/proc/iomem: no \"System RAM\" line"},
    {"iomem-garbage", "proc/iomem", "00001000-0009ffff : System RAM\nhello\n",
     "/proc/iomem: line 2 \"hello\""},
};

static void test_malformed(gconstpointer data)
{
	const Corruption *c = data;
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(BROKEN);
	g_autofree gchar *path = g_build_filename(root->root, c->file, NULL);
	g_autoptr(VtierTopology) t = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	if (c->contents == NULL)
		g_assert_cmpint(g_unlink(path), ==, 0);
	else
		vtier_test_write_file(root->root, c->file, c->contents);
	t = vtier_topology_load(NULL, &error);
	g_assert_null(t);
	g_assert_nonnull(error);
	g_test_message("%s: %s", c->name, error->message);
	g_assert_nonnull(strstr(error->message, c->message));
}

static void test_empty_tree(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierTopology) t = vtier_topology_load(NULL, &error);

	g_assert_null(t);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "/sys/devices/system/node/online"));
}

/* Without root /proc/iomem shows zeros: ranges come from the memory blocks alone, with a note. */
static void test_iomem_hidden(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(BROKEN);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierTopology) t = NULL;

	vtier_test_write_file(root->root, "proc/iomem",
			      "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n"
			      "00000000-00000000 : System RAM\n");
	t = vtier_topology_load(NULL, &error);
	g_assert_no_error(error);
	g_assert_true(t->iomem_hidden);
	assert_range(node(t, 0), 0, 0, 0x7fffffff);
	assert_range(node(t, 0), 1, 0x100000000, 0x607fffffff);
	g_assert_nonnull(strstr(g_ptr_array_index(t->notes, t->notes->len - 1), "/proc/iomem"));
}

/* A memory-less node (CPUs only) takes no role; a tree without memory_tiering uses CPUs. */
static void test_memoryless_node_no_tiers(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("intel-icx-2s-dram");
	g_autofree gchar *tiers = g_build_filename(root->root, "sys/devices/virtual", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierTopology) t = NULL;

	vtier_test_rm_rf(tiers);
	vtier_test_write_file(root->root, NODE_DIR "has_memory", "0\n");
	vtier_test_write_file(root->root, NODE_DIR "node1/meminfo",
			      "Node 1 MemTotal: 0 kB\nNode 1 MemFree: 0 kB\n");
	t = vtier_topology_load(NULL, &error);
	g_assert_no_error(error);
	g_assert_false(t->has_memory_tiers);
	g_assert_cmpint(node(t, 0)->memory_tier, ==, VTIER_MEMORY_TIER_NONE);
	g_assert_cmpint(node(t, 1)->role, ==, VTIER_NODE_ROLE_NONE);
	g_assert_false(node(t, 1)->has_memory);
}

/* The machine this runs on, read-only: whatever it is, the reader must make sense of it. */
static void test_real_machine(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierTopology) t = NULL;
	g_autofree gchar *text = NULL;

	vtier_paths_set_sysroot(NULL);
	if (!g_file_test("/sys/devices/system/node/online", G_FILE_TEST_EXISTS)) {
		g_test_skip("this kernel has no NUMA sysfs");
		return;
	}
	t = vtier_topology_load(NULL, &error);
	g_assert_no_error(error);
	text = vtier_topology_to_text(t);
	g_test_message("%s", text);
	g_assert_cmpuint(t->nodes->len, >=, 1);
	g_assert_cmpuint(t->block_size_bytes, >, 0);
	for (guint i = 0; i < t->nodes->len; i++) {
		const VtierNode *n = g_ptr_array_index(t->nodes, i);

		g_assert_cmpuint(vtier_topology_distance(t, n->id, n->id), ==, 10);
		if (n->has_memory)
			g_assert_cmpuint(n->ranges->len, >, 0);
		for (guint r = 1; r < n->ranges->len; r++)
			g_assert_cmphex(g_array_index(n->ranges, VtierPhysRange, r).start, >,
					g_array_index(n->ranges, VtierPhysRange, r - 1).end);
	}
}

int main(int argc, char **argv)
{
	static const gchar *const golden[] = { "amd-turin-cxl", "intel-spr-2s-cxl",
					       "intel-icx-2s-dram", BROKEN, "lab-qemu" };

	vtier_test_init(&argc, &argv);
	g_test_add_func("/topology/parse-id-list", test_parse_id_list);
	g_test_add_func("/topology/iomem", test_iomem_parse);
	g_test_add_func("/topology/fixture/amd-turin-cxl", test_fixture_turin);
	g_test_add_func("/topology/fixture/intel-spr-2s-cxl", test_fixture_spr_pairing);
	g_test_add_func("/topology/fixture/no-slow-tier", test_fixture_no_slow_tier);
	g_test_add_func("/topology/fixture/cxl-in-dram-tier", test_fixture_broken_tier);
	g_test_add_func("/topology/fixture/lab-qemu", test_fixture_lab_qemu);
	g_test_add_func("/topology/fixture/lab-qemu-blocks", test_lab_qemu_blocks);
	g_test_add_func("/topology/fixture/lab-qemu-without-hmat", test_lab_qemu_without_hmat);
	g_test_add_func("/topology/config/override", test_config_override);
	g_test_add_func("/topology/config/errors", test_config_override_errors);
	g_test_add_func("/topology/config/swapped", test_config_swapped);
	g_test_add_func("/topology/literal/classify", test_literal_classify);
	g_test_add_func("/topology/literal/ranges-and-ties", test_literal_ranges_and_ties);
	for (gsize i = 0; i < G_N_ELEMENTS(golden); i++) {
		g_autofree gchar *name = g_strdup_printf("/topology/golden/%s", golden[i]);
		g_test_add_data_func(name, golden[i], test_golden);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(corruptions); i++) {
		g_autofree gchar *name = g_strdup_printf("/topology/malformed/%s",
							 corruptions[i].name);
		g_test_add_data_func(name, &corruptions[i], test_malformed);
	}
	g_test_add_func("/topology/malformed/empty-tree", test_empty_tree);
	g_test_add_func("/topology/iomem-hidden", test_iomem_hidden);
	g_test_add_func("/topology/memoryless-node-no-tiers", test_memoryless_node_no_tiers);
	g_test_add_func("/topology/real-machine", test_real_machine);
	return g_test_run();
}
