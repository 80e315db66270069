/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/paths.h"
#include "tiering/damon/damon-render.h"
#include "tiering/damon/damon-writer-private.h"

/* What changed in a kdamond during one apply. */
enum { CHANGED_CONTEXT = 1 << 0, CHANGED_GOALS = 1 << 1 };

static const gchar *const action_names[] = { "none", "on", "commit", "commit_schemes_quota_goals" };
G_STATIC_ASSERT(G_N_ELEMENTS(action_names) == VTIER_DAMON_STATE_LAST);

const gchar *vtier_damon_state_action_to_string(VtierDamonStateAction action)
{
	return (guint)action < VTIER_DAMON_STATE_LAST ? action_names[action] : "(invalid)";
}

VtierDamonWriter *vtier_damon_writer_new(VtierDamonIo *io, const VtierDamonFeatures *features)
{
	VtierDamonWriter *w = g_new0(VtierDamonWriter, 1);

	w->io = vtier_damon_io_ref(io);
	w->features = vtier_damon_features_copy(features);
	w->known = vtier_damon_known_new();
	w->running = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					   (GDestroyNotify)g_ptr_array_unref);
	w->before = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					  (GDestroyNotify)vtier_damon_part_unref);
	w->tries = 5;
	w->first_delay_us = 1000;
	w->check_memcg = TRUE;
	w->staged = VTIER_DAMON_STAGED_AUTO;
	w->staged_max_wait_ms = 2000;
	return w;
}

void vtier_damon_writer_free(VtierDamonWriter *w)
{
	if (w == NULL)
		return;
	vtier_damon_io_unref(w->io);
	vtier_damon_features_free(w->features);
	vtier_damon_known_free(w->known);
	g_clear_pointer(&w->status_schemes, g_hash_table_unref);
	g_hash_table_unref(w->running);
	g_hash_table_unref(w->before);
	g_clear_pointer(&w->last_parts, g_ptr_array_unref);
	g_free(w);
}

void vtier_damon_writer_set_busy_retry(VtierDamonWriter *w, guint tries, guint first_delay_us)
{
	w->tries = MAX(tries, 1);
	w->first_delay_us = first_delay_us;
}

void vtier_damon_writer_set_check_memcg(VtierDamonWriter *w, gboolean check)
{
	w->check_memcg = check;
}

/* Its scheme parts no longer known to hold their values. */
static void forget_parts(VtierDamonWriter *w)
{
	for (guint i = 0; w->last_parts != NULL && i < w->last_parts->len; i++)
		((VtierDamonPart *)w->last_parts->pdata[i])->applied = FALSE;
}

void vtier_damon_writer_invalidate(VtierDamonWriter *w)
{
	vtier_damon_known_clear(w->known);
	forget_parts(w);
}

void vtier_damon_apply_result_clear(VtierDamonApplyResult *result)
{
	g_clear_pointer(&result->actions, g_array_unref);
}

static VtierDamonEntry *entry_copy(const VtierDamonEntry *e, const gchar *value)
{
	return vtier_damon_entry_new(e, NULL, value != NULL ? value : e->value);
}

/* ---- writing one file ---- */

gboolean vtier_damon_writer_write(VtierDamonWriter *w, const gchar *relpath, const gchar *value,
			       VtierDamonApplyResult *result, GError **error)
{
	g_autofree gchar *path = vtier_damon_admin_path(relpath);

	if (!vtier_damon_io_write_retrying(w->io, path, value, w->tries, w->first_delay_us,
					   &result->busy_retries, error))
		return FALSE;
	result->writes++;
	return TRUE;
}

/* The part of scheme @i of kdamond @k where the render puts it (the head of @k, then its schemes
 * in order: damon-render.c), or NULL when it is not there. */
