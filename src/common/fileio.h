/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Small readers for kernel-style text files. Each reads the whole file in one read (seq_files
 * can change between reads) and names the file in its error. */
gboolean vtier_file_read(const gchar *path, gchar **ret_contents, GError **error);
/* The errno a failed read reports (vtier_file_read): a missing file, a refusal, and EBUSY as
 * they are, anything else EIO. EBUSY must stay EBUSY: DAMON's sysfs `state` and `pid` reads
 * take the sysfs lock with a trylock and give EBUSY while another writer holds it, which a
 * caller retries (vtier_damon_io_read). Read as EIO it was never retried, and a script writing
 * `update_schemes_tried_regions` to vtierd's kdamond failed its applies (6.18 lab, 7 Dec 2026). */
int vtier_file_read_errno(int errnum);
/* The contents with surrounding white space removed. */
gboolean vtier_file_read_trimmed(const gchar *path, gchar **ret_value, GError **error);
gboolean vtier_file_read_u64(const gchar *path, guint64 *ret_value, GError **error);
/* Writes @value to an existing file (no create, no truncate semantics beyond the kernel's), the way
 * `echo VALUE > FILE` does, mapping errno into the error with the file and the value named. */
gboolean vtier_file_write_value(const gchar *path, const gchar *value, GError **error);

/* Parses a whole string as an unsigned decimal (or 0x hex) number; @what names it in the error. */
gboolean vtier_parse_u64(const gchar *text, const gchar *what, guint64 *ret_value, GError **error);

/* The kernel's base page size: the unit of memory.numa_stat's page counts, of /proc/kpage*'s
 * frames and of the smallest DAMON region (4096 where sysconf cannot say). */
guint64 vtier_page_size(void);
