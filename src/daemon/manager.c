/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <glib-unix.h>
#include <signal.h>

#include "common/error.h"
#include "daemon/manager.h"

struct VtierManager {
	gchar *config_path;
	VtierConfig *config;
	GMainLoop *loop;
	int exit_status;
};

VtierManager *vtier_manager_new(const gchar *config_path, GError **error)
{
	g_autoptr(VtierManager) manager = g_new0(VtierManager, 1);

	manager->config_path = g_strdup(config_path);
	manager->config = vtier_config_load(config_path, FALSE, error);
	if (manager->config == NULL)
		return NULL;
	manager->loop = g_main_loop_new(NULL, FALSE);
	return g_steal_pointer(&manager);
}

void vtier_manager_free(VtierManager *manager)
{
	if (manager == NULL)
		return;
	g_clear_pointer(&manager->loop, g_main_loop_unref);
	vtier_config_free(manager->config);
	g_free(manager->config_path);
	g_free(manager);
}

const VtierConfig *vtier_manager_get_config(const VtierManager *manager)
{
	return manager->config;
}

gboolean vtier_manager_reload(VtierManager *manager, GError **error)
{
	VtierConfig *config = vtier_config_load(manager->config_path, FALSE, error);

	if (config == NULL)
		return FALSE;
	vtier_config_free(manager->config);
	manager->config = config;
	return TRUE;
}

static gboolean on_quit_signal(gpointer user_data)
{
	VtierManager *manager = user_data;

	g_message("stopping on signal");
	g_main_loop_quit(manager->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean on_reload_signal(gpointer user_data)
{
	VtierManager *manager = user_data;
	g_autoptr(GError) error = NULL;

	if (!vtier_manager_reload(manager, &error))
		g_warning("keeping the running configuration: %s", error->message);
	else
		g_message("reloaded %s", manager->config_path);
	return G_SOURCE_CONTINUE;
}

int vtier_manager_run(VtierManager *manager)
{
	guint term = g_unix_signal_add(SIGTERM, on_quit_signal, manager);
	guint intr = g_unix_signal_add(SIGINT, on_quit_signal, manager);
	guint hup = g_unix_signal_add(SIGHUP, on_reload_signal, manager);

	g_message("vtierd %s running (configuration %s)", PACKAGE_VERSION, manager->config_path);
	g_main_loop_run(manager->loop);
	g_source_remove(term);
	g_source_remove(intr);
	g_source_remove(hup);
	return manager->exit_status;
}
