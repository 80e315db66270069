/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>

#include "virt/guest.h"
#include "vtier-test.h"

/* Every file a vtierctl verb reads, fed hostile contents: empty, white space, binary, truncated,
 * huge and control characters. Each must end in a clear error from the verb (exit status 1, a
 * "vtierctl VERB: ..." line) -- never a crash, an assertion, an internal error or success. */

typedef struct {
	gchar *out;
	gchar *err;
	gint status;
} Run;

static void run_clear(Run *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static gboolean run_vtierctl(Run *r, const gchar *const *args)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *exe = NULL;
	g_autofree gchar *policies = g_test_build_filename(G_TEST_DIST, "..", "policies", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_auto(GStrv) env = g_get_environ();
	g_autoptr(GError) error = NULL;

	if (builddir == NULL) {
		g_test_skip("VTIER_BUILDDIR is not set (run through make check)");
		return FALSE;
	}
	exe = g_build_filename(builddir, "vtierctl", NULL);
	env = g_environ_setenv(env, "VTIER_POLICY_DIR", policies, TRUE);
	env = g_environ_unsetenv(env, "VTIER_SYSROOT");
	g_ptr_array_add(argv, exe);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_spawn_sync(NULL, (gchar **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
		     &r->status, &error);
	g_assert_no_error(error);
	return TRUE;
}

/* The hostile contents, by name. */
static GBytes *hostile_contents(const gchar *kind)
{
	if (g_str_equal(kind, "empty"))
		return g_bytes_new_static("", 0);
	if (g_str_equal(kind, "whitespace"))
		return g_bytes_new_static(" \n\t  \n", 6);
	if (g_str_equal(kind, "binary")) {
		static const guint8 bin[] = { 0x7f, 'E', 'L', 'F', 0, 1, 2, 0xff, 0xfe, '{', 0, '<' };
		return g_bytes_new_static(bin, sizeof(bin));
	}
	if (g_str_equal(kind, "truncated-json"))
		return g_bytes_new_static("{\"kdamonds\": [ {\"contexts\": [", 29);
	if (g_str_equal(kind, "truncated-xml"))
		return g_bytes_new_static("<domain type='kvm'><name>vm", 27);
	if (g_str_equal(kind, "control")) {
		static const gchar text[] = "[daemon]\nlog_level=info\x1b[2J\r\n\x01\x02{}";
		return g_bytes_new_static(text, sizeof(text) - 1);
	}
	if (g_str_equal(kind, "huge")) {
		gsize len = 16 * 1024 * 1024;
		gchar *text = g_malloc(len);

		for (gsize i = 0; i < len; i++)
			text[i] = "[{<a"[i % 4];
		return g_bytes_new_take(text, len);
	}
	g_assert_not_reached();
}

static const gchar *const kinds[] = { "empty",	 "whitespace", "binary", "truncated-json",
				      "truncated-xml", "control",    "huge" };

/* Each command with FILE where the hostile file goes; ROOT is a fixture sysroot, TMP an empty one.
 * A configuration file may be empty (every key at its default): there, empty and white space
 * succeed. */
typedef struct {
	const gchar *args[12];
	gboolean empty_ok;
} Command;

static const Command commands[] = {
	{ { "config", "-c", "FILE", NULL }, TRUE },
	{ { "config", "--json", "-c", "FILE", NULL }, TRUE },
	{ { "topology", "--sysroot", "ROOT", "-c", "FILE", NULL }, TRUE },
	{ { "sampler", "--sysroot", "ROOT", "-c", "FILE", NULL }, TRUE },
	{ { "probe", "--profile", "FILE", NULL }, FALSE },
	{ { "probe", "--compare", "FILE", "--profile", "7.3", NULL }, FALSE },
	{ { "damon", "script", "FILE", NULL }, FALSE },
	{ { "damon", "--profile", "FILE", "script", "MODEL", NULL }, FALSE },
	{ { "damon", "--sysroot", "TMP", "apply", "FILE", NULL }, FALSE },
	{ { "plan", "--sysroot", "ROOT", "-k", "FILE", "-d", "DOMAIN", NULL }, FALSE },
	{ { "plan", "--sysroot", "ROOT", "-k", "7.3", "-d", "FILE", NULL }, FALSE },
	{ { "plan", "--sysroot", "ROOT", "-k", "7.3", "-c", "FILE", "-d", "DOMAIN", NULL }, TRUE },
	{ { "plan", "--sysroot", "ROOT", "-k", "7.3", "--policy-dir", "DIR", "-d", "DOMAIN", NULL },
	  FALSE },
	{ { "policy", "check", "FILE", NULL }, FALSE },
	{ { "policy", "check", "--policy-dir", "DIR", "FILE", NULL }, FALSE },
};

typedef struct {
	gchar *tmp;
	gchar *file;
	gchar *dir;
	gchar *model;
} Env;

static void env_clear(Env *e)
{
	if (e->tmp != NULL)
		vtier_test_rm_rf(e->tmp);
	g_free(e->tmp);
	g_free(e->file);
	g_free(e->dir);
	g_free(e->model);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Env, env_clear)

static const gchar *substitute(const Env *e, const gchar *arg, const gchar *root,
			       const gchar *domain)
{
	if (g_str_equal(arg, "FILE"))
		return e->file;
	if (g_str_equal(arg, "ROOT"))
		return root;
	if (g_str_equal(arg, "TMP"))
		return e->tmp;
	if (g_str_equal(arg, "DIR"))
		return e->dir;
	if (g_str_equal(arg, "MODEL"))
		return e->model;
	if (g_str_equal(arg, "DOMAIN"))
		return domain;
	return arg;
}

/* Runs one command on one kind of input; appends what went wrong to @failures. */
static void check_one(const Env *e, const Command *command, const gchar *kind, const gchar *root,
		      const gchar *domain, GString *failures)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autofree gchar *shown = g_strjoinv(" ", (gchar **)command->args);
	gboolean empty = g_str_equal(kind, "empty") || g_str_equal(kind, "whitespace");
	const gchar *wrong = NULL;
	g_auto(Run) r = { 0 };

	for (guint i = 0; command->args[i] != NULL; i++)
		g_ptr_array_add(args, (gpointer)substitute(e, command->args[i], root, domain));
	g_ptr_array_add(args, NULL);
	if (!run_vtierctl(&r, (const gchar *const *)args->pdata))
		return;
	if (!WIFEXITED(r.status))
		wrong = "crashed";
	else if (empty && command->empty_ok && WEXITSTATUS(r.status) == 0)
		return;
	else if (WEXITSTATUS(r.status) != 1)
		wrong = "exit status is not 1";
	else if (!g_str_has_prefix(r.err, "vtierctl "))
		wrong = "no \"vtierctl VERB:\" message";
	else if (strstr(r.err, "internal error") != NULL)
		wrong = "internal error";
	else if (strstr(r.err, "critical") != NULL || strstr(r.err, "CRITICAL") != NULL)
		wrong = "a critical warning";
	if (wrong != NULL)
		g_string_append_printf(failures, "vtierctl %s with a %s file: %s (status %d): %s\n",
				       shown, kind, wrong, r.status, r.err);
}

static void write_policy_dir(const gchar *dir, GBytes *contents)
{
	g_autofree gchar *templates = g_build_filename(dir, "templates", NULL);
	g_autofree gchar *schema = g_build_filename(dir, "vtier-policy.rng", NULL);

	g_mkdir_with_parents(templates, 0755);
	g_assert_true(g_file_set_contents(schema, g_bytes_get_data(contents, NULL),
					  (gssize)g_bytes_get_size(contents), NULL));
}

static void test_hostile_files(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *domain = vtier_test_data_path("plan", "vm3-ratio.xml", NULL);
	g_autoptr(GString) failures = g_string_new(NULL);
	g_auto(Env) e = { 0 };
	g_autoptr(GError) error = NULL;

	e.tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", &error);
	g_assert_no_error(error);
	e.file = g_build_filename(e.tmp, "input", NULL);
	e.dir = g_build_filename(e.tmp, "policies", NULL);
	e.model = g_build_filename(e.tmp, "model.json", NULL);
	g_assert_true(g_file_set_contents(e.model, "{\"kdamonds\": []}\n", -1, NULL));
	for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
		g_autoptr(GBytes) contents = hostile_contents(kinds[k]);

		g_assert_true(g_file_set_contents(e.file, g_bytes_get_data(contents, NULL),
						  (gssize)g_bytes_get_size(contents), &error));
		g_assert_no_error(error);
		write_policy_dir(e.dir, contents);
		for (gsize c = 0; c < G_N_ELEMENTS(commands); c++)
			check_one(&e, &commands[c], kinds[k], root, domain, failures);
	}
	if (failures->len > 0)
		g_test_message("%s", failures->str);
	g_assert_cmpstr(failures->str, ==, "");
}

