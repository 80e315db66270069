/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "cli/status-render.h"
#include "common/error.h"

/* `vtierctl status [--socket PATH] [--json]`: vtierd's snapshot, the host then one row per
 * guest. */
gboolean vtier_cli_verb_status(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *socket = NULL;
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(VtierSnapshot) snapshot = NULL;
	g_autofree gchar *text = NULL;
	const GOptionEntry entries[] = {
		VTIER_CLI_SOCKET_ENTRY(&socket),
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse_usage(&argc, &argv, "",
				   "Show what vtierd sees and does: host, kdamond, and per guest its "
				   "split, target and state.",
				   entries, &common, error))
		return FALSE;
	if (argc > 1)
		return vtier_cli_usage_error(error, "status takes no arguments");
	result = vtier_cli_control_call(socket, req, error);
	if (result == NULL)
		return FALSE;
	if (common.json) {
		vtier_cli_print_json(result);
		return TRUE;
	}
	snapshot = vtier_snapshot_from_json(result, error);
	if (snapshot == NULL) {
		g_prefix_error(error, "vtierd's status is not a snapshot this vtierctl reads: ");
		return FALSE;
	}
	text = vtier_status_render(snapshot);
	fputs(text, stdout);
	return TRUE;
}
