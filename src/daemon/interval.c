/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <string.h>
#include <sys/utsname.h>

#include "common/error.h"
#include "common/paths.h"
#include "daemon/manager-private.h"
#include "virt/memcg.h"

/* The controller's seat: every [daemon] interval_ms, measure each planned guest (its memcg's
 * memory.numa_stat, its schemes' stats), run the controller step, apply the budgets it returns
 * (`quotas/bytes` + one `commit`, only when a budget changed), and rebuild the snapshot that
 * status, dump and /metrics serve. The status read and the budgets' apply run on the DAMON
 * worker (damon-worker.c): an interval that finds a job in flight skips the controller, and
 * budgets the controller sets meanwhile are applied when the worker is idle (the newest). */

enum { DIR_UP, DIR_DOWN };

static VtierDamonScheme *model_scheme(const VtierDamonModel *model, gint index)
{
	VtierDamonContext *ctx;

	if (model == NULL || index < 0 || model->kdamonds->len == 0)
		return NULL;
	ctx = ((VtierDamonKdamond *)g_ptr_array_index(model->kdamonds, 0))->context;
	if ((guint)index >= ctx->schemes->len)
		return NULL;
	return g_ptr_array_index(ctx->schemes, index);
}

/* The scheme moving the guest's memory up (PULL) or down (PUSH), -1 when none. */
static gint guest_scheme(const VtierDaemonGuest *g, gint dir)
{
	const VtierPlanGuestResult *r = g->result;

	if (r == NULL || !r->planned || r->first_scheme < 0 || r->kdamond != 0)
		return -1;
	switch (r->mode) {
	case VTIER_POLICY_MODE_RATIO:
	case VTIER_POLICY_MODE_ALLOWANCE:
	case VTIER_POLICY_MODE_HOT_SPLIT: /* the pair's, shared by its members */
		return dir == DIR_UP ? r->first_scheme : r->first_scheme + 1;
	case VTIER_POLICY_MODE_PIN_FAST:
		return dir == DIR_UP ? r->first_scheme : -1;
	case VTIER_POLICY_MODE_PIN_SLOW:
		return dir == DIR_DOWN ? r->first_scheme : -1;
	default:
		return -1;
	}
}

/* Carries the last measurement over (a snapshot rebuilt between intervals). */
static void keep_memory(VtierDaemonGuest *g, VtierSnapshotGuest *s)
{
	if (g->snap == NULL || !g->snap->measured)
		return;
	s->measured = TRUE;
	s->fast_bytes = g->snap->fast_bytes;
	s->slow_bytes = g->snap->slow_bytes;
	s->share_bp = g->snap->share_bp;
	g_array_append_vals(s->nodes, g->snap->nodes->data, g->snap->nodes->len);
}

/* Whether a libvirt guest's QEMU has exited. libvirt (or systemd) removes its memory cgroup with
 * it, a moment before libvirt's stop event and the hook's release reach vtierd: every stop of a
 * guest looked like a vanished memcg (the e2e suite's destroy logged a warning). */
static gboolean qemu_exited(const VtierDaemonGuest *g)
{
	g_autofree gchar *pid = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *stat = NULL;
	const gchar *end;

	if (g->origin != VTIER_ORIGIN_LIBVIRT || g->record == NULL || g->record->pid <= 0)
		return FALSE;
	pid = g_strdup_printf("%d", g->record->pid);
	path = vtier_path_build(VTIER_PATH_PROCFS, pid, "stat", NULL);
	if (!g_file_get_contents(path, &stat, NULL, NULL))
		return TRUE;
	/* "PID (COMM) STATE ...": a zombie not yet reaped has left its cgroup too */
	end = strrchr(stat, ')');
	return end != NULL && (g_str_has_prefix(end, ") Z") || g_str_has_prefix(end, ") X"));
}

/* A guest whose memcg cannot be read: a fault, or a libvirt guest on its way out. */
static void memcg_fault(VtierManager *m, VtierDaemonGuest *g, const GError *error)
{
	g_autofree gchar *text = NULL;

	if (!qemu_exited(g)) {
		vtier_daemon_guest_set_fault(m, g, "memcg", error->message);
		return;
	}
	text = g_strdup_printf("its QEMU (pid %d) has exited, and its memory cgroup with it: "
			       "waiting for libvirt to stop it",
			       g->record->pid);
	vtier_daemon_guest_set_stopping(m, g, text);
}

static void measure_memory(VtierManager *m, VtierCgroupVersion version, VtierDaemonGuest *g,
			   VtierSnapshotGuest *s)
{
	g_autoptr(GArray) nodes = NULL;
	g_autoptr(GError) error = NULL;

	if (g->record == NULL || g->record->memcg_path == NULL) {
		s->state_reason = g_strdup("its memory cgroup is unknown: nothing to measure");
		return;
	}
	if (!vtier_memcg_read_numa_stat(version, g->record->memcg_path, &nodes, &error)) {
		if (g->origin == VTIER_ORIGIN_ATTACH || g->planned) {
			memcg_fault(m, g, error);
			if (g->planned)
				vtier_manager_mark_dirty(m, "memcg gone");
		}
		return;
	}
	if (g->fault != NULL && g_strcmp0(g->fault->kind, "memcg") == 0) {
		vtier_daemon_guest_clear_fault(m, g);
		vtier_manager_mark_dirty(m, "memcg back");
	}
	s->measured = TRUE;
	for (guint i = 0; i < nodes->len; i++) {
		guint64 bytes = g_array_index(nodes, guint64, i);
		const VtierNode *node = vtier_topology_get_node(m->topology, i);

		if (node == NULL || node->role == VTIER_NODE_ROLE_NONE)
			continue;
		vtier_snapshot_guest_add_node(s, i,
					      node->role == VTIER_NODE_ROLE_FAST ? VTIER_TIER_FAST
										 : VTIER_TIER_SLOW,
					      bytes);
		if (node->role == VTIER_NODE_ROLE_FAST)
			s->fast_bytes += bytes;
		else
			s->slow_bytes += bytes;
	}
	if (s->fast_bytes + s->slow_bytes > 0)
		s->share_bp = (guint)(s->fast_bytes * 10000 / (s->fast_bytes + s->slow_bytes));
}

/* What one direction's scheme did during the last interval, for the controller's input. */
typedef struct {
	guint64 applied; /* sz_applied's growth */
	guint64 tried;	 /* sz_tried's growth: what the quota was charged */
	gboolean spent;	 /* qt_exceeds grew: the running window's quota is used up */
} DirectionDelta;

