/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierd"

#include "config.h"

#include <time.h>

#include "common/error.h"
#include "common/paths.h"
#include "daemon/manager-private.h"
#include "tiering/damon/damon-io.h"

/* vtierd's DAMON I/O worker: one thread that owns the DAMON driver (or the dry run's writer and
 * in-process fake) while a job runs. On kernel 7.3 a `commit` written to a kdamond's `state`
 * waits in the kernel (damon_call) for the kdamond's next loop, up to ~15 s measured in the lab
 * under a 256 MiB migration window; on 6.18 a status read (update_schemes_stats) does too. The
 * main loop never waits for that: it hands the worker a job carrying copies of what it needs
 * (a model, the schemes to read), one job at a time, and applies the job's result when the
 * worker hands it back (vtier_damon_job_finish on the main context). The main loop touches the
 * driver only while no job is in flight (vtier_manager_damon_busy()), and at exit after the
 * last job. */

struct _VtierDamonWorker {
	VtierManager *m;
	GThread *thread;
	GAsyncQueue *todo;  /* VtierDamonJob *, or the worker itself to quit */
	GAsyncQueue *done;  /* VtierDamonJob *, back to the main context */
	GSource *wake;	    /* main context: runs the finished jobs' continuations */
	/* what the jobs use: the main loop leaves them alone while a job is in flight */
	VtierDamonDriver *driver;
	VtierDamonWriter *dry_writer;
	VtierDamonFake *fake;
};

void vtier_damon_job_free(VtierDamonJob *job)
{
	if (job == NULL)
		return;
	vtier_damon_model_free(job->model);
	g_clear_pointer(&job->wanted, g_array_unref);
	g_clear_pointer(&job->commit_seconds, g_array_unref);
	g_clear_error(&job->error);
	vtier_damon_kdamond_status_clear(&job->status);
	g_free(job->found);
	if (job->data_free != NULL && job->data != NULL)
		job->data_free(job->data);
	g_free(job);
}

VtierDamonJob *vtier_damon_job_new(VtierDamonJobKind kind, VtierDamonJobDone done)
{
	VtierDamonJob *job = g_new0(VtierDamonJob, 1);

	job->kind = kind;
	job->done = done;
	job->commit_seconds = g_array_new(FALSE, FALSE, sizeof(gdouble));
	return job;
}

/* ---- on the worker thread ---- */

static gdouble thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gdouble)ts.tv_sec + (gdouble)ts.tv_nsec / 1e9;
}

static VtierDamonWriter *worker_writer(VtierDamonWorker *w)
{
	return w->driver != NULL ? vtier_damon_driver_get_writer(w->driver) : w->dry_writer;
}

static void log_dry_run_writes(VtierDamonWorker *w)
{
	const GPtrArray *log = vtier_damon_fake_get_log(w->fake);

	for (guint i = 0; i < log->len; i++) {
		g_autofree gchar *line = vtier_escape_log(g_ptr_array_index(log, i));

		g_message("dry run: would write %s", line);
	}
	vtier_damon_fake_clear_log(w->fake); /* logged: a dry run must not grow with every write */
}

