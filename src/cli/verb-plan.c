/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/guests-libvirt.h"
#include "common/error.h"
#include "common/escape.h"
#include "tiering/options.h"
#include "tiering/plan-input.h"
#include "tiering/planner.h"
#include "tiering/policy.h"
#include "virt/domain-xml.h"
#include "virt/memcg.h"

/* `vtierctl plan`: prints the DAMON plan vtierd would apply for some guests on a host (a fixture
 * sysroot or this one), for a kernel profile or `vtierctl probe --json` output, without touching
 * any kernel. The guests go through the same vtier_plan_input_guests() as vtierd's. */

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

static gboolean has_control(const gchar *text)
{
	for (const gchar *p = text; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return TRUE;
	}
	return FALSE;
}

/* --memcg NAME=PATH: well formed, one line, each NAME once. */
static gboolean check_memcg_options(const PlanOptions *o, GError **error)
{
	for (guint i = 0; o->memcgs != NULL && o->memcgs[i] != NULL; i++) {
		const gchar *eq = strchr(o->memcgs[i], '=');
		g_autofree gchar *shown = g_strescape(o->memcgs[i], NULL);

		if (eq != NULL && has_control(eq)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--memcg \"%s\": the path holds a control character", shown);
			return FALSE;
		}
		if (eq == NULL || eq == o->memcgs[i] || eq[1] != '/') {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--memcg \"%s\": expected NAME=PATH with PATH from the cgroup "
				    "root, e.g. vm1=/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope",
				    shown);
			return FALSE;
		}
		for (guint j = 0; j < i; j++) {
			gsize len = (gsize)(eq - o->memcgs[i]) + 1;

			if (strncmp(o->memcgs[j], o->memcgs[i], len) != 0)
				continue;
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--memcg \"%s\" and --memcg \"%s\" name the same guest",
				    o->memcgs[j], shown);
			return FALSE;
		}
	}
	return TRUE;
}

/* The --memcg PATH given for @name, or NULL. */
static const gchar *memcg_option(const PlanOptions *o, const gchar *name)
{
	gsize len = strlen(name);

	for (guint i = 0; o->memcgs != NULL && o->memcgs[i] != NULL; i++) {
		if (strncmp(o->memcgs[i], name, len) == 0 && o->memcgs[i][len] == '=')
			return o->memcgs[i] + len + 1;
	}
	return NULL;
}

/* Every --memcg names a guest being planned. */
static gboolean check_memcg_names(const PlanOptions *o, GPtrArray *guests, GError **error)
{
	for (guint i = 0; o->memcgs != NULL && o->memcgs[i] != NULL; i++) {
		g_autofree gchar *name = g_strndup(o->memcgs[i], strchr(o->memcgs[i], '=') -
								     o->memcgs[i]);
		gboolean found = FALSE;

		for (guint g = 0; g < guests->len && !found; g++)
			found = g_str_equal(((VtierGuest *)guests->pdata[g])->name, name);
		if (!found) {
			g_autofree gchar *shown = g_strescape(o->memcgs[i], NULL);

			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--memcg \"%s\": no guest named \"%s\" is being planned", shown,
				    name);
			return FALSE;
		}
	}
	return TRUE;
}

/* pid from the sysroot's libvirt pid file; memcg from --memcg, else from that pid. A guest whose
 * memcg cannot be found stays without one: the planner refuses it, naming what is missing. */
static void resolve_file_guest(const PlanOptions *o, VtierGuest *guest)
{
	g_autoptr(GError) local = NULL;
	const gchar *memcg = memcg_option(o, guest->name);
	VtierCgroupVersion version;
	gint pid = 0;

	if (vtier_memcg_read_libvirt_pid(guest->name, &pid, NULL))
		guest->pid = pid;
	g_clear_pointer(&guest->memcg_path, g_free);
	if (memcg != NULL)
		guest->memcg_path = g_strdup(memcg);
	else if (guest->pid > 0 &&
		 !vtier_memcg_resolve(guest->pid, &version, &guest->memcg_path, &local))
		g_debug("%s", local->message);
}

/* The --domain files as guest records; the same file twice is an error naming both spellings. */
static GPtrArray *read_domain_files(const PlanOptions *o, GError **error)
{
	g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_guest_free);
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; o->domains[i] != NULL; i++) {
		g_autofree gchar *text = NULL;
		gsize len = 0;
		gchar *real = realpath(o->domains[i], NULL);
		VtierGuest *guest;

		g_ptr_array_add(seen, real != NULL ? real : g_strdup(o->domains[i]));
		for (guint j = 0; j < i; j++) {
			if (g_str_equal(seen->pdata[j], seen->pdata[i])) {
				g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
					    "--domain %s and --domain %s are the same file",
					    o->domains[j], o->domains[i]);
				return NULL;
			}
		}
		if (!g_file_get_contents(o->domains[i], &text, &len, error))
			return NULL;
		guest = vtier_domain_xml_parse(text, len, NULL, error);
		if (guest == NULL) {
			g_prefix_error(error, "%s: ", o->domains[i]);
			return NULL;
		}
		resolve_file_guest(o, guest);
		g_ptr_array_add(guests, guest);
	}
	return g_steal_pointer(&guests);
}

