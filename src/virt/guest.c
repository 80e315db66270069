/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-guest"

#include "config.h"

#include "common/error.h"
#include "common/json.h"
#include "virt/guest.h"

static const gchar *const source_names[] = {
	[VTIER_GUEST_SOURCE_LIBVIRT] = "libvirt",
	[VTIER_GUEST_SOURCE_QMP] = "qmp",
	[VTIER_GUEST_SOURCE_PID] = "pid",
};
G_STATIC_ASSERT(G_N_ELEMENTS(source_names) == VTIER_GUEST_SOURCE_LAST);

const gchar *vtier_guest_source_to_string(VtierGuestSource source)
{
	g_return_val_if_fail((guint)source < VTIER_GUEST_SOURCE_LAST, NULL);
	return source_names[source];
}

static gboolean guest_source_from_string(const gchar *text, VtierGuestSource *ret_source)
{
	for (guint i = 0; i < VTIER_GUEST_SOURCE_LAST; i++) {
		if (g_strcmp0(text, source_names[i]) == 0) {
			*ret_source = i;
			return TRUE;
		}
	}
	return FALSE;
}

VtierGuestMemdev *vtier_guest_memdev_new(void)
{
	VtierGuestMemdev *memdev = g_new0(VtierGuestMemdev, 1);

	memdev->host_nodes = g_array_new(FALSE, FALSE, sizeof(guint));
	return memdev;
}

void vtier_guest_memdev_free(VtierGuestMemdev *memdev)
{
	if (memdev == NULL)
		return;
	g_free(memdev->backend_id);
	g_free(memdev->policy);
	g_clear_pointer(&memdev->host_nodes, g_array_unref);
	g_free(memdev);
}

VtierGuest *vtier_guest_new(VtierGuestSource source)
{
	VtierGuest *guest = g_new0(VtierGuest, 1);

	guest->source = source;
	guest->id = -1;
	guest->bound_nodes = g_array_new(FALSE, FALSE, sizeof(guint));
	guest->node_bytes = g_array_new(FALSE, TRUE, sizeof(guint64));
	guest->memdevs = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_guest_memdev_free);
	return guest;
}

void vtier_guest_free(VtierGuest *guest)
{
	if (guest == NULL)
		return;
	g_free(guest->name);
	g_free(guest->uuid);
	g_free(guest->memcg_path);
	g_clear_pointer(&guest->bound_nodes, g_array_unref);
	g_free(guest->numatune_mode);
	g_free(guest->memory_source);
	g_free(guest->memory_access);
	g_free(guest->policy_xml);
	g_clear_pointer(&guest->memdevs, g_ptr_array_unref);
	g_free(guest->numatune_nodeset);
	g_free(guest->vcpu_cpuset);
	g_free(guest->memory_allocation);
	g_free(guest->resource_partition);
	g_clear_pointer(&guest->node_bytes, g_array_unref);
	g_free(guest);
}

VtierGuest *vtier_guest_copy(const VtierGuest *src)
{
	g_autoptr(JsonNode) node = vtier_guest_to_json(src);
	g_autoptr(GError) error = NULL;
	VtierGuest *guest = vtier_guest_from_json(node, &error);

	/* the codec is lossless; a failure here is a programming error */
	g_assert_no_error(error);
	return guest;
}

gboolean vtier_guest_equal(const VtierGuest *a, const VtierGuest *b)
{
	g_autofree gchar *ja = NULL;
	g_autofree gchar *jb = NULL;

	if (a == NULL || b == NULL)
		return a == b;
	ja = vtier_guest_to_json_string(a, FALSE);
	jb = vtier_guest_to_json_string(b, FALSE);
	return g_strcmp0(ja, jb) == 0;
}

/* ---- encode ---- */

static void add_uint_array(JsonBuilder *b, const gchar *member, GArray *array, gboolean wide)
{
	json_builder_set_member_name(b, member);
	json_builder_begin_array(b);
	for (guint i = 0; array != NULL && i < array->len; i++) {
		if (wide)
			json_builder_add_int_value(b, (gint64)g_array_index(array, guint64, i));
		else
			json_builder_add_int_value(b, g_array_index(array, guint, i));
	}
	json_builder_end_array(b);
}

static void add_memdev(JsonBuilder *b, const VtierGuestMemdev *memdev)
{
	json_builder_begin_object(b);
	/* snake_case like every JSON key vtier prints (QEMU's own reply says id, size, host-nodes) */
	vtier_json_builder_add_string_member(b, "backend_id", memdev->backend_id);
	json_builder_set_member_name(b, "size_bytes");
	json_builder_add_int_value(b, (gint64)memdev->size_bytes);
	vtier_json_builder_add_string_member(b, "policy", memdev->policy);
	add_uint_array(b, "host_nodes", memdev->host_nodes, FALSE);
	json_builder_set_member_name(b, "share");
	json_builder_add_boolean_value(b, memdev->share);
	json_builder_end_object(b);
}

