/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

#include "common/paths.h"
#include "vtier-test.h"

void vtier_test_init(int *argc, char ***argv)
{
	g_setenv("VTIER_FORBID_REAL_DAMON", "1", TRUE);
	g_test_init(argc, argv, NULL);
}

gchar *vtier_test_data_path(const gchar *first, ...)
{
	g_autoptr(GPtrArray) parts = g_ptr_array_new();
	const gchar *part;
	va_list ap;

	g_ptr_array_add(parts, (gpointer)g_test_get_dir(G_TEST_DIST));
	g_ptr_array_add(parts, (gpointer) "data");
	va_start(ap, first);
	for (part = first; part != NULL; part = va_arg(ap, const gchar *))
		g_ptr_array_add(parts, (gpointer)part);
	va_end(ap);
	g_ptr_array_add(parts, NULL);
	return g_build_filenamev((gchar **)parts->pdata);
}

void vtier_test_assert_golden(const gchar *name, const gchar *actual)
{
	g_autofree gchar *path = vtier_test_data_path("golden", name, NULL);

	vtier_test_assert_golden_path(path, actual);
}

void vtier_test_assert_golden_path(const gchar *path, const gchar *actual)
{
	g_autofree gchar *expected = NULL;
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(g_getenv("VTIER_TEST_REGENERATE"), "1") == 0) {
		g_autofree gchar *dir = g_path_get_dirname(path);

		g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
		g_file_set_contents(path, actual, -1, &error);
		g_assert_no_error(error);
		g_test_message("regenerated %s", path);
		return;
	}
	if (!g_file_get_contents(path, &expected, NULL, &error)) {
		g_test_message("golden file %s is missing; run with VTIER_TEST_REGENERATE=1 to "
			       "create it",
			       path);
		g_assert_no_error(error);
	}
	if (g_strcmp0(expected, actual) != 0) {
		g_autofree gchar *base = g_path_get_basename(path);
		g_autofree gchar *actual_name = g_strdup_printf("%s.actual", base);
		g_autofree gchar *tmp = g_build_filename(g_get_tmp_dir(), actual_name, NULL);

		g_file_set_contents(tmp, actual, -1, NULL);
		g_test_message("output differs from %s; actual output saved to %s (diff them, or "
			       "regenerate with VTIER_TEST_REGENERATE=1)",
			       path, tmp);
		g_assert_cmpstr(actual, ==, expected);
	}
}

const gchar *vtier_test_sysroot_fixture(const gchar *fixture)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", fixture, NULL);

	g_assert_true(g_file_test(root, G_FILE_TEST_IS_DIR));
	vtier_paths_set_sysroot(root);
	return vtier_paths_get_sysroot();
}

static void copy_tree(GFile *src, GFile *dst)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GFileEnumerator) en = NULL;
	GFileInfo *info;

	g_file_make_directory_with_parents(dst, NULL, &error);
	if (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_EXISTS))
		g_assert_no_error(error);
	g_clear_error(&error);
	en = g_file_enumerate_children(src, "standard::name,standard::type,standard::symlink-target",
				       G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
	g_assert_no_error(error);
	while ((info = g_file_enumerator_next_file(en, NULL, &error)) != NULL) {
		g_autoptr(GFileInfo) owned = info;
		g_autoptr(GFile) s = g_file_get_child(src, g_file_info_get_name(info));
		g_autoptr(GFile) d = g_file_get_child(dst, g_file_info_get_name(info));

		switch (g_file_info_get_file_type(info)) {
		case G_FILE_TYPE_DIRECTORY:
			copy_tree(s, d);
			break;
		case G_FILE_TYPE_SYMBOLIC_LINK:
			g_file_make_symbolic_link(d, g_file_info_get_symlink_target(info), NULL,
						  &error);
			g_assert_no_error(error);
			break;
		default:
			g_file_copy(s, d, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, &error);
			g_assert_no_error(error);
			break;
		}
	}
	g_assert_no_error(error);
}

VtierTestSysroot *vtier_test_sysroot_new(const gchar *fixture)
{
	g_autoptr(GError) error = NULL;
	VtierTestSysroot *sysroot = g_new0(VtierTestSysroot, 1);

	sysroot->root = g_dir_make_tmp("vtier-sysroot-XXXXXX", &error);
	g_assert_no_error(error);
	if (fixture != NULL) {
		g_autofree gchar *src_path = vtier_test_data_path("sysfs", fixture, NULL);
		g_autoptr(GFile) src = g_file_new_for_path(src_path);
		g_autoptr(GFile) dst = g_file_new_for_path(sysroot->root);

		copy_tree(src, dst);
	}
	vtier_paths_set_sysroot(sysroot->root);
	return sysroot;
}

void vtier_test_rm_rf(const gchar *path)
{
	GDir *dir;
	const gchar *name;

	if (g_file_test(path, G_FILE_TEST_IS_SYMLINK) || !g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_unlink(path);
		return;
	}
	dir = g_dir_open(path, 0, NULL);
	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);

			vtier_test_rm_rf(child);
		}
		g_dir_close(dir);
	}
	g_rmdir(path);
}

void vtier_test_sysroot_free(VtierTestSysroot *sysroot)
{
	if (sysroot == NULL)
		return;
	vtier_paths_set_sysroot(NULL);
	vtier_test_rm_rf(sysroot->root);
	g_free(sysroot->root);
	g_free(sysroot);
}

static void write_frames(const gchar *path, guint64 first_pfn, guint64 n, guint64 value)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	int fd;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	g_assert_cmpint(fd, >=, 0);
	for (guint64 i = 0; i < n; i++)
		g_assert_cmpint(pwrite(fd, &value, sizeof(value), (off_t)((first_pfn + i) * 8)), ==,
				8);
	close(fd);
}

void vtier_test_charge_frames(const gchar *root, const gchar *cgroup_dir, guint64 first_pfn,
			      guint64 n, guint64 flags)
{
	g_autofree gchar *cg = g_build_filename(root, cgroup_dir, NULL);
	g_autofree gchar *cgroups = g_build_filename(root, "proc", "kpagecgroup", NULL);
	g_autofree gchar *kpageflags = g_build_filename(root, "proc", "kpageflags", NULL);
	GStatBuf st;

	g_assert_cmpint(g_mkdir_with_parents(cg, 0755), ==, 0);
	g_assert_cmpint(g_stat(cg, &st), ==, 0);
	write_frames(cgroups, first_pfn, n, (guint64)st.st_ino);
	write_frames(kpageflags, first_pfn, n, flags);
}

void vtier_test_charge_pages(const gchar *root, const gchar *cgroup_dir, guint64 first_pfn,
			     guint64 n)
{
	/* KPF_LRU | KPF_ANON (include/uapi/linux/kernel-page-flags.h) */
	vtier_test_charge_frames(root, cgroup_dir, first_pfn, n, (1ull << 5) | (1ull << 12));
}

void vtier_test_charge_kernel_pages(const gchar *root, const gchar *cgroup_dir, guint64 first_pfn,
				    guint64 n)
{
	/* KPF_PGTABLE */
	vtier_test_charge_frames(root, cgroup_dir, first_pfn, n, 1ull << 26);
}

void vtier_test_write_file(const gchar *root, const gchar *relpath, const gchar *contents)
{
	g_autofree gchar *path = g_build_filename(root, relpath, NULL);
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_file_set_contents(path, contents, -1, &error);
	g_assert_no_error(error);
}
