/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-hook"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/control.h"
#include "common/escape.h"

/*
 * vtier's libvirt hook, installed as $(libvirthooksdir)/qemu.d/vtier. libvirt runs it as
 * `vtier NAME OPERATION SUB-OPERATION EXTRA` with the domain XML on stdin, synchronously, while it
 * holds the domain: so this forwards the call to vtierd's control socket and returns within
 * HOOK_DEADLINE_MS whatever vtierd does. It never calls libvirt (it does not even link it) and
 * never prints on stdout (for `migrate` and `restore` libvirt would take that as new XML).
 *
 * Exit status: 0, except for `prepare` when vtierd answers allow=false ([policy] strict=true and
 * not enough fast memory, or an invalid policy): then vtierd's reason goes to stderr (libvirt
 * shows it) and the status is 1, which makes libvirt refuse the start. vtierd down, slow or
 * wedged: one line on stderr, status 0.
 */

/* Everything (stdin, connect, send, reply) ends within this. */
#define HOOK_DEADLINE_MS 1000
/* Time kept for the call when reading stdin is slow. */
#define HOOK_CALL_MIN_MS 400
/* Kept for starting up and exiting: the call ends this long before the deadline. */
#define HOOK_MARGIN_MS 150
/* The most of stdin that is kept; the rest is read and dropped. */
#define HOOK_MAX_XML (1024 * 1024)

typedef struct {
	GByteArray *xml;
	gboolean truncated; /* more than HOOK_MAX_XML, or stdin not finished in time */
} HookInput;

/* Reads stdin until EOF or @deadline (monotonic us), keeping at most HOOK_MAX_XML bytes. */
static void read_stdin(HookInput *in, gint64 deadline)
{
	guint8 chunk[65536];

	if (fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK) < 0)
		return; /* no stdin at all */
	for (;;) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		gint64 left = deadline - g_get_monotonic_time();
		ssize_t n;

		if (left <= 0) {
			in->truncated = TRUE;
			return;
		}
		if (poll(&pfd, 1, (int)MAX(1, left / 1000)) < 0 && errno != EINTR)
			return;
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
		if (n < 0)
			continue;
		if (in->xml->len + (gsize)n > HOOK_MAX_XML) {
			n = (ssize_t)(HOOK_MAX_XML - in->xml->len);
			in->truncated = TRUE;
		}
		g_byte_array_append(in->xml, chunk, (guint)n);
	}
}

/* @text when it is UTF-8 without NUL, else a valid copy (libvirt passes "-" for absent ones). */
static gchar *arg_text(int argc, char **argv, int i)
{
	if (i >= argc)
		return g_strdup("-");
	return g_utf8_make_valid(argv[i], -1);
}

/* The hook request; the XML goes along when it is whole UTF-8 text that fits one request line. */
static VtierControlRequest *build_request(int argc, char **argv, HookInput *in)
{
	g_autoptr(VtierControlRequest) req = vtier_control_request_new(VTIER_CONTROL_CMD_HOOK);
	g_autofree gchar *line = NULL;
	gboolean text = g_utf8_validate_len((const gchar *)in->xml->data, in->xml->len, NULL);

	req->id = (gint64)getpid();
	req->name = argc > 1 ? g_utf8_make_valid(argv[1], -1) : g_strdup("");
	req->operation = arg_text(argc, argv, 2);
	req->sub_operation = arg_text(argc, argv, 3);
	req->extra = arg_text(argc, argv, 4);
	req->xml = text && !in->truncated ? g_strndup((const gchar *)in->xml->data, in->xml->len)
					  : g_strdup("");
	req->xml_truncated = in->xml->len > 0 && (!text || in->truncated);
	line = vtier_control_request_to_line(req);
	if (strlen(line) > VTIER_CONTROL_MAX_LINE) {
		g_free(req->xml);
		req->xml = g_strdup("");
		req->xml_truncated = TRUE;
	}
	return g_steal_pointer(&req);
}

