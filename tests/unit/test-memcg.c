/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "virt/memcg.h"
#include "vtier-test.h"

typedef struct {
	const gchar *fixture;
	const gchar *domain;
	gint pid;
	VtierCgroupVersion version;
	const gchar *memcg;
	guint n_nodes;
	guint64 node0_bytes;
	guint64 node1_bytes;
} Layout;

static void check_layout(gconstpointer data)
{
	const Layout *l = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) g = vtier_guest_new(VTIER_GUEST_SOURCE_LIBVIRT);
	g_autofree gchar *path = NULL;
	VtierCgroupVersion version;
	guint64 node0 = l->version == VTIER_CGROUP_V1 ? l->node0_bytes * vtier_page_size()
						       : l->node0_bytes;
	guint64 node1 = l->version == VTIER_CGROUP_V1 ? l->node1_bytes * vtier_page_size()
						       : l->node1_bytes;

	vtier_test_sysroot_fixture(l->fixture);
	g_assert_cmpint(vtier_memcg_host_version(), ==, l->version);
	g_assert_true(vtier_memcg_resolve(l->pid, &version, &path, &error));
	g_assert_no_error(error);
	g_assert_cmpint(version, ==, l->version);
	g_assert_cmpstr(path, ==, l->memcg);

	g->name = g_strdup(l->domain);
	g_assert_true(vtier_memcg_resolve_guest(g, TRUE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g->pid, ==, l->pid);
	g_assert_cmpstr(g->memcg_path, ==, l->memcg);
	g_assert_cmpuint(g->node_bytes->len, ==, l->n_nodes);
	g_assert_cmpuint(g_array_index(g->node_bytes, guint64, 0), ==, node0);
	if (l->n_nodes > 1)
		g_assert_cmpuint(g_array_index(g->node_bytes, guint64, 1), ==, node1);
	vtier_paths_set_sysroot(NULL);
}

static const Layout layouts[] = {
	{ "memcg-v1-nosystemd", "vm1", 29919, VTIER_CGROUP_V1, "/machine/qemu-1-vm1.libvirt-qemu",
	  1, 3740, 0 },
	{ "memcg-v1-nosystemd", "web", 4343, VTIER_CGROUP_V1,
	  "/machine/tenant.partition/qemu-3-web.libvirt-qemu", 2, 3000, 1000 },
	{ "memcg-v1-systemd", "old", 777, VTIER_CGROUP_V1,
	  "/machine.slice/machine-qemu\\x2d1\\x2dold.scope", 1, 65536, 0 },
	{ "memcg-v2-systemd", "db1", 5151, VTIER_CGROUP_V2,
	  "/machine.slice/machine-qemu\\x2d3\\x2ddb1.scope/libvirt", 2, 3221225472ULL + 2097152,
	  1073741824ULL },
	{ "memcg-v2-systemd", "app", 5252, VTIER_CGROUP_V2,
	  "/machine.slice/machine-tenant.slice/machine-qemu\\x2d5\\x2dapp.scope/libvirt", 1,
	  536870912ULL, 0 },
	{ "memcg-v2-systemd", "legacy", 5353, VTIER_CGROUP_V2,
	  "/machine.slice/machine-qemu\\x2d1\\x2dlegacy.scope", 1, 268435456ULL, 0 },
	{ "memcg-v2-nosystemd", "web", 6161, VTIER_CGROUP_V2, "/machine", 2, 104857600ULL, 0 },
};

