/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-sampler"

#include "config.h"

#include <perfmon/pfmlib_perf_event.h>
#include <string.h>

#include "common/dl.h"
#include "common/error.h"
#include "tiering/sampler-private.h"

/* libpfm4 is loaded at its first use (common/dl.h): linked, its ~41 000 relocations and event
 * tables doubled the page faults of every vtierctl start (~1.5 ms), for the one command in a
 * hundred that encodes a PEBS event. */
#define PFM_SYMBOLS(X)                                                                             \
	X(pfm_get_os_event_encoding)                                                               \
	X(pfm_get_pmu_info)                                                                        \
	X(pfm_initialize)                                                                          \
	X(pfm_strerror)                                                                            \
	X(pfm_terminate)

#define PFM_DEFINE(name) static typeof(name) *sym_##name;
PFM_SYMBOLS(PFM_DEFINE)
#undef PFM_DEFINE

static gboolean pfm_load(GError **error)
{
#define PFM_ENTRY(name) {#name, (gpointer *)&sym_##name},
	static const VtierDlSymbol symbols[] = {PFM_SYMBOLS(PFM_ENTRY)};
#undef PFM_ENTRY
	static const VtierDlLibrary library = { VTIER_LIBPFM_SONAME, "libpfm4", symbols,
						G_N_ELEMENTS(symbols) };
	static VtierDlOnce state;

	return vtier_dl_load_once(&state, &library, 1, error);
}

/* libpfm4 encoding of Intel PEBS events, and the raw table for PMU models libpfm4 lacks.
 *
 * The kernel names the core PMU model in caps/pmu_name of the cpu PMU; we qualify the event with
 * the libpfm4 PMU of that model ("spr::MEM_LOAD_RETIRED:L3_MISS") and let libpfm4 encode it even
 * when that PMU is not the one it detects (LIBPFM_ENCODE_INACTIVE), so a fixture sysroot is encoded
 * for the fixture's model, never for the CPU this runs on. */

typedef struct {
	const gchar *model; /* kernel caps/pmu_name */
	const gchar *pfm;   /* libpfm4 PMU name */
	const gchar *event; /* the model's name of "loads that missed L3" */
} PfmModel;

static const PfmModel pfm_models[] = {
	{ "haswell", "hsw_ep", "MEM_LOAD_UOPS_RETIRED:L3_MISS" },
	{ "broadwell", "bdw_ep", "MEM_LOAD_UOPS_RETIRED:L3_MISS" },
	{ "skylake", "skx", VTIER_SAMPLER_PEBS_EVENT },
	{ "icelake", "icx", VTIER_SAMPLER_PEBS_EVENT },
	{ "sapphire_rapids", "spr", VTIER_SAMPLER_PEBS_EVENT },
};

/* Models libpfm4 4.13 does not know whose (P-)cores count MEM_LOAD_RETIRED.L3_MISS as event 0xd1
 * umask 0x20 like Sapphire Rapids: Granite Rapids (Redwood Cove), and the hybrid client parts'
 * cpu_core PMU (Golden Cove / Redwood Cove). */
static const VtierPebsRaw raw_models[] = {
	{ "granite_rapids", 0x20d1, 2 },
	{ "alderlake_hybrid", 0x20d1, 2 },
	{ "meteorlake_hybrid", 0x20d1, 2 },
};

const VtierPebsRaw *vtier_sampler_raw_for_model(const gchar *model)
{
	for (gsize i = 0; model != NULL && i < G_N_ELEMENTS(raw_models); i++) {
		if (g_strcmp0(raw_models[i].model, model) == 0)
			return &raw_models[i];
	}
	return NULL;
}

static const PfmModel *find_model(const gchar *model)
{
	for (gsize i = 0; model != NULL && i < G_N_ELEMENTS(pfm_models); i++) {
		if (g_strcmp0(pfm_models[i].model, model) == 0)
			return &pfm_models[i];
	}
	return NULL;
}

const gchar *vtier_sampler_pfm_default_event(const gchar *model)
{
	const PfmModel *m = find_model(model);

	return m != NULL ? m->event : VTIER_SAMPLER_PEBS_EVENT;
}

/* What a pfm_begin() caller needs of libpfm4's inactive PMUs. */
typedef enum {
	PFM_INACTIVE_ANY, /* nothing it does depends on them (listing the PMUs libpfm4 knows) */
	PFM_INACTIVE_NO,  /* an event without a PMU: only the PMUs of this machine */
	PFM_INACTIVE_YES, /* a PMU-qualified event: that PMU, present here or not (a fixture's) */
} PfmInactive;

