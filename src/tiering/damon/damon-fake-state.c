/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/paths.h"
#include "tiering/damon/damon-fake-private.h"
#include "tiering/damon/damon-writer.h"

/* `kdamonds/K/state` of the fake: what mm/damon/sysfs.c's state_store() does. */

gboolean vtier_damon_fake_any_running(VtierDamonFake *fake)
{
	GHashTableIter iter;
	FakeKdamond *k;

	g_hash_table_iter_init(&iter, fake->kstates);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&k)) {
		if (k->running)
			return TRUE;
	}
	return FALSE;
}

static gboolean exclusive_module_enabled(VtierDamonFake *fake)
{
	for (guint i = 0; i < fake->features->modules->len; i++) {
		const VtierDamonModule *m = fake->features->modules->pdata[i];
		g_autofree gchar *path = NULL;
		FakeNode *node;

		path = vtier_path_build_host(VTIER_PATH_MODULES, m->name, "parameters", "enabled",
					     NULL);
		node = vtier_damon_fake_node_lookup(fake->root, path);
		if (g_strcmp0(vtier_damon_fake_node_value(node), "Y") == 0)
			return TRUE;
	}
	return FALSE;
}

static guint64 get_u64(FakeNode *dir, const gchar *rel)
{
	const gchar *value = vtier_damon_fake_node_value(vtier_damon_fake_node_lookup(dir, rel));

	return value != NULL ? g_ascii_strtoull(value, NULL, 0) : 0;
}

static const gchar *get_str(FakeNode *dir, const gchar *rel)
{
	const gchar *value = vtier_damon_fake_node_value(vtier_damon_fake_node_lookup(dir, rel));

	return value != NULL ? value : "";
}

/* damon_set_attrs() */
static int validate_attrs(FakeNode *ctx)
{
	guint64 sample = get_u64(ctx, "monitoring_attrs/intervals/sample_us");
	guint64 aggr = get_u64(ctx, "monitoring_attrs/intervals/aggr_us");
	guint64 min = get_u64(ctx, "monitoring_attrs/nr_regions/min");
	guint64 max = get_u64(ctx, "monitoring_attrs/nr_regions/max");
	FakeNode *goal = vtier_damon_fake_node_lookup(ctx, "monitoring_attrs/intervals/intervals_goal");

	if (min < 3 || min > max || sample > aggr)
		return EINVAL;
	if (goal != NULL && get_u64(goal, "aggrs") != 0 &&
	    (get_u64(goal, "access_bp") == 0 || get_u64(goal, "access_bp") > 10000 ||
	     get_u64(goal, "min_sample_us") > get_u64(goal, "max_sample_us")))
		return EINVAL;
	if (vtier_damon_fake_node_lookup(ctx, "addr_unit") != NULL && get_u64(ctx, "addr_unit") == 0)
		return EINVAL;
	return 0;
}

static int validate_regions(FakeNode *regions)
{
	guint64 prev_end = 0;

	for (guint i = 0; i < regions->n_children; i++) {
		FakeNode *r = regions->children[i];
		guint64 start, end;

		if (r->type != FAKE_DIR)
			continue;
		start = get_u64(r, "start");
		end = get_u64(r, "end");
		if (start > end || (i > 0 && prev_end > start))
			return EINVAL;
		prev_end = end;
	}
	return 0;
}

/* damon_sysfs_add_targets() */
static int validate_targets(VtierDamonFake *fake, FakeNode *ctx)
{
	FakeNode *targets = vtier_damon_fake_node_child(ctx, "targets");
	gboolean has_pid = g_strcmp0(get_str(ctx, "operations"), "paddr") != 0;
	guint64 nr = get_u64(targets, "nr_targets");

	if (!has_pid && nr > 1)
		return EINVAL;
	for (guint64 i = 0; i < nr; i++) {
		g_autofree gchar *name = g_strdup_printf("%" G_GUINT64_FORMAT, i);
		FakeNode *t = vtier_damon_fake_node_child(targets, name);
		int err;

		if (has_pid && fake->check_memcg) {
			g_autofree gchar *proc = vtier_path_build(VTIER_PATH_PROCFS,
								  get_str(t, "pid_target"), NULL);

			if (get_u64(t, "pid_target") == 0 || !g_file_test(proc, G_FILE_TEST_IS_DIR))
				return EINVAL;
		}
		err = validate_regions(vtier_damon_fake_node_child(t, "regions"));
		if (err != 0)
			return err;
	}
	return 0;
}

