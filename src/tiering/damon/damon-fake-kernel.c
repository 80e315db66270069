/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/paths.h"
#include "tiering/damon/damon-fake-private.h"

/* The kernel side of the fake: the tree shape of a kernel with the given features (with the
 * defaults of mm/damon/sysfs*.c) and what `state` commands do. */

#define F(fake) ((fake)->features)
#define DIR(parent, name) vtier_damon_fake_node_dir((parent), (name))
#define ADD_FILE(dir, name, type, value) vtier_damon_fake_node_file((dir), (name), (type), (value))

static const gchar *const wmark_metrics[] = { "none", "free_mem_rate", NULL };

/* ---- shape ---- */

static void build_region(VtierDamonFake *fake, FakeNode *dir)
{
	ADD_FILE(dir, "start", FAKE_ULONG, "0");
	ADD_FILE(dir, "end", FAKE_ULONG, "0");
}

static void build_target(VtierDamonFake *fake, FakeNode *dir)
{
	dir->keep_dump = TRUE;
	ADD_FILE(dir, "pid_target", FAKE_INT, "0");
	if (F(fake)->obsolete_target)
		ADD_FILE(dir, "obsolete_target", FAKE_BOOL, "N");
	vtier_damon_fake_node_nr(DIR(dir, "regions"), "nr_regions", G_MAXINT, build_region);
}

static void build_goal(VtierDamonFake *fake, FakeNode *dir)
{
	vtier_damon_fake_node_choice(dir, "target_metric", "user_input",
				     (const gchar *const *)F(fake)->goal_metrics);
	ADD_FILE(dir, "target_value", FAKE_ULONG, "0");
	ADD_FILE(dir, "current_value", FAKE_ULONG, "0");
	if (F(fake)->goal_nid)
		ADD_FILE(dir, "nid", FAKE_INT, "0");
	if (F(fake)->goal_path)
		ADD_FILE(dir, "path", FAKE_STRING, "");
}

static void build_filter(VtierDamonFake *fake, FakeNode *dir, GStrv types)
{
	vtier_damon_fake_node_choice(dir, "type", "anon", (const gchar *const *)types);
	ADD_FILE(dir, "matching", FAKE_BOOL, "N");
	if (F(fake)->filter_allow)
		ADD_FILE(dir, "allow", FAKE_BOOL, "N");
	ADD_FILE(dir, "memcg_path", FAKE_STRING, "");
	ADD_FILE(dir, "addr_start", FAKE_ULONG, "0");
	ADD_FILE(dir, "addr_end", FAKE_ULONG, "0");
	/* min/max came with the hugepage_size filter */
	if (g_strv_contains((const gchar *const *)F(fake)->legacy_filter_types, "hugepage_size")) {
		ADD_FILE(dir, "min", FAKE_ULONG, "0");
		ADD_FILE(dir, "max", FAKE_ULONG, "0");
	}
	ADD_FILE(dir, "damon_target_idx", FAKE_INT, "0");
}

static void build_core_filter(VtierDamonFake *fake, FakeNode *dir)
{
	build_filter(fake, dir, F(fake)->core_filter_types);
}

static void build_ops_filter(VtierDamonFake *fake, FakeNode *dir)
{
	build_filter(fake, dir, F(fake)->ops_filter_types);
}

static void build_legacy_filter(VtierDamonFake *fake, FakeNode *dir)
{
	build_filter(fake, dir, F(fake)->legacy_filter_types);
}

static void build_dest(VtierDamonFake *fake, FakeNode *dir)
{
	ADD_FILE(dir, "id", FAKE_UINT, "0");
	ADD_FILE(dir, "weight", FAKE_UINT, "0");
}

static void build_quotas(VtierDamonFake *fake, FakeNode *q)
{
	FakeNode *w;

	ADD_FILE(q, "ms", FAKE_ULONG, "0");
	ADD_FILE(q, "bytes", FAKE_ULONG, "0");
	ADD_FILE(q, "reset_interval_ms", FAKE_ULONG, "0");
	ADD_FILE(q, "effective_bytes", FAKE_RO, "0");
	if (F(fake)->goal_tuners[0] != NULL)
		vtier_damon_fake_node_choice(q, "goal_tuner", "consist",
					     (const gchar *const *)F(fake)->goal_tuners);
	if (F(fake)->fail_charge) {
		ADD_FILE(q, "fail_charge_num", FAKE_ULONG, "0");
		ADD_FILE(q, "fail_charge_denom", FAKE_ULONG, "0");
	}
	w = DIR(q, "weights");
	ADD_FILE(w, "sz_permil", FAKE_UINT, "0");
	ADD_FILE(w, "nr_accesses_permil", FAKE_UINT, "0");
	ADD_FILE(w, "age_permil", FAKE_UINT, "0");
	vtier_damon_fake_node_nr(DIR(q, "goals"), "nr_goals", G_MAXINT, build_goal);
}