static VtierDamonPart *scheme_part(GPtrArray *parts, guint k, guint i)
{
	for (guint j = 0; j < parts->len; j++) {
		const VtierDamonPart *head = parts->pdata[j];
		VtierDamonPart *part;

		if (head->kdamond != (gint)k || head->scheme >= 0)
			continue;
		if (j + 1 + i >= parts->len)
			return NULL;
		part = parts->pdata[j + 1 + i];
		return part->kdamond == (gint)k && part->scheme == (gint)i ? part : NULL;
	}
	return NULL;
}

/* The scheme parts with files below @dir no longer hold their values: one scheme's when @dir is in
 * it (its filters, goals, dests), every scheme of a kdamond when @dir is above its schemes/. */
static void forget_parts_below(VtierDamonWriter *w, const gchar *dir)
{
	g_autofree gchar *prefix = g_strconcat(dir, "/", NULL);
	guint k = 0, i = 0;
	gint end = 0;

	if (w->last_parts == NULL)
		return;
	if (sscanf(dir, "kdamonds/%u/contexts/0/schemes/%u%n", &k, &i, &end) == 2 &&
	    (dir[end] == '\0' || dir[end] == '/')) {
		VtierDamonPart *at = scheme_part(w->last_parts, k, i);

		/* the render makes one part per scheme, after its kdamond's head: a new scheme's
		 * nr_filters, nr_goals and nr_dests writes look there, not through ~2000 parts */
		if (at != NULL) {
			at->applied = FALSE;
			return;
		}
		for (guint j = 0; j < w->last_parts->len; j++) {
			VtierDamonPart *part = w->last_parts->pdata[j];

			if (part->kdamond == (gint)k && part->scheme == (gint)i)
				part->applied = FALSE;
		}
		return;
	}
	for (guint j = 0; j < w->last_parts->len; j++) {
		VtierDamonPart *part = w->last_parts->pdata[j];
		g_autofree gchar *schemes = NULL;

		if (part->scheme != 0)
			continue; /* the first scheme of each kdamond decides for all of them */
		schemes = g_strdup_printf("kdamonds/%d/contexts/0/schemes/", part->kdamond);
		if (!g_str_has_prefix(schemes, prefix))
			continue;
		for (guint n = j; n < w->last_parts->len; n++) {
			VtierDamonPart *same = w->last_parts->pdata[n];

			if (same->kdamond == part->kdamond)
				same->applied = FALSE;
		}
	}
}

/* Forgets what the files below @dir held: an nr_* write recreated them with defaults. */
/* After an nr_* write in @dir: the kernel made everything below it anew, with its defaults. */
static void recreated_below(VtierDamonWriter *w, const gchar *dir)
{
	vtier_damon_known_mark_fresh(w->known, dir);
	forget_parts_below(w, dir);
}

/* Remembers that @relpath holds @value (NULL: nothing known); returns the remembered copy, valid
 * until the next change of what is known. */
static const gchar *remember(VtierDamonWriter *w, const gchar *relpath, const gchar *value)
{
	return vtier_damon_known_set(w->known, relpath, value);
}

/* What @e's file holds: remembered, its default in a directory the kernel made anew since
 * (*ret_fresh: whether the kernel has the file is not known then), or read. Sets *ret_exists
 * FALSE when the kernel lacks it. */
static gboolean current_value(VtierDamonWriter *w, const VtierDamonEntry *e, gboolean running,
			      const gchar **ret_value, gboolean *ret_exists, gboolean *ret_fresh,
			      GError **error)
{
	VtierDamonPart *before =
		running ? g_hash_table_lookup(w->before, GUINT_TO_POINTER(e->kdamond)) : NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *read = NULL;

	*ret_exists = TRUE;
	*ret_fresh = FALSE;
	*ret_value = vtier_damon_known_lookup(w->known, e->relpath);
	if (*ret_value != NULL)
		return TRUE;
	/* an adopted kdamond's files are read for a restore (w->before): read as they are */
	if (before == NULL && e->default_value != NULL &&
	    vtier_damon_known_is_fresh(w->known, e->relpath)) {
		*ret_fresh = TRUE;
		*ret_value = e->default_value;
		return TRUE;
	}
	path = vtier_damon_admin_path(e->relpath);
	if (!vtier_damon_io_exists(w->io, path)) {
		*ret_exists = FALSE;
		return TRUE;
	}
	if (!vtier_damon_io_read(w->io, path, &read, error))
		return FALSE;
	*ret_value = remember(w, e->relpath, read);
	if (before != NULL)
		g_ptr_array_add(before->entries, entry_copy(e, *ret_value));
	return TRUE;
}

