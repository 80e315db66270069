/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include "tiering/damon/damon-model.h"

/* Copy and equality field by field: vtierd copies the plan's model every reconcile and interval
 * (500 guests: ~1000 schemes), and a copy through the JSON codec cost ~120 ms there. Each struct
 * is copied whole (g_memdup2) and its pointer members are then deep-copied, so a plain field
 * appended to a struct is copied without a change here; equality names every field, and a field
 * appended to damon-model.h must be added to it (test-damon-model checks copy, equal and the
 * JSON codec agree on a model that sets every field). */

/* ---- copy ---- */

static VtierDamonGoal *goal_copy(const VtierDamonGoal *goal)
{
	VtierDamonGoal *c = g_memdup2(goal, sizeof(*goal));

	c->path = g_strdup(goal->path);
	return c;
}

static VtierDamonFilter *filter_copy(const VtierDamonFilter *filter)
{
	VtierDamonFilter *c = g_memdup2(filter, sizeof(*filter));

	c->memcg_path = g_strdup(filter->memcg_path);
	return c;
}

static GArray *array_copy(GArray *array)
{
	return g_array_copy(array);
}

VtierDamonScheme *vtier_damon_scheme_copy(const VtierDamonScheme *scheme)
{
	VtierDamonScheme *c = g_memdup2(scheme, sizeof(*scheme));

	g_atomic_ref_count_init(&c->ref_count);
	c->quotas.goals = g_ptr_array_new_full(scheme->quotas.goals->len,
					       (GDestroyNotify)vtier_damon_goal_free);
	for (guint i = 0; i < scheme->quotas.goals->len; i++)
		g_ptr_array_add(c->quotas.goals, goal_copy(scheme->quotas.goals->pdata[i]));
	c->filters = g_ptr_array_new_full(scheme->filters->len,
					  (GDestroyNotify)vtier_damon_filter_free);
	for (guint i = 0; i < scheme->filters->len; i++)
		g_ptr_array_add(c->filters, filter_copy(scheme->filters->pdata[i]));
	c->dests = array_copy(scheme->dests);
	return c;
}

static VtierDamonTarget *target_copy(const VtierDamonTarget *target)
{
	VtierDamonTarget *c = g_memdup2(target, sizeof(*target));

	c->regions = array_copy(target->regions);
	return c;
}

static VtierDamonContext *context_copy_but_schemes(const VtierDamonContext *ctx)
{
	VtierDamonContext *c = g_memdup2(ctx, sizeof(*ctx));

	c->perf_events = g_ptr_array_new_full(ctx->perf_events->len, g_free);
	for (guint i = 0; i < ctx->perf_events->len; i++)
		g_ptr_array_add(c->perf_events,
				g_memdup2(ctx->perf_events->pdata[i], sizeof(VtierDamonPerfEvent)));
	c->targets = g_ptr_array_new_full(ctx->targets->len,
					  (GDestroyNotify)vtier_damon_target_free);
	for (guint i = 0; i < ctx->targets->len; i++)
		g_ptr_array_add(c->targets, target_copy(ctx->targets->pdata[i]));
	c->schemes = NULL;
	return c;
}

static VtierDamonContext *context_copy(const VtierDamonContext *ctx)
{
	VtierDamonContext *c = context_copy_but_schemes(ctx);

	c->schemes = g_ptr_array_new_full(ctx->schemes->len,
					  (GDestroyNotify)vtier_damon_scheme_free);
	for (guint i = 0; i < ctx->schemes->len; i++)
		g_ptr_array_add(c->schemes, vtier_damon_scheme_copy(ctx->schemes->pdata[i]));
	return c;
}

VtierDamonModel *vtier_damon_model_copy(const VtierDamonModel *model)
{
	VtierDamonModel *c = vtier_damon_model_new();

	for (guint i = 0; i < model->kdamonds->len; i++) {
		const VtierDamonKdamond *k = model->kdamonds->pdata[i];
		VtierDamonKdamond *kc = g_memdup2(k, sizeof(*k));

		kc->context = context_copy(k->context);
		g_ptr_array_add(c->kdamonds, kc);
	}
	return c;
}

