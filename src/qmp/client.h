/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>

/* An asynchronous QMP client on the GLib main loop.
 *
 * Two transports: a QMP stream (QEMU's `-qmp unix:PATH,server=on,wait=off`, or any GIOStream) with
 * greeting, capability negotiation, `id`-tagged commands and interleaved events; and libvirt's
 * passthrough (virDomainQemuMonitorCommand), run in a worker thread so it never blocks the loop.
 * Only read-only commands pass (vtier_qmp_command_is_allowed()); libvirt marks a domain tainted
 * by passthrough, and vtier must never change a guest behind its manager's back.
 *
 * Replies are matched by id, so they may arrive in any order. Each command has a timeout. When the
 * peer goes away every pending command fails with VTIER_ERROR_IO naming the peer and the command,
 * and the "closed" signal fires once.
 *
 * Signals:
 *   "event"  (const gchar *name, JsonObject *data (nullable), gint64 timestamp_usec)
 *   "closed" (const GError *why)
 */
#define VTIER_TYPE_QMP_CLIENT (vtier_qmp_client_get_type())
G_DECLARE_FINAL_TYPE(VtierQmpClient, vtier_qmp_client, VTIER, QMP_CLIENT, GObject)

#define VTIER_QMP_TIMEOUT_DEFAULT_MS 10000

/* Read-only commands vtier may send: qmp_capabilities and a fixed list of query-* commands. */
gboolean vtier_qmp_command_is_allowed(const gchar *command);

/* A client on an already connected stream; call vtier_qmp_client_handshake_async() next.
 * @peer_name names the peer in messages (e.g. the socket path). */
VtierQmpClient *vtier_qmp_client_new_for_stream(GIOStream *stream, const gchar *peer_name);
/* Reads the greeting and negotiates capabilities; commands may be sent once it finished. */
void vtier_qmp_client_handshake_async(VtierQmpClient *client, GCancellable *cancellable,
				      GAsyncReadyCallback callback, gpointer user_data);
gboolean vtier_qmp_client_handshake_finish(VtierQmpClient *client, GAsyncResult *result,
					   GError **error);

/* Connects to a QMP unix socket and does the handshake. */
void vtier_qmp_client_connect_unix_async(const gchar *path, guint timeout_ms,
					 GCancellable *cancellable, GAsyncReadyCallback callback,
					 gpointer user_data);
VtierQmpClient *vtier_qmp_client_connect_unix_finish(GAsyncResult *result, GError **error);

/* A client that talks through libvirt's passthrough to @domain's own monitor (ready at once). */
VtierQmpClient *vtier_qmp_client_new_for_libvirt(virDomainPtr domain);

void vtier_qmp_client_set_timeout(VtierQmpClient *client, guint timeout_ms);
const gchar *vtier_qmp_client_get_peer_name(VtierQmpClient *client);
/* "MAJOR.MINOR.MICRO" from the greeting, or NULL (libvirt transport, or before the greeting). */
const gchar *vtier_qmp_client_get_qemu_version(VtierQmpClient *client);
gboolean vtier_qmp_client_is_closed(VtierQmpClient *client);
/* Lines the peer sent that were not QMP messages (skipped); for tests and diagnostics. */
guint vtier_qmp_client_get_skipped_lines(VtierQmpClient *client);
/* The peer's pid from the unix socket's peer credentials (SO_PEERCRED). */
gboolean vtier_qmp_client_get_peer_pid(VtierQmpClient *client, gint *ret_pid, GError **error);

/* Sends @command (with optional @arguments, not consumed) and returns its "return" value.
 * Cancelling @cancellable fails the command at once with G_IO_ERROR_CANCELLED (QEMU still runs
 * the query; its reply is dropped). */
void vtier_qmp_client_execute_async(VtierQmpClient *client, const gchar *command,
				    JsonObject *arguments, GCancellable *cancellable,
				    GAsyncReadyCallback callback, gpointer user_data);
JsonNode *vtier_qmp_client_execute_finish(VtierQmpClient *client, GAsyncResult *result,
					  GError **error);

/* Fails every pending command and stops talking to the peer. Idempotent. */
void vtier_qmp_client_close(VtierQmpClient *client);

/* Runs the thread-default main context until *@result is set by vtier_qmp_store_result (a
 * GAsyncReadyCallback taking a GAsyncResult ** as user data): a synchronous wrapper for the CLI
 * and tests. */
void vtier_qmp_store_result(GObject *source, GAsyncResult *result, gpointer user_data);
GAsyncResult *vtier_qmp_wait(GAsyncResult **result);
