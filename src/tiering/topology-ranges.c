/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-topology"

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "tiering/topology-private.h"

/* Physical address ranges of each node: the node's online memory blocks (memoryM × block size),
 * merged, intersected with the "System RAM" resources of /proc/iomem (at any nesting depth: CXL
 * memory onlined by dax kmem shows as "System RAM (kmem)" below its region). */

static gint cmp_range(gconstpointer a, gconstpointer b)
{
	const VtierPhysRange *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static gboolean parse_hex(const gchar *text, guint64 *ret)
{
	gchar *end = NULL;

	if (!g_ascii_isxdigit(text[0]))
		return FALSE;
	errno = 0;
	*ret = g_ascii_strtoull(text, &end, 16);
	return errno != ERANGE && end != NULL && *end == '\0';
}

/* One "start-end : name" line of /proc/iomem. */
static gboolean parse_iomem_line(const gchar *line, guint64 *ret_start, guint64 *ret_end,
				 const gchar **ret_name)
{
	const gchar *colon = strstr(line, " : ");
	g_autofree gchar *span = NULL;
	g_auto(GStrv) bounds = NULL;

	if (colon == NULL)
		return FALSE;
	span = g_strstrip(g_strndup(line, colon - line));
	bounds = g_strsplit(span, "-", -1);
	/* the end is inclusive: an end of 2^64-1 has no exclusive end to store */
	if (g_strv_length(bounds) != 2 || !parse_hex(bounds[0], ret_start) ||
	    !parse_hex(bounds[1], ret_end) || *ret_end < *ret_start || *ret_end == G_MAXUINT64)
		return FALSE;
	*ret_name = colon + 3;
	return TRUE;
}

gboolean vtier_iomem_parse_system_ram(const gchar *text, const gchar *what, GArray **ret_ranges,
				      gboolean *ret_hidden, GError **error)
{
	g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(VtierPhysRange));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean any_address = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		guint64 start, end;
		const gchar *name;

		if (g_strstrip(lines[i])[0] == '\0')
			continue;
		if (!parse_iomem_line(lines[i], &start, &end, &name)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "%s: line %u \"%s\" is not \"START-END : NAME\" with START <= "
				    "END < 2^64-1 (hexadecimal)",
				    what, i + 1, lines[i]);
			return FALSE;
		}
		any_address = any_address || end != 0;
		if (g_strcmp0(name, "System RAM") == 0 || g_str_has_prefix(name, "System RAM (")) {
			VtierPhysRange r = { start, end + 1 };
			g_array_append_val(ranges, r);
		}
	}
	if (ranges->len == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: no \"System RAM\" line",
			    what);
		return FALSE;
	}
	g_array_sort(ranges, cmp_range);
	*ret_hidden = !any_address;
	*ret_ranges = g_steal_pointer(&ranges);
	return TRUE;
}

static gboolean read_block_size(guint64 *ret, GError **error)
{
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_MEMORY, "block_size_bytes", NULL);
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autofree gchar *text = NULL;

	if (!vtier_file_read_trimmed(path, &text, error))
		return FALSE;
	/* the kernel prints it in hex without 0x ("8000000" = 128 MiB) */
	if (g_str_has_prefix(text, "0x") || !parse_hex(text, ret) || *ret == 0 ||
	    (*ret & (*ret - 1)) != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: \"%s\" is not a power-of-two size in hex", host, text);
		return FALSE;
	}
	return TRUE;
}

/* Whether memory block @block is online ("online" in memoryM/state). */
static gboolean block_online(guint64 block, gboolean *ret_online, GError **error)
{
	g_autofree gchar *name = g_strdup_printf("memory%" G_GUINT64_FORMAT, block);
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_MEMORY, name, "state", NULL);
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autofree gchar *state = NULL;

	if (!vtier_file_read_trimmed(path, &state, error))
		return FALSE;
	if (g_strcmp0(state, "online") != 0 && g_strcmp0(state, "offline") != 0 &&
	    g_strcmp0(state, "going-offline") != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: \"%s\" is not a memory block state (online, offline, "
			    "going-offline)",
			    host, state);
		return FALSE;
	}
	*ret_online = g_strcmp0(state, "online") == 0;
	return TRUE;
}

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

	return x < y ? -1 : x > y;
}

/* The node's online memory blocks, ascending. */
static GArray *node_blocks(VtierNode *node, GError **error)
{
	g_autofree gchar *name = g_strdup_printf("node%u", node->id);
	g_autofree gchar *dir_path = vtier_path_build(VTIER_PATH_NODES, name, NULL);
	g_autoptr(GArray) blocks = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const gchar *entry;

	while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
		guint64 block;
		gboolean online;

		if (!g_str_has_prefix(entry, "memory") ||
		    !g_ascii_isdigit(entry[strlen("memory")]) ||
		    !vtier_parse_u64(entry + strlen("memory"), entry, &block, NULL))
			continue;
		if (!block_online(block, &online, error))
			return NULL;
		if (online)
			g_array_append_val(blocks, block);
		else
			node->n_offline_blocks++;
	}
	g_array_sort(blocks, cmp_u64);
	return g_steal_pointer(&blocks);
}

/* Adds to @node the parts of [start, end) that are System RAM (or all of it if @ram is NULL). */
static void add_intersection(VtierNode *node, guint64 start, guint64 end, const GArray *ram)
{
	if (ram == NULL) {
		vtier_node_add_range(node, start, end);
		return;
	}
	for (guint i = 0; i < ram->len; i++) {
		const VtierPhysRange *r = &g_array_index(ram, VtierPhysRange, i);
		vtier_node_add_range(node, MAX(start, r->start), MIN(end, r->end));
	}
}

static gboolean node_ranges(VtierNode *node, guint64 block_size, const GArray *ram,
			    GError **error)
{
	g_autoptr(GArray) blocks = node_blocks(node, error);
	guint64 start = 0, end = 0;

	if (blocks == NULL)
		return FALSE;
	g_array_set_size(node->ranges, 0);
	for (guint i = 0; i < blocks->len; i++) {
		guint64 b = g_array_index(blocks, guint64, i);

		if (b > G_MAXUINT64 / block_size - 1)
			continue; /* cannot be a real address */
		if (i > 0 && b * block_size == end) {
			end += block_size;
			continue;
		}
		if (i > 0)
			add_intersection(node, start, end, ram);
		start = b * block_size;
		end = start + block_size;
	}
	if (blocks->len > 0)
		add_intersection(node, start, end, ram);
	return TRUE;
}

gboolean vtier_topology_read_ranges(VtierTopology *topology, GError **error)
{
	g_autofree gchar *iomem_path = vtier_path_build(VTIER_PATH_IOMEM, NULL);
	g_autofree gchar *iomem_host = vtier_path_to_host(iomem_path);
	g_autofree gchar *iomem = NULL;
	g_autoptr(GArray) ram = NULL;
	gboolean hidden = FALSE;

	if (!read_block_size(&topology->block_size_bytes, error))
		return FALSE;
	if (!vtier_file_read(iomem_path, &iomem, error) ||
	    !vtier_iomem_parse_system_ram(iomem, iomem_host, &ram, &hidden, error))
		return FALSE;
	topology->iomem_hidden = hidden;
	for (guint i = 0; i < topology->nodes->len; i++) {
		VtierNode *node = g_ptr_array_index(topology->nodes, i);

		if (!node_ranges(node, topology->block_size_bytes, hidden ? NULL : ram, error))
			return FALSE;
	}
	return TRUE;
}
