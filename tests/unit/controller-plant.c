/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "test-controller"

#include "config.h"

#include "controller-plant.h"

void plant_init(Plant *p, guint n, guint32 seed)
{
	*p = (Plant){ 0 };
	p->guests = g_new0(PlantGuest, n);
	p->n = n;
	p->host.interval_ms = 1000;
	p->rand = seed ? g_rand_new_with_seed(seed) : NULL;
	p->window_us = 1050000;
	/* the first window starts at a random phase of the step */
	p->next_tick_us = p->rand != NULL ? g_rand_int_range(p->rand, 1, 1050000) : 500000;
	p->now_us = 0;
	p->controller = vtier_controller_new();
	p->outputs = g_array_new(FALSE, TRUE, sizeof(VtierControllerOutput));
	g_array_set_clear_func(p->outputs, (GDestroyNotify)vtier_controller_output_clear);
}

void plant_clear(Plant *p)
{
	g_free(p->guests);
	if (p->rand != NULL)
		g_rand_free(p->rand);
	vtier_controller_free(p->controller);
	g_array_unref(p->outputs);
}

void plant_guest(Plant *p, guint i, guint64 total, guint64 hot, guint64 fast, guint64 hot_fast,
		 guint target_bp)
{
	PlantGuest *g = &p->guests[i];

	g_snprintf(g->key, sizeof(g->key), "guest%u", i);
	g->in.key = g->key;
	g->in.mode = VTIER_POLICY_MODE_RATIO;
	g->in.tuner = VTIER_POLICY_TUNER_VTIER;
	g->in.priority = 50;
	g->in.target_share_bp = target_bp;
	g->in.measured = TRUE;
	g->in.cap_up_bytes = 32 * MIB;
	g->in.cap_down_bytes = 32 * MIB;
	g->in.window_ms = 1000;
	g->total = total;
	g->hot = hot;
	g->fast = fast;
	g->hot_fast = hot_fast;
	g->up_now = g->down_now = VTIER_CONTROLLER_PARKED_BYTES;
}

static guint64 fast_used(const Plant *p)
{
	guint64 used = 0;

	for (guint i = 0; i < p->n; i++)
		used += p->guests[i].fast;
	return used;
}

/* One apply interval of one guest: what its window's budgets allow by now (all of it at the
 * window's start, or a tenth more at each apply interval when spread), PULL (hot first), then
 * PUSH (cold first). A budget is charged whether or not the pages moved (no eligible memory, a
 * full node). */
static void apply(Plant *p, PlantGuest *g)
{
	guint64 up_budget = g->win_up >= VTIER_CONTROLLER_MIN_BUDGET ? g->win_up : 0;
	guint64 down_budget = g->win_down >= VTIER_CONTROLLER_MIN_BUDGET ? g->win_down : 0;
	guint64 up, down, hot_up, hot_down;

	if (p->spread) {
		up_budget = up_budget * (p->tick + 1) / PLANT_TICKS;
		down_budget = down_budget * (p->tick + 1) / PLANT_TICKS;
	}
	up = up_budget - MIN(g->done_up, up_budget);
	down = down_budget - MIN(g->done_down, down_budget);
	g->done_up += up;
	g->done_down += down;
	g->spent_up |= up_budget > 0 && g->done_up >= up_budget;
	g->spent_down |= down_budget > 0 && g->done_down >= down_budget;
	if (g->frozen)
		return;
	if (g->push_pm > 0)
		down = down * g->push_pm / 1000;
	if (g->move_pm > 0) {
		up = up * g->move_pm / 1000;
		down = down * g->move_pm / 1000;
	}
	up = MIN(up, g->total - g->fast);
	if (g->hot_walk) {
		up = MIN(up, g->hot - g->hot_fast);
		down = MIN(down, g->fast - g->hot_fast);
	}
	if (p->fast_node_bytes > 0)
		up = MIN(up, p->fast_node_bytes - MIN(fast_used(p), p->fast_node_bytes));
	hot_up = MIN(up, g->hot - g->hot_fast);
	g->fast += up;
	g->hot_fast += hot_up;
	down = MIN(down, g->fast);
	hot_down = down > g->fast - g->hot_fast ? down - (g->fast - g->hot_fast) : 0;
	g->fast -= down;
	g->hot_fast -= hot_down;
	g->applied_up += up;
	g->applied_down += down;
	g->moved_total += up + down;
}

