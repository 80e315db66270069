/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "tiering/snapshot.h"
#include "vtier-test.h"

/* The snapshot's JSON codec round-trips field for field and is strict. */

static VtierSnapshot *sample(void)
{
	VtierSnapshot *s = vtier_snapshot_new();
	VtierSnapshotGuest *g = vtier_snapshot_guest_new("we\"ird\nname\\ ü");
	VtierSnapshotNode n = { .node = 1, .tier = VTIER_TIER_SLOW, .total_bytes = 1u << 30,
				.free_bytes = 1u << 20 };

	g_array_append_val(s->nodes, n);
	s->sequence = 7;
	s->kdamond_up = TRUE;
	s->kdamond_pid = 42;
	g_ptr_array_add(s->warnings, g_strdup("kernel.numa_balancing=1"));
	g->uuid = g_strdup("c7a5fdbd-cdaf-9455-926a-d65c16db1809");
	g->mode = g_strdup("ratio");
	g->state = VTIER_GUEST_STATE_FAULT;
	g->state_reason = g_strdup("memcg gone");
	g->target_share_bp = 4000;
	g->measured = TRUE;
	g->fast_bytes = G_MAXUINT64; /* above G_MAXINT64: written as a string */
	g->share_bp = 10000;
	g->up.migrated_bytes = 123;
	g->up.scheme = 4;
	g->up.walk = VTIER_SNAPSHOT_WALK_EVERY;
	g->control_state = VTIER_CONTROL_STATE_EXCHANGING;
	g->granted_fast_bytes = 3u << 30;
	g->control_error_bytes = -(G_GINT64_CONSTANT(1) << 40); /* negative: holds more */
	g->surveying = TRUE;
	g->fast_byte_seconds = 1.5e12;
	vtier_snapshot_guest_add_node(g, 0, VTIER_TIER_FAST, 5);
	vtier_snapshot_guest_add_unmovable(g, "hugetlbfs", 1u << 30);
	g_ptr_array_add(s->guests, g);
	vtier_snapshot_count_error(s, "memcg");
	vtier_histogram_observe(s->reconcile_seconds, 0.003);
	return s;
}

static void test_round_trip(void)
{
	g_autoptr(VtierSnapshot) s = sample();
	g_autoptr(JsonNode) a = vtier_snapshot_to_json(s);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierSnapshot) back = vtier_snapshot_from_json(a, &error);
	g_autoptr(JsonNode) b = NULL;
	g_autoptr(VtierSnapshot) copy = NULL;
	g_autoptr(JsonNode) c = NULL;

	g_assert_no_error(error);
	b = vtier_snapshot_to_json(back);
	g_assert_true(json_node_equal(a, b));
	copy = vtier_snapshot_copy(s);
	c = vtier_snapshot_to_json(copy);
	g_assert_true(json_node_equal(a, c));
	g_assert_cmpuint(vtier_snapshot_get_errors(back, "memcg"), ==, 1);
	{
		const VtierSnapshotGuest *g = g_ptr_array_index(back->guests, 0);

		g_assert_cmpuint(g->granted_fast_bytes, ==, 3u << 30);
		g_assert_cmpint(g->control_error_bytes, ==, -(G_GINT64_CONSTANT(1) << 40));
		g_assert_cmpint(g->up.walk, ==, VTIER_SNAPSHOT_WALK_EVERY);
		g_assert_cmpint(g->down.walk, ==, VTIER_SNAPSHOT_WALK_NONE);
		g_assert_true(g->surveying);
	}
	g_assert_cmpstr(vtier_snapshot_walk_to_string(VTIER_SNAPSHOT_WALK_AIMED), ==, "aimed");
	for (guint w = 0; w < VTIER_SNAPSHOT_WALK_LAST; w++) {
		VtierSnapshotWalk walk;

		g_assert_true(vtier_snapshot_walk_from_string(vtier_snapshot_walk_to_string(w),
							      &walk));
		g_assert_cmpint(walk, ==, w);
	}
	g_assert_cmpuint(back->reconcile_seconds->count, ==, 1);
}

static void expect_rejected(const gchar *text, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = vtier_json_from_data(text, &error);
	g_autoptr(VtierSnapshot) s = NULL;

	g_assert_no_error(error);
	s = vtier_snapshot_from_json(node, &error);
	g_assert_null(s);
	g_assert_nonnull(error);
	g_test_message("%s (expected to mention \"%s\")", error->message, needle);
	g_assert_nonnull(strstr(error->message, needle));
}

static void test_strict(void)
{
	expect_rejected("{\"bogus\": 1}", "unknown member");
	expect_rejected("{\"guests\": [{\"name\": \"a\", \"state\": \"dancing\"}]}", "state");
	expect_rejected("{\"guests\": [{\"state\": \"tiering\"}]}", "name");
	expect_rejected("{\"guests\": [{\"name\": \"a\", \"share_bp\": 10001}]}", "share_bp");
	expect_rejected("{\"guests\": [{\"name\": \"a\", \"up\": {\"x\": 1}}]}", "unknown member");
	expect_rejected("{\"guests\": [{\"name\": \"a\", \"up\": {\"walk\": \"sideways\"}}]}",
			"walk");
	expect_rejected("{\"guests\": [{\"name\": \"a\", \"surveying\": \"yes\"}]}",
			"surveying");
	expect_rejected("{\"snapshot_version\": 99}", "version");
	expect_rejected("{\"nodes\": [{\"tier\": \"medium\"}]}", "tier");
	expect_rejected("[]", "object");
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/snapshot/round-trip", test_round_trip);
	g_test_add_func("/snapshot/strict", test_strict);
	return g_test_run();
}
