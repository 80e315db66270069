/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-metrics"

#include "config.h"

#include <math.h> /* isnan, isinf: macros, no libm */

#include "common/escape.h"
#include "metrics/metrics.h"

/*
 * Snapshot -> Prometheus text exposition format 0.0.4. Base units (bytes, seconds, ratios 0-1),
 * counters end in _total, `_info` gauges are 1 and carry their facts as labels, nodes are
 * node="N" as node_exporter writes them. Every label value that is not a constant of this file
 * goes through vtier_escape_metrics_label(), once per value.
 */

typedef struct {
	const VtierSnapshot *snapshot;
	GString *out;
	GPtrArray *domains; /* escaped guest names, parallel to snapshot->guests */
} Render;

static const gchar *const direction_names[] = {"up", "down"};

static void family(Render *r, const gchar *name, const gchar *type, const gchar *help)
{
	g_string_append_printf(r->out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void append_u64(GString *out, guint64 value)
{
	gchar digits[24];
	guint n = sizeof(digits);

	do {
		digits[--n] = (gchar)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	g_string_append_len(out, digits + n, sizeof(digits) - n);
}

/* The shortest decimal that reads back as @value, without an exponent below 1e21 (so integers
 * and timestamps print in full); integers below 2^53 skip floating-point formatting. */
static void append_double(GString *out, gdouble value)
{
	gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
	gchar format[8];
	gint precision, digits = 0;

	if (isnan(value)) {
		g_string_append(out, "NaN");
		return;
	}
	if (isinf(value)) {
		g_string_append(out, value > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (value >= 0 && value < 9007199254740992.0 && value == (gdouble)(guint64)value) {
		append_u64(out, (guint64)value);
		return;
	}
	/* %.15g is the shortest form whenever one of 15 digits or fewer reads back (DBL_DIG) */
	for (precision = 15; precision < 17; precision++) {
		g_snprintf(format, sizeof(format), "%%.%dg", precision);
		if (g_ascii_strtod(g_ascii_formatd(buf, sizeof(buf), format, value), NULL) == value)
			break;
	}
	for (gdouble a = value < 0 ? -value : value; a >= 1 && a < 1e21; a /= 10)
		digits++; /* digits before the decimal point */
	precision = MAX(precision, digits);
	g_snprintf(format, sizeof(format), "%%.%dg", precision);
	g_string_append(out, g_ascii_formatd(buf, sizeof(buf), format, value));
}

static void value_u64(GString *out, guint64 value)
{
	g_string_append_c(out, ' ');
	append_u64(out, value);
	g_string_append_c(out, '\n');
}

static void value_double(GString *out, gdouble value)
{
	g_string_append_c(out, ' ');
	append_double(out, value);
	g_string_append_c(out, '\n');
}

/* `NAME{domain="D"` and, when @key is set, `,KEY="VALUE"` (a constant of this file), then `}`. */
static void guest_labels(GString *out, const gchar *name, const gchar *domain, const gchar *key,
			 const gchar *value)
{
	g_string_append(out, name);
	g_string_append(out, "{domain=\"");
	g_string_append(out, domain);
	if (key != NULL) {
		g_string_append(out, "\",");
		g_string_append(out, key);
		g_string_append(out, "=\"");
		g_string_append(out, value);
	}
	g_string_append(out, "\"}");
}

static gdouble bp_ratio(guint bp)
{
	return bp / 10000.0;
}

/* ---- host ---- */

static void render_build(Render *r)
{
	const VtierSnapshot *s = r->snapshot;
	g_autofree gchar *version = vtier_escape_metrics_label(s->version);
	g_autofree gchar *kind = vtier_escape_metrics_label(s->sampler_kind);
	g_autofree gchar *kstate = vtier_escape_metrics_label(s->kdamond_state);

	family(r, "vtier_build_info", "gauge", "vtier's version (always 1).");
	g_string_append_printf(r->out, "vtier_build_info{version=\"%s\"} 1\n", version);
	family(r, "vtier_dry_run", "gauge", "1 when vtierd plans without writing DAMON.");
	value_u64(g_string_append(r->out, "vtier_dry_run"), s->dry_run ? 1 : 0);
	family(r, "vtier_kdamond_up", "gauge", "1 when vtier's paddr kdamond is running.");
	value_u64(g_string_append(r->out, "vtier_kdamond_up"), s->kdamond_up ? 1 : 0);
	family(r, "vtier_kdamond_info", "gauge",
	       "State of vtier's kdamond: on, off, adopted, dry-run or none (always 1).");
	g_string_append_printf(r->out, "vtier_kdamond_info{state=\"%s\"} 1\n", kstate);
	family(r, "vtier_sampler_info", "gauge",
	       "Hardware access sampler in use: ibs, pebs or none (always 1).");
	g_string_append_printf(r->out, "vtier_sampler_info{kind=\"%s\"} 1\n", kind);
	family(r, "vtier_snapshot_timestamp_seconds", "gauge",
	       "Wall-clock time of the snapshot these values come from.");
	value_double(g_string_append(r->out, "vtier_snapshot_timestamp_seconds"),
		     s->time_unix_ms / 1000.0);
}

static void render_nodes(Render *r)
{
	const VtierSnapshot *s = r->snapshot;

	family(r, "vtier_node_memory_bytes", "gauge",
	       "Memory of a host NUMA node by tier, total and free.");
	for (guint i = 0; i < s->nodes->len; i++) {
		const VtierSnapshotNode *n = &g_array_index(s->nodes, VtierSnapshotNode, i);
		const gchar *tier = vtier_tier_to_string(n->tier);

		g_string_append_printf(
		    r->out, "vtier_node_memory_bytes{node=\"%u\",tier=\"%s\",state=\"total\"}",
		    n->node, tier);
		value_u64(r->out, n->total_bytes);
		g_string_append_printf(
		    r->out, "vtier_node_memory_bytes{node=\"%u\",tier=\"%s\",state=\"free\"}",
		    n->node, tier);
		value_u64(r->out, n->free_bytes);
	}
	family(r, "vtier_host_fast_reserve_bytes", "gauge",
	       "Fast memory kept free for the host ([host] fast_reserve).");
	value_u64(g_string_append(r->out, "vtier_host_fast_reserve_bytes"), s->fast_reserve_bytes);
	family(r, "vtier_host_fast_promised_bytes", "gauge",
	       "Fast memory the planned guests' targets add up to.");
	value_u64(g_string_append(r->out, "vtier_host_fast_promised_bytes"),
		  s->fast_promised_bytes);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Every known kind, from 0, and any other kind the snapshot counted, sorted. */
static void render_errors(Render *r)
{
	g_autoptr(GPtrArray) kinds = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;

	family(r, "vtier_errors_total", "counter", "Errors vtierd met, by kind.");
	for (guint i = 0; vtier_snapshot_error_kinds[i] != NULL; i++)
		g_ptr_array_add(kinds, (gpointer)vtier_snapshot_error_kinds[i]);
	if (r->snapshot->errors_total != NULL) {
		g_hash_table_iter_init(&iter, r->snapshot->errors_total);
		while (g_hash_table_iter_next(&iter, &key, NULL)) {
			if (!vtier_snapshot_error_kind_known(key))
				g_ptr_array_add(kinds, key);
		}
	}
	g_ptr_array_sort(kinds, compare_strings);
	for (guint i = 0; i < kinds->len; i++) {
		const gchar *kind = g_ptr_array_index(kinds, i);
		g_autofree gchar *escaped = vtier_escape_metrics_label(kind);

		g_string_append_printf(r->out, "vtier_errors_total{kind=\"%s\"}", escaped);
		value_u64(r->out, r->snapshot->errors_total != NULL
					  ? vtier_snapshot_get_errors(r->snapshot, kind)
					  : 0);
	}
}

static void render_counters(Render *r)
{
	const VtierSnapshot *s = r->snapshot;

	family(r, "vtier_reconciles_total", "counter", "Reconciles of guests with plans.");
	value_u64(g_string_append(r->out, "vtier_reconciles_total"), s->reconciles_total);
	family(r, "vtier_damon_commits_total", "counter",
	       "DAMON state commands written (on, commit, ...).");
	value_u64(g_string_append(r->out, "vtier_damon_commits_total"), s->commits_total);
	family(r, "vtier_damon_writes_total", "counter", "DAMON sysfs files written.");
	value_u64(g_string_append(r->out, "vtier_damon_writes_total"), s->writes_total);
	family(r, "vtier_last_reconcile_success", "gauge",
	       "1 when the last reconcile succeeded, 0 when it failed.");
	value_u64(g_string_append(r->out, "vtier_last_reconcile_success"),
		  s->last_reconcile_error == NULL ? 1 : 0);
	render_errors(r);
}

static void render_histogram(Render *r, const gchar *name, const gchar *help,
			     const VtierHistogram *h)
{
	family(r, name, "histogram", help);
	if (h == NULL)
		return;
	for (guint i = 0; i < h->bounds->len; i++) {
		g_string_append_printf(r->out, "%s_bucket{le=\"", name);
		append_double(r->out, g_array_index(h->bounds, gdouble, i));
		g_string_append(r->out, "\"}");
		value_u64(r->out, g_array_index(h->counts, guint64, i));
	}
	g_string_append_printf(r->out, "%s_bucket{le=\"+Inf\"}", name);
	value_u64(r->out, h->count);
	g_string_append_printf(r->out, "%s_sum", name);
	value_double(r->out, h->sum);
	g_string_append_printf(r->out, "%s_count", name);
	value_u64(r->out, h->count);
}

/* ---- guests ---- */

#define GUEST(r, i)  ((const VtierSnapshotGuest *)g_ptr_array_index((r)->snapshot->guests, (i)))
#define DOMAIN(r, i) ((const gchar *)g_ptr_array_index((r)->domains, (i)))

static void render_guest_info(Render *r)
{
	family(r, "vtier_guest_info", "gauge",
	       "Every guest vtierd knows, with its policy mode and state (always 1); a guest "
	       "whose memory is not measured has no memory series and its state says why.");
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);
		g_autofree gchar *uuid = vtier_escape_metrics_label(g->uuid);
		g_autofree gchar *mode = vtier_escape_metrics_label(g->mode);

		g_string_append_printf(r->out,
				       "vtier_guest_info{domain=\"%s\",uuid=\"%s\",mode=\"%s\","
				       "state=\"%s\"} 1\n",
				       DOMAIN(r, i), uuid, mode,
				       vtier_guest_state_to_string(g->state));
	}
}

static void render_guest_memory(Render *r)
{
	family(r, "vtier_guest_memory_bytes", "gauge",
	       "A guest's memory on one host NUMA node (measured guests only).");
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);

		if (!g->measured)
			continue;
		for (guint n = 0; n < g->nodes->len; n++) {
			const VtierSnapshotGuestNode *gn =
			    &g_array_index(g->nodes, VtierSnapshotGuestNode, n);

			g_string_append_printf(r->out,
					       "vtier_guest_memory_bytes{domain=\"%s\",node=\"%u\","
					       "tier=\"%s\"}",
					       DOMAIN(r, i), gn->node,
					       vtier_tier_to_string(gn->tier));
			value_u64(r->out, gn->bytes);
		}
	}
}

static void render_guest_ratio(Render *r, const gchar *name, const gchar *help, gboolean target)
{
	family(r, name, "gauge", help);
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);
		guint bp = target ? g->target_share_bp : g->share_bp;

		if (bp == VTIER_SNAPSHOT_NO_BP || (!target && !g->measured))
			continue;
		guest_labels(r->out, name, DOMAIN(r, i), NULL, NULL);
		value_double(r->out, bp_ratio(bp));
	}
}

