/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/error.h"

/*
 * vtier's control protocol: how vtierctl and the libvirt hook talk to vtierd over its unix socket
 * (`/run/vtier/control`, see docs/control.md). This header is the one place that defines it; the
 * daemon's server, vtierctl and the hook all use it.
 *
 * Framing: newline-delimited JSON, one request object per line, one reply object per line, in
 * order. A line is at most VTIER_CONTROL_MAX_LINE bytes including the newline; a longer one is
 * answered with an error and the connection is closed.
 *
 *   request: {"v": 1, "id": 7, "cmd": "status", "args": {...}}
 *   reply:   {"v": 1, "id": 7, "ok": true, "result": {...}}
 *            {"v": 1, "id": 7, "ok": false, "error": {"code": "not-found", "message": "..."}}
 *
 * "v" is VTIER_CONTROL_VERSION; a request of another version is refused with code
 * "unsupported". "id" is any integer the client chooses, echoed in the reply (0 when absent).
 * "args" is optional for commands without arguments. Unknown members, unknown commands and
 * arguments of the wrong type are refused ("invalid-argument"), never ignored.
 *
 * Commands and their arguments (every argument string is UTF-8 without NUL):
 *   ping                                     -> {"version": "..."}
 *   status    {"view"?}                      -> the snapshot (snapshot.h JSON) without history;
 *             "view": "table" leaves out what `vtierctl status`'s table does not show (about
 *             half the bytes); "full", the default, is the whole snapshot; "text" is
 *             {"text": "..."}, the text `vtierctl status` prints (vtier_status_render())
 *   dump                                     -> {"snapshot": ..., "plan": ..., "config": "...",
 *                                                "state": ...}: everything vtierd holds
 *   explain   {"name"}                       -> {"name", "sentences": [...], "guest": ...}
 *   attach    {"name", "pid"?, "qmp"?, "policy"?, "template"?}
 *                                            -> {"name", "pid", "memcg_path"}
 *             exactly one of pid/qmp; at most one of policy (XML text)/template (a name)
 *   detach    {"name"}                       -> {}
 *   reload    {}                             -> {} (like SIGHUP; fails with the config error)
 *   hook      {"name", "operation", "sub_operation"?, "extra"?, "xml"?, "xml_truncated"?}
 *                                            -> {"allow": bool, "messages": [...]}
 *             libvirt's qemu hook arguments; "xml" is the domain XML from the hook's stdin
 *             (may be empty). "xml_truncated": true says the hook had XML it could not send
 *             (larger than a request line, or not UTF-8 text): "xml" is then empty and vtierd
 *             reads the domain from libvirt itself.
 *
 * Error codes are vtier_error_code_to_control() of the VTIER_ERROR code: "failed",
 * "invalid-argument", "not-found", "permission-denied", "busy", "not-supported", "io", "parse",
 * "no-memory", "conflict", "timed-out", plus "unsupported" (protocol version).
 */

#define VTIER_CONTROL_VERSION 1
/* The longest request or reply line, newline included. */
#define VTIER_CONTROL_MAX_LINE (64 * 1024)
/* The longest reply line a client accepts (dumps of hundreds of guests are large). */
#define VTIER_CONTROL_MAX_REPLY (64 * 1024 * 1024)
/* How long the server waits for a whole request line after the first byte, or for a client to
 * read its reply, before it closes the connection. */
#define VTIER_CONTROL_REQUEST_TIMEOUT_MS 5000
/* Connections a server keeps at once; more are closed at accept. */
#define VTIER_CONTROL_MAX_CLIENTS 64
/* Longest guest name the protocol accepts (libvirt's own limit is far below). */
#define VTIER_CONTROL_MAX_NAME 1024

typedef enum {
	VTIER_CONTROL_CMD_PING,
	VTIER_CONTROL_CMD_STATUS,
	VTIER_CONTROL_CMD_DUMP,
	VTIER_CONTROL_CMD_EXPLAIN,
	VTIER_CONTROL_CMD_ATTACH,
	VTIER_CONTROL_CMD_DETACH,
	VTIER_CONTROL_CMD_RELOAD,
	VTIER_CONTROL_CMD_HOOK,
	VTIER_CONTROL_CMD_LAST
} VtierControlCommand;

/* What a status reply holds (its "view" argument). */
typedef enum {
	VTIER_CONTROL_VIEW_FULL,  /* "full", the default: the whole snapshot */
	VTIER_CONTROL_VIEW_TABLE, /* "table": only the members `vtierctl status`'s text shows */
	VTIER_CONTROL_VIEW_TEXT,  /* "text": {"text"}, that text as vtierd renders it */
	VTIER_CONTROL_VIEW_LAST
} VtierControlView;

const gchar *vtier_control_command_to_string(VtierControlCommand cmd);
gboolean vtier_control_command_from_string(const gchar *text, VtierControlCommand *ret_cmd);

/* A parsed, validated request. Strings are NULL when absent. */
typedef struct {
	gint64 id;
	VtierControlCommand cmd;
	gchar *name;	      /* explain, attach, detach, hook */
	gint pid;	      /* attach: 0 when absent */
	gchar *qmp;	      /* attach: QMP socket path */
	gchar *policy;	      /* attach: policy XML text */
	gchar *template_name; /* attach: template name */
	gchar *operation;     /* hook */
	gchar *sub_operation; /* hook */
	gchar *extra;	      /* hook */
	gchar *xml;	      /* hook: domain XML, "" when the hook had none */
	gboolean xml_truncated; /* hook: the hook had XML it could not send */
	VtierControlView view;	/* status: FULL when absent */
} VtierControlRequest;

