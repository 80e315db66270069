/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-damon"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "common/paths.h"
#include "tiering/damon/damon-fake-private.h"

/* ---- the in-memory tree ---- */

G_STATIC_ASSERT(sizeof(FakeNode) <= 40); /* a 48-byte malloc chunk (damon-fake-private.h) */

static gboolean is_runtime_output(const FakeNode *node);

/* A change at @node (a value, a child added or removed): the dumps kept above it no longer hold.
 * A change inside a runtime output shows in no dump. */
static void drop_dumps(FakeNode *node)
{
	for (FakeNode *n = node; n != NULL; n = n->parent) {
		if (is_runtime_output(n))
			return;
	}
	for (FakeNode *n = node; n != NULL; n = n->parent) {
		if (n->type == FAKE_DIR && n->keep_dump && n->dump != NULL)
			g_clear_pointer(&n->dump, g_bytes_unref);
	}
}

/* A directory gets a name index from this many children on: the tree of 100 guests has ~6000
 * directories, most with a few children, where a scan is as quick as a hash and a hash table per
 * directory cost ~1.5 MiB of a dry run's vtierd. From 32 on: the directories of ~10 children
 * (each scheme's, filter's and stats/) had ~2000 tables, ~0.9 MB at 100 guests; only the
 * numbered lists (schemes/, targets/, regions/) of many guests grow past it. */
#define FAKE_INDEX_MIN 32

static void index_add(FakeNode *dir, FakeNode *child)
{
	if (dir->keep_dump) /* its place holds the dump (damon-fake-private.h) */
		return;
	if (dir->index == NULL && dir->n_children > FAKE_INDEX_MIN) {
		dir->index = g_hash_table_new(g_str_hash, g_str_equal);
		for (guint i = 0; i < dir->n_children; i++) {
			FakeNode *c = dir->children[i];

			g_hash_table_replace(dir->index, (gpointer)c->name, c);
		}
	} else if (dir->index != NULL) {
		g_hash_table_replace(dir->index, (gpointer)child->name, child);
	}
}

/* One copy of each node name for every fake of the process: the same few dozen names, and the
 * numbers of schemes, targets and filters, repeat in every directory. Not GLib's quarks
 * (g_intern_string): past 2048 of them GLib moves its table and leaves the first block behind,
 * which LeakSanitizer reports (bench-planner's 2000 schemes). Never freed, like quarks, and as
 * bounded: names are the ABI's and numbers up to the largest nr_* written. */
static const gchar *name_intern(const gchar *name)
{
	static GHashTable *names;
	G_LOCK_DEFINE_STATIC(names);
	const gchar *kept;

	G_LOCK(names);
	if (names == NULL)
		names = g_hash_table_new(g_str_hash, g_str_equal);
	kept = g_hash_table_lookup(names, name);
	if (kept == NULL) {
		gchar *copy = g_strdup(name);

		g_hash_table_add(names, copy);
		kept = copy;
	}
	G_UNLOCK(names);
	return kept;
}

/* One copy of each list of choices for every fake of the process, like the names: a scheme's
 * action, a filter's type and a goal's metric repeat in every directory (~1200 choice files at
 * 100 guests, each an array of up to ~12 strings when copied). Never freed. */
static const gchar *const *choices_intern(const gchar *const *choices)
{
	static GHashTable *lists; /* "a\nb\n..." -> GStrv */
	G_LOCK_DEFINE_STATIC(lists);
	g_autofree gchar *key = g_strjoinv("\n", (gchar **)choices);
	const gchar *const *kept;

	G_LOCK(lists);
	if (lists == NULL)
		lists = g_hash_table_new(g_str_hash, g_str_equal);
	kept = g_hash_table_lookup(lists, key);
	if (kept == NULL) {
		GStrv copy = g_strdupv((gchar **)choices);

		g_hash_table_insert(lists, g_steal_pointer(&key), copy);
		kept = (const gchar *const *)copy;
	}
	G_UNLOCK(lists);
	return kept;
}

/* The slots a directory's children block has for @n children: up to 16 (a scheme's directory has
 * ~13 children, most others 2 to 8) the odd number at or above @n, at least 3, since a malloc
 * chunk holds 8 + 16k bytes (a block of 2 pointers takes the chunk of 3: a child added then costs
 * no realloc); past it a multiple of 16, so that the numbered lists of many guests (schemes/ of
 * 500 guests holds ~2000) grow in steps, not a copy per child. None without children. */
