/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-virt"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "virt/connection.h"
#include "virt/domain-xml.h"
#include "virt/event-glib.h"
#include "virt/memcg.h"

#define DEFAULT_URI "qemu:///system"

struct _VtierVirtConnection {
	gchar *uri;
	VtierVirtOptions opts;
	VtierVirtCallbacks cbs;
	gpointer user_data;
	virConnectPtr conn;
	int lifecycle_id;
	int metadata_id;
	gboolean close_registered;
	GHashTable *guests; /* uuid → VtierGuest */
	GHashTable *dirty;  /* uuids whose domain must be re-read */
	guint dirty_idle;
	guint reconnect_source;
	guint disconnect_idle;
	guint backoff_ms;
	guint n_connects;
	GPtrArray *sorted;
};

static void silence_libvirt(void *opaque, virErrorPtr err)
{
	/* libvirt prints every error on stderr by default; vtier reports them itself */
	g_debug("libvirt: %s", err != NULL && err->message != NULL ? err->message : "?");
}

const gchar *vtier_virt_last_error(void)
{
	const char *msg = sym_virGetLastErrorMessage();

	return msg != NULL ? msg : "unknown libvirt error";
}

virConnectPtr vtier_virt_open(const gchar *uri, gboolean read_only, GError **error)
{
	virConnectPtr conn;

	if (!vtier_libvirt_load(error))
		return NULL;
	sym_virSetErrorFunc(NULL, silence_libvirt);
	if (uri == NULL)
		uri = DEFAULT_URI;
	conn = read_only ? sym_virConnectOpenReadOnly(uri)
			 : sym_virConnectOpenAuth(uri, *sym_virConnectAuthPtrDefault, 0);
	if (conn == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO, "cannot connect to libvirt at %s: %s",
			    uri, vtier_virt_last_error());
		return NULL;
	}
	return conn;
}

VtierGuest *vtier_virt_guest_from_domain(virDomainPtr dom, gboolean resolve_memcg,
					 GError **error)
{
	g_autofree gchar *xml = sym_virDomainGetXMLDesc(dom, 0);
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) local = NULL;
	VtierGuest *guest;

	if (xml == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO,
			    "cannot get the XML of domain %s: %s", sym_virDomainGetName(dom),
			    vtier_virt_last_error());
		return NULL;
	}
	guest = vtier_domain_xml_parse(xml, strlen(xml), warnings, error);
	if (guest == NULL)
		return NULL;
	for (guint i = 0; i < warnings->len; i++)
		g_debug("domain %s: %s", guest->name, (const gchar *)g_ptr_array_index(warnings, i));
	if (resolve_memcg && !vtier_memcg_resolve_guest(guest, FALSE, &local))
		g_debug("domain %s: no memcg: %s", guest->name, local->message);
	return guest;
}

/* ---- guest table ---- */

static void invalidate_sorted(VtierVirtConnection *self)
{
	g_clear_pointer(&self->sorted, g_ptr_array_unref);
}

/* Takes @guest; reports added or changed (nothing when equal). */
static void guest_put(VtierVirtConnection *self, VtierGuest *guest)
{
	VtierGuest *old = g_hash_table_lookup(self->guests, guest->uuid);
	gboolean changed = old != NULL && !vtier_guest_equal(old, guest);

	if (old != NULL && !changed) {
		vtier_guest_free(guest);
		return;
	}
	invalidate_sorted(self);
	g_hash_table_replace(self->guests, g_strdup(guest->uuid), guest);
	g_debug("guest %s %s", guest->name, old == NULL ? "added" : "changed");
	if (old == NULL && self->cbs.guest_added != NULL)
		self->cbs.guest_added(self, guest, self->user_data);
	else if (old != NULL && self->cbs.guest_changed != NULL)
		self->cbs.guest_changed(self, guest, self->user_data);
}

static void guest_drop(VtierVirtConnection *self, const gchar *uuid)
{
	g_autofree gchar *key = NULL;
	g_autoptr(VtierGuest) guest = NULL;

	if (!g_hash_table_steal_extended(self->guests, uuid, (gpointer *)&key, (gpointer *)&guest))
		return;
	invalidate_sorted(self);
	g_debug("guest %s removed", guest->name);
	if (self->cbs.guest_removed != NULL)
		self->cbs.guest_removed(self, guest, self->user_data);
}

/* The record of a running domain, or NULL with the reason in @error (NULL and no error: not
 * running). */
