/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-control"

#include "config.h"

#include <string.h>

#include "common/control.h"
#include "common/error.h"
#include "common/json.h"
#include "common/paths.h"

/* The control protocol's codec (control.h): strict request parsing, request and reply lines,
 * reply parsing and the error code mapping. The client is control-client.c, the server
 * control-server.c. */

/* Deepest JSON nesting a request or reply may have (json-glib recurses per level). */
#define CONTROL_MAX_DEPTH 64
/* Longest QMP socket path or template name an attach request may carry. */
#define CONTROL_MAX_PATH 4096

static const gchar *const command_names[] = { "ping",	"status", "dump",   "explain",
					      "attach", "detach", "reload", "hook" };
G_STATIC_ASSERT(G_N_ELEMENTS(command_names) == VTIER_CONTROL_CMD_LAST);
static const gchar *const view_names[] = {"full", "table", "text"};
G_STATIC_ASSERT(G_N_ELEMENTS(view_names) == VTIER_CONTROL_VIEW_LAST);

const gchar *vtier_control_command_to_string(VtierControlCommand cmd)
{
	return cmd < VTIER_CONTROL_CMD_LAST ? command_names[cmd] : "unknown";
}

gboolean vtier_control_command_from_string(const gchar *text, VtierControlCommand *ret_cmd)
{
	for (guint i = 0; i < VTIER_CONTROL_CMD_LAST; i++) {
		if (g_strcmp0(command_names[i], text) == 0) {
			*ret_cmd = i;
			return TRUE;
		}
	}
	return FALSE;
}

gchar *vtier_control_socket_path(const gchar *configured)
{
	const gchar *env = g_getenv("VTIER_CONTROL_SOCKET");

	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	if (configured != NULL && configured[0] != '\0')
		return g_strdup(configured);
	return vtier_path_build(VTIER_PATH_VTIER_RUN, "control", NULL);
}

/* [daemon] control_socket of the configuration file at @path, NULL when absent. Reads the key file
 * alone, without vtierd's validation of every key: a client needs this one key, and must not
 * refuse to talk to vtierd over another key's value. */
static gchar *configured_socket(const gchar *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return NULL;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "cannot read %s: %s", path,
			    local->message);
		return NULL;
	}
	if (memchr(data, '\0', len) != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: not a text file", path);
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: %s", path, local->message);
		return NULL;
	}
	return g_key_file_get_string(kf, "daemon", "control_socket", NULL);
}

gchar *vtier_control_socket_path_for_client(gchar **ret_warning)
{
	const gchar *env = g_getenv("VTIER_CONTROL_SOCKET");
	g_autofree gchar *config = NULL;
	g_autofree gchar *configured = NULL;
	g_autoptr(GError) error = NULL;
	gchar *path;

	if (ret_warning != NULL)
		*ret_warning = NULL;
	if (env != NULL && env[0] != '\0')
		return g_strdup(env); /* decided: the file is not even read */
	config = vtier_path_build(VTIER_PATH_CONFIG, NULL);
	configured = configured_socket(config, &error);
	path = vtier_control_socket_path(configured);
	if (error != NULL && ret_warning != NULL)
		*ret_warning = g_strdup_printf("%s; using the control socket %s", error->message,
					       path);
	return path;
}

const gchar *vtier_error_code_to_control(gint code)
{
	if (code == VTIER_CONTROL_ERROR_UNSUPPORTED)
		return "unsupported";
	if (code < 0 || code >= VTIER_ERROR_LAST)
		return "failed";
	return vtier_error_code_to_string((VtierErrorCode)code);
}

gint vtier_error_code_from_control(const gchar *text)
{
	if (g_strcmp0(text, "unsupported") == 0)
		return VTIER_ERROR_NOT_SUPPORTED;
	for (gint code = 0; code < VTIER_ERROR_LAST; code++) {
		if (g_strcmp0(vtier_error_code_to_string((VtierErrorCode)code), text) == 0)
			return code;
	}
	return VTIER_ERROR_FAILED;
}