static guint children_capacity(guint n)
{
	if (n == 0)
		return 0;
	if (n <= 16)
		return MAX(n | 1, 3);
	return (n + 15) / 16 * 16;
}

static void children_add(FakeNode *dir, FakeNode *child)
{
	if (children_capacity(dir->n_children + 1) != children_capacity(dir->n_children))
		dir->children = g_renew(FakeNode *, dir->children,
					children_capacity(dir->n_children + 1));
	dir->children[dir->n_children++] = child;
}

void vtier_damon_fake_node_remove_children(FakeNode *dir,
					   gboolean (*drop)(FakeNode *child, gpointer user_data),
					   gpointer user_data)
{
	guint kept = 0;

	for (guint i = 0; i < dir->n_children; i++) {
		FakeNode *child = dir->children[i];

		if (!drop(child, user_data)) {
			dir->children[kept++] = child;
			continue;
		}
		if (!dir->keep_dump && dir->index != NULL &&
		    g_hash_table_lookup(dir->index, child->name) == child)
			g_hash_table_remove(dir->index, child->name);
		vtier_damon_fake_node_free(child);
	}
	if (children_capacity(kept) != children_capacity(dir->n_children))
		dir->children = g_renew(FakeNode *, dir->children, children_capacity(kept));
	dir->n_children = kept;
}

static FakeNode *node_new(FakeNode *parent, const gchar *name, FakeType type)
{
	FakeNode *node = g_new0(FakeNode, 1);

	node->name = name_intern(name);
	node->type = type;
	node->parent = parent;
	if (parent != NULL) {
		drop_dumps(parent);
		children_add(parent, node);
		index_add(parent, node);
	}
	return node;
}

void vtier_damon_fake_node_free(FakeNode *node)
{
	if (node == NULL)
		return;
	if (node->type == FAKE_DIR) {
		for (guint i = 0; i < node->n_children; i++)
			vtier_damon_fake_node_free(node->children[i]);
		g_clear_pointer(&node->children, g_free);
		if (node->keep_dump)
			g_clear_pointer(&node->dump, g_bytes_unref);
		else
			g_clear_pointer(&node->index, g_hash_table_unref);
	} else {
		if (node->value_kind == FAKE_VALUE_HEAP)
			g_free(node->heap_value);
	}
	g_free(node);
}

/* Sets a file's value: in the node when it fits. */
static void node_value_set(FakeNode *node, const gchar *value)
{
	gchar *old = node->value_kind == FAKE_VALUE_HEAP ? node->heap_value : NULL;
	gsize len = value != NULL ? strlen(value) : 0;
	/* a choice's or an nr_* file's second half holds its choices or builder */
	gsize room = node->type == FAKE_CHOICE || node->type == FAKE_NR ? sizeof(node->heap_value)
									  : sizeof(node->inline_value);

	if (value == NULL) {
		node->value_kind = FAKE_VALUE_NONE;
	} else if (len < room) {
		memmove(node->inline_value, value, len + 1);
		node->value_kind = FAKE_VALUE_INLINE;
	} else {
		node->heap_value = g_strdup(value);
		node->value_kind = FAKE_VALUE_HEAP;
	}
	g_free(old);
}

FakeNode *vtier_damon_fake_node_child(FakeNode *dir, const gchar *name)
{
	if (dir == NULL || dir->type != FAKE_DIR || name == NULL)
		return NULL;
	if (!dir->keep_dump && dir->index != NULL)
		return g_hash_table_lookup(dir->index, name);
	for (guint i = dir->n_children; i > 0; i--) { /* the newest of a name, as the index */
		FakeNode *child = dir->children[i - 1];

		/* the first byte first: most siblings differ there (a lookup per path component of
		 * every file the writer reads or writes; bench-daemon's profile at 500 guests) */
		if (child->name[0] == name[0] && strcmp(child->name, name) == 0)
			return child;
	}
	return NULL;
}

FakeNode *vtier_damon_fake_node_dir(FakeNode *parent, const gchar *name)
{
	FakeNode *node = vtier_damon_fake_node_child(parent, name);

	return node != NULL ? node : node_new(parent, name, FAKE_DIR);
}

FakeNode *vtier_damon_fake_node_file(FakeNode *dir, const gchar *name, FakeType type,
				     const gchar *value)
{
	FakeNode *node = node_new(dir, name, type);

	node_value_set(node, value);
	return node;
}

