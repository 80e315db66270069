/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/controller.h"

/*
 * The controller's insides, shared by controller.c (the step), controller-loop.c (one guest's
 * loop) and controller-arbiter.c (the host's fast memory and rate cap); docs/controller.md says
 * why each constant has its value.
 */

/* The dead-band: a guest within +-1 point of its target (at least 2 MiB) holds; a moving guest
 * keeps moving until it is within half of that, so it settles near the middle of the band. */
#define CTL_DEADBAND_BP 100
#define CTL_DEADBAND_MIN_BYTES (2ull << 20)
/* hot-split's dead-band, of the measured hot memory: the measure moved 119-127 MiB (+-3%) over
 * seconds with a 128 MiB hot set standing still (lab, 7.3, bench 3 Dec 2026), and a 1% band
 * turned that noise into PUSHes of hot pages */
#define CTL_HOT_SPLIT_DEADBAND_BP 500
/* Share of the predicted error moved over the windows until the next step (which already count
 * one window more than expected: the kernel's windows drift against the step's clock). */
#define CTL_GAIN_NUM 1
#define CTL_GAIN_DEN 1
/* Steps after a move one way before a move the other way (no thrash on noise). */
#define CTL_REVERSE_HOLD_STEPS 3
/* Exchange: starts when DAMON sees >= 1% of the guest (>= 4 MiB) hot in slow memory and cold
 * memory in fast memory to swap it for; stops below 0.25% (>= 1 MiB); moves at most 1/16 of the
 * guest per step each way (32 MiB of a 512 MiB guest, over the step's window and the drift's: a
 * moved 128 MiB hot set is fast 13 steps after it moved in the plant, 36 at 1/64). It gives up
 * after CTL_EXCHANGE_PATIENCE steps without progress and does not try again until DAMON has seen
 * nothing hot in slow memory or CTL_EXCHANGE_COOLDOWN steps have passed: DAMON may call cold
 * pages hot when they share regions with hot ones, and a seat whose "hot" reading is not hot
 * memory alone must not buy an exchange often: one failed attempt moves at most ~4/16 of the guest
 * each way, so one per hour costs < 1% of its memory per minute (both ways) over the hour. */
#define CTL_EXCHANGE_START_BP 100
#define CTL_EXCHANGE_START_MIN_BYTES (4ull << 20)
#define CTL_EXCHANGE_STOP_BP 25
#define CTL_EXCHANGE_STOP_MIN_BYTES (1ull << 20)
#define CTL_EXCHANGE_RATE_DIV 16
#define CTL_EXCHANGE_PATIENCE 4
/* Steps in a row DAMON must see hot memory in slow memory before an exchange starts: one read
 * of the stat schemes can be noise (18 MiB for one second on 7.3 in the lab). */
#define CTL_EXCHANGE_CONFIRM 3
#define CTL_EXCHANGE_COOLDOWN 3600
/* Probing for hot memory in slow memory where nothing measures it (VtierControllerInput.hot_walk):
 * the PULL takes the band's room up to its top (over the windows until the next step) of
 * DAMON's hot regions in slow memory (a guest over its grant with no room: the PUSH first), and
 * the PUSH takes as much of the guest's old pages out the step after, so the share stays within
 * the band. While both keep up the two grow past the band's room, doubling up to a measured
 * exchange's rate (exchange_rate). A probe ends after CTL_PROBE_IDLE_STEPS steps in a row whose PULL
 * moved < 1 MiB (or < 1/8 of what it was asked) without spending its quota (no hot region left in
 * slow memory), and the next starts CTL_PROBE_WAIT_MS later. One with CTL_PROBE_SHORT_STEPS steps
 * in a row in which the PUSH took out less than half of what it was asked to, or nothing moved
 * either way (a hot set that does not fit; a walk that finds nothing of the guest's), waits twice
 * as long as the last one that ended so, up to CTL_PROBE_WAIT_FULL_MS, unless it exchanged: its
 * PULL found hot memory and its PUSH took out at least half of what the PULL brought in (and
 * >= 1 MiB); then the next comes as after one that found hot memory. While recent probes
 * brought in 1 MiB or more (probe_recent: what each brought in, halved at each end; a probe a
 * ramp cuts adds its find unhalved), a hot set may be moving in, whose rest DAMON may show a few
 * seconds later: the next comes CTL_PROBE_WAIT_FOUND_MS after one ends either way. A settled
 * guest with nothing hot in slow memory moves nothing. */
/* A probe's PUSH is asked for what it should move over what it moved per byte asked
 * (probe_eff_pm, at least this), and for at most half a dead-band more a window. */
#define CTL_PROBE_EFF_MIN_PM 250
#define CTL_PROBE_IDLE_STEPS 2
#define CTL_PROBE_SHORT_STEPS 8
/* 4 s, not 10 s (7 Dec 2026): DAMON shows a moved hot set within ~3 s, so the wait between a
 * settled guest's probes was most of the wait for the first find (docs/controller.md) */
