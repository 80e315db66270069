/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-qmp"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "qmp/client-private.h"
#include "qmp/framer.h"

/* libvirt's passthrough: virDomainQemuMonitorCommand blocks until QEMU answered (or libvirt's own
 * monitor timeout), so it runs in a GTask worker thread; the reply comes back to the loop that
 * sent the command and completes the pending command by id, where the client's own timeout may
 * already have failed it. */
typedef struct {
	virDomainPtr domain;
	gchar *id;
	gchar *command;
	gchar *json;
} PassThrough;

static void pass_through_free(PassThrough *pt)
{
	g_clear_pointer(&pt->domain, sym_virDomainFree);
	g_free(pt->id);
	g_free(pt->command);
	g_free(pt->json);
	g_free(pt);
}

static void run_in_thread(GTask *task, gpointer source, gpointer task_data,
			  GCancellable *cancellable)
{
	PassThrough *pt = task_data;
	g_autofree gchar *reply = NULL;
	char *raw = NULL;

	if (sym_virDomainQemuMonitorCommand(pt->domain, pt->json, &raw, 0) < 0) {
		/* copied first: every libvirt call (virDomainGetName too) resets the last error */
		g_autofree gchar *msg = g_strdup(sym_virGetLastErrorMessage());

		g_task_return_new_error(task, VTIER_ERROR, VTIER_ERROR_IO,
					"libvirt passthrough of QMP command %s to domain %s "
					"failed: %s",
					pt->command, sym_virDomainGetName(pt->domain), msg);
		return;
	}
	reply = g_strdup(raw);
	free(raw); /* syntax-check: allow (libvirt allocated it) */
	g_task_return_pointer(task, g_steal_pointer(&reply), g_free);
}

static JsonNode *reply_to_node(const gchar *command, const gchar *reply, GError **error)
{
	g_autoptr(JsonObject) message = NULL;
	VtierQmpMessage msg;

	if (!vtier_qmp_message_parse(reply, strlen(reply), &message, error) ||
	    !vtier_qmp_message_classify(message, &msg, error))
		return NULL;
	if (msg.kind == VTIER_QMP_MESSAGE_ERROR) {
		g_propagate_error(error, vtier_qmp_error_from_reply(command, msg.error_class,
								    msg.error_desc));
		return NULL;
	}
	if (msg.kind != VTIER_QMP_MESSAGE_RETURN || msg.payload == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "libvirt passthrough of %s: reply is a %s, not a return", command,
			    vtier_qmp_message_kind_to_string(msg.kind));
		return NULL;
	}
	return json_node_copy(msg.payload);
}

static void on_passed_through(GObject *source, GAsyncResult *result, gpointer user_data)
{
	VtierQmpClient *client = VTIER_QMP_CLIENT(source);
	PassThrough *pt = g_task_get_task_data(G_TASK(result));
	GError *error = NULL;
	g_autofree gchar *reply = g_task_propagate_pointer(G_TASK(result), &error);
	g_autoptr(JsonNode) node = NULL;

	if (reply != NULL)
		node = reply_to_node(pt->command, reply, &error);
	vtier_qmp_client_complete(client, pt->id, node, error);
}

void vtier_qmp_libvirt_submit(VtierQmpClient *client, virDomainPtr domain, const gchar *id,
			      const gchar *command, JsonObject *arguments)
{
	g_autoptr(GTask) task = g_task_new(client, NULL, on_passed_through, NULL);
	PassThrough *pt = g_new0(PassThrough, 1);

	sym_virDomainRef(domain);
	pt->domain = domain;
	pt->id = g_strdup(id);
	pt->command = g_strdup(command);
	/* no id: libvirt tags the command with its own */
	pt->json = vtier_qmp_command_to_json(command, arguments, NULL);
	g_task_set_task_data(task, pt, (GDestroyNotify)pass_through_free);
	g_task_run_in_thread(task, run_in_thread);
}