FakeNode *vtier_damon_fake_node_choice(FakeNode *dir, const gchar *name, const gchar *value,
				       const gchar *const *choices)
{
	FakeNode *node = vtier_damon_fake_node_file(dir, name, FAKE_CHOICE, value);

	node->choices = choices_intern(choices);
	return node;
}

FakeNode *vtier_damon_fake_node_nr(FakeNode *dir, const gchar *name, gint max, FakeBuilder builder)
{
	FakeNode *node = vtier_damon_fake_node_file(dir, name, FAKE_NR, "0");

	node->max = max;
	node->builder = builder;
	return node;
}

/* Without allocating: the writer's reads and writes and a commit's checks look up paths ~10k
 * times per apply at 500 guests. */
FakeNode *vtier_damon_fake_node_lookup(FakeNode *dir, const gchar *relpath)
{
	FakeNode *node = dir;
	const gchar *p = relpath;

	while (node != NULL && *p != '\0') {
		const gchar *slash = strchr(p, '/');
		gsize len = slash != NULL ? (gsize)(slash - p) : strlen(p);
		gchar name[128];

		if (len >= sizeof(name)) {
			g_autofree gchar *long_name = g_strndup(p, len);

			node = vtier_damon_fake_node_child(node, long_name);
		} else if (len > 0) {
			memcpy(name, p, len);
			name[len] = '\0';
			node = vtier_damon_fake_node_child(node, name);
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return node;
}

void vtier_damon_fake_node_set(FakeNode *node, const gchar *value)
{
	drop_dumps(node);
	node_value_set(node, value);
}

/* Outputs of the kernel, not configuration: left out of running-config dumps. */
static gboolean is_runtime_output(const FakeNode *node)
{
	/* by the first letter first: a dump of 500 guests' schemes asks this of ~50k nodes */
	if (node->name == NULL || strchr("stea", node->name[0]) == NULL || node->name[0] == '\0')
		return FALSE;
	return g_strcmp0(node->name, "stats") == 0 || g_strcmp0(node->name, "tried_regions") == 0 ||
	       g_strcmp0(node->name, "effective_bytes") == 0 ||
	       g_strcmp0(node->name, "avail_operations") == 0;
}

void vtier_damon_fake_node_dump(FakeNode *dir, const gchar *prefix, gboolean config_only,
				GPtrArray *lines)
{
	for (guint i = 0; i < dir->n_children; i++) {
		FakeNode *child = dir->children[i];
		g_autofree gchar *path = prefix[0] != '\0'
						 ? g_strdup_printf("%s/%s", prefix, child->name)
						 : g_strdup(child->name);

		if (config_only && is_runtime_output(child))
			continue;
		if (child->type == FAKE_DIR)
			vtier_damon_fake_node_dump(child, path, config_only, lines);
		else
			g_ptr_array_add(lines, g_strdup_printf("%s %s", path,
							       vtier_damon_fake_node_value(child)));
	}
}

/* The order of two children's dump lines ("NAME VALUE" for a file, "NAME/..." below a
 * directory): the order a sort of the lines by strcmp() gives, since names hold no '/' or ' '. */
static gint compare_dump_order(gconstpointer a, gconstpointer b)
{
	const FakeNode *x = *(FakeNode *const *)a, *y = *(FakeNode *const *)b;
	const guchar *p = (const guchar *)x->name, *q = (const guchar *)y->name;
	guchar cp, cq;

	while (*p != '\0' && *p == *q) {
		p++;
		q++;
	}
	cp = *p != '\0' ? *p : (x->type == FAKE_DIR ? '/' : ' ');
	cq = *q != '\0' ? *q : (y->type == FAKE_DIR ? '/' : ' ');
	return (gint)cp - (gint)cq;
}

GBytes *vtier_damon_fake_piece_new(const gchar *head, const gchar *lines, gsize len)
{
	gsize head_len = strlen(head);
	gchar *data = g_malloc(head_len + 1 + len);

	memcpy(data, head, head_len + 1);
	if (len > 0)
		memcpy(data + head_len + 1, lines, len);
	return g_bytes_new_take(data, head_len + 1 + len);
}

/* Whether piece @piece has the head @head. */
static gboolean piece_has_head(GBytes *piece, const gchar *head)
{
	return strcmp(g_bytes_get_data(piece, NULL), head) == 0;
}

static void flush_piece(GString *out, GPtrArray *pieces)
{
	if (out->len > 0)
		g_ptr_array_add(pieces, vtier_damon_fake_piece_new("", out->str, out->len));
	g_string_truncate(out, 0);
}

/* Appends the dump of @dir to @out; with @pieces, the text so far goes to @pieces at each
 * directory keeping its dump, followed by that dump (made again only when it was dropped). */
static void dump_config_sorted(FakeNode *dir, GString *prefix, GString *out, GPtrArray *pieces)
{
	g_autoptr(GPtrArray) children = g_ptr_array_sized_new(dir->n_children);

	for (guint i = 0; i < dir->n_children; i++) {
		FakeNode *child = dir->children[i];

		if (!is_runtime_output(child))
			g_ptr_array_add(children, child);
	}
	g_ptr_array_sort(children, compare_dump_order);
	for (guint i = 0; i < children->len; i++) {
		FakeNode *child = children->pdata[i];
		gsize len = prefix->len;

		if (len > 0)
			g_string_append_c(prefix, '/');
		g_string_append(prefix, child->name);
		if (child->type == FAKE_DIR && child->keep_dump && pieces != NULL) {
			g_string_append_c(prefix, '/');
			if (child->dump == NULL || !piece_has_head(child->dump, prefix->str)) {
				g_autoptr(GString) own = g_string_new(NULL);
				g_autoptr(GString) below = g_string_new(NULL);

				/* its lines relative to it: their head once, not once a line */
				dump_config_sorted(child, below, own, NULL);
				g_clear_pointer(&child->dump, g_bytes_unref);
				child->dump = vtier_damon_fake_piece_new(prefix->str, own->str, own->len);
			}
			flush_piece(out, pieces);
			g_ptr_array_add(pieces, g_bytes_ref(child->dump));
		} else if (child->type == FAKE_DIR) {
			dump_config_sorted(child, prefix, out, pieces);
		} else {
			const gchar *value = vtier_damon_fake_node_value(child);

			g_string_append_len(out, prefix->str, (gssize)prefix->len);
			g_string_append_c(out, ' ');
			g_string_append(out, value != NULL ? value : "(null)");
			g_string_append_c(out, '\n');
		}
		g_string_truncate(prefix, len);
	}
}

GPtrArray *vtier_damon_fake_node_dump_config_pieces(FakeNode *dir)
{
	GPtrArray *pieces = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GString) prefix = g_string_new(NULL);
	g_autoptr(GString) out = g_string_new(NULL);

	dump_config_sorted(dir, prefix, out, pieces);
	flush_piece(out, pieces);
	return pieces;
}

gchar *vtier_damon_fake_pieces_join(const GPtrArray *pieces)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < pieces->len; i++) {
		gsize size = 0;
		const gchar *data = g_bytes_get_data(pieces->pdata[i], &size);
		gsize head_len = strlen(data);
		const gchar *line = data + head_len + 1, *end = data + size;

		while (line < end) {
			const gchar *nl = memchr(line, '\n', (gsize)(end - line));
			const gchar *next = nl != NULL ? nl + 1 : end;

			g_string_append_len(text, data, (gssize)head_len);
			g_string_append_len(text, line, next - line);
			line = next;
		}
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

gchar *vtier_damon_fake_node_dump_config(FakeNode *dir)
{
	g_autoptr(GPtrArray) pieces = vtier_damon_fake_node_dump_config_pieces(dir);

	return vtier_damon_fake_pieces_join(pieces);
}

/* ---- value parsing, like the kernel's kstrto*() with base 0 ---- */

static int parse_ull(const gchar *text, gboolean allow_minus, guint64 *ret, gboolean *ret_neg)
{
	const gchar *p = text;
	guint base = 10;
	gchar *end = NULL;
	guint64 v;

	*ret_neg = FALSE;
	if (*p == '+') {
		p++;
	} else if (*p == '-' && allow_minus) {
		*ret_neg = TRUE;
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p[1] != '\0') {
		base = 8;
		p++;
	}
	if (!g_ascii_isxdigit(*p))
		return EINVAL;
	errno = 0;
	v = g_ascii_strtoull(p, &end, base);
	if (errno == ERANGE)
		return ERANGE;
	if (*end != '\0')
		return EINVAL;
	*ret = v;
	return 0;
}

static int parse_bool(const gchar *text, gboolean *ret)
{
	switch (text[0]) {
	case 'y':
	case 'Y':
	case '1':
		*ret = TRUE;
		return 0;
	case 'n':
	case 'N':
	case '0':
		*ret = FALSE;
		return 0;
	case 'o':
	case 'O':
		if (text[1] == 'n' || text[1] == 'N') {
			*ret = TRUE;
			return 0;
		}
		if (text[1] == 'f' || text[1] == 'F') {
			*ret = FALSE;
			return 0;
		}
		return EINVAL;
	default:
		return EINVAL;
	}
}

/* Parses @text for @node; on success returns 0 and the value as the kernel shows it. */
static int parse_value(const FakeNode *node, const gchar *text, gchar **ret_shown)
{
	guint64 v = 0;
	gboolean neg = FALSE, b = FALSE;
	int err = 0;

	switch (node->type) {
	case FAKE_ULONG:
	case FAKE_HEX:
		err = parse_ull(text, FALSE, &v, &neg);
		if (err == 0)
			*ret_shown = node->type == FAKE_HEX ? g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v)
							    : g_strdup_printf("%" G_GUINT64_FORMAT, v);
		return err;
	case FAKE_UINT:
		err = parse_ull(text, FALSE, &v, &neg);
		if (err == 0 && v > G_MAXUINT)
			err = ERANGE;
		if (err == 0)
			*ret_shown = g_strdup_printf("%" G_GUINT64_FORMAT, v);
		return err;
	case FAKE_INT:
	case FAKE_NR:
		err = parse_ull(text, TRUE, &v, &neg);
		if (err == 0 && v > (neg ? (guint64)G_MAXINT + 1 : (guint64)G_MAXINT))
			err = ERANGE;
		if (err == 0)
			*ret_shown = g_strdup_printf("%s%" G_GUINT64_FORMAT, neg && v ? "-" : "", v);
		return err;
	case FAKE_BOOL:
	case FAKE_BIT:
		err = parse_bool(text, &b);
		if (err == 0)
			*ret_shown = g_strdup(node->type == FAKE_BOOL ? (b ? "Y" : "N") : (b ? "1" : "0"));
		return err;
	case FAKE_CHOICE:
		if (!g_strv_contains((const gchar *const *)node->choices, text))
			return EINVAL;
		*ret_shown = g_strdup(text);
		return 0;
	case FAKE_STRING: {
		g_auto(GStrv) words = g_strsplit_set(text, " \t", 2);

		*ret_shown = g_strdup(words[0] != NULL ? words[0] : "");
		return 0;
	}
	case FAKE_DIR:
	case FAKE_RO:
	case FAKE_STATE:
	default:
		return EACCES;
	}
}

