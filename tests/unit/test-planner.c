/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "plan-scenario.h"
#include "tiering/planner.h"
#include "vtier-test.h"

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MIB (G_GUINT64_CONSTANT(1) << 20)

typedef struct {
	VtierTopology *topology;
	VtierDamonFeatures *features;
	VtierPlanOptions options;
	GPtrArray *guests;
} Fixture;

static void fixture_setup(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;

	f->topology = plan_scenario_topology_small();
	f->features = vtier_damon_features_load(profile, &error);
	g_assert_no_error(error);
	vtier_plan_options_init(&f->options);
	f->guests = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
}

static void fixture_clear(Fixture *f)
{
	vtier_topology_free(f->topology);
	vtier_damon_features_free(f->features);
	g_ptr_array_unref(f->guests);
}

static VtierPlan *plan_with(Fixture *f, const VtierPlanSlots *previous)
{
	g_autoptr(GError) error = NULL;
	VtierPlanInput input = {
		.topology = f->topology,
		.features = f->features,
		.options = &f->options,
		.guests = f->guests,
		.previous = previous,
	};
	VtierPlan *plan = vtier_planner_plan(&input, &error);

	g_assert_no_error(error);
	g_assert_nonnull(plan);
	return plan;
}

static VtierDamonContext *context_of(const VtierPlan *plan, guint k)
{
	VtierDamonKdamond *kd = g_ptr_array_index(plan->model->kdamonds, k);

	return kd->context;
}

static VtierDamonScheme *scheme_of(const VtierPlan *plan, guint k, guint s)
{
	return g_ptr_array_index(context_of(plan, k)->schemes, s);
}

static const VtierPlanGuestResult *result_of(const VtierPlan *plan, const gchar *name)
{
	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, i);

		if (g_strcmp0(r->name, name) == 0)
			return r;
	}
	g_assert_not_reached();
	return NULL;
}

static void assert_filter(const VtierDamonScheme *s, guint i, VtierDamonFilterLayer layer,
			  VtierDamonFilterType type, gboolean matching, gboolean allow)
{
	const VtierDamonFilter *filter;

	g_assert_cmpuint(i, <, s->filters->len);
	filter = g_ptr_array_index(s->filters, i);
	g_assert_cmpint(filter->layer, ==, layer);
	g_assert_cmpint(filter->type, ==, type);
	g_assert_cmpint(filter->matching, ==, matching);
	if (layer != VTIER_DAMON_LAYER_LEGACY)
		g_assert_cmpint(filter->allow, ==, allow);
}

static void add_guest(Fixture *f, guint n, VtierPolicyMode mode)
{
	g_ptr_array_add(f->guests, plan_scenario_guest(n, 8 * GIB, mode));
}

/* No guest to tier (none, all off, all refused): no kdamond monitoring all of RAM for nobody. */
static void test_plan_nothing_planned(void)
{
	for (guint round = 0; round < 3; round++) {
		Fixture f = { 0 };
		g_autoptr(VtierPlan) plan = NULL;

		fixture_setup(&f, round == 2 ? "6.12" : "7.3");
		if (round == 1) {
			add_guest(&f, 1, VTIER_POLICY_MODE_OFF);
			add_guest(&f, 2, VTIER_POLICY_MODE_OFF);
		} else if (round == 2) {
			add_guest(&f, 1, VTIER_POLICY_MODE_INTERLEAVE); /* 6.12 has no dests */
		}
		plan = plan_with(&f, NULL);
		g_assert_cmpuint(plan->model->kdamonds->len, ==, 0);
		fixture_clear(&f);
	}
}

