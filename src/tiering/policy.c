/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-policy"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "tiering/policy-units.h"
#include "tiering/policy.h"

static const gchar *const mode_names[] = {
	[VTIER_POLICY_MODE_RATIO] = "ratio",
	[VTIER_POLICY_MODE_ALLOWANCE] = "allowance",
	[VTIER_POLICY_MODE_HOT_SPLIT] = "hot-split",
	[VTIER_POLICY_MODE_INTERLEAVE] = "interleave",
	[VTIER_POLICY_MODE_PIN_FAST] = "pin-fast",
	[VTIER_POLICY_MODE_PIN_SLOW] = "pin-slow",
	[VTIER_POLICY_MODE_MONITOR] = "monitor",
	[VTIER_POLICY_MODE_OFF] = "off",
};
G_STATIC_ASSERT(G_N_ELEMENTS(mode_names) == VTIER_POLICY_MODE_LAST);

static const gchar *const tuner_names[] = {
	[VTIER_POLICY_TUNER_VTIER] = "vtier",
	[VTIER_POLICY_TUNER_KERNEL] = "kernel",
};
G_STATIC_ASSERT(G_N_ELEMENTS(tuner_names) == VTIER_POLICY_TUNER_LAST);

const gchar *vtier_policy_mode_to_string(VtierPolicyMode mode)
{
	g_return_val_if_fail(mode < VTIER_POLICY_MODE_LAST, NULL);
	return mode_names[mode];
}

gboolean vtier_policy_mode_from_string(const gchar *text, VtierPolicyMode *ret_mode)
{
	for (guint i = 0; i < VTIER_POLICY_MODE_LAST; i++) {
		if (g_strcmp0(text, mode_names[i]) == 0) {
			*ret_mode = (VtierPolicyMode)i;
			return TRUE;
		}
	}
	return FALSE;
}

const gchar *vtier_policy_mode_allowed(void)
{
	return "ratio, allowance, hot-split, interleave, pin-fast, pin-slow, monitor, off";
}

const gchar *vtier_policy_tuner_to_string(VtierPolicyTuner tuner)
{
	g_return_val_if_fail(tuner < VTIER_POLICY_TUNER_LAST, NULL);
	return tuner_names[tuner];
}

gboolean vtier_policy_tuner_from_string(const gchar *text, VtierPolicyTuner *ret_tuner)
{
	for (guint i = 0; i < VTIER_POLICY_TUNER_LAST; i++) {
		if (g_strcmp0(text, tuner_names[i]) == 0) {
			*ret_tuner = (VtierPolicyTuner)i;
			return TRUE;
		}
	}
	return FALSE;
}

VtierPolicy *vtier_policy_new_default(VtierPolicyMode mode)
{
	VtierPolicy *policy = g_new0(VtierPolicy, 1);

	policy->mode = mode;
	policy->fast_ratio_bp = VTIER_POLICY_DEFAULT_FAST_RATIO_BP;
	policy->max_rate = VTIER_POLICY_DEFAULT_MAX_RATE;
	policy->tuner = VTIER_POLICY_TUNER_VTIER;
	policy->hot_threshold_bp = VTIER_POLICY_DEFAULT_HOT_THRESHOLD_BP;
	policy->cold_age_ms = VTIER_POLICY_DEFAULT_COLD_AGE_MS;
	policy->priority = VTIER_POLICY_DEFAULT_PRIORITY;
	policy->origin = g_strdup("host default");
	return policy;
}

VtierPolicy *vtier_policy_copy(const VtierPolicy *policy)
{
	VtierPolicy *copy = g_new0(VtierPolicy, 1);

	*copy = *policy;
	copy->template_name = g_strdup(policy->template_name);
	copy->origin = g_strdup(policy->origin);
	return copy;
}

void vtier_policy_free(VtierPolicy *policy)
{
	if (policy == NULL)
		return;
	g_free(policy->template_name);
	g_free(policy->origin);
	g_free(policy);
}

