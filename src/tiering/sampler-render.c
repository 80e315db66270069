/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-sampler"

#include "config.h"

#include "common/json.h"
#include "tiering/sampler-private.h"

/* JSON codec and text view of a sampler choice. Pure. */

typedef struct {
	const gchar *name;
	gsize offset;
	gboolean is_u64;
	gboolean hex;
} EventField;

#define FIELD32(n) { #n, G_STRUCT_OFFSET(VtierPerfEvent, n), FALSE, FALSE }
#define FIELD64(n, hex) { #n, G_STRUCT_OFFSET(VtierPerfEvent, n), TRUE, hex }

/* In the order of DAMON's perf_events/N/ files. */
static const EventField fields[] = {
	FIELD32(type),
	FIELD64(config, TRUE),
	FIELD64(config1, TRUE),
	FIELD64(config2, TRUE),
	FIELD32(sample_phys_addr),
	FIELD32(sample_weight_struct),
	FIELD32(freq),
	FIELD64(sample_freq, FALSE),
	FIELD64(sample_period, FALSE),
	FIELD32(wakeup_events),
	FIELD32(precise_ip),
	FIELD32(exclude_kernel),
	FIELD32(exclude_hv),
};

static guint64 field_value(const VtierPerfEvent *event, const EventField *f)
{
	const guint8 *base = (const guint8 *)event;

	if (f->is_u64)
		return *(const guint64 *)(base + f->offset);
	return *(const guint32 *)(base + f->offset);
}

gchar *vtier_perf_event_to_string(const VtierPerfEvent *event)
{
	GString *out = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
		guint64 v = field_value(event, &fields[i]);

		if (out->len > 0)
			g_string_append_c(out, ' ');
		if (fields[i].hex)
			g_string_append_printf(out, "%s=0x%" G_GINT64_MODIFIER "x", fields[i].name,
					       v);
		else
			g_string_append_printf(out, "%s=%" G_GUINT64_FORMAT, fields[i].name, v);
	}
	return g_string_free(out, FALSE);
}

static void add_event(JsonBuilder *b, const VtierSampler *s)
{
	json_builder_set_member_name(b, "perf_event");
	if (s->kind == VTIER_SAMPLER_NONE) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
		json_builder_set_member_name(b, fields[i].name);
		json_builder_add_int_value(b, (gint64)field_value(&s->event, &fields[i]));
	}
	json_builder_end_object(b);
}

JsonNode *vtier_sampler_to_json(const VtierSampler *s)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	vtier_json_builder_add_string_member(b, "kind", vtier_sampler_kind_to_string(s->kind));
	json_builder_set_member_name(b, "sees_guests");
	json_builder_add_boolean_value(b, s->sees_guests);
	vtier_json_builder_add_string_member(b, "pmu", s->pmu);
	vtier_json_builder_add_string_member(b, "model", s->model);
	vtier_json_builder_add_string_member(b, "event_name", s->event_name);
	vtier_json_builder_add_string_member(b, "encoding", s->encoding);
	vtier_json_builder_add_string_member(b, "reason", s->reason);
	vtier_json_builder_add_string_member(b, "guest_reason", s->guest_reason);
	add_event(b, s);
	json_builder_set_member_name(b, "found");
	json_builder_begin_array(b);
	for (guint i = 0; i < s->found->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(s->found, i));
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static const gchar *kind_title(VtierSamplerKind kind)
{
	switch (kind) {
	case VTIER_SAMPLER_IBS:
		return "AMD IBS Op";
	case VTIER_SAMPLER_PEBS:
		return "Intel PEBS";
	case VTIER_SAMPLER_NONE:
	case VTIER_SAMPLER_LAST:
		break;
	}
	return "none (DAMON page-table access checks)";
}

gchar *vtier_sampler_to_text(const VtierSampler *s)
{
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, "Sampler: %s", kind_title(s->kind));
	if (s->kind != VTIER_SAMPLER_NONE)
		g_string_append_printf(out, ": %s guest accesses",
				       s->sees_guests ? "sees" : "does NOT see");
	g_string_append_printf(out, "\n  why: %s\n", s->reason);
	if (s->kind != VTIER_SAMPLER_NONE) {
		g_autofree gchar *ev = vtier_perf_event_to_string(&s->event);

		g_string_append_printf(out, "  event: %s via %s\n", s->event_name, s->encoding);
		g_string_append_printf(out, "  perf_events: %s\n", ev);
	}
	if (s->guest_reason != NULL)
		g_string_append_printf(out, "  guests: %s\n", s->guest_reason);
	if (s->found->len > 0) {
		g_autofree gchar *found = vtier_ptr_array_join(s->found, ", ");

		g_string_append_printf(out, "  PMUs: %s\n", found);
	}
	return g_string_free(out, FALSE);
}
