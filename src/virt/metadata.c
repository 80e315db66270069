/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-virt-metadata"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "virt/connection.h"
#include "virt/domain-xml.h"
#include "virt/metadata.h"

unsigned int vtier_virt_metadata_write_flags(virDomainPtr dom)
{
	unsigned int flags = 0;

	if (sym_virDomainIsActive(dom) == 1)
		flags |= VIR_DOMAIN_AFFECT_LIVE;
	if (sym_virDomainIsPersistent(dom) == 1)
		flags |= VIR_DOMAIN_AFFECT_CONFIG;
	return flags;
}

static unsigned int scope_flags(VtierMetadataScope scope)
{
	switch (scope) {
	case VTIER_METADATA_LIVE:
		return VIR_DOMAIN_AFFECT_LIVE;
	case VTIER_METADATA_CONFIG:
		return VIR_DOMAIN_AFFECT_CONFIG;
	default:
		return VIR_DOMAIN_AFFECT_CURRENT;
	}
}

gboolean vtier_virt_policy_get(virDomainPtr dom, VtierMetadataScope scope, gchar **ret_xml,
			       GError **error)
{
	char *xml = sym_virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VTIER_POLICY_XMLNS,
					     scope_flags(scope));
	virErrorPtr err;

	if (xml != NULL) {
		*ret_xml = g_strdup(xml);
		g_free(xml);
		return TRUE;
	}
	err = sym_virGetLastError();
	if (err != NULL && err->code == VIR_ERR_NO_DOMAIN_METADATA) {
		*ret_xml = NULL;
		return TRUE;
	}
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO, "cannot read the policy of domain %s: %s",
		    sym_virDomainGetName(dom), vtier_virt_last_error());
	return FALSE;
}

gboolean vtier_virt_policy_check_element(const gchar *xml, GError **error)
{
	if (!vtier_domain_xml_check_policy_element(xml, strlen(xml), error)) {
		g_prefix_error(error, "invalid policy: ");
		return FALSE;
	}
	return TRUE;
}

gboolean vtier_virt_policy_set(virDomainPtr dom, const gchar *xml, unsigned int flags,
			       GError **error)
{
	if (!vtier_virt_policy_check_element(xml, error))
		return FALSE;
	if (flags == 0)
		flags = vtier_virt_metadata_write_flags(dom);
	if (sym_virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, VTIER_POLICY_PREFIX,
				     VTIER_POLICY_XMLNS, flags) < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
			    "cannot write the policy of domain %s: %s", sym_virDomainGetName(dom),
			    vtier_virt_last_error());
		return FALSE;
	}
	return TRUE;
}

gboolean vtier_virt_policy_clear(virDomainPtr dom, unsigned int flags, GError **error)
{
	if (flags == 0)
		flags = vtier_virt_metadata_write_flags(dom);
	if (sym_virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, NULL, NULL,
				     VTIER_POLICY_XMLNS, flags) < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
			    "cannot clear the policy of domain %s: %s", sym_virDomainGetName(dom),
			    vtier_virt_last_error());
		return FALSE;
	}
	return TRUE;
}