/* Adds the growth of the kernel's cumulative counters since the last interval. */
static void count_direction(VtierDaemonGuest *g, gint dir, gint scheme,
			    const VtierDamonKdamondStatus *status, VtierSnapshotDirection *d,
			    DirectionDelta *ret)
{
	const VtierDamonSchemeStats *st;
	guint64 applied, tried, qt;

	*ret = (DirectionDelta){ 0 };
	d->scheme = scheme;
	d->hot_unknown = TRUE;
	if (scheme < 0 || status == NULL || status->schemes == NULL ||
	    (guint)scheme >= status->schemes->len)
		return;
	st = &g_array_index(status->schemes, VtierDamonSchemeStats, scheme);
	applied = st->sz_applied;
	tried = st->sz_tried;
	qt = st->qt_exceeds;
	/* the tried regions' bytes only where this read refreshed them (not with refresh_ms);
	 * the hot stat schemes' measure replaces them (interval-hot.c) */
	d->hot_unknown = !status->tried_fresh;
	d->hot_bytes = status->tried_fresh ? st->tried_bytes : 0;
	if (g->last_scheme[dir] != scheme || applied < g->last_applied[dir]) {
		/* a new scheme (or a restarted kdamond): count from here */
		g->last_scheme[dir] = scheme;
		g->last_applied[dir] = applied;
		g->last_tried[dir] = tried;
		g->last_qt[dir] = qt;
		return;
	}
	ret->applied = applied - g->last_applied[dir];
	ret->tried = tried >= g->last_tried[dir] ? tried - g->last_tried[dir] : 0;
	ret->spent = qt > g->last_qt[dir];
	d->migrated_bytes += applied - g->last_applied[dir];
	d->tried_bytes += tried >= g->last_tried[dir] ? tried - g->last_tried[dir] : 0;
	d->quota_exceeded += qt >= g->last_qt[dir] ? qt - g->last_qt[dir] : 0;
	g->last_applied[dir] = applied;
	g->last_tried[dir] = tried;
	g->last_qt[dir] = qt;
}

static void fill_policy(VtierManager *m, VtierDaemonGuest *g, VtierSnapshotGuest *s)
{
	const VtierPolicy *p = g->policy;
	const VtierPlanGuestResult *r = g->result;

	if (g->record != NULL) {
		s->uuid = g_strdup(g->record->uuid);
		s->pid = g->record->pid;
		s->memcg_path = g_strdup(g->record->memcg_path);
		s->memory_bytes = g->record->memory_bytes;
		s->source = g_strdup(vtier_guest_source_to_string(g->record->source));
	}
	if (p != NULL) {
		s->mode = g_strdup(vtier_policy_mode_to_string(p->mode));
		s->tuner = g_strdup(vtier_policy_tuner_to_string(p->tuner));
		s->policy_origin = g_strdup(g->origin == VTIER_ORIGIN_ATTACH ? "attach" : p->origin);
		s->priority = p->priority;
		if (p->mode == VTIER_POLICY_MODE_RATIO || p->mode == VTIER_POLICY_MODE_HOT_SPLIT)
			s->target_share_bp = p->fast_ratio_bp;
		else if (p->mode == VTIER_POLICY_MODE_PIN_FAST)
			s->target_share_bp = 10000;
		else if (p->mode == VTIER_POLICY_MODE_PIN_SLOW)
			s->target_share_bp = 0;
	}
	if (r != NULL) {
		s->fast_node = r->fast_node;
		s->slow_node = r->slow_node;
		s->target_fast_bytes = r->fast_target_bytes;
	}
	(void)m;
}

static void fill_state(VtierDaemonGuest *g, VtierSnapshotGuest *s)
{
	if (g->fault != NULL) {
		s->state = VTIER_GUEST_STATE_FAULT;
		g_free(s->state_reason);
		s->state_reason = g_strdup(g->fault->message);
		s->last_error = g_strdup(g->fault->message);
		s->last_error_time = g_get_real_time() / G_USEC_PER_SEC -
				     (g_get_monotonic_time() - g->fault->since_us) / G_USEC_PER_SEC;
	} else if (g->refusal != NULL) {
		s->state = VTIER_GUEST_STATE_REFUSED;
		g_free(s->state_reason);
		s->state_reason = g_strdup(g->refusal);
	} else if (g->result != NULL && !g->result->planned) {
		s->state = g->result->mode == VTIER_POLICY_MODE_OFF ? VTIER_GUEST_STATE_OFF
								     : VTIER_GUEST_STATE_REFUSED;
		g_free(s->state_reason);
		s->state_reason = g_strdup(g->result->refusal);
	} else if (g->planned && !s->measured) {
		s->state = VTIER_GUEST_STATE_UNMEASURED;
	} else if (g->planned) {
		s->state = VTIER_GUEST_STATE_TIERING;
	} else {
		s->state = VTIER_GUEST_STATE_PENDING;
	}
	if (s->state != VTIER_GUEST_STATE_FAULT && g->policy_error != NULL) {
		s->last_error = g_strdup(g->policy_error);
		s->last_error_time = g_get_real_time() / G_USEC_PER_SEC;
	}
}

/* A new per-guest record carrying the counters of the previous one. */
static VtierSnapshotGuest *guest_record(VtierManager *m, VtierDaemonGuest *g)
{
	VtierSnapshotGuest *s = vtier_snapshot_guest_new(g->name);

	if (g->snap != NULL) {
		s->up = g->snap->up;
		s->down = g->snap->down;
		s->fast_byte_seconds = g->snap->fast_byte_seconds;
		s->slow_byte_seconds = g->snap->slow_byte_seconds;
		s->control_state = g->snap->control_state;
		s->control_reason = g_strdup(g->snap->control_reason);
		s->granted_fast_bytes = g->snap->granted_fast_bytes;
		s->control_error_bytes = g->snap->control_error_bytes;
		s->surveying = g->snap->surveying;
	}
	fill_policy(m, g, s);
	vtier_daemon_guest_unmovable(g, s, m->topology);
	return s;
}

/* The files of one of a guest's schemes that the interval uses: PULL/PUSH's moved bytes and
 * quota counters (count_direction); their tried regions' bytes stand in for the guest's hot bytes
 * while its stat schemes do not measure them (a hot-split pair's level is its hot bytes in fast
 * memory: it keeps them, in case the measure is lost), unless the kernel's refresh_ms leaves them
 * stale (the writer does not read them then), and the stat schemes' filter-passed bytes and
 * snapshots (interval-hot.c). */
static guint wanted_files(const VtierDaemonGuest *g, guint offset)
{
	const VtierPlanGuestResult *r = g->result;

	if (r->hot_stats &&
	    (offset == VTIER_PLAN_HOT_FAST_OFFSET || offset == VTIER_PLAN_HOT_SLOW_OFFSET))
		return VTIER_DAMON_STATS_HOT;
	if (r->primed && offset == r->n_schemes - 1) /* the primer: read, not used */
		return VTIER_DAMON_STATS_MOVED;
	if (r->hot_stats && g->hot_known && r->mode != VTIER_POLICY_MODE_HOT_SPLIT)
		return VTIER_DAMON_STATS_MOVED;
	return VTIER_DAMON_STATS_MOVED | VTIER_DAMON_STATS_TRIED_REGIONS;
}

/* The schemes whose stats the interval needs: those of planned guests. */
static GArray *wanted_schemes(VtierManager *m)
{
	GArray *wanted = g_array_new(FALSE, FALSE, sizeof(VtierDamonStatsWant));
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const VtierDaemonGuest *g = value;

		if (g->result == NULL || !g->result->planned || g->result->first_scheme < 0)
			continue;
		for (guint i = 0; i < g->result->n_schemes; i++) {
			VtierDamonStatsWant want = { (guint)g->result->first_scheme + i,
						     wanted_files(g, i) };

			g_array_append_val(wanted, want);
		}
	}
	return wanted;
}

/* Whether plan result @r is a share that vtier's closed loop holds: ratio or allowance with
 * tuner=vtier. */
