/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/json.h"
#include "tiering/status-render.h"

/* One line of the "text" view. vtierd escaped what it shows (vtier_status_render()), backslashes
 * included; a line holding anything but printable ASCII is escaped again here all the same, its
 * backslashes kept, so that no vtierd can drive this terminal. */
static void print_line(const gchar *line, gsize len)
{
	g_autofree gchar *raw = NULL;
	g_auto(GStrv) parts = NULL;
	gsize i;

	for (i = 0; i < len && line[i] >= 0x20 && line[i] < 0x7f; i++)
		;
	if (i == len) {
		fwrite(line, 1, len, stdout);
		return;
	}
	raw = g_strndup(line, len);
	parts = g_strsplit(raw, "\\", -1);
	for (i = 0; parts[i] != NULL; i++) {
		g_autofree gchar *escaped = vtier_escape_terminal(parts[i]);

		fputs(escaped, stdout);
		if (parts[i + 1] != NULL)
			fputc('\\', stdout);
	}
}

static gboolean print_text(JsonNode *result, GError **error)
{
	g_auto(VtierJsonReader) r = {0};
	g_autofree gchar *text = NULL;

	if (!vtier_json_reader_init(&r, result, "status", error))
		return FALSE;
	vtier_json_get_string(&r, "text", &text);
	if (!r.failed && text == NULL)
		vtier_json_reader_fail(&r, "text", "missing");
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	for (const gchar *line = text; *line != '\0';) {
		const gchar *end = strchr(line, '\n');
		gsize len = end != NULL ? (gsize)(end - line) : strlen(line);

		print_line(line, len);
		fputc('\n', stdout);
		line += len + (end != NULL ? 1 : 0);
	}
	return TRUE;
}

/* `vtierctl status [--socket PATH] [--json]`: vtierd's snapshot, the host then one row per
 * guest. */
gboolean vtier_cli_verb_status(int argc, char **argv, GError **error)
{
	/* The text as vtierd renders it (one string to parse: at 500 guests json-glib takes ~13 ms
	 * for the table's 230 KB of members, <1 ms for the text), else the snapshot less what the
	 * table does not show, else the whole snapshot: a vtierd older than a view refuses it
	 * (invalid-argument) and is asked for the next. --json asks for the whole snapshot. */
	static const VtierControlView views[] = {VTIER_CONTROL_VIEW_TEXT, VTIER_CONTROL_VIEW_TABLE,
						 VTIER_CONTROL_VIEW_FULL};
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
	for (gsize i = common.json ? G_N_ELEMENTS(views) - 1 : 0; i < G_N_ELEMENTS(views); i++) {
		g_clear_error(&local);
		req->view = views[i];
		result = vtier_cli_control_call(socket, req, &local);
		if (result != NULL ||
		    !g_error_matches(local, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT))
			break;
	}
	if (result == NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (common.json) {
		vtier_cli_print_json(result);
		return TRUE;
	}
	if (req->view == VTIER_CONTROL_VIEW_TEXT) {
		if (!print_text(result, error)) {
			g_prefix_error(error,
				       "vtierd's status is not a text this vtierctl reads: ");
			return FALSE;
		}
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
