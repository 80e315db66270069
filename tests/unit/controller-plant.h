/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/controller.h"

/*
 * A small plant for the controller's tests: guests whose fast and slow bytes move by the budgets
 * the controller hands out, the way the lab measured DAMON (docs/controller.md):
 *
 * - a budget is per charge window (1.05 s for 1000 ms, as measured); with a seed, steps come
 *   0.8-1.8 intervals apart and commits land 0-150 ms after the measurement, so 0, 1 or 2 windows
 *   start between two steps, and a window that starts before the commit still uses the last
 *   step's budget;
 * - the kernel applies the schemes every tenth of a window (the apply interval): by default a
 *   window's whole budget goes at its first one (7.3 with enough eligible pages, hot or cold),
 *   with `spread` a tenth at each (few eligible pages at a time): a window that started before
 *   the step measured may still have budget to move;
 * - PULL takes hot pages first, then cold ones (quota prioritisation); PUSH takes cold pages
 *   first, then hot ones; a full fast node takes nothing more (GFP_NOWAIT);
 * - `applied` is what moved since the last step, as sz_applied deltas report it.
 */

#define MIB (1024ull * 1024)
/* apply intervals per charge window */
#define PLANT_TICKS 10

typedef struct {
	VtierControllerInput in;  /* mode, tuner, target, caps, window: set by the test */
	guint64 total;		  /* the guest's memory */
	guint64 hot;		  /* its hot set */
	guint64 fast;		  /* where it is now */
	guint64 hot_fast;
	guint64 applied_up;	  /* since the last step */
	guint64 applied_down;
	guint64 up_now;		  /* the budgets in force in the kernel (the next window takes) */
	guint64 down_now;
	guint64 win_up;		  /* the budgets of the window running now */
	guint64 win_down;
	guint64 done_up;	  /* charged of them so far */
	guint64 done_down;
	gboolean frozen;	  /* the kernel moves nothing (refused, no eligible memory) */
	gboolean blind;		  /* DAMON reports no hot memory */
	gboolean fake_hot_slow;	  /* DAMON reports 64 MiB hot in slow memory whatever moves */
	guint move_pm;		  /* > 0: of what a window charges, this per mille is the guest's
				   * and moves (6.18 charges the tries its memcg filter rejects) */
	gboolean report_spent;	  /* the seat reports a window's quota exceeded (qt_exceeds) */
	gboolean hot_walk;	  /* 6.18 without a hot measure: nothing reports hot memory
				   * (in.hot_unknown), the PULL moves only hot pages (it walks
				   * DAMON's hot regions) and the PUSH only cold ones (it rejects
				   * young pages) */
	guint push_pm;		  /* > 0: of what a window charges the PUSH, this per mille moves
				   * (6.18: it also pays for the hot pages it meets and rejects) */
	gboolean spent_up;	  /* a window's quota ran out since the last step */
	gboolean spent_down;
	guint64 moved_total;	  /* bytes moved both ways since the start */
	gchar key[16];
} PlantGuest;

typedef struct {
	PlantGuest *guests;
	guint n;
	VtierControllerHost host;
	guint64 fast_node_bytes;  /* 0: unbounded */
	GRand *rand;		  /* NULL: steps every interval, commits at once */
	gboolean spread;	  /* budgets spread over the window, not all at its start */
	gint64 lag_max_us;	  /* with a seed: commits land 0 - this (0: 150 ms) late */
	guint step_lo_pct;	  /* with a seed: steps this many % of the interval apart */
	guint step_hi_pct;	  /* (0, 0: 80 - 180) */
	gint64 slow_step_us;	  /* > 0: a slow seat: steps this far apart, commits landing */
	gint64 slow_lag_us;	  /* this long after the measurement (TCG, a busy kdamond) */
	gboolean seat_observes;	  /* the seat tells the step its pace (host.step_ms, lag_ms) */
	gint64 now_us;		  /* the step's clock */
	gint64 elapsed_us;	  /* since the last step */
	gint64 window_us;	  /* the kernel's charge window */
	gint64 next_tick_us;	  /* when the kernel next applies the schemes */
	guint tick;		  /* which of the window's PLANT_TICKS that is (0: a new window) */
	VtierController *controller;
	GArray *outputs;	  /* VtierControllerOutput of the last step */
} Plant;

void plant_init(Plant *p, guint n, guint32 seed);
void plant_clear(Plant *p);
void plant_guest(Plant *p, guint i, guint64 total, guint64 hot, guint64 fast, guint64 hot_fast,
		 guint target_bp);
/* One controller step, then the kernel's windows until the next one. */
void plant_step(Plant *p);
const VtierControllerOutput *plant_output(const Plant *p, guint i);
/* fast / total in basis points */
guint plant_share_bp(const Plant *p, guint i);