/* Every line of a plan script is a comment or one of the writes the writer makes. */
static void assert_script_safe(const gchar *script)
{
	g_autoptr(GRegex) line_re = g_regex_new(
		"^(#[^\\n]*|set -e|sleep [0-9.]+|"
		"(echo|printf '%s\\\\n') (('[^']*'|\\\\')+|[A-Za-z0-9_./:+=,@%-]+) > "
		"/sys/kernel/mm/damon/admin/[a-z0-9_/]+)$",
		0, 0, NULL);
	g_auto(GStrv) lines = g_strsplit(script, "\n", -1);

	g_assert_nonnull(line_re);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == '\0' && lines[i + 1] == NULL)
			break;
		if (i == 0 && g_str_equal(lines[i], "#!/bin/sh"))
			continue;
		if (!g_regex_match(line_re, lines[i], 0, NULL))
			g_test_message("unsafe script line %u: \"%s\"", i + 1, lines[i]);
		g_assert_true(g_regex_match(line_re, lines[i], 0, NULL));
	}
}

/* A domain named "evil<newline>touch /tmp/x" (and other control characters) must not add a
 * command to the plan script: the name is escaped in every comment. */
static void test_hostile_guest_name(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", NULL);
	g_autofree gchar *evil = g_build_filename(tmp, "evil.xml", NULL);
	g_autofree gchar *refused = g_build_filename(tmp, "refused.xml", NULL);
	static const gchar domain[] =
		"<domain type='kvm' xmlns:vt='https://vtier.dev/xmlns/policy/1.0'>"
		"<name>evil&#10;touch /tmp/x&#13;&#9;x</name>"
		"<uuid>6f1c0e1a-0000-4000-8000-0000000000e1</uuid>"
		"<metadata><vt:policy template='capacity'><fast ratio='30%'/></vt:policy></metadata>"
		"<memory unit='KiB'>4194304</memory></domain>";
	static const gchar refused_domain[] =
		"<domain type='kvm' xmlns:vt='https://vtier.dev/xmlns/policy/1.0'>"
		"<name>bad&#10;rm -rf /</name>"
		"<uuid>6f1c0e1a-0000-4000-8000-0000000000e2</uuid>"
		"<metadata><vt:policy mode='interleave'/></metadata>"
		"<memory unit='KiB'>4194304</memory></domain>";
	const gchar *args[] = { "plan", "--sysroot", root, "-k", "6.12", "-d", evil, "-d",
				refused, "-m", "evil\ntouch /tmp/x\r\tx=/machine.slice/e'$(touch x).scope",
				NULL };
	g_auto(Run) r = { 0 };

	g_assert_true(g_file_set_contents(evil, domain, -1, NULL));
	g_assert_true(g_file_set_contents(refused, refused_domain, -1, NULL));
	if (run_vtierctl(&r, args)) {
		g_test_message("%s%s", r.out, r.err);
		g_assert_true(WIFEXITED(r.status));
		g_assert_cmpint(WEXITSTATUS(r.status), ==, 0);
		g_assert_nonnull(strstr(r.out, "# guest evil\\ntouch /tmp/x\\r\\tx: ratio"));
		assert_script_safe(r.out);
		g_assert_null(strchr(r.err, '\x1b'));
	}
	/* a memcg path with a newline cannot be one line of a kernel file */
	{
		const gchar *nl[] = { "plan", "--sysroot", root, "-k", "6.12", "-d", evil, "-m",
				      "evil\ntouch /tmp/x\r\tx=/machine.slice/a\nb.scope", NULL };
		g_auto(Run) n = { 0 };

		if (run_vtierctl(&n, nl)) {
			g_assert_true(WIFEXITED(n.status));
			g_assert_cmpint(WEXITSTATUS(n.status), ==, 1);
			g_assert_nonnull(strstr(n.err, "control character"));
			g_assert_cmpstr(n.out, ==, "");
		}
	}
	vtier_test_rm_rf(tmp);
}

