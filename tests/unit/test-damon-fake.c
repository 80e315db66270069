/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "common/paths.h"
#include "tiering/damon/damon-fake.h"
#include "vtier-test.h"

/* The fake on its own: it must answer like mm/damon/sysfs*.c. */

typedef struct {
	VtierTestSysroot *sysroot;
	VtierDamonFeatures *features;
	VtierDamonFake *fake;
	VtierDamonIo *io;
} Fixture;

static void setup(Fixture *fx, const gchar *profile)
{
	fx->sysroot = vtier_test_sysroot_new(NULL);
	vtier_test_write_file(fx->sysroot->root, "sys/fs/cgroup/guest/cgroup.procs", "");
	fx->features = vtier_damon_features_load(profile, NULL);
	fx->fake = vtier_damon_fake_new(fx->features);
	fx->io = vtier_damon_fake_get_io(fx->fake);
}

static void teardown(Fixture *fx)
{
	vtier_damon_io_unref(fx->io);
	vtier_damon_fake_free(fx->fake);
	vtier_damon_features_free(fx->features);
	vtier_test_sysroot_free(fx->sysroot);
}

/* 0 or the errno of writing @value to admin file @rel. */
static int put(Fixture *fx, const gchar *rel, const gchar *value)
{
	g_autofree gchar *path = vtier_damon_admin_path(rel);
	g_autoptr(GError) error = NULL;

	if (vtier_damon_io_write(fx->io, path, value, &error))
		return 0;
	return vtier_damon_io_last_errno(fx->io);
}

static gchar *get(Fixture *fx, const gchar *rel)
{
	g_autofree gchar *path = vtier_damon_admin_path(rel);
	gchar *value = NULL;

	if (!vtier_damon_io_read(fx->io, path, &value, NULL))
		return g_strdup("(absent)");
	return value;
}

#define CTX "kdamonds/0/contexts/0"
#define S0 CTX "/schemes/0"

static void assert_get(Fixture *fx, const gchar *rel, const gchar *expected)
{
	g_autofree gchar *value = get(fx, rel);

	g_assert_cmpstr(value, ==, expected);
}

static void build_basic(Fixture *fx)
{
	g_assert_cmpint(put(fx, "kdamonds/nr_kdamonds", "1"), ==, 0);
	g_assert_cmpint(put(fx, "kdamonds/0/contexts/nr_contexts", "1"), ==, 0);
	g_assert_cmpint(put(fx, CTX "/operations", "paddr"), ==, 0);
	g_assert_cmpint(put(fx, CTX "/targets/nr_targets", "1"), ==, 0);
	g_assert_cmpint(put(fx, CTX "/schemes/nr_schemes", "1"), ==, 0);
}

