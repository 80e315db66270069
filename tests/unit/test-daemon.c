/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/json.h"
#include "common/paths.h"
#include "daemon/manager-private.h"
#include "metrics/metrics.h"
#include "metrics/server.h"
#include "tiering/explain.h"
#include "virt/memcg.h"
#include "virt/metadata.h"
#include "vtier-test.h"
#define MIB (1024ull * 1024)
#define GIB (1024ull * MIB)


/* vtierd's manager in dry-run on a fixture host (AMD Turin + CXL) with guests attached by pid:
 * the reconcile coalesces bursts, re-running writes nothing, faults stay per guest, and the
 * state file brings attached guests and their slots back after a restart. */

typedef struct {
	VtierTestSysroot *sysroot;
	VtierManager *m;
} Fixture;

/* A workload's cgroup with @fast_mib on node 0 and @slow_mib on node 1, and its process. */
static void add_workload(const gchar *root, guint i, guint fast_mib, guint slow_mib)
{
	g_autofree gchar *cg = g_strdup_printf("proc/%u/cgroup", 1000 + i);
	g_autofree gchar *cgline = g_strdup_printf("0::/vtier.slice/w%u.scope\n", i);
	g_autofree gchar *dir = g_strdup_printf("sys/fs/cgroup/vtier.slice/w%u.scope", i);
	g_autofree gchar *ctl = g_strdup_printf("%s/cgroup.controllers", dir);
	g_autofree gchar *numa = g_strdup_printf("%s/memory.numa_stat", dir);
	g_autofree gchar *stat = g_strdup_printf("anon N0=%" G_GUINT64_FORMAT " N1=%" G_GUINT64_FORMAT
						 "\nfile N0=0 N1=0\n",
						 (guint64)fast_mib << 20, (guint64)slow_mib << 20);

	vtier_test_write_file(root, cg, cgline);
	vtier_test_write_file(root, ctl, "cpu memory\n");
	vtier_test_write_file(root, numa, stat);
}

static VtierManager *new_manager_profile(const gchar *uri, const gchar *conf,
					 const gchar *profile)
{
	g_auto(VtierManagerOptions) options = { 0 };
	g_autoptr(GError) error = NULL;
	VtierManager *m;

	options.config_path = g_build_filename(vtier_paths_get_sysroot(), "vtierd.conf", NULL);
	options.config_explicit = TRUE;
	vtier_test_write_file(vtier_paths_get_sysroot(), "vtierd.conf", conf);
	options.connect_uri = g_strdup(uri);
	options.dry_run = TRUE;
	options.kernel_features = g_strdup(profile);
	options.policy_dir = vtier_test_data_path("..", "..", "policies", NULL);
	g_setenv("VTIER_CONTROL_SOCKET", "", TRUE);
	m = vtier_manager_new(&options, &error);
	g_assert_no_error(error);
	g_assert_true(vtier_manager_start(m, &error));
	g_assert_no_error(error);
	return m;
}

static VtierManager *new_manager_conf(const gchar *uri, const gchar *conf)
{
	return new_manager_profile(uri, conf, "7.3");
}

/* The defaults, without the /metrics endpoint (tests run side by side). */
static VtierManager *new_manager_uri(const gchar *uri)
{
	return new_manager_conf(uri, "[metrics]\nlisten=off\n");
}

static VtierManager *new_manager(void)
{
	return new_manager_uri("none");
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
	(void)data;
	f->sysroot = vtier_test_sysroot_new("amd-turin-cxl");
	vtier_test_write_file(f->sysroot->root, "sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
	for (guint i = 0; i < 50; i++)
		add_workload(f->sysroot->root, i, 100, 412);
	f->m = new_manager();
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
	(void)data;
	vtier_manager_free(f->m);
	vtier_test_sysroot_free(f->sysroot);
}

static JsonNode *request(VtierManager *m, VtierControlRequest *req, GError **error)
{
	JsonNode *result = NULL;

	if (!vtier_manager_handle_request(req, &result, error, m))
		return NULL;
	return result;
}

static gboolean attach(VtierManager *m, guint i, const gchar *policy, GError **error)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_ATTACH);
	g_autoptr(JsonNode) result = NULL;

	req->name = g_strdup_printf("w%02u", i);
	req->pid = (gint)(1000 + i);
	req->policy = g_strdup(policy);
	result = request(m, req, error);
	return result != NULL;
}

/* Runs the main context until the pending reconcile has run and the DAMON worker is idle. */
static void settle_within(VtierManager *m, guint seconds)
{
	gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;

	while ((m->reconcile_source != 0 || m->dirty || vtier_manager_damon_busy(m)) &&
	       g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(m->reconcile_source, ==, 0);
	g_assert_false(vtier_manager_damon_busy(m));
}

static void settle(VtierManager *m)
{
	/* generous: under a loaded host (a lab VM, parallel ASan builds) 5 s was seen to run out */
	settle_within(m, 15);
}

/* One controller interval to its end (its status read and budgets run on the worker). */
static void run_interval(VtierManager *m)
{
	vtier_manager_interval_run(m);
	settle(m);
}

static guint n_planned(VtierManager *m)
{
	guint n = 0;

	for (guint i = 0; m->plan != NULL && i < m->plan->guests->len; i++)
		n += ((VtierPlanGuestResult *)g_ptr_array_index(m->plan->guests, i))->planned;
	return n;
}

static void test_burst(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint64 writes;

	(void)data;
	settle(f->m);
	g_assert_cmpuint(f->m->commits, ==, 0); /* no guest: no kdamond */
	g_assert_null(f->m->applied);
	for (guint i = 0; i < 50; i++) {
		g_assert_true(attach(f->m, i, NULL, &error));
		g_assert_no_error(error);
	}
	settle(f->m);
	g_assert_cmpuint(n_planned(f->m), ==, 50);
	g_test_message("50 attaches: %" G_GUINT64_FORMAT " reconciles, %" G_GUINT64_FORMAT
		       " commits, %" G_GUINT64_FORMAT " writes",
		       f->m->reconciles, f->m->commits, f->m->writes);
	g_assert_cmpuint(f->m->commits, <=, 3);
	/* the dry run's writes were logged and are not kept (it ran for weeks before: +100 bytes a
	 * write) */
	g_assert_cmpuint(vtier_damon_fake_get_log(f->m->fake)->len, ==, 0);
	/* nothing changed: a reconcile writes nothing */
	writes = f->m->writes;
	g_assert_true(vtier_manager_reconcile_now(f->m, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(f->m->writes, ==, writes);
}

/* Settles @m, runs one controller interval and returns vtierd's status, decoded. */
static VtierSnapshot *status_after_interval(VtierManager *m)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = NULL;
	VtierSnapshot *s;

	settle(m);
	run_interval(m);
	result = request(m, req, &error);
	g_assert_no_error(error);
	s = vtier_snapshot_from_json(result, &error);
	g_assert_no_error(error);
	return s;
}

static void test_status(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierSnapshot) s = NULL;
	const VtierSnapshotGuest *g;

	(void)data;
	for (guint i = 0; i < 3; i++)
		g_assert_true(attach(f->m, i, NULL, &error));
	s = status_after_interval(f->m);
	g_assert_cmpuint(s->guests->len, ==, 3);
	g = vtier_snapshot_lookup(s, "w01");
	g_assert_nonnull(g);
	g_assert_cmpstr(g->mode, ==, "ratio");
	g_assert_cmpint(g->state, ==, VTIER_GUEST_STATE_TIERING);
	g_assert_true(g->measured);
	g_assert_cmpuint(g->fast_bytes, ==, 100u << 20);
	g_assert_cmpuint(g->slow_bytes, ==, 412u << 20);
	g_assert_cmpuint(g->share_bp, ==, 1953);
	g_assert_cmpint(g->up.scheme, >=, 0);
	g_assert_cmpint(g->down.scheme, ==, g->up.scheme + 1);
	g_assert_true(s->dry_run);
	g_assert_cmpstr(s->kdamond_state, ==, "dry-run");
	g_assert_cmpuint(s->nodes->len, ==, 2);
}

/* A QEMU attached by pid whose command line binds a memory backend to the fast node only: that
 * backend's bytes are unmovable ("qemu-bind"); one bound to both tiers and one unbound are not. */
static void test_qemu_bind_unmovable(Fixture *f, gconstpointer data)
{
	static const gchar cmdline[] =
		"qemu-system-x86_64\0-name\0guest=w05\0-m\01024\0"
		"-object\0memory-backend-ram,id=m0,size=256M,policy=bind,host-nodes=0\0"
		"-object\0memory-backend-ram,id=m1,size=512M,policy=bind,host-nodes=0-1\0"
		"-object\0memory-backend-ram,id=m2,size=256M\0";
	g_autofree gchar *path = g_build_filename(f->sysroot->root, "proc/1005/cmdline", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierSnapshot) s = NULL;
	g_autoptr(GPtrArray) sentences = NULL;
	const VtierSnapshotGuest *g;
	const VtierSnapshotUnmovable *u;

	(void)data;
	g_assert_true(g_file_set_contents(path, cmdline, sizeof(cmdline) - 1, NULL));
	g_assert_true(attach(f->m, 5, NULL, &error));
	g_assert_no_error(error);
	s = status_after_interval(f->m);
	g = vtier_snapshot_lookup(s, "w05");
	g_assert_nonnull(g);
	g_assert_cmpuint(g->unmovable->len, ==, 1);
	u = g_ptr_array_index(g->unmovable, 0);
	g_assert_cmpstr(u->reason, ==, "qemu-bind");
	g_assert_cmpuint(u->bytes, ==, 256u << 20);
	sentences = vtier_explain_guest(s, g);
	for (guint i = 0; i < sentences->len; i++)
		if (strstr(g_ptr_array_index(sentences, i),
			   "of its memory cannot be moved: QEMU binds") != NULL)
			return;
	g_assert_not_reached();
}

/* The cached text of @req in @view: the JSON of the same request answered as a node. The
 * expected text is returned in @ret_expected when asked for. */
static GBytes *view_text(VtierManager *m, VtierControlRequest *req, VtierControlView view,
			 gchar **ret_expected)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = NULL;
	g_autofree gchar *expected = NULL;
	GBytes *text;

	req->view = view;
	result = request(m, req, &error);
	g_assert_no_error(error);
	expected = json_to_string(result, FALSE);
	text = vtier_manager_handle_request_text(req, m);
	g_assert_cmpmem(g_bytes_get_data(text, NULL), g_bytes_get_size(text), expected,
			strlen(expected));
	if (ret_expected != NULL)
		*ret_expected = g_steal_pointer(&expected);
	return text;
}

/* The control server's status: the text of the snapshot's JSON, encoded once per snapshot. */
static void test_status_text(Fixture *f, gconstpointer data)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(VtierControlRequest) ping = vtier_control_request_new(VTIER_CONTROL_CMD_PING);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(GBytes) first = NULL, again = NULL, next = NULL;
	g_autofree gchar *expected = NULL;

	(void)data;
	g_assert_true(attach(f->m, 1, NULL, &error));
	settle(f->m);
	run_interval(f->m);
	g_assert_null(vtier_manager_handle_request_text(ping, f->m));
	result = request(f->m, req, &error);
	g_assert_no_error(error);
	expected = json_to_string(result, FALSE);
	first = vtier_manager_handle_request_text(req, f->m);
	g_assert_cmpmem(g_bytes_get_data(first, NULL), g_bytes_get_size(first), expected,
			strlen(expected));
	again = vtier_manager_handle_request_text(req, f->m);
	g_assert_true(again == first);
	g_assert_cmpuint(f->m->status_encodes, ==, 1);
	/* a new snapshot, a new text */
	run_interval(f->m);
	next = vtier_manager_handle_request_text(req, f->m);
	g_assert_false(next == first);
	g_assert_cmpuint(f->m->status_encodes, ==, 2);
	/* the table view has its own text, of the same snapshot */
	g_clear_pointer(&again, g_bytes_unref);
	again = view_text(f->m, req, VTIER_CONTROL_VIEW_TABLE, NULL);
	g_assert_cmpuint(g_bytes_get_size(again), <, g_bytes_get_size(next));
	g_assert_cmpuint(f->m->status_encodes, ==, 3);
	/* and the text view: the text vtierctl status prints, rendered by vtierd */
	g_clear_pointer(&again, g_bytes_unref);
	g_clear_pointer(&expected, g_free);
	again = view_text(f->m, req, VTIER_CONTROL_VIEW_TEXT, &expected);
	g_assert_true(g_str_has_prefix(expected, "{\"text\":\"vtierd "));
	g_assert_cmpuint(f->m->status_encodes, ==, 4);
}

static const VtierDamonScheme *applied_scheme(VtierManager *m, gint i)
{
	const VtierDamonContext *ctx;

	g_assert_nonnull(m->applied);
	ctx = ((const VtierDamonKdamond *)g_ptr_array_index(m->applied->kdamonds, 0))->context;
	g_assert_cmpint(i, >=, 0);
	g_assert_cmpuint((guint)i, <, ctx->schemes->len);
	return g_ptr_array_index(ctx->schemes, i);
}

/* The applied model's monitoring target (kdamond 0): its regions, their number, whether one of
 * them straddles an address, and whether one holds all of [@start, @end). */
static const GArray *applied_target_regions(VtierManager *m)
{
	const VtierDamonContext *ctx;

	g_assert_nonnull(m->applied);
	ctx = ((const VtierDamonKdamond *)g_ptr_array_index(m->applied->kdamonds, 0))->context;
	g_assert_cmpuint(ctx->targets->len, ==, 1);
	return ((const VtierDamonTarget *)ctx->targets->pdata[0])->regions;
}

static guint applied_regions(VtierManager *m)
{
	return applied_target_regions(m)->len;
}

/* Whether a region of the target begins before @addr and ends after it. */
static gboolean region_straddles(VtierManager *m, guint64 addr)
{
	const GArray *regions = applied_target_regions(m);

	for (guint j = 0; j < regions->len; j++) {
		const VtierDamonRegion *r = &g_array_index(regions, VtierDamonRegion, j);

		if (r->start < addr && addr < r->end)
			return TRUE;
	}
	return FALSE;
}

static gboolean region_covers(VtierManager *m, guint64 start, guint64 end)
{
	const GArray *regions = applied_target_regions(m);

	for (guint j = 0; j < regions->len; j++) {
		const VtierDamonRegion *r = &g_array_index(regions, VtierDamonRegion, j);

		if (r->start <= start && end <= r->end)
			return TRUE;
	}
	return FALSE;
}

/* The copy of kdamond 0's scheme @i the last reconcile's apply carried (a budget or parked),
 * NULL: the plan's own. */
static const VtierDamonScheme *reconciled_scheme(VtierManager *m, gint i)
{
	g_assert_cmpint(i, >=, 0);
	if (m->overlaid == NULL || m->overlaid->len < 2 * ((guint)i + 1))
		return NULL;
	return m->overlaid->pdata[2 * i + 1];
}

/* A ratio guest's PULL and PUSH start parked (not at the plan's rate cap): the apply that gives
 * the kernel its schemes writes them parked, and the controller's first step runs as soon as
 * that apply is done (not at the next tick): the PULL gets the controller's budget, the cap
 * stays in the plan. */