/* A validation looks each memcg up once (500 guests' schemes name each memcg several times). */
static gboolean memcg_exists(VtierDamonFake *fake, const gchar *path)
{
	if (!fake->check_memcg)
		return TRUE;
	if (fake->memcgs_seen != NULL && g_hash_table_contains(fake->memcgs_seen, path))
		return TRUE;
	if (!vtier_damon_memcg_exists(path))
		return FALSE;
	if (fake->memcgs_seen != NULL)
		g_hash_table_add(fake->memcgs_seen, g_strdup(path));
	return TRUE;
}

static int validate_filters(VtierDamonFake *fake, FakeNode *layer)
{
	if (layer == NULL)
		return 0;
	for (guint i = 0; i < layer->n_children; i++) {
		FakeNode *f = layer->children[i];
		const gchar *type;

		if (f->type != FAKE_DIR)
			continue;
		type = get_str(f, "type");
		if (g_str_equal(type, "memcg")) {
			const gchar *path = get_str(f, "memcg_path");

			if (path[0] == '\0')
				return EINVAL;
			if (!memcg_exists(fake, path))
				return ENOMEM; /* damon_sysfs_memcg_path_to_id() */
		}
		if (g_str_equal(type, "addr") && get_u64(f, "addr_start") > get_u64(f, "addr_end"))
			return EINVAL;
	}
	return 0;
}

static int validate_goals(VtierDamonFake *fake, FakeNode *goals)
{
	for (guint i = 0; goals != NULL && i < goals->n_children; i++) {
		FakeNode *g = goals->children[i];

		if (g->type != FAKE_DIR)
			continue;
		if (g_str_has_prefix(get_str(g, "target_metric"), "node_memcg_") &&
		    !memcg_exists(fake, get_str(g, "path")))
			return ENOMEM;
	}
	return 0;
}

static int validate_schemes(VtierDamonFake *fake, FakeNode *ctx)
{
	FakeNode *schemes = vtier_damon_fake_node_child(ctx, "schemes");
	static const gchar *const layers[] = { "core_filters", "ops_filters", "filters" };

	for (guint i = 0; i < schemes->n_children; i++) {
		FakeNode *s = schemes->children[i];
		int err;

		if (s->type != FAKE_DIR)
			continue;
		for (gsize l = 0; l < G_N_ELEMENTS(layers); l++) {
			err = validate_filters(fake, vtier_damon_fake_node_child(s, layers[l]));
			if (err != 0)
				return err;
		}
		err = validate_goals(fake, vtier_damon_fake_node_lookup(s, "quotas/goals"));
		if (err != 0)
			return err;
	}
	return 0;
}

/* damon_sysfs_build_ctx(): 0 or the errno `on`/`commit` give. */
static int validate_context(VtierDamonFake *fake, FakeNode *kdir, FakeNode **ret_ctx)
{
	FakeNode *ctx = vtier_damon_fake_node_lookup(kdir, "contexts/0");
	int err;

	if (get_u64(kdir, "contexts/nr_contexts") != 1 || ctx == NULL)
		return EINVAL;
	err = validate_attrs(ctx);
	if (err == 0)
		err = validate_targets(fake, ctx);
	fake->memcgs_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (err == 0)
		err = validate_schemes(fake, ctx);
	g_clear_pointer(&fake->memcgs_seen, g_hash_table_unref);
	*ret_ctx = ctx;
	return err;
}

static gint compare_lines(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static gchar *join_sorted(GPtrArray *lines)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_ptr_array_sort(lines, compare_lines);
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(out, "%s\n", (gchar *)lines->pdata[i]);
	return g_strdup(out->str);
}

/* The files below @ctx become the running configuration (shared pieces: the schemes that did not
 * change since the last dump are not dumped again). */
