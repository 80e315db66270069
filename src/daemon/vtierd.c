/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "common/log.h"
#include "common/paths.h"
#include "daemon/manager.h"
#include "tiering/options.h"

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("");
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierManager) manager = NULL;
	g_auto(VtierOptions) options = { 0 };
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *sysroot = NULL;
	gboolean check_config = FALSE;
	gboolean debug = FALSE;
	gboolean version = FALSE;
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
		  "Configuration file (default " VTIER_SYSCONFDIR "/vtier/vtierd.conf)", "FILE" },
		{ "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot,
		  "Read /sys, /proc and /run below DIR (testing)", "DIR" },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &check_config,
		  "Validate the configuration and exit", NULL },
		{ "debug", 'd', 0, G_OPTION_ARG_NONE, &debug, "Log debug messages", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL,
	};

	setlocale(LC_ALL, "");
	g_option_context_set_summary(ctx, "vtier's host service: transparent memory tiering for "
					  "QEMU/KVM guests. See vtierd(8).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "vtierd: %s (try --help)\n", error->message);
		return 2;
	}
	if (version) {
		printf("vtierd %s\n", PACKAGE_VERSION);
		return 0;
	}
	vtier_log_init("vtierd", debug);
	if (sysroot != NULL)
		vtier_paths_set_sysroot(sysroot);
	/* the one validation path (a named file must exist; the default may be absent) */
	if (!vtier_options_load(config_path, NULL, &options, &error) ||
	    (check_config && !vtier_options_check_host(&options, &error))) {
		g_warning("%s", error->message);
		return 1;
	}
	if (config_path == NULL)
		config_path = g_strdup(VTIER_SYSCONFDIR "/vtier/vtierd.conf");
	manager = vtier_manager_new(config_path, &error);
	if (manager == NULL) {
		g_warning("%s", error->message);
		return 1;
	}
	if (check_config) {
		printf("%s: OK\n", config_path);
		return 0;
	}
	return vtier_manager_run(manager);
}