static void test_closed_loop_starts_parked(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const VtierDaemonGuest *g;
	gint up;

	(void)data;
	g_assert_true(attach(f->m, 1, NULL, &error));
	g_assert_no_error(error);
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_nonnull(g);
	g_assert_nonnull(g->result);
	g_assert_cmpint(g->result->mode, ==, VTIER_POLICY_MODE_RATIO);
	up = g->result->first_scheme;
	g_assert_nonnull(reconciled_scheme(f->m, up));
	g_assert_nonnull(reconciled_scheme(f->m, up + 1));
	g_assert_cmpuint(reconciled_scheme(f->m, up)->quotas.bytes, ==,
			 VTIER_CONTROLLER_PARKED_BYTES);
	g_assert_cmpuint(reconciled_scheme(f->m, up + 1)->quotas.bytes, ==,
			 VTIER_CONTROLLER_PARKED_BYTES);
	/* 100 of 512 MiB fast, target 50%: the first step, already run, opened the PULL, under
	 * the plan's cap */
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, <=,
			 ((const VtierDamonScheme *)g_ptr_array_index(
				  ((const VtierDamonKdamond *)g_ptr_array_index(
					   f->m->plan->model->kdamonds, 0))->context->schemes,
				  up))->quotas.bytes);
	g_assert_cmpuint(applied_scheme(f->m, up + 1)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);
}

/* Publishes PULL counters (cumulative) for the fake's kdamond 0 scheme @up. */
static void pull_counters(VtierManager *m, gint up, guint64 tried_mib, guint64 applied_mib)
{
	VtierDamonSchemeStats st = { .nr_tried = tried_mib, .sz_tried = tried_mib * MIB,
				     .sz_applied = applied_mib * MIB, .qt_exceeds = tried_mib };

	vtier_damon_fake_set_scheme_stats(m->fake, 0, (guint)up, &st);
}

/* @f's manager replaced by one on the 6.18 profile, with guest w01 (ratio 50%) attached and
 * planned. */
static const VtierDaemonGuest *attach_on_618(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	vtier_manager_free(f->m);
	f->m = new_manager_profile("none", "[metrics]\nlisten=off\n", "6.18");
	g_assert_true(attach(f->m, 1, NULL, &error));
	g_assert_no_error(error);
	settle(f->m);
	return g_hash_table_lookup(f->m->guests, "w01");
}

/* Without fail_charge (6.18) a closed loop's PULL walks the hot regions first (the plan's
 * nr_accesses.min at the hot threshold); vtierd widens it to every region once two intervals
 * with its budget open try less than a window's budget, or three try a budget's worth and move
 * < 1 MiB, and narrows it again when the guest holds its target (interval.c, walk_pull). */
static void test_pull_walks_hot_first(Fixture *f, gconstpointer data)
{
	const VtierDaemonGuest *g = attach_on_618(f);
	guint64 hot_min;
	gint up;

	(void)data;
	up = g->result->first_scheme;
	hot_min = applied_scheme(f->m, up)->nr_accesses.min;
	g_assert_cmpuint(hot_min, >, 0);
	/* the first step, run with the apply: the counters' base; the PULL opens */
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_HOT);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->down.walk, ==,
			VTIER_SNAPSHOT_WALK_NONE);
	/* the walk tries a budget's worth (at most 256 MiB a window) and moves: it stays on the
	 * hot regions; one interval that tries nothing (a window that started past the last hot
	 * region) is not dry */
	for (guint i = 1; i <= 4; i++) {
		pull_counters(f->m, up, 1024 * i, 8 * i);
		run_interval(f->m);
		g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
	}
	pull_counters(f->m, up, 4096, 33);
	run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
	pull_counters(f->m, up, 5120, 40);
	run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
	/* two intervals that try less than a window's budget: every hot region was tried; now
	 * every region */
	pull_counters(f->m, up, 5121, 41);
	run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
	pull_counters(f->m, up, 5122, 42);
	run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, 0);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_EVERY);
	/* at its target (256 of 512 MiB fast) it holds: the next ramp walks hot regions first; and
	 * it probes for hot memory in slow memory (nothing measures it on 6.18): a dead-band
	 * (5 MiB) over the windows until the next step (2 MiB a window), hot regions only */
	add_workload(f->sysroot->root, 1, 256, 256);
	for (guint i = 0; i < 5 && applied_scheme(f->m, up)->nr_accesses.min == 0; i++)
		run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, ==, 2 << 20);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state, ==,
			VTIER_CONTROL_STATE_EXCHANGING);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_HOT);
	/* slipped to 100 MiB: the ramp walks hot regions; three spent moving nothing widen it */
	add_workload(f->sysroot->root, 1, 100, 412);
	run_interval(f->m);
	run_interval(f->m);
	for (guint i = 1; i <= 3; i++) {
		g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
		pull_counters(f->m, up, 8192 + 1024 * i, 42);
		run_interval(f->m);
	}
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, 0);
}

/* The index after the last addr filter of @sc. */
static guint after_addr_filters(const VtierDamonScheme *sc)
{
	guint at = 0;

	for (guint i = 0; i < sc->filters->len; i++)
		if (((const VtierDamonFilter *)sc->filters->pdata[i])->type == VTIER_DAMON_FILTER_ADDR)
			at = i + 1;
	return at;
}

static void assert_addr_filter(const VtierDamonScheme *sc, guint i, guint64 start, guint64 end,
			       gboolean matching)
{
	const VtierDamonFilter *fl = g_ptr_array_index(sc->filters, i);

	g_assert_cmpint(fl->type, ==, VTIER_DAMON_FILTER_ADDR);
	g_assert_false(fl->allow);
	g_assert_cmpint(fl->matching, ==, matching);
	g_assert_cmpuint(fl->addr_start, ==, start);
	g_assert_cmpuint(fl->addr_end, ==, end);
}

/* A wide PULL (6.18) that still moves nothing for three intervals is aimed at the spans of the
 * slow node where the guest's pages lie (kpagecgroup): addr filters after the plan's reject what
 * lies outside them. No kpagecgroup: it stays wide. A guest that holds its target is narrowed to
 * the hot regions again, without the aim (interval.c, aim_pull). */
static void test_pull_aimed_at_own_pages(Fixture *f, gconstpointer data)
{
	const gchar *w1 = "sys/fs/cgroup/vtier.slice/w1.scope";
	const VtierDaemonGuest *g = attach_on_618(f);
	const VtierPhysRange *slow;
	guint64 page = vtier_page_size(), pfn, tried = 0, moved = 0;
	guint plan_filters, at;
	gint up;

	(void)data;
	up = g->result->first_scheme;
	plan_filters = applied_scheme(f->m, up)->filters->len;
	at = after_addr_filters(applied_scheme(f->m, up));
	g_assert_cmpuint(at, >, 0);
	slow = &g_array_index(vtier_topology_get_node(f->m->topology,
						      (guint)g->result->slow_node)->ranges,
			      VtierPhysRange, 0);
	pfn = slow->start / page;
	run_interval(f->m);
	/* a budget's worth tried, nothing moved: wide */
	for (guint i = 0; i < 8 && vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk !=
					   VTIER_SNAPSHOT_WALK_EVERY; i++) {
		pull_counters(f->m, up, tried += 1024, moved);
		run_interval(f->m);
	}
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_EVERY);
	/* wide, three more that move nothing, and no kpagecgroup here: it stays wide */
	for (guint i = 0; i < 3; i++) {
		pull_counters(f->m, up, tried += 1024, moved);
		run_interval(f->m);
	}
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_EVERY);
	g_assert_cmpuint(applied_scheme(f->m, up)->filters->len, ==, plan_filters);
	/* its pages: 2 MiB, 256 MiB further 1 MiB; another memcg's between */
	vtier_test_charge_pages(f->sysroot->root, w1, pfn + 256, 512);
	vtier_test_charge_pages(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w2.scope", pfn + 4096,
				1024);
	vtier_test_charge_pages(f->sysroot->root, w1, pfn + 65536, 256);
	for (guint i = 0; i < 3; i++) {
		g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
				VTIER_SNAPSHOT_WALK_EVERY);
		pull_counters(f->m, up, tried += 1024, moved);
		run_interval(f->m);
	}
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_AIMED);
	g_assert_cmpuint(applied_scheme(f->m, up)->filters->len, ==, plan_filters + 2);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, 0);
	assert_addr_filter(applied_scheme(f->m, up), at, (pfn + 256) * page,
			   (pfn + 65536 + 256) * page, FALSE);
	assert_addr_filter(applied_scheme(f->m, up), at + 1, (pfn + 768) * page,
			   (pfn + 65536) * page, TRUE);
	/* it moves: aimed as it is */
	for (guint i = 0; i < 3; i++) {
		pull_counters(f->m, up, tried += 8, moved += 8);
		run_interval(f->m);
	}
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_AIMED);
	/* at its target it holds: hot regions first again, no aim */
	add_workload(f->sysroot->root, 1, 256, 256);
	for (guint i = 0; i < 5 && applied_scheme(f->m, up)->nr_accesses.min == 0; i++)
		run_interval(f->m);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_HOT);
	g_assert_cmpuint(applied_scheme(f->m, up)->filters->len, ==, plan_filters);
}

/* Without fail_charge (6.18) a closed loop's group ends with its PUSH's primer: a `stat` scheme
 * over the fast node that marks the guest's pages old (memcg filter first, then young), parked in
 * the plan; vtierd opens it while the PUSH has a budget to move with and parks it when the guest
 * holds (interval.c, prime_push). */
static void test_push_primed(Fixture *f, gconstpointer data)
{
	const VtierDaemonGuest *g = attach_on_618(f);
	const VtierDamonScheme *prime, *push;
	gint at;

	(void)data;
	g_assert_true(g->result->primed);
	g_assert_cmpuint(g->result->n_schemes, ==, 3);
	at = g->result->first_scheme + 2;
	prime = applied_scheme(f->m, at);
	push = applied_scheme(f->m, g->result->first_scheme + 1);
	g_assert_cmpint(prime->action, ==, VTIER_DAMON_ACTION_STAT);
	g_assert_cmpint(push->action, ==, VTIER_DAMON_ACTION_MIGRATE_COLD);
	g_assert_cmpuint(prime->quotas.bytes, ==, VTIER_PLAN_PARKED_BYTES);
	g_assert_cmpuint(prime->filters->len, ==, 3);
	g_assert_cmpint(((VtierDamonFilter *)prime->filters->pdata[1])->type, ==,
			VTIER_DAMON_FILTER_MEMCG);
	g_assert_false(((VtierDamonFilter *)prime->filters->pdata[1])->matching);
	g_assert_false(((VtierDamonFilter *)prime->filters->pdata[1])->allow);
	g_assert_cmpint(((VtierDamonFilter *)prime->filters->pdata[2])->type, ==,
			VTIER_DAMON_FILTER_YOUNG);
	g_assert_false(((VtierDamonFilter *)prime->filters->pdata[2])->allow);
	/* below its 50% target (100 of 512 MiB fast): PULL only, the primer stays parked */
	for (guint i = 0; i < 3; i++)
		run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, at)->quotas.bytes, ==, VTIER_PLAN_PARKED_BYTES);
	/* above it: the PUSH gets a budget and the primer walks */
	add_workload(f->sysroot->root, 1, 412, 100);
	for (guint i = 0; i < 5 && applied_scheme(f->m, at)->quotas.bytes != VTIER_PLAN_PRIME_BYTES;
	     i++)
		run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, at)->quotas.bytes, ==, VTIER_PLAN_PRIME_BYTES);
	g_assert_cmpuint(vtier_snapshot_lookup(f->m->snapshot, "w01")->down.budget_bytes, >=,
			 VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->down.walk, ==,
			VTIER_SNAPSHOT_WALK_PRIMED);
	/* at its target it holds: parked again */
	add_workload(f->sysroot->root, 1, 256, 256);
	for (guint i = 0; i < 5 && applied_scheme(f->m, at)->quotas.bytes != VTIER_PLAN_PARKED_BYTES;
	     i++)
		run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, at)->quotas.bytes, ==, VTIER_PLAN_PARKED_BYTES);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->down.walk, ==,
			VTIER_SNAPSHOT_WALK_NONE);
}

static gboolean push_switched_off(const VtierDamonScheme *push)
{
	const VtierDamonWatermarks *w = &push->watermarks;

	return w->metric == VTIER_DAMON_WMARK_FREE_MEM_RATE && w->high == 0 && w->mid == 0 &&
	       w->low == 0;
}

/* Without fail_charge (6.18) a closed loop's PUSH, parked, is also switched off by its
 * watermarks (the free memory rate above a high mark of 0), so that the kernel keeps where its
 * walk stopped (reconcile.c, vtier_budget_apply); open, its watermarks are the plan's again. With
 * fail_charge (7.3) a parked PUSH keeps the plan's. */
static void test_push_parked_keeps_walk(Fixture *f, gconstpointer data)
{
	const VtierDaemonGuest *g = attach_on_618(f);
	gint down = g->result->first_scheme + 1;
	const VtierDamonScheme *plan_push;

	(void)data;
	plan_push = g_ptr_array_index(
		((VtierDamonKdamond *)g_ptr_array_index(f->m->plan->model->kdamonds, 0))
			->context->schemes,
		down);
	g_assert_cmpint(plan_push->watermarks.metric, ==, VTIER_DAMON_WMARK_NONE);
	/* below its 50% target (100 of 512 MiB fast): the PUSH is parked and switched off */
	for (guint i = 0; i < 3; i++)
		run_interval(f->m);
	g_assert_cmpint(applied_scheme(f->m, down)->action, ==, VTIER_DAMON_ACTION_MIGRATE_COLD);
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);
	g_assert_true(push_switched_off(applied_scheme(f->m, down)));
	/* above it: the PUSH has a budget and its watermarks are the plan's */
	add_workload(f->sysroot->root, 1, 412, 100);
	for (guint i = 0; i < 5 && applied_scheme(f->m, down)->quotas.bytes <
					   VTIER_CONTROLLER_MIN_MOVE;
	     i++)
		run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpint(applied_scheme(f->m, down)->watermarks.metric, ==, VTIER_DAMON_WMARK_NONE);
	/* at its target it holds: parked and switched off again */
	add_workload(f->sysroot->root, 1, 256, 256);
	for (guint i = 0; i < 5 && !push_switched_off(applied_scheme(f->m, down)); i++)
		run_interval(f->m);
	g_assert_true(push_switched_off(applied_scheme(f->m, down)));
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);

	/* 7.3 (fail_charge): a parked PUSH keeps the plan's watermarks */
	vtier_manager_free(f->m);
	f->m = new_manager(); /* it attaches w01 again from its state file */
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_nonnull(g);
	g_assert_nonnull(g->result);
	down = g->result->first_scheme + 1;
	for (guint i = 0; i < 3; i++)
		run_interval(f->m);
	g_assert_cmpint(applied_scheme(f->m, down)->action, ==, VTIER_DAMON_ACTION_MIGRATE_COLD);
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);
	g_assert_cmpint(applied_scheme(f->m, down)->watermarks.metric, ==, VTIER_DAMON_WMARK_NONE);
}

/* A closed loop's PUSH on 6.18 (no fail_charge) that tries a budget's worth and moves nothing
 * for three intervals is aimed at the guest's pages on the fast node; holding drops the aim
 * (interval.c, walk_push). */