static void add_int(JsonBuilder *b, const gchar *member, gint64 value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_int_value(b, value);
}

JsonNode *vtier_guest_to_json(const VtierGuest *guest)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	vtier_json_builder_add_string_member(b, "source", vtier_guest_source_to_string(guest->source));
	vtier_json_builder_add_string_member(b, "name", guest->name);
	vtier_json_builder_add_string_member(b, "uuid", guest->uuid);
	add_int(b, "id", guest->id);
	add_int(b, "memory_bytes", (gint64)guest->memory_bytes);
	add_int(b, "pid", guest->pid);
	vtier_json_builder_add_string_member(b, "memcg_path", guest->memcg_path);
	add_uint_array(b, "bound_nodes", guest->bound_nodes, FALSE);
	vtier_json_builder_add_string_member(b, "numatune_mode", guest->numatune_mode);
	vtier_json_builder_add_string_member(b, "numatune_nodeset", guest->numatune_nodeset);
	add_int(b, "n_vcpus", guest->n_vcpus);
	vtier_json_builder_add_string_member(b, "vcpu_cpuset", guest->vcpu_cpuset);
	json_builder_set_member_name(b, "hugepages");
	json_builder_add_boolean_value(b, guest->hugepages);
	json_builder_set_member_name(b, "memory_locked");
	json_builder_add_boolean_value(b, guest->memory_locked);
	add_int(b, "n_hostdevs", guest->n_hostdevs);
	vtier_json_builder_add_string_member(b, "memory_source", guest->memory_source);
	vtier_json_builder_add_string_member(b, "memory_access", guest->memory_access);
	vtier_json_builder_add_string_member(b, "memory_allocation", guest->memory_allocation);
	vtier_json_builder_add_string_member(b, "resource_partition", guest->resource_partition);
	add_int(b, "n_numa_cells", guest->n_numa_cells);
	vtier_json_builder_add_string_member(b, "policy_xml", guest->policy_xml);
	add_uint_array(b, "node_bytes", guest->node_bytes, TRUE);
	json_builder_set_member_name(b, "memdevs");
	json_builder_begin_array(b);
	for (guint i = 0; guest->memdevs != NULL && i < guest->memdevs->len; i++)
		add_memdev(b, g_ptr_array_index(guest->memdevs, i));
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

gchar *vtier_guest_to_json_string(const VtierGuest *guest, gboolean pretty)
{
	g_autoptr(JsonNode) node = vtier_guest_to_json(guest);

	return json_to_string(node, pretty);
}

/* ---- decode ---- */

static gboolean get_string(JsonObject *obj, const gchar *member, gchar **ret, GError **error)
{
	JsonNode *node = json_object_get_member(obj, member);

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "\"%s\" is not a string", member);
		return FALSE;
	}
	g_free(*ret);
	*ret = json_node_dup_string(node);
	return TRUE;
}

static gboolean get_int(JsonObject *obj, const gchar *member, gint64 min, gint64 max,
			gint64 *ret, GError **error)
{
	JsonNode *node = json_object_get_member(obj, member);
	gint64 value;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "\"%s\" is not an integer",
			    member);
		return FALSE;
	}
	value = json_node_get_int(node);
	if (value < min || value > max) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "\"%s\" is out of range: %" G_GINT64_FORMAT, member, value);
		return FALSE;
	}
	*ret = value;
	return TRUE;
}

static gboolean get_bool(JsonObject *obj, const gchar *member, gboolean *ret, GError **error)
{
	JsonNode *node = json_object_get_member(obj, member);

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "\"%s\" is not a boolean",
			    member);
		return FALSE;
	}
	*ret = json_node_get_boolean(node);
	return TRUE;
}

static gboolean get_hostdevs(JsonObject *obj, VtierGuest *guest, GError **error)
{
	gint64 n = 0;

	if (!get_int(obj, "n_hostdevs", 0, G_MAXUINT, &n, error))
		return FALSE;
	guest->n_hostdevs = (guint)n;
	return TRUE;
}

static gboolean get_uint_array(JsonObject *obj, const gchar *member, GArray *out, gboolean wide,
			       GError **error)
{
	JsonNode *node = json_object_get_member(obj, member);
	JsonArray *array;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "\"%s\" is not an array", member);
		return FALSE;
	}
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *el = json_array_get_element(array, i);
		gint64 v;

		if (!JSON_NODE_HOLDS_VALUE(el) || json_node_get_value_type(el) != G_TYPE_INT64 ||
		    (v = json_node_get_int(el)) < 0 || (!wide && v > G_MAXUINT)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "\"%s\"[%u] is not an unsigned integer", member, i);
			return FALSE;
		}
		if (wide) {
			guint64 w = (guint64)v;
			g_array_append_val(out, w);
		} else {
			guint n = (guint)v;
			g_array_append_val(out, n);
		}
	}
	return TRUE;
}

