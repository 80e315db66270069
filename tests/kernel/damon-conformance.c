/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "damon-conformance"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "common/config.h"
#include "tiering/damon/damon-driver.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/damon/damon-ownership.h"
#include "tiering/damon/damon-probe.h"
#include "tiering/damon/damon-writer.h"

/*
 * damon-conformance --profile NAME: the DAMON driver against the real kernel of a lab VM
 * (tests/kernel/lab KERNEL -- damon-conformance --profile KERNEL). Prints one TAP line per check
 * ("ok N - what" / "not ok N - what: why") and exits non-zero when a check failed. Refuses to run
 * outside the lab ($LAB_OUT unset): it writes the kernel's DAMON sysfs.
 */

#define GiB (G_GUINT64_CONSTANT(1) << 30)
#define MiB (G_GUINT64_CONSTANT(1) << 20)
#define MEMCG "/vtier-conformance"

static guint checks, failures;

static void report(gboolean ok, const gchar *what, const gchar *why)
{
	checks++;
	if (ok) {
		printf("ok %u - %s\n", checks, what);
	} else {
		failures++;
		printf("not ok %u - %s: %s\n", checks, what, why != NULL ? why : "failed");
	}
	fflush(stdout);
}

static void report_error(const gchar *what, GError *error)
{
	report(FALSE, what, error != NULL ? error->message : "unknown error");
}

static gboolean write_admin(VtierDamonIo *io, const gchar *rel, const gchar *value)
{
	g_autofree gchar *path = vtier_damon_admin_path(rel);
	g_autoptr(GError) error = NULL;

	if (vtier_damon_io_write(io, path, value, &error))
		return TRUE;
	g_printerr("%s\n", error->message);
	return FALSE;
}

static gchar *read_admin(VtierDamonIo *io, const gchar *rel)
{
	g_autofree gchar *path = vtier_damon_admin_path(rel);
	gchar *value = NULL;

	if (!vtier_damon_io_read(io, path, &value, NULL))
		return g_strdup("?");
	return value;
}

/* Back to an empty tree: no kdamond, no ownership record. */
static void reset_tree(VtierDamonIo *io)
{
	g_autofree gchar *state = vtier_path_build(VTIER_PATH_VTIER_RUN, "state.json", NULL);
	g_autofree gchar *nr = read_admin(io, "kdamonds/nr_kdamonds");

	for (guint k = 0; k < g_ascii_strtoull(nr, NULL, 10); k++) {
		g_autofree gchar *rel = g_strdup_printf("kdamonds/%u/state", k);
		g_autofree gchar *st = read_admin(io, rel);

		if (g_strcmp0(st, "on") == 0)
			write_admin(io, rel, "off");
	}
	write_admin(io, "kdamonds/nr_kdamonds", "0");
	g_unlink(state);
}

static const gchar *const count_files[] = { "nr_kdamonds", "nr_contexts", "nr_targets",
					     "nr_regions", "nr_schemes", "nr_goals",
					     "nr_filters", "nr_dests", "nr_probes",
					     "nr_perf_events", NULL };

/* Writes 1 to every count file that reads 0, until none is left: one of every directory. */
static void stage_one_of_each(VtierDamonIo *io)
{
	g_autofree gchar *root = vtier_damon_admin_path("kdamonds");

	for (guint round = 0; round < 16; round++) {
		g_autofree gchar *dump = NULL;
		g_auto(GStrv) lines = NULL;
		gboolean wrote = FALSE;

		if (!vtier_damon_io_dump_tree(io, root, FALSE, &dump, NULL))
			return;
		lines = g_strsplit(dump, "\n", -1);
		for (gsize i = 0; lines[i] != NULL; i++) {
			g_auto(GStrv) f = g_strsplit(lines[i], " ", 3);
			g_autofree gchar *base = f[0] != NULL ? g_path_get_basename(f[0]) : NULL;
			g_autofree gchar *rel = NULL;

			/* count files only: not stats/nr_tried, not weights/nr_accesses_permil */
			if (base == NULL || !g_strv_contains(count_files, base) ||
			    g_strv_length(f) < 3 || g_strcmp0(f[1], "rw") != 0 ||
			    g_strcmp0(f[2], "0") != 0)
				continue;
			rel = g_strconcat("kdamonds/", f[0], NULL);
			wrote |= write_admin(io, rel, "1");
		}
		if (!wrote)
			return;
	}
}

