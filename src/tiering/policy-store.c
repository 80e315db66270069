/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-policy"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/libxml-dl.h"
#include "common/paths.h"
#include "tiering/policy-private.h"
#include "tiering/policy.h"

const gchar *vtier_policy_dir_default(void)
{
	static gchar *dir;

	/* the path store's (VTIER_POLICY_DIR, else the installed directory); may change in tests */
	g_free(dir);
	dir = vtier_path_build(VTIER_PATH_POLICIES, NULL);
	return dir;
}

static void collect_schema_error(void *data, xmlErrorPtr err)
{
	GString *out = data;

	if (out->len == 0)
		g_string_append_printf(out, "line %d: %s", err->line,
				       err->message ? err->message : "");
}

static gboolean load_schema(VtierPolicyStore *store, GError **error)
{
	g_autofree gchar *path = g_build_filename(store->dir, "vtier-policy.rng", NULL);
	g_autofree gchar *text = NULL;
	gsize len = 0;
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(xmlRelaxNGParserCtxt) pctxt = NULL;
	g_autoptr(GString) messages = g_string_new(NULL);

	if (!g_file_get_contents(path, &text, &len, error)) {
		g_prefix_error(error, "cannot load the policy schema: ");
		return FALSE;
	}
	if (len > G_MAXINT) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s is too large", path);
		return FALSE;
	}
	/* parse the document ourselves: libxml2 would print its parse errors on stderr */
	doc = sym_xmlReadMemory(text, (int)len, path, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *err = sym_xmlGetLastError();

		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s is not a RELAX NG schema: %s",
			    path, err != NULL && err->message != NULL ? g_strchomp(err->message)
								   : "not XML");
		return FALSE;
	}
	pctxt = sym_xmlRelaxNGNewDocParserCtxt(doc);
	sym_xmlRelaxNGSetParserStructuredErrors(pctxt, collect_schema_error, messages);
	store->schema = sym_xmlRelaxNGParse(pctxt);
	if (store->schema == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s is not a RELAX NG schema: %s",
			    path, g_strchomp(messages->str));
		return FALSE;
	}
	return TRUE;
}

static void load_template(VtierPolicyStore *store, const gchar *file)
{
	g_autofree gchar *path = g_build_filename(store->dir, file, NULL);
	g_autofree gchar *name = g_strndup(file, strlen(file) - strlen(".xml"));
	g_autofree gchar *subject = g_strdup_printf("template \"%s\" (%s)", name, path);
	g_autofree gchar *origin = g_strdup_printf("template %s", name);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierPolicy) policy = NULL;

	if (!vtier_policy_is_template_name(name))
		return;
	if (g_file_get_contents(path, &text, NULL, &error))
		policy = vtier_policy_parse_subject(store, subject, origin, text, &error);
	if (policy != NULL && policy->template_name != NULL) {
		g_set_error(&error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "%s: a template cannot name another template (\"%s\")", subject,
			    policy->template_name);
		g_clear_pointer(&policy, vtier_policy_free);
	}
	if (policy == NULL) {
		g_debug("%s", error->message);
		g_hash_table_insert(store->template_errors, g_strdup(name),
				    g_strdup(error->message));
		return;
	}
	g_hash_table_insert(store->templates, g_strdup(name), g_steal_pointer(&policy));
}

VtierPolicyStore *vtier_policy_store_new(const gchar *dir, GError **error)
{
	g_autoptr(VtierPolicyStore) store = g_new0(VtierPolicyStore, 1);
	g_autoptr(GDir) listing = NULL;
	const gchar *file;

	if (!vtier_libxml_load(error))
		return NULL;
	store->dir = g_strdup(dir != NULL ? dir : vtier_policy_dir_default());
	store->templates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						 (GDestroyNotify)vtier_policy_free);
	store->template_errors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!load_schema(store, error))
		return NULL;
	listing = g_dir_open(store->dir, 0, error);
	if (listing == NULL)
		return NULL;
	while ((file = g_dir_read_name(listing)) != NULL) {
		if (g_str_has_suffix(file, ".xml"))
			load_template(store, file);
	}
	return g_steal_pointer(&store);
}

void vtier_policy_store_free(VtierPolicyStore *store)
{
	if (store == NULL)
		return;
	if (store->schema != NULL)
		sym_xmlRelaxNGFree(store->schema);
	g_clear_pointer(&store->templates, g_hash_table_unref);
	g_clear_pointer(&store->template_errors, g_hash_table_unref);
	g_free(store->dir);
	g_free(store);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

static GStrv sorted_keys(GHashTable *table)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_autofree const gchar **names = (const gchar **)g_hash_table_get_keys_as_array(table, NULL);
	guint n = g_hash_table_size(table);
	GStrv out;

	for (guint i = 0; i < n; i++)
		g_strv_builder_add(b, names[i]);
	out = g_strv_builder_end(b);
	qsort(out, n, sizeof(gchar *), compare_names);
	return out;
}

GStrv vtier_policy_store_list_templates(const VtierPolicyStore *store)
{
	return sorted_keys(store->templates);
}

GStrv vtier_policy_store_list_broken_templates(const VtierPolicyStore *store)
{
	return sorted_keys(store->template_errors);
}

const gchar *vtier_policy_store_template_error(const VtierPolicyStore *store, const gchar *name)
{
	return g_hash_table_lookup(store->template_errors, name);
}

const VtierPolicy *vtier_policy_store_lookup(const VtierPolicyStore *store, const gchar *name,
					     const gchar *guest, GError **error)
{
	const VtierPolicy *policy = g_hash_table_lookup(store->templates, name);
	const gchar *broken = g_hash_table_lookup(store->template_errors, name);
	g_auto(GStrv) names = NULL;
	g_autofree gchar *allowed = NULL;

	if (policy != NULL)
		return policy;
	if (broken != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "guest \"%s\": policy element <policy> attribute \"template\": "
			    "template \"%s\" is invalid: %s",
			    guest, name, broken);
		return NULL;
	}
	names = vtier_policy_store_list_templates(store);
	allowed = g_strjoinv(", ", names);
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
		    "guest \"%s\": policy element <policy> attribute \"template\": no template "
		    "\"%s\" in %s (allowed: %s)",
		    guest, name, store->dir, allowed);
	return NULL;
}

VtierPolicy *vtier_policy_resolve(const VtierPolicyStore *store, const gchar *guest,
				  guint64 memory_bytes, const gchar *xml,
				  VtierPolicyMode default_mode, GError **error)
{
	g_autoptr(VtierPolicy) policy = vtier_policy_new_default(default_mode);
	g_autoptr(VtierPolicy) domain = NULL;

	if (xml != NULL) {
		domain = vtier_policy_parse(store, guest, xml, error);
		if (domain == NULL)
			return NULL;
		if (domain->template_name != NULL) {
			const VtierPolicy *template =
				vtier_policy_store_lookup(store, domain->template_name, guest, error);

			if (template == NULL)
				return NULL;
			vtier_policy_overlay(policy, template);
		}
		vtier_policy_overlay(policy, domain);
	}
	if (!vtier_policy_validate(policy, guest, memory_bytes, error))
		return NULL;
	return g_steal_pointer(&policy);
}
