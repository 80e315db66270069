/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/planner.h"

/* Shared between the planner's files; not an interface. */

/* Monitoring attributes every plan uses (damon-sysfs.md, "Recommended starting values"). */
#define PLAN_SAMPLE_US 5000
#define PLAN_AGGR_US 100000
#define PLAN_UPDATE_US 1000000
#define PLAN_NR_REGIONS_MIN 10
#define PLAN_NR_REGIONS_MAX 1000
#define PLAN_RESET_INTERVAL_MS 1000
#define PLAN_REFRESH_MS 1000
/* What the paddr target leaves out where two monitored nodes meet (planner-build.c,
 * build_target): one 4 KiB page, DAMON's smallest region on the x86-64 hosts vtier runs on. */
#define PLAN_NODE_EDGE_HOLE_BYTES 4096
#define PLAN_GOAL_ACCESS_BP 400
#define PLAN_GOAL_AGGRS 3
#define PLAN_GOAL_MIN_SAMPLE_US 5000
/* At most 100 ms samples (2 s aggregations): the recipe's 10 s let an idle-looking host stretch
 * aggregations to 200 s, and schemes applied per aggregation then waited that long (lab, 7.3). */
#define PLAN_GOAL_MAX_SAMPLE_US 100000
/* With auto-tuning, schemes apply every 100 ms whatever the tuned aggregation interval: shorter
 * than the shortest tuning period (3 x 20 x 5 ms = 300 ms), so no retune can starve them. */
#define PLAN_TUNED_APPLY_US 100000
/* The hot stat schemes apply once a second: their young filter walks the reverse map of every
 * page in a hot region (and clears the young ones), and at the 100 ms of the other schemes that
 * tripled the kdamond's CPU in the lab (7.3, bench/tiering vtierd single: 34.7 s against 11.7 s
 * without the filter; 13.1 s at 1 s). vtierd reads them once an interval (1 s) anyway. With
 * auto-tuning, under the shortest tuning period (300 ms, vtier_planner_check_starvation()). */
#define PLAN_HOT_STAT_APPLY_US 1000000
#define PLAN_HOT_STAT_TUNED_APPLY_US 250000
/* Quota weights: hotness (access frequency first, then age); migrate_cold uses the inverse, so
 * PULL takes the hottest pages and PUSH the coldest when the budget is short. A PULL over every
 * region drops the age weight (planner-schemes.c, pull_rank_by_frequency). */
#define PLAN_WEIGHT_SZ_PERMIL 0
#define PLAN_WEIGHT_NR_ACCESSES_PERMIL 1000
#define PLAN_WEIGHT_AGE_PERMIL 100
/* fail_charge_num/denom (7.2+): charge failed migrations at 1/1024, so a budget is exact. */
#define PLAN_FAIL_CHARGE_NUM 1
#define PLAN_FAIL_CHARGE_DENOM 1024

typedef struct {
	const VtierPlanInput *input;
	const VtierDamonFeatures *features;
	gboolean modern_filters; /* core_filters/ops_filters with allow (6.14+), else filters/ */
	gboolean tune_intervals; /* intervals_goal in use */
	GArray *monitored;	 /* guint node ids in the paddr target, ascending */
} PlanContext;

/* One guest while planning. */
typedef struct {
	const VtierPlanGuest *guest;
	VtierPlanGuestResult *result;
	gchar *owner; /* its scheme group's owner key, NULL when it has none */
} PlanGuest;

VtierPlanSlots *vtier_plan_slots_assign(const VtierPlanSlots *previous, GPtrArray *wanted);
gint vtier_plan_slots_lookup(const VtierPlanSlots *slots, const gchar *owner);

/* Scheme builders (planner-schemes.c); each fills a scheme fresh from the model's constructor. */
void plan_scheme_park(VtierDamonScheme *scheme);
void plan_scheme_pull(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg);
void plan_scheme_push(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg);
void plan_scheme_pin(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg);
void plan_scheme_stat(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg);
/* The guest's hot memory on its fast (@fast) or slow node: `stat`, no quota. */
void plan_scheme_hot_stat(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg,
			  gboolean fast);
