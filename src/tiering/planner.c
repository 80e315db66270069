/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "tiering/planner-private.h"
#include "tiering/planner.h"

/* The planner's main line: guests -> nodes -> refusals -> fast shares -> monitored regions ->
 * stable slots -> the model. Pure: it reads only its input. */

VtierPlanGuest *vtier_plan_guest_new(const gchar *name, const gchar *uuid, guint64 memory_bytes,
				     const gchar *memcg_path, gint pid, const VtierPolicy *policy)
{
	VtierPlanGuest *guest = g_new0(VtierPlanGuest, 1);

	guest->name = g_strdup(name);
	guest->uuid = g_strdup(uuid);
	guest->memory_bytes = memory_bytes;
	guest->memcg_path = g_strdup(memcg_path);
	guest->pid = pid;
	guest->bound_nodes = g_array_new(FALSE, FALSE, sizeof(guint));
	guest->policy = vtier_policy_copy(policy);
	return guest;
}

VtierPlanGuest *vtier_plan_guest_new_from_guest(const VtierGuest *guest, const VtierPolicy *policy)
{
	VtierPlanGuest *g = vtier_plan_guest_new(guest->name, guest->uuid, guest->memory_bytes,
						 guest->memcg_path, guest->pid, policy);

	for (guint i = 0; guest->bound_nodes != NULL && i < guest->bound_nodes->len; i++)
		vtier_plan_guest_add_bound_node(g, g_array_index(guest->bound_nodes, guint, i));
	return g;
}

void vtier_plan_guest_add_bound_node(VtierPlanGuest *guest, guint node)
{
	g_array_append_val(guest->bound_nodes, node);
}

gboolean vtier_plan_guest_is_from(const VtierPlanGuest *pg, const VtierGuest *guest)
{
	guint n = guest->bound_nodes != NULL ? guest->bound_nodes->len : 0;

	if (g_strcmp0(pg->name, guest->name) != 0 || g_strcmp0(pg->uuid, guest->uuid) != 0 ||
	    g_strcmp0(pg->memcg_path, guest->memcg_path) != 0 ||
	    pg->memory_bytes != guest->memory_bytes || pg->pid != guest->pid ||
	    pg->bound_nodes->len != n)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		if (g_array_index(pg->bound_nodes, guint, i) !=
		    g_array_index(guest->bound_nodes, guint, i))
			return FALSE;
	}
	return TRUE;
}

void vtier_plan_guest_free(VtierPlanGuest *guest)
{
	if (guest == NULL)
		return;
	g_free(guest->name);
	g_free(guest->uuid);
	g_free(guest->memcg_path);
	g_array_unref(guest->bound_nodes);
	vtier_policy_free(guest->policy);
	g_free(guest);
}

static void guest_result_free(VtierPlanGuestResult *result)
{
	g_free(result->name);
	g_free(result->uuid);
	g_free(result->refusal);
	g_free(result);
}

void vtier_plan_free(VtierPlan *plan)
{
	if (plan == NULL)
		return;
	vtier_damon_model_free(plan->model);
	vtier_plan_slots_free(plan->slots);
	g_clear_pointer(&plan->guests, g_ptr_array_unref);
	g_clear_pointer(&plan->notes, g_ptr_array_unref);
	g_clear_pointer(&plan->group_keys, g_ptr_array_unref);
	g_clear_pointer(&plan->reuse_stamp, g_array_unref);
	g_free(plan->sampler_reason);
	g_free(plan);
}

static void plan_guest_free(PlanGuest *pg)
{
	g_free(pg->owner);
	g_free(pg);
}

static gint compare_guests(gconstpointer a, gconstpointer b)
{
	const PlanGuest *x = *(PlanGuest *const *)a;
	const PlanGuest *y = *(PlanGuest *const *)b;
	gint c = g_strcmp0(x->guest->name, y->guest->name);

	return c != 0 ? c : g_strcmp0(x->guest->uuid, y->guest->uuid);
}

static gboolean node_has_role(const VtierTopology *t, guint id, VtierNodeRole role)
{
	const VtierNode *node = vtier_topology_get_node(t, id);

	return node != NULL && node->role == role;
}

