/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "common/error.h"
#include "virt/domain-xml.h"
#include "vtier-test.h"

static VtierGuest *parse_file(const gchar *name, GPtrArray *warnings)
{
	g_autofree gchar *path = vtier_test_data_path("libvirt", name, NULL);
	g_autofree gchar *xml = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	VtierGuest *g;

	g_assert_true(g_file_get_contents(path, &xml, &len, NULL));
	g = vtier_domain_xml_parse(xml, len, warnings, &error);
	g_assert_no_error(error);
	g_assert_nonnull(g);
	return g;
}

static void test_domain_xml_full(void)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(VtierGuest) g = parse_file("domain-full.xml", warnings);

	g_assert_cmpuint(warnings->len, ==, 0);
	g_assert_cmpstr(g->name, ==, "db1");
	g_assert_cmpstr(g->uuid, ==, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	g_assert_cmpint(g->id, ==, 7);
	g_assert_cmpuint(g->memory_bytes, ==, 4ULL << 30);
	g_assert_cmpuint(g->n_vcpus, ==, 2);
	g_assert_cmpstr(g->vcpu_cpuset, ==, "0-3,8-10");
	g_assert_cmpstr(g->numatune_mode, ==, "preferred");
	g_assert_cmpstr(g->numatune_nodeset, ==, "0");
	g_assert_cmpuint(g->bound_nodes->len, ==, 2);
	g_assert_cmpuint(g_array_index(g->bound_nodes, guint, 0), ==, 0);
	g_assert_cmpuint(g_array_index(g->bound_nodes, guint, 1), ==, 2);
	g_assert_true(g->hugepages);
	g_assert_cmpstr(g->memory_source, ==, "memfd");
	g_assert_cmpstr(g->memory_access, ==, "shared");
	g_assert_cmpstr(g->memory_allocation, ==, "immediate");
	g_assert_cmpstr(g->resource_partition, ==, "/tenant/gold");
	g_assert_cmpuint(g->n_numa_cells, ==, 2);
	g_assert_cmpstr(g->policy_xml, ==,
			"<vtier:policy xmlns:vtier=\"https://vtier.dev/xmlns/policy/1.0\" "
			"mode=\"ratio\"><vtier:fast ratio=\"60%\"/><vtier:migration "
			"max-rate=\"256MiB/s\"/></vtier:policy>");
}

/* Memory DAMON cannot move: locked, and pinned for VFIO passthrough. */
static void test_domain_xml_unmovable(void)
{
	static const gchar xml[] =
		"<domain type='kvm'><name>gpu</name><memory unit='GiB'>4</memory>"
		"<memoryBacking><locked/></memoryBacking><devices>"
		"<hostdev mode='subsystem' type='pci' managed='yes'/>"
		"<hostdev mode='subsystem' type='usb'/>"
		"<hostdev mode='subsystem' type='mdev' model='vfio-pci'/></devices></domain>";
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) g = vtier_domain_xml_parse(xml, sizeof(xml) - 1, NULL, &error);

	g_assert_no_error(error);
	g_assert_true(g->memory_locked);
	g_assert_cmpuint(g->n_hostdevs, ==, 2);
	g_assert_false(g->hugepages);
}

static void test_domain_xml_minimal(void)
{
	g_autoptr(VtierGuest) g = parse_file("domain-minimal.xml", NULL);

	g_assert_cmpstr(g->name, ==, "tiny");
	g_assert_null(g->uuid);
	g_assert_cmpint(g->id, ==, -1);
	g_assert_cmpuint(g->memory_bytes, ==, 256ULL << 20);
	g_assert_cmpuint(g->n_vcpus, ==, 1);
	g_assert_null(g->vcpu_cpuset);
	g_assert_null(g->numatune_mode);
	g_assert_cmpuint(g->bound_nodes->len, ==, 0);
	g_assert_false(g->hugepages);
	g_assert_null(g->memory_source);
	g_assert_null(g->policy_xml);
	g_assert_cmpuint(g->n_numa_cells, ==, 0);
}

