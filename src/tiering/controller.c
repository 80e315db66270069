/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-controller"

#include "config.h"

#include "tiering/controller-private.h"

/* The step: each guest is classified (closed loop, kernel tuner, static, error), the host's fast
 * memory is granted (controller-arbiter.c), every closed-loop guest decides its budgets
 * (controller-loop.c), the arbiter cuts them to the fast node's headroom and the host's rate
 * cap, and the budgets are rounded for the kernel: parked (< 4096 B, never 0) or >= 1 MiB. */

struct _VtierController {
	GHashTable *guests; /* key -> CtlGuestState */
	guint64 generation; /* steps so far */
};

void vtier_controller_output_clear(VtierControllerOutput *output)
{
	g_clear_pointer(&output->reason, g_free);
}

VtierController *vtier_controller_new(void)
{
	VtierController *controller = g_new0(VtierController, 1);

	controller->guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return controller;
}

void vtier_controller_free(VtierController *controller)
{
	if (controller == NULL)
		return;
	g_hash_table_unref(controller->guests);
	g_free(controller);
}

void vtier_controller_forget(VtierController *controller, const gchar *key)
{
	g_hash_table_remove(controller->guests, key);
}

static CtlGuestState *state_of(VtierController *controller, const gchar *key)
{
	CtlGuestState *st = g_hash_table_lookup(controller->guests, key);

	if (st == NULL) {
		st = g_new0(CtlGuestState, 1);
		g_hash_table_insert(controller->guests, g_strdup(key), st);
	}
	st->generation = controller->generation;
	return st;
}

static guint window_of(const VtierControllerInput *in)
{
	return in->window_ms > 0 ? in->window_ms : 1000;
}

/* Whether the seat told its pace: its step period and its actuation lag. */
static gboolean paced(const VtierControllerHost *host)
{
	return host != NULL && host->step_ms > 0 && host->lag_ms > 0;
}

/* The step period the step plans for: the seat's longest recent one, or this one if longer. */
static guint step_period(const VtierControllerHost *host, const VtierControllerInput *in)
{
	guint interval = host != NULL ? host->interval_ms : 0;

	/* a step never comes before the last budgets landed and the kdamond's status was read
	 * after them: until the seat knows its own pace, a lag of L makes it ~ interval + 2 L */
	if (host != NULL && host->step_ms > 0)
		interval = MAX(MAX(interval, host->step_ms), host->lag_ms);
	else if (host != NULL)
		interval += 2 * host->lag_ms;
	interval = MAX(interval, in->elapsed_ms);
	return interval > 0 ? interval : window_of(in);
}

/* The charge windows that may start from this measurement until the next step's commit lands,
 * old budget and new: ceil((period + lag) / window), the kernel's windows being never shorter
 * than reset_interval_ms (7.3 runs them ~5% longer). */
static guint span_windows(const VtierControllerHost *host, const VtierControllerInput *in)
{
	guint window = window_of(in);

	return (step_period(host, in) + host->lag_ms + window - 1) / window;
}

/* The windows the new budget runs: the windows expected until the next step and one more (the
 * kernel's windows drift against the step's clock); no more than can start between this commit
 * and the next when the seat told its pace (a 1.5 s period: 2 windows, not 3). */
static guint windows_until_next(const VtierControllerHost *host, const VtierControllerInput *in)
{
	guint window = window_of(in);
	guint windows = MAX((step_period(host, in) + window / 2) / window, 1) + 1;

	if (paced(host))
		windows = MIN(windows, span_windows(host, in));
	return MAX(windows, 1);
}

/* The charge windows of the last budget that may start after this step's measurement: the
 * kernel takes a new budget at its next window start after the commit lands, so ceil(lag /
 * window); one while the seat has not measured its lag (a late window, or the rest of the
 * current one). */
static guint windows_in_flight(const VtierControllerHost *host, const VtierControllerInput *in)
{
	guint window = window_of(in);

	if (!paced(host))
		return 1;
	return (host->lag_ms + window - 1) / window;
}

/* What of a window the step before's budget may still have to move (per mille): it ran only in
 * a window that started before the last commit landed, at most lag after the last step, so
 * elapsed - lag of it have passed. */
