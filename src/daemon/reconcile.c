/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "daemon/manager-private.h"
#include "tiering/options.h"

/* The level-triggered reconcile: whatever marked the host dirty, rebuild every input, plan, and
 * hand the model to the writer, which writes only what differs (nothing when nothing changed).
 * The apply runs on the DAMON worker (damon-worker.c): reconcile_begin plans and launches it,
 * apply_done records the plan on the main loop. A reconcile asked while a job is in flight
 * keeps the host dirty and begins when the worker is idle (vtier_manager_damon_idle). */

/* A failed reconcile's retries (retry_later): 1 s, 2 s, 4 s ... at most a minute apart. */
#define RECONCILE_RETRY_FIRST_MS 1000u
#define RECONCILE_RETRY_MAX_MS 60000u

/* What a reconcile's apply carries to its end. */
typedef struct {
	VtierPlan *plan;
	VtierDamonModel *model;
	GPtrArray *planned; /* gchar *: the planned guests' names (a guest may go meanwhile) */
	gint64 t0;
	guint attempt;
} ReconcileRun;

static void reconcile_run_free(ReconcileRun *run)
{
	vtier_plan_free(run->plan);
	vtier_damon_model_free(run->model);
	g_ptr_array_unref(run->planned);
	g_free(run);
}

static gboolean is_user_input(const VtierDamonGoal *goal)
{
	return goal->target_metric == VTIER_DAMON_METRIC_USER_INPUT;
}

/* A PULL aimed at the guest's own pages (b->n_aim spans) keeps, after the plan's addr filters
 * (its node), what lies outside the spans out: one filter rejecting all but [first start, last
 * end), and one rejecting each gap between spans, in the layer of the plan's addr filter. Core
 * addr filters cost the quota nothing: the walk no longer pays for other memory of the node.
 * Filter @k of them: its range and whether it rejects what lies outside it. */
static void aim_filter(const VtierBudget *b, guint k, guint64 *start, guint64 *end,
		       gboolean *outside)
{
	*outside = k == 0;
	*start = k == 0 ? b->aim[0].start : b->aim[k - 1].end;
	*end = k == 0 ? b->aim[b->n_aim - 1].end : b->aim[k].start;
}

/* Where the aim's filters go in @scheme (after its last addr filter), -1 when it has none. */
static gint aim_at(const VtierDamonScheme *scheme)
{
	for (guint i = scheme->filters->len; i > 0; i--)
		if (((const VtierDamonFilter *)scheme->filters->pdata[i - 1])->type ==
		    VTIER_DAMON_FILTER_ADDR)
			return (gint)i;
	return -1;
}

static void apply_aim(const VtierBudget *b, VtierDamonScheme *scheme)
{
	gint at = aim_at(scheme);
	VtierDamonFilterLayer layer;

	if (b->n_aim == 0 || at < 0)
		return;
	layer = ((const VtierDamonFilter *)scheme->filters->pdata[at - 1])->layer;
	for (guint k = 0; k < b->n_aim; k++) {
		VtierDamonFilter *f = vtier_damon_filter_new(VTIER_DAMON_FILTER_ADDR);
		gboolean outside;

		aim_filter(b, k, &f->addr_start, &f->addr_end, &outside);
		f->layer = layer;
		f->matching = !outside;
		f->allow = FALSE;
		g_ptr_array_insert(scheme->filters, at + (gint)k, f);
	}
}

/* A PULL kept to the pages touched since the last check (b->young, interval.c, survey_slow): its
 * memcg filter (the plan's last ops filter, an allow) becomes a rejection of every other page, and
 * a rejection of the pages not young follows it, so that the young filter (an rmap walk per page,
 * which marks the page old) looks at the guest's pages only. The index of that memcg filter in
 * @scheme, -1 when its last filter is not one (and @b->young does nothing). */
static gint young_memcg_at(const VtierDamonScheme *scheme)
{
	guint n = scheme->filters->len;
	const VtierDamonFilter *last = n > 0 ? scheme->filters->pdata[n - 1] : NULL;

	return last != NULL && last->type == VTIER_DAMON_FILTER_MEMCG &&
		       last->layer == VTIER_DAMON_LAYER_OPS
		       ? (gint)n - 1
		       : -1;
}

