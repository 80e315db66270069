/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/control.h"

/* A vtierctl verb: parses its own options from argv (argv[0] is the verb) and returns the exit
 * status. Verbs print their result on stdout and leave error reporting to vtierctl's main. */
typedef struct {
	const gchar *name;
	const gchar *summary;
	gboolean (*run)(int argc, char **argv, GError **error);
} VtierCliVerb;

/* Runs @verb and reports its failure on stderr ("vtierctl VERB: message"); returns the exit
 * status: 0, the VTIER_CLI_ERROR code, or 1. A verb that returns FALSE without setting an error
 * (or TRUE with one) is reported as an internal error of vtierctl, exit 1. */
int vtier_cli_run_verb(const VtierCliVerb *verb, int argc, char **argv);

/* Shared option entries every verb accepts: --sysroot DIR and --json. */
typedef struct {
	gchar *sysroot;
	gboolean json;
} VtierCliCommon;

/* Parses @entries plus the common options; on success applies --sysroot. */
gboolean vtier_cli_parse(int *argc, char ***argv, const gchar *parameter_string,
			 const gchar *summary, const GOptionEntry *entries, VtierCliCommon *common,
			 GError **error);
void vtier_cli_common_clear(VtierCliCommon *common);
/* -c means --config in every verb. guests and policy once spelled --connect -c: their hidden
 * "-c URI" still works, with this note on stderr. Moves *@old into *@uri (unless --connect was
 * given too: a usage error). */
gboolean vtier_cli_take_deprecated_connect(const gchar *verb, gchar **old, gchar **uri,
					  GError **error);
/* Fails with a usage error when argv (after parsing) holds more than the verb's name. */
gboolean vtier_cli_no_arguments(int argc, char **argv, GError **error);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierCliCommon, vtier_cli_common_clear)

/* Verbs, one file each (src/cli/verb-NAME.c), grouped by the part they belong to. */
gboolean vtier_cli_verb_version(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_config(int argc, char **argv, GError **error);

/* topology and sampler verbs */
gboolean vtier_cli_verb_topology(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_sampler(int argc, char **argv, GError **error);

/* DAMON verbs */
gboolean vtier_cli_verb_probe(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_damon(int argc, char **argv, GError **error);

/* planner verbs */
gboolean vtier_cli_verb_plan(int argc, char **argv, GError **error);

/* guest verbs */
gboolean vtier_cli_verb_guests(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_policy(int argc, char **argv, GError **error);

/* daemon verbs: talk to vtierd over its control socket (src/cli/verb-status.c, verb-top.c,
 * verb-explain.c, verb-attach.c) */
gboolean vtier_cli_verb_status(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_top(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_explain(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_attach(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_detach(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_reload(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_dump(int argc, char **argv, GError **error);

/* vtierctl's exit statuses beyond 0 and 1 (vtierctl(8) EXIT STATUS): a verb's error in this
 * domain makes vtierctl exit with its code; any other error exits 1. */
#define VTIER_CLI_ERROR vtier_cli_error_quark()
typedef enum {
	VTIER_CLI_ERROR_USAGE = 2,	 /* bad options or arguments */
	VTIER_CLI_ERROR_UNREACHABLE = 3, /* vtierd could not be reached (or did not answer) */
} VtierCliErrorCode;
GQuark vtier_cli_error_quark(void);

/* How long a verb waits for vtierd's answer. */
#define VTIER_CLI_CONTROL_TIMEOUT_MS 10000

/* The --socket option of the daemon verbs. */
#define VTIER_CLI_SOCKET_ENTRY(ptr)                                                              \
	{ "socket", 0, 0, G_OPTION_ARG_FILENAME, (ptr),                                          \
	  "vtierd's control socket (default $VTIER_CONTROL_SOCKET, else vtierd.conf's "         \
	  "[daemon] control_socket, else /run/vtier/control)",                                   \
	  "PATH" }

/* vtier_cli_parse() whose failures are usage errors (exit 2). */
gboolean vtier_cli_parse_usage(int *argc, char ***argv, const gchar *parameter_string,
			       const gchar *summary, const GOptionEntry *entries,
			       VtierCliCommon *common, GError **error);
gboolean vtier_cli_usage_error(GError **error, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
/* Sends @request to vtierd at @socket (NULL: $VTIER_CONTROL_SOCKET, else [daemon] control_socket
 * of the vtierd.conf vtierd reads by default, else the default path: as vtierd resolves it) and
 * returns the result; on failure the error is VTIER_CLI_ERROR_UNREACHABLE when vtierd could not be
 * reached, else vtierd's own error (exit 1), its message escaped for the terminal. */
JsonNode *vtier_cli_control_call(const gchar *socket, const VtierControlRequest *request,
				 GError **error);
/* Prints @node as indented JSON with a final newline. */
void vtier_cli_print_json(JsonNode *node);