static gchar *diff_lines(const gchar *expected, const gchar *actual)
{
	g_auto(GStrv) e = g_strsplit(expected, "\n", -1);
	g_auto(GStrv) a = g_strsplit(actual, "\n", -1);
	g_autoptr(GString) out = g_string_new(NULL);
	guint shown = 0;

	for (gsize i = 0; e[i] != NULL && shown < 15; i++) {
		if (!g_strv_contains((const gchar *const *)a, e[i]) && e[i][0] != '\0') {
			g_string_append_printf(out, "\n#   fake only: %s", e[i]);
			shown++;
		}
	}
	for (gsize i = 0; a[i] != NULL && shown < 30; i++) {
		if (!g_strv_contains((const gchar *const *)e, a[i]) && a[i][0] != '\0') {
			g_string_append_printf(out, "\n#   kernel only: %s", a[i]);
			shown++;
		}
	}
	return out->len ? g_strdup(out->str) : NULL;
}

/* The fake of the profile has the real kernel's tree: files, modes and default values. */
static void check_fake_tree(VtierDamonIo *io, const VtierDamonFeatures *profile)
{
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(profile);
	g_autoptr(VtierDamonIo) fake_io = vtier_damon_fake_get_io(fake);
	g_autofree gchar *root = vtier_damon_admin_path("kdamonds");
	g_autofree gchar *real_dump = NULL;
	g_autofree gchar *fake_dump = NULL;
	g_autofree gchar *diff = NULL;

	reset_tree(io);
	stage_one_of_each(io);
	stage_one_of_each(fake_io);
	if (!vtier_damon_io_dump_tree(io, root, FALSE, &real_dump, NULL) ||
	    !vtier_damon_io_dump_tree(fake_io, root, FALSE, &fake_dump, NULL)) {
		report(FALSE, "fake tree equals the kernel's tree", "cannot dump");
		return;
	}
	diff = diff_lines(fake_dump, real_dump);
	report(diff == NULL, "fake tree (files, modes, defaults) equals the kernel's tree", diff);
	reset_tree(io);
}

static void check_probe(VtierDamonIo *io, const VtierDamonFeatures *profile,
			VtierDamonFeatures **ret_probed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonFeatures) probed = vtier_damon_probe(io, &error);
	g_autofree gchar *diff = NULL;

	if (probed == NULL) {
		report_error("probe matches the profile", error);
		return;
	}
	diff = vtier_damon_features_diff(profile, probed);
	report(diff == NULL && probed->complete, "probe matches the profile", diff);
	*ret_probed = g_steal_pointer(&probed);
}