static gboolean run_program(Run *r, const gchar *program, const gchar *const *args)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *exe = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;

	if (builddir == NULL) {
		g_test_skip("VTIER_BUILDDIR is not set (run through make check)");
		return FALSE;
	}
	exe = g_build_filename(builddir, program, NULL);
	g_ptr_array_add(argv, exe);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out,
		     &r->err, &r->status, &error);
	g_assert_no_error(error);
	return TRUE;
}

static gboolean failed_with(const Run *r, const gchar *message)
{
	g_test_message("status %d: %s", r->status, r->err);
	/* 1: the verb failed; 2: a usage error */
	return WIFEXITED(r->status) && (WEXITSTATUS(r->status) == 1 || WEXITSTATUS(r->status) == 2) &&
	       strstr(r->err, message) != NULL;
}

/* Every consumer of vtierd.conf refuses what vtierd refuses, with the same message. */
static void test_config_one_path(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *domain = vtier_test_data_path("plan", "vm3-ratio.xml", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", NULL);
	g_autofree gchar *conf = g_build_filename(tmp, "vtierd.conf", NULL);
	static const struct {
		const gchar *text;
		const gchar *message;
	} bad[] = {
		{ "[sampler]\nperiod=1000\nfreq=100\n", "are both set" },
		{ "[topology]\nfast_nodes=0\nslow_nodes=0\n", "node 0 is in both" },
		{ "[sampler]\nmode=ibs\nperiod=1000\n", "not a multiple of 16" },
		{ "[sampler]\ntype=4\n", "must be set together" },
		{ "[sampler]\ntype=x\nconfig=1\n", "type" },
		{ "[topology]\nslow_nodes=9\n", "node 9 does not exist" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		const gchar *config[] = { "config", "--sysroot", root, "-c", conf, NULL };
		const gchar *topology[] = { "topology", "--sysroot", root, "-c", conf, NULL };
		const gchar *sampler[] = { "sampler", "--sysroot", root, "-c", conf, NULL };
		const gchar *plan[] = { "plan", "--sysroot", root, "-k", "7.3", "-c", conf,
					"-d", domain, NULL };
		const gchar *vtierd[] = { "--check-config", "--sysroot", root, "-c", conf, NULL };
		const gchar *const *all[] = { config, topology, sampler, plan };

		g_assert_true(g_file_set_contents(conf, bad[i].text, -1, NULL));
		for (gsize a = 0; a < G_N_ELEMENTS(all); a++) {
			g_auto(Run) r = { 0 };

			if (!run_vtierctl(&r, all[a]))
				return;
			/* the sampler verb never reads [topology] */
			if (a == 2 && strstr(bad[i].text, "[topology]") != NULL &&
			    strstr(bad[i].message, "does not exist") != NULL)
				continue;
			g_assert_true(failed_with(&r, bad[i].message));
		}
		{
			g_auto(Run) d = { 0 };

			if (!run_program(&d, "vtierd", vtierd))
				return;
			g_assert_true(failed_with(&d, bad[i].message));
		}
	}
	vtier_test_rm_rf(tmp);
}

/* A named file that does not exist is an error; the printed file reads back; --json is JSON; a
 * NUL byte is an error naming the offset. */
static void test_config_files(void)
{
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", NULL);
	g_autofree gchar *conf = g_build_filename(tmp, "vtierd.conf", NULL);
	g_autofree gchar *again = g_build_filename(tmp, "again.conf", NULL);
	const gchar *missing[] = { "config", "--no-host", "-c", "/nonexistent/vtierd.conf", NULL };
	const gchar *vtierd_missing[] = { "--check-config", "-c", "/nonexistent/vtierd.conf", NULL };
	const gchar *show[] = { "config", "--no-host", "-c", conf, NULL };
	const gchar *show_again[] = { "config", "--no-host", "-c", again, NULL };
	const gchar *json[] = { "config", "--no-host", "--json", "-c", conf, NULL };
	g_auto(Run) a = { 0 };
	g_auto(Run) b = { 0 };
	g_auto(Run) c = { 0 };
	g_auto(Run) d = { 0 };
	g_auto(Run) e = { 0 };
	g_auto(Run) f = { 0 };
	g_autoptr(JsonParser) parser = json_parser_new();

	if (!run_vtierctl(&a, missing) || !run_program(&b, "vtierd", vtierd_missing))
		return;
	g_assert_true(failed_with(&a, "/nonexistent/vtierd.conf"));
	g_assert_true(failed_with(&b, "/nonexistent/vtierd.conf"));
	g_assert_true(g_file_set_contents(conf, "[daemon]\nlog_level=debug\n", -1, NULL));
	run_vtierctl(&c, show);
	g_assert_cmpint(c.status, ==, 0);
	g_assert_nonnull(strstr(c.out, "\nlog_level=debug\n"));
	g_assert_nonnull(strstr(c.out, "\n#libvirt_uri=qemu:///system\n"));
	g_assert_true(g_file_set_contents(again, c.out, -1, NULL));
	run_vtierctl(&d, show_again);
	g_assert_cmpint(d.status, ==, 0);
	g_assert_cmpstr(d.out, ==, c.out);
	run_vtierctl(&e, json);
	g_assert_cmpint(e.status, ==, 0);
	g_assert_true(json_parser_load_from_data(parser, e.out, -1, NULL));
	g_assert_true(g_file_set_contents(conf, "[daemon]\nlog_level=debug\n\0[damon]\n", 33, NULL));
	run_vtierctl(&f, show);
	g_assert_true(failed_with(&f, "a NUL byte at offset 25"));
	vtier_test_rm_rf(tmp);
}

/* Inputs that used to give a plan that looked right: each is now an error naming the values. */
/* A domain XML in @dir whose <numatune> holds @numatune; returns its path. */
static gchar *write_numatune_domain(const gchar *dir, const gchar *name, const gchar *numatune)
{
	gchar *path = g_strdup_printf("%s/%s.xml", dir, name);
	g_autofree gchar *xml = g_strdup_printf("<domain type='kvm'><name>%s</name>"
						"<uuid>6f1c0e1a-0000-4000-8000-%012x</uuid>"
						"<memory unit='KiB'>4194304</memory>"
						"<numatune>%s</numatune></domain>",
						name, g_str_hash(name) & 0xffffff, numatune);

	g_assert_true(g_file_set_contents(path, xml, -1, NULL));
	return path;
}

/* [policy] respect_numatune=false, the key vtierd honours, lets `plan` tier a strict numatune. */
static void check_respect_numatune_off(const gchar *root, const gchar *tmp, const gchar *domain)
{
	g_autofree gchar *config = g_build_filename(tmp, "vtierd.conf", NULL);
	const gchar *args[] = { "plan", "--sysroot", root, "-k", "7.3", "-c", config, "-d", domain,
				"-m", "strict=/machine.slice/strict.scope", NULL };
	g_auto(Run) r = { 0 };

	g_assert_true(g_file_set_contents(config, "[policy]\nrespect_numatune=false\n", -1, NULL));
	if (!run_vtierctl(&r, args))
		return;
	g_test_message("status %d: %s", r.status, r.err);
	g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	g_assert_nonnull(strstr(r.out, "1 of 1 guests planned"));
}

static void test_plan_wrong_inputs(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *vm3 = vtier_test_data_path("plan", "vm3-ratio.xml", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", NULL);
	g_autofree gchar *twin = g_build_filename(tmp, "twin.xml", NULL);
	g_autofree gchar *nomem = g_build_filename(tmp, "nomem.xml", NULL);
	g_autofree gchar *link = g_build_filename(tmp, "link.xml", NULL);
	g_autofree gchar *strict =
		write_numatune_domain(tmp, "strict", "<memory mode='strict' nodeset='0'/>");
	g_autofree gchar *far =
		write_numatune_domain(tmp, "far", "<memory mode='preferred' nodeset='0,7'/>");
	g_autofree gchar *none =
		write_numatune_domain(tmp, "none", "<memory mode='strict' nodeset='0,^0'/>");
	g_autofree gchar *cell = write_numatune_domain(
		tmp, "cell", "<memory nodeset='1'/><memnode cellid='0' nodeset='5'/>");
	g_autofree gchar *text = NULL;
	g_autofree gchar *twin_text = NULL;
	struct {
		const gchar *args[16];
		const gchar *message;
	} cases[] = {
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", vm3, "-d", twin, NULL },
		  "guests \"vm3\" and \"twin\" have the same uuid" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", vm3, "-d", link, NULL },
		  "are the same file" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", vm3, "-m", "vm3=/a.scope", "-m",
		    "vm3=/b.scope", NULL },
		  "name the same guest" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", vm3, "-m", "vm9=/a.scope", NULL },
		  "no guest named \"vm9\"" },
		{ { "plan", "--sysroot", root, "-k", "7.3", NULL }, "no guests" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", vm3, "extra", NULL },
		  "unexpected argument \"extra\"" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", vm3, "--format", "shell", "--json", NULL },
		  "contradict" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", nomem, NULL },
		  "\"nomem\": its memory size is 0" },
		/* vtierd refuses it with this message too (/daemon/libvirt/numatune) */
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", strict, NULL },
		  "guest \"strict\": <numatune mode=\"strict\"> binds its memory to nodes 0, which "
		  "exclude every slow node" },
		/* nodes this 2-node host lacks, or none: the --slow-nodes wording */
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", far, NULL },
		  "guest \"far\": <numatune> nodeset \"0,7\": this host has no NUMA node 7" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", none, NULL },
		  "guest \"none\": <numatune> nodeset \"0,^0\" names no node" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", cell, NULL },
		  "guest \"cell\": <numatune><memnode> nodeset: this host has no NUMA node 5" },
		{ { "topology", "--sysroot", root, "extra", NULL }, "unexpected argument" },
		{ { "sampler", "--sysroot", root, "extra", NULL }, "unexpected argument" },
		{ { "version", "extra", NULL }, "unexpected argument" },
		{ { "plan", "--sysroot", root, "-k", "7.3", "-d", vm3, "-f", "json", "--format",
		    "shell", NULL },
		  "give --format once" },
		{ { "probe", "--profile", "7.3", "extra", NULL }, "unexpected argument" },
		{ { "config", "--no-host", "extra", NULL }, "unexpected argument" },
		{ { "guests", "--pid", "0", NULL }, "--pid 0: not a process id" },
		{ { "guests", "--pid=-1", NULL }, "--pid -1: not a process id" },
		{ { "guests", "--sysroot", root, "--pid", "1", "--slow-nodes", "9", NULL },
		  "--slow-nodes 9: this host has no NUMA node 9" },
		{ { "guests", "--slow-nodes", "1", NULL }, "goes with --qmp or --pid" },
		{ { "guests", "-c", "test:///default", "--connect", "test:///default", NULL },
		  "give --connect once" },
	};

	g_assert_true(g_file_get_contents(vm3, &text, NULL, NULL));
	{
		g_auto(GStrv) parts = g_strsplit(text, "<name>vm3</name>", 2);

		twin_text = g_strjoinv("<name>twin</name>", parts);
	}
	g_assert_true(g_file_set_contents(twin, twin_text, -1, NULL));
	g_assert_cmpint(symlink(vm3, link), ==, 0);
	g_assert_true(g_file_set_contents(nomem,
					  "<domain type='kvm'><name>nomem</name>"
					  "<uuid>6f1c0e1a-0000-4000-8000-0000000000f1</uuid></domain>",
					  -1, NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(Run) r = { 0 };

		if (!run_vtierctl(&r, cases[i].args))
			break;
		g_assert_true(failed_with(&r, cases[i].message));
		g_assert_cmpstr(r.out, ==, "");
	}
	check_respect_numatune_off(root, tmp, strict);
	vtier_test_rm_rf(tmp);
}

