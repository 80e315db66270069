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

	/* a PULL kept to the young pages moves only pages touched since the last check, and the
	 * survey that feeds it counts a page only when it was touched since the last application
	 * (250 ms): it reads low (e2e, 7.3, under TCG: 20-22 MiB, then its exchange moved 26 MiB
	 * of young pages with 4 MiB of the hot set still slow). What it would move is hot, so the
	 * exchange starts where it would stop */
	if (g->in->young_pull)
		start = stop;

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

/* What an exchange moves each way a window: at most @want over the step, and at most 1/16 of the
 * guest (CTL_EXCHANGE_RATE_DIV), spread over the windows until the next step, within the caps. */
static guint64 exchange_rate(const CtlGuest *g, guint64 want)
{
	guint64 x = MIN(want, MAX(g->total / CTL_EXCHANGE_RATE_DIV, VTIER_CONTROLLER_MIN_MOVE));

	x = MAX(x / g->windows, VTIER_CONTROLLER_MIN_MOVE);
	if (g->cap_up > 0)
		x = MIN(x, g->cap_up);
	if (g->cap_down > 0)
		x = MIN(x, g->cap_down);
	return x;
}

/* A probe starts (CTL_PROBE_*): the PULL with the band's room @x, at least 1 MiB a window, or,
 * a guest >= 1 MiB @over its grant with less room than that, the PUSH first with what it is
 * over. A guest under its grant never starts with the PUSH: on 6.18 under TCG (6 windows a
 * step) a guest at 49.2% of a 50% grant did, left the band below and ramped back (the
 * benchmark's single workload, 21 MiB/min after settling, 7 Dec 2026). */
static void probe_start(CtlGuest *g, guint64 x, guint64 over)
{
	CtlGuestState *st = g->st;

	st->probing = TRUE;
	st->probe_idle = st->probe_short = 0;
	st->probe_extra = 0;
	st->probe_pushed = st->probe_found = FALSE;
	st->probe_in = st->probe_out = 0;
	st->probe_want_down = 0;
	st->probe_eff_pm = 1000;
	g->state = VTIER_CONTROL_STATE_EXCHANGING;
	if (x < VTIER_CONTROLLER_MIN_MOVE && over >= VTIER_CONTROLLER_MIN_MOVE) {
		/* a PULL would leave the band: the PUSH first, the PULL follows */
		g->down = MAX(over, VTIER_CONTROLLER_MIN_MOVE);
		if (g->cap_down > 0)
			g->down = MIN(g->down, g->cap_down);
		st->probe_want_down = g->down * g->windows;
		g_string_append_printf(g->why, "; probing for hot memory in slow memory (nothing "
				       "measures it here): the PUSH first, %.1f MiB/window",
				       mib(g->down));
		return;
	}
	g->up = MAX(x, VTIER_CONTROLLER_MIN_MOVE);
	g_string_append_printf(g->why, "; probing for hot memory in slow memory (nothing measures "
			       "it here): PULL %.1f MiB/window of DAMON's hot regions", mib(g->up));
}

/* A ramp cuts the probe (the guest left the band): what it brought in, this step's moves
 * included, joins what recent probes brought in, unhalved (it did not end finding nothing). */
static void probe_cut(CtlGuest *g)
{
	CtlGuestState *st = g->st;

	st->probe_recent += st->probe_in + g->in->applied_up_bytes;
	st->probing = FALSE;
}

/* A probe that found what it could ends: what it brought in joins what recent probes brought in,
 * and the sum halves (probe_recent). Returns the wait before the next probe: while that sum
 * (before the halving) is 1 MiB or more, a hot set may be moving in, of which DAMON's regions
 * may show more a few seconds later; a probe that finds nothing costs a step or two of a PULL
 * that moves nothing.
 * 6.18, the benchmark's moving workload (7 Dec 2026):
 * - a probe 5 s after the move brought in 7 MiB, its PULL then found nothing for two steps, and
 *   the next came 10 s later with 113 MiB of the new hot set still slow; that run ended with
 *   87.5% of it fast;
 * - a probe that brought in 47 MiB was cut by a ramp (its PUSH fell behind); the two probes
 *   after the ramp each found little for two steps and each waited 10 s, with 73 and then
 *   62 MiB of the new hot set still slow; that run ended with 72.7% of it fast;
 * - the first probes after the move often bring in 1-2 MiB and then find nothing for two steps
 *   (their PULL finds the new hot set a few MiB at a time, although DAMON's regions show all of
 *   it within 3 s: docs/controller.md): at a dead-band (5.1 MiB) the
 *   next waited 10 s. Over the minute after the move, 45.4% of the new hot set was fast on
 *   average in six runs with that threshold, 52.8% in six at 1 MiB (42.7% before either). */
