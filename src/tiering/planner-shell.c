/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include <string.h>

#include "common/escape.h"
#include "tiering/planner.h"
#include "tiering/damon/damon-script.h"

/* "# schemes 2-15 of kdamond 0: parked ..." for each run of parked groups. */
static void append_parked(GString *out, const VtierPlan *plan)
{
	const GPtrArray *owners = plan->slots->owners;
	guint g = 0;

	while (g < owners->len) {
		guint end = g;

		if (g_ptr_array_index(owners, g) != NULL) {
			g++;
			continue;
		}
		while (end + 1 < owners->len && g_ptr_array_index(owners, end + 1) == NULL)
			end++;
		g_string_append_printf(out,
				       "# kdamond 0 schemes %u-%u: parked (spare slots: stat, %u-byte "
				       "budget)\n",
				       g * plan->group_schemes,
				       (end + 1) * plan->group_schemes - 1,
				       VTIER_PLAN_PARKED_BYTES);
		g = end + 1;
	}
}

static void append_comments(GString *out, const VtierPlan *plan,
			    const VtierDamonFeatures *features)
{
	g_autofree gchar *source = NULL;
	g_autofree gchar *sampler = vtier_escape_shell_comment(plan->sampler_reason);
	guint planned = 0;

	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *g = g_ptr_array_index(plan->guests, i);

		planned += g->planned;
	}
	source = vtier_escape_shell_comment(features->source ? features->source : "probe");
	g_string_append_printf(out, "# vtier plan: %u of %u guests planned, kernel %s\n", planned,
			       plan->guests->len, source);
	for (guint i = 0; i < plan->guests->len; i++) {
		const VtierPlanGuestResult *g = g_ptr_array_index(plan->guests, i);
		g_autofree gchar *name = vtier_escape_shell_comment(g->name);
		g_autofree gchar *refusal = vtier_escape_shell_comment(g->refusal);

		if (g->refusal != NULL)
			g_string_append_printf(out, "# refused: %s\n", refusal);
		else if (g->planned && g->first_scheme >= 0)
			g_string_append_printf(out,
					       "# guest %s: %s, fast node %d, slow node %d, "
					       "kdamond %u schemes %d-%d\n",
					       name, vtier_policy_mode_to_string(g->mode),
					       g->fast_node, g->slow_node, g->kdamond,
					       g->first_scheme,
					       g->first_scheme + (gint)g->n_schemes - 1);
	}
	append_parked(out, plan);
	for (guint i = 0; i < plan->notes->len; i++) {
		g_autofree gchar *note = vtier_escape_shell_comment(g_ptr_array_index(plan->notes, i));

		g_string_append_printf(out, "# note: %s\n", note);
	}
	g_string_append_printf(out, "# access sampling: %s\n", sampler);
}

gchar *vtier_plan_to_shell(const VtierPlan *plan, const VtierDamonFeatures *features,
			   GError **error)
{
	/* rendered from the model (damon-script.h), not by replaying the writer */
	g_autofree gchar *script = vtier_damon_render_script(plan->model, features, error);
	g_autoptr(GString) out = g_string_new(NULL);

	const gchar *body = script;

	if (script == NULL)
		return NULL;
	/* keep the writer's "#!" line first */
	if (g_str_has_prefix(script, "#!")) {
		const gchar *nl = strchr(script, '\n');

		body = nl ? nl + 1 : script + strlen(script);
		g_string_append_len(out, script, body - script);
	}
	append_comments(out, plan, features);
	g_string_append(out, body);
	return g_string_free(g_steal_pointer(&out), FALSE);
}
