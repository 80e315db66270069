/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's test driver (in-process, no daemon) against tests/data/libvirt/node.xml: discovery,
 * lifecycle events, metadata-change events and the policy round trip, all through the GLib
 * main loop that drives libvirt's events. */
#include "config.h"

#include "common/error.h"
#include "virt/connection.h"
#include "virt/domain-xml.h"
#include "virt/metadata.h"
#include "vtier-test.h"

typedef struct {
	VtierVirtConnection *conn;
	GPtrArray *log; /* "added NAME", "changed NAME", "removed NAME", "up", "down" */
} Fixture;

static void on_added(VtierVirtConnection *c, const VtierGuest *g, gpointer data)
{
	Fixture *f = data;
	g_ptr_array_add(f->log, g_strdup_printf("added %s", g->name));
}

static void on_changed(VtierVirtConnection *c, const VtierGuest *g, gpointer data)
{
	Fixture *f = data;
	g_ptr_array_add(f->log, g_strdup_printf("changed %s", g->name));
}

static void on_removed(VtierVirtConnection *c, const VtierGuest *g, gpointer data)
{
	Fixture *f = data;
	g_ptr_array_add(f->log, g_strdup_printf("removed %s", g->name));
}

static void on_connection(VtierVirtConnection *c, gboolean up, gpointer data)
{
	Fixture *f = data;
	g_ptr_array_add(f->log, g_strdup(up ? "up" : "down"));
}

static const VtierVirtCallbacks callbacks = { on_added, on_changed, on_removed, on_connection };

