/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include "cli/cli.h"
#include "cli/guests-libvirt.h"
#include "common/error.h"

/* `vtierctl guests [--connect URI]`: the running libvirt guests with pid, memcg and per-node
 * usage. */
gboolean vtier_cli_verb_guests(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *uri = NULL;
	const GOptionEntry entries[] = {
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
		  "List the guests of this libvirt URI (default: [daemon] libvirt_uri of vtierd.conf, qemu:///system)", "URI" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "", "Show guests.", entries, &common, error))
		return FALSE;
	if (argc > 1) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "unexpected argument \"%s\" (try --help)", argv[1]);
		return FALSE;
	}
	return vtier_cli_guests_libvirt(uri, common.json, error);
}
