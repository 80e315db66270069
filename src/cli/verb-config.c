/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/json.h"
#include "tiering/options.h"

/* `vtierctl config [--config FILE] [--sample] [--json]`: validates a vtierd.conf the way vtierd
 * does (the same vtier_options_load(), then the topology and sampler it names against the host)
 * and prints the effective configuration (keys at their default commented out), or the sample. */
gboolean vtier_cli_verb_config(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *path = NULL;
	g_autoptr(VtierConfig) config = NULL;
	g_auto(VtierOptions) options = { 0 };
	g_autofree gchar *text = NULL;
	gboolean sample = FALSE;
	gboolean no_host = FALSE;
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &path,
		  "Configuration file (default " VTIER_SYSCONFDIR "/vtier/vtierd.conf)", "FILE" },
		{ "sample", 0, 0, G_OPTION_ARG_NONE, &sample,
		  "Print the sample configuration with every default", NULL },
		{ "no-host", 0, 0, G_OPTION_ARG_NONE, &no_host,
		  "Do not check the nodes and sampler against this host", NULL },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "", "Validate and print vtierd's configuration.",
			     entries, &common, error) ||
	    !vtier_cli_no_arguments(argc, argv, error))
		return FALSE;
	if (sample && (common.json || path != NULL)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--sample prints the shipped sample; it takes no --config or --json");
		return FALSE;
	}
	if (sample) {
		text = vtier_config_render_sample();
		fputs(text, stdout);
		return TRUE;
	}
	if (!vtier_options_load(path, &config, &options, error))
		return FALSE;
	if (!no_host && !vtier_options_check_host(&options, error)) {
		g_prefix_error(error, "%s: ", config->source != NULL ? config->source : "defaults");
		return FALSE;
	}
	if (common.json) {
		g_autoptr(JsonNode) node = vtier_config_to_json(config);

		text = vtier_json_to_data(node);
	} else {
		text = vtier_config_to_data(config);
	}
	fputs(text, stdout);
	return TRUE;
}
