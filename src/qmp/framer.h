/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* QMP framing: bytes in, complete JSON messages out. Pure (no I/O), so the fuzzer and the unit
 * tests drive it directly; the client only feeds it what the socket delivered.
 *
 * QEMU ends every message with "\r\n" and never puts a raw newline inside one, so a message is
 * one line. A line that is not a JSON object (garbage) or longer than the limit is reported once
 * as an error and skipped; the framer stays usable. */
#define VTIER_QMP_LINE_MAX_DEFAULT (1024 * 1024)

typedef struct _VtierQmpFramer VtierQmpFramer;

typedef enum {
	VTIER_QMP_FRAME_NONE,	 /* no complete line buffered: feed more bytes */
	VTIER_QMP_FRAME_MESSAGE, /* *ret_message holds the next message */
	VTIER_QMP_FRAME_ERROR,	 /* a line was skipped; the error says why */
} VtierQmpFrame;

VtierQmpFramer *vtier_qmp_framer_new(gsize max_line);
void vtier_qmp_framer_free(VtierQmpFramer *framer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierQmpFramer, vtier_qmp_framer_free)

void vtier_qmp_framer_feed(VtierQmpFramer *framer, const guint8 *data, gsize len);
/* Takes the next complete line out of the buffer. */
VtierQmpFrame vtier_qmp_framer_next(VtierQmpFramer *framer, JsonObject **ret_message,
				    GError **error);
/* Bytes buffered that do not form a complete line yet. */
gsize vtier_qmp_framer_pending(const VtierQmpFramer *framer);

/* Parses one QMP message (one line without its terminator) into a JSON object. */
gboolean vtier_qmp_message_parse(const gchar *text, gsize len, JsonObject **ret_message,
				 GError **error);

/* What a message is, after the framing. */
typedef enum {
	VTIER_QMP_MESSAGE_GREETING, /* {"QMP": {"version": ..., "capabilities": [...]}} */
	VTIER_QMP_MESSAGE_RETURN,   /* {"return": ..., "id": ...} */
	VTIER_QMP_MESSAGE_ERROR,    /* {"error": {"class": ..., "desc": ...}, "id": ...} */
	VTIER_QMP_MESSAGE_EVENT,    /* {"event": NAME, "data": {...}, "timestamp": {...}} */
	VTIER_QMP_MESSAGE_LAST
} VtierQmpMessageKind;

typedef struct {
	VtierQmpMessageKind kind;
	const gchar *id;	   /* the reply's id when it is a string, else NULL (borrowed) */
	JsonNode *payload;	   /* QMP/return/data member (borrowed; may be NULL for events) */
	const gchar *event;	   /* event name (borrowed) */
	const gchar *error_class;  /* (borrowed) */
	const gchar *error_desc;   /* (borrowed) */
} VtierQmpMessage;

/* Fills @ret (pointers borrowed from @message) or fails with VTIER_ERROR_PARSE. */
gboolean vtier_qmp_message_classify(JsonObject *message, VtierQmpMessage *ret, GError **error);
const gchar *vtier_qmp_message_kind_to_string(VtierQmpMessageKind kind);

/* The member @name of @o when it is a JSON value of @type (G_TYPE_STRING, G_TYPE_INT64,
 * G_TYPE_BOOLEAN), else NULL: lets parsers of peer-supplied JSON avoid json-glib's criticals. */
JsonNode *vtier_qmp_json_value(JsonObject *o, const gchar *name, GType type);
