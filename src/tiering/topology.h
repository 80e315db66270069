/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>


/* The host's NUMA topology as vtier sees it: one VtierNode per online node with its CPUs,
 * capacity, distances, kernel memory tier and physical address ranges, each node classified as
 * fast or slow memory, and each fast node paired with its nearest slow node(s).
 *
 * Everything is read through the sysroot (src/common/paths.h): /sys/devices/system/node,
 * /sys/devices/system/memory, /sys/devices/virtual/memory_tiering and /proc/iomem. libnuma is only
 * consulted when the sysroot is the real "/" (it always reads the live machine), so fixture runs
 * never see the machine they run on. Nothing here writes anything.
 *
 * The planner consumes this read-only; it may also build a VtierTopology from literals with
 * vtier_topology_new() / vtier_node_new() / vtier_topology_add_node() and then call
 * vtier_topology_classify(), which does no I/O. */

typedef enum {
	VTIER_NODE_ROLE_NONE, /* no memory (CPU-only node), or left out by the configuration */
	VTIER_NODE_ROLE_FAST, /* DRAM: guests' fast memory */
	VTIER_NODE_ROLE_SLOW, /* CXL or other far memory: guests' slow memory */
	VTIER_NODE_ROLE_LAST
} VtierNodeRole;

/* What the fast/slow split was decided by. */
typedef enum {
	VTIER_TOPOLOGY_BASIS_CONFIG,	   /* [topology] fast_nodes= / slow_nodes= of vtierd.conf */
	VTIER_TOPOLOGY_BASIS_MEMORY_TIERS, /* kernel memory tiers (lowest tier with CPUs: fast) */
	VTIER_TOPOLOGY_BASIS_CPULESS,	   /* nodes with CPUs fast, CPU-less farther nodes slow */
	VTIER_TOPOLOGY_BASIS_LAST
} VtierTopologyBasis;

/* A physical address range, half-open [start, end) as DAMON regions take it (text output prints
 * it inclusive, the way /proc/iomem does). */
typedef struct {
	guint64 start;
	guint64 end;
} VtierPhysRange;

#define VTIER_DISTANCE_UNKNOWN G_MAXUINT
#define VTIER_MEMORY_TIER_NONE (-1)

typedef struct {
	guint id;
	GArray *cpus;		   /* guint CPU ids, ascending; empty for a CPU-less node */
	guint64 total_bytes;	   /* MemTotal of the node */
	guint64 free_bytes;	   /* MemFree of the node, at load time */
	GArray *distances;	   /* guint by node id; VTIER_DISTANCE_UNKNOWN where absent */
	gint memory_tier;	   /* N of memory_tierN, or VTIER_MEMORY_TIER_NONE */
	gboolean has_memory;	   /* the kernel lists it in has_memory (or MemTotal > 0) */
	GArray *ranges;		   /* VtierPhysRange, ascending, merged, online System RAM only */
	guint n_offline_blocks;	   /* memory blocks of this node that are not online (excluded) */
	VtierNodeRole role;	   /* set by vtier_topology_classify() */
	GArray *nearest_slow;	   /* guint node ids: for a fast node its nearest slow node(s) */
	GArray *nearest_fast;	   /* guint node ids: for a slow node its nearest fast node(s) */
} VtierNode;

/* A configuration problem found while classifying, with the fix an administrator can apply. */
typedef struct {
	gchar *summary; /* one line: what is wrong */
	gchar *fix;	/* what to do about it */
} VtierTopologyProblem;

typedef struct {
	GPtrArray *nodes;	   /* VtierNode *, ascending id, online nodes only */
	guint64 block_size_bytes;  /* memory block size, 0 when unknown (literal topologies) */
	gboolean has_memory_tiers; /* the kernel exposes memory_tiering with at least one tier */
	gboolean iomem_hidden;	   /* iomem showed no addresses (not root): ranges are blocks */
	gchar *capacity_source;	   /* "libnuma" or "sysfs meminfo" */
	VtierTopologyBasis basis;
	GPtrArray *problems; /* VtierTopologyProblem *: configuration problems (with fixes) */
	GPtrArray *notes;    /* gchar *: facts worth telling the admin that are not problems */
	/* the kernel's own tiering, which fights vtier's placement when on */
	gint numa_balancing;   /* kernel.numa_balancing: 0 off, 1 normal, 2 tiering; -1 unknown */
	gint demotion_enabled; /* /sys/kernel/mm/numa/demotion_enabled as 0/1, -1 unknown */
} VtierTopology;

const gchar *vtier_node_role_to_string(VtierNodeRole role);
const gchar *vtier_topology_basis_to_string(VtierTopologyBasis basis);

/* What the administrator says about the tiers ([topology] of vtierd.conf, mapped by
 * vtier_config_to_options() in src/tiering/options.h). */
typedef struct {
	gchar *fast_nodes; /* node list ("0,1" or "0-1"); NULL or "": detect */
	gchar *slow_nodes;
} VtierTopologyOptions;

void vtier_topology_options_clear(VtierTopologyOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierTopologyOptions, vtier_topology_options_clear)
/* Checks what needs no host: both lists parse and no node is in both. */
gboolean vtier_topology_options_check(const VtierTopologyOptions *options, GError **error);

/* Reads the topology below the sysroot and classifies it, honouring @options (NULL: detect).
 * Malformed or missing kernel files give an error that names the file and the value; a node of
 * @options the host does not have, or that has no memory, an error naming the node. */
VtierTopology *vtier_topology_load(const VtierTopologyOptions *options, GError **error);

/* Building blocks for literal topologies (planner tests) and for the loader. */
VtierTopology *vtier_topology_new(void);
VtierNode *vtier_node_new(guint id);
void vtier_node_free(VtierNode *node);
/* Takes ownership of @node; nodes must be added in ascending id order. */
void vtier_topology_add_node(VtierTopology *topology, VtierNode *node);
void vtier_node_set_distance(VtierNode *node, guint to, guint distance);
void vtier_node_add_range(VtierNode *node, guint64 start, guint64 end);

/* Sets every node's role, the pairing, basis, problems and notes (replacing earlier ones) from
 * the nodes' data alone. @fast_nodes / @slow_nodes: node lists ("0,1" or "0-1"), NULL or "" when
 * not configured. Fails when the lists name unknown or memory-less nodes or overlap. */
gboolean vtier_topology_classify(VtierTopology *topology, const gchar *fast_nodes,
				 const gchar *slow_nodes, GError **error);

const VtierNode *vtier_topology_get_node(const VtierTopology *topology, guint id);
/* VTIER_DISTANCE_UNKNOWN when either node or the distance is unknown. */
guint vtier_topology_distance(const VtierTopology *topology, guint from, guint to);
/* The ids (guint) of the nodes with @role, ascending. */
GArray *vtier_topology_nodes_with_role(const VtierTopology *topology, VtierNodeRole role);
/* Sum of the lengths of @node's ranges. */
guint64 vtier_node_range_bytes(const VtierNode *node);

void vtier_topology_free(VtierTopology *topology);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierNode, vtier_node_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierTopology, vtier_topology_free)

/* JSON codec (used by `vtierctl topology --json` and the daemon's state dumps). */
JsonNode *vtier_topology_to_json(const VtierTopology *topology);
/* The admin's one-screen view (`vtierctl topology`). */
gchar *vtier_topology_to_text(const VtierTopology *topology);

/* Parses a kernel node/CPU list ("0-3,8,10-11") into ascending guint values; empty text gives an
 * empty array. @what names the source in the error. */
GArray *vtier_parse_id_list(const gchar *text, const gchar *what, GError **error);
