/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli/cli.h"
#include "tiering/options.h"
#include "tiering/sampler.h"
#include "tiering/topology.h"

/* `vtierctl topology [--config FILE] [--sysroot DIR] [--json]`: what vtier sees of the host's
 * memory (fast and slow nodes, their physical ranges, pairing, problems) and which hardware
 * sampler it would use, read directly from the kernel (no daemon needed). */

static void print_json(JsonNode *topology, JsonNode *sampler)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "topology");
	json_builder_add_value(b, topology);
	json_builder_set_member_name(b, "sampler");
	json_builder_add_value(b, sampler);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = json_to_string(root, TRUE);
	printf("%s\n", text);
}

gboolean vtier_cli_verb_topology(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *path = NULL;
	g_auto(VtierOptions) options = { 0 };
	g_autoptr(VtierTopology) topology = NULL;
	g_autoptr(VtierSampler) sampler = NULL;
	g_autofree gchar *topology_text = NULL;
	g_autofree gchar *sampler_text = NULL;
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &path,
		  "Configuration file (default " VTIER_SYSCONFDIR "/vtier/vtierd.conf)", "FILE" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "",
			     "Show the NUMA nodes vtier tiers between, their physical ranges, the "
			     "fast/slow pairing and the hardware sampler.",
			     entries, &common, error))
		return FALSE;
	if (!vtier_cli_no_arguments(argc, argv, error) ||
	    !vtier_options_load(path, NULL, &options, error))
		return FALSE;
	topology = vtier_topology_load(&options.topology, error);
	if (topology == NULL)
		return FALSE;
	sampler = vtier_sampler_detect(&options.sampler, error);
	if (sampler == NULL && common.json)
		return FALSE;
	if (common.json) {
		print_json(vtier_topology_to_json(topology), vtier_sampler_to_json(sampler));
		return TRUE;
	}
	/* the topology is worth showing even when the PMU files are broken */
	topology_text = vtier_topology_to_text(topology);
	printf("%s\n", topology_text);
	if (sampler == NULL) {
		g_prefix_error(error, "sampler: ");
		return FALSE;
	}
	sampler_text = vtier_sampler_to_text(sampler);
	fputs(sampler_text, stdout);
	return TRUE;
}