static gint first_of(const GArray *ids)
{
	return (ids != NULL && ids->len > 0) ? (gint)g_array_index(ids, guint, 0) : -1;
}

/* The guest's fast node (bound DRAM node, else the first fast node) and the slow node nearest to
 * it; a guest bound only to slow nodes gets that slow node and its nearest fast node. */
static void place_guest(VtierPlan *plan, const VtierTopology *t, PlanGuest *pg)
{
	const VtierPlanGuest *g = pg->guest;
	g_autoptr(GArray) fast_nodes = vtier_topology_nodes_with_role(t, VTIER_NODE_ROLE_FAST);
	gint fast = -1, slow = -1;

	for (guint i = 0; i < g->bound_nodes->len && fast < 0; i++) {
		guint id = g_array_index(g->bound_nodes, guint, i);

		if (node_has_role(t, id, VTIER_NODE_ROLE_FAST))
			fast = (gint)id;
		else if (slow < 0 && node_has_role(t, id, VTIER_NODE_ROLE_SLOW))
			slow = (gint)id;
	}
	if (fast < 0 && slow >= 0)
		fast = first_of(vtier_topology_get_node(t, (guint)slow)->nearest_fast);
	if (fast < 0) {
		fast = first_of(fast_nodes);
		if (fast_nodes->len > 1 && g->policy->mode != VTIER_POLICY_MODE_OFF)
			g_ptr_array_add(plan->notes,
					g_strdup_printf("guest \"%s\" is bound to no fast node; "
							"using node %d (bind it with numatune)",
							g->name, fast));
	}
	if (slow < 0 && fast >= 0)
		slow = first_of(vtier_topology_get_node(t, (guint)fast)->nearest_slow);
	pg->result->fast_node = fast;
	pg->result->slow_node = slow;
}

static guint64 fast_demand(const VtierPlanGuest *g)
{
	const VtierPolicy *p = g->policy;

	switch (p->mode) {
	case VTIER_POLICY_MODE_RATIO:
	case VTIER_POLICY_MODE_HOT_SPLIT:
	case VTIER_POLICY_MODE_INTERLEAVE:
		return g->memory_bytes / 10000 * p->fast_ratio_bp +
		       g->memory_bytes % 10000 * p->fast_ratio_bp / 10000;
	case VTIER_POLICY_MODE_ALLOWANCE:
		return MIN(p->fast_size, g->memory_bytes);
	case VTIER_POLICY_MODE_PIN_FAST:
		return g->memory_bytes;
	default:
		return 0;
	}
}

static gint compare_priority(gconstpointer a, gconstpointer b)
{
	const PlanGuest *x = *(PlanGuest *const *)a;
	const PlanGuest *y = *(PlanGuest *const *)b;

	if (x->guest->policy->priority != y->guest->policy->priority)
		return x->guest->policy->priority > y->guest->policy->priority ? -1 : 1;
	return compare_guests(a, b);
}

/* Each planned guest's fast target; when a fast node cannot hold every guest's target, higher
 * priority guests get theirs first. */
static void share_fast(VtierPlan *plan, const VtierTopology *t, GPtrArray *pgs)
{
	g_autoptr(GArray) fast_nodes = vtier_topology_nodes_with_role(t, VTIER_NODE_ROLE_FAST);

	for (guint n = 0; n < fast_nodes->len; n++) {
		const VtierNode *node = vtier_topology_get_node(t, g_array_index(fast_nodes, guint, n));
		g_autoptr(GPtrArray) on = g_ptr_array_new();
		guint64 left = node->total_bytes, asked = 0;

		for (guint i = 0; i < pgs->len; i++) {
			PlanGuest *pg = g_ptr_array_index(pgs, i);

			if (pg->result->planned && pg->result->fast_node == (gint)node->id)
				g_ptr_array_add(on, pg);
		}
		g_ptr_array_sort(on, compare_priority);
		for (guint i = 0; i < on->len; i++) {
			PlanGuest *pg = g_ptr_array_index(on, i);
			guint64 want = fast_demand(pg->guest);

			asked += want;
			pg->result->fast_target_bytes = MIN(want, left);
			left -= pg->result->fast_target_bytes;
		}
		if (asked > node->total_bytes)
			g_ptr_array_add(plan->notes,
					g_strdup_printf("fast node %u is oversubscribed: guests ask "
							"%" G_GUINT64_FORMAT " bytes of its "
							"%" G_GUINT64_FORMAT "; lower-priority guests "
							"get less",
							node->id, asked, node->total_bytes));
	}
}