void vtier_policy_overlay(VtierPolicy *base, const VtierPolicy *layer)
{
	guint f = layer->fields;

	if (f & VTIER_POLICY_FIELD_MODE) {
		base->mode = layer->mode;
		g_free(base->origin);
		base->origin = g_strdup(layer->origin);
	}
	if (f & VTIER_POLICY_FIELD_FAST_RATIO)
		base->fast_ratio_bp = layer->fast_ratio_bp;
	if (f & VTIER_POLICY_FIELD_FAST_SIZE)
		base->fast_size = layer->fast_size;
	if (f & VTIER_POLICY_FIELD_MAX_RATE)
		base->max_rate = layer->max_rate;
	if (f & VTIER_POLICY_FIELD_TUNER)
		base->tuner = layer->tuner;
	if (f & VTIER_POLICY_FIELD_HOT_THRESHOLD)
		base->hot_threshold_bp = layer->hot_threshold_bp;
	if (f & VTIER_POLICY_FIELD_COLD_AGE)
		base->cold_age_ms = layer->cold_age_ms;
	if (f & VTIER_POLICY_FIELD_PRIORITY)
		base->priority = layer->priority;
	if (layer->template_name != NULL) {
		g_free(base->template_name);
		base->template_name = g_strdup(layer->template_name);
	}
	base->fields |= f;
}

gboolean vtier_policy_validate(const VtierPolicy *policy, const gchar *guest, guint64 memory_bytes,
			       GError **error)
{
	if (policy->mode == VTIER_POLICY_MODE_ALLOWANCE &&
	    !(policy->fields & VTIER_POLICY_FIELD_FAST_SIZE)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "guest \"%s\": policy mode \"allowance\" needs <fast size=\"...\"/> "
			    "(allowed: a size up to the guest's memory, e.g. 8GiB)",
			    guest);
		return FALSE;
	}
	if ((policy->fields & VTIER_POLICY_FIELD_FAST_SIZE) && memory_bytes > 0 &&
	    policy->fast_size > memory_bytes) {
		g_autofree gchar *size = vtier_policy_format_size(policy->fast_size);
		g_autofree gchar *max = vtier_policy_format_size(memory_bytes);

		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "guest \"%s\": policy element <fast> attribute \"size\": %s is larger "
			    "than the guest's memory (allowed: 0 to %s)",
			    guest, size, max);
		return FALSE;
	}
	return TRUE;
}

gboolean vtier_policy_equal(const VtierPolicy *a, const VtierPolicy *b)
{
	return a->fields == b->fields && a->mode == b->mode &&
	       a->fast_ratio_bp == b->fast_ratio_bp && a->fast_size == b->fast_size &&
	       a->max_rate == b->max_rate && a->tuner == b->tuner &&
	       a->hot_threshold_bp == b->hot_threshold_bp && a->cold_age_ms == b->cold_age_ms &&
	       a->priority == b->priority && g_strcmp0(a->template_name, b->template_name) == 0;
}

static void append_fast(GString *out, const VtierPolicy *policy, guint fields)
{
	g_autofree gchar *ratio = vtier_policy_format_percent(policy->fast_ratio_bp);
	g_autofree gchar *size = vtier_policy_format_size(policy->fast_size);

	/* one <fast> (the schema allows one, with ratio or size): a size wins, as in allowance */
	if (fields & VTIER_POLICY_FIELD_FAST_SIZE)
		g_string_append_printf(out, "  <vtier:fast size=\"%s\"/>\n", size);
	else if (fields & VTIER_POLICY_FIELD_FAST_RATIO)
		g_string_append_printf(out, "  <vtier:fast ratio=\"%s\"/>\n", ratio);
}

