/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-model.h"
#include "tiering/policy.h"
#include "tiering/sampler.h"
#include "tiering/topology.h"
#include "virt/guest.h"

/*
 * The planner: a pure function from what vtier observed (topology, the kernel's DAMON features,
 * the hardware sampler, the guests with their resolved policies, vtierd.conf) to the DAMON tree
 * vtier wants (VtierDamonModel). No I/O; the same input gives the same output, byte for byte.
 *
 * Layout of the plan (see docs/planner.md):
 *  - kdamond 0: one paddr context, one target whose regions are the ranges of every node a managed
 *    guest uses. Its schemes come in groups of VTIER_PLAN_GROUP_SCHEMES; each group belongs to one
 *    owner (a guest in ratio/allowance/pin-fast/pin-slow/monitor, or one host-wide hot-split pair
 *    of a fast and a slow node) and keeps its index for as long as the owner exists. A group whose
 *    owner went away is parked (a `stat` scheme with a budget below 4096 B) and reused by the next
 *    new owner; when every group is taken the number of groups grows by a quarter (at least
 *    VTIER_PLAN_GROUP_CHUNK), so that adding one guest normally writes only that guest's group
 *    (writing nr_schemes recreates every scheme) and the rewrites stay O(1) per guest amortised.
 *  - kdamond 1 (only with [damon] vaddr_kdamond=true): a vaddr context on the QEMU pids of the
 *    guests in interleave mode, one migrate_hot scheme with weighted dests per guest.
 */

#define VTIER_PLAN_GROUP_SCHEMES 2
/* The group size when the kernel counts the bytes a scheme's ops filters let through and the
 * scheme's applications (stats/sz_ops_filter_passed, and stats/nr_snapshots or sz_tried with
 * update_schemes_tried_bytes): a guest whose PULL/PUSH vtier's controller drives gets two
 * more schemes, `stat` over its hot memory on the fast node and on the slow node (docs/planner.md,
 * "Hot memory per node"). Order in the group: PULL, PUSH, stat-fast, stat-slow; on kernels without
 * fail_charge the group of a closed loop ends with one more scheme, its PUSH's primer
 * (VTIER_PLAN_PRIME_BYTES): PULL, PUSH, stat-fast, stat-slow, primer on 6.18. 6.18 has no
 * nr_snapshots: vtierd measures there with sz_tried and the tried regions' bytes instead. */
#define VTIER_PLAN_GROUP_SCHEMES_HOT 4
/* The hot stat schemes' offsets in the group. */
#define VTIER_PLAN_HOT_FAST_OFFSET 2
#define VTIER_PLAN_HOT_SLOW_OFFSET 3
#define VTIER_PLAN_GROUP_CHUNK 8
/* On kernels without fail_charge (6.14 to 7.1) a closed loop's group ends with its PUSH's primer
 * (`stat` marking the guest's pages on the fast node old, docs/planner.md, "The PUSH's primer"),
 * parked; vtierd opens it to this budget a charge window while the PUSH has one. */
#define VTIER_PLAN_PRIME_BYTES (1ull << 30)
/* A parked scheme's budget: below one page, so DAMON applies nothing. */
#define VTIER_PLAN_PARKED_BYTES 1

/* One guest as the planner needs it (the daemon fills it from VtierGuest + its policy). */
typedef struct {
	gchar *name;
	gchar *uuid;	      /* may be NULL; the slot key is the uuid when known, else the name */
	guint64 memory_bytes;
	gchar *memcg_path;    /* the cgroup its memory is charged to, from the cgroup root */
	GArray *bound_nodes;  /* guint host nodes from numatune/vCPU pinning; empty = unbound */
	gint pid;	      /* QEMU pid, 0 when unknown */
	VtierPolicy *policy;  /* resolved (vtier_policy_resolve) */
} VtierPlanGuest;

VtierPlanGuest *vtier_plan_guest_new(const gchar *name, const gchar *uuid, guint64 memory_bytes,
				     const gchar *memcg_path, gint pid, const VtierPolicy *policy);
/* From the guest record every guest source fills (src/virt/guest.h) and its resolved policy. */
VtierPlanGuest *vtier_plan_guest_new_from_guest(const VtierGuest *guest,
						const VtierPolicy *policy);
void vtier_plan_guest_add_bound_node(VtierPlanGuest *guest, guint node);
/* Whether @pg holds what vtier_plan_guest_new_from_guest(@guest, ...) copies from @guest (name,
 * uuid, memory size, memcg, pid, bound nodes, compared by value): a caller that keeps a plan guest
 * from one plan to the next reuses it only then. Its policy is the caller's to compare. */
gboolean vtier_plan_guest_is_from(const VtierPlanGuest *pg, const VtierGuest *guest);
void vtier_plan_guest_free(VtierPlanGuest *guest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierPlanGuest, vtier_plan_guest_free)

/* Which owner holds which scheme group of kdamond 0; carried from one plan to the next. */
typedef struct {
	GPtrArray *owners; /* gchar *, one per group; NULL = parked */
} VtierPlanSlots;

