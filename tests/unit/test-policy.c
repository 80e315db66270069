/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "tiering/policy-units.h"
#include "tiering/policy.h"
#include "vtier-test.h"

#define NS "xmlns:vtier=\"" VTIER_POLICY_NAMESPACE "\""
#define GIB (G_GUINT64_CONSTANT(1) << 30)
#define MIB (G_GUINT64_CONSTANT(1) << 20)
/* What a size's unit error lists: every spelling the parser takes. */
#define SIZE_UNITS                                                                          \
	"B, byte, bytes, K, KiB, KB, M, MiB, MB, G, GiB, GB, T, TiB, TB, P, PiB, PB, E, EiB, EB, " \
	"in any case"

static VtierPolicyStore *store_new(void)
{
	g_autofree gchar *dir = g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);
	g_autoptr(GError) error = NULL;
	VtierPolicyStore *store = vtier_policy_store_new(dir, &error);

	g_assert_no_error(error);
	g_assert_nonnull(store);
	return store;
}

static void test_units_sizes(void)
{
	const struct {
		const gchar *text;
		guint64 bytes;
	} ok[] = {
		{ "0", 0 },	       { "4096B", 4096 },	{ "8GiB", 8 * GIB },
		{ "8 GiB", 8 * GIB },  { "8G", 8 * GIB },	{ "8g", 8 * GIB },
		{ "1KB", 1000 },       { "1KiB", 1024 },	{ "1k", 1024 },
		{ "3MB", 3000000 },    { "512MiB", 512 * MIB }, { "2TiB", 2048 * GIB },
		{ "7bytes", 7 },       { "7b", 7 },		{ "1EiB", G_GUINT64_CONSTANT(1) << 60 },
	};
	/* a bare number (other than 0) needs a unit: bytes and libvirt's KiB would both be guesses */
	const gchar *bad[] = { "", "GiB", "-1", "8 XiB", "1.5GiB", "8  GiB", "16EiB",
			       "99999999999999999999", "16", "4096", "4096 " };

	for (gsize i = 0; i < G_N_ELEMENTS(ok); i++) {
		g_autoptr(GError) error = NULL;
		guint64 value = 1;

		g_assert_true(vtier_policy_parse_size(ok[i].text, &value, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(value, ==, ok[i].bytes);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		guint64 value = 0;

		g_assert_false(vtier_policy_parse_size(bad[i], &value, &error));
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	}
}

/* Every unit spelling a unit error lists parses, in lower and upper case; the list is the
 * parser's whole table (each spelling the parser takes is listed). */
static void check_units_listed(const gchar *message, gboolean size)
{
	const gchar *start = strstr(message, "(allowed: ");
	const gchar *end = g_strrstr(message, ", in any case)");
	g_autofree gchar *list = NULL;
	g_auto(GStrv) units = NULL;

	g_assert_nonnull(start);
	g_assert_nonnull(end);
	g_assert_null(strstr(start + 1, "(allowed: "));
	list = g_strndup(start + strlen("(allowed: "), (gsize)(end - start) - strlen("(allowed: "));
	units = g_strsplit(list, ", ", -1);
	g_assert_cmpuint(g_strv_length(units), ==, size ? 21 : 5);
	for (guint i = 0; units[i] != NULL; i++) {
		g_autofree gchar *lower = g_strconcat("1", units[i], NULL);
		g_autofree gchar *upper = g_ascii_strup(lower, -1);
		guint64 value = 0;

		g_test_message("unit %s", units[i]);
		g_assert_true(size ? vtier_policy_parse_size(lower, &value, NULL)
				   : vtier_policy_parse_duration(lower, &value, NULL));
		g_assert_true(size ? vtier_policy_parse_size(upper, &value, NULL)
				   : vtier_policy_parse_duration(upper, &value, NULL));
	}
}

static void test_units_listed(void)
{
	g_autoptr(GError) bare = NULL;
	g_autoptr(GError) unknown = NULL;
	g_autoptr(GError) duration = NULL;
	guint64 value = 0;

	g_assert_false(vtier_policy_parse_size("4", &value, &bare));
	g_assert_cmpstr(bare->message, ==, "\"4\" needs a unit (allowed: " SIZE_UNITS ")");
	check_units_listed(bare->message, TRUE);
	g_assert_false(vtier_policy_parse_size("4 XiB", &value, &unknown));
	check_units_listed(unknown->message, TRUE);
	g_assert_false(vtier_policy_parse_duration("2d", &value, &duration));
	check_units_listed(duration->message, FALSE);
}

static void test_units_others(void)
{
	g_autoptr(GError) error = NULL;
	guint64 value = 0;
	guint bp = 0;

	g_assert_true(vtier_policy_parse_rate("256MiB/s", &value, &error));
	g_assert_cmpuint(value, ==, 256 * MIB);
	g_assert_false(vtier_policy_parse_rate("256MiB", &value, &error));
	g_assert_cmpstr(error->message, ==,
			"\"256MiB\" is not a rate (a size per second, e.g. 256MiB/s)");
	g_clear_error(&error);
	g_assert_true(vtier_policy_parse_percent("60%", &bp, NULL));
	g_assert_cmpuint(bp, ==, 6000);
	g_assert_true(vtier_policy_parse_percent("12.5%", &bp, NULL));
	g_assert_cmpuint(bp, ==, 1250);
	g_assert_true(vtier_policy_parse_percent("0.05%", &bp, NULL));
	g_assert_cmpuint(bp, ==, 5);
	g_assert_true(vtier_policy_parse_percent("100%", &bp, NULL));
	g_assert_cmpuint(bp, ==, 10000);
	g_assert_false(vtier_policy_parse_percent("100.01%", &bp, NULL));
	g_assert_false(vtier_policy_parse_percent("101%", &bp, NULL));
	g_assert_false(vtier_policy_parse_percent("60", &bp, NULL));
	g_assert_false(vtier_policy_parse_percent("1.234%", &bp, NULL));
	g_assert_false(vtier_policy_parse_percent("-5%", &bp, NULL));
	g_assert_true(vtier_policy_parse_duration("500ms", &value, NULL));
	g_assert_cmpuint(value, ==, 500);
	g_assert_true(vtier_policy_parse_duration("30s", &value, NULL));
	g_assert_cmpuint(value, ==, 30000);
	g_assert_true(vtier_policy_parse_duration("2min", &value, NULL));
	g_assert_cmpuint(value, ==, 120000);
	g_assert_true(vtier_policy_parse_duration("7", &value, NULL));
	g_assert_cmpuint(value, ==, 7000);
	g_assert_false(vtier_policy_parse_duration("7 days", &value, NULL));
}

static void test_units_format(void)
{
	const struct {
		guint64 bytes;
		const gchar *text;
	} sizes[] = { { 0, "0B" }, { 1000, "1000B" }, { 8 * GIB, "8GiB" }, { 1536 * MIB, "1536MiB" } };

	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autofree gchar *text = vtier_policy_format_size(sizes[i].bytes);
		guint64 back = 0;

		g_assert_cmpstr(text, ==, sizes[i].text);
		g_assert_true(vtier_policy_parse_size(text, &back, NULL));
		g_assert_cmpuint(back, ==, sizes[i].bytes);
	}
	for (guint bp = 0; bp <= 10000; bp += 37) {
		g_autofree gchar *text = vtier_policy_format_percent(bp);
		guint back = 0;

		g_assert_true(vtier_policy_parse_percent(text, &back, NULL));
		g_assert_cmpuint(back, ==, bp);
	}
}

static void test_parse_full(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierPolicy) policy = vtier_policy_parse(
		store, "vm1",
		"<vtier:policy " NS " mode=\"ratio\"><vtier:fast ratio=\"60%\"/>"
		"<vtier:migration max-rate=\"128MiB/s\" tuner=\"kernel\"/><vtier:hot "
		"threshold=\"10%\"/><vtier:cold age=\"2min\"/><vtier:priority value=\"70\"/>"
		"</vtier:policy>",
		&error);
	g_autofree gchar *xml = NULL;

	g_assert_no_error(error);
	g_assert_cmpint(policy->mode, ==, VTIER_POLICY_MODE_RATIO);
	g_assert_cmpuint(policy->fast_ratio_bp, ==, 6000);
	g_assert_cmpuint(policy->max_rate, ==, 128 * MIB);
	g_assert_cmpint(policy->tuner, ==, VTIER_POLICY_TUNER_KERNEL);
	g_assert_cmpuint(policy->hot_threshold_bp, ==, 1000);
	g_assert_cmpuint(policy->cold_age_ms, ==, 120000);
	g_assert_cmpuint(policy->priority, ==, 70);
	g_assert_cmpstr(policy->origin, ==, "domain");
	/* printing it back gives the same policy */
	xml = vtier_policy_to_xml(policy, FALSE);
	{
		g_autoptr(VtierPolicy) again = vtier_policy_parse(store, "vm1", xml, &error);

		g_assert_no_error(error);
		g_assert_true(vtier_policy_equal(policy, again));
	}
}

