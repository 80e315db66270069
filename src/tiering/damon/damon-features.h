/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tiering/damon/damon-model.h"

/*
 * What a kernel's DAMON sysfs interface offers, found by file presence and trial writes (the
 * probe, damon-probe.h), never by kernel version; or loaded from a built-in profile of a kernel
 * measured in the lab (`6.12`, `6.18`, `7.3`, `7.3+hw-rfc`) or from a file holding
 * `vtierctl probe --json` output.
 *
 * Lists hold the kernel's own spellings, in the kernel's order. The planner asks the typed
 * helpers (vtier_damon_features_has_action() ...); the writer uses the booleans to decide which
 * files exist. This header is a contract with the planner: extend it by appending fields.
 */

/* An in-kernel DAMON user that holds DAMON exclusively while enabled, so that every sysfs `on`
 * gives EBUSY (/sys/module/NAME/parameters/enabled). */
typedef struct {
	gchar *name;	  /* "damon_stat", "damon_reclaim", "damon_lru_sort" */
	gboolean present; /* built in or loaded */
	gboolean enabled; /* its state when probed (profiles: at boot) */
} VtierDamonModule;

typedef struct {
	gchar *source;		 /* "probe", "profile 7.3", or the file it was loaded from */
	gboolean available;	 /* admin/kdamonds exists (CONFIG_DAMON_SYSFS) */
	gboolean complete;	 /* FALSE: the tree was busy, trial writes were skipped */
	gchar *incomplete_reason; /* why, when !complete; NULL otherwise */

	GStrv operations;   /* avail_operations */
	GStrv actions;	    /* accepted by schemes/S/action */
	GStrv goal_metrics; /* accepted by quotas/goals/G/target_metric */
	gboolean goal_nid;  /* goals/G/nid */
	gboolean goal_path; /* goals/G/path */
	GStrv goal_tuners;  /* accepted by quotas/goal_tuner; empty when the file is absent */

	gboolean core_filters;	 /* schemes/S/core_filters/ */
	gboolean ops_filters;	 /* schemes/S/ops_filters/ */
	gboolean legacy_filters; /* schemes/S/filters/ */
	gboolean filter_allow;	 /* filters have an `allow` file */
	GStrv core_filter_types; /* accepted by each layer's F/type */
	GStrv ops_filter_types;
	GStrv legacy_filter_types;

	gboolean dests;		  /* schemes/S/dests/ */
	gboolean intervals_goal;  /* monitoring_attrs/intervals/intervals_goal/ */
	gboolean refresh_ms;	  /* kdamonds/K/refresh_ms */
	gboolean addr_unit;	  /* contexts/C/addr_unit */
	gboolean pause;		  /* contexts/C/pause */
	gboolean probes;	  /* monitoring_attrs/probes/ */
	gboolean obsolete_target; /* targets/T/obsolete_target */
	gboolean fail_charge;	  /* quotas/fail_charge_{num,denom} */

	GStrv state_commands; /* accepted by kdamonds/K/state */
	GStrv trace_events;   /* tracefs events/damon/ */
	GPtrArray *modules;   /* VtierDamonModule, always the three exclusive users */

	/* Hardware-sampled access reports. */
	gboolean perf_events;		   /* RFC: monitoring_attrs/sample/perf_events/ */
	guint max_perf_events;		   /* largest nr_perf_events accepted (RFC: 64) */
	gboolean probe_filter_perf_event;  /* probes/P/filters/F/type accepts "perf_event" */

	GStrv scheme_stats; /* the files of schemes/S/stats/ */
	/* `commit` runs in the kdamond's callback (6.12): a rejected commit reports success and
	 * stops the kdamond instead of returning the error */
	gboolean commit_stops_on_error;
	/* a scheme's first quota window keeps its quota: measured on 6.18 and 7.3, where a
	 * 32 MiB/s PULL started at once moved 26 MiB in its first window. 6.12's first window is
	 * unlimited (it moved a whole 512 MiB workload), so the writer starts a kdamond with moving
	 * schemes staged where this is FALSE. The probe sets it from the kernel release (6.18 or
	 * later: the oldest measured kernel that keeps it); FALSE when unknown. */
	gboolean first_window_limited;
} VtierDamonFeatures;

VtierDamonFeatures *vtier_damon_features_new(void); /* nothing available */
void vtier_damon_features_free(VtierDamonFeatures *features);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonFeatures, vtier_damon_features_free)
VtierDamonFeatures *vtier_damon_features_copy(const VtierDamonFeatures *features);

/* The names of the exclusive DAMON modules, NULL-terminated. */
const gchar *const *vtier_damon_exclusive_module_names(void);
/* The module record (never NULL for the three names). */
VtierDamonModule *vtier_damon_features_get_module(const VtierDamonFeatures *features,
						  const gchar *name);

gboolean vtier_damon_features_has_operations(const VtierDamonFeatures *f, VtierDamonOps ops);
gboolean vtier_damon_features_has_action(const VtierDamonFeatures *f, VtierDamonAction action);
gboolean vtier_damon_features_has_goal_metric(const VtierDamonFeatures *f,
					      VtierDamonGoalMetric metric);
gboolean vtier_damon_features_has_goal_tuner(const VtierDamonFeatures *f, VtierDamonGoalTuner tuner);
/* Whether @layer exists and accepts @type. */
gboolean vtier_damon_features_has_filter_type(const VtierDamonFeatures *f,
					      VtierDamonFilterLayer layer, VtierDamonFilterType type);
gboolean vtier_damon_features_has_state_command(const VtierDamonFeatures *f, const gchar *command);
gboolean vtier_damon_features_has_trace_event(const VtierDamonFeatures *f, const gchar *event);

/* JSON codec (`vtierctl probe --json`); round-trips exactly, rejects unknown members. */
JsonNode *vtier_damon_features_to_json(const VtierDamonFeatures *features);
VtierDamonFeatures *vtier_damon_features_from_json(JsonNode *node, GError **error);
gchar *vtier_damon_features_to_data(const VtierDamonFeatures *features);
VtierDamonFeatures *vtier_damon_features_from_data(const gchar *data, const gchar *source,
						   GError **error);
/* A human-readable summary (`vtierctl probe`). */
gchar *vtier_damon_features_to_text(const VtierDamonFeatures *features);

/* Built-in profiles (embedded in the binary), NULL-terminated: "6.12", "6.18", "7.3",
 * "7.3+hw-rfc". */
const gchar *const *vtier_damon_profile_names(void);
/* A built-in profile by name, or a JSON file by path when @name_or_path is not a profile name. */
VtierDamonFeatures *vtier_damon_features_load(const gchar *name_or_path, GError **error);

/* The differences in what the kernel offers (everything but source, completeness and the
 * modules' enabled state, which is runtime state), one line per field, or NULL when equal. */
gchar *vtier_damon_features_diff(const VtierDamonFeatures *expected,
				 const VtierDamonFeatures *actual);