/* Brings one file to @e's value. Sets bits of @changed (per kdamond) when it wrote. */
static gboolean apply_entry(VtierDamonWriter *w, const VtierDamonEntry *e, gboolean running,
			    guint *changed, VtierDamonApplyResult *result, GError **error)
{
	const gchar *cur = NULL;
	gboolean exists, fresh;

	if (e->tuned && running)
		return TRUE; /* the intervals tuner owns them now */
	if (!current_value(w, e, running, &cur, &exists, &fresh, error))
		return FALSE;
	if (fresh) {
		g_autofree gchar *path = NULL;

		if (vtier_damon_entry_values_equal(e->kind, cur, e->value))
			return TRUE; /* holds its default, or absent: the same to the model */
		path = vtier_damon_admin_path(e->relpath);
		exists = vtier_damon_io_exists(w->io, path);
	}
	if (!exists) {
		g_autofree gchar *host = vtier_path_build_host(VTIER_PATH_DAMON_ADMIN, e->relpath, NULL);

		if (vtier_damon_entry_values_equal(e->kind, e->value, e->default_value))
			return TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "cannot write \"%s\" to %s: this kernel has no such file (DAMON "
			    "features: %s)",
			    e->value, host, w->features->source);
		return FALSE;
	}
	if (vtier_damon_entry_values_equal(e->kind, cur, e->value))
		return TRUE;
	if (!vtier_damon_writer_write(w, e->relpath, e->value, result, error))
		return FALSE;
	if (e->kind == VTIER_DAMON_ENTRY_NR) {
		g_autofree gchar *dir = g_path_get_dirname(e->relpath);

		recreated_below(w, dir);
	}
	remember(w, e->relpath, e->value);
	if (!e->live && !g_str_equal(e->relpath, "kdamonds/nr_kdamonds"))
		*changed |= e->goal ? CHANGED_GOALS : CHANGED_CONTEXT;
	return TRUE;
}

gboolean vtier_damon_writer_read(VtierDamonWriter *w, const gchar *relpath, gchar **ret_value,
				 GError **error)
{
	g_autofree gchar *path = vtier_damon_admin_path(relpath);

	return vtier_damon_io_read(w->io, path, ret_value, error);
}

/* ---- one apply ---- */

typedef struct {
	VtierDamonWriter *w;
	const VtierDamonModel *model;
	VtierDamonApplyResult *result;
	GArray *running; /* gboolean per kdamond index of the tree */
	GArray *changed; /* guint CHANGED_* per kdamond index of the model */
} Apply;

static gboolean is_running(Apply *a, guint k)
{
	return k < a->running->len && g_array_index(a->running, gboolean, k);
}

static void set_running(Apply *a, guint k, gboolean running)
{
	if (k >= a->running->len)
		g_array_set_size(a->running, k + 1);
	g_array_index(a->running, gboolean, k) = running;
}

/* Fails with the kernel's answer and its usual cause. */
static gboolean write_explained(Apply *a, const gchar *relpath, const gchar *value, GError **error)
{
	if (vtier_damon_writer_write(a->w, relpath, value, a->result, error))
		return TRUE;
	vtier_damon_writer_explain(a->w, a->model, relpath, value,
				   vtier_damon_io_last_errno(a->w->io), error);
	return FALSE;
}