static void apply_young(const VtierBudget *b, VtierDamonScheme *scheme)
{
	gint at = young_memcg_at(scheme);
	VtierDamonFilter *memcg, *f;

	if (!b->young || at < 0)
		return;
	memcg = scheme->filters->pdata[at];
	memcg->matching = FALSE;
	memcg->allow = FALSE;
	f = vtier_damon_scheme_add_filter(scheme, VTIER_DAMON_FILTER_YOUNG);
	f->layer = VTIER_DAMON_LAYER_OPS;
	f->matching = FALSE;
	f->allow = FALSE;
}

static gboolean young_matches(const VtierBudget *b, const VtierDamonScheme *plan_scheme,
			      const VtierDamonScheme *scheme)
{
	gint at = young_memcg_at(plan_scheme);
	const VtierDamonFilter *memcg, *f;
	guint n = scheme->filters->len;

	if (!b->young || at < 0)
		return TRUE;
	if (n < 2)
		return FALSE;
	memcg = scheme->filters->pdata[n - 2];
	f = scheme->filters->pdata[n - 1];
	return memcg->type == VTIER_DAMON_FILTER_MEMCG && !memcg->matching && !memcg->allow &&
	       f->type == VTIER_DAMON_FILTER_YOUNG && f->layer == VTIER_DAMON_LAYER_OPS &&
	       !f->matching && !f->allow;
}

static gboolean aim_matches(const VtierBudget *b, const VtierDamonScheme *plan_scheme,
			    const VtierDamonScheme *scheme)
{
	gint at = aim_at(plan_scheme);
	guint n = b->n_aim > 0 && at >= 0 ? b->n_aim : 0;
	guint young = b->young && young_memcg_at(plan_scheme) >= 0 ? 1 : 0;

	if (scheme->filters->len != plan_scheme->filters->len + n + young)
		return FALSE;
	for (guint k = 0; k < n; k++) {
		const VtierDamonFilter *f = scheme->filters->pdata[at + (gint)k];
		guint64 start, end;
		gboolean outside;

		aim_filter(b, k, &start, &end, &outside);
		if (f->type != VTIER_DAMON_FILTER_ADDR || f->allow || f->matching == outside ||
		    f->addr_start != start || f->addr_end != end)
			return FALSE;
	}
	return TRUE;
}

/* A parked walk that keeps its place (b->keep_walk). A parked scheme's 1-byte quota charges
 * nothing, but each window the kernel still goes through its regions, and the first one past
 * where the last charged window stopped clears that resume point (6.18 and 6.12,
 * damon_do_apply_schemes): the next open window starts the walk again at the node's first
 * addresses. A scheme its watermarks switch off is skipped before that. Watermarks on the free
 * memory rate with every mark 0 switch it off (the rate is above the high mark); a commit
 * switches it on again, and metric `none` leaves it on. 6.18 lab (7 Dec 2026): a probe's PUSH,
 * aimed at the guest's pages on the fast node and parked between probes, began each probe among
 * the hot pages the PULL had just brought in and moved 2 of 22 MiB while 77 MiB of the guest's
 * old pages, all idle, lay further on in its aim. */
static gboolean sleeps(const VtierBudget *b)
{
	return b->keep_walk && b->bytes > 0 && b->bytes < VTIER_CONTROLLER_MIN_BUDGET;
}

static void sleep_watermarks(VtierDamonWatermarks *w)
{
	*w = (VtierDamonWatermarks){ .metric = VTIER_DAMON_WMARK_FREE_MEM_RATE };
}

void vtier_budget_apply(const VtierBudget *b, VtierDamonScheme *scheme)
{
	if (b->bytes > 0)
		scheme->quotas.bytes = b->bytes;
	if (sleeps(b))
		sleep_watermarks(&scheme->watermarks);
	if (b->wide)
		scheme->nr_accesses.min = 0;
	if (b->cold)
		scheme->nr_accesses.max = 0;
	apply_aim(b, scheme);
	apply_young(b, scheme);
	for (guint i = 0; b->goal && i < scheme->quotas.goals->len; i++) {
		VtierDamonGoal *goal = scheme->quotas.goals->pdata[i];

		if (is_user_input(goal))
			goal->current_value = b->goal_value;
	}
}

