/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* vtierd.conf (GKeyFile): the key-file loader every part shares. The mapping onto each part's
 * typed options (and the checks of what keys mean together) is vtier_config_to_options() in
 * src/tiering/options.h, which every consumer loads through. Every key has a default here and a
 * commented-out line in the shipped
 * sample config; unknown groups and keys are errors, so a typo never silently does nothing.
 * Each part of vtier registers the keys it reads in the table in config.c. */
typedef struct {
	GKeyFile *keyfile; /* validated; absent keys fall back to the defaults table */
	gchar *source;	   /* the file it came from, or NULL for built-in defaults */
} VtierConfig;

VtierConfig *vtier_config_new_default(void);
/* Loads and validates @path. A missing file is an error only when @must_exist. */
VtierConfig *vtier_config_load(const gchar *path, gboolean must_exist, GError **error);
VtierConfig *vtier_config_load_data(const gchar *data, const gchar *source, GError **error);
void vtier_config_free(VtierConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierConfig, vtier_config_free)

/* Typed getters. The group/key must be registered; values were validated at load time. */
gchar *vtier_config_get_string(const VtierConfig *config, const gchar *group, const gchar *key);
gboolean vtier_config_get_boolean(const VtierConfig *config, const gchar *group, const gchar *key);
guint64 vtier_config_get_u64(const VtierConfig *config, const gchar *group, const gchar *key);
/* A KEY_SIZE value in bytes. */
guint64 vtier_config_get_size(const VtierConfig *config, const gchar *group, const gchar *key);
/* Whether the file sets the key explicitly (rather than falling back to the default). */
gboolean vtier_config_has_key(const VtierConfig *config, const gchar *group, const gchar *key);

/* The effective configuration as a key file text, every key with its value; a key at its default
 * is commented out ("#key=value"), so the text loads back to the same configuration. */
gchar *vtier_config_to_data(const VtierConfig *config);
/* The same as JSON: {"source": FILE|null, "settings": {GROUP: {KEY: VALUE}}, "defaults":
 * ["group.key", ...]} with booleans and integers typed. */
JsonNode *vtier_config_to_json(const VtierConfig *config);
/* Every registered key as "group.key", in table order (for docs checks and completion). */
GStrv vtier_config_list_keys(void);
/* The sample vtierd.conf: every key commented out with its default and its description. */
gchar *vtier_config_render_sample(void);
