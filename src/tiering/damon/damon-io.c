/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "tiering/damon/damon-io.h"

struct _VtierDamonIo {
	gint ref;
	const VtierDamonIoOps *ops;
	gpointer user_data;
	GDestroyNotify destroy;
	guint writes;
	guint reads;   /* reads attempted, EBUSY retries included */
	guint lookups; /* kind and writable checks */
	int last_errno;
	GPtrArray *journal;
};

/* ---- production ops ---- */

static gboolean real_read(gpointer user_data, const gchar *path, gchar **ret_value, GError **error)
{
	return vtier_file_read_trimmed(path, ret_value, error);
}

/* fileio maps errno to a VTIER_ERROR code; map it back to the errno the kernel gave. */
static int code_to_errno(const GError *error)
{
	if (error->domain != VTIER_ERROR)
		return EIO;
	switch (error->code) {
	case VTIER_ERROR_INVALID_ARGUMENT:
		return EINVAL;
	case VTIER_ERROR_NOT_FOUND:
		return ENOENT;
	case VTIER_ERROR_PERMISSION_DENIED:
		return EPERM;
	case VTIER_ERROR_BUSY:
		return EBUSY;
	case VTIER_ERROR_NOT_SUPPORTED:
		return EOPNOTSUPP;
	case VTIER_ERROR_NO_MEMORY:
		return ENOMEM;
	case VTIER_ERROR_TIMED_OUT:
		return ETIMEDOUT;
	case VTIER_ERROR_FAILED:
		return ECANCELED;
	default:
		return EIO;
	}
}

static gboolean real_write(gpointer user_data, const gchar *path, const gchar *value,
			   int *ret_errno, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (vtier_file_write_value(path, value, &local))
		return TRUE;
	*ret_errno = code_to_errno(local);
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

gint vtier_damon_io_compare_names(gconstpointer a, gconstpointer b)
{
	const gchar *sa = *(const gchar *const *)a;
	const gchar *sb = *(const gchar *const *)b;
	gboolean na = g_ascii_isdigit(sa[0]);
	gboolean nb = g_ascii_isdigit(sb[0]);

	if (na && nb) {
		guint64 ia = g_ascii_strtoull(sa, NULL, 10);
		guint64 ib = g_ascii_strtoull(sb, NULL, 10);

		if (ia != ib)
			return ia < ib ? -1 : 1;
	}
	return g_strcmp0(sa, sb);
}

static gboolean real_list(gpointer user_data, const gchar *path, GStrv *ret_names, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GDir) dir = g_dir_open(path, 0, &local);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (dir == NULL) {
		g_autofree gchar *host = vtier_path_to_host(path);

		vtier_error_set_errno(error, ENOENT, "cannot list %s", host);
		return FALSE;
	}
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, vtier_damon_io_compare_names);
	g_ptr_array_add(names, NULL);
	*ret_names = (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
	return TRUE;
}

/* One stat() (g_file_test() takes a stat and an access() for a file). */
static VtierDamonIoKind real_kind(gpointer user_data, const gchar *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return VTIER_DAMON_IO_NONE;
	return S_ISDIR(st.st_mode) ? VTIER_DAMON_IO_DIR : VTIER_DAMON_IO_FILE;
}

static gboolean real_writable(gpointer user_data, const gchar *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) != 0;
}

static const VtierDamonIoOps real_ops = {
	.read = real_read,
	.write = real_write,
	.list = real_list,
	.kind = real_kind,
	.writable = real_writable,
};

/* ---- the handle ---- */

/* A read of `pid` or `state` takes the sysfs lock with a trylock, as `state` and nr_* writes do,
 * and the refresh_ms worker (or another process's `state` command) holds that lock meanwhile: a
 * transient EBUSY (vtier_file_read keeps it, vtier_file_read_errno). It is retried as the
 * writer retries its writes: 1, 2, 4 ... 32 ms. */
#define READ_BUSY_TRIES 7
#define READ_BUSY_FIRST_DELAY_US 1000

VtierDamonIo *vtier_damon_io_new(const VtierDamonIoOps *ops, gpointer user_data,
				 GDestroyNotify destroy)
{
	VtierDamonIo *io = g_new0(VtierDamonIo, 1);

	io->ref = 1;
	io->ops = ops;
	io->user_data = user_data;
	io->destroy = destroy;
	return io;
}

VtierDamonIo *vtier_damon_io_new_real(void)
{
	return vtier_damon_io_new(&real_ops, NULL, NULL);
}

VtierDamonIo *vtier_damon_io_ref(VtierDamonIo *io)
{
	g_atomic_int_inc(&io->ref);
	return io;
}

void vtier_damon_io_unref(VtierDamonIo *io)
{
	if (io == NULL || !g_atomic_int_dec_and_test(&io->ref))
		return;
	if (io->destroy != NULL)
		io->destroy(io->user_data);
	g_clear_pointer(&io->journal, g_ptr_array_unref);
	g_free(io);
}

/* One attempt of a read (@value NULL) or a write; a failed one says whether it was busy: the
 * kernel's EBUSY for a write, VTIER_ERROR_BUSY for a read (its ops report no errno). */
static gboolean attempt(VtierDamonIo *io, const gchar *path, const gchar *value, gchar **ret_value,
			gboolean *ret_busy, GError **error)
{
	if (value == NULL) {
		io->reads++;
		if (io->ops->read(io->user_data, path, ret_value, error))
			return TRUE;
		*ret_busy = g_error_matches(*error, VTIER_ERROR, VTIER_ERROR_BUSY);
		return FALSE;
	}
	if (vtier_damon_io_write(io, path, value, error))
		return TRUE;
	*ret_busy = io->last_errno == EBUSY;
	return FALSE;
}