VtierControlRequest *vtier_control_request_new(VtierControlCommand cmd)
{
	VtierControlRequest *request = g_new0(VtierControlRequest, 1);

	request->cmd = cmd;
	return request;
}

void vtier_control_request_free(VtierControlRequest *request)
{
	if (request == NULL)
		return;
	g_free(request->name);
	g_free(request->qmp);
	g_free(request->policy);
	g_free(request->template_name);
	g_free(request->operation);
	g_free(request->sub_operation);
	g_free(request->extra);
	g_free(request->xml);
	g_free(request);
}

/* A new node holding a new empty object (json_node_init_object() would add a reference). */
static JsonNode *new_object_node(void)
{
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(node, json_object_new());
	return node;
}

/* Whether @line holds a "\u0000" escape (json-glib would cut the string there). A backslash
 * before "u" starts an escape only when it is not itself escaped. */
static gboolean has_escaped_nul(const gchar *line, gsize len)
{
	for (gsize i = 0; i + 6 <= len; i++) {
		gsize backslashes = 0;

		if (line[i] != '\\' || memcmp(line + i + 1, "u0000", 5) != 0)
			continue;
		for (gsize j = i; j > 0 && line[j - 1] == '\\'; j--)
			backslashes++;
		if (backslashes % 2 == 0)
			return TRUE;
	}
	return FALSE;
}

/* Checks the framing of one line (bounded, UTF-8 without NUL, one line, shallow) and parses it
 * as a JSON object. */
static JsonNode *parse_line(const gchar *line, gsize len, gsize max, const gchar *what,
			    GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) local = NULL;
	JsonNode *root;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len + 1 > max) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "%s longer than %" G_GSIZE_FORMAT " bytes", what, max);
		return NULL;
	}
	if (!g_utf8_validate_len(line, len, NULL) || has_escaped_nul(line, len)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s is not UTF-8 text without NUL bytes", what);
		return NULL;
	}
	if (memchr(line, '\n', len) != NULL || memchr(line, '\r', len) != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s spans several lines", what);
		return NULL;
	}
	if (!vtier_json_text_nesting_within(line, len, CONTROL_MAX_DEPTH)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s nests deeper than %d levels", what, CONTROL_MAX_DEPTH);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, line, (gssize)len, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s is not JSON: %s", what,
			    local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s is not a JSON object", what);
		return NULL;
	}
	return json_node_ref(root);
}

/* The integer member "id", when there is one. */
static gint64 peek_id(JsonNode *root)
{
	JsonObject *obj = json_node_get_object(root);
	JsonNode *id = json_object_get_member(obj, "id");

	if (id != NULL && JSON_NODE_HOLDS_VALUE(id) && json_node_get_value_type(id) == G_TYPE_INT64)
		return json_node_get_int(id);
	return 0;
}

/* A required (or, with @optional, optional) string argument, at most @max bytes, non-empty. */
static void get_arg(VtierJsonReader *r, const gchar *name, gboolean optional, gsize max,
		    gchar **ret)
{
	vtier_json_get_string(r, name, ret);
	if (r->failed)
		return;
	if (*ret == NULL) {
		if (!optional)
			vtier_json_reader_fail(r, name, "missing");
		return;
	}
	/* json-glib reads some invalid escapes (e.g. "\666", as octal) into bytes that are not
	 * UTF-8: such a string would not survive being written back (fuzz-control found it) */
	if (!g_utf8_validate(*ret, -1, NULL))
		vtier_json_reader_fail(r, name, "not valid UTF-8 (an escape JSON does not have?)");
	else if (max > 0 && (*ret)[0] == '\0')
		vtier_json_reader_fail(r, name, "empty");
	else if (max > 0 && strlen(*ret) > max)
		vtier_json_reader_fail(r, name, "too long");
}