/* The guests to plan: the --domain files, or the running domains of --connect. */
static GPtrArray *collect_guests(const PlanOptions *o, GError **error)
{
	g_autoptr(GPtrArray) guests = NULL;

	if (o->connect != NULL && o->domains != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "use either --domain FILE or --connect URI, not both");
		return NULL;
	}
	if (o->connect == NULL && o->domains == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "no guests: give --domain FILE.xml (repeatable) or --connect URI");
		return NULL;
	}
	if (o->connect != NULL) {
		guests = vtier_cli_libvirt_guests(o->connect, error);
		for (guint i = 0; guests != NULL && i < guests->len; i++) {
			VtierGuest *guest = guests->pdata[i];
			const gchar *memcg = memcg_option(o, guest->name);

			if (memcg != NULL) {
				g_free(guest->memcg_path);
				guest->memcg_path = g_strdup(memcg);
			}
		}
	} else {
		guests = read_domain_files(o, error);
	}
	if (guests == NULL || !check_memcg_names(o, guests, error))
		return NULL;
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

/* -f means --file in every verb (policy set -f FILE); plan once spelled --format -f. */
static gboolean take_deprecated_format(gchar **old, PlanOptions *o, GError **error)
{
	if (*old == NULL)
		return TRUE;
	if (o->format != NULL)
		return vtier_cli_usage_error(error, "-f %s and --format %s: give --format once", *old,
					     o->format);
	fprintf(stderr, "vtierctl plan: -f FORMAT is deprecated, use --format FORMAT (-f means "
			"--file in every verb)\n");
	o->format = g_steal_pointer(old);
	return TRUE;
}

static gboolean check_usage(int argc, char **argv, const PlanOptions *o, gboolean json,
			    GError **error)
{
	if (!vtier_cli_no_arguments(argc, argv, error))
		return FALSE;
	if (o->format != NULL && !g_str_equal(o->format, "shell") && !g_str_equal(o->format, "json")) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--format \"%s\": allowed: shell, json", o->format);
		return FALSE;
	}
	if (json && g_strcmp0(o->format, "shell") == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--format=shell and --json contradict each other");
		return FALSE;
	}
	if (o->kernel_features == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--kernel-features PROFILE|FILE is required (profiles: 6.12, 6.18, "
			    "7.3, 7.3+hw-rfc; FILE: `vtierctl probe --json` output)");
		return FALSE;
	}
	return check_memcg_options(o, error);
}

/* The configuration (-c FILE, else the built-in defaults), kernel, topology and sampler. */
static gboolean load_host(const PlanOptions *o, VtierOptions *options,
			  VtierDamonFeatures **ret_features, VtierTopology **ret_topology,
			  VtierSampler **ret_sampler, GError **error)
{
	vtier_options_init(options);
	if (o->config_path != NULL && !vtier_options_load(o->config_path, NULL, options, error))
		return FALSE;
	*ret_features = vtier_damon_features_load(o->kernel_features, error);
	if (*ret_features == NULL)
		return FALSE;
	*ret_topology = vtier_topology_load(&options->topology, error);
	if (*ret_topology == NULL)
		return FALSE;
	*ret_sampler = vtier_sampler_detect(&options->sampler, error);
	return *ret_sampler != NULL;
}

static GPtrArray *plan_guests(const PlanOptions *o, const VtierOptions *options,
			      const VtierTopology *topology, GError **error)
{
	g_autoptr(VtierPolicyStore) store = vtier_policy_store_new(o->policy_dir, error);
	g_autoptr(GPtrArray) guests = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *out;

	if (store == NULL)
		return NULL;
	guests = collect_guests(o, error);
	if (guests == NULL)
		return NULL;
	out = vtier_plan_input_guests(guests, topology, store, &options->plan, warnings, error);
	for (guint i = 0; i < warnings->len; i++) {
		g_autofree gchar *line = vtier_escape_log(warnings->pdata[i]);

		fprintf(stderr, "vtierctl plan: %s\n", line);
	}
	return out;
}

gboolean vtier_cli_verb_plan(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_auto(PlanOptions) o = { 0 };
	g_auto(VtierOptions) options = { 0 };
	g_autofree gchar *old_f = NULL;
	g_autoptr(VtierDamonFeatures) features = NULL;
	g_autoptr(VtierTopology) topology = NULL;
	g_autoptr(VtierSampler) sampler = NULL;
	g_autoptr(GPtrArray) guests = NULL;
	g_autoptr(VtierPlan) plan = NULL;
	VtierPlanInput input = { 0 };
	const GOptionEntry entries[] = {
		{ "kernel-features", 'k', 0, G_OPTION_ARG_STRING, &o.kernel_features,
		  "Kernel profile (6.12, 6.18, 7.3, 7.3+hw-rfc) or `vtierctl probe --json` output",
		  "PROFILE|FILE" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config_path,
		  "vtierd.conf to plan with (default: built-in defaults)", "FILE" },
		{ "format-f", 'f', G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &old_f,
		  "Deprecated spelling of --format", "FORMAT" },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &o.format,
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
			     entries, &common, error) ||
	    !take_deprecated_format(&old_f, &o, error) ||
	    !check_usage(argc, argv, &o, common.json, error) ||
	    !load_host(&o, &options, &features, &topology, &sampler, error))
		return FALSE;
	guests = plan_guests(&o, &options, topology, error);
	if (guests == NULL)
		return FALSE;
	input.topology = topology;
	input.features = features;
	input.sampler = sampler;
	input.options = &options.plan;
	input.guests = guests;
	plan = vtier_planner_plan(&input, error);
	if (plan == NULL)
		return FALSE;
	return print_plan(plan, features, common.json || g_strcmp0(o.format, "json") == 0, error);
}
