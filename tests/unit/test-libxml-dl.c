/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Without libxml2: this program's loader (src/common/libxml-dl.c, built here with
 * VTIER_LIBXML_LOAD_SONAME naming a library that does not exist: tests/unit/local.mk) cannot load
 * it, and every parser that needs it fails with the loader's error, which names the library and
 * its Debian package, instead of calling through a pointer that was never set. */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/libxml-dl.h"
#include "tiering/policy-private.h"
#include "tiering/policy.h"
#include "virt/domain-xml.h"
#include "vtier-test.h"

static const gchar domain_xml[] = "<domain type='kvm'><name>vm1</name>"
				  "<uuid>6f1c1f3e-8d0e-4f7a-9d51-1b2a3c4d5e6f</uuid>"
				  "<memory unit='KiB'>1048576</memory></domain>";
static const gchar policy_xml[] = "<policy mode='ratio'><fast ratio='40%'/></policy>";

static void assert_missing(const GError *error)
{
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "cannot load " VTIER_LIBXML_LOAD_SONAME));
	g_assert_nonnull(strstr(error->message, "Debian package libxml2"));
}

static void test_libxml_dl_load_fails_every_time(void)
{
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GError) error = NULL;

		g_assert_false(vtier_libxml_load(&error));
		assert_missing(error);
	}
	g_assert_null(sym_xmlFreeDoc);
}

static void test_libxml_dl_domain_xml(void)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;
	g_autoptr(GError) e4 = NULL;
	g_autofree gchar *policy = NULL;

	g_assert_null(vtier_domain_xml_parse(domain_xml, strlen(domain_xml), NULL, &e1));
	assert_missing(e1);
	g_assert_false(
	    vtier_domain_xml_get_policy(domain_xml, strlen(domain_xml), &policy, NULL, &e2));
	assert_missing(e2);
	g_assert_null(policy);
	g_assert_false(vtier_domain_xml_check_policy_element(policy_xml, strlen(policy_xml), &e3));
	assert_missing(e3);
	g_assert_null(vtier_domain_xml_policy_normalize(policy_xml, strlen(policy_xml), &e4));
	assert_missing(e4);
}

static void test_libxml_dl_policy(void)
{
	g_autofree gchar *dir = g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);
	VtierPolicyStore store = {.dir = dir}; /* what a store would be, had it loaded */
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;

	g_assert_null(vtier_policy_store_new(dir, &e1));
	assert_missing(e1);
	g_assert_null(vtier_policy_parse(&store, "vm1", policy_xml, &e2));
	assert_missing(e2);
	g_assert_null(vtier_policy_resolve(&store, "vm1", 1u << 30, policy_xml,
					   VTIER_POLICY_MODE_RATIO, &e3));
	assert_missing(e3);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/libxml-dl/load-fails-every-time", test_libxml_dl_load_fails_every_time);
	g_test_add_func("/libxml-dl/domain-xml", test_libxml_dl_domain_xml);
	g_test_add_func("/libxml-dl/policy", test_libxml_dl_policy);
	return g_test_run();
}
