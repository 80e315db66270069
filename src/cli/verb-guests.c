/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include "cli/cli.h"
#include "cli/guests-qmp.h"
#include "common/error.h"

/* `vtierctl guests`: for now only QEMUs outside libvirt (--qmp SOCKET or --pid PID); the libvirt
 * listing joins it when the libvirt source lands. */
gboolean vtier_cli_verb_guests(int argc, char **argv, GError **error)
{
	g_auto(VtierCliCommon) common = { 0 };
	g_autofree gchar *qmp = NULL;
	g_autofree gchar *slow = NULL;
	gint pid = 0;
	const GOptionEntry entries[] = {
		{ "qmp", 0, 0, G_OPTION_ARG_FILENAME, &qmp,
		  "Describe the QEMU listening on this QMP unix socket", "SOCKET" },
		{ "pid", 0, 0, G_OPTION_ARG_INT, &pid,
		  "Describe the QEMU process PID from its command line", "PID" },
		{ "slow-nodes", 0, 0, G_OPTION_ARG_STRING, &slow,
		  "Warn about backends bound (policy=bind) only to these host nodes", "LIST" },
		G_OPTION_ENTRY_NULL,
	};

	if (!vtier_cli_parse(&argc, &argv, "", "Show guests.", entries, &common, error))
		return FALSE;
	if (qmp == NULL && pid <= 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "listing libvirt guests is not available in this build: give --qmp "
			    "SOCKET or --pid PID");
		return FALSE;
	}
	return vtier_cli_guests_qmp(qmp, pid, slow, common.json, error);
}
