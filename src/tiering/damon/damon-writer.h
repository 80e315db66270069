/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-io.h"
#include "tiering/damon/damon-model.h"
#include "tiering/damon/damon-stats.h"

/*
 * The DAMON writer: makes the kdamonds/ tree say what a VtierDamonModel says, with the fewest
 * writes, and starts or updates the kdamonds.
 *
 *  - Files are written in the order of damon-render.h; an nr_* file only when its count
 *    changes (it wipes the children); every other file only when its value differs from what
 *    the file holds (read once, then remembered: a repeated apply of the same model performs no
 *    read and no write).
 *  - A transient EBUSY (the sysfs lock is shared with other writers and the refresh_ms worker)
 *    is retried a few times with a short backoff (1, 2, 4 ms ...).
 *  - A kdamond that is not running is started with `on`; a running one gets `commit` when its
 *    context changed, `commit_schemes_quota_goals` when only goal files changed, nothing when
 *    nothing changed. Changing the number of kdamonds stops the running ones first (nr_kdamonds
 *    cannot change while any runs).
 *  - A failed `commit` leaves the running kdamond as it was, but the kernel keeps the rejected
 *    values in the files: the writer writes the running values back before it returns the error.
 *    6.12 handles `commit` inside the kdamond: a rejected commit reports success and stops the
 *    kdamond. The writer checks that the kdamond still runs after a commit; if not, it writes the
 *    running values back, starts it again and returns the error.
 *  - Errors name the file, the value and the kernel's answer, plus the usual cause
 *    (vtier_damon_writer_explain()).
 *
 * The writer writes only what the model says; ownership (never touching a kdamond vtier did
 * not create) is checked before, by damon-ownership.h.
 */
typedef struct _VtierDamonWriter VtierDamonWriter;

VtierDamonWriter *vtier_damon_writer_new(VtierDamonIo *io, const VtierDamonFeatures *features);
void vtier_damon_writer_free(VtierDamonWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonWriter, vtier_damon_writer_free)

/* EBUSY handling: up to @tries attempts per write, sleeping @first_delay_us, doubled each time. */
void vtier_damon_writer_set_busy_retry(VtierDamonWriter *writer, guint tries, guint first_delay_us);
/* Whether the kernel can resolve cgroup @path (relative to the cgroup root) to a memory cgroup,
 * as DAMON's memcg filters and goals must (damon_sysfs_memcg_path_to_id(): ENOMEM when not): its
 * directory exists and, where it has a cgroup.controllers file (cgroup v2), that lists `memory`.
 * A cgroup whose parent stopped enabling the memory controller for its children keeps its
 * directory but is no memcg any more. One check for the writer's and the fake kernel's. */
gboolean vtier_damon_memcg_exists(const gchar *path);
/* Whether apply first checks that every memcg path of the model exists under the cgroup root
 * (default TRUE): the kernel refuses such a configuration with ENOMEM, and 6.12 even stops a
 * running kdamond whose commit fails. Tests turn it off to see the kernel's own answer. */
void vtier_damon_writer_set_check_memcg(VtierDamonWriter *writer, gboolean check);
/* Staged start (default auto, bound 2000 ms): when apply starts a kdamond (`on`) with a scheme
 * that moves memory under a quota (vtier_damon_scheme_needs_staged_start()), it first writes the
 * model with those schemes' access patterns matching nothing (sz.min above the monitored span),
 * starts the kdamond, waits the longest such reset_interval_ms + 200 ms (at most @max_wait_ms),
 * then writes the real patterns and `commit`s. 6.12's first quota window is unlimited (it moved
 * all of a workload at once in the lab); the stage keeps it empty. A running kdamond is never
 * staged. The apply's action for such a kdamond is `on`; `staged` counts them. Auto stages only
 * where the features do not say the first window is limited (first_window_limited: 6.18 and
 * later); set_staged_start() turns it on (always) or off (never) whatever the kernel. */
typedef enum {
	VTIER_DAMON_STAGED_AUTO,
	VTIER_DAMON_STAGED_ALWAYS,
	VTIER_DAMON_STAGED_NEVER,
} VtierDamonStagedStart;
void vtier_damon_writer_set_staged_start(VtierDamonWriter *writer, gboolean enabled,
					 guint max_wait_ms);
void vtier_damon_writer_set_staged_mode(VtierDamonWriter *writer, VtierDamonStagedStart mode);
/* "auto", "always" or "never" ([damon] staged_start); FALSE for anything else. */
gboolean vtier_damon_staged_start_from_string(const gchar *text, VtierDamonStagedStart *ret_mode);
gboolean vtier_damon_scheme_needs_staged_start(const VtierDamonScheme *scheme);
/* Whether @mode stages a start on a kernel with @features (the writer's and the script's rule). */
gboolean vtier_damon_staged_start_applies(VtierDamonStagedStart mode,
					  const VtierDamonFeatures *features);
/* Forgets what the files hold (the next apply reads them again), e.g. after someone else wrote. */
void vtier_damon_writer_invalidate(VtierDamonWriter *writer);
/* Called right after apply turned kdamond @kdamond `on`, before anything else (the staged
 * start's wait, the real patterns, the other kdamonds): the driver records ownership there, so
 * that a vtierd killed in the middle of an apply adopts the kdamond it started instead of
 * refusing it as foreign. */
