/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lab-damon-loop — vtier's controller holds a cgroup's fast share on a real kernel (lab only).
 *
 *   lab-damon-loop --memcg PATH [--target-pct P] [--cap-mib N] [--seconds S] [--interval-ms MS]
 *                  [--budgets vtier|static|kernel] [--pull-min-accesses N] [--push-young]
 *                  [--no-push] [--per-node] [--trace FILE] [--ready FILE]
 *
 * The closed loop of src/tiering/controller.h on the DAMON driver's C API, the way vtierd's
 * per-interval seat will run it: one kdamond, one paddr context over every memory node (sample
 * 5 ms, aggr 100 ms, update 1 s) and four schemes:
 *
 *   0 PULL migrate_hot -> the fast node, kept to the slow node's range and the cgroup; access
 *     pattern nr_accesses >= --pull-min-accesses (0: every region, hottest first by the quota's
 *     priority weights: nr_accesses 1000, age 100, size 0); quotas/bytes = the controller's
 *     budget per 1000 ms window, fail_charge 1/1024 where the kernel has it;
 *   1 PUSH migrate_cold -> the slow node, kept to the fast node's range and the cgroup, every
 *     region, coldest first by the same weights; --push-young rejects young pages (a page the
 *     workload touched since the last check is not demoted);
 *   2, 3 `stat` schemes (nr_accesses >= 1) over the fast and the slow node: their tried bytes
 *     are the hot memory DAMON sees on each node.
 *
 * Every --interval-ms: the cgroup's memory.numa_stat (fast/slow bytes), the schemes' sz_applied
 * since the last step, the stat schemes' tried bytes -> vtier_controller_step() -> the PULL and
 * PUSH quotas/bytes -> vtier_damon_driver_apply() (the writer commits only when a budget
 * changed). --budgets static keeps both at --cap-mib (the planner's fixed caps, no loop);
 * --budgets kernel is vtier's ratio with tuner=kernel: a user_input goal on each mover (PULL:
 * the target share, PUSH: its complement) whose current value is the measured share, written
 * every step (commit_schemes_quota_goals), DAMON's consist tuner under the cap.
 * At the end: "cpu kdamond_s=S loop_s=S" (the kdamonds' and this program's CPU seconds).
 * One line per step on stdout:
 *
 *   step T ELAPSED_MS fast=MiB slow=MiB share=PCT hot_fast=MiB hot_slow=MiB applied_up=MiB
 *        applied_down=MiB up=MiB down=MiB commit=0|1 commit_ms=MS state=STATE reason=TEXT
 *
 * --trace FILE gets the same steps in bytes, one per line (tests/data/controller/README.md):
 *   t_ms elapsed_ms fast slow hot_fast hot_slow applied_up applied_down up down state
 *
 * Exit 0 when every step worked, 1 when the driver failed, 2 on usage errors or outside the lab.
 */
#define G_LOG_DOMAIN "lab-damon-loop"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lab-proc.h"
#include "tiering/controller.h"
#include "tiering/damon/damon-driver.h"
#include "tiering/topology.h"
#include "virt/memcg.h"

typedef struct {
	gchar *memcg;
	gdouble target_pct;
	gint64 cap_mib;
	gdouble seconds;
	gint64 interval_ms;
	gchar *budgets;
	gint64 pull_min;
	gboolean push_young;
	gboolean no_push;
	gchar *trace;
	gchar *ready;
	gboolean per_node;
	gchar *weights;
} Options;

typedef struct {
	guint fast;
	guint slow;
	VtierPhysRange fast_span;
	VtierPhysRange slow_span;
	GArray *regions; /* VtierPhysRange: every memory node's */
	GArray *fast_regions;
	GArray *slow_regions;
} Plan;

typedef struct {
	guint64 applied[2]; /* cumulative sz_applied of PULL, PUSH */
	guint64 hot_fast;
	guint64 hot_slow;
} Reading;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static guint first_with_role(const VtierTopology *topo, VtierNodeRole role, GError **error)
{
	g_autoptr(GArray) ids = vtier_topology_nodes_with_role(topo, role);

	if (ids->len == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s node in the topology",
			    vtier_node_role_to_string(role));
		return G_MAXUINT;
	}
	return g_array_index(ids, guint, 0);
}

