/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * The typed model of what vtier wants in DAMON's sysfs tree (/sys/kernel/mm/damon/admin/).
 *
 * It mirrors the kernel's tree one to one (names follow the sysfs file names) so that the writer
 * can map each field to one file, and it is independent of any kernel version: features a kernel
 * lacks are rejected (or, for filters on 6.12, translated) by the writer, never silently dropped.
 *
 * Every constructor fills the kernel's own defaults (what a freshly created sysfs directory
 * reads), so a model field left alone causes no write on a fresh tree.
 *
 * The planner builds a VtierDamonModel, the writer (damon-writer.h) applies it, and `vtierctl plan
 * --format=json` prints it with vtier_damon_model_to_json(). The JSON codec round-trips exactly:
 * vtier_damon_model_from_json(vtier_damon_model_to_json(m)) equals m field for field. Numbers
 * above G_MAXINT64 (e.g. an access pattern max of ULONG_MAX) are encoded as decimal strings;
 * the parser accepts a number or a decimal/0x string for every numeric field.
 *
 * This header is a contract with the planner: extend it by appending fields, never by renaming.
 */

/* ---- enumerations (each with the kernel's spelling) ---- */

typedef enum {
	VTIER_DAMON_OPS_VADDR,
	VTIER_DAMON_OPS_FVADDR,
	VTIER_DAMON_OPS_PADDR,
	VTIER_DAMON_OPS_LAST
} VtierDamonOps;

typedef enum {
	VTIER_DAMON_ACTION_WILLNEED,
	VTIER_DAMON_ACTION_COLD,
	VTIER_DAMON_ACTION_PAGEOUT,
	VTIER_DAMON_ACTION_HUGEPAGE,
	VTIER_DAMON_ACTION_NOHUGEPAGE,
	VTIER_DAMON_ACTION_LRU_PRIO,
	VTIER_DAMON_ACTION_LRU_DEPRIO,
	VTIER_DAMON_ACTION_MIGRATE_HOT,
	VTIER_DAMON_ACTION_MIGRATE_COLD,
	VTIER_DAMON_ACTION_STAT,
	VTIER_DAMON_ACTION_COLLAPSE, /* 7.3 */
	VTIER_DAMON_ACTION_LAST
} VtierDamonAction;

typedef enum {
	VTIER_DAMON_METRIC_USER_INPUT,
	VTIER_DAMON_METRIC_SOME_MEM_PSI_US,
	VTIER_DAMON_METRIC_NODE_MEM_USED_BP,	 /* 6.18+, needs nid */
	VTIER_DAMON_METRIC_NODE_MEM_FREE_BP,	 /* 6.18+, needs nid */
	VTIER_DAMON_METRIC_NODE_MEMCG_USED_BP,	 /* 6.19+, needs nid and path */
	VTIER_DAMON_METRIC_NODE_MEMCG_FREE_BP,	 /* 6.19+, needs nid and path */
	VTIER_DAMON_METRIC_ACTIVE_MEM_BP,	 /* 7.3 */
	VTIER_DAMON_METRIC_INACTIVE_MEM_BP,	 /* 7.3 */
	VTIER_DAMON_METRIC_NODE_ELIGIBLE_MEM_BP, /* 7.2+, needs nid, paddr only */
	VTIER_DAMON_METRIC_LAST
} VtierDamonGoalMetric;

typedef enum {
	VTIER_DAMON_TUNER_CONSIST, /* the kernel's default */
	VTIER_DAMON_TUNER_TEMPORAL,
	VTIER_DAMON_TUNER_LAST
} VtierDamonGoalTuner;

typedef enum {
	VTIER_DAMON_WMARK_NONE,
	VTIER_DAMON_WMARK_FREE_MEM_RATE,
	VTIER_DAMON_WMARK_LAST
} VtierDamonWmarkMetric;

typedef enum {
	VTIER_DAMON_FILTER_ANON,
	VTIER_DAMON_FILTER_ACTIVE,
	VTIER_DAMON_FILTER_MEMCG,
	VTIER_DAMON_FILTER_YOUNG,
	VTIER_DAMON_FILTER_HUGEPAGE_SIZE,
	VTIER_DAMON_FILTER_UNMAPPED,
	VTIER_DAMON_FILTER_ADDR,
	VTIER_DAMON_FILTER_TARGET,
	VTIER_DAMON_FILTER_LAST
} VtierDamonFilterType;

