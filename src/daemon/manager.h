/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "daemon/config.h"

/* vtierd's manager: owns the main loop, the configuration and (as parts land) the reconcile
 * state. vtierd.c is main() only. */
typedef struct VtierManager VtierManager;

VtierManager *vtier_manager_new(const gchar *config_path, GError **error);
void vtier_manager_free(VtierManager *manager);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierManager, vtier_manager_free)

/* Runs until SIGTERM/SIGINT. SIGHUP reloads the configuration; a bad file keeps the old one. */
int vtier_manager_run(VtierManager *manager);
const VtierConfig *vtier_manager_get_config(const VtierManager *manager);
/* Reloads the configuration file; on error the running configuration stays as it was. */
gboolean vtier_manager_reload(VtierManager *manager, GError **error);
