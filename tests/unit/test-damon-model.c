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

/* One change per field of the model (copy at @i), or FALSE past the last. */
static gboolean mutate(VtierDamonModel *m, guint i)
{
	VtierDamonKdamond *k = m->kdamonds->pdata[0];
	VtierDamonContext *c = k->context;
	VtierDamonScheme *s = c->schemes->pdata[0];
	VtierDamonGoal *g = s->quotas.goals->pdata[1];
	VtierDamonFilter *f = s->filters->pdata[0];
	VtierDamonPerfEvent *ev = c->perf_events->pdata[0];
	VtierDamonTarget *t = c->targets->pdata[0];

	switch (i) {
	case 0: k->refresh_ms++; break;
	case 1: c->operations = VTIER_DAMON_OPS_VADDR; break;
	case 2: c->addr_unit++; break;
	case 3: c->pause = !c->pause; break;
	case 4: c->sample_us++; break;
	case 5: c->aggr_us++; break;
	case 6: c->update_us++; break;
	case 7: c->intervals_goal.access_bp++; break;
	case 8: c->intervals_goal.aggrs++; break;
	case 9: c->intervals_goal.min_sample_us++; break;
	case 10: c->intervals_goal.max_sample_us++; break;
	case 11: c->nr_regions_min++; break;
	case 12: c->nr_regions_max++; break;
	case 13: ev->type++; break;
	case 14: ev->config++; break;
	case 15: ev->config1++; break;
	case 16: ev->config2++; break;
	case 17: ev->sample_phys_addr = !ev->sample_phys_addr; break;
	case 18: ev->sample_weight_struct = !ev->sample_weight_struct; break;
	case 19: ev->freq = !ev->freq; break;
	case 20: ev->sample_freq++; break;
	case 21: ev->sample_period++; break;
	case 22: ev->wakeup_events++; break;
	case 23: ev->precise_ip++; break;
	case 24: ev->exclude_kernel = !ev->exclude_kernel; break;
	case 25: ev->exclude_hv = !ev->exclude_hv; break;
	case 26: t->pid_target++; break;
	case 27: t->obsolete_target = !t->obsolete_target; break;
	case 28: vtier_damon_target_add_region(t, 1, 2); break;
	case 29: s->action = VTIER_DAMON_ACTION_COLD; break;
	case 30: s->target_nid++; break;
	case 31: s->apply_interval_us++; break;
	case 32: s->sz.min++; break;
	case 33: s->nr_accesses.max++; break;
	case 34: s->age.min++; break;
	case 35: s->quotas.ms++; break;
	case 36: s->quotas.bytes++; break;
	case 37: s->quotas.reset_interval_ms++; break;
	case 38: s->quotas.goal_tuner = VTIER_DAMON_TUNER_CONSIST; break;
	case 39: s->quotas.fail_charge_num++; break;
	case 40: s->quotas.fail_charge_denom++; break;
	case 41: s->quotas.sz_permil++; break;
	case 42: s->quotas.nr_accesses_permil++; break;
	case 43: s->quotas.age_permil++; break;
	case 44: g->target_metric = VTIER_DAMON_METRIC_USER_INPUT; break;
	case 45: g->target_value++; break;
	case 46: g->current_value++; break;
	case 47: g->nid++; break;
	case 48: g_free(g->path); g->path = g_strdup("/other"); break;
	case 49: vtier_damon_scheme_add_goal(s); break;
	case 50: s->watermarks.metric = VTIER_DAMON_WMARK_NONE; break;
	case 51: s->watermarks.interval_us++; break;
	case 52: s->watermarks.high++; break;
	case 53: s->watermarks.mid++; break;
	case 54: s->watermarks.low++; break;
	case 55: f->layer = VTIER_DAMON_LAYER_LEGACY; break;
	case 56: f->type = VTIER_DAMON_FILTER_ANON; break;
	case 57: f->matching = !f->matching; break;
	case 58: f->allow = !f->allow; break;
	case 59: g_free(f->memcg_path); f->memcg_path = g_strdup("/x"); break;
	case 60: f->addr_start++; break;
	case 61: f->addr_end++; break;
	case 62: f->min++; break;
	case 63: f->max++; break;
	case 64: f->damon_target_idx++; break;
	case 65: vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_ANON); break;
	case 66: g_array_index(s->dests, VtierDamonDest, 0).id++; break;
	case 67: g_array_index(s->dests, VtierDamonDest, 1).weight++; break;
	case 68: vtier_damon_scheme_add_dest(s, 2, 1); break;
	case 69: vtier_damon_context_add_scheme(c); break;
	case 70: vtier_damon_context_add_target(c); break;
	case 71: vtier_damon_context_add_perf_event(c); break;
	case 72: vtier_damon_model_add_kdamond(m); break;
	default: return FALSE;
	}
	return TRUE;
}

/* copy and equal (field by field, damon-model-copy.c) agree with the JSON codec on every field. */
static void test_copy_equal(void)
{
	g_autoptr(VtierDamonModel) model = damon_test_model_everything();
	g_autofree gchar *text = vtier_damon_model_to_data(model);
	guint i;

	for (i = 0;; i++) {
		g_autoptr(VtierDamonModel) copy = vtier_damon_model_copy(model);
		g_autofree gchar *copied = vtier_damon_model_to_data(copy);
		g_autofree gchar *changed = NULL;

		g_assert_cmpstr(copied, ==, text);
		g_assert_true(vtier_damon_model_equal(model, copy));
		if (!mutate(copy, i))
			break;
		changed = vtier_damon_model_to_data(copy);
		g_test_message("change %u", i);
		g_assert_cmpstr(changed, !=, text);
		g_assert_false(vtier_damon_model_equal(model, copy));
		g_assert_false(vtier_damon_model_equal(copy, model));
	}
	g_assert_cmpuint(i, ==, 73);
}

