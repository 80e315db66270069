/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include "metrics-fixture.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MIB (G_GUINT64_CONSTANT(1) << 20)

/* Replaces a string member (vtier_snapshot_new() sets some). */
static void set_string(gchar **member, const gchar *value)
{
	g_free(*member);
	*member = g_strdup(value);
}

static VtierSnapshot *fixture_base(void)
{
	VtierSnapshot *s = vtier_snapshot_new();
	VtierSnapshotNode nodes[] = {
		{ 0, VTIER_TIER_FAST, 64 * GIB, 20 * GIB },
		{ 1, VTIER_TIER_SLOW, 128 * GIB, 100 * GIB },
	};
	const gdouble reconciles[] = { 0.0004, 0.0031, 0.0009, 0.2 };

	set_string(&s->version, "0.1.0");
	s->time_unix_ms = 1764673200123;
	s->sequence = 42;
	s->interval_ms = 1000;
	set_string(&s->sysroot, "/");
	s->kdamond_up = TRUE;
	s->kdamond_pid = 4242;
	set_string(&s->kdamond_state, "on");
	set_string(&s->sampler_kind, "ibs");
	g_array_append_vals(s->nodes, nodes, G_N_ELEMENTS(nodes));
	s->fast_reserve_bytes = 4 * GIB;
	s->fast_promised_bytes = 24 * GIB;
	s->reconciles_total = 17;
	s->commits_total = 9;
	s->writes_total = 311;
	for (guint i = 0; i < G_N_ELEMENTS(reconciles); i++)
		vtier_histogram_observe(s->reconcile_seconds, reconciles[i]);
	vtier_histogram_observe(s->commit_seconds, 0.012);
	vtier_histogram_observe(s->commit_seconds, 12.5); /* beyond the last bound: +Inf only */
	return s;
}

static VtierSnapshotGuest *tiering_guest(const gchar *name, guint64 fast, guint64 slow)
{
	VtierSnapshotGuest *g = vtier_snapshot_guest_new(name);

	set_string(&g->uuid, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
	set_string(&g->source, "libvirt");
	g->pid = 1234;
	set_string(&g->mode, "ratio");
	set_string(&g->tuner, "vtier");
	set_string(&g->policy_origin, "domain");
	g->state = VTIER_GUEST_STATE_TIERING;
	g->memory_bytes = fast + slow;
	g->fast_node = 0;
	g->slow_node = 1;
	g->target_share_bp = 2500;
	g->target_fast_bytes = (fast + slow) / 4;
	g->measured = TRUE;
	g->fast_bytes = fast;
	g->slow_bytes = slow;
	g->share_bp = fast + slow > 0 ? (guint)(fast * 10000 / (fast + slow)) : 0;
	vtier_snapshot_guest_add_node(g, 0, VTIER_TIER_FAST, fast);
	vtier_snapshot_guest_add_node(g, 1, VTIER_TIER_SLOW, slow);
	g->up = (VtierSnapshotDirection){ 64 * MIB, 3 * GIB, 4 * GIB, 7, 512 * MIB, 0 };
	g->down = (VtierSnapshotDirection){ 32 * MIB, 1 * GIB, 1 * GIB, 0, 2 * GIB, 1 };
	g->control_state = VTIER_CONTROL_STATE_RAMPING;
	g->granted_fast_bytes = 2 * GIB;
	g->control_error_bytes = (gint64)(2 * GIB) - (gint64)fast;
	g->fast_byte_seconds = (gdouble)fast * 3600;
	g->slow_byte_seconds = (gdouble)slow * 3600.5;
	return g;
}

static void add_hostile_guests(VtierSnapshot *s)
{
	const gchar *const names[] = {
		"quo\"te", "back\\slash", "new\nline", "\xc3\xbcnic\xc3\xb8" "de-\xe2\x9c\x93",
		"bad-\xff\xfe-utf8", "bad-\xfe\xff-utf8", "", "} 1\nvtier_kdamond_up 0\n#",
	};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		VtierSnapshotGuest *g = tiering_guest(names[i], 1 * GIB, 3 * GIB);

		g->control_state = VTIER_CONTROL_STATE_HOLDING;
		g_ptr_array_add(s->guests, g);
	}
}

VtierSnapshot *vtier_metrics_fixture_host(void)
{
	VtierSnapshot *s = fixture_base();
	VtierSnapshotGuest *g;

	g = tiering_guest("web", 6 * GIB, 10 * GIB);
	vtier_snapshot_guest_add_unmovable(g, "hugetlbfs", 2 * GIB);
	vtier_snapshot_guest_add_unmovable(g, "vfio-\"pinned\"", 256 * MIB);
	set_string(&g->last_error, "memcg read failed");
	g->last_error_time = 1764673100;
	g->surveying = TRUE;
	g_ptr_array_add(s->guests, g);

	g = tiering_guest("no-memcg", 0, 0);
	g->state = VTIER_GUEST_STATE_UNMEASURED;
	set_string(&g->state_reason, "no memory cgroup found for QEMU pid 1234");
	g->measured = FALSE;
	g->share_bp = VTIER_SNAPSHOT_NO_BP;
	g->memory_bytes = 8 * GIB;
	g->control_state = VTIER_CONTROL_STATE_ERROR;
	g_array_set_size(g->nodes, 0);
	g_ptr_array_add(s->guests, g);

	g = vtier_snapshot_guest_new("refused");
	g->state = VTIER_GUEST_STATE_REFUSED;
	set_string(&g->mode, "pin-fast");
	set_string(&g->state_reason, "not enough fast memory");
	g_ptr_array_add(s->guests, g);

	g = vtier_snapshot_guest_new("off");
	g->state = VTIER_GUEST_STATE_OFF;
	set_string(&g->mode, "off");
	g_ptr_array_add(s->guests, g);

	add_hostile_guests(s);
	vtier_snapshot_count_error(s, "damon-write");
	vtier_snapshot_count_error(s, "memcg");
	vtier_snapshot_count_error(s, "memcg");
	vtier_snapshot_sort(s);
	return s;
}

VtierSnapshot *vtier_metrics_fixture_synthetic(guint n_guests)
{
	VtierSnapshot *s = fixture_base();

	for (guint i = 0; i < n_guests; i++) {
		g_autofree gchar *name = g_strdup_printf("guest-%04u", i);
		VtierSnapshotGuest *g = tiering_guest(name, (1 + i % 7) * GIB, 8 * GIB);

		vtier_snapshot_guest_add_unmovable(g, "hugetlbfs", (i % 3) * GIB);
		g_ptr_array_add(s->guests, g);
	}
	vtier_snapshot_sort(s);
	return s;
}
