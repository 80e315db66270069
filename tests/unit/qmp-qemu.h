/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* A real QEMU peer for the QMP tests: `qemu-system-x86_64 ... -qmp unix:SOCK,server=on,wait=off`
 * in a private temporary directory. The child gets PR_SET_PDEATHSIG=SIGKILL, so even a test that
 * aborts on a failed assertion (and never reaches its teardown) leaves no QEMU behind;
 * qmp_qemu_stop() kills and reaps it in the normal case. */
typedef struct {
	gchar *dir;
	gchar *qmp_path;   /* the socket vtier connects to */
	gchar *raw_path;   /* a second QMP socket the test drives directly (events) */
	GPid pid;
} QmpQemu;

/* NULL (and the test skipped) when qemu-system-x86_64 is not installed. @extra_args: QEMU
 * arguments after the common "-display none -nodefaults -qmp ..." ones. */
QmpQemu *qmp_qemu_start(const gchar *const *extra_args);
void qmp_qemu_stop(QmpQemu *qemu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpQemu, qmp_qemu_stop)