static gboolean loop_holds_share(const VtierPlanGuestResult *r)
{
	return r->tuner == VTIER_POLICY_TUNER_VTIER &&
	       (r->mode == VTIER_POLICY_MODE_RATIO || r->mode == VTIER_POLICY_MODE_ALLOWANCE);
}

/* Whether guest @g's PULL @pull is one the plan has walk its hot regions only: a closed loop's PULL
 * planned with a hot threshold, which the planner gives it only on a kernel without fail_charge
 * (planner-schemes.c, walk_hot_first). */
static gboolean pull_walks_hot_first(const VtierDamonScheme *pull, const VtierDaemonGuest *g)
{
	return pull != NULL && pull->action == VTIER_DAMON_ACTION_MIGRATE_HOT &&
	       pull->nr_accesses.min > 0 && loop_holds_share(g->result);
}

static void controller_input(VtierDaemonGuest *g, const VtierSnapshotGuest *s,
			     const VtierDamonModel *plan_model, const DirectionDelta delta[2],
			     VtierControllerInput *in)
{
	VtierDamonScheme *up = model_scheme(plan_model, s->up.scheme);
	VtierDamonScheme *down = model_scheme(plan_model, s->down.scheme);

	in->key = g->name;
	in->mode = g->policy->mode;
	in->tuner = g->result->tuner;
	in->priority = g->policy->priority;
	in->target_share_bp = s->target_share_bp;
	in->target_fast_bytes = s->target_fast_bytes;
	in->measured = s->measured;
	in->fast_bytes = s->fast_bytes;
	in->slow_bytes = s->slow_bytes;
	in->hot_fast_bytes = s->down.hot_bytes;
	in->hot_slow_bytes = s->up.hot_bytes;
	in->applied_up_bytes = delta[DIR_UP].applied;
	in->applied_down_bytes = delta[DIR_DOWN].applied;
	in->spent_up = delta[DIR_UP].spent;
	in->spent_down = delta[DIR_DOWN].spent;
	in->cap_up_bytes = up != NULL ? up->quotas.bytes : 0;
	in->cap_down_bytes = down != NULL ? down->quotas.bytes : 0;
	/* hot_*_bytes are the guest's hot stat schemes' measure (interval-hot.c); without them
	 * (6.12, or no measure yet) they are the PULL/PUSH tried bytes, what those schemes'
	 * patterns match, not the guest's hot memory */
	in->hot_unknown = !g->hot_known;
	in->hot_walk = pull_walks_hot_first(up, g);
	in->young_pull = g->survey_left > 0; /* survey_slow */
	in->elapsed_ms = g->last_measure_us > 0 && g->prev_measure_us > 0
				 ? (guint)((g->last_measure_us - g->prev_measure_us) / 1000)
				 : 0;
	in->window_ms = up != NULL ? (guint)up->quotas.reset_interval_ms
		       : down != NULL ? (guint)down->quotas.reset_interval_ms
				      : 1000;
}

/* Scheme @scheme's entry in m->budgets, made with @bytes (and nothing else) when it has none. */
static VtierBudget *budget_of(VtierManager *m, guint scheme, guint64 bytes)
{
	VtierBudget *b = g_hash_table_lookup(m->budgets, GUINT_TO_POINTER(scheme + 1));

	if (b == NULL) {
		b = g_new0(VtierBudget, 1);
		b->bytes = bytes;
		g_hash_table_insert(m->budgets, GUINT_TO_POINTER(scheme + 1), b);
	}
	return b;
}

static void set_budget(VtierManager *m, gint scheme, guint64 bytes, gboolean *changed)
{
	VtierBudget *b;

	if (scheme < 0)
		return;
	b = g_hash_table_lookup(m->budgets, GUINT_TO_POINTER((guint)scheme + 1));
	if (b != NULL && b->bytes == bytes)
		return;
	budget_of(m, (guint)scheme, bytes)->bytes = bytes;
	*changed = TRUE;
}

static gboolean walks_hot_first(VtierManager *m, const VtierDaemonGuest *g, gint scheme)
{
	return pull_walks_hot_first(model_scheme(m->plan != NULL ? m->plan->model : NULL, scheme),
				    g);
}

static VtierSnapshotWalk walk_of(VtierManager *m, const VtierDaemonGuest *g, gint scheme)
{
	const VtierBudget *b;

	b = scheme >= 0 ? g_hash_table_lookup(m->budgets, GUINT_TO_POINTER((guint)scheme + 1))
			: NULL;
	if (b != NULL && b->young)
		return VTIER_SNAPSHOT_WALK_YOUNG;
	if (scheme < 0 || !walks_hot_first(m, g, scheme))
		return VTIER_SNAPSHOT_WALK_NONE;
	if (b == NULL || !b->wide)
		return VTIER_SNAPSHOT_WALK_HOT;
	return b->n_aim > 0 ? VTIER_SNAPSHOT_WALK_AIMED : VTIER_SNAPSHOT_WALK_EVERY;
}

/* A wide walk (a PULL widened, a PUSH) that still moves nothing pays its budget for the other
 * memory of its source node: other guests' pages (the memcg filter rejects them after the
 * charge) and the kernel's. The walk resumes where the last window stopped, so a guest a few MiB
 * off with a budget of a few MiB waits for the walk to come round to its pages (6.18, three
 * guests: 288 MiB tried in 85 s, nothing moved). Aimed, the scheme walks only the spans of
 * node @source where the guest's pages lie (kpagecgroup, read again each time the aimed walk
 * moves nothing for three intervals); core addr filters keep the rest out without charging the
 * quota. */
static gboolean aim_walk(VtierManager *m, VtierDaemonGuest *g, VtierBudget *b, gint source,
			 const gchar *what, gboolean *changed)
{
	const VtierNode *node = source >= 0 ? vtier_topology_get_node(m->topology, (guint)source)
					    : NULL;
	g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(VtierMemcgSpan));
	g_autoptr(GArray) found = NULL;
	g_autoptr(GError) error = NULL;
	guint64 bytes = 0, covered = 0;
	guint n;

	if (node == NULL || g->record == NULL || g->record->memcg_path == NULL)
		return FALSE;
	for (guint i = 0; i < node->ranges->len; i++) {
		const VtierPhysRange *r = &g_array_index(node->ranges, VtierPhysRange, i);

		g_array_append_val(spans, ((VtierMemcgSpan){ r->start, r->end }));
	}
	if (!vtier_memcg_map(vtier_memcg_host_version(), g->record->memcg_path, spans,
			     VTIER_AIM_MAX_SPANS, VTIER_AIM_JOIN_BYTES, &found, &bytes, &error)) {
		if (!g->aim_failed)
			g_warning("%s: cannot find its pages on node %d, so its schemes walk every "
				  "region: %s", g->name, source, error->message);
		g->aim_failed = TRUE;
		return FALSE;
	}
	g->aim_failed = FALSE;
	n = found->len;
	if (n == b->n_aim &&
	    (n == 0 || memcmp(found->data, b->aim, n * sizeof(VtierMemcgSpan)) == 0))
		return TRUE;
	for (guint i = 0; i < n; i++) {
		const VtierMemcgSpan *sp = &g_array_index(found, VtierMemcgSpan, i);

		covered += sp->end - sp->start;
	}
	g_debug("%s: its %s walks %.1f MiB of its pages on node %d in %u spans of %.1f MiB",
		g->name, what, (gdouble)bytes / (1 << 20), source, n, (gdouble)covered / (1 << 20));
	if (n > 0)
		memcpy(b->aim, found->data, n * sizeof(VtierMemcgSpan));
	b->n_aim = n;
	*changed = TRUE;
	return TRUE;
}