static gint compare_lines(gconstpointer a, gconstpointer b, gpointer data)
{
	(void)data;
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Lists every file below @dir (relative paths, sorted), to see what a verb wrote. */
static gchar *list_tree(const gchar *dir)
{
	const gchar *argv[] = { "find", dir, "-mindepth", "1", NULL };
	g_autofree gchar *out = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
				   &out, NULL, NULL, NULL));
	lines = g_strsplit(out, "\n", -1);
	g_qsort_with_data(lines, (gint)g_strv_length(lines), sizeof(gchar *), compare_lines, NULL);
	return g_strjoinv("\n", lines);
}

/* Read-only verbs write nothing, even when they fail; status shows a foreign kdamond. */
static void test_read_only_verbs(void)
{
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", NULL);
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	const gchar *status[] = { "damon", "--sysroot", tmp, "status", NULL };
	const gchar *status_json[] = { "damon", "--sysroot", tmp, "status", "--json", NULL };
	const gchar *stop[] = { "damon", "--sysroot", tmp, "stop", NULL };
	const gchar *no_root[] = { "damon", "status", NULL };
	g_auto(Run) a = { 0 };
	g_auto(Run) b = { 0 };
	g_auto(Run) c = { 0 };
	g_auto(Run) d = { 0 };

	vtier_test_write_file(tmp, "sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds", "1\n");
	vtier_test_write_file(tmp, "sys/kernel/mm/damon/admin/kdamonds/0/state", "on\n");
	vtier_test_write_file(tmp, "sys/kernel/mm/damon/admin/kdamonds/0/pid", "4242\n");
	before = list_tree(tmp);
	if (!run_vtierctl(&a, status))
		return;
	g_test_message("%s%s", a.out, a.err);
	g_assert_cmpint(a.status, ==, 0);
	g_assert_nonnull(strstr(a.out, "kdamond 0: on, pid 4242, not vtier's"));
	run_vtierctl(&b, status_json);
	g_assert_cmpint(b.status, ==, 0);
	g_assert_nonnull(strstr(b.out, "\"owner\" : \"other\""));
	run_vtierctl(&c, stop);
	g_assert_true(failed_with(&c, "pid 4242"));
	g_assert_nonnull(strstr(c.out, "kdamond 0: on, pid 4242, not vtier's"));
	after = list_tree(tmp);
	g_assert_cmpstr(before, ==, after);
	/* VTIER_SYSROOT is checked like --sysroot, and nothing is created below it */
	g_setenv("VTIER_SYSROOT", "/nonexistent/vtier-root", TRUE);
	run_program(&d, "vtierctl", no_root);
	g_unsetenv("VTIER_SYSROOT");
	g_assert_true(failed_with(&d, "VTIER_SYSROOT=/nonexistent/vtier-root: no such directory"));
	g_assert_false(g_file_test("/nonexistent/vtier-root", G_FILE_TEST_EXISTS));
	vtier_test_rm_rf(tmp);
}

