/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Inputs of `vtierctl plan` that come from outside the planner: the facts of a libvirt domain XML
 * and, below the sysroot, the QEMU pid and the memory cgroup of a running guest.
 *
 * This is a minimal reader for the plan verb only; the daemon gets these facts from src/virt/. */
typedef struct {
	gchar *name;
	gchar *uuid;
	guint64 memory_bytes; /* <currentMemory>, else <memory> */
	gchar *nodeset;	      /* <numatune><memory nodeset=""/>, or NULL */
	gchar *policy_xml;    /* vtier's element from <metadata>, namespaces declared, or NULL */
} VtierCliDomain;

void vtier_cli_domain_free(VtierCliDomain *domain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierCliDomain, vtier_cli_domain_free)

/* Parses a domain XML text (no DTD, entities or network); @source names it in errors. */
VtierCliDomain *vtier_cli_domain_parse(const gchar *xml, const gchar *source, GError **error);

/* The QEMU pid of guest @name from <sysroot>/run/libvirt/qemu/NAME.pid (0 when absent), and the
 * memory cgroup of that pid from <sysroot>/proc/PID/cgroup: the memory controller's line on cgroup
 * v1, the unified line on v2, walked up to the nearest cgroup that has the memory controller
 * (memory.current) when the sysroot has the cgroup tree. NULL + error when it cannot tell. */
gint vtier_cli_guest_pid(const gchar *name);
gchar *vtier_cli_guest_memcg(gint pid, GError **error);

/* The XML of every running domain of @uri (read-only connection), as a new array of texts. */
GPtrArray *vtier_cli_connect_domains(const gchar *uri, GError **error);
