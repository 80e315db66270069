/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "tiering/damon/damon-render.h"

typedef struct {
	GPtrArray *out;
	const VtierDamonFeatures *f;
	guint kdamond;
	guint64 span_lo; /* the monitored span of the current context: lowest region start */
	guint64 span_hi; /* and highest region end (0 .. G_MAXUINT64 without regions) */
	GError **error;
	gboolean failed;
} Render;

void vtier_damon_entry_free(VtierDamonEntry *entry)
{
	g_free(entry); /* its strings are in the same block */
}

/* Copies @s (may be NULL) to *@at, moving it on; the pointer to the copy or NULL. */
static gchar *pack_string(gchar **at, const gchar *s)
{
	gchar *copy = *at;
	gsize size;

	if (s == NULL)
		return NULL;
	size = strlen(s) + 1;
	memcpy(copy, s, size);
	*at += size;
	return copy;
}

VtierDamonEntry *vtier_damon_entry_new(const VtierDamonEntry *e, const gchar *relpath_tail,
				       const gchar *value)
{
	gsize head = e->relpath != NULL ? strlen(e->relpath) : 0;
	gsize tail = relpath_tail != NULL ? strlen(relpath_tail) : 0;
	gsize size = sizeof(VtierDamonEntry) + head + tail + 1 +
		     (value != NULL ? strlen(value) + 1 : 0) +
		     (e->default_value != NULL ? strlen(e->default_value) + 1 : 0);
	VtierDamonEntry *c = g_malloc(size);
	gchar *at = (gchar *)(c + 1);

	*c = *e;
	c->relpath = at;
	if (head > 0)
		memcpy(at, e->relpath, head);
	at += head;
	if (tail > 0)
		memcpy(at, relpath_tail, tail);
	at += tail;
	*at++ = '\0';
	c->value = pack_string(&at, value);
	c->default_value = pack_string(&at, e->default_value);
	return c;
}

/* Entries are one block each (struct and strings): a plan of 100 guests holds ~17 000 of them,
 * and four small blocks per entry cost 200 bytes where one costs 120. */
static void emit(Render *r, const gchar *prefix, const gchar *name, VtierDamonEntryKind kind,
		 gchar *value, gchar *def)
{
	g_autofree gchar *owned_value = value;
	g_autofree gchar *owned_def = def;
	g_autofree gchar *tail = g_strconcat("/", name, NULL);
	VtierDamonEntry tmpl = { .relpath = (gchar *)prefix, .default_value = def, .kind = kind };
	VtierDamonEntry *e;

	tmpl.kdamond = r->kdamond;
	e = vtier_damon_entry_new(&tmpl, tail, value);
	e->goal = strstr(e->relpath, "/quotas/goals/") != NULL;
	e->live = g_str_has_suffix(e->relpath, "/refresh_ms") && strstr(e->relpath, "/contexts/") == NULL;
	g_ptr_array_add(r->out, e);
}

static gchar *u64_text(guint64 v)
{
	return g_strdup_printf("%" G_GUINT64_FORMAT, v);
}

static void emit_u64(Render *r, const gchar *p, const gchar *name, guint64 v, guint64 def)
{
	emit(r, p, name, VTIER_DAMON_ENTRY_NUMBER, u64_text(v), u64_text(def));
}

static void emit_hex(Render *r, const gchar *p, const gchar *name, guint64 v, guint64 def)
{
	emit(r, p, name, VTIER_DAMON_ENTRY_NUMBER, g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v),
	     g_strdup_printf("0x%" G_GINT64_MODIFIER "x", def));
}

static void emit_int(Render *r, const gchar *p, const gchar *name, gint v, gint def)
{
	emit(r, p, name, VTIER_DAMON_ENTRY_NUMBER, g_strdup_printf("%d", v), g_strdup_printf("%d", def));
}

static void emit_bool(Render *r, const gchar *p, const gchar *name, gboolean v, gboolean def)
{
	emit(r, p, name, VTIER_DAMON_ENTRY_BOOL, g_strdup(v ? "Y" : "N"), g_strdup(def ? "Y" : "N"));
}

