/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "common/config.h"
#include "tiering/planner.h"
#include "tiering/sampler.h"
#include "tiering/topology.h"

/* vtierd.conf mapped onto the typed options of each part. This is the one validation path of a
 * configuration: vtierd (start, SIGHUP, --check-config), `vtierctl config`, `topology -c`,
 * `sampler -c` and `plan -c` all load through vtier_options_load(), so a file one of them accepts
 * is a file all of them accept. */
typedef struct {
	VtierTopologyOptions topology;
	VtierSamplerOptions sampler;
	VtierPlanOptions plan;
	gchar *libvirt_uri;
} VtierOptions;

void vtier_options_init(VtierOptions *options);
void vtier_options_clear(VtierOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierOptions, vtier_options_clear)

/* Maps @config (validated key by key at load) onto @ret and checks what the keys mean together and
 * what needs no host (vtier_topology_options_check(), vtier_sampler_options_check()). */
gboolean vtier_config_to_options(const VtierConfig *config, VtierOptions *ret, GError **error);

/* Loads @path (NULL: VTIER_PATH_CONFIG of the path store, the installed vtierd.conf or
 * $VTIER_CONFIG, which may be absent) and maps it; a named file that does not exist is an error. *@ret_config (optional) gets the key file. */
gboolean vtier_options_load(const gchar *path, VtierConfig **ret_config, VtierOptions *ret,
			    GError **error);

/* What vtierd checks against the host before it runs: the topology with @options' nodes (a node
 * the host lacks is an error naming it) and the sampler with its event and rate. */
gboolean vtier_options_check_host(const VtierOptions *options, GError **error);
