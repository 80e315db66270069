/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "plan-scenario.h"
#include "tiering/planner.h"
#include "vtier-test.h"

/* A plan that shares the unchanged guests' scheme groups of the plan before it (input.reuse, as
 * vtierd's reconcile plans) is the plan built from scratch, byte for byte, over sequences of
 * added and removed guests, policy, option, kernel and topology changes. */

#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MIB (G_GUINT64_CONSTANT(1) << 20)

static const gchar *const profiles[] = { "7.3", "6.18", "6.12" };

typedef struct {
	VtierTopology *topology;
	VtierDamonFeatures *features;
	VtierPlanOptions options;
	GPtrArray *guests; /* VtierPlanGuest */
	guint next;	   /* the next guest's number */
	GRand *rand;
} Sequence;

static VtierNode *node(guint id, guint64 start, guint64 size, guint n_ranges)
{
	VtierNode *n = vtier_node_new(id);
	guint64 part = size / n_ranges;

	if (id == 0) {
		for (guint cpu = 0; cpu < 4; cpu++)
			g_array_append_val(n->cpus, cpu);
	}
	n->total_bytes = size;
	n->free_bytes = size / 2;
	n->has_memory = TRUE;
	/* ranges with a hole between them, so that they stay apart */
	for (guint i = 0; i < n_ranges; i++)
		vtier_node_add_range(n, start + i * part, start + (i + 1) * part - MIB);
	return n;
}

/* Variant 0: plan_scenario_topology_small(); 1: its fast node larger; 2: its slow node in two
 * ranges (the other nodes' ranges enter the filters then); 3: a second slow node. */
static VtierTopology *topology(guint variant)
{
	VtierTopology *t;
	VtierNode *dram, *cxl;

	if (variant == 0)
		return plan_scenario_topology_small();
	t = vtier_topology_new();
	dram = node(0, 0, variant == 1 ? 6 * GIB : 4 * GIB, 1);
	cxl = node(1, 8 * GIB, 4 * GIB, variant == 2 ? 2 : 1);
	vtier_node_set_distance(dram, 0, 10);
	vtier_node_set_distance(dram, 1, 20);
	vtier_node_set_distance(cxl, 0, 20);
	vtier_node_set_distance(cxl, 1, 10);
	vtier_topology_add_node(t, dram);
	vtier_topology_add_node(t, cxl);
	if (variant == 3) {
		VtierNode *cxl2 = node(2, 16 * GIB, 2 * GIB, 1);

		vtier_node_set_distance(dram, 2, 24);
		vtier_node_set_distance(cxl, 2, 30);
		vtier_node_set_distance(cxl2, 0, 24);
		vtier_node_set_distance(cxl2, 1, 30);
		vtier_node_set_distance(cxl2, 2, 10);
		vtier_topology_add_node(t, cxl2);
	}
	g_assert_true(vtier_topology_classify(t, NULL, NULL, NULL));
	return t;
}

static void set_features(Sequence *s, const gchar *profile)
{
	g_autoptr(GError) error = NULL;

	vtier_damon_features_free(s->features);
	s->features = vtier_damon_features_load(profile, &error);
	g_assert_no_error(error);
}

static VtierPolicyMode random_mode(Sequence *s)
{
	static const VtierPolicyMode modes[] = {
		VTIER_POLICY_MODE_RATIO,     VTIER_POLICY_MODE_RATIO,	   VTIER_POLICY_MODE_RATIO,
		VTIER_POLICY_MODE_ALLOWANCE, VTIER_POLICY_MODE_PIN_FAST,   VTIER_POLICY_MODE_PIN_SLOW,
		VTIER_POLICY_MODE_MONITOR,   VTIER_POLICY_MODE_HOT_SPLIT,  VTIER_POLICY_MODE_INTERLEAVE,
		VTIER_POLICY_MODE_OFF,
	};

	return modes[g_rand_int_range(s->rand, 0, G_N_ELEMENTS(modes))];
}

