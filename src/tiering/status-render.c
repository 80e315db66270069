/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <string.h>

#include "tiering/status-render.h"
#include "common/escape.h"

/* Text for `vtierctl status`, `top` and `explain`, from the snapshot alone (pure). Every string
 * that may come from a guest or the host passes vtier_escape_terminal() before it is shown. */

/* Names longer than this are cut in status's table (top cuts to its column). */
#define STATUS_NAME_MAX	 40
#define STATUS_ERROR_MAX 60

/* "4.0 GiB", with a plain space (GLib puts a no-break space there, which printf's widths
 * count as two bytes). */
static gchar *size_text(guint64 bytes)
{
	g_autofree gchar *text = g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
	g_auto(GStrv) parts = g_strsplit(text, "\u00a0", -1);

	return g_strjoinv(" ", parts);
}

static gchar *bp_text(guint bp)
{
	if (bp == VTIER_SNAPSHOT_NO_BP)
		return g_strdup("-");
	return g_strdup_printf("%u%%", (bp + 50) / 100);
}

/* Columns @text takes on a terminal (wide characters take two). */
static guint display_width(const gchar *text)
{
	guint width = 0;

	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iszerowidth(c))
			continue;
		width += g_unichar_iswide(c) ? 2 : 1;
	}
	return width;
}

gchar *vtier_render_fit(const gchar *text, guint width, gboolean pad)
{
	g_autofree gchar *escaped = vtier_escape_terminal(text);
	GString *out = g_string_new(NULL);
	guint used = 0;
	gboolean cut = display_width(escaped) > width;

	for (const gchar *p = escaped; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		guint w = g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;

		if (cut && used + w + 1 > width)
			break;
		g_string_append_unichar(out, c);
		used += w;
	}
	if (cut && width > 0) {
		g_string_append_c(out, '~');
		used++;
	}
	while (pad && used < width) {
		g_string_append_c(out, ' ');
		used++;
	}
	return g_string_free(out, FALSE);
}

gchar *vtier_render_bar(guint share_bp, guint target_bp, guint width)
{
	GString *bar = g_string_new("[");
	gint marker = -1;
	guint fast = 0;

	if (share_bp != VTIER_SNAPSHOT_NO_BP)
		fast = (guint)(((guint64)MIN(share_bp, 10000) * width + 5000) / 10000);
	if (target_bp != VTIER_SNAPSHOT_NO_BP)
		marker = (gint)MIN(((guint64)MIN(target_bp, 10000) * width + 5000) / 10000,
				   width > 0 ? width - 1 : 0);
	for (guint i = 0; i < width; i++) {
		if ((gint)i == marker)
			g_string_append_c(bar, '|');
		else if (share_bp == VTIER_SNAPSHOT_NO_BP)
			g_string_append_c(bar, '?');
		else
			g_string_append_c(bar, i < fast ? '#' : '.');
	}
	g_string_append_c(bar, ']');
	return g_string_free(bar, FALSE);
}

/* The target column: the share, else the fast bytes, else "-". */
static gchar *target_text(const VtierSnapshotGuest *g)
{
	if (g->target_share_bp != VTIER_SNAPSHOT_NO_BP)
		return bp_text(g->target_share_bp);
	if (g->target_fast_bytes > 0)
		return size_text(g->target_fast_bytes);
	return g_strdup("-");
}