typedef void (*VtierDamonStartedFunc)(VtierDamonWriter *writer, guint kdamond, gpointer user_data);
void vtier_damon_writer_set_started_func(VtierDamonWriter *writer, VtierDamonStartedFunc func,
					 gpointer user_data);

typedef enum {
	VTIER_DAMON_STATE_NONE,	  /* nothing to do */
	VTIER_DAMON_STATE_ON,	  /* started */
	VTIER_DAMON_STATE_COMMIT, /* running, context committed */
	VTIER_DAMON_STATE_COMMIT_GOALS, /* running, only quota goals committed */
	VTIER_DAMON_STATE_LAST
} VtierDamonStateAction;

const gchar *vtier_damon_state_action_to_string(VtierDamonStateAction action);

typedef struct {
	guint writes;	     /* file writes, state commands included */
	guint busy_retries;  /* EBUSY answers that were retried */
	GArray *actions;     /* VtierDamonStateAction per kdamond of the model */
	guint staged;	     /* kdamonds started staged (then committed with the real patterns) */
	guint staged_wait_ms; /* how long the staged start waited */
	guint reads;	      /* file reads, EBUSY retries included */
	guint lookups;	      /* file presence checks */
	guint state_ms;	      /* time in the state commands (`on`, `commit`, ...) */
} VtierDamonApplyResult;

void vtier_damon_apply_result_clear(VtierDamonApplyResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierDamonApplyResult, vtier_damon_apply_result_clear)

/* Applies @model. @ret_result may be NULL. */
gboolean vtier_damon_writer_apply(VtierDamonWriter *writer, const VtierDamonModel *model,
				  VtierDamonApplyResult *ret_result, GError **error);
/* Writes `off` to every running kdamond of the tree (all of which vtier must own). */
gboolean vtier_damon_writer_stop(VtierDamonWriter *writer, GError **error);

/* Reads every file of @model back and lists the differences ("RELPATH: model X, file Y"), or
 * returns NULL in *ret_mismatches when the tree says what the model says. */
gboolean vtier_damon_writer_verify(VtierDamonWriter *writer, const VtierDamonModel *model,
				   gchar **ret_mismatches, GError **error);

/* The writes that applying @model to a fresh tree (no kdamond) of a kernel with @features does,
 * as a shell script: `echo VALUE > /sys/kernel/mm/damon/admin/...`, one line per write, in order,
 * ending with the state writes. Produced by applying the model to the in-process fake, so the
 * script is exactly what the writer would do; slow for large models (O(n^2)): vtierctl uses
 * vtier_damon_render_script() (damon-script.h), which tests hold equal to this one. */
gchar *vtier_damon_writer_render_script(const VtierDamonModel *model,
					const VtierDamonFeatures *features, GError **error);

/* Read-back of a running kdamond (kdamonds/@kdamond): state, pid, and per scheme its stats,
 * effective quota, tried bytes and the goals' current values. Issues update_schemes_stats,
 * update_schemes_effective_quotas and update_schemes_tried_bytes (as the kernel has them)
 * unless refresh_ms is set, in which case the kernel refreshes the files itself, all but the
 * tried regions (measured on 6.18 and 7.3): a filtered read (set_status_schemes) then leaves
 * tried_regions/total_bytes unread. */
typedef struct {
	gboolean running;
	gint pid;
	GArray *schemes;     /* VtierDamonSchemeStats */
	GPtrArray *goals;    /* per scheme: GArray of guint64, goals/G/current_value */
	gboolean tried_fresh; /* this read refreshed the tried regions' bytes (no refresh_ms) */
} VtierDamonKdamondStatus;

void vtier_damon_kdamond_status_clear(VtierDamonKdamondStatus *status);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VtierDamonKdamondStatus, vtier_damon_kdamond_status_clear)
gboolean vtier_damon_writer_read_status(VtierDamonWriter *writer, guint kdamond,
					VtierDamonKdamondStatus *ret_status, GError **error);
/* Limits read_status to the schemes @schemes (VtierDamonStatsWant) lists, e.g. only the schemes
 * of planned guests (parked groups are not read), and to the files each one's VtierDamonStatsFiles
 * name (no goals, no effective quotas), asking the kernel to refresh only those; everything else
 * reads as zeros. NULL: every scheme, every file. */
void vtier_damon_writer_set_status_schemes(VtierDamonWriter *writer, const GArray *schemes);
/* The status as JSON (for `vtierctl status` and metrics). */
JsonNode *vtier_damon_kdamond_status_to_json(const VtierDamonKdamondStatus *status);

/* Adds the usual cause of a kernel answer to @error (which must come from writing @value to
 * admin file @relpath with errno @errnum): ENOMEM on on/commit -> a memcg path of @model that no
 * longer exists (named), EBUSY on `on` -> an exclusive DAMON user (named) or a running kdamond,
 * EINVAL on on/commit -> the checks the kernel makes, and so on. */
void vtier_damon_writer_explain(VtierDamonWriter *writer, const VtierDamonModel *model,
				const gchar *relpath, const gchar *value, int errnum, GError **error);