/* ---- writes ---- */

static FakeNode *lookup_path(VtierDamonFake *fake, const gchar *path)
{
	g_autofree gchar *host = vtier_path_to_host(path);

	if (!g_path_is_absolute(host))
		return NULL;
	return vtier_damon_fake_node_lookup(fake->root, host);
}

static gboolean drop_numbered(FakeNode *child, gpointer user_data)
{
	VtierDamonFake *fake = user_data;

	if (child->type != FAKE_DIR || !g_ascii_isdigit(child->name[0]))
		return FALSE;
	g_hash_table_remove(fake->kstates, child);
	return TRUE;
}

static int write_nr(VtierDamonFake *fake, FakeNode *node, const gchar *shown)
{
	gint64 n = g_ascii_strtoll(shown, NULL, 10);
	FakeNode *dir = node->parent;

	if (n < 0 || n > node->max)
		return EINVAL;
	if (node->parent == fake->kdamonds && vtier_damon_fake_any_running(fake))
		return EBUSY;
	/* remove the numbered children, then create @n fresh ones with defaults */
	vtier_damon_fake_node_remove_children(dir, drop_numbered, fake);
	for (gint64 i = 0; i < n; i++) {
		g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT, i);

		node->builder(fake, vtier_damon_fake_node_dir(dir, name));
	}
	vtier_damon_fake_node_set(node, shown);
	return 0;
}

