/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "common/error.h"
#include "damon-test-util.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/damon/damon-render.h"
#include "tiering/damon/damon-script.h"
#include "tiering/damon/damon-writer-known.h"
#include "tiering/damon/damon-writer-private.h"
#include "tiering/damon/damon-writer.h"
#include "vtier-test.h"

#define GUEST "/vtier.slice/guest1"

/* A temp sysroot with the guest's cgroup, a fake kernel of @profile and a writer on it. */
typedef struct {
	VtierTestSysroot *sysroot;
	VtierDamonFeatures *features;
	VtierDamonFake *fake;
	VtierDamonIo *io;
	VtierDamonWriter *writer;
	GPtrArray *journal;
} Fixture;

static void fixture_setup(Fixture *fx, const gchar *profile, gboolean damon_stat_off)
{
	g_autoptr(GError) error = NULL;

	fx->sysroot = vtier_test_sysroot_new(NULL);
	vtier_test_write_file(fx->sysroot->root, "sys/fs/cgroup" GUEST "/cgroup.procs", "");
	fx->features = vtier_damon_features_load(profile, &error);
	g_assert_no_error(error);
	if (damon_stat_off)
		vtier_damon_features_get_module(fx->features, "damon_stat")->enabled = FALSE;
	fx->fake = vtier_damon_fake_new(fx->features);
	fx->io = vtier_damon_fake_get_io(fx->fake);
	fx->journal = g_ptr_array_new_with_free_func(g_free);
	vtier_damon_io_set_journal(fx->io, fx->journal);
	fx->writer = vtier_damon_writer_new(fx->io, fx->features);
	/* the staged start has its own tests (test_staged_*); the others see the plain `on` */
	vtier_damon_writer_set_staged_start(fx->writer, FALSE, 0);
}

static void fixture_teardown(Fixture *fx)
{
	vtier_damon_writer_free(fx->writer);
	vtier_damon_io_unref(fx->io);
	vtier_damon_fake_free(fx->fake);
	vtier_damon_features_free(fx->features);
	g_ptr_array_unref(fx->journal);
	vtier_test_sysroot_free(fx->sysroot);
}

static VtierDamonScheme *scheme_of(VtierDamonModel *model, guint s)
{
	return ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context->schemes->pdata[s];
}

static gchar *journal_text(Fixture *fx)
{
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; i < fx->journal->len; i++)
		g_string_append_printf(out, "%s\n", (gchar *)fx->journal->pdata[i]);
	g_ptr_array_set_size(fx->journal, 0);
	return g_strdup(out->str);
}

static void apply_ok(Fixture *fx, VtierDamonModel *model, VtierDamonStateAction expected)
{
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;

	vtier_damon_writer_apply(fx->writer, model, &result, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(result.actions->len, ==, model->kdamonds->len);
	g_assert_cmpstr(vtier_damon_state_action_to_string(g_array_index(result.actions, VtierDamonStateAction, 0)),
			==, vtier_damon_state_action_to_string(expected));
}

/* The files say what the model says, and the kdamond runs with exactly the files. */
static void assert_consistent(Fixture *fx, VtierDamonModel *model)
{
	g_autofree gchar *mismatches = NULL;
	g_autofree gchar *running = vtier_damon_fake_get_running_config(fx->fake, 0);
	g_autofree gchar *files = vtier_damon_fake_get_files_config(fx->fake, 0);
	g_autoptr(GError) error = NULL;

	g_assert_true(vtier_damon_writer_verify(fx->writer, model, &mismatches, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(mismatches, ==, NULL);
	g_assert_true(vtier_damon_fake_is_running(fx->fake, 0));
	g_assert_cmpstr(running, ==, files);
}

static void test_scripts(void)
{
	const gchar *const profiles[] = { "6.12", "6.18", "7.3" };

	for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++) {
		g_autoptr(VtierDamonFeatures) f = vtier_damon_features_load(profiles[i], NULL);
		g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *script = vtier_damon_writer_render_script(model, f, &error);
		g_autofree gchar *golden = g_strdup_printf("damon/ratio-%s.sh", profiles[i]);

		g_assert_no_error(error);
		g_assert_true(g_str_has_suffix(script, "/kdamonds/0/state\n"));
		g_assert_nonnull(strstr(script, "echo on > /sys/kernel/mm/damon/admin/kdamonds/0/state"));
		vtier_test_assert_golden(golden, script);
	}
}

/* The direct renderer (damon-script.h) writes exactly what replaying the writer on the fake
 * does, for every profile, staged or not, with goals, filters and two kdamonds. */
static void test_script_direct_equals_replay(void)
{
	const gchar *const profiles[] = { "6.12", "6.18", "7.3", "7.3+hw-rfc" };

	for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++) {
		g_autoptr(VtierDamonFeatures) f = vtier_damon_features_load(profiles[i], NULL);

		for (guint variant = 0; variant < 3; variant++) {
			g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
			g_autoptr(GError) e1 = NULL;
			g_autoptr(GError) e2 = NULL;
			g_autofree gchar *replay = NULL;
			g_autofree gchar *direct = NULL;

			if (variant == 1)
				scheme_of(model, 1)->quotas.reset_interval_ms = 1500;
			if (variant == 2) {
				scheme_of(model, 0)->quotas.bytes = 0;
				scheme_of(model, 1)->quotas.bytes = 0;
			}
			replay = vtier_damon_writer_render_script(model, f, &e1);
			direct = vtier_damon_render_script(model, f, &e2);
			g_assert_cmpstr(direct, ==, replay);
			g_assert_true((e1 == NULL) == (e2 == NULL));
		}
	}
}

/* 6.12 has no allow: the memcg allow filter becomes "exclude what is not the memcg". */
static void test_612_filters(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autofree gchar *files = NULL;

	fixture_setup(&fx, "6.12", FALSE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	assert_consistent(&fx, model);
	files = vtier_damon_fake_get_files_config(fx.fake, 0);
	/* "keep [1G,2G)" of the span [0,2G): exclude [0,1G) with matching=Y, not matching=N */
	g_assert_nonnull(strstr(files, "schemes/0/filters/0/type addr\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/0/matching Y\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/0/addr_start 0\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/0/addr_end 1073741824\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/1/type memcg\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/1/matching N\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/1/memcg_path " GUEST "\n"));
	g_assert_null(strstr(files, "allow"));
	/* "keep [0,1G)": exclude [1G, end of the span) */
	g_assert_nonnull(strstr(files, "schemes/1/filters/0/matching Y\n"));
	g_assert_nonnull(strstr(files, "schemes/1/filters/0/addr_start 1073741824\n"));
	g_assert_nonnull(strstr(files, "schemes/1/filters/0/addr_end 2147483648\n"));
	g_assert_nonnull(strstr(files, "schemes/1/filters/1/type memcg\n"));
	fixture_teardown(&fx);
}

/* The value of file @name of filter @i of scheme @s in @files (the fake's files), or NULL. */
static gchar *filter_file(const gchar *files, guint s, guint i, const gchar *name)
{
	g_autofree gchar *key = g_strdup_printf("schemes/%u/filters/%u/%s ", s, i, name);
	const gchar *at = strstr(files, key);

	if (at == NULL)
		return NULL;
	at += strlen(key);
	return g_strndup(at, strcspn(at, "\n"));
}

/* The filters of scheme @s of kdamond 0 as "matching start end;..." */
static gchar *addr_filters(Fixture *fx, guint s)
{
	g_autofree gchar *files = vtier_damon_fake_get_files_config(fx->fake, 0);
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0;; i++) {
		g_autofree gchar *m = filter_file(files, s, i, "matching");
		g_autofree gchar *st = filter_file(files, s, i, "addr_start");
		g_autofree gchar *en = filter_file(files, s, i, "addr_end");

		if (m == NULL)
			break;
		g_string_append_printf(out, "%s %s %s;", m, st, en);
	}
	return g_strdup(out->str);
}

/* A 6.14+ "keep only [s,e)" addr filter in the middle of the span becomes two matching=Y
 * filters over the rest; an allow=Y keep filter too (and may then be followed by others); a
 * keep range covering the span needs none. */
static void test_612_keep_range(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	VtierDamonFilter *f = scheme_of(model, 0)->filters->pdata[0];
	g_autofree gchar *got = NULL;

	fixture_setup(&fx, "6.12", FALSE);
	f->addr_start = 0x10000000;
	f->addr_end = 0x50000000;
	f = scheme_of(model, 1)->filters->pdata[0];
	f->addr_start = 0; /* the whole span: nothing to exclude */
	f->addr_end = 2ULL << 30;
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	assert_consistent(&fx, model);
	got = addr_filters(&fx, 0);
	g_assert_cmpstr(got, ==, "Y 0 268435456;Y 1342177280 2147483648;N 0 0;");
	g_free(got);
	got = addr_filters(&fx, 1);
	g_assert_cmpstr(got, ==, "N 0 0;");
	g_free(got);
	/* allow=Y matching=Y "allow only [s,e)" first, then the memcg filter */
	f->allow = TRUE;
	f->matching = TRUE;
	f->addr_start = 1ULL << 30;
	f->addr_end = 2ULL << 30;
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT);
	assert_consistent(&fx, model);
	got = addr_filters(&fx, 1);
	g_assert_cmpstr(got, ==, "Y 0 1073741824;N 0 0;");
	fixture_teardown(&fx);
}

