/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "common/paths.h"
#include "tiering/options.h"
#include "tiering/planner.h"
#include "vtier-test.h"

/* Golden plans: every mode x kernel profile x fixture host, as the shell script and as JSON
 * (tests/data/golden/plan/HOST/PROFILE/MODE.{sh,json}). Regenerate with VTIER_TEST_REGENERATE=1
 * and read the diff: it is the change in what vtier writes to the kernel. */

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MIB (G_GUINT64_CONSTANT(1) << 20)

static const gchar *const hosts[] = { "amd-turin-cxl", "intel-spr-2s-cxl", "intel-icx-2s-dram",
				      "amd-genoa-cxl-dram-tier" };
static const gchar *const profiles[] = { "6.12", "6.18", "7.3", "7.3+hw-rfc" };

typedef struct {
	const gchar *name; /* golden file name */
	VtierPolicyMode mode;
	VtierPolicyTuner tuner;
} ModeCase;

static const ModeCase modes[] = {
	{ "ratio", VTIER_POLICY_MODE_RATIO, VTIER_POLICY_TUNER_VTIER },
	{ "ratio-tuner-kernel", VTIER_POLICY_MODE_RATIO, VTIER_POLICY_TUNER_KERNEL },
	{ "allowance", VTIER_POLICY_MODE_ALLOWANCE, VTIER_POLICY_TUNER_VTIER },
	{ "allowance-tuner-kernel", VTIER_POLICY_MODE_ALLOWANCE, VTIER_POLICY_TUNER_KERNEL },
	{ "hot-split", VTIER_POLICY_MODE_HOT_SPLIT, VTIER_POLICY_TUNER_KERNEL },
	{ "hot-split-tuner-vtier", VTIER_POLICY_MODE_HOT_SPLIT, VTIER_POLICY_TUNER_VTIER },
	{ "interleave", VTIER_POLICY_MODE_INTERLEAVE, VTIER_POLICY_TUNER_VTIER },
	{ "pin-fast", VTIER_POLICY_MODE_PIN_FAST, VTIER_POLICY_TUNER_VTIER },
	{ "pin-slow", VTIER_POLICY_MODE_PIN_SLOW, VTIER_POLICY_TUNER_VTIER },
	{ "monitor", VTIER_POLICY_MODE_MONITOR, VTIER_POLICY_TUNER_VTIER },
	{ "off", VTIER_POLICY_MODE_OFF, VTIER_POLICY_TUNER_VTIER },
};

typedef struct {
	const gchar *host;
	const gchar *profile;
	const ModeCase *mode;
} GoldenCase;

/* vm1: 8 GiB bound to node 0; vm2: 16 GiB, bound to node 1 on hosts with two fast nodes. */
static VtierPlanGuest *golden_guest(guint n, const ModeCase *m, const VtierTopology *t)
{
	g_autoptr(VtierPolicy) policy = vtier_policy_new_default(m->mode);
	g_autoptr(GArray) fast = vtier_topology_nodes_with_role(t, VTIER_NODE_ROLE_FAST);
	g_autofree gchar *name = g_strdup_printf("vm%u", n);
	g_autofree gchar *uuid = g_strdup_printf("6f1c0e1a-0000-4000-8000-%012u", n);
	g_autofree gchar *memcg =
		g_strdup_printf("/machine.slice/machine-qemu\\x2d%u\\x2dvm%u.scope", n, n);
	guint64 memory = n * 8 * GIB;
	VtierPlanGuest *g;

	policy->fields = VTIER_POLICY_FIELD_MODE;
	policy->tuner = m->tuner;
	policy->origin = (g_free(policy->origin), g_strdup("domain"));
	if (m->mode == VTIER_POLICY_MODE_ALLOWANCE) {
		policy->fast_size = memory / 4;
		policy->fields |= VTIER_POLICY_FIELD_FAST_SIZE;
	}
	if (m->mode == VTIER_POLICY_MODE_HOT_SPLIT) {
		policy->fast_ratio_bp = 7000;
		policy->max_rate = 512 * MIB;
	}
	if (m->mode == VTIER_POLICY_MODE_INTERLEAVE)
		policy->fast_ratio_bp = 7000;
	g = vtier_plan_guest_new(name, uuid, memory, memcg, (gint)(4100 + n), policy);
	if (fast->len > n - 1)
		vtier_plan_guest_add_bound_node(g, g_array_index(fast, guint, n - 1));
	return g;
}

static void test_golden(gconstpointer data)
{
	const GoldenCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) config = vtier_config_load_data(
		c->mode->mode == VTIER_POLICY_MODE_INTERLEAVE ? "[damon]\nvaddr_kdamond=true\n" : "",
		"golden.conf", &error);
	g_auto(VtierOptions) options = { 0 };
	g_autoptr(VtierDamonFeatures) features = vtier_damon_features_load(c->profile, &error);
	g_autoptr(VtierTopology) topology = NULL;
	g_autoptr(VtierSampler) sampler = NULL;
	g_autoptr(GPtrArray) guests =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	g_autoptr(VtierPlan) plan = NULL;
	g_autofree gchar *shell = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *base = g_strdup_printf("plan/%s/%s/%s", c->host, c->profile,
						 c->mode->name);
	g_autofree gchar *shell_name = g_strconcat(base, ".sh", NULL);
	g_autofree gchar *json_name = g_strconcat(base, ".json", NULL);
	VtierPlanInput input = { 0 };

	g_assert_no_error(error);
	g_assert_true(vtier_config_to_options(config, &options, &error));
	vtier_test_sysroot_fixture(c->host);
	topology = vtier_topology_load(&options.topology, &error);
	g_assert_no_error(error);
	sampler = vtier_sampler_detect(&options.sampler, &error);
	g_assert_no_error(error);
	g_ptr_array_add(guests, golden_guest(1, c->mode, topology));
	g_ptr_array_add(guests, golden_guest(2, c->mode, topology));
	input = (VtierPlanInput){ .topology = topology, .features = features, .sampler = sampler,
				  .options = &options.plan, .guests = guests };
	plan = vtier_planner_plan(&input, &error);
	g_assert_no_error(error);
	shell = vtier_plan_to_shell(plan, features, &error);
	g_assert_no_error(error);
	json = vtier_plan_to_data(plan);
	vtier_test_assert_golden(shell_name, shell);
	vtier_test_assert_golden(json_name, json);
	/* the JSON model round-trips through the DAMON model's codec */
	{
		g_autoptr(JsonNode) node = vtier_damon_model_to_json(plan->model);
		g_autoptr(VtierDamonModel) back = vtier_damon_model_from_json(node, &error);

		g_assert_no_error(error);
		g_assert_true(vtier_damon_model_equal(plan->model, back));
	}
}

int main(int argc, char **argv)
{
	g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);

	vtier_test_init(&argc, &argv);
	for (gsize h = 0; h < G_N_ELEMENTS(hosts); h++) {
		for (gsize p = 0; p < G_N_ELEMENTS(profiles); p++) {
			for (gsize m = 0; m < G_N_ELEMENTS(modes); m++) {
				GoldenCase *c = g_new0(GoldenCase, 1);
				g_autofree gchar *path = NULL;

				c->host = hosts[h];
				c->profile = profiles[p];
				c->mode = &modes[m];
				g_ptr_array_add(cases, c);
				path = g_strdup_printf("/planner/golden/%s/%s/%s", hosts[h],
						       profiles[p], modes[m].name);
				g_test_add_data_func(path, c, test_golden);
			}
		}
	}
	return g_test_run();
}
