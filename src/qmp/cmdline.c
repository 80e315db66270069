/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-qmp"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "qmp/cmdline.h"
#include "qmp/framer.h"
#include "qmp/query.h"

#define QEMU_DEFAULT_RAM_MIB 128

void vtier_qmp_cmdline_free(VtierQmpCmdline *cmdline)
{
	if (cmdline == NULL)
		return;
	g_free(cmdline->name);
	g_free(cmdline->qmp_socket);
	g_clear_pointer(&cmdline->memdevs, g_ptr_array_unref);
	g_free(cmdline);
}

gchar **vtier_qmp_cmdline_split(const gchar *contents, gsize len)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	gsize start = 0;

	for (gsize i = 0; i <= len; i++) {
		if (i < len && contents[i] != '\0')
			continue;
		if (i > start || i < len)
			g_ptr_array_add(argv, g_strndup(contents + start, i - start));
		start = i + 1;
	}
	g_ptr_array_add(argv, NULL);
	return (gchar **)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}

static gboolean size_error(const gchar *text, GError **error)
{
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "\"%s\" is not a QEMU size",
		    text != NULL ? text : "");
	return FALSE;
}

/* @shift: the unit of a bare number (20: MiB for -m, 0: bytes for -object size=). */
static gboolean parse_size(const gchar *text, guint shift, guint64 *ret_bytes, GError **error)
{
	static const gchar units[] = "BKMGTP";
	gchar *end = NULL;
	const gchar *unit;
	guint64 value;

	if (text == NULL || !g_ascii_isdigit(text[0]))
		return size_error(text, error);
	value = g_ascii_strtoull(text, &end, 10);
	if (*end != '\0') {
		unit = strchr(units, g_ascii_toupper(*end));
		if (unit == NULL || end[1] != '\0')
			return size_error(text, error);
		shift = (guint)(unit - units) * 10;
	}
	if (value > (G_MAXUINT64 >> shift))
		return size_error(text, error);
	*ret_bytes = value << shift;
	return TRUE;
}

gboolean vtier_qmp_parse_size_mib(const gchar *text, guint64 *ret_bytes, GError **error)
{
	return parse_size(text, 20, ret_bytes, error);
}

/* QEMU's "key=value,key=value" option syntax with ",," for a literal comma. The first element
 * without '=' is the value of @implied (e.g. "guest" for -name). Returns key -> value; repeated
 * keys are joined with ','. */
static GHashTable *parse_keyval(const gchar *text, const gchar *implied)
{
	GHashTable *kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GString) cur = g_string_new(NULL);
	gboolean first = TRUE;

	for (const gchar *p = text;; p++) {
		if (*p == ',' && p[1] == ',') {
			g_string_append_c(cur, ',');
			p++;
			continue;
		}
		if (*p != ',' && *p != '\0') {
			g_string_append_c(cur, *p);
			continue;
		}
		if (cur->len > 0) {
			gchar *eq = strchr(cur->str, '=');
			g_autofree gchar *key = eq != NULL ? g_strndup(cur->str, eq - cur->str)
							   : g_strdup(first ? implied : cur->str);
			const gchar *value = eq != NULL ? eq + 1 : (first ? cur->str : "on");
			const gchar *old = key != NULL ? g_hash_table_lookup(kv, key) : NULL;

			if (key != NULL)
				g_hash_table_replace(kv, g_strdup(key),
						     old != NULL ? g_strconcat(old, ",", value, NULL)
								 : g_strdup(value));
		}
		first = FALSE;
		g_string_truncate(cur, 0);
		if (*p == '\0')
			break;
	}
	return kv;
}

/* "0-1,3" -> 0,1,3 */
static gboolean parse_node_list(const gchar *text, GArray *nodes, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);

	for (guint i = 0; parts[i] != NULL; i++) {
		guint64 lo, hi;
		g_auto(GStrv) range = g_strsplit(parts[i], "-", 2);

		if (range[0] == NULL) { /* "host-nodes=1,,2" or an empty value */
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "host-nodes: \"%s\" has an empty node", text);
			return FALSE;
		}
		if (!vtier_parse_u64(range[0], "host-nodes", &lo, error) ||
		    !vtier_parse_u64(range[1] != NULL ? range[1] : range[0], "host-nodes", &hi,
				     error))
			return FALSE;
		if (hi < lo || hi > G_MAXUINT16) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "host-nodes: \"%s\" is not a node range", parts[i]);
			return FALSE;
		}
		for (guint64 n = lo; n <= hi; n++) {
			guint node = (guint)n;

			g_array_append_val(nodes, node);
		}
	}
	return TRUE;
}

