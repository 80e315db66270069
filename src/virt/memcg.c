/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-memcg"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "virt/memcg.h"

static const gchar *const version_names[] = {
	[VTIER_CGROUP_V1] = "v1",
	[VTIER_CGROUP_V2] = "v2",
};
G_STATIC_ASSERT(G_N_ELEMENTS(version_names) == VTIER_CGROUP_LAST);

/* The largest node number accepted from memory.numa_stat (N<id>=...). */
#define MAX_NODE 4095u

const gchar *vtier_cgroup_version_to_string(VtierCgroupVersion version)
{
	g_return_val_if_fail((guint)version < VTIER_CGROUP_LAST, NULL);
	return version_names[version];
}

gboolean vtier_memcg_read_libvirt_pid(const gchar *domain_name, gint *ret_pid, GError **error)
{
	g_autofree gchar *file = g_strconcat(domain_name, ".pid", NULL);
	g_autofree gchar *path = NULL;
	g_autofree gchar *proc = NULL;
	guint64 pid;

	if (strchr(domain_name, '/') != NULL || g_strcmp0(domain_name, "..") == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "invalid domain name \"%s\"", domain_name);
		return FALSE;
	}
	path = vtier_path_build(VTIER_PATH_LIBVIRT_QEMU_RUN, file, NULL);
	if (!vtier_file_read_u64(path, &pid, error))
		return FALSE;
	if (pid == 0 || pid > G_MAXINT) {
		g_autofree gchar *host = vtier_path_to_host(path);

		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: invalid pid %" G_GUINT64_FORMAT,
			    host, pid);
		return FALSE;
	}
	proc = g_strdup_printf("%" G_GUINT64_FORMAT, pid);
	g_clear_pointer(&path, g_free);
	path = vtier_path_build(VTIER_PATH_PROCFS, proc, NULL);
	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
			    "domain %s: QEMU pid %" G_GUINT64_FORMAT " from its pid file is not running",
			    domain_name, pid);
		return FALSE;
	}
	*ret_pid = (gint)pid;
	return TRUE;
}

static gboolean controllers_have_memory(const gchar *list)
{
	g_auto(GStrv) names = g_strsplit_set(list, " \t\n,", -1);

	return g_strv_contains((const gchar *const *)names, "memory");
}

/* cgroup v2: from @path up to the root, the first cgroup whose cgroup.controllers has memory. */
static gboolean resolve_v2(const gchar *path, gchar **ret_path, GError **error)
{
	g_autofree gchar *cur = g_strdup(path);

	for (;;) {
		g_autofree gchar *file = NULL;
		g_autofree gchar *controllers = NULL;
		g_autoptr(GError) local = NULL;

		if (g_strcmp0(cur, "/") == 0) {
			*ret_path = g_steal_pointer(&cur);
			return TRUE;
		}
		file = vtier_path_build(VTIER_PATH_CGROUP, cur, "cgroup.controllers", NULL);
		if (!vtier_file_read(file, &controllers, &local)) {
			g_propagate_prefixed_error(error, g_steal_pointer(&local),
						   "cannot resolve the memory cgroup of %s: ", path);
			return FALSE;
		}
		if (controllers_have_memory(controllers)) {
			*ret_path = g_steal_pointer(&cur);
			return TRUE;
		}
		{
			gchar *parent = g_path_get_dirname(cur);
			g_free(cur);
			cur = parent;
		}
	}
}

/* One line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH". */
static gboolean split_cgroup_line(const gchar *line, gchar **ret_controllers, gchar **ret_path)
{
	const gchar *c1 = strchr(line, ':');
	const gchar *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

	if (c2 == NULL || c2[1] != '/')
		return FALSE;
	*ret_controllers = g_strndup(c1 + 1, (gsize)(c2 - c1 - 1));
	*ret_path = g_strdup(c2 + 1);
	return TRUE;
}

static gboolean parse_proc_cgroup(const gchar *text, const gchar *file, gchar **ret_v1,
				  gchar **ret_v2, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *controllers = NULL;
		g_autofree gchar *path = NULL;
		g_auto(GStrv) names = NULL;

		if (lines[i][0] == '\0')
			continue;
		if (!split_cgroup_line(lines[i], &controllers, &path)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "%s: unexpected line \"%s\"", file, lines[i]);
			return FALSE;
		}
		names = g_strsplit(controllers, ",", -1);
		if (g_strv_contains((const gchar *const *)names, "memory"))
			*ret_v1 = g_steal_pointer(&path);
		else if (g_str_has_prefix(lines[i], "0::"))
			*ret_v2 = g_steal_pointer(&path);
	}
	return TRUE;
}

gboolean vtier_memcg_resolve(gint pid, VtierCgroupVersion *ret_version, gchar **ret_path,
			     GError **error)
{
	g_autofree gchar *pid_s = g_strdup_printf("%d", pid);
	g_autofree gchar *file = vtier_path_build(VTIER_PATH_PROCFS, pid_s, "cgroup", NULL);
	g_autofree gchar *host = vtier_path_to_host(file);
	g_autofree gchar *text = NULL;
	g_autofree gchar *v1 = NULL;
	g_autofree gchar *v2 = NULL;
	g_autofree gchar *unified = NULL;

	if (!vtier_file_read(file, &text, error) ||
	    !parse_proc_cgroup(text, host, &v1, &v2, error))
		return FALSE;
	if (v1 != NULL) {
		*ret_version = VTIER_CGROUP_V1;
		*ret_path = g_steal_pointer(&v1);
		return TRUE;
	}
	unified = vtier_path_build(VTIER_PATH_CGROUP, "cgroup.controllers", NULL);
	if (v2 == NULL || !g_file_test(unified, G_FILE_TEST_EXISTS)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "%s names no memory cgroup (no v1 \"memory\" line, and no cgroup v2 "
			    "hierarchy with the memory controller)",
			    host);
		return FALSE;
	}
	*ret_version = VTIER_CGROUP_V2;
	return resolve_v2(v2, ret_path, error);
}