static gchar *without_comments(const gchar *script)
{
	g_auto(GStrv) lines = g_strsplit(script, "\n", -1);
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != '#')
			g_string_append_printf(out, "%s\n", lines[i]);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* `damon script` (and apply) take the plan file `plan --format=json` prints, not only a model. */
static void test_damon_takes_plan(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *domain = vtier_test_data_path("plan", "vm3-ratio.xml", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", NULL);
	g_autofree gchar *plan_file = g_build_filename(tmp, "plan.json", NULL);
	const gchar *json[] = { "plan", "--sysroot", root, "-k", "7.3", "-d", domain, "-m",
				"vm3=/x.scope", "--format", "json", NULL };
	const gchar *shell[] = { "plan", "--sysroot", root, "-k", "7.3", "-d", domain, "-m",
				 "vm3=/x.scope", NULL };
	const gchar *script[] = { "damon", "--profile", "7.3", "script", plan_file, NULL };
	g_auto(Run) a = { 0 };
	g_auto(Run) b = { 0 };
	g_auto(Run) c = { 0 };
	g_autofree gchar *from_plan = NULL;
	g_autofree gchar *from_script = NULL;

	if (!run_vtierctl(&a, json))
		return;
	g_assert_cmpint(a.status, ==, 0);
	g_assert_true(g_file_set_contents(plan_file, a.out, -1, NULL));
	run_vtierctl(&b, shell);
	run_vtierctl(&c, script);
	g_test_message("%s", c.err);
	g_assert_cmpint(c.status, ==, 0);
	from_plan = without_comments(b.out);
	from_script = without_comments(c.out);
	g_assert_cmpstr(from_script, ==, from_plan);
	vtier_test_rm_rf(tmp);
}

/* The build tree's ./run runs vtierctl as if installed: the policy schema is found. */
static void test_run_from_build_tree(void)
{
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *vtierctl = NULL;
	g_autofree gchar *domain = vtier_test_data_path("plan", "vm3-ratio.xml", NULL);
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *saved = g_strdup(g_getenv("VTIER_POLICY_DIR"));
	g_auto(Run) r = { 0 };

	if (builddir == NULL) {
		g_test_skip("VTIER_BUILDDIR is not set (run through make check)");
		return;
	}
	vtierctl = g_build_filename(builddir, "vtierctl", NULL);
	g_unsetenv("VTIER_POLICY_DIR");
	run_program(&r, "run",
		    (const gchar *const[]){ vtierctl, "plan", "--sysroot", root, "-k", "7.3", "-d",
					    domain, NULL });
	if (saved != NULL)
		g_setenv("VTIER_POLICY_DIR", saved, TRUE);
	g_test_message("%s", r.err);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.out, "# vtier plan: "));
}

