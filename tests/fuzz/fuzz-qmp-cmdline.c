/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the QEMU command-line parser (src/qmp/cmdline.c). Any local user controls
 * the /proc/PID/cmdline of their own processes, and vtierd (root) parses it when asked to look at
 * a pid, so the parser must survive anything. Input: /proc/PID/cmdline contents (NUL-separated).
 * Built and run by tests/suites/fuzz-qmp.sh; seeds in tests/fuzz/qmp-cmdline/. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "qmp/cmdline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
static void abort_on_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
			     gpointer user_data);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GLib's own fatal path traps (SIGTRAP), which libFuzzer does not catch: abort instead, so that
 * the crashing input is saved. */
static void abort_on_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
			     gpointer user_data)
{
	g_log_default_handler(domain, level, message, user_data);
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_log_set_default_handler(abort_on_warning, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_auto(GStrv) argv = vtier_qmp_cmdline_split((const gchar *)data, size);
	g_autoptr(VtierQmpCmdline) cmdline = NULL;
	g_autoptr(GError) error = NULL;

	cmdline = vtier_qmp_cmdline_parse((const gchar *const *)argv, &error);
	if ((cmdline == NULL) == (error == NULL))
		__builtin_trap(); /* exactly one of a result and an error */
	return 0;
}
