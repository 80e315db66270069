/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "damon-test-util.h"
#include "tiering/damon/damon-fake.h"
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
	g_assert_nonnull(strstr(files, "schemes/0/filters/0/type addr\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/0/matching N\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/1/type memcg\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/1/matching N\n"));
	g_assert_nonnull(strstr(files, "schemes/0/filters/1/memcg_path " GUEST "\n"));
	g_assert_null(strstr(files, "allow"));
	fixture_teardown(&fx);
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

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/writer/scripts", test_scripts);
	g_test_add_func("/damon/writer/6.12-filters", test_612_filters);
	g_test_add_func("/damon/writer/idempotent", test_apply_idempotent);
	g_test_add_func("/damon/writer/commit-changes-only", test_commit_changes_only);
	g_test_add_func("/damon/writer/append-scheme", test_append_scheme);
	g_test_add_func("/damon/writer/failed-commit-restores", test_failed_commit_restores);
	return g_test_run();
}
