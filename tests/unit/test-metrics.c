/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-test"

#include "config.h"

#include "common/error.h"
#include "common/escape.h"
#include "common/config.h"
#include "metrics-fixture.h"
#include "metrics/metrics.h"
#include "vtier-test.h"

/* The renderer against goldens in tests/data/metrics/ (VTIER_TEST_REGENERATE=1 rewrites them),
 * the metrics label escaper, and the [metrics] listen parser. The HTTP endpoint is tested in
 * test-metrics-server.c. */

static void assert_metrics_golden(const gchar *name, const gchar *text)
{
	g_autofree gchar *path = vtier_test_data_path("metrics", name, NULL);

	vtier_test_assert_golden_path(path, text);
}

static void test_escape_label(void)
{
	const struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
		{ "plain-name_1.2", "plain-name_1.2" },
		{ "", "" },
		{ "quo\"te", "quo\\\"te" },
		{ "back\\slash", "back\\\\slash" },
		{ "new\nline", "new\\nline" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "tab\tcr\r", "tab\tcr\r" }, /* the format escapes only \\, \" and \n */
		{ "\xc3\xbcnic\xc3\xb8" "de", "\xc3\xbcnic\xc3\xb8" "de" },
		{ "bad-\xff-utf8", "bad-\xef\xbf\xbd-utf8" },
		{ "cut-\xe2\x9c", "cut-\xef\xbf\xbd\xef\xbf\xbd" }, /* one U+FFFD per bad byte */
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *escaped = vtier_escape_metrics_label(cases[i].in);

		g_assert_cmpstr(escaped, ==, cases[i].out);
		g_assert_true(g_utf8_validate(escaped, -1, NULL));
	}
	g_autofree gchar *null_text = vtier_escape_metrics_label(NULL);
	g_assert_cmpstr(null_text, ==, "");
}

static void test_render_empty(void)
{
	g_autoptr(VtierSnapshot) s = vtier_snapshot_new();
	g_autofree gchar *text = NULL;

	g_free(s->version); /* vtier_snapshot_new() sets these */
	s->version = g_strdup("0.1.0");
	text = vtier_metrics_render(s);
	assert_metrics_golden("empty.prom", text);
}

static void test_render_host(void)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_host();
	g_autofree gchar *text = vtier_metrics_render(s);

	assert_metrics_golden("host.prom", text);
}

/* Every error kind vtierd counts has a sample from 0, so rate() and the error alert see the first
 * error; a kind the snapshot counted besides them is shown too. */
static void test_render_errors_from_zero(void)
{
	g_autoptr(VtierSnapshot) s = vtier_snapshot_new();
	g_autofree gchar *text = NULL;

	vtier_snapshot_count_error(s, "memcg");
	vtier_snapshot_count_error(s, "zz-other");
	text = vtier_metrics_render(s);
	for (guint i = 0; vtier_snapshot_error_kinds[i] != NULL; i++) {
		const gchar *kind = vtier_snapshot_error_kinds[i];
		g_autofree gchar *line = g_strdup_printf("\nvtier_errors_total{kind=\"%s\"} %s\n", kind,
							 g_str_equal(kind, "memcg") ? "1" : "0");

		g_assert_nonnull(strstr(text, line));
	}
	g_assert_nonnull(strstr(text, "\nvtier_errors_total{kind=\"zz-other\"} 1\n"));
}

/* Every line is a comment or `name{labels} value` with the labels well-formed: no guest-supplied
 * text can end a label, a sample or a line early. */
