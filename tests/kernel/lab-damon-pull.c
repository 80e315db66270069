/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lab-damon-pull — the DAMON driver moves a cgroup's hot set to fast memory (lab guest only).
 *
 *   lab-damon-pull --memcg PATH [--bytes-mib N] [--reset-ms N] [--seconds S] [--ready FILE]
 *                  [--script FILE] [--no-staged]
 *
 * What vtierd's planner will do, in small: reads the topology (src/tiering/topology.h: the fast
 * and the slow node, their physical ranges), starts the DAMON driver with disable_damon_stat=TRUE
 * (claim, probe), and builds a VtierDamonModel with one kdamond, one paddr context whose regions are
 * the nodes' ranges, and one PULL scheme: migrate_hot -> the fast node, a memcg filter for PATH and
 * an addr filter keeping only the slow node's range, in the 6.14+ form on every kernel (core addr
 * filter matching=N allow=N, ops memcg filter matching=Y allow=Y; the driver's writer translates
 * them for 6.12's filters/: addr matching=Y over the rest of the monitored span, memcg
 * matching=N), and a
 * quotas/bytes cap per reset interval (never 0). Schemes 1 and 2 are `stat` schemes (nr_accesses >= 1)
 * over the fast and over the slow node's range: their tried bytes (read_status) are the hot memory
 * DAMON sees on each node, the proof that it still sees the hot set (pti=on; without it DAMON goes
 * blind under TCG). vtier_damon_driver_apply() starts it all.
 *
 * Staged start: 6.12's first quota window is unlimited; the driver's writer starts the kdamond
 * with the PULL's access pattern matching nothing (sz.min above the monitored span), waits one
 * quota window and commits the real pattern, all inside the one vtier_damon_driver_apply()
 * (--no-staged turns that off, an experiment). Then it prints one status line per second from
 * vtier_damon_driver_read_status() until SIGTERM/SIGINT or --seconds, and stops DAMON with
 * vtier_damon_driver_stop(). Output lines (stdout):
 *
 *   start EPOCH.USEC
 *   topology basis=memory-tiers fast=0 slow=1 node0=[0x1000-0x9fc00) ... node1=[0x40000000-0x7ffe0000)
 *   claim damon_stat_disabled=1 adopted=0 filters=core+ops|filters fail_charge=0|1 (at T s)
 *   apply pull: on (N writes, N EBUSY retries, staged 1, waited 1200 ms, at T s)
 *   verify pull: the tree equals the model
 *   (--ready FILE then gets "committed EPOCH.USEC": when the PULL apply returned)
 *   status T running=1 pid=P nr_tried=.. sz_tried=.. nr_applied=.. sz_applied=.. \
 *          sz_ops_filter_passed=.. qt_exceeds=.. effective_bytes=.. hot_fast_mib=.. hot_slow_mib=..
 *   final nr_tried=N nr_tried_last3=+D sz_applied=B hot_fast_mib_last3=M hot_slow_mib_last3=M
 *   stopped
 *
 * Exit 0 when every step worked, 1 when the driver failed, 2 on usage errors or outside the lab.
 */
#define G_LOG_DOMAIN "lab-damon-pull"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "tiering/damon/damon-driver.h"
#include "tiering/topology.h"

typedef struct {
	gchar *memcg;
	gint64 bytes_mib;
	gint64 reset_ms;
	gdouble seconds;
	gchar *ready;
	gchar *script;
	gboolean no_staged;
} Options;

typedef struct {
	guint fast;
	guint slow;
	VtierPhysRange fast_span; /* each node's ranges as one span (the addr filters) */
	VtierPhysRange slow_span;
	GArray *regions;	  /* VtierPhysRange: every memory node's ranges, ascending */
} Plan;

static volatile sig_atomic_t stop_requested;
static gint64 main_start; /* monotonic µs at start: the steps print their time */

