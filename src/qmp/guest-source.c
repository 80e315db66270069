/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-qmp"

#include "config.h"

#include <errno.h>

#include "common/error.h"
#include "common/paths.h"
#include "qmp/cmdline.h"
#include "qmp/guest-source.h"
#include "qmp/query.h"
#include "virt/memcg.h"

static gboolean read_cmdline(gint pid, gchar ***ret_argv, GError **error)
{
	g_autofree gchar *pid_str = g_strdup_printf("%d", pid);
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_PROCFS, pid_str, "cmdline", NULL);
	g_autofree gchar *host = vtier_path_to_host(path);
	g_autoptr(GError) local = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	/* not vtier_file_read(): the arguments are NUL-separated, so the length matters */
	if (!g_file_get_contents(path, &contents, &len, &local)) {
		vtier_error_set_errno(error, local->code == G_FILE_ERROR_NOENT ? ESRCH
					     : local->code == G_FILE_ERROR_ACCES ? EACCES
										  : EIO,
				      "cannot read %s", host);
		return FALSE;
	}
	if (len == 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NOT_SUPPORTED,
			    "%s is empty: pid %d is a kernel thread or a zombie", host, pid);
		return FALSE;
	}
	*ret_argv = vtier_qmp_cmdline_split(contents, len);
	return TRUE;
}

/* The memcg and per-node usage; a process outside any memory cgroup (or a sysroot without the
 * cgroup tree) simply has none. */
static void resolve_memcg(VtierGuest *guest)
{
	g_autoptr(GError) error = NULL;

	if (!vtier_memcg_resolve_guest(guest, TRUE, &error))
		g_debug("guest %s: no memcg: %s", guest->name, error->message);
}

VtierGuest *vtier_qmp_guest_from_pid(gint pid, gchar **ret_qmp_socket, GError **error)
{
	g_autoptr(VtierGuest) guest = vtier_guest_new(VTIER_GUEST_SOURCE_PID);
	g_autoptr(VtierQmpCmdline) cmdline = NULL;
	g_auto(GStrv) argv = NULL;

	if (pid <= 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT, "%d is not a pid",
			    pid);
		return NULL;
	}
	if (!read_cmdline(pid, &argv, error))
		return NULL;
	cmdline = vtier_qmp_cmdline_parse((const gchar *const *)argv, error);
	if (cmdline == NULL) {
		g_prefix_error(error, "pid %d: ", pid);
		return NULL;
	}
	guest->pid = pid;
	guest->name = cmdline->name != NULL ? g_strdup(cmdline->name)
					    : g_strdup_printf("qemu-%d", pid);
	guest->memory_bytes = cmdline->memory_bytes;
	g_ptr_array_extend_and_steal(guest->memdevs, g_steal_pointer(&cmdline->memdevs));
	resolve_memcg(guest);
	if (ret_qmp_socket != NULL)
		*ret_qmp_socket = g_steal_pointer(&cmdline->qmp_socket);
	return g_steal_pointer(&guest);
}

/* --- from a QMP client: three queries in flight, the record built when all answered --- */

typedef struct {
	VtierGuest *guest;
	guint outstanding;
	GError *error; /* the first failure */
} Probe;

static void probe_free(Probe *probe)
{
	g_clear_pointer(&probe->guest, vtier_guest_free);
	g_clear_error(&probe->error);
	g_free(probe);
}

static void probe_name_from_cmdline(VtierGuest *guest)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) by_pid = vtier_qmp_guest_from_pid(guest->pid, NULL, &error);

	if (by_pid == NULL)
		g_debug("no name from the command line of pid %d: %s", guest->pid, error->message);
	guest->name = by_pid != NULL ? g_steal_pointer(&by_pid->name)
				     : g_strdup_printf("qemu-%d", guest->pid);
}