static void test_push_aimed_at_own_pages(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const VtierDaemonGuest *g;
	const GArray *fast_ranges;
	const VtierPhysRange *fast;
	guint64 page = vtier_page_size(), pfn, tried = 0, frames, stride;
	guint plan_filters, plan_regions, at;
	gint down;

	(void)data;
	vtier_manager_free(f->m);
	f->m = new_manager_profile("none", "[metrics]\nlisten=off\n", "6.18");
	add_workload(f->sysroot->root, 1, 400, 112);
	g_assert_true(attach(f->m, 1, NULL, &error));
	g_assert_no_error(error);
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w01");
	down = g->result->first_scheme + 1;
	g_assert_cmpint(applied_scheme(f->m, down)->action, ==, VTIER_DAMON_ACTION_MIGRATE_COLD);
	plan_filters = applied_scheme(f->m, down)->filters->len;
	plan_regions = applied_regions(f->m);
	at = after_addr_filters(applied_scheme(f->m, down));
	fast_ranges = vtier_topology_get_node(f->m->topology, (guint)g->result->fast_node)->ranges;
	fast = &g_array_index(fast_ranges, VtierPhysRange, 0);
	pfn = fast->start / page;
	/* a node above 4 GiB of frames is sampled (memcg-map.c): 16 strides from its first frame
	 * are 16 whole samples */
	frames = 0;
	for (guint i = 0; i < fast_ranges->len; i++) {
		const VtierPhysRange *r = &g_array_index(fast_ranges, VtierPhysRange, i);

		frames += (r->end - r->start) / page;
	}
	stride = frames > VTIER_MEMCG_MAP_FULL_PFNS
			 ? (frames + VTIER_MEMCG_MAP_SAMPLES - 1) / VTIER_MEMCG_MAP_SAMPLES
			 : 1;
	vtier_test_charge_pages(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w1.scope", pfn,
				16 * stride);
	/* the first step ran with the apply: above its target, the PUSH opens */
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	/* primed, not aimed */
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->down.walk, ==,
			VTIER_SNAPSHOT_WALK_PRIMED);
	/* a budget's worth tried, nothing moved, three times over: aimed */
	for (guint i = 0; i < 8 && vtier_snapshot_lookup(f->m->snapshot, "w01")->down.walk !=
					   VTIER_SNAPSHOT_WALK_AIMED; i++) {
		pull_counters(f->m, down, tried += 1024, 0);
		run_interval(f->m);
	}
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->down.walk, ==,
			VTIER_SNAPSHOT_WALK_AIMED);
	g_assert_cmpuint(applied_scheme(f->m, down)->filters->len, ==, plan_filters + 1);
	{
		/* from its first page to one stride or so past its last (samples) */
		const VtierDamonFilter *fl = applied_scheme(f->m, down)->filters->pdata[at];

		g_assert_cmpint(fl->type, ==, VTIER_DAMON_FILTER_ADDR);
		g_assert_false(fl->matching);
		g_assert_false(fl->allow);
		g_assert_cmpuint(fl->addr_start, ==, pfn * page);
		g_assert_cmpuint(fl->addr_end, >=, (pfn + 16 * stride) * page);
		g_assert_cmpuint(fl->addr_end, <=, (pfn + 18 * stride) * page);
		/* a page left out of the target at each edge, outside the span, so that no DAMON
		 * region straddles an edge (reconcile.c, vtier_budgets_hole_aims) */
		g_assert_false(region_straddles(f->m, fl->addr_start));
		g_assert_false(region_straddles(f->m, fl->addr_end));
		g_assert_false(region_covers(f->m, fl->addr_start - page, fl->addr_start));
		g_assert_false(region_covers(f->m, fl->addr_end, fl->addr_end + page));
		g_assert_true(region_covers(f->m, fl->addr_end - page, fl->addr_end));
		g_assert_true(region_covers(f->m, fl->addr_end + page, fl->addr_end + 2 * page));
		g_assert_cmpuint(applied_regions(f->m), >, plan_regions);
	}
	/* at its target it holds: the aim goes, and its holes */
	add_workload(f->sysroot->root, 1, 256, 256);
	for (guint i = 0; i < 5 && applied_scheme(f->m, down)->filters->len != plan_filters; i++)
		run_interval(f->m);
	g_assert_cmpuint(applied_scheme(f->m, down)->filters->len, ==, plan_filters);
	g_assert_cmpuint(applied_regions(f->m), ==, plan_regions);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->down.walk, ==,
			VTIER_SNAPSHOT_WALK_NONE);
}

/* Where the plan sets refresh_ms (6.18) the kernel does not refresh the tried regions, and no
 * stat scheme measures the guest's hot memory: status shows no hot bytes (absent in JSON), the
 * metrics no vtier_guest_hot_bytes sample and explain says why. 6.12 (no refresh_ms) reads them
 * each interval. */
static void assert_regions(const VtierDamonTarget *t, const guint64 *want, guint n)
{
	g_assert_cmpuint(t->regions->len, ==, n / 2);
	for (guint i = 0; i < n; i += 2) {
		const VtierDamonRegion *r = &g_array_index(t->regions, VtierDamonRegion, i / 2);

		g_assert_cmphex(r->start, ==, want[i]);
		g_assert_cmphex(r->end, ==, want[i + 1]);
	}
}

/* An aimed scheme's spans are cut out of the target with a page each side, outside the span
 * (vtier_budgets_hole_aims): no DAMON region straddles an aim's edge. A span at address 0 has
 * no page before it; a cut that would leave the target no region is not made. */
static void test_hole_aims(void)
{
	guint64 page = vtier_page_size();
	g_autoptr(VtierDamonModel) model = vtier_damon_model_new();
	g_autoptr(GHashTable) budgets = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	VtierDamonContext *ctx = vtier_damon_model_add_kdamond(model)->context;
	VtierDamonTarget *t = vtier_damon_context_add_target(ctx);
	VtierBudget *b = g_new0(VtierBudget, 1);
	const guint64 holed[] = { 0, 0x100000, 0x100000 + page, 0x1000000 - page, 0x1000000,
				  0x2000000, 0x2000000 + page, 0x4000000 };
	const guint64 one[] = { 0x8000000, 0x8000000 + page };

	vtier_damon_context_add_scheme(ctx);
	vtier_damon_target_add_region(t, 0, 0x4000000);
	g_hash_table_insert(budgets, GUINT_TO_POINTER(1), b);
	b->n_aim = 2;
	b->aim[0] = (VtierMemcgSpan){ 0, 0x100000 };
	b->aim[1] = (VtierMemcgSpan){ 0x1000000, 0x2000000 };
	vtier_budgets_hole_aims(budgets, model);
	assert_regions(t, holed, G_N_ELEMENTS(holed));
	/* a budget for a scheme the context does not have is left alone */
	g_hash_table_insert(budgets, GUINT_TO_POINTER(5), g_memdup2(b, sizeof(*b)));
	vtier_budgets_hole_aims(budgets, model);
	assert_regions(t, holed, G_N_ELEMENTS(holed));
	/* the target's one page is the hole after a span: it stays */
	g_hash_table_remove(budgets, GUINT_TO_POINTER(5));
	g_array_set_size(t->regions, 0);
	vtier_damon_target_add_region(t, one[0], one[1]);
	b->n_aim = 1;
	b->aim[0] = (VtierMemcgSpan){ 0x7000000, 0x8000000 };
	vtier_budgets_hole_aims(budgets, model);
	assert_regions(t, one, G_N_ELEMENTS(one));
}

static void test_hot_unread_with_refresh(Fixture *f, gconstpointer data)
{
	const gchar *profiles[] = { "6.18", "6.12" };

	(void)data;
	for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierSnapshot) s = NULL;
		g_autoptr(GPtrArray) sentences = NULL;
		g_autofree gchar *metrics = NULL;
		const VtierSnapshotGuest *g;
		gboolean said = FALSE;

		vtier_manager_free(f->m);
		f->m = new_manager_profile("none", "[metrics]\nlisten=off\n", profiles[p]);
		g_assert_true(attach(f->m, 1, NULL, &error));
		g_assert_no_error(error);
		s = status_after_interval(f->m);
		g = vtier_snapshot_lookup(s, "w01");
		g_assert_nonnull(g);
		g_assert_cmpint(g->up.hot_unknown, ==, p == 0);
		g_assert_cmpint(g->down.hot_unknown, ==, p == 0);
		metrics = vtier_metrics_render(s);
		g_assert_cmpint(strstr(metrics, "\nvtier_guest_hot_bytes{") == NULL, ==, p == 0);
		sentences = vtier_explain_guest(s, g);
		for (guint i = 0; i < sentences->len; i++)
			said |= strstr(g_ptr_array_index(sentences, i),
				       "No reading of its hot memory") != NULL;
		g_assert_cmpint(said, ==, p == 0);
	}
}

/* Where nothing measures hot memory (6.18) a guest at its target probes for hot memory in slow
 * memory (controller-loop.c, probe): the PULL opens on DAMON's hot regions only; once it moved
 * some, the PUSH takes as much out, aimed at once at the guest's own pages on the fast node and
 * kept to the regions DAMON sees cold;
 * when the PULL finds nothing the probe ends, and both are parked. */
static void test_probe_exchange(Fixture *f, gconstpointer data)
{
	const VtierDaemonGuest *g;
	const VtierPhysRange *fast;
	guint64 page = vtier_page_size();
	const VtierSnapshotGuest *s;
	guint64 hot_min, push_max;
	gint up, down;

	(void)data;
	add_workload(f->sysroot->root, 1, 256, 256);
	g = attach_on_618(f);
	up = g->result->first_scheme;
	down = up + 1;
	hot_min = applied_scheme(f->m, up)->nr_accesses.min;
	push_max = applied_scheme(f->m, down)->nr_accesses.max;
	fast = &g_array_index(
		vtier_topology_get_node(f->m->topology, (guint)g->result->fast_node)->ranges,
		VtierPhysRange, 0);
	vtier_test_charge_pages(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w1.scope",
				fast->start / page, 256);
	/* the first step (run with the apply): the counters' base; at its target, the probe
	 * starts */
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_EXCHANGING);
	g_assert_nonnull(strstr(s->control_reason, "probing for hot memory"));
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);
	/* the PULL moved 2 MiB of hot pages: the PUSH takes them out, aimed */
	pull_counters(f->m, up, 2, 2);
	add_workload(f->sysroot->root, 1, 258, 254);
	run_interval(f->m);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_EXCHANGING);
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, >=, 2 * MIB);
	g_assert_cmpint(s->down.walk, ==, VTIER_SNAPSHOT_WALK_AIMED);
	/* ... over the regions DAMON sees cold only: the PULL's hot pages are not charged to it */
	g_assert_cmpuint(applied_scheme(f->m, down)->nr_accesses.max, ==, 0);
	g_assert_cmpuint(push_max, >, 0);
	g_assert_cmpuint(applied_scheme(f->m, up)->nr_accesses.min, ==, hot_min);
	/* the PUSH took them out; then two steps in which the PULL moves nothing and does not
	 * spend its quota: none left */
	pull_counters(f->m, down, 2, 2);
	add_workload(f->sysroot->root, 1, 256, 256);
	for (guint i = 0; i < 4 && vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state !=
					   VTIER_CONTROL_STATE_HOLDING; i++)
		run_interval(f->m);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_HOLDING);
	g_assert_nonnull(strstr(s->control_reason, "no hot memory found"));
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);
	g_assert_cmpuint(applied_scheme(f->m, down)->nr_accesses.max, ==, push_max);
}

/* A probe's PULL brought in more than its PUSH took out, and the guest left its band above: the
 * move down keeps its PUSH to the regions DAMON sees cold, where the exchange's PUSH found the
 * old pages (over every region it paid for the new hot pages again: 6.18, the benchmark's
 * moving workload, 7 Dec 2026); when three intervals of it move nothing, it walks every region
 * again. */
static void test_push_ramp_after_probe(Fixture *f, gconstpointer data)
{
	const VtierDaemonGuest *g;
	const VtierSnapshotGuest *s;
	guint64 push_max;
	gint up, down;
	guint i;

	(void)data;
	add_workload(f->sysroot->root, 1, 256, 256);
	g = attach_on_618(f);
	up = g->result->first_scheme;
	down = up + 1;
	push_max = applied_scheme(f->m, down)->nr_accesses.max;
	g_assert_cmpuint(push_max, >, 0);
	/* the probe's PULL found 2 MiB: the exchange's PUSH is kept to the cold regions */
	pull_counters(f->m, up, 2, 2);
	add_workload(f->sysroot->root, 1, 258, 254);
	run_interval(f->m);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state, ==,
			VTIER_CONTROL_STATE_EXCHANGING);
	g_assert_cmpuint(applied_scheme(f->m, down)->nr_accesses.max, ==, 0);
	/* then 14 MiB more came in than went out: 2.7 points over, the guest moves down */
	pull_counters(f->m, up, 16, 16);
	add_workload(f->sysroot->root, 1, 272, 240);
	run_interval(f->m);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_RAMPING);
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpuint(applied_scheme(f->m, down)->nr_accesses.max, ==, 0);
	/* it moves nothing (the PUSH's counters stand still) for three intervals: every region */
	for (i = 0; i < 6 && applied_scheme(f->m, down)->nr_accesses.max == 0; i++) {
		run_interval(f->m);
		g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state, ==,
				VTIER_CONTROL_STATE_RAMPING);
	}
	g_assert_cmpuint(i, >=, 3);
	g_assert_cmpuint(applied_scheme(f->m, down)->nr_accesses.max, ==, push_max);
	g_assert_cmpuint(applied_scheme(f->m, down)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
}

/* vtierd reads kpagecgroup at most once a step, host-wide: of two guests whose wide PULLs stall
 * in the same interval, one is aimed at that step and the other at the next. */
static void test_one_aim_read_a_step(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const VtierDaemonGuest *g1 = attach_on_618(f), *g2;
	guint64 page = vtier_page_size(), pfn, tried = 0;
	gint up1, up2;
	guint aimed = 0;

	(void)data;
	g_assert_true(attach(f->m, 2, NULL, &error));
	g_assert_no_error(error);
	settle(f->m);
	g1 = g_hash_table_lookup(f->m->guests, "w01");
	g2 = g_hash_table_lookup(f->m->guests, "w02");
	up1 = g1->result->first_scheme;
	up2 = g2->result->first_scheme;
	pfn = g_array_index(vtier_topology_get_node(f->m->topology, (guint)g1->result->slow_node)
				    ->ranges,
			    VtierPhysRange, 0)
		      .start /
	      page;
	vtier_test_charge_pages(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w1.scope", pfn + 256,
				256);
	vtier_test_charge_pages(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w2.scope",
				pfn + 65536, 256);
	run_interval(f->m);
	/* both try a budget's worth and move nothing, step by step, until one is aimed */
	for (guint i = 0; i < 12 && aimed == 0; i++) {
		tried += 1024;
		pull_counters(f->m, up1, tried, 0);
		pull_counters(f->m, up2, tried, 0);
		run_interval(f->m);
		aimed = (vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk ==
			 VTIER_SNAPSHOT_WALK_AIMED) +
			(vtier_snapshot_lookup(f->m->snapshot, "w02")->up.walk ==
			 VTIER_SNAPSHOT_WALK_AIMED);
	}
	g_assert_cmpuint(aimed, ==, 1);
	tried += 1024;
	pull_counters(f->m, up1, tried, 0);
	pull_counters(f->m, up2, tried, 0);
	run_interval(f->m);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_AIMED);
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w02")->up.walk, ==,
			VTIER_SNAPSHOT_WALK_AIMED);
}

