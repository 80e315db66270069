/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the domain-XML parser (the libvirt hook feeds it untrusted stdin) and the
 * extraction and structural check of the vtier policy element. Built with clang by
 * tests/suites/fuzz-domain-xml.sh; seed corpus in tests/fuzz/domain-xml/. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "virt/domain-xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;
	g_autoptr(VtierGuest) guest = vtier_domain_xml_parse((const gchar *)data, size, warnings, &e1);
	g_autofree gchar *policy = NULL;
	g_autofree gchar *json = NULL;

	/* exactly one of a result and an error */
	if ((guest == NULL) == (e1 == NULL))
		__builtin_trap();
	if (guest != NULL) {
		json = vtier_guest_to_json_string(guest, FALSE);
		if (guest->name == NULL || json == NULL)
			__builtin_trap();
	}
	if (vtier_domain_xml_get_policy((const gchar *)data, size, &policy, NULL, &e2)) {
		/* the extracted element must itself pass the policy element check */
		if (policy != NULL &&
		    !vtier_domain_xml_check_policy_element(policy, strlen(policy), &e3))
			__builtin_trap();
	} else if (e2 == NULL) {
		__builtin_trap();
	}
	/* the policy check on arbitrary text must never crash either */
	g_clear_error(&e3);
	if (vtier_domain_xml_check_policy_element(text, strlen(text), &e3)) {
		g_autoptr(GError) e4 = NULL;
		g_autofree gchar *normal = vtier_domain_xml_policy_normalize(text, strlen(text), &e4);

		/* a checked element always normalizes, and the result checks again */
		if (normal == NULL ||
		    !vtier_domain_xml_check_policy_element(normal, strlen(normal), &e4))
			__builtin_trap();
	}
	return 0;
}
