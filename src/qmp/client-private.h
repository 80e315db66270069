/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "qmp/client.h"
#include "virt/libvirt-dl.h"

/* Shared between the stream core (client.c) and the libvirt transport (client-libvirt.c). */

/* Completes the pending command @id with @reply (a "return" value) or @error (consumed). A reply
 * for an id that is no longer pending (timed out, closed) is dropped. */
void vtier_qmp_client_complete(VtierQmpClient *client, const gchar *id, JsonNode *reply,
			       GError *error);
/* Turns a QMP error reply into a GError naming the command. */
GError *vtier_qmp_error_from_reply(const gchar *command, const gchar *klass, const gchar *desc);
/* Runs @command through libvirt for pending command @id (client-libvirt.c). */
void vtier_qmp_libvirt_submit(VtierQmpClient *client, virDomainPtr domain, const gchar *id,
			      const gchar *command, JsonObject *arguments);
/* Serialises {"execute": command, "arguments": ..., "id": id}; @id may be NULL. */
gchar *vtier_qmp_command_to_json(const gchar *command, JsonObject *arguments, const gchar *id);
