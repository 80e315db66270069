/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-json"

#include "config.h"

#include "common/error.h"
#include "common/fileio.h"
#include "common/json.h"

void vtier_json_set_u64(JsonObject *obj, const gchar *name, guint64 value)
{
	if (value > (guint64)G_MAXINT64) {
		g_autofree gchar *text = g_strdup_printf("%" G_GUINT64_FORMAT, value);

		json_object_set_string_member(obj, name, text);
		return;
	}
	json_object_set_int_member(obj, name, (gint64)value);
}

void vtier_json_set_strv(JsonObject *obj, const gchar *name, const gchar *const *strv)
{
	JsonArray *array = json_array_new();

	for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
		json_array_add_string_element(array, strv[i]);
	json_object_set_array_member(obj, name, array);
}

gchar *vtier_json_child_path(const gchar *path, const gchar *name, gint index)
{
	if (name == NULL)
		return g_strdup_printf("%s[%d]", path, index);
	if (path == NULL || path[0] == '\0')
		return g_strdup(name);
	return g_strdup_printf("%s.%s", path, name);
}

gboolean vtier_json_reader_init(VtierJsonReader *r, JsonNode *node, const gchar *path,
				      GError **error)
{
	r->obj = NULL;
	r->path = g_strdup(path != NULL ? path : "");
	r->seen = g_hash_table_new(g_str_hash, g_str_equal);
	r->error = error;
	r->failed = FALSE;
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: expected a JSON object",
			    r->path[0] != '\0' ? r->path : "(top)");
		vtier_json_reader_clear(r);
		r->failed = TRUE;
		return FALSE;
	}
	r->obj = json_node_get_object(node);
	return TRUE;
}

void vtier_json_reader_clear(VtierJsonReader *r)
{
	g_clear_pointer(&r->path, g_free);
	g_clear_pointer(&r->seen, g_hash_table_unref);
}

void vtier_json_reader_fail(VtierJsonReader *r, const gchar *name, const gchar *why)
{
	if (r->failed)
		return;
	r->failed = TRUE;
	if (name == NULL)
		g_set_error(r->error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: %s",
			    r->path[0] != '\0' ? r->path : "(top)", why);
	else if (r->path[0] == '\0')
		g_set_error(r->error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: %s", name, why);
	else
		g_set_error(r->error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s.%s: %s", r->path, name,
			    why);
}

gboolean vtier_json_reader_finish(VtierJsonReader *r)
{
	gboolean ok = !r->failed;

	if (ok && r->obj != NULL) {
		g_autoptr(GList) members = json_object_get_members(r->obj);

		for (GList *l = members; l != NULL; l = l->next) {
			if (!g_hash_table_contains(r->seen, l->data)) {
				vtier_json_reader_fail(r, l->data, "unknown member");
				ok = FALSE;
				break;
			}
		}
	}
	vtier_json_reader_clear(r);
	return ok;
}

JsonNode *vtier_json_get_node(VtierJsonReader *r, const gchar *name, JsonNodeType type)
{
	JsonNode *node;

	if (r->failed || r->obj == NULL || !json_object_has_member(r->obj, name))
		return NULL;
	g_hash_table_add(r->seen, (gpointer)name);
	node = json_object_get_member(r->obj, name);
	if (JSON_NODE_TYPE(node) != type) {
		vtier_json_reader_fail(r, name,
					     type == JSON_NODE_OBJECT  ? "expected an object"
					     : type == JSON_NODE_ARRAY ? "expected an array"
								       : "expected a value");
		return NULL;
	}
	return node;
}

void vtier_json_get_u64(VtierJsonReader *r, const gchar *name, guint64 *ret)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_VALUE);
	g_autoptr(GError) local = NULL;

	if (node == NULL)
		return;
	if (json_node_get_value_type(node) == G_TYPE_INT64) {
		gint64 v = json_node_get_int(node);

		if (v < 0)
			vtier_json_reader_fail(r, name, "expected an unsigned number");
		else
			*ret = (guint64)v;
		return;
	}
	if (json_node_get_value_type(node) == G_TYPE_STRING) {
		if (!vtier_parse_u64(json_node_get_string(node), name, ret, &local))
			vtier_json_reader_fail(r, name, local->message);
		return;
	}
	vtier_json_reader_fail(r, name, "expected an unsigned integer");
}