static void set_config(FakeKdamond *k, FakeNode *ctx)
{
	g_clear_pointer(&k->config, g_ptr_array_unref);
	k->config = vtier_damon_fake_node_dump_config_pieces(ctx);
	k->nr_schemes = (guint)get_u64(ctx, "schemes/nr_schemes");
}

static guint running_nr_schemes(const FakeKdamond *k)
{
	return k->nr_schemes;
}

static gboolean is_goal_line(const gchar *line, guint nr_schemes)
{
	guint64 idx;
	gchar *end = NULL;

	if (!g_str_has_prefix(line, "schemes/") || !g_ascii_isdigit(line[8]))
		return FALSE;
	idx = g_ascii_strtoull(line + 8, &end, 10);
	return idx < nr_schemes && g_str_has_prefix(end, "/quotas/goals/");
}

/* damos_sysfs_set_quota_scores(): the running goals follow the files, nothing else. */
static void commit_goals(FakeKdamond *k, FakeNode *ctx)
{
	g_autofree gchar *running = vtier_damon_fake_pieces_join(k->config);
	g_auto(GStrv) old = g_strsplit(running, "\n", -1);
	g_autofree gchar *now = vtier_damon_fake_node_dump_config(ctx);
	g_auto(GStrv) cur = g_strsplit(now, "\n", -1);
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	guint nr = running_nr_schemes(k);

	for (gsize i = 0; old[i] != NULL; i++) {
		if (old[i][0] != '\0' && !is_goal_line(old[i], nr))
			g_ptr_array_add(lines, g_strdup(old[i]));
	}
	for (gsize i = 0; cur[i] != NULL; i++) {
		if (is_goal_line(cur[i], nr))
			g_ptr_array_add(lines, g_strdup(cur[i]));
	}
	{
		g_autofree gchar *text = join_sorted(lines);

		g_ptr_array_set_size(k->config, 0);
		g_ptr_array_add(k->config, vtier_damon_fake_piece_new("", text, strlen(text)));
	}
}

static const struct {
	const gchar *name;
	gsize offset;
} stat_fields[] = {
	{ "nr_tried", G_STRUCT_OFFSET(VtierDamonSchemeStats, nr_tried) },
	{ "sz_tried", G_STRUCT_OFFSET(VtierDamonSchemeStats, sz_tried) },
	{ "nr_applied", G_STRUCT_OFFSET(VtierDamonSchemeStats, nr_applied) },
	{ "sz_applied", G_STRUCT_OFFSET(VtierDamonSchemeStats, sz_applied) },
	{ "sz_ops_filter_passed", G_STRUCT_OFFSET(VtierDamonSchemeStats, sz_ops_filter_passed) },
	{ "qt_exceeds", G_STRUCT_OFFSET(VtierDamonSchemeStats, qt_exceeds) },
	{ "nr_snapshots", G_STRUCT_OFFSET(VtierDamonSchemeStats, nr_snapshots) },
};

static void set_u64(FakeNode *dir, const gchar *rel, guint64 value)
{
	FakeNode *node = vtier_damon_fake_node_lookup(dir, rel);
	g_autofree gchar *text = g_strdup_printf("%" G_GUINT64_FORMAT, value);

	if (node != NULL)
		vtier_damon_fake_node_set(node, text);
}

/* The update_* commands publish what the running schemes did (injected by the test). */
static void publish(VtierDamonFake *fake, FakeNode *kdir, FakeKdamond *k, const gchar *cmd)
{
	FakeNode *ctx = vtier_damon_fake_node_lookup(kdir, "contexts/0");
	VtierDamonSchemeStats zero = { 0 };

	for (guint s = 0; s < running_nr_schemes(k); s++) {
		g_autofree gchar *key = g_strdup_printf("%s/%u", kdir->name, s);
		g_autofree gchar *rel = g_strdup_printf("schemes/%u", s);
		const VtierDamonSchemeStats *st = g_hash_table_lookup(fake->stats, key);
		FakeNode *sdir = vtier_damon_fake_node_lookup(ctx, rel);

		if (sdir == NULL)
			continue;
		if (st == NULL)
			st = &zero;
		if (g_str_equal(cmd, "update_schemes_stats")) {
			for (gsize i = 0; i < G_N_ELEMENTS(stat_fields); i++) {
				g_autofree gchar *f = g_strconcat("stats/", stat_fields[i].name, NULL);

				set_u64(sdir, f, G_STRUCT_MEMBER(guint64, st, stat_fields[i].offset));
			}
		} else if (g_str_equal(cmd, "update_schemes_effective_quotas")) {
			set_u64(sdir, "quotas/effective_bytes",
				st != &zero ? st->effective_bytes : get_u64(sdir, "quotas/bytes"));
		} else if (g_str_has_prefix(cmd, "update_schemes_tried")) {
			set_u64(sdir, "tried_regions/total_bytes", st->tried_bytes);
		} else if (g_str_equal(cmd, "clear_schemes_tried_regions")) {
			set_u64(sdir, "tried_regions/total_bytes", 0);
		}
	}
}