static void test_nr_wipes(void)
{
	Fixture fx = { 0 };

	setup(&fx, "7.3");
	build_basic(&fx);
	g_assert_cmpint(put(&fx, S0 "/action", "migrate_hot"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/schemes/nr_schemes", "2"), ==, 0);
	assert_get(&fx, S0 "/action", "stat");
	assert_get(&fx, CTX "/schemes/1/target_nid", "-1");
	g_assert_cmpint(put(&fx, CTX "/schemes/nr_schemes", "0"), ==, 0);
	assert_get(&fx, S0 "/action", "(absent)");
	g_assert_cmpint(put(&fx, "kdamonds/0/contexts/nr_contexts", "2"), ==, EINVAL);
	g_assert_cmpint(put(&fx, CTX "/schemes/nr_schemes", "-1"), ==, EINVAL);
	teardown(&fx);
}

/* A directory's children live in a block sized to their count (damon-fake-private.h), with a
 * name index past 32: through nr_* rewrites that grow and shrink them across those sizes, the
 * listing and every lookup stay those of the kernel's tree. */
static void test_nr_children(void)
{
	static const gint counts[] = { 1, 15, 16, 17, 40, 33, 32, 3, 50, 0, 20, 16, 64, 2 };
	Fixture fx = { 0 };

	setup(&fx, "7.3");
	build_basic(&fx);
	for (gsize c = 0; c < G_N_ELEMENTS(counts); c++) {
		g_autofree gchar *nr = g_strdup_printf("%d", counts[c]);
		g_autofree gchar *dir = vtier_damon_admin_path(CTX "/schemes");
		g_autofree gchar *past = g_strdup_printf(CTX "/schemes/%d/action", counts[c]);
		g_auto(GStrv) names = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(put(&fx, CTX "/schemes/nr_schemes", nr), ==, 0);
		g_assert_true(vtier_damon_io_list(fx.io, dir, &names, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(g_strv_length(names), ==, (guint)counts[c] + 1);
		g_assert_true(g_strv_contains((const gchar *const *)names, "nr_schemes"));
		for (gint i = 0; i < counts[c]; i++) {
			g_autofree gchar *name = g_strdup_printf("%d", i);
			g_autofree gchar *action = g_strdup_printf(CTX "/schemes/%d/action", i);

			g_assert_true(g_strv_contains((const gchar *const *)names, name));
			/* fresh: what an earlier, longer list wrote there is gone */
			assert_get(&fx, action, "stat");
			g_assert_cmpint(put(&fx, action, "migrate_hot"), ==, 0);
			assert_get(&fx, action, "migrate_hot");
		}
		assert_get(&fx, past, "(absent)");
		assert_get(&fx, CTX "/schemes/nr_schemes", nr);
		assert_get(&fx, CTX "/targets/nr_targets", "1");
	}
	teardown(&fx);
}

/* A file's value lives in its node up to 15 bytes (7 for a choice or an nr_* file, whose node
 * also holds its choices or builder), in a block of its own past that: every length reads back
 * as written, and a choice file still checks its choices after a long value and a short one. */
static void test_value_lengths(void)
{
	static const gchar *const paths[] = { S0 "/filters/0/memcg_path",
					      S0 "/action", S0 "/quotas/goals/0/target_metric" };
	static const gchar *const values[][4] = {
		{ "/", "/guest/15-bytes", "/guest/16-bytes!", "/machine.slice/vtier-g1.scope" },
		{ "stat", "migrate_hot", "pageout", "lru_prio" }, /* 4, 11, 7 and 8 bytes */
		{ "user_input", "some_mem_psi_us", "user_input", "node_mem_used_bp" },
	};
	Fixture fx = { 0 };

	setup(&fx, "7.3");
	build_basic(&fx);
	g_assert_cmpint(put(&fx, S0 "/filters/nr_filters", "1"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/filters/0/type", "memcg"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/quotas/goals/nr_goals", "1"), ==, 0);
	for (gsize p = 0; p < G_N_ELEMENTS(paths); p++) {
		for (gsize v = 0; v < G_N_ELEMENTS(values[p]); v++) {
			g_assert_cmpint(put(&fx, paths[p], values[p][v]), ==, 0);
			assert_get(&fx, paths[p], values[p][v]);
		}
	}
	g_assert_cmpint(put(&fx, S0 "/action", "no_such_action"), ==, EINVAL);
	assert_get(&fx, S0 "/action", "lru_prio");
	g_assert_cmpint(put(&fx, S0 "/quotas/goals/nr_goals", "2147483648"), ==, ERANGE);
	g_assert_cmpint(put(&fx, S0 "/quotas/goals/nr_goals", "0"), ==, 0);
	assert_get(&fx, S0 "/quotas/goals/nr_goals", "0");
	g_assert_cmpint(put(&fx, S0 "/quotas/goals/nr_goals", "1"), ==, 0);
	assert_get(&fx, S0 "/quotas/goals/0/target_metric", "user_input");
	teardown(&fx);
}

static void test_values(void)
{
	Fixture fx = { 0 };

	setup(&fx, "7.3");
	build_basic(&fx);
	g_assert_cmpint(put(&fx, CTX "/monitoring_attrs/intervals/sample_us", "abc"), ==, EINVAL);
	g_assert_cmpint(put(&fx, CTX "/monitoring_attrs/intervals/sample_us", "-1"), ==, EINVAL);
	g_assert_cmpint(put(&fx, CTX "/monitoring_attrs/intervals/sample_us", "0x10"), ==, 0);
	assert_get(&fx, CTX "/monitoring_attrs/intervals/sample_us", "16");
	g_assert_cmpint(put(&fx, CTX "/monitoring_attrs/intervals/sample_us",
			    "18446744073709551616"), ==, ERANGE);
	g_assert_cmpint(put(&fx, S0 "/target_nid", "-5"), ==, 0);
	assert_get(&fx, S0 "/target_nid", "-5");
	g_assert_cmpint(put(&fx, S0 "/action", "migrate"), ==, EINVAL);
	g_assert_cmpint(put(&fx, S0 "/quotas/goal_tuner", "temporal"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/ops_filters/nr_filters", "1"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/ops_filters/0/type", "addr"), ==, EINVAL); /* a core type */
	g_assert_cmpint(put(&fx, S0 "/ops_filters/0/matching", "yes"), ==, 0);
	assert_get(&fx, S0 "/ops_filters/0/matching", "Y");
	g_assert_cmpint(put(&fx, S0 "/ops_filters/0/allow", "maybe"), ==, EINVAL);
	g_assert_cmpint(put(&fx, S0 "/stats/nr_tried", "1"), ==, EACCES);
	g_assert_cmpint(put(&fx, S0 "/nonexistent", "1"), ==, ENOENT);
	/* a value of 15 bytes is kept in the node, a longer one apart: both ways, over each other */
	g_assert_cmpint(put(&fx, S0 "/quotas/bytes", "123456789012345"), ==, 0);
	assert_get(&fx, S0 "/quotas/bytes", "123456789012345");
	g_assert_cmpint(put(&fx, S0 "/quotas/bytes", "18446744073709551615"), ==, 0);
	assert_get(&fx, S0 "/quotas/bytes", "18446744073709551615");
	g_assert_cmpint(put(&fx, S0 "/quotas/bytes", "1234567890123456"), ==, 0);
	assert_get(&fx, S0 "/quotas/bytes", "1234567890123456");
	g_assert_cmpint(put(&fx, S0 "/quotas/bytes", "7"), ==, 0);
	assert_get(&fx, S0 "/quotas/bytes", "7");
	teardown(&fx);
}

static void test_state_rules(void)
{
	Fixture fx = { 0 };
	g_autofree gchar *stat =
		vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters", "enabled", NULL);
	g_autofree gchar *pid = NULL;

	setup(&fx, "6.18");
	build_basic(&fx);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "commit"), ==, EINVAL);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "off"), ==, EINVAL);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "dance"), ==, EINVAL);
	/* damon_stat is enabled at boot on 6.18 and holds DAMON */
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, EBUSY);
	g_assert_true(vtier_damon_io_write(fx.io, stat, "N", NULL));
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, 0);
	assert_get(&fx, "kdamonds/0/state", "on");
	pid = get(&fx, "kdamonds/0/pid");
	g_assert_cmpint(g_ascii_strtoll(pid, NULL, 10), >, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, EBUSY);
	g_assert_cmpint(put(&fx, "kdamonds/nr_kdamonds", "2"), ==, EBUSY);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "update_schemes_stats"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "update_schemes_quota_goals"), ==, EINVAL);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "off"), ==, 0);
	assert_get(&fx, "kdamonds/0/pid", "-1");
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "off"), ==, EPERM);
	g_assert_cmpint(put(&fx, "kdamonds/nr_kdamonds", "2"), ==, 0);
	teardown(&fx);
}

