/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * One interval of vtierd, as observed: the host, its kdamond, and per guest what it has, what it
 * is asked for and what vtier did about it. vtierd builds one snapshot per controller interval
 * (and after every reconcile); `vtierctl status`, `top`, `explain` and `dump`, and the /metrics
 * renderer all read this one record, so they never disagree. Plain data, no I/O.
 *
 * Units: bytes, milliseconds, basis points (1/100 of a percent: 10000 = 100%). Counters
 * (`*_total`, `migrated_*`, `tried_*`, `quota_exceeded_*`, `*_byte_seconds`) only grow while
 * vtierd runs. JSON members use snake_case, as every JSON key vtier prints.
 */

#define VTIER_SNAPSHOT_VERSION 1
/* A share or target that is not known (not measured, no target in this mode). */
#define VTIER_SNAPSHOT_NO_BP G_MAXUINT

typedef enum {
	VTIER_TIER_FAST,
	VTIER_TIER_SLOW,
	VTIER_TIER_LAST
} VtierTier;

const gchar *vtier_tier_to_string(VtierTier tier);

/* Where a guest stands, as one word (status column, metrics `state` label). */
typedef enum {
	VTIER_GUEST_STATE_TIERING,   /* planned, schemes in the kernel (or would be, dry-run) */
	VTIER_GUEST_STATE_PENDING,   /* known, not planned yet (first reconcile pending) */
	VTIER_GUEST_STATE_REFUSED,   /* the planner refused it: state_reason says why */
	VTIER_GUEST_STATE_OFF,	     /* mode off */
	VTIER_GUEST_STATE_FAULT,     /* a per-guest fault (memcg gone, filter rejected, QEMU died),
				      * retried with backoff: state_reason says which */
	VTIER_GUEST_STATE_UNMEASURED, /* tiering, but its memory cannot be measured (no memcg) */
	VTIER_GUEST_STATE_LAST
} VtierGuestState;

const gchar *vtier_guest_state_to_string(VtierGuestState state);
gboolean vtier_guest_state_from_string(const gchar *text, VtierGuestState *ret_state);

/* The controller's state for one guest (src/tiering/controller.h decides it). */
typedef enum {
	VTIER_CONTROL_STATE_STATIC,	/* no closed loop: the planner's static caps */
	VTIER_CONTROL_STATE_RAMPING,	/* moving toward the target */
	VTIER_CONTROL_STATE_HOLDING,	/* within the dead-band */
	VTIER_CONTROL_STATE_EXCHANGING, /* at the target, swapping hot-in-slow for cold-in-fast */
	VTIER_CONTROL_STATE_CAPPED,	/* wants more than the rate cap or the fast node allows */
	VTIER_CONTROL_STATE_BLIND,	/* DAMON sees no hot memory of this guest */
	VTIER_CONTROL_STATE_KERNEL,	/* tuner=kernel: DAMON's goal tuner drives the budgets */
	VTIER_CONTROL_STATE_ERROR,	/* no usable measurement */
	VTIER_CONTROL_STATE_LAST
} VtierControlState;

const gchar *vtier_control_state_to_string(VtierControlState state);
gboolean vtier_control_state_from_string(const gchar *text, VtierControlState *ret_state);

/* Which regions a PULL walks where the kernel cannot rank them (no fail_charge): the hot ones
 * first, then every region once that walk ran dry, then only where the guest's own pages lie
 * once the wide walk moved nothing (docs/controller.md, "Hot regions first without a ranking",
 * "Aimed at the guest's own pages"); for a PUSH there, whether its primer marks the guest's
 * pages old ahead of it ("The PUSH's primer"). */
typedef enum {
	VTIER_SNAPSHOT_WALK_NONE,  /* not such a PULL (or a PUSH) */
	VTIER_SNAPSHOT_WALK_HOT,   /* "hot": the regions at the hot threshold */
	VTIER_SNAPSHOT_WALK_EVERY, /* "every": every region */
	VTIER_SNAPSHOT_WALK_AIMED, /* "aimed": only where the guest's own pages lie */
	VTIER_SNAPSHOT_WALK_PRIMED, /* "primed": a PUSH whose primer walks ahead of it */
	VTIER_SNAPSHOT_WALK_YOUNG,  /* "young": a PULL kept to the pages touched since the last
				     * check (an exchange after a survey, 7.3) */
	VTIER_SNAPSHOT_WALK_LAST
} VtierSnapshotWalk;

const gchar *vtier_snapshot_walk_to_string(VtierSnapshotWalk walk);
gboolean vtier_snapshot_walk_from_string(const gchar *text, VtierSnapshotWalk *ret_walk);

/* A Prometheus-style histogram: cumulative counts per upper bound (seconds), +Inf implicit. */
typedef struct {
	GArray *bounds; /* gdouble, increasing */
	GArray *counts; /* guint64 per bound, cumulative (le) */
	guint64 count;
	gdouble sum;
} VtierHistogram;