VtierDamonModel *vtier_damon_model_share(const VtierDamonModel *model)
{
	VtierDamonModel *c = vtier_damon_model_new();

	for (guint i = 0; i < model->kdamonds->len; i++) {
		const VtierDamonKdamond *k = model->kdamonds->pdata[i];
		VtierDamonKdamond *kc = g_memdup2(k, sizeof(*k));
		GPtrArray *schemes = k->context->schemes;

		kc->context = context_copy_but_schemes(k->context);
		kc->context->schemes = g_ptr_array_new_full(schemes->len,
							    (GDestroyNotify)vtier_damon_scheme_free);
		for (guint s = 0; s < schemes->len; s++)
			g_ptr_array_add(kc->context->schemes,
					vtier_damon_scheme_ref(schemes->pdata[s]));
		g_ptr_array_add(c->kdamonds, kc);
	}
	return c;
}

/* ---- copy into a spare model ---- */

/* Keeps *@dst when it already says @src, else replaces it with a copy. */
static void string_copy_into(gchar **dst, const gchar *src)
{
	if (g_strcmp0(*dst, src) == 0)
		return;
	g_free(*dst);
	*dst = g_strdup(src);
}

static void goal_copy_into(VtierDamonGoal *dst, const VtierDamonGoal *src)
{
	gchar *path = dst->path;

	*dst = *src;
	dst->path = path;
	string_copy_into(&dst->path, src->path);
}

static void filter_copy_into(VtierDamonFilter *dst, const VtierDamonFilter *src)
{
	gchar *memcg_path = dst->memcg_path;

	*dst = *src;
	dst->memcg_path = memcg_path;
	string_copy_into(&dst->memcg_path, src->memcg_path);
}

/* @dst (whose elements are @dst's, freed by its free function) made a copy of @src, element by
 * element: @copy_into over the elements both have, @copy for the ones @dst lacks. */
static void elements_copy_into(GPtrArray *dst, const GPtrArray *src,
			       void (*copy_into)(gpointer, gconstpointer),
			       gpointer (*copy)(gconstpointer))
{
	if (dst->len > src->len)
		g_ptr_array_set_size(dst, (gint)src->len);
	for (guint i = 0; i < dst->len; i++)
		copy_into(dst->pdata[i], src->pdata[i]);
	for (guint i = dst->len; i < src->len; i++)
		g_ptr_array_add(dst, copy(src->pdata[i]));
}

/* @dst made a copy of @src, reusing @dst's arrays, goals, filters and strings. */
static void scheme_copy_into(VtierDamonScheme *dst, const VtierDamonScheme *src)
{
	GPtrArray *goals = dst->quotas.goals;
	GPtrArray *filters = dst->filters;
	GArray *dests = dst->dests;
	gatomicrefcount ref_count = dst->ref_count;

	*dst = *src;
	dst->quotas.goals = goals;
	dst->filters = filters;
	dst->dests = dests;
	dst->ref_count = ref_count;
	elements_copy_into(goals, src->quotas.goals, (void (*)(gpointer, gconstpointer))goal_copy_into,
			   (gpointer (*)(gconstpointer))goal_copy);
	elements_copy_into(filters, src->filters,
			   (void (*)(gpointer, gconstpointer))filter_copy_into,
			   (gpointer (*)(gconstpointer))filter_copy);
	g_array_set_size(dests, 0);
	g_array_append_vals(dests, src->dests->data, src->dests->len);
}

/* A scheme of @dst that is shared is replaced, not overwritten. */
static void schemes_copy_into(GPtrArray *dst, const GPtrArray *src)
{
	if (dst->len > src->len)
		g_ptr_array_set_size(dst, (gint)src->len);
	for (guint i = 0; i < dst->len; i++) {
		if (!vtier_damon_scheme_is_shared(dst->pdata[i])) {
			scheme_copy_into(dst->pdata[i], src->pdata[i]);
			continue;
		}
		vtier_damon_scheme_free(dst->pdata[i]);
		dst->pdata[i] = vtier_damon_scheme_copy(src->pdata[i]);
	}
	for (guint i = dst->len; i < src->len; i++)
		g_ptr_array_add(dst, vtier_damon_scheme_copy(src->pdata[i]));
}

