/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <errno.h>
#include <grp.h>

#include "common/control.h"
#include "common/error.h"
#include "daemon/manager-private.h"

/* vtierd's endpoints: the control socket (vtierctl, the libvirt hook). */

static gboolean group_lookup(const gchar *name, guint *ret_gid, GError **error)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(name);
	if (gr == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "[daemon] control_group=%s: no such group%s%s", name,
			    errno != 0 ? ": " : "", errno != 0 ? g_strerror(errno) : "");
		return FALSE;
	}
	*ret_gid = (guint)gr->gr_gid;
	return TRUE;
}

static gboolean start_control(VtierManager *m, GError **error)
{
	g_autofree gchar *configured =
		vtier_config_get_string(m->config, "daemon", "control_socket");
	g_autofree gchar *group = vtier_config_get_string(m->config, "daemon", "control_group");
	g_autofree gchar *path = vtier_control_socket_path(configured);
	guint gid = G_MAXUINT;

	if (group[0] != '\0' && !group_lookup(group, &gid, error))
		return FALSE;
	m->control = vtier_control_server_new(path, gid, vtier_manager_handle_request, m, error);
	if (m->control == NULL) {
		g_prefix_error(error, "control socket %s: ", path);
		return FALSE;
	}
	g_message("control socket %s", path);
	return TRUE;
}

gboolean vtier_manager_endpoints_start(VtierManager *m, GError **error)
{
	return start_control(m, error);
}

void vtier_manager_endpoints_stop(VtierManager *m)
{
	g_clear_pointer((VtierControlServer **)&m->control, vtier_control_server_free);
}
