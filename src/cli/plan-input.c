/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdlib.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli/plan-input.h"
#include "common/error.h"

static void ignore_libvirt_error(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)

GPtrArray *vtier_cli_connect_domains(const gchar *uri, GError **error)
{
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	virDomainPtr *domains = NULL;
	int n;

	virSetErrorFunc(NULL, ignore_libvirt_error);
	conn = virConnectOpenReadOnly(uri);
	if (conn == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED, "cannot connect to %s: %s", uri,
			    virGetLastErrorMessage());
		return NULL;
	}
	n = virConnectListAllDomains(conn, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED, "cannot list the domains of %s: %s",
			    uri, virGetLastErrorMessage());
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		char *xml = virDomainGetXMLDesc(domains[i], 0);

		if (xml != NULL) {
			g_ptr_array_add(out, g_strdup(xml));
			free(xml); /* syntax-check: allow (libvirt allocates with malloc) */
		}
		virDomainFree(domains[i]);
	}
	free(domains); /* syntax-check: allow */
	return g_steal_pointer(&out);
}
