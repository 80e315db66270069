/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <stdio.h>

#include "cli/guests-libvirt.h"
#include "common/error.h"
#include "common/escape.h"
#include "tiering/options.h"
#include "virt/connection.h"
#include "virt/memcg.h"

gchar *vtier_cli_default_libvirt_uri(void)
{
	g_autoptr(GError) error = NULL;
	g_auto(VtierOptions) options = { 0 };

	if (!vtier_options_load(NULL, NULL, &options, &error)) {
		g_warning("ignoring %s", error->message);
		return g_strdup("qemu:///system");
	}
	return g_steal_pointer(&options.libvirt_uri);
}

static gint cmp_name(gconstpointer a, gconstpointer b)
{
	return g_strcmp0((*(VtierGuest *const *)a)->name, (*(VtierGuest *const *)b)->name);
}

/* The running guests of @conn, each with pid, memcg and node usage where they can be found. */
static GPtrArray *collect(virConnectPtr conn, const gchar *uri, GError **error)
{
	g_autoptr(GPtrArray) skipped = NULL;
	GPtrArray *guests = vtier_virt_list_running(conn, uri, FALSE, &skipped, error);

	if (guests == NULL)
		return NULL;
	for (guint i = 0; i < skipped->len; i++)
		g_warning("%s", (const gchar *)g_ptr_array_index(skipped, i));
	for (guint i = 0; i < guests->len; i++) {
		VtierGuest *guest = g_ptr_array_index(guests, i);
		g_autoptr(GError) local = NULL;

		/* pid, memcg and usage exist only for local QEMU guests; absence is normal */
		if (!vtier_memcg_resolve_guest(guest, TRUE, &local))
			g_debug("%s", local->message);
	}
	g_ptr_array_sort(guests, cmp_name);
	return guests;
}

static gchar *format_usage(const VtierGuest *g)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < g->node_bytes->len; i++) {
		g_autofree gchar *size = g_format_size_full(g_array_index(g->node_bytes, guint64, i),
							    G_FORMAT_SIZE_IEC_UNITS);
		g_string_append_printf(s, "%sN%u=%s", s->len > 0 ? " " : "", i, size);
	}
	if (s->len == 0)
		g_string_append(s, "-");
	return g_string_free(s, FALSE);
}

static void print_table(GPtrArray *guests)
{
	printf("%-24s %4s %8s %10s %-6s %-48s %s\n", "NAME", "ID", "PID", "MEMORY", "POLICY",
	       "MEMCG", "NODE USAGE");
	for (guint i = 0; i < guests->len; i++) {
		const VtierGuest *g = g_ptr_array_index(guests, i);
		g_autofree gchar *mem = g_format_size_full(g->memory_bytes, G_FORMAT_SIZE_IEC_UNITS);
		g_autofree gchar *usage = format_usage(g);
		g_autofree gchar *pid = g->pid > 0 ? g_strdup_printf("%d", g->pid) : g_strdup("-");
		g_autofree gchar *name = vtier_escape_terminal(g->name);
		g_autofree gchar *memcg =
			g->memcg_path != NULL ? vtier_escape_terminal(g->memcg_path) : g_strdup("-");

		printf("%-24s %4d %8s %10s %-6s %-48s %s\n", name, g->id, pid, mem,
		       g->policy_xml != NULL ? "yes" : "-", memcg, usage);
	}
	if (guests->len == 0)
		printf("(no running guests)\n");
}

static void print_json(const gchar *uri, GPtrArray *guests)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "uri");
	json_builder_add_string_value(b, uri);
	json_builder_set_member_name(b, "guests");
	json_builder_begin_array(b);
	for (guint i = 0; i < guests->len; i++)
		json_builder_add_value(b, vtier_guest_to_json(g_ptr_array_index(guests, i)));
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = json_to_string(root, TRUE);
	printf("%s\n", text);
}

GPtrArray *vtier_cli_libvirt_guests(const gchar *uri, GError **error)
{
	g_autoptr(virConnect) conn = vtier_virt_open(uri, TRUE, error);

	if (conn == NULL)
		return NULL;
	return collect(conn, uri, error);
}

gboolean vtier_cli_guests_libvirt(const gchar *uri, gboolean json, GError **error)
{
	g_autoptr(GPtrArray) guests = NULL;
	g_autofree gchar *fallback = uri == NULL ? vtier_cli_default_libvirt_uri() : NULL;
	const gchar *shown = uri != NULL ? uri : fallback;

	guests = vtier_cli_libvirt_guests(shown, error);
	if (guests == NULL)
		return FALSE;
	if (json)
		print_json(shown, guests);
	else
		print_table(guests);
	return TRUE;
}
