/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "lab-commit-time"

/* lab-commit-time [--guests N]... [--rounds R] [--extra-memcgs M] [--idle S] — inside a lab
 * guest only (tests/kernel/lab): how long the kernel takes to `commit` vtier's plan for N guests
 * (bench/README.md).
 *
 * For each N (default 100 and 500): N ratio guests (plan-scenario.h: vmI, 1 GiB each, memcg
 * /machine.slice/machine-qemu\x2dI\x2dvmI.scope, made here under /sys/fs/cgroup, empty),
 * planned by vtier_planner_plan() on the lab's topology and DAMON features, applied by the DAMON
 * driver (`on`) with every PULL and PUSH parked, as vtierd starts closed loops. Then R rounds of
 * a budget change, each applied by the driver (the `quotas/bytes` writes plus one `commit`):
 *   one:  one guest's PULL gets a budget (what one controller step usually does);
 *   all:  every guest's PULL gets one (each then walks the slow node: its memcg is empty);
 *   bare: `commit` written alone to kdamonds/0/state, nothing changed (the kernel's part).
 * Prints, per N and kind, min / median / max milliseconds of the whole apply, the median time
 * of its state commands (`on`/`commit`: the kernel's part, waiting for the kdamond to take it)
 * and the writes and reads of the last one. Then the driver stops the kdamond.
 * --extra-memcgs M first creates M empty memcgs that no filter names. --idle S first measures
 * the kdamond's CPU over S seconds for each of a few scheme sets (bench_idle). */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "common/paths.h"
#include "daemon/manager-private.h"
#include "lab-proc.h"
#include "plan-scenario.h"
#include "tiering/damon/damon-driver.h"
#include "tiering/planner.h"
#include "tiering/topology.h"

#define MIB (G_GUINT64_CONSTANT(1) << 20)
#define GIB (G_GUINT64_CONSTANT(1) << 30)

typedef struct {
	VtierDamonDriver *driver;
	VtierTopology *topology;
	const VtierDamonFeatures *features;
	guint rounds;
	guint idle_seconds;
} Bench;

static gdouble now_ms(void)
{
	return (gdouble)g_get_monotonic_time() / 1000.0;
}

static gint compare_doubles(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

	return (x > y) - (x < y);
}

/* One row: min, median and max of @ms; the median time the applies spent in state commands
 * (@state: the kernel's `on`/`commit`, waiting for the kdamond to take it) and the writes and
 * reads of the last one. */
static void print_row(guint n, guint schemes, const gchar *kind, GArray *ms, GArray *state,
		      guint writes, guint reads)
{
	g_array_sort(ms, compare_doubles);
	g_array_sort(state, compare_doubles);
	printf("%6u %8u %-5s %9.1f %9.1f %9.1f %9.1f %7u %6u\n", n, schemes, kind,
	       g_array_index(ms, gdouble, 0), g_array_index(ms, gdouble, ms->len / 2),
	       g_array_index(ms, gdouble, ms->len - 1), g_array_index(state, gdouble, state->len / 2),
	       writes, reads);
	fflush(stdout);
}

static gboolean write_file(const gchar *path, const gchar *value, GError **error)
{
	int fd = open(path, O_WRONLY);
	gssize len = (gssize)strlen(value);

	if (fd < 0 || write(fd, value, (gsize)len) != len) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot write \"%s\" to %s: %s",
			    value, path, g_strerror(e));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/* @n empty memory cgroups nobody's filter names (/sys/fs/cgroup/other.slice/cN): does the
 * kernel's commit time depend on how many memcgs exist? */
static gboolean make_other_memcgs(guint n, GError **error)
{
	g_autofree gchar *slice = g_build_filename("/sys/fs/cgroup", "other.slice", NULL);

	if (g_mkdir_with_parents(slice, 0755) != 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "mkdir %s: %s", slice,
			    g_strerror(errno));
		return FALSE;
	}
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *name = g_strdup_printf("c%u", i);
		g_autofree gchar *path = g_build_filename(slice, name, NULL);

		if (g_mkdir(path, 0755) != 0 && errno != EEXIST) {
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "mkdir %s: %s",
				    path, g_strerror(errno));
			return FALSE;
		}
	}
	return TRUE;
}

