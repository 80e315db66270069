/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qmp-qemu.h"
#include "vtier-test.h"

static void child_setup(gpointer user_data)
{
	/* die with the test process, whatever way it ends */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean wait_for_socket(const gchar *path, GPid pid)
{
	for (guint i = 0; i < 500; i++) {
		int status;

		if (g_file_test(path, G_FILE_TEST_EXISTS))
			return TRUE;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return FALSE;
		g_usleep(10 * 1000);
	}
	return FALSE;
}

QmpQemu *qmp_qemu_start(const gchar *const *extra_args)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *qemu_bin = g_find_program_in_path("qemu-system-x86_64");
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	QmpQemu *qemu;

	if (qemu_bin == NULL) {
		g_test_skip("qemu-system-x86_64 is not installed (Debian package qemu-system-x86)");
		return NULL;
	}
	qemu = g_new0(QmpQemu, 1);
	qemu->dir = g_dir_make_tmp("vtier-qmp-XXXXXX", &error);
	g_assert_no_error(error);
	qemu->qmp_path = g_build_filename(qemu->dir, "qmp.sock", NULL);
	qemu->raw_path = g_build_filename(qemu->dir, "raw.sock", NULL);
	g_ptr_array_add(argv, g_strdup(qemu_bin));
	g_ptr_array_add(argv, g_strdup("-display"));
	g_ptr_array_add(argv, g_strdup("none"));
	g_ptr_array_add(argv, g_strdup("-nodefaults"));
	g_ptr_array_add(argv, g_strdup("-qmp"));
	g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off", qemu->qmp_path));
	g_ptr_array_add(argv, g_strdup("-qmp"));
	g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off", qemu->raw_path));
	for (guint i = 0; extra_args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(extra_args[i]));
	g_ptr_array_add(argv, NULL);
	g_spawn_async(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, child_setup,
		      NULL, &qemu->pid, &error);
	g_assert_no_error(error);
	if (!wait_for_socket(qemu->raw_path, qemu->pid)) {
		qemu->pid = 0;
		qmp_qemu_stop(qemu);
		g_assert_not_reached(); /* QEMU exited or never listened; its stderr says why */
	}
	return qemu;
}

void qmp_qemu_stop(QmpQemu *qemu)
{
	if (qemu == NULL)
		return;
	if (qemu->pid > 0) {
		kill(qemu->pid, SIGKILL);
		waitpid(qemu->pid, NULL, 0);
		g_spawn_close_pid(qemu->pid);
	}
	if (qemu->dir != NULL)
		vtier_test_rm_rf(qemu->dir);
	g_free(qemu->dir);
	g_free(qemu->qmp_path);
	g_free(qemu->raw_path);
	g_free(qemu);
}