static void fill_input(PlantGuest *g)
{
	g->in.fast_bytes = g->fast;
	g->in.slow_bytes = g->total - g->fast;
	g->in.hot_fast_bytes = g->blind ? 0 : g->hot_fast;
	g->in.hot_slow_bytes = g->blind ? 0 : g->fake_hot_slow ? 64 * MIB : g->hot - g->hot_fast;
	g->in.hot_unknown = g->hot_walk;
	g->in.hot_walk = g->hot_walk;
	if (g->hot_walk) /* what vtierd passes then: the PULL/PUSH tried bytes, no measure */
		g->in.hot_fast_bytes = g->in.hot_slow_bytes = 0;
	g->in.applied_up_bytes = g->applied_up;
	g->in.applied_down_bytes = g->applied_down;
	g->in.spent_up = g->report_spent && g->spent_up;
	g->in.spent_down = g->report_spent && g->spent_down;
	g->applied_up = g->applied_down = 0;
	g->spent_up = g->spent_down = FALSE;
}

/* The commit has landed: the kernel holds this step's budgets, the next window takes them. */
static void commit_budgets(Plant *p)
{
	for (guint i = 0; i < p->n; i++) {
		p->guests[i].up_now = plant_output(p, i)->up_bytes;
		p->guests[i].down_now = plant_output(p, i)->down_bytes;
	}
}

/* The kernel's charge windows of every guest start every p->window_us (1.05 s: the kernel's
 * windows run a little longer than reset_interval_ms), each of PLANT_TICKS apply intervals; the
 * step's clock drifts against them. A window that starts before the commit landed keeps the old
 * budget for all of its length. */
static void windows_until(Plant *p, gint64 until, gint64 commit)
{
	gboolean committed = FALSE;

	while (p->next_tick_us <= until) {
		if (!committed && p->next_tick_us >= commit) {
			commit_budgets(p);
			committed = TRUE;
		}
		for (guint i = 0; i < p->n; i++) {
			PlantGuest *g = &p->guests[i];

			if (p->tick == 0) {
				g->win_up = g->up_now;
				g->win_down = g->down_now;
				g->done_up = g->done_down = 0;
			}
			apply(p, g);
		}
		p->next_tick_us += p->window_us / PLANT_TICKS;
		p->tick = (p->tick + 1) % PLANT_TICKS;
	}
	commit_budgets(p);
}

void plant_step(Plant *p)
{
	g_autoptr(GArray) inputs = g_array_new(FALSE, TRUE, sizeof(VtierControllerInput));
	gint64 interval = (gint64)p->host.interval_ms * 1000;
	gint64 commit = p->now_us;

	for (guint i = 0; i < p->n; i++) {
		fill_input(&p->guests[i]);
		p->guests[i].in.elapsed_ms = (guint)(p->elapsed_us / 1000);
		g_array_append_val(inputs, p->guests[i].in);
	}
	g_array_set_size(p->outputs, 0);
	vtier_controller_step(p->controller, &p->host, inputs, p->outputs);
	if (p->slow_step_us > 0) {
		commit += p->slow_lag_us;
		interval = p->slow_step_us;
	} else if (p->rand != NULL) {
		/* the commit lands 0-150 ms after the measurement; the next step comes 0.8-1.8
		 * intervals later (a loaded host, TCG) */
		guint lo = p->step_hi_pct > 0 ? p->step_lo_pct : 80;
		guint hi = p->step_hi_pct > 0 ? p->step_hi_pct : 180;

		commit += g_rand_int_range(p->rand, 0, p->lag_max_us > 0 ? p->lag_max_us + 1 : 150000);
		interval = interval * g_rand_int_range(p->rand, (gint32)lo, (gint32)hi + 1) / 100;
	}
	windows_until(p, p->now_us + interval, commit);
	p->elapsed_us = interval;
	p->now_us += interval;
	if (p->seat_observes) {
		/* what vtierd's seat measures of itself: its step period, and when a decision's
		 * budgets reached the kernel */
		p->host.step_ms = (guint)MAX(p->host.step_ms, interval / 1000);
		p->host.lag_ms = (guint)MAX(p->host.lag_ms, (commit - (p->now_us - interval)) / 1000);
	}
}

const VtierControllerOutput *plant_output(const Plant *p, guint i)
{
	return &g_array_index(p->outputs, VtierControllerOutput, i);
}

guint plant_share_bp(const Plant *p, guint i)
{
	return (guint)(p->guests[i].fast * 10000 / p->guests[i].total);
}