/* The guests' memory cgroups (the kernel refuses a memcg filter whose path does not exist). */
static gboolean make_memcgs(guint n, GError **error)
{
	const gchar *root = "/sys/fs/cgroup";
	g_autofree gchar *slice = g_build_filename(root, "machine.slice", NULL);
	g_autofree gchar *control = g_build_filename(root, "cgroup.subtree_control", NULL);
	g_autofree gchar *slice_control = g_build_filename(slice, "cgroup.subtree_control", NULL);

	if (!write_file(control, "+memory", error) || g_mkdir_with_parents(slice, 0755) != 0 ||
	    !write_file(slice_control, "+memory", error))
		return FALSE;
	for (guint i = 1; i <= n; i++) {
		g_autofree gchar *name = g_strdup_printf("machine-qemu\\x2d%u\\x2dvm%u.scope", i, i);
		g_autofree gchar *path = g_build_filename(slice, name, NULL);

		if (g_mkdir(path, 0755) != 0 && errno != EEXIST) {
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "mkdir %s: %s",
				    path, g_strerror(errno));
			return FALSE;
		}
	}
	return TRUE;
}

static VtierPlan *plan_guests(Bench *b, guint n, GError **error)
{
	g_autoptr(GPtrArray) guests =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	VtierPlanInput input = { .topology = b->topology, .features = b->features };

	for (guint i = 1; i <= n; i++)
		g_ptr_array_add(guests, plan_scenario_guest(i, GIB, VTIER_POLICY_MODE_RATIO));
	input.guests = guests;
	return vtier_planner_plan(&input, error);
}

static GPtrArray *model_schemes(VtierDamonModel *model)
{
	return ((VtierDamonKdamond *)g_ptr_array_index(model->kdamonds, 0))->context->schemes;
}

/* Changes the budget (quotas/bytes) of the PULL scheme of guest @first..@last (plan order). */
static void change_budgets(const VtierPlan *plan, VtierDamonModel *model, guint first, guint last,
			   guint round)
{
	GPtrArray *schemes = model_schemes(model);

	for (guint i = first; i <= last && i < plan->guests->len; i++) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, i);
		VtierDamonScheme *s;

		if (!r->planned || r->first_scheme < 0 || (guint)r->first_scheme >= schemes->len)
			continue;
		s = g_ptr_array_index(schemes, r->first_scheme);
		s->quotas.bytes = 16 * MIB + (round % 2 + 1) * MIB;
	}
}

typedef struct {
	gdouble ms;
	gdouble state_ms;
	guint writes;
	guint reads;
} Timed;

static gboolean time_apply(Bench *b, VtierDamonModel *model, Timed *ret, GError **error)
{
	g_auto(VtierDamonApplyResult) result = { 0 };
	gdouble t0 = now_ms();

	if (!vtier_damon_driver_apply(b->driver, model, &result, error))
		return FALSE;
	ret->ms = now_ms() - t0;
	ret->state_ms = result.state_ms;
	ret->writes = result.writes;
	ret->reads = result.reads;
	return TRUE;
}

static gboolean bench_budget(Bench *b, guint n, const VtierPlan *plan, VtierDamonModel *model,
			     gboolean all, GError **error)
{
	g_autoptr(GArray) ms = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) state = g_array_new(FALSE, FALSE, sizeof(gdouble));
	Timed t = { 0 };

	for (guint r = 0; r < b->rounds; r++) {
		change_budgets(plan, model, all ? 0 : n / 2, all ? n : n / 2, r);
		if (!time_apply(b, model, &t, error))
			return FALSE;
		g_array_append_val(ms, t.ms);
		g_array_append_val(state, t.state_ms);
	}
	print_row(n, model_schemes(model)->len, all ? "all" : "one", ms, state, t.writes, t.reads);
	return TRUE;
}

static gboolean bench_bare(Bench *b, guint n, VtierDamonModel *model, GError **error)
{
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_DAMON_ADMIN, "kdamonds", "0", "state",
						  NULL);
	g_autoptr(GArray) ms = g_array_new(FALSE, FALSE, sizeof(gdouble));

	for (guint r = 0; r < b->rounds; r++) {
		gdouble t0 = now_ms(), t;

		if (!write_file(path, "commit", error))
			return FALSE;
		t = now_ms() - t0;
		g_array_append_val(ms, t);
	}
	print_row(n, model_schemes(model)->len, "bare", ms, ms, 1, 0);
	return TRUE;
}