static int fake_write_node(VtierDamonFake *fake, FakeNode *node, const gchar *value)
{
	g_autofree gchar *text = g_strstrip(g_strdup(value));
	g_autofree gchar *shown = NULL;
	int err;

	if (node->type == FAKE_STATE || node->type == FAKE_NR) {
		if (fake->busy > 0) {
			fake->busy--;
			return EBUSY;
		}
	}
	if (node->type == FAKE_STATE) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		err = vtier_damon_fake_state_write(fake, node->parent, text);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		fake->kernel_cpu_seconds += (gdouble)(t1.tv_sec - t0.tv_sec) +
					    (gdouble)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		return err;
	}
	err = parse_value(node, text, &shown);
	if (err != 0)
		return err;
	if (node->type == FAKE_NR)
		return write_nr(fake, node, shown);
	vtier_damon_fake_node_set(node, shown);
	return 0;
}

static const gchar *errno_name(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case EINVAL:
		return "EINVAL";
	case EBUSY:
		return "EBUSY";
	case ENOMEM:
		return "ENOMEM";
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case ERANGE:
		return "ERANGE";
	case EISDIR:
		return "EISDIR";
	default:
		return "E?";
	}
}

static gboolean fake_write(gpointer user_data, const gchar *path, const gchar *value,
			   int *ret_errno, GError **error)
{
	VtierDamonFake *fake = user_data;
	FakeNode *node = lookup_path(fake, path);
	g_autofree gchar *host = vtier_path_to_host(path);
	int err;

	/* the fake's tree lives in memory: it can never reach the host's DAMON files */
	if (node == NULL)
		err = ENOENT;
	else if (node->type == FAKE_DIR)
		err = EISDIR;
	else
		err = fake_write_node(fake, node, value);
	g_ptr_array_add(fake->log, g_strdup_printf("%s %s -> %s", host, value, errno_name(err)));
	if (err == 0)
		return TRUE;
	*ret_errno = err;
	if (err == ENOENT || err == EISDIR)
		vtier_error_set_errno(error, err, "cannot open %s for writing", host);
	else
		vtier_error_set_errno(error, err, "cannot write \"%s\" to %s", value, host);
	return FALSE;
}

