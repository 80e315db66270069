/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include <string.h>

#include "tiering/planner.h"
#include "common/paths.h"
#include "tiering/damon/damon-render.h"

/* Single-quotes a value unless it is made of characters the shell leaves alone. */
static gchar *shell_word(const gchar *value)
{
	gboolean plain = value[0] != '\0';

	for (const gchar *p = value; *p != '\0' && plain; p++)
		plain = g_ascii_isalnum(*p) || strchr("_./:,+-=@%", *p) != NULL;
	return plain ? g_strdup(value) : g_shell_quote(value);
}

static void append_comments(GString *out, const VtierPlan *plan,
			    const VtierDamonFeatures *features)
{
	guint planned = 0;

	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *g = g_ptr_array_index(plan->guests, i);

		planned += g->planned;
	}
	g_string_append_printf(out, "# vtier plan: %u of %u guests planned, kernel %s\n", planned,
			       plan->guests->len, features->source ? features->source : "probe");
	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *g = g_ptr_array_index(plan->guests, i);

		if (g->refusal != NULL)
			g_string_append_printf(out, "# refused: %s\n", g->refusal);
		else if (g->planned && g->first_scheme >= 0)
			g_string_append_printf(out,
					       "# guest %s: %s, fast node %d, slow node %d, "
					       "kdamond %u schemes %d-%d\n",
					       g->name, vtier_policy_mode_to_string(g->mode),
					       g->fast_node, g->slow_node, g->kdamond,
					       g->first_scheme,
					       g->first_scheme + (gint)g->n_schemes - 1);
	}
	for (guint i = 0; i < plan->notes->len; i++)
		g_string_append_printf(out, "# note: %s\n", (const gchar *)g_ptr_array_index(plan->notes, i));
	g_string_append_printf(out, "# access sampling: %s\n", plan->sampler_reason);
}

gchar *vtier_plan_to_shell(const VtierPlan *plan, const VtierDamonFeatures *features,
				   GError **error)
{
	g_autoptr(GPtrArray) entries = vtier_damon_render_entries(plan->model, features, error);
	g_autofree gchar *admin = vtier_path_build_host(VTIER_PATH_DAMON_ADMIN, NULL);
	g_autoptr(GString) out = g_string_new(NULL);

	if (entries == NULL)
		return NULL;
	append_comments(out, plan, features);
	for (guint i = 0; i < entries->len; i++) {
		const VtierDamonEntry *e = g_ptr_array_index(entries, i);
		g_autofree gchar *word = NULL;

		if (e->default_value != NULL &&
		    vtier_damon_entry_values_equal(e->kind, e->value, e->default_value))
			continue;
		word = shell_word(e->value);
		g_string_append_printf(out, "echo %s > %s/%s\n", word, admin, e->relpath);
	}
	for (guint k = 0; k < plan->model->kdamonds->len; k++)
		g_string_append_printf(out, "echo on > %s/kdamonds/%u/state\n", admin, k);
	return g_string_free(g_steal_pointer(&out), FALSE);
}
