/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The man pages stay true: vtierctl(8) has an entry for every verb `vtierctl help` lists, with
 * every option `vtierctl VERB --help` prints; vtierd(8) has every option of `vtierd --help`; every
 * page in docs/man/ is installed (dist_man_MANS) and `man --warnings` says nothing about it; every
 * docs/NAME.md is distributed. */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "vtier-test.h"

/* Reports one problem (a "# " line in the TAP log) and fails the test, so that every problem of a
 * run is listed, not only the first. */
static void problem(const gchar *format, ...) G_GNUC_PRINTF(1, 2);
static void problem(const gchar *format, ...)
{
	g_autofree gchar *message = NULL;
	va_list ap;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_test_message("%s", message);
	g_test_fail();
}

/* Runs @argv (NULL-terminated) with @envp (NULL: inherited); returns the exit status. */
static gint run(const gchar *const *argv, gchar **envp, gchar **ret_out, gchar **ret_err)
{
	g_autoptr(GError) error = NULL;
	gint status = -1;

	g_assert_true(g_spawn_sync(NULL, (gchar **)argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
				   ret_out, ret_err, &status, &error));
	g_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static gchar *builddir_program(const gchar *name)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");

	g_assert_nonnull(builddir);
	return g_build_filename(builddir, name, NULL);
}

static gchar *srcdir_file(const gchar *first, ...) G_GNUC_NULL_TERMINATED;
static gchar *srcdir_file(const gchar *first, ...)
{
	const gchar *srcdir = g_getenv("VTIER_SRCDIR");
	g_autofree gchar *rel = NULL;
	va_list ap;

	g_assert_nonnull(srcdir);
	va_start(ap, first);
	rel = g_build_filename_valist(first, &ap);
	va_end(ap);
	return g_build_filename(srcdir, rel, NULL);
}

static gchar *read_page(const gchar *name)
{
	g_autofree gchar *path = srcdir_file("docs", "man", name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	return text;
}

/* The verbs of `vtierctl help`: the first word of each indented line after "Verbs:". */
static GStrv cli_verbs(void)
{
	g_autofree gchar *ctl = builddir_program("vtierctl");
	const gchar *argv[] = {ctl, "help", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GStrvBuilder) verbs = g_strv_builder_new();
	g_auto(GStrv) lines = NULL;
	const gchar *list;

	g_assert_cmpint(run(argv, NULL, &out, &err), ==, 0);
	list = strstr(out, "Verbs:\n");
	g_assert_nonnull(list);
	lines = g_strsplit(list, "\n", -1);
	for (gsize i = 1; lines[i] != NULL && g_str_has_prefix(lines[i], "  "); i++) {
		g_auto(GStrv) words = g_strsplit(g_strstrip(lines[i]), " ", 2);

		g_strv_builder_add(verbs, words[0]);
	}
	return g_strv_builder_end(verbs);
}

/* Offset of the verb's entry in vtierctl.8: `.TP` then `.B VERB`, `.BR VERB ...` or
 * `.BR "VERB ...`; -1 when there is none. */
static gssize verb_entry(const gchar *man, const gchar *verb)
{
	g_autofree gchar *quoted = g_regex_escape_string(verb, -1);
	g_autofree gchar *pattern = g_strdup_printf("^\\.TP\\n\\.BR? \"?%s(?:[ \"]|$)", quoted);
	g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	gint start = -1;

	if (!g_regex_match(re, man, 0, &match))
		return -1;
	g_match_info_fetch_pos(match, 0, &start, NULL);
	return start;
}

static void test_man_vtierctl_verbs(void)
{
	g_autofree gchar *man = read_page("vtierctl.8");
	g_auto(GStrv) verbs = cli_verbs();

	g_assert_cmpuint(g_strv_length(verbs), >=, 2);
	for (gsize i = 0; verbs[i] != NULL; i++) {
		if (verb_entry(man, verbs[i]) < 0)
			problem("vtierctl.8 has no .TP/.B entry for verb \"%s\"", verbs[i]);
	}
}

/* The text of a section: from @start to the first of @ends after it (or the end). */
static gchar *section_text(const gchar *man, gssize start, const gssize *ends, gsize n_ends)
{
	gssize end = (gssize)strlen(man);

	for (gsize i = 0; i < n_ends; i++) {
		if (ends[i] > start && ends[i] < end)
			end = ends[i];
	}
	return g_strndup(man + start, (gsize)(end - start));
}

/* @option as troff spells it: "--config" is "\\-\\-config". */
static gchar *troff_option(const gchar *option)
{
	g_auto(GStrv) parts = g_strsplit(option, "-", -1);

	return g_strjoinv("\\-", parts);
}

/* The options `PROGRAM [VERB] --help` prints ("-c", "--config"), spelled as in troff. */
static GStrv help_options(const gchar *const *argv)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GRegex) re =
	    g_regex_new("^\\s+(?:(-\\w), )?(--[a-z0-9-]+)", G_REGEX_MULTILINE, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	g_autoptr(GStrvBuilder) options = g_strv_builder_new();

	g_assert_cmpint(run(argv, NULL, &out, &err), ==, 0);
	for (g_regex_match(re, out, 0, &match); g_match_info_matches(match);
	     g_match_info_next(match, NULL)) {
		for (gint group = 1; group <= 2; group++) {
			g_autofree gchar *opt = g_match_info_fetch(match, group);

			g_autofree gchar *spelled = NULL;

			if (opt == NULL || *opt == '\0')
				continue;
			spelled = troff_option(opt);
			g_strv_builder_add(options, spelled);
		}
	}
	return g_strv_builder_end(options);
}

