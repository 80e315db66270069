/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Strict JSON helpers shared by every codec of vtier (DAMON model, features, stats, the
 * snapshot, the control protocol). Unsigned 64-bit numbers above G_MAXINT64 are written as decimal strings
 * so that every value round-trips exactly. */

void vtier_json_set_u64(JsonObject *obj, const gchar *name, guint64 value);
void vtier_json_set_strv(JsonObject *obj, const gchar *name, const gchar *const *strv);
/* Member @name of the object @b is building: the string @value, or null when @value is NULL. */
void vtier_json_builder_add_string_member(JsonBuilder *b, const gchar *name, const gchar *value);

/* A reader walks one JSON object, remembers the first error (naming the JSON path) and records
 * which members it consumed, so that vtier_json_reader_finish() can reject unknown ones. */
typedef struct {
	JsonObject *obj;
	gchar *path;
	GHashTable *seen;
	GError **error;
	gboolean failed;
} VtierJsonReader;

/* Starts reading @node at @path; sets the error and returns FALSE when it is not an object. */
gboolean vtier_json_reader_init(VtierJsonReader *r, JsonNode *node, const gchar *path,
				      GError **error);
/* Fails on unknown members (and when an earlier read failed); frees the reader's state. */
gboolean vtier_json_reader_finish(VtierJsonReader *r);
void vtier_json_reader_clear(VtierJsonReader *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierJsonReader, vtier_json_reader_clear)
void vtier_json_reader_fail(VtierJsonReader *r, const gchar *name, const gchar *why);

/* Each getter leaves *ret untouched when the member is absent (so defaults stay). */
void vtier_json_get_u64(VtierJsonReader *r, const gchar *name, guint64 *ret);
void vtier_json_get_uint(VtierJsonReader *r, const gchar *name, guint *ret);
void vtier_json_get_int(VtierJsonReader *r, const gchar *name, gint *ret);
void vtier_json_get_int64(VtierJsonReader *r, const gchar *name, gint64 *ret);
void vtier_json_get_double(VtierJsonReader *r, const gchar *name, gdouble *ret);
void vtier_json_get_bool(VtierJsonReader *r, const gchar *name, gboolean *ret);
void vtier_json_get_string(VtierJsonReader *r, const gchar *name, gchar **ret);
void vtier_json_get_strv(VtierJsonReader *r, const gchar *name, GStrv *ret);
/* An enum through its typed from_string function, e.g.
 * GET_ENUM(r, "action", vtier_damon_action_from_string, &scheme->action). */
#define VTIER_JSON_GET_ENUM(r, name, from_string, ret)                                  \
	do {                                                                                  \
		g_autofree gchar *_text = NULL;                                               \
		vtier_json_get_string((r), (name), &_text);                             \
		if (_text != NULL && !from_string(_text, (ret))) {                            \
			g_autofree gchar *_why = g_strdup_printf("unknown value \"%s\"", _text); \
			vtier_json_reader_fail((r), (name), _why);                      \
		}                                                                             \
	} while (0)
/* The member node when present (and of @type), else NULL; marks it seen. */
JsonNode *vtier_json_get_node(VtierJsonReader *r, const gchar *name, JsonNodeType type);
/* The child path "path.name" or "path[i]". */
gchar *vtier_json_child_path(const gchar *path, const gchar *name, gint index);

/* Whether the arrays and objects of JSON text @text (@len bytes; strings skipped) nest at most
 * @max levels deep. json-glib's parser recurses per level: untrusted text (a control request, a
 * QMP reply) is checked before it reaches the parser, so that a line of a million '[' cannot
 * exhaust the stack. Stops at the first level too deep. */
gboolean vtier_json_text_nesting_within(const gchar *text, gsize len, guint max);

/* Pretty-printed text with a final newline. */
gchar *vtier_json_to_data(JsonNode *node);
JsonNode *vtier_json_from_data(const gchar *data, GError **error);