/* Index of the first journal line at or after @from containing @needle, or -1. */
static gint journal_find(GPtrArray *lines, gint from, const gchar *needle)
{
	for (guint i = (guint)MAX(from, 0); i < lines->len; i++) {
		if (strstr(lines->pdata[i], needle) != NULL)
			return (gint)i;
	}
	return -1;
}

/* Starting a kdamond with moving schemes: unmatchable pattern -> on -> real pattern -> commit;
 * the running kdamond then equals the model, and the apply reports `on` and one staged kdamond. */
static void test_staged_start(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;
	gint staged, on, real, commit;

	fixture_setup(&fx, "6.12", FALSE);
	vtier_damon_writer_set_staged_start(fx.writer, TRUE, 0);
	g_assert_true(vtier_damon_writer_apply(fx.writer, model, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(result.staged, ==, 1);
	g_assert_cmpuint(result.staged_wait_ms, ==, 0); /* min(1000 + 200, bound 0) */
	g_assert_cmpint(g_array_index(result.actions, VtierDamonStateAction, 0), ==,
			VTIER_DAMON_STATE_ON);
	/* the span [0, 2 GiB) + 1: no region can be that large */
	staged = journal_find(fx.journal, 0, "schemes/0/access_pattern/sz/min\t2147483649");
	on = journal_find(fx.journal, 0, "kdamonds/0/state\ton");
	real = journal_find(fx.journal, 0, "schemes/0/access_pattern/sz/min\t4096");
	commit = journal_find(fx.journal, 0, "kdamonds/0/state\tcommit");
	g_assert_cmpint(staged, >=, 0);
	g_assert_cmpint(on, >, staged);
	g_assert_cmpint(real, >, on);
	g_assert_cmpint(commit, >, real);
	g_assert_cmpint(journal_find(fx.journal, 0, "schemes/1/access_pattern/sz/min\t2147483649"), <, on);
	g_assert_cmpint(journal_find(fx.journal, on, "schemes/1/access_pattern/sz/min\t4096"), <, commit);
	/* after `on` only the patterns change, then commit */
	g_assert_cmpuint(fx.journal->len, ==, (guint)commit + 1);
	g_assert_cmpint(commit - on, ==, 3);
	assert_consistent(&fx, model);
	fixture_teardown(&fx);
}

/* Nothing is staged when the kdamond already runs (a commit), when no scheme moves memory, or
 * when a moving scheme has no quota (no first window to keep empty). */
static void test_staged_not_needed(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	fixture_setup(&fx, "7.3", TRUE);
	vtier_damon_writer_set_staged_start(fx.writer, TRUE, 0);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	g_ptr_array_set_size(fx.journal, 0);
	scheme_of(model, 0)->sz.min = 8192;
	g_assert_true(vtier_damon_writer_apply(fx.writer, model, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(result.staged, ==, 0);
	text = journal_text(&fx);
	g_assert_cmpstr(strstr(text, "sz/min\t"), !=, NULL);
	g_assert_null(strstr(text, "2147483649"));
	g_assert_true(g_str_has_suffix(text, "/kdamonds/0/state\tcommit\n"));
	g_assert_null(strstr(text, "state\ton"));
	fixture_teardown(&fx);

	/* stat only, and a migrate_hot without a quota: a plain `on` */
	fixture_setup(&fx, "6.18", TRUE);
	vtier_damon_writer_set_staged_start(fx.writer, TRUE, 0);
	scheme_of(model, 0)->quotas.bytes = 0;
	scheme_of(model, 0)->quotas.ms = 0;
	scheme_of(model, 1)->action = VTIER_DAMON_ACTION_STAT;
	g_assert_false(vtier_damon_scheme_needs_staged_start(scheme_of(model, 0)));
	g_assert_false(vtier_damon_scheme_needs_staged_start(scheme_of(model, 1)));
	vtier_damon_apply_result_clear(&result);
	g_assert_true(vtier_damon_writer_apply(fx.writer, model, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(result.staged, ==, 0);
	g_free(text);
	text = journal_text(&fx);
	g_assert_true(g_str_has_suffix(text, "/kdamonds/0/state\ton\n"));
	g_assert_null(strstr(text, "commit"));
	assert_consistent(&fx, model);
	fixture_teardown(&fx);
}

/* The wait is the longest reset interval + 200 ms, bounded; the script shows it. A kernel that
 * keeps its first quota window (7.3) is not staged by default. */
static void test_staged_wait(void)
{
	g_autoptr(VtierDamonFeatures) f = vtier_damon_features_load("6.12", NULL);
	g_autoptr(VtierDamonFeatures) f73 = vtier_damon_features_load("7.3", NULL);
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *script = NULL;

	script = vtier_damon_writer_render_script(model, f73, &error);
	g_assert_no_error(error);
	g_assert_null(strstr(script, "sleep"));
	g_assert_true(g_str_has_suffix(script, "/kdamonds/0/state\n"));
	g_clear_pointer(&script, g_free);
	scheme_of(model, 1)->quotas.reset_interval_ms = 1500;
	script = vtier_damon_writer_render_script(model, f, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(script, "/kdamonds/0/state\nsleep 1.700\necho 4096 > "));
	g_free(script);
	scheme_of(model, 0)->quotas.reset_interval_ms = 60000;
	script = vtier_damon_writer_render_script(model, f, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(script, "\nsleep 2.000\n"));
}

static void test_apply_idempotent(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autofree gchar *first = NULL;
	guint writes;

	fixture_setup(&fx, "7.3", TRUE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	first = journal_text(&fx);
	g_assert_true(g_str_has_prefix(first, "/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds\t1\n"));
	g_assert_true(g_str_has_suffix(first, "/kdamonds/0/state\ton\n"));
	assert_consistent(&fx, model);
	writes = vtier_damon_io_get_write_count(fx.io);
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes);
	/* a new writer (vtierd restarted) reads the files and still writes nothing */
	vtier_damon_writer_free(fx.writer);
	fx.writer = vtier_damon_writer_new(fx.io, fx.features);
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes);
	fixture_teardown(&fx);
}

/* A changed budget writes that file and commits; a goal change only commits the goals. */
static void test_commit_changes_only(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autofree gchar *text = NULL;
	VtierDamonGoal *goal;

	fixture_setup(&fx, "7.3", TRUE);
	goal = vtier_damon_scheme_add_goal(scheme_of(model, 0));
	goal->target_value = 5000;
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	g_ptr_array_set_size(fx.journal, 0);
	scheme_of(model, 1)->quotas.bytes = 8 << 20;
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT);
	text = journal_text(&fx);
	g_assert_cmpstr(text, ==,
			"/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/1/quotas/bytes\t8388608\n"
			"/sys/kernel/mm/damon/admin/kdamonds/0/state\tcommit\n");
	assert_consistent(&fx, model);
	g_clear_pointer(&text, g_free);
	goal->current_value = 1234;
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT_GOALS);
	text = journal_text(&fx);
	g_assert_cmpstr(text, ==,
			"/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/quotas/goals/0/current_value\t1234\n"
			"/sys/kernel/mm/damon/admin/kdamonds/0/state\tcommit_schemes_quota_goals\n");
	assert_consistent(&fx, model);
	fixture_teardown(&fx);
}

/* Appending a scheme rewrites nr_schemes, which wipes every scheme: all are rewritten. */
static void test_append_scheme(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	VtierDamonScheme *s;

	fixture_setup(&fx, "6.18", TRUE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	s = vtier_damon_context_add_scheme(((VtierDamonKdamond *)model->kdamonds->pdata[0])->context);
	s->action = VTIER_DAMON_ACTION_STAT;
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT);
	assert_consistent(&fx, model);
	fixture_teardown(&fx);
}

/* A commit the kernel rejects leaves the kdamond running as before, and the writer puts the
 * running values back into the files the kernel left the rejected values in. */
static void test_failed_commit_restores(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(VtierDamonModel) bad = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *running = NULL;
	g_autofree gchar *files = NULL;
	VtierDamonFilter *f;

	fixture_setup(&fx, "7.3", TRUE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	before = vtier_damon_fake_get_running_config(fx.fake, 0);
	bad = vtier_damon_model_copy(model);
	scheme_of(bad, 0)->quotas.bytes = 1 << 20;
	f = scheme_of(bad, 1)->filters->pdata[1];
	g_free(f->memcg_path);
	f->memcg_path = g_strdup("/vtier.slice/gone");
	/* the writer's own check would refuse it first: let the kernel answer */
	vtier_damon_writer_set_check_memcg(fx.writer, FALSE);
	g_assert_false(vtier_damon_writer_apply(fx.writer, bad, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NO_MEMORY);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, "cannot write \"commit\" to "
						"/sys/kernel/mm/damon/admin/kdamonds/0/state: "));
	g_assert_nonnull(strstr(error->message, "a memcg path no longer exists: "
						"/vtier.slice/gone (kdamond 0 scheme 1)"));
	running = vtier_damon_fake_get_running_config(fx.fake, 0);
	files = vtier_damon_fake_get_files_config(fx.fake, 0);
	g_assert_cmpstr(running, ==, before);
	g_assert_cmpstr(files, ==, running);
	assert_consistent(&fx, model);
	/* the next apply of the good model has nothing to do */
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	fixture_teardown(&fx);
}


/* Transient EBUSY (the sysfs lock is shared) is retried; a persistent one is reported. */
static void test_busy_retry(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;

	fixture_setup(&fx, "7.3", TRUE);
	vtier_damon_fake_inject_busy(fx.fake, 3);
	g_assert_true(vtier_damon_writer_apply(fx.writer, model, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(result.busy_retries, ==, 3);
	assert_consistent(&fx, model);
	scheme_of(model, 0)->quotas.bytes = 1 << 20;
	vtier_damon_writer_set_busy_retry(fx.writer, 3, 100);
	vtier_damon_fake_inject_busy(fx.fake, 10);
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_BUSY);
	/* the writer reads `state` before it commits, and the kernel's state_show() takes the
	 * same trylock: the read is what runs out of retries */
	g_assert_cmpstr(error->message, ==,
			"cannot read /sys/kernel/mm/damon/admin/kdamonds/0/state: Device or "
			"resource busy");
	fixture_teardown(&fx);
}

/* What a kernel cannot do is refused before any write, naming what and where. */
static void test_unsupported(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(GError) error = NULL;
	VtierDamonFilter *f;

	fixture_setup(&fx, "6.18", TRUE);
	scheme_of(model, 0)->quotas.goal_tuner = VTIER_DAMON_TUNER_TEMPORAL;
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, 0);
	g_clear_error(&error);
	scheme_of(model, 0)->quotas.goal_tuner = VTIER_DAMON_TUNER_CONSIST;
	scheme_of(model, 0)->action = VTIER_DAMON_ACTION_COLLAPSE;
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_cmpstr(error->message, ==,
			"kdamonds/0/contexts/0/schemes/0: collapse is not supported by this kernel "
			"(DAMON features: profile 6.18)");
	g_clear_error(&error);
	scheme_of(model, 0)->action = VTIER_DAMON_ACTION_MIGRATE_HOT;
	vtier_damon_context_add_perf_event(((VtierDamonKdamond *)model->kdamonds->pdata[0])->context);
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_nonnull(strstr(error->message, "hardware sampling"));
	fixture_teardown(&fx);
	/* 6.12 cannot put an allow filter before another filter */
	fixture_setup(&fx, "6.12", FALSE);
	g_clear_pointer(&model, vtier_damon_model_free);
	model = damon_test_model_ratio(GUEST);
	f = vtier_damon_scheme_add_filter(scheme_of(model, 0), VTIER_DAMON_FILTER_YOUNG);
	f->matching = TRUE;
	g_clear_error(&error);
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_nonnull(strstr(error->message, "an allow filter followed by other filters"));
	g_clear_error(&error);
	/* a file the kernel lacks is fine while the model keeps its default */
	g_ptr_array_remove_index(scheme_of(model, 0)->filters, 2);
	((VtierDamonKdamond *)model->kdamonds->pdata[0])->refresh_ms = 100;
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
	g_assert_cmpstr(error->message, ==,
			"cannot write \"100\" to /sys/kernel/mm/damon/admin/kdamonds/0/refresh_ms: "
			"this kernel has no such file (DAMON features: profile 6.12)");
	fixture_teardown(&fx);
}

/* The RFC perf_events ABI reads hex and 0/1 back; a repeated apply still writes nothing. */
static void test_hw_rfc(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	VtierDamonContext *ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context;
	VtierDamonPerfEvent *ev = vtier_damon_context_add_perf_event(ctx);
	g_autofree gchar *files = NULL;
	guint writes;

	fixture_setup(&fx, "7.3+hw-rfc", TRUE);
	ev->type = 11;
	ev->config = 0;
	ev->sample_phys_addr = TRUE;
	ev->freq = FALSE;
	ev->sample_period = 262144;
	ev->exclude_kernel = FALSE;
	ev->exclude_hv = FALSE;
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	assert_consistent(&fx, model);
	files = vtier_damon_fake_get_files_config(fx.fake, 0);
	g_assert_nonnull(strstr(files, "monitoring_attrs/sample/perf_events/0/type 0xb\n"));
	g_assert_nonnull(strstr(files, "monitoring_attrs/sample/perf_events/0/sample_phys_addr 1\n"));
	writes = vtier_damon_io_get_write_count(fx.io);
	vtier_damon_writer_invalidate(fx.writer);
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes);
	fixture_teardown(&fx);
}

/* A scheme that did not change is neither rendered nor compared again: a change to one scheme
 * writes that scheme's file; a file changed behind the writer's back is found after an
 * invalidate (the audit's repair), as before; nr_* writes within a scheme or above the schemes
 * make the writer compare again what they recreated. */
static void test_unchanged_schemes(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	VtierDamonContext *ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;
	guint writes;

	fixture_setup(&fx, "7.3", TRUE);
	g_ptr_array_add(ctx->schemes, vtier_damon_scheme_copy(scheme_of(model, 0)));
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	assert_consistent(&fx, model);
	g_ptr_array_set_size(fx.journal, 0);
	scheme_of(model, 1)->quotas.bytes += 4096;
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT);
	text = journal_text(&fx);
	g_assert_cmpstr(strstr(text, "/schemes/1/quotas/bytes\t"), !=, NULL);
	g_assert_null(strstr(text, "/schemes/0/"));
	g_assert_null(strstr(text, "/schemes/2/"));
	assert_consistent(&fx, model);
	/* a foreign write: remembered values hide it until the writer forgets them */
	path = vtier_damon_admin_path("kdamonds/0/contexts/0/schemes/2/quotas/ms");
	g_assert_true(vtier_damon_io_write(fx.io, path, "777", &error));
	g_assert_no_error(error);
	writes = vtier_damon_io_get_write_count(fx.io);
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes);
	vtier_damon_writer_invalidate(fx.writer);
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes + 2);
	assert_consistent(&fx, model);
	/* nr_filters of one scheme, then nr_schemes: what they recreate is written again */
	vtier_damon_scheme_add_filter(scheme_of(model, 2), VTIER_DAMON_FILTER_ANON)->matching = TRUE;
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT);
	assert_consistent(&fx, model);
	g_ptr_array_add(ctx->schemes, vtier_damon_scheme_copy(scheme_of(model, 2)));
	apply_ok(&fx, model, VTIER_DAMON_STATE_COMMIT);
	assert_consistent(&fx, model);
	writes = vtier_damon_io_get_write_count(fx.io);
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes);
	fixture_teardown(&fx);
}