static gboolean is_common_option(const gchar *man_option)
{
	return g_strv_contains(
	    (const gchar *const[]){"\\-h", "\\-\\-help", "\\-\\-sysroot", "\\-\\-json", NULL},
	    man_option);
}

/* Each verb's own options are in its entry; the common ones in COMMON OPTIONS. */
static void check_verb_options(const gchar *verb, const gchar *section, const gchar *common)
{
	g_autofree gchar *ctl = builddir_program("vtierctl");
	const gchar *argv[] = {ctl, verb, "--help", NULL};
	g_auto(GStrv) options = help_options(argv);

	g_assert_cmpuint(g_strv_length(options), >=, 3);
	for (gsize i = 0; options[i] != NULL; i++) {
		const gchar *where = is_common_option(options[i]) ? common : section;

		if (strstr(where, options[i]) == NULL)
			problem("vtierctl.8 does not document %s of verb \"%s\"", options[i], verb);
	}
}

/* The text of section .SH @title (up to the next .SH). */
static gchar *man_section(const gchar *man, const gchar *title, gssize *ret_start)
{
	g_autofree gchar *heading = g_strdup_printf("\n.SH %s\n", title);
	const gchar *start = strstr(man, heading);
	const gchar *end = NULL;

	g_assert_nonnull(start);
	end = strstr(start + 1, "\n.SH ");
	g_assert_nonnull(end);
	if (ret_start != NULL)
		*ret_start = start - man;
	return g_strndup(start, (gsize)(end - start));
}

static void test_man_vtierctl_options(void)
{
	g_autofree gchar *man = read_page("vtierctl.8");
	g_auto(GStrv) verbs = cli_verbs();
	guint n = g_strv_length(verbs);
	g_autofree gssize *ends = g_new0(gssize, n + 1);
	g_autofree gchar *common = man_section(man, "COMMON OPTIONS", NULL);
	g_autofree gchar *verbs_section = NULL;
	gssize verbs_start = 0;

	verbs_section = man_section(man, "VERBS", &verbs_start);
	for (guint i = 0; i < n; i++)
		ends[i] = verb_entry(man, verbs[i]);
	ends[n] = verbs_start + (gssize)strlen(verbs_section);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *section = NULL;

		if (ends[i] < 0)
			continue; /* reported by /man/vtierctl/verbs */
		section = section_text(man, ends[i], ends, n + 1);
		check_verb_options(verbs[i], section, common);
	}
}

