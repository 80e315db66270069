/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

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
	gboolean memory_locked; /* <memoryBacking><locked/>: mlock()ed, not on the LRU */
	guint n_hostdevs;      /* <hostdev> PCI/MDEV passthrough: memory pinned for VFIO */
	gchar *memory_source; /* memoryBacking source type: memfd, file, anonymous, or NULL */
	gchar *memory_access; /* shared, private, or NULL */
	guint n_numa_cells;   /* guest NUMA cells */
	gchar *policy_xml;    /* the vtier policy element from <metadata>, or NULL */
	GPtrArray *memdevs;   /* VtierGuestMemdev, from QMP query-memdev when known */
	/* Added by the libvirt source (additive to the first record): */
	gchar *numatune_nodeset;   /* numatune <memory nodeset>, as written, or NULL */
	gchar *vcpu_cpuset;	   /* union of <vcpu cpuset> and <cputune><vcpupin>/<emulatorpin>,
				    * as a cpulist ("0-3,8"), or NULL when unpinned */
	guint n_vcpus;
	gchar *memory_allocation;  /* memoryBacking allocation mode: immediate, ondemand, or NULL */
	gchar *resource_partition; /* <resource><partition>, or NULL */
	GArray *node_bytes;	   /* guint64 per host node (index = node) from the memcg's
				    * memory.numa_stat; empty when not measured */
} VtierGuest;

const gchar *vtier_guest_source_to_string(VtierGuestSource source);

VtierGuestMemdev *vtier_guest_memdev_new(void);
void vtier_guest_memdev_free(VtierGuestMemdev *memdev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierGuestMemdev, vtier_guest_memdev_free)

VtierGuest *vtier_guest_new(VtierGuestSource source);
void vtier_guest_free(VtierGuest *guest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierGuest, vtier_guest_free)
/* A deep copy. */
VtierGuest *vtier_guest_copy(const VtierGuest *guest);
/* Whether two records describe the same facts (every field). */
gboolean vtier_guest_equal(const VtierGuest *a, const VtierGuest *b);

/* JSON codec (json-glib), shared by `vtierctl guests --json`, the control socket and state dumps.
 * Absent or null members decode as the defaults of vtier_guest_new(). */
JsonNode *vtier_guest_to_json(const VtierGuest *guest);
VtierGuest *vtier_guest_from_json(JsonNode *node, GError **error);
gchar *vtier_guest_to_json_string(const VtierGuest *guest, gboolean pretty);
VtierGuest *vtier_guest_from_json_string(const gchar *text, GError **error);