/* A PULL that walks the guest's hot regions first (kernels without fail_charge) is widened to
 * every region once that walk runs dry, and narrowed again when the guest holds its target:
 *  - dry: its last two intervals, with the budget open throughout (three steps in a row left it
 *    >= 1 MiB), together tried less than one window's budget: the walk found fewer hot regions
 *    than it may take. Two, because a window that resumes the walk past the last hot region
 *    ends early and the next starts over; and tried bytes, not qt_exceeds, which 6.18 counts
 *    only when the next window starts (a first window that moved its whole 32 MiB read as
 *    budget left over, in the lab). Or three intervals in a row that tried a budget's worth
 *    and moved < 1 MiB: the hot regions left are other memory's (other guests' hot pages,
 *    charged all the same);
 *  - wide, three intervals in a row that tried a budget's worth and moved < 1 MiB: it is aimed
 *    at the guest's own pages (aim_walk), and aimed again when that walk moves nothing;
 *  - holding: the next ramp (a new target, a guest that slipped) takes the hot pages first.
 * Sets *@changed when the width or the aim changes. */
static void walk_pull(VtierManager *m, VtierDaemonGuest *g, gint scheme,
		      const VtierControllerOutput *out, gboolean *changed)
{
	VtierBudget *b;
	gboolean open, dry;
	guint64 least; /* the smaller budget of the last two intervals */

	if (scheme < 0 || !walks_hot_first(m, g, scheme))
		return;
	b = budget_of(m, (guint)scheme, VTIER_CONTROLLER_PARKED_BYTES);
	open = b->bytes >= VTIER_CONTROLLER_MIN_MOVE;
	if (out->state == VTIER_CONTROL_STATE_HOLDING ||
	    out->state == VTIER_CONTROL_STATE_EXCHANGING) {
		*changed |= b->wide;
		b->wide = FALSE;
		b->n_aim = 0;
		g->up_open = 0;
		g->up_fruitless = 0;
		return;
	}
	if (!g->up_seen)
		return;
	g->up_open = open ? g->up_open + 1 : 0;
	least = MIN(b->bytes, g->up_budget_before);
	g->up_budget_before = b->bytes;
	if (g->up_open < 2) {
		g->up_fruitless = 0;
		return;
	}
	dry = g->up_open >= 3 && g->up_tried + g->up_tried_before < least;
	g->up_fruitless = g->up_tried >= least && g->up_moved < VTIER_CONTROLLER_MIN_MOVE
				  ? g->up_fruitless + 1 : 0;
	if (b->wide) {
		/* one kpagecgroup read a step, host-wide (each is up to ~0.25 s of the main loop):
		 * a guest that did not get one keeps its count and reads at a later step */
		if (g->up_fruitless >= 3 && m->aims_left > 0) {
			m->aims_left--;
			g->up_fruitless = 0;
			aim_walk(m, g, b, g->result->slow_node, "PULL", changed);
		}
		return;
	}
	if (dry || g->up_fruitless >= 3) {
		g_debug("%s: its PULL's walk of hot regions ran dry (%s): it takes every region "
			"now", g->name, dry ? "two intervals tried less than a window's budget"
					    : "3 intervals moved < 1 MiB");
		b->wide = TRUE;
		g->up_fruitless = 0;
		*changed = TRUE;
	}
}

/* The survey (kernels with fail_charge and the hot stat schemes: 7.3). DAMON's regions on the
 * slow node can hide what is left of a hot set there: a few hot pages scattered among many cold
 * ones leave their region below the hot threshold, the slow node's hot stat reads 0 and no
 * exchange starts. e2e on 7.3 (CI, 2 of 7 runs): the guest held 49.7% with 22 of its 64 MiB hot
 * set slow and "0.0 MiB hot in slow memory", DAMON seeing 22 of the 42 fast. When a ramp ends,
 * vtierd widens the slow node's hot stat to every region for VTIER_SURVEY_STEPS steps: its young
 * filter then counts the guest's pages there touched since the last check, wherever they lie
 * (an rmap walk per page of the guest on the slow node, per application). The survey is aimed
 * at the spans of the slow node where the guest's pages lie (kpagecgroup, as aim_walk does for a
 * PULL): widened, the stat walks every page of its regions through its filters each
 * application, and on a CXL node of hundreds of GiB the rest of the node would cost far more
 * than the guest's own pages. A guest with no page there gets no survey; one whose pages cannot
 * be read gets it unaimed. For the first VTIER_SURVEY_SKIP measures after the change (and the
 * first after its end) the guest has no reading of its hot memory (interval-hot.c): the first
 * pass counts the pages no check had marked yet as young. Should the controller exchange, the
 * survey lasts as long as the exchange, and the PULL is kept to the young pages too (b->young,
 * reconcile.c): ranked by DAMON's regions it took the pages of the regions it saw hottest, not
 * the ones the survey counted. An exchange that DAMON's regions started goes on without a
 * survey and with the PULL as planned. Returns whether the survey is on or due. */
#define VTIER_SURVEY_STEPS 10
/* Measures left out after a survey's start; after its end one (DAMON's regions need no first
 * pass, and a quiet host measures every 4 s: [daemon] settled_interval_ms). */
#define VTIER_SURVEY_SKIP 3
/* At most one survey a minute: an exchange's PUSH over a guest's THPs moves whole 2 MiB folios
 * for the bytes of the regions it is charged, so at 1 MiB a window it moved 16 MiB in one step;
 * the ramp back ended in a survey of its own, which found the next 2 MiB, and so on: 15 MiB
 * migrated in the e2e's 30 s "settled" window (7.3, 7 Dec 2026). */
#define VTIER_SURVEY_EVERY_US (60 * G_USEC_PER_SEC)
/* Its steps count only while the guest holds without exchanging: a ramp back from an exchange's
 * overshoot (whole THPs again: its PUSH moved 4 MiB to the PULL's 2) took the survey's 10 steps
 * with 24.5 MiB found and 12 MiB of the hot set still slow, and no exchange followed (e2e run 13,
 * 7.3). However it goes, a survey ends after this many steps that were not an exchange's (the
 * base interval's: a minute). */
#define VTIER_SURVEY_MAX_STEPS 60

static gboolean surveys(VtierManager *m, const VtierDaemonGuest *g)
{
	const VtierPlanGuestResult *r = g->result;
	const VtierDamonScheme *pull;

	if (r == NULL || !r->planned || !r->hot_stats || r->first_scheme < 0 || r->kdamond != 0 ||
	    !loop_holds_share(r))
		return FALSE;
	pull = model_scheme(m->plan != NULL ? m->plan->model : NULL, r->first_scheme);
	return pull != NULL && pull->action == VTIER_DAMON_ACTION_MIGRATE_HOT &&
	       pull->quotas.fail_charge_denom > 0;
}

