/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "common/config.h"

/* vtierd's manager: owns the main loop, the configuration, the guests and the reconcile state.
 * vtierd.c is main() only. */
typedef struct VtierManager VtierManager;

typedef struct {
	gchar *config_path;	 /* the configuration file */
	gboolean config_explicit; /* named on the command line: it must exist */
	gchar *connect_uri;	 /* libvirt URI (NULL: [daemon] libvirt_uri); "none": no libvirt */
	gboolean dry_run;	 /* everything except DAMON writes */
	gchar *kernel_features;	 /* dry-run: a kernel profile or probe JSON (default: 7.3) */
	gchar *policy_dir;	 /* NULL: the default policy directory */
} VtierManagerOptions;

void vtier_manager_options_clear(VtierManagerOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierManagerOptions, vtier_manager_options_clear)

/* Loads the configuration (only). */
VtierManager *vtier_manager_new(const VtierManagerOptions *options, GError **error);
void vtier_manager_free(VtierManager *manager);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierManager, vtier_manager_free)

/* Reads the host (topology, sampler), claims DAMON (refusing foreign kdamonds, adopting its own),
 * loads the state file, opens the control socket and the libvirt connection. */
gboolean vtier_manager_start(VtierManager *manager, GError **error);
/* Runs until SIGTERM/SIGINT. SIGHUP reloads the configuration; a bad file keeps the old one. */
int vtier_manager_run(VtierManager *manager);
const VtierConfig *vtier_manager_get_config(const VtierManager *manager);
/* Reloads the configuration file and the policy templates; on error the running configuration
 * stays as it was. */
gboolean vtier_manager_reload(VtierManager *manager, GError **error);