static void test_memcg_pid_errors(void)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;
	g_autoptr(GError) e4 = NULL;
	gint pid = 0;

	vtier_test_sysroot_fixture("memcg-v1-nosystemd");
	g_assert_false(vtier_memcg_read_libvirt_pid("gone", &pid, &e1));
	g_assert_error(e1, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(e1->message, "4444"));
	g_assert_false(vtier_memcg_read_libvirt_pid("garbage", &pid, &e2));
	g_assert_error(e2, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_nonnull(strstr(e2->message, "/run/libvirt/qemu/garbage.pid"));
	g_assert_false(vtier_memcg_read_libvirt_pid("absent", &pid, &e3));
	g_assert_error(e3, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_false(vtier_memcg_read_libvirt_pid("../../etc/x", &pid, &e4));
	g_assert_error(e4, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_cmpint(pid, ==, 0);
	vtier_paths_set_sysroot(NULL);
}

static void test_memcg_proc_cgroup_errors(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autofree gchar *path = NULL;
	VtierCgroupVersion version;

	vtier_test_write_file(root->root, "proc/10/cgroup", "garbage without colons\n");
	g_assert_false(vtier_memcg_resolve(10, &version, &path, &e1));
	g_assert_error(e1, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_nonnull(strstr(e1->message, "/proc/10/cgroup"));
	/* only v1 controllers without memory, and no unified hierarchy with controllers */
	vtier_test_write_file(root->root, "proc/11/cgroup", "3:cpu:/a\n0::/a\n");
	g_assert_false(vtier_memcg_resolve(11, &version, &path, &e2));
	g_assert_error(e2, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
	g_assert_null(path);
	vtier_paths_set_sysroot(NULL);
}

static void test_memcg_numa_stat_parse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) v1 = NULL;
	g_autoptr(GArray) v1flat = NULL;
	g_autoptr(GArray) v2 = NULL;
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GArray) bad = NULL;

	/* v1: hierarchical_total wins over total when present */
	g_assert_true(vtier_memcg_parse_numa_stat(VTIER_CGROUP_V1,
						  "total=3 N0=1 N1=2\nfile=0 N0=0 N1=0\n"
						  "hierarchical_total=30 N0=10 N1=20\n",
						  4096, &v1, &error));
	g_assert_cmpuint(v1->len, ==, 2);
	g_assert_cmpuint(g_array_index(v1, guint64, 1), ==, 20 * 4096);
	g_assert_true(vtier_memcg_parse_numa_stat(VTIER_CGROUP_V1, "total=3 N0=1 N3=2\n", 4096,
						  &v1flat, &error));
	g_assert_cmpuint(v1flat->len, ==, 4);
	g_assert_cmpuint(g_array_index(v1flat, guint64, 2), ==, 0);
	g_assert_cmpuint(g_array_index(v1flat, guint64, 3), ==, 8192);
	/* v2: anon + file, bytes */
	g_assert_true(vtier_memcg_parse_numa_stat(VTIER_CGROUP_V2,
						  "anon N0=100 N1=7\nfile N0=1 N1=0\n"
						  "shmem N0=1 N1=0\nanon_thp N0=99 N1=0\n",
						  4096, &v2, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(g_array_index(v2, guint64, 0), ==, 101);
	g_assert_cmpuint(g_array_index(v2, guint64, 1), ==, 7);
	g_assert_false(vtier_memcg_parse_numa_stat(VTIER_CGROUP_V2, "anon N0=x\n", 4096, &bad, &e1));
	g_assert_error(e1, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_false(vtier_memcg_parse_numa_stat(VTIER_CGROUP_V1, "anon N0=1\n", 4096, &bad, &e2));
	g_assert_error(e2, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_null(bad);
}

static GArray *spans_of(const guint64 *pfns, guint n)
{
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(VtierMemcgSpan));

	for (guint i = 0; i < n; i += 2)
		g_array_append_val(spans, ((VtierMemcgSpan){ pfns[i] * vtier_page_size(),
							      pfns[i + 1] * vtier_page_size() }));
	return spans;
}

static void assert_spans(const GArray *spans, const guint64 *pfns, guint n)
{
	g_assert_cmpuint(spans->len, ==, n / 2);
	for (guint i = 0; i < n; i += 2) {
		g_assert_cmpuint(g_array_index(spans, VtierMemcgSpan, i / 2).start, ==,
				 pfns[i] * vtier_page_size());
		g_assert_cmpuint(g_array_index(spans, VtierMemcgSpan, i / 2).end, ==,
				 pfns[i + 1] * vtier_page_size());
	}
}

/* Where a memcg's pages lie (kpagecgroup): its frames and a child cgroup's, within the spans
 * asked for; others' frames and frames on no LRU list (kpageflags) left out; runs closer than the
 * join one; then joined across the narrowest gaps down to the most spans asked for. */
static void test_memcg_map(void)
{
	g_autoptr(VtierTestSysroot) sr = vtier_test_sysroot_new(NULL);
	static const guint64 node[] = { 1024, 4096 }, past[] = { 1024, 4096, 1u << 20, (1u << 20) + 4096 };
	static const guint64 all[] = { 1024, 1100, 1200, 1210, 1500, 1502, 2000, 2010 };
	static const guint64 two[] = { 1024, 1502, 2000, 2010 };
	static const guint64 joined[] = { 1024, 1210, 1500, 1502, 2000, 2010 };
	static const guint64 short_flags[] = { 1024, 1100, 1200, 1210, 1500, 1501 };
	const gchar *w1 = "sys/fs/cgroup/vtier.slice/w1.scope";
	g_autofree gchar *flags_path = g_build_filename(sr->root, "proc", "kpageflags", NULL);
	g_autoptr(GArray) spans = spans_of(node, 2);
	g_autoptr(GArray) far = spans_of(past, 4);
	g_autoptr(GArray) got = NULL;
	g_autoptr(GError) error = NULL;
	guint64 bytes = 0;

	/* none of it yet: the memcg, then the file, each named */
	g_assert_false(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", spans, 8, 0, &got,
				       &bytes, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "/sys/fs/cgroup/vtier.slice/w1.scope"));
	g_clear_error(&error);
	vtier_test_write_file(sr->root, "sys/fs/cgroup/vtier.slice/w1.scope/cgroup.procs", "");
	g_assert_false(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", spans, 8, 0, &got,
				       &bytes, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "kpagecgroup"));
	g_clear_error(&error);
	/* kpagecgroup without kpageflags: named too */
	vtier_test_write_file(sr->root, "proc/kpagecgroup", "");
	g_assert_false(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", spans, 8, 0, &got,
				       &bytes, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "/proc/kpageflags"));
	g_clear_error(&error);

	vtier_test_charge_pages(sr->root, w1, 1000, 100); /* 1000-1023 before the span */
	/* its page tables, on no LRU list: migration cannot move them, so they are no aim */
	vtier_test_charge_kernel_pages(sr->root, w1, 1600, 50);
	vtier_test_charge_kernel_pages(sr->root, w1, 3000, 50);
	/* a THP whose tail frames carry KPF_THP and not KPF_LRU (kernels that report the page's
	 * flags): all of it counts, the head on the LRU list and its tails */
	vtier_test_charge_frames(sr->root, w1, 2000, 1, (1ull << 5) | (1ull << 15) | (1ull << 22));
	vtier_test_charge_frames(sr->root, w1, 2001, 9, (1ull << 16) | (1ull << 22));
	vtier_test_charge_pages(sr->root, "sys/fs/cgroup/vtier.slice/w1.scope/libvirt", 1200, 10);
	vtier_test_charge_pages(sr->root, "sys/fs/cgroup/vtier.slice/w2.scope", 1300, 100);
	vtier_test_charge_pages(sr->root, w1, 1500, 2);
	vtier_test_charge_pages(sr->root, w1, 5000, 10); /* past the span */
	g_assert_true(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", spans, 8, 0, &got,
				      &bytes, &error));
	g_assert_no_error(error);
	assert_spans(got, all, G_N_ELEMENTS(all));
	g_assert_cmpuint(bytes, ==, (76 + 10 + 2 + 10) * vtier_page_size());
	g_clear_pointer(&got, g_array_unref);
	/* two at most: the widest gap (1502-2000) stays */
	g_assert_true(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", spans, 2, 0, &got,
				      NULL, &error));
	assert_spans(got, two, G_N_ELEMENTS(two));
	g_clear_pointer(&got, g_array_unref);
	/* gaps of up to 200 pages joined: 1100-1200 only */
	g_assert_true(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", spans, 8,
				      200 * vtier_page_size(), &got, NULL, &error));
	assert_spans(got, joined, G_N_ELEMENTS(joined));
	g_clear_pointer(&got, g_array_unref);
	/* a span past the last frame the file has reads as free memory */
	g_assert_true(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", far, 8, 0, &got,
				      &bytes, &error));
	g_assert_no_error(error);
	assert_spans(got, all, G_N_ELEMENTS(all));
	g_assert_cmpuint(bytes, ==, (76 + 10 + 2 + 10) * vtier_page_size());
	g_clear_pointer(&got, g_array_unref);
	/* kpageflags shorter than kpagecgroup (read at another moment, memory hot-removed between):
	 * the frames it does not cover have no flags, so no aim */
	g_assert_cmpint(truncate(flags_path, 1501 * 8), ==, 0);
	g_assert_true(vtier_memcg_map(VTIER_CGROUP_V2, "/vtier.slice/w1.scope", spans, 8, 0, &got,
				      &bytes, &error));
	g_assert_no_error(error);
	assert_spans(got, short_flags, G_N_ELEMENTS(short_flags));
	g_assert_cmpuint(bytes, ==, (76 + 10 + 1) * vtier_page_size());
}

