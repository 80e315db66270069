/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plan-input.h"
#include "common/error.h"
#include "common/escape.h"
#include "daemon/config.h"
#include "tiering/planner.h"
#include "tiering/policy.h"
#include "virt/domain-xml.h"
#include "virt/memcg.h"

/* `vtierctl plan`: prints the DAMON plan vtierd would apply for some guests on a host (a fixture
 * sysroot or this one), for a kernel profile or `vtierctl probe --json` output, without touching
 * any kernel. */

typedef struct {
	gchar *kernel_features;
	gchar *config_path;
	gchar *format;
	gchar **domains;
	gchar **memcgs;
	gchar *connect;
	gchar *policy_dir;
} PlanOptions;

static void plan_options_clear(PlanOptions *o)
{
	g_free(o->kernel_features);
	g_free(o->config_path);
	g_free(o->format);
	g_strfreev(o->domains);
	g_strfreev(o->memcgs);
	g_free(o->connect);
	g_free(o->policy_dir);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlanOptions, plan_options_clear)

/* --memcg NAME=PATH, else the memcg of the sysroot's libvirt pid (src/virt/memcg.h). */
static gchar *guest_memcg(const PlanOptions *o, const gchar *name, gint pid, GError **error)
{
	g_autofree gchar *prefix = g_strdup_printf("%s=", name);
	VtierCgroupVersion version;
	gchar *path = NULL;

	for (guint i = 0; o->memcgs != NULL && o->memcgs[i] != NULL; i++) {
		if (g_str_has_prefix(o->memcgs[i], prefix))
			return g_strdup(o->memcgs[i] + strlen(prefix));
	}
	if (pid <= 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND,
			    "guest \"%s\" is not running below the sysroot (no "
			    "run/libvirt/qemu/%s.pid)",
			    name, name);
		return NULL;
	}
	if (!vtier_memcg_resolve(pid, &version, &path, error))
		return NULL;
	return path;
}

static gint guest_pid(const gchar *name)
{
	gint pid = 0;

	if (!vtier_memcg_read_libvirt_pid(name, &pid, NULL))
		return 0;
	return pid;
}

static gboolean check_memcg_options(const PlanOptions *o, GError **error)
{
	for (guint i = 0; o->memcgs != NULL && o->memcgs[i] != NULL; i++) {
		const gchar *eq = strchr(o->memcgs[i], '=');
		gboolean control = FALSE;

		for (const gchar *p = eq != NULL ? eq : ""; *p != '\0'; p++)
			control |= (guchar)*p < 0x20 || *p == 0x7f;
		if (control) {
			g_autofree gchar *shown = g_strescape(o->memcgs[i], NULL);

			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--memcg \"%s\": the path holds a control character", shown);
			return FALSE;
		}
		if (eq == NULL || eq == o->memcgs[i] || eq[1] != '/') {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--memcg \"%s\": expected NAME=PATH with PATH from the cgroup "
				    "root, e.g. vm1=/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope",
				    o->memcgs[i]);
			return FALSE;
		}
	}
	return TRUE;
}

/* One domain -> planner input: its policy resolved (a rejected policy falls back to the host
 * default with a warning, or fails with [policy] strict=true), pid, memcg, bound nodes. */
static VtierPlanGuest *plan_guest(const PlanOptions *o, const VtierPolicyStore *store,
				  const VtierConfig *config, VtierGuest *d, GError **error)
{
	g_autofree gchar *mode_text = vtier_config_get_string(config, "policy", "default_mode");
	VtierPolicyMode mode = VTIER_POLICY_MODE_RATIO;
	g_autoptr(VtierPolicy) policy = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *memcg = NULL;
	gint pid = guest_pid(d->name);

	vtier_policy_mode_from_string(mode_text, &mode);
	policy = vtier_policy_resolve(store, d->name, d->memory_bytes, d->policy_xml, mode, &local);
	if (policy == NULL) {
		if (vtier_config_get_boolean(config, "policy", "strict")) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		g_autofree gchar *message = vtier_escape_log(local->message);

		fprintf(stderr, "vtierctl plan: %s; using the host default (mode %s)\n", message,
			mode_text);
		policy = vtier_policy_resolve(store, d->name, d->memory_bytes, NULL, mode, error);
		if (policy == NULL)
			return NULL;
	}
	g_clear_error(&local);
	memcg = guest_memcg(o, d->name, pid, &local);
	if (memcg == NULL)
		g_debug("%s", local->message);
	g_free(d->memcg_path);
	d->memcg_path = g_steal_pointer(&memcg);
	d->pid = pid;
	return vtier_plan_guest_new_from_guest(d, policy);
}

/* Every domain's (source, XML text): the --domain files, or the running domains of --connect. */
static gboolean collect_domains(const PlanOptions *o, GPtrArray *sources, GPtrArray *texts,
				GError **error)
{
	g_autoptr(GPtrArray) xmls = NULL;

	if (o->connect != NULL && o->domains != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "use either --domain FILE or --connect URI, not both");
		return FALSE;
	}
	if (o->connect != NULL) {
		xmls = vtier_cli_connect_domains(o->connect, error);
		if (xmls == NULL)
			return FALSE;
		for (guint i = 0; i < xmls->len; i++) {
			g_ptr_array_add(sources, g_strdup_printf("%s domain %u", o->connect, i));
			g_ptr_array_add(texts, g_strdup(g_ptr_array_index(xmls, i)));
		}
		return TRUE;
	}
	for (guint i = 0; o->domains != NULL && o->domains[i] != NULL; i++) {
		gchar *text = NULL;

		if (!g_file_get_contents(o->domains[i], &text, NULL, error))
			return FALSE;
		g_ptr_array_add(sources, g_strdup(o->domains[i]));
		g_ptr_array_add(texts, text);
	}
	return TRUE;
}