static gchar *node_uri(void)
{
	g_autofree gchar *path = vtier_test_data_path("libvirt", "node.xml", NULL);

	return g_strconcat("test://", path, NULL);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autofree gchar *uri = node_uri();
	g_autoptr(GError) error = NULL;

	f->log = g_ptr_array_new_with_free_func(g_free);
	f->conn = vtier_virt_connection_new(uri, NULL, &callbacks, f);
	g_assert_true(vtier_virt_connection_start(f->conn, &error));
	g_assert_no_error(error);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
	vtier_virt_connection_free(f->conn);
	g_ptr_array_unref(f->log);
	/* let libvirt's deferred frees (idle callbacks) run */
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static gboolean log_has(Fixture *f, const gchar *entry)
{
	for (guint i = 0; i < f->log->len; i++) {
		if (g_strcmp0(g_ptr_array_index(f->log, i), entry) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean timed_out(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

/* Runs the main loop until @entry is logged (TRUE) or 5 s pass (FALSE). */
static gboolean wait_for(Fixture *f, const gchar *entry)
{
	gboolean expired = FALSE;
	guint id = g_timeout_add(5000, timed_out, &expired);

	while (!log_has(f, entry) && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
	return log_has(f, entry);
}

/* Runs the main loop for @ms, to prove that nothing (more) arrives. */
static void spin(guint ms)
{
	gboolean expired = FALSE;

	g_timeout_add(ms, timed_out, &expired);
	while (!expired)
		g_main_context_iteration(NULL, TRUE);
}

static virDomainPtr lookup(Fixture *f, const gchar *name)
{
	virDomainPtr dom =
		virDomainLookupByName(vtier_virt_connection_get_virconnect(f->conn), name);

	g_assert_nonnull(dom);
	return dom;
}

static void test_discovery(Fixture *f, gconstpointer data)
{
	GPtrArray *guests = vtier_virt_connection_get_guests(f->conn);
	const VtierGuest *db1, *web;

	g_assert_true(vtier_virt_connection_is_connected(f->conn));
	g_assert_cmpuint(vtier_virt_connection_get_n_connects(f->conn), ==, 1);
	g_assert_cmpuint(guests->len, ==, 2);
	g_assert_cmpstr(((VtierGuest *)g_ptr_array_index(guests, 0))->name, ==, "db1");
	g_assert_cmpstr(((VtierGuest *)g_ptr_array_index(guests, 1))->name, ==, "web");
	g_assert_true(log_has(f, "added db1"));
	g_assert_true(log_has(f, "added web"));
	g_assert_true(log_has(f, "up"));
	g_assert_cmpuint(f->log->len, ==, 3);
	g_assert_null(vtier_virt_connection_lookup(f->conn, "idle"));

	db1 = vtier_virt_connection_lookup(f->conn, "db1");
	g_assert_cmpstr(db1->uuid, ==, "6695eb01-f6a4-8304-79aa-97f2502e193f");
	g_assert_cmpint(db1->id, >, 0);
	g_assert_cmpuint(db1->memory_bytes, ==, 1ULL << 30);
	g_assert_cmpstr(db1->numatune_mode, ==, "strict");
	g_assert_cmpuint(db1->bound_nodes->len, ==, 1);
	g_assert_cmpstr(db1->vcpu_cpuset, ==, "0-1");
	g_assert_cmpuint(db1->n_numa_cells, ==, 1);
	g_assert_cmpint(db1->pid, ==, 0); /* the test driver has no processes */
	g_assert_nonnull(strstr(db1->policy_xml, "ratio=\"70%\""));
	g_assert_nonnull(strstr(db1->policy_xml, "xmlns:vtier=\"" VTIER_POLICY_XMLNS "\""));

	web = vtier_virt_connection_lookup(f->conn, "web");
	g_assert_null(web->policy_xml); /* foreign namespace */
	g_assert_cmpstr(web->memory_source, ==, "memfd");
	g_assert_cmpstr(web->memory_access, ==, "shared");
}

static void test_lifecycle(Fixture *f, gconstpointer data)
{
	g_autoptr(virDomain) idle = lookup(f, "idle");
	g_autoptr(virDomain) web = lookup(f, "web");
	g_autoptr(virDomain) db1 = lookup(f, "db1");

	g_ptr_array_set_size(f->log, 0);
	g_assert_cmpint(virDomainCreate(idle), ==, 0);
	g_assert_true(wait_for(f, "added idle"));
	g_assert_nonnull(vtier_virt_connection_lookup(f->conn, "idle"));
	g_assert_cmpint(vtier_virt_connection_lookup(f->conn, "idle")->id, >, 0);

	g_assert_cmpint(virDomainDestroy(web), ==, 0);
	g_assert_true(wait_for(f, "removed web"));
	g_assert_null(vtier_virt_connection_lookup(f->conn, "web"));

	/* a paused guest still holds its memory: it stays */
	g_assert_cmpint(virDomainSuspend(db1), ==, 0);
	spin(300);
	g_assert_nonnull(vtier_virt_connection_lookup(f->conn, "db1"));
	g_assert_false(log_has(f, "removed db1"));
	g_assert_cmpint(virDomainResume(db1), ==, 0);

	g_assert_cmpint(virDomainCreate(web), ==, 0);
	g_assert_true(wait_for(f, "added web"));
	g_assert_cmpuint(vtier_virt_connection_get_guests(f->conn)->len, ==, 3);
	g_assert_cmpuint(f->log->len, ==, 3);
}

static void test_metadata_event(Fixture *f, gconstpointer data)
{
	g_autoptr(virDomain) db1 = lookup(f, "db1");
	g_autoptr(virDomain) web = lookup(f, "web");
	g_autoptr(GError) error = NULL;

	g_ptr_array_set_size(f->log, 0);
	g_assert_true(vtier_virt_policy_set(db1, "<policy mode='pin-fast'/>", 0, &error));
	g_assert_no_error(error);
	g_assert_true(wait_for(f, "changed db1"));
	g_assert_nonnull(strstr(vtier_virt_connection_lookup(f->conn, "db1")->policy_xml,
				"mode=\"pin-fast\""));

	/* metadata of another namespace: an event arrives but nothing of vtier's changed */
	g_assert_cmpint(virDomainSetMetadata(web, VIR_DOMAIN_METADATA_ELEMENT, "<x a='1'/>", "o",
					     "https://example.org/other/1.0",
					     VIR_DOMAIN_AFFECT_LIVE),
			==, 0);
	spin(300);
	g_assert_false(log_has(f, "changed web"));

	/* a new policy on web */
	g_assert_true(vtier_virt_policy_set(web, "<policy mode='monitor'/>", 0, &error));
	g_assert_true(wait_for(f, "changed web"));
	g_assert_true(vtier_virt_policy_clear(db1, 0, &error));
	g_assert_no_error(error);
	g_ptr_array_set_size(f->log, 0);
	g_assert_true(wait_for(f, "changed db1"));
	g_assert_null(vtier_virt_connection_lookup(f->conn, "db1")->policy_xml);
}

static void test_policy_round_trip(Fixture *f, gconstpointer data)
{
	g_autoptr(virDomain) db1 = lookup(f, "db1");
	g_autoptr(virDomain) idle = lookup(f, "idle");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *xml = NULL;
	g_autofree gchar *live = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *none = NULL;
	const gchar *policy = "<policy mode=\"allowance\" fast-bytes=\"512MiB\"><note>x</note></policy>";

	g_assert_true(vtier_virt_policy_get(db1, VTIER_METADATA_CURRENT, &xml, &error));
	g_assert_no_error(error);
	g_assert_nonnull(strstr(xml, "ratio=\"70%\""));

	g_assert_true(vtier_virt_policy_set(db1, policy, 0, &error));
	g_assert_no_error(error);
	g_assert_true(vtier_virt_policy_get(db1, VTIER_METADATA_LIVE, &live, &error));
	g_assert_true(vtier_virt_policy_get(db1, VTIER_METADATA_CONFIG, &config, &error));
	g_assert_no_error(error);
	/* libvirt returns the element without its namespace prefix */
	g_assert_nonnull(strstr(live, "mode=\"allowance\""));
	g_test_message("stored: %s", live);
	g_assert_nonnull(strstr(live, "<note>x</note>"));
	g_assert_cmpstr(live, ==, config);

	/* the value read back is accepted as input again (idempotent) */
	g_assert_true(vtier_virt_policy_set(db1, live, 0, &error));
	g_assert_no_error(error);

	g_assert_true(vtier_virt_policy_clear(db1, 0, &error));
	g_assert_no_error(error);
	g_assert_true(vtier_virt_policy_get(db1, VTIER_METADATA_CURRENT, &none, &error));
	g_assert_no_error(error);
	g_assert_null(none);

	/* a shut-off domain: persistent config only */
	g_assert_cmpuint(vtier_virt_metadata_write_flags(idle), ==, VIR_DOMAIN_AFFECT_CONFIG);
	g_assert_cmpuint(vtier_virt_metadata_write_flags(db1), ==,
			 VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG);
	g_assert_true(vtier_virt_policy_set(idle, "<policy mode='off'/>", 0, &error));
	g_assert_no_error(error);
}

static void test_policy_rejected(Fixture *f, gconstpointer data)
{
	g_autoptr(virDomain) db1 = lookup(f, "db1");
	const gchar *bad[] = {
		"<tiering mode='off'/>",
		"<x:policy xmlns:x='https://example.org/' mode='off'/>",
		"<policy mode='off'>",
		"<!DOCTYPE p [<!ENTITY e 'x'>]><policy mode='&e;'/>",
		"",
	};
	g_autofree gchar *xml = NULL;
	g_autoptr(GError) error = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;

		g_assert_false(vtier_virt_policy_set(db1, bad[i], 0, &e));
		g_test_message("rejected: %s", e->message);
		g_assert_true(g_str_has_prefix(e->message, "invalid policy: "));
	}
	/* nothing was written */
	g_assert_true(vtier_virt_policy_get(db1, VTIER_METADATA_CURRENT, &xml, &error));
	g_assert_nonnull(strstr(xml, "ratio=\"70%\""));
}

static void test_open_failure(void)
{
	g_autoptr(GError) error = NULL;
	VtierVirtOptions opts = { .backoff_min_ms = 50, .backoff_max_ms = 100 };
	g_autoptr(VtierVirtConnection) conn =
		vtier_virt_connection_new("test:///nonexistent/node.xml", &opts, NULL, NULL);

	g_assert_false(vtier_virt_connection_start(conn, &error));
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_IO);
	g_assert_nonnull(strstr(error->message, "test:///nonexistent/node.xml"));
	g_assert_false(vtier_virt_connection_is_connected(conn));
	/* it keeps retrying in the background without crashing */
	spin(250);
	g_assert_cmpuint(vtier_virt_connection_get_n_connects(conn), ==, 0);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add("/virt-connection/discovery", Fixture, NULL, fixture_setup, test_discovery,
		   fixture_teardown);
	g_test_add("/virt-connection/lifecycle", Fixture, NULL, fixture_setup, test_lifecycle,
		   fixture_teardown);
	g_test_add("/virt-connection/metadata-event", Fixture, NULL, fixture_setup,
		   test_metadata_event, fixture_teardown);
	g_test_add("/virt-connection/policy-round-trip", Fixture, NULL, fixture_setup,
		   test_policy_round_trip, fixture_teardown);
	g_test_add("/virt-connection/policy-rejected", Fixture, NULL, fixture_setup,
		   test_policy_rejected, fixture_teardown);
	g_test_add_func("/virt-connection/open-failure", test_open_failure);
	return g_test_run();
}