/* A copy of @ctx whose schemes are @spare's (taken from it), overwritten; @spare may be NULL. */
static VtierDamonContext *context_copy_reusing(const VtierDamonContext *ctx,
					       VtierDamonContext *spare)
{
	VtierDamonContext *c;

	if (spare == NULL)
		return context_copy(ctx);
	c = context_copy_but_schemes(ctx);
	c->schemes = g_steal_pointer(&spare->schemes);
	spare->schemes = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_scheme_free);
	schemes_copy_into(c->schemes, ctx->schemes);
	return c;
}

VtierDamonModel *vtier_damon_model_copy_reusing(const VtierDamonModel *model,
						VtierDamonModel *spare)
{
	VtierDamonModel *c;

	if (spare == NULL)
		return vtier_damon_model_copy(model);
	c = vtier_damon_model_new();
	for (guint i = 0; i < model->kdamonds->len; i++) {
		const VtierDamonKdamond *k = model->kdamonds->pdata[i];
		VtierDamonKdamond *kc = g_memdup2(k, sizeof(*k));
		VtierDamonContext *old = NULL;

		if (i < spare->kdamonds->len)
			old = ((VtierDamonKdamond *)spare->kdamonds->pdata[i])->context;
		kc->context = context_copy_reusing(k->context, old);
		g_ptr_array_add(c->kdamonds, kc);
	}
	vtier_damon_model_free(spare);
	return c;
}

/* ---- equality ---- */

#define EQ(a, b, f) ((a)->f == (b)->f)

static gboolean range_equal(const VtierDamonRange *a, const VtierDamonRange *b)
{
	return EQ(a, b, min) && EQ(a, b, max);
}

static gboolean goal_equal(const VtierDamonGoal *a, const VtierDamonGoal *b)
{
	return EQ(a, b, target_metric) && EQ(a, b, target_value) && EQ(a, b, current_value) &&
	       EQ(a, b, nid) && g_strcmp0(a->path, b->path) == 0;
}

static gboolean filter_equal(const VtierDamonFilter *a, const VtierDamonFilter *b)
{
	return EQ(a, b, layer) && EQ(a, b, type) && !a->matching == !b->matching &&
	       !a->allow == !b->allow && g_strcmp0(a->memcg_path, b->memcg_path) == 0 &&
	       EQ(a, b, addr_start) && EQ(a, b, addr_end) && EQ(a, b, min) && EQ(a, b, max) &&
	       EQ(a, b, damon_target_idx);
}

static gboolean quotas_equal(const VtierDamonQuotas *a, const VtierDamonQuotas *b)
{
	if (!(EQ(a, b, ms) && EQ(a, b, bytes) && EQ(a, b, reset_interval_ms) &&
	      EQ(a, b, goal_tuner) && EQ(a, b, fail_charge_num) && EQ(a, b, fail_charge_denom) &&
	      EQ(a, b, sz_permil) && EQ(a, b, nr_accesses_permil) && EQ(a, b, age_permil) &&
	      a->goals->len == b->goals->len))
		return FALSE;
	for (guint i = 0; i < a->goals->len; i++) {
		if (!goal_equal(a->goals->pdata[i], b->goals->pdata[i]))
			return FALSE;
	}
	return TRUE;
}

gboolean vtier_damon_watermarks_equal(const VtierDamonWatermarks *a,
				      const VtierDamonWatermarks *b)
{
	return EQ(a, b, metric) && EQ(a, b, interval_us) && EQ(a, b, high) && EQ(a, b, mid) &&
	       EQ(a, b, low);
}