static void add_guest(Sequence *s)
{
	guint64 memory = (guint64)g_rand_int_range(s->rand, 1, 9) * GIB;
	VtierPlanGuest *g = plan_scenario_guest(s->next++, memory, random_mode(s));

	if (g_rand_int_range(s->rand, 0, 8) == 0)
		g_clear_pointer(&g->uuid, g_free); /* its slot key is its name then */
	if (g_rand_int_range(s->rand, 0, 3) == 0)
		vtier_plan_guest_add_bound_node(g, (guint)g_rand_int_range(s->rand, 0, 3));
	if (g_rand_int_range(s->rand, 0, 3) == 0)
		g->policy->tuner = VTIER_POLICY_TUNER_KERNEL;
	g_ptr_array_add(s->guests, g);
}

/* One field of one guest's policy or record, changed in place. */
static void change_guest(Sequence *s)
{
	VtierPlanGuest *g;
	VtierPolicy *p;

	if (s->guests->len == 0)
		return;
	g = g_ptr_array_index(s->guests, g_rand_int_range(s->rand, 0, (gint32)s->guests->len));
	p = g->policy;
	switch (g_rand_int_range(s->rand, 0, 11)) {
	case 0:
		p->mode = random_mode(s);
		break;
	case 10:
		g_array_set_size(g->bound_nodes, 0);
		vtier_plan_guest_add_bound_node(g, (guint)g_rand_int_range(s->rand, 0, 3));
		break;
	case 1:
		p->fast_ratio_bp = (guint)g_rand_int_range(s->rand, 0, 10001);
		break;
	case 2:
		p->max_rate = (guint64)g_rand_int_range(s->rand, 1, 512) * MIB;
		break;
	case 3:
		p->tuner = p->tuner == VTIER_POLICY_TUNER_VTIER ? VTIER_POLICY_TUNER_KERNEL
								 : VTIER_POLICY_TUNER_VTIER;
		break;
	case 4:
		p->hot_threshold_bp = (guint)g_rand_int_range(s->rand, 1, 10001);
		break;
	case 5:
		p->cold_age_ms = (guint64)g_rand_int_range(s->rand, 100, 60000);
		break;
	case 6:
		p->priority = (guint)g_rand_int_range(s->rand, 0, 101);
		break;
	case 7:
		p->fast_size = (guint64)g_rand_int_range(s->rand, 1, 8) * GIB;
		break;
	case 8:
		g->memory_bytes = (guint64)g_rand_int_range(s->rand, 1, 9) * GIB;
		break;
	default:
		g_free(g->memcg_path);
		g->memcg_path = g_strdup_printf("/machine.slice/moved-%u.scope",
						g_rand_int_range(s->rand, 0, 1000));
	}
}

static void change_host(Sequence *s)
{
	switch (g_rand_int_range(s->rand, 0, 4)) {
	case 0:
		s->options.intervals_autotune = !s->options.intervals_autotune;
		break;
	case 1:
		s->options.vaddr_kdamond = !s->options.vaddr_kdamond;
		break;
	case 2:
		set_features(s, profiles[g_rand_int_range(s->rand, 0, G_N_ELEMENTS(profiles))]);
		break;
	default:
		vtier_topology_free(s->topology);
		s->topology = topology((guint)g_rand_int_range(s->rand, 0, 4));
	}
}

static VtierPlan *plan(Sequence *s, const VtierPlanSlots *previous, const VtierPlan *reuse)
{
	g_autoptr(GError) error = NULL;
	VtierPlanInput input = {
		.topology = s->topology,
		.features = s->features,
		.options = &s->options,
		.guests = s->guests,
		.previous = previous,
		.reuse = reuse,
	};
	VtierPlan *p = vtier_planner_plan(&input, &error);

	g_assert_no_error(error);
	g_assert_nonnull(p);
	return p;
}

