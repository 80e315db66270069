/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "test-controller"

#include "config.h"

#include "controller-plant.h"
#include "tiering/controller-private.h"
#include "vtier-test.h"

/* The host arbiter and the open-loop cases of the step (part of test-controller). */

void controller_arbiter_tests(void);

static void test_share(void)
{
	const guint prio[] = { 50, 80, 50 };
	const guint64 demand[] = { 100, 100, 300 };
	guint64 grant[3];

	ctl_share(prio, demand, 3, 250, grant);
	g_assert_cmpuint(grant[1], ==, 100);
	g_assert_cmpuint(grant[0], ==, 37);
	g_assert_cmpuint(grant[2], ==, 112);
	ctl_share(prio, demand, 3, 1000, grant);
	g_assert_cmpuint(grant[0] + grant[1] + grant[2], ==, 500);
	ctl_share(prio, demand, 3, 0, grant);
	g_assert_cmpuint(grant[0] + grant[1] + grant[2], ==, 0);
}

/* Three guests of 512 MiB want 50%, 40% and 30% of themselves (614 MiB) from a fast node that
 * holds 400 MiB for them: nothing ever overfills it, and the grants follow @prio0 then target. */
static void run_three(guint prio0, guint64 *ret_fast)
{
	const guint target[] = { 5000, 4000, 3000 };
	Plant p;

	plant_init(&p, 3, 7);
	for (guint i = 0; i < 3; i++)
		plant_guest(&p, i, 512 * MIB, 128 * MIB, 0, 0, target[i]);
	p.guests[0].in.priority = prio0;
	p.host.fast_capacity_bytes = 400 * MIB;
	p.fast_node_bytes = 0; /* the plant would take more: the controller must not ask for it */
	for (guint s = 0; s < 80; s++) {
		guint64 used = 0;

		plant_step(&p);
		for (guint i = 0; i < 3; i++) {
			used += p.guests[i].fast;
			g_assert_cmpuint(plant_output(&p, i)->granted_fast_bytes, <=,
					 plant_output(&p, i)->target_fast_bytes);
		}
		g_assert_cmpuint(used, <=, 400 * MIB);
	}
	for (guint i = 0; i < 3; i++) {
		const VtierControllerOutput *o = plant_output(&p, i);

		ret_fast[i] = p.guests[i].fast;
		if (o->granted_fast_bytes < o->target_fast_bytes)
			g_assert_cmpint(o->state, ==, VTIER_CONTROL_STATE_CAPPED);
		else
			g_assert_cmpint(o->state, ==, VTIER_CONTROL_STATE_HOLDING);
	}
	plant_clear(&p);
}

static void test_fast_node_shared(void)
{
	guint64 fast[3];
	gdouble want[] = { 256, 204.8, 153.6 };

	/* equal priorities: each gets the same fraction of its target (400 / 614.4), -1 point */
	run_three(50, fast);
	for (guint i = 0; i < 3; i++) {
		gdouble got = (gdouble)fast[i] / MIB;

		g_assert_cmpfloat(got, <=, want[i] * 400 / 614.4 + 0.1);
		g_assert_cmpfloat(got, >=, want[i] * 400 / 614.4 - 5.2);
	}
	/* guest 0 first: its whole target, the others share the remaining 144 MiB */
	run_three(80, fast);
	g_assert_cmpfloat((gdouble)fast[0] / MIB, >=, 256 - 5.2);
	g_assert_cmpfloat((gdouble)fast[1] / MIB, <=, 144 * 204.8 / 358.4 + 0.1);
	g_assert_cmpfloat((gdouble)fast[2] / MIB, >=, 144 * 153.6 / 358.4 - 5.2);
}

/* The host's rate cap: every step's budgets together stay within it. */
static void test_host_rate_cap(void)
{
	Plant p;

	plant_init(&p, 3, 0);
	for (guint i = 0; i < 3; i++)
		plant_guest(&p, i, 512 * MIB, 128 * MIB, i == 2 ? 512 * MIB : 0, 0, 5000);
	p.guests[1].in.priority = 90;
	p.host.host_rate_cap_bytes = 24 * MIB;
	for (guint s = 0; s < 10; s++) {
		guint64 sum = 0;

		plant_step(&p);
		for (guint i = 0; i < 3; i++) {
			const VtierControllerOutput *o = plant_output(&p, i);

			sum += o->up_bytes >= VTIER_CONTROLLER_MIN_BUDGET ? o->up_bytes : 0;
			sum += o->down_bytes >= VTIER_CONTROLLER_MIN_BUDGET ? o->down_bytes : 0;
		}
		g_assert_cmpuint(sum, <=, 24 * MIB);
		/* far from its target, the high priority guest gets all of the host's cap */
		if (s < 4)
			g_assert_cmpuint(plant_output(&p, 1)->up_bytes, ==, 24 * MIB);
	}
	plant_clear(&p);
}

