/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-controller"

#include "config.h"

#include "tiering/controller-private.h"

/*
 * One guest's closed loop. The controlled quantity is the guest's fast bytes (ratio, allowance)
 * or its hot bytes in fast memory (hot-split); the target is what the arbiter granted. Each step:
 *
 * - the error is the grant minus the measured level; the prediction subtracts the charge windows
 *   of the last step's budget still to run: the kernel takes a new budget at its next window
 *   start after the commit lands, so the old one moves for the seat's lag (as it measured it)
 *   and one window more;
 * - outside the dead-band the guest ramps: the predicted error over one more charge window than
 *   the step expects before the next one (windows drift against the step's clock), at least
 *   1 MiB, at most the rate cap. Even the worst case (a late window of the old budget, then
 *   windows + 1 of the new one) moves no more than the error: no overshoot. There is no
 *   integral term, so nothing winds up while capped or blind: the budget is always bounded by the
 *   cap and by the error measured now. It keeps moving until it is within half the dead-band;
 * - a move against the last one waits CTL_REVERSE_HOLD_STEPS steps (a page just promoted is not
 *   demoted on noise);
 * - inside the dead-band it holds, and exchanges when DAMON sees hot memory in slow memory and
 *   cold memory in fast memory: equal PULL and PUSH budgets, so the share stays; the exchange stops
 *   when no hot memory is left in slow memory or when it makes no progress.
 */

guint64 ctl_deadband(guint64 total)
{
	return MAX(total / 10000 * CTL_DEADBAND_BP, CTL_DEADBAND_MIN_BYTES);
}

guint64 ctl_guest_deadband(const CtlGuest *g)
{
	guint64 db = ctl_deadband(g->total);

	return g->hot_split ? MAX(db, g->total / 10000 * CTL_HOT_SPLIT_DEADBAND_BP) : db;
}

static gdouble mib(guint64 bytes)
{
	return (gdouble)bytes / (1 << 20);
}

/* Bytes per window to move @bytes by the next step, bounded: the kernel's charge windows drift
 * against the step's clock, so one more window than expected may start before the next step. */
static guint64 ramp_budget(CtlGuest *g, guint64 bytes, guint64 cap)
{
	guint64 b = bytes * CTL_GAIN_NUM / CTL_GAIN_DEN / g->windows;

	if (b >= VTIER_CONTROLLER_MIN_MOVE) {
		/* whole MiB (kernel_budget) */
	} else if ((guint64)VTIER_CONTROLLER_MIN_MOVE * g->windows <= bytes + ctl_guest_deadband(g)) {
		b = VTIER_CONTROLLER_MIN_MOVE;
	} else {
		/* a slow seat's last approach: 1 MiB a window over its many windows would carry
		 * the guest past the far side of the dead-band; whole pages instead, rarely */
		b = MAX(b / 4096 * 4096, VTIER_CONTROLLER_MIN_BUDGET);
		g->fine = TRUE;
	}
	if (cap > 0 && b > cap) {
		b = cap;
		g->capped_rate = TRUE;
	}
	return b;
}

static void describe_level(CtlGuest *g)
{
	if (g->hot_split)
		g_string_append_printf(g->why, "hot in fast %.1f of %.1f MiB, target %.1f MiB",
				       mib(g->level), mib(g->total), mib(g->grant));
	else
		g_string_append_printf(g->why, "fast %.1f of %.1f MiB (%.1f%%), target %.1f MiB",
				       mib(g->level), mib(g->total),
				       g->total ? 100.0 * (gdouble)g->level / (gdouble)g->total : 0,
				       mib(g->grant));
	if (g->capped_fast)
		g_string_append_printf(g->why, " (granted of %.1f MiB: fast node short)",
				       mib(g->want));
}

/* Moves toward the grant: @err, @late (the last budgets' windows that may start before the
 * commit) and @rest (what the windows running now may still move) are signed bytes (+: up). */