/* Every member name below @node into @keys; the ones not in snake_case into @bad. */
static void collect_keys(JsonNode *node, GHashTable *keys, GString *bad, const gchar *where)
{
	static GRegex *snake;

	if (snake == NULL)
		snake = g_regex_new("^[a-z][a-z0-9_]*$", 0, 0, NULL);
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *a = json_node_get_array(node);

		for (guint i = 0; i < json_array_get_length(a); i++)
			collect_keys(json_array_get_element(a, i), keys, bad, where);
	} else if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObjectIter iter;
		const gchar *name;
		JsonNode *member;

		json_object_iter_init(&iter, json_node_get_object(node));
		while (json_object_iter_next(&iter, &name, &member)) {
			g_hash_table_add(keys, g_strdup(name));
			if (!g_regex_match(snake, name, 0, NULL))
				g_string_append_printf(bad, "%s: \"%s\"\n", where, name);
			collect_keys(member, keys, bad, where);
		}
	}
}

/* The text of @verb's entry in vtierctl.8: from its `.TP` heading to the next verb's. */
static gchar *man_section(const gchar *man, const gchar *verb, const gchar *const *all)
{
	const gchar *start = NULL;
	const gchar *end = man + strlen(man);

	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; all[i] != NULL; i++) {
			const gchar *forms[][2] = { { "\n.TP\n.B ", "\n" },
						    { "\n.TP\n.BR ", " " },
						    { "\n.TP\n.BR \"", " " } };

			for (gsize f = 0; f < G_N_ELEMENTS(forms); f++) {
				g_autofree gchar *needle =
					g_strconcat(forms[f][0], all[i], forms[f][1], NULL);
				const gchar *at = strstr(man, needle);

				if (at == NULL)
					continue;
				if (pass == 0 && g_str_equal(all[i], verb) && (start == NULL || at < start))
					start = at;
				if (pass == 1 && start != NULL && at > start && at < end)
					end = at;
			}
		}
	}
	return start != NULL ? g_strndup(start, end - start) : NULL;
}

