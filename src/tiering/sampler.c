/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-sampler"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "tiering/sampler-private.h"

/* Choosing the sampler from what the kernel shows and what vtierd.conf asks for. */

#define GUEST_REASON_PEBS                                                                      \
	"host PEBS is disabled while a guest runs (KVM PEBS isolation), so this event sees host " \
	"processes only; guests fall back to DAMON's page-table access sampling"

typedef VtierSamplerOptions Overrides;

static const gchar *const kind_names[] = {
	[VTIER_SAMPLER_NONE] = "none",
	[VTIER_SAMPLER_IBS] = "ibs",
	[VTIER_SAMPLER_PEBS] = "pebs",
};
G_STATIC_ASSERT(G_N_ELEMENTS(kind_names) == VTIER_SAMPLER_LAST);

const gchar *vtier_sampler_kind_to_string(VtierSamplerKind kind)
{
	g_return_val_if_fail((guint)kind < VTIER_SAMPLER_LAST, "invalid");
	return kind_names[kind];
}

void vtier_sampler_free(VtierSampler *sampler)
{
	if (sampler == NULL)
		return;
	g_free(sampler->pmu);
	g_free(sampler->model);
	g_free(sampler->event_name);
	g_free(sampler->encoding);
	g_free(sampler->reason);
	g_free(sampler->guest_reason);
	g_clear_pointer(&sampler->found, g_ptr_array_unref);
	g_free(sampler);
}

void vtier_sampler_options_clear(VtierSamplerOptions *options)
{
	g_clear_pointer(&options->mode, g_free);
	g_clear_pointer(&options->event, g_free);
}

gboolean vtier_sampler_options_check(const VtierSamplerOptions *o, GError **error)
{
	static const gchar *const modes[] = { "auto", "ibs", "pebs", "none", NULL };

	if (o->mode != NULL && !g_strv_contains(modes, o->mode)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[sampler] mode=\"%s\" is not allowed (allowed: auto, ibs, pebs, none)",
			    o->mode);
		return FALSE;
	}
	if (o->period != 0 && o->freq != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[sampler] period=%" G_GUINT64_FORMAT " and freq=%" G_GUINT64_FORMAT
			    " are both set: a perf event samples by period or by frequency",
			    o->period, o->freq);
		return FALSE;
	}
	if (o->has_raw && o->raw_type > G_MAXUINT32) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[sampler] type=%" G_GUINT64_FORMAT " is out of range", o->raw_type);
		return FALSE;
	}
	if (g_strcmp0(o->mode, "ibs") == 0 && o->event != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[sampler] event=\"%s\" is for PEBS; IBS Op has no event to choose (use "
			    "type= and config= for a raw event)",
			    o->event);
		return FALSE;
	}
	if (g_strcmp0(o->mode, "ibs") == 0 && o->period % 16 != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[sampler] period=%" G_GUINT64_FORMAT " is not a multiple of 16: IBS Op "
			    "counts in units of 16 (older kernels reject other periods with EINVAL)",
			    o->period);
		return FALSE;
	}
	return TRUE;
}

/* "ibs_op (type 11; cnt_ctl=config:19, ...)", "cpu (type 4; sapphire_rapids, max_precise 3)" */
static gchar *describe_pmu(const VtierPmuProbe *probe, const gchar *name)
{
	if (probe->has_ibs && g_strcmp0(name, "ibs_op") == 0) {
		g_autofree gchar *formats = vtier_ptr_array_join(probe->ibs_formats, ", ");

		return g_strdup_printf("ibs_op (type %u; format %s)", probe->ibs_type, formats);
	}
	if (g_strcmp0(name, probe->core_pmu) == 0) {
		g_autofree gchar *precise = probe->max_precise < 0
						    ? g_strdup("")
						    : g_strdup_printf(", max_precise %d",
								      probe->max_precise);
		return g_strdup_printf("%s (type %u; pmu_name %s%s)", name, probe->core_type,
				       probe->core_model, precise);
	}
	return g_strdup(name);
}

static VtierSampler *sampler_new(VtierSamplerKind kind, const VtierPmuProbe *probe)
{
	VtierSampler *s = g_new0(VtierSampler, 1);

	s->kind = kind;
	s->found = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < probe->found->len; i++)
		g_ptr_array_add(s->found, describe_pmu(probe, g_ptr_array_index(probe->found, i)));
	if (kind != VTIER_SAMPLER_NONE) {
		/* DAMON's own defaults for the fields we do not set (see damon-sysfs reference) */
		s->event.wakeup_events = 1;
		s->event.precise_ip = 2;
		s->event.exclude_kernel = 1;
		s->event.exclude_hv = 1;
	}
	return s;
}

static VtierSampler *make_none(const VtierPmuProbe *probe, gchar *reason)
{
	VtierSampler *s = sampler_new(VTIER_SAMPLER_NONE, probe);

	s->reason = reason;
	s->encoding = g_strdup("none");
	return s;
}

