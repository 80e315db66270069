/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>


/* The hardware access sampler vtier can hand to DAMON, chosen per host:
 *
 *  - AMD IBS Op (/sys/bus/event_source/devices/ibs_op): period mode, sample_phys_addr=1,
 *    sample_period=262144, exclude_kernel=0, exclude_hv=0; sees guest accesses.
 *  - Intel PEBS: MEM_LOAD_RETIRED:L3_MISS encoded by libpfm4 for the PMU model the kernel drives
 *    (caps/pmu_name of the cpu or cpu_core PMU), a raw table when libpfm4 lacks the model;
 *    frequency mode 5003 Hz. Host PEBS is off while a guest runs, so it does NOT see guest
 *    accesses (host processes only).
 *  - none: DAMON's page-table access checks.
 *
 * Config overrides: [sampler] mode=auto|ibs|pebs|none, event=, period=, freq=, type=, config=.
 * Detection reads only sysfs below the sysroot (and libpfm4's tables, never its CPU detection on a
 * fixture sysroot). Nothing here opens a perf event or writes anything. */

typedef enum {
	VTIER_SAMPLER_NONE, /* DAMON page-table access sampling */
	VTIER_SAMPLER_IBS,  /* AMD IBS Op */
	VTIER_SAMPLER_PEBS, /* Intel PEBS */
	VTIER_SAMPLER_LAST
} VtierSamplerKind;

/* One perf event, field for field the files of DAMON's (RFC) sysfs directory
 * monitoring_attrs/sample/perf_events/N/. Values the kernel reads as booleans are 0/1. */
typedef struct {
	guint32 type;
	guint64 config;
	guint64 config1;
	guint64 config2;
	guint32 sample_phys_addr;
	guint32 sample_weight_struct;
	guint32 freq; /* 1: sample_freq is used; 0: sample_period is used */
	guint64 sample_freq;
	guint64 sample_period;
	guint32 wakeup_events;
	guint32 precise_ip;
	guint32 exclude_kernel;
	guint32 exclude_hv;
} VtierPerfEvent;

typedef struct {
	VtierSamplerKind kind;
	VtierPerfEvent event; /* meaningful only when kind != VTIER_SAMPLER_NONE */
	gboolean sees_guests; /* the event observes accesses made by KVM guests */
	gchar *pmu;	      /* sysfs PMU directory ("ibs_op", "cpu", "cpu_core"), or NULL */
	gchar *model;	      /* kernel PMU model (caps/pmu_name: "sapphire_rapids"), or NULL */
	gchar *event_name;    /* e.g. "spr::MEM_LOAD_RETIRED:L3_MISS", "ibs_op", or NULL */
	gchar *encoding;      /* how the event fields were obtained ("libpfm4", "raw table", ...) */
	gchar *reason;	      /* why this sampler was chosen (for NONE: why no hardware sampler) */
	gchar *guest_reason;  /* when !sees_guests: why guests fall back to page-table sampling */
	GPtrArray *found;     /* gchar *: the PMUs detected, for the admin */
} VtierSampler;

const gchar *vtier_sampler_kind_to_string(VtierSamplerKind kind);

/* What the administrator asks of the sampler ([sampler] of vtierd.conf, mapped by
 * vtier_config_to_options() in src/tiering/options.h). All zero: detect, default rates. */
typedef struct {
	gchar *mode;  /* auto|ibs|pebs|none; NULL: auto */
	gchar *event; /* libpfm4 event string for PEBS; NULL: MEM_LOAD_RETIRED:L3_MISS */
	guint64 period; /* 0: the sampler's default */
	guint64 freq;	/* 0: the sampler's default; never with period */
	gboolean has_raw; /* a raw perf event: */
	guint64 raw_type;
	guint64 raw_config;
} VtierSamplerOptions;

void vtier_sampler_options_clear(VtierSamplerOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierSamplerOptions, vtier_sampler_options_clear)
/* Checks what needs no host: a known mode, not both period and freq, a raw type that fits, no
 * PEBS event and a period in units of 16 for a forced IBS. vtier_sampler_detect() checks it too,
 * then what the host's PMU can take (an IBS period, an event libpfm4 can encode). */
gboolean vtier_sampler_options_check(const VtierSamplerOptions *options, GError **error);

/* Detects the sampler of the host below the sysroot and applies @options (NULL: defaults).
 * Malformed sysfs files of a present PMU, a forced mode the host cannot do, or an event
 * libpfm4 cannot encode give an error naming the file, value or event. */
VtierSampler *vtier_sampler_detect(const VtierSamplerOptions *options, GError **error);

/* Encodes @event with libpfm4 (PFM_OS_PERF_EVENT_EXT, user+kernel) into @ret. @pmu: a libpfm4 PMU
 * name ("spr", "icx") to qualify the event with, encoded even when that PMU is not the machine's;
 * NULL to let libpfm4 pick (its CPU detection, or LIBPFM_FORCE_PMU). Fills type, config, config1,
 * config2, precise_ip, exclude_kernel, exclude_hv; @ret_fstr (optional) gets libpfm4's canonical
 * event string. */
gboolean vtier_sampler_pfm_encode(const gchar *pmu, const gchar *event, VtierPerfEvent *ret,
				  gchar **ret_fstr, GError **error);
/* The libpfm4 PMU name for a kernel caps/pmu_name, or NULL when libpfm4 (as installed) lacks it. */
const gchar *vtier_sampler_pfm_pmu_for_model(const gchar *model);

void vtier_sampler_free(VtierSampler *sampler);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierSampler, vtier_sampler_free)

/* JSON codec and the admin's text view (`vtierctl sampler [--json]`). */
JsonNode *vtier_sampler_to_json(const VtierSampler *sampler);
gchar *vtier_sampler_to_text(const VtierSampler *sampler);
/* "type=11 config=0x0 ... exclude_hv=0": the event as DAMON's files will hold it. */
gchar *vtier_perf_event_to_string(const VtierPerfEvent *event);
