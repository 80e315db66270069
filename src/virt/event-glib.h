/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Drives libvirt's event loop (fd watches and timers of its connections, keepalive, domain event
 * dispatch) from the default GLib main context: registers an implementation with
 * virEventRegisterImpl() whose handles and timeouts are GSources. Call once, before the first
 * virConnectOpen*(); later calls do nothing. The callbacks run in the thread that iterates the
 * default main context. It loads libvirt (libvirt-dl.h); without libvirt it does nothing. */
void vtier_virt_event_register(void);