static gchar *no_pmu_reason(const VtierPmuProbe *probe)
{
	g_autofree gchar *dir = vtier_path_build_host(VTIER_PATH_EVENT_SOURCES, NULL);
	g_autofree gchar *found = vtier_ptr_array_join(probe->found, ", ");

	return g_strdup_printf("no AMD IBS Op PMU (ibs_op) and no Intel core PMU (caps/pmu_name) "
			       "in %s (found: %s): DAMON uses page-table access checks",
			       dir, found[0] != '\0' ? found : "nothing");
}

static VtierSampler *make_ibs(const VtierPmuProbe *probe, const Overrides *o, GError **error)
{
	g_autoptr(VtierSampler) s = sampler_new(VTIER_SAMPLER_IBS, probe);

	if (o->event != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[sampler] event=\"%s\" applies to Intel PEBS only: libpfm4 has no "
			    "IBS PMU (use type=/config= for a raw IBS Op config)",
			    o->event);
		return NULL;
	}
	s->pmu = g_strdup("ibs_op");
	s->event_name = g_strdup("ibs_op");
	s->encoding = g_strdup("IBS Op defaults");
	s->event.type = probe->ibs_type;
	s->event.config = 0;
	s->event.sample_phys_addr = 1;
	s->event.freq = 0;
	s->event.sample_period = VTIER_SAMPLER_IBS_PERIOD;
	s->event.exclude_kernel = 0;
	s->event.exclude_hv = 0; /* IBS cannot exclude the hypervisor */
	s->sees_guests = TRUE;
	s->reason = g_strdup("AMD IBS Op tags sampled loads and stores with their physical "
			     "address (sample_phys_addr=1), including those of KVM guests");
	return g_steal_pointer(&s);
}

/* Fills the PEBS event from libpfm4, the LIBPFM_FORCE_PMU model, or the raw table. FALSE with
 * no error: the model is unknown everywhere (@ret_why says so). */
static gboolean encode_pebs(VtierSampler *s, const VtierPmuProbe *probe, const Overrides *o,
			    gchar **ret_why, GError **error)
{
	const gchar *pfm = vtier_sampler_pfm_pmu_for_model(probe->core_model);
	const gchar *event = o->event != NULL ? o->event
					      : vtier_sampler_pfm_default_event(probe->core_model);
	const gchar *forced = g_getenv("LIBPFM_FORCE_PMU");
	const VtierPebsRaw *raw = vtier_sampler_raw_for_model(probe->core_model);
	g_autofree gchar *fstr = NULL;

	if (pfm != NULL || (forced != NULL && forced[0] != '\0')) {
		if (!vtier_sampler_pfm_encode(pfm, event, &s->event, &fstr, error))
			return FALSE;
		g_debug("libpfm4 encoded %s as %s", event, fstr);
		s->event_name = pfm != NULL && strstr(event, "::") == NULL
					? g_strdup_printf("%s::%s", pfm, event)
					: g_strdup(event);
		s->encoding = pfm != NULL
				  ? g_strdup_printf("libpfm4 (%s)", pfm)
				  : g_strdup_printf("libpfm4 (LIBPFM_FORCE_PMU=%s)", forced);
		return TRUE;
	}
	if (raw != NULL && o->event == NULL) {
		s->event.type = VTIER_PERF_TYPE_RAW;
		s->event.config = raw->config;
		s->event.precise_ip = raw->precise_ip;
		s->event.exclude_kernel = 0;
		s->event.exclude_hv = 0;
		s->event_name = g_strdup(VTIER_SAMPLER_PEBS_EVENT);
		s->encoding =
		    g_strdup_printf("raw table (%s: libpfm4 does not know it)", raw->model);
		return TRUE;
	}
	*ret_why = g_strdup_printf(
		"Intel PMU model \"%s\" is unknown to libpfm4 and to vtier's raw table%s; set "
		"[sampler] type= and config= in vtierd.conf (e.g. type=4 config=0x20d1 for "
		"MEM_LOAD_RETIRED.L3_MISS, after checking the model's event list), or "
		"LIBPFM_FORCE_PMU to a libpfm4 model with the same events",
		probe->core_model, o->event != NULL ? " (event= needs libpfm4)" : "");
	return FALSE;
}

static VtierSampler *make_pebs(const VtierPmuProbe *probe, const Overrides *o, gboolean forced,
			       GError **error)
{
	g_autoptr(VtierSampler) s = sampler_new(VTIER_SAMPLER_PEBS, probe);
	g_autofree gchar *why = NULL;
	GError *local = NULL;

	if (probe->max_precise == 0)
		why = g_strdup_printf("the %s PMU reports caps/max_precise 0: no PEBS",
				      probe->core_pmu);
	else if (o->has_raw) {
		s->event.type = (guint32)o->raw_type;
		s->event.config = o->raw_config;
		s->event.exclude_kernel = 0;
		s->event.exclude_hv = 0;
		s->event_name = g_strdup("raw");
		s->encoding = g_strdup("vtierd.conf [sampler] type=/config=");
	} else if (!encode_pebs(s, probe, o, &why, &local) && local != NULL) {
		g_propagate_error(error, local);
		return NULL;
	}
	if (why != NULL) {
		if (forced) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
				    "[sampler] mode=pebs: %s", why);
			return NULL;
		}
		return make_none(probe, g_steal_pointer(&why));
	}
	if (s->event.precise_ip == 0)
		s->event.precise_ip = 2;
	if (probe->max_precise > 0)
		s->event.precise_ip = MIN(s->event.precise_ip, (guint32)probe->max_precise);
	s->pmu = g_strdup(probe->core_pmu);
	s->model = g_strdup(probe->core_model);
	s->event.freq = 1;
	s->event.sample_freq = VTIER_SAMPLER_PEBS_FREQ;
	s->sees_guests = FALSE;
	s->guest_reason = g_strdup(GUEST_REASON_PEBS);
	s->reason = g_strdup_printf("Intel %s PMU: PEBS samples of loads that missed L3 carry "
				    "their data address",
				    probe->core_model);
	return g_steal_pointer(&s);
}

