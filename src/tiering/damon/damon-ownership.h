/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-io.h"

/*
 * Ownership of the DAMON tree. vtier owns the whole kdamonds/ tree or refuses to run: it records
 * the kdamonds it created (index and pid) in /run/vtier/state.json (member "damon", other members
 * of the file are kept), adopts its own running kdamonds after a restart (no restart of DAMON, no
 * pause in migration), and refuses, naming the kdamond, its pid and the fix, when a kdamond it
 * did not create exists or when an exclusive DAMON module (damon_stat, damon_reclaim,
 * damon_lru_sort) is enabled, unless it may turn damon_stat off ([damon] disable_damon_stat).
 * The check writes nothing except that one module parameter, and nothing at all when it refuses.
 */
typedef struct {
	guint index;
	gint pid; /* -1 while not running */
} VtierDamonOwnedKdamond;

/* The kdamonds vtier created, as recorded in state.json (VtierDamonOwnedKdamond). */
GArray *vtier_damon_ownership_load(GError **error);
/* Records kdamonds 0 .. @nr_kdamonds-1 of the tree (as far as they exist) as vtier's, with
 * their current pids. Call it after every apply (damon-driver.h does). */
gboolean vtier_damon_ownership_record(VtierDamonIo *io, guint nr_kdamonds, GError **error);

/* state.json is shared: the driver saves member "damon" (on vtierd's DAMON worker thread),
 * vtierd member "vtierd" (on its main loop). Each read-modify-write of the file holds this
 * process-wide lock, only for the file's read and write. */
void vtier_damon_ownership_lock_state(void);
void vtier_damon_ownership_unlock_state(void);

/* Records complete probe results with the ownership: after a restart the tree is busy with
 * vtier's own kdamonds and the probe can only read file presence. */
gboolean vtier_damon_ownership_save_features(const VtierDamonFeatures *features, GError **error);
/* The recorded features, or NULL (error unset) when none were recorded. */
VtierDamonFeatures *vtier_damon_ownership_load_features(GError **error);

/* One kdamond of the tree as a read-only survey sees it. */
typedef struct {
	guint index;
	gboolean running;
	gint pid;	  /* -1 while not running */
	gboolean owned;	  /* recorded in state.json as vtier's (and, running, with that pid) */
} VtierDamonSeenKdamond;

/* Every kdamond of the tree, whoever owns it (VtierDamonSeenKdamond), and the enabled exclusive
 * DAMON modules (gchar *) in *@ret_modules (optional). Reads only: writes neither the tree, nor
 * a module parameter, nor state.json. An absent DAMON tree gives an empty array. */
GArray *vtier_damon_ownership_survey(VtierDamonIo *io, GPtrArray **ret_modules, GError **error);

typedef struct {
	GArray *adopted;	   /* VtierDamonOwnedKdamond: vtier's kdamonds found running */
	guint owned_stopped;	   /* vtier's kdamonds found stopped */
	gboolean damon_stat_disabled; /* vtier turned damon_stat off */
} VtierDamonClaim;

void vtier_damon_claim_clear(VtierDamonClaim *claim);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierDamonClaim, vtier_damon_claim_clear)

/* Checks that vtier may drive DAMON (VTIER_ERROR_CONFLICT otherwise), turning damon_stat off
 * first when @disable_damon_stat allows it and nothing else is in the way. */
gboolean vtier_damon_ownership_claim(VtierDamonIo *io, gboolean disable_damon_stat,
				     VtierDamonClaim *ret_claim, GError **error);