/* The writer's apply of job->model, counting writes and timing each commit. */
static void run_apply(VtierDamonWorker *w, VtierDamonJob *job)
{
	g_auto(VtierDamonApplyResult) result = { 0 };
	gint64 t0 = g_get_monotonic_time();
	gdouble cpu0 = thread_cpu_seconds();
	gdouble kernel0 = w->fake != NULL ? vtier_damon_fake_get_kernel_cpu_seconds(w->fake) : 0;

	if (job->invalidate)
		vtier_damon_writer_invalidate(worker_writer(w));
	if (w->driver != NULL)
		job->ok = vtier_damon_driver_apply(w->driver, job->model, &result, &job->error);
	else
		job->ok = vtier_damon_writer_apply(w->dry_writer, job->model, &result, &job->error);
	job->cpu_seconds = thread_cpu_seconds() - cpu0;
	if (w->fake != NULL) {
		job->kernel_cpu_seconds = vtier_damon_fake_get_kernel_cpu_seconds(w->fake) - kernel0;
		log_dry_run_writes(w);
	}
	job->writes = result.writes;
	/* where a first move's time goes (docs/controller.md): the apply's own share */
	g_debug("apply: %u writes, %u reads, %u lookups, %u EBUSY retries, %u kdamonds staged "
		"(%u ms waited), %u ms in state commands, in %.0f ms (worker CPU %.0f ms)%s",
		result.writes, result.reads, result.lookups, result.busy_retries, result.staged,
		result.staged > 0 ? result.staged_wait_ms : 0, result.state_ms,
		(gdouble)(g_get_monotonic_time() - t0) / 1e3, job->cpu_seconds * 1e3,
		job->ok ? "" : ": failed");
	for (guint i = 0; result.actions != NULL && i < result.actions->len; i++) {
		if (g_array_index(result.actions, VtierDamonStateAction, i) !=
		    VTIER_DAMON_STATE_NONE) {
			gdouble s = (gdouble)(g_get_monotonic_time() - t0) / 1e6;

			g_array_append_val(job->commit_seconds, s);
		}
	}
}

static void run_status(VtierDamonWorker *w, VtierDamonJob *job)
{
	gdouble kernel0 = w->fake != NULL ? vtier_damon_fake_get_kernel_cpu_seconds(w->fake) : 0;

	vtier_damon_writer_set_status_schemes(worker_writer(w), job->wanted);
	if (w->driver != NULL)
		job->ok = vtier_damon_driver_read_status(w->driver, 0, &job->status, &job->error);
	else
		job->ok = vtier_damon_writer_read_status(w->dry_writer, 0, &job->status,
							 &job->error);
	if (w->fake != NULL)
		job->kernel_cpu_seconds = vtier_damon_fake_get_kernel_cpu_seconds(w->fake) - kernel0;
}

/* Lists the model's kdamonds that are not running ("kdamonds/K/state: model on, file off"). */
static void check_running(const VtierDamonModel *model, GString *out)
{
	g_autoptr(VtierDamonIo) io = vtier_damon_io_new_real();

	for (guint k = 0; k < model->kdamonds->len; k++) {
		g_autofree gchar *rel = g_strdup_printf("kdamonds/%u/state", k);
		g_autofree gchar *path = vtier_damon_admin_path(rel);
		g_autofree gchar *state = NULL;

		if (vtier_damon_io_read(io, path, &state, NULL) && g_strcmp0(state, "on") != 0)
			g_string_append_printf(out, "%s: model on, file %s\n", rel, state);
	}
}

/* The audit's read-back of vtier's files against job->model (the applied one); when someone
 * else changed them, job->found lists what, and vtier's values are written back. */
static void run_audit(VtierDamonWorker *w, VtierDamonJob *job)
{
	g_autoptr(GString) found = g_string_new(NULL);
	g_autofree gchar *mismatches = NULL;

	if (w->driver == NULL)
		return;
	if (!vtier_damon_writer_verify(worker_writer(w), job->model, &mismatches, &job->error)) {
		job->verify_failed = TRUE;
		return;
	}
	g_string_append(found, mismatches != NULL ? mismatches : "");
	check_running(job->model, found);
	if (found->len == 0) {
		job->ok = TRUE;
		return;
	}
	job->found = g_string_free(g_steal_pointer(&found), FALSE);
	/* forget what the writer remembers: it then reads every file and writes what differs */
	job->invalidate = TRUE;
	run_apply(w, job);
}

static gpointer worker_main(gpointer data)
{
	VtierDamonWorker *w = data;

	for (;;) {
		gpointer item = g_async_queue_pop(w->todo);
		VtierDamonJob *job = item;

		if (item == (gpointer)w)
			break;
		switch (job->kind) {
		case VTIER_DAMON_JOB_APPLY:
			run_apply(w, job);
			break;
		case VTIER_DAMON_JOB_STATUS:
			run_status(w, job);
			break;
		case VTIER_DAMON_JOB_AUDIT:
			run_audit(w, job);
			break;
		}
		g_async_queue_push(w->done, job);
		g_source_set_ready_time(w->wake, 0); /* thread-safe: wakes the main context */
	}
	return NULL;
}