/* The user_input goal of a tuner=kernel ratio guest's current value in @m's applied model. */
static guint64 user_input_of(VtierManager *m, gint scheme)
{
	const VtierDamonScheme *sc = applied_scheme(m, scheme);
	const VtierDamonGoal *goal;

	g_assert_cmpuint(sc->quotas.goals->len, ==, 1);
	goal = g_ptr_array_index(sc->quotas.goals, 0);
	g_assert_cmpint(goal->target_metric, ==, VTIER_DAMON_METRIC_USER_INPUT);
	return goal->current_value;
}

/* DAMON's goal tuner reads a user_input goal's current value as vtierd writes it: a tuner=kernel
 * ratio guest's PULL gets the measured fast share, its PUSH the slow share (bp), and the plan's
 * rate cap stays their quota. A change below 10 bp is not written. */
static void test_user_input_fed(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const VtierDaemonGuest *g;
	guint64 cap, commits;
	gint up;

	(void)data;
	g_assert_true(attach(f->m, 1,
			     "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' mode='ratio'>"
			     "<fast ratio='50%'/><migration tuner='kernel'/></policy>",
			     &error));
	g_assert_no_error(error);
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_cmpint(g->result->tuner, ==, VTIER_POLICY_TUNER_KERNEL);
	up = g->result->first_scheme;
	cap = applied_scheme(f->m, up)->quotas.bytes;
	g_assert_cmpuint(user_input_of(f->m, up), ==, 0);
	run_interval(f->m);
	/* 100 of 512 MiB fast: 19.53% */
	g_assert_cmpuint(user_input_of(f->m, up), ==, 1953);
	g_assert_cmpuint(user_input_of(f->m, up + 1), ==, 10000 - 1953);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, ==, cap);
	/* 101 MiB: +19 bp, written; then 101.2 MiB: +3 bp, not */
	add_workload(f->sysroot->root, 1, 101, 411);
	run_interval(f->m);
	g_assert_cmpuint(user_input_of(f->m, up), ==, 1972);
	commits = f->m->commits;
	vtier_test_write_file(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w1.scope/memory.numa_stat",
			      "anon N0=106115891 N1=430755021\nfile N0=0 N1=0\n");
	run_interval(f->m);
	g_assert_cmpuint(vtier_snapshot_lookup(f->m->snapshot, "w01")->share_bp, ==, 1976);
	g_assert_cmpuint(user_input_of(f->m, up), ==, 1972);
	g_assert_cmpuint(f->m->commits, ==, commits);
	add_workload(f->sysroot->root, 1, 256, 256);
	/* a quiet seat measures less often (settled_ms): a few base intervals */
	for (guint i = 0; i < 8 && user_input_of(f->m, up) != 5000; i++)
		run_interval(f->m);
	g_assert_cmpuint(user_input_of(f->m, up), ==, 5000);
	g_assert_cmpuint(user_input_of(f->m, up + 1), ==, 5000);
	g_assert_cmpuint(applied_scheme(f->m, up + 1)->quotas.bytes, ==,
			 ((const VtierDamonScheme *)g_ptr_array_index(
				  ((const VtierDamonKdamond *)g_ptr_array_index(
					   f->m->plan->model->kdamonds, 0))->context->schemes,
				  up + 1))->quotas.bytes);
}

/* A guest that takes over a freed scheme group (groups are reused, planner-slots.c) starts with
 * its PULL and PUSH parked: the budgets the controller gave the group's last owner stay with that
 * owner. A guest whose mode changes keeps its group, and its new scheme the plan's quota. */
static void test_reused_group_starts_parked(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierControlRequest) d = vtier_control_request_new(VTIER_CONTROL_CMD_DETACH);
	g_autoptr(JsonNode) r = NULL;
	const VtierDaemonGuest *g;
	gint first;

	(void)data;
	g_assert_true(attach(f->m, 1, NULL, &error));
	settle(f->m); /* and the controller's first step */
	g = g_hash_table_lookup(f->m->guests, "w01");
	first = g->result->first_scheme;
	/* 100 of 512 MiB fast, target 50%: w01's PULL ramps */
	g_assert_cmpuint(applied_scheme(f->m, first)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	d->name = g_strdup("w01");
	r = request(f->m, d, &error);
	g_assert_no_error(error);
	settle(f->m);
	g_assert_true(attach(f->m, 2, NULL, &error));
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w02");
	g_assert_nonnull(g->result);
	/* w02 took w01's group */
	g_assert_cmpint(g->result->first_scheme, ==, first);
	/* the apply that gave w02 the group had it parked; the first step opened the PULL */
	g_assert_cmpuint(reconciled_scheme(f->m, first)->quotas.bytes, ==,
			 VTIER_CONTROLLER_PARKED_BYTES);
	g_assert_cmpuint(reconciled_scheme(f->m, first + 1)->quotas.bytes, ==,
			 VTIER_CONTROLLER_PARKED_BYTES);
	g_assert_cmpuint(applied_scheme(f->m, first)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	/* w02 now pin-fast: no controller budget on its PULL any more, the plan's cap instead */
	g_assert_true(attach(f->m, 2,
			     "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' mode='pin-fast'/>",
			     &error));
	g_assert_no_error(error);
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w02");
	g_assert_cmpint(g->result->mode, ==, VTIER_POLICY_MODE_PIN_FAST);
	g_assert_cmpint(g->result->first_scheme, ==, first);
	g_assert_cmpuint(applied_scheme(f->m, first)->quotas.bytes, ==,
			 ((const VtierDamonScheme *)g_ptr_array_index(
				  ((const VtierDamonKdamond *)g_ptr_array_index(
					   f->m->plan->model->kdamonds, 0))->context->schemes,
				  first))->quotas.bytes);
}

/* Publishes the counters of guest @g's hot stat schemes (fast node, slow node): the fake, like
 * the kernel with refresh_ms, shows them at once. */
static void set_hot_counters(VtierManager *m, const VtierDaemonGuest *g, guint64 passed_fast,
			     guint64 passed_slow, guint64 snapshots)
{
	VtierDamonSchemeStats fast = { .sz_ops_filter_passed = passed_fast,
				       .nr_snapshots = snapshots };
	VtierDamonSchemeStats slow = { .sz_ops_filter_passed = passed_slow,
				       .nr_snapshots = snapshots };

	vtier_damon_fake_set_scheme_stats(m->fake, 0,
					  (guint)g->result->first_scheme + VTIER_PLAN_HOT_FAST_OFFSET,
					  &fast);
	vtier_damon_fake_set_scheme_stats(m->fake, 0,
					  (guint)g->result->first_scheme + VTIER_PLAN_HOT_SLOW_OFFSET,
					  &slow);
}

/* vtierd feeds the controller each guest's hot bytes per node: the growth of its hot stat
 * schemes' sz_ops_filter_passed over the growth of their nr_snapshots (7.3). */
static void test_hot_measure(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const VtierDaemonGuest *g;
	const VtierSnapshotGuest *s;

	(void)data;
	g_assert_true(attach(f->m, 1, NULL, &error));
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_true(g->result->hot_stats);
	g_assert_cmpuint(g->result->n_schemes, ==, 4);
	/* the first reading (the first step, run with the apply) only takes the counters: no
	 * measure yet, never "blind" */
	g_assert_false(g->hot_known);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, !=, VTIER_CONTROL_STATE_BLIND);
	/* 100 applications: 5 GiB passed on the fast node, 1 GiB on the slow one */
	set_hot_counters(f->m, g, 5 * GIB, GIB, 100);
	run_interval(f->m);
	g_assert_true(g->hot_known);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpuint(s->down.hot_bytes, ==, 5 * GIB / 100);
	g_assert_cmpuint(s->up.hot_bytes, ==, GIB / 100);
	/* 10 applications: 640 MiB passed on the fast node, 320 MiB on the slow one */
	set_hot_counters(f->m, g, 5 * GIB + 640 * MIB, GIB + 320 * MIB, 110);
	run_interval(f->m);
	g_assert_true(g->hot_known);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpuint(s->down.hot_bytes, ==, 64 * MIB);
	g_assert_cmpuint(s->up.hot_bytes, ==, 32 * MIB);
	g_assert_cmpint(s->control_state, !=, VTIER_CONTROL_STATE_BLIND);
	/* nothing published since (refresh_ms): the last measure holds */
	run_interval(f->m);
	g_assert_true(g->hot_known);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpuint(s->up.hot_bytes, ==, 32 * MIB);
	/* applied, nothing passed: the guest has no hot memory, the controller says so */
	set_hot_counters(f->m, g, 5 * GIB + 640 * MIB, GIB + 320 * MIB, 120);
	run_interval(f->m);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpuint(s->down.hot_bytes + s->up.hot_bytes, ==, 0);
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_BLIND);
	/* counters that went back (a restarted kdamond): no measure until the next interval */
	set_hot_counters(f->m, g, MIB, MIB, 3);
	run_interval(f->m);
	g_assert_false(g->hot_known);
}

/* The PULL's last two filters, when it is kept to the guest's young pages: every other page
 * rejected, then the pages not young (reconcile.c, apply_young). */
static gboolean pull_kept_young(VtierManager *m, gint up)
{
	const VtierDamonScheme *pull = applied_scheme(m, up);
	const VtierDamonFilter *memcg, *young;

	if (pull->filters->len < 2)
		return FALSE;
	memcg = g_ptr_array_index(pull->filters, pull->filters->len - 2);
	young = g_ptr_array_index(pull->filters, pull->filters->len - 1);
	return memcg->type == VTIER_DAMON_FILTER_MEMCG && !memcg->matching && !memcg->allow &&
	       young->type == VTIER_DAMON_FILTER_YOUNG && !young->matching && !young->allow;
}

/* Guest w01 (@g) measures 32 MiB hot a snapshot on the fast node and 16 MiB on the slow one
 * until it exchanges, at most @steps intervals; returns its record then. */
static const VtierSnapshotGuest *hot_slow_until_exchange(VtierManager *m, const VtierDaemonGuest *g,
							 guint64 *passed_fast, guint64 *passed_slow,
							 guint64 *snaps, guint steps)
{
	const VtierSnapshotGuest *s;

	for (guint i = 0; i < steps && vtier_snapshot_lookup(m->snapshot, "w01")->control_state !=
					       VTIER_CONTROL_STATE_EXCHANGING;
	     i++) {
		set_hot_counters(m, g, *passed_fast += 320 * MIB, *passed_slow += 160 * MIB,
				 *snaps += 10);
		run_interval(m);
	}
	s = vtier_snapshot_lookup(m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_EXCHANGING);
	g_assert_cmpuint(s->up.hot_bytes, ==, 16 * MIB);
	return s;
}

/* Guest w01 (@g, 512 MiB) leaves its 50% band (200 MiB fast) until it ramps, then is back at
 * its target and holds: nothing hot measured meanwhile. */
static void out_of_band_and_back(Fixture *f, const VtierDaemonGuest *g, guint64 *passed_fast,
				 guint64 *passed_slow, guint64 *snaps)
{
	guint i;

	add_workload(f->sysroot->root, 1, 200, 312);
	for (i = 0; i < 8 && vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state !=
				     VTIER_CONTROL_STATE_RAMPING;
	     i++) {
		set_hot_counters(f->m, g, *passed_fast += 320 * MIB, *passed_slow, *snaps += 10);
		run_interval(f->m);
	}
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state, ==,
			VTIER_CONTROL_STATE_RAMPING);
	add_workload(f->sysroot->root, 1, 256, 256);
	for (i = 0; i < 4; i++) {
		set_hot_counters(f->m, g, *passed_fast += 320 * MIB, *passed_slow, *snaps += 10);
		run_interval(f->m);
	}
	g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state, ==,
			VTIER_CONTROL_STATE_HOLDING);
}

/* When a ramp ends on 7.3, vtierd surveys the guest's pages on the slow node: the slow node's hot
 * stat takes every region for a while, its first measures left out (the pages no check had
 * marked read young). Hot memory it finds there starts an exchange whose PULL takes only the
 * young pages; the survey lasts as long as the exchange and ends some steps after it (e2e, 7.3:
 * a 22 MiB remnant of the hot set stayed slow, DAMON's regions reading 0.0 MiB hot there). A
 * ramp back within the minute brings no second survey; an exchange that DAMON's regions start
 * runs without one. The survey is aimed at the guest's pages on the slow node (none there: no
 * survey); a ramp neither ends it nor counts among its steps, up to a minute of them. */
