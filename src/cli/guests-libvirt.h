/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* `vtierctl guests [--connect URI]`: the running libvirt guests with their QEMU pid, memory cgroup
 * and per-node usage (memory.numa_stat), as a table or (@json) a JSON object
 * {"uri": URI, "guests": [guest records]}. @uri NULL: qemu:///system. */
gboolean vtier_cli_guests_libvirt(const gchar *uri, gboolean json, GError **error);

/* The running guests of @uri (read-only connection), sorted by name, each with its pid, memcg
 * and per-node usage where they can be found: the one way vtierctl lists libvirt domains. */
GPtrArray *vtier_cli_libvirt_guests(const gchar *uri, GError **error);

/* The libvirt URI vtierctl uses without --connect: [daemon] libvirt_uri of vtierd.conf (the
 * installed one, when it exists and is valid), else qemu:///system. */
gchar *vtier_cli_default_libvirt_uri(void);