static void test_plan_ratio_modern(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	VtierDamonContext *c;
	VtierDamonScheme *pull, *push;
	VtierDamonTarget *target;
	const VtierDamonFilter *addr;

	fixture_setup(&f, "7.3");
	add_guest(&f, 1, VTIER_POLICY_MODE_RATIO);
	plan = plan_with(&f, NULL);
	g_assert_cmpuint(plan->model->kdamonds->len, ==, 1);
	c = context_of(plan, 0);
	g_assert_cmpint(c->operations, ==, VTIER_DAMON_OPS_PADDR);
	g_assert_cmpuint(c->sample_us, ==, 5000);
	g_assert_cmpuint(c->aggr_us, ==, 100000);
	g_assert_cmpuint(c->targets->len, ==, 1);
	target = g_ptr_array_index(c->targets, 0);
	g_assert_cmpuint(target->regions->len, ==, 2);
	g_assert_cmpuint(g_array_index(target->regions, VtierDamonRegion, 1).start, ==, 4 * GIB);
	/* 7.3 counts ops-filtered bytes and applications: groups of four (PULL, PUSH, hot stats) */
	g_assert_cmpuint(plan->group_schemes, ==, VTIER_PLAN_GROUP_SCHEMES_HOT);
	g_assert_cmpuint(c->schemes->len, ==, VTIER_PLAN_GROUP_CHUNK * VTIER_PLAN_GROUP_SCHEMES_HOT);
	pull = scheme_of(plan, 0, 0);
	g_assert_cmpint(pull->action, ==, VTIER_DAMON_ACTION_MIGRATE_HOT);
	g_assert_cmpint(pull->target_nid, ==, 0);
	/* tuner=vtier: every region, hottest first by access frequency (the controller's
	 * budgets decide how much; docs/controller.md) */
	g_assert_cmpuint(pull->nr_accesses.min, ==, 0);
	g_assert_cmpuint(pull->quotas.nr_accesses_permil, ==, 1000);
	g_assert_cmpuint(pull->quotas.age_permil, ==, 0);
	/* a fresh scheme matches nothing (every range 0..0): the plan opens them */
	g_assert_cmpuint(pull->sz.max, ==, G_MAXUINT64);
	g_assert_cmpuint(pull->nr_accesses.max, ==, G_MAXUINT32);
	g_assert_cmpuint(pull->age.max, ==, G_MAXUINT32);
	g_assert_cmpuint(pull->quotas.bytes, ==, 256 * MIB);
	g_assert_cmpuint(pull->quotas.reset_interval_ms, ==, 1000);
	g_assert_cmpuint(pull->quotas.fail_charge_denom, ==, 1024);
	g_assert_cmpuint(pull->apply_interval_us, ==, 0);
	g_assert_cmpuint(pull->filters->len, ==, 2);
	/* PULL keeps only the slow node's range (reject form) and the guest's memcg */
	assert_filter(pull, 0, VTIER_DAMON_LAYER_CORE, VTIER_DAMON_FILTER_ADDR, FALSE, FALSE);
	addr = g_ptr_array_index(pull->filters, 0);
	g_assert_cmpuint(addr->addr_start, ==, 4 * GIB);
	g_assert_cmpuint(addr->addr_end, ==, 8 * GIB);
	assert_filter(pull, 1, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_MEMCG, TRUE, TRUE);
	g_assert_cmpstr(((VtierDamonFilter *)g_ptr_array_index(pull->filters, 1))->memcg_path, ==,
			"/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope");
	push = scheme_of(plan, 0, 1);
	g_assert_cmpint(push->action, ==, VTIER_DAMON_ACTION_MIGRATE_COLD);
	g_assert_cmpint(push->target_nid, ==, 1);
	g_assert_cmpuint(push->nr_accesses.max, ==, 0);
	/* tuner=vtier: no cold age (the controller decides when; young pages are rejected) */
	g_assert_cmpuint(push->age.min, ==, 0);
	g_assert_cmpuint(push->filters->len, ==, 3);
	assert_filter(push, 0, VTIER_DAMON_LAYER_CORE, VTIER_DAMON_FILTER_ADDR, FALSE, FALSE);
	assert_filter(push, 1, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_YOUNG, TRUE, FALSE);
	assert_filter(push, 2, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_MEMCG, TRUE, TRUE);
	/* the guest's hot memory on the fast (2) and the slow node (3): stat, the PULL's ... */
	for (guint s = 2; s < 4; s++) {
		VtierDamonScheme *hot = scheme_of(plan, 0, s);

		g_assert_cmpint(hot->action, ==, VTIER_DAMON_ACTION_STAT);
		g_assert_cmpuint(hot->quotas.bytes, ==, 0); /* no quota */
		/* once a second: its young filter walks every hot page's reverse map */
		g_assert_cmpuint(hot->apply_interval_us, ==, 1000000);
		g_assert_cmpuint(hot->nr_accesses.min, ==, 1);
		g_assert_cmpuint(hot->nr_accesses.max, ==, G_MAXUINT32);
		g_assert_cmpuint(hot->filters->len, ==, 3);
		assert_filter(hot, 0, VTIER_DAMON_LAYER_CORE, VTIER_DAMON_FILTER_ADDR, FALSE, FALSE);
		/* the guest's pages only (every other page rejected first, so the young filter
		 * looks at none of them), and of those only the ones touched since the last
		 * check */
		assert_filter(hot, 1, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_MEMCG, FALSE, FALSE);
		assert_filter(hot, 2, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_YOUNG, FALSE, FALSE);
		/* ... kept to one node (reject the other node's range) */
		addr = g_ptr_array_index(hot->filters, 0);
		g_assert_cmpuint(addr->addr_start, ==, s == 2 ? 0 : 4 * GIB);
	}
	g_assert_true(result_of(plan, "vm1")->hot_stats);
	g_assert_cmpuint(result_of(plan, "vm1")->n_schemes, ==, 4);
	for (guint s = 4; s < c->schemes->len; s++) {
		VtierDamonScheme *parked = scheme_of(plan, 0, s);

		g_assert_cmpint(parked->action, ==, VTIER_DAMON_ACTION_STAT);
		g_assert_cmpuint(parked->quotas.bytes, <, 4096);
		g_assert_cmpuint(parked->quotas.bytes, >, 0);
	}
	g_assert_cmpint(result_of(plan, "vm1")->first_scheme, ==, 0);
	g_assert_cmpuint(result_of(plan, "vm1")->fast_target_bytes, ==, 4 * GIB);
	fixture_clear(&f);
}

/* 6.12: filters/ only; a filter excludes what it matches (Y) or does not match (N). */
static void test_plan_ratio_legacy(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	VtierDamonScheme *pull, *push;

	fixture_setup(&f, "6.12");
	add_guest(&f, 1, VTIER_POLICY_MODE_RATIO);
	plan = plan_with(&f, NULL);
	pull = scheme_of(plan, 0, 0);
	push = scheme_of(plan, 0, 1);
	assert_filter(pull, 0, VTIER_DAMON_LAYER_LEGACY, VTIER_DAMON_FILTER_ADDR, FALSE, FALSE);
	assert_filter(pull, 1, VTIER_DAMON_LAYER_LEGACY, VTIER_DAMON_FILTER_MEMCG, FALSE, FALSE);
	assert_filter(push, 1, VTIER_DAMON_LAYER_LEGACY, VTIER_DAMON_FILTER_YOUNG, TRUE, FALSE);
	{
		g_autoptr(VtierDamonScheme) fresh = vtier_damon_scheme_new();

		g_assert_cmpuint(pull->quotas.fail_charge_num, ==, fresh->quotas.fail_charge_num);
		g_assert_cmpuint(pull->quotas.fail_charge_denom, ==,
				 fresh->quotas.fail_charge_denom);
	}
	/* no fail_charge: the PULL takes regions in address order (no priority weights), the
	 * prioritised one stalled on 6.18 (docs/controller.md); the hot regions first (at the
	 * hot threshold) until vtierd widens it */
	g_assert_cmpuint(pull->nr_accesses.min, ==, 1);
	g_assert_cmpuint(pull->quotas.nr_accesses_permil, ==, 0);
	g_assert_cmpuint(pull->quotas.age_permil, ==, 0);
	/* the PUSH too, over regions with accesses or not: the guest's cold pages lie in regions
	 * with its hot ones, its young filter keeps the hot pages (stalled on 6.18 otherwise) */
	g_assert_cmpuint(push->nr_accesses.max, ==, G_MAXUINT32);
	g_assert_cmpuint(push->quotas.nr_accesses_permil, ==, 0);
	g_assert_cmpuint(push->quotas.age_permil, ==, 0);
	g_assert_cmpuint(((VtierDamonKdamond *)g_ptr_array_index(plan->model->kdamonds, 0))
				 ->refresh_ms,
			 ==, 0);
	fixture_clear(&f);
}