static void set_running(FakeNode *kdir, FakeKdamond *k, gboolean running, gint pid)
{
	g_autofree gchar *text = g_strdup_printf("%d", running ? pid : -1);

	k->running = running;
	k->pid = running ? pid : -1;
	vtier_damon_fake_node_set(vtier_damon_fake_node_child(kdir, "state"), running ? "on" : "off");
	vtier_damon_fake_node_set(vtier_damon_fake_node_child(kdir, "pid"), text);
}

static int turn_on(VtierDamonFake *fake, FakeNode *kdir, FakeKdamond *k)
{
	FakeNode *ctx = NULL;
	int err;

	if (k->running || exclusive_module_enabled(fake))
		return EBUSY;
	err = validate_context(fake, kdir, &ctx);
	if (err != 0)
		return err;
	set_config(k, ctx);
	k->ran = TRUE;
	set_running(kdir, k, TRUE, fake->next_pid++);
	return 0;
}

static int commit(VtierDamonFake *fake, FakeNode *kdir, FakeKdamond *k)
{
	FakeNode *ctx = NULL;
	int err = validate_context(fake, kdir, &ctx);

	if (err != 0 && fake->features->commit_stops_on_error) {
		/* 6.12: the commit fails in the kdamond's callback, which stops the kdamond */
		set_running(kdir, k, FALSE, -1);
		return 0;
	}
	if (err != 0)
		return err; /* the running configuration stays; the files keep what was written */
	set_config(k, ctx);
	return 0;
}

void vtier_damon_fake_refresh(VtierDamonFake *fake, FakeNode *kdir)
{
	FakeKdamond *k = g_hash_table_lookup(fake->kstates, kdir);

	if (k == NULL || !k->running || get_u64(kdir, "refresh_ms") == 0)
		return;
	publish(fake, kdir, k, "update_schemes_stats");
	publish(fake, kdir, k, "update_schemes_effective_quotas");
}

int vtier_damon_fake_state_write(VtierDamonFake *fake, FakeNode *kdir, const gchar *cmd)
{
	FakeKdamond *k = g_hash_table_lookup(fake->kstates, kdir);

	if (k == NULL || !g_strv_contains((const gchar *const *)fake->features->state_commands, cmd))
		return EINVAL;
	if (g_str_equal(cmd, "on"))
		return turn_on(fake, kdir, k);
	if (g_str_equal(cmd, "off")) {
		if (!k->running)
			return k->ran ? EPERM : EINVAL;
		set_running(kdir, k, FALSE, -1);
		return 0;
	}
	if (!k->running)
		return EINVAL;
	if (fake->commit_delay_ms > 0 &&
	    (g_str_equal(cmd, "commit") || g_str_equal(cmd, "commit_schemes_quota_goals")))
		g_usleep((gulong)fake->commit_delay_ms * 1000);
	if (g_str_equal(cmd, "commit"))
		return commit(fake, kdir, k);
	if (g_str_equal(cmd, "commit_schemes_quota_goals")) {
		commit_goals(k, vtier_damon_fake_node_lookup(kdir, "contexts/0"));
		return 0;
	}
	/* update_tuned_intervals: the fake never tunes, the files already hold the values */
	publish(fake, kdir, k, cmd);
	return 0;
}