static VtierPhysRange node_span(const VtierNode *n)
{
	VtierPhysRange r = { g_array_index(n->ranges, VtierPhysRange, 0).start,
			     g_array_index(n->ranges, VtierPhysRange, n->ranges->len - 1).end };

	return r;
}

static gboolean plan_from_topology(Plan *p, GError **error)
{
	g_autoptr(VtierTopology) topo = vtier_topology_load(NULL, error);

	if (topo == NULL)
		return FALSE;
	p->fast = first_with_role(topo, VTIER_NODE_ROLE_FAST, error);
	if (p->fast == G_MAXUINT)
		return FALSE;
	p->slow = first_with_role(topo, VTIER_NODE_ROLE_SLOW, error);
	if (p->slow == G_MAXUINT)
		return FALSE;
	if (vtier_topology_get_node(topo, p->slow)->ranges->len == 0 ||
	    vtier_topology_get_node(topo, p->fast)->ranges->len == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "a node has no ranges");
		return FALSE;
	}
	p->slow_span = node_span(vtier_topology_get_node(topo, p->slow));
	p->fast_span = node_span(vtier_topology_get_node(topo, p->fast));
	p->regions = g_array_new(FALSE, FALSE, sizeof(VtierPhysRange));
	p->fast_regions = g_array_new(FALSE, FALSE, sizeof(VtierPhysRange));
	p->slow_regions = g_array_new(FALSE, FALSE, sizeof(VtierPhysRange));
	for (guint i = 0; i < topo->nodes->len; i++) {
		const VtierNode *n = topo->nodes->pdata[i];

		g_array_append_vals(p->regions, n->ranges->data, n->ranges->len);
		if (n->id == p->fast)
			g_array_append_vals(p->fast_regions, n->ranges->data, n->ranges->len);
		if (n->id == p->slow)
			g_array_append_vals(p->slow_regions, n->ranges->data, n->ranges->len);
	}
	printf("topology fast=%u slow=%u\n", p->fast, p->slow);
	return TRUE;
}

static void add_keep_range(VtierDamonScheme *s, VtierPhysRange keep)
{
	VtierDamonFilter *f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_ADDR);

	f->addr_start = keep.start;
	f->addr_end = keep.end;
	f->matching = FALSE;
	f->allow = FALSE;
}

static void add_memcg(VtierDamonScheme *s, const gchar *path)
{
	VtierDamonFilter *f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_MEMCG);

	g_free(f->memcg_path);
	f->memcg_path = g_strdup(path);
	f->matching = TRUE;
	f->allow = TRUE;
}

static void add_reject_young(VtierDamonScheme *s)
{
	VtierDamonFilter *f = vtier_damon_scheme_add_filter(s, VTIER_DAMON_FILTER_YOUNG);

	f->matching = TRUE;
	f->allow = FALSE;
}

/* A migrating scheme over every region, prioritised by the quota's weights. */
static guint64 weights[3] = { 0, 1000, 100 }; /* --weights SZ,NR_ACCESSES,AGE (permil) */

static VtierDamonScheme *add_mover(VtierDamonContext *c, VtierDamonAction action, guint nid,
				   const VtierDamonFeatures *f, guint64 budget)
{
	VtierDamonScheme *s = vtier_damon_context_add_scheme(c);

	s->action = action;
	s->target_nid = (gint)nid;
	s->sz = (VtierDamonRange){ 4096, G_MAXUINT64 };
	s->nr_accesses = (VtierDamonRange){ 0, G_MAXUINT32 };
	s->age = (VtierDamonRange){ 0, G_MAXUINT32 };
	s->quotas.bytes = budget;
	s->quotas.reset_interval_ms = 1000;
	s->quotas.sz_permil = weights[0];
	s->quotas.nr_accesses_permil = weights[1];
	s->quotas.age_permil = weights[2];
	if (f->fail_charge) {
		s->quotas.fail_charge_num = 1;
		s->quotas.fail_charge_denom = 1024;
	}
	return s;
}