static void read_attach_args(VtierJsonReader *r, VtierControlRequest *req)
{
	get_arg(r, "name", FALSE, VTIER_CONTROL_MAX_NAME, &req->name);
	vtier_json_get_int(r, "pid", &req->pid);
	get_arg(r, "qmp", TRUE, CONTROL_MAX_PATH, &req->qmp);
	get_arg(r, "policy", TRUE, VTIER_CONTROL_MAX_LINE, &req->policy);
	get_arg(r, "template", TRUE, CONTROL_MAX_PATH, &req->template_name);
	if (r->failed)
		return;
	if (json_object_has_member(r->obj, "pid") && req->pid <= 0)
		vtier_json_reader_fail(r, "pid", "must be a positive process id");
	else if ((req->pid > 0) == (req->qmp != NULL))
		vtier_json_reader_fail(r, NULL, "attach takes exactly one of pid and qmp");
	else if (req->policy != NULL && req->template_name != NULL)
		vtier_json_reader_fail(r, NULL, "attach takes at most one of policy and template");
}

static void read_hook_args(VtierJsonReader *r, VtierControlRequest *req)
{
	get_arg(r, "name", FALSE, VTIER_CONTROL_MAX_NAME, &req->name);
	get_arg(r, "operation", FALSE, CONTROL_MAX_PATH, &req->operation);
	get_arg(r, "sub_operation", TRUE, 0, &req->sub_operation);
	get_arg(r, "extra", TRUE, 0, &req->extra);
	get_arg(r, "xml", TRUE, 0, &req->xml);
	vtier_json_get_bool(r, "xml_truncated", &req->xml_truncated);
	if (!r->failed && req->xml == NULL)
		req->xml = g_strdup("");
}

static void read_status_args(VtierJsonReader *r, VtierControlRequest *req)
{
	g_autofree gchar *view = NULL;

	vtier_json_get_string(r, "view", &view);
	if (view == NULL)
		return;
	for (guint i = 0; i < VTIER_CONTROL_VIEW_LAST; i++) {
		if (g_strcmp0(view, view_names[i]) == 0) {
			req->view = i;
			return;
		}
	}
	vtier_json_reader_fail(r, "view", "expected \"full\", \"table\" or \"text\"");
}

/* Reads "args" of @req's command; absent args are an empty object. */
static gboolean read_args(JsonNode *args, VtierControlRequest *req, GError **error)
{
	g_autoptr(JsonNode) empty = NULL;
	g_auto(VtierJsonReader) r = { 0 };

	if (args == NULL)
		args = empty = new_object_node();
	if (!vtier_json_reader_init(&r, args, "args", error))
		return FALSE;
	switch (req->cmd) {
	case VTIER_CONTROL_CMD_STATUS:
		read_status_args(&r, req);
		break;
	case VTIER_CONTROL_CMD_EXPLAIN:
	case VTIER_CONTROL_CMD_DETACH:
		get_arg(&r, "name", FALSE, VTIER_CONTROL_MAX_NAME, &req->name);
		break;
	case VTIER_CONTROL_CMD_ATTACH:
		read_attach_args(&r, req);
		break;
	case VTIER_CONTROL_CMD_HOOK:
		read_hook_args(&r, req);
		break;
	default:
		break;
	}
	return vtier_json_reader_finish(&r);
}

static VtierControlRequest *read_request(JsonNode *root, GError **error)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_PING);
	g_auto(VtierJsonReader) r = { 0 };
	g_autofree gchar *cmd = NULL;
	gint64 version = -1;
	JsonNode *args;

	if (!vtier_json_reader_init(&r, root, "", error))
		return NULL;
	vtier_json_get_int64(&r, "v", &version);
	vtier_json_get_int64(&r, "id", &req->id);
	vtier_json_get_string(&r, "cmd", &cmd);
	args = vtier_json_get_node(&r, "args", JSON_NODE_OBJECT);
	if (!r.failed && !json_object_has_member(r.obj, "v")) {
		vtier_json_reader_fail(&r, "v", "missing");
	} else if (!r.failed && version != VTIER_CONTROL_VERSION) {
		g_set_error(error, VTIER_ERROR, VTIER_CONTROL_ERROR_UNSUPPORTED,
			    "protocol version %" G_GINT64_FORMAT " is not supported (this is "
			    "version %d)",
			    version, VTIER_CONTROL_VERSION);
		return NULL;
	}
	if (!r.failed && cmd == NULL)
		vtier_json_reader_fail(&r, "cmd", "missing");
	else if (!r.failed && !vtier_control_command_from_string(cmd, &req->cmd))
		vtier_json_reader_fail(&r, "cmd", "unknown command");
	if (!vtier_json_reader_finish(&r))
		return NULL;
	if (!read_args(args, req, error))
		return NULL;
	return g_steal_pointer(&req);
}

