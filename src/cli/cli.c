/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/paths.h"

gboolean vtier_cli_parse(int *argc, char ***argv, const gchar *parameter_string,
			 const gchar *summary, const GOptionEntry *entries, VtierCliCommon *common,
			 GError **error)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(parameter_string);
	g_autoptr(GError) local = NULL;
	const GOptionEntry common_entries[] = {
		{ "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &common->sysroot,
		  "Read /sys, /proc and /run below DIR instead of /", "DIR" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &common->json, "Print JSON", NULL },
		G_OPTION_ENTRY_NULL,
	};

	g_option_context_set_summary(ctx, summary);
	if (entries != NULL)
		g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, common_entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT, "%s (try --help)",
			    local->message);
		return FALSE;
	}
	/* VTIER_SYSROOT is --sysroot from the environment: checked the same way */
	if (common->sysroot == NULL && g_getenv("VTIER_SYSROOT") != NULL &&
	    g_getenv("VTIER_SYSROOT")[0] != '\0' &&
	    !g_file_test(g_getenv("VTIER_SYSROOT"), G_FILE_TEST_IS_DIR)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
			    "VTIER_SYSROOT=%s: no such directory", g_getenv("VTIER_SYSROOT"));
		return FALSE;
	}
	if (common->sysroot != NULL) {
		if (!g_file_test(common->sysroot, G_FILE_TEST_IS_DIR)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
				    "--sysroot %s: no such directory", common->sysroot);
			return FALSE;
		}
		vtier_paths_set_sysroot(common->sysroot);
	}
	return TRUE;
}

void vtier_cli_common_clear(VtierCliCommon *common)
{
	g_clear_pointer(&common->sysroot, g_free);
}

gboolean vtier_cli_no_arguments(int argc, char **argv, GError **error)
{
	if (argc <= 1)
		return TRUE;
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
		    "unexpected argument \"%s\" (try --help)", argv[1]);
	return FALSE;
}

gboolean vtier_cli_take_deprecated_connect(const gchar *verb, gchar **old, gchar **uri,
					  GError **error)
{
	if (*old == NULL)
		return TRUE;
	if (*uri != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "-c %s and --connect %s: give --connect once", *old, *uri);
		return FALSE;
	}
	fprintf(stderr, "vtierctl %s: -c URI is deprecated, use --connect URI (-c means --config "
			"in every verb)\n",
		verb);
	*uri = g_steal_pointer(old);
	return TRUE;
}