static gboolean read_tree_state(Apply *a, guint64 *ret_nr, GError **error)
{
	g_autofree gchar *nr_path = vtier_damon_admin_path("kdamonds/nr_kdamonds");

	if (!vtier_damon_io_read_u64(a->w->io, nr_path, ret_nr, error))
		return FALSE;
	for (guint k = 0; k < *ret_nr; k++) {
		g_autofree gchar *rel = g_strdup_printf("kdamonds/%u/state", k);
		g_autofree gchar *state = NULL;

		if (!vtier_damon_writer_read(a->w, rel, &state, error))
			return FALSE;
		set_running(a, k, g_strcmp0(state, "on") == 0);
	}
	return TRUE;
}

static gboolean stop_all(Apply *a, GError **error)
{
	for (guint k = 0; k < a->running->len; k++) {
		g_autofree gchar *rel = g_strdup_printf("kdamonds/%u/state", k);

		if (!is_running(a, k))
			continue;
		if (!write_explained(a, rel, "off", error))
			return FALSE;
		set_running(a, k, FALSE);
		g_hash_table_remove(a->w->running, GUINT_TO_POINTER(k));
	}
	return TRUE;
}

static gboolean apply_list(Apply *a, GPtrArray *entries, gboolean track, GError **error)
{
	for (guint i = 0; i < entries->len; i++) {
		const VtierDamonEntry *e = entries->pdata[i];
		guint ignored = 0;
		guint *changed = &ignored;

		if (track && e->kdamond < a->changed->len)
			changed = &g_array_index(a->changed, guint, e->kdamond);
		if (!apply_entry(a->w, e, is_running(a, e->kdamond), changed, a->result, error)) {
			vtier_damon_writer_explain(a->w, a->model, e->relpath, e->value,
						   vtier_damon_io_last_errno(a->w->io), error);
			return FALSE;
		}
	}
	return TRUE;
}

/* After a failed commit the files hold rejected values: write back what the kdamond runs. */
static void restore_running(Apply *a, guint k)
{
	GPtrArray *list = g_hash_table_lookup(a->w->running, GUINT_TO_POINTER(k));
	g_autoptr(GPtrArray) read_before = NULL;
	VtierDamonPart *before = NULL;
	g_autoptr(GError) local = NULL;

	/* adopted kdamond, never committed by us: what its files held before this apply */
	if (list == NULL && g_hash_table_steal_extended(a->w->before, GUINT_TO_POINTER(k), NULL,
							(gpointer *)&before)) {
		read_before = g_ptr_array_new_with_free_func(
			(GDestroyNotify)vtier_damon_part_unref);
		g_ptr_array_add(read_before, before);
		list = read_before;
	}
	if (list == NULL)
		return;
	/* the files no longer hold the parts of the model being applied */
	forget_parts(a->w);
	for (guint i = 0; i < list->len; i++) {
		VtierDamonPart *part = list->pdata[i];
		GPtrArray *entries;

		if (part->kdamond != (gint)k)
			continue; /* the list is a whole render's (run_state) */
		entries = vtier_damon_part_get_entries(part, a->w->features, &local);
		if (entries == NULL || !apply_list(a, entries, FALSE, &local)) {
			g_debug("restoring kdamond %u after a failed commit: %s", k,
				local->message);
			vtier_damon_writer_invalidate(a->w);
			break;
		}
	}
	if (read_before != NULL)
		g_hash_table_replace(a->w->running, GUINT_TO_POINTER(k),
				     g_steal_pointer(&read_before));
}

static VtierDamonStateAction decide(Apply *a, guint k)
{
	guint changed = g_array_index(a->changed, guint, k);

	if (!is_running(a, k))
		return VTIER_DAMON_STATE_ON;
	if (changed & CHANGED_CONTEXT)
		return VTIER_DAMON_STATE_COMMIT;
	if ((changed & CHANGED_GOALS) &&
	    vtier_damon_features_has_state_command(a->w->features, "commit_schemes_quota_goals"))
		return VTIER_DAMON_STATE_COMMIT_GOALS;
	if (changed & CHANGED_GOALS)
		return VTIER_DAMON_STATE_COMMIT;
	return VTIER_DAMON_STATE_NONE;
}