void vtier_json_get_uint(VtierJsonReader *r, const gchar *name, guint *ret)
{
	guint64 v = *ret;

	vtier_json_get_u64(r, name, &v);
	if (v > G_MAXUINT)
		vtier_json_reader_fail(r, name, "out of range");
	else
		*ret = (guint)v;
}

void vtier_json_get_int(VtierJsonReader *r, const gchar *name, gint *ret)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_VALUE);
	gint64 v;

	if (node == NULL)
		return;
	if (json_node_get_value_type(node) != G_TYPE_INT64) {
		vtier_json_reader_fail(r, name, "expected an integer");
		return;
	}
	v = json_node_get_int(node);
	if (v < G_MININT || v > G_MAXINT)
		vtier_json_reader_fail(r, name, "out of range");
	else
		*ret = (gint)v;
}

void vtier_json_get_int64(VtierJsonReader *r, const gchar *name, gint64 *ret)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_VALUE);

	if (node == NULL)
		return;
	if (json_node_get_value_type(node) != G_TYPE_INT64) {
		vtier_json_reader_fail(r, name, "expected an integer");
		return;
	}
	*ret = json_node_get_int(node);
}

void vtier_json_get_double(VtierJsonReader *r, const gchar *name, gdouble *ret)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_VALUE);

	if (node == NULL)
		return;
	if (json_node_get_value_type(node) == G_TYPE_INT64)
		*ret = (gdouble)json_node_get_int(node);
	else if (json_node_get_value_type(node) == G_TYPE_DOUBLE)
		*ret = json_node_get_double(node);
	else
		vtier_json_reader_fail(r, name, "expected a number");
}

void vtier_json_get_bool(VtierJsonReader *r, const gchar *name, gboolean *ret)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_VALUE);

	if (node == NULL)
		return;
	if (json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
		vtier_json_reader_fail(r, name, "expected true or false");
		return;
	}
	*ret = json_node_get_boolean(node);
}

void vtier_json_get_string(VtierJsonReader *r, const gchar *name, gchar **ret)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_VALUE);

	if (node == NULL)
		return;
	if (json_node_get_value_type(node) != G_TYPE_STRING) {
		vtier_json_reader_fail(r, name, "expected a string");
		return;
	}
	g_free(*ret);
	*ret = g_strdup(json_node_get_string(node));
}

void vtier_json_get_strv(VtierJsonReader *r, const gchar *name, GStrv *ret)
{
	JsonNode *node = vtier_json_get_node(r, name, JSON_NODE_ARRAY);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	JsonArray *array;

	if (node == NULL)
		return;
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *el = json_array_get_element(array, i);

		if (!JSON_NODE_HOLDS_VALUE(el) || json_node_get_value_type(el) != G_TYPE_STRING) {
			vtier_json_reader_fail(r, name, "expected an array of strings");
			return;
		}
		g_strv_builder_add(builder, json_node_get_string(el));
	}
	g_strfreev(*ret);
	*ret = g_strv_builder_end(builder);
}

void vtier_json_builder_add_string_member(JsonBuilder *b, const gchar *name, const gchar *value)
{
	json_builder_set_member_name(b, name);
	if (value == NULL)
		json_builder_add_null_value(b);
	else
		json_builder_add_string_value(b, value);
}

gboolean vtier_json_text_nesting_within(const gchar *text, gsize len, guint max)
{
	gboolean in_string = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < len; i++) {
		gchar c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
		} else if (c == '"') {
			in_string = TRUE;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				return FALSE;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}

gchar *vtier_json_to_data(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	return g_strconcat(text, "\n", NULL);
}

JsonNode *vtier_json_from_data(const gchar *data, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;

	if (!json_parser_load_from_data(parser, data, -1, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "invalid JSON: %s",
			    local->message);
		return NULL;
	}
	if (json_parser_get_root(parser) == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "invalid JSON: the text is empty");
		return NULL;
	}
	return json_node_copy(json_parser_get_root(parser));
}