/* Every field of @entries, one line each. */
static gchar *entries_text(const GPtrArray *entries)
{
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; i < entries->len; i++) {
		const VtierDamonEntry *e = entries->pdata[i];

		g_string_append_printf(out, "%s=%s default=%s kind=%d k=%u goal=%d live=%d tuned=%d\n",
				       e->relpath, e->value, e->default_value, e->kind, e->kdamond,
				       e->goal, e->live, e->tuned);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Scheme @i of kdamond @k has one part, right after its kdamond's head: the writer finds a scheme's
 * part there when a write below the scheme recreates its files (forget_parts_below). */
static void assert_scheme_parts_in_place(GPtrArray *parts)
{
	for (guint j = 0; j < parts->len; j++) {
		const VtierDamonPart *part = parts->pdata[j];
		guint head = 0, seen = 0;

		if (part->scheme < 0)
			continue;
		while (head < parts->len &&
		       (((VtierDamonPart *)parts->pdata[head])->kdamond != part->kdamond ||
			((VtierDamonPart *)parts->pdata[head])->scheme >= 0))
			head++;
		g_assert_cmpuint(j, ==, head + 1 + (guint)part->scheme);
		for (guint n = 0; n < parts->len; n++) {
			const VtierDamonPart *other = parts->pdata[n];

			seen += other->kdamond == part->kdamond && other->scheme == part->scheme;
		}
		g_assert_cmpuint(seen, ==, 1);
	}
}

static void test_scheme_parts_in_place(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonFeatures) features = vtier_damon_features_load("7.3", &error);
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(GPtrArray) parts = NULL;
	g_autoptr(GPtrArray) again = NULL;
	VtierDamonKdamond *k;

	g_assert_no_error(error);
	k = vtier_damon_model_add_kdamond(model);
	k->context->operations = VTIER_DAMON_OPS_PADDR;
	vtier_damon_target_add_region(vtier_damon_context_add_target(k->context), 1 << 20,
				      3ULL << 30);
	g_ptr_array_add(k->context->schemes, vtier_damon_scheme_copy(scheme_of(model, 1)));
	g_ptr_array_add(k->context->schemes, vtier_damon_scheme_copy(scheme_of(model, 0)));
	parts = vtier_damon_render_parts(model, features, NULL, &error);
	g_assert_no_error(error);
	assert_scheme_parts_in_place(parts);
	/* rendered again over the last render: reused parts and a fresh one, a scheme added */
	scheme_of(model, 1)->quotas.bytes += 4096;
	g_ptr_array_add(k->context->schemes, vtier_damon_scheme_copy(scheme_of(model, 0)));
	again = vtier_damon_render_parts(model, features, parts, &error);
	g_assert_no_error(error);
	assert_scheme_parts_in_place(again);
}