/* A 7.3 fake whose damon_stat module is off (it would hold DAMON otherwise). */
static void setup_without_damon_stat(Fixture *fx)
{
	setup(fx, "7.3");
	vtier_damon_features_get_module(fx->features, "damon_stat")->enabled = FALSE;
	vtier_damon_fake_free(fx->fake);
	vtier_damon_io_unref(fx->io);
	fx->fake = vtier_damon_fake_new(fx->features);
	fx->io = vtier_damon_fake_get_io(fx->fake);
}

/* `on` validates like damon_sysfs_build_ctx(); a failed `commit` keeps the running config. */
static void test_validation(void)
{
	Fixture fx = { 0 };
	g_autofree gchar *running = NULL;
	g_autofree gchar *after = NULL;

	setup_without_damon_stat(&fx);
	build_basic(&fx);
	g_assert_cmpint(put(&fx, CTX "/monitoring_attrs/nr_regions/min", "2"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, EINVAL);
	g_assert_cmpint(put(&fx, CTX "/monitoring_attrs/nr_regions/min", "10"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/targets/nr_targets", "2"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, EINVAL); /* paddr: one target */
	g_assert_cmpint(put(&fx, CTX "/targets/nr_targets", "1"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/targets/0/regions/nr_regions", "2"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/targets/0/regions/0/end", "100"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/targets/0/regions/1/start", "50"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/targets/0/regions/1/end", "200"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, EINVAL); /* overlapping */
	g_assert_cmpint(put(&fx, CTX "/targets/0/regions/1/start", "100"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/ops_filters/nr_filters", "1"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/ops_filters/0/type", "memcg"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/ops_filters/0/memcg_path", "/nope"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, ENOMEM);
	g_assert_cmpint(put(&fx, S0 "/ops_filters/0/memcg_path", "/guest"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, 0);
	running = vtier_damon_fake_get_running_config(fx.fake, 0);
	g_assert_nonnull(strstr(running, "schemes/0/ops_filters/0/memcg_path /guest\n"));
	g_assert_cmpint(put(&fx, S0 "/quotas/bytes", "4096"), ==, 0);
	g_assert_cmpint(put(&fx, S0 "/ops_filters/0/memcg_path", "/nope"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "commit"), ==, ENOMEM);
	after = vtier_damon_fake_get_running_config(fx.fake, 0);
	g_assert_cmpstr(after, ==, running);
	g_assert_true(vtier_damon_fake_is_running(fx.fake, 0));
	teardown(&fx);
}

/* A commit reuses the dumps of the schemes that did not change since the last one (the fake keeps
 * them): the running configuration must still be the files' configuration, every time. */
static void assert_running_is_files(Fixture *fx)
{
	g_autofree gchar *running = vtier_damon_fake_get_running_config(fx->fake, 0);
	g_autofree gchar *files = vtier_damon_fake_get_files_config(fx->fake, 0);

	g_assert_cmpstr(running, ==, files);
}

static void test_commit_kept_dumps(void)
{
	Fixture fx = { 0 };
	VtierDamonSchemeStats stats = { .nr_tried = 7, .sz_tried = 4096 };
	g_autofree gchar *first = NULL;
	g_autofree gchar *again = NULL;

	setup_without_damon_stat(&fx);
	build_basic(&fx);
	g_assert_cmpint(put(&fx, CTX "/schemes/nr_schemes", "12"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "on"), ==, 0);
	assert_running_is_files(&fx);
	first = vtier_damon_fake_get_running_config(fx.fake, 0);
	/* a commit with nothing changed, and one after the kernel published stats */
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "commit"), ==, 0);
	vtier_damon_fake_set_scheme_stats(fx.fake, 0, 3, &stats);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "update_schemes_stats"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "commit"), ==, 0);
	again = vtier_damon_fake_get_running_config(fx.fake, 0);
	g_assert_cmpstr(again, ==, first);
	/* one value deep in scheme 10, a goal added to scheme 3, the target's region */
	g_assert_cmpint(put(&fx, CTX "/schemes/10/quotas/bytes", "4096"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/schemes/3/quotas/goals/nr_goals", "1"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/schemes/3/quotas/goals/0/target_value", "50"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/targets/0/regions/nr_regions", "1"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/targets/0/regions/0/end", "100"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "commit"), ==, 0);
	assert_running_is_files(&fx);
	g_clear_pointer(&again, g_free);
	again = vtier_damon_fake_get_running_config(fx.fake, 0);
	g_assert_nonnull(strstr(again, "schemes/10/quotas/bytes 4096\n"));
	g_assert_nonnull(strstr(again, "schemes/3/quotas/goals/0/target_value 50\n"));
	g_assert_nonnull(strstr(again, "targets/0/regions/0/end 100\n"));
	/* files written but not committed stay out of the running configuration */
	g_assert_cmpint(put(&fx, CTX "/schemes/10/quotas/bytes", "8192"), ==, 0);
	g_clear_pointer(&first, g_free);
	first = vtier_damon_fake_get_running_config(fx.fake, 0);
	g_assert_cmpstr(first, ==, again);
	/* the schemes recreated: none of the kept dumps may survive */
	g_assert_cmpint(put(&fx, CTX "/schemes/nr_schemes", "13"), ==, 0);
	g_assert_cmpint(put(&fx, CTX "/schemes/12/action", "pageout"), ==, 0);
	g_assert_cmpint(put(&fx, "kdamonds/0/state", "commit"), ==, 0);
	assert_running_is_files(&fx);
	g_clear_pointer(&again, g_free);
	again = vtier_damon_fake_get_running_config(fx.fake, 0);
	g_assert_null(strstr(again, "quotas/bytes 4096\n"));
	g_assert_nonnull(strstr(again, "schemes/12/action pageout\n"));
	teardown(&fx);
}

static const gchar *const count_files[] = { "nr_kdamonds", "nr_contexts", "nr_targets",
					     "nr_regions", "nr_schemes", "nr_goals",
					     "nr_filters", "nr_dests", "nr_probes",
					     "nr_perf_events", NULL };

/* Writes 1 into every count file (nr_kdamonds ... not nr_accesses_permil) reading 0, top-down, as tests/kernel/lab-damon-tree
 * --expand does, and lists the tree in its format: "PATH/\tMODE" for directories,
 * "PATH\tMODE\tVALUE" for files, modes octal, newlines in values as \n. */
static void expand(VtierDamonIo *io, const gchar *dir);

static void list_tree(VtierDamonIo *io, const gchar *root, const gchar *rel, GPtrArray *out)
{
	g_autofree gchar *dir = rel[0] ? g_build_filename(root, rel, NULL) : g_strdup(root);
	g_auto(GStrv) names = NULL;

	g_assert_true(vtier_damon_io_list(io, dir, &names, NULL));
	for (gsize i = 0; names[i] != NULL; i++) {
		g_autofree gchar *child_rel = rel[0] ? g_strconcat(rel, "/", names[i], NULL)
						     : g_strdup(names[i]);
		g_autofree gchar *child = g_build_filename(root, child_rel, NULL);
		g_autofree gchar *value = NULL;
		g_auto(GStrv) parts = NULL;

		if (vtier_damon_io_kind(io, child) == VTIER_DAMON_IO_DIR) {
			g_ptr_array_add(out, g_strdup_printf("kdamonds/%s/\t755", child_rel));
			list_tree(io, root, child_rel, out);
			continue;
		}
		g_assert_true(vtier_damon_io_read(io, child, &value, NULL));
		parts = g_strsplit(value, "\n", -1);
		g_clear_pointer(&value, g_free);
		value = g_strjoinv("\\n", parts);
		g_ptr_array_add(out, g_strdup_printf("kdamonds/%s\t%s\t%s", child_rel,
						     vtier_damon_io_writable(io, child) ? "600" : "400",
						     value));
	}
}

static void expand(VtierDamonIo *io, const gchar *dir)
{
	g_auto(GStrv) names = NULL;

	g_assert_true(vtier_damon_io_list(io, dir, &names, NULL));
	for (gsize i = 0; names[i] != NULL; i++) {
		g_autofree gchar *child = g_build_filename(dir, names[i], NULL);
		g_autofree gchar *value = NULL;

		if (g_strv_contains(count_files, names[i]) && vtier_damon_io_writable(io, child) &&
		    vtier_damon_io_read(io, child, &value, NULL) && g_str_equal(value, "0"))
			g_assert_true(vtier_damon_io_write(io, child, "1", NULL));
	}
	g_clear_pointer(&names, g_strfreev);
	g_assert_true(vtier_damon_io_list(io, dir, &names, NULL));
	for (gsize i = 0; names[i] != NULL; i++) {
		g_autofree gchar *child = g_build_filename(dir, names[i], NULL);

		if (vtier_damon_io_kind(io, child) == VTIER_DAMON_IO_DIR)
			expand(io, child);
	}
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The fake of each profile has exactly the tree the lab captured from the real kernel
 * (tests/data/damon/tree-KERNEL.txt, tests/kernel/lab-capture). */
static void test_lab_trees(void)
{
	static const gchar *const kernels[] = { "6.12", "6.18", "7.3" };

	for (gsize k = 0; k < G_N_ELEMENTS(kernels); k++) {
		g_autofree gchar *name = g_strdup_printf("tree-%s.txt", kernels[k]);
		g_autofree gchar *path = vtier_test_data_path("damon", name, NULL);
		g_autoptr(VtierDamonFeatures) f = vtier_damon_features_load(kernels[k], NULL);
		g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(f);
		g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
		g_autofree gchar *root = vtier_damon_admin_path("kdamonds");
		g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GString) fake_text = g_string_new(NULL);
		g_autoptr(GString) real_text = g_string_new(NULL);
		g_autofree gchar *data = NULL;
		g_auto(GStrv) real = NULL;

		g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
		expand(io, root);
		g_ptr_array_add(lines, g_strdup("kdamonds/\t755"));
		list_tree(io, root, "", lines);
		g_ptr_array_sort(lines, compare_strings);
		for (guint i = 0; i < lines->len; i++)
			g_string_append_printf(fake_text, "%s\n", (gchar *)lines->pdata[i]);
		real = g_strsplit(data, "\n", -1);
		g_ptr_array_set_size(lines, 0);
		for (gsize i = 0; real[i] != NULL; i++) {
			if (real[i][0] != '\0' && real[i][0] != '#')
				g_ptr_array_add(lines, g_strdup(real[i]));
		}
		g_ptr_array_sort(lines, compare_strings);
		for (guint i = 0; i < lines->len; i++)
			g_string_append_printf(real_text, "%s\n", (gchar *)lines->pdata[i]);
		g_test_message("kernel %s: %u entries", kernels[k], lines->len);
		g_assert_cmpstr(fake_text->str, ==, real_text->str);
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/fake/nr-wipes", test_nr_wipes);
	g_test_add_func("/damon/fake/nr-children", test_nr_children);
	g_test_add_func("/damon/fake/value-lengths", test_value_lengths);
	g_test_add_func("/damon/fake/values", test_values);
	g_test_add_func("/damon/fake/state-rules", test_state_rules);
	g_test_add_func("/damon/fake/validation", test_validation);
	g_test_add_func("/damon/fake/commit-kept-dumps", test_commit_kept_dumps);
	g_test_add_func("/damon/fake/lab-trees", test_lab_trees);
	return g_test_run();
}