#define CTL_PROBE_WAIT_MS 4000u
#define CTL_PROBE_WAIT_FOUND_MS 2000u
#define CTL_PROBE_WAIT_FULL_MS 60000u

/* What the controller remembers of one guest between steps. */
typedef struct {
	guint64 up;	      /* the budgets per window handed out last step (parked: < 4096) */
	guint64 down;
	guint64 up_before;    /* the step before's: a window that started before the last */
	guint64 down_before;  /* commit landed runs on them */
	guint64 expect_up;    /* bytes those budgets were to move before this step */
	guint64 expect_down;
	gint last_dir;	      /* +1 the last move was up, -1 down, 0 none yet */
	guint since_move;     /* steps since that move */
	gboolean moving;      /* ramping toward the target (not yet within half the dead-band) */
	gboolean exchanging;
	guint64 exchange_best; /* the least hot-in-slow seen during this exchange */
	guint exchange_stall; /* steps of this exchange without progress */
	guint exchange_seen;  /* steps in a row with enough hot memory in slow memory */
	guint cooldown;	      /* steps before another exchange may start */
	gboolean probing;     /* probing for hot memory in slow memory (probe) */
	guint probe_idle;     /* probe steps in a row whose PULL moved < 1 MiB */
	guint probe_short;    /* probe steps in a row whose PUSH fell short */
	guint probe_fails;    /* probes in a row stopped by a PUSH that fell short */
	guint probe_wait_ms;  /* until the next probe may start */
	gboolean probe_found; /* the probe's PULL has moved hot memory in */
	gboolean probe_pushed; /* the probe's PUSH moved at least half of what it was asked last */
	guint64 probe_extra;  /* what the probe's PULL and PUSH move a window past the band's room */
	guint64 probe_in;     /* what the probe's PULL and PUSH have moved since it started */
	guint64 probe_out;
	guint64 probe_recent; /* what recent probes brought in: each ended one's probe_in added,
			       * halved by each end (probe_close) */
	guint64 probe_want_down; /* what the probe wanted its PUSH to move since the last step */
	guint probe_eff_pm;   /* what its PUSH moved per mille of what it was asked (smoothed) */
	guint64 generation;   /* the step that last saw this guest */
} CtlGuestState;

/* One guest during one step. */
typedef struct {
	const VtierControllerInput *in;
	CtlGuestState *st;
	gboolean closed;     /* vtier's closed loop decides the budgets */
	gboolean hot_split;  /* the controlled quantity is hot bytes in fast memory */
	gboolean blind;	     /* DAMON sees no hot memory of this guest */
	gboolean hot_unknown; /* no measure of hot memory: no exchange, never blind */
	guint64 total;	     /* of the controlled quantity: memory, or hot memory (hot-split) */
	guint64 level;	     /* the controlled quantity now: fast bytes, or hot fast bytes */
	guint64 want;	     /* its target */
	guint64 grant;	     /* what the arbiter grants of @want */
	guint64 cap_up;	     /* rate caps per window */
	guint64 cap_down;
	guint windows;	     /* charge windows of the new budgets until the next commit lands */
	guint in_flight;     /* windows of the last budgets that may start before the commit */
	guint span;	     /* windows that may start from now until the next commit (0: the
			      * seat's pace is not known) */
	guint before_left_pm; /* per mille of a window the step before's budgets may still have
			       * to move (the seat's pace known) */
	guint windows_past;  /* windows that ran in the last interval before the one running now */
	guint64 up;	     /* the budgets being decided, per window */
	guint64 down;
	gint dir;	     /* +1 ramping up, -1 down, 0 not ramping */
	gboolean fine;	     /* a ramp budget below 1 MiB, in whole pages (a slow seat) */
	gboolean capped_rate;
	gboolean capped_fast;
	gboolean capped_host;
	VtierControlState state;
	GString *why;
} CtlGuest;

static inline guint64 ctl_sub0(guint64 a, guint64 b)
{
	return a > b ? a - b : 0;
}

guint64 ctl_deadband(guint64 total);
/* The guest's dead-band: ctl_deadband, wider for a hot-split pair. */
guint64 ctl_guest_deadband(const CtlGuest *g);

/* Shares @available among @n demands: by priority (higher first); within one priority in
 * proportion to the demands. ret_grants[i] <= demands[i]; their sum <= @available. */
void ctl_share(const guint *priorities, const guint64 *demands, guint n, guint64 available,
	       guint64 *ret_grants);

/* Grants each closed-loop guest's target out of host->fast_capacity_bytes. */
void ctl_arbitrate_fast(CtlGuest *guests, guint n, const VtierControllerHost *host);
/* Cuts the up budgets to the fast node's headroom and all budgets to the host's rate cap. */
void ctl_arbitrate_rate(CtlGuest *guests, guint n, const VtierControllerHost *host);

/* The closed loop of one guest: budgets, state, reason from its grant. */
void ctl_guest_decide(CtlGuest *g);