static void test_survey_after_ramp(Fixture *f, gconstpointer data)
{
	static const gchar policy[] = "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' "
				      "mode='ratio'><fast ratio='50%'/></policy>";
	g_autoptr(GError) error = NULL;
	VtierDaemonGuest *g;
	const VtierSnapshotGuest *s;
	const gchar *w1 = "sys/fs/cgroup/vtier.slice/w1.scope";
	const gchar *w2 = "sys/fs/cgroup/vtier.slice/w2.scope";
	guint64 passed_fast = GIB, passed_slow = GIB, snaps = 100;
	guint64 hot_min, pull_filters, stat_filters, page = vtier_page_size(), pfn;
	gint up, stat;
	guint i, at;

	(void)data;
	add_workload(f->sysroot->root, 1, 0, 512);
	g_assert_true(attach(f->m, 1, policy, &error));
	g_assert_no_error(error);
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_true(g->result->hot_stats);
	up = g->result->first_scheme;
	stat = up + VTIER_PLAN_HOT_SLOW_OFFSET;
	hot_min = applied_scheme(f->m, stat)->nr_accesses.min;
	g_assert_cmpuint(hot_min, >, 0);
	pull_filters = applied_scheme(f->m, up)->filters->len;
	stat_filters = applied_scheme(f->m, stat)->filters->len;
	at = after_addr_filters(applied_scheme(f->m, stat));
	/* its pages on the slow node: 2 MiB, 256 MiB further 1 MiB; another memcg's between */
	pfn = g_array_index(vtier_topology_get_node(f->m->topology,
						    (guint)g->result->slow_node)->ranges,
			    VtierPhysRange, 0).start / page;
	vtier_test_charge_pages(f->sysroot->root, w1, pfn + 256, 512);
	vtier_test_charge_pages(f->sysroot->root, w2, pfn + 4096, 1024);
	vtier_test_charge_pages(f->sysroot->root, w1, pfn + 65536, 256);
	/* ramping: 16 MiB hot a snapshot on each node, no survey */
	for (i = 0; i < 2; i++) {
		set_hot_counters(f->m, g, passed_fast += 160 * MIB, passed_slow += 160 * MIB,
				 snaps += 10);
		run_interval(f->m);
	}
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_RAMPING);
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, hot_min);
	/* at its target, DAMON's regions show nothing hot in slow memory: the survey begins */
	add_workload(f->sysroot->root, 1, 256, 256);
	set_hot_counters(f->m, g, passed_fast += 320 * MIB, passed_slow, snaps += 10);
	run_interval(f->m);
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_HOLDING);
	g_assert_cmpuint(s->up.hot_bytes, ==, 0);
	g_assert_true(s->surveying);
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, 0);
	g_assert_false(pull_kept_young(f->m, up));
	/* ... aimed at those pages: on a large CXL node the rest would cost a walk per pass */
	g_assert_cmpuint(applied_scheme(f->m, stat)->filters->len, ==, stat_filters + 2);
	assert_addr_filter(applied_scheme(f->m, stat), at, (pfn + 256) * page,
			   (pfn + 65536 + 256) * page, FALSE);
	assert_addr_filter(applied_scheme(f->m, stat), at + 1, (pfn + 768) * page,
			   (pfn + 65536) * page, TRUE);
	/* its first three measures are left out (200 MiB "young" a snapshot, the first pass): no
	 * reading of its hot memory meanwhile, nothing to exchange on */
	for (i = 0; i < 3; i++) {
		set_hot_counters(f->m, g, passed_fast += 320 * MIB, passed_slow += 2000 * MIB,
				 snaps += 10);
		run_interval(f->m);
		s = vtier_snapshot_lookup(f->m->snapshot, "w01");
		g_assert_false(g->hot_known);
		g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_HOLDING);
	}
	/* then it finds 16 MiB of the guest's pages young on the slow node: an exchange, its
	 * PULL kept to the young pages */
	s = hot_slow_until_exchange(f->m, g, &passed_fast, &passed_slow, &snaps, 6);
	g_assert_cmpint(s->up.walk, ==, VTIER_SNAPSHOT_WALK_YOUNG);
	g_assert_true(pull_kept_young(f->m, up));
	g_assert_cmpuint(applied_scheme(f->m, up)->filters->len, ==, pull_filters + 1);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, 0);
	/* out of its band below (an exchange's PUSH over whole THPs): the ramp back neither ends
	 * the survey nor counts among its steps, and the exchange resumes after it (e2e run 13) */
	add_workload(f->sysroot->root, 1, 200, 312);
	for (i = 0; i < 12; i++) { /* more than the survey's 10 */
		set_hot_counters(f->m, g, passed_fast += 320 * MIB, passed_slow += 160 * MIB,
				 snaps += 10);
		run_interval(f->m);
		g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state, !=,
				VTIER_CONTROL_STATE_EXCHANGING);
		g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, 0);
		g_assert_false(pull_kept_young(f->m, up));
	}
	add_workload(f->sysroot->root, 1, 256, 256);
	s = hot_slow_until_exchange(f->m, g, &passed_fast, &passed_slow, &snaps, 6);
	g_assert_cmpint(s->up.walk, ==, VTIER_SNAPSHOT_WALK_YOUNG);
	g_assert_true(pull_kept_young(f->m, up));
	/* nothing young left slow: the exchange ends, the PULL takes every page again */
	for (i = 0; i < 4 && vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state ==
				     VTIER_CONTROL_STATE_EXCHANGING;
	     i++) {
		set_hot_counters(f->m, g, passed_fast += 320 * MIB, passed_slow, snaps += 10);
		run_interval(f->m);
	}
	s = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s->control_state, ==, VTIER_CONTROL_STATE_HOLDING);
	g_assert_false(pull_kept_young(f->m, up));
	g_assert_cmpuint(applied_scheme(f->m, up)->filters->len, ==, pull_filters);
	g_assert_cmpint(s->up.walk, ==, VTIER_SNAPSHOT_WALK_NONE);
	/* ... and the survey some steps later: the slow node's stat back on DAMON's hot regions */
	for (i = 0; i < 12 && applied_scheme(f->m, stat)->nr_accesses.min == 0; i++) {
		set_hot_counters(f->m, g, passed_fast += 320 * MIB, passed_slow, snaps += 10);
		run_interval(f->m);
		g_assert_cmpint(vtier_snapshot_lookup(f->m->snapshot, "w01")->control_state, ==,
				VTIER_CONTROL_STATE_HOLDING);
	}
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, hot_min);
	g_assert_cmpuint(applied_scheme(f->m, stat)->filters->len, ==, stat_filters);
	g_assert_false(vtier_snapshot_lookup(f->m->snapshot, "w01")->surveying);
	g_assert_cmpuint(i, >=, 2);
	/* out of its band and back within the minute: no second survey */
	out_of_band_and_back(f, g, &passed_fast, &passed_slow, &snaps);
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, hot_min);
	/* a minute later (the clock wound back): a ramp's end begins a survey, and a ramp that
	 * outlasts VTIER_SURVEY_MAX_STEPS (a minute of them) ends it */
	g->survey_began_us -= 61 * G_USEC_PER_SEC;
	/* (none of its pages on the slow node: nothing to survey) */
	vtier_test_charge_pages(f->sysroot->root, w2, pfn + 256, 512);
	vtier_test_charge_pages(f->sysroot->root, w2, pfn + 65536, 256);
	out_of_band_and_back(f, g, &passed_fast, &passed_slow, &snaps);
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, hot_min);
	vtier_test_charge_pages(f->sysroot->root, w1, pfn + 65536, 256);
	out_of_band_and_back(f, g, &passed_fast, &passed_slow, &snaps);
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, 0);
	g_assert_cmpuint(applied_scheme(f->m, stat)->filters->len, ==, stat_filters + 1);
	add_workload(f->sysroot->root, 1, 200, 312);
	for (i = 0; i < 70 && applied_scheme(f->m, stat)->nr_accesses.min == 0; i++) {
		set_hot_counters(f->m, g, passed_fast += 320 * MIB, passed_slow, snaps += 10);
		run_interval(f->m);
	}
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, hot_min);
	g_assert_cmpuint(i, >, 50);
	add_workload(f->sysroot->root, 1, 256, 256);
	/* an exchange DAMON's own regions start (a hot set that moved) runs without a survey, its
	 * PULL as planned (the first measure after the survey's end left out, and a quiet host
	 * measured every 4 s: every fourth tick) */
	s = hot_slow_until_exchange(f->m, g, &passed_fast, &passed_slow, &snaps, 40);
	g_assert_cmpuint(applied_scheme(f->m, stat)->nr_accesses.min, ==, hot_min);
	g_assert_false(pull_kept_young(f->m, up));
	g_assert_cmpint(s->up.walk, ==, VTIER_SNAPSHOT_WALK_NONE);
}

/* A hot-split pair (Configuration A, tuner=vtier): its members share one PULL/PUSH and the hot
 * stat schemes; the controller steps once on the pair's hot split, and both members show it. */
static void test_hot_split_pair(Fixture *f, gconstpointer data)
{
	static const gchar policy[] = "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' "
				      "mode='hot-split'><fast ratio='70%'/></policy>";
	g_autoptr(GError) error = NULL;
	const VtierDaemonGuest *g1, *g2;
	const VtierSnapshotGuest *s1, *s2;
	gint up;

	(void)data;
	g_assert_true(attach(f->m, 1, policy, &error));
	g_assert_no_error(error);
	g_assert_true(attach(f->m, 2, policy, &error));
	g_assert_no_error(error);
	settle(f->m);
	g1 = g_hash_table_lookup(f->m->guests, "w01");
	g2 = g_hash_table_lookup(f->m->guests, "w02");
	g_assert_true(g1->result->planned && g2->result->planned);
	g_assert_cmpint(g1->result->first_scheme, ==, g2->result->first_scheme);
	g_assert_true(g1->result->hot_stats);
	g_assert_cmpuint(g1->result->hot_target_bp, ==, 7000);
	up = g1->result->first_scheme;
	/* parked until the first step, as a ratio guest's */
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, ==, VTIER_CONTROLLER_PARKED_BYTES);
	g_assert_cmpuint(applied_scheme(f->m, up + 1)->quotas.bytes, ==,
			 VTIER_CONTROLLER_PARKED_BYTES);
	set_hot_counters(f->m, g1, GIB, GIB, 100);
	run_interval(f->m);
	/* 10 applications: 20 MiB of the pair's hot memory on the fast node, 80 on the slow one */
	set_hot_counters(f->m, g1, GIB + 200 * MIB, GIB + 800 * MIB, 110);
	run_interval(f->m);
	s1 = vtier_snapshot_lookup(f->m->snapshot, "w01");
	s2 = vtier_snapshot_lookup(f->m->snapshot, "w02");
	g_assert_cmpuint(s1->down.hot_bytes, ==, 20 * MIB);
	g_assert_cmpuint(s1->up.hot_bytes, ==, 80 * MIB);
	g_assert_cmpint(s1->control_state, ==, VTIER_CONTROL_STATE_RAMPING);
	g_assert_cmpint(s2->control_state, ==, VTIER_CONTROL_STATE_RAMPING);
	g_assert_nonnull(strstr(s1->control_reason, "hot in fast 20.0 of 100.0 MiB, target 70.0 MiB"));
	g_assert_cmpstr(s1->control_reason, ==, s2->control_reason);
	g_assert_cmpint(s1->up.scheme, ==, up);
	g_assert_cmpint(s2->up.scheme, ==, up);
	g_assert_cmpuint(s1->up.budget_bytes, >=, VTIER_CONTROLLER_MIN_MOVE);
	g_assert_cmpuint(s1->up.budget_bytes, ==, s2->up.budget_bytes);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, ==, s1->up.budget_bytes);
	g_assert_cmpuint(applied_scheme(f->m, up + 1)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);
	/* 70 of 100 MiB hot in fast: holding, the PULL parked again */
	set_hot_counters(f->m, g1, GIB + 900 * MIB, GIB + 1100 * MIB, 120);
	run_interval(f->m);
	s1 = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(s1->control_state, ==, VTIER_CONTROL_STATE_HOLDING);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, <, VTIER_CONTROLLER_MIN_BUDGET);
}

static gboolean on_tick(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

/* A commit that waits (7.3's waits for the kdamond's next loop: ~15 s seen in the lab) runs on
 * the DAMON worker: meanwhile the main loop serves status and its timers, an interval skips the
 * controller, reconciles asked are coalesced into one; the budgets and that reconcile land
 * after the commit. */
static void test_slow_commit(Fixture *f, gconstpointer data)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = NULL;
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	const VtierDaemonGuest *g;
	gboolean ticked = FALSE;
	guint64 reconciles;
	const VtierBudget *budget;
	gint64 t0;
	gint up;

	(void)data;
	g_assert_true(attach(f->m, 1, NULL, &error));
	settle(f->m);
	up = ((const VtierDaemonGuest *)g_hash_table_lookup(f->m->guests, "w01"))->result->first_scheme;
	vtier_damon_fake_set_commit_delay(f->m->fake, 1500);
	/* the status read, then the controller's first budgets: a commit */
	vtier_manager_interval_run(f->m);
	while ((f->m->damon_job == NULL || f->m->damon_job->kind != VTIER_DAMON_JOB_APPLY) &&
	       g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(vtier_manager_damon_busy(f->m));
	t0 = g_get_monotonic_time();
	result = request(f->m, req, &error);
	g_assert_no_error(error);
	g_assert_nonnull(result);
	g_timeout_add(20, on_tick, &ticked);
	while (!ticked)
		g_main_context_iteration(NULL, TRUE);
	g_test_message("status and a 20 ms timer: %" G_GINT64_FORMAT " ms into a 1500 ms commit",
		       (g_get_monotonic_time() - t0) / 1000);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
	g_assert_true(vtier_manager_damon_busy(f->m)); /* the commit still runs */
	/* asked while it runs: an attach (answered), reconciles (one, after), an interval (skipped) */
	reconciles = f->m->reconciles;
	g_assert_true(attach(f->m, 2, NULL, &error));
	vtier_manager_mark_dirty(f->m, "test");
	vtier_manager_interval_run(f->m);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
	g_assert_true(vtier_manager_damon_busy(f->m));
	g_assert_null(((const VtierDaemonGuest *)g_hash_table_lookup(f->m->guests, "w02"))->result);
	settle_within(f->m, 15);
	g_assert_cmpuint(f->m->reconciles, ==, reconciles + 1);
	g = g_hash_table_lookup(f->m->guests, "w02");
	g_assert_true(g->planned);
	/* the controller's budget landed: the PULL is no longer parked */
	budget = g_hash_table_lookup(f->m->budgets, GUINT_TO_POINTER((guint)up + 1));
	g_assert_nonnull(budget);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, ==, budget->bytes);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, !=, VTIER_CONTROLLER_PARKED_BYTES);
	g_assert_cmpuint(f->m->commits, >=, 2);
}

/* Attaches the fixture's workloads 0..@n-1 and waits until all of them are planned. */
static void attach_planned(VtierManager *m, guint n)
{
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n; i++)
		g_assert_true(attach(m, i, NULL, &error));
	settle(m);
	g_assert_cmpuint(n_planned(m), ==, n);
}

/* Budgets decided while a reconcile is due ride on it: its plan may leave out what made it due
 * (a guest whose memcg just went, which the writer's check would refuse for the whole apply),
 * so they get no apply of their own against the plan it replaces. */
static void test_budgets_ride_reconcile(Fixture *f, gconstpointer data)
{
	const VtierDaemonGuest *w;
	guint64 bytes = 7 * MIB;
	VtierBudget b = { .bytes = bytes };
	guint64 reconciles;
	gint up;

	(void)data;
	attach_planned(f->m, 2);
	w = g_hash_table_lookup(f->m->guests, "w00");
	up = w->result->first_scheme; /* the PULL */
	reconciles = f->m->reconciles;
	vtier_manager_mark_dirty(f->m, "test");
	g_hash_table_insert(f->m->budgets, GUINT_TO_POINTER((guint)up + 1), g_memdup2(&b, sizeof(b)));
	vtier_manager_apply_budgets(f->m);
	g_assert_false(vtier_manager_damon_busy(f->m));
	g_assert_true(f->m->budgets_pending);
	settle(f->m);
	g_assert_cmpuint(f->m->reconciles, ==, reconciles + 1);
	g_assert_cmpuint(applied_scheme(f->m, up)->quotas.bytes, ==, bytes);
	g_assert_false(f->m->budgets_pending);
}

/* Runs the main context until @m has run @reconciles reconciles in all (at most @seconds),
 * then settles. */