static void test_man_vtierd_options(void)
{
	g_autofree gchar *man = read_page("vtierd.8");
	g_autofree gchar *daemon = builddir_program("vtierd");
	const gchar *argv[] = {daemon, "--help", NULL};
	g_auto(GStrv) options = help_options(argv);

	g_assert_cmpuint(g_strv_length(options), >=, 4);
	for (gsize i = 0; options[i] != NULL; i++) {
		if (strstr(man, options[i]) == NULL && !g_str_equal(options[i], "\\-h") &&
		    !g_str_equal(options[i], "\\-\\-help"))
			problem("vtierd.8 does not document %s", options[i]);
	}
}

/* The pages docs/local.mk installs (dist_man_MANS), as names under docs/man/. */
static GPtrArray *installed_pages(void)
{
	g_autofree gchar *mk = srcdir_file("docs", "local.mk", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GRegex) re = g_regex_new("docs/man/([A-Za-z0-9._-]+\\.[1-9])\\b", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	GPtrArray *pages = g_ptr_array_new_with_free_func(g_free);

	g_file_get_contents(mk, &text, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(strstr(text, "dist_man_MANS"));
	for (g_regex_match(re, text, 0, &match); g_match_info_matches(match);
	     g_match_info_next(match, NULL))
		g_ptr_array_add(pages, g_match_info_fetch(match, 1));
	return pages;
}

static gboolean page_listed(GPtrArray *pages, const gchar *name)
{
	return g_ptr_array_find_with_equal_func(pages, name, g_str_equal, NULL);
}

/* Every page in docs/man/ is installed, and every installed page exists. */
static void test_man_pages_installed(void)
{
	g_autoptr(GPtrArray) pages = installed_pages();
	g_autofree gchar *dir_path = srcdir_file("docs", "man", NULL);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const gchar *name;

	g_assert_nonnull(dir);
	g_assert_cmpuint(pages->len, >=, 3);
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_regex_match_simple("\\.[1-9]$", name, 0, 0) && !page_listed(pages, name))
			problem("docs/man/%s is not in dist_man_MANS of docs/local.mk", name);
	}
	for (guint i = 0; i < pages->len; i++) {
		g_autofree gchar *path = srcdir_file("docs", "man", pages->pdata[i], NULL);

		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			problem("dist_man_MANS lists %s, which does not exist", path);
	}
}

/* `man --warnings -l PAGE` prints no warning for any installed page. */
static void test_man_pages_warnings(void)
{
	g_autoptr(GPtrArray) pages = installed_pages();
	g_autofree gchar *man = g_find_program_in_path("man");
	g_auto(GStrv) envp = g_get_environ();

	if (man == NULL) {
		g_test_skip("man is not installed (Debian package man-db)");
		return;
	}
	envp = g_environ_setenv(envp, "MANWIDTH", "80", TRUE);
	envp = g_environ_setenv(envp, "LC_ALL", "C.UTF-8", TRUE);
	envp = g_environ_unsetenv(envp, "MANPAGER");
	envp = g_environ_unsetenv(envp, "PAGER");
	for (guint i = 0; i < pages->len; i++) {
		g_autofree gchar *path = srcdir_file("docs", "man", pages->pdata[i], NULL);
		const gchar *argv[] = {man, "--warnings", "-l", path, NULL};
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gint status = run(argv, envp, &out, &err);

		if (status != 0 || *err != '\0')
			problem("man --warnings -l %s: exit %d, warnings:\n%s", path, status, err);
		else
			g_assert_cmpuint(strlen(out), >, 200);
	}
}

/* Counts the docs/...md files the EXTRA_DIST assignments of @mk (relative to the source root) and
 * of the fragments it includes name, into @counts. */