/* damon_stat (6.18, 7.3) blocks `on`: reported, refused, handled when the config allows. */
static void check_damon_stat(VtierDamonIo *io, const VtierDamonFeatures *profile)
{
	VtierDamonModule *stat = vtier_damon_features_get_module(profile, "damon_stat");
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonFeatures) probed = NULL;

	if (!stat->present) {
		report(vtier_damon_ownership_claim(io, FALSE, &claim, &error),
		       "no damon_stat: the claim succeeds", error ? error->message : NULL);
		return;
	}
	probed = vtier_damon_probe(io, NULL);
	report(probed != NULL && vtier_damon_features_get_module(probed, "damon_stat")->enabled &&
		       !probed->complete,
	       "damon_stat enabled at boot is reported by the probe", NULL);
	report(!vtier_damon_ownership_claim(io, FALSE, &claim, &error) &&
		       g_error_matches(error, VTIER_ERROR, VTIER_ERROR_CONFLICT) &&
		       strstr(error->message, "damon_stat") != NULL,
	       "damon_stat enabled: vtier refuses, naming it", error ? error->message : "claimed");
	g_clear_error(&error);
	{
		g_autoptr(VtierConfig) config = vtier_config_load_data(
			"[damon]\ndisable_damon_stat=true\n", "damon-conformance", &error);
		gboolean allowed =
			config != NULL && vtier_config_get_boolean(config, "damon", "disable_damon_stat");

		report(allowed && vtier_damon_ownership_claim(io, allowed, &claim, &error) &&
			       claim.damon_stat_disabled,
		       "[damon] disable_damon_stat=true: vtier turns damon_stat off",
		       error ? error->message : NULL);
	}
}

/* The guest-like cgroup the memcg filters point at. */
static gboolean make_memcg(void)
{
	g_autofree gchar *control = vtier_path_build(VTIER_PATH_CGROUP, "cgroup.subtree_control", NULL);
	g_autofree gchar *dir = vtier_path_build(VTIER_PATH_CGROUP, MEMCG, NULL);

	vtier_file_write_value(control, "+memory", NULL);
	return g_mkdir_with_parents(dir, 0755) == 0;
}


/* PULL migrate_hot node1 -> node0 and PUSH migrate_cold node0 -> node1 of the lab's layout,
 * limited to MEMCG and the source node's range; PUSH has a user_input goal. */
static VtierDamonModel *conformance_model(const gchar *memcg)
{
	VtierDamonModel *model = vtier_damon_model_new();
	VtierDamonContext *ctx = vtier_damon_model_add_kdamond(model)->context;
	VtierDamonTarget *t = vtier_damon_context_add_target(ctx);

	ctx->operations = VTIER_DAMON_OPS_PADDR;
	ctx->update_us = 1000000;
	vtier_damon_target_add_region(t, 0, GiB);
	vtier_damon_target_add_region(t, GiB, 2 * GiB);
	for (guint i = 0; i < 2; i++) {
		VtierDamonScheme *s = vtier_damon_context_add_scheme(ctx);
		VtierDamonFilter *f;

		s->action = i == 0 ? VTIER_DAMON_ACTION_MIGRATE_HOT : VTIER_DAMON_ACTION_MIGRATE_COLD;
		s->target_nid = i == 0 ? 0 : 1;
		s->sz.min = 4096;
		s->sz.max = G_MAXUINT64;
		s->nr_accesses.min = i == 0 ? 1 : 0;
		s->nr_accesses.max = i == 0 ? G_MAXUINT64 : 0;
		s->age.max = G_MAXUINT64;
		s->quotas.bytes = i == 0 ? 64 * MiB : 4095;
		s->quotas.reset_interval_ms = 1000;
		f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_ADDR);
		f->addr_start = i == 0 ? GiB : 0;
		f->addr_end = i == 0 ? 2 * GiB : GiB;
		f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_MEMCG);
		g_free(f->memcg_path);
		f->memcg_path = g_strdup(memcg);
		f->matching = TRUE;
		f->allow = TRUE;
	}
	vtier_damon_scheme_add_goal(ctx->schemes->pdata[1])->target_value = 10000;
	return model;
}

static VtierDamonScheme *scheme(VtierDamonModel *model, guint i)
{
	return ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context->schemes->pdata[i];
}

/* kdamond 0's configuration files, "RELPATH VALUE" (kernel outputs left out). */
static gchar *config_dump(VtierDamonIo *io)
{
	g_autofree gchar *root = vtier_damon_admin_path("kdamonds/0/contexts/0");
	g_autofree gchar *dump = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) out = g_string_new(NULL);

	if (!vtier_damon_io_dump_tree(io, root, FALSE, &dump, NULL))
		return g_strdup("");
	lines = g_strsplit(dump, "\n", -1);
	for (gsize i = 0; lines[i] != NULL; i++) {
		if (strstr(lines[i], "/stats/") || strstr(lines[i], "/tried_regions/") ||
		    strstr(lines[i], "effective_bytes") || lines[i][0] == '\0')
			continue;
		g_string_append_printf(out, "%s\n", lines[i]);
	}
	return g_strdup(out->str);
}