/* The perf_events RFC reads its booleans back as 0/1. */
static void emit_bit(Render *r, const gchar *p, const gchar *name, gboolean v, gboolean def)
{
	emit(r, p, name, VTIER_DAMON_ENTRY_BOOL, g_strdup(v ? "1" : "0"), g_strdup(def ? "1" : "0"));
}

static void emit_str(Render *r, const gchar *p, const gchar *name, const gchar *v, const gchar *def)
{
	emit(r, p, name, VTIER_DAMON_ENTRY_STRING, g_strdup(v), g_strdup(def));
}

static void emit_nr(Render *r, const gchar *p, const gchar *name, guint n)
{
	emit(r, p, name, VTIER_DAMON_ENTRY_NR, g_strdup_printf("%u", n), g_strdup("0"));
}

static void fail(Render *r, const gchar *where, const gchar *what)
{
	if (r->failed)
		return;
	r->failed = TRUE;
	g_set_error(r->error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
		    "%s: %s is not supported by this kernel (DAMON features: %s)", where, what,
		    r->f->source);
}

/* ---- monitoring attributes, targets ---- */

static void render_perf_event(Render *r, const gchar *p, const VtierDamonPerfEvent *ev)
{
	g_autoptr(VtierDamonPerfEvent) d = vtier_damon_perf_event_new();

	emit_hex(r, p, "type", ev->type, d->type);
	emit_hex(r, p, "config", ev->config, d->config);
	emit_u64(r, p, "config1", ev->config1, d->config1);
	emit_u64(r, p, "config2", ev->config2, d->config2);
	emit_bit(r, p, "sample_phys_addr", ev->sample_phys_addr, d->sample_phys_addr);
	emit_bit(r, p, "sample_weight_struct", ev->sample_weight_struct, d->sample_weight_struct);
	emit_bit(r, p, "freq", ev->freq, d->freq);
	emit_u64(r, p, "sample_freq", ev->sample_freq, d->sample_freq);
	emit_u64(r, p, "sample_period", ev->sample_period, d->sample_period);
	emit_u64(r, p, "wakeup_events", ev->wakeup_events, d->wakeup_events);
	emit_u64(r, p, "precise_ip", ev->precise_ip, d->precise_ip);
	emit_bit(r, p, "exclude_kernel", ev->exclude_kernel, d->exclude_kernel);
	emit_bit(r, p, "exclude_hv", ev->exclude_hv, d->exclude_hv);
}

static void render_attrs(Render *r, const gchar *ctxp, const VtierDamonContext *ctx,
			 const VtierDamonContext *d)
{
	g_autofree gchar *iv = g_strconcat(ctxp, "/monitoring_attrs/intervals", NULL);
	g_autofree gchar *goal = g_strconcat(iv, "/intervals_goal", NULL);
	g_autofree gchar *nr = g_strconcat(ctxp, "/monitoring_attrs/nr_regions", NULL);
	g_autofree gchar *perf = g_strconcat(ctxp, "/monitoring_attrs/sample/perf_events", NULL);

	emit_u64(r, iv, "sample_us", ctx->sample_us, d->sample_us);
	emit_u64(r, iv, "aggr_us", ctx->aggr_us, d->aggr_us);
	if (ctx->intervals_goal.aggrs != 0 && ctx->intervals_goal.access_bp != 0) {
		((VtierDamonEntry *)r->out->pdata[r->out->len - 1])->tuned = TRUE;
		((VtierDamonEntry *)r->out->pdata[r->out->len - 2])->tuned = TRUE;
	}
	emit_u64(r, iv, "update_us", ctx->update_us, d->update_us);
	emit_u64(r, goal, "access_bp", ctx->intervals_goal.access_bp, 0);
	emit_u64(r, goal, "aggrs", ctx->intervals_goal.aggrs, 0);
	emit_u64(r, goal, "min_sample_us", ctx->intervals_goal.min_sample_us, 0);
	emit_u64(r, goal, "max_sample_us", ctx->intervals_goal.max_sample_us, 0);
	emit_u64(r, nr, "min", ctx->nr_regions_min, d->nr_regions_min);
	emit_u64(r, nr, "max", ctx->nr_regions_max, d->nr_regions_max);
	if (ctx->perf_events->len == 0)
		return;
	if (!r->f->perf_events)
		fail(r, ctxp, "hardware sampling (monitoring_attrs/sample/perf_events, RFC)");
	emit_nr(r, perf, "nr_perf_events", ctx->perf_events->len);
	for (guint i = 0; i < ctx->perf_events->len; i++) {
		g_autofree gchar *p = g_strdup_printf("%s/%u", perf, i);

		render_perf_event(r, p, ctx->perf_events->pdata[i]);
	}
}

