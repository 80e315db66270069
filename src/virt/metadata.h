/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include "virt/libvirt-dl.h"

/* vtier's policy in a domain's <metadata>, read and written through libvirt
 * (virDomainGetMetadata/virDomainSetMetadata with VTIER_POLICY_XMLNS, key "vtier"). */

typedef enum {
	VTIER_METADATA_CURRENT, /* live when running, else persistent (VIR_DOMAIN_AFFECT_CURRENT) */
	VTIER_METADATA_LIVE,
	VTIER_METADATA_CONFIG,
	VTIER_METADATA_LAST
} VtierMetadataScope;

/* The flags that write both the running domain and its persistent config, whichever exist
 * (LIVE for a running domain, CONFIG for a persistent one). */
unsigned int vtier_virt_metadata_write_flags(virDomainPtr dom);

/* The policy element as libvirt stores it, or NULL (and TRUE) when the domain has none. */
gboolean vtier_virt_policy_get(virDomainPtr dom, VtierMetadataScope scope, gchar **ret_xml,
			       GError **error);
/* Checks that @xml is one <policy> element, without a namespace or in vtier's (structure only:
 * the contents are the policy parser's business), safely parsed. */
gboolean vtier_virt_policy_check_element(const gchar *xml, GError **error);
/* Writes @xml (checked with vtier_virt_policy_check_element()) as the domain's policy, live and
 * persistent as applicable (@flags 0) or with explicit VIR_DOMAIN_AFFECT_* @flags. */
gboolean vtier_virt_policy_set(virDomainPtr dom, const gchar *xml, unsigned int flags,
			       GError **error);
/* Removes the domain's policy (live and persistent as applicable, or @flags). */
gboolean vtier_virt_policy_clear(virDomainPtr dom, unsigned int flags, GError **error);
