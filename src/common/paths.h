/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Every /sys, /proc and /run path vtier touches is built here, below one root prefix (the
 * "sysroot"). Production uses "/"; tests and `--sysroot DIR` point it at a fixture tree. No other
 * file may spell such a path (`make syntax-check` enforces it). */
typedef enum {
	VTIER_PATH_SYSFS,	 /* /sys */
	VTIER_PATH_PROCFS,	 /* /proc */
	VTIER_PATH_RUN,		 /* /run */
	VTIER_PATH_DAMON_ADMIN,	 /* /sys/kernel/mm/damon/admin */
	VTIER_PATH_NODES,	 /* /sys/devices/system/node */
	VTIER_PATH_MEMORY,	 /* /sys/devices/system/memory */
	VTIER_PATH_MEMORY_TIERS, /* /sys/devices/virtual/memory_tiering */
	VTIER_PATH_EVENT_SOURCES, /* /sys/bus/event_source/devices */
	VTIER_PATH_CGROUP,	 /* /sys/fs/cgroup */
	VTIER_PATH_MODULES,	 /* /sys/module */
	VTIER_PATH_TRACING,	 /* /sys/kernel/tracing */
	VTIER_PATH_IOMEM,	 /* /proc/iomem */
	VTIER_PATH_SYSCTL,	 /* /proc/sys */
	VTIER_PATH_VTIER_RUN,	 /* /run/vtier */
	VTIER_PATH_LIBVIRT_QEMU_RUN, /* /run/libvirt/qemu */
	/* vtier's installed files: not below the sysroot (a fixture host has none) */
	VTIER_PATH_CONFIG,	 /* $VTIER_CONFIG or SYSCONFDIR/vtier/vtierd.conf */
	VTIER_PATH_POLICIES,	 /* $VTIER_POLICY_DIR or PKGDATADIR/policies */
	VTIER_PATH_LAST
} VtierPathKind;

/* @root: NULL or "/" for the real system. Relative roots are made absolute. */
void vtier_paths_set_sysroot(const gchar *root);
/* "/" when unset. Reads VTIER_SYSROOT from the environment the first time when never set. */
const gchar *vtier_paths_get_sysroot(void);
gboolean vtier_paths_is_real_root(void);

/* The path of @kind below the sysroot, with further NULL-terminated components appended. */
gchar *vtier_path_build(VtierPathKind kind, ...) G_GNUC_NULL_TERMINATED G_GNUC_MALLOC;
/* The same, without the sysroot: how the path looks on the host (for messages and scripts). */
gchar *vtier_path_build_host(VtierPathKind kind, ...) G_GNUC_NULL_TERMINATED G_GNUC_MALLOC;
/* Strips the sysroot from @path, for messages. Returns a new string. */
gchar *vtier_path_to_host(const gchar *path) G_GNUC_MALLOC;

/* Refuses (FALSE + error) when @path would write a kernel file of the real host while the
 * environment forbids it (VTIER_FORBID_REAL_DAMON=1, set by every test run), so no test can ever
 * touch the host's own kdamonds or modules (damon_stat). The path is resolved first (symlinks
 * followed, e.g. a sysroot whose sys/ links to /sys): a write is refused when it lands below /sys
 * or /proc, on the filesystem of the host's /sys or /proc (another mount of them), or below the
 * host's DAMON directory (compared by device and inode). Every kernel-file write of vtier goes
 * through vtier_file_write_value(), which calls this first. */
gboolean vtier_paths_check_damon_write(const gchar *path, GError **error);