/* 6.12 runs `commit` in the kdamond's callback: a rejected commit returns success and stops
 * the kdamond. Put the running values back and start it again. */
static gboolean check_still_running(Apply *a, guint k, GError **error)
{
	g_autofree gchar *rel = g_strdup_printf("kdamonds/%u/state", k);
	g_autofree gchar *state = NULL;
	g_autoptr(GError) local = NULL;

	if (!vtier_damon_writer_read(a->w, rel, &state, error))
		return FALSE;
	if (g_strcmp0(state, "on") == 0)
		return TRUE;
	set_running(a, k, FALSE);
	restore_running(a, k);
	if (!write_explained(a, rel, "on", &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED,
			    "kdamond %u stopped when the kernel rejected `commit`, and starting it "
			    "again with its previous configuration failed: %s",
			    k, local->message);
		return FALSE;
	}
	set_running(a, k, TRUE);
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
		    "the kernel rejected `commit` of kdamond %u and stopped it (this kernel reports "
		    "commit errors by stopping the kdamond); vtier started it again with its previous "
		    "configuration",
		    k);
	return FALSE;
}

static gboolean run_state(Apply *a, guint k, GPtrArray *parts, VtierDamonStateAction *ret_action,
			  GError **error)
{
	VtierDamonStateAction action = decide(a, k);
	g_autofree gchar *rel = g_strdup_printf("kdamonds/%u/state", k);

	gint64 t0 = g_get_monotonic_time();
	gboolean ok = action == VTIER_DAMON_STATE_NONE ||
		      write_explained(a, rel, vtier_damon_state_action_to_string(action), error);

	*ret_action = action;
	a->result->state_ms += (guint)((g_get_monotonic_time() - t0) / 1000);
	if (!ok) {
		if (action != VTIER_DAMON_STATE_ON)
			restore_running(a, k);
		return FALSE;
	}
	if (action == VTIER_DAMON_STATE_ON) {
		set_running(a, k, TRUE);
		if (a->w->started != NULL)
			a->w->started(a->w, k, a->w->started_data);
	}
	if ((action == VTIER_DAMON_STATE_COMMIT || action == VTIER_DAMON_STATE_COMMIT_GOALS) &&
	    !check_still_running(a, k, error))
		return FALSE;
	if (action != VTIER_DAMON_STATE_NONE ||
	    !g_hash_table_contains(a->w->running, GUINT_TO_POINTER(k)))
		/* the whole render, shared: kdamond @k's parts are picked out in the rare
		 * restore_running(), not copied out at every commit (~2400 references at 500
		 * guests) */
		g_hash_table_replace(a->w->running, GUINT_TO_POINTER(k), g_ptr_array_ref(parts));
	return TRUE;
}

static void prepare_before_lists(Apply *a)
{
	g_hash_table_remove_all(a->w->before);
	for (guint k = 0; k < a->running->len; k++) {
		if (is_running(a, k) && !g_hash_table_contains(a->w->running, GUINT_TO_POINTER(k)))
			g_hash_table_insert(a->w->before, GUINT_TO_POINTER(k),
					    vtier_damon_part_new((gint)k, -1));
	}
}

/* Renders @model, reusing the parts of the schemes that did not change since the last model. */
static GPtrArray *render(VtierDamonWriter *w, const VtierDamonModel *model, GError **error)
{
	GPtrArray *parts = vtier_damon_render_parts(model, w->features, w->last_parts, error);

	if (parts == NULL)
		return NULL;
	g_clear_pointer(&w->last_parts, g_ptr_array_unref);
	w->last_parts = g_ptr_array_ref(parts);
	return parts;
}

/* Brings the files of @parts to their values. A scheme's part applied before (and not forgotten
 * since: an nr_* write above it, an invalidate, a restore) is skipped: its files hold its values
 * as far as the writer knows, so comparing them would find nothing (unless the kdamond's files
 * are being read for a restore, a->w->before). An applied scheme's part lets its entries go until
 * it must be applied again (vtier_damon_part_drop_entries()). */
