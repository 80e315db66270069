/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include "common/error.h"
#include "damon-test-util.h"
#include "tiering/damon/damon-model.h"
#include "vtier-test.h"

static void test_defaults(void)
{
	g_autoptr(VtierDamonContext) ctx = vtier_damon_context_new();
	g_autoptr(VtierDamonScheme) s = vtier_damon_scheme_new();
	g_autoptr(VtierDamonPerfEvent) ev = vtier_damon_perf_event_new();
	g_autoptr(VtierDamonFilter) addr = vtier_damon_filter_new(VTIER_DAMON_FILTER_ADDR);
	g_autoptr(VtierDamonFilter) memcg = vtier_damon_filter_new(VTIER_DAMON_FILTER_MEMCG);

	/* what a freshly created sysfs directory reads on the kernel */
	g_assert_cmpint(ctx->operations, ==, VTIER_DAMON_OPS_VADDR);
	g_assert_cmpuint(ctx->sample_us, ==, 5000);
	g_assert_cmpuint(ctx->aggr_us, ==, 100000);
	g_assert_cmpuint(ctx->update_us, ==, 60000000);
	g_assert_cmpuint(ctx->nr_regions_min, ==, 10);
	g_assert_cmpuint(ctx->nr_regions_max, ==, 1000);
	g_assert_cmpuint(ctx->addr_unit, ==, 1);
	g_assert_cmpint(s->action, ==, VTIER_DAMON_ACTION_STAT);
	g_assert_cmpint(s->target_nid, ==, -1);
	g_assert_cmpint(s->quotas.goal_tuner, ==, VTIER_DAMON_TUNER_CONSIST);
	g_assert_true(ev->freq);
	g_assert_cmpuint(ev->wakeup_events, ==, 1);
	g_assert_cmpuint(ev->precise_ip, ==, 2);
	g_assert_true(ev->exclude_kernel && ev->exclude_hv);
	g_assert_cmpint(addr->layer, ==, VTIER_DAMON_LAYER_CORE);
	g_assert_cmpint(memcg->layer, ==, VTIER_DAMON_LAYER_OPS);
	g_assert_cmpstr(vtier_damon_filter_layer_dir(VTIER_DAMON_LAYER_LEGACY), ==, "filters");
}

static void test_enums(void)
{
	VtierDamonAction action;
	VtierDamonGoalMetric metric;

	g_assert_true(vtier_damon_action_from_string("migrate_hot", &action));
	g_assert_cmpint(action, ==, VTIER_DAMON_ACTION_MIGRATE_HOT);
	g_assert_cmpstr(vtier_damon_action_to_string(VTIER_DAMON_ACTION_COLLAPSE), ==, "collapse");
	g_assert_false(vtier_damon_action_from_string("migrate", &action));
	g_assert_true(vtier_damon_goal_metric_from_string("node_eligible_mem_bp", &metric));
	g_assert_cmpint(metric, ==, VTIER_DAMON_METRIC_NODE_ELIGIBLE_MEM_BP);
	g_assert_cmpstr(vtier_damon_action_to_string(VTIER_DAMON_ACTION_LAST), ==, "(invalid)");
}

static void test_round_trip(void)
{
	g_autoptr(VtierDamonModel) model = damon_test_model_everything();
	g_autoptr(VtierDamonModel) back = NULL;
	g_autoptr(VtierDamonModel) copy = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = vtier_damon_model_to_data(model);
	g_autofree gchar *text2 = NULL;
	VtierDamonScheme *s;

	back = vtier_damon_model_from_data(text, &error);
	g_assert_no_error(error);
	g_assert_true(vtier_damon_model_equal(model, back));
	text2 = vtier_damon_model_to_data(back);
	g_assert_cmpstr(text, ==, text2);
	/* values above G_MAXINT64 survive (as decimal strings) */
	s = ((VtierDamonKdamond *)back->kdamonds->pdata[0])->context->schemes->pdata[0];
	g_assert_cmpuint(s->sz.max, ==, G_MAXUINT64);
	g_assert_nonnull(strstr(text, "\"18446744073709551615\""));
	copy = vtier_damon_model_copy(model);
	g_assert_true(vtier_damon_model_equal(model, copy));
	s = ((VtierDamonKdamond *)copy->kdamonds->pdata[0])->context->schemes->pdata[0];
	s->quotas.bytes++;
	g_assert_false(vtier_damon_model_equal(model, copy));
	vtier_test_assert_golden("damon/model-everything.json", text);
}

static void test_defaults_absent(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonModel) model = vtier_damon_model_from_data(
		"{\"kdamonds\": [{\"context\": {\"operations\": \"paddr\", \"schemes\": "
		"[{\"action\": \"migrate_hot\", \"quotas\": {\"bytes\": \"0x1000\"}}]}}]}",
		&error);
	VtierDamonContext *ctx;
	VtierDamonScheme *s;

	g_assert_no_error(error);
	ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context;
	g_assert_cmpint(ctx->operations, ==, VTIER_DAMON_OPS_PADDR);
	g_assert_cmpuint(ctx->update_us, ==, 60000000);
	s = ctx->schemes->pdata[0];
	g_assert_cmpuint(s->quotas.bytes, ==, 4096);
	g_assert_cmpint(s->target_nid, ==, -1);
}

static void test_parse_errors(void)
{
	static const struct {
		const gchar *json;
		const gchar *message;
	} cases[] = {
		{ "[]", "(top): expected a JSON object" },
		{ "{\"kdamond\": []}", "kdamond: unknown member" },
		{ "{\"kdamonds\": [{\"context\": {\"schemes\": [{\"action\": \"migrate\"}]}}]}",
		  "kdamonds[0].context.schemes[0].action: unknown value \"migrate\"" },
		{ "{\"kdamonds\": [{\"refresh_ms\": -1}]}",
		  "kdamonds[0].refresh_ms: expected an unsigned number" },
		{ "{\"kdamonds\": [{\"context\": {\"targets\": [{\"regions\": [{\"start\": 1, "
		  "\"size\": 2}]}]}}]}",
		  "kdamonds[0].context.targets[0].regions[0].size: unknown member" },
		{ "{\"kdamonds\": [{\"context\": {\"pause\": 1}}]}",
		  "kdamonds[0].context.pause: expected true or false" },
		{ "{\"kdamonds\": {}}", "kdamonds: expected an array" },
		{ "{", "invalid JSON" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierDamonModel) model = vtier_damon_model_from_data(cases[i].json, &error);

		g_assert_null(model);
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
		g_test_message("case %zu: %s", i, error->message);
		g_assert_nonnull(strstr(error->message, cases[i].message));
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/damon/model/defaults", test_defaults);
	g_test_add_func("/damon/model/enums", test_enums);
	g_test_add_func("/damon/model/round-trip", test_round_trip);
	g_test_add_func("/damon/model/defaults-absent", test_defaults_absent);
	g_test_add_func("/damon/model/parse-errors", test_parse_errors);
	return g_test_run();
}