/* Which directory of a scheme a filter lives in. CORE and OPS are the 6.14+ form (with `allow`);
 * LEGACY is `filters/`, the only form 6.12 has (no `allow`: a filter excludes what it matches).
 * The writer moves CORE/OPS filters to `filters/` on kernels without them (see damon-writer.h). */
typedef enum {
	VTIER_DAMON_LAYER_CORE,
	VTIER_DAMON_LAYER_OPS,
	VTIER_DAMON_LAYER_LEGACY,
	VTIER_DAMON_LAYER_LAST
} VtierDamonFilterLayer;

const gchar *vtier_damon_ops_to_string(VtierDamonOps value);
gboolean vtier_damon_ops_from_string(const gchar *text, VtierDamonOps *ret_value);
const gchar *vtier_damon_action_to_string(VtierDamonAction value);
gboolean vtier_damon_action_from_string(const gchar *text, VtierDamonAction *ret_value);
const gchar *vtier_damon_goal_metric_to_string(VtierDamonGoalMetric value);
gboolean vtier_damon_goal_metric_from_string(const gchar *text, VtierDamonGoalMetric *ret_value);
const gchar *vtier_damon_goal_tuner_to_string(VtierDamonGoalTuner value);
gboolean vtier_damon_goal_tuner_from_string(const gchar *text, VtierDamonGoalTuner *ret_value);
const gchar *vtier_damon_wmark_metric_to_string(VtierDamonWmarkMetric value);
gboolean vtier_damon_wmark_metric_from_string(const gchar *text, VtierDamonWmarkMetric *ret_value);
const gchar *vtier_damon_filter_type_to_string(VtierDamonFilterType value);
gboolean vtier_damon_filter_type_from_string(const gchar *text, VtierDamonFilterType *ret_value);
const gchar *vtier_damon_filter_layer_to_string(VtierDamonFilterLayer value);
gboolean vtier_damon_filter_layer_from_string(const gchar *text, VtierDamonFilterLayer *ret_value);
/* The layer a filter type belongs to on 6.14+ kernels: CORE for addr and target, OPS otherwise. */
VtierDamonFilterLayer vtier_damon_filter_type_layer(VtierDamonFilterType type);
/* The sysfs directory name of a layer: "core_filters", "ops_filters" or "filters". */
const gchar *vtier_damon_filter_layer_dir(VtierDamonFilterLayer layer);

/* ---- the tree ---- */

typedef struct {
	guint64 min;
	guint64 max;
} VtierDamonRange;

/* targets/T/regions/R/{start,end} */
typedef struct {
	guint64 start;
	guint64 end;
} VtierDamonRegion;

/* targets/T/ */
typedef struct {
	gint pid_target;	  /* 0 for paddr */
	gboolean obsolete_target; /* 6.19+; FALSE elsewhere */
	GArray *regions;	  /* VtierDamonRegion; empty: the kernel picks (paddr: biggest RAM) */
} VtierDamonTarget;

/* monitoring_attrs/sample/perf_events/N/ (the hardware-sampling RFC ABI; defaults as the RFC). */
typedef struct {
	guint64 type;
	guint64 config;
	guint64 config1;
	guint64 config2;
	gboolean sample_phys_addr;
	gboolean sample_weight_struct;
	gboolean freq; /* 1: sample_freq is a frequency; 0: sample_period is used */
	guint64 sample_freq;
	guint64 sample_period;
	guint64 wakeup_events;
	guint64 precise_ip;
	gboolean exclude_kernel;
	gboolean exclude_hv;
} VtierDamonPerfEvent;

/* schemes/S/quotas/goals/G/ */
typedef struct {
	VtierDamonGoalMetric target_metric;
	guint64 target_value;
	guint64 current_value; /* user_input only; the kernel never writes it back */
	gint nid;	       /* 6.18+ */
	gchar *path;	       /* 6.19+: memcg path from the cgroup root; "" when unused */
} VtierDamonGoal;

/* schemes/S/{core_filters,ops_filters,filters}/F/ */
typedef struct {
	VtierDamonFilterLayer layer;
	VtierDamonFilterType type;
	gboolean matching;
	gboolean allow;	   /* CORE/OPS: pass what matches; ignored by 6.12's LEGACY form */
	gchar *memcg_path; /* memcg: path from the cgroup root; "" otherwise */
	guint64 addr_start; /* addr: [addr_start, addr_end) */
	guint64 addr_end;
	guint64 min; /* hugepage_size */
	guint64 max;
	guint damon_target_idx; /* target */
} VtierDamonFilter;

