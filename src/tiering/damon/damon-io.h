/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * The DAMON driver's only door to the kernel: read, write and list sysfs files through a small
 * ops table, so that unit tests can put the in-process fake (damon-fake.h) behind it, and
 * `vtierctl plan` can record writes instead of doing them. Paths are absolute (built with
 * vtier_path_build(), so below the sysroot). Production ops use vtier_file_* on real paths.
 *
 * Errors follow src/common/fileio.h: a write error names the value and the file and carries
 * the kernel's errno as its VTIER_ERROR code (vtier_error_code_from_errno()), and the errno
 * itself in vtier_damon_io_last_errno() so that callers can map EBUSY/ENOMEM/EINVAL exactly.
 */

typedef enum {
	VTIER_DAMON_IO_NONE,
	VTIER_DAMON_IO_FILE,
	VTIER_DAMON_IO_DIR,
} VtierDamonIoKind;

typedef struct {
	/* The contents with surrounding white space removed. */
	gboolean (*read)(gpointer user_data, const gchar *path, gchar **ret_value, GError **error);
	/* `echo VALUE > PATH`; on failure sets *ret_errno to the kernel's errno. */
	gboolean (*write)(gpointer user_data, const gchar *path, const gchar *value, int *ret_errno,
			  GError **error);
	/* The entries of a directory, sorted (numbers numerically). */
	gboolean (*list)(gpointer user_data, const gchar *path, GStrv *ret_names, GError **error);
	VtierDamonIoKind (*kind)(gpointer user_data, const gchar *path);
	/* Whether the file is writable at all (sysfs mode has a write bit). */
	gboolean (*writable)(gpointer user_data, const gchar *path);
} VtierDamonIoOps;

typedef struct _VtierDamonIo VtierDamonIo;

/* Production I/O on the real (or --sysroot) file system. */
VtierDamonIo *vtier_damon_io_new_real(void);
/* I/O through @ops; @destroy frees @user_data with the io. */
VtierDamonIo *vtier_damon_io_new(const VtierDamonIoOps *ops, gpointer user_data,
				 GDestroyNotify destroy);
VtierDamonIo *vtier_damon_io_ref(VtierDamonIo *io);
void vtier_damon_io_unref(VtierDamonIo *io);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonIo, vtier_damon_io_unref)

/* A transient EBUSY (`pid` is read under the sysfs trylock) is retried a few times, 63 ms in
 * all; a lasting one is the error. */
gboolean vtier_damon_io_read(VtierDamonIo *io, const gchar *path, gchar **ret_value, GError **error);
gboolean vtier_damon_io_read_u64(VtierDamonIo *io, const gchar *path, guint64 *ret_value,
				 GError **error);
/* Writes and counts the write; on failure vtier_damon_io_last_errno() is the kernel's errno. */
gboolean vtier_damon_io_write(VtierDamonIo *io, const gchar *path, const gchar *value,
			      GError **error);
/* The same, retrying a transient EBUSY: @tries attempts in all (at least one), sleeping
 * @first_delay_us before the second, doubled before each next; *@ret_retries (if not NULL) grows
 * by the retries. A lasting EBUSY, or any other error, is the last attempt's error. */
gboolean vtier_damon_io_write_retrying(VtierDamonIo *io, const gchar *path, const gchar *value,
				       guint tries, gulong first_delay_us, guint *ret_retries,
				       GError **error);
int vtier_damon_io_last_errno(VtierDamonIo *io);
gboolean vtier_damon_io_list(VtierDamonIo *io, const gchar *path, GStrv *ret_names, GError **error);
VtierDamonIoKind vtier_damon_io_kind(VtierDamonIo *io, const gchar *path);
gboolean vtier_damon_io_exists(VtierDamonIo *io, const gchar *path);
gboolean vtier_damon_io_writable(VtierDamonIo *io, const gchar *path);

/* Write accounting (tests assert "a repeated apply writes nothing"). */
guint vtier_damon_io_get_write_count(VtierDamonIo *io);
/* Reads attempted (EBUSY retries included), and kind/writable checks, since the handle was made. */
guint vtier_damon_io_get_read_count(VtierDamonIo *io);
guint vtier_damon_io_get_lookup_count(VtierDamonIo *io);
/* When set, every successful write is appended as "PATH\tVALUE" (host paths, in order). */
void vtier_damon_io_set_journal(VtierDamonIo *io, GPtrArray *journal);

/* GCompareFunc for g_ptr_array_sort() of directory entries: numbers numerically, then names. */
gint vtier_damon_io_compare_names(gconstpointer a, gconstpointer b);

/* The admin path "kdamonds/0/state" below the sysroot, from a relative path. */
gchar *vtier_damon_admin_path(const gchar *relpath) G_GNUC_MALLOC;

/* A sorted dump of a tree: one line per file, "RELPATH MODE VALUE" (MODE "r" or "rw"; VALUE of
 * readable files, "-" for write-only ones), directories recursively. The lab compares the fake's
 * dump with the real kernel's. @skip_values leaves values out (shape only). */
gboolean vtier_damon_io_dump_tree(VtierDamonIo *io, const gchar *root, gboolean skip_values,
				  gchar **ret_text, GError **error);