static void test_domain_xml_domstatus_wrong_namespace(void)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(VtierGuest) g = parse_file("domstatus.xml", warnings);

	g_assert_cmpstr(g->name, ==, "vm1");
	g_assert_cmpint(g->pid, ==, 4242);
	g_assert_cmpint(g->id, ==, 2);
	/* neither the un-namespaced nor the foreign <policy> is vtier's */
	g_assert_null(g->policy_xml);
	g_assert_cmpuint(warnings->len, ==, 2);
	g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "(none)"));
	g_assert_nonnull(strstr(g_ptr_array_index(warnings, 1), "https://example.org/other/1.0"));
}

static void test_domain_xml_real_libvirt(void)
{
	g_autoptr(VtierGuest) live = parse_file("real-live.xml", NULL);
	g_autoptr(VtierGuest) status = parse_file("real-status.xml", NULL);

	/* what libvirt 9.0 really produced for the suite's guest: live XML and status XML agree */
	g_assert_cmpstr(live->name, ==, "vm1");
	g_assert_cmpint(live->id, ==, 1);
	g_assert_cmpint(live->pid, ==, 0);
	g_assert_cmpint(status->pid, ==, 29919);
	g_assert_cmpuint(live->memory_bytes, ==, 256ULL << 20);
	g_assert_cmpuint(live->n_numa_cells, ==, 1);
	g_assert_cmpstr(live->resource_partition, ==, "/machine");
	g_assert_cmpstr(live->policy_xml, ==,
			"<vtier:policy xmlns:vtier=\"" VTIER_POLICY_XMLNS "\" mode=\"monitor\"/>");
	status->pid = 0;
	g_assert_true(vtier_guest_equal(live, status));
}

static void test_domain_xml_namespace_on_root(void)
{
	const gchar *xml = "<domain xmlns:v='" VTIER_POLICY_XMLNS "'><name>a</name><metadata>"
			   "<v:policy mode='monitor'><v:note>x</v:note></v:policy>"
			   "<v:other/></metadata></domain>";
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) g = vtier_domain_xml_parse(xml, strlen(xml), warnings, &error);
	g_autofree gchar *policy = NULL;

	g_assert_no_error(error);
	/* the namespace declared on <domain> is re-declared on the extracted element */
	g_assert_cmpstr(g->policy_xml, ==,
			"<v:policy xmlns:v=\"" VTIER_POLICY_XMLNS "\" mode=\"monitor\">"
			"<v:note>x</v:note></v:policy>");
	g_assert_cmpuint(warnings->len, ==, 1);
	g_assert_true(vtier_domain_xml_get_policy(xml, strlen(xml), &policy, NULL, &error));
	g_assert_cmpstr(policy, ==, g->policy_xml);
}

static void expect_rejected(const gchar *xml, gsize len, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) g = vtier_domain_xml_parse(xml, len, NULL, &error);

	g_assert_null(g);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_test_message("rejected: %s", error->message);
	g_assert_nonnull(strstr(error->message, needle));
}

