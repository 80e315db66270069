/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <string.h>
#include <time.h>

#include "common/error.h"
#include "daemon/manager-private.h"
#include "tiering/options.h"

/* The level-triggered reconcile: whatever marked the host dirty, rebuild every input, plan, and
 * hand the model to the writer, which writes only what differs (nothing when nothing changed). */

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* The guests in name order (plans are deterministic). */
static GPtrArray *sorted_guests(VtierManager *m)
{
	GPtrArray *names = g_ptr_array_new();
	GPtrArray *guests = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(names, key);
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(guests, g_hash_table_lookup(m->guests, g_ptr_array_index(names, i)));
	g_ptr_array_unref(names);
	return guests;
}

/* A closed-loop guest's PULL and PUSH (ratio, allowance with tuner=vtier) start parked until the
 * controller's first step sets their budgets: at the plan's rate cap they moved 347 MiB of a 40%
 * target (68% of 512 MiB) on 7.3 in the lab before the first step's commit landed. The plan's
 * own model keeps the cap, which the seat hands the controller as the rate limit. */
static void park_new_closed_loops(VtierManager *m, VtierDamonContext *ctx)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const VtierDaemonGuest *g = value;
		const VtierPlanGuestResult *r = g->result;

		if (r == NULL || !r->planned || r->first_scheme < 0 || r->kdamond != 0 ||
		    g->policy == NULL || g->policy->tuner != VTIER_POLICY_TUNER_VTIER ||
		    (r->mode != VTIER_POLICY_MODE_RATIO && r->mode != VTIER_POLICY_MODE_ALLOWANCE))
			continue;
		for (guint k = 0; k < 2; k++) {
			guint i = (guint)r->first_scheme + k;

			if (i < ctx->schemes->len &&
			    g_hash_table_lookup(m->budgets, GUINT_TO_POINTER(i + 1)) == NULL)
				((VtierDamonScheme *)g_ptr_array_index(ctx->schemes, i))->quotas.bytes =
					VTIER_CONTROLLER_PARKED_BYTES;
		}
	}
}

/* Overlays the controller's budgets on the plan's migrating schemes. */
static void overlay_budgets(VtierManager *m, VtierDamonModel *model)
{
	VtierDamonContext *ctx;

	if (model->kdamonds->len == 0)
		return;
	ctx = ((VtierDamonKdamond *)g_ptr_array_index(model->kdamonds, 0))->context;
	park_new_closed_loops(m, ctx);
	for (guint i = 0; i < ctx->schemes->len; i++) {
		VtierDamonScheme *scheme = g_ptr_array_index(ctx->schemes, i);
		guint64 *budget = g_hash_table_lookup(m->budgets, GUINT_TO_POINTER(i + 1));

		if (budget != NULL && *budget > 0)
			scheme->quotas.bytes = *budget;
	}
}

static void log_dry_run_writes(VtierManager *m, guint from)
{
	const GPtrArray *log = vtier_damon_fake_get_log(m->fake);

	for (guint i = from; i < log->len; i++) {
		g_autofree gchar *line = vtier_escape_log(g_ptr_array_index(log, i));

		g_message("dry run: would write %s", line);
	}
	vtier_damon_fake_clear_log(m->fake); /* logged: a dry run must not grow with every write */
}

static gdouble thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gdouble)ts.tv_sec + (gdouble)ts.tv_nsec / 1e9;
}

gboolean vtier_manager_apply_model(VtierManager *m, const VtierDamonModel *model, GError **error)
{
	g_auto(VtierDamonApplyResult) result = { 0 };
	gint64 t0 = g_get_monotonic_time();
	gdouble cpu0 = thread_cpu_seconds();
	guint log_from = m->fake != NULL ? vtier_damon_fake_get_log(m->fake)->len : 0;
	gboolean ok;

	if (m->options.dry_run)
		ok = vtier_damon_writer_apply(m->dry_writer, model, &result, error);
	else
		ok = vtier_damon_driver_apply(m->driver, model, &result, error);
	m->apply_cpu_seconds += thread_cpu_seconds() - cpu0;
	if (m->fake != NULL)
		log_dry_run_writes(m, log_from);
	m->writes += result.writes;
	for (guint i = 0; result.actions != NULL && i < result.actions->len; i++) {
		if (g_array_index(result.actions, VtierDamonStateAction, i) !=
		    VTIER_DAMON_STATE_NONE) {
			m->commits++;
			vtier_histogram_observe(m->commit_seconds,
						(gdouble)(g_get_monotonic_time() - t0) / 1e6);
		}
	}
	if (!ok)
		vtier_manager_count_error(m, "damon-write");
	return ok;
}