VtierHistogram *vtier_histogram_new(const gdouble *bounds, guint n_bounds);
VtierHistogram *vtier_histogram_copy(const VtierHistogram *histogram);
void vtier_histogram_observe(VtierHistogram *histogram, gdouble value);
void vtier_histogram_free(VtierHistogram *histogram);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierHistogram, vtier_histogram_free)

typedef struct {
	guint node;
	VtierTier tier;
	guint64 total_bytes;
	guint64 free_bytes;
} VtierSnapshotNode;

/* One guest's bytes on one host node (from its memcg's memory.numa_stat). */
typedef struct {
	guint node;
	VtierTier tier;
	guint64 bytes;
} VtierSnapshotGuestNode;

/* Bytes of a guest that DAMON's paddr migration cannot move, and why. */
typedef struct {
	gchar *reason; /* "hugetlbfs", "vfio-pinned", "locked", "numatune-strict", "qemu-bind" */
	guint64 bytes;
} VtierSnapshotUnmovable;

/* One direction of a guest's migration: up = PULL (slow -> fast), down = PUSH (fast -> slow). */
typedef struct {
	guint64 budget_bytes;	   /* byte budget per charge window set for the next interval */
	guint64 migrated_bytes;	   /* counter: sz_applied summed over vtierd's life */
	guint64 tried_bytes;	   /* counter: sz_tried summed */
	guint64 quota_exceeded;	   /* counter: qt_exceeds summed */
	guint64 hot_bytes;	   /* what DAMON last saw as hot in this direction's source node:
				    * the guest's mean hot bytes there over the last interval from
				    * its hot stat schemes (docs/planner.md, "Hot memory per node"),
				    * else the scheme's tried bytes (what its pattern matches) */
	gint scheme;		   /* the scheme's index in kdamond 0, -1 when none */
	VtierSnapshotWalk walk;	   /* "walk" in JSON, absent for none */
	gboolean hot_unknown;	   /* hot_bytes was not read this interval (refresh_ms does not
				    * refresh the tried regions: 6.18): "hot_bytes" absent in
				    * JSON, no vtier_guest_hot_bytes sample */
} VtierSnapshotDirection;

typedef struct {
	gchar *name;
	gchar *uuid;		  /* may be NULL */
	gchar *source;		  /* "libvirt", "qmp", "pid" */
	gint pid;		  /* QEMU pid, 0 when unknown */
	gchar *memcg_path;	  /* NULL when unknown */
	gchar *mode;		  /* policy mode ("ratio", ...) */
	gchar *tuner;		  /* "vtier" or "kernel" */
	gchar *policy_origin;	  /* "domain", "template NAME", "host default", "attach" */
	guint priority;
	VtierGuestState state;
	gchar *state_reason;	  /* NULL when there is nothing to say */
	guint64 memory_bytes;	  /* the guest's memory (from libvirt/QMP) */
	gint fast_node;		  /* -1 when none */
	gint slow_node;
	guint target_share_bp;	  /* VTIER_SNAPSHOT_NO_BP when the mode has no share target */
	guint64 target_fast_bytes; /* 0 when none */
	gboolean measured;	  /* whether fast/slow bytes below are real */
	guint64 fast_bytes;
	guint64 slow_bytes;
	guint share_bp;		  /* fast / (fast + slow), VTIER_SNAPSHOT_NO_BP when unmeasured */
	GArray *nodes;		  /* VtierSnapshotGuestNode */
	VtierSnapshotDirection up;
	VtierSnapshotDirection down;
	VtierControlState control_state;
	gchar *control_reason;	  /* the controller's one-line reason, may be NULL */
	guint64 granted_fast_bytes; /* fast bytes the controller granted after the host's arbiter */
	gint64 control_error_bytes; /* granted minus held fast bytes (> 0: below), 0 without a loop */
	gboolean surveying;	  /* vtierd surveys its pages in the slow tier (7.3, after a ramp) */
	GPtrArray *unmovable;	  /* VtierSnapshotUnmovable */
	gdouble fast_byte_seconds; /* counter: fast bytes held x seconds (chargeback) */
	gdouble slow_byte_seconds;
	gchar *last_error;	  /* the last per-guest error, NULL when none */
	gint64 last_error_time;	  /* unix seconds, 0 when none */
} VtierSnapshotGuest;

VtierSnapshotGuest *vtier_snapshot_guest_new(const gchar *name);
/* Whether vtier's closed loop drives this guest (its grant and error mean something). */
gboolean vtier_snapshot_guest_has_loop(const VtierSnapshotGuest *guest);
VtierSnapshotGuest *vtier_snapshot_guest_copy(const VtierSnapshotGuest *guest);
/* A guest record is reference-counted (atomically: published snapshots are read and dropped on
 * other threads): _ref shares it between snapshots, which then must not change it; _free drops
 * a reference. */
VtierSnapshotGuest *vtier_snapshot_guest_ref(VtierSnapshotGuest *guest);
void vtier_snapshot_guest_free(VtierSnapshotGuest *guest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierSnapshotGuest, vtier_snapshot_guest_free)
void vtier_snapshot_guest_add_node(VtierSnapshotGuest *guest, guint node, VtierTier tier,
				   guint64 bytes);