/* The one EBUSY backoff of every read and write that retries one: @tries attempts in all. */
static gboolean busy_retried(VtierDamonIo *io, const gchar *path, const gchar *value,
			     gchar **ret_value, guint tries, gulong delay_us, guint *ret_retries,
			     GError **error)
{
	for (guint n = 1;; n++) {
		g_autoptr(GError) local = NULL;
		gboolean busy = FALSE;

		if (attempt(io, path, value, ret_value, &busy, &local))
			return TRUE;
		if (!busy || n >= tries) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		if (ret_retries != NULL)
			(*ret_retries)++;
		g_usleep(delay_us);
		delay_us *= 2;
	}
}

gboolean vtier_damon_io_read(VtierDamonIo *io, const gchar *path, gchar **ret_value, GError **error)
{
	return busy_retried(io, path, NULL, ret_value, READ_BUSY_TRIES, READ_BUSY_FIRST_DELAY_US,
			    NULL, error);
}

gboolean vtier_damon_io_write_retrying(VtierDamonIo *io, const gchar *path, const gchar *value,
				       guint tries, gulong first_delay_us, guint *ret_retries,
				       GError **error)
{
	g_return_val_if_fail(value != NULL, FALSE);
	return busy_retried(io, path, value, NULL, MAX(tries, 1), first_delay_us, ret_retries,
			    error);
}

gboolean vtier_damon_io_read_u64(VtierDamonIo *io, const gchar *path, guint64 *ret_value,
				 GError **error)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *host = NULL;

	if (!vtier_damon_io_read(io, path, &text, error))
		return FALSE;
	if (vtier_parse_u64(text, path, ret_value, NULL))
		return TRUE;
	host = vtier_path_to_host(path); /* only for the message: read every interval */
	return vtier_parse_u64(text, host, ret_value, error);
}

gboolean vtier_damon_io_write(VtierDamonIo *io, const gchar *path, const gchar *value,
			      GError **error)
{
	int errnum = 0;

	if (!io->ops->write(io->user_data, path, value, &errnum, error)) {
		io->last_errno = errnum != 0 ? errnum : EIO;
		return FALSE;
	}
	io->last_errno = 0;
	io->writes++;
	if (io->journal != NULL) {
		g_autofree gchar *host = vtier_path_to_host(path);

		g_ptr_array_add(io->journal, g_strdup_printf("%s\t%s", host, value));
	}
	return TRUE;
}

int vtier_damon_io_last_errno(VtierDamonIo *io)
{
	return io->last_errno;
}

gboolean vtier_damon_io_list(VtierDamonIo *io, const gchar *path, GStrv *ret_names, GError **error)
{
	return io->ops->list(io->user_data, path, ret_names, error);
}

VtierDamonIoKind vtier_damon_io_kind(VtierDamonIo *io, const gchar *path)
{
	io->lookups++;
	return io->ops->kind(io->user_data, path);
}

gboolean vtier_damon_io_exists(VtierDamonIo *io, const gchar *path)
{
	return vtier_damon_io_kind(io, path) != VTIER_DAMON_IO_NONE;
}

gboolean vtier_damon_io_writable(VtierDamonIo *io, const gchar *path)
{
	io->lookups++;
	return io->ops->writable(io->user_data, path);
}

guint vtier_damon_io_get_write_count(VtierDamonIo *io)
{
	return io->writes;
}

guint vtier_damon_io_get_read_count(VtierDamonIo *io)
{
	return io->reads;
}

guint vtier_damon_io_get_lookup_count(VtierDamonIo *io)
{
	return io->lookups;
}

void vtier_damon_io_set_journal(VtierDamonIo *io, GPtrArray *journal)
{
	g_clear_pointer(&io->journal, g_ptr_array_unref);
	if (journal != NULL)
		io->journal = g_ptr_array_ref(journal);
}

gchar *vtier_damon_admin_path(const gchar *relpath)
{
	return vtier_path_build(VTIER_PATH_DAMON_ADMIN, relpath, NULL);
}

static gboolean dump_dir(VtierDamonIo *io, const gchar *root, const gchar *rel,
			 gboolean skip_values, GString *out, GError **error)
{
	g_autofree gchar *dir = rel[0] != '\0' ? g_build_filename(root, rel, NULL) : g_strdup(root);
	g_auto(GStrv) names = NULL;

	if (!vtier_damon_io_list(io, dir, &names, error))
		return FALSE;
	for (gsize i = 0; names[i] != NULL; i++) {
		g_autofree gchar *child_rel =
			rel[0] != '\0' ? g_build_filename(rel, names[i], NULL) : g_strdup(names[i]);
		g_autofree gchar *child = g_build_filename(root, child_rel, NULL);
		g_autofree gchar *value = NULL;
		const gchar *mode = vtier_damon_io_writable(io, child) ? "rw" : "r";

		if (vtier_damon_io_kind(io, child) == VTIER_DAMON_IO_DIR) {
			if (!dump_dir(io, root, child_rel, skip_values, out, error))
				return FALSE;
			continue;
		}
		if (skip_values) {
			g_string_append_printf(out, "%s %s\n", child_rel, mode);
			continue;
		}
		if (!vtier_damon_io_read(io, child, &value, NULL))
			value = g_strdup("-");
		g_strdelimit(value, "\n", '|');
		g_string_append_printf(out, "%s %s %s\n", child_rel, mode, value);
	}
	return TRUE;
}

gboolean vtier_damon_io_dump_tree(VtierDamonIo *io, const gchar *root, gboolean skip_values,
				  gchar **ret_text, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);

	if (!dump_dir(io, root, "", skip_values, out, error))
		return FALSE;
	*ret_text = g_string_free(g_steal_pointer(&out), FALSE);
	return TRUE;
}