/* Spans of more than 4 GiB of frames are sampled: 2^18 frames spread evenly (16 GiB: one in
 * 16), each standing for the frames up to the next. */
static void test_memcg_map_sampled(void)
{
	g_autoptr(VtierTestSysroot) sr = vtier_test_sysroot_new(NULL);
	static const guint64 node[] = { 0, 1u << 22 }, run[] = { 1600, 2624 },
			     two[] = { 1600, 2624, 40000, 40016 };
	g_autoptr(GArray) spans = spans_of(node, 2);
	g_autoptr(GArray) got = NULL;
	g_autoptr(GError) error = NULL;
	guint64 bytes = 0;

	vtier_test_charge_pages(sr->root, "sys/fs/cgroup/w1", 1600, 1024);
	g_assert_true(vtier_memcg_map(VTIER_CGROUP_V2, "/w1", spans, 8, 0, &got, &bytes, &error));
	g_assert_no_error(error);
	assert_spans(got, run, G_N_ELEMENTS(run));
	g_assert_cmpuint(bytes, ==, 1024 * vtier_page_size());
	g_clear_pointer(&got, g_array_unref);
	/* one page on a sampled frame stands for its 16; one between samples is not seen */
	vtier_test_charge_pages(sr->root, "sys/fs/cgroup/w1", 40000, 1);
	vtier_test_charge_pages(sr->root, "sys/fs/cgroup/w1", 50001, 1);
	g_assert_true(vtier_memcg_map(VTIER_CGROUP_V2, "/w1", spans, 8, 0, &got, &bytes, &error));
	assert_spans(got, two, G_N_ELEMENTS(two));
	g_assert_cmpuint(bytes, ==, (1024 + 16) * vtier_page_size());
}

