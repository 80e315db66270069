/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Helpers shared by every unit test binary (libvtier-test.la). */

/* Calls g_test_init() and sets the environment every test needs (VTIER_FORBID_REAL_DAMON=1). */
void vtier_test_init(int *argc, char ***argv);

/* Absolute path of a file under tests/data/ in the source tree (G_TEST_SRCDIR). */
gchar *vtier_test_data_path(const gchar *first, ...) G_GNUC_NULL_TERMINATED G_GNUC_MALLOC;

/* Compares @actual with tests/data/golden/@name. With VTIER_TEST_REGENERATE=1 it writes @actual
 * there instead (and the test passes), so `make check VTIER_TEST_REGENERATE=1` refreshes goldens. */
void vtier_test_assert_golden(const gchar *name, const gchar *actual);
/* The same against any file of the source tree (absolute @path). */
void vtier_test_assert_golden_path(const gchar *path, const gchar *actual);

/* Points every /sys, /proc, /run access of the code under test at tests/data/sysfs/@fixture
 * (read-only fixture). Returns the root. */
const gchar *vtier_test_sysroot_fixture(const gchar *fixture);
/* A writable copy of tests/data/sysfs/@fixture (or an empty tree when @fixture is NULL) in a fresh
 * temporary directory, made the sysroot. Freed (and deleted) by vtier_test_sysroot_free(). */
typedef struct {
	gchar *root;
} VtierTestSysroot;
VtierTestSysroot *vtier_test_sysroot_new(const gchar *fixture);
void vtier_test_sysroot_free(VtierTestSysroot *sysroot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierTestSysroot, vtier_test_sysroot_free)

/* Writes @contents to @root/@relpath, making parent directories. */
void vtier_test_write_file(const gchar *root, const gchar *relpath, const gchar *contents);
/* Charges @n page frames from @first_pfn to the memory cgroup @cgroup_dir (below @root) in
 * @root/proc/kpagecgroup, and marks them on an LRU list in @root/proc/kpageflags, as a process's
 * anonymous pages are (both made when missing, sparse: the frames not written read as 0, no
 * memcg and no flags, as the kernel's do). */
void vtier_test_charge_pages(const gchar *root, const gchar *cgroup_dir, guint64 first_pfn,
			     guint64 n);
/* The same for pages on no LRU list (KPF_PGTABLE: the memcg's page tables), which migration
 * cannot move. */
void vtier_test_charge_kernel_pages(const gchar *root, const gchar *cgroup_dir, guint64 first_pfn,
				    guint64 n);
/* The same with @flags (KPF_* bits) in kpageflags. */
void vtier_test_charge_frames(const gchar *root, const gchar *cgroup_dir, guint64 first_pfn,
			      guint64 n, guint64 flags);
/* Removes a directory tree (no symlink following). */
void vtier_test_rm_rf(const gchar *path);