/* Leaves [@start, @end) out of @regions (sorted, disjoint), unless that would leave none. */
static void cut_hole(GArray *regions, guint64 start, guint64 end)
{
	g_autoptr(GArray) cut = g_array_sized_new(FALSE, FALSE, sizeof(VtierDamonRegion),
						  regions->len + 1);

	for (guint j = 0; j < regions->len; j++) {
		const VtierDamonRegion *r = &g_array_index(regions, VtierDamonRegion, j);

		if (r->end <= start || end <= r->start) {
			g_array_append_val(cut, *r);
			continue;
		}
		if (r->start < start)
			g_array_append_val(cut, ((VtierDamonRegion){ r->start, start }));
		if (end < r->end)
			g_array_append_val(cut, ((VtierDamonRegion){ end, r->end }));
	}
	if (cut->len == 0)
		return;
	g_array_set_size(regions, 0);
	g_array_append_vals(regions, cut->data, cut->len);
}

/* vtierd aims walks on kernels without fail_charge (6.12, 6.18). On 6.18 an addr filter whose
 * edge falls inside a DAMON region splits the region, and the kernel's walk of regions skips
 * the part past the edge for that pass (it had taken the next region before the split); the
 * regions merge again at the next aggregation, so a span in a region that begins outside the
 * aim is never walked. 6.18 lab (6 Dec 2026): a PUSH aimed at 8 spans left 18-32 MiB of the
 * guest's cold pages on node 0 for 100 s, its walk never reaching them, and a quota-limited
 * walk with one rejected range never reached the 42 MiB past it; with a page left out of the
 * target at each edge of the range it walked all of it. 6.12 and 7.3 walk the rest of a split
 * region in the same pass. DAMON merges only adjacent regions, so a page left out at each edge
 * of each span, outside the span, keeps every region either within an aim's span or outside
 * it: its filters never split one. Those pages lie between the guest's spans (as the memcg map
 * saw them) and go unmonitored while the aim lasts. */
void vtier_budgets_hole_aims(GHashTable *budgets, VtierDamonModel *model)
{
	guint64 page = vtier_page_size();
	VtierDamonContext *ctx;
	GHashTableIter iter;
	gpointer key, value;

	if (model->kdamonds->len == 0)
		return;
	ctx = ((VtierDamonKdamond *)g_ptr_array_index(model->kdamonds, 0))->context;
	g_hash_table_iter_init(&iter, budgets);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const VtierBudget *b = value;

		if (GPOINTER_TO_UINT(key) - 1 >= ctx->schemes->len)
			continue;
		for (guint k = 0; k < b->n_aim; k++) {
			for (guint t = 0; t < ctx->targets->len; t++) {
				GArray *regions = ((VtierDamonTarget *)ctx->targets->pdata[t])->regions;

				if (b->aim[k].start >= page)
					cut_hole(regions, b->aim[k].start - page, b->aim[k].start);
				cut_hole(regions, b->aim[k].end, b->aim[k].end + page);
			}
		}
	}
}

gboolean vtier_budget_matches(const VtierBudget *b, const VtierDamonScheme *plan_scheme,
			      const VtierDamonScheme *scheme)
{
	VtierDamonWatermarks wmarks = plan_scheme->watermarks;

	if (sleeps(b))
		sleep_watermarks(&wmarks);
	if (!vtier_damon_watermarks_equal(&scheme->watermarks, &wmarks) ||
	    scheme->quotas.bytes != (b->bytes > 0 ? b->bytes : plan_scheme->quotas.bytes) ||
	    scheme->nr_accesses.min != (b->wide ? 0 : plan_scheme->nr_accesses.min) ||
	    scheme->nr_accesses.max != (b->cold ? 0 : plan_scheme->nr_accesses.max) ||
	    scheme->quotas.goals->len != plan_scheme->quotas.goals->len ||
	    !aim_matches(b, plan_scheme, scheme) || !young_matches(b, plan_scheme, scheme))
		return FALSE;
	for (guint i = 0; i < scheme->quotas.goals->len; i++) {
		const VtierDamonGoal *goal = scheme->quotas.goals->pdata[i];
		const VtierDamonGoal *planned = plan_scheme->quotas.goals->pdata[i];

		if (goal->current_value != (b->goal && is_user_input(planned) ? b->goal_value
									 : planned->current_value))
			return FALSE;
	}
	return TRUE;
}