static void render_targets(Render *r, const gchar *ctxp, const VtierDamonContext *ctx)
{
	g_autofree gchar *tp = g_strconcat(ctxp, "/targets", NULL);

	emit_nr(r, tp, "nr_targets", ctx->targets->len);
	for (guint i = 0; i < ctx->targets->len; i++) {
		const VtierDamonTarget *t = ctx->targets->pdata[i];
		g_autofree gchar *p = g_strdup_printf("%s/%u", tp, i);
		g_autofree gchar *rp = g_strconcat(p, "/regions", NULL);

		emit_int(r, p, "pid_target", t->pid_target, 0);
		emit_bool(r, p, "obsolete_target", t->obsolete_target, FALSE);
		emit_nr(r, rp, "nr_regions", t->regions->len);
		for (guint j = 0; j < t->regions->len; j++) {
			const VtierDamonRegion *reg = &g_array_index(t->regions, VtierDamonRegion, j);
			g_autofree gchar *regp = g_strdup_printf("%s/%u", rp, j);

			emit_u64(r, regp, "start", reg->start, 0);
			emit_u64(r, regp, "end", reg->end, 0);
		}
	}
}

/* ---- schemes ---- */

static void render_goals(Render *r, const gchar *sp, const VtierDamonScheme *s)
{
	g_autofree gchar *gp = g_strconcat(sp, "/quotas/goals", NULL);

	emit_nr(r, gp, "nr_goals", s->quotas.goals->len);
	for (guint i = 0; i < s->quotas.goals->len; i++) {
		const VtierDamonGoal *g = s->quotas.goals->pdata[i];
		const gchar *metric = vtier_damon_goal_metric_to_string(g->target_metric);
		g_autofree gchar *p = g_strdup_printf("%s/%u", gp, i);

		if (r->f->goal_metrics[0] != NULL && !vtier_damon_features_has_goal_metric(r->f, g->target_metric))
			fail(r, p, metric);
		emit_str(r, p, "target_metric", metric, "user_input");
		emit_u64(r, p, "target_value", g->target_value, 0);
		emit_u64(r, p, "current_value", g->current_value, 0);
		emit_int(r, p, "nid", g->nid, 0);
		emit_str(r, p, "path", g->path, "");
	}
}

static void render_quotas(Render *r, const gchar *sp, const VtierDamonScheme *s)
{
	g_autofree gchar *qp = g_strconcat(sp, "/quotas", NULL);
	g_autofree gchar *wp = g_strconcat(qp, "/weights", NULL);
	const VtierDamonQuotas *q = &s->quotas;

	emit_u64(r, qp, "ms", q->ms, 0);
	emit_u64(r, qp, "bytes", q->bytes, 0);
	emit_u64(r, qp, "reset_interval_ms", q->reset_interval_ms, 0);
	/* the trial writes ran when actions are known; then an empty tuner list means no file */
	if (q->goal_tuner != VTIER_DAMON_TUNER_CONSIST && r->f->actions[0] != NULL &&
	    !vtier_damon_features_has_goal_tuner(r->f, q->goal_tuner)) {
		g_autofree gchar *what = g_strdup_printf(
			"goal_tuner %s", vtier_damon_goal_tuner_to_string(q->goal_tuner));

		fail(r, qp, what);
	}
	emit_str(r, qp, "goal_tuner", vtier_damon_goal_tuner_to_string(q->goal_tuner), "consist");
	emit_u64(r, qp, "fail_charge_num", q->fail_charge_num, 0);
	emit_u64(r, qp, "fail_charge_denom", q->fail_charge_denom, 0);
	emit_u64(r, wp, "sz_permil", q->sz_permil, 0);
	emit_u64(r, wp, "nr_accesses_permil", q->nr_accesses_permil, 0);
	emit_u64(r, wp, "age_permil", q->age_permil, 0);
	render_goals(r, sp, s);
}

