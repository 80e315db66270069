/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "virt/guest.h"

/* The namespace and element of vtier's policy inside a domain's <metadata>:
 *   <metadata><vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" .../></metadata>
 * `virsh metadata DOMAIN --uri VTIER_POLICY_XMLNS --key vtier --set '<policy .../>'` writes it. */
#define VTIER_POLICY_XMLNS "https://vtier.dev/xmlns/policy/1.0"
#define VTIER_POLICY_ELEMENT "policy"
#define VTIER_POLICY_PREFIX "vtier"

/* Limits for untrusted domain XML (the libvirt hook reads it from stdin). Real domain XML is a few
 * KiB and less than 10 levels deep. */
#define VTIER_DOMAIN_XML_MAX_BYTES (4u * 1024u * 1024u)
#define VTIER_DOMAIN_XML_MAX_DEPTH 64u
/* Checked on the text before libxml2 sees it: its attribute checks are quadratic per element
 * (100k attributes took minutes). libvirt's largest elements have a dozen attributes. */
#define VTIER_DOMAIN_XML_MAX_ATTRIBUTES 256u
#define VTIER_DOMAIN_XML_MAX_ELEMENTS 50000u
/* The highest CPU or NUMA node number accepted in a cpuset/nodeset. */
#define VTIER_DOMAIN_XML_MAX_CPU 65535u

/* Parses a libvirt domain XML (<domain>, or libvirt's status XML <domstatus pid=N><domain>) into a
 * new guest record (source libvirt). Parsing never loads a DTD, never expands entities and never
 * touches the network; a document with a DOCTYPE, one larger or deeper than the limits above, or
 * one that is not well-formed is rejected with an error; so is a <numatune> nodeset that does not
 * parse (it decides where the guest's memory may go). Facts that are present but unusable (a
 * <policy> element in a foreign namespace, a second vtier element, a vCPU cpuset out of range)
 * are skipped, each with a message appended to @warnings (may be NULL). */
VtierGuest *vtier_domain_xml_parse(const gchar *xml, gsize len, GPtrArray *warnings,
				   GError **error);

/* Only the vtier policy element of @xml's <metadata>, serialized on its own (it declares its
 * namespace), or NULL with no error when the domain has none. The same limits apply. */
gboolean vtier_domain_xml_get_policy(const gchar *xml, gsize len, gchar **ret_policy_xml,
				     GPtrArray *warnings, GError **error);

/* Checks that @xml is a single <policy> element, un-namespaced or in VTIER_POLICY_XMLNS, under
 * the same parser limits (structure only; the policy parser judges the contents). */
gboolean vtier_domain_xml_check_policy_element(const gchar *xml, gsize len, GError **error);

/* The policy element @xml (checked as above) in vtier's namespace, declared on it: libvirt's
 * virDomainGetMetadata() returns the element without its namespace, vtier's policy parser wants
 * it with. Elements without a namespace are moved into vtier's. */
gchar *vtier_domain_xml_policy_normalize(const gchar *xml, gsize len, GError **error);

/* Parses a libvirt cpuset/nodeset ("0-3,^2,8") into a sorted GArray of guint. */
GArray *vtier_cpuset_parse(const gchar *text, GError **error);
/* Formats a sorted set of guint as a compact list ("0-3,8"). */
gchar *vtier_cpuset_format(GArray *set);
