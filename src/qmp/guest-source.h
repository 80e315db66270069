/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "qmp/client.h"
#include "virt/guest.h"

/* A guest source for QEMU processes that libvirt does not manage (started by hand or by another
 * tool). It produces the same VtierGuest record as the libvirt source:
 *  - from a QMP socket: the pid from the socket's peer credentials (SO_PEERCRED), the name from
 *    query-name, the memory from query-memory-size-summary, the backends from query-memdev
 *    (source VTIER_GUEST_SOURCE_QMP);
 *  - from a bare pid: /proc/PID/cmdline (through the sysroot): -name, -m, -object memory-backend-*,
 *    and the -qmp socket when it has one (source VTIER_GUEST_SOURCE_PID).
 * A QEMU without -name is called "qemu-PID". Both fill the memcg and per-node usage through the
 * memcg resolver (src/virt/memcg.h) when they can be found. */

/* @ret_qmp_socket (optional): the QMP socket path from the command line, or NULL. */
VtierGuest *vtier_qmp_guest_from_pid(gint pid, gchar **ret_qmp_socket, GError **error);

void vtier_qmp_guest_from_socket_async(const gchar *path, guint timeout_ms,
				       GCancellable *cancellable, GAsyncReadyCallback callback,
				       gpointer user_data);
VtierGuest *vtier_qmp_guest_from_socket_finish(GAsyncResult *result, GError **error);

/* The same from an already connected (handshaken) client. */
void vtier_qmp_guest_from_client_async(VtierQmpClient *client, GCancellable *cancellable,
				       GAsyncReadyCallback callback, gpointer user_data);
VtierGuest *vtier_qmp_guest_from_client_finish(VtierQmpClient *client, GAsyncResult *result,
					       GError **error);