/* Called once per answered query; the last one completes the task. */
static void probe_step_done(GTask *task, GError *error)
{
	Probe *probe = g_task_get_task_data(task);

	if (error != NULL && probe->error == NULL)
		probe->error = error;
	else if (error != NULL)
		g_error_free(error);
	if (--probe->outstanding > 0) {
		g_object_unref(task);
		return;
	}
	if (probe->error != NULL) {
		g_task_return_error(task, g_steal_pointer(&probe->error));
	} else {
		if (probe->guest->name == NULL)
			probe_name_from_cmdline(probe->guest);
		resolve_memcg(probe->guest);
		g_task_return_pointer(task, g_steal_pointer(&probe->guest),
				      (GDestroyNotify)vtier_guest_free);
	}
	g_object_unref(task);
}

static void on_probe_name(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	Probe *probe = g_task_get_task_data(task);
	GError *error = NULL;

	vtier_qmp_query_name_finish(VTIER_QMP_CLIENT(source), result, &probe->guest->name,
				    &error);
	probe_step_done(task, error);
}

static void on_probe_summary(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	Probe *probe = g_task_get_task_data(task);
	GError *error = NULL;
	g_autofree VtierQmpMemorySizeSummary *sum =
		vtier_qmp_query_memory_size_summary_finish(VTIER_QMP_CLIENT(source), result, &error);

	if (sum != NULL)
		probe->guest->memory_bytes = sum->base_memory + sum->plugged_memory;
	probe_step_done(task, error);
}

static void on_probe_memdev(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	Probe *probe = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(GPtrArray) memdevs = vtier_qmp_query_memdev_finish(VTIER_QMP_CLIENT(source),
								      result, &error);

	if (memdevs != NULL)
		g_ptr_array_extend_and_steal(probe->guest->memdevs, g_steal_pointer(&memdevs));
	probe_step_done(task, error);
}

void vtier_qmp_guest_from_client_async(VtierQmpClient *client, GCancellable *cancellable,
				       GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(client, cancellable, callback, user_data);
	Probe *probe = g_new0(Probe, 1);
	GError *error = NULL;

	g_task_set_source_tag(task, vtier_qmp_guest_from_client_async);
	g_task_set_task_data(task, probe, (GDestroyNotify)probe_free);
	probe->guest = vtier_guest_new(VTIER_GUEST_SOURCE_QMP);
	if (!vtier_qmp_client_get_peer_pid(client, &probe->guest->pid, &error)) {
		g_task_return_error(task, error);
		return;
	}
	probe->outstanding = 3;
	vtier_qmp_query_name_async(client, cancellable, on_probe_name, g_object_ref(task));
	vtier_qmp_query_memory_size_summary_async(client, cancellable, on_probe_summary,
						  g_object_ref(task));
	vtier_qmp_query_memdev_async(client, cancellable, on_probe_memdev, g_object_ref(task));
}

VtierGuest *vtier_qmp_guest_from_client_finish(VtierQmpClient *client, GAsyncResult *result,
					       GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, client), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void on_socket_probed(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	VtierQmpClient *client = VTIER_QMP_CLIENT(source);
	GError *error = NULL;
	VtierGuest *guest = vtier_qmp_guest_from_client_finish(client, result, &error);

	vtier_qmp_client_close(client);
	if (guest == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, guest, (GDestroyNotify)vtier_guest_free);
}

static void on_socket_connected(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	GError *error = NULL;
	g_autoptr(VtierQmpClient) client = vtier_qmp_client_connect_unix_finish(result, &error);
	GCancellable *cancellable = g_task_get_cancellable(task);

	if (client == NULL) {
		g_task_return_error(task, error);
		return;
	}
	vtier_qmp_guest_from_client_async(client, cancellable, on_socket_probed,
					  g_steal_pointer(&task));
}

void vtier_qmp_guest_from_socket_async(const gchar *path, guint timeout_ms,
				       GCancellable *cancellable, GAsyncReadyCallback callback,
				       gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);

	g_task_set_source_tag(task, vtier_qmp_guest_from_socket_async);
	vtier_qmp_client_connect_unix_async(path, timeout_ms, cancellable, on_socket_connected,
					    task);
}

VtierGuest *vtier_qmp_guest_from_socket_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
