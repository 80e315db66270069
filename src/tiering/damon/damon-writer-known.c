/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <string.h>

#include "tiering/damon/damon-writer-known.h"

/* The files of one directory (or one scheme's directory and below): "rest\0value\0" records, in
 * no order, rest being the relpath after the group's path and its '/'. One block with its path. */
typedef struct {
	gchar *records;
	gsize size;
	gsize alloc; /* of records: grown by doubling, not shrunk (a new scheme's ~55 files are
		      * remembered one by one, each once read and once written) */
	guint count;
	gchar path[]; /* the tree's key */
} Group;

struct _VtierDamonKnown {
	GTree *groups; /* path -> Group, sorted by path: forget_below() visits a range */
	guint count;
	GTree *fresh; /* "dir/" prefixes, none below another: see mark_fresh() */
};

static void group_free(Group *g)
{
	g_free(g->records);
	g_free(g);
}

static gint compare_paths(gconstpointer a, gconstpointer b, gpointer data)
{
	(void)data;
	return strcmp(a, b);
}

VtierDamonKnown *vtier_damon_known_new(void)
{
	VtierDamonKnown *known = g_new0(VtierDamonKnown, 1);

	known->groups = g_tree_new_full(compare_paths, NULL, NULL, (GDestroyNotify)group_free);
	known->fresh = g_tree_new_full(compare_paths, NULL, g_free, NULL);
	return known;
}

void vtier_damon_known_free(VtierDamonKnown *known)
{
	if (known == NULL)
		return;
	g_tree_unref(known->groups);
	g_tree_unref(known->fresh);
	g_free(known);
}

/* The length of @relpath's group path: up to the scheme's directory when @relpath is below
 * ".../schemes/N/", else up to its last '/' (0: no directory). */
static gsize group_len(const gchar *relpath)
{
	const gchar *s = strstr(relpath, "/schemes/");
	const gchar *slash = strrchr(relpath, '/');

	if (s != NULL) {
		const gchar *n = s + strlen("/schemes/");
		const gchar *end = n;

		while (g_ascii_isdigit(*end))
			end++;
		if (end > n && *end == '/')
			return (gsize)(end - relpath);
	}
	return slash != NULL ? (gsize)(slash - relpath) : 0;
}

/* The group of path @path (its first @len bytes), or NULL. */
static Group *group_lookup(VtierDamonKnown *known, const gchar *path, gsize len)
{
	gchar buf[256];
	g_autofree gchar *heap = NULL;
	const gchar *key = buf;

	if (len < sizeof(buf)) {
		memcpy(buf, path, len);
		buf[len] = '\0';
	} else {
		key = heap = g_strndup(path, len);
	}
	return g_tree_lookup(known->groups, key);
}

static const gchar *rest_of(const gchar *relpath, gsize glen)
{
	return glen > 0 ? relpath + glen + 1 : relpath;
}

/* The record of @rest in @g (its start), or NULL. */
static gchar *record_find(Group *g, const gchar *rest)
{
	gchar *end = g->records + g->size;

	for (gchar *r = g->records; r < end;) {
		gchar *value = r + strlen(r) + 1;

		if (strcmp(r, rest) == 0)
			return r;
		r = value + strlen(value) + 1;
	}
	return NULL;
}

static gsize record_size(const gchar *r)
{
	gsize rest = strlen(r) + 1;

	return rest + strlen(r + rest) + 1;
}

static void record_remove(VtierDamonKnown *known, Group *g, gchar *r)
{
	gsize size = record_size(r);
	gsize at = (gsize)(r - g->records);

	memmove(r, r + size, g->size - at - size);
	g->size -= size;
	g->count--;
	known->count--;
	if (g->count == 0)
		g_tree_remove(known->groups, g->path);
}

const gchar *vtier_damon_known_lookup(VtierDamonKnown *known, const gchar *relpath)
{
	gsize glen = group_len(relpath);
	Group *g = group_lookup(known, relpath, glen);
	gchar *r = g != NULL ? record_find(g, rest_of(relpath, glen)) : NULL;

	return r != NULL ? r + strlen(r) + 1 : NULL;
}