static void append_knobs(GString *out, const VtierPolicy *policy, guint fields)
{
	g_autofree gchar *rate = vtier_policy_format_rate(policy->max_rate);
	g_autofree gchar *hot = vtier_policy_format_percent(policy->hot_threshold_bp);
	g_autofree gchar *age = vtier_policy_format_duration(policy->cold_age_ms);

	if (fields & (VTIER_POLICY_FIELD_MAX_RATE | VTIER_POLICY_FIELD_TUNER)) {
		g_string_append(out, "  <vtier:migration");
		if (fields & VTIER_POLICY_FIELD_MAX_RATE)
			g_string_append_printf(out, " max-rate=\"%s\"", rate);
		if (fields & VTIER_POLICY_FIELD_TUNER)
			g_string_append_printf(out, " tuner=\"%s\"",
					       vtier_policy_tuner_to_string(policy->tuner));
		g_string_append(out, "/>\n");
	}
	if (fields & VTIER_POLICY_FIELD_HOT_THRESHOLD)
		g_string_append_printf(out, "  <vtier:hot threshold=\"%s\"/>\n", hot);
	if (fields & VTIER_POLICY_FIELD_COLD_AGE)
		g_string_append_printf(out, "  <vtier:cold age=\"%s\"/>\n", age);
	if (fields & VTIER_POLICY_FIELD_PRIORITY)
		g_string_append_printf(out, "  <vtier:priority value=\"%u\"/>\n",
				       policy->priority);
}

gchar *vtier_policy_to_xml(const VtierPolicy *policy, gboolean all)
{
	GString *out = g_string_new("<vtier:policy xmlns:vtier=\"" VTIER_POLICY_NAMESPACE "\"");
	guint fields = all ? (policy->fields | VTIER_POLICY_FIELD_MODE |
			      VTIER_POLICY_FIELD_FAST_RATIO | VTIER_POLICY_FIELD_MAX_RATE |
			      VTIER_POLICY_FIELD_TUNER | VTIER_POLICY_FIELD_HOT_THRESHOLD |
			      VTIER_POLICY_FIELD_COLD_AGE | VTIER_POLICY_FIELD_PRIORITY)
			   : policy->fields;

	if (fields & VTIER_POLICY_FIELD_MODE)
		g_string_append_printf(out, " mode=\"%s\"",
				       vtier_policy_mode_to_string(policy->mode));
	if (policy->template_name != NULL && !all)
		g_string_append_printf(out, " template=\"%s\"", policy->template_name);
	g_string_append(out, ">\n");
	append_fast(out, policy, fields);
	append_knobs(out, policy, fields);
	g_string_append(out, "</vtier:policy>\n");
	return g_string_free(out, FALSE);
}

JsonNode *vtier_policy_to_json(const VtierPolicy *policy)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "mode");
	json_builder_add_string_value(b, vtier_policy_mode_to_string(policy->mode));
	json_builder_set_member_name(b, "origin");
	json_builder_add_string_value(b, policy->origin);
	vtier_json_builder_add_string_member(b, "template", policy->template_name);
	json_builder_set_member_name(b, "fast_ratio_bp");
	json_builder_add_int_value(b, policy->fast_ratio_bp);
	json_builder_set_member_name(b, "fast_size_bytes");
	if (policy->fields & VTIER_POLICY_FIELD_FAST_SIZE)
		json_builder_add_int_value(b, (gint64)policy->fast_size);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "max_rate_bytes_per_second");
	json_builder_add_int_value(b, (gint64)policy->max_rate);
	json_builder_set_member_name(b, "tuner");
	json_builder_add_string_value(b, vtier_policy_tuner_to_string(policy->tuner));
	json_builder_set_member_name(b, "hot_threshold_bp");
	json_builder_add_int_value(b, policy->hot_threshold_bp);
	json_builder_set_member_name(b, "cold_age_ms");
	json_builder_add_int_value(b, (gint64)policy->cold_age_ms);
	json_builder_set_member_name(b, "priority");
	json_builder_add_int_value(b, policy->priority);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
