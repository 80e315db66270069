/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "daemon/config.h"

/* `vtierctl config [--config FILE] [--sample]`: validates a vtierd.conf and prints the effective
 * configuration (every key, marked where the default applies), or the sample file. */
gboolean vtier_cli_verb_config(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *path = NULL;
	g_autoptr(VtierConfig) config = NULL;
	g_autofree gchar *text = NULL;
	gboolean sample = FALSE;
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &path,
		  "Configuration file (default " VTIER_SYSCONFDIR "/vtier/vtierd.conf)", "FILE" },
		{ "sample", 0, 0, G_OPTION_ARG_NONE, &sample,
		  "Print the sample configuration with every default", NULL },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "", "Validate and print vtierd's configuration.",
			     entries, &common, error))
		return FALSE;
	if (sample) {
		text = vtier_config_render_sample();
		fputs(text, stdout);
		return TRUE;
	}
	if (path == NULL)
		config = vtier_config_load(VTIER_SYSCONFDIR "/vtier/vtierd.conf", FALSE, error);
	else
		config = vtier_config_load(path, TRUE, error);
	if (config == NULL)
		return FALSE;
	text = vtier_config_to_data(config);
	fputs(text, stdout);
	return TRUE;
}