static guint before_left(const VtierControllerHost *host, const VtierControllerInput *in)
{
	guint window = window_of(in);
	guint elapsed = in->elapsed_ms > 0 ? in->elapsed_ms : host->interval_ms;

	if (elapsed >= window + host->lag_ms)
		return 0;
	return MIN((window + host->lag_ms - elapsed) * 1000 / window, 1000);
}

/* The windows that ran in the last interval before the one running now: round(elapsed /
 * window) - 1 (the kernel's windows are ~5% longer than reset_interval_ms, so a step period a few
 * milliseconds over the window holds one start, not two). */
static guint windows_past(const VtierControllerHost *host, const VtierControllerInput *in)
{
	guint window = window_of(in);
	guint elapsed = in->elapsed_ms > 0 ? in->elapsed_ms : host->interval_ms;

	return MAX((elapsed + window / 2) / window, 1) - 1;
}

/* The controlled quantity and its target of a closed-loop guest. */
static void closed_loop_target(CtlGuest *g)
{
	const VtierControllerInput *in = g->in;
	guint64 hot = in->hot_fast_bytes + in->hot_slow_bytes;

	g->closed = TRUE;
	g->hot_unknown = in->hot_unknown;
	g->blind = !in->hot_unknown && hot == 0;
	g->total = in->fast_bytes + in->slow_bytes;
	g->level = in->fast_bytes;
	if (in->mode == VTIER_POLICY_MODE_HOT_SPLIT) {
		g->hot_split = TRUE;
		g->total = hot;
		g->level = MIN(in->hot_fast_bytes, in->fast_bytes);
	}
	if (in->target_share_bp != VTIER_SNAPSHOT_NO_BP)
		g->want = (guint64)((unsigned __int128)g->total * MIN(in->target_share_bp, 10000) /
				    10000);
	else if (in->target_fast_bytes > 0 || !g->hot_split)
		g->want = MIN(in->target_fast_bytes, g->total);
	else
		g->want = g->total; /* hot-split without a target: every hot byte */
}

/* Classifies one guest: only ratio, allowance and hot-split with tuner=vtier have a loop. */
static void prepare(VtierController *controller, const VtierControllerHost *host, CtlGuest *g,
		    const VtierControllerInput *in)
{
	g->in = in;
	g->st = state_of(controller, in->key);
	g->why = g_string_new(NULL);
	g->windows = windows_until_next(host, in);
	g->in_flight = windows_in_flight(host, in);
	if (paced(host)) {
		g->span = span_windows(host, in);
		g->before_left_pm = before_left(host, in);
		g->windows_past = windows_past(host, in);
	}
	g->cap_up = in->cap_up_bytes;
	g->cap_down = in->cap_down_bytes;
	if (!in->measured || in->fast_bytes + in->slow_bytes == 0) {
		g->state = VTIER_CONTROL_STATE_ERROR;
		g_string_append(g->why, in->measured ? "the guest has no memory in its memcg"
					: "memory not measured (no memcg): schemes parked");
	} else if (in->tuner == VTIER_POLICY_TUNER_KERNEL) {
		g->state = VTIER_CONTROL_STATE_KERNEL;
		g_string_append(g->why, "DAMON's goal tuner sets the budgets under the rate cap");
		g->up = in->cap_up_bytes;
		g->down = in->cap_down_bytes;
	} else if (in->mode == VTIER_POLICY_MODE_RATIO || in->mode == VTIER_POLICY_MODE_ALLOWANCE ||
		   in->mode == VTIER_POLICY_MODE_HOT_SPLIT) {
		closed_loop_target(g);
	} else {
		g->state = VTIER_CONTROL_STATE_STATIC;
		g_string_append(g->why, "no closed loop for this mode: the policy's rate caps");
		g->up = in->mode == VTIER_POLICY_MODE_OFF ? 0 : in->cap_up_bytes;
		g->down = in->mode == VTIER_POLICY_MODE_OFF ? 0 : in->cap_down_bytes;
	}
}

/* A budget the kernel can take: parked (< 4096 B, never 0), or in whole pages. A closed loop's
 * budget is >= 1 MiB (4 KiB - 1 MiB budgets are costly on 7.3) and rounded down to whole MiB, so
 * that a budget that settles (the kernel moving less than asked) stops changing and costs no
 * more commits; rounding down never moves more than the loop asked for. The exception, @fine:
 * a slow seat's last approach (ramp_budget), in whole pages. */