static guint probe_close(CtlGuestState *st)
{
	guint64 found = st->probe_recent + st->probe_in;

	st->probe_recent = found / 2;
	return found >= VTIER_CONTROLLER_MIN_MOVE ? CTL_PROBE_WAIT_FOUND_MS : CTL_PROBE_WAIT_MS;
}

/* Whether the probe ends at this step, and if so ends it:
 * - CTL_PROBE_SHORT_STEPS steps in a row in which the PUSH fell short (@push_short), or nothing
 *   moved either way: the guest's pages in fast memory are hot (the hot set does not fit), or
 *   the walks find nothing of the guest's; it backs off. Fewer may be a PUSH still walking to
 *   the guest's old pages (6.18 charges it for the other memory it tries). A probe that
 *   exchanged (its PUSH took out at least half of what its PULL brought in, >= 1 MiB) is no
 *   failure: the next comes CTL_PROBE_WAIT_MS later. 6.18, the benchmark's moving workload
 *   (7 Dec 2026): a probe 19 s after the move exchanged 67 MiB of the new hot set in 15 s, then
 *   its PUSH stalled; counted a fourth failure in a row (the settled guest's probes before the
 *   move had found fast memory all hot), the next probe came 70 s later;
 * - CTL_PROBE_IDLE_STEPS steps in a row whose PULL moved < 1 MiB (or < 1/8 of what it was asked)
 *   without spending its quota: no hot region left in slow memory (twice: the counters the step
 *   reads can lag a window behind the moves). A PULL that spent its quota moving nothing walked
 *   other memory's hot regions (6.18 charges them): not idle. */
static gboolean probe_ends(CtlGuest *g, guint64 over, guint64 pulled, gboolean push_short)
{
	CtlGuestState *st = g->st;
	const VtierControllerInput *in = g->in;

	st->probe_in += pulled;
	st->probe_out += in->applied_down_bytes;
	st->probe_short = push_short || (pulled < VTIER_CONTROLLER_MIN_MOVE &&
					 in->applied_down_bytes < VTIER_CONTROLLER_MIN_MOVE)
				  ? st->probe_short + 1
				  : 0;
	if (st->probe_short >= CTL_PROBE_SHORT_STEPS) {
		gboolean exchanged = st->probe_found &&
				     st->probe_out >= MAX(VTIER_CONTROLLER_MIN_MOVE, st->probe_in / 2);

		st->probing = FALSE;
		st->probe_fails = exchanged ? 0 : MIN(st->probe_fails + 1, 16);
		if (!exchanged)
			st->probe_recent = 0; /* the hot set does not fit: back off */
		st->probe_wait_ms = exchanged ? probe_close(st)
					      : MIN(CTL_PROBE_WAIT_MS << st->probe_fails,
						    CTL_PROBE_WAIT_FULL_MS);
		g_string_append_printf(g->why, "; probe %s: %u steps in a row moved too little (the "
				       "PUSH moved %.1f of %.1f MiB", exchanged ? "ended" : "stopped",
				       CTL_PROBE_SHORT_STEPS, mib(in->applied_down_bytes),
				       mib(st->expect_down));
		if (exchanged)
			g_string_append_printf(g->why, ") after it exchanged %.1f MiB in, %.1f MiB "
					       "out", mib(st->probe_in), mib(st->probe_out));
		else
			g_string_append(g->why, ": the hot set may not fit)");
		g_string_append_printf(g->why, ", next in %u s", st->probe_wait_ms / 1000);
		return TRUE;
	}
	if (st->expect_up > 0)
		st->probe_idle = pulled < MAX(VTIER_CONTROLLER_MIN_MOVE, st->expect_up / 8) &&
						 !in->spent_up
					 ? st->probe_idle + 1
					 : 0;
	if (st->probe_idle < CTL_PROBE_IDLE_STEPS)
		return FALSE;
	st->probing = FALSE;
	st->probe_fails = 0;
	st->probe_wait_ms = probe_close(st);
	if (over >= VTIER_CONTROLLER_MIN_MOVE)
		g->down = g->cap_down > 0 ? MIN(over, g->cap_down) : over;
	else
		g->state = VTIER_CONTROL_STATE_HOLDING;
	g_string_append_printf(g->why, "; no hot memory found in slow memory (the PULL moved %.1f "
			       "of %.1f MiB), next probe in %u s", mib(pulled), mib(st->expect_up),
			       st->probe_wait_ms / 1000);
	return TRUE;
}

