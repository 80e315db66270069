/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include "cli/cli.h"
#include "cli/guests-libvirt.h"
#include "cli/guests-qmp.h"
#include "common/error.h"

/* `vtierctl guests [--connect URI]`: the running libvirt guests with pid, memcg and per-node
 * usage. `--qmp SOCKET` / `--pid PID`: one QEMU that libvirt does not manage (src/qmp/). */
gboolean vtier_cli_verb_guests(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *uri = NULL;
	g_autofree gchar *qmp = NULL;
	g_autofree gchar *slow = NULL;
	gint pid = 0;
	const GOptionEntry entries[] = {
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
		  "List the guests of this libvirt URI (default: [daemon] libvirt_uri of vtierd.conf, qemu:///system)", "URI" },
		{ "qmp", 0, 0, G_OPTION_ARG_FILENAME, &qmp,
		  "Describe the QEMU (not managed by libvirt) on this QMP unix socket", "SOCKET" },
		{ "pid", 0, 0, G_OPTION_ARG_INT, &pid,
		  "Describe the QEMU process PID (not managed by libvirt) from its command line",
		  "PID" },
		{ "slow-nodes", 0, 0, G_OPTION_ARG_STRING, &slow,
		  "With --qmp/--pid: slow host nodes for the policy=bind warning (default: the "
		  "topology's)", "LIST" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "", "Show guests.", entries, &common, error))
		return FALSE;
	if (argc > 1) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "unexpected argument \"%s\" (try --help)", argv[1]);
		return FALSE;
	}
	if (qmp != NULL || pid > 0) {
		if (uri != NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--connect lists libvirt guests; it does not go with --qmp or "
				    "--pid");
			return FALSE;
		}
		return vtier_cli_guests_qmp(qmp, pid, slow, common.json, error);
	}
	return vtier_cli_guests_libvirt(uri, common.json, error);
}