static void add_stat(VtierDamonContext *c, VtierPhysRange keep)
{
	VtierDamonScheme *s = vtier_damon_context_add_scheme(c);

	s->action = VTIER_DAMON_ACTION_STAT;
	s->sz = (VtierDamonRange){ 4096, G_MAXUINT64 };
	s->nr_accesses = (VtierDamonRange){ 1, G_MAXUINT64 };
	s->age = (VtierDamonRange){ 0, G_MAXUINT64 };
	add_keep_range(s, keep);
}

static VtierDamonContext *add_context(VtierDamonModel *model, const GArray *regions)
{
	VtierDamonContext *c = vtier_damon_model_add_kdamond(model)->context;
	VtierDamonTarget *t;

	c->operations = VTIER_DAMON_OPS_PADDR;
	c->sample_us = 5000;
	c->aggr_us = 100000;
	c->update_us = 1000000;
	t = vtier_damon_context_add_target(c);
	for (guint i = 0; i < regions->len; i++) {
		VtierPhysRange r = g_array_index(regions, VtierPhysRange, i);

		vtier_damon_target_add_region(t, r.start, r.end);
	}
	return c;
}

/* --budgets kernel: vtier's ratio with tuner=kernel, the planner's form (a user_input goal that
 * the seat feeds from memory.numa_stat every step; DAMON's consist tuner sizes the quota under
 * quotas/bytes = the cap). current_bp: the measured share for PULL, its complement for PUSH. */
static guint kernel_current_bp = 0;

static void add_kernel_goal(VtierDamonScheme *s, const Options *o, gboolean pull)
{
	VtierDamonGoal *g;
	guint target = (guint)(o->target_pct * 100 + 0.5);

	if (g_strcmp0(o->budgets, "kernel") != 0)
		return;
	g = vtier_damon_scheme_add_goal(s);
	g->target_metric = VTIER_DAMON_METRIC_USER_INPUT;
	g->target_value = MAX(pull ? target : 10000 - target, 1);
	g->current_value = pull ? kernel_current_bp : 10000 - kernel_current_bp;
}

static void add_pull(VtierDamonContext *c, const Plan *p, const Options *o,
		     const VtierDamonFeatures *f, guint64 up)
{
	VtierDamonScheme *s = add_mover(c, VTIER_DAMON_ACTION_MIGRATE_HOT, p->fast, f, up);

	add_kernel_goal(s, o, TRUE);
	s->nr_accesses.min = (guint64)o->pull_min;
	add_keep_range(s, p->slow_span);
	add_memcg(s, o->memcg);
}

static void add_push(VtierDamonContext *c, const Plan *p, const Options *o,
		     const VtierDamonFeatures *f, guint64 down)
{
	VtierDamonScheme *s = add_mover(c, VTIER_DAMON_ACTION_MIGRATE_COLD, p->slow, f, down);

	add_kernel_goal(s, o, FALSE);
	add_keep_range(s, p->fast_span);
	if (o->push_young)
		add_reject_young(s);
	add_memcg(s, o->memcg);
}

/* One kdamond over every node (PULL, PUSH, stat fast, stat slow), or with --per-node one per
 * node (0: the slow node, PULL + stat; 1: the fast node, PUSH + stat), so that the quota's
 * priority of each mover only ranks regions of its own source node. */
static VtierDamonModel *build_model(const Plan *p, const Options *o, const VtierDamonFeatures *f,
				    guint64 up, guint64 down)
{
	g_autoptr(VtierDamonModel) model = vtier_damon_model_new();
	VtierDamonContext *c;

	if (o->per_node) {
		c = add_context(model, p->slow_regions);
		add_pull(c, p, o, f, up);
		add_stat(c, p->slow_span);
		c = add_context(model, p->fast_regions);
		add_push(c, p, o, f, down);
		add_stat(c, p->fast_span);
		return g_steal_pointer(&model);
	}
	c = add_context(model, p->regions);
	add_pull(c, p, o, f, up);
	add_push(c, p, o, f, down);
	add_stat(c, p->fast_span);
	add_stat(c, p->slow_span);
	return g_steal_pointer(&model);
}