/* libvirt sets the namespace on the top element only; children come back without one. */
static void test_parse_libvirt_form(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierPolicy) policy = vtier_policy_parse(
		store, "vm1",
		"<vtier:policy " NS " mode=\"allowance\">\n  <fast size=\"8GiB\"/>\n"
		"  <!-- set by the orchestrator -->\n  <migration max-rate=\"64MiB/s\"/>\n"
		"</vtier:policy>\n",
		&error);

	g_assert_no_error(error);
	g_assert_cmpint(policy->mode, ==, VTIER_POLICY_MODE_ALLOWANCE);
	g_assert_cmpuint(policy->fast_size, ==, 8 * GIB);
	g_assert_cmpuint(policy->fields, ==,
			 VTIER_POLICY_FIELD_MODE | VTIER_POLICY_FIELD_FAST_SIZE |
				 VTIER_POLICY_FIELD_MAX_RATE);
	/* a default namespace works as well */
	g_clear_pointer(&policy, vtier_policy_free);
	policy = vtier_policy_parse(store, "vm1",
				    "<policy xmlns=\"" VTIER_POLICY_NAMESPACE
				    "\" mode=\"pin-slow\"/>",
				    &error);
	g_assert_no_error(error);
	g_assert_cmpint(policy->mode, ==, VTIER_POLICY_MODE_PIN_SLOW);
}