/* Whether a closed loop's group holds the hot stat schemes: the kernel counts the bytes a
 * scheme's ops filters let through and its applications (sz_ops_filter_passed, nr_snapshots). */
gboolean plan_hot_stats(const PlanContext *ctx);
/* Whether a closed loop's group ends with its PUSH's primer (no fail_charge, 6.14+ stat). */
gboolean plan_primes(const PlanContext *ctx);
/* The guest's PUSH's primer: `stat` marking its pages on the fast node old, parked. */
void plan_scheme_prime(const PlanContext *ctx, VtierDamonScheme *scheme, const PlanGuest *pg);
/* The scheme group size: PULL and PUSH, the hot stat schemes (plan_hot_stats), the primer
 * (plan_primes). */
guint plan_group_schemes(const PlanContext *ctx);
/* Configuration A: @to_fast selects PULL (slow->fast) or PUSH (fast->slow); @members are the
 * PlanGuest of the pair, sorted by name; @target_bp the fast share of the hot set; @tuner who
 * sets the budgets (kernel: goals on the hot split; vtier: the controller, no goals). */
void plan_scheme_hot_split(const PlanContext *ctx, VtierDamonScheme *scheme, guint fast,
			   guint slow, gboolean to_fast, GPtrArray *members, guint target_bp,
			   VtierPolicyTuner tuner);
/* The pair's hot memory on @node: `stat` kept to the node and to the members' memcgs, the
 * PULL's hotness threshold, no quota (the stat-fast/stat-slow of a hot-split pair). */
void plan_scheme_hot_split_stat(const PlanContext *ctx, VtierDamonScheme *scheme, guint node,
				GPtrArray *members);
void plan_scheme_interleave(const PlanContext *ctx, VtierDamonScheme *scheme,
			    const PlanGuest *pg, guint target_index);

/* Why @pg cannot run in its mode on this kernel/host, or NULL (planner-checks.c). */
gchar *plan_check_guest(const PlanContext *ctx, const PlanGuest *pg);
/* nr_accesses threshold (per aggregation interval) of a hotness share in bp. */
guint64 plan_hot_min_accesses(guint hot_threshold_bp);
/* Age (in aggregation intervals) of a duration. */
guint64 plan_age_intervals(guint64 ms);

/* Groups kept from the previous plan (planner-reuse.c). A key is what one guest's group was built
 * from (NULL @pg: a parked group), with the results building it set; reference-counted, shared by
 * the plans that share the group. */
typedef struct _PlanGroupKey PlanGroupKey;
PlanGroupKey *plan_group_key_new(const PlanGuest *pg);
PlanGroupKey *plan_group_key_ref(PlanGroupKey *key);
void plan_group_key_unref(PlanGroupKey *key);
void plan_group_key_set_result(PlanGroupKey *key, const PlanGuest *pg);
guint plan_group_key_n_schemes(const PlanGroupKey *key);
gboolean plan_group_key_hot_stats(const PlanGroupKey *key);
gboolean plan_group_key_primed(const PlanGroupKey *key);
/* What every group depends on besides its key (guint64 values). */
GArray *plan_reuse_stamp(const PlanContext *ctx, guint group_schemes);
/* Whether @plan (its stamp and group size set) can share groups of @previous (may be NULL). */
gboolean plan_reuse_possible(const VtierPlan *previous, const VtierPlan *plan);
/* Group @g of @previous shared into @c when @pg (NULL: parked) gives the key it was built from:
 * a reference to that key, else NULL (nothing added). */
PlanGroupKey *plan_reuse_group(const VtierPlan *previous, VtierDamonContext *c, guint g,
			       guint group_schemes, const PlanGuest *pg);

/* planner.c / planner-build.c */
void plan_set_monitoring(const PlanContext *ctx, VtierDamonContext *c, VtierDamonOps ops);
gchar *plan_perf_event(const PlanContext *ctx, VtierDamonContext *c);
void plan_build_paddr(const PlanContext *ctx, VtierPlan *plan, GPtrArray *pgs);
void plan_build_vaddr(const PlanContext *ctx, VtierPlan *plan, GPtrArray *pgs);