static VtierGuest *guest_if_running(virDomainPtr dom, gboolean resolve_memcg, GError **error)
{
	VtierGuest *guest;

	if (sym_virDomainIsActive(dom) != 1)
		return NULL;
	guest = vtier_virt_guest_from_domain(dom, resolve_memcg, error);
	if (guest == NULL) {
		g_prefix_error(error, "domain %s: ", sym_virDomainGetName(dom));
		return NULL;
	}
	if (guest->uuid == NULL) {
		char uuid[VIR_UUID_STRING_BUFLEN];

		if (sym_virDomainGetUUIDString(dom, uuid) == 0)
			guest->uuid = g_ascii_strdown(uuid, -1);
		else
			guest->uuid = g_strdup(guest->name);
	}
	return guest;
}

/* The record of a running domain, or NULL (not running, gone, unreadable). */
static VtierGuest *read_running(VtierVirtConnection *self, virDomainPtr dom)
{
	g_autoptr(GError) error = NULL;
	VtierGuest *guest = guest_if_running(dom, self->opts.resolve_memcg, &error);

	if (error != NULL)
		g_debug("skipping %s", error->message);
	return guest;
}

GPtrArray *vtier_virt_list_running(virConnectPtr conn, const gchar *uri, gboolean resolve_memcg,
				   GPtrArray **ret_skipped, GError **error)
{
	g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func((GDestroyNotify)vtier_guest_free);
	g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
	virDomainPtr *doms = NULL;
	int n = sym_virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

	if (n < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_IO, "cannot list the domains of %s: %s",
			    uri != NULL ? uri : "qemu:///system", vtier_virt_last_error());
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		g_autoptr(GError) local = NULL;
		VtierGuest *guest = guest_if_running(doms[i], resolve_memcg, &local);

		if (guest != NULL)
			g_ptr_array_add(guests, guest);
		else if (local != NULL)
			g_ptr_array_add(skipped, g_strdup(local->message));
		sym_virDomainFree(doms[i]);
	}
	g_free(doms);
	if (ret_skipped != NULL)
		*ret_skipped = g_steal_pointer(&skipped);
	return g_steal_pointer(&guests);
}

void vtier_virt_connection_refresh(VtierVirtConnection *self, const gchar *uuid)
{
	g_autoptr(virDomain) dom = NULL;
	VtierGuest *guest = NULL;

	if (self->conn == NULL)
		return;
	dom = sym_virDomainLookupByUUIDString(self->conn, uuid);
	if (dom != NULL)
		guest = read_running(self, dom);
	if (guest == NULL)
		guest_drop(self, uuid);
	else
		guest_put(self, guest);
}

/* Copies of the (string) keys of @table. */
static GPtrArray *keys_of(GHashTable *table)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(keys, g_strdup(key));
	return keys;
}

/* Reads every running domain and reconciles the table with it. */
static gboolean sync_all(VtierVirtConnection *self, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) skipped = NULL;
	g_autoptr(GPtrArray) running =
	    vtier_virt_list_running(self->conn, self->uri, self->opts.resolve_memcg, &skipped, error);
	g_autoptr(GPtrArray) known = NULL;

	if (running == NULL)
		return FALSE;
	for (guint i = 0; i < skipped->len; i++)
		g_debug("skipping %s", (const gchar *)g_ptr_array_index(skipped, i));
	g_ptr_array_set_free_func(running, NULL); /* each guest goes to guest_put() */
	for (guint i = 0; i < running->len; i++) {
		VtierGuest *guest = g_ptr_array_index(running, i);

		g_hash_table_add(seen, g_strdup(guest->uuid));
		guest_put(self, guest);
	}
	known = keys_of(self->guests);
	for (guint i = 0; i < known->len; i++) {
		const gchar *uuid = g_ptr_array_index(known, i);

		if (!g_hash_table_contains(seen, uuid))
			guest_drop(self, uuid);
	}
	return TRUE;
}

/* ---- events ---- */

/* How long after a domain's event it is read back (see mark_dirty()). */
#define VTIER_VIRT_EVENT_DELAY_MS 250

static gboolean dirty_dispatch(gpointer data)
{
	VtierVirtConnection *self = data;
	g_autoptr(GPtrArray) uuids = keys_of(self->dirty);

	g_hash_table_remove_all(self->dirty);
	self->dirty_idle = 0;
	for (guint i = 0; i < uuids->len; i++)
		vtier_virt_connection_refresh(self, g_ptr_array_index(uuids, i));
	return G_SOURCE_REMOVE;
}