static void test_parse_every_mode(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();

	for (guint i = 0; i < VTIER_POLICY_MODE_LAST; i++) {
		g_autofree gchar *xml = g_strdup_printf("<vtier:policy " NS " mode=\"%s\"/>",
							vtier_policy_mode_to_string(i));
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierPolicy) policy = vtier_policy_parse(store, "vm1", xml, &error);
		VtierPolicyMode back;

		g_assert_no_error(error);
		g_assert_cmpint(policy->mode, ==, i);
		g_assert_true(vtier_policy_mode_from_string(vtier_policy_mode_to_string(i), &back));
		g_assert_cmpint(back, ==, i);
	}
}

static void test_parse_rejects(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();
	const struct {
		const gchar *xml;
		const gchar *message;
	} cases[] = {
		{ "<vtier:policy " NS " mode=\"fastest\"/>",
		  "guest \"vm1\": policy element <policy> attribute \"mode\": \"fastest\" is not a "
		  "mode (allowed: ratio, allowance, hot-split, interleave, pin-fast, pin-slow, "
		  "monitor, off)" },
		{ "<vtier:policy " NS "><vtier:fast ratio=\"120%\"/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> attribute \"ratio\": \"120%\" is outside "
		  "0%..100% (allowed: a percentage from 0% to 100%, e.g. 60%)" },
		{ "<vtier:policy " NS "><vtier:fast ratio=\"-1%\"/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> attribute \"ratio\": \"-1%\" does not start "
		  "with a number (allowed: a percentage from 0% to 100%, e.g. 60%)" },
		{ "<vtier:policy " NS "><vtier:fast ratio=\"60%\"/><vtier:fast ratio=\"70%\"/>"
		  "</vtier:policy>",
		  "guest \"vm1\": policy element <fast> appears twice (allowed: each element at "
		  "most once)" },
		{ "<vtier:policy " NS " xmlns:x=\"urn:x\"><x:fast ratio=\"60%\"/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> is in the foreign namespace \"urn:x\" "
		  "(allowed: \"" VTIER_POLICY_NAMESPACE "\" or none)" },
		{ "<policy xmlns=\"urn:other\" mode=\"ratio\"/>",
		  "guest \"vm1\": policy element <policy> is in the foreign namespace \"urn:other\" "
		  "(allowed: \"" VTIER_POLICY_NAMESPACE "\")" },
		{ "<policy mode=\"ratio\"/>",
		  "guest \"vm1\": policy element <policy> has no namespace (allowed: "
		  "xmlns=\"" VTIER_POLICY_NAMESPACE "\")" },
		{ "<vtier:policy " NS " xmlns:x=\"urn:x\" x:mode=\"ratio\"/>",
		  "guest \"vm1\": policy element <policy> attribute \"mode\" is in the foreign "
		  "namespace \"urn:x\" (allowed: attributes without a namespace)" },
		{ "<vtier:policy " NS " speed=\"max\"/>",
		  "guest \"vm1\": policy element <policy> has an unknown attribute \"speed\" "
		  "(allowed: mode, template)" },
		{ "<vtier:policy " NS "><vtier:slow ratio=\"5%\"/></vtier:policy>",
		  "guest \"vm1\": policy has an unknown element <slow> (allowed: fast, migration, "
		  "hot, cold, priority)" },
		{ "<vtier:policy " NS "><vtier:fast share=\"5%\"/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> has an unknown attribute \"share\" "
		  "(allowed: ratio, size)" },
		{ "<vtier:policy " NS "><vtier:fast ratio=\"5%\" size=\"1GiB\"/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> sets both \"ratio\" and \"size\" (allowed: "
		  "one of them)" },
		{ "<vtier:policy " NS "><vtier:fast/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> sets nothing (allowed attributes: ratio, "
		  "size)" },
		{ "<vtier:policy " NS "><vtier:fast size=\"8 XiB\"/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> attribute \"size\": \"8 XiB\" has an unknown "
		  "unit (allowed: " SIZE_UNITS ")" },
		/* one "(allowed: ...)" list, the units' */
		{ "<vtier:policy " NS "><vtier:fast size=\"4\"/></vtier:policy>",
		  "guest \"vm1\": policy element <fast> attribute \"size\": \"4\" needs a unit "
		  "(allowed: " SIZE_UNITS ")" },
		{ "<vtier:policy " NS "><vtier:migration max-rate=\"0/s\"/></vtier:policy>",
		  "guest \"vm1\": policy element <migration> attribute \"max-rate\": \"0/s\" is out "
		  "of range (allowed: a rate from 1MiB/s to 64GiB/s, e.g. 256MiB/s)" },
		{ "<vtier:policy " NS "><vtier:migration tuner=\"pid\"/></vtier:policy>",
		  "guest \"vm1\": policy element <migration> attribute \"tuner\": \"pid\" is not a "
		  "tuner (allowed: vtier, kernel)" },
		{ "<vtier:policy " NS "><vtier:hot threshold=\"0%\"/></vtier:policy>",
		  "guest \"vm1\": policy element <hot> attribute \"threshold\": \"0%\" is out of "
		  "range (allowed: a percentage of samples above 0% up to 100%, e.g. 5%)" },
		{ "<vtier:policy " NS "><vtier:cold age=\"2d\"/></vtier:policy>",
		  "guest \"vm1\": policy element <cold> attribute \"age\": \"2d\" has an unknown "
		  "unit (allowed: ms, s, sec, min, h, in any case)" },
		{ "<vtier:policy " NS "><vtier:priority value=\"101\"/></vtier:policy>",
		  "guest \"vm1\": policy element <priority> attribute \"value\": \"101\" is out of "
		  "range (allowed: a whole number from 0 to 100)" },
		{ "<vtier:policy " NS "><vtier:fast ratio=\"5%\">x</vtier:fast></vtier:policy>",
		  "guest \"vm1\": policy element <fast> has content (allowed: empty element)" },
		{ "<vtier:policy " NS ">hello</vtier:policy>",
		  "guest \"vm1\": policy element <policy> contains text (allowed: child elements "
		  "only)" },
		{ "<vtier:policy " NS " template=\"../etc/passwd\"/>",
		  "guest \"vm1\": policy element <policy> attribute \"template\": \"../etc/passwd\" "
		  "is not a template name (allowed: letters, digits, - and _)" },
		{ "<vtier:config " NS "/>",
		  "guest \"vm1\": the policy element is <config> (allowed: <policy>)" },
		{ "<!DOCTYPE p [<!ENTITY a \"aaaa\">]><vtier:policy " NS " mode=\"&a;\"/>",
		  "guest \"vm1\": policy has a DTD or entity declaration (allowed: none)" },
		{ "<vtier:policy " NS " mode=\"&a;\"/>",
		  "guest \"vm1\": policy is not well-formed XML: line 1: Entity 'a' not defined" },
		{ "<vtier:policy " NS " mode=\"ratio\">",
		  "guest \"vm1\": policy is not well-formed XML: line 1: Premature end of data in "
		  "tag policy line 1" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierPolicy) policy = vtier_policy_parse(store, "vm1", cases[i].xml,
								   &error);

		g_assert_null(policy);
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
		g_assert_cmpstr(error->message, ==, cases[i].message);
	}
}