static void test_render_lines_well_formed(void)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_host();
	g_autofree gchar *text = vtier_metrics_render(s);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GRegex) sample = g_regex_new(
		"^[a-z_]+(\\{[a-z_]+=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\"(,[a-z_]+=\"([^\"\\\\\\n]|"
		"\\\\[\\\\\"n])*\")*\\})? (-?[0-9.e+-]+|\\+Inf|NaN)$",
		G_REGEX_OPTIMIZE, 0, NULL);
	guint samples = 0;

	g_assert_nonnull(sample);
	g_assert_true(g_utf8_validate(text, -1, NULL));
	g_assert_true(g_str_has_suffix(text, "\n"));
	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '\0' || g_str_has_prefix(lines[i], "# HELP ") ||
		    g_str_has_prefix(lines[i], "# TYPE "))
			continue;
		if (!g_regex_match(sample, lines[i], 0, NULL))
			g_test_fail_printf("malformed sample line %u: %s", i + 1, lines[i]);
		samples++;
	}
	g_assert_cmpuint(samples, >, 100);
	/* the guest named to inject a sample did not */
	g_assert_true(strstr(text, "\nvtier_kdamond_up 1\n") != NULL);
	g_assert_null(strstr(text, "\nvtier_kdamond_up 0\n"));
}

/* A guest whose memory is not measured is listed with its state and has no memory series. */
static void test_render_unmeasured(void)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_host();
	g_autofree gchar *text = vtier_metrics_render(s);

	g_assert_nonnull(strstr(text, "vtier_guest_info{domain=\"no-memcg\",uuid=\""));
	g_assert_nonnull(strstr(text, "mode=\"ratio\",state=\"unmeasured\"} 1\n"));
	g_assert_null(strstr(text, "vtier_guest_memory_bytes{domain=\"no-memcg\""));
	g_assert_null(strstr(text, "vtier_guest_fast_share_ratio{domain=\"no-memcg\""));
	g_assert_null(strstr(text, "vtier_guest_tier_byte_seconds_total{domain=\"no-memcg\""));
	/* its target and its controller state are still there */
	g_assert_nonnull(strstr(text, "vtier_guest_target_fast_share_ratio{domain=\"no-memcg\"} "
				      "0.25\n"));
	g_assert_nonnull(strstr(text, "vtier_guest_controller_state{domain=\"no-memcg\","
				      "state=\"error\"} 1\n"));
	/* a measured guest has them */
	g_assert_nonnull(strstr(text, "vtier_guest_memory_bytes{domain=\"web\",node=\"0\","
				      "tier=\"fast\"} 6442450944\n"));
	g_assert_nonnull(strstr(text, "vtier_guest_fast_share_ratio{domain=\"web\"} 0.375\n"));
}

/* The families issue 12 asks for (tests/data/metrics/issue-families.txt, which
 * tests/suites/metrics.sh checks vtierd's scrape against too). */
static GStrv issue_families(void)
{
	g_autofree gchar *path = vtier_test_data_path("metrics", "issue-families.txt", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GStrvBuilder) families = g_strv_builder_new();

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != '\0' && lines[i][0] != '#')
			g_strv_builder_add(families, lines[i]);
	}
	return g_strv_builder_end(families);
}

/* Each family is announced once, before its samples, and its samples are contiguous. */
static void test_render_families_contiguous(void)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_synthetic(20);
	g_autofree gchar *text = vtier_metrics_render(s);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *current = NULL;
	g_auto(GStrv) families = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) words = NULL;

		if (!g_str_has_prefix(lines[i], "# TYPE "))
			continue;
		words = g_strsplit(lines[i], " ", 4);
		g_assert_false(g_hash_table_contains(seen, words[2]));
		g_hash_table_add(seen, g_strdup(words[2]));
		g_assert_true(g_str_has_prefix(lines[i - 1], "# HELP "));
		g_free(current);
		current = g_strdup(words[2]);
		for (guint j = i + 1; lines[j] != NULL && lines[j][0] != '#' && lines[j][0]; j++)
			g_assert_true(g_str_has_prefix(lines[j], current));
	}
	families = issue_families();
	g_assert_cmpuint(g_strv_length(families), ==, 18);
	for (guint i = 0; families[i] != NULL; i++) {
		if (!g_hash_table_contains(seen, families[i]))
			g_test_fail_printf("family %s is missing", families[i]);
	}
}

static void test_render_deterministic(void)
{
	g_autoptr(VtierSnapshot) s = vtier_metrics_fixture_host();
	g_autoptr(VtierSnapshot) copy = vtier_snapshot_copy(s);
	g_autofree gchar *a = vtier_metrics_render(s);
	g_autofree gchar *b = vtier_metrics_render(copy);

	g_assert_cmpstr(a, ==, b);
}

