/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/guests-libvirt.h"
#include "cli/policy-check.h"
#include "common/error.h"
#include "tiering/plan-input.h"
#include "tiering/policy.h"
#include "virt/connection.h"
#include "virt/domain-xml.h"
#include "virt/metadata.h"

/* `vtierctl policy get|set|clear DOMAIN [XML]`: a domain's vtier policy in its libvirt <metadata>,
 * read and written through libvirt (live and persistent, as the domain has them). */

typedef struct {
	gchar *uri;
	gchar *file;
	gchar *policy_dir;
	gboolean live;
	gboolean config;
	VtierCliCommon common;
} PolicyOptions;

static void policy_options_clear(PolicyOptions *o)
{
	g_free(o->uri);
	g_free(o->file);
	g_free(o->policy_dir);
	vtier_cli_common_clear(&o->common);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PolicyOptions, policy_options_clear)

static unsigned int write_flags(const PolicyOptions *o)
{
	return (o->live ? VIR_DOMAIN_AFFECT_LIVE : 0) | (o->config ? VIR_DOMAIN_AFFECT_CONFIG : 0);
}

static gboolean print_policy(const gchar *domain, const gchar *xml, gboolean json)
{
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) root = NULL;
		g_autofree gchar *text = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "domain");
		json_builder_add_string_value(b, domain);
		json_builder_set_member_name(b, "namespace");
		json_builder_add_string_value(b, VTIER_POLICY_XMLNS);
		json_builder_set_member_name(b, "policy");
		if (xml != NULL)
			json_builder_add_string_value(b, xml);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		text = json_to_string(root, TRUE);
		printf("%s\n", text);
	} else if (xml != NULL) {
		printf("%s\n", xml);
	} else {
		printf("domain %s has no vtier policy (the host default applies)\n", domain);
	}
	return TRUE;
}

/* The policy text: the argument, --file FILE, or stdin for "-". */
static gchar *policy_text(const PolicyOptions *o, const gchar *arg, GError **error)
{
	gchar *text = NULL;
	g_autoptr(GError) local = NULL;
	const gchar *path = o->file != NULL ? o->file : g_strcmp0(arg, "-") == 0 ? "/dev/stdin"
										    : NULL;

	if (path == NULL) {
		if (arg == NULL)
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "policy set needs the policy XML (an argument, --file FILE, or - "
				    "for stdin)");
		return arg != NULL ? g_strdup(arg) : NULL;
	}
	if (!g_file_get_contents(path, &text, NULL, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "%s", local->message);
		return NULL;
	}
	return g_strstrip(text);
}

/* Everything vtier checks before writing, on the path vtierd and `vtierctl plan` take
 * (vtier_plan_input_guest() with [policy] strict): one <policy> element in vtier's namespace,
 * safely parsed, valid against the schema and the templates, and fitting the guest's current
 * memory (an allowance larger than the guest is refused). Nothing is written when it fails. */
static gboolean validate(virDomainPtr dom, const gchar *xml, const gchar *policy_dir,
			 GError **error)
{
	g_autofree gchar *normal = vtier_domain_xml_policy_normalize(xml, strlen(xml), error);
	g_autoptr(VtierPolicyStore) store = NULL;
	g_autoptr(VtierGuest) guest = NULL;
	g_autoptr(VtierPlanGuest) planned = NULL;
	VtierPlanOptions options;

	if (normal == NULL) {
		g_prefix_error(error, "invalid policy: ");
		return FALSE;
	}
	store = vtier_policy_store_new(policy_dir, error);
	if (store == NULL)
		return FALSE;
	guest = vtier_virt_guest_from_domain(dom, FALSE, error);
	if (guest == NULL)
		return FALSE;
	g_free(guest->policy_xml);
	guest->policy_xml = g_steal_pointer(&normal);
	vtier_plan_options_init(&options);
	options.strict = TRUE;
	planned = vtier_plan_input_guest(guest, NULL, store, &options, NULL, error);
	return planned != NULL;
}

