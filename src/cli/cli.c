/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/escape.h"
#include "common/json.h"
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
	return vtier_cli_usage_error(error, "unexpected argument \"%s\"", argv[1]);
}

gboolean vtier_cli_take_deprecated_connect(const gchar *verb, gchar **old, gchar **uri,
					  GError **error)
{
	if (*old == NULL)
		return TRUE;
	if (*uri != NULL)
		return vtier_cli_usage_error(error, "-c %s and --connect %s: give --connect once",
					     *old, *uri);
	fprintf(stderr, "vtierctl %s: -c URI is deprecated, use --connect URI (-c means --config "
			"in every verb)\n",
		verb);
	*uri = g_steal_pointer(old);
	return TRUE;
}

G_DEFINE_QUARK(vtier-cli-error-quark, vtier_cli_error)

gboolean vtier_cli_usage_error(GError **error, const gchar *format, ...)
{
	g_autofree gchar *message = NULL;
	va_list ap;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error(error, VTIER_CLI_ERROR, VTIER_CLI_ERROR_USAGE, "%s (try --help)", message);
	return FALSE;
}

gboolean vtier_cli_parse_usage(int *argc, char ***argv, const gchar *parameter_string,
			       const gchar *summary, const GOptionEntry *entries,
			       VtierCliCommon *common, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (vtier_cli_parse(argc, argv, parameter_string, summary, entries, common, &local))
		return TRUE;
	g_set_error_literal(error, VTIER_CLI_ERROR, VTIER_CLI_ERROR_USAGE, local->message);
	return FALSE;
}

/* The socket a daemon verb talks to: --socket, else as vtierd resolves it (the environment, then
 * vtierd.conf's [daemon] control_socket, then the default). A configuration file that cannot be
 * read is said once (top calls vtierd every second), and the default is tried. */
static gchar *control_socket(const gchar *socket)
{
	static gboolean warned;
	g_autofree gchar *warning = NULL;
	gchar *path;

	if (socket != NULL)
		return g_strdup(socket);
	path = vtier_control_socket_path_for_client(&warning);
	if (warning != NULL && !warned) {
		g_autofree gchar *escaped = vtier_escape_terminal(warning);

		fprintf(stderr, "vtierctl: warning: %s\n", escaped);
		warned = TRUE;
	}
	return path;
}

JsonNode *vtier_cli_control_call(const gchar *socket, const VtierControlRequest *request,
				 GError **error)
{
	g_autofree gchar *path = control_socket(socket);
	g_autoptr(GError) local = NULL;
	g_autofree gchar *message = NULL;
	JsonNode *result = NULL;
	gboolean unreachable = FALSE;

	if (vtier_control_call_full(path, request, VTIER_CLI_CONTROL_TIMEOUT_MS, &result,
				    &unreachable, &local))
		return result;
	/* the message may quote a guest's name or vtierd's text: never raw on a terminal */
	message = vtier_escape_terminal(local->message);
	if (unreachable)
		g_set_error_literal(error, VTIER_CLI_ERROR, VTIER_CLI_ERROR_UNREACHABLE, message);
	else
		g_set_error_literal(error, local->domain, local->code, message);
	return NULL;
}

void vtier_cli_print_json(JsonNode *node)
{
	g_autofree gchar *text = vtier_json_to_data(node);

	fputs(text, stdout);
}

/* A verb that fails without saying why is a bug of vtierctl: it is reported as an internal error
 * instead of crashing on the missing message. */
int vtier_cli_run_verb(const VtierCliVerb *verb, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = verb->run(argc, argv, &error);
	g_autofree gchar *message = NULL;

	if (ok && error == NULL)
		return 0;
	if (error != NULL)
		message = vtier_escape_log(error->message);
	if (ok) {
		fprintf(stderr, "vtierctl %s: internal error: the verb succeeded but set an error: %s\n",
			verb->name, message);
		return 1;
	}
	if (error == NULL) {
		fprintf(stderr, "vtierctl %s: internal error: the verb failed without saying why "
				"(please report this)\n",
			verb->name);
		return 1;
	}
	fprintf(stderr, "vtierctl %s: %s\n", verb->name, message);
	return error->domain == VTIER_CLI_ERROR ? error->code : 1;
}