static void build_scheme_filters(VtierDamonFake *fake, FakeNode *dir)
{
	if (F(fake)->core_filters)
		vtier_damon_fake_node_nr(DIR(dir, "core_filters"), "nr_filters", G_MAXINT,
					 build_core_filter);
	if (F(fake)->ops_filters)
		vtier_damon_fake_node_nr(DIR(dir, "ops_filters"), "nr_filters", G_MAXINT,
					 build_ops_filter);
	if (F(fake)->legacy_filters)
		vtier_damon_fake_node_nr(DIR(dir, "filters"), "nr_filters", G_MAXINT,
					 build_legacy_filter);
}

static void build_scheme(VtierDamonFake *fake, FakeNode *dir)
{
	static const gchar *const ranges[] = { "sz", "nr_accesses", "age" };
	FakeNode *pattern, *wm, *stats;

	dir->keep_dump = TRUE;
	vtier_damon_fake_node_choice(dir, "action", "stat", (const gchar *const *)F(fake)->actions);
	ADD_FILE(dir, "target_nid", FAKE_INT, "-1");
	ADD_FILE(dir, "apply_interval_us", FAKE_ULONG, "0");
	pattern = DIR(dir, "access_pattern");
	for (gsize i = 0; i < G_N_ELEMENTS(ranges); i++) {
		FakeNode *r = DIR(pattern, ranges[i]);

		ADD_FILE(r, "min", FAKE_ULONG, "0");
		ADD_FILE(r, "max", FAKE_ULONG, "0");
	}
	build_quotas(fake, DIR(dir, "quotas"));
	wm = DIR(dir, "watermarks");
	vtier_damon_fake_node_choice(wm, "metric", "none", wmark_metrics);
	ADD_FILE(wm, "interval_us", FAKE_ULONG, "0");
	ADD_FILE(wm, "high", FAKE_ULONG, "0");
	ADD_FILE(wm, "mid", FAKE_ULONG, "0");
	ADD_FILE(wm, "low", FAKE_ULONG, "0");
	build_scheme_filters(fake, dir);
	if (F(fake)->dests)
		vtier_damon_fake_node_nr(DIR(dir, "dests"), "nr_dests", G_MAXINT, build_dest);
	stats = DIR(dir, "stats");
	for (gsize i = 0; F(fake)->scheme_stats[i] != NULL; i++) {
		const gchar *name = F(fake)->scheme_stats[i];

		ADD_FILE(stats, name, g_str_equal(name, "max_nr_snapshots") ? FAKE_ULONG : FAKE_RO, "0");
	}
	ADD_FILE(DIR(dir, "tried_regions"), "total_bytes", FAKE_RO, "0");
}

static void build_perf_event(VtierDamonFake *fake, FakeNode *dir)
{
	ADD_FILE(dir, "type", FAKE_HEX, "0x0");
	ADD_FILE(dir, "config", FAKE_HEX, "0x0");
	ADD_FILE(dir, "config1", FAKE_ULONG, "0");
	ADD_FILE(dir, "config2", FAKE_ULONG, "0");
	ADD_FILE(dir, "sample_phys_addr", FAKE_BIT, "0");
	ADD_FILE(dir, "sample_weight_struct", FAKE_BIT, "0");
	ADD_FILE(dir, "freq", FAKE_BIT, "1");
	ADD_FILE(dir, "sample_freq", FAKE_ULONG, "0");
	ADD_FILE(dir, "sample_period", FAKE_ULONG, "0");
	ADD_FILE(dir, "wakeup_events", FAKE_ULONG, "1");
	ADD_FILE(dir, "precise_ip", FAKE_ULONG, "2");
	ADD_FILE(dir, "exclude_kernel", FAKE_BIT, "1");
	ADD_FILE(dir, "exclude_hv", FAKE_BIT, "1");
}

/* Probe filters (7.3) default to anon like scheme filters; which types they take beyond
 * perf_event is not probed: the fake takes the scheme filter types. */
static void build_probe_filter(VtierDamonFake *fake, FakeNode *dir)
{
	g_autoptr(GStrvBuilder) types = g_strv_builder_new();
	g_auto(GStrv) choices = NULL;

	g_strv_builder_addv(types, (const gchar **)F(fake)->legacy_filter_types);
	if (F(fake)->probe_filter_perf_event)
		g_strv_builder_add(types, "perf_event");
	choices = g_strv_builder_end(types);
	vtier_damon_fake_node_choice(dir, "type", "anon", (const gchar *const *)choices);
	ADD_FILE(dir, "matching", FAKE_BOOL, "N");
	ADD_FILE(dir, "allow", FAKE_BOOL, "N");
	ADD_FILE(dir, "path", FAKE_STRING, "");
}

static void build_probe(VtierDamonFake *fake, FakeNode *dir)
{
	ADD_FILE(dir, "weight", FAKE_UINT, "0");
	vtier_damon_fake_node_nr(DIR(dir, "filters"), "nr_filters", G_MAXINT, build_probe_filter);
}

