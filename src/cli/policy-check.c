/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/policy-check.h"
#include "common/error.h"
#include "tiering/policy-units.h"
#include "tiering/policy.h"
#include "virt/domain-xml.h"

/* `vtierctl policy check [--memory SIZE] [--default-mode MODE] FILE|-`: validates a policy element
 * (as stored in a domain's <metadata>), or the policy in a whole domain XML, and prints the policy
 * the guest would run under, every knob resolved (domain > template > host default).
 * `vtierctl policy templates`: the shipped and local templates with their settings. */

/* Every template with its settings, then every one that did not load with its error (and then
 * the verb fails: a guest naming one would be refused). */
static gboolean policy_templates(const VtierPolicyStore *store, gboolean json, GError **error)
{
	g_auto(GStrv) names = vtier_policy_store_list_templates(store);
	g_auto(GStrv) broken = vtier_policy_store_list_broken_templates(store);
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	for (guint i = 0; names[i] != NULL; i++) {
		const VtierPolicy *t = vtier_policy_store_lookup(store, names[i], "-", NULL);
		g_autofree gchar *xml = vtier_policy_to_xml(t, FALSE);

		json_builder_set_member_name(b, names[i]);
		json_builder_add_value(b, vtier_policy_to_json(t));
		if (!json)
			printf("%s:\n%s\n", names[i], xml);
	}
	for (guint i = 0; broken[i] != NULL; i++) {
		const gchar *why = vtier_policy_store_template_error(store, broken[i]);

		json_builder_set_member_name(b, broken[i]);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, why);
		json_builder_end_object(b);
		if (!json)
			printf("%s: INVALID: %s\n\n", broken[i], why);
	}
	json_builder_end_object(b);
	if (json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autofree gchar *text = json_to_string(root, TRUE);

		printf("%s\n", text);
	}
	if (broken[0] != NULL) {
		g_autofree gchar *list = g_strjoinv(", ", broken);

		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "invalid template(s): %s (a guest naming one is refused)", list);
		return FALSE;
	}
	return TRUE;
}

static gboolean read_text(const gchar *file, gchar **ret_text, GError **error)
{
	g_autoptr(GString) in = NULL;
	gchar buf[4096];
	gsize n;

	if (g_strcmp0(file, "-") != 0)
		return g_file_get_contents(file, ret_text, NULL, error);
	in = g_string_new(NULL);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		g_string_append_len(in, buf, (gssize)n);
	*ret_text = g_string_free(g_steal_pointer(&in), FALSE);
	return TRUE;
}

static gboolean policy_check(const VtierPolicyStore *store, const gchar *file,
			     const gchar *memory, const gchar *default_mode, gboolean json,
			     GError **error)
{
	g_autofree gchar *text = NULL;
	g_autoptr(VtierPolicy) policy = NULL;
	VtierPolicyMode mode = VTIER_POLICY_MODE_RATIO;
	guint64 memory_bytes = 0;

	if (memory != NULL && !vtier_policy_parse_size(memory, &memory_bytes, error)) {
		g_prefix_error(error, "--memory: ");
		return FALSE;
	}
	if (default_mode != NULL && !vtier_policy_mode_from_string(default_mode, &mode)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--default-mode \"%s\": allowed: %s", default_mode,
			    vtier_policy_mode_allowed());
		return FALSE;
	}
	if (!read_text(file, &text, error))
		return FALSE;
	if (g_strstr_len(text, -1, "<domain") != NULL) {
		g_autoptr(VtierGuest) d = vtier_domain_xml_parse(text, strlen(text), NULL, error);

		if (d == NULL) {
			g_prefix_error(error, "%s: ", file);
			return FALSE;
		}
		policy = vtier_policy_resolve(store, d->name, d->memory_bytes, d->policy_xml, mode,
					      error);
	} else {
		/* the same element `policy set` takes: a bare <policy> is put into vtier's namespace */
		g_autofree gchar *normal = vtier_domain_xml_policy_normalize(text, strlen(text), error);

		if (normal == NULL) {
			g_prefix_error(error, "%s: invalid policy: ", file);
			return FALSE;
		}
		policy = vtier_policy_resolve(store, file, memory_bytes, normal, mode, error);
	}
	if (policy == NULL)
		return FALSE;
	if (json) {
		g_autoptr(JsonNode) node = vtier_policy_to_json(policy);
		g_autofree gchar *out = json_to_string(node, TRUE);

		printf("%s\n", out);
	} else {
		g_autofree gchar *out = vtier_policy_to_xml(policy, TRUE);

		printf("<!-- mode from: %s -->\n%s", policy->origin, out);
	}
	return TRUE;
}

gboolean vtier_cli_policy_check(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *dir = NULL;
	g_autofree gchar *memory = NULL;
	g_autofree gchar *default_mode = NULL;
	g_autoptr(VtierPolicyStore) store = NULL;
	const GOptionEntry entries[] = {
		{ "policy-dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
		  "Policy schema and templates (default: $VTIER_POLICY_DIR or " VTIER_POLICYDIR ")",
		  "DIR" },
		{ "memory", 0, 0, G_OPTION_ARG_STRING, &memory,
		  "The guest's memory, to check a fast size against (e.g. 16GiB)", "SIZE" },
		{ "default-mode", 0, 0, G_OPTION_ARG_STRING, &default_mode,
		  "The host default mode ([policy] default_mode, default ratio)", "MODE" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "check FILE|- | templates",
			     "Check a vtier policy element, or list the policy templates.", entries,
			     &common, error))
		return FALSE;
	store = vtier_policy_store_new(dir, error);
	if (store == NULL)
		return FALSE;
	if (argc == 2 && g_strcmp0(argv[1], "templates") == 0)
		return policy_templates(store, common.json, error);
	if (argc == 3 && g_strcmp0(argv[1], "check") == 0)
		return policy_check(store, argv[2], memory, default_mode, common.json, error);
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
		    "expected `check FILE|-` or `templates` (try --help)");
	return FALSE;
}

gboolean vtier_cli_policy_check_wants(int argc, char **argv)
{
	static const gchar *const with_value[] = { "--policy-dir", "--memory", "--default-mode",
						   NULL };

	for (int i = 1; i < argc; i++) {
		if (g_strv_contains(with_value, argv[i])) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			continue;
		return g_strcmp0(argv[i], "check") == 0 || g_strcmp0(argv[i], "templates") == 0;
	}
	return FALSE;
}