static gchar *refusal_for(const gchar *profile, VtierPolicyMode mode, gboolean vaddr,
			  void (*tweak)(VtierPlanGuest *))
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	const VtierPlanGuestResult *r;
	gchar *why;

	fixture_setup(&f, profile);
	if (vaddr) {
			f.options.vaddr_kdamond = TRUE;
	}
	add_guest(&f, 1, mode);
	if (tweak != NULL)
		tweak(g_ptr_array_index(f.guests, 0));
	plan = plan_with(&f, NULL);
	r = result_of(plan, "vm1");
	why = g_strdup(r->refusal);
	g_assert_cmpint(r->planned, ==, why == NULL && mode != VTIER_POLICY_MODE_OFF);
	if (why != NULL)
		g_assert_cmpint(r->first_scheme, ==, -1);
	fixture_clear(&f);
	return why;
}

static void tuner_kernel(VtierPlanGuest *g)
{
	g->policy->tuner = VTIER_POLICY_TUNER_KERNEL;
}

static void no_memcg(VtierPlanGuest *g)
{
	g_clear_pointer(&g->memcg_path, g_free);
}

static void no_pid(VtierPlanGuest *g)
{
	g->pid = 0;
}

static void test_plan_refusals(void)
{
	const struct {
		const gchar *profile;
		VtierPolicyMode mode;
		gboolean vaddr;
		void (*tweak)(VtierPlanGuest *);
		const gchar *message; /* NULL: planned */
	} cases[] = {
		{ "6.18", VTIER_POLICY_MODE_HOT_SPLIT, FALSE, tuner_kernel,
		  "guest \"vm1\": mode hot-split needs the quota goal metric node_eligible_mem_bp "
		  "with goal nid (Linux 7.2+) for tuner=kernel, which the kernel (profile 6.18) "
		  "lacks" },
		{ "6.18", VTIER_POLICY_MODE_HOT_SPLIT, FALSE, NULL,
		  "guest \"vm1\": mode hot-split needs the scheme stats sz_ops_filter_passed and "
		  "nr_snapshots (7.3 has them, 6.18 not) to measure hot memory per node for "
		  "tuner=vtier, which the kernel (profile 6.18) lacks" },
		{ "6.12", VTIER_POLICY_MODE_HOT_SPLIT, FALSE, tuner_kernel,
		  "guest \"vm1\": mode hot-split needs the quota goal metric node_eligible_mem_bp "
		  "with goal nid (Linux 7.2+) for tuner=kernel, which the kernel (profile 6.12) "
		  "lacks" },
		{ "6.12", VTIER_POLICY_MODE_HOT_SPLIT, FALSE, NULL,
		  "guest \"vm1\": mode hot-split needs core_filters/ops_filters with allow (Linux "
		  "6.14+), which the kernel (profile 6.12) lacks" },
		{ "7.3", VTIER_POLICY_MODE_HOT_SPLIT, FALSE, NULL, NULL },
		{ "7.3", VTIER_POLICY_MODE_HOT_SPLIT, FALSE, tuner_kernel, NULL },
		{ "6.12", VTIER_POLICY_MODE_INTERLEAVE, TRUE, NULL,
		  "guest \"vm1\": mode interleave needs DAMOS dests, weighted migration "
		  "destinations (Linux 6.17+), which the kernel (profile 6.12) lacks" },
		{ "7.3", VTIER_POLICY_MODE_INTERLEAVE, FALSE, NULL,
		  "guest \"vm1\": mode interleave needs the second, vaddr kdamond: set [damon] "
		  "vaddr_kdamond=true in vtierd.conf and restart vtierd (nr_kdamonds cannot change "
		  "while a kdamond runs)" },
		{ "7.3", VTIER_POLICY_MODE_INTERLEAVE, TRUE, no_pid,
		  "guest \"vm1\": mode interleave needs the QEMU process id (unknown: is the guest "
		  "running?)" },
		{ "6.18", VTIER_POLICY_MODE_INTERLEAVE, TRUE, NULL, NULL },
		{ "6.18", VTIER_POLICY_MODE_ALLOWANCE, FALSE, tuner_kernel,
		  "guest \"vm1\": mode allowance needs the quota goal metrics "
		  "node_memcg_used_bp/node_memcg_free_bp with goal nid and path (Linux 6.19+) for "
		  "tuner=kernel (tuner=vtier works here), which the kernel (profile 6.18) lacks" },
		{ "7.3", VTIER_POLICY_MODE_ALLOWANCE, FALSE, tuner_kernel, NULL },
		{ "6.12", VTIER_POLICY_MODE_RATIO, FALSE, tuner_kernel, NULL },
		{ "7.3", VTIER_POLICY_MODE_RATIO, FALSE, no_memcg,
		  "guest \"vm1\": mode ratio needs the memory cgroup its memory is charged to "
		  "(unknown: is the guest running? `vtierctl plan` takes --memcg NAME=PATH)" },
		{ "6.12", VTIER_POLICY_MODE_MONITOR, FALSE, no_memcg,
		  "guest \"vm1\": mode monitor needs the memory cgroup its memory is charged to "
		  "(unknown: is the guest running? `vtierctl plan` takes --memcg NAME=PATH)" },
		{ "6.12", VTIER_POLICY_MODE_PIN_SLOW, FALSE, NULL, NULL },
		{ "6.12", VTIER_POLICY_MODE_OFF, FALSE, no_memcg, NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *why =
			refusal_for(cases[i].profile, cases[i].mode, cases[i].vaddr, cases[i].tweak);

		g_assert_cmpstr(why, ==, cases[i].message);
	}
}

/* Kernel-tuner goals: allowance on 7.3 uses node_memcg_*_bp with the memcg path. */
static void test_plan_kernel_goals(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	VtierDamonScheme *pull, *push;
	VtierDamonGoal *goal;

	fixture_setup(&f, "7.3");
	add_guest(&f, 1, VTIER_POLICY_MODE_ALLOWANCE); /* 2 GiB of 8 GiB, fast node 4 GiB */
	tuner_kernel(g_ptr_array_index(f.guests, 0));
	plan = plan_with(&f, NULL);
	pull = scheme_of(plan, 0, 0);
	push = scheme_of(plan, 0, 1);
	g_assert_cmpuint(pull->quotas.goals->len, ==, 1);
	goal = g_ptr_array_index(pull->quotas.goals, 0);
	g_assert_cmpint(goal->target_metric, ==, VTIER_DAMON_METRIC_NODE_MEMCG_USED_BP);
	g_assert_cmpuint(goal->target_value, ==, 5000);
	g_assert_cmpint(goal->nid, ==, 0);
	g_assert_cmpstr(goal->path, ==, "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope");
	goal = g_ptr_array_index(push->quotas.goals, 0);
	g_assert_cmpint(goal->target_metric, ==, VTIER_DAMON_METRIC_NODE_MEMCG_FREE_BP);
	g_assert_cmpuint(goal->target_value, ==, 5000);
	g_assert_cmpuint(pull->quotas.bytes, ==, 256 * MIB); /* the cap stays */
	g_assert_cmpuint(push->age.min, ==, 100); /* the cold age: 10 s in 100 ms aggregations */
	fixture_clear(&f);
}

/* A PULL over every region of the slow node ranks by access frequency only: DAMOS resets the age
 * of each region it tries, and among regions without access the youngest rank highest, so with
 * an age weight the regions it had just tried in vain (free pages, other memory) kept the whole
 * budget and a guest settled at 50% did not follow a new target of 70% (7.3, docs/controller.md).
 * The PUSH, pin-slow and the kernel tuner's hot-threshold PULL keep the age weight: there a tried
 * region drops to the bottom (coldest first) or is among hot regions (older is hotter).
 * Without fail_charge (6.18, 6.12) the PULLs over every region, the closed loop's and pin-fast's,
 * take them in address order (no weights): ranked, 6.18's quota threshold counted the hot
 * regions of the fast node, which the addr filter rejects, and the PULL stopped with the hot set
 * (pin-fast at 32 MiB/s: 66.9 of 256 MiB fast, then nothing tried for 39 s). */
static void test_plan_pull_ranking(void)
{
	static const struct {
		const gchar *profile;
		VtierPolicyMode mode;
		gboolean kernel_tuner;
		guint scheme;
		guint64 nr_accesses_permil;
		guint64 age_permil;
	} cases[] = {
		{ "7.3", VTIER_POLICY_MODE_RATIO, FALSE, 0, 1000, 0 },
		{ "7.3", VTIER_POLICY_MODE_RATIO, FALSE, 1, 1000, 100 },
		{ "7.3", VTIER_POLICY_MODE_ALLOWANCE, FALSE, 0, 1000, 0 },
		{ "7.3", VTIER_POLICY_MODE_ALLOWANCE, FALSE, 1, 1000, 100 },
		{ "7.3", VTIER_POLICY_MODE_PIN_FAST, FALSE, 0, 1000, 0 },
		{ "7.3", VTIER_POLICY_MODE_PIN_SLOW, FALSE, 0, 1000, 100 },
		{ "7.3", VTIER_POLICY_MODE_RATIO, TRUE, 0, 1000, 100 },
		{ "7.3", VTIER_POLICY_MODE_RATIO, TRUE, 1, 1000, 100 },
		{ "6.18", VTIER_POLICY_MODE_RATIO, FALSE, 0, 0, 0 },
		{ "6.18", VTIER_POLICY_MODE_ALLOWANCE, FALSE, 0, 0, 0 },
		{ "6.18", VTIER_POLICY_MODE_PIN_FAST, FALSE, 0, 0, 0 },
		{ "6.18", VTIER_POLICY_MODE_PIN_SLOW, FALSE, 0, 1000, 100 },
		{ "6.18", VTIER_POLICY_MODE_RATIO, TRUE, 0, 1000, 100 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		Fixture f = { 0 };
		g_autoptr(VtierPlan) plan = NULL;
		VtierDamonScheme *s;

		fixture_setup(&f, cases[i].profile);
		add_guest(&f, 1, cases[i].mode);
		if (cases[i].kernel_tuner)
			tuner_kernel(g_ptr_array_index(f.guests, 0));
		plan = plan_with(&f, NULL);
		s = scheme_of(plan, 0, cases[i].scheme);
		g_assert_cmpuint(s->quotas.nr_accesses_permil, ==, cases[i].nr_accesses_permil);
		g_assert_cmpuint(s->quotas.sz_permil, ==, 0);
		g_assert_cmpuint(s->quotas.age_permil, ==, cases[i].age_permil);
		g_assert_cmpuint(s->quotas.fail_charge_denom, ==,
				 f.features->fail_charge ? 1024 : 0);
		/* only where every region is a candidate; without fail_charge the closed loop's
		 * PULL walks the hot regions first, vtierd widens it (planner-schemes.c) */
		if (!f.features->fail_charge && cases[i].scheme == 0 &&
		    (cases[i].mode == VTIER_POLICY_MODE_RATIO ||
		     cases[i].mode == VTIER_POLICY_MODE_ALLOWANCE) && !cases[i].kernel_tuner)
			g_assert_cmpuint(s->nr_accesses.min, >, 0);
		else if (cases[i].age_permil == 0)
			g_assert_cmpuint(s->nr_accesses.min, ==, 0);
		fixture_clear(&f);
	}
}

static void test_plan_hot_split(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	VtierDamonScheme *pull, *push;
	VtierDamonGoal *goal;

	fixture_setup(&f, "7.3");
	add_guest(&f, 1, VTIER_POLICY_MODE_HOT_SPLIT);
	add_guest(&f, 2, VTIER_POLICY_MODE_HOT_SPLIT);
	((VtierPlanGuest *)g_ptr_array_index(f.guests, 0))->policy->fast_ratio_bp = 7000;
	((VtierPlanGuest *)g_ptr_array_index(f.guests, 1))->policy->fast_ratio_bp = 3000;
	tuner_kernel(g_ptr_array_index(f.guests, 0));
	tuner_kernel(g_ptr_array_index(f.guests, 1));
	plan = plan_with(&f, NULL);
	g_assert_cmpuint(plan->slots->owners->len, ==, VTIER_PLAN_GROUP_CHUNK);
	g_assert_cmpstr(g_ptr_array_index(plan->slots->owners, 0), ==, "hot-split:0-1");
	pull = scheme_of(plan, 0, 0);
	push = scheme_of(plan, 0, 1);
	g_assert_cmpint(pull->action, ==, VTIER_DAMON_ACTION_MIGRATE_HOT);
	g_assert_cmpint(push->action, ==, VTIER_DAMON_ACTION_MIGRATE_HOT);
	g_assert_cmpint(pull->target_nid, ==, 0);
	g_assert_cmpint(push->target_nid, ==, 1);
	g_assert_cmpint(pull->quotas.goal_tuner, ==, VTIER_DAMON_TUNER_TEMPORAL);
	goal = g_ptr_array_index(pull->quotas.goals, 0);
	g_assert_cmpint(goal->target_metric, ==, VTIER_DAMON_METRIC_NODE_ELIGIBLE_MEM_BP);
	g_assert_cmpint(goal->nid, ==, 0);
	g_assert_cmpuint(goal->target_value, ==, 5000);
	goal = g_ptr_array_index(push->quotas.goals, 0);
	g_assert_cmpint(goal->nid, ==, 1);
	g_assert_cmpuint(goal->target_value, ==, 5000);
	/* addr (reject form), then one memcg allow per guest */
	g_assert_cmpuint(pull->filters->len, ==, 3);
	assert_filter(pull, 0, VTIER_DAMON_LAYER_CORE, VTIER_DAMON_FILTER_ADDR, FALSE, FALSE);
	assert_filter(pull, 2, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_MEMCG, TRUE, TRUE);
	/* the guests ask 8 GiB of a 4 GiB fast node, and differ in their ratios */
	g_assert_cmpuint(plan->notes->len, ==, 2);
	g_assert_true(strstr(g_ptr_array_index(plan->notes, 0), "oversubscribed") != NULL);
	g_assert_true(strstr(g_ptr_array_index(plan->notes, 1), "memory-weighted mean") != NULL);
	fixture_clear(&f);
}

/* hot-split with vtier's loop: no kernel goals, the pair's hot stat schemes, every member told
 * the pair's target and tuner; a pair whose guests ask different tuners runs the first's. */
static void test_plan_hot_split_vtier(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	VtierDamonScheme *pull, *stat;

	fixture_setup(&f, "7.3");
	add_guest(&f, 1, VTIER_POLICY_MODE_HOT_SPLIT);
	add_guest(&f, 2, VTIER_POLICY_MODE_HOT_SPLIT);
	((VtierPlanGuest *)g_ptr_array_index(f.guests, 0))->policy->fast_ratio_bp = 7000;
	((VtierPlanGuest *)g_ptr_array_index(f.guests, 1))->policy->fast_ratio_bp = 3000;
	tuner_kernel(g_ptr_array_index(f.guests, 1));
	plan = plan_with(&f, NULL);
	g_assert_cmpuint(plan->group_schemes, ==, VTIER_PLAN_GROUP_SCHEMES_HOT);
	pull = scheme_of(plan, 0, 0);
	g_assert_cmpint(pull->action, ==, VTIER_DAMON_ACTION_MIGRATE_HOT);
	g_assert_cmpuint(pull->quotas.goals->len, ==, 0);
	g_assert_cmpint(pull->quotas.goal_tuner, !=, VTIER_DAMON_TUNER_TEMPORAL);
	g_assert_cmpuint(pull->quotas.fail_charge_denom, ==, 1024);
	g_assert_cmpuint(scheme_of(plan, 0, 1)->quotas.goals->len, ==, 0);
	for (guint i = 0; i < 2; i++) {
		stat = scheme_of(plan, 0, VTIER_PLAN_HOT_FAST_OFFSET + i);
		g_assert_cmpint(stat->action, ==, VTIER_DAMON_ACTION_STAT);
		g_assert_cmpuint(stat->nr_accesses.min, ==, pull->nr_accesses.min);
		/* the node's addr filter, pages not young rejected, then one memcg allow per
		 * guest */
		g_assert_cmpuint(stat->filters->len, ==, 4);
		assert_filter(stat, 1, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_YOUNG, FALSE, FALSE);
		assert_filter(stat, 2, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_MEMCG, TRUE, TRUE);
		assert_filter(stat, 3, VTIER_DAMON_LAYER_OPS, VTIER_DAMON_FILTER_MEMCG, TRUE, TRUE);
	}
	for (guint i = 0; i < 2; i++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, i);

		g_assert_true(r->planned);
		g_assert_true(r->hot_stats);
		g_assert_cmpint(r->first_scheme, ==, 0);
		g_assert_cmpuint(r->n_schemes, ==, 4);
		g_assert_cmpint(r->tuner, ==, VTIER_POLICY_TUNER_VTIER);
		g_assert_cmpuint(r->hot_target_bp, ==, 5000);
	}
	g_assert_true(strstr(g_ptr_array_index(plan->notes, plan->notes->len - 1),
			     "different tuners; the host-wide split runs tuner=vtier") != NULL);
	fixture_clear(&f);
}

static gchar *plan_json(const VtierPlan *plan)
{
	return vtier_plan_to_data(plan);
}

static void test_plan_deterministic(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) a = NULL;
	g_autoptr(VtierPlan) b = NULL;
	g_autofree gchar *ja = NULL;
	g_autofree gchar *jb = NULL;

	fixture_setup(&f, "7.3");
	for (guint n = 1; n <= 5; n++)
		add_guest(&f, n, (VtierPolicyMode)(n % VTIER_POLICY_MODE_LAST));
	a = plan_with(&f, NULL);
	/* the same guests in another order */
	g_ptr_array_add(f.guests, g_ptr_array_steal_index(f.guests, 0));
	g_ptr_array_add(f.guests, g_ptr_array_steal_index(f.guests, 1));
	b = plan_with(&f, NULL);
	ja = plan_json(a);
	jb = plan_json(b);
	g_assert_cmpstr(ja, ==, jb);
	g_assert_true(vtier_damon_model_equal(a->model, b->model));
	fixture_clear(&f);
}