static void build_attrs(VtierDamonFake *fake, FakeNode *attrs)
{
	FakeNode *iv = DIR(attrs, "intervals");
	FakeNode *nr = DIR(attrs, "nr_regions");

	ADD_FILE(iv, "sample_us", FAKE_ULONG, "5000");
	ADD_FILE(iv, "aggr_us", FAKE_ULONG, "100000");
	ADD_FILE(iv, "update_us", FAKE_ULONG, "60000000");
	if (F(fake)->intervals_goal) {
		FakeNode *goal = DIR(iv, "intervals_goal");

		ADD_FILE(goal, "access_bp", FAKE_ULONG, "0");
		ADD_FILE(goal, "aggrs", FAKE_ULONG, "0");
		ADD_FILE(goal, "min_sample_us", FAKE_ULONG, "0");
		ADD_FILE(goal, "max_sample_us", FAKE_ULONG, "0");
	}
	ADD_FILE(nr, "min", FAKE_ULONG, "10");
	ADD_FILE(nr, "max", FAKE_ULONG, "1000");
	if (F(fake)->probes)
		vtier_damon_fake_node_nr(DIR(attrs, "probes"), "nr_probes", G_MAXINT, build_probe);
	if (F(fake)->perf_events)
		vtier_damon_fake_node_nr(DIR(DIR(attrs, "sample"), "perf_events"), "nr_perf_events",
					 (gint)F(fake)->max_perf_events, build_perf_event);
}

static void build_context(VtierDamonFake *fake, FakeNode *dir)
{
	g_autofree gchar *avail = g_strjoinv("\n", F(fake)->operations);

	ADD_FILE(dir, "avail_operations", FAKE_RO, avail);
	vtier_damon_fake_node_choice(dir, "operations", "vaddr",
				     (const gchar *const *)F(fake)->operations);
	if (F(fake)->addr_unit)
		ADD_FILE(dir, "addr_unit", FAKE_ULONG, "1");
	if (F(fake)->pause)
		ADD_FILE(dir, "pause", FAKE_BOOL, "N");
	build_attrs(fake, DIR(dir, "monitoring_attrs"));
	vtier_damon_fake_node_nr(DIR(dir, "targets"), "nr_targets", G_MAXINT, build_target);
	vtier_damon_fake_node_nr(DIR(dir, "schemes"), "nr_schemes", G_MAXINT, build_scheme);
}

static void build_kdamond(VtierDamonFake *fake, FakeNode *dir)
{
	ADD_FILE(dir, "state", FAKE_STATE, "off");
	ADD_FILE(dir, "pid", FAKE_RO, "-1");
	if (F(fake)->refresh_ms)
		ADD_FILE(dir, "refresh_ms", FAKE_UINT, "0");
	vtier_damon_fake_node_nr(DIR(dir, "contexts"), "nr_contexts", 1, build_context);
	g_hash_table_insert(fake->kstates, dir, g_new0(FakeKdamond, 1));
}

/* Makes the directories of host path @path (relative to "/") and returns the last one. */
static FakeNode *mkdirs(VtierDamonFake *fake, const gchar *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	FakeNode *node = fake->root;

	for (gsize i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0')
			node = DIR(node, parts[i]);
	}
	return node;
}

void vtier_damon_fake_build(VtierDamonFake *fake)
{
	g_autofree gchar *kdamonds = vtier_path_build_host(VTIER_PATH_DAMON_ADMIN, "kdamonds", NULL);
	g_autofree gchar *events = vtier_path_build_host(VTIER_PATH_TRACING, "events", "damon", NULL);
	g_autofree gchar *sysctl = vtier_path_build_host(VTIER_PATH_SYSCTL, "kernel", NULL);

	/* a release that agrees with what the probe infers from it (damon-probe.h) */
	ADD_FILE(mkdirs(fake, sysctl), "osrelease", FAKE_RO,
		 F(fake)->first_window_limited ? "6.18.0-vtier-fake" : "6.12.0-vtier-fake");
	if (F(fake)->available) {
		fake->kdamonds = mkdirs(fake, kdamonds);
		vtier_damon_fake_node_nr(fake->kdamonds, "nr_kdamonds", G_MAXINT, build_kdamond);
	}
	for (guint i = 0; i < F(fake)->modules->len; i++) {
		const VtierDamonModule *m = F(fake)->modules->pdata[i];
		g_autofree gchar *params = NULL;

		if (!m->present)
			continue;
		params = vtier_path_build_host(VTIER_PATH_MODULES, m->name, "parameters", NULL);
		ADD_FILE(mkdirs(fake, params), "enabled", FAKE_BOOL, m->enabled ? "Y" : "N");
	}
	for (gsize i = 0; F(fake)->trace_events[i] != NULL; i++)
		ADD_FILE(DIR(mkdirs(fake, events), F(fake)->trace_events[i]), "enable", FAKE_ULONG, "0");
}

