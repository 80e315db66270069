/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/paths.h"
#include "tiering/damon/damon-fake.h"
#include "tiering/damon/damon-render.h"
#include "tiering/damon/damon-writer-private.h"

/* Error causes, verification, script rendering and read-back of the writer. */

/* ---- error causes ---- */

gboolean vtier_damon_memcg_exists(const gchar *path)
{
	g_autofree gchar *dir = vtier_path_build(VTIER_PATH_CGROUP, path, NULL);
	g_autofree gchar *controllers = g_build_filename(dir, "cgroup.controllers", NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) words = NULL;

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return FALSE;
	if (!g_file_get_contents(controllers, &text, NULL, NULL))
		return TRUE; /* cgroup v1's memory hierarchy, or a tree without the file */
	words = g_strsplit_set(text, " \t\n", -1);
	return g_strv_contains((const gchar *const *)words, "memory");
}

/* The cgroup paths of @model that the kernel must resolve and that are no memcg here. */
gchar *vtier_damon_writer_missing_memcgs(const VtierDamonModel *model)
{
	g_autoptr(GString) out = g_string_new(NULL);
	/* each path once: a guest's schemes all name its memcg (4-5 of them), and under TCG a
	 * check (a stat and a read of cgroup.controllers) costs ~1 ms at every apply */
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint k = 0; model != NULL && k < model->kdamonds->len; k++) {
		const VtierDamonContext *ctx = ((VtierDamonKdamond *)model->kdamonds->pdata[k])->context;

		for (guint s = 0; s < ctx->schemes->len; s++) {
			const VtierDamonScheme *sc = ctx->schemes->pdata[s];
			g_autoptr(GPtrArray) paths = g_ptr_array_new();

			for (guint i = 0; i < sc->filters->len; i++) {
				const VtierDamonFilter *f = sc->filters->pdata[i];

				if (f->type == VTIER_DAMON_FILTER_MEMCG)
					g_ptr_array_add(paths, f->memcg_path);
			}
			for (guint i = 0; i < sc->quotas.goals->len; i++) {
				const VtierDamonGoal *g = sc->quotas.goals->pdata[i];

				if (g->path != NULL && g->path[0] != '\0')
					g_ptr_array_add(paths, g->path);
			}
			for (guint i = 0; i < paths->len; i++) {
				if (!g_hash_table_add(seen, paths->pdata[i]))
					continue;
				if (!vtier_damon_memcg_exists(paths->pdata[i]))
					g_string_append_printf(out, "%s%s (kdamond %u scheme %u)",
							       out->len ? ", " : "",
							       (gchar *)paths->pdata[i], k, s);
			}
		}
	}
	return out->len ? g_strdup(out->str) : NULL;
}

static gchar *enabled_modules(VtierDamonWriter *w)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *const *names = vtier_damon_exclusive_module_names();

	for (gsize i = 0; names[i] != NULL; i++) {
		g_autofree gchar *path =
			vtier_path_build(VTIER_PATH_MODULES, names[i], "parameters", "enabled", NULL);
		g_autofree gchar *value = NULL;

		if (vtier_damon_io_read(w->io, path, &value, NULL) && g_strcmp0(value, "Y") == 0)
			g_string_append_printf(out, "%s%s", out->len ? ", " : "", names[i]);
	}
	return out->len ? g_strdup(out->str) : NULL;
}

static gchar *explain_state(VtierDamonWriter *w, const VtierDamonModel *model, const gchar *value,
			    int errnum)
{
	gboolean build = g_str_equal(value, "on") || g_str_equal(value, "commit");

	if (g_str_equal(value, "on") && errnum == EBUSY) {
		g_autofree gchar *mods = enabled_modules(w);

		if (mods != NULL)
			return g_strdup_printf(
				"an exclusive DAMON user holds DAMON: %s enabled; turn it off "
				"(echo N > /sys/module/NAME/parameters/enabled, or set [damon] "
				"disable_damon_stat=true for damon_stat)",
				mods);
		return g_strdup("the kdamond is already running, or another writer holds the DAMON "
				"sysfs lock");
	}
	if (build && errnum == ENOMEM) {
		g_autofree gchar *missing = vtier_damon_writer_missing_memcgs(model);

		if (missing != NULL)
			return g_strdup_printf("a memcg path no longer exists: %s; the kernel "
					       "answers ENOMEM for an unknown cgroup path",
					       missing);
		return g_strdup("the kernel could not build a scheme; usually a memcg filter or "
				"goal path names a cgroup that does not exist");
	}
	if (build && errnum == EINVAL)
		return g_strdup("the kernel rejected the configuration: sample_us <= aggr_us, "
				"3 <= nr_regions min <= max, regions sorted with start <= end, one "
				"target for paddr, live pids for vaddr, one context per kdamond");
	if (g_str_equal(value, "off") && errnum == EPERM)
		return g_strdup("the kdamond is already stopped");
	if (errnum == EINVAL || errnum == ECANCELED)
		return g_strdup("the kdamond is not running (only `on` is valid then), or this "
				"kernel does not know the command");
	return NULL;
}