static void render_host(GString *out, const VtierSnapshot *s)
{
	g_autofree gchar *version = vtier_render_fit(s->version ? s->version : "?", 40, FALSE);
	g_autofree gchar *kstate =
	    vtier_render_fit(s->kdamond_state ? s->kdamond_state : "?", 20, FALSE);
	g_autofree gchar *sampler =
	    vtier_escape_terminal(s->sampler_kind ? s->sampler_kind : "none");
	g_autofree gchar *why = vtier_escape_terminal(s->sampler_reason);
	g_autofree gchar *kernel =
	    vtier_escape_terminal(s->kernel_release ? s->kernel_release : "?");

	g_string_append_printf(out, "vtierd %s%s, snapshot %" G_GUINT64_FORMAT ", interval %u ms\n",
			       version, s->dry_run ? " (dry run: no DAMON writes)" : "",
			       s->sequence, s->interval_ms);
	if (s->kdamond_pid > 0)
		g_string_append_printf(out, "kdamond:  %s, pid %d\n", kstate, s->kdamond_pid);
	else
		g_string_append_printf(out, "kdamond:  %s\n", kstate);
	g_string_append_printf(out, "sampler:  %s%s%s\n", sampler, why[0] ? " - " : "", why);
	g_string_append_printf(out, "kernel:   %s", kernel);
	for (guint i = 0; i < s->kernel_features->len; i++) {
		g_autofree gchar *f =
		    vtier_escape_terminal(g_ptr_array_index(s->kernel_features, i));

		g_string_append_printf(out, "%s%s", i == 0 ? ", DAMON: " : " ", f);
	}
	g_string_append_c(out, '\n');
}

static void render_nodes(GString *out, const VtierSnapshot *s)
{
	g_autofree gchar *promised = size_text(s->fast_promised_bytes);
	g_autofree gchar *reserve = size_text(s->fast_reserve_bytes);

	for (guint i = 0; i < s->nodes->len; i++) {
		const VtierSnapshotNode *n = &g_array_index(s->nodes, VtierSnapshotNode, i);
		g_autofree gchar *total = size_text(n->total_bytes);
		g_autofree gchar *free_text = size_text(n->free_bytes);

		g_string_append_printf(out, "node %-3u  %-4s  %10s total  %10s free\n", n->node,
				       vtier_tier_to_string(n->tier), total, free_text);
	}
	g_string_append_printf(out, "fast tier: %s promised to guests, %s reserved\n", promised,
			       reserve);
	for (guint i = 0; i < s->warnings->len; i++) {
		g_autofree gchar *w = vtier_escape_terminal(g_ptr_array_index(s->warnings, i));

		g_string_append_printf(out, "warning:  %s\n", w);
	}
	if (s->last_reconcile_error != NULL) {
		g_autofree gchar *e = vtier_escape_terminal(s->last_reconcile_error);

		g_string_append_printf(out, "last reconcile failed: %s\n", e);
	}
}

/* One row of status's guest table. */
static void render_guest_row(GString *out, const VtierSnapshotGuest *g, guint name_width)
{
	g_autofree gchar *name = vtier_render_fit(g->name, name_width, TRUE);
	g_autofree gchar *mode = vtier_render_fit(g->mode ? g->mode : "-", 8, TRUE);
	g_autofree gchar *target = target_text(g);
	g_autofree gchar *fast = g->measured ? size_text(g->fast_bytes) : g_strdup("-");
	g_autofree gchar *slow = g->measured ? size_text(g->slow_bytes) : g_strdup("-");
	g_autofree gchar *share = bp_text(g->measured ? g->share_bp : VTIER_SNAPSHOT_NO_BP);
	g_autofree gchar *up = size_text(g->up.migrated_bytes);
	g_autofree gchar *down = size_text(g->down.migrated_bytes);
	g_autofree gchar *error =
	    vtier_render_fit(g->last_error ? g->last_error : "-", STATUS_ERROR_MAX, FALSE);

	g_string_append_printf(out, "%s  %s  %6s  %10s  %10s  %5s  %10s  %10s  %-10s  %-10s  %s\n",
			       name, mode, target, fast, slow, share, up, down,
			       vtier_guest_state_to_string(g->state),
			       vtier_control_state_to_string(g->control_state), error);
}