static gboolean survey_slow(VtierManager *m, VtierDaemonGuest *g, const VtierControllerOutput *out,
			    gboolean *changed)
{
	VtierControlState was = g->last_state;
	gboolean exchanging = out->state == VTIER_CONTROL_STATE_EXCHANGING;
	gint64 now = g_get_monotonic_time();
	VtierBudget *b;
	gboolean wide;

	g->last_state = out->state;
	if (!surveys(m, g)) {
		g->survey_left = 0;
		g->survey_due = FALSE;
		return FALSE;
	}
	/* an exchange that DAMON's regions started (no survey on) goes on without one: a survey
	 * begun then would hold the measure its exchange judges its progress by for
	 * VTIER_SURVEY_SKIP steps. A ramp does not end one, nor count among its steps: the ramp
	 * back from an exchange's overshoot cut the survey short with 13 MiB of a hot set still
	 * slow (e2e, 7.3), and later took all of its steps (VTIER_SURVEY_MAX_STEPS). */
	if (out->state != VTIER_CONTROL_STATE_HOLDING)
		g->survey_due = FALSE;
	else if ((was == VTIER_CONTROL_STATE_RAMPING || was == VTIER_CONTROL_STATE_CAPPED) &&
		 (g->survey_began_us == 0 || now - g->survey_began_us >= VTIER_SURVEY_EVERY_US))
		g->survey_due = TRUE;
	b = budget_of(m, (guint)(g->result->first_scheme + VTIER_PLAN_HOT_SLOW_OFFSET), 0);
	/* aimed at the guest's pages there (one kpagecgroup read a step host-wide: a survey that
	 * did not get one begins at a later step); none there, nothing to survey */
	if (g->survey_due && m->aims_left > 0) {
		m->aims_left--;
		g->survey_due = FALSE;
		if (aim_walk(m, g, b, g->result->slow_node, "survey", changed) && b->n_aim == 0) {
			g->survey_left = 0;
		} else {
			g->survey_left = VTIER_SURVEY_STEPS;
			g->survey_began_us = now;
			g->survey_age = 0;
		}
	} else if (g->survey_left > 0 && !exchanging) {
		if (++g->survey_age >= VTIER_SURVEY_MAX_STEPS)
			g->survey_left = 0;
		else if (out->state == VTIER_CONTROL_STATE_HOLDING)
			g->survey_left--;
	}
	wide = g->survey_left > 0;
	if (b->wide != wide) {
		g_debug("%s: %s its survey of its pages on the slow node", g->name,
			wide ? "begins" : "ends");
		b->wide = wide;
		if (!wide)
			b->n_aim = 0;
		g->hot_skip = wide ? VTIER_SURVEY_SKIP : 1; /* interval-hot.c, hot_of */
		*changed = TRUE;
	}
	b = budget_of(m, (guint)g->result->first_scheme, VTIER_CONTROLLER_PARKED_BYTES);
	if (b->young != (exchanging && wide)) {
		b->young = exchanging && wide;
		*changed = TRUE;
	}
	return wide || g->survey_due;
}

/* The scheme index of guest @r's PUSH primer (the last of its group), or -1 where its plan has
 * none. */
static gint primer_scheme(const VtierPlanGuestResult *r)
{
	return r != NULL && r->primed && r->first_scheme >= 0
		       ? r->first_scheme + (gint)r->n_schemes - 1
		       : -1;
}

/* The PUSH's primer (planner-schemes.c, plan_scheme_prime: kernels without fail_charge) marks
 * the guest's pages on the fast node old so that the PUSH moves them on its first pass. It walks
 * while the PUSH has a budget to move with, and is parked otherwise: each page it looks at costs
 * an rmap walk, which a guest that holds its share has no use for. */
static void prime_push(VtierManager *m, const VtierDaemonGuest *g, guint64 down_bytes,
		       gboolean *changed)
{
	const VtierPlanGuestResult *r = g->result;

	if (r == NULL || !r->planned || primer_scheme(r) < 0 || r->kdamond != 0)
		return;
	set_budget(m, primer_scheme(r),
		   down_bytes >= VTIER_CONTROLLER_MIN_MOVE ? VTIER_PLAN_PRIME_BYTES
							   : VTIER_PLAN_PARKED_BYTES,
		   changed);
}

/* Whether @scheme is a PUSH the plan charges for every byte it tries (no quotas/fail_charge):
 * the closed loop's PUSH there walks every region of the fast node in address order
 * (planner-schemes.c). */
static gboolean push_pays_tries(VtierManager *m, gint scheme)
{
	const VtierDamonScheme *push = model_scheme(m->plan != NULL ? m->plan->model : NULL, scheme);

	return push != NULL && push->action == VTIER_DAMON_ACTION_MIGRATE_COLD &&
	       push->quotas.fail_charge_denom == 0;
}

/* A closed loop's PUSH on a kernel without fail_charge that tried a budget's worth and moved
 * < 1 MiB three intervals in a row is aimed at the guest's own pages on the fast node, as a wide
 * PULL is (aim_walk): the move down of a guest a few points over its target walked node 0's
 * other memory at 2 MiB a window (e2e, 6.18). The aim goes when the guest holds its target. */
static void walk_push(VtierManager *m, VtierDaemonGuest *g, gint scheme,
		      const VtierControllerOutput *out, gboolean *changed)
{
	gboolean exchanging = out->state == VTIER_CONTROL_STATE_EXCHANGING;
	gboolean ramping = out->state == VTIER_CONTROL_STATE_RAMPING ||
			   out->state == VTIER_CONTROL_STATE_CAPPED;
	VtierBudget *b;
	guint64 least; /* the smaller budget of the last two intervals */
	gboolean cold, ramp_cold; /* ramp_cold: a move down kept to the cold regions */

	if (scheme < 0 || !push_pays_tries(m, scheme))
		return;
	b = g_hash_table_lookup(m->budgets, GUINT_TO_POINTER((guint)scheme + 1));
	if (b == NULL)
		return;
	/* parked, it keeps where its walk stopped (reconcile.c, vtier_budget_apply) */
	if (!b->keep_walk) {
		b->keep_walk = TRUE;
		*changed = TRUE;
	}
	/* a probe's exchange takes out the guest's pages that DAMON sees cold (the old hot set):
	 * a PUSH over every region paid its few MiB a window for the hot pages the PULL had just
	 * brought in, in the low addresses where it begins its walk, and did not reach the old
	 * ones (6.18, the benchmark's moving workload, 6 Dec 2026). A move down that follows the
	 * exchange (its PULL brought in more than its PUSH took out) keeps to them too: over every
	 * region, the PUSH paid for those same hot pages again, and moved nothing of 2-12 MiB a
	 * window for 9 s while the share stood 2.7 points over its target (7 Dec 2026) */
	cold = exchanging || (b->cold && ramping);
	if (b->cold != cold) {
		b->cold = cold;
		*changed = TRUE;
	}
	ramp_cold = cold && !exchanging;
	if (out->state == VTIER_CONTROL_STATE_HOLDING) {
		*changed |= b->n_aim > 0;
		b->n_aim = 0;
		g->down_fruitless = 0;
		return;
	}
	/* a probe's exchange (controller-loop.c, probe) asks the PUSH for a few MiB a window to
	 * take out the guest's old pages: walking every region of the fast node it moved nothing
	 * in 8 steps (6.18, the benchmark's moving workload, 6 Dec 2026), so it is aimed at once */
	if (exchanging && b->n_aim == 0 &&
	    out->down_bytes >= VTIER_CONTROLLER_MIN_MOVE && m->aims_left > 0) {
		m->aims_left--;
		g->down_fruitless = 0;
		aim_walk(m, g, b, g->result->fast_node, "PUSH", changed);
		return;
	}
	if (!g->up_seen)
		return;
	least = MIN(b->bytes, g->down_budget_before);
	g->down_budget_before = b->bytes;
	/* a move down kept to the cold regions that finds none tries nothing */
	g->down_fruitless = least >= VTIER_CONTROLLER_MIN_MOVE &&
					    (g->down_tried >= least || ramp_cold) &&
					    g->down_moved < VTIER_CONTROLLER_MIN_MOVE
				    ? g->down_fruitless + 1
				    : 0;
	/* a move down kept to the cold regions that finds none of the guest's (DAMON has not yet
	 * seen the old pages go cold) walks every region again */
	if (g->down_fruitless >= 3 && ramp_cold) {
		g_debug("%s: its PUSH found no cold region of its own in 3 intervals: it walks every "
			"region now", g->name);
		b->cold = FALSE;
		g->down_fruitless = 0;
		*changed = TRUE;
		return;
	}
	/* one kpagecgroup read a step, host-wide, shared with the PULLs (walk_pull) */
	if (g->down_fruitless >= 3 && m->aims_left > 0) {
		m->aims_left--;
		g->down_fruitless = 0;
		aim_walk(m, g, b, g->result->fast_node, "PUSH", changed);
	}
}

