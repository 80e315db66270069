/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vtierctl guests / policy against libvirt's test driver (tests/data/libvirt/node.xml). */
#include "config.h"

#include "virt/guest.h"
#include "vtier-test.h"

static gchar *node_uri(void)
{
	g_autofree gchar *path = vtier_test_data_path("libvirt", "node.xml", NULL);

	return g_strconcat("test://", path, NULL);
}

/* Runs vtierctl with @args; returns its exit status, output in @ret_out/@ret_err. */
static gint run_ctl(const gchar *const *args, gchar **ret_out, gchar **ret_err)
{
	g_autofree gchar *ctl = g_build_filename(g_getenv("VTIER_BUILDDIR"), "vtierctl", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	gint status = -1;

	g_ptr_array_add(argv, ctl);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
				   ret_out, ret_err, &status, &error));
	g_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cli_guests_json(void)
{
	g_autofree gchar *uri = node_uri();
	const gchar *args[] = { "guests", "--connect", uri, "--json", NULL };
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) db1 = NULL;
	JsonObject *root;
	JsonArray *guests;

	g_assert_cmpint(run_ctl(args, &out, &err), ==, 0);
	g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
	root = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(root, "uri"), ==, uri);
	guests = json_object_get_array_member(root, "guests");
	g_assert_cmpuint(json_array_get_length(guests), ==, 2);
	db1 = vtier_guest_from_json(json_array_get_element(guests, 0), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(db1->name, ==, "db1");
	g_assert_cmpuint(db1->memory_bytes, ==, 1ULL << 30);
	g_assert_nonnull(strstr(db1->policy_xml, "ratio=\"70%\""));
}

static void test_cli_guests_table(void)
{
	g_autofree gchar *uri = node_uri();
	const gchar *args[] = { "guests", "--connect", uri, NULL };
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	g_assert_cmpint(run_ctl(args, &out, &err), ==, 0);
	g_assert_true(g_str_has_prefix(out, "NAME"));
	g_assert_nonnull(strstr(out, "\ndb1 "));
	g_assert_nonnull(strstr(out, "\nweb "));
	g_assert_null(strstr(out, "idle"));
}

/* A domain name is anyone's text: the table shows it escaped, never a bidi override, a tab or a
 * C1 control that would reorder, misalign or recolour the terminal. */
