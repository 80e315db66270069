/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "tiering/status-render.h"
#include "common/error.h"

/* The sentences of an explain reply ({"name", "sentences": [...], "guest": ...}). */
static GStrv read_sentences(JsonNode *result, GError **error)
{
	JsonObject *obj = JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL;
	JsonNode *node = obj != NULL ? json_object_get_member(obj, "sentences") : NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	JsonArray *array;

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "vtierd's explain reply has no \"sentences\" array");
		return NULL;
	}
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *el = json_array_get_element(array, i);

		if (!JSON_NODE_HOLDS_VALUE(el) || json_node_get_value_type(el) != G_TYPE_STRING) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "vtierd's explain reply has a sentence that is not a string");
			return NULL;
		}
		g_strv_builder_add(builder, json_node_get_string(el));
	}
	return g_strv_builder_end(builder);
}

/* `vtierctl explain DOMAIN [--socket PATH] [--json]`: why this guest's split is where it is, in
 * the sentences vtierd builds (src/tiering/explain.c). */
gboolean vtier_cli_verb_explain(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *socket = NULL;
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_EXPLAIN);
	g_autoptr(JsonNode) result = NULL;
	g_auto(GStrv) sentences = NULL;
	g_autofree gchar *text = NULL;
	const GOptionEntry entries[] = {
		VTIER_CLI_SOCKET_ENTRY(&socket),
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse_usage(&argc, &argv, "DOMAIN",
				   "Explain in plain sentences why a guest's fast/slow split is "
				   "where it is.",
				   entries, &common, error))
		return FALSE;
	if (argc != 2 || argv[1][0] == '\0')
		return vtier_cli_usage_error(error, "explain takes one DOMAIN");
	req->name = g_strdup(argv[1]);
	result = vtier_cli_control_call(socket, req, error);
	if (result == NULL)
		return FALSE;
	if (common.json) {
		vtier_cli_print_json(result);
		return TRUE;
	}
	sentences = read_sentences(result, error);
	if (sentences == NULL)
		return FALSE;
	text = vtier_explain_render(argv[1], (const gchar *const *)sentences);
	fputs(text, stdout);
	return TRUE;
}