static void test_parse_size_limit(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();
	g_autoptr(GString) xml = g_string_new("<vtier:policy " NS " mode=\"ratio\">");
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierPolicy) policy = NULL;

	while (xml->len <= VTIER_POLICY_MAX_XML_BYTES)
		g_string_append(xml, "<!-- padding padding padding padding -->");
	g_string_append(xml, "</vtier:policy>");
	policy = vtier_policy_parse(store, "vm1", xml->str, &error);
	g_assert_null(policy);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_true(strstr(error->message, "(allowed: at most 65536)") != NULL);
}

static void test_templates_shipped(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();
	g_auto(GStrv) names = vtier_policy_store_list_templates(store);
	g_autoptr(VtierPolicy) builtin = vtier_policy_new_default(VTIER_POLICY_MODE_RATIO);
	g_autoptr(GError) error = NULL;
	const VtierPolicy *def;
	const VtierPolicy *latency;
	g_autofree gchar *joined = g_strjoinv(",", names);

	g_assert_cmpstr(joined, ==, "balanced,capacity,default,latency-critical");
	/* default.xml spells out the built-in values exactly */
	def = vtier_policy_store_lookup(store, "default", "vm1", &error);
	g_assert_no_error(error);
	g_assert_cmpint(def->mode, ==, builtin->mode);
	g_assert_cmpuint(def->fast_ratio_bp, ==, builtin->fast_ratio_bp);
	g_assert_cmpuint(def->max_rate, ==, builtin->max_rate);
	g_assert_cmpint(def->tuner, ==, builtin->tuner);
	g_assert_cmpuint(def->hot_threshold_bp, ==, builtin->hot_threshold_bp);
	g_assert_cmpuint(def->cold_age_ms, ==, builtin->cold_age_ms);
	g_assert_cmpuint(def->priority, ==, builtin->priority);
	latency = vtier_policy_store_lookup(store, "latency-critical", "vm1", &error);
	g_assert_no_error(error);
	g_assert_cmpint(latency->mode, ==, VTIER_POLICY_MODE_PIN_FAST);
	g_assert_cmpstr(latency->origin, ==, "template latency-critical");
	g_assert_null(vtier_policy_store_lookup(store, "fastest", "vm1", &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_true(g_str_has_prefix(error->message, "guest \"vm1\": policy element <policy> "
							 "attribute \"template\": no template "
							 "\"fastest\" in "));
	g_assert_true(g_str_has_suffix(error->message,
				       "(allowed: balanced, capacity, default, latency-critical)"));
}

/* A directory with the shipped schema, one good and one broken template, and VTIER_POLICY_DIR. */
static void test_templates_broken(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("vtier-policy-XXXXXX", NULL);
	g_autofree gchar *rng_src =
		g_test_build_filename(G_TEST_DIST, "..", "policies", "vtier-policy.rng", NULL);
	g_autofree gchar *rng = NULL;
	g_autoptr(VtierPolicyStore) store = NULL;
	g_autoptr(VtierPolicy) policy = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_get_contents(rng_src, &rng, NULL, NULL));
	vtier_test_write_file(dir, "vtier-policy.rng", rng);
	vtier_test_write_file(dir, "gold.xml",
			      "<policy xmlns=\"" VTIER_POLICY_NAMESPACE "\" mode=\"pin-fast\"/>");
	vtier_test_write_file(dir, "loop.xml",
			      "<policy xmlns=\"" VTIER_POLICY_NAMESPACE "\" template=\"gold\"/>");
	vtier_test_write_file(dir, "bad.xml",
			      "<policy xmlns=\"" VTIER_POLICY_NAMESPACE "\" mode=\"warp\"/>");
	g_setenv("VTIER_POLICY_DIR", dir, TRUE);
	g_assert_cmpstr(vtier_policy_dir_default(), ==, dir);
	store = vtier_policy_store_new(NULL, &error);
	g_unsetenv("VTIER_POLICY_DIR");
	g_assert_no_error(error);
	policy = vtier_policy_resolve(store, "vm2", 0,
				      "<policy xmlns=\"" VTIER_POLICY_NAMESPACE "\" template=\"gold\"/>",
				      VTIER_POLICY_MODE_RATIO, &error);
	g_assert_no_error(error);
	g_assert_cmpint(policy->mode, ==, VTIER_POLICY_MODE_PIN_FAST);
	g_assert_null(vtier_policy_resolve(store, "vm2", 0,
					   "<policy xmlns=\"" VTIER_POLICY_NAMESPACE
					   "\" template=\"bad\"/>",
					   VTIER_POLICY_MODE_RATIO, &error));
	g_assert_true(strstr(error->message, "guest \"vm2\": policy element <policy> attribute "
					     "\"template\": template \"bad\" is invalid: template "
					     "\"bad\"") != NULL);
	g_assert_true(strstr(error->message, "\"warp\" is not a mode (allowed: ratio,") != NULL);
	g_clear_error(&error);
	g_assert_null(vtier_policy_resolve(store, "vm2", 0,
					   "<policy xmlns=\"" VTIER_POLICY_NAMESPACE
					   "\" template=\"loop\"/>",
					   VTIER_POLICY_MODE_RATIO, &error));
	g_assert_true(strstr(error->message, "a template cannot name another template") != NULL);
	vtier_test_rm_rf(dir);
}

static void test_resolve_merge_order(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierPolicy) none = NULL;
	g_autoptr(VtierPolicy) templ = NULL;
	g_autoptr(VtierPolicy) over = NULL;

	/* no policy: the host default mode from vtierd.conf, built-in knobs */
	none = vtier_policy_resolve(store, "vm1", 16 * GIB, NULL, VTIER_POLICY_MODE_MONITOR,
				    &error);
	g_assert_no_error(error);
	g_assert_cmpint(none->mode, ==, VTIER_POLICY_MODE_MONITOR);
	g_assert_cmpstr(none->origin, ==, "host default");
	g_assert_cmpuint(none->max_rate, ==, VTIER_POLICY_DEFAULT_MAX_RATE);
	/* a template over the host default */
	templ = vtier_policy_resolve(store, "vm1", 16 * GIB,
				     "<vtier:policy " NS " template=\"capacity\"/>",
				     VTIER_POLICY_MODE_MONITOR, &error);
	g_assert_no_error(error);
	g_assert_cmpint(templ->mode, ==, VTIER_POLICY_MODE_RATIO);
	g_assert_cmpstr(templ->origin, ==, "template capacity");
	g_assert_cmpuint(templ->fast_ratio_bp, ==, 2000);
	g_assert_cmpuint(templ->max_rate, ==, 64 * MIB);
	g_assert_cmpuint(templ->cold_age_ms, ==, 5000);
	g_assert_cmpuint(templ->priority, ==, 20);
	/* the domain over the template, field by field */
	over = vtier_policy_resolve(store, "vm1", 16 * GIB,
				    "<vtier:policy " NS " template=\"capacity\" mode=\"allowance\">"
				    "<vtier:fast size=\"4GiB\"/><vtier:priority value=\"80\"/>"
				    "</vtier:policy>",
				    VTIER_POLICY_MODE_MONITOR, &error);
	g_assert_no_error(error);
	g_assert_cmpint(over->mode, ==, VTIER_POLICY_MODE_ALLOWANCE);
	g_assert_cmpstr(over->origin, ==, "domain");
	g_assert_cmpstr(over->template_name, ==, "capacity");
	g_assert_cmpuint(over->fast_size, ==, 4 * GIB);
	g_assert_cmpuint(over->priority, ==, 80);
	g_assert_cmpuint(over->max_rate, ==, 64 * MIB);
	g_assert_cmpuint(over->fast_ratio_bp, ==, 2000);
}

