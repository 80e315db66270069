/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-config"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/config.h"
#include "metrics/metrics.h"
#include "tiering/policy-units.h"

typedef enum {
	KEY_STRING,
	KEY_BOOLEAN,
	KEY_U64,
	KEY_CHOICE, /* a string out of `choices` */
	KEY_SIZE,   /* a size with an optional unit, as in policies (vtier_policy_parse_size) */
	KEY_LISTEN, /* [metrics] listen, parsed as the server parses it */
} KeyType;

typedef struct {
	const gchar *group;
	const gchar *key;
	KeyType type;
	const gchar *default_value;
	const gchar *choices; /* '|'-separated for KEY_CHOICE */
	const gchar *help;
} KeyInfo;

/* The one table of every key vtier reads. Keep it in step with vtierd.conf(5). */
static const KeyInfo keys[] = {
	{ "daemon", "log_level", KEY_CHOICE, "info", "debug|info|notice|warning",
	  "Least important messages vtierd logs." },
	{ "daemon", "libvirt_uri", KEY_STRING, "qemu:///system", NULL,
	  "libvirt connection URI vtierd discovers guests through." },
	{ "daemon", "control_socket", KEY_STRING, "", NULL,
	  "Path of the control socket (empty: /run/vtier/control; VTIER_CONTROL_SOCKET overrides)." },
	{ "daemon", "control_group", KEY_STRING, "", NULL,
	  "A group whose members may use the control socket besides root (empty: root only)." },
	{ "daemon", "interval_ms", KEY_U64, "1000", NULL,
	  "Controller interval: how often vtierd measures every guest and sets its budgets." },
	{ "daemon", "settled_interval_ms", KEY_U64, "4000", NULL,
	  "Longest interval while every guest holds in its dead-band with nothing pending: it "
	  "doubles from interval_ms up to this and returns to interval_ms on any change (a hot set "
	  "that moves meanwhile is seen up to this much later; below 2 x interval_ms: never "
	  "longer)." },
	{ "damon", "disable_damon_stat", KEY_BOOLEAN, "false", NULL,
	  "Turn the damon_stat module off when it holds DAMON, instead of refusing to start." },
	{ "damon", "vaddr_kdamond", KEY_BOOLEAN, "false", NULL,
	  "Create a second kdamond with a vaddr context for guests in interleave mode." },
	{ "damon", "intervals_autotune", KEY_BOOLEAN, "false", NULL,
	  "Let DAMON tune its sampling intervals (intervals_goal, 6.15+); schemes then apply every "
	  "100 ms, since auto-tuning with a longer apply interval starves them." },
	{ "damon", "stop_on_exit", KEY_BOOLEAN, "false", NULL,
	  "Stop vtier's kdamonds when vtierd exits (default: leave them running with the last plan)." },
	{ "damon", "staged_start", KEY_CHOICE, "auto", "auto|always|never",
	  "Start a kdamond with moving schemes matching nothing for one quota window first: auto "
	  "does so on kernels before 6.18, whose first window may be unlimited." },
	{ "damon", "audit_interval_ms", KEY_U64, "60000", NULL,
	  "How often vtierd reads its kdamonds' files back and repairs what someone else changed "
	  "(0: never)." },
	{ "topology", "fast_nodes", KEY_STRING, "", NULL,
	  "Comma-separated NUMA nodes to treat as fast memory (empty: detect)." },
	{ "topology", "slow_nodes", KEY_STRING, "", NULL,
	  "Comma-separated NUMA nodes to treat as slow memory (empty: detect)." },
	{ "sampler", "mode", KEY_CHOICE, "auto", "auto|ibs|pebs|none",
	  "Hardware access sampler: detect, force AMD IBS Op, Intel PEBS, or none." },
	{ "sampler", "event", KEY_STRING, "", NULL,
	  "libpfm4 event string for the PEBS sampler (empty: MEM_LOAD_RETIRED:L3_MISS)." },
	{ "sampler", "period", KEY_U64, "0", NULL, "Sample period (0: the sampler's default)." },
	{ "sampler", "freq", KEY_U64, "0", NULL, "Sample frequency in Hz (0: the sampler's default)." },
	{ "sampler", "type", KEY_STRING, "", NULL, "Raw perf event type (overrides event=)." },
	{ "sampler", "config", KEY_STRING, "", NULL, "Raw perf event config (with type=)." },
	{ "policy", "default_mode", KEY_CHOICE, "ratio",
	  "ratio|allowance|hot-split|interleave|pin-fast|pin-slow|monitor|off",
	  "Tiering mode for guests whose domain XML carries no vtier policy." },
	{ "policy", "strict", KEY_BOOLEAN, "false", NULL,
	  "Make the libvirt hook refuse to start a guest whose policy is invalid." },
	{ "policy", "respect_numatune", KEY_BOOLEAN, "true", NULL,
	  "Plan nothing for a guest whose <numatune mode=\"strict\"> excludes its slow node." },
	{ "host", "fast_reserve", KEY_SIZE, "0", NULL,
	  "Fast memory kept free for the host, never promised to guests (a size: 4GiB)." },
	{ "metrics", "listen", KEY_LISTEN, "127.0.0.1:9848", NULL,
	  "Address of the Prometheus /metrics endpoint: ADDRESS:PORT, [::1]:PORT, or off." },
};

