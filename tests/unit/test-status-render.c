/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure renderers of vtierctl status, top and explain (src/cli/status-render.c) and explain's
 * sentences (src/tiering/explain.c), on a hand-built snapshot whose guests have hostile names:
 * no control character reaches the terminal, top fits 80 columns, bars put the marker at the
 * target. Goldens: tests/data/golden/status/ (VTIER_TEST_REGENERATE=1 rewrites them). */
#include "config.h"

#include <string.h>

#include "tiering/status-render.h"
#include "control-fake.h"
#include "tiering/explain.h"
#include "vtier-test.h"

/* No byte of @text is a control character other than the newline; no C1 control, no bidi
 * override. */
static void assert_terminal_safe(const gchar *text)
{
	g_assert_true(g_utf8_validate(text, -1, NULL));
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '\n')
			continue;
		g_assert_false(c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x202e);
	}
}

static guint columns(const gchar *line)
{
	guint width = 0;

	for (const gchar *p = line; *p != '\0'; p = g_utf8_next_char(p))
		width += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	return width;
}

static void test_render_status(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	g_autofree gchar *text = vtier_status_render(s);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	assert_terminal_safe(text);
	/* host part */
	g_assert_nonnull(strstr(text, "kdamond:  on, pid 777\n"));
	g_assert_nonnull(strstr(text, "sampler:  ibs - AMD IBS op sampling is available\n"));
	g_assert_nonnull(strstr(text, "DAMON: migrate_hot migrate_cold"));
	g_assert_nonnull(strstr(text, "warning:  kernel.numa_balancing=1"));
	g_assert_nonnull(strstr(text, "node 0    fast"));
	/* the hostile name is one escaped row, not a new line or a colour */
	g_assert_nonnull(strstr(text, "evil\\n\\x1b[31mred\\u{202e}gnp"));
	g_assert_nonnull(strstr(text, "filter rejected: \\x1b]0;owned\\x07"));
	/* the 300-character name is cut */
	g_assert_null(strstr(text, "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"));
	g_assert_nonnull(strstr(text, "LLL~"));
	/* notes: state reasons and unmovable bytes */
	g_assert_nonnull(strstr(text, "fault: memory cgroup vanished; retry in 8 s"));
	g_assert_nonnull(strstr(text, "1.0 GiB unmovable (hugetlbfs)"));
	/* the closed loop's state, grant, error and budgets */
	g_assert_nonnull(strstr(text, "web-01: controller ramping: 8 points below target (granted "
				      "4.7 GiB fast, error 768.0 MiB; budgets up 256.0 MiB, down "
				      "128.0 MiB per window)"));
	/* 8 host lines, a blank, a header, 4 rows, 2 notes, 4 controller notes, and the final
	 * empty string */
	g_assert_cmpuint(g_strv_length(lines), ==, 8 + 1 + 1 + 4 + 2 + 4 + 1);
	vtier_test_assert_golden("status/status.txt", text);
}

/* status's "table" view holds all the text shows: the same text from about half the JSON. */
static void test_render_status_table_view(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	g_autoptr(JsonNode) full = vtier_snapshot_to_json(s);
	g_autoptr(JsonNode) table = vtier_snapshot_to_json_table(s);
	g_autoptr(VtierSnapshot) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *expected = vtier_status_render(s);
	g_autofree gchar *text = NULL;
	g_autofree gchar *full_text = json_to_string(full, FALSE);
	g_autofree gchar *table_text = json_to_string(table, FALSE);

	back = vtier_snapshot_from_json(table, &error);
	g_assert_no_error(error);
	text = vtier_status_render(back);
	g_assert_cmpstr(text, ==, expected);
	g_assert_cmpuint(strlen(table_text), <, strlen(full_text) * 2 / 3);
	g_assert_null(strstr(table_text, "memcg_path"));
}

