/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-sampler"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "tiering/sampler-private.h"

/* What the kernel's perf event sources show, below the sysroot. A PMU directory that is present
 * but malformed is an error naming the file; an absent one is simply not there. */

void vtier_pmu_probe_clear(VtierPmuProbe *probe)
{
	g_clear_pointer(&probe->found, g_ptr_array_unref);
	g_clear_pointer(&probe->ibs_formats, g_ptr_array_unref);
	g_clear_pointer(&probe->core_pmu, g_free);
	g_clear_pointer(&probe->core_model, g_free);
}

static gboolean read_u32(const gchar *path, guint32 *ret, GError **error)
{
	g_autofree gchar *host = vtier_path_to_host(path);
	guint64 value;

	if (!vtier_file_read_u64(path, &value, error))
		return FALSE;
	if (value > G_MAXUINT32) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: %" G_GUINT64_FORMAT " is out of range for a perf event type", host,
			    value);
		return FALSE;
	}
	*ret = (guint32)value;
	return TRUE;
}

/* "config:0-19", "config1:0-11", "config:16", "config:0-5,8" */
static gboolean format_valid(const gchar *text)
{
	g_autoptr(GRegex) re = g_regex_new("^config[12]?:[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$", 0,
					   0, NULL);

	return g_regex_match(re, text, 0, NULL);
}

static gboolean probe_ibs_format(VtierPmuProbe *probe, GError **error)
{
	g_autofree gchar *dir_path = vtier_path_build(VTIER_PATH_EVENT_SOURCES, "ibs_op", "format",
						      NULL);
	g_autofree gchar *dir_host = vtier_path_to_host(dir_path);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const gchar *entry;

	if (dir == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
			    "%s: missing: the ibs_op PMU describes no config fields", dir_host);
		return FALSE;
	}
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir_path, entry, NULL);
		g_autofree gchar *host = vtier_path_to_host(path);
		g_autofree gchar *text = NULL;

		if (!vtier_file_read_trimmed(path, &text, error))
			return FALSE;
		if (!format_valid(text)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "%s: \"%s\" is not a perf format field (e.g. \"config:19\")",
				    host, text);
			return FALSE;
		}
		g_ptr_array_add(probe->ibs_formats, g_strdup_printf("%s=%s", entry, text));
	}
	g_ptr_array_sort(probe->ibs_formats, (GCompareFunc)vtier_strptr_cmp);
	return TRUE;
}

static gboolean probe_ibs(VtierPmuProbe *probe, GError **error)
{
	g_autofree gchar *dir = vtier_path_build(VTIER_PATH_EVENT_SOURCES, "ibs_op", NULL);
	g_autofree gchar *type = vtier_path_build(VTIER_PATH_EVENT_SOURCES, "ibs_op", "type", NULL);

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	if (!read_u32(type, &probe->ibs_type, error) || !probe_ibs_format(probe, error))
		return FALSE;
	probe->has_ibs = TRUE;
	return TRUE;
}

static gboolean model_valid(const gchar *text)
{
	if (text[0] == '\0')
		return FALSE;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
			return FALSE;
	}
	return TRUE;
}

/* The core PMU of an Intel host: cpu_core on hybrid parts, else cpu; only Intel's driver
 * publishes caps/pmu_name. */
static gboolean probe_core(VtierPmuProbe *probe, GError **error)
{
	static const gchar *const names[] = { "cpu_core", "cpu" };

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree gchar *name_path = vtier_path_build(VTIER_PATH_EVENT_SOURCES, names[i],
							       "caps", "pmu_name", NULL);
		g_autofree gchar *host = vtier_path_to_host(name_path);
		g_autofree gchar *type = vtier_path_build(VTIER_PATH_EVENT_SOURCES, names[i],
							  "type", NULL);
		g_autofree gchar *precise = vtier_path_build(VTIER_PATH_EVENT_SOURCES, names[i],
							     "caps", "max_precise", NULL);
		g_autofree gchar *model = NULL;
		guint64 max_precise;

		if (!g_file_test(name_path, G_FILE_TEST_EXISTS))
			continue;
		if (!vtier_file_read_trimmed(name_path, &model, error))
			return FALSE;
		if (!model_valid(model)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "%s: \"%s\" is not a PMU model name", host, model);
			return FALSE;
		}
		if (!read_u32(type, &probe->core_type, error))
			return FALSE;
		probe->max_precise = -1;
		if (g_file_test(precise, G_FILE_TEST_EXISTS)) {
			if (!vtier_file_read_u64(precise, &max_precise, error))
				return FALSE;
			probe->max_precise = (gint)MIN(max_precise, 3);
		}
		probe->core_pmu = g_strdup(names[i]);
		probe->core_model = g_steal_pointer(&model);
		return TRUE;
	}
	return TRUE;
}

gint vtier_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static void list_pmus(VtierPmuProbe *probe)
{
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_EVENT_SOURCES, NULL);
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *entry;

	while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(probe->found, g_strdup(entry));
	g_ptr_array_sort(probe->found, (GCompareFunc)vtier_strptr_cmp);
}

gboolean vtier_pmu_probe(VtierPmuProbe *probe, GError **error)
{
	memset(probe, 0, sizeof(*probe));
	probe->found = g_ptr_array_new_with_free_func(g_free);
	probe->ibs_formats = g_ptr_array_new_with_free_func(g_free);
	probe->max_precise = -1;
	list_pmus(probe);
	return probe_ibs(probe, error) && probe_core(probe, error);
}

gchar *vtier_ptr_array_join(const GPtrArray *array, const gchar *sep)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < array->len; i++) {
		if (i > 0)
			g_string_append(out, sep);
		g_string_append(out, g_ptr_array_index(array, i));
	}
	return g_string_free(out, FALSE);
}