static const KeyInfo *find_key(const gchar *group, const gchar *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (g_strcmp0(keys[i].group, group) == 0 && g_strcmp0(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

static gboolean group_known(const gchar *group)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (g_strcmp0(keys[i].group, group) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean validate_value(const KeyInfo *info, const gchar *value, const gchar *where,
			       GError **error)
{
	guint64 number;

	switch (info->type) {
	case KEY_STRING:
		return TRUE;
	case KEY_BOOLEAN:
		if (g_strcmp0(value, "true") == 0 || g_strcmp0(value, "false") == 0)
			return TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "%s: [%s] %s=\"%s\" is not a boolean (allowed: true, false)", where,
			    info->group, info->key, value);
		return FALSE;
	case KEY_U64:
		if (vtier_parse_u64(value, info->key, &number, NULL))
			return TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "%s: [%s] %s=\"%s\" is not a non-negative integer", where, info->group,
			    info->key, value);
		return FALSE;
	case KEY_SIZE: {
		g_autoptr(GError) local = NULL;

		if (vtier_policy_parse_size(value, &number, &local))
			return TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "%s: [%s] %s=\"%s\" is not a size: %s", where, info->group, info->key,
			    value, local->message);
		return FALSE;
	}
	case KEY_LISTEN: {
		g_autoptr(GError) local = NULL;

		if (vtier_metrics_parse_listen(value, NULL, &local))
			return TRUE;
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT, "%s: %s", where,
			    local->message);
		return FALSE;
	}
	case KEY_CHOICE: {
		g_auto(GStrv) choices = g_strsplit(info->choices, "|", -1);
		g_autofree gchar *allowed = NULL;

		if (g_strv_contains((const gchar *const *)choices, value))
			return TRUE;
		allowed = g_strjoinv(", ", choices);
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "%s: [%s] %s=\"%s\" is not allowed (allowed: %s)", where, info->group,
			    info->key, value, allowed);
		return FALSE;
	}
	}
	g_assert_not_reached();
}

static gboolean validate_keyfile(GKeyFile *kf, const gchar *where, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

	for (gsize g = 0; groups[g] != NULL; g++) {
		g_auto(GStrv) names = NULL;

		if (!group_known(groups[g])) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "%s: unknown group [%s]", where, groups[g]);
			return FALSE;
		}
		names = g_key_file_get_keys(kf, groups[g], NULL, NULL);
		for (gsize k = 0; names != NULL && names[k] != NULL; k++) {
			const KeyInfo *info = find_key(groups[g], names[k]);
			g_autofree gchar *value = NULL;

			if (info == NULL) {
				g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
					    "%s: unknown key \"%s\" in group [%s]", where,
					    names[k], groups[g]);
				return FALSE;
			}
			value = g_key_file_get_string(kf, groups[g], names[k], NULL);
			if (value == NULL || !validate_value(info, value, where, error))
				return FALSE;
		}
	}
	return TRUE;
}

VtierConfig *vtier_config_new_default(void)
{
	VtierConfig *config = g_new0(VtierConfig, 1);

	config->keyfile = g_key_file_new();
	return config;
}

VtierConfig *vtier_config_load_data(const gchar *data, const gchar *source, GError **error)
{
	g_autoptr(VtierConfig) config = vtier_config_new_default();
	g_autoptr(GError) local = NULL;
	const gchar *where = source != NULL ? source : "configuration";

	if (!g_key_file_load_from_data(config->keyfile, data, -1, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: %s", where,
			    local->message);
		return NULL;
	}
	if (!validate_keyfile(config->keyfile, where, error))
		return NULL;
	config->source = g_strdup(source);
	return g_steal_pointer(&config);
}

VtierConfig *vtier_config_load(const gchar *path, gboolean must_exist, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) local = NULL;
	const gchar *nul;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) && !must_exist)
			return vtier_config_new_default();
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND, "cannot read %s: %s", path,
			    local->message);
		return NULL;
	}
	/* the key file parser would stop at a NUL byte and read the rest as absent */
	nul = memchr(data, '\0', len);
	if (nul != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: a NUL byte at offset %" G_GSIZE_FORMAT " (not a text file)", path,
			    (gsize)(nul - data));
		return NULL;
	}
	return vtier_config_load_data(data, path, error);
}