/* status's "text" view: {"text"} holding exactly vtier_status_render()'s text. */
static void test_render_status_text_view(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	g_autofree gchar *expected = vtier_status_render(s);
	g_autoptr(GBytes) bytes = vtier_status_result_bytes(s, VTIER_CONTROL_VIEW_TEXT);
	g_autoptr(GBytes) table = vtier_status_result_bytes(s, VTIER_CONTROL_VIEW_TABLE);
	g_autoptr(GBytes) reference = vtier_snapshot_to_json_bytes(s, TRUE);
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GError) error = NULL;
	JsonObject *obj;

	node = json_from_string(g_bytes_get_data(bytes, NULL), &error);
	g_assert_no_error(error);
	obj = json_node_get_object(node);
	g_assert_cmpuint(json_object_get_size(obj), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(obj, "text"), ==, expected);
	g_assert_true(g_bytes_equal(table, reference));
	g_assert_null(memchr(g_bytes_get_data(bytes, NULL), '\n', g_bytes_get_size(bytes)));
}

static void test_render_status_empty(void)
{
	g_autoptr(VtierSnapshot) s = vtier_snapshot_new();
	g_autofree gchar *text = vtier_status_render(s);

	g_assert_nonnull(strstr(text, "No guests.\n"));
	g_assert_nonnull(strstr(text, "kdamond:  none\n"));
}

static void test_render_top(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	g_autofree gchar *text = vtier_top_render(s);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	assert_terminal_safe(text);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_test_message("%2u %s", columns(lines[i]), lines[i]);
		g_assert_cmpuint(columns(lines[i]), <, VTIER_TOP_WIDTH);
	}
	g_assert_cmpuint(g_strv_length(lines), ==, 2 + 4 + 1);
	g_assert_true(g_str_has_prefix(text, "vtier  00:00:00 UTC  4 guests  kdamond on  sampler ibs  1 warning\n"));
	/* web-01: 42% fast (4 of 9.5 GiB), target 50% */
	g_assert_nonnull(strstr(text, " 42%/50%  4.0G  5.5G [########.|........] ramping"));
	vtier_test_assert_golden("status/top.txt", text);
}

static void test_render_bar(void)
{
	const struct {
		guint share, target;
		const gchar *bar;
	} cases[] = {
		{ 4200, 5000, "[########.|........]" },
		{ 0, 0, "[|.................]" },
		{ 10000, 10000, "[#################|]" },
		{ 10000, VTIER_SNAPSHOT_NO_BP, "[##################]" },
		{ VTIER_SNAPSHOT_NO_BP, 3000, "[?????|????????????]" },
		{ 20000, 50000, "[#################|]" }, /* out of range is clamped */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *bar = vtier_render_bar(cases[i].share, cases[i].target, 18);

		g_assert_cmpstr(bar, ==, cases[i].bar);
	}
}

static void test_render_fit(void)
{
	g_autofree gchar *cut = vtier_render_fit("abcdefgh", 5, FALSE);
	g_autofree gchar *pad = vtier_render_fit("ab", 5, TRUE);
	g_autofree gchar *wide = vtier_render_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, TRUE);
	g_autofree gchar *esc = vtier_render_fit("a\nb", 10, FALSE);

	g_assert_cmpstr(cut, ==, "abcd~");
	g_assert_cmpstr(pad, ==, "ab   ");
	g_assert_cmpuint(columns(wide), ==, 5);
	g_assert_cmpstr(esc, ==, "a\\nb");
}

static gboolean has_sentence(GPtrArray *sentences, const gchar *part)
{
	for (guint i = 0; i < sentences->len; i++) {
		if (strstr(g_ptr_array_index(sentences, i), part) != NULL)
			return TRUE;
	}
	return FALSE;
}

