/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/policy.h"
#include "tiering/snapshot.h"

/*
 * The controller: each interval, from what was measured, the next interval's byte budgets of
 * every guest's PULL (up, slow -> fast) and PUSH (down, fast -> slow) schemes. Pure: no I/O, no
 * clock; the same inputs and state give the same outputs. vtierd's per-interval seat
 * (src/daemon/interval.c) gathers the inputs, calls vtier_controller_step() and hands the budgets
 * to the DAMON writer (`quotas/bytes` + one `commit`).
 *
 * Budgets are bytes per charge window (the scheme's quotas/reset_interval_ms). The writer never
 * writes 0 (unlimited on 7.3): a budget below VTIER_CONTROLLER_MIN_BUDGET parks the scheme.
 */

#define VTIER_CONTROLLER_MIN_BUDGET 4096
/* What a parked scheme gets: below VTIER_CONTROLLER_MIN_BUDGET, never 0. */
#define VTIER_CONTROLLER_PARKED_BYTES 1
/* The smallest moving budget: 4 KiB - 1 MiB budgets are costly on 7.3 (damon-sysfs.md). */
#define VTIER_CONTROLLER_MIN_MOVE (1024 * 1024)

/* What the controller needs of one guest this interval. */
typedef struct {
	const gchar *key;	   /* the guest's slot key (uuid or name); state is kept per key */
	VtierPolicyMode mode;
	VtierPolicyTuner tuner;
	guint priority;
	guint target_share_bp;	   /* ratio; VTIER_SNAPSHOT_NO_BP otherwise */
	guint64 target_fast_bytes; /* allowance, or the share target in bytes */
	gboolean measured;	   /* fast/slow bytes are real (memcg memory.numa_stat) */
	guint64 fast_bytes;
	guint64 slow_bytes;
	guint64 hot_fast_bytes;	   /* hot bytes DAMON saw in the fast node (PUSH tried) */
	guint64 hot_slow_bytes;	   /* hot bytes DAMON saw in the slow node (PULL tried) */
	guint64 applied_up_bytes;  /* sz_applied of PULL during the last interval */
	guint64 applied_down_bytes;
	/* The kernel reported the quota exceeded (qt_exceeds grew) during the last interval: the
	 * running window's budget is spent, charged, whatever it moved. A kernel without
	 * fail_charge (6.18) charges the tries its filters reject: there the undelivered rest of a
	 * spent budget is not still to come. */
	gboolean spent_up;
	gboolean spent_down;
	guint64 cap_up_bytes;	   /* the planner's static cap per window (policy rate limit) */
	guint64 cap_down_bytes;
	guint window_ms;	   /* the schemes' charge window (quotas/reset_interval_ms) */
	/* Added by the controller issue (0 = unknown, the defaults apply): */
	guint elapsed_ms;	   /* measured time since the last step (0: host->interval_ms) */
	gboolean hot_unknown;	   /* hot_*_bytes are not a measure of hot memory (vtierd has no
				    * per-guest stat scheme): never "blind", and no exchange */
	/* The PULL walks only the regions DAMON sees hot while the guest holds or exchanges
	 * (kernels without fail_charge: the daemon's walk_pull), so a small PULL budget moves hot
	 * pages only: where nothing measures hot memory (hot_unknown), the loop probes for it
	 * (docs/controller.md, "Probing for hot memory"). */
	gboolean hot_walk;
	/* An exchange's PULL takes only the guest's pages touched since the last check (7.3, while
	 * the daemon surveys the slow node: its survey_slow): it moves what it finds in the first
	 * window, ahead of a PUSH that finds its cold pages over several, so an exchange moves at
	 * most a dead-band a step (docs/controller.md, "The survey of the slow node"). */
	gboolean young_pull;
} VtierControllerInput;

typedef struct {
	guint64 up_bytes;   /* next budget per window of PULL, >= VTIER_CONTROLLER_MIN_BUDGET or
			     * parked (< 4096 B) */
	guint64 down_bytes;
	VtierControlState state;
	gchar *reason;	    /* one line, for status/explain */
	/* Added by the controller issue: what the step decided from, for status/explain/dump. */
	guint64 target_fast_bytes; /* the guest's own target (share x memory, allowance, hot) */
	guint64 granted_fast_bytes; /* what the host arbiter granted of it */
	gint64 error_bytes;	    /* granted - measured fast bytes (+: wants more fast memory) */
	guint share_bp;		    /* measured share, VTIER_SNAPSHOT_NO_BP when unmeasured */
	/* Nothing pending: the guest holds in its dead-band (or has no loop of vtier's), moves,
	 * exchanges and waits for nothing (no exchange confirming or cooling down) and its budgets
	 * are the last step's. The seat may measure a host whose guests are all quiet less often
	 * ([daemon] settled_interval_ms). */
	gboolean quiet;
} VtierControllerOutput;

void vtier_controller_output_clear(VtierControllerOutput *output);

/* Host-wide limits the arbiter shares out. */
typedef struct {
	guint64 fast_capacity_bytes; /* fast nodes' memory available to guests (total - reserve) */
	guint64 host_rate_cap_bytes; /* migration budget per window for all guests, 0 = none */
	guint interval_ms;
	/* What the seat observed of itself (0 = nothing yet): the longest of its recent step
	 * periods, and of its recent actuation lags (a step's decision until its budgets reached
	 * the kernel). A budget runs until the next one lands: a slow seat (TCG, a loaded host, a
	 * kdamond busy migrating) must hand out less per window, and count more of the old budget
	 * as still in flight. */
	guint step_ms;
	guint lag_ms;
} VtierControllerHost;

typedef struct _VtierController VtierController;

VtierController *vtier_controller_new(void);
void vtier_controller_free(VtierController *controller);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierController, vtier_controller_free)

/* One step for every guest of @inputs (VtierControllerInput, by value); @ret_outputs gets one
 * VtierControllerOutput per input, in the same order (caller clears them). Guests whose key no
 * longer appears lose their state. */
void vtier_controller_step(VtierController *controller, const VtierControllerHost *host,
			   const GArray *inputs, GArray *ret_outputs);
/* Forgets one guest's state (detached, restarted). */
void vtier_controller_forget(VtierController *controller, const gchar *key);
