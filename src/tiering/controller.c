/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-controller"

#include "config.h"

#include "tiering/controller.h"

/* Until the closed loop lands (the controller issue), every guest gets the planner's static
 * caps, and the state says so. */

struct _VtierController {
	GHashTable *known; /* key -> TRUE */
};

void vtier_controller_output_clear(VtierControllerOutput *output)
{
	g_clear_pointer(&output->reason, g_free);
}

VtierController *vtier_controller_new(void)
{
	VtierController *controller = g_new0(VtierController, 1);

	controller->known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return controller;
}

void vtier_controller_free(VtierController *controller)
{
	if (controller == NULL)
		return;
	g_hash_table_unref(controller->known);
	g_free(controller);
}

void vtier_controller_forget(VtierController *controller, const gchar *key)
{
	g_hash_table_remove(controller->known, key);
}

void vtier_controller_step(VtierController *controller, const VtierControllerHost *host,
			   const GArray *inputs, GArray *ret_outputs)
{
	(void)host;
	g_hash_table_remove_all(controller->known);
	for (guint i = 0; i < inputs->len; i++) {
		const VtierControllerInput *in = &g_array_index(inputs, VtierControllerInput, i);
		VtierControllerOutput out = { 0 };

		g_hash_table_add(controller->known, g_strdup(in->key));
		out.up_bytes = in->cap_up_bytes;
		out.down_bytes = in->cap_down_bytes;
		if (!in->measured) {
			out.state = VTIER_CONTROL_STATE_ERROR;
			out.reason = g_strdup("memory not measured (no memcg)");
		} else if (in->tuner == VTIER_POLICY_TUNER_KERNEL) {
			out.state = VTIER_CONTROL_STATE_KERNEL;
			out.reason = g_strdup("DAMON's goal tuner sets the budgets");
		} else {
			out.state = VTIER_CONTROL_STATE_STATIC;
			out.reason = g_strdup("static caps from the policy's migration rate");
		}
		g_array_append_val(ret_outputs, out);
	}
}