VtierControlRequest *vtier_control_request_parse(const gchar *line, gsize len, gint64 *ret_id,
						 GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) local = NULL;
	VtierControlRequest *req;

	if (ret_id != NULL)
		*ret_id = 0;
	root = parse_line(line, len, VTIER_CONTROL_MAX_LINE, "request", error);
	if (root == NULL)
		return NULL;
	if (ret_id != NULL)
		*ret_id = peek_id(root);
	req = read_request(root, &local);
	if (req == NULL) {
		/* a malformed request is the client's invalid argument, whatever the reader said */
		gint code = local->code == VTIER_CONTROL_ERROR_UNSUPPORTED
				? VTIER_CONTROL_ERROR_UNSUPPORTED
				: VTIER_ERROR_INVALID_ARGUMENT;

		g_set_error(error, VTIER_ERROR, code, "invalid request: %s", local->message);
	}
	return req;
}

static void set_arg(JsonObject *args, const gchar *name, const gchar *value)
{
	if (value != NULL)
		json_object_set_string_member(args, name, value);
}

/* @node as one line of JSON with its newline. */
static gchar *node_to_line(JsonNode *node)
{
	g_autofree gchar *text = json_to_string(node, FALSE);

	return g_strconcat(text, "\n", NULL);
}

gchar *vtier_control_request_to_line(const VtierControlRequest *request)
{
	g_autoptr(JsonNode) root = new_object_node();
	JsonObject *obj = json_node_get_object(root);
	JsonObject *args = json_object_new();

	json_object_set_int_member(obj, "v", VTIER_CONTROL_VERSION);
	json_object_set_int_member(obj, "id", request->id);
	json_object_set_string_member(obj, "cmd", vtier_control_command_to_string(request->cmd));
	set_arg(args, "name", request->name);
	if (request->pid > 0)
		json_object_set_int_member(args, "pid", request->pid);
	set_arg(args, "qmp", request->qmp);
	set_arg(args, "policy", request->policy);
	set_arg(args, "template", request->template_name);
	set_arg(args, "operation", request->operation);
	set_arg(args, "sub_operation", request->sub_operation);
	set_arg(args, "extra", request->extra);
	set_arg(args, "xml", request->xml);
	if (request->xml_truncated)
		json_object_set_boolean_member(args, "xml_truncated", TRUE);
	if (request->view != VTIER_CONTROL_VIEW_FULL && request->view < VTIER_CONTROL_VIEW_LAST)
		json_object_set_string_member(args, "view", view_names[request->view]);
	json_object_set_object_member(obj, "args", args);
	return node_to_line(root);
}

static JsonObject *reply_object(gint64 id, gboolean ok, JsonNode **ret_root)
{
	JsonNode *root = new_object_node();
	JsonObject *obj = json_node_get_object(root);

	json_object_set_int_member(obj, "v", VTIER_CONTROL_VERSION);
	json_object_set_int_member(obj, "id", id);
	json_object_set_boolean_member(obj, "ok", ok);
	*ret_root = root;
	return obj;
}

gchar *vtier_control_reply_ok(gint64 id, JsonNode *result)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *obj = reply_object(id, TRUE, &root);

	if (result != NULL)
		json_object_set_member(obj, "result", json_node_copy(result));
	else
		json_object_set_object_member(obj, "result", json_object_new());
	return node_to_line(root);
}

