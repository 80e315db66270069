/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include "common/error.h"
#include "common/paths.h"
#include "daemon/manager-private.h"
#include "tiering/damon/damon-io.h"

/* The DAMON audit. vtier owns the kdamonds/ tree, but nothing keeps root from writing into it or
 * from enabling damon_stat again behind vtierd's back. Every [damon] audit_interval_ms a real
 * vtierd reads its kdamonds' files back against the model it last applied: files someone else
 * changed are reported (the file, vtier's value, the value found) and repaired (vtier's values
 * written back, one commit); a kdamond someone stopped is started again. damon_stat enabled
 * again is turned off under [damon] disable_damon_stat=true, else reported once. A corrupt state
 * file is set aside (the driver cannot record its kdamonds in it). A reconcile that failed is
 * retried (an EBUSY `on` while damon_stat held DAMON, the corrupt state file, a transient kernel
 * refusal). The read-back and the repair run on the DAMON worker (damon-worker.c); an audit
 * that finds a job in flight waits for its next tick. */

#define MAX_LISTED 3

/* The first lines of @text (escaped for the log), and how many there are. */
static gchar *first_lines(const gchar *text, guint *ret_count)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GString) out = g_string_new(NULL);
	guint n = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '\0')
			continue;
		if (n++ < MAX_LISTED) {
			g_autofree gchar *line = vtier_escape_log(lines[i]);

			g_string_append_printf(out, "%s%s", out->len ? "; " : "", line);
		}
	}
	*ret_count = n;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* On the main loop, what the worker's read-back found (and repaired). */
static void audit_done(VtierManager *m, VtierDamonJob *job)
{
	g_autofree gchar *listed = NULL;
	guint n = 0;

	m->audit_ended_us = g_get_monotonic_time();
	if (job->verify_failed) {
		g_debug("audit: cannot read vtier's kdamond files: %s", job->error->message);
		return;
	}
	if (job->found == NULL)
		return;
	listed = first_lines(job->found, &n);
	vtier_manager_count_error(m, "damon-foreign-write");
	g_warning("someone else changed %u of vtier's DAMON files (%s%s); writing vtier's values "
		  "back",
		  n, listed, n > MAX_LISTED ? "; ..." : "");
	if (!job->ok) {
		g_warning("cannot repair vtier's DAMON files: %s", job->error->message);
		vtier_manager_mark_dirty(m, "audit repair failed");
		return;
	}
	g_message("repaired vtier's DAMON files: %" G_GUINT64_FORMAT " writes and a commit",
		  job->writes);
}

/* The read-back (and the repair) runs on the DAMON worker with a copy of the applied model. */
static void audit_tree(VtierManager *m)
{
	VtierDamonJob *job;

	if (m->applied == NULL || !m->applied_ok || m->applied->kdamonds->len == 0)
		return;
	job = vtier_damon_job_new(VTIER_DAMON_JOB_AUDIT, audit_done);
	job->model = vtier_damon_model_copy(m->applied);
	vtier_damon_worker_launch(m, job);
}

static void audit_damon_stat(VtierManager *m)
{
	g_autoptr(VtierDamonIo) io = vtier_damon_io_new_real();
	g_autofree gchar *path =
		vtier_path_build(VTIER_PATH_MODULES, "damon_stat", "parameters", "enabled", NULL);
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autofree gchar *value = NULL;
	g_autoptr(GError) error = NULL;

	if (!vtier_damon_io_exists(io, path) || !vtier_damon_io_read(io, path, &value, NULL) ||
	    g_strcmp0(value, "Y") != 0) {
		m->damon_stat_reported = FALSE;
		return;
	}
	if (!vtier_config_get_boolean(m->config, "damon", "disable_damon_stat")) {
		if (!m->damon_stat_reported)
			g_warning("damon_stat was enabled behind vtierd's back (%s = Y): vtier's "
				  "running kdamonds go on, but none can start while it holds DAMON. "
				  "Fix: echo N > %s, or set [damon] disable_damon_stat=true",
				  host, host);
		m->damon_stat_reported = TRUE;
		vtier_manager_count_error(m, "damon-foreign-write");
		return;
	}
	if (!vtier_damon_io_write(io, path, "N", &error)) {
		g_warning("damon_stat was enabled behind vtierd's back (%s = Y) and cannot be "
			  "turned off: %s",
			  host, error->message);
		return;
	}
	vtier_manager_count_error(m, "damon-foreign-write");
	g_warning("damon_stat was enabled behind vtierd's back (%s = Y); turned it off again "
		  "([damon] disable_damon_stat=true)",
		  host);
	vtier_manager_mark_dirty(m, "damon_stat turned off again");
}

void vtier_manager_audit(VtierManager *m)
{
	if (vtier_manager_damon_busy(m)) {
		/* once the worker is idle (vtier_manager_damon_idle): under TCG the interval's
		 * status reads kept the worker busy through every tick, and the audit never ran */
		g_debug("audit: a DAMON job is in flight; when it ends");
		m->audit_pending = TRUE;
		return;
	}
	m->audit_pending = FALSE;
	/* a reconcile writes both records again (the driver's after its apply, vtierd's after) */
	if (vtier_manager_state_check(m))
		vtier_manager_mark_dirty(m, "state file set aside");
	if (!m->options.dry_run && m->driver != NULL) {
		audit_damon_stat(m);
		audit_tree(m);
	}
	if (m->last_reconcile_error != NULL && !m->dirty)
		vtier_manager_mark_dirty(m, "retry after a failed reconcile");
}

/* Whether an audit may run now: no sooner than half its interval after the last one ended (a
 * read-back slower than its interval, as under TCG with a sanitized vtierd, must not take the
 * worker back to back and starve the reconcile and the controller). */
gboolean vtier_manager_audit_due(VtierManager *m)
{
	guint64 ms = vtier_config_get_u64(m->config, "damon", "audit_interval_ms");

	return m->audit_pending && ms > 0 &&
	       g_get_monotonic_time() - m->audit_ended_us >= (gint64)CLAMP(ms, 1000, 3600000) * 500;
}

static gboolean on_audit(gpointer user_data)
{
	VtierManager *m = user_data;

	m->audit_pending = TRUE;
	if (vtier_manager_audit_due(m))
		vtier_manager_audit(m);
	return G_SOURCE_CONTINUE;
}

void vtier_manager_audit_start(VtierManager *m)
{
	guint64 ms = vtier_config_get_u64(m->config, "damon", "audit_interval_ms");

	if (ms > 0)
		m->audit_source = g_timeout_add((guint)CLAMP(ms, 1000, 3600000), on_audit, m);
}
