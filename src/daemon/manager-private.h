/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/stat.h>

#include "common/control.h"
#include "common/escape.h"
#include "common/config.h"
#include "daemon/manager.h"
#include "tiering/controller.h"
#include "tiering/options.h"
#include "tiering/damon/damon-driver.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/planner.h"
#include "tiering/policy.h"
#include "tiering/sampler.h"
#include "tiering/snapshot.h"
#include "tiering/topology.h"
#include "virt/connection.h"
#include "virt/guest.h"
#include "virt/memcg.h"

/* The parts of vtierd's manager, shared by the files of src/daemon/ (manager.c owns the loop,
 * guests.c the guest table, reconcile.c planning and applying, interval.c the controller's seat,
 * handlers.c the control requests, state.c the state file). */

/* A per-guest fault: logged once when it appears and once when it clears, retried with backoff. */
typedef struct {
	gchar *kind;	     /* "memcg", "qemu", "damon", "policy", "numatune" */
	gchar *message;
	gint64 since_us;     /* monotonic */
	gint64 retry_at_us;  /* monotonic: do not plan the guest before */
	guint backoff_ms;
} VtierFault;

/* damon-worker.c: the DAMON I/O worker, one thread that runs one job at a time with the driver
 * (or the dry run's writer and fake); the main loop only launches jobs and applies their
 * results (on the main context, in job->done). */
typedef enum {
	VTIER_DAMON_JOB_APPLY,	/* the writer's apply of @model */
	VTIER_DAMON_JOB_STATUS, /* kdamond 0's status, the stats of @wanted schemes */
	VTIER_DAMON_JOB_AUDIT,	/* vtier's files read back against @model, repaired */
} VtierDamonJobKind;

/* The seat's recent timings (interval.c): a ring of the last VTIER_SEAT_SAMPLES, in ms. */
#define VTIER_SEAT_SAMPLES 8
typedef struct {
	guint ms[VTIER_SEAT_SAMPLES];
	guint next;
} VtierSeatSamples;

typedef struct _VtierDamonJob VtierDamonJob;
typedef struct _VtierDamonWorker VtierDamonWorker;
typedef void (*VtierDamonJobDone)(VtierManager *m, VtierDamonJob *job);

struct _VtierDamonJob {
	VtierDamonJobKind kind;
	VtierDamonJobDone done;	  /* on the main context, after the counters are taken */
	gpointer data;		  /* the launcher's context, freed with the job */
	GDestroyNotify data_free;
	/* in: the job's own copies */
	VtierDamonModel *model;	  /* apply, audit */
	GArray *wanted;		  /* status: scheme indexes (guint) */
	gboolean invalidate;	  /* apply: forget what the writer remembers first */
	/* out */
	gboolean ok;
	GError *error;
	guint64 writes;
	GArray *commit_seconds;	  /* gdouble: how long into the apply each commit ended */
	gdouble cpu_seconds;	  /* the worker's CPU in the writer */
	gdouble kernel_cpu_seconds; /* of which the dry run's fake kernel's (its `state` commands) */
	VtierDamonKdamondStatus status;
	gchar *found;		  /* audit: what someone else changed, NULL when nothing */
	gboolean verify_failed;	  /* audit: the files could not be read back */
};

/* How a guest came to vtierd. */
typedef enum {
	VTIER_ORIGIN_LIBVIRT,
	VTIER_ORIGIN_ATTACH,
} VtierGuestOrigin;