static GPtrArray *read_domains(const PlanOptions *o, const VtierPolicyStore *store,
			       const VtierConfig *config, GError **error)
{
	g_autoptr(GPtrArray) guests =
		g_ptr_array_new_with_free_func((GDestroyNotify)vtier_plan_guest_free);
	g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);

	if (!collect_domains(o, sources, texts, error))
		return NULL;
	for (guint i = 0; i < texts->len; i++) {
		const gchar *text = g_ptr_array_index(texts, i);
		g_autoptr(VtierGuest) d = vtier_domain_xml_parse(text, strlen(text), NULL, error);
		VtierPlanGuest *guest;

		if (d == NULL) {
			g_prefix_error(error, "%s: ", (const gchar *)g_ptr_array_index(sources, i));
			return NULL;
		}
		guest = plan_guest(o, store, config, d, error);
		if (guest == NULL)
			return NULL;
		g_ptr_array_add(guests, guest);
	}
	return g_steal_pointer(&guests);
}

static gboolean print_plan(const VtierPlan *plan, const VtierDamonFeatures *features,
			   gboolean json, GError **error)
{
	g_autofree gchar *text = NULL;

	if (json)
		text = vtier_plan_to_data(plan);
	else
		text = vtier_plan_to_shell(plan, features, error);
	if (text == NULL)
		return FALSE;
	fputs(text, stdout);
	return TRUE;
}

static gboolean load_inputs(const PlanOptions *o, VtierConfig **ret_config,
			    VtierDamonFeatures **ret_features, VtierTopology **ret_topology,
			    VtierSampler **ret_sampler, GError **error)
{
	if (o->kernel_features == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--kernel-features PROFILE|FILE is required (profiles: 6.12, 6.18, "
			    "7.3, 7.3+hw-rfc; FILE: `vtierctl probe --json` output)");
		return FALSE;
	}
	*ret_config = o->config_path ? vtier_config_load(o->config_path, TRUE, error)
				     : vtier_config_new_default();
	if (*ret_config == NULL)
		return FALSE;
	*ret_features = vtier_damon_features_load(o->kernel_features, error);
	if (*ret_features == NULL)
		return FALSE;
	*ret_topology = vtier_topology_load(*ret_config, error);
	if (*ret_topology == NULL)
		return FALSE;
	*ret_sampler = vtier_sampler_detect(*ret_config, error);
	return *ret_sampler != NULL;
}

gboolean vtier_cli_verb_plan(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_auto(PlanOptions) o = { 0 };
	g_autoptr(VtierConfig) config = NULL;
	g_autoptr(VtierDamonFeatures) features = NULL;
	g_autoptr(VtierTopology) topology = NULL;
	g_autoptr(VtierSampler) sampler = NULL;
	g_autoptr(VtierPolicyStore) store = NULL;
	g_autoptr(GPtrArray) guests = NULL;
	g_autoptr(VtierPlan) plan = NULL;
	VtierPlanInput input = { 0 };
	const GOptionEntry entries[] = {
		{ "kernel-features", 'k', 0, G_OPTION_ARG_STRING, &o.kernel_features,
		  "Kernel profile (6.12, 6.18, 7.3, 7.3+hw-rfc) or `vtierctl probe --json` output",
		  "PROFILE|FILE" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config_path,
		  "vtierd.conf to plan with (default: built-in defaults)", "FILE" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &o.format,
		  "shell (the sysfs writes, default) or json", "FORMAT" },
		{ "domain", 'd', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.domains,
		  "A libvirt domain XML (repeatable)", "FILE.xml" },
		{ "connect", 0, 0, G_OPTION_ARG_STRING, &o.connect,
		  "Plan the running domains of a libvirt URI (read-only)", "URI" },
		{ "memcg", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &o.memcgs,
		  "A guest's memory cgroup (repeatable)", "NAME=PATH" },
		{ "policy-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.policy_dir,
		  "Policy schema and templates (default: $VTIER_POLICY_DIR or " VTIER_POLICYDIR ")",
		  "DIR" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "",
			     "Print the DAMON plan for some guests without touching any kernel.",
			     entries, &common, error))
		return FALSE;
	if (o.format != NULL && g_strcmp0(o.format, "shell") != 0 &&
	    g_strcmp0(o.format, "json") != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--format \"%s\": allowed: shell, json", o.format);
		return FALSE;
	}
	if (!check_memcg_options(&o, error) ||
	    !load_inputs(&o, &config, &features, &topology, &sampler, error))
		return FALSE;
	store = vtier_policy_store_new(o.policy_dir, error);
	if (store == NULL)
		return FALSE;
	guests = read_domains(&o, store, config, error);
	if (guests == NULL)
		return FALSE;
	input.topology = topology;
	input.features = features;
	input.sampler = sampler;
	input.config = config;
	input.guests = guests;
	plan = vtier_planner_plan(&input, error);
	if (plan == NULL)
		return FALSE;
	return print_plan(plan, features, common.json || g_strcmp0(o.format, "json") == 0, error);
}
