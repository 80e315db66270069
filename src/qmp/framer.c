/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-qmp"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "qmp/framer.h"

struct _VtierQmpFramer {
	GByteArray *buf;
	gsize max_line;
	gboolean discarding; /* inside an over-long line already reported */
};

static const gchar *const kind_names[] = {
	[VTIER_QMP_MESSAGE_GREETING] = "greeting",
	[VTIER_QMP_MESSAGE_RETURN] = "return",
	[VTIER_QMP_MESSAGE_ERROR] = "error",
	[VTIER_QMP_MESSAGE_EVENT] = "event",
};
G_STATIC_ASSERT(G_N_ELEMENTS(kind_names) == VTIER_QMP_MESSAGE_LAST);

const gchar *vtier_qmp_message_kind_to_string(VtierQmpMessageKind kind)
{
	if ((guint)kind >= VTIER_QMP_MESSAGE_LAST)
		return "unknown";
	return kind_names[kind];
}

VtierQmpFramer *vtier_qmp_framer_new(gsize max_line)
{
	VtierQmpFramer *framer = g_new0(VtierQmpFramer, 1);

	framer->buf = g_byte_array_new();
	framer->max_line = max_line > 0 ? max_line : VTIER_QMP_LINE_MAX_DEFAULT;
	return framer;
}

void vtier_qmp_framer_free(VtierQmpFramer *framer)
{
	if (framer == NULL)
		return;
	g_byte_array_unref(framer->buf);
	g_free(framer);
}

void vtier_qmp_framer_feed(VtierQmpFramer *framer, const guint8 *data, gsize len)
{
	if (len > 0)
		g_byte_array_append(framer->buf, data, (guint)len);
}

gsize vtier_qmp_framer_pending(const VtierQmpFramer *framer)
{
	return framer->buf->len;
}

static gchar *preview(const gchar *text, gsize len)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (gsize i = 0; i < len && i < 40; i++) {
		guchar c = (guchar)text[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			g_string_append_c(s, (gchar)c);
		else
			g_string_append_printf(s, "\\x%02x", c);
	}
	if (len > 40)
		g_string_append(s, "...");
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* QMP replies nest a handful of levels (vtier_json_text_nesting_within() says why deeper text is
 * refused before the parser). */
#define QMP_NESTING_MAX 64

gboolean vtier_qmp_message_parse(const gchar *text, gsize len, JsonObject **ret_message,
				 GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *shown = preview(text, len);
	JsonNode *root;

	if (memchr(text, '\0', len) != NULL || !g_utf8_validate(text, (gssize)len, NULL)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "QMP line \"%s\" is not valid UTF-8 text", shown);
		return FALSE;
	}
	if (!vtier_json_text_nesting_within(text, len, QMP_NESTING_MAX)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "QMP line \"%s\" nests deeper than %d levels", shown, QMP_NESTING_MAX);
		return FALSE;
	}
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, text, (gssize)len, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "QMP line \"%s\" is not JSON: %s",
			    shown, local->message);
		return FALSE;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "QMP line \"%s\" is not a JSON object", shown);
		return FALSE;
	}
	*ret_message = json_object_ref(json_node_get_object(root));
	return TRUE;
}

/* Removes the line ending at @end (the '\n') from @buf; returns it without "\r\n". The copy
 * keeps embedded NULs so that the parser sees (and rejects) them. */
static gchar *take_line(GByteArray *buf, gsize end, gsize *ret_len)
{
	gsize len = end;
	gchar *line;

	if (len > 0 && buf->data[len - 1] == '\r')
		len--;
	line = g_malloc(len + 1);
	memcpy(line, buf->data, len);
	line[len] = '\0';
	*ret_len = len;
	g_byte_array_remove_range(buf, 0, (guint)(end + 1));
	return line;
}

static gboolean is_blank(const gchar *line, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isspace(line[i]))
			return FALSE;
	return TRUE;
}

VtierQmpFrame vtier_qmp_framer_next(VtierQmpFramer *framer, JsonObject **ret_message,
				    GError **error)
{
	for (;;) {
		const guint8 *nl = framer->buf->len > 0
					   ? memchr(framer->buf->data, '\n', framer->buf->len)
					   : NULL;
		g_autofree gchar *line = NULL;
		gsize len = 0;
		gboolean was_discarding = framer->discarding;

		if (nl == NULL) {
			if (framer->buf->len <= framer->max_line)
				return VTIER_QMP_FRAME_NONE;
			g_byte_array_set_size(framer->buf, 0);
			framer->discarding = TRUE;
			if (was_discarding)
				return VTIER_QMP_FRAME_NONE;
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "QMP line longer than %" G_GSIZE_FORMAT " bytes, skipped",
				    framer->max_line);
			return VTIER_QMP_FRAME_ERROR;
		}
		line = take_line(framer->buf, (gsize)(nl - framer->buf->data), &len);
		framer->discarding = FALSE;
		if (was_discarding)
			continue; /* the tail of a line already reported */
		if (len > framer->max_line) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "QMP line longer than %" G_GSIZE_FORMAT " bytes, skipped",
				    framer->max_line);
			return VTIER_QMP_FRAME_ERROR;
		}
		if (is_blank(line, len))
			continue;
		if (!vtier_qmp_message_parse(line, len, ret_message, error))
			return VTIER_QMP_FRAME_ERROR;
		return VTIER_QMP_FRAME_MESSAGE;
	}
}

JsonNode *vtier_qmp_json_value(JsonObject *o, const gchar *name, GType type)
{
	JsonNode *node = o != NULL ? json_object_get_member(o, name) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != type)
		return NULL;
	return node;
}

static const gchar *string_member(JsonObject *obj, const gchar *name)
{
	JsonNode *node = vtier_qmp_json_value(obj, name, G_TYPE_STRING);

	return node != NULL ? json_node_get_string(node) : NULL;
}

static gboolean classify_error(JsonObject *message, VtierQmpMessage *ret, GError **error)
{
	JsonNode *node = json_object_get_member(message, "error");
	JsonObject *err;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "QMP error reply without an error object");
		return FALSE;
	}
	err = json_node_get_object(node);
	ret->kind = VTIER_QMP_MESSAGE_ERROR;
	ret->error_class = string_member(err, "class");
	ret->error_desc = string_member(err, "desc");
	if (ret->error_class == NULL)
		ret->error_class = "GenericError";
	if (ret->error_desc == NULL)
		ret->error_desc = "(no description)";
	return TRUE;
}

gboolean vtier_qmp_message_classify(JsonObject *message, VtierQmpMessage *ret, GError **error)
{
	memset(ret, 0, sizeof(*ret));
	ret->id = string_member(message, "id");
	if (json_object_has_member(message, "QMP")) {
		ret->kind = VTIER_QMP_MESSAGE_GREETING;
		ret->payload = json_object_get_member(message, "QMP");
		return TRUE;
	}
	if (json_object_has_member(message, "return")) {
		ret->kind = VTIER_QMP_MESSAGE_RETURN;
		ret->payload = json_object_get_member(message, "return");
		return TRUE;
	}
	if (json_object_has_member(message, "error"))
		return classify_error(message, ret, error);
	ret->event = string_member(message, "event");
	if (ret->event != NULL) {
		ret->kind = VTIER_QMP_MESSAGE_EVENT;
		ret->payload = json_object_get_member(message, "data");
		return TRUE;
	}
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
		    "QMP message is neither a greeting, a reply nor an event");
	return FALSE;
}
