/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include "tiering/damon/damon-writer-private.h"

/*
 * Staged start. 6.12 does not limit a scheme's first quota window (measured in the lab: one pass
 * of a 32 MiB/s migrate_hot moved all 512 MiB of a workload, cold pages first). So when the
 * writer starts a kdamond (`on`) whose schemes move memory under a quota, it first starts it with
 * those schemes' access patterns made unmatchable (sz.min above the monitored span), waits one
 * quota window (the longest reset_interval_ms + 200 ms, at most the writer's bound), then writes
 * the real patterns and `commit`s. By default (auto) only where the first window is not known to
 * be limited: 6.18 and 7.3 kept a 32 MiB/s PULL's first window at 26 MiB when it started at once
 * (lab, PROOF_NO_STAGED=1), so there the stage would only cost a window (1.2 s) of waiting.
 */

void vtier_damon_writer_set_started_func(VtierDamonWriter *w, VtierDamonStartedFunc func,
					 gpointer user_data)
{
	w->started = func;
	w->started_data = user_data;
}

void vtier_damon_writer_set_staged_start(VtierDamonWriter *w, gboolean enabled, guint max_wait_ms)
{
	w->staged = enabled ? VTIER_DAMON_STAGED_ALWAYS : VTIER_DAMON_STAGED_NEVER;
	w->staged_max_wait_ms = max_wait_ms;
}

gboolean vtier_damon_staged_start_applies(VtierDamonStagedStart mode,
					  const VtierDamonFeatures *features)
{
	return mode == VTIER_DAMON_STAGED_ALWAYS ||
	       (mode == VTIER_DAMON_STAGED_AUTO && !features->first_window_limited);
}

void vtier_damon_writer_set_staged_mode(VtierDamonWriter *w, VtierDamonStagedStart mode)
{
	w->staged = mode;
}

gboolean vtier_damon_staged_start_from_string(const gchar *text, VtierDamonStagedStart *ret_mode)
{
	static const gchar *const names[] = { "auto", "always", "never" };

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_strcmp0(text, names[i]) == 0) {
			*ret_mode = (VtierDamonStagedStart)i;
			return TRUE;
		}
	}
	return FALSE;
}

static void default_wait(VtierDamonWriter *w, guint ms)
{
	(void)w;
	g_usleep((gulong)ms * 1000);
}

void vtier_damon_writer_wait(VtierDamonWriter *w, guint ms)
{
	if (w->wait != NULL)
		w->wait(w, ms);
	else
		default_wait(w, ms);
}

/* Whether @s moves memory under a quota, so that an unlimited first window could move too much. */
gboolean vtier_damon_scheme_needs_staged_start(const VtierDamonScheme *s)
{
	gboolean moves = s->action == VTIER_DAMON_ACTION_MIGRATE_HOT ||
			 s->action == VTIER_DAMON_ACTION_MIGRATE_COLD ||
			 s->action == VTIER_DAMON_ACTION_PAGEOUT;
	gboolean quota = s->quotas.bytes != 0 || s->quotas.ms != 0 || s->quotas.goals->len > 0;

	return moves && quota;
}

/* A region size no region of @ctx can have: its monitored span + 1 (G_MAXUINT64 without
 * regions, where the kernel finds them itself). */
static guint64 unmatchable_size(const VtierDamonContext *ctx)
{
	guint64 lo = G_MAXUINT64, hi = 0;

	for (guint i = 0; i < ctx->targets->len; i++) {
		const VtierDamonTarget *t = ctx->targets->pdata[i];

		for (guint j = 0; j < t->regions->len; j++) {
			const VtierDamonRegion *r = &g_array_index(t->regions, VtierDamonRegion, j);

			lo = MIN(lo, r->start);
			hi = MAX(hi, r->end);
		}
	}
	if (lo >= hi || hi - lo == G_MAXUINT64)
		return G_MAXUINT64;
	return hi - lo + 1;
}

/* Makes the moving schemes of @ctx match nothing; returns the longest reset_interval_ms among
 * them + 1 (0 when none was changed). */
static guint64 make_unmatchable(VtierDamonContext *ctx)
{
	guint64 sz = unmatchable_size(ctx);
	guint64 longest = 0;

	for (guint i = 0; i < ctx->schemes->len; i++) {
		VtierDamonScheme *s = ctx->schemes->pdata[i];

		if (!vtier_damon_scheme_needs_staged_start(s))
			continue;
		s->sz.min = sz;
		s->sz.max = MAX(s->sz.max, sz);
		longest = MAX(longest, s->quotas.reset_interval_ms + 1);
	}
	return longest;
}

VtierDamonModel *vtier_damon_writer_staged_model(const VtierDamonModel *model,
						 const gboolean *starting, guint *ret_wait_ms,
						 guint max_wait_ms)
{
	g_autoptr(VtierDamonModel) staged = vtier_damon_model_copy(model);
	guint64 longest = 0;

	for (guint k = 0; k < staged->kdamonds->len; k++) {
		VtierDamonKdamond *kd = staged->kdamonds->pdata[k];

		if (starting[k])
			longest = MAX(longest, make_unmatchable(kd->context));
	}
	if (longest == 0)
		return NULL;
	*ret_wait_ms = (guint)MIN(longest - 1 + 200, (guint64)max_wait_ms);
	return g_steal_pointer(&staged);
}