typedef struct {
	const VtierDamonFilter *filter;
	gboolean matching;
	gboolean complement; /* a 6.12 addr filter standing for part of a "keep [s,e)" filter */
	guint64 addr_start;
	guint64 addr_end;
} Placed;

/* 6.12's filters/ excludes what a filter matches, or with matching=N what it does not match.
 * But paddr evaluates every filter of filters/ again per folio, where an addr filter never
 * matches: an addr filter with matching=N excludes every folio (measured: nothing moves). So
 * "keep only [s,e)" is written as matching=Y addr filters over the rest of the monitored span,
 * [lowest monitored address, s) and [e, end of the monitored span), either left out when empty
 * (docs/damon.md, writer point 7). A model's own filters/ filter (a plan made for 6.12) with
 * matching=N is the same broken form and is written the same way. Returns FALSE when @pl is not
 * such a filter. */
static gboolean place_keep_range(Render *r, const Placed *pl, GArray *legacy)
{
	const VtierDamonFilter *f = pl->filter;
	Placed lo = { .filter = f, .matching = TRUE, .complement = TRUE };
	Placed hi = lo;

	if (f->type != VTIER_DAMON_FILTER_ADDR || pl->matching)
		return FALSE;
	lo.addr_start = r->span_lo;
	lo.addr_end = f->addr_start;
	hi.addr_start = f->addr_end;
	hi.addr_end = r->span_hi;
	if (lo.addr_start < lo.addr_end)
		g_array_append_val(legacy, lo);
	if (hi.addr_start < hi.addr_end)
		g_array_append_val(legacy, hi);
	return TRUE;
}

/* Where each filter goes on this kernel (see damon-render.h); @placed[layer] gets Placed. */
static void place_filters(Render *r, const gchar *sp, const VtierDamonScheme *s, GArray **placed)
{
	gboolean new_form = r->f->core_filters && r->f->ops_filters;
	static const VtierDamonFilterLayer order[] = { VTIER_DAMON_LAYER_CORE, VTIER_DAMON_LAYER_OPS,
						       VTIER_DAMON_LAYER_LEGACY };

	for (gsize o = 0; o < G_N_ELEMENTS(order); o++) {
		for (guint i = 0; i < s->filters->len; i++) {
			const VtierDamonFilter *f = s->filters->pdata[i];
			Placed pl = { .filter = f, .matching = f->matching };
			VtierDamonFilterLayer dir = f->layer;

			if (f->layer != order[o])
				continue;
			if (!new_form)
				dir = VTIER_DAMON_LAYER_LEGACY;
			else if (f->layer == VTIER_DAMON_LAYER_LEGACY && !r->f->legacy_filters)
				dir = vtier_damon_filter_type_layer(f->type);
			if (!new_form && f->layer != VTIER_DAMON_LAYER_LEGACY && f->allow)
				pl.matching = !f->matching; /* only right as the last filter: checked below */
			/* type lists are known when the trial writes ran (actions known) */
			if (r->f->actions[0] != NULL &&
			    !vtier_damon_features_has_filter_type(r->f, dir, f->type)) {
				g_autofree gchar *what = g_strdup_printf(
					"filter type %s in %s/", vtier_damon_filter_type_to_string(f->type),
					vtier_damon_filter_layer_dir(dir));
				fail(r, sp, what);
			}
			if (!new_form && place_keep_range(r, &pl, placed[dir]))
				continue;
			pl.addr_start = f->addr_start;
			pl.addr_end = f->addr_end;
			g_array_append_val(placed[dir], pl);
		}
	}
}

static void check_legacy_allow(Render *r, const gchar *sp, GArray *legacy)
{
	for (guint i = 0; i + 1 < legacy->len; i++) {
		const Placed *pl = &g_array_index(legacy, Placed, i);

		if (pl->filter->layer != VTIER_DAMON_LAYER_LEGACY && pl->filter->allow &&
		    !pl->complement)
			fail(r, sp, "an allow filter followed by other filters (filters/ without `allow`)");
	}
}