/* A scheme's part that let its entries go renders them again exactly as the first time (its
 * kdamond, directory and context span: 6.12's keep-range filters depend on the span); heads and
 * tails keep theirs. */
static void test_parts_entries_dropped(void)
{
	const gchar *profiles[] = { "7.3", "6.12" };

	for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierDamonFeatures) features = vtier_damon_features_load(profiles[p], &error);
		g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
		g_autoptr(GPtrArray) parts = NULL;
		VtierDamonKdamond *k;
		guint schemes = 0;

		g_assert_no_error(error);
		vtier_damon_scheme_add_goal(scheme_of(model, 0))->target_value = 5000;
		((VtierDamonFilter *)scheme_of(model, 0)->filters->pdata[0])->addr_start = 0x10000000;
		/* a second kdamond: its parts carry its index and its own span */
		k = vtier_damon_model_add_kdamond(model);
		k->context->operations = VTIER_DAMON_OPS_PADDR;
		vtier_damon_target_add_region(vtier_damon_context_add_target(k->context), 1 << 20,
					      3ULL << 30);
		g_ptr_array_add(k->context->schemes, vtier_damon_scheme_copy(scheme_of(model, 1)));
		parts = vtier_damon_render_parts(model, features, NULL, &error);
		g_assert_no_error(error);
		for (guint i = 0; i < parts->len; i++) {
			VtierDamonPart *part = parts->pdata[i];
			g_autofree gchar *first = entries_text(part->entries);
			g_autofree gchar *again = NULL;
			GPtrArray *entries;

			vtier_damon_part_drop_entries(part);
			g_assert_true((part->entries == NULL) == (part->scheme >= 0));
			schemes += part->scheme >= 0;
			entries = vtier_damon_part_get_entries(part, features, &error);
			g_assert_no_error(error);
			g_assert_true(entries == part->entries);
			again = entries_text(entries);
			g_assert_cmpstr(again, ==, first);
		}
		g_assert_cmpuint(schemes, ==, 3);
	}
}

