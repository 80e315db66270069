/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/paths.h"
#include "tiering/damon/damon-probe.h"

#define K0 "kdamonds/0"
#define CTX K0 "/contexts/0"
#define S0 CTX "/schemes/0"

/* Every state command vtier knows, in the kernel's order; `on` and `off` are tried apart. */
static const gchar *const state_commands[] = {
	"commit",
	"commit_schemes_quota_goals",
	"update_schemes_stats",
	"update_schemes_tried_bytes",
	"update_schemes_tried_regions",
	"clear_schemes_tried_regions",
	"update_schemes_effective_quotas",
	"update_tuned_intervals",
	"update_schemes_quota_goals",
};

typedef struct {
	VtierDamonIo *io;
	VtierDamonFeatures *f;
} Probe;

static gboolean has(Probe *p, const gchar *rel)
{
	g_autofree gchar *path = vtier_damon_admin_path(rel);

	return vtier_damon_io_exists(p->io, path);
}

/* 0 or the errno of writing @value to admin file @rel (a transient EBUSY is retried). */
static int try_write(Probe *p, const gchar *rel, const gchar *value)
{
	g_autofree gchar *path = vtier_damon_admin_path(rel);
	g_autoptr(GError) local = NULL;

	if (vtier_damon_io_write_retrying(p->io, path, value, 5, 1000, NULL, &local))
		return 0;
	g_debug("probe: %s", local->message);
	return vtier_damon_io_last_errno(p->io);
}

static gboolean must_write(Probe *p, const gchar *rel, const gchar *value, GError **error)
{
	int err = try_write(p, rel, value);
	g_autofree gchar *host = NULL;

	if (err == 0)
		return TRUE;
	host = vtier_path_build_host(VTIER_PATH_DAMON_ADMIN, rel, NULL);
	vtier_error_set_errno(error, err, "probe: cannot write \"%s\" to %s", value, host);
	return FALSE;
}

/* The candidates @file accepts, in the candidates' order. */
static GStrv trial(Probe *p, const gchar *file, const gchar *const *candidates, gsize n)
{
	g_autoptr(GStrvBuilder) accepted = g_strv_builder_new();

	for (gsize i = 0; i < n; i++) {
		if (try_write(p, file, candidates[i]) == 0)
			g_strv_builder_add(accepted, candidates[i]);
	}
	return g_strv_builder_end(accepted);
}

static void replace_strv(GStrv *field, GStrv value)
{
	g_strfreev(*field);
	*field = value;
}

/* ---- what needs no write ---- */

/* Whether @release names a kernel at least @major.@minor ("7.3.4+deb13-cloud-amd64"). */
gboolean vtier_damon_release_at_least(const gchar *release, guint major, guint minor)
{
	guint ma = 0, mi = 0;

	if (release == NULL || sscanf(release, "%u.%u", &ma, &mi) != 2)
		return FALSE;
	return ma > major || (ma == major && mi >= minor);
}

/* The first quota window's behaviour is not visible in sysfs: it follows the kernel release,
 * from lab measurements (damon-features.h). No release (a test's sysroot): unknown. */
static void probe_release(Probe *p)
{
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_SYSCTL, "kernel", "osrelease", NULL);
	g_autofree gchar *release = NULL;

	if (vtier_damon_io_exists(p->io, path) &&
	    vtier_damon_io_read(p->io, path, &release, NULL))
		p->f->first_window_limited = vtier_damon_release_at_least(g_strstrip(release), 6, 18);
}

static void probe_modules(Probe *p)
{
	for (guint i = 0; i < p->f->modules->len; i++) {
		VtierDamonModule *m = p->f->modules->pdata[i];
		g_autofree gchar *path =
			vtier_path_build(VTIER_PATH_MODULES, m->name, "parameters", "enabled", NULL);
		g_autofree gchar *value = NULL;

		m->present = vtier_damon_io_exists(p->io, path);
		m->enabled = m->present && vtier_damon_io_read(p->io, path, &value, NULL) &&
			     g_strcmp0(value, "Y") == 0;
	}
}