/* Whether guest @g's PUSH walks only where the guest's pages lie (walk_push), else whether its
 * primer walks ahead of it (prime_push). */
static VtierSnapshotWalk push_walk_of(VtierManager *m, const VtierDaemonGuest *g, gint scheme)
{
	gint primer = primer_scheme(g->result);
	const VtierBudget *b;

	if (scheme < 0 || !push_pays_tries(m, scheme))
		return VTIER_SNAPSHOT_WALK_NONE;
	b = g_hash_table_lookup(m->budgets, GUINT_TO_POINTER((guint)scheme + 1));
	if (b != NULL && b->n_aim > 0)
		return VTIER_SNAPSHOT_WALK_AIMED;
	if (primer < 0)
		return VTIER_SNAPSHOT_WALK_NONE;
	b = g_hash_table_lookup(m->budgets, GUINT_TO_POINTER((guint)primer + 1));
	return b != NULL && b->bytes >= VTIER_CONTROLLER_MIN_MOVE ? VTIER_SNAPSHOT_WALK_PRIMED
								  : VTIER_SNAPSHOT_WALK_NONE;
}

/* DAMON's goal tuner reads a user_input goal's current_value as written: a tuner=kernel ratio
 * guest's PULL has the fast share as its goal, its PUSH the slow share (planner-schemes.c,
 * add_kernel_goals), so vtierd writes the measured shares there, in bp. A change below
 * VTIER_USER_INPUT_STEP_BP is not written: each write costs a commit. */
#define VTIER_USER_INPUT_STEP_BP 10

static void feed_user_input(VtierManager *m, gint scheme, guint value_bp, gboolean *changed)
{
	const VtierDamonScheme *sc = model_scheme(m->plan != NULL ? m->plan->model : NULL, scheme);
	VtierBudget *b;
	gboolean has = FALSE;

	for (guint i = 0; sc != NULL && i < sc->quotas.goals->len; i++)
		has |= ((const VtierDamonGoal *)sc->quotas.goals->pdata[i])->target_metric ==
		       VTIER_DAMON_METRIC_USER_INPUT;
	if (!has)
		return;
	b = budget_of(m, (guint)scheme, 0); /* bytes 0: the plan's cap stays */
	if (b->goal && (b->goal_value > value_bp ? b->goal_value - value_bp
						 : value_bp - b->goal_value) < VTIER_USER_INPUT_STEP_BP)
		return;
	b->goal = TRUE;
	b->goal_value = value_bp;
	*changed = TRUE;
}

static void seat_add(VtierSeatSamples *samples, gint64 us)
{
	samples->ms[samples->next++ % VTIER_SEAT_SAMPLES] = (guint)CLAMP(us / 1000, 0, G_MAXINT);
}

static guint seat_worst(const VtierSeatSamples *samples)
{
	guint most = 0;

	for (guint i = 0; i < VTIER_SEAT_SAMPLES; i++)
		most = MAX(most, samples->ms[i]);
	return most;
}

void vtier_manager_observe_lag(VtierManager *m, gint64 lag_us)
{
	seat_add(&m->lags, lag_us);
}

/* A hot-split pair (Configuration A): its members share one PULL/PUSH and one pair of hot stat
 * schemes, so the controller steps once for all of them, on their summed memory and the pair's
 * hot bytes, and every member's record shows that step. The member first by name is the lead:
 * its name keys the controller's state and its counters give the schemes' deltas (every member
 * counts the same schemes). */
typedef struct {
	VtierDaemonGuest *lead;
	VtierSnapshotGuest *lead_snap;
	DirectionDelta delta[2];
	GPtrArray *snaps; /* VtierSnapshotGuest *, the members' records */
	guint64 fast_bytes, slow_bytes;
	gboolean measured;
	guint priority;
} Pair;

static void pair_free(Pair *pair)
{
	g_ptr_array_unref(pair->snaps);
	g_free(pair);
}

static gboolean is_pair_member(const VtierDaemonGuest *g)
{
	return g->result != NULL && g->result->planned &&
	       g->result->mode == VTIER_POLICY_MODE_HOT_SPLIT && g->result->first_scheme >= 0;
}

static void pair_add(GHashTable *pairs, VtierDaemonGuest *g, VtierSnapshotGuest *s,
		     const DirectionDelta delta[2])
{
	gpointer key = GINT_TO_POINTER(g->result->first_scheme + 1);
	Pair *pair = g_hash_table_lookup(pairs, key);

	if (pair == NULL) {
		pair = g_new0(Pair, 1);
		pair->snaps = g_ptr_array_new();
		g_hash_table_insert(pairs, key, pair);
	}
	g_ptr_array_add(pair->snaps, s);
	if (s->measured) {
		pair->measured = TRUE;
		pair->fast_bytes += s->fast_bytes;
		pair->slow_bytes += s->slow_bytes;
	}
	pair->priority = MAX(pair->priority, g->policy->priority);
	if (pair->lead == NULL || strcmp(g->name, pair->lead->name) < 0) {
		pair->lead = g;
		pair->lead_snap = s;
		pair->delta[DIR_UP] = delta[DIR_UP];
		pair->delta[DIR_DOWN] = delta[DIR_DOWN];
	}
}

static void pair_input(const Pair *pair, const VtierDamonModel *plan_model,
		       VtierControllerInput *in)
{
	controller_input(pair->lead, pair->lead_snap, plan_model, pair->delta, in);
	in->priority = pair->priority;
	in->target_share_bp = pair->lead->result->hot_target_bp;
	in->target_fast_bytes = 0;
	in->measured = pair->measured;
	in->fast_bytes = pair->fast_bytes;
	in->slow_bytes = pair->slow_bytes;
}

