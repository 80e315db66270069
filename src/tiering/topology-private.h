/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/topology.h"

/* Shared between topology*.c only. */

/* Takes ownership of both strings. */
void vtier_topology_add_problem(VtierTopology *topology, gchar *summary, gchar *fix);
void vtier_topology_add_note(VtierTopology *topology, gchar *note);
/* "0,2-3" for a guint array. */
gchar *vtier_id_list_to_string(const GArray *ids);
/* "3.50 GiB" */
gchar *vtier_format_gib(guint64 bytes);

/* topology-ranges.c: every node's ranges and the block size, from sysfs and /proc/iomem. */
gboolean vtier_topology_read_ranges(VtierTopology *topology, GError **error);
/* The "System RAM" ranges ([start, end), ascending) of an iomem text; @ret_hidden is TRUE when
 * every address reads 0 (the file was read without root). @what names it in errors. */
gboolean vtier_iomem_parse_system_ram(const gchar *text, const gchar *what, GArray **ret_ranges,
				      gboolean *ret_hidden, GError **error);
