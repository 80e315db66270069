/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/snapshot.h"

/* Hand-built snapshots for the metrics renderer's tests and benchmark. */

/* A host of two nodes (0 fast DRAM, 1 slow CXL) with guests that cover every family: a tiering
 * guest, one whose memory is not measured, one refused, one off, and hostile names (quotes,
 * backslashes, a newline, unicode, invalid UTF-8, empty). */
VtierSnapshot *vtier_metrics_fixture_host(void);
/* The same host with @n_guests synthetic tiering guests named guest-0000 ... */
VtierSnapshot *vtier_metrics_fixture_synthetic(guint n_guests);
