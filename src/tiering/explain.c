/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-explain"

#include "config.h"

#include "tiering/controller.h"
#include "tiering/explain.h"

/* `vtierctl explain`: plain sentences about one guest, built from the snapshot alone (pure, no
 * I/O). vtierd calls this for the control socket's explain command; the sentences are raw text
 * (names and errors as they are): each sink escapes them. */

/* "4.0 GiB", with a plain space (GLib puts a no-break space there, which printf's widths
 * count as two bytes). */
static gchar *size_text(guint64 bytes)
{
	g_autofree gchar *text = g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
	g_auto(GStrv) parts = g_strsplit(text, "\u00a0", -1);

	return g_strjoinv(" ", parts);
}

static gchar *percent_text(guint bp)
{
	return bp % 100 == 0 ? g_strdup_printf("%u%%", bp / 100)
			     : g_strdup_printf("%u.%02u%%", bp / 100, bp % 100);
}

static void add(GPtrArray *out, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
static void add(GPtrArray *out, const gchar *format, ...)
{
	va_list ap;

	va_start(ap, format);
	g_ptr_array_add(out, g_strdup_vprintf(format, ap));
	va_end(ap);
}

static void explain_state(GPtrArray *out, const VtierSnapshotGuest *g)
{
	const gchar *mode = g->mode != NULL ? g->mode : "unknown";
	const gchar *origin = g->policy_origin != NULL ? g->policy_origin : "unknown";
	const gchar *reason = g->state_reason;

	switch (g->state) {
	case VTIER_GUEST_STATE_TIERING:
		add(out, "%s is tiered in mode %s (policy from %s, priority %u).", g->name, mode,
		    origin, g->priority);
		break;
	case VTIER_GUEST_STATE_PENDING:
		add(out, "%s is known but not planned yet: the next reconcile plans it.", g->name);
		break;
	case VTIER_GUEST_STATE_REFUSED:
		add(out, "vtier refused to tier %s: %s.", g->name, reason ? reason : "no reason given");
		break;
	case VTIER_GUEST_STATE_OFF:
		add(out, "%s has mode off (policy from %s): vtier leaves its memory alone.", g->name,
		    origin);
		break;
	case VTIER_GUEST_STATE_FAULT:
		add(out, "%s has a fault and is retried with backoff: %s.", g->name,
		    reason ? reason : "no reason given");
		break;
	default:
		add(out, "%s is tiered in mode %s, but its memory cannot be measured%s%s.", g->name,
		    mode, reason ? ": " : "", reason ? reason : "");
		break;
	}
	if (reason != NULL && (g->state == VTIER_GUEST_STATE_TIERING ||
			       g->state == VTIER_GUEST_STATE_PENDING || g->state == VTIER_GUEST_STATE_OFF))
		add(out, "Note: %s.", reason);
}

static gboolean is_hot_split(const VtierSnapshotGuest *g)
{
	return g_strcmp0(g->mode, "hot-split") == 0;
}

static void explain_target(GPtrArray *out, const VtierSnapshotGuest *g)
{
	g_autofree gchar *memory = size_text(g->memory_bytes);
	g_autofree gchar *target = size_text(g->target_fast_bytes);

	if (is_hot_split(g) && g->target_share_bp != VTIER_SNAPSHOT_NO_BP) {
		g_autofree gchar *share = percent_text(g->target_share_bp);

		add(out, "Its target is %s of its hot memory in the fast tier (node %d), held with "
			 "every hot-split guest of nodes %d and %d as one host-wide pair (their ratios "
			 "weighted by memory).",
		    share, g->fast_node, g->fast_node, g->slow_node);
	} else if (g->target_share_bp != VTIER_SNAPSHOT_NO_BP) {
		g_autofree gchar *share = percent_text(g->target_share_bp);

		add(out, "Its target is %s of its memory in the fast tier (node %d): %s of %s.",
		    share, g->fast_node, target, memory);
	} else if (g->target_fast_bytes > 0) {
		add(out, "Its target is %s in the fast tier (node %d), of %s of memory.", target,
		    g->fast_node, memory);
	} else {
		add(out, "Its mode sets no fast-tier target (%s of memory).", memory);
	}
}

static void explain_measured(GPtrArray *out, const VtierSnapshotGuest *g)
{
	g_autofree gchar *fast = size_text(g->fast_bytes);
	g_autofree gchar *slow = size_text(g->slow_bytes);

	if (!g->measured || g->share_bp == VTIER_SNAPSHOT_NO_BP) {
		add(out, "Where its pages are is not measured (%s), so vtier cannot say how close "
			 "it is to its target.",
		    g->memcg_path == NULL ? "no memory cgroup is known" : "no reading yet");
		return;
	}
	{
		g_autofree gchar *share = percent_text(g->share_bp);

		add(out, "Its memory cgroup holds %s in the fast tier and %s in the slow tier: %s "
			 "fast.",
		    fast, slow, share);
	}
	if (is_hot_split(g) && !g->down.hot_unknown && !g->up.hot_unknown &&
	    g->down.hot_bytes + g->up.hot_bytes > 0) {
		g_autofree gchar *hot_fast = size_text(g->down.hot_bytes);
		g_autofree gchar *hot = size_text(g->down.hot_bytes + g->up.hot_bytes);
		g_autofree gchar *hot_share = percent_text((guint)(
			(unsigned __int128)g->down.hot_bytes * 10000 /
			(g->down.hot_bytes + g->up.hot_bytes)));

		add(out, "Of the hot memory DAMON sees (the pair's), %s of %s is in the fast tier: "
			 "%s.",
		    hot_fast, hot, hot_share);
	} else if (is_hot_split(g)) {
		add(out, "DAMON has no measure of the pair's hot memory yet.");
	} else if (g->target_share_bp != VTIER_SNAPSHOT_NO_BP) {
		gint delta = (gint)g->share_bp - (gint)g->target_share_bp;
		g_autofree gchar *points = percent_text((guint)ABS(delta));

		if (ABS(delta) < 100)
			add(out, "That is within 1%% of its target.");
		else
			add(out, "That is %s %s its target.", points, delta < 0 ? "below" : "above");
	}
}

/* What DAMON last saw hot in @d's source tier, when the last measure read it. */
static void explain_hot(GPtrArray *out, const gchar *source, const VtierSnapshotDirection *d)
{
	g_autofree gchar *hot = NULL;

	if (d->hot_unknown) {
		add(out, "No reading of its hot memory in the %s tier: DAMON's status was not "
			 "read, a survey of the slow tier just began or ended (its first measures "
			 "are left out), or this kernel's refresh_ms leaves the tried regions stale "
			 "and no stat scheme measures it.",
		    source);
		return;
	}
	hot = size_text(d->hot_bytes);
	add(out, "DAMON last saw %s of it hot in the %s tier.", hot, source);
}

static void explain_direction(GPtrArray *out, const gchar *verb, const gchar *source,
			      const VtierSnapshotDirection *d)
{
	g_autofree gchar *budget = size_text(d->budget_bytes);
	g_autofree gchar *moved = size_text(d->migrated_bytes);
	g_autofree gchar *tried = size_text(d->tried_bytes);

	if (d->scheme < 0) {
		add(out, "No DAMON scheme %s its memory.", verb);
		return;
	}
	if (d->budget_bytes > 0 && d->budget_bytes < VTIER_CONTROLLER_MIN_BUDGET) {
		/* a parked scheme's quota is hit in every window that finds a page: no news */
		add(out, "DAMON scheme %d %s nothing for now: the controller parked it (a budget of "
			 "%s per charge window, less than a page); it has moved %s so far (%s tried).",
		    d->scheme, verb, budget, moved, tried);
		explain_hot(out, source, d);
		return;
	}
	add(out, "DAMON scheme %d %s up to %s per charge window; it has moved %s so far (%s "
		 "tried).",
	    d->scheme, verb, budget, moved, tried);
	if (d->walk == VTIER_SNAPSHOT_WALK_HOT)
		add(out, "It walks only the regions DAMON sees hot for now: this kernel cannot rank "
			 "them (no quotas/fail_charge), so the hot pages come first this way; it "
			 "takes every region once that walk runs dry.");
	else if (d->walk == VTIER_SNAPSHOT_WALK_EVERY)
		add(out, "It walks every region now: its walk of the regions DAMON sees hot ran "
			 "dry; the next ramp walks the hot ones first again.");
	else if (d->walk == VTIER_SNAPSHOT_WALK_AIMED)
		add(out, "It walks only where the guest's own pages lie in the %s tier (read from "
			 "kpagecgroup): walking every region moved nothing, because this kernel "
			 "charges the budget for other memory it tries (no quotas/fail_charge); it "
			 "walks %s again once the guest holds its target.",
		    source, g_str_equal(source, "slow") ? "the hot regions first" : "every region");
	else if (d->walk == VTIER_SNAPSHOT_WALK_YOUNG)
		add(out, "It takes only the guest's pages touched since the last check, wherever "
			 "they lie: its exchange swaps what a survey of every region found hot in "
			 "the slow tier, page by page, which DAMON's regions there did not show.");
	else if (d->walk == VTIER_SNAPSHOT_WALK_PRIMED)
		add(out, "A stat scheme marks the guest's pages on the fast node old ahead of it, so "
			 "it moves those untouched since on its first pass: this kernel charges it "
			 "for the pages it only marks (no quotas/fail_charge).");
	if (d->quota_exceeded > 0)
		add(out, "That quota was hit %" G_GUINT64_FORMAT " times: the budget, not what DAMON "
			 "sees, limits how fast it %s.",
		    d->quota_exceeded, verb);
	else
		add(out, "That quota was never hit: what DAMON sees, not the budget, limits it.");
	explain_hot(out, source, d);
}

static void explain_control(GPtrArray *out, const VtierSnapshotGuest *g)
{
	add(out, "The controller (tuner %s) is %s%s%s.", g->tuner ? g->tuner : "vtier",
	    vtier_control_state_to_string(g->control_state), g->control_reason ? ": " : "",
	    g->control_reason ? g->control_reason : "");
	if (vtier_snapshot_guest_has_loop(g)) {
		g_autofree gchar *granted = size_text(g->granted_fast_bytes);
		g_autofree gchar *error = size_text((guint64)ABS(g->control_error_bytes));

		if (g->control_error_bytes == 0)
			add(out, "It granted the guest %s of fast memory, and the guest holds exactly "
				 "that.",
			    granted);
		else
			add(out, "It granted the guest %s of fast memory; the guest holds %s %s.",
			    granted, error, g->control_error_bytes > 0 ? "less" : "more");
	}
	if (g->surveying)
		add(out, "vtierd is surveying the guest's pages in the slow tier, as it does for a "
			 "while after a ramp: a stat scheme counts those touched since the last "
			 "check wherever they lie, to find hot pages DAMON's regions there do not "
			 "show; what it finds hot, an exchange swaps for cold pages in the fast "
			 "tier.");
}

static const gchar *unmovable_why(const gchar *reason)
{
	if (g_strcmp0(reason, "hugetlbfs") == 0)
		return "it is backed by hugetlbfs pages, which are not on the LRU lists DAMON's "
		       "physical-address migration walks";
	if (g_strcmp0(reason, "vfio-pinned") == 0)
		return "it is pinned for a passed-through device (VFIO) and must not move";
	if (g_strcmp0(reason, "locked") == 0)
		return "the domain locks its memory (<locked/>)";
	if (g_strcmp0(reason, "numatune-strict") == 0)
		return "a strict <numatune> binds it and DAMON ignores memory policies, so vtier "
		       "does not move it";
	if (g_strcmp0(reason, "qemu-bind") == 0)
		return "QEMU binds that memory backend (policy=bind, query-memdev) to host nodes of "
		       "one tier, so vtier does not move it";
	return NULL;
}

static void explain_unmovable(GPtrArray *out, const VtierSnapshotGuest *g)
{
	for (guint i = 0; i < g->unmovable->len; i++) {
		const VtierSnapshotUnmovable *u = g_ptr_array_index(g->unmovable, i);
		g_autofree gchar *bytes = size_text(u->bytes);
		const gchar *why = unmovable_why(u->reason);

		if (why != NULL)
			add(out, "%s of its memory cannot be moved: %s.", bytes, why);
		else
			add(out, "%s of its memory cannot be moved (%s).", bytes, u->reason);
	}
}

/* The fast tier's capacity against what planned guests are promised. */
static void explain_capacity(GPtrArray *out, const VtierSnapshot *s)
{
	guint64 capacity = 0, usable;
	g_autofree gchar *promised = size_text(s->fast_promised_bytes);
	g_autofree gchar *reserve = size_text(s->fast_reserve_bytes);
	g_autofree gchar *total = NULL;

	for (guint i = 0; i < s->nodes->len; i++) {
		const VtierSnapshotNode *n = &g_array_index(s->nodes, VtierSnapshotNode, i);

		if (n->tier == VTIER_TIER_FAST)
			capacity += n->total_bytes;
	}
	if (capacity == 0)
		return;
	total = size_text(capacity);
	usable = capacity > s->fast_reserve_bytes ? capacity - s->fast_reserve_bytes : 0;
	add(out, "The fast tier holds %s; %s is kept in reserve and planned guests are promised "
		 "%s%s.",
	    total, reserve, promised,
	    s->fast_promised_bytes > usable ? ", more than it can give: targets cannot all be met"
					    : "");
}

static void explain_host(GPtrArray *out, const VtierSnapshot *s)
{
	if (s->sampler_kind == NULL || g_strcmp0(s->sampler_kind, "none") == 0)
		add(out, "No hardware access sampler is used%s%s%s: DAMON relies on page-table "
			 "accessed bits.",
		    s->sampler_reason ? " (" : "", s->sampler_reason ? s->sampler_reason : "",
		    s->sampler_reason ? ")" : "");
	else
		add(out, "DAMON samples accesses with %s%s%s.", s->sampler_kind,
		    s->sampler_reason ? ": " : "", s->sampler_reason ? s->sampler_reason : "");
	if (s->dry_run)
		add(out, "vtierd runs with --dry-run: nothing above is written to the kernel.");
	else if (s->kdamond_pid > 0)
		add(out, "vtier's kdamond is %s (pid %d) on kernel %s.",
		    s->kdamond_state ? s->kdamond_state : "unknown", s->kdamond_pid,
		    s->kernel_release ? s->kernel_release : "unknown");
	else
		add(out, "vtier's kdamond is not running (%s).",
		    s->kdamond_state ? s->kdamond_state : "unknown");
	explain_capacity(out, s);
	for (guint i = 0; i < s->warnings->len; i++)
		add(out, "Host warning: %s", (const gchar *)g_ptr_array_index(s->warnings, i));
}

GPtrArray *vtier_explain_guest(const VtierSnapshot *s, const VtierSnapshotGuest *g)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	explain_state(out, g);
	explain_target(out, g);
	explain_measured(out, g);
	explain_direction(out, "promotes (slow to fast)", "slow", &g->up);
	explain_direction(out, "demotes (fast to slow)", "fast", &g->down);
	explain_control(out, g);
	explain_unmovable(out, g);
	explain_host(out, s);
	if (g->last_error != NULL) {
		g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(g->last_error_time);
		g_autofree gchar *stamp = when ? g_date_time_format_iso8601(when) : g_strdup("?");

		add(out, "Its last error (%s): %s", stamp, g->last_error);
	} else {
		add(out, "It has no recorded errors.");
	}
	return out;
}
