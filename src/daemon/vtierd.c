/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/paths.h"
#include "daemon/manager.h"
#include "tiering/options.h"

/* Without --foreground (and outside systemd) vtierd detaches once it is ready: the parent waits
 * for the child's word on a pipe and exits with the child's start status. */
static int detach_when_ready(int *ret_ready_fd)
{
	int fds[2];
	pid_t pid;
	char status = 1;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(fds[0]);
	setsid();
	*ret_ready_fd = fds[1];
	return 0;
}

static void report_ready(int fd, char status)
{
	if (fd < 0)
		return;
	if (write(fd, &status, 1) != 1)
		g_debug("cannot tell the parent process");
	close(fd);
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("");
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierManager) manager = NULL;
	g_auto(VtierManagerOptions) options = { 0 };
	g_auto(VtierOptions) checked = { 0 };
	g_autofree gchar *sysroot = NULL;
	gboolean check_config = FALSE, debug = FALSE, version = FALSE, foreground = FALSE;
	int ready_fd = -1;
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &options.config_path,
		  "Configuration file (default $VTIER_CONFIG or " VTIER_SYSCONFDIR
		  "/vtier/vtierd.conf)",
		  "FILE" },
		{ "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot,
		  "Read /sys, /proc and /run below DIR (testing)", "DIR" },
		{ "connect", 0, 0, G_OPTION_ARG_STRING, &options.connect_uri,
		  "libvirt URI to discover guests through (default: [daemon] libvirt_uri; none: "
		  "no libvirt)",
		  "URI" },
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &options.dry_run,
		  "Plan and log the DAMON writes without making them", NULL },
		{ "kernel-features", 'k', 0, G_OPTION_ARG_STRING, &options.kernel_features,
		  "With --dry-run: the kernel profile or probe JSON to plan for (default 7.3)",
		  "PROFILE|FILE" },
		{ "policy-dir", 0, 0, G_OPTION_ARG_FILENAME, &options.policy_dir,
		  "Policy schema and templates (default: $VTIER_POLICY_DIR or " VTIER_POLICYDIR ")",
		  "DIR" },
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
		  "Stay in the foreground (implied under systemd)", NULL },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &check_config,
		  "Validate the configuration and exit", NULL },
		{ "debug", 'd', 0, G_OPTION_ARG_NONE, &debug, "Log debug messages", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL,
	};

	setlocale(LC_ALL, "");
	/* numbers in one form whoever reads them: vtierd renders the status text and the
	 * controller's reasons that vtierctl prints in another user's terminal, and scripts
	 * read both (docs/control.md) */
	setlocale(LC_NUMERIC, "C");
	g_option_context_set_summary(ctx, "vtier's host service: transparent memory tiering for "
					  "QEMU/KVM guests. See vtierd(8).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "vtierd: %s (try --help)\n", error->message);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, "vtierd: unexpected argument \"%s\" (try --help)\n", argv[1]);
		return 2;
	}
	if (version) {
		printf("vtierd %s\n", PACKAGE_VERSION);
		return 0;
	}
	vtier_log_init("vtierd", debug);
	if (sysroot != NULL)
		vtier_paths_set_sysroot(sysroot);
	options.config_explicit = options.config_path != NULL;
	/* the one validation path of the configuration (src/tiering/options.h): what the keys mean
	 * together, and with --check-config the nodes and sampler against this host */
	if (!vtier_options_load(options.config_path, NULL, &checked, &error) ||
	    (check_config && !vtier_options_check_host(&checked, &error))) {
		g_warning("%s", error->message);
		return 1;
	}
	/* the path store's, as vtier_options_load() read it and as vtierctl and the hook find
	 * [daemon] control_socket in it */
	if (options.config_path == NULL)
		options.config_path = vtier_path_build(VTIER_PATH_CONFIG, NULL);
	manager = vtier_manager_new(&options, &error);
	if (manager == NULL) {
		g_warning("%s", error->message);
		return 1;
	}
	if (check_config) {
		printf("%s: OK\n", options.config_path);
		return 0;
	}
	if (!foreground && g_getenv("NOTIFY_SOCKET") == NULL && detach_when_ready(&ready_fd) != 0) {
		g_warning("cannot detach: %s", g_strerror(errno));
		return 1;
	}
	if (!vtier_manager_start(manager, &error)) {
		g_warning("%s", error->message);
		report_ready(ready_fd, 1);
		return 1;
	}
	report_ready(ready_fd, 0);
	return vtier_manager_run(manager);
}