/* kdamond 0's CPU time in seconds, or -1. */
static gdouble kdamond_cpu_seconds(void)
{
	g_autofree gchar *pid_path = vtier_path_build(VTIER_PATH_DAMON_ADMIN, "kdamonds", "0", "pid",
						      NULL);
	g_autofree gchar *pid = NULL;

	if (!g_file_get_contents(pid_path, &pid, NULL, NULL))
		return -1;
	return lab_proc_cpu_seconds((gint)g_ascii_strtoll(pid, NULL, 10));
}

/* The kdamond's share of one CPU over @seconds, after @model is applied. */
static gboolean idle_cpu(Bench *b, guint n, VtierDamonModel *model, const gchar *what,
			 guint seconds, GError **error)
{
	Timed t = { 0 };
	gdouble c0, c1;

	if (!time_apply(b, model, &t, error))
		return FALSE;
	g_usleep(G_USEC_PER_SEC); /* the commit's own work out of the window */
	c0 = kdamond_cpu_seconds();
	g_usleep((gulong)seconds * G_USEC_PER_SEC);
	c1 = kdamond_cpu_seconds();
	printf("%6u %8u idle  kdamond CPU %5.1f%% over %u s: %s\n", n, model_schemes(model)->len,
	       c0 < 0 || c1 < 0 ? -1.0 : 100.0 * (c1 - c0) / seconds, seconds, what);
	fflush(stdout);
	return TRUE;
}

/* What bench_idle() changes in the schemes for one measurement. */
typedef enum {
	IDLE_PARKED,	  /* as vtierd keeps a guest that holds its share: PULL and PUSH parked */
	IDLE_CAPPED,	  /* PULL and PUSH at the plan's rate cap (the guests' memcgs are empty:
			   * each walks its node's pages, its memcg filter rejecting them all) */
	IDLE_STATS_OFF,	  /* parked, and the `stat` schemes match no region (no page walks) */
	IDLE_SURVEY,	  /* parked, every tenth guest's slow hot stat widened to every region of
			   * the slow node, as vtierd's survey was before its aim (interval.c) */
	IDLE_SURVEY_AIMED, /* the same, each aimed at a span of 64 MiB there (its guest's pages) */
	IDLE_NONE_MATCH,  /* every scheme matches no region (size 1 byte) */
	IDLE_NO_SCHEME,	  /* no scheme at all */
	IDLE_LAST
} IdleVariant;

static const gchar *const idle_names[] = {
	"PULL and PUSH parked (1 byte), as vtierd holds a settled guest",
	"PULL and PUSH at the plan's rate cap, walking empty memcgs",
	"parked, and the stat schemes match no region",
	"parked, every tenth guest surveyed, the whole slow node",
	"parked, every tenth guest surveyed, aimed at 64 MiB",
	"every scheme matches no region",
	"no scheme",
};

/* PULL and PUSH of every planned guest (the moving schemes) get @bytes, or the plan's own
 * budget with 0. */
static void set_moving_budgets(VtierDamonModel *m, const VtierDamonModel *plan_model,
			       guint64 bytes)
{
	GPtrArray *schemes = model_schemes(m);
	GPtrArray *planned = model_schemes((VtierDamonModel *)plan_model);

	for (guint i = 0; i < schemes->len; i++) {
		VtierDamonScheme *s = schemes->pdata[i];

		if (s->action == VTIER_DAMON_ACTION_MIGRATE_HOT ||
		    s->action == VTIER_DAMON_ACTION_MIGRATE_COLD)
			s->quotas.bytes =
				bytes > 0 ? bytes
					  : ((VtierDamonScheme *)planned->pdata[i])->quotas.bytes;
	}
}