static void test_memcg_self(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GArray) nodes = NULL;
	VtierCgroupVersion version;

	/* the real host: this test process has a memory cgroup that can be read */
	vtier_paths_set_sysroot(NULL);
	if (!vtier_memcg_resolve(getpid(), &version, &path, &error)) {
		g_test_skip(error->message);
		return;
	}
	g_test_message("own memcg: %s (%s)", path, vtier_cgroup_version_to_string(version));
	g_assert_true(g_str_has_prefix(path, "/"));
	g_assert_true(vtier_memcg_read_numa_stat(version, path, &nodes, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(nodes->len, >, 0);
}

/* The real kernel's kpagecgroup (read only): 64 MiB this process touched are found charged to its
 * own memory cgroup, somewhere in the host's System RAM (/proc/iomem, sampled above 4 GiB). */
static void test_memcg_map_self(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *iomem = NULL;
	g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(VtierMemcgSpan));
	g_autoptr(GArray) got = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree guint8 *mem = g_malloc(64u << 20);
	VtierCgroupVersion version;
	guint64 bytes = 0;

	vtier_paths_set_sysroot(NULL);
	if (!vtier_memcg_resolve(getpid(), &version, &path, &error) ||
	    !g_file_get_contents("/proc/iomem", &iomem, NULL, &error)) {
		g_test_skip(error->message);
		return;
	}
	lines = g_strsplit(iomem, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		guint64 start, end;

		if (lines[i][0] == ' ' || strstr(lines[i], " : System RAM") == NULL ||
		    sscanf(lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x", &start,
			   &end) != 2 || end == 0)
			continue;
		g_array_append_val(spans, ((VtierMemcgSpan){ start, end + 1 }));
	}
	if (spans->len == 0) {
		g_test_skip("no System RAM addresses in /proc/iomem (not root)");
		return;
	}
	memset(mem, 0x5a, 64u << 20);
	if (!vtier_memcg_map(version, path, spans, 8, 2u << 20, &got, &bytes, &error)) {
		if (g_error_matches(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED) ||
		    g_error_matches(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND)) {
			g_test_skip(error->message);
			return;
		}
		g_assert_no_error(error);
	}
	g_test_message("own memcg %s: %" G_GUINT64_FORMAT " MiB in %u spans", path, bytes >> 20,
		       got->len);
	g_assert_cmpuint(got->len, >, 0);
	g_assert_cmpuint(got->len, <=, 8);
	g_assert_cmpuint(bytes, >=, 32u << 20);
	g_assert_cmpuint(mem[12345], ==, 0x5a);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	for (gsize i = 0; i < G_N_ELEMENTS(layouts); i++) {
		g_autofree gchar *name =
			g_strdup_printf("/memcg/layout/%s/%s", layouts[i].fixture, layouts[i].domain);
		g_test_add_data_func(name, &layouts[i], check_layout);
	}
	g_test_add_func("/memcg/pid-errors", test_memcg_pid_errors);
	g_test_add_func("/memcg/proc-cgroup-errors", test_memcg_proc_cgroup_errors);
	g_test_add_func("/memcg/numa-stat-parse", test_memcg_numa_stat_parse);
	g_test_add_func("/memcg/self", test_memcg_self);
	g_test_add_func("/memcg/map", test_memcg_map);
	g_test_add_func("/memcg/map-sampled", test_memcg_map_sampled);
	g_test_add_func("/memcg/map-self", test_memcg_map_self);
	return g_test_run();
}