static void render_guest_notes(GString *out, const VtierSnapshotGuest *g)
{
	g_autofree gchar *name = vtier_render_fit(g->name, STATUS_NAME_MAX, FALSE);

	if (g->state_reason != NULL) {
		g_autofree gchar *why = vtier_escape_terminal(g->state_reason);

		g_string_append_printf(out, "  %s: %s: %s\n", name,
				       vtier_guest_state_to_string(g->state), why);
	}
	for (guint i = 0; i < g->unmovable->len; i++) {
		const VtierSnapshotUnmovable *u = g_ptr_array_index(g->unmovable, i);
		g_autofree gchar *bytes = size_text(u->bytes);
		g_autofree gchar *why = vtier_escape_terminal(u->reason);

		g_string_append_printf(out, "  %s: %s unmovable (%s)\n", name, bytes, why);
	}
	if (vtier_snapshot_guest_has_loop(g)) {
		g_autofree gchar *why =
		    vtier_escape_terminal(g->control_reason ? g->control_reason : "-");
		g_autofree gchar *granted = size_text(g->granted_fast_bytes);
		g_autofree gchar *error = size_text((guint64)ABS(g->control_error_bytes));
		g_autofree gchar *up = size_text(g->up.budget_bytes);
		g_autofree gchar *down = size_text(g->down.budget_bytes);

		g_string_append_printf(out,
				       "  %s: controller %s%s: %s (granted %s fast, error %s%s; "
				       "budgets up %s, down %s per window)\n",
				       name, vtier_control_state_to_string(g->control_state),
				       g->surveying ? ", surveying the slow tier" : "", why,
				       granted, g->control_error_bytes < 0 ? "-" : "", error, up,
				       down);
	}
}

gchar *vtier_status_render(const VtierSnapshot *s)
{
	GString *out = g_string_new(NULL);
	guint name_width = 4;

	render_host(out, s);
	render_nodes(out, s);
	g_string_append_c(out, '\n');
	if (s->guests->len == 0) {
		g_string_append(out, "No guests.\n");
		return g_string_free(out, FALSE);
	}
	for (guint i = 0; i < s->guests->len; i++) {
		const VtierSnapshotGuest *g = g_ptr_array_index(s->guests, i);
		g_autofree gchar *fitted = vtier_render_fit(g->name, STATUS_NAME_MAX, FALSE);

		name_width = MAX(name_width, display_width(fitted));
	}
	{
		g_autofree gchar *head = vtier_render_fit("NAME", name_width, TRUE);

		g_string_append_printf(
		    out, "%s  %-8s  %6s  %10s  %10s  %5s  %10s  %10s  %-10s  %-10s  %s\n", head,
		    "MODE", "TARGET", "FAST", "SLOW", "SHARE", "UP", "DOWN", "STATE", "CONTROL",
		    "LAST ERROR");
	}
	for (guint i = 0; i < s->guests->len; i++)
		render_guest_row(out, g_ptr_array_index(s->guests, i), name_width);
	for (guint i = 0; i < s->guests->len; i++)
		render_guest_notes(out, g_ptr_array_index(s->guests, i));
	return g_string_free(out, FALSE);
}

JsonNode *vtier_status_render_json(const VtierSnapshot *s)
{
	JsonObject *obj = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);
	g_autofree gchar *text = vtier_status_render(s);

	json_object_set_string_member(obj, "text", text);
	json_node_take_object(node, obj);
	return node;
}

GBytes *vtier_status_result_bytes(const VtierSnapshot *s, VtierControlView view)
{
	g_autoptr(JsonNode) node = NULL;
	gchar *text;

	if (view != VTIER_CONTROL_VIEW_TEXT)
		return vtier_snapshot_to_json_bytes(s, view == VTIER_CONTROL_VIEW_TABLE);
	node = vtier_status_render_json(s);
	text = json_to_string(node, FALSE);
	return g_bytes_new_take(text, strlen(text));
}

/* A size in at most 5 columns: "512M", "1.5G", "1023M". */
static gchar *compact_size(guint64 bytes)
{
	const gchar *units = "BKMGTPE";
	gdouble value = (gdouble)bytes;
	guint unit = 0;

	while (value >= 1024.0 && unit < 6) {
		value /= 1024.0;
		unit++;
	}
	if (unit == 0)
		return g_strdup_printf("%" G_GUINT64_FORMAT "B", bytes);
	if (value < 9.95)
		return g_strdup_printf("%.1f%c", value, units[unit]);
	return g_strdup_printf("%.0f%c", value, units[unit]);
}