static gboolean read_kdamond(VtierDamonDriver *d, guint k, guint nr, VtierDamonKdamondStatus *st,
			     GError **error)
{
	if (!vtier_damon_driver_read_status(d, k, st, error))
		return FALSE;
	if (!st->running || st->schemes->len != nr) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "kdamond %u is %s with %u schemes",
			    k, st->running ? "running" : "not running", st->schemes->len);
		return FALSE;
	}
	return TRUE;
}

static guint64 stat_of(const VtierDamonKdamondStatus *st, guint i, gboolean tried)
{
	const VtierDamonSchemeStats *s = &g_array_index(st->schemes, VtierDamonSchemeStats, i);

	return tried ? s->tried_bytes : s->sz_applied;
}

static gboolean read_damon(VtierDamonDriver *d, const Options *o, Reading *ret, GError **error)
{
	g_auto(VtierDamonKdamondStatus) st = { 0 };
	g_auto(VtierDamonKdamondStatus) st1 = { 0 };

	if (!read_kdamond(d, 0, o->per_node ? 2 : 4, &st, error))
		return FALSE;
	ret->applied[0] = stat_of(&st, 0, FALSE);
	if (!o->per_node) {
		ret->applied[1] = stat_of(&st, 1, FALSE);
		ret->hot_fast = stat_of(&st, 2, TRUE);
		ret->hot_slow = stat_of(&st, 3, TRUE);
		return TRUE;
	}
	if (!read_kdamond(d, 1, 2, &st1, error))
		return FALSE;
	ret->hot_slow = stat_of(&st, 1, TRUE);
	ret->applied[1] = stat_of(&st1, 0, FALSE);
	ret->hot_fast = stat_of(&st1, 1, TRUE);
	return TRUE;
}

static guint64 ctl_delta(guint64 now, guint64 before)
{
	return now > before ? now - before : 0;
}

static gboolean read_memcg(const Options *o, const Plan *p, guint64 *ret_fast, guint64 *ret_slow,
			   GError **error)
{
	g_autoptr(GArray) nodes = NULL;

	if (!vtier_memcg_read_numa_stat(VTIER_CGROUP_V2, o->memcg, &nodes, error))
		return FALSE;
	*ret_fast = p->fast < nodes->len ? g_array_index(nodes, guint64, p->fast) : 0;
	*ret_slow = p->slow < nodes->len ? g_array_index(nodes, guint64, p->slow) : 0;
	return TRUE;
}

typedef struct {
	VtierController *controller;
	VtierControllerInput in;
	VtierControllerHost host;
	guint64 up; /* the budgets in the kernel */
	guint64 down;
	Reading last;
	gint64 start_us;
	gint64 last_us;
	FILE *trace;
} Loop;

static gdouble mib(guint64 b)
{
	return (gdouble)b / (1 << 20);
}

/* The budgets of this step: the controller's, or the static caps. */
static void decide(Loop *l, const Options *o, VtierControllerOutput *ret)
{
	g_autoptr(GArray) inputs = g_array_new(FALSE, TRUE, sizeof(VtierControllerInput));
	g_autoptr(GArray) outputs = g_array_new(FALSE, TRUE, sizeof(VtierControllerOutput));

	if (g_strcmp0(o->budgets, "static") == 0 || g_strcmp0(o->budgets, "kernel") == 0) {
		guint64 total = l->in.fast_bytes + l->in.slow_bytes;

		ret->up_bytes = l->in.cap_up_bytes;
		ret->down_bytes = l->in.cap_down_bytes;
		ret->state = o->budgets[0] == 's' ? VTIER_CONTROL_STATE_STATIC
						 : VTIER_CONTROL_STATE_KERNEL;
		ret->reason = g_strdup(o->budgets[0] == 's' ? "static caps"
						 : "DAMON's tuner, user_input goal fed each step");
		kernel_current_bp = total ? (guint)(l->in.fast_bytes * 10000 / total) : 0;
	} else {
		g_array_append_val(inputs, l->in);
		vtier_controller_step(l->controller, &l->host, inputs, outputs);
		*ret = g_array_index(outputs, VtierControllerOutput, 0);
	}
	if (o->no_push)
		ret->down_bytes = VTIER_CONTROLLER_PARKED_BYTES;
}