static guint64 kernel_budget(guint64 b, gboolean closed, gboolean fine)
{
	if (b < VTIER_CONTROLLER_MIN_BUDGET || (closed && !fine && b < VTIER_CONTROLLER_MIN_MOVE))
		return VTIER_CONTROLLER_PARKED_BYTES;
	if (closed && b >= VTIER_CONTROLLER_MIN_MOVE)
		return b / VTIER_CONTROLLER_MIN_MOVE * VTIER_CONTROLLER_MIN_MOVE;
	return b / 4096 * 4096;
}

static void remember(CtlGuest *g, guint64 up, guint64 down)
{
	CtlGuestState *st = g->st;
	gboolean up_moves = up >= VTIER_CONTROLLER_MIN_BUDGET;
	gboolean down_moves = down >= VTIER_CONTROLLER_MIN_BUDGET;

	st->up_before = st->up;
	st->down_before = st->down;
	st->up = up;
	st->down = down;
	st->expect_up = up_moves ? up * g->windows : 0;
	st->expect_down = down_moves ? down * g->windows : 0;
	if (g->dir != 0 && (g->dir > 0 ? up_moves : down_moves)) {
		st->last_dir = g->dir;
		st->since_move = 0;
	} else if (st->since_move < G_MAXUINT) {
		st->since_move++;
	}
}

/* See VtierControllerOutput.quiet; after remember(). */
static gboolean quiet(const CtlGuest *g)
{
	const CtlGuestState *st = g->st;

	switch (g->state) {
	case VTIER_CONTROL_STATE_HOLDING:
	case VTIER_CONTROL_STATE_BLIND:
	case VTIER_CONTROL_STATE_STATIC:
	case VTIER_CONTROL_STATE_KERNEL:
		break;
	default:
		return FALSE;
	}
	return !st->moving && !st->exchanging && st->exchange_seen == 0 && st->cooldown == 0 &&
	       st->up == st->up_before && st->down == st->down_before;
}

static void finish(CtlGuest *g, VtierControllerOutput *out)
{
	const VtierControllerInput *in = g->in;

	out->up_bytes = kernel_budget(g->up, g->closed, g->fine);
	out->down_bytes = kernel_budget(g->down, g->closed, g->fine);
	if (g->closed && g->capped_host)
		g_string_append(g->why, "; cut to a share of the host's rate cap");
	if (g->closed && (g->capped_host || g->capped_fast))
		g->state = VTIER_CONTROL_STATE_CAPPED;
	remember(g, out->up_bytes, out->down_bytes);
	out->state = g->state;
	out->quiet = quiet(g);
	out->reason = g_string_free(g_steal_pointer(&g->why), FALSE);
	out->target_fast_bytes = g->want;
	out->granted_fast_bytes = g->closed ? g->grant : g->want;
	out->error_bytes = g->closed ? (gint64)g->grant - (gint64)g->level : 0;
	out->share_bp = in->measured && in->fast_bytes + in->slow_bytes > 0
				? (guint)((unsigned __int128)in->fast_bytes * 10000 /
					  (in->fast_bytes + in->slow_bytes))
				: VTIER_SNAPSHOT_NO_BP;
}

static gboolean stale(gpointer key, gpointer value, gpointer data)
{
	(void)key;
	return ((CtlGuestState *)value)->generation != *(const guint64 *)data;
}

void vtier_controller_step(VtierController *controller, const VtierControllerHost *host,
			   const GArray *inputs, GArray *ret_outputs)
{
	guint n = inputs->len;
	g_autofree CtlGuest *guests = g_new0(CtlGuest, MAX(n, 1));

	controller->generation++;
	for (guint i = 0; i < n; i++)
		prepare(controller, host, &guests[i],
			&g_array_index(inputs, VtierControllerInput, i));
	ctl_arbitrate_fast(guests, n, host);
	for (guint i = 0; i < n; i++)
		if (guests[i].closed)
			ctl_guest_decide(&guests[i]);
	ctl_arbitrate_rate(guests, n, host);
	for (guint i = 0; i < n; i++) {
		VtierControllerOutput out = { 0 };

		finish(&guests[i], &out);
		g_array_append_val(ret_outputs, out);
	}
	g_hash_table_foreach_remove(controller->guests, stale, &controller->generation);
}
