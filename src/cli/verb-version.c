/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli/cli.h"

gboolean vtier_cli_verb_version(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };

	if (!vtier_cli_parse(&argc, &argv, "", "Print vtier's version.", NULL, &common, error) ||
	    !vtier_cli_no_arguments(argc, argv, error))
		return FALSE;
	if (common.json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) root = NULL;
		g_autofree gchar *text = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "version");
		json_builder_add_string_value(b, PACKAGE_VERSION);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		text = json_to_string(root, TRUE);
		printf("%s\n", text);
	} else {
		printf("vtier %s\n", PACKAGE_VERSION);
	}
	return TRUE;
}
