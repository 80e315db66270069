/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/damon/damon-fake.h"

/* Internals shared by damon-fake.c (the in-memory tree and its io) and damon-fake-kernel.c
 * (the kernel's tree shape and behaviour). */

typedef enum {
	FAKE_DIR,
	FAKE_ULONG,  /* kstrtoul(base 0), shown %lu */
	FAKE_UINT,   /* kstrtouint(base 0), shown %u */
	FAKE_INT,    /* kstrtoint(base 0), shown %d */
	FAKE_BOOL,   /* kstrtobool, shown Y/N */
	FAKE_BIT,    /* kstrtobool, shown 0/1 (the perf_events RFC) */
	FAKE_HEX,    /* kstrtoull(base 0), shown 0x%llx (the perf_events RFC) */
	FAKE_CHOICE, /* one of choices */
	FAKE_STRING, /* first word of the input */
	FAKE_RO,     /* read-only (0400) */
	FAKE_NR,     /* nr_*: int 0..max, recreates the numbered children */
	FAKE_STATE,  /* kdamonds/K/state */
} FakeType;

typedef struct _FakeNode FakeNode;
typedef void (*FakeBuilder)(VtierDamonFake *fake, FakeNode *dir);

typedef enum {
	FAKE_VALUE_NONE,
	FAKE_VALUE_INLINE, /* in FakeNode.inline_value */
	FAKE_VALUE_HEAP,   /* in FakeNode.heap_value, a block of its own */
} FakeValueKind;

/* 40 bytes (a 48-byte malloc chunk; ~28 000 nodes at 100 guests): a directory's fields and a
 * file's share their place, a directory's name index and kept dump share theirs (a directory
 * keeping its dump has ~13 children, never an index), and a file's value of up to 15 bytes (7
 * for FAKE_CHOICE and FAKE_NR, whose second half holds @choices or @builder) is kept in the node
 * itself. */
struct _FakeNode {
	const gchar *name; /* interned (damon-fake.c, name_intern()) */
	FakeNode *parent;
	union {
		struct { /* FAKE_DIR */
			/* n_children nodes (owned), in the order they were made, in a block of
			 * about their count (damon-fake.c, children_capacity()): a GPtrArray (a
			 * 32-byte header and a block doubled to the next power of two of at least
			 * 16 bytes) cost ~1 MB at 100 guests, where most directories hold 2 to 13
			 * children */
			FakeNode **children;
			union {
				/* without keep_dump, more than FAKE_INDEX_MIN children: name ->
				 * child (not owned), for lookups in O(1); NULL: a scan of @children */
				GHashTable *index;
				/* with keep_dump (a scheme's or a target's directory): the
				 * configuration lines below it as the last dump made them, a piece
				 * whose head is its path (vtier_damon_fake_piece_new()), until a
				 * change below it drops them; a commit of 500 guests' schemes dumps
				 * only the schemes that changed */
				GBytes *dump;
			};
		};
		gchar inline_value[16]; /* the files, FAKE_VALUE_INLINE */
		struct {
			gchar *heap_value; /* FAKE_VALUE_HEAP */
			union {
				const gchar *const *choices; /* FAKE_CHOICE (interned) */
				FakeBuilder builder; /* FAKE_NR: fills each new child directory */
			};
		};
	};
	union {
		gint max; /* FAKE_NR */
		guint n_children; /* FAKE_DIR */
	};
	guint8 type; /* FakeType */
	guint8 keep_dump;
	guint8 value_kind; /* FakeValueKind, the files */
};

typedef struct {
	gboolean running;
	gboolean ran; /* was started at least once */
	gint pid;
	/* the running configuration (vtier_damon_fake_get_running_config()): its text in pieces
	 * (GBytes *), shared with the directories' kept dumps */
	GPtrArray *config;
	guint nr_schemes; /* its schemes/nr_schemes */
} FakeKdamond;

