/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "test-controller"

#include "config.h"

#include <stdio.h>

#include "controller-plant.h"
#include "tiering/controller-private.h"
#include "vtier-test.h"

/* The step on traces recorded in the lab (tests/data/controller/README.md): the recorded runs
 * met the goals, and replaying their inputs through the current step gives sane budgets, no
 * wind-up while the kernel delivers nothing, and no move past the target. */

void controller_trace_tests(void);

#define TARGET_BP 5000
#define CAP (32 * MIB)

typedef struct {
	gint64 t_ms;
	guint elapsed_ms;
	guint64 fast, slow, hot_fast, hot_slow, applied_up, applied_down, up, down;
} TraceStep;

static GArray *load_trace(const gchar *name)
{
	g_autofree gchar *path = vtier_test_data_path("controller", name, NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	GArray *steps = g_array_new(FALSE, TRUE, sizeof(TraceStep));
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	g_assert_no_error(error);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		TraceStep s = { 0 };
		gchar state[32];

		if (lines[i][0] == '#' || lines[i][0] == '\0')
			continue;
		g_assert_cmpint(sscanf(lines[i], "%" G_GINT64_FORMAT " %u %" G_GUINT64_FORMAT
				       " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
				       " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
				       " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
				       " %" G_GUINT64_FORMAT " %31s", &s.t_ms, &s.elapsed_ms,
				       &s.fast, &s.slow, &s.hot_fast, &s.hot_slow, &s.applied_up,
				       &s.applied_down, &s.up, &s.down, state), ==, 11);
		g_array_append_val(steps, s);
	}
	g_assert_cmpuint(steps->len, >, 20);
	return steps;
}

static gint share_bp(const TraceStep *s)
{
	return (gint)(s->fast * 10000 / (s->fast + s->slow));
}

/* What the lab run did: within +-2 points by @settle_ms, never more than @over_bp past the
 * target, within +-3 points ever after, and in the last 20 steps (~20 s) less migration than 1%
 * of the workload (the goal is <= 1% per minute after settling). */
static void check_recorded(const GArray *steps, gint64 settle_ms, gint over_bp)
{
	gint64 settled = -1;
	guint64 late_moves = 0;

	for (guint i = 0; i < steps->len; i++) {
		const TraceStep *s = &g_array_index(steps, TraceStep, i);
		gint d = share_bp(s) - TARGET_BP;

		g_assert_cmpint(d, <=, over_bp);
		if (settled < 0 && ABS(d) <= 200)
			settled = s->t_ms;
		if (settled >= 0)
			g_assert_cmpint(ABS(d), <=, 300);
		if (i + 20 >= steps->len)
			late_moves += s->applied_up + s->applied_down;
	}
	g_test_message("settled (+-2 points) at %" G_GINT64_FORMAT " ms", settled);
	g_assert_cmpint(settled, >=, 0);
	g_assert_cmpint(settled, <=, settle_ms);
	g_assert_cmpuint(late_moves, <=, (512 * MIB) / 100);
}

/* Replays the recorded inputs through a fresh controller. */
static void replay(const GArray *steps, guint64 *ret_max_up_stalled)
{
	g_autoptr(VtierController) c = vtier_controller_new();
	VtierControllerHost host = { .interval_ms = 1000 };

	*ret_max_up_stalled = 0;
	for (guint i = 0; i < steps->len; i++) {
		const TraceStep *s = &g_array_index(steps, TraceStep, i);
		g_autoptr(GArray) in = g_array_new(FALSE, TRUE, sizeof(VtierControllerInput));
		g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(VtierControllerOutput));
		VtierControllerInput g = { .key = "work", .mode = VTIER_POLICY_MODE_RATIO,
					   .measured = TRUE, .target_share_bp = TARGET_BP,
					   .fast_bytes = s->fast, .slow_bytes = s->slow,
					   .hot_fast_bytes = s->hot_fast, .hot_slow_bytes = s->hot_slow,
					   .applied_up_bytes = s->applied_up,
					   .applied_down_bytes = s->applied_down, .cap_up_bytes = CAP,
					   .cap_down_bytes = CAP, .window_ms = 1000,
					   .elapsed_ms = s->elapsed_ms };
		const VtierControllerOutput *o;
		gint d = share_bp(s) - TARGET_BP;

		g_array_set_clear_func(out, (GDestroyNotify)vtier_controller_output_clear);
		g_array_append_val(in, g);
		vtier_controller_step(c, &host, in, out);
		o = &g_array_index(out, VtierControllerOutput, 0);
		for (guint k = 0; k < 2; k++) {
			guint64 b = k ? o->down_bytes : o->up_bytes;

			g_assert_cmpuint(b, >, 0);
			g_assert_true(b < VTIER_CONTROLLER_MIN_BUDGET ||
				      (b >= VTIER_CONTROLLER_MIN_MOVE && b <= CAP));
		}
		/* above the band: never more up than down; below it: never more down than up */
		if (d > 100)
			g_assert_cmpuint(o->up_bytes, <=, o->down_bytes);
		if (d < -100)
			g_assert_cmpuint(o->down_bytes, <=, o->up_bytes);
		/* the kernel delivered little of the last budget: no more than the cap, and no
		 * more than the error asks for */
		if (i > 0 && s->applied_up < MIB) {
			guint64 err = (guint64)MAX(-d, 0) * (s->fast + s->slow) / 10000;

			g_assert_cmpuint(o->up_bytes, <=, MAX(err, VTIER_CONTROLLER_MIN_MOVE));
			*ret_max_up_stalled = MAX(*ret_max_up_stalled, o->up_bytes);
		}
	}
}

static void test_trace_7_3(void)
{
	g_autoptr(GArray) steps = load_trace("lab-7.3-ratio50.trace");
	guint64 stalled;

	check_recorded(steps, 10000, 200);
	replay(steps, &stalled);
}

static void test_trace_6_18(void)
{
	g_autoptr(GArray) steps = load_trace("lab-6.18-ratio50.trace");
	guint64 stalled;

	check_recorded(steps, 12000, 100);
	replay(steps, &stalled);
}

/* 45 s of a PULL budget that moves (almost) nothing: the replayed budgets stay at the cap at
 * most, and the recorded share never went past the target. */
static void test_trace_stall(void)
{
	g_autoptr(GArray) steps = load_trace("lab-6.18-ratio50-prioritised-stall.trace");
	guint64 stalled;

	for (guint i = 0; i < steps->len; i++)
		g_assert_cmpint(share_bp(&g_array_index(steps, TraceStep, i)), <, TARGET_BP);
	replay(steps, &stalled);
	g_assert_cmpuint(stalled, <=, CAP);
}

void controller_trace_tests(void)
{
	g_test_add_func("/controller/trace/7.3", test_trace_7_3);
	g_test_add_func("/controller/trace/6.18", test_trace_6_18);
	g_test_add_func("/controller/trace/6.18-stall", test_trace_stall);
}
