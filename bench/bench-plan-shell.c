/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "bench-plan-shell"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/paths.h"
#include "plan-scenario.h"
#include "tiering/planner.h"

/* bench-plan-shell: the cost of printing a plan as a shell script (`vtierctl plan`, the default)
 * against printing it as JSON (`--format=json`), for 10, 100 and 500 ratio guests on kernel
 * profile 7.3. The promise (issue 10): the script of 500 guests within 2x the JSON path. It
 * prints figures; it asserts nothing. Run with `make bench`. */

#define GIB (G_GUINT64_CONSTANT(1) << 30)

/* CPU time of this process in µs: the machine is shared, wall time says more about the others. */
static gint64 cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Mode 0: plan only; 1: plan + JSON; 2: plan + shell script. */
static gdouble time_render(const VtierPlanInput *input, guint mode, gdouble min_seconds,
			   gsize *ret_bytes)
{
	gint64 start = cpu_us(), now;
	guint runs = 0;

	do {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierPlan) plan = vtier_planner_plan(input, &error);
		g_autofree gchar *text = NULL;

		g_assert(plan != NULL);
		if (mode == 2)
			text = vtier_plan_to_shell(plan, input->features, &error);
		else if (mode == 1)
			text = vtier_plan_to_data(plan);
		else
			text = g_strdup("");
		g_assert(text != NULL);
		*ret_bytes = strlen(text);
		runs++;
		now = cpu_us();
	} while ((gdouble)(now - start) / G_USEC_PER_SEC < min_seconds);
	return (gdouble)(now - start) / runs / 1000.0;
}

int main(int argc, char **argv)
{
	const guint sizes[] = { 10, 100, 500 };
	gdouble min_seconds = (argc > 1 && g_strcmp0(argv[1], "--quick") == 0) ? 0.05 : 1.0;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierTopology) topology = NULL;
	g_autoptr(VtierDamonFeatures) features = NULL;
	g_autoptr(GPtrArray) guests =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	struct rusage usage;

	g_setenv("VTIER_FORBID_REAL_DAMON", "1", TRUE);
	vtier_paths_set_sysroot("/nonexistent/vtier-bench");
	topology = plan_scenario_topology_small();
	features = vtier_damon_features_load("7.3", &error);
	if (features == NULL) {
		g_printerr("bench-plan-shell: %s\n", error->message);
		return 1;
	}
	printf("plan rendering: ratio guests, kernel profile 7.3 (CPU ms of plan + render, mean)\n");
	printf("%7s %12s %12s %12s %8s %12s\n", "guests", "plan ms", "json ms", "shell ms", "ratio",
	       "shell bytes");
	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
		VtierPlanInput input = { .topology = topology, .features = features,
					 .guests = guests };
		gsize plan_bytes = 0, json_bytes = 0, shell_bytes = 0;
		gdouble plan_ms, json_ms, shell_ms;

		while (guests->len < sizes[i])
			g_ptr_array_add(guests, plan_scenario_guest(guests->len + 1, 8 * GIB,
								    VTIER_POLICY_MODE_RATIO));
		plan_ms = time_render(&input, 0, min_seconds, &plan_bytes);
		json_ms = time_render(&input, 1, min_seconds, &json_bytes);
		shell_ms = time_render(&input, 2, min_seconds, &shell_bytes);
		printf("%7u %12.3f %12.3f %12.3f %8.2f %12zu\n", sizes[i], plan_ms, json_ms, shell_ms,
		       shell_ms / json_ms, shell_bytes);
	}
	getrusage(RUSAGE_SELF, &usage);
	printf("max RSS %ld KiB\n", usage.ru_maxrss);
	return 0;
}