static gboolean apply_parts(Apply *a, GPtrArray *parts, GError **error)
{
	for (guint i = 0; i < parts->len; i++) {
		VtierDamonPart *part = parts->pdata[i];
		GPtrArray *entries;

		if (part->scheme >= 0 && part->applied &&
		    !g_hash_table_contains(a->w->before, GINT_TO_POINTER(part->kdamond)))
			continue;
		entries = vtier_damon_part_get_entries(part, a->w->features, error);
		if (entries == NULL || !apply_list(a, entries, TRUE, error))
			return FALSE;
		part->applied = part->scheme >= 0;
		if (part->applied)
			vtier_damon_part_drop_entries(part);
	}
	return TRUE;
}

/* One pass: files, then state commands. Appends one action per kdamond to result->actions. */
static gboolean apply_once(VtierDamonWriter *w, const VtierDamonModel *model, GPtrArray *parts,
			   VtierDamonApplyResult *result, GError **error)
{
	g_autoptr(GArray) running = g_array_new(FALSE, TRUE, sizeof(gboolean));
	g_autoptr(GArray) changed = g_array_new(FALSE, TRUE, sizeof(guint));
	Apply a = { w, model, result, running, changed };
	guint64 nr = 0;

	g_array_set_size(changed, model->kdamonds->len);
	if (!read_tree_state(&a, &nr, error))
		return FALSE;
	if (nr != model->kdamonds->len && !stop_all(&a, error))
		return FALSE;
	prepare_before_lists(&a);
	if (!apply_parts(&a, parts, error))
		return FALSE;
	for (guint k = 0; k < model->kdamonds->len; k++) {
		VtierDamonStateAction action = VTIER_DAMON_STATE_NONE;
		gboolean ok = run_state(&a, k, parts, &action, error);

		g_array_append_val(result->actions, action);
		if (!ok)
			return FALSE;
	}
	g_hash_table_remove_all(w->before);
	return TRUE;
}

/* Which kdamonds of @model this apply will start (`on`): those not running, or all when the
 * number of kdamonds changes (the running ones are stopped first). */
static gboolean find_starting(VtierDamonWriter *w, const VtierDamonModel *model,
			      gboolean *starting, GError **error)
{
	g_auto(VtierDamonApplyResult) ignored = { 0 };
	g_autoptr(GArray) running = g_array_new(FALSE, TRUE, sizeof(gboolean));
	Apply a = { w, model, &ignored, running, NULL };
	guint64 nr = 0;

	if (!read_tree_state(&a, &nr, error))
		return FALSE;
	for (guint k = 0; k < model->kdamonds->len; k++)
		starting[k] = nr != model->kdamonds->len || !is_running(&a, k);
	return TRUE;
}

/* The staged model for the kdamonds this apply starts, or NULL (see set_staged_start()). */
static VtierDamonModel *staged_model(VtierDamonWriter *w, const VtierDamonModel *model,
				     guint *ret_wait_ms, GError **error)
{
	g_autofree gboolean *starting = g_new0(gboolean, model->kdamonds->len + 1);
	gboolean any = FALSE;
	gboolean stage = vtier_damon_staged_start_applies(w->staged, w->features);

	for (guint k = 0; k < model->kdamonds->len; k++) {
		const VtierDamonContext *ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[k])->context;

		for (guint i = 0; i < ctx->schemes->len; i++)
			any |= vtier_damon_scheme_needs_staged_start(ctx->schemes->pdata[i]);
	}
	/* no extra read of the tree when nothing could be staged */
	if (!stage || !any || !find_starting(w, model, starting, error))
		return NULL;
	return vtier_damon_writer_staged_model(model, starting, ret_wait_ms, w->staged_max_wait_ms);
}

