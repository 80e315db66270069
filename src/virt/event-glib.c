/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-virt-event"

#include "config.h"

#include <glib-unix.h>

#include "virt/event-glib.h"
#include "virt/libvirt-dl.h"

/* One libvirt fd watch or timer. libvirt may add and remove them from any thread, so the tables
 * are locked; callbacks run unlocked in the main context. A removed entry lives on until an idle
 * callback has called libvirt's free function (libvirt forbids calling it from the remove call). */
typedef struct {
	int id;
	int fd;		/* -1 for timers */
	int events;	/* VIR_EVENT_HANDLE_* for handles */
	int interval;	/* ms for timers, -1 disabled */
	gboolean removed;
	GSource *source;
	virEventHandleCallback handle_cb;
	virEventTimeoutCallback timeout_cb;
	void *opaque;
	virFreeCallback ff;
} EventEntry;

static GMutex lock;
static GHashTable *handles; /* id → EventEntry */
static GHashTable *timeouts;
static int next_handle = 1;
static int next_timeout = 1;

static GIOCondition events_to_condition(int events)
{
	GIOCondition cond = 0;

	if (events & VIR_EVENT_HANDLE_READABLE)
		cond |= G_IO_IN | G_IO_PRI;
	if (events & VIR_EVENT_HANDLE_WRITABLE)
		cond |= G_IO_OUT;
	/* errors and hangups are always reported, as poll() does */
	return cond | G_IO_ERR | G_IO_HUP;
}

static int condition_to_events(GIOCondition cond)
{
	int events = 0;

	if (cond & (G_IO_IN | G_IO_PRI))
		events |= VIR_EVENT_HANDLE_READABLE;
	if (cond & G_IO_OUT)
		events |= VIR_EVENT_HANDLE_WRITABLE;
	if (cond & G_IO_ERR)
		events |= VIR_EVENT_HANDLE_ERROR;
	if (cond & G_IO_HUP)
		events |= VIR_EVENT_HANDLE_HANGUP;
	return events;
}

static gboolean handle_dispatch(gint fd, GIOCondition cond, gpointer data)
{
	EventEntry *e = data;
	virEventHandleCallback cb;
	void *opaque;
	int id;

	g_mutex_lock(&lock);
	cb = e->removed ? NULL : e->handle_cb;
	opaque = e->opaque;
	id = e->id;
	g_mutex_unlock(&lock);
	if (cb != NULL)
		cb(id, fd, condition_to_events(cond), opaque);
	return G_SOURCE_CONTINUE;
}

static gboolean timeout_dispatch(gpointer data)
{
	EventEntry *e = data;
	virEventTimeoutCallback cb;
	void *opaque;
	int id;

	g_mutex_lock(&lock);
	cb = e->removed ? NULL : e->timeout_cb;
	opaque = e->opaque;
	id = e->id;
	g_mutex_unlock(&lock);
	if (cb != NULL)
		cb(id, opaque);
	return G_SOURCE_CONTINUE;
}

/* Called with the lock held: (re)creates the GSource of @e for its current events/interval. */
static void entry_arm(EventEntry *e)
{
	if (e->source != NULL) {
		g_source_destroy(e->source);
		g_clear_pointer(&e->source, g_source_unref);
	}
	if (e->fd >= 0) {
		if (e->events == 0)
			return;
		e->source = g_unix_fd_source_new(e->fd, events_to_condition(e->events));
		g_source_set_callback(e->source, G_SOURCE_FUNC(handle_dispatch), e, NULL);
	} else {
		if (e->interval < 0)
			return;
		e->source = g_timeout_source_new((guint)e->interval);
		g_source_set_callback(e->source, timeout_dispatch, e, NULL);
	}
	g_source_set_name(e->source, "libvirt event");
	g_source_attach(e->source, NULL);
}

static gboolean entry_release(gpointer data)
{
	EventEntry *e = data;

	if (e->ff != NULL)
		e->ff(e->opaque);
	g_free(e);
	return G_SOURCE_REMOVE;
}

static int entry_remove(GHashTable *table, int id)
{
	EventEntry *e;

	g_mutex_lock(&lock);
	e = g_hash_table_lookup(table, GINT_TO_POINTER(id));
	if (e == NULL || e->removed) {
		g_mutex_unlock(&lock);
		return -1;
	}
	e->removed = TRUE;
	g_hash_table_remove(table, GINT_TO_POINTER(id));
	if (e->source != NULL) {
		g_source_destroy(e->source);
		g_clear_pointer(&e->source, g_source_unref);
	}
	g_mutex_unlock(&lock);
	/* the entry stays valid for a dispatch already under way; free it later */
	g_idle_add(entry_release, e);
	return 0;
}

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque,
		      virFreeCallback ff)
{
	EventEntry *e = g_new0(EventEntry, 1);
	int id;

	e->fd = fd;
	e->events = events;
	e->handle_cb = cb;
	e->opaque = opaque;
	e->ff = ff;
	g_mutex_lock(&lock);
	id = e->id = next_handle++;
	g_hash_table_insert(handles, GINT_TO_POINTER(id), e);
	entry_arm(e);
	g_mutex_unlock(&lock);
	g_debug("handle %d: fd %d events 0x%x", id, fd, events);
	return id;
}

static void update_handle(int id, int events)
{
	EventEntry *e;

	g_mutex_lock(&lock);
	e = g_hash_table_lookup(handles, GINT_TO_POINTER(id));
	if (e != NULL && e->events != events) {
		e->events = events;
		entry_arm(e);
	}
	g_mutex_unlock(&lock);
}

static int remove_handle(int id)
{
	g_debug("remove handle %d", id);
	return entry_remove(handles, id);
}

static int add_timeout(int interval, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
	EventEntry *e = g_new0(EventEntry, 1);
	int id;

	e->fd = -1;
	e->interval = interval;
	e->timeout_cb = cb;
	e->opaque = opaque;
	e->ff = ff;
	g_mutex_lock(&lock);
	id = e->id = next_timeout++;
	g_hash_table_insert(timeouts, GINT_TO_POINTER(id), e);
	entry_arm(e);
	g_mutex_unlock(&lock);
	return id;
}

static void update_timeout(int id, int interval)
{
	EventEntry *e;

	g_mutex_lock(&lock);
	e = g_hash_table_lookup(timeouts, GINT_TO_POINTER(id));
	/* re-arming also restarts the period, as libvirt's own loop does */
	if (e != NULL) {
		e->interval = interval;
		entry_arm(e);
	}
	g_mutex_unlock(&lock);
}

static int remove_timeout(int id)
{
	return entry_remove(timeouts, id);
}

void vtier_virt_event_register(void)
{
	static gsize once = 0;
	g_autoptr(GError) error = NULL;

	/* without libvirt there is no event loop to drive: vtier_virt_open() reports why */
	if (!vtier_libvirt_load(&error)) {
		g_debug("no libvirt event loop: %s", error->message);
		return;
	}
	if (g_once_init_enter(&once)) {
		handles = g_hash_table_new(NULL, NULL);
		timeouts = g_hash_table_new(NULL, NULL);
		sym_virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout,
					 update_timeout, remove_timeout);
		g_once_init_leave(&once, 1);
	}
}