void vtier_control_reply_ok_append_text(GByteArray *out, gint64 id, GBytes *result)
{
	g_autofree gchar *head = g_strdup_printf(
		"{\"v\":%d,\"id\":%" G_GINT64_FORMAT ",\"ok\":true,\"result\":",
		VTIER_CONTROL_VERSION, id);
	gsize len = 0;
	gconstpointer data = g_bytes_get_data(result, &len);

	/* the bytes vtier_control_reply_ok() writes: json-glib keeps the members in order */
	g_byte_array_append(out, (const guint8 *)head, (guint)strlen(head));
	g_byte_array_append(out, data, (guint)len);
	g_byte_array_append(out, (const guint8 *)"}\n", 2);
}

gchar *vtier_control_reply_error(gint64 id, const GError *error)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *obj = reply_object(id, FALSE, &root);
	JsonObject *err = json_object_new();
	gint code = VTIER_ERROR_FAILED;
	g_autofree gchar *message = NULL;

	if (error != NULL && error->domain == VTIER_ERROR)
		code = error->code;
	json_object_set_string_member(err, "code", vtier_error_code_to_control(code));
	/* messages may quote what a client sent: keep the reply valid UTF-8 */
	message = g_utf8_make_valid(error != NULL ? error->message : "unknown error", -1);
	json_object_set_string_member(err, "message", message);
	json_object_set_object_member(obj, "error", err);
	return node_to_line(root);
}

/* Reads the "error" member of a failed reply into @error. */
static gboolean read_reply_error(JsonNode *node, GError **error)
{
	g_auto(VtierJsonReader) r = { 0 };
	g_autofree gchar *code = NULL;
	g_autofree gchar *message = NULL;

	if (!vtier_json_reader_init(&r, node, "error", error))
		return FALSE;
	vtier_json_get_string(&r, "code", &code);
	vtier_json_get_string(&r, "message", &message);
	if (!r.failed && (code == NULL || message == NULL))
		vtier_json_reader_fail(&r, NULL, "needs code and message");
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	g_set_error_literal(error, VTIER_ERROR, vtier_error_code_from_control(code), message);
	return FALSE;
}

static gboolean read_reply(JsonNode *root, gint64 expected_id, JsonNode **ret_result,
			   GError **error)
{
	g_auto(VtierJsonReader) r = { 0 };
	gint64 version = -1, id = G_MININT64;
	gboolean ok = FALSE, has_ok;
	JsonNode *result, *err;

	if (!vtier_json_reader_init(&r, root, "reply", error))
		return FALSE;
	has_ok = json_object_has_member(r.obj, "ok");
	vtier_json_get_int64(&r, "v", &version);
	vtier_json_get_int64(&r, "id", &id);
	vtier_json_get_bool(&r, "ok", &ok);
	result = vtier_json_get_node(&r, "result", JSON_NODE_OBJECT);
	err = vtier_json_get_node(&r, "error", JSON_NODE_OBJECT);
	if (!r.failed && version != VTIER_CONTROL_VERSION)
		vtier_json_reader_fail(&r, "v", "not this protocol's version");
	else if (!r.failed && id != expected_id)
		vtier_json_reader_fail(&r, "id", "does not match the request's id");
	else if (!r.failed && (!has_ok || (ok ? result == NULL || err != NULL
					      : err == NULL || result != NULL)))
		vtier_json_reader_fail(&r, NULL, "needs ok with result, or error");
	if (!vtier_json_reader_finish(&r))
		return FALSE;
	if (!ok)
		return read_reply_error(err, error);
	if (ret_result != NULL)
		*ret_result = json_node_copy(result);
	return TRUE;
}

gboolean vtier_control_reply_parse(const gchar *line, gsize len, gint64 expected_id,
				   JsonNode **ret_result, GError **error)
{
	g_autoptr(JsonNode) root = parse_line(line, len, VTIER_CONTROL_MAX_REPLY, "reply", error);

	if (root == NULL)
		return FALSE;
	return read_reply(root, expected_id, ret_result, error);
}