/* A relpath of the writer's kind, or one the packing must not confuse ("schemes/nr_schemes",
 * "schemes/12x/...", no directory). */
static gchar *random_relpath(GRand *rand)
{
	static const gchar *const files[] = {
		"action", "target_nid", "quotas/bytes", "quotas/goals/nr_goals",
		"quotas/goals/0/target_value", "quotas/goals/1/target_value", "filters/nr_filters",
		"filters/0/type", "filters/0/memcg_path", "filters/1/matching",
		"access_pattern/sz/min", "dests/0/id",
	};
	guint k = (guint)g_rand_int_range(rand, 0, 2), i = (guint)g_rand_int_range(rand, 0, 12);
	const gchar *f = files[g_rand_int_range(rand, 0, G_N_ELEMENTS(files))];

	switch (g_rand_int_range(rand, 0, 8)) {
	case 0:
		return g_strdup_printf("kdamonds/%u/contexts/0/schemes/nr_schemes", k);
	case 1:
		return g_strdup_printf("kdamonds/%u/contexts/0/targets/%u/regions/0/start", k, i);
	case 2:
		return g_strdup_printf("kdamonds/%u/contexts/0/schemes/%ux/%s", k, i, f);
	case 3:
		return g_strdup(i % 2 ? "kdamonds/nr_kdamonds" : "toplevel");
	default:
		return g_strdup_printf("kdamonds/%u/contexts/0/schemes/%u/%s", k, i, f);
	}
}

/* The directory of a random relpath, or one above it. */
static gchar *random_dir(GRand *rand)
{
	g_autofree gchar *path = random_relpath(rand);
	gchar *slash = strrchr(path, '/');

	while (slash != NULL) {
		*slash = '\0';
		if (g_rand_boolean(rand))
			break;
		slash = strrchr(path, '/');
	}
	return slash != NULL ? g_strdup(path) : g_strdup("");
}

static gboolean below_dir(gpointer key, gpointer value, gpointer prefix)
{
	(void)value;
	return g_str_has_prefix(key, prefix);
}

/* What the writer knows, packed per directory and per scheme, answers every lookup as a plain
 * map of relpaths would, over random sets, forgets, prefix forgets, fresh marks and clears; and
 * is_fresh() as a plain list of the directories marked fresh would. */
static void test_known_packed(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261205);
	g_autoptr(VtierDamonKnown) known = vtier_damon_known_new();
	g_autoptr(GHashTable) plain = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func(g_free); /* marked, nested too */
	static const gchar *const values[] = { "0", "1", "42", "Y", "/vtier.slice/guest1",
					       "18446744073709551615", "" };
	GHashTableIter it;
	gpointer key, value;

	for (guint round = 0; round < 20000; round++) {
		gint op = g_rand_int_range(rand, 0, 100);

		if (op < 70) {
			g_autofree gchar *path = random_relpath(rand);
			const gchar *v = values[g_rand_int_range(rand, 0, G_N_ELEMENTS(values))];

			if (op < 5)
				v = NULL;
			g_assert_cmpstr(vtier_damon_known_set(known, path, v), ==, v);
			if (v != NULL)
				g_hash_table_replace(plain, g_strdup(path), g_strdup(v));
			else
				g_hash_table_remove(plain, path);
		} else if (op < 97) {
			g_autofree gchar *dir = random_dir(rand);
			g_autofree gchar *prefix = g_strconcat(dir, "/", NULL);

			if (op < 90) {
				vtier_damon_known_forget_below(known, dir);
			} else {
				vtier_damon_known_mark_fresh(known, dir);
				g_ptr_array_add(fresh, g_strdup(prefix));
			}
			g_hash_table_foreach_remove(plain, below_dir, prefix);
		} else if (op < 98) {
			vtier_damon_known_clear(known);
			g_hash_table_remove_all(plain);
			g_ptr_array_set_size(fresh, 0);
		}
		for (guint j = 0; j < 8; j++) {
			g_autofree gchar *path = random_relpath(rand);
			gboolean is_fresh = FALSE;

			g_assert_cmpstr(vtier_damon_known_lookup(known, path), ==,
					g_hash_table_lookup(plain, path));
			for (guint f = 0; f < fresh->len && !is_fresh; f++)
				is_fresh = g_str_has_prefix(path, fresh->pdata[f]);
			g_assert_cmpint(vtier_damon_known_is_fresh(known, path), ==, is_fresh);
		}
		g_assert_cmpuint(vtier_damon_known_size(known), ==, g_hash_table_size(plain));
	}
	/* and every file still known */
	g_hash_table_iter_init(&it, plain);
	while (g_hash_table_iter_next(&it, &key, &value))
		g_assert_cmpstr(vtier_damon_known_lookup(known, key), ==, value);
}

/* Creates the memcg directories @model's filters name and the processes its targets name,
 * below the fixture's sysroot (the fake, as the kernel, refuses a kdamond without them). */
static void add_model_paths(Fixture *fx, const VtierDamonModel *model)
{
	for (guint k = 0; k < model->kdamonds->len; k++) {
		const VtierDamonContext *ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[k])->context;

		for (guint i = 0; i < ctx->targets->len; i++) {
			const VtierDamonTarget *t = ctx->targets->pdata[i];
			g_autofree gchar *rel = g_strdup_printf("proc/%d/status", t->pid_target);

			if (t->pid_target > 0)
				vtier_test_write_file(fx->sysroot->root, rel, "");
		}

		for (guint i = 0; i < ctx->schemes->len; i++) {
			const VtierDamonScheme *s = ctx->schemes->pdata[i];

			for (guint j = 0; j < s->filters->len; j++) {
				const VtierDamonFilter *f = s->filters->pdata[j];
				g_autofree gchar *rel = NULL;

				if (f->type != VTIER_DAMON_FILTER_MEMCG || f->memcg_path == NULL)
					continue;
				rel = g_strconcat("sys/fs/cgroup", f->memcg_path, "/cgroup.procs", NULL);
				vtier_test_write_file(fx->sysroot->root, rel, "");
			}
		}
	}
}

/* A first apply reads no file of a directory its own nr_* write made: the kernel made it with
 * its defaults (vtier_damon_known_mark_fresh()). Every golden plan model of every profile, on
 * that profile's fake (whose tree the lab holds equal to the kernel's, damon-conformance): the
 * files read back equal the model, so each entry's default is the kernel's; the apply read only
 * the tree's state, and looked up only the files it wrote. */