static void probe_trace_events(Probe *p)
{
	g_autofree gchar *dir = vtier_path_build(VTIER_PATH_TRACING, "events", "damon", NULL);
	g_autoptr(GStrvBuilder) events = g_strv_builder_new();
	g_auto(GStrv) names = NULL;

	if (vtier_damon_io_list(p->io, dir, &names, NULL)) {
		for (gsize i = 0; names[i] != NULL; i++) {
			g_autofree gchar *child = g_build_filename(dir, names[i], NULL);

			if (vtier_damon_io_kind(p->io, child) == VTIER_DAMON_IO_DIR)
				g_strv_builder_add(events, names[i]);
		}
	}
	replace_strv(&p->f->trace_events, g_strv_builder_end(events));
}

static void probe_operations(Probe *p)
{
	g_autofree gchar *path = vtier_damon_admin_path(CTX "/avail_operations");
	g_autofree gchar *text = NULL;

	if (vtier_damon_io_read(p->io, path, &text, NULL))
		replace_strv(&p->f->operations, g_strsplit_set(g_strstrip(text), " \n", -1));
}

static void probe_stats(Probe *p)
{
	g_autofree gchar *path = vtier_damon_admin_path(S0 "/stats");
	g_auto(GStrv) names = NULL;

	if (vtier_damon_io_list(p->io, path, &names, NULL))
		replace_strv(&p->f->scheme_stats, g_steal_pointer(&names));
}

/* File presence below kdamond 0 (as far as its directories exist). */
static void probe_presence(Probe *p)
{
	VtierDamonFeatures *f = p->f;

	f->refresh_ms = has(p, K0 "/refresh_ms");
	f->addr_unit = has(p, CTX "/addr_unit");
	f->pause = has(p, CTX "/pause");
	f->intervals_goal = has(p, CTX "/monitoring_attrs/intervals/intervals_goal");
	f->probes = has(p, CTX "/monitoring_attrs/probes");
	f->perf_events = has(p, CTX "/monitoring_attrs/sample/perf_events/nr_perf_events");
	f->obsolete_target = has(p, CTX "/targets/0/obsolete_target");
	f->core_filters = has(p, S0 "/core_filters");
	f->ops_filters = has(p, S0 "/ops_filters");
	f->legacy_filters = has(p, S0 "/filters");
	f->dests = has(p, S0 "/dests");
	f->fail_charge = has(p, S0 "/quotas/fail_charge_num");
	f->goal_nid = has(p, S0 "/quotas/goals/0/nid");
	f->goal_path = has(p, S0 "/quotas/goals/0/path");
	f->filter_allow = has(p, S0 "/core_filters/0/allow") || has(p, S0 "/ops_filters/0/allow") ||
			  has(p, S0 "/filters/0/allow");
	probe_operations(p);
	probe_stats(p);
}

/* ---- trial writes in the scratch kdamond ---- */