/* Scheme @i of @ctx with @b's budget. The worker's model shares the plan's schemes
 * (vtier_damon_model_share), which nothing may change: a scheme whose budget differs is replaced
 * by a copy, kept in m->overlaid for the next reconcile that finds the same plan scheme and budget
 * (at 500 guests every closed loop's PULL and PUSH carry the controller's budget: ~1000 copies a
 * reconcile otherwise, and as many the writer would compare field by field). */
static void overlay_budget(VtierManager *m, VtierDamonContext *ctx, guint i, const VtierBudget *b)
{
	VtierDamonScheme *s = ctx->schemes->pdata[i];
	VtierDamonScheme *to;

	if (vtier_budget_matches(b, s, s))
		return;
	if (!vtier_damon_scheme_is_shared(s)) {
		vtier_budget_apply(b, s);
		return;
	}
	if (m->overlaid == NULL)
		m->overlaid = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_damon_scheme_free);
	if (m->overlaid->len < 2 * (i + 1))
		g_ptr_array_set_size(m->overlaid, (gint)(2 * (i + 1)));
	to = m->overlaid->pdata[2 * i + 1];
	/* the copy is the plan scheme's with @b */
	if (m->overlaid->pdata[2 * i] != s || !vtier_budget_matches(b, s, to)) {
		to = vtier_damon_scheme_copy(s);
		vtier_budget_apply(b, to);
		vtier_damon_scheme_free(m->overlaid->pdata[2 * i]);
		vtier_damon_scheme_free(m->overlaid->pdata[2 * i + 1]);
		m->overlaid->pdata[2 * i] = vtier_damon_scheme_ref(s);
		m->overlaid->pdata[2 * i + 1] = to;
	}
	ctx->schemes->pdata[i] = vtier_damon_scheme_ref(to);
	vtier_damon_scheme_free(s);
}

/* A closed-loop guest's PULL and PUSH (ratio, allowance, and a hot-split pair's, with
 * tuner=vtier) start parked until the
 * controller's first step sets their budgets: at the plan's rate cap they moved 347 MiB of a 40%
 * target (68% of 512 MiB) on 7.3 in the lab before the first step's commit landed. The plan's
 * own model keeps the cap, which the seat hands the controller as the rate limit. That first
 * step runs as soon as the apply is done (m->step_soon, vtier_manager_damon_idle), not up to
 * an interval later. */
static void park_new_closed_loops(VtierManager *m, const VtierPlan *plan, VtierDamonContext *ctx)
{
	static const VtierBudget parked = { VTIER_CONTROLLER_PARKED_BYTES, FALSE };

	for (guint j = 0; j < plan->guests->len; j++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, j);
		const VtierDaemonGuest *g = g_hash_table_lookup(m->guests, r->name);

		if (g == NULL || !r->planned || r->first_scheme < 0 || r->kdamond != 0 ||
		    g->policy == NULL || r->tuner != VTIER_POLICY_TUNER_VTIER ||
		    (r->mode != VTIER_POLICY_MODE_RATIO && r->mode != VTIER_POLICY_MODE_ALLOWANCE &&
		     r->mode != VTIER_POLICY_MODE_HOT_SPLIT))
			continue;
		for (guint k = 0; k < 2; k++) {
			guint i = (guint)r->first_scheme + k;

			if (i < ctx->schemes->len &&
			    g_hash_table_lookup(m->budgets, GUINT_TO_POINTER(i + 1)) == NULL) {
				overlay_budget(m, ctx, i, &parked);
				m->step_soon = TRUE;
			}
		}
	}
}

/* Who a scheme of kdamond 0 belongs to in a plan: the first guest by name whose group holds it (a
 * hot-split pair's members share theirs), its mode and tuner, and the scheme's place in the
 * group; name NULL for none. */