/* Indexes of the schemes that differ between two plans of kdamond 0. */
static GArray *changed_schemes(const VtierPlan *a, const VtierPlan *b)
{
	GArray *changed = g_array_new(FALSE, FALSE, sizeof(guint));
	VtierDamonContext *ca = context_of(a, 0), *cb = context_of(b, 0);

	g_assert_cmpuint(ca->schemes->len, ==, cb->schemes->len);
	for (guint s = 0; s < ca->schemes->len; s++) {
		g_autoptr(VtierDamonModel) ma = vtier_damon_model_new();
		g_autoptr(VtierDamonModel) mb = vtier_damon_model_new();
		VtierDamonKdamond *ka = vtier_damon_model_add_kdamond(ma);
		VtierDamonKdamond *kb = vtier_damon_model_add_kdamond(mb);

		/* compare one scheme through the model's equality */
		g_ptr_array_add(ka->context->schemes, g_ptr_array_index(ca->schemes, s));
		g_ptr_array_add(kb->context->schemes, g_ptr_array_index(cb->schemes, s));
		if (!vtier_damon_model_equal(ma, mb))
			g_array_append_val(changed, s);
		g_ptr_array_steal_index(ka->context->schemes, 0);
		g_ptr_array_steal_index(kb->context->schemes, 0);
	}
	return changed;
}

