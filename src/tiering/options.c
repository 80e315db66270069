/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-options"

#include "config.h"

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "tiering/options.h"

void vtier_options_init(VtierOptions *options)
{
	*options = (VtierOptions){ 0 };
	vtier_plan_options_init(&options->plan);
}

void vtier_options_clear(VtierOptions *options)
{
	vtier_topology_options_clear(&options->topology);
	vtier_sampler_options_clear(&options->sampler);
	g_clear_pointer(&options->libvirt_uri, g_free);
}

static gchar *get_nonempty(const VtierConfig *config, const gchar *group, const gchar *key)
{
	gchar *value = vtier_config_get_string(config, group, key);

	if (value[0] != '\0')
		return value;
	g_free(value);
	return NULL;
}

static gboolean map_sampler(const VtierConfig *config, VtierSamplerOptions *o, GError **error)
{
	g_autofree gchar *type = vtier_config_get_string(config, "sampler", "type");
	g_autofree gchar *cfg = vtier_config_get_string(config, "sampler", "config");

	o->mode = vtier_config_get_string(config, "sampler", "mode");
	o->event = get_nonempty(config, "sampler", "event");
	o->period = vtier_config_get_u64(config, "sampler", "period");
	o->freq = vtier_config_get_u64(config, "sampler", "freq");
	if ((type[0] == '\0') != (cfg[0] == '\0')) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[sampler] type= and config= must be set together (type=\"%s\" "
			    "config=\"%s\")",
			    type, cfg);
		return FALSE;
	}
	if (type[0] != '\0') {
		o->has_raw = TRUE;
		if (!vtier_parse_u64(type, "[sampler] type", &o->raw_type, error) ||
		    !vtier_parse_u64(cfg, "[sampler] config", &o->raw_config, error))
			return FALSE;
	}
	return vtier_sampler_options_check(o, error);
}

static gboolean map_plan(const VtierConfig *config, VtierPlanOptions *o, GError **error)
{
	g_autofree gchar *mode = vtier_config_get_string(config, "policy", "default_mode");

	vtier_plan_options_init(o);
	o->intervals_autotune = vtier_config_get_boolean(config, "damon", "intervals_autotune");
	o->vaddr_kdamond = vtier_config_get_boolean(config, "damon", "vaddr_kdamond");
	o->strict = vtier_config_get_boolean(config, "policy", "strict");
	o->respect_numatune = vtier_config_get_boolean(config, "policy", "respect_numatune");
	if (!vtier_policy_mode_from_string(mode, &o->default_mode)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[policy] default_mode=\"%s\" is not a mode", mode);
		return FALSE;
	}
	return TRUE;
}

gboolean vtier_config_to_options(const VtierConfig *config, VtierOptions *ret, GError **error)
{
	const gchar *where = config->source != NULL ? config->source : "configuration";

	vtier_options_clear(ret);
	vtier_options_init(ret);
	ret->topology.fast_nodes = get_nonempty(config, "topology", "fast_nodes");
	ret->topology.slow_nodes = get_nonempty(config, "topology", "slow_nodes");
	ret->libvirt_uri = vtier_config_get_string(config, "daemon", "libvirt_uri");
	if (!vtier_topology_options_check(&ret->topology, error) ||
	    !map_sampler(config, &ret->sampler, error) || !map_plan(config, &ret->plan, error)) {
		g_prefix_error(error, "%s: ", where);
		return FALSE;
	}
	return TRUE;
}

gboolean vtier_options_load(const gchar *path, VtierConfig **ret_config, VtierOptions *ret,
			    GError **error)
{
	g_autoptr(VtierConfig) config = NULL;

	if (path == NULL) {
		g_autofree gchar *installed = vtier_path_build(VTIER_PATH_CONFIG, NULL);

		config = vtier_config_load(installed, FALSE, error);
	} else
		config = vtier_config_load(path, TRUE, error);
	if (config == NULL || !vtier_config_to_options(config, ret, error))
		return FALSE;
	if (ret_config != NULL)
		*ret_config = g_steal_pointer(&config);
	return TRUE;
}

gboolean vtier_options_check_host(const VtierOptions *options, GError **error)
{
	g_autoptr(VtierTopology) topology = vtier_topology_load(&options->topology, error);
	g_autoptr(VtierSampler) sampler = NULL;

	if (topology == NULL)
		return FALSE;
	sampler = vtier_sampler_detect(&options->sampler, error);
	return sampler != NULL;
}