/* kernel.perf_event_max_sample_rate caps frequency mode; 0 when unknown. */
static guint64 max_sample_rate(void)
{
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_SYSCTL, "kernel",
						  "perf_event_max_sample_rate", NULL);
	guint64 rate = 0;

	if (!vtier_file_read_u64(path, &rate, NULL))
		return 0;
	return rate;
}

static gboolean apply_rate(VtierSampler *s, const Overrides *o, GError **error)
{
	guint64 max = max_sample_rate();

	if (o->period != 0) {
		if (s->kind == VTIER_SAMPLER_IBS && (o->period % 16 != 0)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "[sampler] period=%" G_GUINT64_FORMAT
				    " is not a multiple of 16: "
				    "IBS Op counts in units of 16 (older kernels reject other "
				    "periods with EINVAL)",
				    o->period);
			return FALSE;
		}
		s->event.freq = 0;
		s->event.sample_freq = 0;
		s->event.sample_period = o->period;
	} else if (o->freq != 0) {
		if (max != 0 && o->freq > max) {
			g_autofree gchar *host = vtier_path_build_host(
				VTIER_PATH_SYSCTL, "kernel", "perf_event_max_sample_rate", NULL);
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "[sampler] freq=%" G_GUINT64_FORMAT
				    " exceeds %s (%" G_GUINT64_FORMAT ")",
				    o->freq, host, max);
			return FALSE;
		}
		s->event.freq = 1;
		s->event.sample_freq = o->freq;
		s->event.sample_period = 0;
	}
	return TRUE;
}

static gboolean apply_overrides(VtierSampler *s, const Overrides *o, GError **error)
{
	if (s->kind == VTIER_SAMPLER_NONE)
		return TRUE;
	if (o->has_raw && s->kind == VTIER_SAMPLER_IBS) {
		s->event.type = (guint32)o->raw_type;
		s->event.config = o->raw_config;
		g_free(s->encoding);
		s->encoding = g_strdup("vtierd.conf [sampler] type=/config=");
	}
	return apply_rate(s, o, error);
}

static VtierSampler *choose(const VtierPmuProbe *probe, const Overrides *o, GError **error)
{
	g_autofree gchar *events = vtier_path_build_host(VTIER_PATH_EVENT_SOURCES, NULL);

	if (g_strcmp0(o->mode, "none") == 0)
		return make_none(probe, g_strdup("[sampler] mode=none in vtierd.conf: DAMON uses "
						 "page-table access checks"));
	if (g_strcmp0(o->mode, "ibs") == 0) {
		if (!probe->has_ibs) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
				    "[sampler] mode=ibs, but %s/ibs_op does not exist (no AMD IBS, "
				    "or IBS disabled in firmware or not passed to this VM)",
				    events);
			return NULL;
		}
		return make_ibs(probe, o, error);
	}
	if (g_strcmp0(o->mode, "pebs") == 0) {
		if (probe->core_pmu == NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
				    "[sampler] mode=pebs, but %s has no Intel core PMU "
				    "(cpu/caps/pmu_name or cpu_core/caps/pmu_name)",
				    events);
			return NULL;
		}
		return make_pebs(probe, o, TRUE, error);
	}
	if (probe->has_ibs)
		return make_ibs(probe, o, error);
	if (probe->core_pmu != NULL)
		return make_pebs(probe, o, FALSE, error);
	return make_none(probe, no_pmu_reason(probe));
}

VtierSampler *vtier_sampler_detect(const VtierSamplerOptions *options, GError **error)
{
	const Overrides defaults = { 0 };
	const Overrides *o = options != NULL ? options : &defaults;
	g_auto(VtierPmuProbe) probe = { 0 };
	g_autoptr(VtierSampler) s = NULL;
	g_autoptr(GError) local = NULL;

	if (!vtier_sampler_options_check(o, error))
		return NULL;
	if (!vtier_pmu_probe(&probe, &local)) {
		/* a malformed PMU the admin switched off is no reason to fail */
		if (g_strcmp0(o->mode, "none") != 0) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		g_debug("ignoring (mode=none): %s", local->message);
	}
	s = choose(&probe, o, error);
	if (s == NULL || !apply_overrides(s, o, error))
		return NULL;
	return g_steal_pointer(&s);
}
