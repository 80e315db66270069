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
	g_autofree gchar *old_c = NULL;
	gint pid = G_MININT;
	const GOptionEntry entries[] = {
		{ "connect-c", 'c', G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &old_c,
		  "Deprecated spelling of --connect", "URI" },
		{ "connect", 0, 0, G_OPTION_ARG_STRING, &uri,
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

	if (!vtier_cli_parse(&argc, &argv, "", "Show guests.", entries, &common, error) ||
	    !vtier_cli_no_arguments(argc, argv, error) ||
	    !vtier_cli_take_deprecated_connect("guests", &old_c, &uri, error))
		return FALSE;
	if (pid != G_MININT && pid <= 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--pid %d: not a process id", pid);
		return FALSE;
	}
	if (slow != NULL && qmp == NULL && pid == G_MININT) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "--slow-nodes goes with --qmp or --pid");
		return FALSE;
	}
	if (qmp != NULL || pid > 0) {
		if (uri != NULL) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "--connect lists libvirt guests; it does not go with --qmp or "
				    "--pid");
			return FALSE;
		}
		return vtier_cli_guests_qmp(qmp, MAX(pid, 0), slow, common.json, error);
	}
	return vtier_cli_guests_libvirt(uri, common.json, error);
}
