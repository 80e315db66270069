/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <sys/utsname.h>

#include "common/paths.h"
#include "daemon/manager-private.h"

/* The host part of the snapshot: what status shows above the guest rows, and what /metrics
 * exports about the host. */

static void fill_nodes(VtierManager *m, VtierSnapshot *s)
{
	for (guint i = 0; i < m->topology->nodes->len; i++) {
		const VtierNode *n = g_ptr_array_index(m->topology->nodes, i);
		VtierSnapshotNode sn = { 0 };

		if (n->role == VTIER_NODE_ROLE_NONE)
			continue;
		sn.node = n->id;
		sn.tier = n->role == VTIER_NODE_ROLE_FAST ? VTIER_TIER_FAST : VTIER_TIER_SLOW;
		sn.total_bytes = n->total_bytes;
		sn.free_bytes = n->free_bytes;
		g_array_append_val(s->nodes, sn);
	}
}

static void fill_features(VtierManager *m, VtierSnapshot *s)
{
	static const gchar *const actions[] = { "migrate_hot", "migrate_cold", "stat" };
	const VtierDamonFeatures *f = m->features;

	if (f == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(actions); i++) {
		if (f->actions != NULL && g_strv_contains((const gchar *const *)f->actions, actions[i]))
			g_ptr_array_add(s->kernel_features, g_strdup(actions[i]));
	}
	if (f->goal_metrics != NULL &&
	    g_strv_contains((const gchar *const *)f->goal_metrics, "node_eligible_mem_bp"))
		g_ptr_array_add(s->kernel_features, g_strdup("node_eligible_mem_bp"));
	if (f->goal_path)
		g_ptr_array_add(s->kernel_features, g_strdup("memcg_goals"));
	if (f->filter_allow)
		g_ptr_array_add(s->kernel_features, g_strdup("filter_allow"));
	if (f->dests)
		g_ptr_array_add(s->kernel_features, g_strdup("dests"));
	if (f->goal_tuners != NULL && f->goal_tuners[0] != NULL)
		g_ptr_array_add(s->kernel_features, g_strdup("goal_tuner"));
	if (f->fail_charge)
		g_ptr_array_add(s->kernel_features, g_strdup("fail_charge"));
	if (f->perf_events)
		g_ptr_array_add(s->kernel_features, g_strdup("perf_events"));
	if (f->refresh_ms)
		g_ptr_array_add(s->kernel_features, g_strdup("refresh_ms"));
}

/* Settings that fight vtier's placement, one sentence each with the fix. */
static void fill_warnings(VtierManager *m, VtierSnapshot *s)
{
	const VtierTopology *t = m->topology;

	if (t->numa_balancing == 1 || t->numa_balancing == 2)
		g_ptr_array_add(s->warnings,
				g_strdup_printf("kernel.numa_balancing=%d moves guest memory between "
						"nodes behind vtier's back (sysctl -w "
						"kernel.numa_balancing=0)",
						t->numa_balancing));
	if (t->demotion_enabled == 1) {
		g_autofree gchar *knob = vtier_path_build_host(VTIER_PATH_SYSFS, "kernel", "mm",
							       "numa", "demotion_enabled", NULL);

		g_ptr_array_add(s->warnings,
				g_strdup_printf("the kernel's reclaim demotion is on: it demotes fast "
						"pages to the slow node under memory pressure (echo "
						"false > %s)",
						knob));
	}
	for (guint i = 0; t->problems != NULL && i < t->problems->len; i++) {
		const VtierTopologyProblem *p = g_ptr_array_index(t->problems, i);

		g_ptr_array_add(s->warnings, g_strdup_printf("%s (%s)", p->summary, p->fix));
	}
	for (GList *l = m->dry_run_modules; l != NULL; l = l->next)
		g_ptr_array_add(s->warnings,
				g_strdup_printf("%s is enabled at boot on this kernel profile and "
						"holds DAMON exclusively: a real vtierd refuses to "
						"start unless it is off (set [damon] "
						"disable_damon_stat=true for damon_stat)",
						(const gchar *)l->data));
	if (m->store != NULL) {
		g_auto(GStrv) broken = vtier_policy_store_list_broken_templates(m->store);

		for (guint i = 0; broken != NULL && broken[i] != NULL; i++)
			g_ptr_array_add(s->warnings,
					g_strdup_printf("policy template %s is not used: %s (guests "
							"naming it are refused)",
							broken[i],
							vtier_policy_store_template_error(m->store,
											  broken[i])));
	}
	if (m->metrics_error != NULL)
		g_ptr_array_add(s->warnings, g_strdup(m->metrics_error));
	if (m->sampler != NULL && m->sampler->guest_reason != NULL && !m->sampler->sees_guests)
		g_ptr_array_add(s->warnings, g_strdup(m->sampler->guest_reason));
}