static void test_cli_guests_hostile_name(void)
{
	g_autofree gchar *path = vtier_test_data_path("libvirt", "node.xml", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-cli-virt-XXXXXX", NULL);
	g_autofree gchar *evil = g_build_filename(tmp, "node.xml", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *uri = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GString) xml = NULL;
	const gchar *args[] = { "guests", "--connect", NULL, NULL };

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	xml = g_string_new(text);
	g_assert_cmpuint(g_string_replace(xml, "<name>web</name>",
					  "<name>web&#x202E;gpj&#9;&#x9B;31m</name>", 1), ==, 1);
	g_assert_true(g_file_set_contents(evil, xml->str, -1, NULL));
	uri = g_strconcat("test://", evil, NULL);
	args[2] = uri;
	g_assert_cmpint(run_ctl(args, &out, &err), ==, 0);
	g_assert_nonnull(strstr(out, "\nweb\\u{202e}gpj\\t\\u{009b}31m "));
	g_assert_null(strstr(out, "\u202E"));
	g_assert_null(strstr(out, "\t"));
	g_assert_null(strstr(out, "\xc2\x9b"));
	vtier_test_rm_rf(tmp);
}

static void test_cli_policy(void)
{
	g_autofree gchar *uri = node_uri();
	const gchar *get[] = { "policy", "get", "db1", "--connect", uri, NULL };
	const gchar *get_web[] = { "policy", "get", "web", "--connect", uri, "--json", NULL };
	const gchar *bad[] = { "policy", "set", "db1", "--connect", uri, "<policy", NULL };
	const gchar *wrong_ns[] = { "policy", "set", "db1", "--connect", uri,
				    "<p:policy xmlns:p='urn:x'/>", NULL };
	const gchar *ok_set[] = { "policy", "set", "db1", "--connect", uri, "<policy mode='off'/>",
				  NULL };
	const gchar *too_big[] = { "policy", "set", "db1", "--connect", uri,
				   "<policy mode='allowance'><fast size='1TiB'/></policy>", NULL };
	/* db1 runs with 1 GiB of its 2 GiB maximum: the current memory decides, as in plan */
	const gchar *above_current[] = { "policy", "set", "db1", "--connect", uri,
					 "<policy mode='allowance'><fast size='1536MiB'/></policy>",
					 NULL };
	const gchar *bad_ratio[] = { "policy", "set", "db1", "--connect", uri,
				     "<policy mode='ratio'><fast ratio='150%'/></policy>", NULL };
	const gchar *clear[] = { "policy", "clear", "db1", "--connect", uri, NULL };
	const gchar *missing[] = { "policy", "get", "nosuch", "--connect", uri, NULL };
	const gchar *usage[] = { "policy", "frob", "db1", NULL };
	g_autofree gchar *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL;
	g_autofree gchar *o4 = NULL, *e4 = NULL, *o5 = NULL, *e5 = NULL, *o6 = NULL, *e6 = NULL;
	g_autofree gchar *o7 = NULL, *e7 = NULL, *o8 = NULL, *e8 = NULL;
	g_autofree gchar *o9 = NULL, *e9 = NULL, *o10 = NULL, *e10 = NULL;

	g_assert_cmpint(run_ctl(get, &o1, &e1), ==, 0);
	g_assert_nonnull(strstr(o1, "<policy mode=\"ratio\">"));
	g_assert_nonnull(strstr(o1, "<fast ratio=\"70%\"/>"));
	g_assert_cmpint(run_ctl(get_web, &o2, &e2), ==, 0);
	g_assert_nonnull(strstr(o2, "\"policy\" : null"));
	g_assert_cmpint(run_ctl(bad, &o3, &e3), ==, 1);
	g_assert_nonnull(strstr(e3, "invalid policy"));
	g_assert_cmpint(run_ctl(wrong_ns, &o4, &e4), ==, 1);
	g_assert_nonnull(strstr(e4, "urn:x"));
	/* each vtierctl run opens the node file afresh: the write succeeds, it does not persist */
	g_assert_cmpint(run_ctl(ok_set, &o5, &e5), ==, 0);
	/* the contents are validated as vtierd reads them, before anything is written */
	g_assert_cmpint(run_ctl(too_big, &o9, &e9), ==, 1);
	g_assert_nonnull(strstr(e9, "db1"));
	{
		g_autofree gchar *o11 = NULL, *e11 = NULL;

		g_assert_cmpint(run_ctl(above_current, &o11, &e11), ==, 1);
		g_assert_nonnull(strstr(e11, "larger than the guest's memory"));
	}
	g_assert_cmpint(run_ctl(bad_ratio, &o10, &e10), ==, 1);
	g_assert_nonnull(strstr(e10, "ratio"));
	g_assert_nonnull(strstr(e10, "150%"));
	g_assert_cmpint(run_ctl(clear, &o6, &e6), ==, 0);
	g_assert_cmpint(run_ctl(missing, &o7, &e7), ==, 1);
	g_assert_nonnull(strstr(e7, "nosuch"));
	g_assert_cmpint(run_ctl(usage, &o8, &e8), ==, 1);
	g_assert_nonnull(strstr(e8, "usage"));
}

static void test_cli_guests_unreachable(void)
{
	const gchar *args[] = { "guests", "--connect", "test:///nonexistent/node.xml", NULL };
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	g_assert_cmpint(run_ctl(args, &out, &err), ==, 1);
	g_assert_nonnull(strstr(err, "cannot connect to libvirt at test:///nonexistent/node.xml"));
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	{
		/* vtierctl validates policies against the source tree's schema and templates */
		g_autofree gchar *policies =
			g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);

		g_setenv("VTIER_POLICY_DIR", policies, TRUE);
	}
	if (g_getenv("VTIER_BUILDDIR") == NULL) {
		g_printerr("VTIER_BUILDDIR is not set\n");
		return 77;
	}
	g_test_add_func("/cli-virt/guests-json", test_cli_guests_json);
	g_test_add_func("/cli-virt/guests-table", test_cli_guests_table);
	g_test_add_func("/cli-virt/guests-hostile-name", test_cli_guests_hostile_name);
	g_test_add_func("/cli-virt/policy", test_cli_policy);
	g_test_add_func("/cli-virt/guests-unreachable", test_cli_guests_unreachable);
	return g_test_run();
}