static gdouble since_start(void)
{
	return (gdouble)(g_get_monotonic_time() - main_start) / G_USEC_PER_SEC;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void plan_clear(Plan *p)
{
	g_clear_pointer(&p->regions, g_array_unref);
}

static guint first_with_role(const VtierTopology *topo, VtierNodeRole role, GError **error)
{
	g_autoptr(GArray) ids = vtier_topology_nodes_with_role(topo, role);

	if (ids->len == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s node in the topology",
			    vtier_node_role_to_string(role));
		return G_MAXUINT;
	}
	return g_array_index(ids, guint, 0);
}

static VtierPhysRange node_span(const VtierNode *n)
{
	VtierPhysRange r = { g_array_index(n->ranges, VtierPhysRange, 0).start,
			     g_array_index(n->ranges, VtierPhysRange, n->ranges->len - 1).end };

	return r;
}

/* The fast and slow node and the regions to monitor, from the topology module. */
static gboolean plan_from_topology(Plan *p, GError **error)
{
	g_autoptr(VtierTopology) topo = vtier_topology_load(NULL, error);
	const VtierNode *slow;
	const VtierNode *fast;

	if (topo == NULL)
		return FALSE;
	p->fast = first_with_role(topo, VTIER_NODE_ROLE_FAST, error);
	if (p->fast == G_MAXUINT)
		return FALSE;
	p->slow = first_with_role(topo, VTIER_NODE_ROLE_SLOW, error);
	if (p->slow == G_MAXUINT)
		return FALSE;
	slow = vtier_topology_get_node(topo, p->slow);
	if (slow->ranges->len == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "node %u has no ranges", p->slow);
		return FALSE;
	}
	fast = vtier_topology_get_node(topo, p->fast);
	if (fast->ranges->len == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "node %u has no ranges", p->fast);
		return FALSE;
	}
	p->slow_span = node_span(slow);
	p->fast_span = node_span(fast);
	p->regions = g_array_new(FALSE, FALSE, sizeof(VtierPhysRange));
	printf("topology basis=%s fast=%u slow=%u", vtier_topology_basis_to_string(topo->basis),
	       p->fast, p->slow);
	for (guint i = 0; i < topo->nodes->len; i++) {
		const VtierNode *n = topo->nodes->pdata[i];

		for (guint r = 0; r < n->ranges->len; r++) {
			VtierPhysRange pr = g_array_index(n->ranges, VtierPhysRange, r);

			printf(" node%u=[0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x)", n->id,
			       pr.start, pr.end);
			g_array_append_val(p->regions, pr);
		}
	}
	printf("\n");
	return TRUE;
}

static VtierDamonFilter *add_addr(VtierDamonScheme *s, guint64 start, guint64 end, gboolean matching)
{
	VtierDamonFilter *f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_ADDR);

	f->addr_start = start;
	f->addr_end = end;
	f->matching = matching;
	f->allow = FALSE;
	return f;
}

static void add_memcg(VtierDamonScheme *s, const gchar *path, gboolean matching, gboolean allow)
{
	VtierDamonFilter *f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_MEMCG);

	g_free(f->memcg_path);
	f->memcg_path = g_strdup(path);
	f->matching = matching;
	f->allow = allow;
}

/* Keeps only @keep of the monitored span: one core addr filter, matching=N allow=N (reject what
 * is outside), on every kernel. On 6.12 (filters/ only) the driver's writer writes it as
 * matching=Y addr filters over the rest of the monitored span (damon-render.h). */
static void add_keep_range(VtierDamonScheme *s, VtierPhysRange keep)
{
	add_addr(s, keep.start, keep.end, FALSE);
}

/* The PULL scheme's filters: the slow node's range, and the cgroup (ops memcg filter matching=Y
 * allow=Y: memory no filter matches gets the opposite of the last one, rejected; the writer
 * folds it into 6.12's memcg matching=N, excluding what is not in the cgroup). */
static void add_pull_filters(VtierDamonScheme *s, const Plan *p, const Options *o)
{
	add_keep_range(s, p->slow_span);
	add_memcg(s, o->memcg, TRUE, TRUE);
}