/* A survey of every tenth guest of @plan (IDLE_SURVEY): its slow node's hot stat takes every
 * region; @aimed, only the 64 MiB at the start of the slow node. Both through vtierd's own
 * overlay (reconcile.c: vtier_budget_apply, and vtier_budgets_hole_aims for the aim's edges), as
 * interval.c's survey_slow lays it. The memcgs are empty, so the memcg filter rejects every page
 * the walk meets: what is measured is the walk. */
static void survey_every_tenth(VtierDamonModel *m, const Bench *b, const VtierPlan *plan,
			       gboolean aimed)
{
	GPtrArray *schemes = model_schemes(m);
	g_autoptr(GHashTable) budgets = g_hash_table_new_full(NULL, NULL, NULL, g_free);

	for (guint i = 0; i < plan->guests->len; i += 10) {
		const VtierPlanGuestResult *r = g_ptr_array_index(plan->guests, i);
		const VtierNode *slow;
		VtierBudget *budget;
		gint k = r->first_scheme + VTIER_PLAN_HOT_SLOW_OFFSET;

		if (!r->planned || !r->hot_stats || r->first_scheme < 0 || (guint)k >= schemes->len)
			continue;
		budget = g_new0(VtierBudget, 1);
		budget->wide = TRUE;
		slow = vtier_topology_get_node(b->topology, (guint)r->slow_node);
		if (aimed && slow != NULL && slow->ranges->len > 0) {
			budget->aim[0].start = g_array_index(slow->ranges, VtierPhysRange, 0).start;
			budget->aim[0].end = budget->aim[0].start + 64 * MIB;
			budget->n_aim = 1;
		}
		vtier_budget_apply(budget, g_ptr_array_index(schemes, k));
		g_hash_table_insert(budgets, GUINT_TO_POINTER((guint)k + 1), budget);
	}
	vtier_budgets_hole_aims(budgets, m);
}

static void idle_change(VtierDamonModel *m, const Bench *b, const VtierPlan *plan, IdleVariant v)
{
	GPtrArray *schemes = model_schemes(m);
	const VtierDamonModel *plan_model = plan->model;

	if (v == IDLE_SURVEY || v == IDLE_SURVEY_AIMED) {
		survey_every_tenth(m, b, plan, v == IDLE_SURVEY_AIMED);
		return;
	}
	if (v == IDLE_CAPPED)
		set_moving_budgets(m, plan_model, 0);
	if (v == IDLE_NO_SCHEME) {
		g_ptr_array_set_size(schemes, 0);
		return;
	}
	for (guint i = 0; i < schemes->len; i++) {
		VtierDamonScheme *s = schemes->pdata[i];

		if ((v == IDLE_STATS_OFF && s->action == VTIER_DAMON_ACTION_STAT) ||
		    v == IDLE_NONE_MATCH)
			s->sz.min = s->sz.max = 1;
	}
}

/* How the kdamond's CPU depends on the schemes: @seconds for each IdleVariant, each a change of
 * @model (vtierd's start: the plan with PULL and PUSH parked) alone. */
static gboolean bench_idle(Bench *b, guint n, VtierDamonModel *model, const VtierPlan *plan,
			   guint seconds, GError **error)
{
	/* no scheme comes last (bench_size): making 2400 schemes anew on the running kdamond after
	 * it, the driver's read of `pid` failed with EIO (7.3 lab, 7 Dec 2026) */
	for (guint v = 0; v < IDLE_NO_SCHEME; v++) {
		g_autoptr(VtierDamonModel) m = vtier_damon_model_copy(model);

		idle_change(m, b, plan, (IdleVariant)v);
		if (!idle_cpu(b, n, m, idle_names[v], seconds, error))
			return FALSE;
	}
	/* back to vtierd's start for the budget rounds */
	return idle_cpu(b, n, model, idle_names[IDLE_PARKED], seconds, error);
}

