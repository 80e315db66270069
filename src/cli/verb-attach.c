/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/escape.h"

/* The verbs that change what vtierd manages, and dump: `attach`, `detach`, `reload`, `dump`. */

/* A guest name as the control protocol takes it: UTF-8, not empty, bounded. */
static gboolean check_name(const gchar *name, GError **error)
{
	if (name[0] == '\0' || !g_utf8_validate(name, -1, NULL) ||
	    strlen(name) > VTIER_CONTROL_MAX_NAME)
		return vtier_cli_usage_error(error, "NAME must be 1 to %d bytes of UTF-8 text",
					     VTIER_CONTROL_MAX_NAME);
	return TRUE;
}

/* The text of the policy file, small enough for one request line. */
static gchar *read_policy(const gchar *path, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, error)) {
		g_prefix_error(error, "--policy: ");
		return NULL;
	}
	if (len > VTIER_CONTROL_MAX_LINE / 2 || strlen(text) != len ||
	    !g_utf8_validate(text, (gssize)len, NULL)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--policy %s: not a policy (UTF-8 text of at most %d bytes)", path,
			    VTIER_CONTROL_MAX_LINE / 2);
		return NULL;
	}
	return g_steal_pointer(&text);
}

/* Prints "attached NAME (pid N, memcg PATH)" from the attach reply. */
static void print_attached(const gchar *name, JsonNode *result)
{
	JsonObject *obj = JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL;
	JsonNode *pid_node = obj != NULL ? json_object_get_member(obj, "pid") : NULL;
	JsonNode *memcg_node = obj != NULL ? json_object_get_member(obj, "memcg_path") : NULL;
	g_autofree gchar *escaped = vtier_escape_terminal(name);
	g_autofree gchar *memcg = NULL;
	gint64 pid = 0;

	if (pid_node != NULL && JSON_NODE_HOLDS_VALUE(pid_node) &&
	    json_node_get_value_type(pid_node) == G_TYPE_INT64)
		pid = json_node_get_int(pid_node);
	if (memcg_node != NULL && JSON_NODE_HOLDS_VALUE(memcg_node) &&
	    json_node_get_value_type(memcg_node) == G_TYPE_STRING)
		memcg = vtier_escape_terminal(json_node_get_string(memcg_node));
	printf("attached %s (pid %" G_GINT64_FORMAT ", memory cgroup %s)\n", escaped, pid,
	       memcg != NULL ? memcg : "unknown");
}

gboolean vtier_cli_verb_attach(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *socket = NULL;
	g_autofree gchar *policy_file = NULL;
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_ATTACH);
	g_autoptr(JsonNode) result = NULL;
	const GOptionEntry entries[] = {
		{ "pid", 0, 0, G_OPTION_ARG_INT, &req->pid, "The guest's process (QEMU or any)",
		  "PID" },
		{ "qmp", 0, 0, G_OPTION_ARG_FILENAME, &req->qmp, "The guest's QMP socket", "SOCKET" },
		{ "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy_file,
		  "A vtier-policy(5) file to use (its text is sent)", "FILE" },
		{ "template", 0, 0, G_OPTION_ARG_STRING, &req->template_name,
		  "A policy template to use", "NAME" },
		VTIER_CLI_SOCKET_ENTRY(&socket),
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse_usage(&argc, &argv, "NAME",
				   "Have vtierd tier a guest outside libvirt, found by pid or QMP "
				   "socket.",
				   entries, &common, error))
		return FALSE;
	if (argc != 2)
		return vtier_cli_usage_error(error, "attach takes one NAME");
	if (!check_name(argv[1], error))
		return FALSE;
	if ((req->pid != 0) == (req->qmp != NULL) || req->pid < 0)
		return vtier_cli_usage_error(error, "attach takes exactly one of --pid and --qmp");
	if (policy_file != NULL && req->template_name != NULL)
		return vtier_cli_usage_error(error,
					     "attach takes at most one of --policy and --template");
	if (policy_file != NULL && (req->policy = read_policy(policy_file, error)) == NULL)
		return FALSE;
	req->name = g_strdup(argv[1]);
	result = vtier_cli_control_call(socket, req, error);
	if (result == NULL)
		return FALSE;
	if (common.json)
		vtier_cli_print_json(result);
	else
		print_attached(argv[1], result);
	return TRUE;
}

/* The verbs that send one command and print its result: detach NAME, reload, dump. */
static gboolean simple_verb(int argc, char **argv, VtierControlCommand cmd, const gchar *params,
			    const gchar *summary, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *socket = NULL;
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(cmd);
	g_autoptr(JsonNode) result = NULL;
	const GOptionEntry entries[] = {
		VTIER_CLI_SOCKET_ENTRY(&socket),
		G_OPTION_ENTRY_NULL,
	};
	guint n_args = params[0] != '\0' ? 2 : 1;

	if (!vtier_cli_parse_usage(&argc, &argv, params, summary, entries, &common, error))
		return FALSE;
	if ((guint)argc != n_args)
		return vtier_cli_usage_error(error, "%s takes %s",
					     vtier_control_command_to_string(cmd),
					     n_args == 2 ? "one NAME" : "no arguments");
	if (n_args == 2 && !check_name(argv[1], error))
		return FALSE;
	if (n_args == 2)
		req->name = g_strdup(argv[1]);
	result = vtier_cli_control_call(socket, req, error);
	if (result == NULL)
		return FALSE;
	if (common.json || cmd == VTIER_CONTROL_CMD_DUMP) {
		vtier_cli_print_json(result);
	} else if (cmd == VTIER_CONTROL_CMD_DETACH) {
		g_autofree gchar *escaped = vtier_escape_terminal(argv[1]);

		printf("detached %s\n", escaped);
	} else {
		printf("vtierd reloaded its configuration and templates\n");
	}
	return TRUE;
}

gboolean vtier_cli_verb_detach(int argc, char **argv, GError **error)
{
	return simple_verb(argc, argv, VTIER_CONTROL_CMD_DETACH, "NAME",
			   "Have vtierd stop tiering a guest attached with attach.", error);
}

gboolean vtier_cli_verb_reload(int argc, char **argv, GError **error)
{
	return simple_verb(argc, argv, VTIER_CONTROL_CMD_RELOAD, "",
			   "Have vtierd reload vtierd.conf and the policy templates (as SIGHUP).",
			   error);
}

gboolean vtier_cli_verb_dump(int argc, char **argv, GError **error)
{
	return simple_verb(argc, argv, VTIER_CONTROL_CMD_DUMP, "",
			   "Print everything vtierd holds (snapshot, plan, configuration, state) "
			   "as JSON.",
			   error);
}