typedef enum {
	DIR_MIGRATED,
	DIR_TRIED,
	DIR_QUOTA_EXCEEDED,
	DIR_BUDGET,
	DIR_HOT,
} DirectionField;

static guint64 direction_field(const VtierSnapshotDirection *d, DirectionField field)
{
	switch (field) {
	case DIR_MIGRATED:
		return d->migrated_bytes;
	case DIR_TRIED:
		return d->tried_bytes;
	case DIR_QUOTA_EXCEEDED:
		return d->quota_exceeded;
	case DIR_BUDGET:
		return d->budget_bytes;
	case DIR_HOT:
		return d->hot_bytes;
	}
	g_assert_not_reached();
}

static void render_guest_direction(Render *r, const gchar *name, const gchar *type,
				   const gchar *help, DirectionField field)
{
	family(r, name, type, help);
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);
		const VtierSnapshotDirection *dirs[] = {&g->up, &g->down};

		for (guint d = 0; d < G_N_ELEMENTS(dirs); d++) {
			if (field == DIR_HOT && dirs[d]->hot_unknown)
				continue; /* not read this interval: no sample */
			guest_labels(r->out, name, DOMAIN(r, i), "direction", direction_names[d]);
			value_u64(r->out, direction_field(dirs[d], field));
		}
	}
}