/* schemes/S/dests/D/ (6.17+) */
typedef struct {
	guint id; /* NUMA node */
	guint weight;
} VtierDamonDest;

/* schemes/S/quotas/ */
typedef struct {
	guint64 ms;
	guint64 bytes; /* never 0 for a migrating scheme: 0 is unlimited on 7.3 */
	guint64 reset_interval_ms;
	VtierDamonGoalTuner goal_tuner; /* 7.1+ */
	guint64 fail_charge_num;	/* 7.2+ */
	guint64 fail_charge_denom;
	guint64 sz_permil; /* weights/ */
	guint64 nr_accesses_permil;
	guint64 age_permil;
	GPtrArray *goals; /* VtierDamonGoal */
} VtierDamonQuotas;

/* schemes/S/watermarks/ */
typedef struct {
	VtierDamonWmarkMetric metric;
	guint64 interval_us;
	guint64 high;
	guint64 mid;
	guint64 low;
} VtierDamonWatermarks;

/* schemes/S/ */
typedef struct {
	VtierDamonAction action;
	gint target_nid; /* -1 (the kernel's NUMA_NO_NODE) when unused */
	guint64 apply_interval_us; /* 0: the aggregation interval */
	VtierDamonRange sz;	   /* access_pattern/ */
	VtierDamonRange nr_accesses;
	VtierDamonRange age;
	VtierDamonQuotas quotas;
	VtierDamonWatermarks watermarks;
	GPtrArray *filters; /* VtierDamonFilter, in evaluation order (core, then ops, then legacy) */
	GArray *dests;	    /* VtierDamonDest */
	gatomicrefcount ref_count; /* not part of the scheme: copies start at 1, equality ignores it */
} VtierDamonScheme;

/* monitoring_attrs/intervals/intervals_goal/ (6.15+); access_bp = 0 or aggrs = 0 is "off". */
typedef struct {
	guint64 access_bp;
	guint64 aggrs;
	guint64 min_sample_us;
	guint64 max_sample_us;
} VtierDamonIntervalsGoal;

/* contexts/0/ */
typedef struct {
	VtierDamonOps operations;
	guint64 addr_unit; /* 6.18+; 1 elsewhere */
	gboolean pause;	   /* 7.3 */
	guint64 sample_us; /* monitoring_attrs/intervals/ */
	guint64 aggr_us;
	guint64 update_us;
	VtierDamonIntervalsGoal intervals_goal;
	guint64 nr_regions_min; /* monitoring_attrs/nr_regions/ */
	guint64 nr_regions_max;
	GPtrArray *perf_events; /* VtierDamonPerfEvent (RFC ABI); empty: page-table access checks */
	GPtrArray *targets;	/* VtierDamonTarget */
	GPtrArray *schemes;	/* VtierDamonScheme; identity is positional: append, never reorder */
} VtierDamonContext;

/* kdamonds/K/ (sysfs supports exactly one context per kdamond) */
typedef struct {
	guint64 refresh_ms; /* 6.17+; 0: off */
	VtierDamonContext *context;
} VtierDamonKdamond;

/* kdamonds/: the whole tree vtier owns. A kdamond's index is its position. */
typedef struct {
	GPtrArray *kdamonds; /* VtierDamonKdamond */
} VtierDamonModel;

/* Constructors fill the kernel's defaults; the free functions accept NULL. */
VtierDamonModel *vtier_damon_model_new(void);
void vtier_damon_model_free(VtierDamonModel *model);
VtierDamonKdamond *vtier_damon_kdamond_new(void); /* with one default context */
void vtier_damon_kdamond_free(VtierDamonKdamond *kdamond);
VtierDamonContext *vtier_damon_context_new(void);
void vtier_damon_context_free(VtierDamonContext *context);
VtierDamonTarget *vtier_damon_target_new(void);
void vtier_damon_target_free(VtierDamonTarget *target);
void vtier_damon_target_add_region(VtierDamonTarget *target, guint64 start, guint64 end);
VtierDamonPerfEvent *vtier_damon_perf_event_new(void);
void vtier_damon_perf_event_free(VtierDamonPerfEvent *event);
VtierDamonScheme *vtier_damon_scheme_new(void);
/* A scheme can be shared by several contexts (the planner keeps an unchanged guest's group from
 * one plan to the next): a shared scheme is never changed, a holder that would change it copies
 * it first (vtier_damon_scheme_is_shared). The count is atomic: models move between threads. */
