/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include <string.h>

#include "common/config.h"
#include "common/error.h"
#include "common/paths.h"
#include "damon-test-util.h"
#include "tiering/damon/damon-driver.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/damon/damon-ownership.h"
#include "tiering/damon/damon-writer-private.h"
#include "vtier-test.h"

#define GUEST "/vtier.slice/guest1"

static gchar *state_json(void)
{
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_VTIER_RUN, "state.json", NULL);
	gchar *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* vtierd's life on a 7.3 host: damon_stat in the way, start, restart (adoption), stop. */
static void test_lifecycle(void)
{
	g_autoptr(VtierTestSysroot) sysroot = vtier_test_sysroot_new(NULL);
	g_autoptr(VtierDamonFeatures) profile = vtier_damon_features_load("7.3", NULL);
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(profile);
	g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(VtierDamonDriver) d = vtier_damon_driver_new(io);
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *state = NULL;
	g_autofree gchar *diff = NULL;
	guint writes;

	vtier_test_write_file(sysroot->root, "sys/fs/cgroup" GUEST "/cgroup.procs", "");
	g_assert_false(vtier_damon_driver_start(d, FALSE, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_CONFLICT);
	g_assert_nonnull(strstr(error->message, "damon_stat"));
	g_clear_error(&error);
	g_assert_true(vtier_damon_driver_start(d, TRUE, &error));
	g_assert_no_error(error);
	g_assert_true(vtier_damon_driver_get_claim(d)->damon_stat_disabled);
	g_assert_true(vtier_damon_driver_get_features(d)->complete);
	diff = vtier_damon_features_diff(profile, vtier_damon_driver_get_features(d));
	g_assert_null(diff);
	g_assert_true(vtier_damon_driver_apply(d, model, &result, &error));
	g_assert_no_error(error);
	/* 7.3 keeps a scheme's first quota window: the driver starts the moving schemes at once */
	g_assert_cmpint(g_array_index(result.actions, VtierDamonStateAction, 0), ==,
			VTIER_DAMON_STATE_ON);
	g_assert_cmpuint(result.staged, ==, 0);
	g_assert_true(vtier_damon_fake_is_running(fake, 0));
	state = state_json();
	/* the probe's scratch kdamond was pid 3000, vtier's is the next one */
	g_assert_nonnull(strstr(state, "\"pid\" : 3001"));
	g_assert_nonnull(strstr(state, "\"features\""));

	/* vtierd restarts: the tree is busy with its own kdamond, the recorded features are used */
	g_clear_pointer(&d, vtier_damon_driver_free);
	d = vtier_damon_driver_new(io);
	writes = vtier_damon_io_get_write_count(io);
	g_assert_true(vtier_damon_driver_start(d, FALSE, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(vtier_damon_driver_get_claim(d)->adopted->len, ==, 1);
	g_assert_true(g_str_has_prefix(vtier_damon_driver_get_features(d)->source,
				       "probe recorded in /run/vtier/state.json"));
	vtier_damon_apply_result_clear(&result);
	g_assert_true(vtier_damon_driver_apply(d, model, &result, &error));
	g_assert_cmpint(g_array_index(result.actions, VtierDamonStateAction, 0), ==,
			VTIER_DAMON_STATE_NONE);
	g_assert_cmpuint(vtier_damon_io_get_write_count(io), ==, writes);
	g_assert_true(vtier_damon_fake_is_running(fake, 0));

	g_assert_true(vtier_damon_driver_stop(d, &error));
	g_assert_no_error(error);
	g_assert_false(vtier_damon_fake_is_running(fake, 0));
	g_clear_pointer(&state, g_free);
	state = state_json();
	g_test_message("%s", state);
	g_assert_null(strstr(state, "\"pid\""));
	g_assert_nonnull(strstr(state, "\"kdamonds\""));
}

/* Without recorded features a restart still adopts and applies (presence-only features). */
static void test_restart_without_record(void)
{
	g_autoptr(VtierTestSysroot) sysroot = vtier_test_sysroot_new(NULL);
	g_autoptr(VtierDamonFeatures) profile = vtier_damon_features_load("6.12", NULL);
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(profile);
	g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(VtierDamonDriver) d = vtier_damon_driver_new(io);
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;
	guint writes;

	vtier_test_write_file(sysroot->root, "sys/fs/cgroup" GUEST "/cgroup.procs", "");
	g_assert_true(vtier_damon_driver_start(d, FALSE, &error));
	vtier_damon_writer_set_staged_start(vtier_damon_driver_get_writer(d), TRUE, 0);
	g_assert_true(vtier_damon_driver_apply(d, model, NULL, &error));
	g_assert_no_error(error);
	/* an older vtierd recorded only the kdamonds */
	path = vtier_path_build(VTIER_PATH_VTIER_RUN, "state.json", NULL);
	g_assert_true(g_file_set_contents(path, "{\"damon\": {\"kdamonds\": [{\"index\": 0, \"pid\": 3001}]}}",
					  -1, NULL));
	g_clear_pointer(&d, vtier_damon_driver_free);
	d = vtier_damon_driver_new(io);
	writes = vtier_damon_io_get_write_count(io);
	g_assert_true(vtier_damon_driver_start(d, FALSE, &error));
	g_assert_no_error(error);
	g_assert_false(vtier_damon_driver_get_features(d)->complete);
	g_assert_true(vtier_damon_driver_apply(d, model, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(vtier_damon_io_get_write_count(io), ==, writes);
}

typedef struct {
	VtierDamonIo *io;
	guint waits;
	guint adopted;
	gint pid;
} MidApply;

/* Staged start by default only where the first quota window may be unlimited (6.12; the
 * release the probe reads says which); always and never override the kernel. */
static void test_staged_auto(void)
{
	static const struct {
		const gchar *profile;
		VtierDamonStagedStart mode;
		guint staged;
	} cases[] = {
		{ "6.12", VTIER_DAMON_STAGED_AUTO, 1 },	 { "6.18", VTIER_DAMON_STAGED_AUTO, 0 },
		{ "7.3", VTIER_DAMON_STAGED_AUTO, 0 },	 { "7.3", VTIER_DAMON_STAGED_ALWAYS, 1 },
		{ "6.12", VTIER_DAMON_STAGED_NEVER, 0 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(VtierTestSysroot) sysroot = vtier_test_sysroot_new(NULL);
		g_autoptr(VtierDamonFeatures) profile = vtier_damon_features_load(cases[i].profile, NULL);
		g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(profile);
		g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
		g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
		g_autoptr(VtierDamonDriver) d = vtier_damon_driver_new(io);
		g_auto(VtierDamonApplyResult) result = { 0 };
		g_autoptr(GError) error = NULL;

		g_test_message("%s, mode %d", cases[i].profile, cases[i].mode);
		vtier_test_write_file(sysroot->root, "sys/fs/cgroup" GUEST "/cgroup.procs", "");
		g_assert_true(vtier_damon_driver_start(d, TRUE, &error));
		g_assert_no_error(error);
		g_assert_cmpint(vtier_damon_driver_get_features(d)->first_window_limited, ==,
				g_strcmp0(cases[i].profile, "6.12") != 0);
		vtier_damon_writer_set_staged_mode(vtier_damon_driver_get_writer(d), cases[i].mode);
		g_assert_true(vtier_damon_driver_apply(d, model, &result, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(result.staged, ==, cases[i].staged);
		g_assert_cmpuint(result.staged_wait_ms, ==, cases[i].staged ? 1200 : 0);
		g_assert_true(vtier_damon_fake_is_running(fake, 0));
	}
}

/* [damon] staged_start: every value the config accepts is one vtierd's parser maps (vtierd reads
 * it with vtier_damon_staged_start_from_string()), and nothing else loads. */
static void test_staged_config(void)
{
	static const gchar *const values[] = { "auto", "always", "never" };
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) bad = NULL;
	VtierDamonStagedStart mode;

	for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autofree gchar *data = g_strdup_printf("[damon]\nstaged_start=%s\n", values[i]);
		g_autoptr(VtierConfig) config = vtier_config_load_data(data, "test", &error);
		g_autofree gchar *value = NULL;

		g_assert_no_error(error);
		value = vtier_config_get_string(config, "damon", "staged_start");
		g_assert_true(vtier_damon_staged_start_from_string(value, &mode));
		g_assert_cmpint(mode, ==, (VtierDamonStagedStart)i);
	}
	g_assert_false(vtier_damon_staged_start_from_string("sometimes", &mode));
	bad = vtier_config_load_data("[damon]\nstaged_start=sometimes\n", "test", &error);
	g_assert_null(bad);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "staged_start"));
}

/* The staged start's wait: vtierd killed here (SIGKILL) and started again claims the tree. */
static void claim_during_wait(VtierDamonWriter *w, guint ms)
{
	MidApply *m = w->wait_data;
	g_auto(VtierDamonClaim) claim = { 0 };
	g_autoptr(GError) error = NULL;

	(void)ms;
	m->waits++;
	g_assert_true(vtier_damon_ownership_claim(m->io, FALSE, &claim, &error));
	g_assert_no_error(error);
	m->adopted = claim.adopted->len;
	if (claim.adopted->len > 0)
		m->pid = g_array_index(claim.adopted, VtierDamonOwnedKdamond, 0).pid;
}

/* The kdamond the apply turned on is recorded before the staged start's wait: a restart in the
 * middle of the apply adopts it (lab: vtierd killed in that wait refused its own kdamond). */
static void test_recorded_before_staged_wait(void)
{
	g_autoptr(VtierTestSysroot) sysroot = vtier_test_sysroot_new(NULL);
	g_autoptr(VtierDamonFeatures) profile = vtier_damon_features_load("7.3", NULL);
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(profile);
	g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(VtierDamonDriver) d = vtier_damon_driver_new(io);
	g_autoptr(GError) error = NULL;
	MidApply m = { .io = io, .pid = -1 };
	VtierDamonWriter *w;

	vtier_test_write_file(sysroot->root, "sys/fs/cgroup" GUEST "/cgroup.procs", "");
	g_assert_true(vtier_damon_driver_start(d, TRUE, &error));
	g_assert_no_error(error);
	w = vtier_damon_driver_get_writer(d);
	/* 7.3 needs no stage: as `[damon] staged_start=always` (the lab's kill in this wait) */
	vtier_damon_writer_set_staged_mode(w, VTIER_DAMON_STAGED_ALWAYS);
	w->wait = claim_during_wait;
	w->wait_data = &m;
	g_assert_true(vtier_damon_driver_apply(d, model, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(m.waits, ==, 1);
	g_assert_cmpuint(m.adopted, ==, 1);
	g_assert_cmpint(m.pid, ==, 3001);
}

static void test_no_damon(void)
{
	g_autoptr(VtierTestSysroot) sysroot = vtier_test_sysroot_new(NULL);
	g_autoptr(VtierDamonFeatures) none = vtier_damon_features_new();
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(none);
	g_autoptr(VtierDamonIo) io = vtier_damon_fake_get_io(fake);
	g_autoptr(VtierDamonDriver) d = vtier_damon_driver_new(io);
	g_autoptr(VtierDamonModel) model = damon_test_model_ratio(GUEST);
	g_autoptr(GError) error = NULL;

	g_assert_false(vtier_damon_driver_apply(d, model, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_FAILED);
	g_clear_error(&error);
	g_assert_false(vtier_damon_driver_start(d, FALSE, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/driver/lifecycle", test_lifecycle);
	g_test_add_func("/damon/driver/restart-without-record", test_restart_without_record);
	g_test_add_func("/damon/driver/no-damon", test_no_damon);
	g_test_add_func("/damon/driver/staged-auto", test_staged_auto);
	g_test_add_func("/damon/driver/staged-config", test_staged_config);
	g_test_add_func("/damon/driver/recorded-before-staged-wait",
			test_recorded_before_staged_wait);
	return g_test_run();
}