static void add_node_once(GArray *ids, gint id)
{
	guint value = (guint)id;

	if (id < 0)
		return;
	for (guint i = 0; i < ids->len; i++) {
		if (g_array_index(ids, guint, i) == value)
			return;
	}
	g_array_append_val(ids, value);
}

static gint compare_uint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

/* The nodes in the paddr target: those of every planned paddr guest, or every tiered node when
 * there is none (so the plan still monitors something). */
static GArray *monitored_nodes(const VtierTopology *t, GPtrArray *pgs)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; i < pgs->len; i++) {
		const PlanGuest *pg = g_ptr_array_index(pgs, i);

		if (!pg->result->planned || pg->result->mode == VTIER_POLICY_MODE_INTERLEAVE)
			continue;
		add_node_once(ids, pg->result->fast_node);
		add_node_once(ids, pg->result->slow_node);
	}
	if (ids->len == 0) {
		for (guint i = 0; i < t->nodes->len; i++) {
			const VtierNode *node = g_ptr_array_index(t->nodes, i);

			if (node->role == VTIER_NODE_ROLE_FAST ||
			    node->role == VTIER_NODE_ROLE_SLOW)
				add_node_once(ids, (gint)node->id);
		}
	}
	g_array_sort(ids, compare_uint);
	return ids;
}

static gboolean mode_has_group(VtierPolicyMode mode)
{
	return mode == VTIER_POLICY_MODE_RATIO || mode == VTIER_POLICY_MODE_ALLOWANCE ||
	       mode == VTIER_POLICY_MODE_PIN_FAST || mode == VTIER_POLICY_MODE_PIN_SLOW ||
	       mode == VTIER_POLICY_MODE_MONITOR;
}

static gchar *hot_split_owner(const PlanGuest *pg)
{
	return g_strdup_printf("hot-split:%d-%d", pg->result->fast_node, pg->result->slow_node);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The owner keys of the scheme groups this plan needs, sorted: the guests' own (pg->owner, not
 * copied: two copies of each of 500 keys per plan otherwise), valid while @pgs is. */
static GPtrArray *wanted_owners(GPtrArray *pgs)
{
	GPtrArray *wanted = g_ptr_array_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < pgs->len; i++) {
		PlanGuest *pg = g_ptr_array_index(pgs, i);
		VtierPolicyMode mode = pg->result->mode;

		if (!pg->result->planned)
			continue;
		if (mode_has_group(mode))
			pg->owner = g_strconcat("guest:",
						pg->guest->uuid ? pg->guest->uuid : pg->guest->name,
						NULL);
		else if (mode == VTIER_POLICY_MODE_HOT_SPLIT)
			pg->owner = hot_split_owner(pg);
		else
			continue;
		if (g_hash_table_add(seen, pg->owner))
			g_ptr_array_add(wanted, pg->owner);
	}
	g_ptr_array_sort(wanted, compare_strings);
	return wanted;
}

void plan_set_monitoring(const PlanContext *ctx, VtierDamonContext *c, VtierDamonOps ops)
{
	c->operations = ops;
	c->sample_us = PLAN_SAMPLE_US;
	c->aggr_us = PLAN_AGGR_US;
	c->update_us = PLAN_UPDATE_US;
	c->nr_regions_min = PLAN_NR_REGIONS_MIN;
	c->nr_regions_max = PLAN_NR_REGIONS_MAX;
	if (ctx->tune_intervals) {
		c->intervals_goal.access_bp = PLAN_GOAL_ACCESS_BP;
		c->intervals_goal.aggrs = PLAN_GOAL_AGGRS;
		c->intervals_goal.min_sample_us = PLAN_GOAL_MIN_SAMPLE_US;
		c->intervals_goal.max_sample_us = PLAN_GOAL_MAX_SAMPLE_US;
	}
}

