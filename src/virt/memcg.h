/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "virt/guest.h"

/* Where a guest's memory is charged: the QEMU pid from libvirt's pid file, the memory cgroup of
 * that pid, and the per-node usage of that cgroup. Every path goes through the sysroot, so the
 * fixture trees under tests/data/sysfs/memcg-* stand in for a host. */

typedef enum {
	VTIER_CGROUP_V1, /* the "memory" controller has its own hierarchy (/sys/fs/cgroup/memory) */
	VTIER_CGROUP_V2, /* unified hierarchy (/sys/fs/cgroup) */
	VTIER_CGROUP_LAST
} VtierCgroupVersion;

const gchar *vtier_cgroup_version_to_string(VtierCgroupVersion version);

/* The pid in /run/libvirt/qemu/@domain_name.pid (qemu:///system), checked to be a live process. */
gboolean vtier_memcg_read_libvirt_pid(const gchar *domain_name, gint *ret_pid, GError **error);

/* The memory cgroup @pid's memory is charged to, as a path from the root of the memory hierarchy
 * ("/machine/qemu-2-vm1.libvirt-qemu"). cgroup v1: the memory controller's line of
 * /proc/PID/cgroup. cgroup v2: the nearest ancestor of the process's cgroup (itself included)
 * whose cgroup.controllers lists "memory" (threaded sub-cgroups such as libvirt's vcpuN/emulator
 * have none; the root always has it). */
gboolean vtier_memcg_resolve(gint pid, VtierCgroupVersion *ret_version, gchar **ret_path,
			     GError **error);

/* The hierarchy the memory controller is mounted on here: v1 when /sys/fs/cgroup/memory has
 * memory.numa_stat, else v2. */
VtierCgroupVersion vtier_memcg_host_version(void);

/* The directory of @memcg_path below the sysroot's cgroup mount. */
gchar *vtier_memcg_dir(VtierCgroupVersion version, const gchar *memcg_path);

/* Per-node bytes from memory.numa_stat text (index = node). v2: "anon" + "file" lines, bytes.
 * v1: "hierarchical_total" (or "total" when absent) pages × @page_size. */
gboolean vtier_memcg_parse_numa_stat(VtierCgroupVersion version, const gchar *text,
				     guint64 page_size, GArray **ret_node_bytes, GError **error);
/* Reads @memcg_path's memory.numa_stat (one read) and parses it with the host's page size. */
gboolean vtier_memcg_read_numa_stat(VtierCgroupVersion version, const gchar *memcg_path,
				    GArray **ret_node_bytes, GError **error);

/* Fills @guest->pid (from the pid file when still 0) and @guest->memcg_path; with @measure also
 * @guest->node_bytes. */
gboolean vtier_memcg_resolve_guest(VtierGuest *guest, gboolean measure, GError **error);

/* A physical byte range, [start, end). */
typedef struct {
	guint64 start;
	guint64 end;
} VtierMemcgSpan;

/* vtier_memcg_map reads spans of up to this many page frames (4 GiB of 4 KiB pages: an 8 MiB
 * read, ~0.1 s of kernel time) whole; larger ones are sampled, VTIER_MEMCG_MAP_SAMPLES frames
 * spread evenly, each standing for the frames up to the next (a 24 GiB host read whole: 0.58 s;
 * a 256 GiB node sampled: one frame per MiB). */
#define VTIER_MEMCG_MAP_FULL_PFNS (1u << 20)
#define VTIER_MEMCG_MAP_SAMPLES (1u << 18)

/* Where @memcg_path's pages lie within @spans (VtierMemcgSpan, ascending): the page frames
 * /proc/kpagecgroup charges to its cgroup or one below it and /proc/kpageflags has on an LRU list
 * or in a transparent huge page (the pages migration can move: not the memcg's page tables or
 * slab), as runs of whole pages into
 * *@ret_spans (ascending). Runs closer than @join_bytes are one; then the runs are joined across
 * their narrowest gaps until at most @max_spans are left (a joined gap holds other memory).
 * *@ret_bytes: the memcg's bytes found. Reads 8 bytes per page frame of @spans from each file
 * (2 MiB for 1 GiB of 4 KiB pages) up to VTIER_MEMCG_MAP_FULL_PFNS of them; beyond,
 * VTIER_MEMCG_MAP_SAMPLES frames spread evenly, each standing for the frames up to the next.
 * Needs root. */
gboolean vtier_memcg_map(VtierCgroupVersion version, const gchar *memcg_path, const GArray *spans,
			 guint max_spans, guint64 join_bytes, GArray **ret_spans, guint64 *ret_bytes,
			 GError **error);