static void test_fresh_defaults(void)
{
	g_autofree gchar *root = vtier_test_data_path("golden", "plan", NULL);
	g_autoptr(GDir) hosts = g_dir_open(root, 0, NULL);
	const gchar *host;
	guint checked = 0;

	g_assert_nonnull(hosts);
	while ((host = g_dir_read_name(hosts)) != NULL) {
		g_autofree gchar *hdir = g_build_filename(root, host, NULL);
		g_autoptr(GDir) profiles = g_dir_open(hdir, 0, NULL);
		const gchar *profile;

		while (profiles != NULL && (profile = g_dir_read_name(profiles)) != NULL) {
			g_autofree gchar *pdir = g_build_filename(hdir, profile, NULL);
			g_autoptr(GDir) files = g_dir_open(pdir, 0, NULL);
			const gchar *name;

			while (files != NULL && (name = g_dir_read_name(files)) != NULL) {
				g_autofree gchar *path = g_build_filename(pdir, name, NULL);
				g_autofree gchar *data = NULL;
				g_autofree gchar *mismatches = NULL;
				g_autoptr(JsonNode) node = NULL;
				g_autoptr(VtierDamonModel) model = NULL;
				g_auto(VtierDamonApplyResult) result = { 0 };
				g_autoptr(GError) error = NULL;
				Fixture fx = { 0 };

				if (!g_str_has_suffix(name, ".json"))
					continue;
				g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
				node = json_from_string(data, &error);
				g_assert_no_error(error);
				model = vtier_damon_model_from_json(
					json_object_get_member(json_node_get_object(node), "model"),
					&error);
				g_assert_no_error(error);
				if (model->kdamonds->len == 0)
					continue;
				g_test_message("%s", path);
				fixture_setup(&fx, profile, TRUE);
				add_model_paths(&fx, model);
				vtier_damon_writer_apply(fx.writer, model, &result, &error);
				g_assert_no_error(error);
				g_assert_true(vtier_damon_writer_verify(fx.writer, model, &mismatches,
									&error));
				g_assert_no_error(error);
				g_assert_cmpstr(mismatches, ==, NULL);
				/* nr_kdamonds, and a state or two; ~30 files a scheme before */
				g_assert_cmpuint(result.reads, <=, 1 + model->kdamonds->len);
				g_assert_cmpuint(result.lookups, <=, result.writes);
				fixture_teardown(&fx);
				checked++;
			}
		}
	}
	g_assert_cmpuint(checked, >=, 40);
}

/* Each missing memcg path is named once, with the first scheme that names it, also when one
 * path is the start of another. */
static void test_missing_memcgs(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autofree gchar *both = NULL;
	g_autofree gchar *once = NULL;
	VtierDamonFilter *f0 = scheme_of(model, 0)->filters->pdata[1];
	VtierDamonFilter *f1 = scheme_of(model, 1)->filters->pdata[1];

	fixture_setup(&fx, "7.3", TRUE);
	g_assert_null(vtier_damon_writer_missing_memcgs(model));
	g_free(f0->memcg_path);
	f0->memcg_path = g_strdup("/gone/deeper");
	g_free(f1->memcg_path);
	f1->memcg_path = g_strdup("/gone");
	both = vtier_damon_writer_missing_memcgs(model);
	g_assert_cmpstr(both, ==,
			"/gone/deeper (kdamond 0 scheme 0), /gone (kdamond 0 scheme 1)");
	g_free(f0->memcg_path);
	f0->memcg_path = g_strdup("/gone");
	once = vtier_damon_writer_missing_memcgs(model);
	g_assert_cmpstr(once, ==, "/gone (kdamond 0 scheme 0)");
	fixture_teardown(&fx);
}

