/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt/guest.h"

/* Warnings for memory backends whose host binding defeats tiering. A backend with policy=bind
 * whose host-nodes are all slow nodes can never have its pages promoted: the kernel only migrates
 * within the bound set (move_pages/DAMON migrate_hot honour the mempolicy), so vtier can do
 * nothing for it. Pure: @memdevs are VtierGuestMemdev, @slow_nodes a guint array of slow
 * (e.g. CXL or PMEM) host node ids. Returns one message per such backend (possibly none). */
GPtrArray *vtier_qmp_check_slow_binding(const GPtrArray *memdevs, const GArray *slow_nodes);
