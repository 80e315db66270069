/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* `vtierctl guests --qmp SOCKET` / `--pid PID`: the guest record of a QEMU that libvirt does not
 * manage (src/qmp/guest-source.h), printed as text or JSON. @slow_nodes (a node list, "2,3" or "2-3";
 * NULL: the host topology's slow nodes) names the slow host nodes, to warn about backends bound
 * only to them. Exactly one
 * of @qmp_socket and @pid (> 0) is given. */
gboolean vtier_cli_guests_qmp(const gchar *qmp_socket, gint pid, const gchar *slow_nodes,
			      gboolean json, GError **error);
