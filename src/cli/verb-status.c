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
	g_autoptr(GError) local = NULL;
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
	/* the text needs only what its table shows (half the bytes to read);
	 * a vtierd older than the "view" argument refuses it, and gets the plain request */
	if (!common.json)
		req->view = VTIER_CONTROL_VIEW_TABLE;
	result = vtier_cli_control_call(socket, req, &local);
	if (result == NULL && req->view != VTIER_CONTROL_VIEW_FULL &&
	    g_error_matches(local, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT)) {
		g_clear_error(&local);
		req->view = VTIER_CONTROL_VIEW_FULL;
		result = vtier_cli_control_call(socket, req, &local);
	}
	if (result == NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
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
