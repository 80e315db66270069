/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/paths.h"
#include "tiering/damon/damon-render.h"
#include "tiering/damon/damon-script.h"
#include "tiering/damon/damon-writer-private.h"
#include "tiering/damon/damon-writer.h"

enum { CHANGED_CONTEXT = 1 << 0, CHANGED_GOALS = 1 << 1 };

/* The script so far and the kdamonds already started. */
typedef struct {
	const VtierDamonFeatures *features;
	const gchar *admin; /* the admin directory as on the host */
	gboolean *running;  /* per kdamond */
	GString *out;
} Script;

static gboolean plain_word(const gchar *text)
{
	if (text[0] == '\0')
		return FALSE;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("_./:+-=,@%", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

static void append_word(GString *out, const gchar *text)
{
	g_autofree gchar *word = NULL;

	if (plain_word(text)) {
		g_string_append(out, text);
		return;
	}
	word = vtier_escape_shell_word(text);
	g_string_append(out, word);
}

static void emit(Script *s, const gchar *relpath, const gchar *value)
{
	/* echo may interpret backslashes (\x2d in systemd unit names); printf does not */
	g_string_append(s->out, strchr(value, '\\') != NULL ? "printf '%s\\n' " : "echo ");
	append_word(s->out, value);
	g_string_append(s->out, " > ");
	if (plain_word(relpath)) {
		g_string_append(s->out, s->admin);
		g_string_append_c(s->out, '/');
		g_string_append(s->out, relpath);
	} else {
		g_autofree gchar *path = g_strconcat(s->admin, "/", relpath, NULL);

		append_word(s->out, path);
	}
	g_string_append_c(s->out, '\n');
}

/* Whether @a and @b list the same files in the same order (a model and its staged copy do). */
static gboolean same_files(GPtrArray *a, GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		if (!g_str_equal(((VtierDamonEntry *)a->pdata[i])->relpath,
				 ((VtierDamonEntry *)b->pdata[i])->relpath))
			return FALSE;
	}
	return TRUE;
}

/* One apply pass of @entries: the writer's apply_once on a fresh tree (@before NULL: every file
 * holds its default) or on the tree @before (the same files, in the same order) left. An nr_*
 * file comes before its children, so no child was written before its nr_* write. */
static void run_pass(Script *s, GPtrArray *entries, GPtrArray *before, guint n_kdamonds)
{
	g_autofree guint *changed = g_new0(guint, n_kdamonds + 1);

	for (guint i = 0; i < entries->len; i++) {
		const VtierDamonEntry *e = entries->pdata[i];
		const gchar *cur = before != NULL ? ((VtierDamonEntry *)before->pdata[i])->value
						  : e->default_value;

		if (e->tuned && s->running[e->kdamond])
			continue; /* the intervals tuner owns them once it runs */
		if (vtier_damon_entry_values_equal(e->kind, cur, e->value))
			continue;
		emit(s, e->relpath, e->value);
		if (!e->live && !g_str_equal(e->relpath, "kdamonds/nr_kdamonds"))
			changed[e->kdamond] |= e->goal ? CHANGED_GOALS : CHANGED_CONTEXT;
	}
	for (guint k = 0; k < n_kdamonds; k++) {
		g_autofree gchar *rel = g_strdup_printf("kdamonds/%u/state", k);
		const gchar *action = NULL;

		if (!s->running[k])
			action = "on";
		else if (changed[k] & CHANGED_CONTEXT)
			action = "commit";
		else if ((changed[k] & CHANGED_GOALS) &&
			 vtier_damon_features_has_state_command(s->features,
								"commit_schemes_quota_goals"))
			action = "commit_schemes_quota_goals";
		else if (changed[k] & CHANGED_GOALS)
			action = "commit";
		if (action != NULL)
			emit(s, rel, action);
		s->running[k] = TRUE;
	}
}

/* The staged model (every kdamond starts on a fresh tree) and its wait, or NULL. */
static VtierDamonModel *staged_of(const VtierDamonModel *model, guint *ret_wait_ms)
{
	g_autofree gboolean *starting = g_new0(gboolean, model->kdamonds->len + 1);
	gboolean any = FALSE;

	for (guint k = 0; k < model->kdamonds->len; k++) {
		const VtierDamonContext *ctx =
			((VtierDamonKdamond *)model->kdamonds->pdata[k])->context;

		starting[k] = TRUE;
		for (guint i = 0; i < ctx->schemes->len; i++)
			any |= vtier_damon_scheme_needs_staged_start(ctx->schemes->pdata[i]);
	}
	if (!any)
		return NULL;
	return vtier_damon_writer_staged_model(model, starting, ret_wait_ms, 2000);
}

gchar *vtier_damon_render_script(const VtierDamonModel *model, const VtierDamonFeatures *features,
				 GError **error)
{
	g_autoptr(GPtrArray) entries = vtier_damon_render_entries(model, features, error);
	g_autoptr(GPtrArray) staged_entries = NULL;
	g_autoptr(VtierDamonModel) staged = NULL;
	g_autofree gboolean *running = g_new0(gboolean, model->kdamonds->len + 1);
	g_autofree gchar *source = vtier_escape_shell_comment(features->source);
	g_autofree gchar *admin = vtier_path_build_host(VTIER_PATH_DAMON_ADMIN, NULL);
	GString *out = g_string_new(NULL);
	Script s = { features, admin, running, out };
	guint wait_ms = 0;

	if (entries == NULL) {
		g_string_free(out, TRUE);
		return NULL;
	}
	g_string_append_printf(out, "#!/bin/sh\n# DAMON writes of this vtier plan (DAMON features: "
				    "%s), in order.\nset -e\n",
			       source);
	staged = staged_of(model, &wait_ms);
	if (staged != NULL) {
		staged_entries = vtier_damon_render_entries(staged, features, error);
		if (staged_entries != NULL && !same_files(staged_entries, entries))
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED,
				    "renderer bug: the staged model lists other files than the model");
		if (staged_entries == NULL || !same_files(staged_entries, entries)) {
			g_string_free(out, TRUE);
			return NULL;
		}
		run_pass(&s, staged_entries, NULL, model->kdamonds->len);
		g_string_append_printf(out, "sleep %u.%03u\n", wait_ms / 1000, wait_ms % 1000);
	}
	run_pass(&s, entries, staged_entries, model->kdamonds->len);
	return g_string_free(out, FALSE);
}
