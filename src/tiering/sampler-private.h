/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/sampler.h"

/* Shared between sampler*.c only. */

#define VTIER_SAMPLER_PEBS_EVENT "MEM_LOAD_RETIRED:L3_MISS"
#define VTIER_SAMPLER_PEBS_FREQ 5003
#define VTIER_SAMPLER_IBS_PERIOD 262144
#define VTIER_PERF_TYPE_RAW 4

/* A raw encoding for a PMU model libpfm4 does not know. */
typedef struct {
	const gchar *model; /* kernel caps/pmu_name */
	guint64 config;
	guint32 precise_ip;
} VtierPebsRaw;

const VtierPebsRaw *vtier_sampler_raw_for_model(const gchar *model);
/* The model's name for MEM_LOAD_RETIRED:L3_MISS (older cores call it MEM_LOAD_UOPS_RETIRED). */
const gchar *vtier_sampler_pfm_default_event(const gchar *model);

/* sampler-probe.c: what /sys/bus/event_source/devices shows. */
typedef struct {
	GPtrArray *found;	  /* gchar *: every PMU directory, sorted */
	gboolean has_ibs;
	guint32 ibs_type;	  /* ibs_op/type (dynamic) */
	GPtrArray *ibs_formats;	  /* gchar *: "name=config:bits" from ibs_op/format/ */
	gchar *core_pmu;	  /* "cpu_core" or "cpu" (an Intel core PMU), else NULL */
	gchar *core_model;	  /* its caps/pmu_name */
	guint32 core_type;	  /* its type */
	gint max_precise;	  /* its caps/max_precise, -1 when absent */
} VtierPmuProbe;

gboolean vtier_pmu_probe(VtierPmuProbe *probe, GError **error);
void vtier_pmu_probe_clear(VtierPmuProbe *probe);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierPmuProbe, vtier_pmu_probe_clear)
gint vtier_strptr_cmp(gconstpointer a, gconstpointer b);
/* The strings of @array joined with @sep. */
gchar *vtier_ptr_array_join(const GPtrArray *array, const gchar *sep);