static void ramp(CtlGuest *g, gint64 err, gint64 late, gint64 rest)
{
	CtlGuestState *st = g->st;
	gint dir = err > 0 ? 1 : -1;
	gint64 pred = err - late - rest;
	guint64 bytes;

	g->state = VTIER_CONTROL_STATE_RAMPING;
	st->moving = TRUE;
	if (st->last_dir == -dir && st->since_move < CTL_REVERSE_HOLD_STEPS) {
		g_string_append_printf(g->why, "; %s waits %u steps after the last %s", dir > 0 ?
				       "PULL" : "PUSH", CTL_REVERSE_HOLD_STEPS - st->since_move,
				       dir > 0 ? "PUSH" : "PULL");
		return;
	}
	if (pred * dir <= 0) {
		g_string_append_printf(g->why, "; %.1f MiB still in flight",
				       mib((guint64)ABS(err - pred)));
		return;
	}
	g->dir = dir;
	bytes = (guint64)(pred * dir);
	/* a window of the last budget that starts before the commit is one window fewer of the
	 * new one: of the span's windows, in_flight run the old budget and the rest the new one,
	 * or (no late window) the new one runs g->windows; ramp_budget divides by g->windows */
	if (g->span > g->in_flight && late * dir >= 0)
		bytes = MIN((guint64)((err - rest) * dir),
			    bytes * g->windows / (g->span - g->in_flight));
	if (dir > 0)
		g->up = ramp_budget(g, bytes, g->cap_up);
	else
		g->down = ramp_budget(g, bytes, g->cap_down);
	if (g->capped_rate)
		g_string_append_printf(g->why, "; at the rate cap (%.1f MiB/window)",
				       mib(dir > 0 ? g->cap_up : g->cap_down));
}

static gboolean exchange_wanted(CtlGuest *g, guint64 hot_slow, guint64 cold_fast)
{
	CtlGuestState *st = g->st;
	guint64 start = MAX(g->total / 10000 * CTL_EXCHANGE_START_BP, CTL_EXCHANGE_START_MIN_BYTES);
	guint64 stop = MAX(g->total / 10000 * CTL_EXCHANGE_STOP_BP, CTL_EXCHANGE_STOP_MIN_BYTES);

	if (g->hot_split || g->blind || g->hot_unknown || cold_fast < VTIER_CONTROLLER_MIN_MOVE) {
		st->exchanging = FALSE;
		return FALSE;
	}
	if (!st->exchanging) {
		if (hot_slow < stop)
			st->cooldown = 0; /* nothing hot left slow: the next exchange may start */
		/* hot memory in slow memory grew past where the last exchange gave up: the hot set
		 * moved (or grew), which that attempt's failure says nothing about */
		if (st->cooldown > 0 && hot_slow >= st->exchange_best + start)
			st->cooldown = 0;
		st->exchange_seen = hot_slow >= start ? st->exchange_seen + 1 : 0;
		if (st->cooldown > 0 || st->exchange_seen < CTL_EXCHANGE_CONFIRM)
			return FALSE;
		st->exchanging = TRUE;
		st->exchange_best = hot_slow;
		st->exchange_stall = 0;
		return TRUE;
	}
	if (hot_slow < stop) {
		st->exchanging = FALSE;
		return FALSE;
	}
	if (hot_slow + st->up * g->windows / 2 <= st->exchange_best) {
		st->exchange_best = hot_slow;
		st->exchange_stall = 0;
	} else if (++st->exchange_stall >= CTL_EXCHANGE_PATIENCE) {
		st->exchanging = FALSE;
		st->cooldown = CTL_EXCHANGE_COOLDOWN;
		g_string_append(g->why, "; exchange stopped: hot memory in slow memory not shrinking");
		return FALSE;
	}
	return TRUE;
}

/* Within the dead-band: hold, or exchange hot-in-slow for cold-in-fast at a bounded rate. */
static void hold(CtlGuest *g)
{
	CtlGuestState *st = g->st;
	guint64 hot_slow = g->in->hot_slow_bytes;
	guint64 cold_fast = ctl_sub0(g->in->fast_bytes, g->in->hot_fast_bytes);
	guint64 x;

	st->moving = FALSE;
	g->state = g->blind ? VTIER_CONTROL_STATE_BLIND : VTIER_CONTROL_STATE_HOLDING;
	if (st->cooldown > 0)
		st->cooldown--;
	if (!exchange_wanted(g, hot_slow, cold_fast))
		return;
	x = MIN(MIN(hot_slow, cold_fast), MAX(g->total / CTL_EXCHANGE_RATE_DIV,
					       VTIER_CONTROLLER_MIN_MOVE));
	x = MAX(x / g->windows, VTIER_CONTROLLER_MIN_MOVE);
	if (g->cap_up > 0)
		x = MIN(x, g->cap_up);
	if (g->cap_down > 0)
		x = MIN(x, g->cap_down);
	g->up = g->down = x;
	g->state = VTIER_CONTROL_STATE_EXCHANGING;
	g_string_append_printf(g->why, "; exchanging %.1f MiB/window each way: %.1f MiB hot in "
			       "slow memory, %.1f MiB cold in fast memory", mib(x), mib(hot_slow),
			       mib(cold_fast));
}