static void test_listen_valid(void)
{
	const struct {
		const gchar *text;
		const gchar *address;
		guint16 port;
	} cases[] = {
		{ "127.0.0.1:9848", "127.0.0.1", 9848 },
		{ "0.0.0.0:1", "0.0.0.0", 1 },
		{ "[::1]:9848", "::1", 9848 },
		{ "[::]:65535", "::", 65535 },
		{ "127.0.0.1:0", "127.0.0.1", 0 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GSocketAddress) address = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree gchar *host = NULL;
		GInetSocketAddress *inet;

		g_assert_true(vtier_metrics_parse_listen(cases[i].text, &address, &error));
		g_assert_no_error(error);
		inet = G_INET_SOCKET_ADDRESS(address);
		host = g_inet_address_to_string(g_inet_socket_address_get_address(inet));
		g_assert_cmpstr(host, ==, cases[i].address);
		g_assert_cmpuint(g_inet_socket_address_get_port(inet), ==, cases[i].port);
		g_assert_true(vtier_metrics_parse_listen(cases[i].text, NULL, NULL));
	}
}

static void test_listen_off_and_invalid(void)
{
	const gchar *const invalid[] = {
		"",	       "127.0.0.1",	 "127.0.0.1:",	  "127.0.0.1:65536", "127.0.0.1:-1",
		"localhost:9848", "::1:9848",	 "[::1]9848",	  "[127.0.0.1]:80",  "[::1:80",
		"127.0.0.1:80 ",  " 127.0.0.1:80", "127.0.0.1:0x50", "1.2.3:80",	     "OFF",
		"127.0.0.1:+80",  "[::1]:",	 ":9848",	  "9848",
	};
	g_autoptr(GSocketAddress) address = NULL;

	g_assert_true(vtier_metrics_parse_listen("off", &address, NULL));
	g_assert_null(address);
	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *quoted = g_strdup_printf("listen=\"%s\"", invalid[i]);

		g_assert_false(vtier_metrics_parse_listen(invalid[i], &address, &error));
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
		g_assert_nonnull(strstr(error->message, quoted));
		g_assert_null(address);
	}
}

/* vtierd.conf validation goes through the same parser. */
static void test_listen_config(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierConfig) bad =
		vtier_config_load_data("[metrics]\nlisten=localhost:9848\n", "t.conf", &error);
	g_autoptr(VtierConfig) good = NULL;
	g_autoptr(VtierConfig) off = NULL;
	g_autofree gchar *value = NULL;

	g_assert_null(bad);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "t.conf: [metrics] listen=\"localhost:9848\""));
	good = vtier_config_load_data("[metrics]\nlisten=[::1]:9100\n", "t.conf", NULL);
	g_assert_nonnull(good);
	value = vtier_config_get_string(good, "metrics", "listen");
	g_assert_cmpstr(value, ==, "[::1]:9100");
	off = vtier_config_load_data("[metrics]\nlisten=off\n", "t.conf", NULL);
	g_assert_nonnull(off);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/metrics/escape/label", test_escape_label);
	g_test_add_func("/metrics/render/empty", test_render_empty);
	g_test_add_func("/metrics/render/host", test_render_host);
	g_test_add_func("/metrics/render/well-formed", test_render_lines_well_formed);
	g_test_add_func("/metrics/render/unmeasured", test_render_unmeasured);
	g_test_add_func("/metrics/render/families", test_render_families_contiguous);
	g_test_add_func("/metrics/render/errors-from-zero", test_render_errors_from_zero);
	g_test_add_func("/metrics/render/deterministic", test_render_deterministic);
	g_test_add_func("/metrics/listen/valid", test_listen_valid);
	g_test_add_func("/metrics/listen/invalid", test_listen_off_and_invalid);
	g_test_add_func("/metrics/listen/config", test_listen_config);
	return g_test_run();
}