struct _VtierDamonFake {
	VtierDamonFeatures *features;
	FakeNode *root; /* the sysroot's "/" */
	FakeNode *kdamonds; /* admin/kdamonds */
	GHashTable *kstates; /* kdamond dir FakeNode* -> FakeKdamond* */
	GHashTable *stats;   /* "K/S" -> VtierDamonSchemeStats* */
	gboolean check_memcg;
	guint busy;
	guint commit_delay_ms; /* a commit waits this long (vtier_damon_fake_set_commit_delay) */
	gint next_pid;
	GPtrArray *log;
	GHashTable *memcgs_seen; /* during a commit's validation: the memcgs found */
	gdouble kernel_cpu_seconds; /* CPU in the kernel's part: `state` commands (bench) */
};

/* A file's value; NULL for a directory (or no node). */
static inline const gchar *vtier_damon_fake_node_value(const FakeNode *node)
{
	if (node == NULL || node->type == FAKE_DIR)
		return NULL;
	if (node->value_kind == FAKE_VALUE_INLINE)
		return node->inline_value;
	return node->value_kind == FAKE_VALUE_HEAP ? node->heap_value : NULL;
}

FakeNode *vtier_damon_fake_node_dir(FakeNode *parent, const gchar *name);
FakeNode *vtier_damon_fake_node_file(FakeNode *dir, const gchar *name, FakeType type,
				     const gchar *value);
FakeNode *vtier_damon_fake_node_choice(FakeNode *dir, const gchar *name, const gchar *value,
				       const gchar *const *choices);
FakeNode *vtier_damon_fake_node_nr(FakeNode *dir, const gchar *name, gint max, FakeBuilder builder);
FakeNode *vtier_damon_fake_node_child(FakeNode *dir, const gchar *name);
/* Takes @dir's children for which @drop returns TRUE out of it and frees them, keeping the
 * others in their order. */
void vtier_damon_fake_node_remove_children(FakeNode *dir,
					   gboolean (*drop)(FakeNode *child, gpointer user_data),
					   gpointer user_data);
/* Walks "a/b/c" below @dir; NULL when absent. */
FakeNode *vtier_damon_fake_node_lookup(FakeNode *dir, const gchar *relpath);
void vtier_damon_fake_node_free(FakeNode *node);
/* "RELPATH VALUE" lines of every file below @dir, skipping runtime outputs when @config_only. */
void vtier_damon_fake_node_dump(FakeNode *dir, const gchar *prefix, gboolean config_only,
				GPtrArray *lines);
/* The "RELPATH VALUE" lines of the configuration below @dir (runtime outputs left out), sorted,
 * one per line: what sorting vtier_damon_fake_node_dump()'s lines gives, without the sort (a
 * fake commit of 500 guests' schemes dumps ~50k files). */
gchar *vtier_damon_fake_node_dump_config(FakeNode *dir);
/* The same text in pieces (GBytes *, vtier_damon_fake_piece_new(), in order), reusing the dumps
 * kept by directories below @dir that did not change since (FakeNode.keep_dump). */
GPtrArray *vtier_damon_fake_node_dump_config_pieces(FakeNode *dir);
/* A piece of a dump: "HEAD\0" then @len bytes of "RELPATH VALUE\n" lines, each of which
 * stands for "HEADRELPATH VALUE" (a scheme's ~45 lines share "schemes/N/" once). */
GBytes *vtier_damon_fake_piece_new(const gchar *head, const gchar *lines, gsize len);
/* The pieces' text joined, each line with its piece's head. */
gchar *vtier_damon_fake_pieces_join(const GPtrArray *pieces);
void vtier_damon_fake_node_set(FakeNode *node, const gchar *value);

/* damon-fake-kernel.c */
void vtier_damon_fake_build(VtierDamonFake *fake);
/* Handles a write of @value to `state` of kdamond dir @kdir; returns 0 or the errno. */
int vtier_damon_fake_state_write(VtierDamonFake *fake, FakeNode *kdir, const gchar *value);
/* What the kernel's refresh_ms does: when kdamond dir @kdir runs with refresh_ms > 0, publishes
 * the schemes' stats and effective quotas (not the tried regions) as the update_* commands do. */
void vtier_damon_fake_refresh(VtierDamonFake *fake, FakeNode *kdir);
gboolean vtier_damon_fake_any_running(VtierDamonFake *fake);
