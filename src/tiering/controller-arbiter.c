/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-controller"

#include "config.h"

#include "tiering/controller-private.h"

/* Budgets here are bytes per window, 0 while parked (the step's end parks them for the kernel).
 *
 * The host arbiter: when the guests together want more fast memory than the fast node holds for
 * them, or more migration than the host's rate cap, higher priorities are served first and a
 * priority that cannot be served in full shares what is left in proportion to its demands. */

static gint by_priority_desc(gconstpointer a, gconstpointer b, gpointer data)
{
	const guint *prio = data;
	guint pa = prio[*(const guint *)a];
	guint pb = prio[*(const guint *)b];

	if (pa != pb)
		return pa > pb ? -1 : 1;
	return *(const guint *)a < *(const guint *)b ? -1 : 1;
}

/* a * b / c without overflow for byte counts (c > 0) */
static guint64 scale(guint64 a, guint64 b, guint64 c)
{
	return (guint64)((unsigned __int128)a * b / c);
}

void ctl_share(const guint *priorities, const guint64 *demands, guint n, guint64 available,
	       guint64 *ret_grants)
{
	g_autofree guint *order = g_new(guint, MAX(n, 1));
	guint i = 0;

	for (guint k = 0; k < n; k++)
		order[k] = k;
	g_qsort_with_data(order, (gint)n, sizeof(guint), by_priority_desc, (gpointer)priorities);
	while (i < n) {
		guint end = i;
		guint64 sum = 0;

		while (end < n && priorities[order[end]] == priorities[order[i]])
			sum += demands[order[end++]];
		for (guint k = i; k < end; k++) {
			guint64 d = demands[order[k]];

			ret_grants[order[k]] = sum <= available ? d : scale(d, available, sum);
		}
		available = sum <= available ? available - sum : 0;
		i = end;
	}
}

void ctl_arbitrate_fast(CtlGuest *guests, guint n, const VtierControllerHost *host)
{
	g_autofree guint *prio = g_new0(guint, MAX(n, 1));
	g_autofree guint64 *demand = g_new0(guint64, MAX(n, 1));
	g_autofree guint64 *grant = g_new0(guint64, MAX(n, 1));
	guint64 fixed = 0;

	for (guint i = 0; i < n; i++) {
		CtlGuest *g = &guests[i];

		g->grant = g->want;
		prio[i] = g->in->priority;
		/* what the loop does not control stays where it is */
		fixed += g->closed ? ctl_sub0(g->in->fast_bytes, g->level) : g->in->fast_bytes;
		demand[i] = g->closed ? g->want : 0;
	}
	if (host == NULL || host->fast_capacity_bytes == 0)
		return;
	ctl_share(prio, demand, n, ctl_sub0(host->fast_capacity_bytes, fixed), grant);
	for (guint i = 0; i < n; i++) {
		CtlGuest *g = &guests[i];

		if (!g->closed)
			continue;
		g->grant = grant[i];
		g->capped_fast = grant[i] < g->want;
	}
}

/* The fast node's headroom: nothing overfills it, even while other guests are still on their
 * way down. Each guest's net growth in fast memory until the next step is shared out. */
static void share_headroom(CtlGuest *guests, guint n, guint64 capacity)
{
	g_autofree guint *prio = g_new0(guint, MAX(n, 1));
	g_autofree guint64 *demand = g_new0(guint64, MAX(n, 1));
	g_autofree guint64 *grant = g_new0(guint64, MAX(n, 1));
	guint64 used = 0;

	for (guint i = 0; i < n; i++) {
		CtlGuest *g = &guests[i];

		prio[i] = g->in->priority;
		used += g->in->fast_bytes;
		if (!g->closed)
			continue;
		/* one window of the last step's budget may still move after the measurement */
		if (g->st->up >= VTIER_CONTROLLER_MIN_BUDGET)
			used += g->st->up;
		demand[i] = ctl_sub0(g->up, g->down) * g->windows;
	}
	ctl_share(prio, demand, n, ctl_sub0(capacity, used), grant);
	for (guint i = 0; i < n; i++) {
		CtlGuest *g = &guests[i];

		if (grant[i] >= demand[i])
			continue;
		g->up = g->down + grant[i] / g->windows;
		g->capped_fast = TRUE;
	}
}

/* The host's rate cap per window over every guest's PULL + PUSH. */
static void share_rate(CtlGuest *guests, guint n, guint64 cap)
{
	g_autofree guint *prio = g_new0(guint, MAX(n, 1));
	g_autofree guint64 *demand = g_new0(guint64, MAX(n, 1));
	g_autofree guint64 *grant = g_new0(guint64, MAX(n, 1));

	for (guint i = 0; i < n; i++) {
		prio[i] = guests[i].in->priority;
		demand[i] = guests[i].up + guests[i].down;
	}
	ctl_share(prio, demand, n, cap, grant);
	for (guint i = 0; i < n; i++) {
		CtlGuest *g = &guests[i];

		if (grant[i] >= demand[i])
			continue;
		/* both directions shrink alike: an exchange stays balanced */
		g->up = scale(g->up, grant[i], demand[i]);
		g->down = scale(g->down, grant[i], demand[i]);
		g->capped_host = TRUE;
	}
}

void ctl_arbitrate_rate(CtlGuest *guests, guint n, const VtierControllerHost *host)
{
	if (host == NULL)
		return;
	if (host->fast_capacity_bytes > 0)
		share_headroom(guests, n, host->fast_capacity_bytes);
	if (host->host_rate_cap_bytes > 0)
		share_rate(guests, n, host->host_rate_cap_bytes);
}