static void render_filter(Render *r, const gchar *p, const Placed *pl)
{
	const VtierDamonFilter *f = pl->filter;

	emit_str(r, p, "type", vtier_damon_filter_type_to_string(f->type), "anon");
	emit_bool(r, p, "matching", pl->matching, FALSE);
	if (r->f->filter_allow)
		emit_bool(r, p, "allow", f->allow, FALSE);
	emit_str(r, p, "memcg_path", f->memcg_path, "");
	emit_u64(r, p, "addr_start", pl->addr_start, 0);
	emit_u64(r, p, "addr_end", pl->addr_end, 0);
	emit_u64(r, p, "min", f->min, 0);
	emit_u64(r, p, "max", f->max, 0);
	emit_int(r, p, "damon_target_idx", (gint)f->damon_target_idx, 0);
}

static void render_filters(Render *r, const gchar *sp, const VtierDamonScheme *s)
{
	GArray *placed[VTIER_DAMON_LAYER_LAST];

	for (guint l = 0; l < VTIER_DAMON_LAYER_LAST; l++)
		placed[l] = g_array_new(FALSE, TRUE, sizeof(Placed));
	place_filters(r, sp, s, placed);
	if (!r->f->filter_allow)
		check_legacy_allow(r, sp, placed[VTIER_DAMON_LAYER_LEGACY]);
	for (guint l = 0; l < VTIER_DAMON_LAYER_LAST; l++) {
		g_autofree gchar *lp = g_strdup_printf("%s/%s", sp, vtier_damon_filter_layer_dir(l));
		gboolean present = l == VTIER_DAMON_LAYER_CORE	 ? r->f->core_filters
				   : l == VTIER_DAMON_LAYER_OPS ? r->f->ops_filters
								: r->f->legacy_filters;

		if (present || placed[l]->len > 0)
			emit_nr(r, lp, "nr_filters", placed[l]->len);
		for (guint i = 0; i < placed[l]->len; i++) {
			g_autofree gchar *p = g_strdup_printf("%s/%u", lp, i);

			render_filter(r, p, &g_array_index(placed[l], Placed, i));
		}
		g_array_unref(placed[l]);
	}
}

static void render_scheme(Render *r, const gchar *sp, const VtierDamonScheme *s)
{
	g_autofree gchar *ap = g_strconcat(sp, "/access_pattern", NULL);
	g_autofree gchar *wp = g_strconcat(sp, "/watermarks", NULL);
	g_autofree gchar *dp = g_strconcat(sp, "/dests", NULL);
	const gchar *action = vtier_damon_action_to_string(s->action);
	const struct {
		const gchar *name;
		const VtierDamonRange *range;
	} ranges[] = { { "sz", &s->sz }, { "nr_accesses", &s->nr_accesses }, { "age", &s->age } };

	if (r->f->actions[0] != NULL && !vtier_damon_features_has_action(r->f, s->action))
		fail(r, sp, action);
	emit_str(r, sp, "action", action, "stat");
	emit_int(r, sp, "target_nid", s->target_nid, -1);
	emit_u64(r, sp, "apply_interval_us", s->apply_interval_us, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(ranges); i++) {
		g_autofree gchar *rp = g_strdup_printf("%s/%s", ap, ranges[i].name);

		emit_u64(r, rp, "min", ranges[i].range->min, 0);
		emit_u64(r, rp, "max", ranges[i].range->max, 0);
	}
	render_quotas(r, sp, s);
	emit_str(r, wp, "metric", vtier_damon_wmark_metric_to_string(s->watermarks.metric), "none");
	emit_u64(r, wp, "interval_us", s->watermarks.interval_us, 0);
	emit_u64(r, wp, "high", s->watermarks.high, 0);
	emit_u64(r, wp, "mid", s->watermarks.mid, 0);
	emit_u64(r, wp, "low", s->watermarks.low, 0);
	render_filters(r, sp, s);
	if (r->f->dests || s->dests->len > 0)
		emit_nr(r, dp, "nr_dests", s->dests->len);
	for (guint i = 0; i < s->dests->len; i++) {
		const VtierDamonDest *d = &g_array_index(s->dests, VtierDamonDest, i);
		g_autofree gchar *p = g_strdup_printf("%s/%u", dp, i);

		emit_u64(r, p, "id", d->id, 0);
		emit_u64(r, p, "weight", d->weight, 0);
	}
}