static void test_domain_xml_hostile(void)
{
	const gchar *laughs =
		"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'>"
		"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>]>"
		"<domain><name>&c;</name></domain>";
	const gchar *xxe = "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
			   "<domain><name>&x;</name></domain>";
	const gchar *ext = "<!DOCTYPE domain SYSTEM 'http://127.0.0.1:1/d.dtd'>"
			   "<domain><name>a</name></domain>";
	g_autoptr(GString) deep = g_string_new("<domain><name>d</name><metadata>");
	g_autofree gchar *huge = NULL;

	/* libxml2 itself stops the expansion while parsing; either way it is rejected */
	expect_rejected(laughs, strlen(laughs), "XML");
	expect_rejected(xxe, strlen(xxe), "DOCTYPE");
	expect_rejected(ext, strlen(ext), "DOCTYPE");
	for (guint i = 0; i < 100; i++)
		g_string_append(deep, "<a>");
	for (guint i = 0; i < 100; i++)
		g_string_append(deep, "</a>");
	g_string_append(deep, "</metadata></domain>");
	expect_rejected(deep->str, deep->len, "nested deeper");
	huge = g_strnfill(VTIER_DOMAIN_XML_MAX_BYTES + 1, ' ');
	expect_rejected(huge, VTIER_DOMAIN_XML_MAX_BYTES + 1, "more than the limit");
	expect_rejected("<domain><name>x</name>", 22, "not well-formed");
	expect_rejected("", 0, "not well-formed");
	expect_rejected("<network><name>x</name></network>", 33, "not <domain>");
	expect_rejected("<domain><uuid>zz</uuid><name>x</name></domain>", 46, "invalid <uuid>");
	expect_rejected("<domain><name>x</name><memory unit='parsec'>1</memory></domain>", 63,
			"unknown unit");
	expect_rejected("<domain/>", 9, "no <name>");
}

static void test_domain_xml_bad_cpuset_is_warning(void)
{
	const gchar *xml = "<domain><name>a</name><vcpu cpuset='0-99999999'>2</vcpu></domain>";
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) g = vtier_domain_xml_parse(xml, strlen(xml), warnings, &error);

	g_assert_no_error(error);
	g_assert_null(g->vcpu_cpuset);
	g_assert_cmpuint(warnings->len, ==, 1);
}

/* A numatune nodeset that does not parse is an error naming it (it was silently dropped, and the
 * guest planned as if unbound). */
static void test_domain_xml_bad_nodeset_is_error(void)
{
	const gchar *bad[] = { "1,x", "x-y", "99999", "3-1" };

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *xml = g_strdup_printf(
			"<domain><name>a</name><numatune><memory nodeset='%s'/></numatune>"
			"</domain>",
			bad[i]);
		g_autofree gchar *memnode = g_strdup_printf(
			"<domain><name>a</name><numatune><memnode cellid='0' nodeset='%s'/>"
			"</numatune></domain>",
			bad[i]);
		g_autofree gchar *quoted = g_strdup_printf("\"%s\"", bad[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(GError) e2 = NULL;
		g_autoptr(VtierGuest) g = vtier_domain_xml_parse(xml, strlen(xml), NULL, &error);
		g_autoptr(VtierGuest) g2 = vtier_domain_xml_parse(memnode, strlen(memnode), NULL, &e2);

		g_assert_null(g);
		g_assert_nonnull(strstr(error->message, quoted));
		g_assert_null(g2);
		g_assert_nonnull(strstr(e2->message, quoted));
	}
}

/* 100k attributes on one element (1 MiB) took 113 s in libxml2; refused before it parses. */
static void test_domain_xml_attribute_bomb(void)
{
	g_autoptr(GString) xml = g_string_new("<domain><name>a</name><x ");
	g_autoptr(GString) wide = g_string_new("<domain><name>a</name>");
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(VtierGuest) g = NULL;
	g_autoptr(VtierGuest) g2 = NULL;
	gint64 start = g_get_monotonic_time();

	for (guint i = 0; i < 100000; i++)
		g_string_append_printf(xml, "a%u='' ", i);
	g_string_append(xml, "/></domain>");
	g = vtier_domain_xml_parse(xml->str, xml->len, NULL, &error);
	g_assert_null(g);
	g_assert_nonnull(strstr(error->message, "attributes"));
	for (guint i = 0; i < 60000; i++)
		g_string_append(wide, "<e/>");
	g_string_append(wide, "</domain>");
	g2 = vtier_domain_xml_parse(wide->str, wide->len, NULL, &e2);
	g_assert_null(g2);
	g_assert_nonnull(strstr(e2->message, "elements"));
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC);
}

