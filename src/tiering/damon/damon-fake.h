/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-io.h"
#include "tiering/damon/damon-stats.h"

/*
 * An in-process fake of DAMON's sysfs interface that behaves like the kernel (mm/damon/sysfs*.c)
 * as measured in the lab, for unit tests and for rendering `vtierctl plan` scripts:
 *
 *  - its tree is generated from a VtierDamonFeatures (a built-in profile or probe output), so
 *    the files a kernel has are the files the fake has, with the kernel's defaults and modes;
 *  - every nr_* write recreates all children with defaults (and gives EBUSY for nr_kdamonds
 *    while a kdamond runs); values are parsed like kstrtoul/kstrtoint/kstrtobool (base 0) and
 *    invalid ones give EINVAL; choice files accept only the kernel's spellings;
 *  - `on` validates the files (intervals, nr_regions, targets, regions, filters), gives EBUSY
 *    when running or when an exclusive DAMON module is enabled, and ENOMEM when a memcg filter
 *    or goal path does not exist under the sysroot's cgroup tree;
 *  - `commit` validates and applies atomically: on error the running configuration is
 *    untouched but the files keep the rejected values, as on the kernel;
 *  - state commands other than `on` are valid only while running (EINVAL otherwise, EPERM for
 *    `off` of a stopped kdamond); update_* commands fill stats, effective quotas and tried bytes;
 *    with `refresh_ms` > 0 a running kdamond publishes stats and effective quotas itself (at
 *    once here, within refresh_ms on the kernel), tried bytes only on the update_* command;
 *  - the exclusive modules (/sys/module/NAME/parameters/enabled) and tracefs events exist as
 *    the features say.
 *
 * The tree lives in memory; its paths are those below the current sysroot, so code under test
 * builds paths as usual and reaches the fake through the io returned by
 * vtier_damon_fake_get_io(). Paths outside the fake's tree do not exist for that io.
 */
typedef struct _VtierDamonFake VtierDamonFake;

VtierDamonFake *vtier_damon_fake_new(const VtierDamonFeatures *features);
void vtier_damon_fake_free(VtierDamonFake *fake);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonFake, vtier_damon_fake_free)

/* An io (new reference) whose reads, writes and listings go to the fake. */
VtierDamonIo *vtier_damon_fake_get_io(VtierDamonFake *fake);

/* FALSE: memcg paths and target pids are not checked against the sysroot (rendering a plan for
 * another host). Default TRUE. */
void vtier_damon_fake_set_check_memcg(VtierDamonFake *fake, gboolean check);
/* The next @count writes to `state` or nr_* files, or reads of a kdamond's `pid` or `state`,
 * fail with EBUSY (the sysfs trylock is held by another writer or the refresh_ms worker). */
void vtier_damon_fake_inject_busy(VtierDamonFake *fake, guint count);
/* Every `commit` and `commit_schemes_quota_goals` to a running kdamond then sleeps @ms before it
 * acts, as the kernel's damon_call() waits for the kdamond's next loop (up to ~15 s measured in
 * the lab under a 256 MiB migration window): tests of callers that must not block on it. 0 (the
 * default) for none. */
void vtier_damon_fake_set_commit_delay(VtierDamonFake *fake, guint ms);

gboolean vtier_damon_fake_is_running(VtierDamonFake *fake, guint kdamond);
/* The configuration kdamond @kdamond runs with: "RELPATH VALUE" lines (relative to its
 * contexts/0/), sorted, as of the last successful `on`/`commit`; NULL when it never ran. */
gchar *vtier_damon_fake_get_running_config(VtierDamonFake *fake, guint kdamond);
/* The CPU time (of the calling threads) spent so far in what stands in for the kernel's own
 * work: the `state` commands (`on`, `commit`, the update_* ones), validation and running
 * configuration included; a real kernel's is measured in the lab (bench/README.md). */
gdouble vtier_damon_fake_get_kernel_cpu_seconds(VtierDamonFake *fake);
/* The current files of contexts/0/ of @kdamond in the same format. */
gchar *vtier_damon_fake_get_files_config(VtierDamonFake *fake, guint kdamond);

/* What the kernel will publish for scheme @scheme at the next update_* command (or, running with
 * refresh_ms > 0, now). */
void vtier_damon_fake_set_scheme_stats(VtierDamonFake *fake, guint kdamond, guint scheme,
				       const VtierDamonSchemeStats *stats);

/* Every write attempted, "RELPATH VALUE -> RESULT" (RESULT "ok" or the errno name), relative to
 * the sysroot, in order. */
const GPtrArray *vtier_damon_fake_get_log(VtierDamonFake *fake);
/* Forgets the logged writes (a long-running user, vtierd's dry run, logs them as they come). */
void vtier_damon_fake_clear_log(VtierDamonFake *fake);