typedef struct {
	const gchar *name;
	VtierPolicyMode mode;
	VtierPolicyTuner tuner;
	guint place;
} SchemeOwner;

static GArray *scheme_owners(const VtierPlan *plan)
{
	GArray *owners = g_array_new(FALSE, TRUE, sizeof(SchemeOwner));

	for (guint j = 0; plan != NULL && j < plan->guests->len; j++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, j);
		guint first = (guint)r->first_scheme;

		if (!r->planned || r->kdamond != 0 || r->first_scheme < 0)
			continue;
		if (owners->len < first + r->n_schemes)
			g_array_set_size(owners, first + r->n_schemes);
		for (guint k = 0; k < r->n_schemes; k++) {
			SchemeOwner *o = &g_array_index(owners, SchemeOwner, first + k);

			if (o->name == NULL)
				*o = (SchemeOwner){ r->name, r->mode, r->tuner, k };
		}
	}
	return owners;
}

static const SchemeOwner *owner_of(const GArray *owners, guint i)
{
	const SchemeOwner *o = i < owners->len ? &g_array_index(owners, SchemeOwner, i) : NULL;

	return o != NULL && o->name != NULL ? o : NULL;
}

/* The controller's budgets are kept by scheme index. A group freed by one guest is reused by the
 * next (planner-slots.c), so a budget whose scheme changes hands (or place, or whose guest changes
 * mode or tuner) is forgotten: the new owner starts parked (park_new_closed_loops) instead of at
 * the last owner's budget (a guest that took the group of one detached while it ramped started
 * at 78 MiB a window: /daemon/reused-group-starts-parked). */
static void forget_moved_budgets(VtierManager *m, const VtierPlan *plan)
{
	g_autoptr(GArray) before = scheme_owners(m->plan);
	g_autoptr(GArray) after = scheme_owners(plan);
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, m->budgets);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		guint i = GPOINTER_TO_UINT(key) - 1;
		const SchemeOwner *was = owner_of(before, i);
		const SchemeOwner *now = owner_of(after, i);

		if (now == NULL || was == NULL || g_strcmp0(was->name, now->name) != 0 ||
		    was->mode != now->mode || was->tuner != now->tuner || was->place != now->place)
			g_hash_table_iter_remove(&iter);
	}
}

/* Drops the copies this reconcile did not use (a guest gone, a budget forgotten, a plan with fewer
 * schemes): m->overlaid holds only what the model handed to the worker uses. */
static void prune_overlaid(VtierManager *m, const VtierDamonContext *ctx)
{
	guint used = 0;

	if (m->overlaid == NULL)
		return;
	for (guint i = 0; 2 * i + 1 < m->overlaid->len; i++) {
		gpointer *pair = &m->overlaid->pdata[2 * i];

		/* a context's schemes are never NULL, so this also says the pair is there */
		if (ctx != NULL && i < ctx->schemes->len && ctx->schemes->pdata[i] == pair[1]) {
			used = i + 1;
			continue;
		}
		g_clear_pointer(&pair[0], vtier_damon_scheme_free);
		g_clear_pointer(&pair[1], vtier_damon_scheme_free);
	}
	g_ptr_array_remove_range(m->overlaid, 2 * used, m->overlaid->len - 2 * used);
}

/* Overlays the controller's budgets on the plan's migrating schemes (each scheme at most once:
 * a scheme with a budget is not parked). */
static void overlay_budgets(VtierManager *m, const VtierPlan *plan, VtierDamonModel *model)
{
	VtierDamonContext *ctx;

	if (model->kdamonds->len == 0) {
		prune_overlaid(m, NULL);
		return;
	}
	ctx = ((VtierDamonKdamond *)g_ptr_array_index(model->kdamonds, 0))->context;
	park_new_closed_loops(m, plan, ctx);
	for (guint i = 0; i < ctx->schemes->len; i++) {
		const VtierBudget *budget = g_hash_table_lookup(m->budgets, GUINT_TO_POINTER(i + 1));

		if (budget != NULL)
			overlay_budget(m, ctx, i, budget);
	}
	prune_overlaid(m, ctx);
	vtier_budgets_hole_aims(m->budgets, model);
}