/* A copy made in a spare model's memory is the copy, whatever the spare held: every field
 * changed in the spare (and the other way round), and spares of other shapes. */
static void test_copy_reusing(void)
{
	g_autoptr(VtierDamonModel) model = damon_test_model_everything();
	g_autofree gchar *text = vtier_damon_model_to_data(model);
	g_autoptr(VtierDamonModel) wide = vtier_damon_model_copy(model);
	VtierDamonContext *c = ((VtierDamonKdamond *)wide->kdamonds->pdata[0])->context;
	VtierDamonScheme *s = c->schemes->pdata[0];
	VtierDamonGoal *goal;
	VtierDamonFilter *filter;
	VtierDamonModel *spares[4];
	guint i;

	for (i = 0;; i++) {
		g_autoptr(VtierDamonModel) changed = vtier_damon_model_copy(model);
		g_autoptr(VtierDamonModel) copy = NULL;
		g_autoptr(VtierDamonModel) back = NULL;
		g_autofree gchar *copied = NULL;
		g_autofree gchar *changed_text = NULL;
		g_autofree gchar *back_text = NULL;

		g_test_message("change %u", i);
		if (!mutate(changed, i))
			break;
		changed_text = vtier_damon_model_to_data(changed);
		copy = vtier_damon_model_copy_reusing(model, vtier_damon_model_copy(changed));
		copied = vtier_damon_model_to_data(copy);
		g_assert_cmpstr(copied, ==, text);
		g_assert_true(vtier_damon_model_equal(model, copy));
		back = vtier_damon_model_copy_reusing(changed, vtier_damon_model_copy(model));
		back_text = vtier_damon_model_to_data(back);
		g_assert_cmpstr(back_text, ==, changed_text);
	}
	g_assert_cmpuint(i, ==, 73);
	/* wider: an extra scheme, goal and filter, an extra kdamond; narrower: none of them */
	goal = vtier_damon_scheme_add_goal(s);
	g_free(goal->path);
	goal->path = g_strdup("/extra");
	filter = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_MEMCG);
	g_free(filter->memcg_path);
	filter->memcg_path = g_strdup("/x");
	vtier_damon_context_add_scheme(c)->quotas.bytes = 7;
	vtier_damon_model_add_kdamond(wide);
	spares[0] = g_steal_pointer(&wide);
	spares[1] = vtier_damon_model_new();
	spares[2] = vtier_damon_model_copy(model);
	g_ptr_array_set_size(((VtierDamonKdamond *)spares[2]->kdamonds->pdata[0])->context->schemes,
			     0);
	spares[3] = NULL;
	for (i = 0; i < G_N_ELEMENTS(spares); i++) {
		g_autoptr(VtierDamonModel) copy = vtier_damon_model_copy_reusing(model, spares[i]);
		g_autofree gchar *copied = vtier_damon_model_to_data(copy);

		g_assert_cmpstr(copied, ==, text);
	}
}

/* A shared model holds the same schemes (references); a copy into a spare that shares a scheme
 * with another model leaves that scheme as it was; the last reference frees it. */
static void test_share(void)
{
	g_autoptr(VtierDamonModel) model = damon_test_model_everything();
	g_autofree gchar *text = vtier_damon_model_to_data(model);
	g_autoptr(VtierDamonModel) other = vtier_damon_model_copy(model);
	g_autoptr(VtierDamonModel) shared = vtier_damon_model_share(model);
	g_autoptr(VtierDamonModel) copy = NULL;
	g_autofree gchar *shared_text = vtier_damon_model_to_data(shared);
	g_autofree gchar *after = NULL;
	VtierDamonContext *c = ((VtierDamonKdamond *)model->kdamonds->pdata[0])->context;
	VtierDamonContext *sc = ((VtierDamonKdamond *)shared->kdamonds->pdata[0])->context;
	VtierDamonScheme *s;

	g_assert_cmpstr(shared_text, ==, text);
	g_assert_cmpuint(sc->schemes->len, ==, c->schemes->len);
	for (guint i = 0; i < c->schemes->len; i++) {
		g_assert_true(sc->schemes->pdata[i] == c->schemes->pdata[i]);
		g_assert_true(vtier_damon_scheme_is_shared(c->schemes->pdata[i]));
	}
	s = ((VtierDamonContext *)((VtierDamonKdamond *)other->kdamonds->pdata[0])->context)
		    ->schemes->pdata[0];
	g_assert_false(vtier_damon_scheme_is_shared(s));
	s->quotas.bytes++;
	/* @shared as the spare: the copy of @other does not write into @model's schemes */
	copy = vtier_damon_model_copy_reusing(other, g_steal_pointer(&shared));
	after = vtier_damon_model_to_data(model);
	g_assert_cmpstr(after, ==, text);
	g_assert_false(vtier_damon_model_equal(copy, model));
	for (guint i = 0; i < c->schemes->len; i++)
		g_assert_false(vtier_damon_scheme_is_shared(c->schemes->pdata[i]));
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
	g_test_add_func("/damon/model/copy-equal", test_copy_equal);
	g_test_add_func("/damon/model/copy-reusing", test_copy_reusing);
	g_test_add_func("/damon/model/share", test_share);
	g_test_add_func("/damon/model/defaults-absent", test_defaults_absent);
	g_test_add_func("/damon/model/parse-errors", test_parse_errors);
	return g_test_run();
}