/* The monitored span of @ctx (for 6.12's addr filters): its regions, else everything. */
static void set_span(Render *r, const VtierDamonContext *ctx)
{
	r->span_lo = G_MAXUINT64;
	r->span_hi = 0;
	for (guint i = 0; i < ctx->targets->len; i++) {
		const VtierDamonTarget *t = ctx->targets->pdata[i];

		for (guint j = 0; j < t->regions->len; j++) {
			const VtierDamonRegion *reg = &g_array_index(t->regions, VtierDamonRegion, j);

			r->span_lo = MIN(r->span_lo, reg->start);
			r->span_hi = MAX(r->span_hi, reg->end);
		}
	}
	if (r->span_lo >= r->span_hi) {
		r->span_lo = 0;
		r->span_hi = G_MAXUINT64;
	}
}

/* A kdamond's head: refresh_ms .. targets and nr_schemes. */
static void render_head(Render *r, guint k, const VtierDamonKdamond *kd)
{
	g_autoptr(VtierDamonContext) d = vtier_damon_context_new();
	g_autofree gchar *kp = g_strdup_printf("kdamonds/%u", k);
	g_autofree gchar *cp = g_strconcat(kp, "/contexts", NULL);
	g_autofree gchar *ctxp = g_strconcat(cp, "/0", NULL);
	g_autofree gchar *sp = g_strconcat(ctxp, "/schemes", NULL);
	const VtierDamonContext *ctx = kd->context;

	r->kdamond = k;
	set_span(r, ctx);
	emit_u64(r, kp, "refresh_ms", kd->refresh_ms, 0);
	emit_nr(r, cp, "nr_contexts", 1);
	if (r->f->operations[0] != NULL && !vtier_damon_features_has_operations(r->f, ctx->operations))
		fail(r, ctxp, vtier_damon_ops_to_string(ctx->operations));
	emit_str(r, ctxp, "operations", vtier_damon_ops_to_string(ctx->operations), "vaddr");
	emit_u64(r, ctxp, "addr_unit", ctx->addr_unit, d->addr_unit);
	render_attrs(r, ctxp, ctx, d);
	render_targets(r, ctxp, ctx);
	emit_nr(r, sp, "nr_schemes", ctx->schemes->len);
}

static gchar *scheme_dir(guint k, guint i)
{
	return g_strdup_printf("kdamonds/%u/contexts/0/schemes/%u", k, i);
}

static void render_tail(Render *r, guint k, const VtierDamonKdamond *kd)
{
	g_autofree gchar *ctxp = g_strdup_printf("kdamonds/%u/contexts/0", k);

	emit_bool(r, ctxp, "pause", kd->context->pause, FALSE);
}

static void render_kdamond(Render *r, guint k, const VtierDamonKdamond *kd)
{
	const VtierDamonContext *ctx = kd->context;

	render_head(r, k, kd);
	for (guint i = 0; i < ctx->schemes->len; i++) {
		g_autofree gchar *p = scheme_dir(k, i);

		render_scheme(r, p, ctx->schemes->pdata[i]);
	}
	render_tail(r, k, kd);
}

/* A kernel file takes one line: a value with a control character (a memcg path with a newline)
 * would be cut by the kernel and could not be spelled in a script line. */
static gboolean check_one_line(GPtrArray *entries, GError **error)
{
	for (guint i = 0; i < entries->len; i++) {
		const VtierDamonEntry *e = entries->pdata[i];

		for (const gchar *p = e->value; p != NULL && *p != '\0'; p++) {
			g_autofree gchar *shown = NULL;

			if ((guchar)*p >= 0x20 && *p != 0x7f)
				continue;
			shown = g_strescape(e->value, NULL);
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "%s: \"%s\" holds a control character (a kernel file takes one "
				    "line)",
				    e->relpath, shown);
			return FALSE;
		}
	}
	return TRUE;
}

GPtrArray *vtier_damon_render_entries(const VtierDamonModel *model,
				      const VtierDamonFeatures *features, GError **error)
{
	g_autoptr(GPtrArray) out =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_entry_free);
	Render r = { .out = out, .f = features, .error = error };

	emit_nr(&r, "kdamonds", "nr_kdamonds", model->kdamonds->len);
	for (guint k = 0; k < model->kdamonds->len && !r.failed; k++)
		render_kdamond(&r, k, model->kdamonds->pdata[k]);
	if (r.failed || !check_one_line(out, error))
		return NULL;
	return g_steal_pointer(&out);
}