gboolean vtier_damon_scheme_equal(const VtierDamonScheme *a, const VtierDamonScheme *b)
{
	if (a == b) /* shared */
		return TRUE;
	if (!(EQ(a, b, action) && EQ(a, b, target_nid) && EQ(a, b, apply_interval_us) &&
	      range_equal(&a->sz, &b->sz) && range_equal(&a->nr_accesses, &b->nr_accesses) &&
	      range_equal(&a->age, &b->age) && quotas_equal(&a->quotas, &b->quotas) &&
	      vtier_damon_watermarks_equal(&a->watermarks, &b->watermarks) &&
	      a->filters->len == b->filters->len && a->dests->len == b->dests->len))
		return FALSE;
	for (guint i = 0; i < a->filters->len; i++) {
		if (!filter_equal(a->filters->pdata[i], b->filters->pdata[i]))
			return FALSE;
	}
	for (guint i = 0; i < a->dests->len; i++) {
		const VtierDamonDest *x = &g_array_index(a->dests, VtierDamonDest, i);
		const VtierDamonDest *y = &g_array_index(b->dests, VtierDamonDest, i);

		if (!EQ(x, y, id) || !EQ(x, y, weight))
			return FALSE;
	}
	return TRUE;
}

static gboolean perf_event_equal(const VtierDamonPerfEvent *a, const VtierDamonPerfEvent *b)
{
	return EQ(a, b, type) && EQ(a, b, config) && EQ(a, b, config1) && EQ(a, b, config2) &&
	       !a->sample_phys_addr == !b->sample_phys_addr &&
	       !a->sample_weight_struct == !b->sample_weight_struct && !a->freq == !b->freq &&
	       EQ(a, b, sample_freq) && EQ(a, b, sample_period) && EQ(a, b, wakeup_events) &&
	       EQ(a, b, precise_ip) && !a->exclude_kernel == !b->exclude_kernel &&
	       !a->exclude_hv == !b->exclude_hv;
}

static gboolean target_equal(const VtierDamonTarget *a, const VtierDamonTarget *b)
{
	if (!EQ(a, b, pid_target) || !a->obsolete_target != !b->obsolete_target ||
	    a->regions->len != b->regions->len)
		return FALSE;
	for (guint i = 0; i < a->regions->len; i++) {
		const VtierDamonRegion *x = &g_array_index(a->regions, VtierDamonRegion, i);
		const VtierDamonRegion *y = &g_array_index(b->regions, VtierDamonRegion, i);

		if (!EQ(x, y, start) || !EQ(x, y, end))
			return FALSE;
	}
	return TRUE;
}

gboolean vtier_damon_context_equal_but_schemes(const VtierDamonContext *a,
					       const VtierDamonContext *b)
{
	const VtierDamonIntervalsGoal *ga = &a->intervals_goal, *gb = &b->intervals_goal;

	if (!(EQ(a, b, operations) && EQ(a, b, addr_unit) && !a->pause == !b->pause &&
	      EQ(a, b, sample_us) && EQ(a, b, aggr_us) && EQ(a, b, update_us) &&
	      EQ(ga, gb, access_bp) && EQ(ga, gb, aggrs) && EQ(ga, gb, min_sample_us) &&
	      EQ(ga, gb, max_sample_us) && EQ(a, b, nr_regions_min) && EQ(a, b, nr_regions_max) &&
	      a->perf_events->len == b->perf_events->len && a->targets->len == b->targets->len))
		return FALSE;
	for (guint i = 0; i < a->perf_events->len; i++) {
		if (!perf_event_equal(a->perf_events->pdata[i], b->perf_events->pdata[i]))
			return FALSE;
	}
	for (guint i = 0; i < a->targets->len; i++) {
		if (!target_equal(a->targets->pdata[i], b->targets->pdata[i]))
			return FALSE;
	}
	return TRUE;
}

gboolean vtier_damon_model_equal(const VtierDamonModel *a, const VtierDamonModel *b)
{
	if (a->kdamonds->len != b->kdamonds->len)
		return FALSE;
	for (guint k = 0; k < a->kdamonds->len; k++) {
		const VtierDamonKdamond *x = a->kdamonds->pdata[k], *y = b->kdamonds->pdata[k];
		const VtierDamonContext *cx = x->context, *cy = y->context;

		if (!EQ(x, y, refresh_ms) || !vtier_damon_context_equal_but_schemes(cx, cy) ||
		    cx->schemes->len != cy->schemes->len)
			return FALSE;
		for (guint i = 0; i < cx->schemes->len; i++) {
			if (!vtier_damon_scheme_equal(cx->schemes->pdata[i], cy->schemes->pdata[i]))
				return FALSE;
		}
	}
	return TRUE;
}