/* The hardware sampler's event for the paddr context, or why there is none. */
gchar *plan_perf_event(const PlanContext *ctx, VtierDamonContext *c)
{
	const VtierSampler *s = ctx->input->sampler;
	VtierDamonPerfEvent *e;

	if (!ctx->features->perf_events)
		return g_strdup("page-table access checks: the kernel has no hardware-sampled "
				"access reports (monitoring_attrs/sample/perf_events)");
	if (s == NULL || s->kind == VTIER_SAMPLER_NONE)
		return g_strdup_printf("page-table access checks: no hardware sampler (%s)",
				       s && s->reason ? s->reason : "none detected");
	if (!s->sees_guests)
		return g_strdup_printf("page-table access checks: the %s sampler does not see "
				       "guest accesses (%s)",
				       vtier_sampler_kind_to_string(s->kind),
				       s->guest_reason ? s->guest_reason : "host only");
	e = vtier_damon_context_add_perf_event(c);
	e->type = s->event.type;
	e->config = s->event.config;
	e->config1 = s->event.config1;
	e->config2 = s->event.config2;
	e->sample_phys_addr = s->event.sample_phys_addr != 0;
	e->sample_weight_struct = s->event.sample_weight_struct != 0;
	e->freq = s->event.freq != 0;
	e->sample_freq = s->event.sample_freq;
	e->sample_period = s->event.sample_period;
	e->wakeup_events = s->event.wakeup_events;
	e->precise_ip = s->event.precise_ip;
	e->exclude_kernel = s->event.exclude_kernel != 0;
	e->exclude_hv = s->event.exclude_hv != 0;
	return g_strdup_printf("hardware sampler %s (%s)", vtier_sampler_kind_to_string(s->kind),
			       s->event_name ? s->event_name : "perf event");
}

gboolean vtier_planner_check_starvation(const VtierDamonModel *model, GError **error)
{
	for (guint k = 0; k < model->kdamonds->len; k++) {
		const VtierDamonKdamond *kd = g_ptr_array_index(model->kdamonds, k);
		const VtierDamonContext *c = kd->context;
		const VtierDamonIntervalsGoal *goal = &c->intervals_goal;
		guint64 period;

		if (goal->access_bp == 0 || goal->aggrs == 0)
			continue;
		/* the shortest tuning period: aggrs aggregations at the smallest sample interval */
		period = goal->aggrs * goal->min_sample_us * (c->aggr_us / MAX(c->sample_us, 1));
		for (guint s = 0; s < c->schemes->len; s++) {
			const VtierDamonScheme *scheme = g_ptr_array_index(c->schemes, s);

			/* 0 follows the (tuned) aggregation interval, shorter than aggrs of them */
			if (goal->aggrs >= 2 &&
			    (scheme->apply_interval_us == 0 || scheme->apply_interval_us < period))
				continue;
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "kdamond %u scheme %u: apply_interval_us=%" G_GUINT64_FORMAT
				    " with intervals auto-tuning (aggrs=%" G_GUINT64_FORMAT
				    ", tuning period down to %" G_GUINT64_FORMAT
				    " us): every retune pushes the next apply out, so the scheme "
				    "never runs (DAMON starvation bug); use apply_interval_us=0 and "
				    "aggrs >= 2, or turn auto-tuning off",
				    k, s, scheme->apply_interval_us, goal->aggrs, period);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean check_input(const VtierPlanInput *input, GError **error)
{
	g_autoptr(GArray) fast = NULL;

	if (input->topology == NULL || input->features == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "planner: no topology or no DAMON features");
		return FALSE;
	}
	if (!input->features->available ||
	    !vtier_damon_features_has_operations(input->features, VTIER_DAMON_OPS_PADDR)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "the kernel (%s) has no DAMON sysfs interface with paddr operations "
			    "(CONFIG_DAMON_SYSFS, CONFIG_DAMON_PADDR)",
			    input->features->source ? input->features->source : "probe");
		return FALSE;
	}
	fast = vtier_topology_nodes_with_role(input->topology, VTIER_NODE_ROLE_FAST);
	if (fast->len == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "the host has no fast memory node (see `vtierctl topology`)");
		return FALSE;
	}
	return TRUE;
}

