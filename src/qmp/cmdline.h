/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* What a QEMU command line says about the guest: the facts vtier needs when a QEMU process is
 * known only by its pid (/proc/PID/cmdline). Pure: tested on command lines of hand-started QEMUs
 * and of libvirt's (JSON -object syntax, -chardev/-mon monitors). */
typedef struct {
	gchar *name;	      /* -name NAME or -name guest=NAME,...; NULL without -name */
	guint64 memory_bytes; /* -m (MiB by default, K/M/G/T suffixes); QEMU's 128 MiB without */
	gchar *qmp_socket;    /* -qmp unix:PATH,... or -chardev socket,path=PATH + -mon mode=control */
	GPtrArray *memdevs;   /* VtierGuestMemdev from -object memory-backend-* */
} VtierQmpCmdline;

void vtier_qmp_cmdline_free(VtierQmpCmdline *cmdline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierQmpCmdline, vtier_qmp_cmdline_free)

/* @argv: the process's arguments, argv[0] included. Fails (VTIER_ERROR_NOT_SUPPORTED) when
 * argv[0] is not a QEMU system emulator, (VTIER_ERROR_PARSE) on a malformed -m or -object. */
VtierQmpCmdline *vtier_qmp_cmdline_parse(const gchar *const *argv, GError **error);
/* Splits /proc/PID/cmdline contents (NUL-separated, @len bytes) into a NULL-terminated argv. */
gchar **vtier_qmp_cmdline_split(const gchar *contents, gsize len);
/* QEMU size syntax: "256" (MiB), "512M", "4G", "1073741824B", ... */
gboolean vtier_qmp_parse_size_mib(const gchar *text, guint64 *ret_bytes, GError **error);
