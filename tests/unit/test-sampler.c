/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "common/error.h"
#include "common/paths.h"
#include "common/config.h"
#include "tiering/options.h"
#include "tiering/sampler-private.h"
#include "vtier-test.h"

#define PMU_DIR "sys/bus/event_source/devices/"

/* vtierd.conf text through the one path every consumer takes (vtier_config_to_options()); a
 * configuration it refuses is returned as that error. */
static VtierSampler *detect(const gchar *fixture, const gchar *conf, GError **error)
{
	g_autoptr(VtierConfig) config = NULL;
	g_auto(VtierOptions) options = { 0 };
	VtierSampler *s;

	if (conf != NULL) {
		config = vtier_config_load_data(conf, "test.conf", error);
		if (config == NULL || !vtier_config_to_options(config, &options, error))
			return NULL;
	}
	if (fixture != NULL)
		vtier_test_sysroot_fixture(fixture);
	s = vtier_sampler_detect(conf != NULL ? &options.sampler : NULL, error);
	if (fixture != NULL)
		vtier_paths_set_sysroot(NULL);
	return s;
}

static VtierSampler *detect_ok(const gchar *fixture, const gchar *conf)
{
	g_autoptr(GError) error = NULL;
	VtierSampler *s = detect(fixture, conf, &error);

	g_assert_no_error(error);
	g_assert_nonnull(s);
	return s;
}

static void assert_detect_fails(const gchar *fixture, const gchar *conf, const gchar *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierSampler) s = detect(fixture, conf, &error);

	g_assert_null(s);
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, message));
}

static void test_ibs(void)
{
	g_autoptr(VtierSampler) s = detect_ok("amd-turin-cxl", NULL);

	g_assert_cmpint(s->kind, ==, VTIER_SAMPLER_IBS);
	g_assert_true(s->sees_guests);
	g_assert_null(s->guest_reason);
	g_assert_cmpstr(s->pmu, ==, "ibs_op");
	/* the seed's Configuration A */
	g_assert_cmpuint(s->event.type, ==, 11);
	g_assert_cmphex(s->event.config, ==, 0);
	g_assert_cmpuint(s->event.sample_phys_addr, ==, 1);
	g_assert_cmpuint(s->event.freq, ==, 0);
	g_assert_cmpuint(s->event.sample_period, ==, 262144);
	g_assert_cmpuint(s->event.exclude_kernel, ==, 0);
	g_assert_cmpuint(s->event.exclude_hv, ==, 0);
	g_assert_cmpuint(s->event.wakeup_events, ==, 1);
	g_assert_nonnull(strstr(s->reason, "KVM guests"));
}

static void assert_pebs_l3_miss(const VtierSampler *s)
{
	g_assert_cmpint(s->kind, ==, VTIER_SAMPLER_PEBS);
	g_assert_cmpuint(s->event.type, ==, 4);
	g_assert_cmphex(s->event.config, ==, 0x20d1);
	g_assert_cmpuint(s->event.precise_ip, ==, 2);
	g_assert_cmpuint(s->event.freq, ==, 1);
	g_assert_cmpuint(s->event.sample_freq, ==, 5003);
	g_assert_false(s->sees_guests);
	g_assert_nonnull(strstr(s->guest_reason, "host PEBS is disabled while a guest runs"));
}

static void test_pebs_libpfm(void)
{
	g_autoptr(VtierSampler) spr = detect_ok("intel-spr-2s-cxl", NULL);
	g_autoptr(VtierSampler) icx = detect_ok("intel-icx-2s-dram", NULL);

	assert_pebs_l3_miss(spr);
	g_assert_cmpstr(spr->model, ==, "sapphire_rapids");
	g_assert_cmpstr(spr->encoding, ==, "libpfm4 (spr)");
	g_assert_cmpstr(spr->event_name, ==, "spr::MEM_LOAD_RETIRED:L3_MISS");
	assert_pebs_l3_miss(icx);
	g_assert_cmpstr(icx->encoding, ==, "libpfm4 (icx)");
}