/* Prints vtierd's messages on stderr, escaped; returns whether it allows the operation. */
static gboolean read_answer(JsonNode *result, const gchar *name)
{
	JsonObject *obj = JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL;
	JsonNode *allow = obj != NULL ? json_object_get_member(obj, "allow") : NULL;
	JsonNode *messages = obj != NULL ? json_object_get_member(obj, "messages") : NULL;
	g_autofree gchar *escaped = vtier_escape_terminal(name);

	if (messages != NULL && JSON_NODE_HOLDS_ARRAY(messages)) {
		JsonArray *array = json_node_get_array(messages);

		for (guint i = 0; i < json_array_get_length(array); i++) {
			JsonNode *m = json_array_get_element(array, i);
			g_autofree gchar *text = NULL;

			if (!JSON_NODE_HOLDS_VALUE(m) || json_node_get_value_type(m) != G_TYPE_STRING)
				continue;
			text = vtier_escape_terminal(json_node_get_string(m));
			fprintf(stderr, "vtier: %s: %s\n", escaped, text);
		}
	}
	return allow == NULL || !JSON_NODE_HOLDS_VALUE(allow) ||
	       json_node_get_value_type(allow) != G_TYPE_BOOLEAN || json_node_get_boolean(allow);
}

/* Whether the call can be forwarded at all: a guest name the protocol takes, as it is. */
static gboolean request_sendable(int argc, char **argv, const VtierControlRequest *req)
{
	return argc > 1 && argv[1][0] != '\0' && g_utf8_validate(argv[1], -1, NULL) &&
	       strlen(argv[1]) <= VTIER_CONTROL_MAX_NAME && req->operation[0] != '\0' &&
	       strlen(req->operation) <= 4096;
}

int main(int argc, char **argv)
{
	gint64 start = g_get_monotonic_time();
	HookInput in = { .xml = g_byte_array_new() };
	g_autoptr(GByteArray) xml = in.xml;
	g_autoptr(VtierControlRequest) req = NULL;
	g_autoptr(JsonNode) result = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *warning = NULL;
	g_autofree gchar *path = vtier_control_socket_path_for_client(&warning);
	gint64 left_ms;

	read_stdin(&in, start + (HOOK_DEADLINE_MS - HOOK_MARGIN_MS - HOOK_CALL_MIN_MS) * 1000);
	req = build_request(argc, argv, &in);
	if (!request_sendable(argc, argv, req)) {
		g_autofree gchar *name = vtier_escape_terminal(req->name);

		fprintf(stderr, "vtier: not forwarding hook call for guest \"%s\": name not valid\n",
			name);
		return 0;
	}
	left_ms = HOOK_DEADLINE_MS - HOOK_MARGIN_MS - (g_get_monotonic_time() - start) / 1000;
	/* a configuration file it cannot read never stops a guest: the default path is tried and
	 * the reason is said in the one line the hook prints */
	if (vtier_control_call(path, req, (guint)MAX(left_ms, 50), &result, &error)) {
		gboolean allow = read_answer(result, req->name);

		if (warning != NULL) {
			g_autofree gchar *escaped = vtier_escape_terminal(warning);

			fprintf(stderr, "vtier: %s\n", escaped);
		}
		return !allow && g_strcmp0(req->operation, "prepare") == 0 ? 1 : 0;
	}
	{
		g_autofree gchar *message = vtier_escape_terminal(error->message);
		g_autofree gchar *name = vtier_escape_terminal(req->name);
		g_autofree gchar *op = vtier_escape_terminal(req->operation);
		g_autofree gchar *why = warning != NULL ? vtier_escape_terminal(warning) : NULL;

		fprintf(stderr, "vtier: %s %s not forwarded: %s%s%s%s\n", name, op, message,
			why != NULL ? " (" : "", why != NULL ? why : "", why != NULL ? ")" : "");
	}
	return 0;
}