void vtier_snapshot_guest_add_unmovable(VtierSnapshotGuest *guest, const gchar *reason,
					guint64 bytes);

typedef struct {
	gchar *version;		 /* vtier's version */
	gint64 time_unix_ms;	 /* when this snapshot was taken (wall clock) */
	guint64 sequence;	 /* increases by one per snapshot */
	guint interval_ms;	 /* the controller interval */
	gboolean dry_run;
	gchar *sysroot;		 /* "/" on a real host */
	/* kdamond 0 (vtier's paddr kdamond) */
	gboolean kdamond_up;
	gint kdamond_pid;	 /* -1 when not running */
	gchar *kdamond_state;	 /* "on", "off", "adopted", "dry-run", "none" (no guest planned) */
	gchar *sampler_kind;	 /* "ibs", "pebs", "none" */
	gchar *sampler_reason;
	gchar *kernel_release;	 /* uname -r, or NULL */
	GPtrArray *kernel_features; /* gchar *: notable DAMON features present ("migrate_hot", ...) */
	GArray *nodes;		 /* VtierSnapshotNode */
	guint64 fast_reserve_bytes; /* [host] fast_reserve */
	guint64 fast_promised_bytes; /* fast bytes the planned guests' targets add up to */
	GPtrArray *warnings;	 /* gchar *: settings that fight vtier, one sentence each */
	GPtrArray *guests;	 /* VtierSnapshotGuest, sorted by name */
	/* counters */
	guint64 reconciles_total;
	guint64 commits_total;	 /* DAMON state commands written (on, commit, ...) */
	guint64 writes_total;	 /* DAMON files written */
	GHashTable *errors_total; /* error kind (gchar *) -> guint64 * counter */
	VtierHistogram *reconcile_seconds;
	VtierHistogram *commit_seconds;
	gchar *last_reconcile_error; /* NULL when the last reconcile succeeded */
	gint ref_count;		 /* private: vtier_snapshot_ref(), vtier_snapshot_free() */
} VtierSnapshot;

/* A snapshot with the default histogram buckets, no guests, no nodes. */
VtierSnapshot *vtier_snapshot_new(void);
VtierSnapshot *vtier_snapshot_copy(const VtierSnapshot *snapshot);
/* A snapshot is shared between threads (vtierd's /metrics thread) only once nobody changes it:
 * vtier_snapshot_ref() adds an owner, atomically, and vtier_snapshot_free() drops one (the last
 * frees it). */
VtierSnapshot *vtier_snapshot_ref(VtierSnapshot *snapshot);
void vtier_snapshot_free(VtierSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierSnapshot, vtier_snapshot_free)

/* The guest named @name, or NULL. */
const VtierSnapshotGuest *vtier_snapshot_lookup(const VtierSnapshot *snapshot, const gchar *name);
/* Every kind of error vtierd counts, NULL-terminated: /metrics shows each from 0, so rate() and
 * the error alert see the first one. vtierd counts no other kind (vtier_manager_count_error()). */
extern const gchar *const vtier_snapshot_error_kinds[];
gboolean vtier_snapshot_error_kind_known(const gchar *kind);
/* Adds one to the counter of error kind @kind ("damon-write", "memcg", ...). */
void vtier_snapshot_count_error(VtierSnapshot *snapshot, const gchar *kind);
guint64 vtier_snapshot_get_errors(const VtierSnapshot *snapshot, const gchar *kind);
/* Sorts guests by name (the order every consumer shows them in). */
void vtier_snapshot_sort(VtierSnapshot *snapshot);

/* JSON codec: `vtierctl dump`, the control socket's status/dump replies, test fixtures.
 * Decoding is strict: unknown members, wrong types and out-of-range values are errors. */
JsonNode *vtier_snapshot_to_json(const VtierSnapshot *snapshot);
VtierSnapshot *vtier_snapshot_from_json(JsonNode *node, GError **error);
/* The snapshot less what `vtierctl status`'s text does not show (status's "table" view): per
 * guest only name, mode, state and its reason, target, measured bytes and share, the directions'
 * budget and migrated bytes, the controller's state, reason, grant and error, unmovable bytes and
 * the last error. It decodes with vtier_snapshot_from_json(), the rest left at its defaults. */
JsonNode *vtier_snapshot_to_json_table(const VtierSnapshot *snapshot);
/* vtier_snapshot_to_json() (with @table, _to_json_table()) as compact text (one line,
 * json_to_string(node, FALSE)): what a status reply carries, encoded once per snapshot by
 * vtierd. */
GBytes *vtier_snapshot_to_json_bytes(const VtierSnapshot *snapshot, gboolean table);
JsonNode *vtier_snapshot_guest_to_json(const VtierSnapshotGuest *guest);
VtierSnapshotGuest *vtier_snapshot_guest_from_json(JsonNode *node, GError **error);