/* ---- the other io ops ---- */

static gboolean fake_read(gpointer user_data, const gchar *path, gchar **ret_value, GError **error)
{
	FakeNode *node = lookup_path(user_data, path);

	if (node == NULL || node->type == FAKE_DIR) {
		g_autofree gchar *host = vtier_path_to_host(path);

		vtier_error_set_errno(error, node == NULL ? ENOENT : EISDIR, "cannot read %s", host);
		return FALSE;
	}
	/* the kernel's pid_show() and state_show() (since the 2025 use-after-free fix; 6.18 and
	 * 7.3 have it) take the sysfs lock with a trylock, as `state` writes do */
	if ((g_str_equal(node->name, "pid") || g_str_equal(node->name, "state")) &&
	    node->parent != NULL &&
	    node->parent->parent != NULL && g_str_equal(node->parent->parent->name, "kdamonds") &&
	    ((VtierDamonFake *)user_data)->busy > 0) {
		g_autofree gchar *host = vtier_path_to_host(path);

		((VtierDamonFake *)user_data)->busy--;
		vtier_error_set_errno(error, EBUSY, "cannot read %s", host);
		return FALSE;
	}
	*ret_value = g_strstrip(g_strdup(vtier_damon_fake_node_value(node)));
	return TRUE;
}

static gboolean fake_list(gpointer user_data, const gchar *path, GStrv *ret_names, GError **error)
{
	FakeNode *node = lookup_path(user_data, path);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *host = vtier_path_to_host(path);

	if (node == NULL || node->type != FAKE_DIR) {
		vtier_error_set_errno(error, node == NULL ? ENOENT : ENOTDIR, "cannot list %s", host);
		return FALSE;
	}
	for (guint i = 0; i < node->n_children; i++)
		g_ptr_array_add(names, g_strdup(node->children[i]->name));
	g_ptr_array_sort(names, vtier_damon_io_compare_names);
	g_ptr_array_add(names, NULL);
	*ret_names = (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
	return TRUE;
}

static VtierDamonIoKind fake_kind(gpointer user_data, const gchar *path)
{
	FakeNode *node = lookup_path(user_data, path);

	if (node == NULL)
		return VTIER_DAMON_IO_NONE;
	return node->type == FAKE_DIR ? VTIER_DAMON_IO_DIR : VTIER_DAMON_IO_FILE;
}

static gboolean fake_writable(gpointer user_data, const gchar *path)
{
	FakeNode *node = lookup_path(user_data, path);

	return node != NULL && node->type != FAKE_DIR && node->type != FAKE_RO;
}

static const VtierDamonIoOps fake_ops = {
	.read = fake_read,
	.write = fake_write,
	.list = fake_list,
	.kind = fake_kind,
	.writable = fake_writable,
};

/* ---- public API ---- */

static void kstate_free(FakeKdamond *k)
{
	g_clear_pointer(&k->config, g_ptr_array_unref);
	g_free(k);
}

VtierDamonFake *vtier_damon_fake_new(const VtierDamonFeatures *features)
{
	VtierDamonFake *fake = g_new0(VtierDamonFake, 1);

	fake->features = vtier_damon_features_copy(features);
	fake->root = node_new(NULL, "", FAKE_DIR);
	fake->kstates = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					      (GDestroyNotify)kstate_free);
	fake->stats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	fake->check_memcg = TRUE;
	fake->next_pid = 3000;
	fake->log = g_ptr_array_new_with_free_func(g_free);
	vtier_damon_fake_build(fake);
	return fake;
}

