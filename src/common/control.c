/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-control"

#include "config.h"

#include "common/control.h"
#include "common/error.h"
#include "common/paths.h"

/* The control protocol (control.h). The request/reply codec and the client are being written;
 * this file starts with the parts every side needs first. */

static const gchar *const command_names[] = { "ping",	"status", "dump",   "explain",
					      "attach", "detach", "reload", "hook" };
G_STATIC_ASSERT(G_N_ELEMENTS(command_names) == VTIER_CONTROL_CMD_LAST);

const gchar *vtier_control_command_to_string(VtierControlCommand cmd)
{
	return cmd < VTIER_CONTROL_CMD_LAST ? command_names[cmd] : "unknown";
}

gboolean vtier_control_command_from_string(const gchar *text, VtierControlCommand *ret_cmd)
{
	for (guint i = 0; i < VTIER_CONTROL_CMD_LAST; i++) {
		if (g_strcmp0(command_names[i], text) == 0) {
			*ret_cmd = i;
			return TRUE;
		}
	}
	return FALSE;
}

gchar *vtier_control_socket_path(const gchar *configured)
{
	const gchar *env = g_getenv("VTIER_CONTROL_SOCKET");

	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	if (configured != NULL && configured[0] != '\0')
		return g_strdup(configured);
	return vtier_path_build(VTIER_PATH_VTIER_RUN, "control", NULL);
}

VtierControlRequest *vtier_control_request_new(VtierControlCommand cmd)
{
	VtierControlRequest *request = g_new0(VtierControlRequest, 1);

	request->cmd = cmd;
	return request;
}

void vtier_control_request_free(VtierControlRequest *request)
{
	if (request == NULL)
		return;
	g_free(request->name);
	g_free(request->qmp);
	g_free(request->policy);
	g_free(request->template_name);
	g_free(request->operation);
	g_free(request->sub_operation);
	g_free(request->extra);
	g_free(request->xml);
	g_free(request);
}