/* Open loops: kernel tuner and pin modes get the caps, an unmeasured guest is parked. */
static void test_open_loops(void)
{
	Plant p;

	plant_init(&p, 3, 0);
	for (guint i = 0; i < 3; i++)
		plant_guest(&p, i, 512 * MIB, 128 * MIB, 0, 0, 5000);
	p.guests[0].in.tuner = VTIER_POLICY_TUNER_KERNEL;
	p.guests[1].in.mode = VTIER_POLICY_MODE_PIN_FAST;
	p.guests[1].in.target_share_bp = VTIER_SNAPSHOT_NO_BP;
	p.guests[2].in.measured = FALSE;
	plant_step(&p);
	g_assert_cmpint(plant_output(&p, 0)->state, ==, VTIER_CONTROL_STATE_KERNEL);
	g_assert_cmpuint(plant_output(&p, 0)->up_bytes, ==, 32 * MIB);
	g_assert_cmpint(plant_output(&p, 1)->state, ==, VTIER_CONTROL_STATE_STATIC);
	g_assert_cmpuint(plant_output(&p, 1)->down_bytes, ==, 32 * MIB);
	g_assert_cmpint(plant_output(&p, 2)->state, ==, VTIER_CONTROL_STATE_ERROR);
	g_assert_cmpuint(plant_output(&p, 2)->up_bytes, ==, VTIER_CONTROLLER_PARKED_BYTES);
	g_assert_cmpuint(plant_output(&p, 2)->down_bytes, ==, VTIER_CONTROLLER_PARKED_BYTES);
	g_assert_cmpuint(plant_output(&p, 2)->share_bp, ==, VTIER_SNAPSHOT_NO_BP);
	plant_clear(&p);
}

/* allowance: bytes, not a share; hot-split: the hot bytes in fast memory. */
static void test_allowance_and_hot_split(void)
{
	Plant p;

	plant_init(&p, 2, 0);
	plant_guest(&p, 0, 512 * MIB, 128 * MIB, 0, 0, VTIER_SNAPSHOT_NO_BP);
	p.guests[0].in.mode = VTIER_POLICY_MODE_ALLOWANCE;
	p.guests[0].in.target_fast_bytes = 100 * MIB;
	plant_guest(&p, 1, 512 * MIB, 128 * MIB, 0, 0, 7500);
	p.guests[1].in.mode = VTIER_POLICY_MODE_HOT_SPLIT;
	for (guint s = 0; s < 40; s++)
		plant_step(&p);
	g_assert_cmpuint(p.guests[0].fast, <=, 100 * MIB);
	g_assert_cmpuint(p.guests[0].fast, >=, 100 * MIB - 6 * MIB);
	/* 75% of the 128 MiB hot set: within hot-split's band (5% of the hot memory, 6.4 MiB),
	 * no overshoot */
	g_assert_cmpuint(p.guests[1].hot_fast, <=, 96 * MIB + 2 * MIB);
	g_assert_cmpuint(p.guests[1].hot_fast, >=, 96 * MIB - 128 * MIB / 20);
	plant_clear(&p);
}

/* State is per key: a guest that disappears, or is forgotten, starts afresh. */
static void test_forget(void)
{
	g_autoptr(VtierController) c = vtier_controller_new();
	g_autoptr(GArray) in = g_array_new(FALSE, TRUE, sizeof(VtierControllerInput));
	g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(VtierControllerOutput));
	VtierControllerInput g = { .key = "a", .mode = VTIER_POLICY_MODE_RATIO, .measured = TRUE,
				   .target_share_bp = 5000, .fast_bytes = 0, .slow_bytes = 512 * MIB,
				   .cap_up_bytes = 32 * MIB, .cap_down_bytes = 32 * MIB,
				   .window_ms = 1000 };

	g_array_set_clear_func(out, (GDestroyNotify)vtier_controller_output_clear);
	g_array_append_val(in, g);
	vtier_controller_step(c, NULL, in, out);
	g_assert_cmpuint(g_array_index(out, VtierControllerOutput, 0).up_bytes, ==, 32 * MIB);
	vtier_controller_forget(c, "a");
	vtier_controller_forget(c, "unknown");
	g_array_set_size(out, 0);
	g_array_index(in, VtierControllerInput, 0).fast_bytes = 250 * MIB;
	g_array_index(in, VtierControllerInput, 0).slow_bytes = 262 * MIB;
	vtier_controller_step(c, NULL, in, out);
	/* nothing in flight remembered: a 6 MiB error over 2 windows (1 + drift) */
	g_assert_cmpuint(g_array_index(out, VtierControllerOutput, 0).up_bytes, ==, 3 * MIB);
}

void controller_arbiter_tests(void)
{
	g_test_add_func("/controller/arbiter/share", test_share);
	g_test_add_func("/controller/arbiter/fast-node-shared", test_fast_node_shared);
	g_test_add_func("/controller/arbiter/host-rate-cap", test_host_rate_cap);
	g_test_add_func("/controller/open-loops", test_open_loops);
	g_test_add_func("/controller/allowance-and-hot-split", test_allowance_and_hot_split);
	g_test_add_func("/controller/forget", test_forget);
}