/* A `stat` scheme over one node's range: its tried bytes are what DAMON sees hot there. */
static void add_stat_scheme(VtierDamonContext *c, VtierPhysRange keep)
{
	VtierDamonScheme *s = vtier_damon_context_add_scheme(c);

	s->action = VTIER_DAMON_ACTION_STAT;
	s->sz = (VtierDamonRange){ 4096, G_MAXUINT64 };
	s->nr_accesses = (VtierDamonRange){ 1, G_MAXUINT64 };
	s->age = (VtierDamonRange){ 0, G_MAXUINT64 };
	add_keep_range(s, keep);
}

static VtierDamonModel *build_model(const Plan *p, const Options *o, const VtierDamonFeatures *f)
{
	g_autoptr(VtierDamonModel) model = vtier_damon_model_new();
	VtierDamonContext *c = vtier_damon_model_add_kdamond(model)->context;
	VtierDamonTarget *t;
	VtierDamonScheme *s;

	c->operations = VTIER_DAMON_OPS_PADDR;
	c->sample_us = 5000;
	c->aggr_us = 100000;
	c->update_us = 1000000;
	t = vtier_damon_context_add_target(c);
	for (guint i = 0; i < p->regions->len; i++) {
		VtierPhysRange r = g_array_index(p->regions, VtierPhysRange, i);

		vtier_damon_target_add_region(t, r.start, r.end);
	}
	s = vtier_damon_context_add_scheme(c);
	s->action = VTIER_DAMON_ACTION_MIGRATE_HOT;
	s->target_nid = (gint)p->fast;
	s->sz = (VtierDamonRange){ 4096, G_MAXUINT64 };
	s->nr_accesses = (VtierDamonRange){ 1, G_MAXUINT64 };
	s->age = (VtierDamonRange){ 0, G_MAXUINT64 };
	s->quotas.bytes = (guint64)o->bytes_mib << 20;
	s->quotas.reset_interval_ms = (guint64)o->reset_ms;
	if (f->fail_charge) {
		/* 7.2+: pages the memcg filter rejects cost 1/1024 of their size (exact budget) */
		s->quotas.fail_charge_num = 1;
		s->quotas.fail_charge_denom = 1024;
	}
	add_pull_filters(s, p, o);
	/* schemes 1 and 2: what DAMON sees hot on the fast and on the slow node */
	add_stat_scheme(c, p->fast_span);
	add_stat_scheme(c, p->slow_span);
	return g_steal_pointer(&model);
}

/* @ret_time: when the kernel took the model (wall clock, µs), before the read-back */
static gboolean apply(VtierDamonDriver *d, const VtierDamonModel *model, const gchar *what,
		      gint64 *ret_time, GError **error)
{
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autofree gchar *mismatches = NULL;
	VtierDamonStateAction action;

	if (!vtier_damon_driver_apply(d, model, &result, error))
		return FALSE;
	*ret_time = g_get_real_time();
	action = g_array_index(result.actions, VtierDamonStateAction, 0);
	printf("apply %s: %s (%u writes, %u EBUSY retries, staged %u, waited %u ms, at %.1f s)\n",
	       what, vtier_damon_state_action_to_string(action), result.writes, result.busy_retries,
	       result.staged, result.staged_wait_ms, since_start());
	if (!vtier_damon_writer_verify(vtier_damon_driver_get_writer(d), model, &mismatches, error))
		return FALSE;
	if (mismatches != NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "tree differs from the model: %s",
			    mismatches);
		return FALSE;
	}
	printf("verify %s: the tree equals the model\n", what);
	return TRUE;
}

/* "committed EPOCH-SECONDS": the guest script aligns the placement curve with it */
static gboolean write_ready(const gchar *path, gint64 committed, GError **error)
{
	g_autofree gchar *text = g_strdup_printf("committed %" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT
						 "\n", committed / G_USEC_PER_SEC,
						 committed % G_USEC_PER_SEC);

	return g_file_set_contents(path, text, -1, error);
}

static gboolean write_script(const VtierDamonModel *model, const VtierDamonFeatures *f,
			     const gchar *path, GError **error)
{
	g_autofree gchar *script = vtier_damon_writer_render_script(model, f, error);

	return script != NULL && g_file_set_contents(path, script, -1, error);
}

