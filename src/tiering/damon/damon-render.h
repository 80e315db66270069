/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tiering/damon/damon-features.h"
#include "tiering/damon/damon-model.h"

/*
 * A model as the ordered list of sysfs files it sets, relative to the admin directory
 * (e.g. "kdamonds/0/contexts/0/schemes/1/action"), in the order the kernel needs: each nr_* file
 * before the children it creates, a filter's `type` before its other files, targets before
 * schemes. Values are spelled as the kernel reads them back (booleans Y/N, the RFC's 0/1 and hex).
 *
 * Filters follow the kernel: on one without core_filters/ops_filters (6.12) CORE and OPS filters
 * move to filters/ in evaluation order, with `allow` folded into `matching` (a 6.12 filter
 * excludes what it matches): allow=N keeps matching, allow=Y inverts it and is only expressible
 * as the last filter (memory it does not match is then excluded, as the newer kernels do).
 * An addr filter that would land there with matching=N ("keep only [s,e)") is written instead as
 * matching=Y addr filters over the rest of the context's monitored span ([lowest region start, s)
 * and [e, highest region end), 0 and G_MAXUINT64 without regions; empty ones left out): 6.12's
 * paddr re-evaluates filters/ per folio, where an addr filter never matches, so matching=N would
 * exclude every page.
 */
typedef enum {
	VTIER_DAMON_ENTRY_NUMBER, /* compared numerically (decimal or 0x hex) */
	VTIER_DAMON_ENTRY_BOOL,	  /* Y/N or 1/0 */
	VTIER_DAMON_ENTRY_STRING,
	VTIER_DAMON_ENTRY_NR, /* an nr_* file: writing it recreates the children */
} VtierDamonEntryKind;

typedef struct {
	gchar *relpath;
	gchar *value;
	gchar *default_value; /* what a fresh directory reads; a file the kernel lacks is fine when
				 the value is the default */
	VtierDamonEntryKind kind;
	guint kdamond;	/* index of the kdamond it belongs to */
	gboolean goal;	/* below schemes/S/quotas/goals/ (commit_schemes_quota_goals picks it up) */
	gboolean live;	/* takes effect without a commit (kdamonds/K/refresh_ms) */
	gboolean tuned; /* sample_us/aggr_us under intervals auto-tuning: the kernel owns them
			   once the kdamond runs (update_tuned_intervals, refresh_ms write them) */
} VtierDamonEntry;

void vtier_damon_entry_free(VtierDamonEntry *entry);
/* A copy of @e in one block (vtier_damon_entry_free() frees it): its relpath followed by
 * @relpath_tail (may be NULL), @value (may be NULL) instead of its value. */
VtierDamonEntry *vtier_damon_entry_new(const VtierDamonEntry *e, const gchar *relpath_tail,
				       const gchar *value);

/* The entries of @model for a kernel with @features (GPtrArray of VtierDamonEntry). Fails with
 * VTIER_ERROR_NOT_SUPPORTED naming the part of the model the kernel cannot express. */
GPtrArray *vtier_damon_render_entries(const VtierDamonModel *model,
				      const VtierDamonFeatures *features, GError **error);

/* The same entries in parts, for a writer that applies models one after the other: the first
 * part holds nr_kdamonds; then per kdamond its head (refresh_ms .. targets, nr_schemes), one part
 * per scheme and its tail (pause). Concatenated, they are vtier_damon_render_entries().
 * With @previous (what this function returned before, for the same @features), a scheme equal
 * to the one of @previous's part at the same kdamond and index, in a context with the same
 * monitored span, is not rendered again: that part is shared (a reference). */
typedef struct {
	GPtrArray *entries;	  /* VtierDamonEntry; NULL: dropped (vtier_damon_part_get_entries()) */
	gint kdamond;		  /* -1: nr_kdamonds */
	gint scheme;		  /* index in its context; -1: a head or a tail */
	VtierDamonScheme *source; /* a scheme's part: a copy of the scheme it renders */
	guint64 span_lo;	  /* and the monitored span it was rendered in */
	guint64 span_hi;
	gboolean applied; /* the writer's: every file holds its entry's value */
} VtierDamonPart;

VtierDamonPart *vtier_damon_part_new(gint kdamond, gint scheme); /* no entries yet */
VtierDamonPart *vtier_damon_part_ref(VtierDamonPart *part);
void vtier_damon_part_unref(VtierDamonPart *part);
/* A scheme's part (one with a source) can let its entries go (entries NULL) and have them rendered
 * again, the same, when they are needed: a writer keeps ~400 parts of ~45 entries at 100 guests
 * (2.6 MB) that it reads only when a scheme's files must be written again. Other parts keep
 * theirs. */
void vtier_damon_part_drop_entries(VtierDamonPart *part);
/* @part's entries (owned by @part), rendered again from its source for a kernel with @features
 * when they were dropped (the features it was rendered for first). */
GPtrArray *vtier_damon_part_get_entries(VtierDamonPart *part, const VtierDamonFeatures *features,
					GError **error);
GPtrArray *vtier_damon_render_parts(const VtierDamonModel *model,
				    const VtierDamonFeatures *features, GPtrArray *previous,
				    GError **error);

/* Whether two values of a file of @kind are the same to the kernel ("0x10" == "16", "Y" == "1"). */
gboolean vtier_damon_entry_values_equal(VtierDamonEntryKind kind, const gchar *a, const gchar *b);