static void count_extra_dist(const gchar *mk, GHashTable *counts)
{
	g_autofree gchar *path = srcdir_file(mk, NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GRegex) cont = g_regex_new("\\\\\\n", 0, 0, NULL);
	g_autofree gchar *joined = NULL;
	g_auto(GStrv) lines = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	joined = g_regex_replace_literal(cont, text, -1, 0, " ", 0, NULL);
	lines = g_strsplit(joined, "\n", -1);
	for (gsize i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) words = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);

		if (words[0] == NULL)
			continue;
		if (g_str_equal(words[0], "include") && words[1] != NULL &&
		    g_str_has_prefix(words[1], "$(srcdir)/"))
			count_extra_dist(words[1] + strlen("$(srcdir)/"), counts);
		if (!g_str_equal(words[0], "EXTRA_DIST"))
			continue;
		for (gsize w = 1; words[w] != NULL; w++) {
			if (g_str_has_prefix(words[w], "docs/") &&
			    g_str_has_suffix(words[w], ".md"))
				g_hash_table_insert(
				    counts, g_strdup(words[w]),
				    GUINT_TO_POINTER(
					GPOINTER_TO_UINT(g_hash_table_lookup(counts, words[w])) +
					1));
		}
	}
}

/* Every docs/NAME.md is in EXTRA_DIST exactly once, and EXTRA_DIST names no missing docs file. */
static void test_docs_extra_dist(void)
{
	g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *dir_path = srcdir_file("docs", NULL);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	GHashTableIter iter;
	gpointer key;
	const gchar *name;

	g_assert_nonnull(dir);
	count_extra_dist("Makefile.am", counts);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *rel = g_strconcat("docs/", name, NULL);
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, rel));

		if (g_str_has_suffix(name, ".md") && n != 1)
			problem("%s is in EXTRA_DIST %u times (must be once)", rel, n);
	}
	g_hash_table_iter_init(&iter, counts);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		g_autofree gchar *path = srcdir_file(key, NULL);

		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			problem("EXTRA_DIST names %s, which does not exist", (gchar *)key);
	}
}

/* The options docs/guests.md's "## CLI" section names (code and prose) are options that
 * `vtierctl guests` or `vtierctl policy` takes today (not a hidden old spelling). */
static void test_docs_guests_options(void)
{
	g_autofree gchar *ctl = builddir_program("vtierctl");
	g_autofree gchar *path = srcdir_file("docs", "guests.md", NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) guests = help_options((const gchar *const[]){ ctl, "guests", "--help", NULL });
	g_auto(GStrv) policy = help_options((const gchar *const[]){ ctl, "policy", "--help", NULL });
	g_autoptr(GRegex) re = g_regex_new("(?<![\\w-])--[a-z][a-z0-9-]*", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	const gchar *start;
	const gchar *end;
	g_autofree gchar *section = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	start = strstr(text, "\n## CLI\n");
	g_assert_nonnull(start);
	end = g_strstr_len(start + 1, -1, "\n## ");
	section = g_strndup(start, end != NULL ? (gsize)(end - start) : strlen(start));
	for (g_regex_match(re, section, 0, &match); g_match_info_matches(match);
	     g_match_info_next(match, NULL)) {
		g_autofree gchar *option = g_match_info_fetch(match, 0);
		g_autofree gchar *spelled = troff_option(option);

		if (!g_strv_contains((const gchar *const *)guests, spelled) &&
		    !g_strv_contains((const gchar *const *)policy, spelled))
			problem("docs/guests.md names %s, which neither `vtierctl guests --help` nor "
				"`vtierctl policy --help` lists",
				option);
	}
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/man/vtierctl/verbs", test_man_vtierctl_verbs);
	g_test_add_func("/man/vtierctl/options", test_man_vtierctl_options);
	g_test_add_func("/man/vtierd/options", test_man_vtierd_options);
	g_test_add_func("/man/pages/installed", test_man_pages_installed);
	g_test_add_func("/man/pages/warnings", test_man_pages_warnings);
	g_test_add_func("/man/docs/extra-dist", test_docs_extra_dist);
	g_test_add_func("/man/docs/guests-options", test_docs_guests_options);
	return g_test_run();
}