/* How many schemes of kdamond 0 @b shares with @a (the same pointer). */
static guint shared_schemes(const VtierPlan *a, const VtierPlan *b)
{
	const VtierDamonContext *ca, *cb;
	g_autoptr(GHashTable) in_a = g_hash_table_new(NULL, NULL);
	guint n = 0;

	if (a->model->kdamonds->len == 0 || b->model->kdamonds->len == 0)
		return 0;
	ca = ((VtierDamonKdamond *)g_ptr_array_index(a->model->kdamonds, 0))->context;
	cb = ((VtierDamonKdamond *)g_ptr_array_index(b->model->kdamonds, 0))->context;
	for (guint j = 0; j < ca->schemes->len; j++)
		g_hash_table_add(in_a, ca->schemes->pdata[j]);
	for (guint i = 0; i < cb->schemes->len; i++)
		n += g_hash_table_contains(in_a, cb->schemes->pdata[i]);
	return n;
}

static void sequence_run(guint32 seed, guint steps, guint *ret_shared)
{
	Sequence s = { .rand = g_rand_new_with_seed(seed) };
	g_autoptr(VtierPlan) last = NULL;

	s.topology = topology(seed % 4);
	set_features(&s, "7.3");
	vtier_plan_options_init(&s.options);
	s.guests = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	s.next = 1;
	last = plan(&s, NULL, NULL);
	for (guint step = 0; step < steps; step++) {
		gint what = g_rand_int_range(s.rand, 0, 20);
		g_autoptr(VtierPlan) full = NULL;
		g_autofree gchar *expected = NULL;
		g_autofree gchar *got = NULL;
		VtierPlan *next;

		if (what < 8 || s.guests->len < 2)
			add_guest(&s);
		else if (what < 12)
			g_ptr_array_remove_index(
				s.guests, (guint)g_rand_int_range(s.rand, 0, (gint32)s.guests->len));
		else if (what < 18)
			change_guest(&s);
		else
			change_host(&s);
		full = plan(&s, last->slots, NULL);
		expected = vtier_plan_to_data(full);
		next = plan(&s, last->slots, last);
		*ret_shared += shared_schemes(last, next);
		/* the plan shared from goes first: the new one holds its own references */
		vtier_plan_free(last);
		last = next;
		got = vtier_plan_to_data(last);
		if (g_strcmp0(got, expected) != 0)
			g_test_message("seed %u, step %u: the plan with kept groups differs from "
				       "the plan built from scratch",
				       seed, step);
		g_assert_cmpstr(got, ==, expected);
	}
	g_ptr_array_unref(s.guests);
	vtier_topology_free(s.topology);
	vtier_damon_features_free(s.features);
	g_rand_free(s.rand);
}

static void test_reuse_sequences(void)
{
	guint shared = 0;

	for (guint32 seed = 1; seed <= 8; seed++)
		sequence_run(seed, 60, &shared);
	g_assert_cmpuint(shared, >, 0);
}

/* Adding one guest to ten: every other group is the previous plan's own schemes. */
static void test_reuse_one_added(void)
{
	Sequence s = { 0 };
	g_autoptr(VtierPlan) a = NULL;
	g_autoptr(VtierPlan) b = NULL;
	g_autoptr(VtierPlan) c = NULL;
	const VtierDamonContext *cb;

	s.topology = topology(0);
	set_features(&s, "7.3");
	vtier_plan_options_init(&s.options);
	s.guests = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	for (guint n = 1; n <= 10; n++)
		g_ptr_array_add(s.guests, plan_scenario_guest(n, GIB / 4, VTIER_POLICY_MODE_RATIO));
	a = plan(&s, NULL, NULL);
	g_ptr_array_add(s.guests, plan_scenario_guest(11, GIB / 4, VTIER_POLICY_MODE_RATIO));
	b = plan(&s, a->slots, a);
	cb = ((VtierDamonKdamond *)g_ptr_array_index(b->model->kdamonds, 0))->context;
	g_assert_cmpuint(shared_schemes(a, b), ==, cb->schemes->len - b->group_schemes);
	/* a kernel with other features shares nothing */
	set_features(&s, "6.18");
	c = plan(&s, b->slots, b);
	g_assert_cmpuint(shared_schemes(b, c), ==, 0);
	g_ptr_array_unref(s.guests);
	vtier_topology_free(s.topology);
	vtier_damon_features_free(s.features);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/planner/reuse/sequences", test_reuse_sequences);
	g_test_add_func("/planner/reuse/one-added", test_reuse_one_added);
	return g_test_run();
}