static void test_explain_sentences(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	const VtierSnapshotGuest *web = vtier_snapshot_lookup(s, "web-01");
	const VtierSnapshotGuest *db = vtier_snapshot_lookup(s, "\xe6\x97\xa5\xe6\x9c\xac-db");
	g_autoptr(GPtrArray) w = vtier_explain_guest(s, web);
	g_autoptr(GPtrArray) d = vtier_explain_guest(s, db);
	g_autoptr(GString) all = g_string_new(NULL);

	g_assert_true(has_sentence(w, "web-01 is tiered in mode ratio (policy from domain"));
	g_assert_true(has_sentence(w, "Its target is 50% of its memory in the fast tier (node 0)"));
	g_assert_true(has_sentence(w, "4.0 GiB in the fast tier and 5.5 GiB in the slow tier"));
	g_assert_true(has_sentence(w, "below its target"));
	g_assert_true(has_sentence(w, "That quota was hit 3 times"));
	g_assert_true(has_sentence(w, "That quota was never hit"));
	g_assert_true(has_sentence(w, "DAMON last saw 512.0 MiB of it hot in the slow tier"));
	g_assert_true(has_sentence(w, "DAMON samples accesses with ibs"));
	g_assert_true(has_sentence(w, "kdamond is on (pid 777) on kernel 6.18.0"));
	g_assert_true(has_sentence(w, "The fast tier holds 64.0 GiB; 4.0 GiB is kept in reserve"));
	g_assert_true(has_sentence(w, "Host warning: kernel.numa_balancing=1"));
	g_assert_true(has_sentence(w, "It has no recorded errors."));
	g_assert_true(has_sentence(d, "has a fault and is retried with backoff: memory cgroup"));
	g_assert_true(has_sentence(d, "1.0 GiB of its memory cannot be moved: it is backed by "
				      "hugetlbfs"));
	for (guint i = 0; i < w->len; i++)
		g_string_append_printf(all, "%s\n", (const gchar *)g_ptr_array_index(w, i));
	vtier_test_assert_golden("status/explain-web-01.txt", all->str);
}

/* A hot-split guest: its target is a share of its (pair's) hot memory, compared with DAMON's
 * measure of it, not with its memory's share. */
static void test_explain_hot_split(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	VtierSnapshotGuest *g = (VtierSnapshotGuest *)vtier_snapshot_lookup(s, "web-01");
	g_autoptr(GPtrArray) sentences = NULL;

	g_free(g->mode);
	g->mode = g_strdup("hot-split");
	g->target_share_bp = 7000;
	g->down.hot_bytes = 96ull << 20;
	g->up.hot_bytes = 32ull << 20;
	sentences = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(sentences, "Its target is 70% of its hot memory in the fast tier "
					      "(node 0), held with every hot-split guest of nodes 0 "
					      "and 2 as one host-wide pair"));
	g_assert_true(has_sentence(sentences, "Of the hot memory DAMON sees (the pair's), 96.0 MiB "
					      "of 128.0 MiB is in the fast tier: 75%."));
	g_assert_false(has_sentence(sentences, "below its target"));
	g->down.hot_bytes = g->up.hot_bytes = 0;
	g_clear_pointer(&sentences, g_ptr_array_unref);
	sentences = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(sentences, "DAMON has no measure of the pair's hot memory yet."));
}

/* A parked scheme (a budget below a page: the controller holds the guest) moves nothing; its
 * quota hits are no news, and explain says so instead of "up to 1 byte per charge window". */
static void test_explain_parked(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	VtierSnapshotGuest *g = (VtierSnapshotGuest *)vtier_snapshot_lookup(s, "web-01");
	g_autoptr(GPtrArray) sentences = NULL;

	g->up.budget_bytes = 1;
	sentences = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(sentences, "promotes (slow to fast) nothing for now: the controller "
					      "parked it (a budget of 1 byte per charge window, less "
					      "than a page)"));
	g_assert_false(has_sentence(sentences, "up to 1 byte"));
	g_assert_true(has_sentence(sentences, "DAMON last saw 512.0 MiB of it hot in the slow tier"));
	/* the PUSH's budget is a real one: its sentences as before */
	g_assert_true(has_sentence(sentences, "That quota was never hit"));
}