/* One guest vtierd knows, keyed by name. */
typedef struct {
	gchar *name;
	VtierGuestOrigin origin;
	VtierGuest *record;	    /* facts from libvirt, or built at attach */
	gchar *attach_qmp;	    /* attach --qmp SOCKET */
	gchar *attach_policy;	    /* attach --policy (XML text) */
	gchar *attach_template;	    /* attach --template NAME */
	JsonObject *state_attached; /* its entry in the state file's "attached" (state.c), made
				     * at the first save: the fields it holds do not change */
	gchar *state_attached_text; /* that entry's text in the file, made once too */
	VtierPolicy *policy;	    /* resolved at the last reconcile, NULL when refused */
	gchar *policy_key;	    /* what it was resolved from (re-resolved only on change) */
	VtierPlanGuest *plan_input; /* the last planner input, reused while its record and policy
				     * are the same (vtier_plan_guest_is_from), or NULL */
	gchar *policy_error;	    /* why the domain's own policy was not used */
	gchar *refusal;		    /* why vtierd plans nothing for it (numatune, strict policy) */
	VtierFault *fault;	    /* NULL when healthy */
	gboolean planned;	    /* in the applied plan */
	VtierPlanGuestResult *result; /* the plan's word on it (copy), or NULL */
	gboolean stopping;	    /* the hook said stopped/release: leave it out until libvirt
				     * reports it again */
	/* measurement and counters (interval.c) */
	VtierSnapshotGuest *snap;   /* the latest per-guest snapshot record, shared with the
				     * snapshots (observe.c): replaced by each measure, never
				     * changed once it is done */
	guint64 last_applied[2];    /* last sz_applied seen per direction (up, down) */
	guint64 last_tried[2];
	guint64 last_qt[2];
	gint last_scheme[2];	    /* the scheme those counters belong to */
	/* the hot stat schemes' counters per node (fast, slow; interval-hot.c) */
	guint64 hot_passed[2];	    /* last sz_ops_filter_passed */
	guint64 hot_snapshots[2];   /* last nr_snapshots */
	gint hot_scheme[2];	    /* the scheme + 1 those counters belong to, 0: none */
	guint64 hot_last[2];	    /* the last measure per node ... */
	gboolean hot_valid[2];	    /* ... and whether there is one */
	gboolean hot_known;	    /* the last interval measured its hot bytes per node */
	gint64 last_measure_us;
	gint64 prev_measure_us;
	/* a PULL that walks hot regions first (interval.c, walk_pull) */
	guint64 up_moved;	    /* what it moved over the last interval measured */
	guint64 up_tried;	    /* what it tried (was charged) then ... */
	guint64 up_tried_before;    /* ... and in the interval before */
	gboolean up_seen;	    /* whether that interval had a status read (PULL and PUSH) */
	guint64 up_budget_before;   /* its budget at the step before */
	guint up_open;		    /* steps in a row that left it a budget >= 1 MiB */
	guint up_fruitless;	    /* intervals in a row it spent its budget moving < 1 MiB */
	/* a closed loop's PUSH without fail_charge, which walks every region (walk_push) */
	guint64 down_moved;	    /* what it moved over the last interval measured */
	guint64 down_tried;	    /* what it tried then */
	guint64 down_budget_before; /* its budget at the step before */
	guint down_fruitless;	    /* intervals in a row it spent its budget moving < 1 MiB */
	gboolean aim_failed;	    /* its pages could not be found (aim_walk): warned once */
	/* the survey of its pages on the slow node after a ramp (interval.c, survey_slow) */
	guint survey_left;	    /* holding steps it still runs, 0: off */
	guint survey_age;	    /* its steps not an exchange's so far */
	gboolean survey_due;	    /* a ramp ended: one begins when a kpagecgroup read is free */
	gint64 survey_began_us;	    /* when the last one began (monotonic), 0: never */
	guint hot_skip;		    /* slow-node measures still to leave out after a change */
	VtierControlState last_state; /* the controller's state at the step before */
} VtierDaemonGuest;

/* Spans a PULL aimed at the guest's own pages walks, at most (each one filter or two). */
#define VTIER_AIM_MAX_SPANS 8
/* The guest's pages closer than this are one span. */
#define VTIER_AIM_JOIN_BYTES (2ull << 20)
/* kpagecgroup reads (vtier_memcg_map) one controller step makes, host-wide: each is up to
 * ~0.25 s on vtierd's main loop (a sampled map; 0.24 s for 24 GiB). */