/* The guest whose memcg the kernel's answer names (ENOMEM on a vanished memcg), or NULL. */
static VtierDaemonGuest *guest_at_fault(VtierManager *m, GPtrArray *planned, const GError *error)
{
	for (guint i = 0; error != NULL && i < planned->len; i++) {
		VtierDaemonGuest *g = g_hash_table_lookup(m->guests, g_ptr_array_index(planned, i));

		if (g != NULL && g->record != NULL && g->record->memcg_path != NULL &&
		    g->record->memcg_path[0] != '\0' &&
		    strstr(error->message, g->record->memcg_path) != NULL)
			return g;
	}
	return NULL;
}

static gboolean model_has_schemes(const VtierPlan *plan)
{
	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, i);

		if (r->planned)
			return TRUE;
	}
	return FALSE;
}

/* Whether the plan has a result for guest @name (its results are sorted by name). */
static gboolean plan_has_guest(const VtierPlan *plan, const gchar *name)
{
	guint lo = 0, hi = plan->guests->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		gint c = strcmp(((VtierPlanGuestResult *)plan->guests->pdata[mid])->name, name);

		if (c == 0)
			return TRUE;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return FALSE;
}

static void record_results(VtierManager *m, const VtierPlan *plan)
{
	GPtrArray *by_name = vtier_daemon_guests_by_name(m);
	GHashTableIter iter;
	gpointer value;
	guint found = 0;
	guint j = 0;

	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, i);
		VtierDaemonGuest *g;
		gint c = 1;

		/* the plan's guests are in the inputs' order, the table's by name: each is found by
		 * a step along it rather than by a hash lookup (looked up when not there) */
		while (j < by_name->len &&
		       (c = strcmp(((VtierDaemonGuest *)by_name->pdata[j])->name, r->name)) < 0)
			j++;
		if (j < by_name->len && c == 0)
			g = by_name->pdata[j++];
		else
			g = g_hash_table_lookup(m->guests, r->name);
		if (g == NULL)
			continue;
		found++;
		if (!r->planned && r->refusal != NULL &&
		    (g->result == NULL || g_strcmp0(g->result->refusal, r->refusal) != 0)) {
			g_autofree gchar *text = vtier_escape_log(r->refusal);

			g_message("not tiering %s", text);
		}
		vtier_daemon_guest_set_result(g, r);
		g->planned = r->planned;
	}
	/* the guests the plan left out, in any order (nothing is logged for them); the names are
	 * unique, so when the plan had every guest there is none */
	if (found == g_hash_table_size(m->guests))
		return;
	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		VtierDaemonGuest *g = value;

		if (plan_has_guest(plan, g->name))
			continue;
		vtier_daemon_guest_set_result(g, NULL);
		g->planned = FALSE;
	}
}

/* The planner's input from the ready guests (each owned by its guest); @planned gets their
 * names. */
static GPtrArray *plan_inputs(VtierManager *m, GPtrArray *all, GPtrArray *planned)
{
	GPtrArray *inputs = g_ptr_array_new();
	gint64 now = g_get_monotonic_time();

	for (guint i = 0; i < all->len; i++) {
		VtierDaemonGuest *g = g_ptr_array_index(all, i);
		g_autofree gchar *refusal = NULL;
		const VtierPlanGuest *in;

		if (!vtier_daemon_guest_ready(g, now))
			continue;
		in = vtier_daemon_guest_plan_input(m, g, &refusal);
		if (g_strcmp0(refusal, g->refusal) != 0 && refusal != NULL) {
			g_autofree gchar *name = vtier_escape_log(g->name);
			g_autofree gchar *text = vtier_escape_log(refusal);

			g_message("not tiering %s: %s", name, text);
		}
		g_free(g->refusal);
		g->refusal = g_steal_pointer(&refusal);
		if (in == NULL)
			continue;
		g_ptr_array_add(inputs, (gpointer)in);
		g_ptr_array_add(planned, g_strdup(g->name));
	}
	return inputs;
}