static void assert_balanced(GPtrArray *sentences);

/* A PULL that walks the hot regions first (no fail_charge) says which regions it walks. */
static void test_explain_walk(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	VtierSnapshotGuest *g = (VtierSnapshotGuest *)vtier_snapshot_lookup(s, "web-01");
	g_autoptr(GPtrArray) hot = NULL;
	g_autoptr(GPtrArray) every = NULL;
	g_autoptr(GPtrArray) aimed = NULL;
	g_autoptr(GPtrArray) primed = NULL;

	g->up.walk = VTIER_SNAPSHOT_WALK_HOT;
	hot = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(hot, "It walks only the regions DAMON sees hot for now"));
	g_assert_false(has_sentence(hot, "It walks every region now"));
	g->up.walk = VTIER_SNAPSHOT_WALK_EVERY;
	every = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(every, "It walks every region now: its walk of the regions DAMON "
					  "sees hot ran dry"));
	g_assert_false(has_sentence(every, "It walks only"));
	g->up.walk = VTIER_SNAPSHOT_WALK_AIMED;
	aimed = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(aimed, "It walks only where the guest's own pages lie in the slow "
					  "tier (read from kpagecgroup): walking every region moved "
					  "nothing"));
	g_assert_true(has_sentence(aimed, "it walks the hot regions first again once the guest "
					  "holds its target"));
	g_assert_false(has_sentence(aimed, "It walks every region now"));
	g_clear_pointer(&aimed, g_ptr_array_unref);
	/* the PUSH, aimed at the guest's pages in the fast tier */
	g->up.walk = VTIER_SNAPSHOT_WALK_NONE;
	g->down.walk = VTIER_SNAPSHOT_WALK_AIMED;
	aimed = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(aimed, "It walks only where the guest's own pages lie in the fast "
					  "tier"));
	g_assert_true(has_sentence(aimed, "it walks every region again once the guest holds its "
					  "target"));
	assert_balanced(aimed);
	g_assert_false(has_sentence(aimed, "A stat scheme marks the guest's pages"));
	g->down.walk = VTIER_SNAPSHOT_WALK_PRIMED;
	g->down.budget_bytes = 8 << 20;
	primed = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(primed, "A stat scheme marks the guest's pages on the fast node "
					   "old ahead of it, so it moves those untouched since on "
					   "its first pass"));
	assert_balanced(primed);
}

/* A guest whose pages in the slow tier vtierd surveys (7.3) says so in explain and status. */
static void test_explain_survey(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	VtierSnapshotGuest *g = (VtierSnapshotGuest *)vtier_snapshot_lookup(s, "web-01");
	g_autoptr(GPtrArray) before = vtier_explain_guest(s, g);
	g_autoptr(GPtrArray) after = NULL;
	g_autofree gchar *text = NULL;

	g_assert_false(has_sentence(before, "surveying"));
	g->surveying = TRUE;
	after = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(after, "vtierd is surveying the guest's pages in the slow tier"));
	g_assert_cmpuint(after->len, ==, before->len + 1);
	text = vtier_status_render(s);
	g_assert_nonnull(strstr(text, "web-01: controller ramping, surveying the slow tier: 8 points "
				      "below target"));
}

/* Every "(" a sentence opens, it closes. */
static void assert_balanced(GPtrArray *sentences)
{
	for (guint i = 0; i < sentences->len; i++) {
		const gchar *text = g_ptr_array_index(sentences, i);
		gint depth = 0;

		for (const gchar *p = text; *p != '\0'; p++) {
			depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
			g_assert_cmpint(depth, >=, 0);
		}
		if (depth != 0)
			g_test_message("unbalanced: %s", text);
		g_assert_cmpint(depth, ==, 0);
	}
}