#define VTIER_AIM_READS_PER_STEP 1

/* What vtierd overlays on one scheme of the plan (m->budgets): the controller's budget per charge
 * window (0: the plan's, for a scheme DAMON's goal tuner drives), for a PULL the plan has walk its
 * hot regions only (kernels without fail_charge) whether it walks every region now, and only
 * where the guest's own pages lie (interval.c, walk_pull, aim_pull), for a PUSH there whether it
 * walks the regions DAMON sees cold only (interval.c, walk_push), and for a tuner=kernel ratio
 * scheme the current value of its user_input goal (interval.c, feed_user_input). */
typedef struct {
	guint64 bytes;
	gboolean wide;
	gboolean cold;	     /* a PUSH kept to the regions DAMON sees cold (nr_accesses 0) */
	gboolean young;	     /* a PULL kept to the guest's pages touched since the last check */
	gboolean goal;	     /* whether goal_value is set */
	guint64 goal_value;  /* goals' user_input current_value */
	gboolean keep_walk;  /* parked, its watermarks switch it off (vtier_budget_apply) */
	guint n_aim;	     /* aimed: the spans of its node it walks (a PULL's, PUSH's, survey's) */
	VtierMemcgSpan aim[VTIER_AIM_MAX_SPANS];
} VtierBudget;

/* reconcile.c: @scheme, a copy of the plan's, with what @b says. */
void vtier_budget_apply(const VtierBudget *b, VtierDamonScheme *scheme);
/* reconcile.c: whether @scheme says what @plan_scheme with @b applied would say. */
gboolean vtier_budget_matches(const VtierBudget *b, const VtierDamonScheme *plan_scheme,
			      const VtierDamonScheme *scheme);
/* reconcile.c: leaves a page out of @model's monitoring target at each edge of each aim in
 * @budgets (scheme index + 1 -> VtierBudget), so that no DAMON region straddles one. */
void vtier_budgets_hole_aims(GHashTable *budgets, VtierDamonModel *model);

struct VtierManager {
	VtierManagerOptions options;
	gchar *config_path;
	VtierConfig *config;
	VtierOptions typed;	     /* @config mapped onto each part's typed options */
	GMainLoop *loop;
	int exit_status;

	/* inputs */
	VtierTopology *topology;
	VtierSampler *sampler;
	VtierDamonFeatures *features; /* dry-run: the profile; else the driver's */
	VtierPolicyStore *store;
	VtierVirtConnection *virt;
	GHashTable *guests; /* name -> VtierDaemonGuest */
	/* m->guests in name order, kept while no guest was made or freed and the table's size is
	 * the same (vtier_daemon_guests_by_name) */
	GPtrArray *guests_by_name;
	guint64 guests_by_name_generation;
	guint store_generation; /* bumped when the policy store or the config is reloaded */

	/* effect */
	VtierDamonDriver *driver;    /* NULL in dry-run */
	VtierDamonFake *fake;	     /* dry-run: the writer writes this in-process kernel */
	VtierDamonWriter *dry_writer;
	GList *dry_run_modules;	     /* dry-run: exclusive modules the profile has enabled */
	VtierPlanSlots *slots;
	VtierPlan *plan;	     /* the last plan applied */
	VtierDamonModel *applied;    /* the model last handed to the writer (budgets included) */
	/* reconcile.c: per scheme index of kdamond 0, the plan's scheme the last overlay of a
	 * budget changed (at 2i) and its copy with that budget (at 2i+1), both shared, NULL: none */
	GPtrArray *overlaid;
	gboolean applied_ok;
	gboolean adopted;
	GHashTable *budgets;	     /* "scheme index + 1" -> VtierBudget, from the controller */
	VtierController *controller;
	VtierDamonWorker *damon_worker; /* owns driver / dry_writer / fake while a job runs */
	VtierDamonJob *damon_job;    /* the job in flight (main loop's view), NULL when idle */
	gboolean budgets_pending;    /* the controller's newest budgets wait for the worker */
	gboolean audit_pending;	     /* an audit tick found the worker busy: audit when it is free */
	gboolean step_soon;	     /* an apply parked new closed loops: the controller's first
				      * step for them runs when the worker is free, not at the next
				      * tick (vtier_manager_interval_restart) */
	gint64 audit_ended_us;	     /* monotonic: when the last audit's read-back ended */
	gint64 budgets_decided_us;   /* monotonic: when the controller decided the budgets in
				      * flight or pending */
	/* the seat's own timing, recent samples (interval.c): step periods, and actuation lags
	 * (a decision until its budgets reached the kernel) */
	gint64 step_last_us;
	VtierSeatSamples steps;
	VtierSeatSamples lags;
	gboolean stopping;	     /* the loop ended: no new job */