/* A QEMU process (pid 4242, two memory backends) in a copy of a fixture host, for
 * `guests --pid`; returns the sysroot. */
static VtierTestSysroot *qemu_sysroot(void)
{
	VtierTestSysroot *root = vtier_test_sysroot_new("amd-turin-cxl");
	static const gchar cmdline[] =
		"/usr/bin/qemu-system-x86_64\0-name\0guest=q,debug-threads=on\0-m\0" "8G\0"
		"-object\0memory-backend-ram,id=dram,size=4G,host-nodes=0,policy=bind\0"
		"-object\0memory-backend-ram,id=cxl,size=4G,host-nodes=1,policy=bind\0";
	g_autofree gchar *file = g_build_filename(root->root, "proc", "4242", "cmdline", NULL);

	vtier_test_write_file(root->root, "proc/4242/cgroup", "0::/machine.slice/q.scope\n");
	g_assert_true(g_file_set_contents(file, cmdline, sizeof(cmdline) - 1, NULL));
	vtier_test_write_file(root->root, "sys/fs/cgroup/cgroup.controllers", "memory\n");
	vtier_test_write_file(root->root, "sys/fs/cgroup/machine.slice/q.scope/memory.numa_stat",
			      "anon N0=4096 N1=4096\nfile N0=0 N1=0\n");
	return root;
}

/* The keys vtierctl(8) names in bold (\fBkey\fR) in @section's paragraphs about JSON (from a
 * line that says JSON to the paragraph's end; a verb's heading line does not count), that are
 * not in @keys, appended to @undocumented. */
static void check_bold_keys(const gchar *section, const gchar *verb, GHashTable *keys,
			    GString *undocumented)
{
	static GRegex *bold;
	static GRegex *paragraph;
	g_auto(GStrv) lines = g_strsplit(section, "\n", -1);
	gboolean in_json = FALSE;

	if (bold == NULL) {
		bold = g_regex_new("\\\\fB([a-z][a-z0-9_]*(\\\\-[a-z0-9_]+)*)(\\[\\])?\\\\fR", 0, 0,
				   NULL);
		paragraph = g_regex_new("^\\.(TP|PP|IP|RS|RE|SH|EX)\\b", 0, 0, NULL);
	}
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(GMatchInfo) match = NULL;

		if (g_regex_match(paragraph, lines[i], 0, NULL))
			in_json = FALSE;
		else if (g_strrstr(lines[i], "json") != NULL || g_strrstr(lines[i], "JSON") != NULL)
			in_json = in_json || i == 0 || !g_str_equal(lines[i - 1], ".TP");
		if (!in_json)
			continue;
		g_regex_match(bold, lines[i], 0, &match);
		for (; g_match_info_matches(match); g_match_info_next(match, NULL)) {
			g_autofree gchar *raw = g_match_info_fetch(match, 1);
			g_auto(GStrv) parts = g_strsplit(raw, "\\-", -1);
			g_autofree gchar *key = g_strjoinv("-", parts);

			if (!g_hash_table_contains(keys, key))
				g_string_append_printf(undocumented,
						       "%s: vtierctl.8 names \\fB%s\\fR in its JSON\n",
						       verb, key);
		}
	}
}

/* One JSON key convention (snake_case) in every JSON vtierctl prints offline, and every key
 * vtierctl(8) shows for a verb ("key": or \fBkey\fR where it describes the JSON) is in that
 * verb's real output. */
