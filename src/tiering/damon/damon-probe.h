/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-io.h"

/*
 * The feature probe: what this kernel's DAMON sysfs offers, found by file presence and trial
 * writes, never by kernel version, with one exception: whether a scheme's first quota window
 * keeps its quota cannot be seen in sysfs, so first_window_limited follows the kernel release
 * (/proc/sys/kernel/osrelease under the sysroot; 6.18 or later, the oldest kernel measured to keep
 * it; FALSE without a release).
 *
 * Trial writes need directories to write into, so when the tree is empty (nr_kdamonds = 0, so
 * nothing runs and nothing is configured) the probe stages a scratch kdamond: one paddr context
 * with one scheme, goal, filter per layer, probe and perf event, tries every action, goal metric,
 * goal tuner and filter type vtier knows, starts it (one 1 MiB physical region, no scheme) to try
 * every state command, stops it and sets nr_kdamonds back to 0. When the tree is in use (a
 * kdamond exists, running or not) the probe writes nothing: it reports what file presence shows
 * and marks the result incomplete, naming the kdamonds in the way.
 *
 * When `on` of the scratch kdamond is refused (an exclusive DAMON module is enabled) the state
 * commands cannot be tried; the result is then incomplete with the reason.
 */
VtierDamonFeatures *vtier_damon_probe(VtierDamonIo *io, GError **error);
/* Whether @release ("7.3.4+deb13-cloud-amd64") names a kernel at least @major.@minor. */
gboolean vtier_damon_release_at_least(const gchar *release, guint major, guint minor);
