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

/* What the staged pass writes instead of the model's value: the sz/min and sz/max files of the
 * schemes the staged copy changed (relpath -> value, as damon-render.c spells them). */
static GHashTable *staged_overrides(const VtierDamonModel *model, const VtierDamonModel *staged)
{
	GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint k = 0; k < model->kdamonds->len; k++) {
		const VtierDamonContext *a = ((VtierDamonKdamond *)model->kdamonds->pdata[k])->context;
		const VtierDamonContext *b = ((VtierDamonKdamond *)staged->kdamonds->pdata[k])->context;

		for (guint i = 0; i < a->schemes->len; i++) {
			const VtierDamonScheme *sa = a->schemes->pdata[i];
			const VtierDamonScheme *sb = b->schemes->pdata[i];
			const struct {
				const gchar *name;
				guint64 real, stage;
			} sz[] = { { "min", sa->sz.min, sb->sz.min }, { "max", sa->sz.max, sb->sz.max } };

			for (gsize j = 0; j < G_N_ELEMENTS(sz); j++) {
				if (sz[j].real == sz[j].stage)
					continue;
				g_hash_table_insert(
					out,
					g_strdup_printf("kdamonds/%u/contexts/0/schemes/%u/access_pattern/"
							"sz/%s",
							k, i, sz[j].name),
					g_strdup_printf("%" G_GUINT64_FORMAT, sz[j].stage));
			}
		}
	}
	return out;
}

/* One apply pass of @entries: the writer's apply_once on a fresh tree. @staged (relpath -> value,
 * or NULL) is the staged pass: those files get the staged value; @after_staged says this is the
 * pass after it, where those files hold the staged values and every other file what the staged
 * pass left (the model's value or, equal to it, the default). An nr_* file comes before its
 * children, so no child was written before its nr_* write. */
static void run_pass(Script *s, GPtrArray *entries, GHashTable *staged, gboolean after_staged,
		     guint n_kdamonds)
{
	g_autofree guint *changed = g_new0(guint, n_kdamonds + 1);

	for (guint i = 0; i < entries->len; i++) {
		const VtierDamonEntry *e = entries->pdata[i];
		const gchar *over = staged != NULL ? g_hash_table_lookup(staged, e->relpath) : NULL;
		const gchar *value = e->value;
		const gchar *cur = e->default_value;

		if (after_staged)
			cur = over != NULL ? over : e->value;
		else if (over != NULL)
			value = over;
		if (e->tuned && s->running[e->kdamond])
			continue; /* the intervals tuner owns them once it runs */
		if (vtier_damon_entry_values_equal(e->kind, cur, value))
			continue;
		emit(s, e->relpath, value);
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

/* The staged model (every kdamond starts on a fresh tree) and its wait, or NULL: the writer's
 * default (auto) rule for @features. */
static VtierDamonModel *staged_of(const VtierDamonModel *model, const VtierDamonFeatures *features,
				  guint *ret_wait_ms)
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
	if (!any || !vtier_damon_staged_start_applies(VTIER_DAMON_STAGED_AUTO, features))
		return NULL;
	return vtier_damon_writer_staged_model(model, starting, ret_wait_ms, 2000);
}

gchar *vtier_damon_render_script(const VtierDamonModel *model, const VtierDamonFeatures *features,
				 GError **error)
{
	g_autoptr(GPtrArray) entries = vtier_damon_render_entries(model, features, error);
	g_autoptr(GHashTable) overrides = NULL;
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
	staged = staged_of(model, features, &wait_ms);
	if (staged != NULL) {
		overrides = staged_overrides(model, staged);
		run_pass(&s, entries, overrides, FALSE, model->kdamonds->len);
		g_string_append_printf(out, "sleep %u.%03u\n", wait_ms / 1000, wait_ms % 1000);
	}
	run_pass(&s, entries, overrides, overrides != NULL, model->kdamonds->len);
	return g_string_free(out, FALSE);
}