static void wait_reconciles(VtierManager *m, guint64 reconciles, guint seconds)
{
	gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;

	while (m->reconciles < reconciles && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	settle(m);
	g_assert_cmpuint(m->reconciles, >=, reconciles);
}

/* A reconcile that fails (here the kernel's sysfs lock held by another writer for longer than
 * the writer's retries: a script writing `update_schemes_tried_regions`, damo) is tried again
 * 1 s later, then 2 s, ... and no budget reaches the kernel until one succeeds: before, only
 * the next audit (a minute) retried it, and the kernel ran the old budgets all that time. */
static void test_reconcile_retried(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint64 reconciles;

	(void)data;
	attach_planned(f->m, 2);
	g_assert_cmpuint(f->m->retry_ms, ==, 0);
	vtier_damon_fake_inject_busy(f->m->fake, 100000);
	reconciles = f->m->reconciles;
	g_assert_true(attach(f->m, 2, NULL, &error));
	settle(f->m);
	g_assert_cmpuint(f->m->reconciles, ==, reconciles + 1);
	g_assert_nonnull(f->m->last_reconcile_error);
	g_assert_nonnull(strstr(f->m->last_reconcile_error, "Device or resource busy"));
	g_assert_cmpuint(n_planned(f->m), ==, 2);
	g_assert_cmpuint(f->m->retry_source, !=, 0);
	g_assert_cmpuint(f->m->retry_ms, ==, 1000);
	/* still busy: the retry fails too, and the next waits twice as long */
	wait_reconciles(f->m, reconciles + 2, 10);
	g_assert_nonnull(f->m->last_reconcile_error);
	g_assert_cmpuint(f->m->retry_ms, ==, 2000);
	/* the lock free again: the next retry plans the third guest in, and the series ends */
	vtier_damon_fake_inject_busy(f->m->fake, 0);
	wait_reconciles(f->m, reconciles + 3, 10);
	g_assert_null(f->m->last_reconcile_error);
	g_assert_cmpuint(n_planned(f->m), ==, 3);
	g_assert_cmpuint(f->m->retry_ms, ==, 0);
	g_assert_cmpuint(f->m->retry_source, ==, 0);
}

static void test_memcg_fault(Fixture *f, gconstpointer data)
{
	g_autofree gchar *dir = NULL;
	const VtierSnapshotGuest *g;
	VtierDaemonGuest *w;
	guint64 reconciles;

	(void)data;
	attach_planned(f->m, 3);
	dir = g_build_filename(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w1.scope", NULL);
	vtier_test_rm_rf(dir);
	run_interval(f->m);
	settle(f->m);
	/* w01 is set aside, the two others keep tiering */
	g_assert_cmpuint(n_planned(f->m), ==, 2);
	run_interval(f->m);
	g = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(g->state, ==, VTIER_GUEST_STATE_FAULT);
	g_assert_nonnull(strstr(g->last_error, "memory.numa_stat"));
	g = vtier_snapshot_lookup(f->m->snapshot, "w00");
	g_assert_cmpint(g->state, ==, VTIER_GUEST_STATE_TIERING);
	g_assert_cmpuint(vtier_snapshot_get_errors(f->m->snapshot, "memcg"), ==, 1);
	/* its backoff ends while an interval skips its measure (a DAMON job in flight): the memcg
	 * is still unreadable, so w01 is not planned back in (its schemes stay out of the tree) */
	w = g_hash_table_lookup(f->m->guests, "w01");
	w->fault->retry_at_us = 0;
	vtier_manager_interval_run(f->m);
	g_assert_true(vtier_manager_damon_busy(f->m));
	reconciles = f->m->reconciles;
	vtier_manager_interval_run(f->m);
	settle(f->m);
	g_assert_cmpuint(f->m->reconciles, ==, reconciles);
	g_assert_cmpuint(n_planned(f->m), ==, 2);
	g_assert_cmpint(w->fault->retry_at_us, >, g_get_monotonic_time());
	/* the cgroup back: planned again */
	add_workload(f->sysroot->root, 1, 100, 412);
	run_interval(f->m);
	settle(f->m);
	g_assert_null(w->fault);
	g_assert_cmpuint(n_planned(f->m), ==, 3);
}

/* Removes @rel (a file or a tree) below the sysroot @root. */
static void rm_in(const gchar *root, const gchar *rel)
{
	g_autofree gchar *path = g_build_filename(root, rel, NULL);

	vtier_test_rm_rf(path);
}

/* A libvirt guest's QEMU exits (a destroy, a shutdown): its memcg goes with it a moment before
 * libvirt's stop event. That guest leaves the plan as with a vanished memcg, but it is no error
 * (nothing counted, no warning); one whose QEMU still runs while its memcg vanished is one. */
static void test_libvirt_guest_stopping(Fixture *f, gconstpointer data)
{
	VtierDaemonGuest *gone, *broken, *zombie;

	(void)data;
	attach_planned(f->m, 4);
	gone = g_hash_table_lookup(f->m->guests, "w01");
	broken = g_hash_table_lookup(f->m->guests, "w02");
	zombie = g_hash_table_lookup(f->m->guests, "w03");
	gone->origin = broken->origin = zombie->origin = VTIER_ORIGIN_LIBVIRT;
	rm_in(f->sysroot->root, "proc/1001");
	vtier_test_write_file(f->sysroot->root, "proc/1002/stat", "1002 (qemu) S 1 1002 1002\n");
	/* a comm with ") " in it, and a zombie not yet reaped */
	vtier_test_write_file(f->sysroot->root, "proc/1003/stat",
			      "1003 (qemu) S (x)) Z 1 1003 1003\n");
	for (guint i = 1; i <= 3; i++) {
		g_autofree gchar *dir = g_strdup_printf("sys/fs/cgroup/vtier.slice/w%u.scope", i);

		rm_in(f->sysroot->root, dir);
	}
	run_interval(f->m);
	settle(f->m);
	g_assert_cmpuint(n_planned(f->m), ==, 1);
	g_assert_nonnull(gone->fault);
	g_assert_cmpstr(gone->fault->kind, ==, "memcg");
	g_assert_nonnull(strstr(gone->fault->message, "its QEMU (pid 1001) has exited"));
	g_assert_nonnull(strstr(zombie->fault->message, "its QEMU (pid 1003) has exited"));
	g_assert_nonnull(broken->fault);
	g_assert_nonnull(strstr(broken->fault->message, "memory.numa_stat"));
	run_interval(f->m);
	g_assert_cmpuint(vtier_snapshot_get_errors(f->m->snapshot, "memcg"), ==, 1);
	/* its retry finds it still gone: the same message, still no error */
	gone->fault->retry_at_us = 0;
	run_interval(f->m);
	settle(f->m);
	g_assert_nonnull(strstr(gone->fault->message, "has exited"));
	g_assert_cmpuint(vtier_snapshot_get_errors(f->m->snapshot, "memcg"), ==, 1);
	g_assert_cmpuint(n_planned(f->m), ==, 1);
}

/* A cgroup that stops being a memcg while its directory stays (its parent's subtree_control no
 * longer enables memory: the faults suite's case C on 7.3), before any interval measured it: the
 * next commit (here the reconcile of another attach) fails with the kernel's ENOMEM, which names
 * no filter. The writer's report finds the path that is no memcg (cgroup.controllers without
 * `memory`), so the reconcile sets that guest aside and plans the rest at once. */
static void test_memcg_gone_at_commit(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const VtierSnapshotGuest *g;
	VtierDaemonGuest *w;

	(void)data;
	attach_planned(f->m, 3);
	/* the kernel's check, which a dry run turns off */
	vtier_damon_fake_set_check_memcg(f->m->fake, TRUE);
	vtier_test_write_file(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w1.scope/cgroup.controllers",
			      "cpu io\n");
	g_assert_true(attach(f->m, 3, NULL, &error));
	settle(f->m);
	w = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_nonnull(w->fault);
	g_assert_cmpstr(w->fault->kind, ==, "damon");
	g_assert_nonnull(strstr(w->fault->message, "/vtier.slice/w1.scope"));
	g_assert_false(w->planned);
	g_assert_cmpuint(n_planned(f->m), ==, 3);
	g_assert_true(f->m->applied_ok);
	g_assert_true(((VtierDaemonGuest *)g_hash_table_lookup(f->m->guests, "w03"))->planned);
	run_interval(f->m);
	g = vtier_snapshot_lookup(f->m->snapshot, "w01");
	g_assert_cmpint(g->state, ==, VTIER_GUEST_STATE_FAULT);
	/* the memory controller back for it: w01 is planned again at its retry */
	vtier_test_write_file(f->sysroot->root, "sys/fs/cgroup/vtier.slice/w1.scope/cgroup.controllers",
			      "cpu io memory\n");
	w->fault->retry_at_us = 0;
	run_interval(f->m);
	settle(f->m);
	g_assert_null(w->fault);
	g_assert_cmpuint(n_planned(f->m), ==, 4);
}

/* A settled host is measured less often: every guest quiet (50% fast, the default policy's target)
 * doubles the interval up to [daemon] settled_interval_ms (4 s: 2 s, then 4 s, in base ticks
 * skipped); a guest leaving its band, or a reconcile, brings the base interval back. */
static void test_settled_interval(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 steps;

	(void)data;
	add_workload(f->sysroot->root, 1, 256, 256);
	g_assert_true(attach(f->m, 1, NULL, &error));
	settle(f->m);
	for (guint i = 0; i < 4 && f->m->settled_ms == 0; i++)
		run_interval(f->m);
	g_assert_cmpuint(f->m->settled_ms, ==, 2000);
	g_assert_cmpuint(f->m->interval_skip, ==, 1);
	/* the next tick only skips: no status read */
	steps = f->m->step_last_us;
	vtier_manager_interval_run(f->m);
	g_assert_false(vtier_manager_damon_busy(f->m));
	g_assert_cmpuint(f->m->interval_skipped, ==, 1);
	run_interval(f->m);
	g_assert_cmpint(f->m->step_last_us, >, steps);
	g_assert_cmpuint(f->m->interval_skipped, ==, 0);
	g_assert_cmpuint(f->m->settled_ms, ==, 4000);
	g_assert_cmpuint(f->m->interval_skip, ==, 3);
	/* at most settled_interval_ms */
	for (guint i = 0; i < 4; i++)
		vtier_manager_interval_run(f->m);
	settle(f->m);
	g_assert_cmpuint(f->m->settled_ms, ==, 4000);
	/* the guest leaves its band: seen at the next measure, then the base interval */
	add_workload(f->sysroot->root, 1, 100, 412);
	for (guint i = 0; i < 4; i++)
		run_interval(f->m);
	g_assert_cmpuint(f->m->settled_ms, ==, 0);
	g_assert_cmpuint(f->m->interval_skip, ==, 0);
	/* settled again (after the survey that follows a ramp, which measures at the base
	 * interval: survey_slow), then an attach: the base interval at once */
	add_workload(f->sysroot->root, 1, 256, 256);
	for (guint i = 0; i < 20 && f->m->settled_ms == 0; i++)
		run_interval(f->m);
	g_assert_cmpuint(f->m->settled_ms, >, 0);
	g_assert_true(attach(f->m, 2, NULL, &error));
	settle(f->m);
	g_assert_cmpuint(f->m->settled_ms, ==, 0);
	g_assert_cmpuint(f->m->interval_skip, ==, 0);
}

static void test_restart(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) slots_before = NULL;
	g_autoptr(JsonNode) slots_after = NULL;

	(void)data;
	for (guint i = 0; i < 4; i++)
		g_assert_true(attach(f->m, i, NULL, &error));
	settle(f->m);
	slots_before = vtier_plan_slots_to_json(f->m->slots);
	vtier_manager_free(f->m);
	f->m = new_manager();
	g_assert_cmpuint(g_hash_table_size(f->m->guests), ==, 4);
	settle(f->m);
	g_assert_cmpuint(n_planned(f->m), ==, 4);
	slots_after = vtier_plan_slots_to_json(f->m->slots);
	g_assert_true(json_node_equal(slots_before, slots_after));
}

/* An attach vtierd acknowledged is in the state file before any reconcile ran (vtierd may die
 * in the apply the attach triggers: the lab's kill -9 in the staged start). */
static void test_attach_saved(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	(void)data;
	g_assert_true(attach(f->m, 7, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(f->m->reconciles, ==, 0);
	vtier_manager_free(f->m); /* no reconcile, no orderly stop's save either: */
	f->m = new_manager();
	g_assert_nonnull(g_hash_table_lookup(f->m->guests, "w07"));
}

/* The state file's text, parsed and written again by json-glib, is the same text: vtierd writes
 * its member directly (state.c), spliced among the others'. Returns the parsed file. */
static JsonNode *assert_state_as_json_glib(const gchar *path)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *again = NULL;
	JsonNode *root;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	root = vtier_json_from_data(text, NULL);
	g_assert_nonnull(root);
	again = vtier_json_to_data(root);
	g_assert_cmpstr(text, ==, again);
	return root;
}

/* vtierd's member of @root: its slots are vtierd's, its attached guests @n. */
static void assert_state_mine(VtierManager *m, JsonNode *root, guint n)
{
	JsonObject *mine = json_object_get_object_member(json_node_get_object(root), "vtierd");
	g_autoptr(JsonNode) slots = vtier_plan_slots_to_json(m->slots);

	g_assert_nonnull(mine);
	g_assert_true(json_node_equal(json_object_get_member(mine, "slots"), slots));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(mine, "attached")), ==,
			 n);
}

/* Adds a member "damon" (the driver's, in a real vtierd) to the state file, holding @text. */
static void state_add_member(const gchar *path, const gchar *text)
{
	g_autoptr(JsonNode) root = assert_state_as_json_glib(path);
	g_autoptr(JsonNode) member = vtier_json_from_data(text, NULL);
	g_autofree gchar *out = NULL;

	g_assert_nonnull(member);
	json_object_set_member(json_node_get_object(root), "damon", g_steal_pointer(&member));
	out = vtier_json_to_data(root);
	g_assert_true(g_file_set_contents(path, out, -1, NULL));
}

