/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Small JSON helpers shared by the DAMON codecs (model, features, stats). Internal to
 * src/tiering/damon/. Unsigned 64-bit numbers above G_MAXINT64 are written as decimal strings
 * so that every value round-trips exactly. */

void vtier_damon_json_set_u64(JsonObject *obj, const gchar *name, guint64 value);
void vtier_damon_json_set_strv(JsonObject *obj, const gchar *name, const gchar *const *strv);

/* A reader walks one JSON object, remembers the first error (naming the JSON path) and records
 * which members it consumed, so that vtier_damon_json_reader_finish() can reject unknown ones. */
typedef struct {
	JsonObject *obj;
	gchar *path;
	GHashTable *seen;
	GError **error;
	gboolean failed;
} VtierDamonJsonReader;

/* Starts reading @node at @path; sets the error and returns FALSE when it is not an object. */
gboolean vtier_damon_json_reader_init(VtierDamonJsonReader *r, JsonNode *node, const gchar *path,
				      GError **error);
/* Fails on unknown members (and when an earlier read failed); frees the reader's state. */
gboolean vtier_damon_json_reader_finish(VtierDamonJsonReader *r);
void vtier_damon_json_reader_clear(VtierDamonJsonReader *r);
void vtier_damon_json_reader_fail(VtierDamonJsonReader *r, const gchar *name, const gchar *why);

/* Each getter leaves *ret untouched when the member is absent (so defaults stay). */
void vtier_damon_json_get_u64(VtierDamonJsonReader *r, const gchar *name, guint64 *ret);
void vtier_damon_json_get_uint(VtierDamonJsonReader *r, const gchar *name, guint *ret);
void vtier_damon_json_get_int(VtierDamonJsonReader *r, const gchar *name, gint *ret);
void vtier_damon_json_get_bool(VtierDamonJsonReader *r, const gchar *name, gboolean *ret);
void vtier_damon_json_get_string(VtierDamonJsonReader *r, const gchar *name, gchar **ret);
void vtier_damon_json_get_strv(VtierDamonJsonReader *r, const gchar *name, GStrv *ret);
/* An enum through its typed from_string function, e.g.
 * GET_ENUM(r, "action", vtier_damon_action_from_string, &scheme->action). */
#define VTIER_DAMON_JSON_GET_ENUM(r, name, from_string, ret)                                  \
	do {                                                                                  \
		g_autofree gchar *_text = NULL;                                               \
		vtier_damon_json_get_string((r), (name), &_text);                             \
		if (_text != NULL && !from_string(_text, (ret))) {                            \
			g_autofree gchar *_why = g_strdup_printf("unknown value \"%s\"", _text); \
			vtier_damon_json_reader_fail((r), (name), _why);                      \
		}                                                                             \
	} while (0)
/* The member node when present (and of @type), else NULL; marks it seen. */
JsonNode *vtier_damon_json_get_node(VtierDamonJsonReader *r, const gchar *name, JsonNodeType type);
/* The child path "path.name" or "path[i]". */
gchar *vtier_damon_json_child_path(const gchar *path, const gchar *name, gint index);

/* Pretty-printed text with a final newline. */
gchar *vtier_damon_json_to_data(JsonNode *node);
JsonNode *vtier_damon_json_from_data(const gchar *data, GError **error);
