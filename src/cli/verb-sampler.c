/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli/cli.h"
#include "tiering/options.h"
#include "tiering/sampler.h"

/* `vtierctl sampler [--config FILE] [--sysroot DIR] [--json]`: which hardware access sampler vtier
 * would hand DAMON on this host, the perf event fields, and why. */
gboolean vtier_cli_verb_sampler(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *path = NULL;
	g_auto(VtierOptions) options = { 0 };
	g_autoptr(VtierSampler) sampler = NULL;
	g_autofree gchar *text = NULL;
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &path,
		  "Configuration file (default " VTIER_SYSCONFDIR "/vtier/vtierd.conf)", "FILE" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "",
			     "Show the hardware access sampler vtier would use, and why.", entries,
			     &common, error))
		return FALSE;
	if (!vtier_cli_no_arguments(argc, argv, error) ||
	    !vtier_options_load(path, NULL, &options, error))
		return FALSE;
	sampler = vtier_sampler_detect(&options.sampler, error);
	if (sampler == NULL)
		return FALSE;
	if (common.json) {
		g_autoptr(JsonNode) node = vtier_sampler_to_json(sampler);
		text = json_to_string(node, TRUE);
		printf("%s\n", text);
		return TRUE;
	}
	text = vtier_sampler_to_text(sampler);
	fputs(text, stdout);
	return TRUE;
}