static gboolean commit(Loop *l, VtierDamonDriver *d, const Plan *p, const Options *o,
		       const VtierControllerOutput *out, gdouble *ret_ms, GError **error)
{
	g_autoptr(VtierDamonModel) model = NULL;
	g_auto(VtierDamonApplyResult) result = { 0 };
	gint64 t0 = g_get_monotonic_time();

	*ret_ms = 0;
	if (out->up_bytes == l->up && out->down_bytes == l->down &&
	    g_strcmp0(o->budgets, "kernel") != 0)
		return TRUE;
	model = build_model(p, o, vtier_damon_driver_get_features(d), out->up_bytes,
			    out->down_bytes);
	if (!vtier_damon_driver_apply(d, model, &result, error))
		return FALSE;
	*ret_ms = (gdouble)(g_get_monotonic_time() - t0) / 1000;
	l->up = out->up_bytes;
	l->down = out->down_bytes;
	return TRUE;
}

static void print_step(Loop *l, gint64 now, const VtierControllerOutput *out, gboolean committed,
		       gdouble commit_ms)
{
	const VtierControllerInput *in = &l->in;
	guint64 total = in->fast_bytes + in->slow_bytes;

	printf("step %.2f %u fast=%.1f slow=%.1f share=%.2f hot_fast=%.1f hot_slow=%.1f "
	       "applied_up=%.1f applied_down=%.1f up=%.2f down=%.2f commit=%d commit_ms=%.1f "
	       "state=%s reason=%s\n",
	       (gdouble)(now - l->start_us) / G_USEC_PER_SEC, in->elapsed_ms, mib(in->fast_bytes),
	       mib(in->slow_bytes), total ? 100.0 * (gdouble)in->fast_bytes / (gdouble)total : 0,
	       mib(in->hot_fast_bytes), mib(in->hot_slow_bytes), mib(in->applied_up_bytes),
	       mib(in->applied_down_bytes), mib(out->up_bytes), mib(out->down_bytes), committed,
	       commit_ms, vtier_control_state_to_string(out->state), out->reason);
	if (l->trace == NULL)
		return;
	fprintf(l->trace, "%" G_GINT64_FORMAT " %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
		" %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
		" %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %s\n",
		(now - l->start_us) / 1000, in->elapsed_ms, in->fast_bytes, in->slow_bytes,
		in->hot_fast_bytes, in->hot_slow_bytes, in->applied_up_bytes,
		in->applied_down_bytes, out->up_bytes, out->down_bytes,
		vtier_control_state_to_string(out->state));
	fflush(l->trace);
}

static gboolean step(Loop *l, VtierDamonDriver *d, const Plan *p, const Options *o,
		     GError **error)
{
	VtierControllerOutput out = { 0 };
	Reading now = { { 0 } };
	gint64 t = g_get_monotonic_time();
	gdouble commit_ms = 0;
	guint64 up_before = l->up, down_before = l->down;
	gboolean ok;

	if (!read_memcg(o, p, &l->in.fast_bytes, &l->in.slow_bytes, error) ||
	    !read_damon(d, o, &now, error))
		return FALSE;
	l->in.applied_up_bytes = ctl_delta(now.applied[0], l->last.applied[0]);
	l->in.applied_down_bytes = ctl_delta(now.applied[1], l->last.applied[1]);
	l->in.hot_fast_bytes = now.hot_fast;
	l->in.hot_slow_bytes = now.hot_slow;
	l->in.elapsed_ms = (guint)((t - l->last_us) / 1000);
	l->last = now;
	l->last_us = t;
	decide(l, o, &out);
	ok = commit(l, d, p, o, &out, &commit_ms, error);
	if (ok)
		print_step(l, t, &out, up_before != l->up || down_before != l->down, commit_ms);
	vtier_controller_output_clear(&out);
	return ok;
}

