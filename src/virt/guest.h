/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* One guest as vtier sees it, whichever source found it (libvirt, a QMP socket, a bare pid).
 * A plain record: sources fill it, the daemon turns it into planner input. */
typedef enum {
	VTIER_GUEST_SOURCE_LIBVIRT,
	VTIER_GUEST_SOURCE_QMP,
	VTIER_GUEST_SOURCE_PID,
	VTIER_GUEST_SOURCE_LAST
} VtierGuestSource;

typedef struct {
	gchar *backend_id;  /* QEMU memdev id, e.g. "ram-node0" */
	guint64 size_bytes;
	gchar *policy;	     /* QEMU host-nodes policy: default, bind, preferred, interleave */
	GArray *host_nodes;  /* guint */
	gboolean share;
} VtierGuestMemdev;

typedef struct {
	VtierGuestSource source;
	gchar *name;
	gchar *uuid;	      /* canonical lower-case form, or NULL when the source has none */
	gint id;	      /* libvirt domain id, -1 when not running or unknown */
	guint64 memory_bytes; /* current guest memory */
	gint pid;	      /* QEMU process, 0 when unknown */
	gchar *memcg_path;    /* the cgroup its memory is charged to, from the cgroup root */
	GArray *bound_nodes;  /* guint host NUMA nodes from numatune/vCPU pinning; empty = any */
	gchar *numatune_mode; /* strict, preferred, interleave, restrictive, or NULL */
	gboolean hugepages;
	gchar *memory_source; /* memoryBacking source type: memfd, file, anonymous, or NULL */
	gchar *memory_access; /* shared, private, or NULL */
	guint n_numa_cells;   /* guest NUMA cells */
	gchar *policy_xml;    /* the vtier policy element from <metadata>, or NULL */
	GPtrArray *memdevs;   /* VtierGuestMemdev, from QMP query-memdev when known */
} VtierGuest;