static void render_guest_directions(Render *r)
{
	render_guest_direction(r, "vtier_guest_migrated_bytes_total", "counter",
			       "Bytes DAMON migrated for a guest: up = slow to fast, down = fast "
			       "to slow (a hot-split guest: its pair's, shared by the pair's "
			       "guests).",
			       DIR_MIGRATED);
	render_guest_direction(r, "vtier_scheme_tried_bytes_total", "counter",
			       "Bytes a guest's scheme tried to migrate.", DIR_TRIED);
	render_guest_direction(r, "vtier_scheme_quota_exceeded_total", "counter",
			       "Charge windows in which a guest's scheme hit its quota.",
			       DIR_QUOTA_EXCEEDED);
	render_guest_direction(r, "vtier_guest_budget_bytes", "gauge",
			       "Migration budget per charge window set for the next interval.",
			       DIR_BUDGET);
	render_guest_direction(r, "vtier_guest_hot_bytes", "gauge",
			       "Bytes DAMON last saw hot in the direction's source node.", DIR_HOT);
}

static void render_guest_control(Render *r)
{
	family(r, "vtier_guest_controller_state", "gauge",
	       "The controller's state for a guest: 1 for the current state, 0 for the others.");
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);

		for (guint st = 0; st < VTIER_CONTROL_STATE_LAST; st++) {
			guest_labels(r->out, "vtier_guest_controller_state", DOMAIN(r, i), "state",
				     vtier_control_state_to_string(st));
			g_string_append(r->out, g->control_state == st ? " 1\n" : " 0\n");
		}
	}
}