/* -object memory-backend-TYPE,id=...,size=...: keyval form. */
static VtierGuestMemdev *memdev_from_keyval(GHashTable *kv, GError **error)
{
	g_autoptr(VtierGuestMemdev) m = vtier_guest_memdev_new();
	const gchar *size = g_hash_table_lookup(kv, "size");
	const gchar *nodes = g_hash_table_lookup(kv, "host-nodes");
	const gchar *policy = g_hash_table_lookup(kv, "policy");

	if (size == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "memory backend %s has no size",
			    (const gchar *)g_hash_table_lookup(kv, "id"));
		return NULL;
	}
	/* -object sizes are bytes unless suffixed */
	if (!parse_size(size, 0, &m->size_bytes, error)) {
		g_prefix_error(error, "memory backend size: ");
		return NULL;
	}
	if (nodes != NULL && !parse_node_list(nodes, m->host_nodes, error))
		return NULL;
	m->backend_id = g_strdup(g_hash_table_lookup(kv, "id"));
	m->policy = g_strdup(policy != NULL ? policy : "default");
	m->share = g_strcmp0(g_hash_table_lookup(kv, "share"), "on") == 0 ||
		   g_strcmp0(g_hash_table_lookup(kv, "share"), "true") == 0;
	return g_steal_pointer(&m);
}

/* -object {"qom-type":"memory-backend-ram","id":"pc.ram","size":2147483648,...}: libvirt's form.
 * Returns NULL without error when it is not a memory backend. */
static VtierGuestMemdev *memdev_from_json(const gchar *text, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(VtierGuestMemdev) m = NULL;
	JsonObject *o;
	JsonArray *nodes;
	JsonNode *n;

	if (!json_parser_load_from_data(parser, text, -1, error) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_prefix_error(error, "-object %s: ", text);
		return NULL;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	n = vtier_qmp_json_value(o, "qom-type", G_TYPE_STRING);
	if (n == NULL || !g_str_has_prefix(json_node_get_string(n), "memory-backend-"))
		return NULL;
	m = vtier_guest_memdev_new();
	n = vtier_qmp_json_value(o, "size", G_TYPE_INT64);
	if (n == NULL || json_node_get_int(n) < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "-object %s: memory backend without size", text);
		return NULL;
	}
	m->size_bytes = (guint64)json_node_get_int(n);
	n = vtier_qmp_json_value(o, "id", G_TYPE_STRING);
	m->backend_id = n != NULL ? g_strdup(json_node_get_string(n)) : NULL;
	n = vtier_qmp_json_value(o, "policy", G_TYPE_STRING);
	m->policy = g_strdup(n != NULL ? json_node_get_string(n) : "default");
	n = vtier_qmp_json_value(o, "share", G_TYPE_BOOLEAN);
	m->share = n != NULL && json_node_get_boolean(n);
	nodes = json_object_has_member(o, "host-nodes") &&
				JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, "host-nodes"))
			? json_object_get_array_member(o, "host-nodes")
			: NULL;
	for (guint i = 0; nodes != NULL && i < json_array_get_length(nodes); i++) {
		JsonNode *e = json_array_get_element(nodes, i);
		gint64 v = JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_INT64
				   ? json_node_get_int(e)
				   : -1;
		guint node = (guint)v;

		if (v < 0 || v > G_MAXUINT16)
			continue;
		g_array_append_val(m->host_nodes, node);
	}
	return g_steal_pointer(&m);
}