/* Plans the ready guests into @run (its model NULL when there is nothing to apply). */
static gboolean plan(VtierManager *m, ReconcileRun *run, GError **error)
{
	/* in name order: plans are deterministic */
	g_autoptr(GPtrArray) inputs = plan_inputs(m, vtier_daemon_guests_by_name(m), run->planned);
	VtierPlanInput input = { 0 };

	input.topology = m->topology;
	input.features = m->features;
	input.sampler = m->sampler;
	input.options = &m->typed.plan;
	input.guests = inputs;
	input.previous = m->slots;
	input.reuse = m->plan; /* its unchanged guests' scheme groups are shared, not rebuilt */
	run->plan = vtier_planner_plan(&input, error);
	if (run->plan == NULL)
		return FALSE;
	g_debug("plan: %u guests in, %u planned", inputs->len, run->planned->len);
	if (!model_has_schemes(run->plan) && m->applied == NULL)
		return TRUE; /* nothing to tier and nothing running: no kdamond */
	run->model = vtier_damon_model_share(run->plan->model);
	forget_moved_budgets(m, run->plan);
	overlay_budgets(m, run->plan, run->model);
	return TRUE;
}

static gboolean on_retry(gpointer user_data)
{
	VtierManager *m = user_data;

	m->retry_source = 0;
	if (m->last_reconcile_error != NULL && !m->dirty)
		vtier_manager_mark_dirty(m, "retry after a failed reconcile");
	return G_SOURCE_REMOVE;
}

/* A failed reconcile is tried again RECONCILE_RETRY_FIRST_MS later, then twice as long each
 * time it fails again, up to RECONCILE_RETRY_MAX_MS; one that succeeds starts the series
 * again. Until a reconcile succeeds no budget reaches the kernel (apply_budgets), and the kernel
 * keeps running the last ones it took: before, only the next audit (a minute) retried it, and in
 * the lab (6.18, a script writing `update_schemes_tried_regions` to vtierd's kdamond while it
 * ran, 7 Dec 2026) a PUSH left at a probe's budget demoted a 25% guest to 0.8% in 50 s. */
static void retry_later(VtierManager *m, gboolean failed)
{
	if (!failed) {
		m->retry_ms = 0;
		if (m->retry_source != 0)
			g_source_remove(m->retry_source);
		m->retry_source = 0;
		return;
	}
	if (m->stopping || m->retry_source != 0)
		return;
	m->retry_ms = m->retry_ms == 0 ? RECONCILE_RETRY_FIRST_MS
				       : MIN(m->retry_ms * 2, RECONCILE_RETRY_MAX_MS);
	g_debug("reconcile: failed, the next try in %u ms", m->retry_ms);
	m->retry_source = g_timeout_add_full(G_PRIORITY_DEFAULT, m->retry_ms, on_retry, m, NULL);
}

/* The reconcile's end: counters, the state file, the snapshot, the log, a retry if it failed. */
static void reconcile_end(VtierManager *m, gint64 t0, const GError *error)
{
	m->reconciles++;
	vtier_histogram_observe(m->reconcile_seconds,
				(gdouble)(g_get_monotonic_time() - t0) / 1e6);
	g_clear_pointer(&m->last_reconcile_error, g_free);
	if (error != NULL) {
		m->last_reconcile_error = g_strdup(error->message);
		vtier_manager_count_error(m, "reconcile");
	} else {
		vtier_manager_state_save(m, NULL); /* logs a failure itself */
	}
	vtier_manager_snapshot_update(m);
	if (error != NULL) {
		if (!g_hash_table_contains(m->logged_errors, error->message)) {
			g_warning("reconcile: %s", error->message);
			g_hash_table_add(m->logged_errors, g_strdup(error->message));
		}
	} else if (g_hash_table_size(m->logged_errors) > 0) {
		g_message("reconcile: the earlier error cleared");
		g_hash_table_remove_all(m->logged_errors);
	}
	retry_later(m, error != NULL);
}

static void reconcile_attempt(VtierManager *m, gint64 t0, guint attempt);

/* @slots made @from's, keeping each owner key that is the same (~500 copies and frees per
 * reconcile otherwise). */