typedef struct {
	guint64 nr_tried; /* the PULL scheme's */
	guint64 sz_applied;
	guint64 hot_fast; /* tried bytes of the stat schemes */
	guint64 hot_slow;
} Sample;

static gboolean print_status(VtierDamonDriver *d, gdouble t, Sample *ret, GError **error)
{
	g_auto(VtierDamonKdamondStatus) st = { 0 };
	const VtierDamonSchemeStats *s;

	if (!vtier_damon_driver_read_status(d, 0, &st, error))
		return FALSE;
	if (!st.running || st.schemes->len != 3) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "kdamond 0 is %s with %u schemes",
			    st.running ? "running" : "not running", st.schemes->len);
		return FALSE;
	}
	s = &g_array_index(st.schemes, VtierDamonSchemeStats, 0);
	ret->nr_tried = s->nr_tried;
	ret->sz_applied = s->sz_applied;
	ret->hot_fast = g_array_index(st.schemes, VtierDamonSchemeStats, 1).tried_bytes;
	ret->hot_slow = g_array_index(st.schemes, VtierDamonSchemeStats, 2).tried_bytes;
	printf("status %.1f running=%d pid=%d nr_tried=%" G_GUINT64_FORMAT
	       " sz_tried=%" G_GUINT64_FORMAT " nr_applied=%" G_GUINT64_FORMAT
	       " sz_applied=%" G_GUINT64_FORMAT " sz_ops_filter_passed=%" G_GUINT64_FORMAT
	       " qt_exceeds=%" G_GUINT64_FORMAT " effective_bytes=%" G_GUINT64_FORMAT
	       " hot_fast_mib=%.1f hot_slow_mib=%.1f\n",
	       t, st.running, st.pid, s->nr_tried, s->sz_tried, s->nr_applied, s->sz_applied,
	       s->sz_ops_filter_passed, s->qt_exceeds, s->effective_bytes,
	       (gdouble)ret->hot_fast / (1 << 20), (gdouble)ret->hot_slow / (1 << 20));
	return TRUE;
}

/* "final": the PULL scheme's totals, its nr_tried growth over the last three intervals, and the
 * mean hot MiB DAMON saw per node over the last three samples. */
static void print_final(const Sample *ring, guint n)
{
	const Sample *last = &ring[(n - 1) % 4];
	guint k = MIN(n, 3);
	gdouble fast = 0, slow = 0;

	for (guint i = 0; i < k; i++) {
		fast += (gdouble)ring[(n - 1 - i) % 4].hot_fast / (1 << 20) / k;
		slow += (gdouble)ring[(n - 1 - i) % 4].hot_slow / (1 << 20) / k;
	}
	printf("final nr_tried=%" G_GUINT64_FORMAT " nr_tried_last3=+%" G_GUINT64_FORMAT
	       " sz_applied=%" G_GUINT64_FORMAT " hot_fast_mib_last3=%.1f hot_slow_mib_last3=%.1f\n",
	       last->nr_tried, n >= 4 ? last->nr_tried - ring[n % 4].nr_tried : 0, last->sz_applied,
	       fast, slow);
}

/* One status line per second until a signal or @seconds (0: no limit). */
static gboolean watch(VtierDamonDriver *d, const Options *o, GError **error)
{
	gint64 start = g_get_monotonic_time();
	Sample ring[4] = { { 0 } };
	guint n = 0;

	while (!stop_requested) {
		gdouble t = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;

		if (!print_status(d, t, &ring[n % 4], error))
			return FALSE;
		n++;
		if (o->seconds > 0 && t >= o->seconds)
			break;
		for (guint i = 0; i < 10 && !stop_requested; i++)
			g_usleep(G_USEC_PER_SEC / 10);
	}
	if (n > 0)
		print_final(ring, n);
	return TRUE;
}