/* Runs the controller over the measured guests and pairs (@seats: one GPtrArray of the
 * VtierSnapshotGuest records that take the step's output per input) and applies budgets that
 * changed. Returns whether every guest is quiet (VtierControllerOutput.quiet) and no budget
 * changed. */
static gboolean run_controller(VtierManager *m, GPtrArray *seats, GArray *inputs)
{
	g_autoptr(GArray) outputs = g_array_new(FALSE, TRUE, sizeof(VtierControllerOutput));
	VtierControllerHost host = { 0 };
	gboolean changed = FALSE;
	gboolean quiet = TRUE;
	gboolean surveying = FALSE; /* a survey measures at the base interval */
	gint64 now = g_get_monotonic_time();

	host.fast_capacity_bytes = vtier_manager_fast_capacity(m);
	host.interval_ms = (guint)vtier_config_get_u64(m->config, "daemon", "interval_ms");
	/* the seat's own pace, worst of the recent ones: under TCG a sanitized vtierd stepped
	 * 5-15 s apart and its budgets landed seconds late (the lab soak, 7.3); the base ticks a
	 * settled seat skipped on purpose are not its pace */
	if (m->step_last_us > 0)
		seat_add(&m->steps, MAX(now - m->step_last_us - (gint64)m->interval_skipped *
							       host.interval_ms * 1000,
					0));
	m->step_last_us = now;
	m->interval_skipped = 0;
	m->aims_left = VTIER_AIM_READS_PER_STEP;
	host.step_ms = seat_worst(&m->steps);
	host.lag_ms = seat_worst(&m->lags);
	vtier_controller_step(m->controller, &host, inputs, outputs);
	for (guint i = 0; i < outputs->len; i++) {
		VtierControllerOutput *out = &g_array_index(outputs, VtierControllerOutput, i);
		GPtrArray *seat = g_ptr_array_index(seats, i);
		VtierSnapshotGuest *s = NULL;

		for (guint j = 0; j < seat->len; j++) {
			s = g_ptr_array_index(seat, j);
			s->control_state = out->state;
			g_free(s->control_reason);
			s->control_reason = g_strdup(out->reason);
			s->granted_fast_bytes = out->granted_fast_bytes;
			s->control_error_bytes = out->error_bytes;
			if (s->up.scheme >= 0)
				s->up.budget_bytes = out->up_bytes;
			if (s->down.scheme >= 0)
				s->down.budget_bytes = out->down_bytes;
		}
		if (s != NULL && out->state == VTIER_CONTROL_STATE_KERNEL && seat->len == 1 &&
		    s->measured && s->share_bp <= 10000) {
			feed_user_input(m, s->up.scheme, s->share_bp, &changed);
			feed_user_input(m, s->down.scheme, 10000 - s->share_bp, &changed);
		}
		if (s != NULL && out->state != VTIER_CONTROL_STATE_KERNEL &&
		    out->state != VTIER_CONTROL_STATE_STATIC) {
			VtierDaemonGuest *g = g_hash_table_lookup(m->guests, s->name);

			if (g != NULL && seat->len == 1) {
				walk_pull(m, g, s->up.scheme, out, &changed);
				walk_push(m, g, s->down.scheme, out, &changed);
				s->surveying = survey_slow(m, g, out, &changed);
				surveying |= s->surveying;
				s->up.walk = walk_of(m, g, s->up.scheme);
				prime_push(m, g, out->down_bytes, &changed);
				s->down.walk = push_walk_of(m, g, s->down.scheme);
			}
			set_budget(m, s->up.scheme, out->up_bytes, &changed);
			set_budget(m, s->down.scheme, out->down_bytes, &changed);
		}
		quiet &= out->quiet;
		vtier_controller_output_clear(out);
	}
	if (changed) {
		m->budgets_decided_us = now;
		vtier_manager_apply_budgets(m);
	}
	return quiet && !changed && !surveying;
}

static void budgets_done(VtierManager *m, VtierDamonJob *job)
{
	if (!job->ok) {
		g_warning("cannot apply the controller's budgets: %s", job->error->message);
		vtier_manager_mark_dirty(m, "budget apply failed");
		return;
	}
	vtier_damon_model_free(m->applied);
	m->applied = g_steal_pointer(&job->model);
	if (m->budgets_decided_us > 0)
		vtier_manager_observe_lag(m, g_get_monotonic_time() - m->budgets_decided_us);
}

void vtier_manager_apply_budgets(VtierManager *m)
{
	VtierDamonJob *job;
	GHashTableIter iter;
	gpointer key, value;

	if (m->plan == NULL || !m->applied_ok) {
		m->budgets_pending = FALSE;
		return;
	}
	if (vtier_manager_damon_busy(m)) {
		/* never paced: applied the moment the worker is free, the newest budgets then */
		g_debug("budgets: wait for the DAMON job in flight");
		m->budgets_pending = TRUE;
		return;
	}
	if (m->dirty) {
		/* a reconcile is due and carries the budgets (overlay_budgets); the plan it replaces
		 * may hold what made it due, e.g. the memcg of a guest that just stopped, which
		 * the writer's check (or the kernel) would refuse for the whole apply (e2e, 7.3) */
		g_debug("budgets: the reconcile that is due carries them");
		m->budgets_pending = TRUE;
		return;
	}
	m->budgets_pending = FALSE;
	job = vtier_damon_job_new(VTIER_DAMON_JOB_APPLY, budgets_done);
	job->model = vtier_damon_model_copy(m->plan->model);
	g_hash_table_iter_init(&iter, m->budgets);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		VtierDamonScheme *sc = model_scheme(job->model, (gint)GPOINTER_TO_UINT(key) - 1);

		if (sc != NULL)
			vtier_budget_apply(value, sc);
	}
	vtier_budgets_hole_aims(m->budgets, job->model);
	vtier_damon_worker_launch(m, job);
}

/* @status: the kdamond's, NULL when unknown. Returns whether the controller found every guest
 * quiet (TRUE when it has none to step). */