VtierControlRequest *vtier_control_request_new(VtierControlCommand cmd);
void vtier_control_request_free(VtierControlRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierControlRequest, vtier_control_request_free)

/* Parses one request line (without or with its trailing newline; @len bytes, may hold NULs,
 * which are an error). Strict: see the header comment. On failure *ret_id is the request's id
 * when it could be read (so the error reply can carry it), else 0. */
VtierControlRequest *vtier_control_request_parse(const gchar *line, gsize len, gint64 *ret_id,
						 GError **error);
/* The request as one line, newline included. */
gchar *vtier_control_request_to_line(const VtierControlRequest *request);

/* Reply lines (newline included). @result may be NULL (an empty object). */
gchar *vtier_control_reply_ok(gint64 id, JsonNode *result);
gchar *vtier_control_reply_error(gint64 id, const GError *error);
/* Parses a reply line: the result (a new node) on "ok": true, else FALSE with the server's error
 * (code mapped back to VTIER_ERROR, message as sent). */
gboolean vtier_control_reply_parse(const gchar *line, gsize len, gint64 expected_id,
				   JsonNode **ret_result, GError **error);
/* Appends to @out the same line as vtier_control_reply_ok() for a result already encoded: @result
 * is one JSON object as compact text (json_to_string(node, FALSE) of it), without a newline. */
void vtier_control_reply_ok_append_text(GByteArray *out, gint64 id, GBytes *result);

/* The protocol's own error code beside the VTIER_ERROR codes: a request of another protocol
 * version. It maps to "unsupported" on the wire and back to VTIER_ERROR_NOT_SUPPORTED. */
#define VTIER_CONTROL_ERROR_UNSUPPORTED ((gint)VTIER_ERROR_LAST)

const gchar *vtier_error_code_to_control(gint code);
gint vtier_error_code_from_control(const gchar *text);

/* The control socket's path: $VTIER_CONTROL_SOCKET when set, else @configured when not NULL/empty
 * (vtierd.conf [daemon] control_socket), else /run/vtier/control below the sysroot. The one rule
 * vtierd, vtierctl and the hook share. */
gchar *vtier_control_socket_path(const gchar *configured);
/* The same path for a client (vtierctl, the hook), which has no loaded configuration: the key is
 * read from the file vtierd reads by default (VTIER_PATH_CONFIG of the path store), and only when
 * $VTIER_CONTROL_SOCKET does not decide. An absent file is no key. A file that cannot be read or
 * parsed counts as no key too, and *@ret_warning (may be NULL) says why, for the caller to show
 * once; it is NULL otherwise. Never fails: a path is always returned. */
gchar *vtier_control_socket_path_for_client(gchar **ret_warning);

/* Client: connects to @path, sends @request, waits at most @timeout_ms in all for the reply.
 * Errors: NOT_FOUND / PERMISSION_DENIED / IO when vtierd cannot be reached (the message says
 * "is vtierd running?"), TIMED_OUT, PARSE on a malformed reply, or the server's own error. */
gboolean vtier_control_call(const gchar *path, const VtierControlRequest *request,
			    guint timeout_ms, JsonNode **ret_result, GError **error);
/* The same; *ret_unreachable (may be NULL) says whether the failure was reaching vtierd at all
 * (no socket, refused, no permission, or no whole reply before the deadline) rather than an
 * answer it gave or a malformed reply: vtierctl exits 3 then, 1 otherwise. */
gboolean vtier_control_call_full(const gchar *path, const VtierControlRequest *request,
				 guint timeout_ms, JsonNode **ret_result, gboolean *ret_unreachable,
				 GError **error);

/* Server side (control-server.c), for vtierd and tests: one listening unix socket on the GLib
 * default main context. @handler runs on the main loop, once per valid request; it returns the
 * result (a new node, NULL means {}) or FALSE with an error, which is sent to the client. */
typedef gboolean (*VtierControlHandler)(const VtierControlRequest *req, JsonNode **ret_result,
					GError **error, gpointer user_data);
typedef struct _VtierControlServer VtierControlServer;
/* Optional, consulted before the handler: the result of @req already encoded as compact JSON text
 * (an object, no newline), when the server's owner keeps it so (vtierd encodes its status once
 * per snapshot, not once per request), else NULL to leave @req to the handler. Runs on the main
 * loop, like the handler. */
typedef GBytes *(*VtierControlTextHandler)(const VtierControlRequest *req, gpointer user_data);

/* Listens on @path: creates its parent (0755) when missing, refuses a path that is not a socket or
 * a socket another server answers on, removes a stale socket, and makes the socket mode 0600
 * (0660 and group @allowed_gid when it is not G_MAXUINT). A connection is served only when its
 * peer (SO_PEERCRED) is root, the server's own user, or a member of @allowed_gid. */
VtierControlServer *vtier_control_server_new(const gchar *path, guint allowed_gid,
					     VtierControlHandler handler, gpointer user_data,
					     GError **error);
/* Sets the text handler (NULL: none), which gets the server's @user_data. */
void vtier_control_server_set_text_handler(VtierControlServer *server,
					   VtierControlTextHandler text_handler);
/* Closes every connection, stops listening and removes the socket. */
void vtier_control_server_free(VtierControlServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierControlServer, vtier_control_server_free)
/* Per-connection time limit (default VTIER_CONTROL_REQUEST_TIMEOUT_MS), for tests. */
void vtier_control_server_set_timeout(VtierControlServer *server, guint timeout_ms);
/* Connections open right now. */
guint vtier_control_server_get_n_clients(const VtierControlServer *server);