/* The paths of the lines that differ between two dumps, sorted, one per line. */
static gchar *changed_paths(const gchar *before, const gchar *after)
{
	g_auto(GStrv) b = g_strsplit(before, "\n", -1);
	g_auto(GStrv) a = g_strsplit(after, "\n", -1);
	g_autoptr(GString) out = g_string_new(NULL);

	for (gsize i = 0; a[i] != NULL; i++) {
		if (!g_strv_contains((const gchar *const *)b, a[i])) {
			g_auto(GStrv) f = g_strsplit(a[i], " ", 2);

			g_string_append_printf(out, "%s ", f[0]);
		}
	}
	return g_strdup(out->str);
}

static VtierDamonStateAction apply(VtierDamonWriter *w, VtierDamonModel *model, GError **error)
{
	g_auto(VtierDamonApplyResult) result = { 0 };

	if (!vtier_damon_writer_apply(w, model, &result, error))
		return VTIER_DAMON_STATE_LAST;
	return g_array_index(result.actions, VtierDamonStateAction, 0);
}

static void check_read_back(VtierDamonWriter *w, VtierDamonModel *model, const gchar *what)
{
	g_autofree gchar *mismatches = NULL;
	g_autoptr(GError) error = NULL;

	if (!vtier_damon_writer_verify(w, model, &mismatches, &error))
		report_error(what, error);
	else
		report(mismatches == NULL, what, mismatches);
}

static guint64 effective_bytes(VtierDamonIo *io, guint s)
{
	g_autofree gchar *rel = g_strdup_printf("kdamonds/0/contexts/0/schemes/%u/quotas/effective_bytes", s);
	g_autofree gchar *v = NULL;

	write_admin(io, "kdamonds/0/state", "update_schemes_effective_quotas");
	v = read_admin(io, rel);
	return g_ascii_strtoull(v, NULL, 10);
}

static void check_start(VtierDamonIo *io, VtierDamonWriter *w, VtierDamonModel *model)
{
	g_autoptr(GError) error = NULL;
	VtierDamonStateAction action = apply(w, model, &error);
	g_autofree gchar *pid = read_admin(io, "kdamonds/0/pid");

	report(action == VTIER_DAMON_STATE_ON && g_ascii_strtoll(pid, NULL, 10) > 0,
	       "apply -> on: the kdamond runs", error ? error->message : pid);
	check_read_back(w, model, "read back after on: every file equals the model");
	report(vtier_damon_ownership_record(io, 1, NULL), "ownership recorded in state.json", NULL);
}

static void check_commits(VtierDamonIo *io, VtierDamonWriter *w, VtierDamonModel *model)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *before = config_dump(io);
	g_autofree gchar *after = NULL;
	g_autofree gchar *changed = NULL;
	VtierDamonStateAction action;
	VtierDamonGoal *goal = scheme(model, 1)->quotas.goals->pdata[0];

	scheme(model, 1)->quotas.bytes = 8 * MiB;
	scheme(model, 0)->apply_interval_us = 200000;
	action = apply(w, model, &error);
	after = config_dump(io);
	changed = changed_paths(before, after);
	report(action == VTIER_DAMON_STATE_COMMIT &&
		       g_strcmp0(changed, "schemes/0/apply_interval_us schemes/1/quotas/bytes ") == 0,
	       "commit of a changed model changes exactly those files",
	       error ? error->message : changed);
	check_read_back(w, model, "read back after commit");
	g_clear_pointer(&before, g_free);
	g_clear_pointer(&changed, g_free);
	before = g_steal_pointer(&after);
	goal->current_value = 4321;
	action = apply(w, model, &error);
	after = config_dump(io);
	changed = changed_paths(before, after);
	report(action == VTIER_DAMON_STATE_COMMIT_GOALS &&
		       g_strcmp0(changed, "schemes/1/quotas/goals/0/current_value ") == 0,
	       "a goal-only change: commit_schemes_quota_goals of that file",
	       error ? error->message : changed);
}