static VtierGuestMemdev *memdev_from_json(JsonNode *node, GError **error)
{
	g_autoptr(VtierGuestMemdev) memdev = vtier_guest_memdev_new();
	JsonObject *obj;
	gint64 size = 0;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "a memdev is not an object");
		return NULL;
	}
	obj = json_node_get_object(node);
	/* the first spellings (id, size, host-nodes) are still read: state files written before */
	if (!get_string(obj, "id", &memdev->backend_id, error) ||
	    !get_string(obj, "backend_id", &memdev->backend_id, error) ||
	    !get_int(obj, "size", 0, G_MAXINT64, &size, error) ||
	    !get_int(obj, "size_bytes", 0, G_MAXINT64, &size, error) ||
	    !get_string(obj, "policy", &memdev->policy, error) ||
	    !get_uint_array(obj, "host-nodes", memdev->host_nodes, FALSE, error) ||
	    !get_uint_array(obj, "host_nodes", memdev->host_nodes, FALSE, error) ||
	    !get_bool(obj, "share", &memdev->share, error))
		return NULL;
	memdev->size_bytes = (guint64)size;
	return g_steal_pointer(&memdev);
}

static gboolean memdevs_from_json(JsonObject *obj, GPtrArray *out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, "memdevs");
	JsonArray *array;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "\"memdevs\" is not an array");
		return FALSE;
	}
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		VtierGuestMemdev *memdev = memdev_from_json(json_array_get_element(array, i), error);

		if (memdev == NULL) {
			g_prefix_error(error, "memdevs[%u]: ", i);
			return FALSE;
		}
		g_ptr_array_add(out, memdev);
	}
	return TRUE;
}

static gboolean guest_numbers_from_json(JsonObject *obj, VtierGuest *guest, GError **error)
{
	gint64 id = -1, mem = 0, pid = 0, vcpus = 0, cells = 0;

	if (!get_int(obj, "id", -1, G_MAXINT, &id, error) ||
	    !get_int(obj, "memory_bytes", 0, G_MAXINT64, &mem, error) ||
	    !get_int(obj, "pid", 0, G_MAXINT, &pid, error) ||
	    !get_int(obj, "n_vcpus", 0, G_MAXUINT, &vcpus, error) ||
	    !get_int(obj, "n_numa_cells", 0, G_MAXUINT, &cells, error))
		return FALSE;
	guest->id = (gint)id;
	guest->memory_bytes = (guint64)mem;
	guest->pid = (gint)pid;
	guest->n_vcpus = (guint)vcpus;
	guest->n_numa_cells = (guint)cells;
	return TRUE;
}

VtierGuest *vtier_guest_from_json(JsonNode *node, GError **error)
{
	g_autoptr(VtierGuest) guest = vtier_guest_new(VTIER_GUEST_SOURCE_LIBVIRT);
	g_autofree gchar *source = NULL;
	JsonObject *obj;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "a guest is not a JSON object");
		return NULL;
	}
	obj = json_node_get_object(node);
	if (!get_string(obj, "source", &source, error))
		return NULL;
	if (source != NULL && !guest_source_from_string(source, &guest->source)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "unknown guest source \"%s\"",
			    source);
		return NULL;
	}
	if (!get_string(obj, "name", &guest->name, error) ||
	    !get_string(obj, "uuid", &guest->uuid, error) ||
	    !guest_numbers_from_json(obj, guest, error) ||
	    !get_string(obj, "memcg_path", &guest->memcg_path, error) ||
	    !get_uint_array(obj, "bound_nodes", guest->bound_nodes, FALSE, error) ||
	    !get_string(obj, "numatune_mode", &guest->numatune_mode, error) ||
	    !get_string(obj, "numatune_nodeset", &guest->numatune_nodeset, error) ||
	    !get_string(obj, "vcpu_cpuset", &guest->vcpu_cpuset, error) ||
	    !get_bool(obj, "hugepages", &guest->hugepages, error) ||
	    !get_bool(obj, "memory_locked", &guest->memory_locked, error) ||
	    !get_hostdevs(obj, guest, error) ||
	    !get_string(obj, "memory_source", &guest->memory_source, error) ||
	    !get_string(obj, "memory_access", &guest->memory_access, error) ||
	    !get_string(obj, "memory_allocation", &guest->memory_allocation, error) ||
	    !get_string(obj, "resource_partition", &guest->resource_partition, error) ||
	    !get_string(obj, "policy_xml", &guest->policy_xml, error) ||
	    !get_uint_array(obj, "node_bytes", guest->node_bytes, TRUE, error) ||
	    !memdevs_from_json(obj, guest->memdevs, error))
		return NULL;
	return g_steal_pointer(&guest);
}

VtierGuest *vtier_guest_from_json_string(const gchar *text, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;

	if (!json_parser_load_from_data(parser, text, -1, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "invalid guest JSON: %s",
			    local->message);
		return NULL;
	}
	if (json_parser_get_root(parser) == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "invalid guest JSON: the text is empty");
		return NULL;
	}
	return vtier_guest_from_json(json_parser_get_root(parser), error);
}