/* The guest whose memcg the kernel's answer names (ENOMEM on a vanished memcg), or NULL. */
static VtierDaemonGuest *guest_at_fault(VtierManager *m, GPtrArray *planned, const GError *error)
{
	for (guint i = 0; i < planned->len; i++) {
		VtierDaemonGuest *g = g_ptr_array_index(planned, i);

		if (g->record != NULL && g->record->memcg_path != NULL &&
		    g->record->memcg_path[0] != '\0' &&
		    strstr(error->message, g->record->memcg_path) != NULL)
			return g;
	}
	(void)m;
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

static void record_results(VtierManager *m, const VtierPlan *plan, GPtrArray *guests)
{
	g_autoptr(GHashTable) in_plan = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < plan->guests->len; i++)
		g_hash_table_add(in_plan,
				 ((VtierPlanGuestResult *)g_ptr_array_index(plan->guests, i))->name);
	for (guint i = 0; i < guests->len; i++) {
		VtierDaemonGuest *g = g_ptr_array_index(guests, i);

		if (g_hash_table_contains(in_plan, g->name))
			continue;
		vtier_daemon_guest_set_result(g, NULL);
		g->planned = FALSE;
	}
	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, i);
		VtierDaemonGuest *g = g_hash_table_lookup(m->guests, r->name);

		if (g == NULL)
			continue;
		if (!r->planned && r->refusal != NULL &&
		    (g->result == NULL || g_strcmp0(g->result->refusal, r->refusal) != 0)) {
			g_autofree gchar *text = vtier_escape_log(r->refusal);

			g_message("not tiering %s", text);
		}
		vtier_daemon_guest_set_result(g, r);
		g->planned = r->planned;
	}
}

/* One attempt: plan the ready guests, apply. On a per-guest kernel refusal, marks that guest
 * and returns FALSE with *ret_retry set. */
static gboolean plan_and_apply(VtierManager *m, gboolean *ret_retry, GError **error)
{
	g_autoptr(GPtrArray) all = sorted_guests(m);
	g_autoptr(GPtrArray) inputs =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	g_autoptr(GPtrArray) planned = g_ptr_array_new();
	g_autoptr(VtierPlan) plan = NULL;
	g_autoptr(VtierDamonModel) model = NULL;
	g_autoptr(GError) local = NULL;
	VtierPlanInput input = { 0 };
	gint64 now = g_get_monotonic_time();

	*ret_retry = FALSE;
	for (guint i = 0; i < all->len; i++) {
		VtierDaemonGuest *g = g_ptr_array_index(all, i);
		g_autofree gchar *refusal = NULL;
		VtierPlanGuest *in;

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
		g_ptr_array_add(inputs, in);
		g_ptr_array_add(planned, g);
	}
	input.topology = m->topology;
	input.features = m->features;
	input.sampler = m->sampler;
	input.options = &m->typed.plan;
	input.guests = inputs;
	input.previous = m->slots;
	plan = vtier_planner_plan(&input, error);
	if (plan == NULL)
		return FALSE;
	record_results(m, plan, all);
	g_debug("plan: %u guests in, %u planned", inputs->len, planned->len);
	if (!model_has_schemes(plan) && m->applied == NULL) {
		/* nothing to tier and nothing running: no kdamond */
		vtier_plan_free(m->plan);
		m->plan = g_steal_pointer(&plan);
		return TRUE;
	}
	model = vtier_damon_model_copy(plan->model);
	overlay_budgets(m, model);
	if (!vtier_manager_apply_model(m, model, &local)) {
		VtierDaemonGuest *culprit = guest_at_fault(m, planned, local);

		m->applied_ok = FALSE;
		if (culprit != NULL) {
			vtier_daemon_guest_set_fault(m, culprit, "damon", local->message);
			*ret_retry = TRUE;
		}
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	m->applied_ok = TRUE;
	vtier_damon_model_free(m->applied);
	m->applied = g_steal_pointer(&model);
	vtier_plan_slots_free(m->slots);
	m->slots = vtier_plan_slots_copy(plan->slots);
	vtier_plan_free(m->plan);
	m->plan = g_steal_pointer(&plan);
	for (guint i = 0; i < planned->len; i++) {
		VtierDaemonGuest *g = g_ptr_array_index(planned, i);

		if (g->fault != NULL && g_strcmp0(g->fault->kind, "damon") == 0)
			vtier_daemon_guest_clear_fault(m, g);
	}
	return TRUE;
}

gboolean vtier_manager_reconcile_now(VtierManager *m, GError **error)
{
	gint64 t0 = g_get_monotonic_time();
	gboolean ok = FALSE;
	gboolean retry = FALSE;
	g_autoptr(GError) local = NULL;

	m->dirty = FALSE;
	vtier_daemon_guests_sync_libvirt(m);
	/* a guest the kernel refuses is set aside and the rest planned again, at most a few
	 * times per reconcile */
	for (guint attempt = 0; attempt < 4; attempt++) {
		g_clear_error(&local);
		ok = plan_and_apply(m, &retry, &local);
		if (ok || !retry)
			break;
	}
	m->reconciles++;
	vtier_histogram_observe(m->reconcile_seconds,
				(gdouble)(g_get_monotonic_time() - t0) / 1e6);
	g_clear_pointer(&m->last_reconcile_error, g_free);
	if (!ok) {
		m->last_reconcile_error = g_strdup(local->message);
		vtier_manager_count_error(m, "reconcile");
	} else {
		vtier_manager_state_save(m, NULL); /* logs a failure itself */
	}
	vtier_manager_snapshot_update(m);
	if (!ok) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return TRUE;
}