VtierCgroupVersion vtier_memcg_host_version(void)
{
	g_autofree gchar *v1 = vtier_path_build(VTIER_PATH_CGROUP, "memory", "memory.numa_stat",
					       NULL);

	return g_file_test(v1, G_FILE_TEST_EXISTS) ? VTIER_CGROUP_V1 : VTIER_CGROUP_V2;
}

gchar *vtier_memcg_dir(VtierCgroupVersion version, const gchar *memcg_path)
{
	if (version == VTIER_CGROUP_V1)
		return vtier_path_build(VTIER_PATH_CGROUP, "memory", memcg_path, NULL);
	return vtier_path_build(VTIER_PATH_CGROUP, memcg_path, NULL);
}

/* Adds the "N<id>=<value>" fields of @line (after its key) to @nodes, × @scale. */
static gboolean add_node_fields(const gchar *line, guint64 scale, GArray *nodes, GError **error)
{
	g_auto(GStrv) fields = g_strsplit_set(line, " \t", -1);

	for (guint i = 1; fields[i] != NULL; i++) {
		const gchar *eq = strchr(fields[i], '=');
		g_autofree gchar *id_s = NULL;
		guint64 id, value;

		if (fields[i][0] != 'N' || eq == NULL)
			continue;
		id_s = g_strndup(fields[i] + 1, (gsize)(eq - fields[i] - 1));
		if (!vtier_parse_u64(id_s, "node", &id, error) ||
		    !vtier_parse_u64(eq + 1, fields[i], &value, error))
			return FALSE;
		if (id > MAX_NODE || (scale > 1 && value > G_MAXUINT64 / scale)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "\"%s\" is out of range",
				    fields[i]);
			return FALSE;
		}
		if (nodes->len <= id)
			g_array_set_size(nodes, (guint)id + 1);
		g_array_index(nodes, guint64, id) += value * scale;
	}
	return TRUE;
}

static const gchar *line_key_v1(gboolean hierarchical)
{
	return hierarchical ? "hierarchical_total=" : "total=";
}

gboolean vtier_memcg_parse_numa_stat(VtierCgroupVersion version, const gchar *text,
				     guint64 page_size, GArray **ret_node_bytes, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GArray) nodes = g_array_new(FALSE, TRUE, sizeof(guint64));
	gboolean hierarchical = strstr(text, "hierarchical_total=") != NULL;
	guint used = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *l = lines[i];
		gboolean take;

		if (version == VTIER_CGROUP_V1)
			take = g_str_has_prefix(l, line_key_v1(hierarchical));
		else
			take = g_str_has_prefix(l, "anon ") || g_str_has_prefix(l, "file ");
		if (!take)
			continue;
		if (!add_node_fields(l, version == VTIER_CGROUP_V1 ? page_size : 1, nodes, error))
			return FALSE;
		used++;
	}
	if (used == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "memory.numa_stat has no %s line",
			    version == VTIER_CGROUP_V1 ? "total=" : "anon/file");
		return FALSE;
	}
	*ret_node_bytes = g_steal_pointer(&nodes);
	return TRUE;
}

gboolean vtier_memcg_read_numa_stat(VtierCgroupVersion version, const gchar *memcg_path,
				    GArray **ret_node_bytes, GError **error)
{
	g_autofree gchar *dir = vtier_memcg_dir(version, memcg_path);
	g_autofree gchar *file = g_build_filename(dir, "memory.numa_stat", NULL);
	g_autofree gchar *text = NULL;

	if (!vtier_file_read(file, &text, error))
		return FALSE;
	if (!vtier_memcg_parse_numa_stat(version, text, vtier_page_size(),
					 ret_node_bytes, error)) {
		g_autofree gchar *host = vtier_path_to_host(file);

		g_prefix_error(error, "%s: ", host);
		return FALSE;
	}
	return TRUE;
}

gboolean vtier_memcg_resolve_guest(VtierGuest *guest, gboolean measure, GError **error)
{
	VtierCgroupVersion version;
	g_autofree gchar *path = NULL;
	g_autoptr(GArray) nodes = NULL;

	if (guest->pid <= 0 && !vtier_memcg_read_libvirt_pid(guest->name, &guest->pid, error))
		return FALSE;
	if (!vtier_memcg_resolve(guest->pid, &version, &path, error)) {
		g_prefix_error(error, "guest %s (pid %d): ", guest->name, guest->pid);
		return FALSE;
	}
	g_free(guest->memcg_path);
	guest->memcg_path = g_steal_pointer(&path);
	if (!measure)
		return TRUE;
	if (!vtier_memcg_read_numa_stat(version, guest->memcg_path, &nodes, error)) {
		g_prefix_error(error, "guest %s: ", guest->name);
		return FALSE;
	}
	g_array_set_size(guest->node_bytes, 0);
	g_array_append_vals(guest->node_bytes, nodes->data, nodes->len);
	return TRUE;
}