/* top's columns: NAME(16) MODE(7) SHARE/TGT(9) FAST(5) SLOW(5) BAR(20) STATE(10): 78 in all. */
#define TOP_BAR 18

static void render_top_row(GString *out, const VtierSnapshotGuest *g)
{
	g_autofree gchar *name = vtier_render_fit(g->name, 16, TRUE);
	g_autofree gchar *mode = vtier_render_fit(g->mode ? g->mode : "-", 7, TRUE);
	guint share = g->measured ? g->share_bp : VTIER_SNAPSHOT_NO_BP;
	g_autofree gchar *share_text = bp_text(share);
	g_autofree gchar *target = g->target_share_bp != VTIER_SNAPSHOT_NO_BP
				       ? bp_text(g->target_share_bp)
				       : g_strdup("-");
	g_autofree gchar *split = g_strdup_printf("%s/%s", share_text, target);
	g_autofree gchar *fast = g->measured ? compact_size(g->fast_bytes) : g_strdup("-");
	g_autofree gchar *slow = g->measured ? compact_size(g->slow_bytes) : g_strdup("-");
	g_autofree gchar *bar = vtier_render_bar(share, g->target_share_bp, TOP_BAR);
	/* a guest that tiers under the closed loop shows the loop's state */
	const gchar *state_name =
	    g->state == VTIER_GUEST_STATE_TIERING && vtier_snapshot_guest_has_loop(g)
		? vtier_control_state_to_string(g->control_state)
		: vtier_guest_state_to_string(g->state);
	g_autofree gchar *state = vtier_render_fit(state_name, 10, FALSE);

	g_string_append_printf(out, "%s %s %9s %5s %5s %s %s\n", name, mode, split, fast, slow, bar,
			       state);
}

gchar *vtier_top_render(const VtierSnapshot *s)
{
	GString *out = g_string_new(NULL);
	g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(s->time_unix_ms / 1000);
	g_autofree gchar *stamp = when ? g_date_time_format(when, "%H:%M:%S UTC") : g_strdup("?");
	g_autofree gchar *kstate =
	    vtier_render_fit(s->kdamond_state ? s->kdamond_state : "?", 10, FALSE);
	g_autofree gchar *sampler =
	    vtier_render_fit(s->sampler_kind ? s->sampler_kind : "none", 8, FALSE);
	g_autofree gchar *warnings = s->warnings->len > 0
					 ? g_strdup_printf("  %u warning%s", s->warnings->len,
							   s->warnings->len == 1 ? "" : "s")
					 : g_strdup("");
	gboolean dry = s->dry_run && g_strcmp0(s->kdamond_state, "dry-run") != 0;
	g_autofree gchar *head = g_strdup_printf(
	    "vtier  %s  %u guest%s  kdamond %s  sampler %s%s%s", stamp, s->guests->len,
	    s->guests->len == 1 ? "" : "s", kstate, sampler, dry ? "  dry run" : "", warnings);
	g_autofree gchar *head_fit = vtier_render_fit(head, VTIER_TOP_WIDTH - 1, FALSE);

	g_string_append_printf(out, "%s\n", head_fit);
	g_string_append_printf(out, "%-16s %-7s %9s %5s %5s %-20s %s\n", "NAME", "MODE",
			       "SHARE/TGT", "FAST", "SLOW", "[fast#  slow.  |tgt]", "STATE");
	for (guint i = 0; i < s->guests->len; i++)
		render_top_row(out, g_ptr_array_index(s->guests, i));
	if (s->guests->len == 0)
		g_string_append(out, "No guests.\n");
	return g_string_free(out, FALSE);
}

gchar *vtier_explain_render(const gchar *name, const gchar *const *sentences)
{
	GString *out = g_string_new(NULL);
	g_autofree gchar *escaped = vtier_escape_terminal(name);

	g_string_append_printf(out, "%s\n", escaped);
	for (gsize i = 0; sentences != NULL && sentences[i] != NULL; i++) {
		g_autofree gchar *line = vtier_escape_terminal(sentences[i]);

		g_string_append_printf(out, "  %s\n", line);
	}
	return g_string_free(out, FALSE);
}