	/* scheduling */
	guint reconcile_source;
	guint refresh_source;	     /* domains the hook named, re-read after its reply */
	GHashTable *refresh_uuids;
	guint interval_source;
	/* the settled seat (interval.c): while every guest is quiet, intervals of up to [daemon]
	 * settled_interval_ms, counted in base ticks skipped */
	guint settled_ms;	     /* the current stretched interval, 0: the base one */
	guint interval_skip;	     /* base ticks still to skip before the next measure */
	guint interval_skipped;	     /* base ticks skipped since the last step */
	guint aims_left;	     /* kpagecgroup reads this step may still make (aim_pull) */
	guint signal_sources[3];
	gboolean dirty;
	gint64 reconcile_began_us;   /* monotonic: when the last reconcile began */
	/* a failed reconcile is retried (reconcile.c): the timer, and its last wait (0: the last
	 * reconcile did not fail) */
	guint retry_source;
	guint retry_ms;

	/* observation */
	VtierSnapshot *snapshot;     /* the latest, served by status/dump/metrics: never changed
				      * once published (the /metrics thread reads it) */
	gboolean kdamond_up;	     /* as the last interval read it */
	gint kdamond_pid;	     /* -1: not running */
	guint64 reconciles;
	gdouble apply_cpu_seconds;   /* CPU spent in the DAMON writer (bench) */
	gdouble kernel_cpu_seconds;  /* of which in a dry run's fake kernel (bench) */
	guint64 commits;
	guint64 writes;
	GHashTable *errors_total;    /* kind -> guint64 * */
	VtierHistogram *reconcile_seconds;
	VtierHistogram *commit_seconds;
	gchar *last_reconcile_error;
	GHashTable *logged_errors;   /* host-level error texts logged once */
	gboolean state_save_failing; /* the last save of the state file failed (logged once) */
	gchar *state_mine;	     /* vtierd's member of the state file as last written (text) */
	JsonNode *state_root;	     /* the whole file as last written */
	struct stat state_stat;	     /* the file as that write left it */
	guint64 state_writes;	     /* how often the state file was written (tests, bench) */
	guint audit_source;	     /* audit.c's timer */
	gboolean damon_stat_reported; /* damon_stat found enabled again, reported once */

	/* control */
	gpointer control;	     /* VtierControlServer */
	gpointer metrics;	     /* VtierMetricsServer */
	gpointer metrics_feed;	     /* MetricsFeed (endpoints.c): shared with its thread */
	GBytes *status_text[VTIER_CONTROL_VIEW_LAST]; /* per view: snapshot status_sequence[view] as
						       * a status result, or NULL */
	guint64 status_sequence[VTIER_CONTROL_VIEW_LAST];
	guint64 status_encodes;	     /* encodings of snapshots for status (tests) */
	gchar *metrics_error;	     /* why /metrics is not served, NULL when it is (or off) */
};

/* interval.c: a decision's budgets reached the kernel @lag_us after it was taken. */
void vtier_manager_observe_lag(VtierManager *m, gint64 lag_us);