static void test_state_text(Fixture *f, gconstpointer data)
{
	static const gchar policy[] = "<policy xmlns=\"https://vtier.dev/xmlns/policy/1.0\"\n"
				      "\tmode=\"monitor\"/>";
	g_autofree gchar *state = vtier_path_build(VTIER_PATH_VTIER_RUN, "dry-run-state.json", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = NULL;

	(void)data;
	g_assert_true(attach(f->m, 0, policy, &error)); /* quotes, newline, tab: escaped */
	g_assert_no_error(error);
	g_assert_true(attach(f->m, 1, NULL, &error));
	settle(f->m);
	root = assert_state_as_json_glib(state);
	assert_state_mine(f->m, root, 2);
	g_clear_pointer(&root, json_node_unref);
	/* another member, of every kind, is kept as json-glib writes it */
	state_add_member(state, "{\"s\": \"a\\\"b\\\\c\\u00e9\\u0001\", \"n\": [], \"o\": {}, "
				"\"a\": [1, null, true, {\"x\": \"y\"}]}");
	g_assert_true(attach(f->m, 2, NULL, &error));
	settle(f->m);
	root = assert_state_as_json_glib(state);
	assert_state_mine(f->m, root, 3);
	g_assert_nonnull(json_object_get_object_member(json_node_get_object(root), "damon"));
	g_clear_pointer(&root, json_node_unref);
	/* a member holding state.c's mark: the whole file is generated */
	state_add_member(state, "{\"m\": \"\\u0001vtierd\\u0002\"}");
	g_assert_true(attach(f->m, 3, NULL, &error));
	settle(f->m);
	root = assert_state_as_json_glib(state);
	assert_state_mine(f->m, root, 4);
}

/* The state file cannot be written (here: a directory stands in its place, as a full disk
 * would refuse it): an attach or detach vtierd cannot make durable is refused whole, and a
 * re-attach of a tiering guest with another policy leaves that guest as it was. */
static void test_state_unwritable(Fixture *f, gconstpointer data)
{
	g_autofree gchar *state = vtier_path_build(VTIER_PATH_VTIER_RUN, "dry-run-state.json", NULL);
	g_autoptr(GError) error = NULL;
	const VtierDaemonGuest *g;

	(void)data;
	g_assert_true(attach(f->m, 0, NULL, &error));
	g_assert_no_error(error);
	settle(f->m);
	g_assert_true(g_file_test(state, G_FILE_TEST_IS_REGULAR));
	g_assert_cmpint(g_unlink(state), ==, 0);
	g_assert_cmpint(g_mkdir(state, 0755), ==, 0);
	/* a new guest: refused, not half-attached */
	g_assert_false(attach(f->m, 1, NULL, &error));
	g_assert_nonnull(strstr(error->message, "cannot write the state file"));
	g_clear_error(&error);
	g_assert_null(g_hash_table_lookup(f->m->guests, "w01"));
	/* a re-attach with another policy: refused, w00 keeps its own */
	g_assert_false(attach(f->m, 0, "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' "
				       "mode='pin-slow'/>",
			      &error));
	g_clear_error(&error);
	settle(f->m);
	g = g_hash_table_lookup(f->m->guests, "w00");
	g_assert_nonnull(g);
	g_assert_null(g->attach_policy);
	g_assert_true(g->planned);
	/* a detach: refused, w00 keeps tiering */
	{
		g_autoptr(VtierControlRequest) d = vtier_control_request_new(VTIER_CONTROL_CMD_DETACH);
		g_autoptr(JsonNode) r = NULL;

		d->name = g_strdup("w00");
		r = request(f->m, d, &error);
		g_assert_null(r);
		g_assert_nonnull(strstr(error->message, "detach w00: cannot write the state file"));
		g_clear_error(&error);
		g_assert_nonnull(g_hash_table_lookup(f->m->guests, "w00"));
		g_assert_cmpint(g_rmdir(state), ==, 0);
		json_node_unref(request(f->m, d, &error));
		g_assert_no_error(error);
		g_assert_null(g_hash_table_lookup(f->m->guests, "w00"));
	}
	g_assert_cmpuint(g_hash_table_size(f->m->errors_total), >, 0);
}

/* A reconcile that keeps every slot and attached guest leaves the state file alone (it was
 * parsed, rebuilt and rewritten on every reconcile: ~5 ms at 500 guests); a change, or a file
 * gone, writes it. */
static void test_state_unchanged(Fixture *f, gconstpointer data)
{
	g_autofree gchar *state = vtier_path_build(VTIER_PATH_VTIER_RUN, "dry-run-state.json", NULL);
	g_autoptr(GError) error = NULL;
	GStatBuf before, after;
	guint64 writes;

	(void)data;
	g_assert_true(attach(f->m, 0, NULL, &error));
	g_assert_true(attach(f->m, 1, NULL, &error));
	g_assert_no_error(error);
	settle(f->m);
	g_assert_cmpint(g_stat(state, &before), ==, 0);
	writes = f->m->state_writes;
	g_assert_true(vtier_manager_reconcile_now(f->m, &error));
	g_assert_true(vtier_manager_reconcile_now(f->m, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(f->m->state_writes, ==, writes);
	g_assert_cmpint(g_stat(state, &after), ==, 0);
	g_assert_cmpuint(after.st_ino, ==, before.st_ino); /* a write renames a new file in */
	/* a detach changes it */
	{
		g_autoptr(VtierControlRequest) d = vtier_control_request_new(VTIER_CONTROL_CMD_DETACH);
		g_autoptr(JsonNode) r = NULL;

		d->name = g_strdup("w01");
		r = request(f->m, d, &error);
		g_assert_no_error(error);
	}
	settle(f->m);
	g_assert_cmpuint(f->m->state_writes, >, writes);
	/* a file removed behind vtierd's back is written again at the next reconcile, and one
	 * changed behind its back (here: corrupted) is read (set aside) and written again */
	g_assert_cmpint(g_unlink(state), ==, 0);
	g_assert_true(vtier_manager_reconcile_now(f->m, &error));
	g_assert_true(g_file_test(state, G_FILE_TEST_IS_REGULAR));
	g_assert_true(g_file_set_contents(state, "{ not json", -1, NULL));
	g_assert_true(vtier_manager_reconcile_now(f->m, &error));
	{
		g_autofree gchar *aside = g_strdup_printf("%s.corrupt", state);
		g_autofree gchar *text = NULL;

		g_assert_true(g_file_test(aside, G_FILE_TEST_IS_REGULAR));
		g_assert_true(g_file_get_contents(state, &text, NULL, NULL));
		g_assert_nonnull(strstr(text, "\"w00\""));
	}
	vtier_manager_free(f->m);
	f->m = new_manager();
	g_assert_nonnull(g_hash_table_lookup(f->m->guests, "w00"));
	g_assert_null(g_hash_table_lookup(f->m->guests, "w01"));
}

/* Attaching @pid as @name is refused with the protocol's conflict error, @message in it. */
static void assert_attach_conflict(VtierManager *m, const gchar *name, gint pid,
				   const gchar *message)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_ATTACH);
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;

	req->name = g_strdup(name);
	req->pid = pid;
	result = request(m, req, &error);
	g_assert_null(result);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, message));
	g_assert_null(g_hash_table_lookup(m->guests, name));
	line = vtier_control_reply_error(0, error);
	g_assert_nonnull(strstr(line, "\"conflict\""));
}

static void test_attach_errors(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_ATTACH);
	g_autoptr(JsonNode) result = NULL;

	(void)data;
	/* no such process below the sysroot */
	req->name = g_strdup("ghost");
	req->pid = 99999;
	result = request(f->m, req, &error);
	g_assert_null(result);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "ghost"));
	g_clear_error(&error);
	/* a policy that does not parse is refused at attach, naming the guest */
	g_assert_false(attach(f->m, 0, "<policy mode=\"bogus\"/>", &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "w00"));
	g_clear_error(&error);
	/* one process or memcg, two names: two scheme sets on one memcg would double its budgets */
	g_assert_true(attach(f->m, 1, NULL, &error));
	g_assert_no_error(error);
	assert_attach_conflict(f->m, "dup-pid", 1001, "pid 1001 is already tiered as attached "
						     "guest \"w01\"");
	vtier_test_write_file(f->sysroot->root, "proc/2001/cgroup", "0::/vtier.slice/w1.scope\n");
	assert_attach_conflict(f->m, "dup-memcg", 2001,
			       "memory cgroup /vtier.slice/w1.scope (pid 2001) is already tiered "
			       "as attached guest \"w01\"");
	/* a libvirt guest owns its QEMU's pid and memcg as well */
	{
		VtierDaemonGuest *lv = vtier_daemon_guest_new("lv-01", VTIER_ORIGIN_LIBVIRT);

		lv->record = vtier_guest_new(VTIER_GUEST_SOURCE_LIBVIRT);
		lv->record->name = g_strdup("lv-01");
		lv->record->pid = 1002;
		lv->record->memcg_path = g_strdup("/vtier.slice/w2.scope");
		g_hash_table_insert(f->m->guests, lv->name, lv);
		assert_attach_conflict(f->m, "dup-libvirt", 1002,
				       "pid 1002 is already tiered as libvirt guest \"lv-01\"");
		g_hash_table_remove(f->m->guests, "lv-01");
	}
	/* the same guest attached again under its own name is a re-attach, not a conflict */
	g_assert_true(attach(f->m, 1, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(g_hash_table_size(f->m->guests), ==, 1);
	/* detach of an unknown guest */
	{
		g_autoptr(VtierControlRequest) d = vtier_control_request_new(VTIER_CONTROL_CMD_DETACH);
		g_autoptr(JsonNode) r = NULL;

		d->name = g_strdup("nobody");
		r = request(f->m, d, &error);
		g_assert_null(r);
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	}
}

static void test_explain_unknown(Fixture *f, gconstpointer data)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_EXPLAIN);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = NULL;

	(void)data;
	req->name = g_strdup("nobody");
	result = request(f->m, req, &error);
	g_assert_null(result);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
}

static void test_hook_prepare(Fixture *f, gconstpointer data)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_HOOK);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = NULL;
	JsonObject *obj;

	(void)data;
	req->name = g_strdup("big");
	req->operation = g_strdup("prepare");
	req->sub_operation = g_strdup("begin");
	req->extra = g_strdup("-");
	/* a guest larger than the fast nodes with pin-fast: warned, allowed (not strict) */
	req->xml = g_strdup("<domain type='kvm'><name>big</name>"
			    "<memory unit='TiB'>64</memory><metadata>"
			    "<vtier:policy xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' "
			    "mode='pin-fast'/></metadata></domain>");
	result = request(f->m, req, &error);
	g_assert_no_error(error);
	obj = json_node_get_object(result);
	g_assert_true(json_object_get_boolean_member(obj, "allow"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(obj, "messages")), ==,
			 1);
	/* garbage XML: allowed, with a message */
	g_free(req->xml);
	req->xml = g_strdup("\x01\x02 not xml");
	json_node_unref(result);
	result = request(f->m, req, &error);
	g_assert_no_error(error);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(result), "allow"));
}

/* ---- libvirt's test driver: tests/data/libvirt/node.xml (db1 strict-bound to node 0, web with
 * a foreign policy, idle shut off) ---- */

static void libvirt_setup(Fixture *f, gconstpointer data)
{
	g_autofree gchar *path = vtier_test_data_path("libvirt", "node.xml", NULL);
	g_autofree gchar *uri = g_strconcat("test://", path, NULL);

	(void)data;
	f->sysroot = vtier_test_sysroot_new("amd-turin-cxl");
	f->m = new_manager_uri(uri);
}

static void libvirt_teardown(Fixture *f, gconstpointer data)
{
	fixture_teardown(f, data);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static void wait_for_guest(VtierManager *m, const gchar *name, const gchar *mode)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	for (;;) {
		const VtierSnapshotGuest *g = vtier_snapshot_lookup(m->snapshot, name);

		if (g != NULL && (mode == NULL || g_strcmp0(g->mode, mode) == 0))
			return;
		if (g_get_monotonic_time() > deadline)
			g_test_message("guest %s never reached mode %s", name,
				       mode ? mode : "(any)");
		g_assert_cmpint(g_get_monotonic_time(), <=, deadline);
		g_main_context_iteration(NULL, TRUE);
	}
}

static void test_libvirt_numatune(Fixture *f, gconstpointer data)
{
	const VtierSnapshotGuest *g;

	(void)data;
	wait_for_guest(f->m, "db1", NULL);
	settle(f->m);
	g = vtier_snapshot_lookup(f->m->snapshot, "db1");
	g_assert_cmpint(g->state, ==, VTIER_GUEST_STATE_REFUSED);
	/* the message `vtierctl plan` gives too (/cli-hostile/plan-wrong-inputs) */
	g_assert_nonnull(strstr(g->state_reason, "guest \"db1\": <numatune mode=\"strict\"> binds "
						 "its memory to nodes 0, which exclude every slow "
						 "node"));
	g_assert_nonnull(strstr(g->state_reason, "respect_numatune"));
	/* the shut-off domain is not a guest */
	g_assert_null(vtier_snapshot_lookup(f->m->snapshot, "idle"));
}

static void test_libvirt_metadata(Fixture *f, gconstpointer data)
{
	virConnectPtr conn;
	g_autoptr(virDomain) web = NULL;
	g_autoptr(GError) error = NULL;

	(void)data;
	wait_for_guest(f->m, "web", "ratio"); /* the foreign element is not vtier's: default */
	conn = vtier_virt_connection_get_virconnect(f->m->virt);
	web = virDomainLookupByName(conn, "web");
	g_assert_nonnull(web);
	g_assert_true(vtier_virt_policy_set(web,
					    "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' "
					    "mode='pin-slow'/>",
					    0, &error));
	g_assert_no_error(error);
	wait_for_guest(f->m, "web", "pin-slow");
	g_assert_cmpuint(f->m->reconciles, >=, 2);
}

static void scraped(GObject *session, GAsyncResult *result, gpointer data)
{
	g_autoptr(GError) error = NULL;

	*(GBytes **)data = soup_session_send_and_read_finish(SOUP_SESSION(session), result, &error);
	g_assert_no_error(error);
}

/* GET /metrics from @m's endpoint, served by this thread's loop. */
static gchar *scrape(VtierManager *m)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree gchar *url = vtier_metrics_server_get_url(m->metrics);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	g_autoptr(GBytes) body = NULL;

	soup_session_send_and_read_async(session, msg, G_PRIORITY_DEFAULT, NULL, scraped, &body);
	while (body == NULL)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	return g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
}

/* /metrics renders each snapshot once, in its own thread, when it is published: a scrape only
 * copies that text. */

/* The applied plan equals a plan of the same guests from inputs built afresh (and the slots it
 * left): the inputs each guest keeps between reconciles (vtier_daemon_guest_plan_input) are never
 * stale. */
static void assert_plan_as_fresh(VtierManager *m)
{
	g_autoptr(GPtrArray) fresh =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	g_autoptr(VtierPlan) plan = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *kept = NULL;
	g_autofree gchar *again = NULL;
	VtierPlanInput input = { 0 };
	GHashTableIter iter;
	VtierDaemonGuest *g;

	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&g)) {
		if (g->record == NULL || g->policy == NULL || g->stopping || g->refusal != NULL)
			continue;
		g_assert_nonnull(g->plan_input);
		g_ptr_array_add(fresh, vtier_plan_guest_new_from_guest(g->record, g->policy));
	}
	input.topology = m->topology;
	input.features = m->features;
	input.sampler = m->sampler;
	input.options = &m->typed.plan;
	input.guests = fresh;
	input.previous = m->slots;
	plan = vtier_planner_plan(&input, &error);
	g_assert_no_error(error);
	kept = vtier_plan_to_data(m->plan);
	again = vtier_plan_to_data(plan);
	g_assert_cmpstr(again, ==, kept);
}