static gboolean bench_size(Bench *b, guint n, GError **error)
{
	g_autoptr(VtierPlan) plan = NULL;
	g_autoptr(VtierDamonModel) model = NULL;
	Timed t = { 0 };

	if (!make_memcgs(n, error))
		return FALSE;
	plan = plan_guests(b, n, error);
	if (plan == NULL)
		return FALSE;
	model = vtier_damon_model_copy(plan->model);
	/* as vtierd starts a closed loop: parked until the controller's first step */
	set_moving_budgets(model, plan->model, 1);
	if (!time_apply(b, model, &t, error))
		return FALSE;
	printf("%6u %8u %-5s %9.1f %9s %9s %9.1f %7u %6u   (first apply: %u of %u guests "
	       "planned)\n",
	       n, model_schemes(model)->len, "on", t.ms, "", "", t.state_ms, t.writes, t.reads,
	       plan->guests->len, n);
	fflush(stdout);
	if (b->idle_seconds > 0 && !bench_idle(b, n, model, plan, b->idle_seconds, error))
		return FALSE;
	if (!bench_budget(b, n, plan, model, FALSE, error) ||
	    !bench_budget(b, n, plan, model, TRUE, error) || !bench_bare(b, n, model, error))
		return FALSE;
	if (b->idle_seconds > 0) {
		g_autoptr(VtierDamonModel) none = vtier_damon_model_copy(model);

		idle_change(none, b, plan, IDLE_NO_SCHEME);
		if (!idle_cpu(b, n, none, idle_names[IDLE_NO_SCHEME], b->idle_seconds, error))
			return FALSE;
	}
	return vtier_damon_driver_stop(b->driver, error);
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("");
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) sizes = NULL;
	gint rounds = 10;
	gint extra = 0;
	gint idle = 0;
	const GOptionEntry entries[] = {
		{ "guests", 'g', 0, G_OPTION_ARG_STRING_ARRAY, &sizes, "Plan size (repeat; default 100 and 500)", "N" },
		{ "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Budget changes per kind (default 10)", "R" },
		{ "extra-memcgs", 'm', 0, G_OPTION_ARG_INT, &extra, "Also create M empty memcgs first", "M" },
		{ "idle", 'i', 0, G_OPTION_ARG_INT, &idle, "Also the kdamond's CPU over S seconds for 7 scheme sets", "S" },
		G_OPTION_ENTRY_NULL,
	};
	const gchar *defaults[] = { "100", "500", NULL };
	Bench b = { 0 };

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || rounds < 1 || extra < 0 ||
	    idle < 0) {
		g_printerr("lab-commit-time: %s\n",
			   error != NULL ? error->message : "--rounds >= 1, --extra-memcgs >= 0, --idle >= 0");
		return 2;
	}
	if (g_getenv("LAB_KERNEL") == NULL || !g_file_test("/run/lab/cmd", G_FILE_TEST_EXISTS)) {
		g_printerr("lab-commit-time: refusing to run outside a lab guest (tests/kernel/lab)\n");
		return 2;
	}
	b.rounds = (guint)rounds;
	b.idle_seconds = (guint)idle;
	if (extra > 0 && !make_other_memcgs((guint)extra, &error)) {
		g_printerr("lab-commit-time: %s\n", error->message);
		return 1;
	}
	b.driver = vtier_damon_driver_new(NULL);
	b.topology = vtier_topology_load(NULL, &error);
	if (b.topology == NULL || !vtier_damon_driver_start(b.driver, TRUE, &error)) {
		g_printerr("lab-commit-time: %s\n", error->message);
		return 1;
	}
	b.features = vtier_damon_driver_get_features(b.driver);
	printf("kernel %s: the driver's apply of a budget change (writes + commit) and a bare "
	       "commit, ms over %u rounds; %d other memcgs\n",
	       g_getenv("LAB_RELEASE"), b.rounds, extra);
	printf("%6s %8s %-5s %9s %9s %9s %9s %7s %6s\n", "guests", "schemes", "kind", "min", "median",
	       "max", "state", "writes", "reads");
	for (guint i = 0; (sizes != NULL ? sizes[i] : defaults[i]) != NULL; i++) {
		guint n = (guint)g_ascii_strtoull(sizes != NULL ? sizes[i] : defaults[i], NULL, 10);

		if (n == 0 || !bench_size(&b, n, &error)) {
			g_printerr("lab-commit-time: %u guests: %s\n", n,
				   error != NULL ? error->message : "invalid size");
			vtier_damon_driver_stop(b.driver, NULL);
			return 1;
		}
	}
	vtier_topology_free(b.topology);
	vtier_damon_driver_free(b.driver);
	return 0;
}