/* libpfm4 directly: a qualified PMU, LIBPFM_FORCE_PMU, and the raw table agreeing with it. */
static void test_pfm_encode(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *fstr = NULL;
	VtierPerfEvent ev = { 0 };
	const VtierPebsRaw *raw = vtier_sampler_raw_for_model("granite_rapids");

	g_assert_cmpstr(vtier_sampler_pfm_pmu_for_model("sapphire_rapids"), ==, "spr");
	g_assert_cmpstr(vtier_sampler_pfm_pmu_for_model("icelake"), ==, "icx");
	g_assert_null(vtier_sampler_pfm_pmu_for_model("granite_rapids"));
	g_assert_null(vtier_sampler_pfm_pmu_for_model(NULL));
	g_assert_true(vtier_sampler_pfm_encode("spr", "MEM_LOAD_RETIRED:L3_MISS", &ev, &fstr,
					       &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ev.type, ==, VTIER_PERF_TYPE_RAW);
	g_assert_cmphex(ev.config, ==, 0x20d1);
	g_assert_cmpuint(ev.exclude_kernel, ==, 0);
	g_assert_true(g_str_has_prefix(fstr, "spr::MEM_LOAD_RETIRED:L3_MISS"));
	/* the raw table holds what libpfm4 gives for the same core */
	g_assert_nonnull(raw);
	g_assert_cmphex(raw->config, ==, ev.config);
	/* an event this PMU does not have */
	g_assert_false(vtier_sampler_pfm_encode("spr", "NO_SUCH_EVENT", &ev, NULL, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "spr::NO_SUCH_EVENT"));
	g_clear_error(&error);
	/* Haswell names it differently */
	g_assert_cmpstr(vtier_sampler_pfm_default_event("haswell"), ==,
			"MEM_LOAD_UOPS_RETIRED:L3_MISS");
}

/* LIBPFM_ENCODE_INACTIVE: set for a PMU-qualified event and left set while every call needs it
 * (vtierd's SIGHUP re-detection must not write the environment under its threads); unset for an
 * unqualified event only when vtier set it; a value the user exported is kept. In a fresh
 * process: the variable is process-wide. */
static void test_pfm_environment(void)
{
	VtierPerfEvent ev = { 0 };

	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	g_unsetenv("LIBPFM_ENCODE_INACTIVE");
	g_unsetenv("LIBPFM_FORCE_PMU");
	for (guint i = 0; i < 2; i++) {
		g_assert_true(vtier_sampler_pfm_encode("spr", "MEM_LOAD_RETIRED:L3_MISS", &ev,
						       NULL, NULL));
		g_assert_cmpstr(g_getenv("LIBPFM_ENCODE_INACTIVE"), ==, "1");
	}
	/* listing the PMUs libpfm4 knows does not care */
	g_assert_cmpstr(vtier_sampler_pfm_pmu_for_model("sapphire_rapids"), ==, "spr");
	g_assert_cmpstr(g_getenv("LIBPFM_ENCODE_INACTIVE"), ==, "1");
	/* an unqualified event (this machine's PMUs): vtier's value goes, whatever the result */
	(void)vtier_sampler_pfm_encode(NULL, "MEM_LOAD_RETIRED:L3_MISS", &ev, NULL, NULL);
	g_assert_null(g_getenv("LIBPFM_ENCODE_INACTIVE"));
	/* the user's value stays */
	g_setenv("LIBPFM_ENCODE_INACTIVE", "1", TRUE);
	g_assert_true(vtier_sampler_pfm_encode("spr", "MEM_LOAD_RETIRED:L3_MISS", &ev, NULL,
					       NULL));
	(void)vtier_sampler_pfm_encode(NULL, "MEM_LOAD_RETIRED:L3_MISS", &ev, NULL, NULL);
	g_assert_cmpstr(g_getenv("LIBPFM_ENCODE_INACTIVE"), ==, "1");
}

/* LIBPFM_FORCE_PMU picks the model for an unqualified event. libpfm4 4.13 keeps a PMU active
 * across pfm_terminate()/pfm_initialize(), so every model runs in a fresh process. */
static void test_pfm_force_pmu(gconstpointer data)
{
	const gchar *model = data;
	g_autoptr(GError) error = NULL;
	VtierPerfEvent ev = { 0 };

	if (!g_test_subprocess()) {
		g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	g_setenv("LIBPFM_FORCE_PMU", model, TRUE);
	if (g_str_has_prefix(model, "amd64")) {
		/* Zen 4 has no such event: libpfm4 says so, we name the event */
		g_assert_false(vtier_sampler_pfm_encode(NULL, "MEM_LOAD_RETIRED:L3_MISS", &ev, NULL,
							&error));
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
		g_assert_nonnull(strstr(error->message, "\"MEM_LOAD_RETIRED:L3_MISS\""));
		return;
	}
	g_assert_true(vtier_sampler_pfm_encode(NULL, "MEM_LOAD_RETIRED:L3_MISS:precise=2", &ev,
					       NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ev.type, ==, VTIER_PERF_TYPE_RAW);
	g_assert_cmphex(ev.config, ==, 0x20d1);
	g_assert_cmpuint(ev.precise_ip, ==, 2);
}

static void set_model(const gchar *root, const gchar *model)
{
	vtier_test_write_file(root, PMU_DIR "cpu/caps/pmu_name", model);
}

static void test_raw_table(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("intel-spr-2s-cxl");
	g_autoptr(VtierSampler) s = NULL;

	set_model(root->root, "granite_rapids\n");
	s = detect_ok(NULL, NULL);
	assert_pebs_l3_miss(s);
	g_assert_cmpstr(s->model, ==, "granite_rapids");
	g_assert_true(g_str_has_prefix(s->encoding, "raw table"));
}

static void test_unknown_model(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("intel-spr-2s-cxl");
	g_autoptr(VtierSampler) s = NULL;
	g_autoptr(VtierSampler) forced = NULL;
	g_autoptr(VtierSampler) raw = NULL;

	set_model(root->root, "diamond_rapids\n");
	s = detect_ok(NULL, NULL);
	g_assert_cmpint(s->kind, ==, VTIER_SAMPLER_NONE);
	g_assert_nonnull(strstr(s->reason, "\"diamond_rapids\" is unknown to libpfm4"));
	g_assert_nonnull(strstr(s->reason, "type=4 config=0x20d1"));
	assert_detect_fails(NULL, "[sampler]\nmode=pebs\n", "[sampler] mode=pebs: Intel PMU model");
	/* the admin's ways out: a libpfm4 model with the same events, or a raw event */
	g_setenv("LIBPFM_FORCE_PMU", "spr", TRUE);
	forced = detect_ok(NULL, NULL);
	g_unsetenv("LIBPFM_FORCE_PMU");
	assert_pebs_l3_miss(forced);
	g_assert_cmpstr(forced->encoding, ==, "libpfm4 (LIBPFM_FORCE_PMU=spr)");
	raw = detect_ok(NULL, "[sampler]\ntype=4\nconfig=0x20d1\n");
	assert_pebs_l3_miss(raw);
	g_assert_cmpstr(raw->encoding, ==, "vtierd.conf [sampler] type=/config=");
}

static void test_no_pebs(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("intel-icx-2s-dram");
	g_autoptr(VtierSampler) s = NULL;

	vtier_test_write_file(root->root, PMU_DIR "cpu/caps/max_precise", "0\n");
	s = detect_ok(NULL, NULL);
	g_assert_cmpint(s->kind, ==, VTIER_SAMPLER_NONE);
	g_assert_nonnull(strstr(s->reason, "max_precise 0"));
}

static void test_none(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	g_autoptr(VtierSampler) empty = detect_ok(NULL, NULL);
	g_autoptr(VtierSampler) off = detect_ok("amd-turin-cxl", "[sampler]\nmode=none\n");
	g_autofree gchar *text = vtier_sampler_to_text(empty);

	g_assert_cmpint(empty->kind, ==, VTIER_SAMPLER_NONE);
	g_assert_nonnull(strstr(empty->reason, "found: nothing"));
	g_assert_nonnull(strstr(text, "DAMON page-table access checks"));
	g_assert_cmpint(off->kind, ==, VTIER_SAMPLER_NONE);
	g_assert_nonnull(strstr(off->reason, "mode=none"));
}

static void test_overrides(void)
{
	g_autoptr(VtierSampler) period = detect_ok("amd-turin-cxl", "[sampler]\nperiod=0x10000\n");
	g_autoptr(VtierSampler) freq = detect_ok("intel-spr-2s-cxl", "[sampler]\nfreq=1000\n");
	g_autoptr(VtierSampler) pebs_period = detect_ok("intel-spr-2s-cxl",
							"[sampler]\nperiod=20011\n");
	g_autoptr(VtierSampler) event = detect_ok("intel-spr-2s-cxl",
						  "[sampler]\nmode=pebs\nevent=MEM_LOAD_RETIRED:"
						  "L2_MISS\n");
	g_autoptr(VtierSampler) ibs_raw = detect_ok("amd-turin-cxl", "[sampler]\nmode=ibs\n"
								     "type=11\nconfig=0x10000\n");

	g_assert_cmpuint(period->event.sample_period, ==, 0x10000);
	g_assert_cmpuint(period->event.freq, ==, 0);
	g_assert_cmpuint(freq->event.freq, ==, 1);
	g_assert_cmpuint(freq->event.sample_freq, ==, 1000);
	g_assert_cmpuint(pebs_period->event.freq, ==, 0);
	g_assert_cmpuint(pebs_period->event.sample_period, ==, 20011);
	g_assert_cmpint(event->kind, ==, VTIER_SAMPLER_PEBS);
	g_assert_cmphex(event->event.config, ==, 0x10d1);
	g_assert_cmpstr(event->event_name, ==, "spr::MEM_LOAD_RETIRED:L2_MISS");
	g_assert_cmphex(ibs_raw->event.config, ==, 0x10000);
	g_assert_cmpuint(ibs_raw->event.sample_phys_addr, ==, 1);
}

static void test_override_errors(void)
{
	assert_detect_fails("amd-turin-cxl", "[sampler]\nperiod=100\n", "not a multiple of 16");
	assert_detect_fails("intel-spr-2s-cxl", "[sampler]\nfreq=200000\n",
			    "exceeds /proc/sys/kernel/perf_event_max_sample_rate (100000)");
	assert_detect_fails("amd-turin-cxl", "[sampler]\nperiod=4096\nfreq=100\n", "both set");
	assert_detect_fails("amd-turin-cxl", "[sampler]\ntype=11\n", "must be set together");
	assert_detect_fails("amd-turin-cxl", "[sampler]\ntype=ibs\nconfig=0\n",
			    "[sampler] type: \"ibs\" is not a number");
	assert_detect_fails("amd-turin-cxl", "[sampler]\nmode=pebs\n", "mode=pebs, but");
	assert_detect_fails("intel-spr-2s-cxl", "[sampler]\nmode=ibs\n", "ibs_op does not exist");
	assert_detect_fails("amd-turin-cxl", "[sampler]\nevent=MEM_LOAD_RETIRED:L3_MISS\n",
			    "applies to Intel PEBS only");
	assert_detect_fails("intel-spr-2s-cxl", "[sampler]\nevent=NOPE\n",
			    "libpfm4 cannot encode event \"spr::NOPE\"");
}

typedef struct {
	const gchar *name;
	const gchar *fixture;
	const gchar *file;
	const gchar *contents; /* NULL: delete */
	const gchar *message;
} Corruption;

static const Corruption corruptions[] = {
	{ "ibs-type-empty", "amd-turin-cxl", PMU_DIR "ibs_op/type", "",
	  "/sys/bus/event_source/devices/ibs_op/type: \"\" is not a number" },
	{ "ibs-type-garbage", "amd-turin-cxl", PMU_DIR "ibs_op/type", "eleven\n",
	  "/sys/bus/event_source/devices/ibs_op/type: \"eleven\" is not a number" },
	{ "ibs-type-range", "amd-turin-cxl", PMU_DIR "ibs_op/type", "4294967296\n",
	  "out of range" },
	{ "ibs-type-missing", "amd-turin-cxl", PMU_DIR "ibs_op/type", NULL,
	  "cannot read /sys/bus/event_source/devices/ibs_op/type" },
	{ "ibs-format-garbage", "amd-turin-cxl", PMU_DIR "ibs_op/format/cnt_ctl", "bit 19\n",
	  "/sys/bus/event_source/devices/ibs_op/format/cnt_ctl: \"bit 19\" is not a perf format" },
	{ "ibs-format-empty", "amd-turin-cxl", PMU_DIR "ibs_op/format/l3missonly", "",
	  "ibs_op/format/l3missonly: \"\"" },
	{ "pmu-name-empty", "intel-spr-2s-cxl", PMU_DIR "cpu/caps/pmu_name", "\n",
	  "/sys/bus/event_source/devices/cpu/caps/pmu_name: \"\" is not a PMU model name" },
	{ "pmu-name-garbage", "intel-spr-2s-cxl", PMU_DIR "cpu/caps/pmu_name", "sapphire rapids!\n",
	  "\"sapphire rapids!\" is not a PMU model name" },
	{ "cpu-type-missing", "intel-spr-2s-cxl", PMU_DIR "cpu/type", NULL,
	  "cannot read /sys/bus/event_source/devices/cpu/type" },
	{ "max-precise-garbage", "intel-spr-2s-cxl", PMU_DIR "cpu/caps/max_precise", "high\n",
	  "cpu/caps/max_precise: \"high\" is not a number" },
};

static void test_malformed(gconstpointer data)
{
	const Corruption *c = data;
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(c->fixture);
	g_autofree gchar *path = g_build_filename(root->root, c->file, NULL);

	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	if (c->contents == NULL)
		g_assert_cmpint(g_unlink(path), ==, 0);
	else
		vtier_test_write_file(root->root, c->file, c->contents);
	assert_detect_fails(NULL, NULL, c->message);
}

static void test_malformed_mode_none(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("amd-turin-cxl");
	g_autoptr(VtierSampler) s = NULL;

	vtier_test_write_file(root->root, PMU_DIR "ibs_op/type", "garbage\n");
	s = detect_ok(NULL, "[sampler]\nmode=none\n");
	g_assert_cmpint(s->kind, ==, VTIER_SAMPLER_NONE);
}

static void test_ibs_format_missing(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("amd-turin-cxl");
	g_autofree gchar *dir = g_build_filename(root->root, PMU_DIR "ibs_op/format", NULL);

	vtier_test_rm_rf(dir);
	assert_detect_fails(NULL, NULL, "/sys/bus/event_source/devices/ibs_op/format: missing");
}

static void test_golden(gconstpointer data)
{
	const gchar *fixture = data;
	g_autoptr(VtierSampler) s = detect_ok(fixture, NULL);
	g_autofree gchar *text = vtier_sampler_to_text(s);
	g_autoptr(JsonNode) json = vtier_sampler_to_json(s);
	g_autofree gchar *json_text = json_to_string(json, TRUE);
	g_autofree gchar *text_name = g_strdup_printf("sampler-%s.txt", fixture);
	g_autofree gchar *json_name = g_strdup_printf("sampler-%s.json", fixture);

	vtier_test_assert_golden(text_name, text);
	vtier_test_assert_golden(json_name, json_text);
}

static void test_real_machine(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierSampler) s = NULL;
	g_autofree gchar *text = NULL;

	vtier_paths_set_sysroot(NULL);
	s = vtier_sampler_detect(NULL, &error);
	g_assert_no_error(error);
	text = vtier_sampler_to_text(s);
	g_test_message("%s", text);
	g_assert_nonnull(s->reason);
	g_assert_true(s->kind != VTIER_SAMPLER_PEBS || !s->sees_guests);
}

int main(int argc, char **argv)
{
	static const gchar *const golden[] = { "amd-turin-cxl", "intel-spr-2s-cxl",
					       "intel-icx-2s-dram", "lab-qemu" };

	vtier_test_init(&argc, &argv);
	g_unsetenv("LIBPFM_FORCE_PMU");
	g_test_add_func("/sampler/ibs", test_ibs);
	g_test_add_func("/sampler/pebs-libpfm", test_pebs_libpfm);
	g_test_add_func("/sampler/pfm-encode", test_pfm_encode);
	g_test_add_func("/sampler/pfm-environment", test_pfm_environment);
	g_test_add_data_func("/sampler/pfm-force-pmu/spr", "spr", test_pfm_force_pmu);
	g_test_add_data_func("/sampler/pfm-force-pmu/icx", "icx", test_pfm_force_pmu);
	g_test_add_data_func("/sampler/pfm-force-pmu/skx", "skx", test_pfm_force_pmu);
	g_test_add_data_func("/sampler/pfm-force-pmu/icl", "icl", test_pfm_force_pmu);
	g_test_add_data_func("/sampler/pfm-force-pmu/zen4", "amd64_fam19h_zen4",
			     test_pfm_force_pmu);
	g_test_add_func("/sampler/raw-table", test_raw_table);
	g_test_add_func("/sampler/unknown-model", test_unknown_model);
	g_test_add_func("/sampler/no-pebs", test_no_pebs);
	g_test_add_func("/sampler/none", test_none);
	g_test_add_func("/sampler/overrides", test_overrides);
	g_test_add_func("/sampler/override-errors", test_override_errors);
	for (gsize i = 0; i < G_N_ELEMENTS(corruptions); i++) {
		g_autofree gchar *name = g_strdup_printf("/sampler/malformed/%s",
							 corruptions[i].name);
		g_test_add_data_func(name, &corruptions[i], test_malformed);
	}
	g_test_add_func("/sampler/malformed/ibs-format-missing", test_ibs_format_missing);
	g_test_add_func("/sampler/malformed/mode-none", test_malformed_mode_none);
	for (gsize i = 0; i < G_N_ELEMENTS(golden); i++) {
		g_autofree gchar *name = g_strdup_printf("/sampler/golden/%s", golden[i]);
		g_test_add_data_func(name, golden[i], test_golden);
	}
	g_test_add_func("/sampler/real-machine", test_real_machine);
	return g_test_run();
}
