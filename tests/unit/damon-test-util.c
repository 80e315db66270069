/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include "damon-test-util.h"

#define GiB (G_GUINT64_CONSTANT(1) << 30)
#define MiB (G_GUINT64_CONSTANT(1) << 20)

static VtierDamonScheme *add_migrate(VtierDamonContext *ctx, VtierDamonAction action, gint nid,
				     guint64 src_start, guint64 src_end, const gchar *memcg)
{
	VtierDamonScheme *s = vtier_damon_context_add_scheme(ctx);
	VtierDamonFilter *f;

	s->action = action;
	s->target_nid = nid;
	s->sz.min = 4096;
	s->sz.max = G_MAXUINT64;
	s->age.max = G_MAXUINT64;
	s->quotas.ms = 100;
	s->quotas.bytes = 64 * MiB;
	s->quotas.reset_interval_ms = 1000;
	/* keep only the source node's range: reject everything outside it */
	f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_ADDR);
	f->addr_start = src_start;
	f->addr_end = src_end;
	f->matching = FALSE;
	f->allow = FALSE;
	/* keep only the guest's memcg */
	f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_MEMCG);
	g_free(f->memcg_path);
	f->memcg_path = g_strdup(memcg);
	f->matching = TRUE;
	f->allow = TRUE;
	return s;
}

VtierDamonModel *damon_test_model_ratio(const gchar *memcg_path)
{
	VtierDamonModel *model = vtier_damon_model_new();
	VtierDamonKdamond *k = vtier_damon_model_add_kdamond(model);
	VtierDamonContext *ctx = k->context;
	VtierDamonTarget *t;
	VtierDamonScheme *s;

	ctx->operations = VTIER_DAMON_OPS_PADDR;
	ctx->sample_us = 5000;
	ctx->aggr_us = 100000;
	ctx->update_us = 1000000;
	ctx->nr_regions_min = 10;
	ctx->nr_regions_max = 1000;
	t = vtier_damon_context_add_target(ctx);
	vtier_damon_target_add_region(t, 0, GiB);
	vtier_damon_target_add_region(t, GiB, 2 * GiB);
	s = add_migrate(ctx, VTIER_DAMON_ACTION_MIGRATE_HOT, 0, GiB, 2 * GiB, memcg_path);
	s->nr_accesses.min = 1;
	s->nr_accesses.max = G_MAXUINT64;
	s = add_migrate(ctx, VTIER_DAMON_ACTION_MIGRATE_COLD, 1, 0, GiB, memcg_path);
	s->nr_accesses.min = 0;
	s->nr_accesses.max = 0;
	s->age.min = 50; /* 5 s in aggregation intervals */
	s->quotas.bytes = 4095; /* parked: no push until the controller says so */
	return model;
}

static void fill_everything_scheme(VtierDamonScheme *s)
{
	VtierDamonGoal *g;
	VtierDamonFilter *f;

	s->apply_interval_us = 200000;
	s->quotas.goal_tuner = VTIER_DAMON_TUNER_TEMPORAL;
	s->quotas.fail_charge_num = 1;
	s->quotas.fail_charge_denom = 1024;
	s->quotas.sz_permil = 1;
	s->quotas.nr_accesses_permil = 2;
	s->quotas.age_permil = 3;
	g = vtier_damon_scheme_add_goal(s);
	g->target_metric = VTIER_DAMON_METRIC_NODE_ELIGIBLE_MEM_BP;
	g->target_value = 5000;
	g->nid = 0;
	g = vtier_damon_scheme_add_goal(s);
	g->target_metric = VTIER_DAMON_METRIC_NODE_MEMCG_USED_BP;
	g->target_value = 2500;
	g->current_value = 17;
	g->nid = 1;
	g_free(g->path);
	g->path = g_strdup("/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope");
	s->watermarks.metric = VTIER_DAMON_WMARK_FREE_MEM_RATE;
	s->watermarks.interval_us = 5000000;
	s->watermarks.high = 900;
	s->watermarks.mid = 800;
	s->watermarks.low = 50;
	f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_TARGET);
	f->damon_target_idx = 1;
	f->matching = TRUE;
	f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_HUGEPAGE_SIZE);
	f->min = 2 * MiB;
	f->max = 2 * MiB;
	f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_YOUNG);
	f->layer = VTIER_DAMON_LAYER_LEGACY;
	f->matching = TRUE;
	vtier_damon_scheme_add_dest(s, 0, 70);
	vtier_damon_scheme_add_dest(s, 1, 30);
}

VtierDamonModel *damon_test_model_everything(void)
{
	VtierDamonModel *model = damon_test_model_ratio("/vtier.slice/guest1");
	VtierDamonKdamond *k = model->kdamonds->pdata[0];
	VtierDamonContext *ctx = k->context;
	VtierDamonPerfEvent *ev;
	VtierDamonTarget *t;

	k->refresh_ms = 1000;
	ctx->addr_unit = 4096;
	ctx->pause = TRUE;
	ctx->intervals_goal.access_bp = 400;
	ctx->intervals_goal.aggrs = 3;
	ctx->intervals_goal.min_sample_us = 5000;
	ctx->intervals_goal.max_sample_us = 10000000;
	ev = vtier_damon_context_add_perf_event(ctx);
	ev->type = 0xb;
	ev->config = 0x1234;
	ev->config1 = 5;
	ev->config2 = 6;
	ev->sample_phys_addr = TRUE;
	ev->sample_weight_struct = TRUE;
	ev->freq = FALSE;
	ev->sample_freq = 0;
	ev->sample_period = 262144;
	ev->wakeup_events = 7;
	ev->precise_ip = 1;
	ev->exclude_kernel = FALSE;
	ev->exclude_hv = FALSE;
	t = vtier_damon_context_add_target(ctx);
	t->pid_target = 4242;
	t->obsolete_target = TRUE;
	fill_everything_scheme(ctx->schemes->pdata[0]);
	k = vtier_damon_model_add_kdamond(model);
	k->context->operations = VTIER_DAMON_OPS_FVADDR;
	return model;
}