static void remove_guest(Fixture *f, const gchar *name)
{
	for (guint i = 0; i < f->guests->len; i++) {
		VtierPlanGuest *g = g_ptr_array_index(f->guests, i);

		if (g_strcmp0(g->name, name) == 0) {
			g_ptr_array_remove_index(f->guests, i);
			return;
		}
	}
	g_assert_not_reached();
}

static void test_plan_stable_slots(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) a = NULL;
	g_autoptr(VtierPlan) b = NULL;
	g_autoptr(VtierPlan) c = NULL;
	g_autoptr(VtierPlan) d = NULL;
	g_autoptr(GArray) changed = NULL;
	gint vm3;

	fixture_setup(&f, "7.3");
	for (guint n = 1; n <= 10; n++)
		add_guest(&f, n, VTIER_POLICY_MODE_RATIO);
	a = plan_with(&f, NULL);
	g_assert_cmpuint(a->slots->owners->len, ==, 16);
	/* adding vm11 changes only its group */
	add_guest(&f, 11, VTIER_POLICY_MODE_RATIO);
	b = plan_with(&f, a->slots);
	changed = changed_schemes(a, b);
	g_assert_cmpuint(changed->len, ==, b->group_schemes);
	g_assert_cmpint(g_array_index(changed, guint, 0), ==, result_of(b, "vm11")->first_scheme);
	g_clear_pointer(&changed, g_array_unref);
	/* removing vm3 parks only its group */
	vm3 = result_of(b, "vm3")->first_scheme;
	remove_guest(&f, "vm3");
	c = plan_with(&f, b->slots);
	changed = changed_schemes(b, c);
	g_assert_cmpuint(changed->len, ==, c->group_schemes);
	g_assert_cmpint(g_array_index(changed, guint, 0), ==, vm3);
	g_assert_cmpint(scheme_of(c, 0, (guint)vm3)->action, ==, VTIER_DAMON_ACTION_STAT);
	g_clear_pointer(&changed, g_array_unref);
	/* a new guest reuses the parked group */
	add_guest(&f, 12, VTIER_POLICY_MODE_RATIO);
	d = plan_with(&f, c->slots);
	g_assert_cmpint(result_of(d, "vm12")->first_scheme, ==, vm3);
	changed = changed_schemes(c, d);
	g_assert_cmpuint(changed->len, ==, d->group_schemes);
	fixture_clear(&f);
}