static void mark_dirty(VtierVirtConnection *self, virDomainPtr dom)
{
	char uuid[VIR_UUID_STRING_BUFLEN];

	if (sym_virDomainGetUUIDString(dom, uuid) != 0)
		return;
	g_hash_table_add(self->dirty, g_ascii_strdown(uuid, -1));
	/* refresh outside libvirt's event dispatch, once per burst of events, and a little later:
	 * libvirtd sends a guest's lifecycle events while it runs the qemu hook with the domain
	 * locked, and the hook talks to vtierd, so reading the domain back at once would wait for
	 * the hook's deadline (and vtierd could not answer it meanwhile) */
	if (self->dirty_idle == 0)
		self->dirty_idle = g_timeout_add_full(G_PRIORITY_LOW, VTIER_VIRT_EVENT_DELAY_MS,
						      dirty_dispatch, self, NULL);
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
			void *opaque)
{
	g_debug("lifecycle event %d/%d for %s", event, detail, sym_virDomainGetName(dom));
	mark_dirty(opaque, dom);
	return 0;
}

static void on_metadata(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri,
			void *opaque)
{
	if (type == VIR_DOMAIN_METADATA_ELEMENT && g_strcmp0(nsuri, VTIER_POLICY_XMLNS) != 0)
		return;
	g_debug("metadata change (%d, %s) for %s", type, nsuri, sym_virDomainGetName(dom));
	mark_dirty(opaque, dom);
}

/* ---- connect / disconnect ---- */

static void schedule_reconnect(VtierVirtConnection *self);
static void on_close(virConnectPtr conn, int reason, void *opaque);

static void drop_connection(VtierVirtConnection *self)
{
	if (self->conn == NULL)
		return;
	if (self->lifecycle_id >= 0)
		sym_virConnectDomainEventDeregisterAny(self->conn, self->lifecycle_id);
	if (self->metadata_id >= 0)
		sym_virConnectDomainEventDeregisterAny(self->conn, self->metadata_id);
	if (self->close_registered)
		sym_virConnectUnregisterCloseCallback(self->conn, on_close);
	self->lifecycle_id = self->metadata_id = -1;
	self->close_registered = FALSE;
	sym_virConnectClose(self->conn);
	self->conn = NULL;
}

static gboolean disconnect_dispatch(gpointer data)
{
	VtierVirtConnection *self = data;

	self->disconnect_idle = 0;
	if (self->conn == NULL)
		return G_SOURCE_REMOVE;
	g_debug("lost the connection to %s", self->uri);
	drop_connection(self);
	if (self->cbs.connection_changed != NULL)
		self->cbs.connection_changed(self, FALSE, self->user_data);
	schedule_reconnect(self);
	return G_SOURCE_REMOVE;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	VtierVirtConnection *self = opaque;

	g_debug("connection to %s closed (reason %d)", self->uri, reason);
	/* libvirt is in the middle of tearing the connection down: finish outside of it */
	if (self->disconnect_idle == 0)
		self->disconnect_idle = g_idle_add(disconnect_dispatch, self);
}

static gboolean subscribe(VtierVirtConnection *self, GError **error)
{
	if (sym_virConnectSetKeepAlive(self->conn, self->opts.keepalive_interval_s,
				       self->opts.keepalive_count) < 0)
		g_debug("%s: no keepalive: %s", self->uri, vtier_virt_last_error());
	if (sym_virConnectRegisterCloseCallback(self->conn, on_close, self, NULL) == 0)
		self->close_registered = TRUE;
	self->lifecycle_id = sym_virConnectDomainEventRegisterAny(
	    self->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
	    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), self, NULL);
	self->metadata_id = sym_virConnectDomainEventRegisterAny(
	    self->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
	    VIR_DOMAIN_EVENT_CALLBACK(on_metadata), self, NULL);
	if (self->lifecycle_id < 0 || self->metadata_id < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "cannot subscribe to domain events of %s: %s", self->uri,
			    vtier_virt_last_error());
		return FALSE;
	}
	return TRUE;
}

static gboolean try_connect(VtierVirtConnection *self, GError **error)
{
	self->conn = vtier_virt_open(self->uri, FALSE, error);
	if (self->conn == NULL)
		return FALSE;
	if (!subscribe(self, error) || !sync_all(self, error)) {
		drop_connection(self);
		return FALSE;
	}
	self->n_connects++;
	self->backoff_ms = self->opts.backoff_min_ms;
	g_debug("connected to %s (%u guests)", self->uri, g_hash_table_size(self->guests));
	if (self->cbs.connection_changed != NULL)
		self->cbs.connection_changed(self, TRUE, self->user_data);
	return TRUE;
}

