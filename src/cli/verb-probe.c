/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "tiering/damon/damon-probe.h"

/* `vtierctl probe [--json] [--profile NAME|FILE] [--compare NAME|FILE]`: what this kernel's DAMON
 * offers (probed by file presence and trial writes on a scratch kdamond when the tree is empty),
 * or a built-in profile; --compare exits non-zero when the probe differs from a profile. */
gboolean vtier_cli_verb_probe(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *profile = NULL;
	g_autofree gchar *compare = NULL;
	g_autoptr(VtierDamonFeatures) f = NULL;
	g_autoptr(VtierDamonIo) io = NULL;
	g_autofree gchar *text = NULL;
	const GOptionEntry entries[] = {
		{ "profile", 0, 0, G_OPTION_ARG_STRING, &profile,
		  "Print a built-in kernel profile (6.12, 6.18, 7.3, 7.3+hw-rfc) or a probe JSON file "
		  "instead of probing",
		  "NAME" },
		{ "compare", 0, 0, G_OPTION_ARG_STRING, &compare,
		  "Compare the probe with a profile; fail when they differ", "NAME" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "", "Probe the kernel's DAMON sysfs interface.", entries,
			     &common, error) ||
	    !vtier_cli_no_arguments(argc, argv, error))
		return FALSE;
	if (profile != NULL) {
		f = vtier_damon_features_load(profile, error);
	} else {
		io = vtier_damon_io_new_real();
		f = vtier_damon_probe(io, error);
	}
	if (f == NULL)
		return FALSE;
	text = common.json ? vtier_damon_features_to_data(f) : vtier_damon_features_to_text(f);
	fputs(text, stdout);
	if (compare != NULL) {
		g_autoptr(VtierDamonFeatures) expected = vtier_damon_features_load(compare, error);
		g_autofree gchar *diff = NULL;

		if (expected == NULL)
			return FALSE;
		diff = vtier_damon_features_diff(expected, f);
		if (diff != NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED,
				    "the kernel differs from %s:\n%s", expected->source, diff);
			return FALSE;
		}
		fprintf(stderr, "the kernel matches %s\n", expected->source);
	}
	return TRUE;
}