static void slots_update(VtierPlanSlots *slots, const VtierPlanSlots *from)
{
	GPtrArray *owners = slots->owners;

	g_ptr_array_set_size(owners, (gint)from->owners->len);
	for (guint i = 0; i < owners->len; i++) {
		if (g_strcmp0(owners->pdata[i], from->owners->pdata[i]) == 0)
			continue;
		g_free(owners->pdata[i]);
		owners->pdata[i] = g_strdup(from->owners->pdata[i]);
	}
}

/* The plan's word on each guest, recorded when its apply ended (status says `tiering` once the
 * kernel has the guest's schemes). */
static void record_plan(VtierManager *m, const VtierPlan *plan)
{
	record_results(m, plan);
}

/* On the main loop, the apply's result. On a per-guest kernel refusal that guest is set aside
 * and the rest planned again, at most a few times per reconcile. */
static void apply_done(VtierManager *m, VtierDamonJob *job)
{
	ReconcileRun *run = job->data;

	record_plan(m, run->plan);
	if (!job->ok) {
		VtierDaemonGuest *culprit = guest_at_fault(m, run->planned, job->error);

		m->applied_ok = FALSE;
		if (culprit != NULL) {
			vtier_daemon_guest_set_fault(m, culprit, "damon", job->error->message);
			if (run->attempt + 1 < 4 && !m->stopping) {
				reconcile_attempt(m, run->t0, run->attempt + 1);
				return;
			}
		}
		reconcile_end(m, run->t0, job->error);
		return;
	}
	/* the budgets it carried (overlay_budgets) reached a running kdamond this long after the
	 * plan (a kdamond's start is slower, and its new loops start parked) */
	if (m->applied != NULL && m->applied_ok)
		vtier_manager_observe_lag(m, g_get_monotonic_time() - run->t0);
	m->applied_ok = TRUE;
	vtier_damon_model_free(m->applied);
	m->applied = g_steal_pointer(&job->model);
	slots_update(m->slots, run->plan->slots);
	vtier_plan_free(m->plan);
	m->plan = g_steal_pointer(&run->plan);
	for (guint i = 0; i < run->planned->len; i++) {
		VtierDaemonGuest *g = g_hash_table_lookup(m->guests,
							  g_ptr_array_index(run->planned, i));

		if (g != NULL && g->fault != NULL && g_strcmp0(g->fault->kind, "damon") == 0)
			vtier_daemon_guest_clear_fault(m, g);
	}
	reconcile_end(m, run->t0, NULL);
}

static void reconcile_attempt(VtierManager *m, gint64 t0, guint attempt)
{
	ReconcileRun *run = g_new0(ReconcileRun, 1);
	g_autoptr(GError) error = NULL;
	VtierDamonJob *job;

	run->planned = g_ptr_array_new_with_free_func(g_free);
	run->t0 = t0;
	run->attempt = attempt;
	if (!plan(m, run, &error) || run->model == NULL) {
		if (error == NULL) {
			record_plan(m, run->plan);
			vtier_plan_free(m->plan);
			m->plan = g_steal_pointer(&run->plan);
		}
		reconcile_run_free(run);
		reconcile_end(m, t0, error);
		return;
	}
	job = vtier_damon_job_new(VTIER_DAMON_JOB_APPLY, apply_done);
	job->model = g_steal_pointer(&run->model);
	job->data = run;
	job->data_free = (GDestroyNotify)reconcile_run_free;
	vtier_damon_worker_launch(m, job);
}

void vtier_manager_reconcile_begin(VtierManager *m)
{
	g_assert(!vtier_manager_damon_busy(m));
	m->dirty = FALSE;
	m->reconcile_began_us = g_get_monotonic_time();
	vtier_daemon_guests_sync_libvirt(m);
	reconcile_attempt(m, m->reconcile_began_us, 0);
}

gboolean vtier_manager_reconcile_now(VtierManager *m, GError **error)
{
	vtier_damon_worker_drain(m);
	vtier_manager_reconcile_begin(m);
	vtier_damon_worker_drain(m);
	if (m->last_reconcile_error != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED, "%s", m->last_reconcile_error);
		return FALSE;
	}
	return TRUE;
}
