/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include "virt/libvirt-dl.h"

#include "virt/guest.h"

/* vtier's view of one libvirt connection: the running guests, kept current from lifecycle and
 * metadata-change events, and re-synchronised after every reconnect. It runs on the default GLib
 * main context (see event-glib.h). When libvirtd goes away (EOF, keepalive timeout), it reconnects
 * with exponential backoff and then diffs the running domains against what it knew: guests that
 * stopped meanwhile are removed, new ones added, changed ones reported once; none is duplicated. */
typedef struct _VtierVirtConnection VtierVirtConnection;

typedef struct {
	/* @guest is owned by the connection and valid during the call. */
	void (*guest_added)(VtierVirtConnection *conn, const VtierGuest *guest, gpointer user_data);
	void (*guest_changed)(VtierVirtConnection *conn, const VtierGuest *guest,
			      gpointer user_data);
	void (*guest_removed)(VtierVirtConnection *conn, const VtierGuest *guest,
			      gpointer user_data);
	/* The connection came up (after the first connect or a reconnect, once guests are synced)
	 * or went down. */
	void (*connection_changed)(VtierVirtConnection *conn, gboolean connected,
				   gpointer user_data);
} VtierVirtCallbacks;

typedef struct {
	gboolean resolve_memcg;	   /* fill pid and memcg_path of each guest (qemu:///system) */
	guint backoff_min_ms;	   /* first reconnect delay (default 250) */
	guint backoff_max_ms;	   /* cap of the doubling delay (default 30000) */
	gint keepalive_interval_s; /* default 5 */
	guint keepalive_count;	   /* default 3 */
} VtierVirtOptions;

/* @uri: NULL for qemu:///system. @callbacks may be NULL. Nothing happens before _start(). */
VtierVirtConnection *vtier_virt_connection_new(const gchar *uri, const VtierVirtOptions *options,
					       const VtierVirtCallbacks *callbacks,
					       gpointer user_data);
void vtier_virt_connection_free(VtierVirtConnection *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierVirtConnection, vtier_virt_connection_free)

/* Connects, subscribes to events and reports every running guest as added. On failure it returns
 * FALSE with the reason and keeps retrying in the background (with backoff). */
gboolean vtier_virt_connection_start(VtierVirtConnection *conn, GError **error);

gboolean vtier_virt_connection_is_connected(VtierVirtConnection *conn);
/* How many times a connection was established (1 after the first connect). */
guint vtier_virt_connection_get_n_connects(VtierVirtConnection *conn);
/* The known running guests, sorted by name (borrowed). */
GPtrArray *vtier_virt_connection_get_guests(VtierVirtConnection *conn);
const VtierGuest *vtier_virt_connection_lookup(VtierVirtConnection *conn, const gchar *name);
/* The live libvirt connection (borrowed; NULL while disconnected). For QMP passthrough. */
virConnectPtr vtier_virt_connection_get_virconnect(VtierVirtConnection *conn);
/* Re-reads one domain now (also what events trigger). */
void vtier_virt_connection_refresh(VtierVirtConnection *conn, const gchar *uuid);

/* Opens @uri (NULL: qemu:///system) once, without events: for vtierctl. */
virConnectPtr vtier_virt_open(const gchar *uri, gboolean read_only, GError **error);
/* The message of libvirt's last error in this thread (never NULL). */
const gchar *vtier_virt_last_error(void);
/* The running domains of @conn (@uri names it in errors), as guest records (pid and memcg when
 * @resolve_memcg), in libvirt's order. A domain that cannot be read is left out, with the reason
 * in @ret_skipped (strings; may be NULL). The one listing of libvirt domains, for vtierd and
 * vtierctl alike. */
GPtrArray *vtier_virt_list_running(virConnectPtr conn, const gchar *uri, gboolean resolve_memcg,
				   GPtrArray **ret_skipped, GError **error);
/* The guest record of @dom, from its live XML (and pid/memcg when @resolve_memcg). */
VtierGuest *vtier_virt_guest_from_domain(virDomainPtr dom, gboolean resolve_memcg,
					 GError **error);
/* libvirt objects with g_autoptr. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, sym_virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, sym_virDomainFree)