/* ---- in parts ---- */

VtierDamonPart *vtier_damon_part_new(gint kdamond, gint scheme)
{
	VtierDamonPart *part = g_atomic_rc_box_new0(VtierDamonPart);

	part->entries = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_entry_free);
	part->kdamond = kdamond;
	part->scheme = scheme;
	return part;
}

static void part_clear(VtierDamonPart *part)
{
	g_clear_pointer(&part->entries, g_ptr_array_unref);
	vtier_damon_scheme_free(part->source);
}

VtierDamonPart *vtier_damon_part_ref(VtierDamonPart *part)
{
	return g_atomic_rc_box_acquire(part);
}

void vtier_damon_part_unref(VtierDamonPart *part)
{
	if (part != NULL)
		g_atomic_rc_box_release_full(part, (GDestroyNotify)part_clear);
}

void vtier_damon_part_drop_entries(VtierDamonPart *part)
{
	if (part->source != NULL)
		g_clear_pointer(&part->entries, g_ptr_array_unref);
}

GPtrArray *vtier_damon_part_get_entries(VtierDamonPart *part, const VtierDamonFeatures *features,
					GError **error)
{
	g_autofree gchar *p = NULL;
	Render r = { .f = features, .error = error };

	if (part->entries != NULL)
		return part->entries;
	/* as render_schemes() rendered it: its kdamond, its directory, its context's span */
	part->entries = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_entry_free);
	r.out = part->entries;
	r.kdamond = (guint)part->kdamond;
	r.span_lo = part->span_lo;
	r.span_hi = part->span_hi;
	p = scheme_dir((guint)part->kdamond, (guint)part->scheme);
	render_scheme(&r, p, part->source);
	if (r.failed) {
		g_clear_pointer(&part->entries, g_ptr_array_unref);
		return NULL;
	}
	return part->entries;
}

/* Starts a part: the entries go to it from now on. */
static VtierDamonPart *begin_part(Render *r, GPtrArray *parts, gint kdamond, gint scheme)
{
	VtierDamonPart *part = vtier_damon_part_new(kdamond, scheme);

	g_ptr_array_add(parts, part);
	r->out = part->entries;
	return part;
}

/* The part of scheme @i of kdamond @k in @previous (the parts of the previous render, whose
 * kdamond heads are at @offsets), when it renders as @scheme would now, or NULL. */
static VtierDamonPart *reusable_part(GPtrArray *previous, const gint *offsets, guint n_offsets,
				     guint k, guint i, const VtierDamonScheme *scheme,
				     const Render *r)
{
	VtierDamonPart *part;
	guint at;

	if (k >= n_offsets || offsets[k] < 0)
		return NULL;
	at = (guint)offsets[k] + 1 + i;
	if (at >= previous->len)
		return NULL;
	part = previous->pdata[at];
	if (part->kdamond != (gint)k || part->scheme != (gint)i || part->source == NULL ||
	    part->span_lo != r->span_lo || part->span_hi != r->span_hi ||
	    !vtier_damon_scheme_equal(part->source, scheme))
		return NULL;
	return part;
}

/* Where each kdamond's head is in @parts (-1: none), in *ret_n entries; NULL without parts. */
static gint *part_offsets(GPtrArray *parts, guint *ret_n)
{
	gint *offsets;
	guint n = 0;

	*ret_n = 0;
	if (parts == NULL)
		return NULL;
	for (guint j = 0; j < parts->len; j++)
		n = MAX(n, (guint)(((VtierDamonPart *)parts->pdata[j])->kdamond + 1));
	offsets = g_new(gint, n + 1);
	for (guint k = 0; k <= n; k++)
		offsets[k] = -1;
	for (guint j = 0; j < parts->len; j++) {
		const VtierDamonPart *part = parts->pdata[j];

		if (part->kdamond >= 0 && part->scheme < 0 && offsets[part->kdamond] < 0)
			offsets[part->kdamond] = (gint)j;
	}
	*ret_n = n;
	return offsets;
}

