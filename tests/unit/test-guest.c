/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "common/error.h"
#include "virt/guest.h"
#include "vtier-test.h"

static VtierGuest *make_guest(void)
{
	VtierGuest *g = vtier_guest_new(VTIER_GUEST_SOURCE_LIBVIRT);
	VtierGuestMemdev *m = vtier_guest_memdev_new();
	guint node = 1;
	guint64 bytes[] = { 1048576, 3145728 };

	g->name = g_strdup("db1");
	g->uuid = g_strdup("4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	g->id = 7;
	g->memory_bytes = 4294967296ULL;
	g->pid = 4242;
	g->memcg_path = g_strdup("/machine/qemu-7-db1.libvirt-qemu");
	g_array_append_val(g->bound_nodes, node);
	g->numatune_mode = g_strdup("strict");
	g->numatune_nodeset = g_strdup("1");
	g->n_vcpus = 2;
	g->vcpu_cpuset = g_strdup("0-3");
	g->hugepages = TRUE;
	g->memory_source = g_strdup("memfd");
	g->memory_access = g_strdup("shared");
	g->memory_allocation = g_strdup("immediate");
	g->n_numa_cells = 2;
	g->policy_xml = g_strdup("<vtier:policy xmlns:vtier=\"x\" mode=\"ratio\"/>");
	g_array_append_vals(g->node_bytes, bytes, 2);
	m->backend_id = g_strdup("ram-node0");
	m->size_bytes = 268435456;
	m->policy = g_strdup("bind");
	g_array_append_val(m->host_nodes, node);
	m->share = TRUE;
	g_ptr_array_add(g->memdevs, m);
	return g;
}

static void test_guest_new_defaults(void)
{
	g_autoptr(VtierGuest) g = vtier_guest_new(VTIER_GUEST_SOURCE_QMP);

	g_assert_cmpint(g->id, ==, -1);
	g_assert_cmpint(g->pid, ==, 0);
	g_assert_cmpuint(g->bound_nodes->len, ==, 0);
	g_assert_cmpuint(g->memdevs->len, ==, 0);
	g_assert_cmpstr(vtier_guest_source_to_string(g->source), ==, "qmp");
}

static void test_guest_json_round_trip(void)
{
	g_autoptr(VtierGuest) g = make_guest();
	g_autoptr(VtierGuest) back = NULL;
	g_autoptr(VtierGuest) copy = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = vtier_guest_to_json_string(g, TRUE);

	vtier_test_assert_golden("guest-db1.json", json);
	back = vtier_guest_from_json_string(json, &error);
	g_assert_no_error(error);
	g_assert_true(vtier_guest_equal(g, back));
	g_assert_cmpuint(g_array_index(back->node_bytes, guint64, 1), ==, 3145728);
	g_assert_cmpstr(((VtierGuestMemdev *)g_ptr_array_index(back->memdevs, 0))->policy, ==,
			"bind");
	copy = vtier_guest_copy(g);
	g_assert_true(vtier_guest_equal(g, copy));
	copy->pid = 1;
	g_assert_false(vtier_guest_equal(g, copy));
}

static void test_guest_json_invalid(void)
{
	const gchar *bad[] = {
		"[]",
		"{\"source\":\"xen\"}",
		"{\"name\":5}",
		"{\"pid\":-3}",
		"{\"bound_nodes\":[1,\"x\"]}",
		"{\"memdevs\":[{\"size\":\"big\"}]}",
		"{\"hugepages\":1}",
		"not json",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierGuest) g = vtier_guest_from_json_string(bad[i], &error);

		g_assert_null(g);
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	}
}

static void test_guest_json_sparse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) g = vtier_guest_from_json_string("{\"name\":\"x\",\"source\":\"pid\"}",
							       &error);

	g_assert_no_error(error);
	g_assert_cmpstr(g->name, ==, "x");
	g_assert_cmpint(g->source, ==, VTIER_GUEST_SOURCE_PID);
	g_assert_cmpint(g->id, ==, -1);
	g_assert_null(g->uuid);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/guest/new-defaults", test_guest_new_defaults);
	g_test_add_func("/guest/json-round-trip", test_guest_json_round_trip);
	g_test_add_func("/guest/json-invalid", test_guest_json_invalid);
	g_test_add_func("/guest/json-sparse", test_guest_json_sparse);
	return g_test_run();
}