static void test_plan_slots_grow_shrink(void)
{
	g_autoptr(VtierPlanSlots) shrunk = NULL;
	g_autoptr(VtierPlanSlots) back = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GError) error = NULL;

	/* 30 ratio guests need 4 chunks of 8 groups */
	{
		Fixture f = { 0 };
		g_autoptr(VtierPlan) plan = NULL;

		fixture_setup(&f, "6.18");
		for (guint n = 1; n <= 30; n++)
			add_guest(&f, n, VTIER_POLICY_MODE_RATIO);
		plan = plan_with(&f, NULL);
		g_assert_cmpuint(plan->slots->owners->len, ==, 32);
		g_assert_cmpuint(context_of(plan, 0)->schemes->len, ==, 32 * 3);
		/* down to 5 guests: 3 whole free chunks at the end, shrink to 1 chunk */
		while (f.guests->len > 5)
			g_ptr_array_remove_index(f.guests, f.guests->len - 1);
		shrunk = vtier_plan_slots_copy(plan->slots);
		g_clear_pointer(&plan, vtier_plan_free);
		plan = plan_with(&f, shrunk);
		g_assert_cmpuint(plan->slots->owners->len, ==, 8);
		node = vtier_plan_slots_to_json(plan->slots);
		back = vtier_plan_slots_from_json(node, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(back->owners->len, ==, 8);
		g_assert_cmpstr(g_ptr_array_index(back->owners, 0), ==,
				g_ptr_array_index(plan->slots->owners, 0));
		g_assert_null(g_ptr_array_index(back->owners, 7));
		fixture_clear(&f);
	}
}