static void render_schemes(Render *r, GPtrArray *parts, GPtrArray *fresh, guint k,
			   const VtierDamonContext *ctx, GPtrArray *previous, const gint *offsets,
			   guint n_offsets)
{
	for (guint i = 0; i < ctx->schemes->len; i++) {
		const VtierDamonScheme *scheme = ctx->schemes->pdata[i];
		VtierDamonPart *same = NULL;
		VtierDamonPart *part;
		g_autofree gchar *p = NULL;

		if (offsets != NULL)
			same = reusable_part(previous, offsets, n_offsets, k, i, scheme, r);
		if (same != NULL) {
			g_ptr_array_add(parts, vtier_damon_part_ref(same));
			continue;
		}
		p = scheme_dir(k, i);
		part = begin_part(r, parts, (gint)k, (gint)i);
		/* a shared scheme never changes (damon-model.h): a reference is a copy, and the
		 * next render finds it unchanged by its pointer, without comparing its fields */
		part->source = vtier_damon_scheme_is_shared(scheme)
				       ? vtier_damon_scheme_ref((VtierDamonScheme *)scheme)
				       : vtier_damon_scheme_copy(scheme);
		part->span_lo = r->span_lo;
		part->span_hi = r->span_hi;
		g_ptr_array_add(fresh, part);
		render_scheme(r, p, scheme);
	}
}

GPtrArray *vtier_damon_render_parts(const VtierDamonModel *model,
				    const VtierDamonFeatures *features, GPtrArray *previous,
				    GError **error)
{
	/* as many parts as the last render's, normally: no growing an array of ~2000 */
	g_autoptr(GPtrArray) parts = g_ptr_array_new_full(previous != NULL ? previous->len + 4 : 0,
							 (GDestroyNotify)vtier_damon_part_unref);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new(); /* the parts rendered now, in order */
	guint n_offsets = 0;
	g_autofree gint *offsets = part_offsets(previous, &n_offsets);
	Render r = { .f = features, .error = error };

	g_ptr_array_add(fresh, begin_part(&r, parts, -1, -1));
	emit_nr(&r, "kdamonds", "nr_kdamonds", model->kdamonds->len);
	for (guint k = 0; k < model->kdamonds->len && !r.failed; k++) {
		const VtierDamonKdamond *kd = model->kdamonds->pdata[k];

		g_ptr_array_add(fresh, begin_part(&r, parts, (gint)k, -1));
		render_head(&r, k, kd);
		render_schemes(&r, parts, fresh, k, kd->context, previous, offsets, n_offsets);
		g_ptr_array_add(fresh, begin_part(&r, parts, (gint)k, -1));
		render_tail(&r, k, kd);
	}
	if (r.failed)
		return NULL;
	/* a reused part passed this check when it was rendered */
	for (guint i = 0; i < fresh->len; i++) {
		if (!check_one_line(((VtierDamonPart *)fresh->pdata[i])->entries, error))
			return NULL;
	}
	return g_steal_pointer(&parts);
}

static gboolean parse_bool(const gchar *text, gboolean *ret)
{
	if (g_strcmp0(text, "Y") == 0 || g_strcmp0(text, "1") == 0 || g_strcmp0(text, "y") == 0) {
		*ret = TRUE;
		return TRUE;
	}
	if (g_strcmp0(text, "N") == 0 || g_strcmp0(text, "0") == 0 || g_strcmp0(text, "n") == 0) {
		*ret = FALSE;
		return TRUE;
	}
	return FALSE;
}

gboolean vtier_damon_entry_values_equal(VtierDamonEntryKind kind, const gchar *a, const gchar *b)
{
	if (g_strcmp0(a, b) == 0)
		return TRUE;
	if (a == NULL || b == NULL)
		return FALSE;
	if (kind == VTIER_DAMON_ENTRY_BOOL) {
		gboolean ba, bb;

		return parse_bool(a, &ba) && parse_bool(b, &bb) && ba == bb;
	}
	if (kind == VTIER_DAMON_ENTRY_NUMBER || kind == VTIER_DAMON_ENTRY_NR) {
		gchar *ea = NULL, *eb = NULL;
		gboolean neg_a = a[0] == '-', neg_b = b[0] == '-';
		guint64 va = g_ascii_strtoull(neg_a ? a + 1 : a, &ea, 0);
		guint64 vb = g_ascii_strtoull(neg_b ? b + 1 : b, &eb, 0);

		return *ea == '\0' && *eb == '\0' && va == vb && (neg_a == neg_b || va == 0);
	}
	return FALSE;
}