/* Staged start: the unmatchable model with `on`, a wait, then the real one. */
static gboolean apply_staged(VtierDamonWriter *w, const VtierDamonModel *model,
			     const VtierDamonModel *staged, guint wait_ms,
			     VtierDamonApplyResult *result, GError **error)
{
	g_autoptr(GArray) first = NULL;
	g_autoptr(GPtrArray) staged_parts = render(w, staged, error);
	g_autoptr(GPtrArray) parts = NULL;

	if (staged_parts == NULL || !apply_once(w, staged, staged_parts, result, error))
		return FALSE;
	first = g_steal_pointer(&result->actions);
	result->actions = g_array_new(FALSE, TRUE, sizeof(VtierDamonStateAction));
	for (guint k = 0; k < first->len; k++)
		result->staged += g_array_index(first, VtierDamonStateAction, k) == VTIER_DAMON_STATE_ON;
	g_debug("staged start of %u kdamonds: waiting %u ms for the first quota window",
		result->staged, wait_ms);
	vtier_damon_writer_wait(w, wait_ms);
	result->staged_wait_ms = wait_ms;
	parts = render(w, model, error);
	if (parts == NULL || !apply_once(w, model, parts, result, error))
		return FALSE;
	/* what this apply did to each kdamond: `on` for the staged ones */
	for (guint k = 0; k < first->len && k < result->actions->len; k++) {
		if (g_array_index(first, VtierDamonStateAction, k) != VTIER_DAMON_STATE_NONE)
			g_array_index(result->actions, VtierDamonStateAction, k) =
				g_array_index(first, VtierDamonStateAction, k);
	}
	return TRUE;
}

/* vtier_damon_writer_apply() without its accounting of reads and lookups. */
static gboolean apply_model(VtierDamonWriter *w, const VtierDamonModel *model,
			    VtierDamonApplyResult *result, GError **error)
{
	g_autoptr(GPtrArray) parts = NULL;
	g_autoptr(VtierDamonModel) staged = NULL;
	g_autoptr(GError) local = NULL;
	guint wait_ms = 0;

	result->actions = g_array_new(FALSE, TRUE, sizeof(VtierDamonStateAction));
	/* rendered first: a model the kernel cannot express fails before anything else */
	parts = render(w, model, error);
	if (parts == NULL)
		return FALSE;
	if (w->check_memcg) {
		g_autofree gchar *missing = vtier_damon_writer_missing_memcgs(model);

		if (missing != NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
				    "memcg path does not exist: %s; the kernel would refuse the "
				    "configuration (ENOMEM), 6.12 by stopping the kdamond",
				    missing);
			return FALSE;
		}
	}
	staged = staged_model(w, model, &wait_ms, &local);
	if (local != NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (staged != NULL)
		return apply_staged(w, model, staged, wait_ms, result, error);
	return apply_once(w, model, parts, result, error);
}

gboolean vtier_damon_writer_apply(VtierDamonWriter *w, const VtierDamonModel *model,
				  VtierDamonApplyResult *ret_result, GError **error)
{
	g_auto(VtierDamonApplyResult) local_result = { 0 };
	VtierDamonApplyResult *result = ret_result != NULL ? ret_result : &local_result;
	guint reads = vtier_damon_io_get_read_count(w->io);
	guint lookups = vtier_damon_io_get_lookup_count(w->io);
	gboolean ok;

	memset(result, 0, sizeof(*result));
	ok = apply_model(w, model, result, error);
	result->reads = vtier_damon_io_get_read_count(w->io) - reads;
	result->lookups = vtier_damon_io_get_lookup_count(w->io) - lookups;
	return ok;
}

gboolean vtier_damon_writer_stop(VtierDamonWriter *w, GError **error)
{
	g_auto(VtierDamonApplyResult) result = { 0 };
	g_autoptr(GArray) running = g_array_new(FALSE, TRUE, sizeof(gboolean));
	Apply a = { w, NULL, &result, running, NULL };
	guint64 nr = 0;

	if (!read_tree_state(&a, &nr, error))
		return FALSE;
	return stop_all(&a, error);
}