static void test_policy_normalize(void)
{
	const gchar *plain = "<policy mode=\"ratio\">\n  <fast ratio=\"60\"/>\n</policy>";
	const gchar *ours = "<p:policy xmlns:p='" VTIER_POLICY_XMLNS "' mode='off'/>";
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autofree gchar *n1 = vtier_domain_xml_policy_normalize(plain, strlen(plain), &error);
	g_autofree gchar *n2 = NULL;
	g_autofree gchar *n3 = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(n1, ==,
			"<vtier:policy xmlns:vtier=\"" VTIER_POLICY_XMLNS "\" mode=\"ratio\">\n"
			"  <vtier:fast ratio=\"60\"/>\n</vtier:policy>");
	n2 = vtier_domain_xml_policy_normalize(ours, strlen(ours), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(n2, ==, "<p:policy xmlns:p=\"" VTIER_POLICY_XMLNS "\" mode=\"off\"/>");
	n3 = vtier_domain_xml_policy_normalize("<x/>", 4, &e2);
	g_assert_null(n3);
	g_assert_error(e2, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
}

static void test_cpuset(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) set = vtier_cpuset_parse("0-5,^2, 9,7", &error);
	g_autofree gchar *text = NULL;
	const gchar *bad[] = { "", "a", "3-1", "1-", "^1-2", "1;2", "70000" };

	g_assert_no_error(error);
	text = vtier_cpuset_format(set);
	g_assert_cmpstr(text, ==, "0-1,3-5,7,9");
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(GArray) s = vtier_cpuset_parse(bad[i], &e);

		g_assert_null(s);
		g_assert_error(e, VTIER_ERROR, VTIER_ERROR_PARSE);
	}
}

static void test_units(void)
{
	const struct {
		const gchar *xml;
		guint64 bytes;
	} cases[] = {
		{ "<domain><name>a</name><memory unit='b'>512</memory></domain>", 512 },
		{ "<domain><name>a</name><memory unit='KB'>1</memory></domain>", 1000 },
		{ "<domain><name>a</name><memory unit='k'>1</memory></domain>", 1024 },
		{ "<domain><name>a</name><memory unit='MiB'>3</memory></domain>", 3 << 20 },
		{ "<domain><name>a</name><memory unit='GB'>2</memory></domain>", 2000000000ULL },
		{ "<domain><name>a</name><memory unit='T'>1</memory></domain>", 1ULL << 40 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierGuest) g =
			vtier_domain_xml_parse(cases[i].xml, strlen(cases[i].xml), NULL, &error);

		g_assert_no_error(error);
		g_assert_cmpuint(g->memory_bytes, ==, cases[i].bytes);
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/domain-xml/full", test_domain_xml_full);
	g_test_add_func("/domain-xml/minimal", test_domain_xml_minimal);
	g_test_add_func("/domain-xml/unmovable", test_domain_xml_unmovable);
	g_test_add_func("/domain-xml/domstatus-wrong-namespace",
			test_domain_xml_domstatus_wrong_namespace);
	g_test_add_func("/domain-xml/namespace-on-root", test_domain_xml_namespace_on_root);
	g_test_add_func("/domain-xml/real-libvirt", test_domain_xml_real_libvirt);
	g_test_add_func("/domain-xml/hostile", test_domain_xml_hostile);
	g_test_add_func("/domain-xml/bad-cpuset-is-warning", test_domain_xml_bad_cpuset_is_warning);
	g_test_add_func("/domain-xml/bad-nodeset-is-error", test_domain_xml_bad_nodeset_is_error);
	g_test_add_func("/domain-xml/attribute-bomb", test_domain_xml_attribute_bomb);
	g_test_add_func("/domain-xml/cpuset", test_cpuset);
	g_test_add_func("/domain-xml/policy-normalize", test_policy_normalize);
	g_test_add_func("/domain-xml/units", test_units);
	return g_test_run();
}
