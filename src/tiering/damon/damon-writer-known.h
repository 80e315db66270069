/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * What the DAMON writer knows the admin files hold (relpath -> value, as it last read or wrote
 * them), packed: the files of one scheme's directory and below (kdamonds/K/contexts/0/schemes/S/,
 * ~45 files) are one block of "rest\0value\0" records, every other file is in the block of its
 * directory. A plan of 100 guests has the writer remember ~17 000 files: as a sorted tree of one
 * "relpath\0value\0" block each, ~1.5 MB (the tree's nodes, the blocks, ~40-byte paths that
 * differ only in their last components); packed, ~0.6 MB. Lookups scan a directory's records:
 * the writer looks files up only when it applies a scheme's part (one that changed, or was
 * forgotten).
 */
typedef struct _VtierDamonKnown VtierDamonKnown;

VtierDamonKnown *vtier_damon_known_new(void);
void vtier_damon_known_free(VtierDamonKnown *known);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierDamonKnown, vtier_damon_known_free)

/* What @relpath holds, or NULL when not known. Valid until @known next changes. */
const gchar *vtier_damon_known_lookup(VtierDamonKnown *known, const gchar *relpath);
/* Remembers that @relpath holds @value, or forgets it when @value is NULL; returns the copy
 * remembered (NULL for NULL), valid until @known next changes. */
const gchar *vtier_damon_known_set(VtierDamonKnown *known, const gchar *relpath,
				   const gchar *value);
/* Forgets every file below directory @dir (its files and its subdirectories'). */
void vtier_damon_known_forget_below(VtierDamonKnown *known, const gchar *dir);
/* What an nr_* write in @dir did: the kernel made every directory below it anew, so each file
 * below @dir holds the kernel's default until it is set (forget_below(), and
 * vtier_damon_known_is_fresh() says so of every path below @dir). Saves the writer a read and a
 * presence check per file of a new scheme (~30 of each: under TCG ~0.6 ms a read). */
void vtier_damon_known_mark_fresh(VtierDamonKnown *known, const gchar *dir);
/* Whether @relpath lies below a directory marked fresh: a file there that is not known holds
 * its default (or does not exist: the kernel lacks it). set(@relpath, NULL) does not change it. */
gboolean vtier_damon_known_is_fresh(VtierDamonKnown *known, const gchar *relpath);
/* Forgets every file, and every fresh directory. */
void vtier_damon_known_clear(VtierDamonKnown *known);
/* How many files are known. */
guint vtier_damon_known_size(VtierDamonKnown *known);