static void test_json_keys_match_man(void)
{
	g_autofree gchar *root = vtier_test_data_path("sysfs", "amd-turin-cxl", NULL);
	g_autofree gchar *domain = vtier_test_data_path("plan", "vm3-ratio.xml", NULL);
	g_autofree gchar *man_path = g_test_build_filename(G_TEST_DIST, "..", "docs", "man",
							   "vtierctl.8", NULL);
	g_autofree gchar *man = NULL;
	g_autofree gchar *tmp = g_dir_make_tmp("vtier-hostile-XXXXXX", NULL);
	g_autoptr(VtierTestSysroot) qemu = qemu_sysroot();
	static const gchar *const all_verbs[] = { "version", "config", "topology", "sampler",
						  "probe", "damon", "plan", "guests", "policy",
						  "status", "top", "explain", "attach", "detach",
						  "reload", "dump", NULL };
	struct {
		const gchar *verb;
		const gchar *args[14];
	} runs[] = {
		{ "version", { "version", "--json", NULL } },
		{ "config", { "config", "--no-host", "--json", NULL } },
		{ "topology", { "topology", "--sysroot", root, "--json", NULL } },
		{ "sampler", { "sampler", "--sysroot", root, "--json", NULL } },
		{ "probe", { "probe", "--profile", "7.3", "--json", NULL } },
		{ "damon", { "damon", "--sysroot", tmp, "status", "--json", NULL } },
		{ "plan", { "plan", "--sysroot", root, "-k", "7.3", "-d", domain, "--format", "json", NULL } },
		{ "guests", { "guests", "--connect", "test:///default", "--json", NULL } },
		{ "guests", { "guests", "--sysroot", qemu->root, "--pid", "4242", "--json", NULL } },
		{ "policy", { "policy", "check", "--json", domain, NULL } },
		{ "policy", { "policy", "get", "test", "--connect", "test:///default", "--json", NULL } },
	};
	g_autoptr(GHashTable) by_verb = g_hash_table_new_full(
		g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_hash_table_unref);
	g_autoptr(GString) bad = g_string_new(NULL);
	g_autoptr(GString) undocumented = g_string_new(NULL);
	g_autoptr(GRegex) documented = g_regex_new("\\\\?\"([a-z][a-z0-9_-]*)\\\\?\" ?:", 0, 0, NULL);

	g_assert_true(g_file_get_contents(man_path, &man, NULL, NULL));
	/* a kdamond for damon status to show */
	vtier_test_write_file(tmp, "sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds", "1\n");
	vtier_test_write_file(tmp, "sys/kernel/mm/damon/admin/kdamonds/0/state", "off\n");
	vtier_test_write_file(tmp, "sys/kernel/mm/damon/admin/kdamonds/0/pid", "-1\n");
	for (gsize i = 0; i < G_N_ELEMENTS(runs); i++) {
		GHashTable *keys = g_hash_table_lookup(by_verb, runs[i].verb);
		g_autoptr(JsonParser) parser = json_parser_new();
		g_auto(Run) r = { 0 };

		if (keys == NULL) {
			keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
			g_hash_table_insert(by_verb, (gpointer)runs[i].verb, keys);
		}
		if (!run_vtierctl(&r, runs[i].args))
			return;
		g_test_message("%s: %s", runs[i].verb, r.err);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
		collect_keys(json_parser_get_root(parser), keys, bad, runs[i].verb);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(runs); i++) {
		GHashTable *keys = g_hash_table_lookup(by_verb, runs[i].verb);
		g_autofree gchar *section = man_section(man, runs[i].verb, all_verbs);
		g_autoptr(GMatchInfo) match = NULL;

		if (i > 0 && g_str_equal(runs[i].verb, runs[i - 1].verb))
			continue;
		g_assert_nonnull(section);
		g_regex_match(documented, section, 0, &match);
		for (; g_match_info_matches(match); g_match_info_next(match, NULL)) {
			g_autofree gchar *key = g_match_info_fetch(match, 1);

			if (!g_hash_table_contains(keys, key))
				g_string_append_printf(undocumented, "%s: vtierctl.8 shows \"%s\"\n",
						       runs[i].verb, key);
		}
		check_bold_keys(section, runs[i].verb, keys, undocumented);
	}
	/* the guest record's memory backends (QMP guests) too */
	{
		g_autoptr(VtierGuest) guest = vtier_guest_new(VTIER_GUEST_SOURCE_QMP);
		VtierGuestMemdev *memdev = vtier_guest_memdev_new();
		g_autoptr(JsonNode) node = NULL;
		g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

		memdev->backend_id = g_strdup("ram-node0");
		g_ptr_array_add(guest->memdevs, memdev);
		guest->name = g_strdup("q");
		node = vtier_guest_to_json(guest);
		collect_keys(node, keys, bad, "guest record");
		g_assert_true(g_hash_table_contains(keys, "backend_id"));
	}
	g_test_message("%s%s", bad->str, undocumented->str);
	g_assert_cmpstr(bad->str, ==, "");
	g_assert_cmpstr(undocumented->str, ==, "");
	vtier_test_rm_rf(tmp);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/cli-hostile/files", test_hostile_files);
	g_test_add_func("/cli-hostile/guest-name", test_hostile_guest_name);
	g_test_add_func("/cli-hostile/config-one-path", test_config_one_path);
	g_test_add_func("/cli-hostile/config-files", test_config_files);
	g_test_add_func("/cli-hostile/plan-wrong-inputs", test_plan_wrong_inputs);
	g_test_add_func("/cli-hostile/read-only-verbs", test_read_only_verbs);
	g_test_add_func("/cli-hostile/damon-takes-plan", test_damon_takes_plan);
	g_test_add_func("/cli-hostile/run-from-build-tree", test_run_from_build_tree);
	g_test_add_func("/cli-hostile/json-keys-match-man", test_json_keys_match_man);
	return g_test_run();
}