/* ---- on the main context ---- */

static gboolean wake_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
	g_source_set_ready_time(source, -1);
	return callback(data);
}

static GSourceFuncs wake_funcs = {
	.dispatch = wake_dispatch,
};

static void finish(VtierDamonWorker *w, VtierDamonJob *job)
{
	VtierManager *m = w->m;

	g_assert(m->damon_job == job);
	m->damon_job = NULL;
	m->apply_cpu_seconds += job->cpu_seconds;
	m->kernel_cpu_seconds += job->kernel_cpu_seconds;
	m->writes += job->writes;
	for (guint i = 0; i < job->commit_seconds->len; i++) {
		m->commits++;
		vtier_histogram_observe(m->commit_seconds,
					g_array_index(job->commit_seconds, gdouble, i));
	}
	if (job->kind != VTIER_DAMON_JOB_STATUS && !job->ok && !job->verify_failed &&
	    job->error != NULL)
		vtier_manager_count_error(m, "damon-write");
	if (job->done != NULL)
		job->done(m, job);
	vtier_damon_job_free(job);
	vtier_manager_damon_idle(m);
}

static gboolean on_wake(gpointer data)
{
	VtierDamonWorker *w = data;
	VtierDamonJob *job;

	while ((job = g_async_queue_try_pop(w->done)) != NULL)
		finish(w, job);
	return G_SOURCE_CONTINUE;
}

VtierDamonWorker *vtier_damon_worker_new(VtierManager *m, VtierDamonDriver *driver,
					 VtierDamonWriter *dry_writer, VtierDamonFake *fake)
{
	VtierDamonWorker *w = g_new0(VtierDamonWorker, 1);

	w->m = m;
	w->driver = driver;
	w->dry_writer = dry_writer;
	w->fake = fake;
	w->todo = g_async_queue_new();
	w->done = g_async_queue_new();
	w->wake = g_source_new(&wake_funcs, sizeof(GSource));
	g_source_set_callback(w->wake, on_wake, w, NULL);
	g_source_set_priority(w->wake, G_PRIORITY_DEFAULT);
	g_source_set_name(w->wake, "vtierd DAMON worker");
	g_source_attach(w->wake, g_main_loop_get_context(m->loop));
	w->thread = g_thread_new("vtierd-damon", worker_main, w);
	return w;
}

/* Stops the thread after its job; a job it finished after the main loop stopped is dropped. */
void vtier_damon_worker_free(VtierDamonWorker *w)
{
	VtierDamonJob *job;

	if (w == NULL)
		return;
	g_async_queue_push(w->todo, w);
	g_thread_join(w->thread);
	while ((job = g_async_queue_try_pop(w->done)) != NULL)
		vtier_damon_job_free(job);
	g_source_destroy(w->wake);
	g_source_unref(w->wake);
	g_async_queue_unref(w->todo);
	g_async_queue_unref(w->done);
	g_free(w);
}

gboolean vtier_damon_worker_launch(VtierManager *m, VtierDamonJob *job)
{
	g_assert(m->damon_job == NULL);
	if (m->stopping || m->damon_worker == NULL) {
		vtier_damon_job_free(job);
		return FALSE;
	}
	m->damon_job = job;
	g_async_queue_push(m->damon_worker->todo, job);
	return TRUE;
}

gboolean vtier_manager_damon_busy(VtierManager *m)
{
	return m->damon_job != NULL;
}

/* Waits for the job in flight, running its continuation (the main loop stopped: nothing new
 * is launched once m->stopping is set). */
void vtier_damon_worker_drain(VtierManager *m)
{
	while (m->damon_job != NULL)
		g_main_context_iteration(g_main_loop_get_context(m->loop), TRUE);
}
