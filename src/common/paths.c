/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-paths"

#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/paths.h"

/* Set by the build (Makefile.am); standalone builds of single files (the fuzz targets) get the
 * usual installed locations. */
#ifndef VTIER_SYSCONFDIR
#define VTIER_SYSCONFDIR "/etc"
#endif
#ifndef VTIER_POLICYDIR
#define VTIER_POLICYDIR "/usr/share/vtier/policies"
#endif

static const gchar *const base_paths[] = {
	[VTIER_PATH_SYSFS] = "/sys",
	[VTIER_PATH_PROCFS] = "/proc",
	[VTIER_PATH_RUN] = "/run",
	[VTIER_PATH_DAMON_ADMIN] = "/sys/kernel/mm/damon/admin",
	[VTIER_PATH_NODES] = "/sys/devices/system/node",
	[VTIER_PATH_MEMORY] = "/sys/devices/system/memory",
	[VTIER_PATH_MEMORY_TIERS] = "/sys/devices/virtual/memory_tiering",
	[VTIER_PATH_EVENT_SOURCES] = "/sys/bus/event_source/devices",
	[VTIER_PATH_CGROUP] = "/sys/fs/cgroup",
	[VTIER_PATH_MODULES] = "/sys/module",
	[VTIER_PATH_TRACING] = "/sys/kernel/tracing",
	[VTIER_PATH_IOMEM] = "/proc/iomem",
	[VTIER_PATH_SYSCTL] = "/proc/sys",
	[VTIER_PATH_VTIER_RUN] = "/run/vtier",
	[VTIER_PATH_LIBVIRT_QEMU_RUN] = "/run/libvirt/qemu",
	[VTIER_PATH_CONFIG] = VTIER_SYSCONFDIR "/vtier/vtierd.conf",
	[VTIER_PATH_POLICIES] = VTIER_POLICYDIR,
};

/* The environment variable that overrides an installed file's path, or NULL. */
static const gchar *installed_override(VtierPathKind kind)
{
	const gchar *name = kind == VTIER_PATH_CONFIG	  ? "VTIER_CONFIG"
			    : kind == VTIER_PATH_POLICIES ? "VTIER_POLICY_DIR"
							  : NULL;
	const gchar *value = name != NULL ? g_getenv(name) : NULL;

	return value != NULL && value[0] != '\0' ? value : NULL;
}
G_STATIC_ASSERT(G_N_ELEMENTS(base_paths) == VTIER_PATH_LAST);

static gchar *sysroot;

void vtier_paths_set_sysroot(const gchar *root)
{
	g_autofree gchar *abs = NULL;

	g_clear_pointer(&sysroot, g_free);
	if (root == NULL || root[0] == '\0') {
		sysroot = g_strdup("/");
		return;
	}
	abs = g_canonicalize_filename(root, NULL);
	sysroot = g_steal_pointer(&abs);
}

const gchar *vtier_paths_get_sysroot(void)
{
	if (sysroot == NULL)
		vtier_paths_set_sysroot(g_getenv("VTIER_SYSROOT"));
	return sysroot;
}

gboolean vtier_paths_is_real_root(void)
{
	return g_strcmp0(vtier_paths_get_sysroot(), "/") == 0;
}