static gboolean loop(Loop *l, VtierDamonDriver *d, const Plan *p, const Options *o,
		     GError **error)
{
	gint64 next = g_get_monotonic_time();

	l->start_us = next;
	l->last_us = next;
	while (!stop_requested) {
		if (!step(l, d, p, o, error))
			return FALSE;
		if (o->seconds > 0 && g_get_monotonic_time() - l->start_us >=
					      (gint64)(o->seconds * G_USEC_PER_SEC))
			break;
		next += o->interval_ms * 1000;
		while (!stop_requested && g_get_monotonic_time() < next)
			g_usleep(MIN(next - g_get_monotonic_time(), 100000));
		if (g_get_monotonic_time() > next)
			next = g_get_monotonic_time(); /* late: no catch-up burst */
	}
	return TRUE;
}

static void print_cpu(VtierDamonDriver *d, const Options *o)
{
	struct rusage ru;
	gdouble kdamond = 0;

	for (guint k = 0; k < (o->per_node ? 2u : 1u); k++) {
		g_auto(VtierDamonKdamondStatus) st = { 0 };

		if (vtier_damon_driver_read_status(d, k, &st, NULL) && st.running)
			kdamond += MAX(lab_proc_cpu_seconds(st.pid), 0);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu kdamond_s=%.2f loop_s=%.2f\n", kdamond,
	       (gdouble)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		       (gdouble)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / G_USEC_PER_SEC);
}

static gboolean run(VtierDamonDriver *d, const Plan *p, const Options *o, GError **error)
{
	Loop l = { 0 };
	VtierControllerOutput parked = { .up_bytes = VTIER_CONTROLLER_PARKED_BYTES,
					 .down_bytes = VTIER_CONTROLLER_PARKED_BYTES };
	gdouble ms;
	gboolean ok;

	if (!vtier_damon_driver_start(d, TRUE, error))
		return FALSE;
	/* without fail_charge (< 7.2) the quota is charged for pages the memcg filter rejects and
	 * for free pages: prioritised movers keep charging the regions the hot set just left and
	 * stall (6.18, docs/controller.md); address order moves on */
	if (o->weights == NULL && !vtier_damon_driver_get_features(d)->fail_charge)
		weights[0] = weights[1] = weights[2] = 0;
	printf("claim fail_charge=%d weights=%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
	       ",%" G_GUINT64_FORMAT "\n", vtier_damon_driver_get_features(d)->fail_charge,
	       weights[0], weights[1], weights[2]);
	l.in = (VtierControllerInput){ .key = "work", .mode = VTIER_POLICY_MODE_RATIO,
				       .tuner = VTIER_POLICY_TUNER_VTIER, .priority = 50,
				       .target_share_bp = (guint)(o->target_pct * 100 + 0.5),
				       .measured = TRUE,
				       .cap_up_bytes = (guint64)o->cap_mib << 20,
				       .cap_down_bytes = (guint64)o->cap_mib << 20,
				       .window_ms = 1000 };
	l.host.interval_ms = (guint)o->interval_ms;
	l.up = l.down = G_MAXUINT64; /* nothing applied yet */
	if (!commit(&l, d, p, o, &parked, &ms, error))
		return FALSE;
	printf("started (%.0f ms, schemes parked)\n", ms);
	if (o->ready != NULL && !g_file_set_contents(o->ready, "ready\n", -1, error))
		return FALSE;
	if (o->trace != NULL)
		l.trace = fopen(o->trace, "w");
	if (l.trace != NULL)
		fprintf(l.trace, "# t_ms elapsed_ms fast slow hot_fast hot_slow applied_up "
			"applied_down up down state\n");
	l.controller = vtier_controller_new();
	if (!read_damon(d, o, &l.last, error))
		return FALSE;
	ok = loop(&l, d, p, o, error);
	if (ok)
		print_cpu(d, o);
	vtier_controller_free(l.controller);
	if (l.trace != NULL)
		fclose(l.trace);
	return ok;
}