/* Of @bytes handed out over the step's windows, what one step moves: the windows include one
 * that may start before the next step, which the next step's budget usually replaces. Judged
 * against all of them, a probe on 6.18 under TCG (a step every ~1.9 s, 3 windows) needed its
 * PULL and PUSH to move 3/4 of a window's budget per window that ran to grow: the exchange crept
 * at 1-2 MiB a window, and three lab runs ended with 83.6, 87.5 and 91.3% of the moved hot set
 * fast; judged against this, six ended with 80.5, 100.0, 100.0, 99.9, 72.7 and 100.0% (the
 * benchmark's moving workload, 7 Dec 2026). */
static guint64 step_share(const CtlGuest *g, guint64 bytes)
{
	return g->windows > 1 ? bytes / g->windows * (g->windows - 1) : bytes;
}

/* An exchange where nothing measures hot memory (VtierControllerInput.hot_walk; CTL_PROBE_*,
 * docs/controller.md, "Probing for hot memory"): the PULL, walking only DAMON's hot regions,
 * takes the band's room up to its top, and the PUSH takes out what the guest is over its
 * grant, so the share stays within the band; while both keep up, the two grow. */
static void probe(CtlGuest *g)
{
	CtlGuestState *st = g->st;
	const VtierControllerInput *in = g->in;
	guint elapsed = in->elapsed_ms > 0 ? in->elapsed_ms : in->window_ms;
	guint64 over = ctl_sub0(g->level, g->grant);
	/* the band's room (up to its top) over the windows the budget runs until the next step:
	 * at a band a window the PULL moved up to three of them before the next step (6.18, the
	 * benchmark's moving workload), and the share left the band */
	guint64 x = ctl_sub0(g->grant + ctl_guest_deadband(g), g->level) / g->windows /
		    VTIER_CONTROLLER_MIN_MOVE * VTIER_CONTROLLER_MIN_MOVE;
	guint64 pulled = in->applied_up_bytes;
	guint64 out, pull; /* per window */
	gboolean push_short;

	if (g->cap_up > 0)
		x = MIN(x, g->cap_up);
	if (!st->probing) {
		st->probe_wait_ms = elapsed < st->probe_wait_ms ? st->probe_wait_ms - elapsed : 0;
		if (st->probe_wait_ms == 0)
			probe_start(g, x, over);
		return;
	}
	/* short of what the probe wanted it to move, not of what it was asked (below); a PUSH
	 * that only stays open (1 MiB a window) was wanted for nothing */
	push_short = st->probe_want_down > 0 &&
		     in->applied_down_bytes < step_share(g, st->probe_want_down) / 2;
	if (st->expect_down >= VTIER_CONTROLLER_MIN_MOVE)
		st->probe_eff_pm =
			(st->probe_eff_pm +
			 (guint)CLAMP(in->applied_down_bytes * 1000 / st->expect_down,
				      CTL_PROBE_EFF_MIN_PM, 1000)) / 2;
	if (probe_ends(g, over, pulled, push_short))
		return;
	g->state = VTIER_CONTROL_STATE_EXCHANGING;
	/* A PULL that moved at least half of what it was asked found hot memory in slow memory:
	 * while the PUSH keeps up (it moved at least half of what it was asked last time), both
	 * grow past the band's room (st->probe_extra) by doubling, up to what a measured exchange
	 * moves (exchange_rate); a PUSH that fell short halves it again. The PUSH takes out in the
	 * same windows what the PULL brings in past the room. */
	if (st->probe_want_down > 0)
		st->probe_pushed = !push_short;
	if (push_short)
		st->probe_extra = st->probe_extra / 2 / VTIER_CONTROLLER_MIN_MOVE *
				  VTIER_CONTROLLER_MIN_MOVE;
	else if (st->expect_up > 0 && pulled >= step_share(g, st->expect_up) / 2 && st->probe_pushed)
		st->probe_extra = ctl_sub0(MIN(2 * MAX(x + st->probe_extra, VTIER_CONTROLLER_MIN_MOVE),
					       exchange_rate(g, G_MAXUINT64)),
					   x);
	/* what the guest is over its grant: the PULL's last moves are in the measure */
	out = over + st->probe_extra;
	/* once the PULL has found hot memory, the PUSH stays open (1 MiB a window at least)
	 * until the probe ends: on 6.18 every reopened walk began again at the fast node's first
	 * addresses and spent its budget there, never reaching the old hot set higher up (the
	 * benchmark's moving workload, 6 Dec 2026; vtierd now also keeps a parked PUSH's place,
	 * docs/controller.md) */
	if (pulled >= VTIER_CONTROLLER_MIN_MOVE)
		st->probe_found = TRUE;
	st->probe_want_down = 0;
	if (out >= VTIER_CONTROLLER_MIN_MOVE) {
		/* 6.18 charges the PUSH for the hot pages it meets among the old ones and rejects:
		 * in the lab it moved a third to a half of what it was asked, each short step
		 * halved the exchange and the PULL waited. Asked for what it should move over what
		 * it moved per byte asked, but for at most half a dead-band more a window: if it
		 * moves all of it over the step's windows, the share stays within about the band. */
		guint64 ask = MIN(out * 1000 / MAX(st->probe_eff_pm, CTL_PROBE_EFF_MIN_PM),
				  out + ctl_guest_deadband(g) / 2);

		/* ask >= out: the efficiency is at most 1000 per mille */
		if (g->cap_down > 0) {
			out = MIN(out, g->cap_down);
			ask = MIN(ask, g->cap_down);
		}
		g->down = ask;
		st->probe_want_down = out * g->windows;
	} else if (st->probe_found) {
		g->down = VTIER_CONTROLLER_MIN_MOVE;
	}
	/* the PUSH leads: while it is short of what it was asked, the PULL takes only the band's
	 * room, so the share does not creep out of the band */
	pull = x + (push_short ? 0 : st->probe_extra);
	if (pull >= VTIER_CONTROLLER_MIN_MOVE)
		g->up = pull;
	g_string_append_printf(g->why, "; exchanging: the PULL moved %.1f MiB of DAMON's hot "
			       "regions in slow memory, the PUSH takes it out; PULL %.1f "
			       "MiB/window", mib(pulled), mib(g->up));
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
	if (g->hot_unknown && g->in->hot_walk && !g->hot_split) {
		probe(g);
		return;
	}
	if (!exchange_wanted(g, hot_slow, cold_fast))
		return;
	x = exchange_rate(g, MIN(hot_slow, cold_fast));
	/* a PULL kept to the young pages moved 6 MiB in its first window while the PUSH moved
	 * nothing; the share left the band above and the ramp down that followed took it to 43.6%
	 * of a 50% target (e2e, 7.3, 7 Dec 2026: 3 MiB a window, a 3 MiB dead-band) */
	if (g->in->young_pull)
		x = MIN(x, MAX(ctl_guest_deadband(g) / g->windows, VTIER_CONTROLLER_MIN_MOVE));
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
		st->exchanging = FALSE;
		if (st->probing)
			probe_cut(g);
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