/* Changing the number of kdamonds stops the running ones (nr_kdamonds gives EBUSY otherwise). */
static void test_kdamond_count(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;
	VtierDamonKdamond *k;
	VtierDamonTarget *t;

	fixture_setup(&fx, "7.3", TRUE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	k = vtier_damon_model_add_kdamond(model);
	k->context->operations = VTIER_DAMON_OPS_PADDR;
	t = vtier_damon_context_add_target(k->context);
	vtier_damon_target_add_region(t, 0, 1 << 30);
	g_assert_true(vtier_damon_writer_apply(fx.writer, model, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(result.actions->len, ==, 2);
	g_assert_cmpint(g_array_index(result.actions, VtierDamonStateAction, 0), ==, VTIER_DAMON_STATE_ON);
	g_assert_cmpint(g_array_index(result.actions, VtierDamonStateAction, 1), ==, VTIER_DAMON_STATE_ON);
	g_assert_true(vtier_damon_fake_is_running(fx.fake, 0) && vtier_damon_fake_is_running(fx.fake, 1));
	assert_consistent(&fx, model);
	g_assert_true(vtier_damon_writer_stop(fx.writer, &error));
	g_assert_false(vtier_damon_fake_is_running(fx.fake, 0) || vtier_damon_fake_is_running(fx.fake, 1));
	fixture_teardown(&fx);
}

/* Read-back goes through update_* commands, or just reads when refresh_ms is set. */
static void test_read_status(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_auto(VtierDamonKdamondStatus) status = { 0 };
	VtierDamonSchemeStats st = { .nr_tried = 5, .sz_tried = 5 << 20, .nr_applied = 3,
				     .sz_applied = 3 << 20, .qt_exceeds = 2, .effective_bytes = 4096,
				     .tried_bytes = 7 << 20 };
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) json = NULL;
	g_autofree gchar *text = NULL;
	const VtierDamonSchemeStats *got;

	fixture_setup(&fx, "6.18", TRUE);
	vtier_damon_scheme_add_goal(scheme_of(model, 0))->current_value = 42;
	g_assert_false(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_clear_error(&error);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	g_assert_true(vtier_damon_writer_stop(fx.writer, &error));
	g_assert_true(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
	g_assert_false(status.running);
	g_assert_cmpint(status.pid, ==, -1);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	vtier_damon_fake_set_scheme_stats(fx.fake, 0, 0, &st);
	g_ptr_array_set_size(fx.journal, 0);
	g_assert_true(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
	g_assert_no_error(error);
	g_assert_true(status.running);
	g_assert_cmpint(status.pid, ==, 3001); /* a restart is a new kdamond thread */
	g_assert_cmpuint(status.schemes->len, ==, 2);
	got = &g_array_index(status.schemes, VtierDamonSchemeStats, 0);
	g_assert_cmpmem(got, sizeof(*got), &st, sizeof(st));
	/* no stats injected for scheme 1: its effective quota is its byte cap */
	g_assert_cmpuint(g_array_index(status.schemes, VtierDamonSchemeStats, 1).effective_bytes, ==, 4095);
	g_assert_cmpuint(g_array_index((GArray *)status.goals->pdata[0], guint64, 0), ==, 42);
	text = journal_text(&fx);
	g_assert_nonnull(strstr(text, "state\tupdate_schemes_stats\n"));
	g_assert_nonnull(strstr(text, "state\tupdate_schemes_effective_quotas\n"));
	g_assert_nonnull(strstr(text, "state\tupdate_schemes_tried_bytes\n"));
	json = vtier_damon_kdamond_status_to_json(&status);
	g_clear_pointer(&text, g_free);
	text = json_to_string(json, FALSE);
	g_assert_nonnull(strstr(text, "\"sz_applied\":3145728"));
	g_assert_nonnull(strstr(text, "\"goal_current_values\":[42]"));
	/* with refresh_ms the kernel refreshes the files itself: no state command */
	((VtierDamonKdamond *)model->kdamonds->pdata[0])->refresh_ms = 500;
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	g_ptr_array_set_size(fx.journal, 0);
	g_assert_true(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
	g_assert_cmpuint(fx.journal->len, ==, 0);
	/* the kernel reads `state` and `pid` under the sysfs trylock that the refresh_ms worker
	 * and other writers take: a transient EBUSY is retried, a lasting one is the error and
	 * names the file (`state`, read first) */
	vtier_damon_fake_inject_busy(fx.fake, 3);
	g_assert_true(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status.pid, ==, 3001);
	vtier_damon_fake_inject_busy(fx.fake, 100);
	g_assert_false(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_BUSY);
	g_assert_cmpstr(error->message, ==,
			"cannot read /sys/kernel/mm/damon/admin/kdamonds/0/state: Device or resource busy");
	vtier_damon_fake_inject_busy(fx.fake, 0);
	fixture_teardown(&fx);
}

/* The periodic read (a filtered status, vtierd's every interval) takes what the controller needs:
 * PULL/PUSH's applied/tried/quota counters and the hot stat schemes' sz_ops_filter_passed and
 * nr_snapshots, only of the wanted schemes; on 6.18, which lacks nr_snapshots, that reads 0. */
static void test_read_status_periodic(void)
{
	const gchar *profiles[] = { "7.3", "6.18" };

	for (gsize p = 0; p < G_N_ELEMENTS(profiles); p++) {
		Fixture fx = { 0 };
		g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
		g_auto(VtierDamonKdamondStatus) status = { 0 };
		g_autoptr(GArray) wanted = g_array_new(FALSE, FALSE, sizeof(VtierDamonStatsWant));
		VtierDamonSchemeStats st = { .nr_tried = 5, .sz_tried = 5 << 20, .sz_applied = 3 << 20,
					     .sz_ops_filter_passed = 640 << 20, .qt_exceeds = 2,
					     .nr_snapshots = 10, .effective_bytes = 4096 };
		g_autoptr(GError) error = NULL;
		const VtierDamonSchemeStats *got;
		VtierDamonStatsWant one = { 1, VTIER_DAMON_STATS_MOVED | VTIER_DAMON_STATS_HOT };

		fixture_setup(&fx, profiles[p], TRUE);
		apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
		vtier_damon_fake_set_scheme_stats(fx.fake, 0, 0, &st);
		vtier_damon_fake_set_scheme_stats(fx.fake, 0, 1, &st);
		g_array_append_val(wanted, one);
		vtier_damon_writer_set_status_schemes(fx.writer, wanted);
		g_assert_true(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(status.schemes->len, ==, 2);
		got = &g_array_index(status.schemes, VtierDamonSchemeStats, 0);
		g_assert_cmpuint(got->sz_ops_filter_passed, ==, 0); /* not wanted: not read */
		got = &g_array_index(status.schemes, VtierDamonSchemeStats, 1);
		g_assert_cmpuint(got->sz_applied, ==, 3 << 20);
		g_assert_cmpuint(got->qt_exceeds, ==, 2);
		g_assert_cmpuint(got->sz_ops_filter_passed, ==, 640 << 20);
		g_assert_cmpuint(got->nr_snapshots, ==, p == 0 ? 10 : 0);
		g_assert_cmpuint(got->nr_tried, ==, 0);	  /* full status only */
		g_assert_cmpuint(got->effective_bytes, ==, 0);
		fixture_teardown(&fx);
	}
}

/* Each wanted scheme is read only for the files its role uses, and the kernel is asked to refresh
 * only what those files need: no effective quotas, and the tried regions' bytes (a walk of every
 * scheme's regions) only when some scheme wants them. */
static void test_read_status_files(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_auto(VtierDamonKdamondStatus) status = { 0 };
	g_autoptr(GArray) wanted = g_array_new(FALSE, FALSE, sizeof(VtierDamonStatsWant));
	VtierDamonSchemeStats st = { .sz_tried = 5 << 20, .sz_applied = 3 << 20,
				     .sz_ops_filter_passed = 640 << 20, .qt_exceeds = 2,
				     .nr_snapshots = 10, .tried_bytes = 7 << 20 };
	VtierDamonStatsWant moved = { 0, VTIER_DAMON_STATS_MOVED };
	VtierDamonStatsWant hot = { 1, VTIER_DAMON_STATS_HOT };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *journal = NULL;
	const VtierDamonSchemeStats *got;

	fixture_setup(&fx, "7.3", TRUE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	vtier_damon_fake_set_scheme_stats(fx.fake, 0, 0, &st);
	vtier_damon_fake_set_scheme_stats(fx.fake, 0, 1, &st);
	g_ptr_array_set_size(fx.journal, 0);
	g_array_append_val(wanted, moved);
	g_array_append_val(wanted, hot);
	vtier_damon_writer_set_status_schemes(fx.writer, wanted);
	g_assert_true(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
	g_assert_no_error(error);
	got = &g_array_index(status.schemes, VtierDamonSchemeStats, 0);
	g_assert_cmpuint(got->sz_applied, ==, 3 << 20);
	g_assert_cmpuint(got->sz_tried, ==, 5 << 20);
	g_assert_cmpuint(got->qt_exceeds, ==, 2);
	g_assert_cmpuint(got->sz_ops_filter_passed, ==, 0);
	g_assert_cmpuint(got->tried_bytes, ==, 0);
	got = &g_array_index(status.schemes, VtierDamonSchemeStats, 1);
	g_assert_cmpuint(got->sz_applied, ==, 0);
	g_assert_cmpuint(got->sz_ops_filter_passed, ==, 640 << 20);
	g_assert_cmpuint(got->nr_snapshots, ==, 10);
	journal = journal_text(&fx);
	g_assert_nonnull(strstr(journal, "update_schemes_stats"));
	g_assert_null(strstr(journal, "update_schemes_effective_quotas"));
	g_assert_null(strstr(journal, "update_schemes_tried_bytes"));
	fixture_teardown(&fx);
}

/* A scheme that wants its tried regions' bytes gets them where the read refreshes them
 * (update_schemes_tried_bytes); where refresh_ms is set it does not, and the kernel's periodic
 * refresh leaves the tried regions as they were: the file is not read, and the status says the
 * tried bytes are not fresh. */
static void test_read_status_tried(void)
{
	for (guint refresh = 0; refresh < 2; refresh++) {
		Fixture fx = { 0 };
		g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
		g_auto(VtierDamonKdamondStatus) status = { 0 };
		g_autoptr(GArray) wanted = g_array_new(FALSE, FALSE, sizeof(VtierDamonStatsWant));
		VtierDamonSchemeStats st = { .sz_tried = 5 << 20, .sz_applied = 3 << 20,
					     .qt_exceeds = 2, .tried_bytes = 7 << 20 };
		VtierDamonStatsWant want = { 0, VTIER_DAMON_STATS_MOVED |
							VTIER_DAMON_STATS_TRIED_REGIONS };
		g_autoptr(GError) error = NULL;
		g_autofree gchar *journal = NULL;
		const VtierDamonSchemeStats *got;

		fixture_setup(&fx, "6.18", TRUE);
		((VtierDamonKdamond *)model->kdamonds->pdata[0])->refresh_ms = refresh ? 500 : 0;
		apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
		vtier_damon_fake_set_scheme_stats(fx.fake, 0, 0, &st);
		g_ptr_array_set_size(fx.journal, 0);
		g_array_append_val(wanted, want);
		vtier_damon_writer_set_status_schemes(fx.writer, wanted);
		g_assert_true(vtier_damon_writer_read_status(fx.writer, 0, &status, &error));
		g_assert_no_error(error);
		got = &g_array_index(status.schemes, VtierDamonSchemeStats, 0);
		g_assert_cmpuint(got->sz_applied, ==, 3 << 20);
		journal = journal_text(&fx);
		if (refresh) {
			g_assert_false(status.tried_fresh);
			g_assert_cmpuint(got->tried_bytes, ==, 0);
			g_assert_cmpuint(fx.journal->len, ==, 0);
		} else {
			g_assert_true(status.tried_fresh);
			g_assert_cmpuint(got->tried_bytes, ==, 7 << 20);
			g_assert_nonnull(strstr(journal, "state\tupdate_schemes_tried_bytes\n"));
		}
		fixture_teardown(&fx);
	}
}

/* The kernel's answers, mapped to causes. */
static void test_error_mapping(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(GError) error = NULL;
	VtierDamonContext *ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context;

	fixture_setup(&fx, "7.3", TRUE);
	ctx->nr_regions_min = 2; /* the kernel needs at least 3 */
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "cannot write \"on\" to /sys/kernel/mm/damon/admin/"
						"kdamonds/0/state: Invalid argument (cause: the kernel "
						"rejected the configuration: sample_us <= aggr_us, 3 <= "
						"nr_regions min <= max"));
	g_assert_false(vtier_damon_fake_is_running(fx.fake, 0));
	g_clear_error(&error);
	ctx->nr_regions_min = 10;
	{
		VtierDamonFilter *f = scheme_of(model, 0)->filters->pdata[1];

		g_free(f->memcg_path);
		f->memcg_path = g_strdup("/not/there");
	}
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_cmpstr(error->message, ==,
			"memcg path does not exist: /not/there (kdamond 0 scheme 0); the kernel "
			"would refuse the configuration (ENOMEM), 6.12 by stopping the kdamond");
	g_clear_error(&error);
	vtier_damon_writer_set_check_memcg(fx.writer, FALSE);
	g_assert_false(vtier_damon_writer_apply(fx.writer, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NO_MEMORY);
	g_assert_nonnull(strstr(error->message, "cannot write \"on\" to /sys/kernel/mm/damon/admin/"
						"kdamonds/0/state: Cannot allocate memory (cause: a "
						"memcg path no longer exists: /not/there (kdamond 0 "
						"scheme 0)"));
	g_clear_error(&error);
	fixture_teardown(&fx);
}

/* 6.12 takes a bad commit with success and stops the kdamond: the writer notices, restores the
 * files and starts it again with what it ran before. */
static void test_612_commit_stops(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(VtierDamonModel) bad = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *running = NULL;

	fixture_setup(&fx, "6.12", FALSE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	before = vtier_damon_fake_get_running_config(fx.fake, 0);
	bad = vtier_damon_model_copy(model);
	((VtierDamonKdamond *)bad->kdamonds->pdata[0])->context->nr_regions_min = 1;
	scheme_of(bad, 0)->quotas.bytes = 1 << 20;
	g_assert_false(vtier_damon_writer_apply(fx.writer, bad, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "the kernel rejected `commit` of kdamond 0 and stopped it"));
	g_assert_true(vtier_damon_fake_is_running(fx.fake, 0));
	running = vtier_damon_fake_get_running_config(fx.fake, 0);
	g_assert_cmpstr(running, ==, before);
	assert_consistent(&fx, model);
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	fixture_teardown(&fx);
}

/* An adopted kdamond (vtierd restarted, the writer never committed it): a rejected commit is
 * undone with the values the files held before the writer wrote. */
static void test_adopted_restore(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(VtierDamonModel) bad = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *files = NULL;

	fixture_setup(&fx, "7.3", TRUE);
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	before = vtier_damon_fake_get_running_config(fx.fake, 0);
	vtier_damon_writer_free(fx.writer);
	fx.writer = vtier_damon_writer_new(fx.io, fx.features);
	vtier_damon_writer_set_check_memcg(fx.writer, FALSE);
	bad = vtier_damon_model_copy(model);
	scheme_of(bad, 1)->quotas.bytes = 1 << 20;
	((VtierDamonKdamond *)bad->kdamonds->pdata[0])->context->nr_regions_min = 1;
	g_assert_false(vtier_damon_writer_apply(fx.writer, bad, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	files = vtier_damon_fake_get_files_config(fx.fake, 0);
	g_assert_cmpstr(files, ==, before);
	assert_consistent(&fx, model);
	fixture_teardown(&fx);
}

/* With intervals auto-tuning the kernel owns sample_us/aggr_us of a running kdamond. */
static void test_tuned_intervals(void)
{
	Fixture fx = { 0 };
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	VtierDamonContext *ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context;
	g_autofree gchar *path = vtier_damon_admin_path("kdamonds/0/contexts/0/monitoring_attrs/"
							"intervals/sample_us");
	guint writes;

	fixture_setup(&fx, "7.3", TRUE);
	ctx->intervals_goal.access_bp = 400;
	ctx->intervals_goal.aggrs = 3;
	ctx->intervals_goal.min_sample_us = 5000;
	ctx->intervals_goal.max_sample_us = 10000000;
	apply_ok(&fx, model, VTIER_DAMON_STATE_ON);
	/* the tuner moved the sampling interval; the kernel wrote it back */
	g_assert_true(vtier_damon_io_write(fx.io, path, "7000", NULL));
	vtier_damon_writer_invalidate(fx.writer);
	writes = vtier_damon_io_get_write_count(fx.io);
	apply_ok(&fx, model, VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(fx.io), ==, writes);
	fixture_teardown(&fx);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/writer/scripts", test_scripts);
	g_test_add_func("/damon/writer/script-direct-equals-replay",
			test_script_direct_equals_replay);
	g_test_add_func("/damon/writer/6.12-filters", test_612_filters);
	g_test_add_func("/damon/writer/6.12-keep-range", test_612_keep_range);
	g_test_add_func("/damon/writer/staged-start", test_staged_start);
	g_test_add_func("/damon/writer/staged-not-needed", test_staged_not_needed);
	g_test_add_func("/damon/writer/staged-wait", test_staged_wait);
	g_test_add_func("/damon/writer/idempotent", test_apply_idempotent);
	g_test_add_func("/damon/writer/commit-changes-only", test_commit_changes_only);
	g_test_add_func("/damon/writer/append-scheme", test_append_scheme);
	g_test_add_func("/damon/writer/failed-commit-restores", test_failed_commit_restores);
	g_test_add_func("/damon/writer/busy-retry", test_busy_retry);
	g_test_add_func("/damon/writer/unsupported", test_unsupported);
	g_test_add_func("/damon/writer/hw-rfc", test_hw_rfc);
	g_test_add_func("/damon/writer/kdamond-count", test_kdamond_count);
	g_test_add_func("/damon/writer/scheme-parts-in-place", test_scheme_parts_in_place);
	g_test_add_func("/damon/writer/read-status", test_read_status);
	g_test_add_func("/damon/writer/read-status-periodic", test_read_status_periodic);
	g_test_add_func("/damon/writer/read-status-tried", test_read_status_tried);
	g_test_add_func("/damon/writer/read-status-files", test_read_status_files);
	g_test_add_func("/damon/writer/error-mapping", test_error_mapping);
	g_test_add_func("/damon/writer/6.12-commit-stops", test_612_commit_stops);
	g_test_add_func("/damon/writer/adopted-restore", test_adopted_restore);
	g_test_add_func("/damon/writer/tuned-intervals", test_tuned_intervals);
	g_test_add_func("/damon/writer/unchanged-schemes", test_unchanged_schemes);
	g_test_add_func("/damon/writer/parts-entries-dropped", test_parts_entries_dropped);
	g_test_add_func("/damon/writer/known-packed", test_known_packed);
	g_test_add_func("/damon/writer/fresh-defaults", test_fresh_defaults);
	g_test_add_func("/damon/writer/missing-memcgs", test_missing_memcgs);
	return g_test_run();
}