#define PFM_INACTIVE_VAR "LIBPFM_ENCODE_INACTIVE"

/* (Re)initializes libpfm4. It reads LIBPFM_ENCODE_INACTIVE in pfm_initialize() only, and from
 * the environment, which cannot be changed safely while other threads may call getenv() (vtierd
 * detects the sampler again on SIGHUP with its worker threads running). So the variable is
 * written only when a call needs another value than the environment holds: a process encodes
 * the same way each time (its host or fixture and event do not change), so only its first
 * detection, at start before any thread, writes it. A value the user exported is kept unless
 * a PMU-qualified event needs "1". */
static gboolean pfm_begin(PfmInactive inactive, GError **error)
{
	static gboolean set_here;
	int ret;

	if (!pfm_load(error))
		return FALSE;
	sym_pfm_terminate();
	if (inactive == PFM_INACTIVE_YES && g_strcmp0(g_getenv(PFM_INACTIVE_VAR), "1") != 0) {
		g_setenv(PFM_INACTIVE_VAR, "1", TRUE);
		set_here = TRUE;
	} else if (inactive == PFM_INACTIVE_NO && set_here) {
		g_unsetenv(PFM_INACTIVE_VAR);
		set_here = FALSE;
	}
	ret = sym_pfm_initialize();
	if (ret != PFM_SUCCESS) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "libpfm4 cannot initialize: %s", sym_pfm_strerror(ret));
		return FALSE;
	}
	return TRUE;
}

/* Whether libpfm4 knows the PMU @name (present on this machine or not: pfm_get_pmu_info()
 * lists every PMU it was built with, whatever LIBPFM_ENCODE_INACTIVE says). */
static gboolean pfm_has_pmu(const gchar *name)
{
	pfm_pmu_info_t info;
	int i;

	pfm_for_all_pmus(i)
	{
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (sym_pfm_get_pmu_info((pfm_pmu_t)i, &info) == PFM_SUCCESS &&
		    g_strcmp0(info.name, name) == 0)
			return TRUE;
	}
	return FALSE;
}

const gchar *vtier_sampler_pfm_pmu_for_model(const gchar *model)
{
	const PfmModel *m = find_model(model);
	gboolean known;

	if (m == NULL || !pfm_begin(PFM_INACTIVE_ANY, NULL))
		return NULL;
	known = pfm_has_pmu(m->pfm);
	sym_pfm_terminate();
	return known ? m->pfm : NULL;
}

static void fill_event(const struct perf_event_attr *attr, VtierPerfEvent *ret)
{
	ret->type = attr->type;
	ret->config = attr->config;
	ret->config1 = attr->config1;
	ret->config2 = attr->config2;
	ret->precise_ip = attr->precise_ip;
	ret->exclude_kernel = attr->exclude_kernel;
	ret->exclude_hv = attr->exclude_hv;
}

gboolean vtier_sampler_pfm_encode(const gchar *pmu, const gchar *event, VtierPerfEvent *ret,
				  gchar **ret_fstr, GError **error)
{
	g_autofree gchar *qualified = pmu != NULL && strstr(event, "::") == NULL
					      ? g_strdup_printf("%s::%s", pmu, event)
					      : g_strdup(event);
	struct perf_event_attr attr;
	pfm_perf_encode_arg_t arg;
	char *fstr = NULL;
	int rc;

	if (!pfm_begin(pmu != NULL ? PFM_INACTIVE_YES : PFM_INACTIVE_NO, error))
		return FALSE;
	memset(&attr, 0, sizeof(attr));
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = &attr;
	arg.fstr = &fstr;
	rc = sym_pfm_get_os_event_encoding(qualified, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT,
					   &arg);
	sym_pfm_terminate();
	if (rc != PFM_SUCCESS) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "libpfm4 cannot encode event \"%s\": %s", qualified,
			    sym_pfm_strerror(rc));
		g_free(fstr); /* libpfm4 allocates with malloc; GLib's allocator is the system's */
		return FALSE;
	}
	fill_event(&attr, ret);
	if (ret_fstr != NULL)
		*ret_fstr = g_strdup(fstr);
	g_free(fstr);
	return TRUE;
}