static void test_plan_inputs_kept(Fixture *f, gconstpointer data)
{
	static const gchar policy[] = "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' "
				      "mode='allowance'><fast size='128M'/></policy>";
	g_autoptr(GError) error = NULL;
	VtierDaemonGuest *g;
	guint zero = 0;

	(void)data;
	for (guint i = 0; i < 4; i++)
		g_assert_true(attach(f->m, i, i == 2 ? policy : NULL, &error));
	settle(f->m);
	assert_plan_as_fresh(f->m);
	g_assert_true(attach(f->m, 4, NULL, &error)); /* one more guest */
	settle(f->m);
	assert_plan_as_fresh(f->m);
	/* a record changed in place: the kept input is stale, the plan follows the record */
	g = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_nonnull(g);
	g_array_append_val(g->record->bound_nodes, zero);
	g_assert_true(vtier_manager_reconcile_now(f->m, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(g->plan_input->bound_nodes->len, ==, 1);
	assert_plan_as_fresh(f->m);
	/* an option the policies depend on: every guest without a policy of its own changes mode */
	f->m->typed.plan.default_mode = VTIER_POLICY_MODE_MONITOR;
	g_assert_true(vtier_manager_reconcile_now(f->m, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g->plan_input->policy->mode, ==, VTIER_POLICY_MODE_MONITOR);
	assert_plan_as_fresh(f->m);
	{
		g_autoptr(VtierControlRequest) d = vtier_control_request_new(VTIER_CONTROL_CMD_DETACH);
		g_autoptr(JsonNode) r = NULL;

		d->name = g_strdup("w03");
		r = request(f->m, d, &error);
		g_assert_no_error(error);
		g_assert_nonnull(r);
	}
	settle(f->m);
	assert_plan_as_fresh(f->m);
}

/* vtier_daemon_guests_by_name() is the table in name order: every guest of the table once, no
 * other (a guest freed since the last sort would be a dangling pointer: ASan), after attaches out
 * of order, a re-attach (the same name, a new guest), a detach, and while a guest is taken out of
 * the table (a detach's state save). */
static void assert_by_name(VtierManager *m)
{
	GPtrArray *all = vtier_daemon_guests_by_name(m);

	g_assert_cmpuint(all->len, ==, g_hash_table_size(m->guests));
	for (guint i = 0; i < all->len; i++) {
		const VtierDaemonGuest *g = all->pdata[i];

		g_assert_true(g_hash_table_lookup(m->guests, g->name) == g);
		if (i > 0)
			g_assert_cmpstr(((const VtierDaemonGuest *)all->pdata[i - 1])->name, <,
					g->name);
	}
}

static void test_guests_by_name(Fixture *f, gconstpointer data)
{
	static const gchar policy[] = "<policy xmlns='https://vtier.dev/xmlns/policy/1.0' "
				      "mode='allowance'><fast size='128M'/></policy>";
	static const guint order[] = { 3, 1, 4, 0, 2 };
	g_autoptr(GError) error = NULL;
	VtierDaemonGuest *w01, *w04;

	(void)data;
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		g_assert_true(attach(f->m, order[i], NULL, &error));
		assert_by_name(f->m);
	}
	settle(f->m);
	assert_by_name(f->m);
	w01 = g_hash_table_lookup(f->m->guests, "w01");
	g_assert_true(attach(f->m, 1, policy, &error)); /* w01 again: a new guest, the old freed */
	g_assert_no_error(error);
	g_assert_false(g_hash_table_lookup(f->m->guests, "w01") == w01);
	assert_by_name(f->m);
	settle(f->m);
	w04 = g_hash_table_lookup(f->m->guests, "w04");
	g_hash_table_steal(f->m->guests, "w04"); /* as handle_detach does while it saves */
	assert_by_name(f->m);
	g_assert_true(vtier_manager_state_save(f->m, &error));
	g_assert_no_error(error);
	/* the state saved while w04 is out of the table has no w04 */
	g_assert_null(strstr(f->m->state_mine, "\"name\" : \"w04\""));
	g_assert_nonnull(strstr(f->m->state_mine, "\"name\" : \"w03\""));
	g_hash_table_replace(f->m->guests, w04->name, w04);
	assert_by_name(f->m);
	{
		g_autoptr(VtierControlRequest) d = vtier_control_request_new(VTIER_CONTROL_CMD_DETACH);
		g_autoptr(JsonNode) r = NULL;

		d->name = g_strdup("w02");
		r = request(f->m, d, &error);
		g_assert_no_error(error);
		g_assert_nonnull(r);
	}
	assert_by_name(f->m);
	settle(f->m);
	assert_by_name(f->m);
	g_assert_cmpuint(vtier_daemon_guests_by_name(f->m)->len, ==, 4);
}

/* The copies kept for the overlay (m->overlaid) are only those the last model used: after the
 * closed-loop guests detach, none is left (they held the old plan's schemes for good before). */
static void test_overlaid_shrinks(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint kept = 0;

	(void)data;
	attach_planned(f->m, 4);
	run_interval(f->m); /* budgets for w00..w03 */
	vtier_manager_mark_dirty(f->m, "test");
	settle(f->m);
	g_assert_nonnull(f->m->overlaid);
	for (guint i = 0; i < f->m->overlaid->len; i++)
		kept += f->m->overlaid->pdata[i] != NULL;
	g_assert_cmpuint(kept, >=, 2 * 4); /* a PULL or a PUSH of each guest at least */
	for (guint j = 0; j < 4; j++) {
		g_autoptr(VtierControlRequest) d = vtier_control_request_new(VTIER_CONTROL_CMD_DETACH);
		g_autoptr(JsonNode) r = NULL;

		d->name = g_strdup_printf("w%02u", j);
		r = request(f->m, d, &error);
		g_assert_no_error(error);
		g_assert_nonnull(r);
	}
	settle(f->m);
	g_assert_cmpuint(f->m->overlaid->len, ==, 0);
}

/* The model handed to the worker shares the plan's schemes: each scheme is the plan's own (the
 * same pointer) unless the controller's budget or a closed loop's start parked it, then a copy
 * with that budget alone changed, the same copy again at the next reconcile with the same budget
 * (so the writer finds it unchanged by its pointer); the plan's schemes keep the plan's caps. */
static void test_budgets_shared(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func(
		(GDestroyNotify)vtier_damon_scheme_free);
	const VtierDamonContext *plan, *applied;
	guint overlaid = 0;

	(void)data;
	attach_planned(f->m, 3);
	run_interval(f->m); /* budgets for w00..w02 */
	g_assert_true(attach(f->m, 3, NULL, &error)); /* starts parked, then its first step */
	settle(f->m);
	/* a reconcile that carries every guest's budgets: the model it hands the worker */
	vtier_manager_mark_dirty(f->m, "test");
	settle(f->m);
	plan = ((const VtierDamonKdamond *)g_ptr_array_index(f->m->plan->model->kdamonds, 0))
		       ->context;
	applied = ((const VtierDamonKdamond *)g_ptr_array_index(f->m->applied->kdamonds, 0))
			  ->context;
	g_assert_cmpuint(plan->schemes->len, ==, applied->schemes->len);
	for (guint i = 0; i < plan->schemes->len; i++) {
		const VtierDamonScheme *p = plan->schemes->pdata[i];
		const VtierDamonScheme *a = applied->schemes->pdata[i];
		const VtierBudget *budget = g_hash_table_lookup(f->m->budgets, GUINT_TO_POINTER(i + 1));
		g_autoptr(VtierDamonScheme) expected = vtier_damon_scheme_copy(p);

		if (budget != NULL && budget->bytes > 0)
			vtier_budget_apply(budget, expected);
		else if (a->quotas.bytes == VTIER_CONTROLLER_PARKED_BYTES)
			expected->quotas.bytes = VTIER_CONTROLLER_PARKED_BYTES;
		g_assert_true(vtier_damon_scheme_equal(a, expected));
		if (p->quotas.bytes == expected->quotas.bytes)
			g_assert_true(a == p);
		else
			overlaid++;
		g_ptr_array_add(before, vtier_damon_scheme_ref((VtierDamonScheme *)a));
	}
	g_assert_cmpuint(overlaid, >=, 4); /* the four guests' budgets */
	assert_plan_as_fresh(f->m);	   /* the overlay changed none of the plan's schemes */
	vtier_manager_mark_dirty(f->m, "test");
	settle(f->m);
	applied = ((const VtierDamonKdamond *)g_ptr_array_index(f->m->applied->kdamonds, 0))
			  ->context;
	for (guint i = 0; i < applied->schemes->len; i++)
		g_assert_true(applied->schemes->pdata[i] == before->pdata[i]);
}

static void test_metrics_rendered_at_publish(Fixture *f, gconstpointer data)
{
	g_autofree gchar *first = NULL, *second = NULL, *third = NULL;
	guint64 renders, sequence;

	(void)data;
	vtier_manager_free(f->m);
	f->m = new_manager_conf("none", "[metrics]\nlisten=127.0.0.1:0\n");
	g_assert_true(attach(f->m, 0, NULL, NULL));
	settle(f->m);
	/* nobody has scraped: publishing renders nothing, the first scrape renders */
	g_assert_cmpuint(vtier_manager_metrics_renders(f->m), ==, 0);
	vtier_manager_snapshot_update(f->m);
	g_assert_cmpuint(vtier_manager_metrics_renders(f->m), ==, 0);
	first = scrape(f->m);
	g_assert_cmpuint(vtier_manager_metrics_renders(f->m), ==, 1);
	g_clear_pointer(&first, g_free);
	renders = vtier_manager_metrics_renders(f->m);
	sequence = f->m->snapshot->sequence;
	first = scrape(f->m);
	second = scrape(f->m);
	g_assert_nonnull(strstr(first, "vtier_guest_info{domain=\"w00\""));
	/* the interval may publish a snapshot meanwhile: one rendering each, none per scrape */
	g_assert_cmpuint(vtier_manager_metrics_renders(f->m) - renders, <=,
			 f->m->snapshot->sequence - sequence);
	if (f->m->snapshot->sequence == sequence)
		g_assert_cmpstr(first, ==, second);
	/* while scraped, a snapshot published is rendered (in the /metrics thread, soon) before
	 * any scrape asks for it, and only once */
	renders = vtier_manager_metrics_renders(f->m);
	vtier_manager_snapshot_update(f->m);
	sequence = f->m->snapshot->sequence;
	for (guint i = 0; i < 5000 && vtier_manager_metrics_renders(f->m) == renders; i++)
		g_usleep(1000);
	g_assert_cmpuint(vtier_manager_metrics_renders(f->m), >, renders);
	renders = vtier_manager_metrics_renders(f->m);
	third = scrape(f->m);
	if (f->m->snapshot->sequence == sequence)
		g_assert_cmpuint(vtier_manager_metrics_renders(f->m), ==, renders);
	g_assert_nonnull(strstr(third, "vtier_guest_info{domain=\"w00\""));
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	/* vtierd logs warnings about faults the tests cause on purpose */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
	g_test_add("/daemon/burst", Fixture, NULL, fixture_setup, test_burst, fixture_teardown);
	g_test_add("/daemon/status", Fixture, NULL, fixture_setup, test_status, fixture_teardown);
	g_test_add("/daemon/qemu-bind-unmovable", Fixture, NULL, fixture_setup,
		   test_qemu_bind_unmovable, fixture_teardown);
	g_test_add("/daemon/status/text", Fixture, NULL, fixture_setup, test_status_text,
		   fixture_teardown);
	g_test_add("/daemon/closed-loop-starts-parked", Fixture, NULL, fixture_setup,
		   test_closed_loop_starts_parked, fixture_teardown);
	g_test_add("/daemon/user-input-fed", Fixture, NULL, fixture_setup, test_user_input_fed,
		   fixture_teardown);
	g_test_add("/daemon/one-aim-read-a-step", Fixture, NULL, fixture_setup,
		   test_one_aim_read_a_step, fixture_teardown);
	g_test_add("/daemon/push-parked-keeps-walk", Fixture, NULL, fixture_setup,
		   test_push_parked_keeps_walk, fixture_teardown);
	g_test_add("/daemon/push-primed", Fixture, NULL, fixture_setup, test_push_primed,
		   fixture_teardown);
	g_test_add("/daemon/pull-aimed-at-own-pages", Fixture, NULL, fixture_setup,
		   test_pull_aimed_at_own_pages, fixture_teardown);
	g_test_add("/daemon/push-aimed-at-own-pages", Fixture, NULL, fixture_setup,
		   test_push_aimed_at_own_pages, fixture_teardown);
	g_test_add_func("/daemon/hole-aims", test_hole_aims);
	g_test_add("/daemon/hot-unread-with-refresh", Fixture, NULL, fixture_setup,
		   test_hot_unread_with_refresh, fixture_teardown);
	g_test_add("/daemon/probe-exchange", Fixture, NULL, fixture_setup, test_probe_exchange,
		   fixture_teardown);
	g_test_add("/daemon/push-ramp-after-probe", Fixture, NULL, fixture_setup,
		   test_push_ramp_after_probe, fixture_teardown);
	g_test_add("/daemon/pull-walks-hot-first", Fixture, NULL, fixture_setup,
		   test_pull_walks_hot_first, fixture_teardown);
	g_test_add("/daemon/reused-group-starts-parked", Fixture, NULL, fixture_setup,
		   test_reused_group_starts_parked, fixture_teardown);
	g_test_add("/daemon/slow-commit", Fixture, NULL, fixture_setup, test_slow_commit,
		   fixture_teardown);
	g_test_add("/daemon/budgets-ride-reconcile", Fixture, NULL, fixture_setup,
		   test_budgets_ride_reconcile, fixture_teardown);
	g_test_add("/daemon/reconcile-retried", Fixture, NULL, fixture_setup,
		   test_reconcile_retried, fixture_teardown);
	g_test_add("/daemon/memcg-fault", Fixture, NULL, fixture_setup, test_memcg_fault,
		   fixture_teardown);
	g_test_add("/daemon/libvirt-guest-stopping", Fixture, NULL, fixture_setup,
		   test_libvirt_guest_stopping, fixture_teardown);
	g_test_add("/daemon/memcg-gone-at-commit", Fixture, NULL, fixture_setup, test_memcg_gone_at_commit,
		   fixture_teardown);
	g_test_add("/daemon/restart", Fixture, NULL, fixture_setup, test_restart, fixture_teardown);
	g_test_add("/daemon/settled-interval", Fixture, NULL, fixture_setup, test_settled_interval,
		   fixture_teardown);
	g_test_add("/daemon/attach-saved", Fixture, NULL, fixture_setup, test_attach_saved,
		   fixture_teardown);
	g_test_add("/daemon/state-unchanged", Fixture, NULL, fixture_setup, test_state_unchanged,
		   fixture_teardown);
	g_test_add("/daemon/state-text", Fixture, NULL, fixture_setup, test_state_text,
		   fixture_teardown);
	g_test_add("/daemon/state-unwritable", Fixture, NULL, fixture_setup, test_state_unwritable,
		   fixture_teardown);
	g_test_add("/daemon/attach-errors", Fixture, NULL, fixture_setup, test_attach_errors,
		   fixture_teardown);
	g_test_add("/daemon/explain-unknown", Fixture, NULL, fixture_setup, test_explain_unknown,
		   fixture_teardown);
	g_test_add("/daemon/hook-prepare", Fixture, NULL, fixture_setup, test_hook_prepare,
		   fixture_teardown);
	g_test_add("/daemon/libvirt/numatune", Fixture, NULL, libvirt_setup, test_libvirt_numatune,
		   libvirt_teardown);
	g_test_add("/daemon/libvirt/metadata", Fixture, NULL, libvirt_setup, test_libvirt_metadata,
		   libvirt_teardown);
	g_test_add("/daemon/plan-inputs-kept", Fixture, NULL, fixture_setup, test_plan_inputs_kept,
		   fixture_teardown);
	g_test_add("/daemon/guests-by-name", Fixture, NULL, fixture_setup, test_guests_by_name,
		   fixture_teardown);
	g_test_add("/daemon/budgets-shared", Fixture, NULL, fixture_setup, test_budgets_shared,
		   fixture_teardown);
	g_test_add("/daemon/overlaid-shrinks", Fixture, NULL, fixture_setup, test_overlaid_shrinks,
		   fixture_teardown);
	g_test_add("/daemon/hot-split-pair", Fixture, NULL, fixture_setup, test_hot_split_pair,
		   fixture_teardown);
	g_test_add("/daemon/survey-after-ramp", Fixture, NULL, fixture_setup,
		   test_survey_after_ramp, fixture_teardown);
	g_test_add("/daemon/hot-measure", Fixture, NULL, fixture_setup, test_hot_measure,
		   fixture_teardown);
	g_test_add("/daemon/metrics-rendered-at-publish", Fixture, NULL, fixture_setup,
		   test_metrics_rendered_at_publish, fixture_teardown);
	return g_test_run();
}