VtierPlanSlots *vtier_plan_slots_new(void);
VtierPlanSlots *vtier_plan_slots_copy(const VtierPlanSlots *slots);
void vtier_plan_slots_free(VtierPlanSlots *slots);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierPlanSlots, vtier_plan_slots_free)
JsonNode *vtier_plan_slots_to_json(const VtierPlanSlots *slots);
VtierPlanSlots *vtier_plan_slots_from_json(JsonNode *node, GError **error);

/* What the administrator says about planning ([damon] and [policy] of vtierd.conf, mapped by
 * vtier_config_to_options() in src/tiering/options.h). All zero but default_mode (ratio) and
 * respect_numatune (TRUE) are the defaults: vtier_plan_options_init(). */
typedef struct {
	gboolean intervals_autotune; /* [damon] intervals_autotune */
	gboolean vaddr_kdamond;	     /* [damon] vaddr_kdamond */
	VtierPolicyMode default_mode; /* [policy] default_mode: guests without a policy */
	gboolean strict;	      /* [policy] strict: a rejected policy fails the guest */
	gboolean respect_numatune;    /* [policy] respect_numatune */
} VtierPlanOptions;

void vtier_plan_options_init(VtierPlanOptions *options);

typedef struct {
	const VtierTopology *topology;
	const VtierDamonFeatures *features;
	const VtierSampler *sampler;	 /* NULL: no hardware sampler */
	const VtierPlanOptions *options; /* NULL: vtier_plan_options_init()'s defaults */
	GPtrArray *guests;		 /* VtierPlanGuest */
	const VtierPlanSlots *previous;	 /* the previous plan's slots, NULL for a fresh tree */
	/* A plan made before (any input; NULL: none): the guests' scheme groups whose inputs did
	 * not change are shared with it (reference-counted schemes) instead of built again. The
	 * plan is the same as without it, byte for byte; neither plan's schemes may be changed. */
	const struct _VtierPlan *reuse;
} VtierPlanInput;

/* What the plan does for one guest. */
typedef struct {
	gchar *name;
	gchar *uuid;
	VtierPolicyMode mode;
	gboolean planned;      /* FALSE: refused (or mode off) */
	gchar *refusal;	       /* why it was refused, naming the guest and what is missing */
	gint fast_node;	       /* -1 when none */
	gint slow_node;
	guint kdamond;	       /* where its schemes are */
	gint first_scheme;     /* -1 when it has no scheme of its own */
	guint n_schemes;
	guint64 fast_target_bytes; /* fast memory the policy asks for, after priority sharing */
	gboolean hot_stats;    /* its group ends with the stat-fast and stat-slow schemes (at
				* first_scheme + VTIER_PLAN_HOT_{FAST,SLOW}_OFFSET) */
	gboolean primed;       /* its last scheme (first_scheme + n_schemes - 1) is its PUSH's primer */
	VtierPolicyTuner tuner; /* who sets its schemes' budgets: its policy's tuner; for hot-split
				 * the pair's (its first member's by name) */
	guint hot_target_bp;   /* hot-split: the pair's target fast share of its hot memory */
} VtierPlanGuestResult;

typedef struct _VtierPlan {
	VtierDamonModel *model;
	VtierPlanSlots *slots;	  /* hand to the next plan as input.previous */
	GPtrArray *guests;	  /* VtierPlanGuestResult, sorted by name */
	GPtrArray *notes;	  /* gchar *: facts for the admin (status), in plan order */
	gchar *sampler_reason;	  /* the perf event used, or why page-table sampling is used */
	guint group_schemes;	  /* schemes per group: VTIER_PLAN_GROUP_SCHEMES(_HOT) */
	/* the planner's own, for input.reuse: what each group of kdamond 0 was built from */
	GPtrArray *group_keys;	  /* PlanGroupKey, NULL for a group never shared */
	GArray *reuse_stamp;	  /* guint64: what every group depends on besides its key */
} VtierPlan;

void vtier_plan_free(VtierPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierPlan, vtier_plan_free)

/* Plans. Fails only for input that cannot describe a host (no fast node, no DAMON); guests whose
 * mode the kernel or host cannot do are refused one by one (see VtierPlanGuestResult). */
VtierPlan *vtier_planner_plan(const VtierPlanInput *input, GError **error);

/* Checks a model for the DAMON starvation bug (lab.md): intervals auto-tuning combined with a
 * scheme apply interval at least as long as one tuning period. */
gboolean vtier_planner_check_starvation(const VtierDamonModel *model, GError **error);

/* The plan as JSON: {"model", "slots", "guests", "notes", "sampler"}. */
JsonNode *vtier_plan_to_json(const VtierPlan *plan);
gchar *vtier_plan_to_data(const VtierPlan *plan);
/* The plan as the shell script an admin can read or replay on a host whose DAMON tree is fresh
 * (vtierd not running): comment lines with the guests, refusals, notes and the sampler choice,
 * then one `echo VALUE > /sys/kernel/mm/damon/admin/RELPATH` per file that differs from a fresh
 * tree, in the kernel's order, ending with the state writes (`on` for each kdamond, then the
 * writer's staged first window: the real access patterns and `commit`). */
gchar *vtier_plan_to_shell(const VtierPlan *plan, const VtierDamonFeatures *features,
			   GError **error);