static gboolean reconnect_dispatch(gpointer data)
{
	VtierVirtConnection *self = data;
	g_autoptr(GError) error = NULL;

	self->reconnect_source = 0;
	if (!try_connect(self, &error)) {
		g_debug("reconnect: %s", error->message);
		self->backoff_ms = MIN(self->backoff_ms * 2, self->opts.backoff_max_ms);
		schedule_reconnect(self);
	}
	return G_SOURCE_REMOVE;
}

static void schedule_reconnect(VtierVirtConnection *self)
{
	if (self->reconnect_source != 0)
		return;
	g_debug("reconnecting to %s in %u ms", self->uri, self->backoff_ms);
	self->reconnect_source = g_timeout_add(self->backoff_ms, reconnect_dispatch, self);
}

gboolean vtier_virt_connection_start(VtierVirtConnection *self, GError **error)
{
	if (self->conn != NULL || self->reconnect_source != 0)
		return TRUE;
	if (try_connect(self, error))
		return TRUE;
	schedule_reconnect(self);
	return FALSE;
}

/* ---- object ---- */

VtierVirtConnection *vtier_virt_connection_new(const gchar *uri, const VtierVirtOptions *options,
					       const VtierVirtCallbacks *callbacks,
					       gpointer user_data)
{
	VtierVirtConnection *self = g_new0(VtierVirtConnection, 1);

	vtier_virt_event_register();
	self->uri = g_strdup(uri != NULL ? uri : DEFAULT_URI);
	if (options != NULL) {
		self->opts = *options;
	} else {
		self->opts.resolve_memcg = g_str_has_prefix(self->uri, "qemu:///system");
	}
	if (self->opts.backoff_min_ms == 0)
		self->opts.backoff_min_ms = 250;
	if (self->opts.backoff_max_ms < self->opts.backoff_min_ms)
		self->opts.backoff_max_ms = MAX(30000, self->opts.backoff_min_ms);
	if (self->opts.keepalive_interval_s == 0)
		self->opts.keepalive_interval_s = 5;
	if (self->opts.keepalive_count == 0)
		self->opts.keepalive_count = 3;
	if (callbacks != NULL)
		self->cbs = *callbacks;
	self->user_data = user_data;
	self->lifecycle_id = self->metadata_id = -1;
	self->backoff_ms = self->opts.backoff_min_ms;
	self->guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)vtier_guest_free);
	self->dirty = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return self;
}

void vtier_virt_connection_free(VtierVirtConnection *self)
{
	if (self == NULL)
		return;
	g_clear_handle_id(&self->dirty_idle, g_source_remove);
	g_clear_handle_id(&self->reconnect_source, g_source_remove);
	g_clear_handle_id(&self->disconnect_idle, g_source_remove);
	drop_connection(self);
	g_hash_table_unref(self->guests);
	g_hash_table_unref(self->dirty);
	invalidate_sorted(self);
	g_free(self->uri);
	g_free(self);
}

gboolean vtier_virt_connection_is_connected(VtierVirtConnection *self)
{
	return self->conn != NULL && sym_virConnectIsAlive(self->conn) == 1;
}

guint vtier_virt_connection_get_n_connects(VtierVirtConnection *self)
{
	return self->n_connects;
}

static gint cmp_guest_name(gconstpointer a, gconstpointer b)
{
	const VtierGuest *x = *(VtierGuest *const *)a;
	const VtierGuest *y = *(VtierGuest *const *)b;

	return g_strcmp0(x->name, y->name);
}

GPtrArray *vtier_virt_connection_get_guests(VtierVirtConnection *self)
{
	if (self->sorted == NULL) {
		GHashTableIter iter;
		gpointer value;

		self->sorted = g_ptr_array_new();
		g_hash_table_iter_init(&iter, self->guests);
		while (g_hash_table_iter_next(&iter, NULL, &value))
			g_ptr_array_add(self->sorted, value);
		g_ptr_array_sort(self->sorted, cmp_guest_name);
	}
	return self->sorted;
}

const VtierGuest *vtier_virt_connection_lookup(VtierVirtConnection *self, const gchar *name)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->guests);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (g_strcmp0(((VtierGuest *)value)->name, name) == 0)
			return value;
	}
	return NULL;
}

virConnectPtr vtier_virt_connection_get_virconnect(VtierVirtConnection *self)
{
	return self->conn;
}