/* A commit the kernel rejects (ENOMEM: unknown memcg) leaves the running budget and, after the
 * writer's restore, the files as they were. */
static void check_bad_commit(VtierDamonIo *io, VtierDamonWriter *w, VtierDamonModel *model)
{
	g_autoptr(VtierDamonModel) bad = vtier_damon_model_copy(model);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *before = config_dump(io);
	g_autofree gchar *after = NULL;
	VtierDamonFilter *f = scheme(bad, 1)->filters->pdata[1];
	guint64 esz;

	g_usleep(1500 * 1000); /* one charge window: the effective quota is the byte cap */
	esz = effective_bytes(io, 0);
	/* the writer refuses unknown memcgs itself; turn that off to see the kernel's answer */
	vtier_damon_writer_set_check_memcg(w, FALSE);
	scheme(bad, 0)->quotas.bytes = 1 * MiB;
	g_free(f->memcg_path);
	f->memcg_path = g_strdup("/vtier-conformance-gone");
	report(apply(w, bad, &error) == VTIER_DAMON_STATE_LAST &&
		       ((g_error_matches(error, VTIER_ERROR, VTIER_ERROR_NO_MEMORY) &&
			 strstr(error->message, "/vtier-conformance-gone") != NULL) ||
			strstr(error->message, "rejected `commit` of kdamond 0 and stopped it") != NULL),
	       "bad commit: refused (ENOMEM naming the memcg, or 6.12's stop, restarted)",
	       error ? error->message : "applied");
	printf("# %s\n", error ? error->message : "");
	vtier_damon_writer_set_check_memcg(w, TRUE);
	/* 6.12 restarted the kdamond (new pid): record it, as vtierd does after every apply */
	vtier_damon_ownership_record(io, 1, NULL);
	after = config_dump(io);
	report(g_strcmp0(before, after) == 0, "bad commit: the files hold the running values again",
	       after);
	check_read_back(w, model, "bad commit: read back equals the running model");
	g_usleep(1500 * 1000); /* the 1 MiB would show after the next charge window */
	report(esz == 64 * MiB && effective_bytes(io, 0) == esz,
	       "bad commit: the running budget is unchanged (effective_bytes)", NULL);
}

/* vtierd restarts and adopts its kdamond: no write, no restart; the features are the ones
 * recorded at creation (the probe only sees file presence on the busy tree). */
static void check_adoption(VtierDamonIo *io, const VtierDamonFeatures *f, VtierDamonModel *model)
{
	g_autoptr(VtierDamonDriver) d = vtier_damon_driver_new(io);
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *pid = read_admin(io, "kdamonds/0/pid");
	g_autofree gchar *pid_after = NULL;
	gboolean ok;
	guint writes;

	vtier_damon_ownership_save_features(f, NULL);
	writes = vtier_damon_io_get_write_count(io);
	ok = vtier_damon_driver_start(d, FALSE, &error) &&
	     vtier_damon_driver_apply(d, model, &result, &error);
	pid_after = read_admin(io, "kdamonds/0/pid");
	report(ok && vtier_damon_driver_get_claim(d)->adopted->len == 1 &&
		       g_str_has_prefix(vtier_damon_driver_get_features(d)->source, "probe recorded") &&
		       g_array_index(result.actions, VtierDamonStateAction, 0) ==
			       VTIER_DAMON_STATE_NONE &&
		       vtier_damon_io_get_write_count(io) == writes && g_strcmp0(pid, pid_after) == 0,
	       "restart: own running kdamond adopted with the recorded features, nothing written",
	       error ? error->message : NULL);
}

