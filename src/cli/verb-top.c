/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tiering/status-render.h"
#include "common/error.h"

/* `vtierctl top [--once] [--interval SECONDS] [--count N] [--socket PATH] [--json]`: status's
 * guest rows refreshed live, each with a bar of its fast/slow split and a marker at its target,
 * in 80 columns. On a terminal each refresh redraws the screen; otherwise refreshes follow each
 * other (with --json, one snapshot per line). */

typedef struct {
	gchar *socket;
	gboolean once;
	gint interval;
	gint count;
	gboolean json;
	gboolean tty;
} TopOptions;

static gboolean top_refresh(const TopOptions *o, GError **error)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_STATUS);
	g_autoptr(JsonNode) result = vtier_cli_control_call(o->socket, req, error);
	g_autoptr(VtierSnapshot) snapshot = NULL;
	g_autofree gchar *text = NULL;

	if (result == NULL)
		return FALSE;
	if (o->json) {
		text = json_to_string(result, FALSE);
		printf("%s\n", text);
		fflush(stdout);
		return TRUE;
	}
	snapshot = vtier_snapshot_from_json(result, error);
	if (snapshot == NULL) {
		g_prefix_error(error, "vtierd's status is not a snapshot this vtierctl reads: ");
		return FALSE;
	}
	text = vtier_top_render(snapshot);
	if (o->tty && !o->once)
		fputs("\033[H\033[2J", stdout); /* home, clear */
	fputs(text, stdout);
	if (!o->tty && !o->once)
		fputs("\n", stdout);
	fflush(stdout);
	return TRUE;
}

gboolean vtier_cli_verb_top(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	TopOptions o = { .interval = 2 };
	g_autofree gchar *socket = NULL;
	const GOptionEntry entries[] = {
		{ "once", 0, 0, G_OPTION_ARG_NONE, &o.once, "Print one refresh and exit (for scripts)",
		  NULL },
		{ "interval", 'n', 0, G_OPTION_ARG_INT, &o.interval,
		  "Seconds between refreshes (default 2)", "SECONDS" },
		{ "count", 0, 0, G_OPTION_ARG_INT, &o.count,
		  "Stop after N refreshes (default: until interrupted)", "N" },
		VTIER_CLI_SOCKET_ENTRY(&socket),
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse_usage(&argc, &argv, "",
				   "Show the guests' fast/slow split live, with a bar per guest.",
				   entries, &common, error))
		return FALSE;
	if (argc > 1)
		return vtier_cli_usage_error(error, "top takes no arguments");
	if (o.interval < 1 || o.interval > 3600)
		return vtier_cli_usage_error(error, "--interval must be 1 to 3600 seconds");
	if (o.count < 0)
		return vtier_cli_usage_error(error, "--count must not be negative");
	o.socket = socket;
	o.json = common.json;
	o.tty = isatty(STDOUT_FILENO);
	for (gint n = 1;; n++) {
		if (!top_refresh(&o, error))
			return FALSE;
		if (o.once || (o.count > 0 && n >= o.count))
			return TRUE;
		g_usleep((gulong)o.interval * G_USEC_PER_SEC);
	}
}