static gboolean take_object(VtierQmpCmdline *c, const gchar *value, GError **error)
{
	g_autoptr(GHashTable) kv = NULL;
	VtierGuestMemdev *m;

	if (value[0] == '{') {
		g_autoptr(GError) local = NULL;

		m = memdev_from_json(value, &local);
		if (local != NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
	} else {
		kv = parse_keyval(value, "qom-type");
		if (!g_str_has_prefix(g_hash_table_lookup(kv, "qom-type") ?: "", "memory-backend-"))
			return TRUE;
		m = memdev_from_keyval(kv, error);
		if (m == NULL)
			return FALSE;
	}
	if (m != NULL)
		g_ptr_array_add(c->memdevs, m);
	return TRUE;
}

static gboolean take_memory(VtierQmpCmdline *c, const gchar *value, GError **error)
{
	g_autoptr(GHashTable) kv = parse_keyval(value, "size");
	const gchar *size = g_hash_table_lookup(kv, "size");

	if (size == NULL)
		return TRUE; /* "-m slots=2,maxmem=4G" keeps the default size */
	if (!vtier_qmp_parse_size_mib(size, &c->memory_bytes, error)) {
		g_prefix_error(error, "-m %s: ", value);
		return FALSE;
	}
	return TRUE;
}

static gchar *qmp_path_of(const gchar *value)
{
	g_autoptr(GHashTable) kv = NULL;

	if (!g_str_has_prefix(value, "unix:"))
		return NULL; /* tcp:, stdio, ... are not sockets vtier can use */
	kv = parse_keyval(value + strlen("unix:"), "path");
	return g_strdup(g_hash_table_lookup(kv, "path"));
}

static gboolean is_qemu(const gchar *argv0)
{
	g_autofree gchar *base = argv0 != NULL ? g_path_get_basename(argv0) : NULL;

	return base != NULL && (g_str_has_prefix(base, "qemu-system-") ||
				g_str_has_prefix(base, "qemu-kvm") || g_strcmp0(base, "kvm") == 0);
}

/* -chardev socket,id=X,path=P + -mon chardev=X,mode=control: libvirt's monitor. */
static void take_monitor(VtierQmpCmdline *c, GHashTable *chardevs, const gchar *value)
{
	g_autoptr(GHashTable) kv = parse_keyval(value, "chardev");
	const gchar *path = g_hash_table_lookup(chardevs, g_hash_table_lookup(kv, "chardev") ?: "");

	if (c->qmp_socket == NULL && path != NULL &&
	    g_strcmp0(g_hash_table_lookup(kv, "mode"), "control") == 0)
		c->qmp_socket = g_strdup(path);
}

static void take_chardev(GHashTable *chardevs, const gchar *value)
{
	g_autoptr(GHashTable) kv = parse_keyval(value, "backend");
	const gchar *id = g_hash_table_lookup(kv, "id");
	const gchar *path = g_hash_table_lookup(kv, "path");

	if (g_strcmp0(g_hash_table_lookup(kv, "backend"), "socket") == 0 && id != NULL &&
	    path != NULL)
		g_hash_table_replace(chardevs, g_strdup(id), g_strdup(path));
}

static gboolean take_option(VtierQmpCmdline *c, GHashTable *chardevs, const gchar *opt,
			    const gchar *value, GError **error)
{
	if (g_strcmp0(opt, "name") == 0) {
		g_autoptr(GHashTable) kv = parse_keyval(value, "guest");

		g_free(c->name);
		c->name = g_strdup(g_hash_table_lookup(kv, "guest"));
	} else if (g_strcmp0(opt, "m") == 0) {
		return take_memory(c, value, error);
	} else if (g_strcmp0(opt, "object") == 0) {
		return take_object(c, value, error);
	} else if (g_strcmp0(opt, "qmp") == 0 || g_strcmp0(opt, "qmp-pretty") == 0) {
		if (c->qmp_socket == NULL)
			c->qmp_socket = qmp_path_of(value);
	} else if (g_strcmp0(opt, "chardev") == 0) {
		take_chardev(chardevs, value);
	} else if (g_strcmp0(opt, "mon") == 0) {
		take_monitor(c, chardevs, value);
	}
	return TRUE;
}

VtierQmpCmdline *vtier_qmp_cmdline_parse(const gchar *const *argv, GError **error)
{
	g_autoptr(VtierQmpCmdline) c = g_new0(VtierQmpCmdline, 1);
	g_autoptr(GHashTable) chardevs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							       g_free);

	if (argv == NULL || !is_qemu(argv[0])) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "%s is not a QEMU system emulator",
			    argv != NULL && argv[0] != NULL ? argv[0] : "(empty command line)");
		return NULL;
	}
	c->memdevs = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_guest_memdev_free);
	c->memory_bytes = (guint64)QEMU_DEFAULT_RAM_MIB << 20;
	/* chardevs may follow the -mon that names them: collect them first */
	for (guint i = 1; argv[i] != NULL && argv[i + 1] != NULL; i++)
		if (g_strcmp0(argv[i], "-chardev") == 0 || g_strcmp0(argv[i], "--chardev") == 0)
			take_chardev(chardevs, argv[++i]);
	for (guint i = 1; argv[i] != NULL; i++) {
		const gchar *opt = argv[i];

		if (opt[0] != '-' || argv[i + 1] == NULL)
			continue;
		opt += opt[1] == '-' ? 2 : 1;
		if (!take_option(c, chardevs, opt, argv[i + 1], error))
			return NULL;
		if (g_strcmp0(opt, "name") == 0 || g_strcmp0(opt, "m") == 0 ||
		    g_strcmp0(opt, "object") == 0 || g_strcmp0(opt, "qmp") == 0 ||
		    g_strcmp0(opt, "qmp-pretty") == 0 || g_strcmp0(opt, "chardev") == 0 ||
		    g_strcmp0(opt, "mon") == 0)
			i++;
	}
	return g_steal_pointer(&c);
}
