/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "common/control.h"
#include "tiering/snapshot.h"

/* A hand-built snapshot of a host with three tiered guests, one of them with a hostile name
 * (newline, escape sequence, bidi override), one with a CJK name, one 300 characters long. */
VtierSnapshot *vtier_test_snapshot_new(void);

/* A stand-in for vtierd's control socket: the real server helper (control-server.c) on a socket in
 * a temporary directory, its main loop in a thread, answering status/dump/explain from
 * vtier_test_snapshot_new(), recording attach/detach/hook requests, and allowing every hook except
 * for a guest named "deny-me". As vtierd, it answers status from the snapshot's text, encoded once
 * per snapshot sequence: whoever changes @snapshot (under @lock) bumps its sequence. */
typedef struct {
	gchar *dir;
	gchar *path;
	VtierControlServer *server;
	GMainLoop *loop;
	GThread *thread;
	GMutex lock;
	VtierSnapshot *snapshot;
	GBytes *status_text[VTIER_CONTROL_VIEW_LAST]; /* per view, snapshot status_sequence[view]
						       * encoded, or NULL */
	guint64 status_sequence[VTIER_CONTROL_VIEW_LAST];
	GPtrArray *requests; /* gchar *: each request as its line, in order */
	gboolean reload_fails;
	gboolean refuse_view; /* refuse status's "view", as a vtierd older than it */
	gboolean refuse_text; /* refuse status's "text" view, as a vtierd older than it */
	gboolean hostile_text; /* answer the "text" view with terminal controls in it */
	guint hook_delay_ms;
} VtierTestControl;

VtierTestControl *vtier_test_control_new(void);
void vtier_test_control_free(VtierTestControl *control);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierTestControl, vtier_test_control_free)
/* The requests received so far (a copy). */
GPtrArray *vtier_test_control_requests(VtierTestControl *control);
