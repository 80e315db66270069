/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's event API (virEventAddHandle/AddTimeout/...) served by vtier's GLib implementation. */
#include "config.h"

#include <libvirt/libvirt.h>
#include <unistd.h>

#include "virt/event-glib.h"
#include "vtier-test.h"

typedef struct {
	guint fired;
	gint last_events;
	gboolean freed;
} Counter;

static void on_timeout(int timer, void *opaque)
{
	((Counter *)opaque)->fired++;
}

static void on_handle(int watch, int fd, int events, void *opaque)
{
	Counter *c = opaque;
	gchar buf[16];

	c->fired++;
	c->last_events = events;
	if (events & VIR_EVENT_HANDLE_READABLE)
		g_assert_cmpint(read(fd, buf, sizeof(buf)), >=, 0);
}

static void on_free(void *opaque)
{
	((Counter *)opaque)->freed = TRUE;
}

static gboolean expired_cb(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static void spin(guint ms)
{
	gboolean expired = FALSE;

	g_timeout_add(ms, expired_cb, &expired);
	while (!expired)
		g_main_context_iteration(NULL, TRUE);
}

static void test_event_timeout(void)
{
	Counter c = { 0 };
	int id = virEventAddTimeout(10, on_timeout, &c, on_free);
	guint seen;

	g_assert_cmpint(id, >, 0);
	spin(200);
	g_assert_cmpuint(c.fired, >=, 3);
	/* disabled: no more callbacks */
	virEventUpdateTimeout(id, -1);
	seen = c.fired;
	spin(100);
	g_assert_cmpuint(c.fired, ==, seen);
	/* 0: on every iteration */
	virEventUpdateTimeout(id, 0);
	spin(20);
	g_assert_cmpuint(c.fired, >, seen);
	g_assert_cmpint(virEventRemoveTimeout(id), ==, 0);
	/* libvirt requires the free callback to run later, not inside remove */
	g_assert_false(c.freed);
	seen = c.fired;
	spin(50);
	g_assert_true(c.freed);
	g_assert_cmpuint(c.fired, ==, seen);
	g_assert_cmpint(virEventRemoveTimeout(id), ==, -1);
}

static void test_event_handle(void)
{
	Counter c = { 0 };
	int fds[2];
	int id;

	g_assert_cmpint(pipe(fds), ==, 0);
	id = virEventAddHandle(fds[0], VIR_EVENT_HANDLE_READABLE, on_handle, &c, on_free);
	g_assert_cmpint(id, >, 0);
	spin(50);
	g_assert_cmpuint(c.fired, ==, 0);
	g_assert_cmpint(write(fds[1], "x", 1), ==, 1);
	spin(50);
	g_assert_cmpuint(c.fired, ==, 1);
	g_assert_true(c.last_events & VIR_EVENT_HANDLE_READABLE);
	/* events 0: not watched */
	virEventUpdateHandle(id, 0);
	g_assert_cmpint(write(fds[1], "y", 1), ==, 1);
	spin(50);
	g_assert_cmpuint(c.fired, ==, 1);
	virEventUpdateHandle(id, VIR_EVENT_HANDLE_READABLE);
	spin(50);
	g_assert_cmpuint(c.fired, ==, 2);
	/* hangup is always reported */
	close(fds[1]);
	spin(50);
	g_assert_true(c.last_events & VIR_EVENT_HANDLE_HANGUP);
	g_assert_cmpint(virEventRemoveHandle(id), ==, 0);
	spin(20);
	g_assert_true(c.freed);
	close(fds[0]);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	vtier_virt_event_register();
	vtier_virt_event_register(); /* idempotent */
	g_test_add_func("/virt-event/timeout", test_event_timeout);
	g_test_add_func("/virt-event/handle", test_event_handle);
	return g_test_run();
}