/* Whether the kernel moved anything of the last step's budgets: a guest inside the dead-band
 * whose last small budget moved nothing (no eligible page left where DAMON looks) stops there
 * instead of asking again every step. */
static gboolean kernel_delivers(const CtlGuest *g)
{
	const CtlGuestState *st = g->st;

	if (st->expect_up > 0 && g->in->applied_up_bytes == 0)
		return FALSE;
	if (st->expect_down > 0 && g->in->applied_down_bytes == 0)
		return FALSE;
	return TRUE;
}

static guint64 moving_bytes(guint64 budget)
{
	return budget >= VTIER_CONTROLLER_MIN_BUDGET ? budget : 0;
}

/* What the window running now may still move of one direction's budget, when the seat told its
 * pace (otherwise the one window of the last budget counted as in flight stands for it):
 * - if it started after the last commit landed, the last budget less what the kernel applied of
 *   it: the bytes applied over the last interval less what whole windows before it could have
 *   moved. 7.3 moves a window's budget at its first apply interval when enough pages are
 *   eligible: then nothing is left;
 * - if it started before the last commit landed, the budget before for the part of its window
 *   not yet run (it has run elapsed - lag).
 * A kernel that spreads a window's budget over the window may have moved the end of the last
 * interval's first window in it too: that part is counted as this window's (the plant's spread
 * runs stay within the dead-band; see docs/controller.md). */
static guint64 window_rest(const CtlGuest *g, guint64 last, guint64 before, guint64 applied,
			   gboolean spent)
{
	guint64 b1 = moving_bytes(last), b2 = moving_bytes(before);
	guint64 others = (guint64)g->windows_past * MAX(b1, b2);

	if (g->span == 0)
		return 0;
	/* a window whose quota the kernel reported exceeded has nothing left to move */
	return MAX(spent ? 0 : ctl_sub0(b1, ctl_sub0(applied, others)),
		   b2 * g->before_left_pm / 1000);
}

/* What the kernel moved of what the last step asked for, when it fell short (no eligible memory,
 * a full node, refused pages). */
static void describe_applied(CtlGuest *g)
{
	const VtierControllerInput *in = g->in;
	const CtlGuestState *st = g->st;

	if (st->expect_up > 0 && in->applied_up_bytes < st->expect_up / 2)
		g_string_append_printf(g->why, "; PULL moved %.1f of %.1f MiB",
				       mib(in->applied_up_bytes), mib(st->expect_up));
	if (st->expect_down > 0 && in->applied_down_bytes < st->expect_down / 2)
		g_string_append_printf(g->why, "; PUSH moved %.1f of %.1f MiB",
				       mib(in->applied_down_bytes), mib(st->expect_down));
}

void ctl_guest_decide(CtlGuest *g)
{
	CtlGuestState *st = g->st;
	guint64 db = ctl_guest_deadband(g);
	gint64 err = (gint64)g->grant - (gint64)g->level;
	gint64 late = ((gint64)moving_bytes(st->up) - (gint64)moving_bytes(st->down)) *
		      (gint64)g->in_flight;
	gint64 rest = (gint64)window_rest(g, st->up, st->up_before, g->in->applied_up_bytes,
					  g->in->spent_up) -
		      (gint64)window_rest(g, st->down, st->down_before, g->in->applied_down_bytes,
					  g->in->spent_down);
	guint64 band = st->moving && kernel_delivers(g) ? db / 2 : db;

	describe_level(g);
	describe_applied(g);
	if (g->blind)
		g_string_append(g->why, "; DAMON sees no hot memory of this guest");
	if ((guint64)ABS(err) > band) {
		if (st->exchanging)
			st->exchanging = FALSE;
		ramp(g, err, late, rest);
	} else {
		hold(g);
		if (g->state != VTIER_CONTROL_STATE_EXCHANGING)
			g_string_append_printf(g->why, "; within +-%.1f MiB", mib(db));
	}
	if (g->blind)
		g->state = VTIER_CONTROL_STATE_BLIND;
	if (g->capped_rate || g->capped_fast)
		g->state = VTIER_CONTROL_STATE_CAPPED;
}