void vtier_damon_writer_explain(VtierDamonWriter *w, const VtierDamonModel *model,
				const gchar *relpath, const gchar *value, int errnum, GError **error)
{
	g_autofree gchar *name = g_path_get_basename(relpath);
	g_autofree gchar *hint = NULL;

	if (error == NULL || *error == NULL || strstr((*error)->message, " (cause: ") != NULL)
		return;
	if (g_str_equal(name, "state"))
		hint = explain_state(w, model, value, errnum);
	else if (g_str_equal(name, "nr_kdamonds") && errnum == EBUSY)
		hint = g_strdup("a kdamond is running; nr_kdamonds cannot change while any runs");
	else if (errnum == EINVAL || errnum == ERANGE)
		hint = g_strdup_printf("this kernel does not accept that value for %s", name);
	if (hint != NULL) {
		gchar *msg = g_strdup_printf("%s (cause: %s)", (*error)->message, hint);

		g_free((*error)->message);
		(*error)->message = msg;
	}
}

/* ---- verification ---- */

gboolean vtier_damon_writer_verify(VtierDamonWriter *w, const VtierDamonModel *model,
				   gchar **ret_mismatches, GError **error)
{
	g_autoptr(GPtrArray) entries = vtier_damon_render_entries(model, w->features, error);
	g_autoptr(GString) out = g_string_new(NULL);

	if (entries == NULL)
		return FALSE;
	for (guint i = 0; i < entries->len; i++) {
		const VtierDamonEntry *e = entries->pdata[i];
		g_autofree gchar *path = vtier_damon_admin_path(e->relpath);
		g_autofree gchar *value = NULL;

		if (e->tuned)
			continue; /* the kernel's intervals tuner may have changed them */
		if (!vtier_damon_io_exists(w->io, path)) {
			if (!vtier_damon_entry_values_equal(e->kind, e->value, e->default_value))
				g_string_append_printf(out, "%s: model %s, no such file\n",
						       e->relpath, e->value);
			continue;
		}
		if (!vtier_damon_io_read(w->io, path, &value, error))
			return FALSE;
		if (!vtier_damon_entry_values_equal(e->kind, value, e->value))
			g_string_append_printf(out, "%s: model %s, file %s\n", e->relpath, e->value,
					       value);
	}
	*ret_mismatches = out->len ? g_strdup(out->str) : NULL;
	return TRUE;
}

/* ---- script ---- */

/* The staged start's wait, as a journal line that shell_line() keeps as it is. */
static void script_wait(VtierDamonWriter *w, guint ms)
{
	g_ptr_array_add(w->wait_data, g_strdup_printf("sleep %u.%03u", ms / 1000, ms % 1000));
}

static gchar *shell_line(const gchar *line)
{
	g_auto(GStrv) parts = g_strsplit(line, "\t", 2);
	g_autofree gchar *path = vtier_escape_shell_word(parts[0]);
	g_autofree gchar *value = vtier_escape_shell_word(parts[1] != NULL ? parts[1] : "");

	if (g_str_has_prefix(line, "sleep "))
		return g_strdup_printf("%s\n", line);
	/* echo may interpret backslashes (\x2d in systemd unit names); printf does not */
	if (parts[1] != NULL && strchr(parts[1], '\\') != NULL)
		return g_strdup_printf("printf '%%s\\n' %s > %s\n", value, path);
	return g_strdup_printf("echo %s > %s\n", value, path);
}

gchar *vtier_damon_writer_render_script(const VtierDamonModel *model,
					const VtierDamonFeatures *features, GError **error)
{
	g_autoptr(VtierDamonFeatures) quiet = vtier_damon_features_copy(features);
	g_autoptr(VtierDamonFake) fake = NULL;
	g_autoptr(VtierDamonIo) io = NULL;
	g_autoptr(VtierDamonWriter) w = NULL;
	g_autoptr(GPtrArray) journal = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree gchar *source = NULL;

	/* a fresh tree of that kernel, nothing holding DAMON, the host's cgroups not consulted */
	for (guint i = 0; i < quiet->modules->len; i++)
		((VtierDamonModule *)quiet->modules->pdata[i])->enabled = FALSE;
	fake = vtier_damon_fake_new(quiet);
	vtier_damon_fake_set_check_memcg(fake, FALSE);
	io = vtier_damon_fake_get_io(fake);
	vtier_damon_io_set_journal(io, journal);
	w = vtier_damon_writer_new(io, features);
	vtier_damon_writer_set_check_memcg(w, FALSE);
	w->wait = script_wait;
	w->wait_data = journal;
	if (!vtier_damon_writer_apply(w, model, NULL, error))
		return NULL;
	source = vtier_escape_shell_comment(features->source);
	g_string_append_printf(out, "#!/bin/sh\n# DAMON writes of this vtier plan (DAMON features: "
				    "%s), in order.\nset -e\n",
			       source);
	for (guint i = 0; i < journal->len; i++) {
		g_autofree gchar *line = shell_line(journal->pdata[i]);

		g_string_append(out, line);
	}
	return g_strdup(out->str);
}