static gboolean run(VtierDamonDriver *d, const Plan *p, const Options *o, GError **error)
{
	const VtierDamonClaim *claim;
	const VtierDamonFeatures *f;
	g_autoptr(VtierDamonModel) pull = NULL;
	gint64 committed = 0;

	if (!vtier_damon_driver_start(d, TRUE, error))
		return FALSE;
	claim = vtier_damon_driver_get_claim(d);
	f = vtier_damon_driver_get_features(d);
	printf("claim damon_stat_disabled=%d adopted=%u filters=%s fail_charge=%d (at %.1f s)\n",
	       claim->damon_stat_disabled, claim->adopted->len,
	       f->core_filters && f->ops_filters ? "core+ops" : "filters",
	       f->fail_charge, since_start());
	pull = build_model(p, o, f);
	if (o->script != NULL && !write_script(pull, f, o->script, error))
		return FALSE;
	/* the driver starts migrate_hot staged itself (damon-writer.h); --no-staged turns it off */
	if (o->no_staged)
		vtier_damon_writer_set_staged_start(vtier_damon_driver_get_writer(d), FALSE, 0);
	if (!apply(d, pull, "pull", &committed, error))
		return FALSE;
	if (o->ready != NULL && !write_ready(o->ready, committed, error))
		return FALSE;
	fflush(stdout);
	return watch(d, o, error);
}

static gboolean parse_options(int argc, char **argv, Options *o)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("- DAMON driver PULL proof (lab)");
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{ "memcg", 0, 0, G_OPTION_ARG_STRING, &o->memcg, "cgroup path (from the root)", "PATH" },
		{ "bytes-mib", 0, 0, G_OPTION_ARG_INT64, &o->bytes_mib, "quota per window (32)", "N" },
		{ "reset-ms", 0, 0, G_OPTION_ARG_INT64, &o->reset_ms, "quota window (1000)", "MS" },
		{ "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &o->seconds, "stop after S (0: signal)", "S" },
		{ "ready", 0, 0, G_OPTION_ARG_FILENAME, &o->ready, "written after the PULL", "FILE" },
		{ "script", 0, 0, G_OPTION_ARG_FILENAME, &o->script, "the writes as sh", "FILE" },
		{ "no-staged", 0, 0, G_OPTION_ARG_NONE, &o->no_staged, "start the PULL at once", NULL },
		G_OPTION_ENTRY_NULL,
	};

	o->bytes_mib = 32;
	o->reset_ms = 1000;
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || o->memcg == NULL ||
	    o->bytes_mib <= 0 || o->reset_ms <= 0 || argc != 1) {
		g_printerr("usage: lab-damon-pull --memcg PATH [--bytes-mib N] [--reset-ms MS] "
			   "[--seconds S] [--ready FILE] [--script FILE] [--no-staged]%s%s\n",
			   error != NULL ? ": " : "", error != NULL ? error->message : "");
		return FALSE;
	}
	return TRUE;
}

int main(int argc, char **argv)
{
	Options o = { 0 };
	Plan p = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonDriver) d = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	gboolean ok;

	main_start = g_get_monotonic_time();
	if (!parse_options(argc, argv, &o))
		return 2;
	/* never the DAMON of a real machine: only a lab guest has /run/lab/cmd and LAB_KERNEL */
	if (g_getenv("LAB_KERNEL") == NULL || access("/run/lab/cmd", F_OK) != 0 ||
	    g_strcmp0(g_getenv("VTIER_FORBID_REAL_DAMON"), "1") == 0) {
		g_printerr("lab-damon-pull writes DAMON sysfs: run it inside tests/kernel/lab\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("start %.6f\n", (gdouble)g_get_real_time() / G_USEC_PER_SEC);
	d = vtier_damon_driver_new(NULL);
	ok = plan_from_topology(&p, &error) && run(d, &p, &o, &error);
	if (!ok)
		g_printerr("lab-damon-pull: %s\n", error->message);
	g_clear_error(&error);
	/* stop whatever the driver started, also after a failure */
	if (vtier_damon_driver_get_writer(d) != NULL) {
		if (vtier_damon_driver_stop(d, &error))
			printf("stopped\n");
		else {
			g_printerr("lab-damon-pull: stop: %s\n", error->message);
			ok = FALSE;
		}
	}
	plan_clear(&p);
	g_free(o.memcg);
	g_free(o.ready);
	g_free(o.script);
	return ok ? 0 : 1;
}