static gboolean parse_options(int argc, char **argv, Options *o)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("- vtier's controller in the lab");
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{ "memcg", 0, 0, G_OPTION_ARG_STRING, &o->memcg, "cgroup path", "PATH" },
		{ "target-pct", 0, 0, G_OPTION_ARG_DOUBLE, &o->target_pct, "share (50)", "P" },
		{ "cap-mib", 0, 0, G_OPTION_ARG_INT64, &o->cap_mib, "rate cap per window", "N" },
		{ "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &o->seconds, "run time (0: signal)", "S" },
		{ "interval-ms", 0, 0, G_OPTION_ARG_INT64, &o->interval_ms, "step (1000)", "MS" },
		{ "budgets", 0, 0, G_OPTION_ARG_STRING, &o->budgets, "vtier|static|kernel", "HOW" },
		{ "pull-min-accesses", 0, 0, G_OPTION_ARG_INT64, &o->pull_min, "PULL nr_accesses",
		  "N" },
		{ "push-young", 0, 0, G_OPTION_ARG_NONE, &o->push_young, "PUSH rejects young", NULL },
		{ "no-push", 0, 0, G_OPTION_ARG_NONE, &o->no_push, "PUSH parked", NULL },
		{ "trace", 0, 0, G_OPTION_ARG_FILENAME, &o->trace, "steps in bytes", "FILE" },
		{ "ready", 0, 0, G_OPTION_ARG_FILENAME, &o->ready, "written when started", "FILE" },
		{ "per-node", 0, 0, G_OPTION_ARG_NONE, &o->per_node, "one kdamond per node", NULL },
		{ "weights", 0, 0, G_OPTION_ARG_STRING, &o->weights, "quota weights (0,1000,100)",
		  "SZ,NR,AGE" },
		G_OPTION_ENTRY_NULL,
	};

	o->target_pct = 50;
	o->cap_mib = 32;
	o->interval_ms = 1000;
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || o->memcg == NULL ||
	    o->cap_mib <= 0 || o->interval_ms <= 0 || o->target_pct < 0 || o->target_pct > 100 ||
	    argc != 1 || (o->weights != NULL &&
			  sscanf(o->weights, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
				 ",%" G_GUINT64_FORMAT, &weights[0], &weights[1], &weights[2]) != 3) ||
	    (o->budgets != NULL && g_strcmp0(o->budgets, "vtier") != 0 &&
			  g_strcmp0(o->budgets, "static") != 0 &&
			  g_strcmp0(o->budgets, "kernel") != 0)) {
		g_printerr("usage: lab-damon-loop --memcg PATH [--target-pct P] [--cap-mib N] "
			   "[--seconds S] [--interval-ms MS] [--budgets vtier|static|kernel] "
			   "[--pull-min-accesses N] [--push-young] [--no-push] [--per-node] "
			   "[--trace FILE] [--ready FILE]%s%s\n", error != NULL ? ": " : "",
			   error != NULL ? error->message : "");
		return FALSE;
	}
	return TRUE;
}

int main(int argc, char **argv)
{
	Options o = { 0 };
	Plan p = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierDamonDriver) d = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	gboolean ok;

	if (!parse_options(argc, argv, &o))
		return 2;
	if (g_getenv("LAB_KERNEL") == NULL || access("/run/lab/cmd", F_OK) != 0 ||
	    g_strcmp0(g_getenv("VTIER_FORBID_REAL_DAMON"), "1") == 0) {
		g_printerr("lab-damon-loop writes DAMON sysfs: run it inside tests/kernel/lab\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	d = vtier_damon_driver_new(NULL);
	ok = plan_from_topology(&p, &error) && run(d, &p, &o, &error);
	if (!ok)
		g_printerr("lab-damon-loop: %s\n", error->message);
	g_clear_error(&error);
	if (vtier_damon_driver_get_writer(d) != NULL) {
		if (vtier_damon_driver_stop(d, &error))
			printf("stopped\n");
		else {
			g_printerr("lab-damon-loop: stop: %s\n", error->message);
			ok = FALSE;
		}
	}
	g_clear_pointer(&p.regions, g_array_unref);
	g_clear_pointer(&p.fast_regions, g_array_unref);
	g_clear_pointer(&p.slow_regions, g_array_unref);
	g_free(o.memcg);
	g_free(o.budgets);
	g_free(o.trace);
	g_free(o.ready);
	g_free(o.weights);
	return ok ? 0 : 1;
}
