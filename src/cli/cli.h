/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* A vtierctl verb: parses its own options from argv (argv[0] is the verb) and returns the exit
 * status. Verbs print their result on stdout and leave error reporting to vtierctl's main. */
typedef struct {
	const gchar *name;
	const gchar *summary;
	gboolean (*run)(int argc, char **argv, GError **error);
} VtierCliVerb;

/* Shared option entries every verb accepts: --sysroot DIR and --json. */
typedef struct {
	gchar *sysroot;
	gboolean json;
} VtierCliCommon;

/* Parses @entries plus the common options; on success applies --sysroot. */
gboolean vtier_cli_parse(int *argc, char ***argv, const gchar *parameter_string,
			 const gchar *summary, const GOptionEntry *entries, VtierCliCommon *common,
			 GError **error);
void vtier_cli_common_clear(VtierCliCommon *common);
/* -c means --config in every verb. guests and policy once spelled --connect -c: their hidden
 * "-c URI" still works, with this note on stderr. Moves *@old into *@uri (unless --connect was
 * given too: a usage error). */
gboolean vtier_cli_take_deprecated_connect(const gchar *verb, gchar **old, gchar **uri,
					  GError **error);
/* Fails with a usage error when argv (after parsing) holds more than the verb's name. */
gboolean vtier_cli_no_arguments(int argc, char **argv, GError **error);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierCliCommon, vtier_cli_common_clear)

/* Verbs, one file each (src/cli/verb-NAME.c), grouped by the part they belong to. */
gboolean vtier_cli_verb_version(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_config(int argc, char **argv, GError **error);

/* topology and sampler verbs */
gboolean vtier_cli_verb_topology(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_sampler(int argc, char **argv, GError **error);

/* DAMON verbs */
gboolean vtier_cli_verb_probe(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_damon(int argc, char **argv, GError **error);

/* planner verbs */
gboolean vtier_cli_verb_plan(int argc, char **argv, GError **error);

/* guest verbs */
gboolean vtier_cli_verb_guests(int argc, char **argv, GError **error);
gboolean vtier_cli_verb_policy(int argc, char **argv, GError **error);