void vtier_config_free(VtierConfig *config)
{
	if (config == NULL)
		return;
	g_key_file_unref(config->keyfile);
	g_free(config->source);
	g_free(config);
}

static const KeyInfo *lookup_registered(const gchar *group, const gchar *key)
{
	const KeyInfo *info = find_key(group, key);

	if (info == NULL)
		g_critical("configuration key [%s] %s is not registered", group, key);
	return info;
}

gboolean vtier_config_has_key(const VtierConfig *config, const gchar *group, const gchar *key)
{
	return g_key_file_has_key(config->keyfile, group, key, NULL);
}

gchar *vtier_config_get_string(const VtierConfig *config, const gchar *group, const gchar *key)
{
	const KeyInfo *info = lookup_registered(group, key);
	gchar *value = g_key_file_get_string(config->keyfile, group, key, NULL);

	if (value != NULL)
		return value;
	return g_strdup(info != NULL ? info->default_value : "");
}

gboolean vtier_config_get_boolean(const VtierConfig *config, const gchar *group, const gchar *key)
{
	g_autofree gchar *value = vtier_config_get_string(config, group, key);

	return g_strcmp0(value, "true") == 0;
}

guint64 vtier_config_get_size(const VtierConfig *config, const gchar *group, const gchar *key)
{
	g_autofree gchar *value = vtier_config_get_string(config, group, key);
	guint64 bytes = 0;

	if (!vtier_policy_parse_size(value, &bytes, NULL))
		return 0;
	return bytes;
}

guint64 vtier_config_get_u64(const VtierConfig *config, const gchar *group, const gchar *key)
{
	g_autofree gchar *value = vtier_config_get_string(config, group, key);
	guint64 number = 0;

	if (!vtier_parse_u64(value, key, &number, NULL))
		return 0;
	return number;
}

gchar *vtier_config_to_data(const VtierConfig *config)
{
	GString *out = g_string_new(NULL);
	const gchar *group = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *value = vtier_config_get_string(config, keys[i].group, keys[i].key);

		if (g_strcmp0(group, keys[i].group) != 0) {
			g_string_append_printf(out, "%s[%s]\n", group != NULL ? "\n" : "",
					       keys[i].group);
			group = keys[i].group;
		}
		/* a key at its default is commented out: the text reads back the same */
		g_string_append_printf(out, "%s%s=%s\n",
				       vtier_config_has_key(config, keys[i].group, keys[i].key) ? ""
												 : "#",
				       keys[i].key, value);
	}
	return g_string_free(out, FALSE);
}

gchar *vtier_config_render_sample(void)
{
	GString *out = g_string_new("# vtierd.conf: configuration of vtierd(8), see vtierd.conf(5).\n"
				    "# Every key is shown commented out with its default value.\n");
	const gchar *group = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (g_strcmp0(group, keys[i].group) != 0) {
			g_string_append_printf(out, "\n[%s]\n", keys[i].group);
			group = keys[i].group;
		}
		g_string_append_printf(out, "# %s\n", keys[i].help);
		if (keys[i].type == KEY_CHOICE)
			g_string_append_printf(out, "# One of: %s\n", keys[i].choices);
		g_string_append_printf(out, "#%s=%s\n", keys[i].key, keys[i].default_value);
	}
	return g_string_free(out, FALSE);
}

GStrv vtier_config_list_keys(void)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *name = g_strdup_printf("%s.%s", keys[i].group, keys[i].key);

		g_strv_builder_add(builder, name);
	}
	return g_strv_builder_end(builder);
}

JsonNode *vtier_config_to_json(const VtierConfig *config)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	const gchar *group = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "source");
	if (config->source != NULL)
		json_builder_add_string_value(b, config->source);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "settings");
	json_builder_begin_object(b);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (g_strcmp0(group, keys[i].group) != 0) {
			if (group != NULL)
				json_builder_end_object(b);
			group = keys[i].group;
			json_builder_set_member_name(b, group);
			json_builder_begin_object(b);
		}
		json_builder_set_member_name(b, keys[i].key);
		if (keys[i].type == KEY_BOOLEAN)
			json_builder_add_boolean_value(
				b, vtier_config_get_boolean(config, group, keys[i].key));
		else if (keys[i].type == KEY_U64)
			json_builder_add_int_value(
				b, (gint64)MIN(vtier_config_get_u64(config, group, keys[i].key),
					       (guint64)G_MAXINT64));
		else {
			g_autofree gchar *value = vtier_config_get_string(config, group, keys[i].key);

			json_builder_add_string_value(b, value);
		}
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "defaults");
	json_builder_begin_array(b);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *name = g_strdup_printf("%s.%s", keys[i].group, keys[i].key);

		if (!vtier_config_has_key(config, keys[i].group, keys[i].key))
			json_builder_add_string_value(b, name);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