/* manager.c */
void vtier_manager_count_error(VtierManager *m, const gchar *kind);
void vtier_manager_mark_dirty(VtierManager *m, const gchar *why);
gboolean vtier_manager_reload_policies(VtierManager *m, GError **error);
/* The fast nodes' memory less [host] fast_reserve: what guests can be promised. */
guint64 vtier_manager_fast_capacity(VtierManager *m);

/* guests.c */
VtierDaemonGuest *vtier_daemon_guest_new(const gchar *name, VtierGuestOrigin origin);
void vtier_daemon_guest_free(VtierDaemonGuest *guest);
/* Sets (or replaces) the guest's fault; logs when it is new or its message changed. */
void vtier_daemon_guest_set_fault(VtierManager *m, VtierDaemonGuest *guest, const gchar *kind,
				  const gchar *message);
/* A libvirt guest whose QEMU has exited, its memory cgroup with it, a moment before libvirt's
 * stop event and the hook's release: set aside as a "memcg" fault is (its schemes leave the
 * plan), but no error: one line at info level, nothing counted. */
void vtier_daemon_guest_set_stopping(VtierManager *m, VtierDaemonGuest *guest,
				     const gchar *message);
/* Clears it, logging that it cleared. */
void vtier_daemon_guest_clear_fault(VtierManager *m, VtierDaemonGuest *guest);
/* Whether the guest may be planned now (no fault, or its retry time has come). */
gboolean vtier_daemon_guest_ready(const VtierDaemonGuest *guest, gint64 now_us);
/* The guests of the table in name order (plans, the state file and the snapshot list them so):
 * owned by @m, valid until the table changes. Sorted again only after a guest was made or freed
 * or the table's size changed, not at every reconcile (three sorts of 500 names otherwise). */
GPtrArray *vtier_daemon_guests_by_name(VtierManager *m);
/* Brings the table in step with the libvirt connection (adds, updates, removes). */
void vtier_daemon_guests_sync_libvirt(VtierManager *m);
/* The guest's planner input: the policy resolved (attach > domain > template > default). NULL
 * with @ret_refusal set when the guest cannot be planned (a fault, numatune, policy). The guest
 * owns it (kept while its record and policy say the same) until the next call or its free. */
const VtierPlanGuest *vtier_daemon_guest_plan_input(VtierManager *m, VtierDaemonGuest *guest,
						    gchar **ret_refusal);
/* Unmovable bytes and reasons from the domain facts (hugepages, strict numatune). */
void vtier_daemon_guest_unmovable(const VtierDaemonGuest *guest, VtierSnapshotGuest *snap,
				  const VtierTopology *topology);
/* attach / detach (handlers.c validates the request first). */
gboolean vtier_daemon_guest_attach(VtierManager *m, const VtierControlRequest *req,
				   VtierDaemonGuest **ret_guest, GError **error);
gboolean vtier_daemon_guest_detach(VtierManager *m, const gchar *name, GError **error);

/* reconcile.c: begin plans and launches the apply on the DAMON worker; its end (on the main
 * loop) records the plan, saves the state file and rebuilds the snapshot. */
void vtier_manager_reconcile_begin(VtierManager *m);
/* A reconcile run to its end (tests, bench): begin, then wait for the worker. */
gboolean vtier_manager_reconcile_now(VtierManager *m, GError **error);

/* damon-worker.c */
VtierDamonWorker *vtier_damon_worker_new(VtierManager *m, VtierDamonDriver *driver,
					 VtierDamonWriter *dry_writer, VtierDamonFake *fake);
