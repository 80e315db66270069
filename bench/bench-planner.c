/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "bench-planner"

#include "config.h"

#include <stdio.h>

#include "common/paths.h"
#include "plan-scenario.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/damon/damon-writer.h"
#include "tiering/planner.h"

/* bench-planner: how long one plan takes for 1, 10, 100 and 500 guests, and how many sysfs writes
 * the DAMON writer makes (on the in-process fake kernel) to go from the plan of N guests to the
 * plan of N+1 ("add one guest") and back to N ("remove one guest"). The writes must not grow
 * with N: each guest owns a stable group of schemes. Run with `make bench`. */

#define GIB (G_GUINT64_CONSTANT(1) << 30)

typedef struct {
	VtierTopology *topology;
	VtierDamonFeatures *features;
	GPtrArray *guests;
} Bench;

static VtierPlan *plan_guests(const Bench *b, const VtierPlanSlots *previous)
{
	g_autoptr(GError) error = NULL;
	VtierPlanInput input = { .topology = b->topology, .features = b->features,
				 .guests = b->guests, .previous = previous };
	VtierPlan *plan = vtier_planner_plan(&input, &error);

	if (plan == NULL)
		g_printerr("bench-planner: %s\n", error->message);
	return plan;
}

static void set_guests(Bench *b, guint n)
{
	g_ptr_array_set_size(b->guests, 0);
	for (guint i = 1; i <= n; i++)
		g_ptr_array_add(b->guests, plan_scenario_guest(i, 8 * GIB, VTIER_POLICY_MODE_RATIO));
}

/* Mean wall time of one plan, over at least @min_seconds. */
static gdouble time_plan(const Bench *b, gdouble min_seconds, guint *ret_runs)
{
	gint64 start = g_get_monotonic_time(), now;
	guint runs = 0;

	do {
		g_autoptr(VtierPlan) plan = plan_guests(b, NULL);

		g_assert(plan != NULL);
		runs++;
		now = g_get_monotonic_time();
	} while ((gdouble)(now - start) / G_USEC_PER_SEC < min_seconds);
	*ret_runs = runs;
	return (gdouble)(now - start) / runs / 1000.0;
}

/* Writes the writer makes to go from @from to @to on a fake that holds @from. */
static guint writes_between(const Bench *b, const VtierPlan *from, const VtierPlan *to)
{
	g_autoptr(VtierDamonFake) fake = vtier_damon_fake_new(b->features);
	g_autoptr(VtierDamonIo) io = NULL;
	g_autoptr(VtierDamonWriter) writer = NULL;
	g_auto(VtierDamonApplyResult) first = { 0 };
	g_auto(VtierDamonApplyResult) second = { 0 };
	g_autoptr(GError) error = NULL;

	g_autofree gchar *damon_stat =
		vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters", "enabled", NULL);

	vtier_damon_fake_set_check_memcg(fake, FALSE);
	io = vtier_damon_fake_get_io(fake);
	/* 7.3 enables damon_stat at boot; vtierd turns it off ([damon] disable_damon_stat) */
	if (vtier_damon_io_exists(io, damon_stat) &&
	    !vtier_damon_io_write(io, damon_stat, "N", &error)) {
		g_printerr("bench-planner: %s\n", error->message);
		return G_MAXUINT;
	}
	writer = vtier_damon_writer_new(io, b->features);
	vtier_damon_writer_set_check_memcg(writer, FALSE); /* the guests' cgroups are made up */
	if (!vtier_damon_writer_apply(writer, from->model, &first, &error) ||
	    !vtier_damon_writer_apply(writer, to->model, &second, &error)) {
		g_printerr("bench-planner: %s\n", error->message);
		return G_MAXUINT;
	}
	return second.writes;
}

static gboolean bench_size(Bench *b, guint n, gdouble min_seconds)
{
	g_autoptr(VtierPlan) base = NULL;
	g_autoptr(VtierPlan) added = NULL;
	g_autoptr(VtierPlan) removed = NULL;
	guint runs = 0, add_writes, remove_writes;
	gdouble ms;

	set_guests(b, n);
	ms = time_plan(b, min_seconds, &runs);
	base = plan_guests(b, NULL);
	g_ptr_array_add(b->guests, plan_scenario_guest(n + 1, 8 * GIB, VTIER_POLICY_MODE_RATIO));
	added = plan_guests(b, base->slots);
	g_ptr_array_remove_index(b->guests, b->guests->len - 1);
	removed = plan_guests(b, added->slots);
	add_writes = writes_between(b, base, added);
	remove_writes = writes_between(b, added, removed);
	printf("%7u %9u %12.3f %8u %14u %17u\n", n,
	       ((VtierDamonKdamond *)g_ptr_array_index(base->model->kdamonds, 0))
		       ->context->schemes->len,
	       ms, runs, add_writes, remove_writes);
	return add_writes != G_MAXUINT && remove_writes != G_MAXUINT;
}

int main(int argc, char **argv)
{
	const guint sizes[] = { 1, 10, 100, 500 };
	gdouble min_seconds = (argc > 1 && g_strcmp0(argv[1], "--quick") == 0) ? 0.02 : 0.5;
	g_autoptr(GError) error = NULL;
	Bench b = { 0 };
	gboolean ok = TRUE;

	g_setenv("VTIER_FORBID_REAL_DAMON", "1", TRUE);
	vtier_paths_set_sysroot("/nonexistent/vtier-bench");
	b.topology = plan_scenario_topology_small();
	b.features = vtier_damon_features_load("7.3", &error);
	if (b.features == NULL) {
		g_printerr("bench-planner: %s\n", error->message);
		return 1;
	}
	b.guests = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	printf("planner benchmark: ratio guests on a DRAM+CXL host, kernel profile 7.3\n");
	printf("%7s %9s %12s %8s %14s %17s\n", "guests", "schemes", "ms/plan", "runs",
	       "add-1 writes", "remove-1 writes");
	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++)
		ok &= bench_size(&b, sizes[i], min_seconds);
	g_ptr_array_unref(b.guests);
	vtier_topology_free(b.topology);
	vtier_damon_features_free(b.features);
	return ok ? 0 : 1;
}