static gboolean run(const gchar *action, const gchar *domain, const gchar *arg,
		    const PolicyOptions *o, GError **error)
{
	g_autoptr(virConnect) conn = vtier_virt_open(o->uri, g_strcmp0(action, "get") == 0, error);
	g_autoptr(virDomain) dom = NULL;
	g_autofree gchar *xml = NULL;

	if (conn == NULL)
		return FALSE;
	dom = sym_virDomainLookupByName(conn, domain);
	if (dom == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "no domain \"%s\" at %s: %s",
			    domain, o->uri,
			    vtier_virt_last_error());
		return FALSE;
	}
	if (g_strcmp0(action, "get") == 0) {
		VtierMetadataScope scope = o->config ? VTIER_METADATA_CONFIG
					   : o->live ? VTIER_METADATA_LIVE
						     : VTIER_METADATA_CURRENT;

		return vtier_virt_policy_get(dom, scope, &xml, error) &&
		       print_policy(domain, xml, o->common.json);
	}
	if (g_strcmp0(action, "clear") == 0)
		return vtier_virt_policy_clear(dom, write_flags(o), error);
	xml = policy_text(o, arg, error);
	if (xml == NULL || !validate(dom, xml, o->policy_dir, error))
		return FALSE;
	return vtier_virt_policy_set(dom, xml, write_flags(o), error);
}

gboolean vtier_cli_verb_policy(int argc, char **argv, GError **error)
{
	g_auto(PolicyOptions) o = { 0 };
	g_autofree gchar *old_c = NULL;
	gboolean old_config = FALSE;
	const GOptionEntry entries[] = {
		{ "connect-c", 'c', G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &old_c,
		  "Deprecated spelling of --connect", "URI" },
		{ "connect", 0, 0, G_OPTION_ARG_STRING, &o.uri,
		  "libvirt URI (default: [daemon] libvirt_uri of vtierd.conf, qemu:///system)", "URI" },
		{ "file", 'f', 0, G_OPTION_ARG_FILENAME, &o.file, "Read the policy XML from FILE",
		  "FILE" },
		{ "policy-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.policy_dir,
		  "Schema and templates to validate against (default: the installed ones)", "DIR" },
		{ "live", 0, 0, G_OPTION_ARG_NONE, &o.live, "Only the running domain", NULL },
		{ "persistent", 0, 0, G_OPTION_ARG_NONE, &o.config,
		  "Only the persistent configuration (libvirt's --config)", NULL },
		{ "config", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &old_config,
		  "Deprecated spelling of --persistent", NULL },
		G_OPTION_ENTRY_NULL,
	};
	const gchar *action;

	/* check FILE|- and templates work without libvirt (policy-check.c) */
	if (vtier_cli_policy_check_wants(argc, argv))
		return vtier_cli_policy_check(argc, argv, error);
	if (!vtier_cli_parse(&argc, &argv, "get|set|clear DOMAIN [POLICY-XML]",
			     "Read or write a domain's vtier policy (libvirt metadata, namespace "
			     VTIER_POLICY_XMLNS ").",
			     entries, &o.common, error) ||
	    !vtier_cli_take_deprecated_connect("policy", &old_c, &o.uri, error))
		return FALSE;
	if (old_config) {
		fprintf(stderr, "vtierctl policy: --config is deprecated, use --persistent (--config "
				"names vtierd.conf in every other verb)\n");
		o.config = TRUE;
	}
	if (o.uri == NULL)
		o.uri = vtier_cli_default_libvirt_uri();
	action = argc > 1 ? argv[1] : NULL;
	if (!g_strv_contains((const gchar *const[]){ "get", "set", "clear", NULL },
			     action != NULL ? action : "") ||
	    argc < 3 || argc > (g_strcmp0(action, "set") == 0 ? 4 : 3)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "usage: vtierctl policy get|set|clear DOMAIN [POLICY-XML] (try --help)");
		return FALSE;
	}
	return run(action, argv[2], argc > 3 ? argv[3] : NULL, &o, error);
}