static void test_resolve_rejects(void)
{
	g_autoptr(VtierPolicyStore) store = store_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierPolicy) policy = NULL;

	policy = vtier_policy_resolve(store, "vm1", 4 * GIB,
				      "<vtier:policy " NS " mode=\"allowance\"><vtier:fast "
				      "size=\"8GiB\"/></vtier:policy>",
				      VTIER_POLICY_MODE_RATIO, &error);
	g_assert_null(policy);
	g_assert_cmpstr(error->message, ==,
			"guest \"vm1\": policy element <fast> attribute \"size\": 8GiB is larger "
			"than the guest's memory (allowed: 0 to 4GiB)");
	g_clear_error(&error);
	policy = vtier_policy_resolve(store, "vm1", 4 * GIB,
				      "<vtier:policy " NS " mode=\"allowance\"/>",
				      VTIER_POLICY_MODE_RATIO, &error);
	g_assert_null(policy);
	g_assert_cmpstr(error->message, ==,
			"guest \"vm1\": policy mode \"allowance\" needs <fast size=\"...\"/> "
			"(allowed: a size up to the guest's memory, e.g. 8GiB)");
	g_clear_error(&error);
	policy = vtier_policy_resolve(store, "vm1", 4 * GIB,
				      "<vtier:policy " NS " mode=\"allowance\"><vtier:fast "
				      "size=\"4GiB\"/></vtier:policy>",
				      VTIER_POLICY_MODE_RATIO, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(policy->fast_size, ==, 4 * GIB);
}