static void test_plan_starvation_rule(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	g_autoptr(GError) error = NULL;
	VtierDamonContext *c;

	fixture_setup(&f, "7.3");
	f.options.intervals_autotune = TRUE;
	add_guest(&f, 1, VTIER_POLICY_MODE_RATIO);
	plan = plan_with(&f, NULL);
	c = context_of(plan, 0);
	g_assert_cmpuint(c->intervals_goal.access_bp, ==, 400);
	g_assert_cmpuint(c->intervals_goal.aggrs, ==, 3);
	g_assert_cmpuint(c->intervals_goal.max_sample_us, ==, 100000);
	g_assert_cmpuint(scheme_of(plan, 0, 0)->apply_interval_us, ==, 100000);
	/* the hot stat schemes: as seldom as the shortest tuning period allows */
	g_assert_cmpuint(scheme_of(plan, 0, VTIER_PLAN_HOT_FAST_OFFSET)->apply_interval_us, ==,
			 250000);
	g_assert_true(vtier_planner_check_starvation(plan->model, &error));
	g_assert_no_error(error);
	/* the upstream tiering recipe: auto-tuning plus a 1 s apply interval never runs */
	scheme_of(plan, 0, 0)->apply_interval_us = 1000000;
	g_assert_false(vtier_planner_check_starvation(plan->model, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_true(g_str_has_prefix(error->message,
				       "kdamond 0 scheme 0: apply_interval_us=1000000 with "
				       "intervals auto-tuning (aggrs=3, tuning period down to "
				       "300000 us)"));
	fixture_clear(&f);
	/* 6.12 has no intervals_goal: the key changes nothing there */
	fixture_setup(&f, "6.12");
	f.options.intervals_autotune = TRUE;
	add_guest(&f, 1, VTIER_POLICY_MODE_RATIO);
	g_clear_pointer(&plan, vtier_plan_free);
	plan = plan_with(&f, NULL);
	g_assert_cmpuint(context_of(plan, 0)->intervals_goal.access_bp, ==, 0);
	fixture_clear(&f);
}

/* Every migrating scheme of every mode has a non-zero byte cap; parked ones stay below a page. */
static void test_plan_budgets_never_zero(void)
{
	const gchar *profiles[] = { "6.12", "6.18", "7.3", "7.3+hw-rfc" };

	for (gsize p = 0; p < G_N_ELEMENTS(profiles); p++) {
		Fixture f = { 0 };
		g_autoptr(VtierPlan) plan = NULL;

		fixture_setup(&f, profiles[p]);
			f.options.vaddr_kdamond = TRUE;
		for (guint n = 0; n < VTIER_POLICY_MODE_LAST; n++)
			add_guest(&f, n + 1, (VtierPolicyMode)n);
		plan = plan_with(&f, NULL);
		for (guint k = 0; k < plan->model->kdamonds->len; k++) {
			VtierDamonContext *c = context_of(plan, k);

			for (guint s = 0; s < c->schemes->len; s++) {
				VtierDamonScheme *scheme = g_ptr_array_index(c->schemes, s);

				if (scheme->action == VTIER_DAMON_ACTION_MIGRATE_HOT ||
				    scheme->action == VTIER_DAMON_ACTION_MIGRATE_COLD)
					g_assert_cmpuint(scheme->quotas.bytes, >=, 4 * MIB);
				/* only parked schemes keep the fresh 0..0 pattern */
				if (scheme->quotas.bytes >= 4096)
					g_assert_cmpuint(scheme->sz.max, ==, G_MAXUINT64);
			}
		}
		fixture_clear(&f);
	}
}

static void test_plan_priority(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;

	fixture_setup(&f, "7.3");
	g_ptr_array_add(f.guests, plan_scenario_guest(1, 3 * GIB, VTIER_POLICY_MODE_PIN_FAST));
	g_ptr_array_add(f.guests, plan_scenario_guest(2, 3 * GIB, VTIER_POLICY_MODE_PIN_FAST));
	((VtierPlanGuest *)g_ptr_array_index(f.guests, 0))->policy->priority = 10;
	((VtierPlanGuest *)g_ptr_array_index(f.guests, 1))->policy->priority = 90;
	plan = plan_with(&f, NULL);
	g_assert_cmpuint(result_of(plan, "vm2")->fast_target_bytes, ==, 3 * GIB);
	g_assert_cmpuint(result_of(plan, "vm1")->fast_target_bytes, ==, 1 * GIB);
	g_assert_cmpuint(plan->notes->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(plan->notes, 0), ==,
			"fast node 0 is oversubscribed: guests ask 6442450944 bytes of its "
			"4294967296; lower-priority guests get less");
	fixture_clear(&f);
}

static void test_plan_perf_event(void)
{
	Fixture f = { 0 };
	g_autoptr(VtierPlan) plan = NULL;
	g_autoptr(VtierPlan) none = NULL;
	VtierSampler sampler = { 0 };
	VtierPlanInput input = { 0 };
	VtierDamonPerfEvent *event;
	g_autoptr(GError) error = NULL;

	fixture_setup(&f, "7.3+hw-rfc");
	add_guest(&f, 1, VTIER_POLICY_MODE_RATIO);
	sampler.kind = VTIER_SAMPLER_IBS;
	sampler.sees_guests = TRUE;
	sampler.event_name = (gchar *)"ibs_op";
	sampler.event.type = 11;
	sampler.event.sample_phys_addr = 1;
	sampler.event.sample_period = 262144;
	input.topology = f.topology;
	input.features = f.features;
	input.sampler = &sampler;
	input.guests = f.guests;
	plan = vtier_planner_plan(&input, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(context_of(plan, 0)->perf_events->len, ==, 1);
	event = g_ptr_array_index(context_of(plan, 0)->perf_events, 0);
	g_assert_cmpuint(event->type, ==, 11);
	g_assert_true(event->sample_phys_addr);
	g_assert_false(event->freq);
	g_assert_cmpuint(event->sample_period, ==, 262144);
	g_assert_cmpstr(plan->sampler_reason, ==, "hardware sampler ibs (ibs_op)");
	/* PEBS does not see guests */
	sampler.kind = VTIER_SAMPLER_PEBS;
	sampler.sees_guests = FALSE;
	sampler.guest_reason = (gchar *)"host PEBS is off while a guest runs";
	none = vtier_planner_plan(&input, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(context_of(none, 0)->perf_events->len, ==, 0);
	g_assert_cmpstr(none->sampler_reason, ==,
			"page-table access checks: the pebs sampler does not see guest accesses "
			"(host PEBS is off while a guest runs)");
	fixture_clear(&f);
}

static void test_plan_guest_from_record(void)
{
	g_autoptr(VtierPolicy) policy = vtier_policy_new_default(VTIER_POLICY_MODE_PIN_SLOW);
	g_autoptr(GArray) nodes = g_array_new(FALSE, FALSE, sizeof(guint));
	VtierGuest record = { 0 };
	g_autoptr(VtierPlanGuest) g = NULL;
	guint one = 1;

	g_array_append_val(nodes, one);
	record.name = (gchar *)"vm7";
	record.uuid = (gchar *)"0c8e4a8e-8f51-4b43-9d53-6b5f2b0c9a07";
	record.memory_bytes = 2 * GIB;
	record.pid = 777;
	record.memcg_path = (gchar *)"/machine/qemu-7-vm7.libvirt-qemu";
	record.bound_nodes = nodes;
	g = vtier_plan_guest_new_from_guest(&record, policy);
	g_assert_cmpstr(g->name, ==, "vm7");
	g_assert_cmpstr(g->uuid, ==, record.uuid);
	g_assert_cmpuint(g->memory_bytes, ==, 2 * GIB);
	g_assert_cmpint(g->pid, ==, 777);
	g_assert_cmpstr(g->memcg_path, ==, record.memcg_path);
	g_assert_cmpuint(g->bound_nodes->len, ==, 1);
	g_assert_cmpuint(g_array_index(g->bound_nodes, guint, 0), ==, 1);
	g_assert_cmpint(g->policy->mode, ==, VTIER_POLICY_MODE_PIN_SLOW);
}

/* A kept plan guest is reused only while the record says what it was built from: any field
 * vtier_plan_guest_new_from_guest copies, changed, makes it stale. */
static void test_plan_guest_is_from(void)
{
	g_autoptr(VtierPolicy) policy = vtier_policy_new_default(VTIER_POLICY_MODE_RATIO);
	g_autoptr(VtierGuest) record = vtier_guest_new(VTIER_GUEST_SOURCE_LIBVIRT);
	g_autoptr(VtierPlanGuest) g = NULL;
	guint one = 1, two = 2;

	record->name = g_strdup("vm7");
	record->uuid = g_strdup("0c8e4a8e-8f51-4b43-9d53-6b5f2b0c9a07");
	record->memory_bytes = 2 * GIB;
	record->pid = 777;
	record->memcg_path = g_strdup("/machine/qemu-7-vm7.libvirt-qemu");
	g_array_append_val(record->bound_nodes, one);
	g = vtier_plan_guest_new_from_guest(record, policy);
	g_assert_true(vtier_plan_guest_is_from(g, record));
	record->pid = 778;
	g_assert_false(vtier_plan_guest_is_from(g, record));
	record->pid = 777;
	record->memory_bytes += 4096;
	g_assert_false(vtier_plan_guest_is_from(g, record));
	record->memory_bytes -= 4096;
	g_clear_pointer(&record->memcg_path, g_free);
	g_assert_false(vtier_plan_guest_is_from(g, record));
	record->memcg_path = g_strdup("/machine/qemu-7-vm7.libvirt-qemu");
	g_assert_true(vtier_plan_guest_is_from(g, record));
	g_free(record->uuid);
	record->uuid = g_strdup("0c8e4a8e-8f51-4b43-9d53-6b5f2b0c9a08");
	g_assert_false(vtier_plan_guest_is_from(g, record));
	g_clear_pointer(&record->uuid, g_free);
	g_assert_false(vtier_plan_guest_is_from(g, record));
	record->uuid = g_strdup("0c8e4a8e-8f51-4b43-9d53-6b5f2b0c9a07");
	g_free(record->name);
	record->name = g_strdup("vm8");
	g_assert_false(vtier_plan_guest_is_from(g, record));
	g_free(record->name);
	record->name = g_strdup("vm7");
	g_array_append_val(record->bound_nodes, two);
	g_assert_false(vtier_plan_guest_is_from(g, record));
	g_array_set_size(record->bound_nodes, 1);
	g_array_index(record->bound_nodes, guint, 0) = two;
	g_assert_false(vtier_plan_guest_is_from(g, record));
	g_array_index(record->bound_nodes, guint, 0) = one;
	g_assert_true(vtier_plan_guest_is_from(g, record));
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/planner/ratio/modern", test_plan_ratio_modern);
	g_test_add_func("/planner/nothing-planned", test_plan_nothing_planned);
	g_test_add_func("/planner/ratio/legacy", test_plan_ratio_legacy);
	g_test_add_func("/planner/refusals", test_plan_refusals);
	g_test_add_func("/planner/kernel-goals", test_plan_kernel_goals);
	g_test_add_func("/planner/pull-ranking", test_plan_pull_ranking);
	g_test_add_func("/planner/hot-split", test_plan_hot_split);
	g_test_add_func("/planner/hot-split-vtier", test_plan_hot_split_vtier);
	g_test_add_func("/planner/deterministic", test_plan_deterministic);
	g_test_add_func("/planner/stable-slots", test_plan_stable_slots);
	g_test_add_func("/planner/slots-grow-shrink", test_plan_slots_grow_shrink);
	g_test_add_func("/planner/starvation-rule", test_plan_starvation_rule);
	g_test_add_func("/planner/budgets-never-zero", test_plan_budgets_never_zero);
	g_test_add_func("/planner/priority", test_plan_priority);
	g_test_add_func("/planner/perf-event", test_plan_perf_event);
	g_test_add_func("/planner/guest-from-record", test_plan_guest_from_record);
	g_test_add_func("/planner/guest-is-from", test_plan_guest_is_from);
	return g_test_run();
}
