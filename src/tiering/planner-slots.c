/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-planner"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "tiering/planner-private.h"
#include "tiering/planner.h"

/* Stable scheme groups. DAMON's scheme identity is positional (stats, quota charge windows and
 * tuner state follow the index), and writing nr_schemes recreates every scheme directory, so
 * owners keep their group for life, freed groups are parked and reused, and the group count
 * grows by a quarter (at least a chunk) when full and shrinks only when more than half of the
 * trailing groups are unused. */

VtierPlanSlots *vtier_plan_slots_new(void)
{
	VtierPlanSlots *slots = g_new0(VtierPlanSlots, 1);

	slots->owners = g_ptr_array_new_with_free_func(g_free);
	return slots;
}

VtierPlanSlots *vtier_plan_slots_copy(const VtierPlanSlots *slots)
{
	VtierPlanSlots *copy = vtier_plan_slots_new();

	for (guint i = 0; slots != NULL && i < slots->owners->len; i++)
		g_ptr_array_add(copy->owners, g_strdup(g_ptr_array_index(slots->owners, i)));
	return copy;
}

void vtier_plan_slots_free(VtierPlanSlots *slots)
{
	if (slots == NULL)
		return;
	g_ptr_array_unref(slots->owners);
	g_free(slots);
}

JsonNode *vtier_plan_slots_to_json(const VtierPlanSlots *slots)
{
	JsonArray *array = json_array_sized_new(slots->owners->len);
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	/* built directly, not through a JsonBuilder: vtierd saves it with every changed plan */
	for (guint i = 0; i < slots->owners->len; i++) {
		const gchar *owner = g_ptr_array_index(slots->owners, i);

		if (owner != NULL)
			json_array_add_string_element(array, owner);
		else
			json_array_add_null_element(array);
	}
	json_node_take_array(node, array);
	return node;
}

VtierPlanSlots *vtier_plan_slots_from_json(JsonNode *node, GError **error)
{
	g_autoptr(VtierPlanSlots) slots = vtier_plan_slots_new();
	JsonArray *array;

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "slots: expected an array of owners (strings or null)");
		return NULL;
	}
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *element = json_array_get_element(array, i);

		if (JSON_NODE_HOLDS_NULL(element)) {
			g_ptr_array_add(slots->owners, NULL);
		} else if (JSON_NODE_HOLDS_VALUE(element) &&
			   json_node_get_value_type(element) == G_TYPE_STRING) {
			g_ptr_array_add(slots->owners, g_strdup(json_node_get_string(element)));
		} else {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "slots[%u]: expected a string or null", i);
			return NULL;
		}
	}
	return g_steal_pointer(&slots);
}

static gint find_owner(const VtierPlanSlots *slots, const gchar *owner)
{
	for (guint i = 0; i < slots->owners->len; i++) {
		if (g_strcmp0(g_ptr_array_index(slots->owners, i), owner) == 0)
			return (gint)i;
	}
	return -1;
}

static guint round_up_chunk(guint n)
{
	return (n + VTIER_PLAN_GROUP_CHUNK - 1) / VTIER_PLAN_GROUP_CHUNK * VTIER_PLAN_GROUP_CHUNK;
}

/* Groups added when every group is taken: a quarter more (at least one chunk), so the rewrite of
 * every scheme that a new nr_schemes causes is amortised to O(1) writes per added guest. */
static guint growth(guint len)
{
	return round_up_chunk(len + MAX(VTIER_PLAN_GROUP_CHUNK, len / 4)) - len;
}

/* Drops trailing unused groups only when more than half of them (and two chunks) are unused
 * (hysteresis, so a guest going and coming back never resizes the tree). */
static void shrink(VtierPlanSlots *slots)
{
	guint used = 0;
	guint keep;

	for (guint i = 0; i < slots->owners->len; i++) {
		if (g_ptr_array_index(slots->owners, i) != NULL)
			used = i + 1;
	}
	keep = MAX(round_up_chunk(used), VTIER_PLAN_GROUP_CHUNK);
	if (slots->owners->len - used >= MAX(2 * VTIER_PLAN_GROUP_CHUNK, slots->owners->len / 2) &&
	    slots->owners->len > keep)
		g_ptr_array_set_size(slots->owners, keep);
}

/* @wanted: sorted owner keys. Frees the groups of owners no longer wanted, keeps the others where
 * they are, puts new owners into the lowest free groups, else appends a chunk. */
VtierPlanSlots *vtier_plan_slots_assign(const VtierPlanSlots *previous, GPtrArray *wanted)
{
	VtierPlanSlots *slots = vtier_plan_slots_copy(previous);
	g_autoptr(GHashTable) want = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) placed = g_hash_table_new(g_str_hash, g_str_equal);
	guint next_free = 0;

	for (guint i = 0; i < wanted->len; i++)
		g_hash_table_add(want, g_ptr_array_index(wanted, i));
	for (guint i = 0; i < slots->owners->len; i++) {
		gchar *owner = g_ptr_array_index(slots->owners, i);

		if (owner != NULL && !g_hash_table_contains(want, owner)) {
			g_free(owner);
			slots->owners->pdata[i] = NULL;
		} else if (owner != NULL) {
			g_hash_table_add(placed, owner);
		}
	}
	for (guint i = 0; i < wanted->len; i++) {
		const gchar *owner = g_ptr_array_index(wanted, i);

		if (g_hash_table_contains(placed, owner))
			continue;
		while (next_free < slots->owners->len &&
		       g_ptr_array_index(slots->owners, next_free) != NULL)
			next_free++;
		if (next_free == slots->owners->len)
			g_ptr_array_set_size(slots->owners,
					     slots->owners->len + growth(slots->owners->len));
		slots->owners->pdata[next_free] = g_strdup(owner);
	}
	shrink(slots);
	return slots;
}

gint vtier_plan_slots_lookup(const VtierPlanSlots *slots, const gchar *owner)
{
	return find_owner(slots, owner);
}
