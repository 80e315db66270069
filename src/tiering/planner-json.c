/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include "common/json.h"
#include "tiering/planner.h"

/* `vtierctl plan --format=json` and the daemon's state: the model plus what the plan decided for
 * each guest, the slot table, the notes and the sampler choice. */

static void add_guest(JsonBuilder *b, const VtierPlanGuestResult *g)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, g->name);
	vtier_json_builder_add_string_member(b, "uuid", g->uuid);
	json_builder_set_member_name(b, "mode");
	json_builder_add_string_value(b, vtier_policy_mode_to_string(g->mode));
	json_builder_set_member_name(b, "planned");
	json_builder_add_boolean_value(b, g->planned);
	vtier_json_builder_add_string_member(b, "refusal", g->refusal);
	json_builder_set_member_name(b, "fast_node");
	json_builder_add_int_value(b, g->fast_node);
	json_builder_set_member_name(b, "slow_node");
	json_builder_add_int_value(b, g->slow_node);
	json_builder_set_member_name(b, "kdamond");
	json_builder_add_int_value(b, g->kdamond);
	json_builder_set_member_name(b, "first_scheme");
	json_builder_add_int_value(b, g->first_scheme);
	json_builder_set_member_name(b, "n_schemes");
	json_builder_add_int_value(b, g->n_schemes);
	json_builder_set_member_name(b, "hot_stats");
	json_builder_add_boolean_value(b, g->hot_stats);
	json_builder_set_member_name(b, "primed");
	json_builder_add_boolean_value(b, g->primed);
	json_builder_set_member_name(b, "fast_target_bytes");
	json_builder_add_int_value(b, (gint64)g->fast_target_bytes);
	json_builder_end_object(b);
}

JsonNode *vtier_plan_to_json(const VtierPlan *plan)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "guests");
	json_builder_begin_array(b);
	for (guint i = 0; i < plan->guests->len; i++)
		add_guest(b, g_ptr_array_index(plan->guests, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "notes");
	json_builder_begin_array(b);
	for (guint i = 0; i < plan->notes->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(plan->notes, i));
	json_builder_end_array(b);
	json_builder_set_member_name(b, "sampler");
	json_builder_add_string_value(b, plan->sampler_reason);
	json_builder_set_member_name(b, "slots");
	json_builder_add_value(b, vtier_plan_slots_to_json(plan->slots));
	json_builder_set_member_name(b, "model");
	json_builder_add_value(b, vtier_damon_model_to_json(plan->model));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

gchar *vtier_plan_to_data(const VtierPlan *plan)
{
	g_autoptr(JsonNode) node = vtier_plan_to_json(plan);

	return vtier_json_to_data(node);
}