/* What the closed loop says of each guest it drives (grant, error, survey). */
typedef enum { LOOP_GRANTED, LOOP_ERROR, LOOP_SURVEYING } LoopGauge;

static void loop_value(GString *out, const VtierSnapshotGuest *g, LoopGauge what)
{
	if (what == LOOP_GRANTED)
		value_u64(out, g->granted_fast_bytes);
	else if (what == LOOP_ERROR)
		value_double(out, (gdouble)g->control_error_bytes);
	else
		value_u64(out, g->surveying ? 1 : 0);
}

static void render_guest_loop(Render *r)
{
	static const struct {
		const gchar *name;
		const gchar *help;
	} gauges[] = {
		[LOOP_GRANTED] = { "vtier_guest_fast_granted_bytes",
				   "Fast bytes the controller granted a guest after the host "
				   "arbiter." },
		[LOOP_ERROR] = { "vtier_guest_control_error_bytes",
				 "Granted minus held fast bytes of a guest: above 0 it wants more fast "
				 "memory." },
		[LOOP_SURVEYING] = { "vtier_guest_surveying",
				     "1 while vtierd surveys a guest's pages in the slow tier (after a "
				     "ramp, Linux 7.3), else 0." },
	};

	for (guint k = 0; k < G_N_ELEMENTS(gauges); k++) {
		family(r, gauges[k].name, "gauge", gauges[k].help);
		for (guint i = 0; i < r->snapshot->guests->len; i++) {
			const VtierSnapshotGuest *g = GUEST(r, i);

			if (!vtier_snapshot_guest_has_loop(g))
				continue;
			guest_labels(r->out, gauges[k].name, DOMAIN(r, i), NULL, NULL);
			loop_value(r->out, g, (LoopGauge)k);
		}
	}
}