VtierDamonScheme *vtier_damon_scheme_ref(VtierDamonScheme *scheme);
gboolean vtier_damon_scheme_is_shared(const VtierDamonScheme *scheme);
/* Drops one reference; the last frees the scheme. */
void vtier_damon_scheme_free(VtierDamonScheme *scheme);
VtierDamonGoal *vtier_damon_goal_new(void);
void vtier_damon_goal_free(VtierDamonGoal *goal);
/* A filter of @type in its natural layer, matching=N, allow=N, other fields 0/"" */
VtierDamonFilter *vtier_damon_filter_new(VtierDamonFilterType type);
void vtier_damon_filter_free(VtierDamonFilter *filter);
void vtier_damon_scheme_add_dest(VtierDamonScheme *scheme, guint id, guint weight);

/* Appends and returns the new element (owned by the parent). */
VtierDamonKdamond *vtier_damon_model_add_kdamond(VtierDamonModel *model);
VtierDamonTarget *vtier_damon_context_add_target(VtierDamonContext *context);
VtierDamonScheme *vtier_damon_context_add_scheme(VtierDamonContext *context);
VtierDamonPerfEvent *vtier_damon_context_add_perf_event(VtierDamonContext *context);
VtierDamonGoal *vtier_damon_scheme_add_goal(VtierDamonScheme *scheme);
VtierDamonFilter *vtier_damon_scheme_add_filter(VtierDamonScheme *scheme, VtierDamonFilterType type);

/* Deep copies and field-by-field equality (damon-model-copy.c; no JSON round trip). Two models
 * are equal exactly when their JSON texts are. */
VtierDamonModel *vtier_damon_model_copy(const VtierDamonModel *model);
gboolean vtier_damon_model_equal(const VtierDamonModel *a, const VtierDamonModel *b);
VtierDamonScheme *vtier_damon_scheme_copy(const VtierDamonScheme *scheme);
/* The same copy of @model made in the memory of @spare (a model nobody uses any more, taken and
 * freed; NULL: a plain copy): its schemes, goals, filters and strings are overwritten instead of
 * freed and allocated again (vtierd's reconcile copies ~2000 schemes at 500 guests). */
VtierDamonModel *vtier_damon_model_copy_reusing(const VtierDamonModel *model,
						VtierDamonModel *spare);
/* A copy of @model that shares its schemes (a reference to each): what vtierd hands the DAMON
 * worker. Neither model may change a shared scheme; one that would replaces it with a copy. */
VtierDamonModel *vtier_damon_model_share(const VtierDamonModel *model);
gboolean vtier_damon_scheme_equal(const VtierDamonScheme *a, const VtierDamonScheme *b);
gboolean vtier_damon_watermarks_equal(const VtierDamonWatermarks *a,
				      const VtierDamonWatermarks *b);
/* Everything of two contexts but their schemes (operations, attrs, perf events, targets). */
gboolean vtier_damon_context_equal_but_schemes(const VtierDamonContext *a,
					       const VtierDamonContext *b);

/* JSON codec. to_json never fails; from_json rejects unknown keys, unknown enum spellings and
 * wrong types, naming the JSON path (e.g. "kdamonds[0].context.schemes[2].action"). */
JsonNode *vtier_damon_model_to_json(const VtierDamonModel *model);
VtierDamonModel *vtier_damon_model_from_json(JsonNode *node, GError **error);
/* Pretty-printed JSON text (ends with a newline) and its parser. */
gchar *vtier_damon_model_to_data(const VtierDamonModel *model);
VtierDamonModel *vtier_damon_model_from_data(const gchar *data, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonModel, vtier_damon_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonKdamond, vtier_damon_kdamond_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonContext, vtier_damon_context_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonTarget, vtier_damon_target_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonPerfEvent, vtier_damon_perf_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonScheme, vtier_damon_scheme_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonGoal, vtier_damon_goal_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonFilter, vtier_damon_filter_free)