static void fill_counters(VtierManager *m, VtierSnapshot *s)
{
	GHashTableIter iter;
	gpointer key, value;

	s->reconciles_total = m->reconciles;
	s->commits_total = m->commits;
	s->writes_total = m->writes;
	g_hash_table_iter_init(&iter, m->errors_total);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_hash_table_insert(s->errors_total, g_strdup(key),
				    g_memdup2(value, sizeof(guint64)));
	vtier_histogram_free(s->reconcile_seconds);
	s->reconcile_seconds = vtier_histogram_copy(m->reconcile_seconds);
	vtier_histogram_free(s->commit_seconds);
	s->commit_seconds = vtier_histogram_copy(m->commit_seconds);
	s->last_reconcile_error = g_strdup(m->last_reconcile_error);
}

/* Whether the plan samples with a hardware event (the sampler exists and the kernel takes it). */
static gboolean plan_uses_perf_events(VtierManager *m)
{
	const VtierDamonKdamond *k;

	if (m->plan == NULL || m->plan->model->kdamonds->len == 0)
		return FALSE;
	k = g_ptr_array_index(m->plan->model->kdamonds, 0);
	return k->context->perf_events->len > 0;
}

static const gchar *kdamond_state(VtierManager *m, gboolean up)
{
	if (m->options.dry_run)
		return "dry-run";
	if (m->applied == NULL)
		return "none";
	if (up)
		return m->adopted ? "adopted" : "on";
	return "off";
}

void vtier_manager_snapshot_fill_host(VtierManager *m)
{
	VtierSnapshot *old = m->snapshot;
	VtierSnapshot *s = vtier_snapshot_new();
	struct utsname uts;
	GPtrArray *guests;

	s->time_unix_ms = g_get_real_time() / 1000;
	s->sequence = old->sequence + 1;
	s->interval_ms = (guint)vtier_config_get_u64(m->config, "daemon", "interval_ms");
	s->dry_run = m->options.dry_run;
	s->sysroot = g_strdup(vtier_paths_get_sysroot());
	s->kdamond_up = m->kdamond_up;
	s->kdamond_pid = m->kdamond_pid;
	g_free(s->kdamond_state);
	s->kdamond_state = g_strdup(kdamond_state(m, m->kdamond_up));
	g_free(s->sampler_kind);
	s->sampler_kind = g_strdup(plan_uses_perf_events(m) && m->sampler != NULL
					   ? vtier_sampler_kind_to_string(m->sampler->kind)
					   : "none");
	s->sampler_reason = g_strdup(m->plan != NULL && m->plan->sampler_reason != NULL
					     ? m->plan->sampler_reason
				     : m->sampler != NULL ? m->sampler->reason
							  : NULL);
	if (uname(&uts) == 0 && vtier_paths_is_real_root())
		s->kernel_release = g_strdup(uts.release);
	fill_features(m, s);
	fill_nodes(m, s);
	s->fast_reserve_bytes = vtier_config_get_size(m->config, "host", "fast_reserve");
	fill_warnings(m, s);
	guests = vtier_daemon_guests_by_name(m);
	for (guint i = 0; i < guests->len; i++) {
		VtierDaemonGuest *g = guests->pdata[i];

		if (g->snap == NULL)
			continue;
		/* shared, not copied: a guest's record is made anew by each measure and not
		 * changed once the measure is done (interval.c) */
		g_ptr_array_add(s->guests, vtier_snapshot_guest_ref(g->snap));
		if (g->planned)
			s->fast_promised_bytes += g->snap->target_fast_bytes;
	}
	/* in name order already (each record has its guest's name): no vtier_snapshot_sort() */
	fill_counters(m, s);
	m->snapshot = s;
	vtier_snapshot_free(old);
	vtier_manager_metrics_publish(m);
}