static void render_guest_unmovable(Render *r)
{
	family(r, "vtier_guest_unmovable_bytes", "gauge",
	       "Bytes of a guest that DAMON's migration cannot move, by reason.");
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);

		for (guint u = 0; u < g->unmovable->len; u++) {
			const VtierSnapshotUnmovable *um = g_ptr_array_index(g->unmovable, u);
			g_autofree gchar *reason = vtier_escape_metrics_label(um->reason);

			g_string_append_printf(r->out,
					       "vtier_guest_unmovable_bytes{domain=\"%s\","
					       "reason=\"%s\"}",
					       DOMAIN(r, i), reason);
			value_u64(r->out, um->bytes);
		}
	}
}

static void render_guest_chargeback(Render *r)
{
	family(r, "vtier_guest_tier_byte_seconds_total", "counter",
	       "Memory a guest held in a tier over time, in byte-seconds (chargeback of fast "
	       "vs slow memory; measured guests only).");
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);

		if (!g->measured)
			continue;
		guest_labels(r->out, "vtier_guest_tier_byte_seconds_total", DOMAIN(r, i), "tier",
			     "fast");
		value_double(r->out, g->fast_byte_seconds);
		guest_labels(r->out, "vtier_guest_tier_byte_seconds_total", DOMAIN(r, i), "tier",
			     "slow");
		value_double(r->out, g->slow_byte_seconds);
	}
}

static void render_guest_last_error(Render *r)
{
	family(r, "vtier_guest_last_error_timestamp_seconds", "gauge",
	       "When a guest last met an error (guests that met one only).");
	for (guint i = 0; i < r->snapshot->guests->len; i++) {
		const VtierSnapshotGuest *g = GUEST(r, i);

		if (g->last_error_time == 0)
			continue;
		g_string_append_printf(
		    r->out,
		    "vtier_guest_last_error_timestamp_seconds{domain=\"%s\"} %" G_GINT64_FORMAT
		    "\n",
		    DOMAIN(r, i), g->last_error_time);
	}
}

/* ---- entry points ---- */

/* The escaped name of a guest, made unique: names that differ only in invalid UTF-8 escape to
 * the same label, and a scrape with two identical series is rejected. Later ones get " (2)"... */
static gchar *unique_domain(GHashTable *taken, const gchar *name)
{
	gchar *domain = vtier_escape_metrics_label(name);

	for (guint n = 2; g_hash_table_contains(taken, domain); n++) {
		g_autofree gchar *escaped = vtier_escape_metrics_label(name);

		g_free(domain);
		domain = g_strdup_printf("%s (%u)", escaped, n);
	}
	return domain;
}

void vtier_metrics_render_to(const VtierSnapshot *snapshot, GString *out)
{
	Render r = {snapshot, out, g_ptr_array_new_with_free_func(g_free)};

	g_autoptr(GHashTable) taken = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < snapshot->guests->len; i++) {
		gchar *domain = unique_domain(taken, GUEST(&r, i)->name);

		g_ptr_array_add(r.domains, domain);
		g_hash_table_add(taken, domain);
	}
	render_build(&r);
	render_nodes(&r);
	render_counters(&r);
	render_histogram(&r, "vtier_reconcile_duration_seconds",
			 "Time one reconcile of the guests' plans took.",
			 snapshot->reconcile_seconds);
	render_histogram(&r, "vtier_damon_commit_duration_seconds",
			 "Time one DAMON state command (on, commit, ...) took.",
			 snapshot->commit_seconds);
	render_guest_info(&r);
	render_guest_memory(&r);
	render_guest_ratio(&r, "vtier_guest_fast_share_ratio",
			   "Share of a guest's memory on fast nodes (measured guests only).",
			   FALSE);
	render_guest_ratio(&r, "vtier_guest_target_fast_share_ratio",
			   "The fast share a guest's policy asks for (modes with a share target).",
			   TRUE);
	render_guest_directions(&r);
	render_guest_control(&r);
	render_guest_loop(&r);
	render_guest_unmovable(&r);
	render_guest_chargeback(&r);
	render_guest_last_error(&r);
	g_ptr_array_unref(r.domains);
}

gchar *vtier_metrics_render(const VtierSnapshot *snapshot)
{
	GString *out = g_string_sized_new(4096 + snapshot->guests->len * 4096);

	vtier_metrics_render_to(snapshot, out);
	return g_string_free(out, FALSE);
}