static gboolean measure_guests(VtierManager *m, gboolean with_controller,
			       const VtierDamonKdamondStatus *status)
{
	gboolean quiet = TRUE;
	gboolean have_status = with_controller && status != NULL;
	g_autoptr(GPtrArray) seats = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GArray) inputs = g_array_new(FALSE, TRUE, sizeof(VtierControllerInput));
	g_autoptr(GHashTable) pairs =
		g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)pair_free);
	gint64 now = g_get_monotonic_time();
	/* once per interval, not per guest: it looks for the v1 hierarchy's file */
	VtierCgroupVersion version = with_controller ? vtier_memcg_host_version() : VTIER_CGROUP_V2;
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		VtierDaemonGuest *g = value;
		VtierSnapshotGuest *s = guest_record(m, g);
		DirectionDelta delta[2];

		if (with_controller)
			measure_memory(m, version, g, s);
		else
			keep_memory(g, s);
		count_direction(g, DIR_UP, guest_scheme(g, DIR_UP), have_status ? status : NULL,
				&s->up, &delta[DIR_UP]);
		count_direction(g, DIR_DOWN, guest_scheme(g, DIR_DOWN),
				have_status ? status : NULL, &s->down, &delta[DIR_DOWN]);
		s->up.walk = walk_of(m, g, s->up.scheme);
		s->down.walk = push_walk_of(m, g, s->down.scheme);
		if (with_controller) {
			g->up_tried_before = g->up_seen ? g->up_tried : 0;
			g->up_moved = delta[DIR_UP].applied;
			g->up_tried = delta[DIR_UP].tried;
			g->down_moved = delta[DIR_DOWN].applied;
			g->down_tried = delta[DIR_DOWN].tried;
			g->up_seen = have_status;
		}
		if (with_controller)
			vtier_daemon_guest_measure_hot(g, have_status ? status : NULL, s);
		if (with_controller && g->last_measure_us > 0 && s->measured) {
			gdouble dt = (gdouble)(now - g->last_measure_us) / 1e6;

			s->fast_byte_seconds += (gdouble)s->fast_bytes * dt;
			s->slow_byte_seconds += (gdouble)s->slow_bytes * dt;
		}
		if (with_controller) {
			g->prev_measure_us = g->last_measure_us;
			g->last_measure_us = now;
		}
		fill_state(g, s);
		if (with_controller && g->planned && g->policy != NULL && is_pair_member(g)) {
			pair_add(pairs, g, s, delta);
		} else if (with_controller && g->planned && g->policy != NULL &&
			   (s->up.scheme >= 0 || s->down.scheme >= 0)) {
			VtierControllerInput in = { 0 };
			GPtrArray *seat = g_ptr_array_new();

			controller_input(g, s, m->plan != NULL ? m->plan->model : NULL, delta, &in);
			g_array_append_val(inputs, in);
			g_ptr_array_add(seat, s);
			g_ptr_array_add(seats, seat);
		}
		vtier_snapshot_guest_free(g->snap);
		g->snap = s;
	}
	g_hash_table_iter_init(&iter, pairs);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		Pair *pair = value;
		VtierControllerInput in = { 0 };

		pair_input(pair, m->plan != NULL ? m->plan->model : NULL, &in);
		g_array_append_val(inputs, in);
		g_ptr_array_add(seats, g_ptr_array_ref(pair->snaps));
	}
	if (with_controller && inputs->len > 0)
		quiet = run_controller(m, seats, inputs);
	if (with_controller) {
		m->kdamond_up = have_status && status->running;
		m->kdamond_pid = have_status && status->running ? status->pid : -1;
	}
	return quiet;
}

static gboolean on_interval(gpointer user_data)
{
	vtier_manager_interval_run(user_data);
	return G_SOURCE_CONTINUE;
}

void vtier_manager_interval_start(VtierManager *m)
{
	guint64 ms = vtier_config_get_u64(m->config, "daemon", "interval_ms");

	m->interval_source = g_timeout_add((guint)CLAMP(ms, 100, 3600000), on_interval, m);
}

void vtier_manager_interval_restart(VtierManager *m)
{
	if (m->interval_source == 0)
		return; /* not running (a one-shot reconcile) */
	g_source_remove(m->interval_source);
	vtier_manager_interval_start(m);
	vtier_manager_interval_run(m);
}

/* Whether a guest set aside because its memcg could not be read can be read again; if not, its
 * fault's backoff grows (the same message: not logged again). */
static gboolean memcg_back(VtierManager *m, VtierDaemonGuest *g)
{
	g_autoptr(GArray) nodes = NULL;
	g_autoptr(GError) error = NULL;

	if (g->record == NULL || g->record->memcg_path == NULL)
		return TRUE; /* the plan says what is missing */
	if (vtier_memcg_read_numa_stat(vtier_memcg_host_version(), g->record->memcg_path, &nodes,
				       &error))
		return TRUE;
	memcg_fault(m, g, error);
	return FALSE;
}

/* A guest whose fault backoff ended is planned again; one whose memcg is still unreadable is not
 * (planning it in would write its schemes, memcg path and all, into the kdamond's files for the
 * moment until the next interval set it aside again: the faults lab read them there). */
static void retry_faults(VtierManager *m)
{
	GHashTableIter iter;
	gpointer value;
	gint64 now = g_get_monotonic_time();

	g_hash_table_iter_init(&iter, m->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		VtierDaemonGuest *g = value;

		if (g->fault == NULL || now < g->fault->retry_at_us || g->planned)
			continue;
		if (g_strcmp0(g->fault->kind, "memcg") == 0 && !memcg_back(m, g))
			continue;
		vtier_manager_mark_dirty(m, "fault retry");
		break;
	}
}

/* The next measure: at the base interval, or while every guest stays quiet (and the status read
 * worked, and nothing waits) twice the last one's, up to [daemon] settled_interval_ms. Anything
 * that is not quiet, a reconcile, or budgets waiting for the worker bring the base back. */
static void settle(VtierManager *m, gboolean quiet)
{
	guint64 base = CLAMP(vtier_config_get_u64(m->config, "daemon", "interval_ms"), 100,
			     3600000);
	guint64 most = vtier_config_get_u64(m->config, "daemon", "settled_interval_ms");

	if (!quiet || most < 2 * base || m->dirty || m->budgets_pending) {
		if (m->settled_ms != 0)
			g_debug("interval: back to %" G_GUINT64_FORMAT " ms", base);
		m->settled_ms = 0;
		m->interval_skip = 0;
		return;
	}
	m->settled_ms = (guint)MIN(m->settled_ms == 0 ? 2 * base : 2 * (guint64)m->settled_ms,
				   most);
	m->interval_skip = (guint)(m->settled_ms / base) - 1;
	g_debug("interval: every guest quiet, the next measure in %u ms", m->settled_ms);
}

static void measure_and_control(VtierManager *m, const VtierDamonKdamondStatus *status)
{
	gboolean quiet = measure_guests(m, TRUE, status);

	vtier_manager_snapshot_fill_host(m);
	retry_faults(m);
	settle(m, quiet && (status != NULL || m->applied == NULL));
}

static void status_done(VtierManager *m, VtierDamonJob *job)
{
	if (!job->ok)
		g_debug("kdamond status: %s", job->error->message);
	measure_and_control(m, job->ok ? &job->status : NULL);
}

void vtier_manager_interval_run(VtierManager *m)
{
	VtierDamonJob *job;

	if (m->interval_skip > 0 && !m->dirty && !m->budgets_pending) {
		/* settled: the guests were measured less than settled_ms ago */
		m->interval_skip--;
		m->interval_skipped++;
		retry_faults(m);
		return;
	}
	m->interval_skip = 0;

	if (vtier_manager_damon_busy(m)) {
		/* a commit (7.3) or a status read (6.18) may wait for the kdamond's next loop */
		g_debug("interval: the kdamond status is pending (a DAMON job is in flight): the "
			"controller skips this interval, the snapshot keeps its last values");
		retry_faults(m);
		return;
	}
	if (m->applied == NULL) {
		measure_and_control(m, NULL); /* no kdamond: no status to read */
		return;
	}
	job = vtier_damon_job_new(VTIER_DAMON_JOB_STATUS, status_done);
	job->wanted = wanted_schemes(m);
	vtier_damon_worker_launch(m, job);
}

void vtier_manager_snapshot_update(VtierManager *m)
{
	/* after a reconcile (or at start): measure at the base interval again */
	m->settled_ms = 0;
	m->interval_skip = 0;
	measure_guests(m, FALSE, NULL);
	vtier_manager_snapshot_fill_host(m);
}