const gchar *vtier_damon_known_set(VtierDamonKnown *known, const gchar *relpath,
				   const gchar *value)
{
	gsize glen = group_len(relpath);
	const gchar *rest = rest_of(relpath, glen);
	Group *g = group_lookup(known, relpath, glen);
	gchar *r = g != NULL ? record_find(g, rest) : NULL;
	gsize rlen, vlen;

	if (r != NULL && value != NULL) {
		gchar *old = r + strlen(r) + 1;

		if (strlen(old) == strlen(value)) { /* the same length: in place */
			memcpy(old, value, strlen(value));
			return old;
		}
	}
	if (r != NULL)
		record_remove(known, g, r); /* may free the group */
	if (value == NULL)
		return NULL;
	g = group_lookup(known, relpath, glen);
	if (g == NULL) {
		g = g_malloc0(sizeof(Group) + glen + 1);
		memcpy(g->path, relpath, glen);
		g->path[glen] = '\0';
		g_tree_insert(known->groups, g->path, g);
	}
	rlen = strlen(rest) + 1;
	vlen = strlen(value) + 1;
	if (g->size + rlen + vlen > g->alloc) {
		g->alloc = MAX(g->size + rlen + vlen, MAX(g->alloc * 2, 256));
		g->records = g_realloc(g->records, g->alloc);
	}
	memcpy(g->records + g->size, rest, rlen);
	memcpy(g->records + g->size + rlen, value, vlen);
	g->size += rlen + vlen;
	g->count++;
	known->count++;
	return g->records + g->size - vlen;
}

/* Forgets the records of @g whose rest starts with @prefix. */
static void group_forget_prefix(VtierDamonKnown *known, Group *g, const gchar *prefix)
{
	gchar *r = g->records;

	while (g->count > 0 && r < g->records + g->size) {
		if (g_str_has_prefix(r, prefix)) {
			gsize at = (gsize)(r - g->records);
			gboolean last = g->count == 1;

			record_remove(known, g, r); /* moves the next record here, or frees g */
			if (last)
				return;
			r = g->records + at;
		} else {
			r += record_size(r);
		}
	}
}

void vtier_damon_known_forget_below(VtierDamonKnown *known, const gchar *dir)
{
	g_autofree gchar *prefix = g_strconcat(dir, "/", NULL);
	g_autofree gchar *probe = g_strconcat(dir, "/x", NULL);
	gsize dlen = strlen(dir);
	gsize glen = group_len(probe);
	g_autoptr(GPtrArray) doomed = g_ptr_array_new();
	Group *g;

	/* @dir inside a scheme's directory: that group's records below it */
	if (glen < dlen) {
		g = group_lookup(known, dir, glen);
		if (g != NULL)
			group_forget_prefix(known, g, rest_of(prefix, glen));
	}
	/* the groups of @dir and of the directories below it, whole (the group of no directory
	 * holds files without a '/': none is below "") */
	g = dlen > 0 ? group_lookup(known, dir, dlen) : NULL;
	if (g != NULL)
		g_ptr_array_add(doomed, g);
	for (GTreeNode *node = g_tree_lower_bound(known->groups, prefix);
	     node != NULL && g_str_has_prefix(g_tree_node_key(node), prefix);
	     node = g_tree_node_next(node))
		g_ptr_array_add(doomed, g_tree_node_value(node));
	for (guint i = 0; i < doomed->len; i++) {
		g = doomed->pdata[i];
		known->count -= g->count;
		g_tree_remove(known->groups, g->path);
	}
}

/* The fresh prefix @path lies below (or is), or NULL. The prefixes nest in none other, so the
 * greatest one not after @path is the only one that can be its prefix: every string between a
 * prefix and a path that starts with it starts with it too. */
static const gchar *fresh_prefix_of(VtierDamonKnown *known, const gchar *path)
{
	GTreeNode *node = g_tree_upper_bound(known->fresh, path);
	const gchar *prefix;

	node = node != NULL ? g_tree_node_previous(node) : g_tree_node_last(known->fresh);
	if (node == NULL)
		return NULL;
	prefix = g_tree_node_key(node);
	return g_str_has_prefix(path, prefix) ? prefix : NULL;
}

void vtier_damon_known_mark_fresh(VtierDamonKnown *known, const gchar *dir)
{
	g_autofree gchar *prefix = g_strconcat(dir, "/", NULL);
	g_autoptr(GPtrArray) below = g_ptr_array_new();
	GTreeNode *node;

	vtier_damon_known_forget_below(known, dir);
	if (fresh_prefix_of(known, prefix) != NULL)
		return; /* a fresh directory above it holds it */
	for (node = g_tree_lower_bound(known->fresh, prefix);
	     node != NULL && g_str_has_prefix(g_tree_node_key(node), prefix);
	     node = g_tree_node_next(node))
		g_ptr_array_add(below, g_tree_node_key(node));
	for (guint i = 0; i < below->len; i++)
		g_tree_remove(known->fresh, below->pdata[i]);
	g_tree_insert(known->fresh, g_steal_pointer(&prefix), NULL);
}

gboolean vtier_damon_known_is_fresh(VtierDamonKnown *known, const gchar *relpath)
{
	return fresh_prefix_of(known, relpath) != NULL;
}

void vtier_damon_known_clear(VtierDamonKnown *known)
{
	g_tree_remove_all(known->groups);
	g_tree_remove_all(known->fresh);
	known->count = 0;
}

guint vtier_damon_known_size(VtierDamonKnown *known)
{
	return known->count;
}