/* Waits for the thread's job (its result is dropped) and stops the thread. */
void vtier_damon_worker_free(VtierDamonWorker *w);
VtierDamonJob *vtier_damon_job_new(VtierDamonJobKind kind, VtierDamonJobDone done);
void vtier_damon_job_free(VtierDamonJob *job);
/* Hands @job to the worker (none may be in flight); FALSE (the job freed) once stopping. */
gboolean vtier_damon_worker_launch(VtierManager *m, VtierDamonJob *job);
gboolean vtier_manager_damon_busy(VtierManager *m);
/* Runs the main context until no job is in flight (the last one's done included). */
void vtier_damon_worker_drain(VtierManager *m);
/* The worker became free: the newest pending budgets, then a pending reconcile. */
void vtier_manager_damon_idle(VtierManager *m);

/* interval.c */
void vtier_manager_interval_start(VtierManager *m);
/* Reads the kdamond's status on the worker; then (on the main loop) measures every guest, runs
 * the controller, launches the budgets' apply, rebuilds the snapshot. Skipped for the
 * controller while a DAMON job is in flight. */
void vtier_manager_interval_run(VtierManager *m);
/* Runs the interval now and starts its ticks again from now. */
void vtier_manager_interval_restart(VtierManager *m);
/* Applies the controller's budgets (m->budgets) over the plan: now when the worker is free, else
 * as soon as it is (one pending slot: the newest budgets win). */
void vtier_manager_apply_budgets(VtierManager *m);
/* interval-hot.c: the guest's mean hot bytes per node since the last interval from its hot stat
 * schemes into @snap's down.hot_bytes (fast node) and up.hot_bytes (slow node); sets
 * guest->hot_known. */
void vtier_daemon_guest_measure_hot(VtierDaemonGuest *guest, const VtierDamonKdamondStatus *status,
				    VtierSnapshotGuest *snap);
/* audit.c: every [damon] audit_interval_ms, vtier's kdamond files read back against the applied
 * model (someone else's writes reported and repaired), damon_stat enabled again turned off or
 * reported, a failed reconcile retried. */
void vtier_manager_audit_start(VtierManager *m);
void vtier_manager_audit(VtierManager *m);
gboolean vtier_manager_audit_due(VtierManager *m);
/* observe.c: the host part of the snapshot (nodes, kdamond, sampler, warnings, counters) and
 * the guests' records, sorted. */
void vtier_manager_snapshot_fill_host(VtierManager *m);
/* Rebuilds the snapshot from what is known (no controller step). */
void vtier_manager_snapshot_update(VtierManager *m);

/* handlers.c */
gboolean vtier_manager_handle_request(const VtierControlRequest *req, JsonNode **ret_result,
				      GError **error, gpointer user_data);
/* The control server's text handler: status answered from its encoding of the current snapshot,
 * made at the first status request after the snapshot is published; NULL for other requests. */
GBytes *vtier_manager_handle_request_text(const VtierControlRequest *req, gpointer user_data);

/* state.c: attached guests and plan slots in /run/vtier/state.json (member "vtierd"). A failed
 * save is counted and logged (once until a save works again) by state_save itself. */
gboolean vtier_manager_state_save(VtierManager *m, GError **error);
gboolean vtier_manager_state_load(VtierManager *m, GError **error);
/* Sets a corrupt state file aside (logged), returning whether it did: the DAMON driver, which
 * keeps its member in the same file, refuses to read a corrupt one, so this runs before it starts
 * and at every audit. */
gboolean vtier_manager_state_check(VtierManager *m);

/* endpoints.c: the control socket and the /metrics endpoint. */
gboolean vtier_manager_endpoints_start(VtierManager *m, GError **error);
void vtier_manager_endpoints_stop(VtierManager *m);
/* Hands the snapshot just published to the /metrics thread, which renders it there while it is
 * scraped (endpoints.c). */
void vtier_manager_metrics_publish(VtierManager *m);
/* How many snapshots the /metrics thread rendered (tests). */
guint64 vtier_manager_metrics_renders(VtierManager *m);

void vtier_daemon_guest_set_result(VtierDaemonGuest *guest, const VtierPlanGuestResult *result);

/* notify.c */
void vtier_notify(const gchar *state);
