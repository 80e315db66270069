/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-paths"

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "common/error.h"
#include "common/paths.h"

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
};
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
	if (root != NULL && g_strcmp0(root, "/") != 0)
		g_ptr_array_add(parts, (gpointer)root);
	g_ptr_array_add(parts, (gpointer)base_paths[kind]);
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

gboolean vtier_paths_check_damon_write(const gchar *path, GError **error)
{
	g_autofree gchar *canon = NULL;

	if (g_strcmp0(g_getenv("VTIER_FORBID_REAL_DAMON"), "1") != 0)
		return TRUE;
	canon = g_canonicalize_filename(path, "/");
	if (g_str_has_prefix(canon, "/sys/kernel/mm/damon")) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PERMISSION_DENIED,
			    "refusing to write %s: VTIER_FORBID_REAL_DAMON=1 forbids writing the "
			    "host's own DAMON sysfs (use --sysroot or run inside the lab)",
			    canon);
		return FALSE;
	}
	return TRUE;
}