static gchar *build_valist(const gchar *root, VtierPathKind kind, va_list ap)
{
	g_autoptr(GPtrArray) parts = g_ptr_array_new();
	const gchar *part;

	g_return_val_if_fail((guint)kind < VTIER_PATH_LAST, NULL);
	if (kind == VTIER_PATH_CONFIG || kind == VTIER_PATH_POLICIES) {
		const gchar *over = installed_override(kind);

		g_ptr_array_add(parts, (gpointer)(over != NULL ? over : base_paths[kind]));
	} else {
		if (root != NULL && g_strcmp0(root, "/") != 0)
			g_ptr_array_add(parts, (gpointer)root);
		g_ptr_array_add(parts, (gpointer)base_paths[kind]);
	}
	while ((part = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(parts, (gpointer)part);
	g_ptr_array_add(parts, NULL);
	return g_build_filenamev((gchar **)parts->pdata);
}

gchar *vtier_path_build(VtierPathKind kind, ...)
{
	va_list ap;
	gchar *path;

	va_start(ap, kind);
	path = build_valist(vtier_paths_get_sysroot(), kind, ap);
	va_end(ap);
	return path;
}

gchar *vtier_path_build_host(VtierPathKind kind, ...)
{
	va_list ap;
	gchar *path;

	va_start(ap, kind);
	path = build_valist(NULL, kind, ap);
	va_end(ap);
	return path;
}

gchar *vtier_path_to_host(const gchar *path)
{
	const gchar *root = vtier_paths_get_sysroot();
	gsize len = strlen(root);

	if (g_strcmp0(root, "/") != 0 && g_str_has_prefix(path, root) &&
	    (path[len] == '/' || path[len] == '\0'))
		return g_strdup(path[len] == '\0' ? "/" : path + len);
	return g_strdup(path);
}

/* The real path of @path: its nearest existing ancestor resolved (symlinks followed), then the
 * components that do not exist yet. Sets *ret_existing to that ancestor's resolved path. */
static gchar *resolve_path(const gchar *path, gchar **ret_existing)
{
	g_autofree gchar *canon = g_canonicalize_filename(path, "/");
	g_autofree gchar *head = g_strdup(canon);
	g_autoptr(GString) tail = g_string_new(NULL);
	g_autofree gchar *real = NULL;

	while ((real = realpath(head, NULL)) == NULL && g_strcmp0(head, "/") != 0) {
		g_autofree gchar *base = g_path_get_basename(head);
		g_autofree gchar *dir = g_path_get_dirname(head);

		g_string_prepend(tail, base);
		g_string_prepend_c(tail, '/');
		g_free(head);
		head = g_steal_pointer(&dir);
	}
	if (real == NULL)
		real = g_strdup("/");
	*ret_existing = g_strdup(real);
	return g_strconcat(g_strcmp0(real, "/") == 0 ? "" : real, tail->str, NULL);
}

static gboolean same_file(const struct stat *a, const gchar *path)
{
	struct stat b;

	return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* Whether @existing (a resolved, existing directory or file) is the host's DAMON directory or below
 * it, or on the filesystem of the host's /sys or /proc (a second sysfs mount, a bind mount). */
static gboolean on_host_kernel_fs(const gchar *existing)
{
	struct stat root, st, kernel;
	g_autofree gchar *dir = g_strdup(existing);

	if (stat("/", &root) != 0 || stat(existing, &st) != 0)
		return FALSE;
	for (const gchar *const *fs = (const gchar *const[]){ "/sys", "/proc", NULL }; *fs; fs++) {
		if (stat(*fs, &kernel) == 0 && kernel.st_dev != root.st_dev &&
		    kernel.st_dev == st.st_dev)
			return TRUE;
	}
	while (TRUE) {
		g_autofree gchar *parent = NULL;

		if (stat(dir, &st) == 0 && same_file(&st, "/sys/kernel/mm/damon"))
			return TRUE;
		if (g_strcmp0(dir, "/") == 0)
			return FALSE;
		parent = g_path_get_dirname(dir);
		g_free(dir);
		dir = g_steal_pointer(&parent);
	}
}

gboolean vtier_paths_check_damon_write(const gchar *path, GError **error)
{
	g_autofree gchar *existing = NULL;
	g_autofree gchar *real = NULL;

	if (g_strcmp0(g_getenv("VTIER_FORBID_REAL_DAMON"), "1") != 0)
		return TRUE;
	real = resolve_path(path, &existing);
	if (g_str_has_prefix(real, "/sys/") || g_str_has_prefix(real, "/proc/") ||
	    on_host_kernel_fs(existing)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED,
			    "refusing to write %s (really %s): VTIER_FORBID_REAL_DAMON=1 forbids "
			    "writing the host's own kernel files (use --sysroot with a fixture tree "
			    "or run inside the lab)",
			    path, real);
		return FALSE;
	}
	return TRUE;
}