static void test_policy_json(void)
{
	g_autoptr(VtierPolicy) policy = vtier_policy_new_default(VTIER_POLICY_MODE_HOT_SPLIT);
	g_autoptr(JsonNode) node = vtier_policy_to_json(policy);
	g_autofree gchar *text = json_to_string(node, FALSE);
	g_autofree gchar *xml = vtier_policy_to_xml(policy, TRUE);

	g_assert_cmpstr(text, ==,
			"{\"mode\":\"hot-split\",\"origin\":\"host default\",\"template\":null,"
			"\"fast_ratio_bp\":5000,\"fast_size_bytes\":null,"
			"\"max_rate_bytes_per_second\":268435456,\"tuner\":\"vtier\","
			"\"hot_threshold_bp\":500,\"cold_age_ms\":10000,\"priority\":50}");
	g_assert_cmpstr(xml, ==,
			"<vtier:policy xmlns:vtier=\"" VTIER_POLICY_NAMESPACE "\" mode=\"hot-split\">\n"
			"  <vtier:fast ratio=\"50%\"/>\n"
			"  <vtier:migration max-rate=\"256MiB/s\" tuner=\"vtier\"/>\n"
			"  <vtier:hot threshold=\"5%\"/>\n"
			"  <vtier:cold age=\"10s\"/>\n"
			"  <vtier:priority value=\"50\"/>\n"
			"</vtier:policy>\n");
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/policy/units/sizes", test_units_sizes);
	g_test_add_func("/policy/units/others", test_units_others);
	g_test_add_func("/policy/units/listed", test_units_listed);
	g_test_add_func("/policy/units/format", test_units_format);
	g_test_add_func("/policy/parse/full", test_parse_full);
	g_test_add_func("/policy/parse/libvirt-form", test_parse_libvirt_form);
	g_test_add_func("/policy/parse/every-mode", test_parse_every_mode);
	g_test_add_func("/policy/parse/rejects", test_parse_rejects);
	g_test_add_func("/policy/parse/size-limit", test_parse_size_limit);
	g_test_add_func("/policy/templates/shipped", test_templates_shipped);
	g_test_add_func("/policy/templates/broken", test_templates_broken);
	g_test_add_func("/policy/resolve/merge-order", test_resolve_merge_order);
	g_test_add_func("/policy/resolve/rejects", test_resolve_rejects);
	g_test_add_func("/policy/json", test_policy_json);
	return g_test_run();
}