/* A host without a sampler: the reason stands in parentheses that close before the colon. */
static void test_explain_no_sampler(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	const VtierSnapshotGuest *g = vtier_snapshot_lookup(s, "web-01");
	g_autoptr(GPtrArray) sentences = NULL;

	g_free(s->sampler_kind);
	s->sampler_kind = g_strdup("none");
	g_free(s->sampler_reason);
	s->sampler_reason = g_strdup("no guest is planned with hot-split");
	sentences = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(sentences, "No hardware access sampler is used (no guest is "
					      "planned with hot-split): DAMON relies on page-table "
					      "accessed bits."));
	assert_balanced(sentences);
	g_clear_pointer(&s->sampler_reason, g_free);
	g_clear_pointer(&sentences, g_ptr_array_unref);
	sentences = vtier_explain_guest(s, g);
	g_assert_true(has_sentence(sentences, "No hardware access sampler is used: DAMON relies"));
	assert_balanced(sentences);
	/* and every guest's sentences with the sampler there */
	g_free(s->sampler_kind);
	s->sampler_kind = g_strdup("ibs");
	for (guint i = 0; i < s->guests->len; i++) {
		g_autoptr(GPtrArray) each = vtier_explain_guest(s, g_ptr_array_index(s->guests, i));

		assert_balanced(each);
	}
}

static void test_explain_unmeasured(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	const VtierSnapshotGuest *g = g_ptr_array_index(s->guests, 0); /* the 300 L's sort first */
	g_autoptr(GPtrArray) sentences = vtier_explain_guest(s, g);

	g_assert_cmpuint(strlen(g->name), ==, 300);
	g_assert_true(has_sentence(sentences, "its memory cannot be measured"));
	g_assert_true(has_sentence(sentences, "no memory cgroup is known"));
	g_assert_true(has_sentence(sentences, "Its mode sets no fast-tier target"));
	g_assert_true(has_sentence(sentences, "No DAMON scheme promotes"));
}

static void test_explain_render_hostile(void)
{
	g_autoptr(VtierSnapshot) s = vtier_test_snapshot_new();
	const VtierSnapshotGuest *g = vtier_snapshot_lookup(s, "evil\n\x1b[31mred\xe2\x80\xae" "gnp");
	g_autoptr(GPtrArray) sentences = vtier_explain_guest(s, g);
	g_autofree gchar *text = NULL;

	g_assert_nonnull(g);
	g_ptr_array_add(sentences, NULL);
	text = vtier_explain_render(g->name, (const gchar *const *)sentences->pdata);
	assert_terminal_safe(text);
	g_assert_true(g_str_has_prefix(text, "evil\\n\\x1b[31mred\\u{202e}gnp\n  "));
	g_assert_nonnull(strstr(text, "Its last error (2025-12-31T23:50:00Z"));
	g_assert_nonnull(strstr(text, "\\x1b]0;owned\\x07"));
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/status-render/status", test_render_status);
	g_test_add_func("/status-render/status-table-view", test_render_status_table_view);
	g_test_add_func("/status-render/status-text-view", test_render_status_text_view);
	g_test_add_func("/status-render/status-empty", test_render_status_empty);
	g_test_add_func("/status-render/top", test_render_top);
	g_test_add_func("/status-render/bar", test_render_bar);
	g_test_add_func("/status-render/fit", test_render_fit);
	g_test_add_func("/status-render/explain/sentences", test_explain_sentences);
	g_test_add_func("/status-render/explain/unmeasured", test_explain_unmeasured);
	g_test_add_func("/status-render/explain/no-sampler", test_explain_no_sampler);
	g_test_add_func("/status-render/explain/hot-split", test_explain_hot_split);
	g_test_add_func("/status-render/explain/parked", test_explain_parked);
	g_test_add_func("/status-render/explain/walk", test_explain_walk);
	g_test_add_func("/status-render/explain/survey", test_explain_survey);
	g_test_add_func("/status-render/explain/render-hostile", test_explain_render_hostile);
	return g_test_run();
}