/* Someone else's kdamond runs: vtier refuses and does not touch it. */
static void check_foreign(VtierDamonIo *io)
{
	g_autofree gchar *root = vtier_damon_admin_path("kdamonds");
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *pid = NULL;
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;
	guint writes;

	reset_tree(io);
	write_admin(io, "kdamonds/nr_kdamonds", "1");
	write_admin(io, "kdamonds/0/contexts/nr_contexts", "1");
	write_admin(io, "kdamonds/0/contexts/0/operations", "paddr");
	write_admin(io, "kdamonds/0/contexts/0/targets/nr_targets", "1");
	write_admin(io, "kdamonds/0/contexts/0/targets/0/regions/nr_regions", "1");
	write_admin(io, "kdamonds/0/contexts/0/targets/0/regions/0/start", "1048576");
	write_admin(io, "kdamonds/0/contexts/0/targets/0/regions/0/end", "2097152");
	write_admin(io, "kdamonds/0/state", "on");
	pid = read_admin(io, "kdamonds/0/pid");
	vtier_damon_io_dump_tree(io, root, FALSE, &before, NULL);
	writes = vtier_damon_io_get_write_count(io);
	report(!vtier_damon_ownership_claim(io, TRUE, &claim, &error) &&
		       g_error_matches(error, VTIER_ERROR, VTIER_ERROR_CONFLICT) &&
		       strstr(error->message, pid) != NULL,
	       "foreign running kdamond: refusal names it and its pid",
	       error ? error->message : "claimed");
	vtier_damon_io_dump_tree(io, root, FALSE, &after, NULL);
	report(vtier_damon_io_get_write_count(io) == writes && g_strcmp0(before, after) == 0,
	       "foreign running kdamond: untouched", NULL);
	reset_tree(io);
}

int main(int argc, char **argv)
{
	g_autofree gchar *profile_name = NULL;
	g_autoptr(GOptionContext) ctx = g_option_context_new("- DAMON driver conformance (lab)");
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonFeatures) profile = NULL;
	g_autoptr(VtierDamonFeatures) probed = NULL;
	g_autoptr(VtierDamonIo) io = NULL;
	g_autoptr(VtierDamonWriter) w = NULL;
	g_autoptr(VtierDamonModel) model = NULL;
	const GOptionEntry entries[] = {
		{ "profile", 0, 0, G_OPTION_ARG_STRING, &profile_name, "Expected profile", "NAME" },
		G_OPTION_ENTRY_NULL,
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || profile_name == NULL) {
		g_printerr("usage: damon-conformance --profile NAME (inside tests/kernel/lab)\n");
		return 2;
	}
	if (g_getenv("LAB_OUT") == NULL || g_strcmp0(g_getenv("VTIER_FORBID_REAL_DAMON"), "1") == 0) {
		g_printerr("damon-conformance writes DAMON sysfs: run it inside tests/kernel/lab\n");
		return 2;
	}
	profile = vtier_damon_features_load(profile_name, &error);
	if (profile == NULL) {
		g_printerr("%s\n", error->message);
		return 2;
	}
	io = vtier_damon_io_new_real();
	reset_tree(io);
	check_damon_stat(io, profile);
	check_probe(io, profile, &probed);
	if (probed == NULL)
		return 1;
	check_fake_tree(io, profile);
	report(make_memcg(), "test cgroup " MEMCG " created", NULL);
	model = conformance_model(MEMCG);
	w = vtier_damon_writer_new(io, probed);
	check_start(io, w, model);
	check_commits(io, w, model);
	check_bad_commit(io, w, model);
	check_adoption(io, probed, model);
	check_foreign(io);
	printf("1..%u\n", checks);
	return failures == 0 ? 0 : 1;
}