static GPtrArray *plan_guests(VtierPlan *plan, const PlanContext *ctx)
{
	GPtrArray *pgs = g_ptr_array_new_with_free_func((GDestroyNotify)plan_guest_free);
	GPtrArray *guests = ctx->input->guests;

	for (guint i = 0; guests != NULL && i < guests->len; i++) {
		PlanGuest *pg = g_new0(PlanGuest, 1);

		pg->guest = g_ptr_array_index(guests, i);
		pg->result = g_new0(VtierPlanGuestResult, 1);
		pg->result->name = g_strdup(pg->guest->name);
		pg->result->uuid = g_strdup(pg->guest->uuid);
		pg->result->mode = pg->guest->policy->mode;
		pg->result->first_scheme = -1;
		pg->result->tuner = pg->guest->policy->tuner;
		g_ptr_array_add(pgs, pg);
	}
	g_ptr_array_sort(pgs, compare_guests);
	for (guint i = 0; i < pgs->len; i++) {
		PlanGuest *pg = g_ptr_array_index(pgs, i);

		place_guest(plan, ctx->input->topology, pg);
		pg->result->refusal = plan_check_guest(ctx, pg);
		pg->result->planned =
			pg->result->mode != VTIER_POLICY_MODE_OFF && pg->result->refusal == NULL;
		g_ptr_array_add(plan->guests, pg->result);
	}
	return pgs;
}

static guint count_planned(const VtierPlan *plan)
{
	guint n = 0;

	for (guint i = 0; i < plan->guests->len; i++)
		n += ((const VtierPlanGuestResult *)g_ptr_array_index(plan->guests, i))->planned;
	return n;
}

void vtier_plan_options_init(VtierPlanOptions *options)
{
	*options = (VtierPlanOptions){ .default_mode = VTIER_POLICY_MODE_RATIO,
				       .respect_numatune = TRUE };
}

VtierPlan *vtier_planner_plan(const VtierPlanInput *input, GError **error)
{
	g_autoptr(VtierPlan) plan = g_new0(VtierPlan, 1);
	VtierPlanOptions defaults;
	g_autoptr(GPtrArray) pgs = NULL;
	g_autoptr(GPtrArray) wanted = NULL;
	g_autoptr(GArray) monitored = NULL;
	PlanContext ctx = { .input = input };
	const VtierPlanOptions *options = input->options;

	if (!check_input(input, error))
		return NULL;
	vtier_plan_options_init(&defaults);
	if (options == NULL)
		options = &defaults;
	ctx.features = input->features;
	ctx.modern_filters = input->features->core_filters && input->features->ops_filters &&
			     input->features->filter_allow;
	ctx.tune_intervals = input->features->intervals_goal &&
			     options->intervals_autotune;
	plan->group_schemes = plan_group_schemes(&ctx);
	plan->model = vtier_damon_model_new();
	plan->notes = g_ptr_array_new_with_free_func(g_free);
	plan->guests = g_ptr_array_new_with_free_func((GDestroyNotify)guest_result_free);
	pgs = plan_guests(plan, &ctx);
	share_fast(plan, input->topology, pgs);
	monitored = monitored_nodes(input->topology, pgs);
	ctx.monitored = monitored;
	wanted = wanted_owners(pgs);
	plan->slots = vtier_plan_slots_assign(input->previous, wanted);
	if (count_planned(plan) == 0) {
		/* nothing to tier: no kdamond monitoring all of RAM for nobody */
		plan->sampler_reason = g_strdup("none: no guest is planned, so no kdamond runs");
		g_ptr_array_add(plan->notes, g_strdup("no guest is planned: the plan has no kdamond"));
		return g_steal_pointer(&plan);
	}
	plan_build_paddr(&ctx, plan, pgs);
	if (options->vaddr_kdamond &&
	    vtier_damon_features_has_operations(input->features, VTIER_DAMON_OPS_VADDR))
		plan_build_vaddr(&ctx, plan, pgs);
	if (!vtier_planner_check_starvation(plan->model, error)) {
		g_prefix_error(error, "planner bug: ");
		return NULL;
	}
	return g_steal_pointer(&plan);
}