static gboolean stage_scratch(Probe *p, GError **error)
{
	static const gchar *const layers[] = { S0 "/core_filters", S0 "/ops_filters", S0 "/filters" };

	if (!must_write(p, "kdamonds/nr_kdamonds", "1", error) ||
	    !must_write(p, K0 "/contexts/nr_contexts", "1", error) ||
	    !must_write(p, CTX "/targets/nr_targets", "1", error) ||
	    !must_write(p, CTX "/schemes/nr_schemes", "1", error) ||
	    !must_write(p, S0 "/quotas/goals/nr_goals", "1", error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(layers); i++) {
		g_autofree gchar *nr = g_strconcat(layers[i], "/nr_filters", NULL);

		if (has(p, nr) && !must_write(p, nr, "1", error))
			return FALSE;
	}
	if (has(p, CTX "/monitoring_attrs/probes/nr_probes") &&
	    (!must_write(p, CTX "/monitoring_attrs/probes/nr_probes", "1", error) ||
	     !must_write(p, CTX "/monitoring_attrs/probes/0/filters/nr_filters", "1", error)))
		return FALSE;
	return TRUE;
}

static GStrv trial_filter_types(Probe *p, gboolean present, const gchar *file)
{
	const gchar *names[VTIER_DAMON_FILTER_LAST];

	if (!present)
		return g_new0(gchar *, 1);
	for (guint i = 0; i < VTIER_DAMON_FILTER_LAST; i++)
		names[i] = vtier_damon_filter_type_to_string(i);
	return trial(p, file, names, G_N_ELEMENTS(names));
}

static guint largest_accepted(Probe *p, const gchar *file, guint limit)
{
	guint lo = 0, hi = limit + 1;

	while (hi - lo > 1) {
		guint mid = lo + (hi - lo) / 2;
		g_autofree gchar *text = g_strdup_printf("%u", mid);

		if (try_write(p, file, text) == 0)
			lo = mid;
		else
			hi = mid;
	}
	try_write(p, file, "0");
	return lo;
}

static void probe_trials(Probe *p)
{
	VtierDamonFeatures *f = p->f;
	const gchar *actions[VTIER_DAMON_ACTION_LAST];
	const gchar *metrics[VTIER_DAMON_METRIC_LAST];
	const gchar *tuners[VTIER_DAMON_TUNER_LAST];
	static const gchar *const perf_event[] = { "perf_event" };

	for (guint i = 0; i < VTIER_DAMON_ACTION_LAST; i++)
		actions[i] = vtier_damon_action_to_string(i);
	for (guint i = 0; i < VTIER_DAMON_METRIC_LAST; i++)
		metrics[i] = vtier_damon_goal_metric_to_string(i);
	for (guint i = 0; i < VTIER_DAMON_TUNER_LAST; i++)
		tuners[i] = vtier_damon_goal_tuner_to_string(i);
	replace_strv(&f->actions, trial(p, S0 "/action", actions, G_N_ELEMENTS(actions)));
	replace_strv(&f->goal_metrics,
		     trial(p, S0 "/quotas/goals/0/target_metric", metrics, G_N_ELEMENTS(metrics)));
	if (has(p, S0 "/quotas/goal_tuner"))
		replace_strv(&f->goal_tuners,
			     trial(p, S0 "/quotas/goal_tuner", tuners, G_N_ELEMENTS(tuners)));
	replace_strv(&f->core_filter_types,
		     trial_filter_types(p, f->core_filters, S0 "/core_filters/0/type"));
	replace_strv(&f->ops_filter_types,
		     trial_filter_types(p, f->ops_filters, S0 "/ops_filters/0/type"));
	replace_strv(&f->legacy_filter_types,
		     trial_filter_types(p, f->legacy_filters, S0 "/filters/0/type"));
	if (f->probes) {
		g_auto(GStrv) ok = trial(p, CTX "/monitoring_attrs/probes/0/filters/0/type",
					 perf_event, 1);

		f->probe_filter_perf_event = ok[0] != NULL;
	}
	if (f->perf_events)
		f->max_perf_events =
			largest_accepted(p, CTX "/monitoring_attrs/sample/perf_events/nr_perf_events",
					 4096);
}

/* A commit the kernel must reject (nr_regions min < 3): returned as an error, or (6.12) taken
 * with success while the kdamond stops. */
static void probe_commit_error(Probe *p, gboolean *started)
{
	g_autofree gchar *path = vtier_damon_admin_path(K0 "/state");
	g_autofree gchar *state = NULL;

	try_write(p, CTX "/monitoring_attrs/nr_regions/min", "1");
	if (try_write(p, K0 "/state", "commit") == 0) {
		vtier_damon_io_read(p->io, path, &state, NULL);
		p->f->commit_stops_on_error = g_strcmp0(state, "on") != 0;
		*started = !p->f->commit_stops_on_error;
	}
	try_write(p, CTX "/monitoring_attrs/nr_regions/min", "10");
}

/* Starts the scratch kdamond (one 1 MiB physical region, one default `stat` scheme that
 * matches nothing: the update_schemes_tried_* commands walk schemes and fail without one) to
 * try the commands. */
static void probe_state_commands(Probe *p, gboolean *ret_started)
{
	g_autoptr(GStrvBuilder) ok = g_strv_builder_new();
	int err;

	*ret_started = FALSE;
	/* recreate the scheme with defaults: action stat, no goal, no filter */
	try_write(p, CTX "/schemes/nr_schemes", "0");
	try_write(p, CTX "/schemes/nr_schemes", "1");
	if (p->f->probes)
		try_write(p, CTX "/monitoring_attrs/probes/nr_probes", "0");
	try_write(p, CTX "/operations", "paddr");
	try_write(p, CTX "/targets/0/regions/nr_regions", "1");
	try_write(p, CTX "/targets/0/regions/0/start", "1048576");
	try_write(p, CTX "/targets/0/regions/0/end", "2097152");
	err = try_write(p, K0 "/state", "on");
	if (err != 0) {
		p->f->complete = FALSE;
		p->f->incomplete_reason = g_strdup_printf(
			"state commands were not tried: `on` of a scratch kdamond gave %s%s",
			g_strerror(err),
			err == EBUSY ? " (an exclusive DAMON module holds DAMON)" : "");
		replace_strv(&p->f->state_commands, g_strsplit("on off", " ", -1));
		return;
	}
	*ret_started = TRUE;
	g_strv_builder_add(ok, "on");
	g_strv_builder_add(ok, "off");
	for (gsize i = 0; i < G_N_ELEMENTS(state_commands); i++) {
		if (try_write(p, K0 "/state", state_commands[i]) == 0)
			g_strv_builder_add(ok, state_commands[i]);
	}
	replace_strv(&p->f->state_commands, g_strv_builder_end(ok));
	probe_commit_error(p, ret_started);
}

static void restore(Probe *p, gboolean started)
{
	if (started && try_write(p, K0 "/state", "off") != 0)
		g_debug("probe: could not stop the scratch kdamond");
	if (try_write(p, "kdamonds/nr_kdamonds", "0") != 0)
		g_debug("probe: could not remove the scratch kdamond");
}

/* The tree is in use: report presence only, and who is in the way. */
static void probe_busy(Probe *p, guint64 nr)
{
	g_autoptr(GString) who = g_string_new(NULL);

	probe_presence(p);
	for (guint64 k = 0; k < nr; k++) {
		g_autofree gchar *state_rel = g_strdup_printf("kdamonds/%" G_GUINT64_FORMAT "/state", k);
		g_autofree gchar *pid_rel = g_strdup_printf("kdamonds/%" G_GUINT64_FORMAT "/pid", k);
		g_autofree gchar *state_path = vtier_damon_admin_path(state_rel);
		g_autofree gchar *pid_path = vtier_damon_admin_path(pid_rel);
		g_autofree gchar *state = NULL;
		g_autofree gchar *pid = NULL;

		vtier_damon_io_read(p->io, state_path, &state, NULL);
		vtier_damon_io_read(p->io, pid_path, &pid, NULL);
		g_string_append_printf(who, "%skdamond %" G_GUINT64_FORMAT " %s (pid %s)",
				       who->len ? ", " : "", k, state != NULL ? state : "?",
				       pid != NULL ? pid : "?");
	}
	p->f->complete = FALSE;
	p->f->incomplete_reason = g_strdup_printf(
		"the DAMON tree is in use (%s): no trial writes, only file presence", who->str);
}

VtierDamonFeatures *vtier_damon_probe(VtierDamonIo *io, GError **error)
{
	g_autoptr(VtierDamonFeatures) f = vtier_damon_features_new();
	g_autofree gchar *nr_path = vtier_damon_admin_path("kdamonds/nr_kdamonds");
	Probe p = { io, f };
	gboolean started = FALSE;
	guint64 nr = 0;

	g_free(f->source);
	f->source = g_strdup("probe");
	probe_modules(&p);
	probe_trace_events(&p);
	probe_release(&p);
	if (!vtier_damon_io_exists(io, nr_path))
		return g_steal_pointer(&f); /* no DAMON sysfs: available stays FALSE */
	f->available = TRUE;
	if (!vtier_damon_io_read_u64(io, nr_path, &nr, error))
		return NULL;
	if (nr > 0) {
		probe_busy(&p, nr);
		return g_steal_pointer(&f);
	}
	if (!stage_scratch(&p, error)) {
		restore(&p, FALSE);
		return NULL;
	}
	probe_presence(&p);
	probe_trials(&p);
	probe_state_commands(&p, &started);
	restore(&p, started);
	return g_steal_pointer(&f);
}