void vtier_damon_fake_free(VtierDamonFake *fake)
{
	if (fake == NULL)
		return;
	g_hash_table_unref(fake->kstates);
	g_hash_table_unref(fake->stats);
	vtier_damon_fake_node_free(fake->root);
	vtier_damon_features_free(fake->features);
	g_ptr_array_unref(fake->log);
	g_free(fake);
}

VtierDamonIo *vtier_damon_fake_get_io(VtierDamonFake *fake)
{
	return vtier_damon_io_new(&fake_ops, fake, NULL);
}

void vtier_damon_fake_set_check_memcg(VtierDamonFake *fake, gboolean check)
{
	fake->check_memcg = check;
}

void vtier_damon_fake_inject_busy(VtierDamonFake *fake, guint count)
{
	fake->busy = count;
}

void vtier_damon_fake_set_commit_delay(VtierDamonFake *fake, guint ms)
{
	fake->commit_delay_ms = ms;
}

static FakeKdamond *kstate_get(VtierDamonFake *fake, guint kdamond)
{
	g_autofree gchar *name = g_strdup_printf("%u", kdamond);
	FakeNode *kdir = vtier_damon_fake_node_child(fake->kdamonds, name);

	return kdir != NULL ? g_hash_table_lookup(fake->kstates, kdir) : NULL;
}

gboolean vtier_damon_fake_is_running(VtierDamonFake *fake, guint kdamond)
{
	FakeKdamond *k = kstate_get(fake, kdamond);

	return k != NULL && k->running;
}

gchar *vtier_damon_fake_get_running_config(VtierDamonFake *fake, guint kdamond)
{
	FakeKdamond *k = kstate_get(fake, kdamond);

	return k != NULL && k->config != NULL ? vtier_damon_fake_pieces_join(k->config) : NULL;
}

gdouble vtier_damon_fake_get_kernel_cpu_seconds(VtierDamonFake *fake)
{
	return fake->kernel_cpu_seconds;
}

static gint compare_lines(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

gchar *vtier_damon_fake_get_files_config(VtierDamonFake *fake, guint kdamond)
{
	g_autofree gchar *rel = g_strdup_printf("%u/contexts/0", kdamond);
	FakeNode *ctx = vtier_damon_fake_node_lookup(fake->kdamonds, rel);
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) out = g_string_new(NULL);

	if (ctx == NULL)
		return NULL;
	vtier_damon_fake_node_dump(ctx, "", TRUE, lines);
	g_ptr_array_sort(lines, compare_lines);
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(out, "%s\n", (gchar *)lines->pdata[i]);
	return g_strdup(out->str);
}

void vtier_damon_fake_set_scheme_stats(VtierDamonFake *fake, guint kdamond, guint scheme,
				       const VtierDamonSchemeStats *stats)
{
	g_autofree gchar *rel = g_strdup_printf("%u", kdamond);
	FakeNode *kdir = vtier_damon_fake_node_lookup(fake->kdamonds, rel);

	g_hash_table_replace(fake->stats, g_strdup_printf("%u/%u", kdamond, scheme),
			     g_memdup2(stats, sizeof(*stats)));
	if (kdir != NULL)
		vtier_damon_fake_refresh(fake, kdir);
}

const GPtrArray *vtier_damon_fake_get_log(VtierDamonFake *fake)
{
	return fake->log;
}

void vtier_damon_fake_clear_log(VtierDamonFake *fake)
{
	g_ptr_array_set_size(fake->log, 0);
}
