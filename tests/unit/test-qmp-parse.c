/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "common/error.h"
#include "qmp/binding.h"
#include "qmp/cmdline.h"
#include "qmp/framer.h"
#include "qmp/guest-source.h"
#include "qmp/query.h"
#include "vtier-test.h"

/* The pure parts of the QMP client: framing, classification, typed parsers, command lines and
 * the slow-binding check. */

static void feed_str(VtierQmpFramer *f, const gchar *s)
{
	vtier_qmp_framer_feed(f, (const guint8 *)s, strlen(s));
}

/* Drains the framer into "M:<json>" / "E:<message>" entries. */
static gchar *drain(VtierQmpFramer *f)
{
	g_autoptr(GString) out = g_string_new(NULL);

	for (;;) {
		g_autoptr(JsonObject) msg = NULL;
		g_autoptr(GError) error = NULL;
		VtierQmpFrame frame = vtier_qmp_framer_next(f, &msg, &error);

		if (frame == VTIER_QMP_FRAME_NONE)
			break;
		if (frame == VTIER_QMP_FRAME_ERROR) {
			g_string_append_printf(out, "E:%s\n", error->message);
		} else {
			g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);
			g_autofree gchar *json = NULL;

			json_node_set_object(n, msg);
			json = json_to_string(n, FALSE);
			g_string_append_printf(out, "M:%s\n", json);
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void test_framer_lines(void)
{
	g_autoptr(VtierQmpFramer) f = vtier_qmp_framer_new(0);
	const gchar *input = "{\"QMP\": {}}\r\n\r\n  \n{\"return\": {}, \"id\": \"a\"}\n"
			     "{\"event\": \"STOP\"}\r\n{\"ret";
	g_autofree gchar *out = NULL;
	g_autofree gchar *rest = NULL;

	/* byte by byte: the same messages as in one piece */
	for (gsize i = 0; i < strlen(input); i++)
		vtier_qmp_framer_feed(f, (const guint8 *)input + i, 1);
	out = drain(f);
	g_assert_cmpstr(out, ==,
			"M:{\"QMP\":{}}\nM:{\"return\":{},\"id\":\"a\"}\nM:{\"event\":\"STOP\"}\n");
	g_assert_cmpuint(vtier_qmp_framer_pending(f), ==, 5);
	feed_str(f, "urn\": 1}\r\n");
	rest = drain(f);
	g_assert_cmpstr(rest, ==, "M:{\"return\":1}\n");
	g_assert_cmpuint(vtier_qmp_framer_pending(f), ==, 0);
}

static void test_framer_garbage(void)
{
	g_autoptr(VtierQmpFramer) f = vtier_qmp_framer_new(0);
	g_autofree gchar *out = NULL;
	static const guint8 nul_line[] = { '{', '}', 0, '\n' };

	feed_str(f, "hello\r\n[1]\n\"s\"\n{\"a\": \xc3\x28}\n");
	vtier_qmp_framer_feed(f, nul_line, sizeof(nul_line));
	feed_str(f, "{\"return\": 2}\n");
	out = drain(f);
	g_test_message("%s", out);
	/* json-glib's own wording of the parse error varies between versions */
	g_assert_true(g_pattern_match_simple(
		"E:QMP line \"hello\" is not JSON: <data>:1:*hello*\n"
		"E:QMP line \"[1]\" is not a JSON object\n"
			"E:QMP line \"\\x22s\\x22\" is not a JSON object\n"
			"E:QMP line \"{\\x22a\\x22: \\xc3(}\" is not valid UTF-8 text\n"
			"E:QMP line \"{}\\x00\" is not valid UTF-8 text\n"
			"M:{\"return\":2}\n", out));
}

static void test_framer_long_lines(void)
{
	g_autoptr(VtierQmpFramer) f = vtier_qmp_framer_new(16);
	g_autofree gchar *out = NULL;
	g_autofree gchar *nested = NULL;
	g_autoptr(GString) deep = g_string_new("{\"a\": ");

	/* a long line fed in pieces is reported once, then skipped up to its newline */
	feed_str(f, "{\"return\": \"0123456789");
	feed_str(f, "0123456789");
	feed_str(f, "0123456789\"}\n{\"return\": 3}\n");
	/* and one that arrives complete */
	feed_str(f, "{\"return\": \"01234567890123456789\"}\n{\"return\": 4}\n");
	out = drain(f);
	g_assert_cmpstr(out, ==,
			"E:QMP line longer than 16 bytes, skipped\nM:{\"return\":3}\n"
			"E:QMP line longer than 16 bytes, skipped\nM:{\"return\":4}\n");
	/* deep nesting is refused before json-glib's recursive parser sees it */
	for (guint i = 0; i < 100; i++)
		g_string_append_c(deep, '[');
	g_string_append(deep, "\n");
	{
		g_autoptr(VtierQmpFramer) big = vtier_qmp_framer_new(0);

		feed_str(big, deep->str);
		nested = drain(big);
	}
	g_assert_true(g_str_has_suffix(nested, "nests deeper than 64 levels\n"));
}

static JsonObject *parse_obj(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	JsonObject *o = NULL;

	g_assert_true(vtier_qmp_message_parse(text, strlen(text), &o, &error));
	g_assert_no_error(error);
	return o;
}

static void test_classify(void)
{
	const struct {
		const gchar *line;
		const gchar *want; /* kind/id/event/class */
	} cases[] = {
		{ "{\"QMP\": {\"version\": {}}}", "greeting/-/-/-" },
		{ "{\"return\": [], \"id\": \"vtier-1\"}", "return/vtier-1/-/-" },
		{ "{\"return\": {}, \"id\": 7}", "return/-/-/-" },
		{ "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": \"b\"}",
		  "error/b/-/GenericError" },
		{ "{\"error\": {}}", "error/-/-/GenericError" },
		{ "{\"event\": \"STOP\", \"timestamp\": {}}", "event/-/STOP/-" },
	};
	const gchar *bad[] = { "{}", "{\"event\": 3}", "{\"error\": \"text\"}" };

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(JsonObject) o = parse_obj(cases[i].line);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got = NULL;
		VtierQmpMessage m;

		g_assert_true(vtier_qmp_message_classify(o, &m, &error));
		got = g_strdup_printf("%s/%s/%s/%s", vtier_qmp_message_kind_to_string(m.kind),
				      m.id ?: "-", m.event ?: "-", m.error_class ?: "-");
		g_assert_cmpstr(got, ==, cases[i].want);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(JsonObject) o = parse_obj(bad[i]);
		g_autoptr(GError) error = NULL;
		VtierQmpMessage m;

		g_assert_false(vtier_qmp_message_classify(o, &m, &error));
		g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	}
}

static JsonNode *load_reply(const gchar *name)
{
	g_autofree gchar *path = vtier_test_data_path("qmp", name, NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(json_parser_load_from_file(parser, path, &error));
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

static JsonNode *text_node(const gchar *text)
{
	return json_from_string(text, NULL);
}

static void test_parse_memdev(void)
{
	g_autoptr(JsonNode) reply = load_reply("query-memdev-none.json");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) memdevs = vtier_qmp_parse_memdevs(reply, &error);
	const VtierGuestMemdev *m;
	const gchar *bad[] = {
		"{}", "[1]", "[{\"id\": \"x\"}]", "[{\"size\": -1}]",
		"[{\"size\": 1, \"host-nodes\": \"0\"}]", "[{\"size\": 1, \"host-nodes\": [70000]}]",
		"[{\"size\": 1, \"host-nodes\": [{}]}]",
	};

	g_assert_no_error(error);
	g_assert_cmpuint(memdevs->len, ==, 2);
	m = g_ptr_array_index(memdevs, 1);
	g_assert_cmpstr(m->backend_id, ==, "ram0");
	g_assert_cmpuint(m->size_bytes, ==, 256 << 20);
	g_assert_cmpstr(m->policy, ==, "bind");
	g_assert_cmpuint(m->host_nodes->len, ==, 1);
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(JsonNode) n = text_node(bad[i]);
		g_autoptr(GError) e = NULL;
		g_autoptr(GPtrArray) none = vtier_qmp_parse_memdevs(n, &e);

		g_assert_null(none);
		g_assert_error(e, VTIER_ERROR, VTIER_ERROR_PARSE);
	}
}

static void test_parse_memory_devices(void)
{
	g_autoptr(JsonNode) reply = load_reply("query-memory-devices-dimm.json");
	g_autoptr(JsonNode) pmem = text_node("[{\"type\": \"virtio-pmem\", \"data\": {\"memdev\": "
					     "\"/objects/pm\", \"memaddr\": 8589934592, \"size\": "
					     "1048576}}]");
	g_autoptr(JsonNode) nosize = text_node("[{\"type\": \"dimm\", \"data\": {}}]");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) devs = vtier_qmp_parse_memory_devices(reply, &error);
	g_autoptr(GPtrArray) pdevs = NULL;
	g_autoptr(GPtrArray) none = NULL;
	const VtierQmpMemoryDevice *d;

	g_assert_no_error(error);
	d = g_ptr_array_index(devs, 0);
	g_assert_cmpstr(d->type, ==, "dimm");
	g_assert_cmpstr(d->memdev, ==, "/objects/mem1");
	g_assert_cmpint(d->node, ==, 0);
	pdevs = vtier_qmp_parse_memory_devices(pmem, &error);
	g_assert_no_error(error);
	d = g_ptr_array_index(pdevs, 0);
	g_assert_cmpuint(d->addr, ==, G_GUINT64_CONSTANT(8) << 30);
	g_assert_cmpint(d->node, ==, -1);
	g_assert_null(d->id);
	none = vtier_qmp_parse_memory_devices(nosize, &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==,
			"query-memory-devices: member \"size\" is missing or not a non-negative "
			"integer");
}

static void test_parse_status_summary_name(void)
{
	g_autoptr(JsonNode) st = text_node("{\"status\": \"inmigrate\", \"singlestep\": false, "
					   "\"running\": false}");
	g_autoptr(JsonNode) st_bad = text_node("{\"status\": \"running\"}");
	g_autoptr(JsonNode) sum = text_node("{\"base-memory\": 1073741824}");
	g_autoptr(JsonNode) name = text_node("{\"name\": \"vm\"}");
	g_autoptr(JsonNode) noname = text_node("{}");
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierQmpStatus) s = vtier_qmp_parse_status(st, &error);
	g_autoptr(VtierQmpStatus) s_bad = NULL;
	g_autofree VtierQmpMemorySizeSummary *m = vtier_qmp_parse_memory_size_summary(sum, &error);
	g_autofree gchar *n = vtier_qmp_parse_name(name, &error);
	g_autofree gchar *nn = vtier_qmp_parse_name(noname, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(s->status, ==, "inmigrate");
	g_assert_false(s->running);
	/* a machine without hot-plug has no plugged-memory member */
	g_assert_cmpuint(m->base_memory, ==, 1 << 30);
	g_assert_cmpuint(m->plugged_memory, ==, 0);
	g_assert_cmpstr(n, ==, "vm");
	g_assert_null(nn);
	s_bad = vtier_qmp_parse_status(st_bad, &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_PARSE);
}

static void test_slow_binding(void)
{
	g_autoptr(JsonNode) reply = text_node(
		"[{\"id\": \"fast\", \"size\": 1073741824, \"policy\": \"bind\", \"host-nodes\": [0]},"
		" {\"id\": \"cxl\", \"size\": 2147483648, \"policy\": \"bind\", \"host-nodes\": [2, 3]},"
		" {\"id\": \"mixed\", \"size\": 1048576, \"policy\": \"bind\", \"host-nodes\": [0, 2]},"
		" {\"id\": \"pref\", \"size\": 1048576, \"policy\": \"preferred\", \"host-nodes\": [2]},"
		" {\"id\": \"any\", \"size\": 1048576, \"policy\": \"default\", \"host-nodes\": []}]");
	g_autoptr(GPtrArray) memdevs = vtier_qmp_parse_memdevs(reply, NULL);
	g_autoptr(GArray) slow = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autoptr(GPtrArray) warnings = NULL;
	g_autoptr(GPtrArray) none = NULL;
	guint nodes[] = { 2, 3 };

	/* no slow nodes known: nothing to warn about */
	none = vtier_qmp_check_slow_binding(memdevs, slow);
	g_assert_cmpuint(none->len, ==, 0);
	g_array_append_vals(slow, nodes, G_N_ELEMENTS(nodes));
	warnings = vtier_qmp_check_slow_binding(memdevs, slow);
	/* only "cxl": "mixed" can still move to node 0, "pref" is only a preference */
	g_assert_cmpuint(warnings->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(warnings, 0), ==,
			"memory backend cxl (2048 MiB) is bound with policy=bind to slow host "
			"nodes 2,3: its pages cannot be migrated to fast memory; use "
			"policy=preferred or add a fast node to host-nodes");
}

/* Builds argv from a '|'-separated string. */
static VtierQmpCmdline *parse_cmdline(const gchar *line, GError **error)
{
	g_auto(GStrv) argv = g_strsplit(line, "|", -1);

	return vtier_qmp_cmdline_parse((const gchar *const *)argv, error);
}

static gchar *memdevs_text(const GPtrArray *memdevs)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < memdevs->len; i++) {
		const VtierGuestMemdev *m = g_ptr_array_index(memdevs, i);

		g_string_append_printf(s, "%s:%" G_GUINT64_FORMAT ":%s:", m->backend_id,
				       m->size_bytes, m->policy);
		for (guint j = 0; j < m->host_nodes->len; j++)
			g_string_append_printf(s, "%s%u", j > 0 ? "," : "",
					       g_array_index(m->host_nodes, guint, j));
		g_string_append(s, m->share ? ":shared;" : ";");
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void test_cmdline(void)
{
	const struct {
		const gchar *line;
		const gchar *name;
		guint64 mib;
		const gchar *qmp;
		const gchar *memdevs;
	} cases[] = {
		/* started by hand */
		{ "qemu-system-x86_64|-machine|none|-name|guest=hand,debug-threads=on|-m|"
		  "size=1G,slots=2,maxmem=4G|-object|memory-backend-ram,id=ram0,size=512M,"
		  "host-nodes=0-1,policy=bind|-object|memory-backend-memfd,id=m1,size=1073741824,"
		  "share=on|-qmp|unix:/run/q.sock,server=on,wait=off",
		  "hand", 1024, "/run/q.sock", "ram0:536870912:bind:0,1;m1:1073741824:default::shared;" },
		/* libvirt's: JSON -object, the monitor through -chardev/-mon */
		{ "/usr/bin/qemu-system-x86_64|-name|guest=vm1,debug-threads=on|-S|-object|"
		  "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\"}|-machine|"
		  "pc-q35-7.2,usb=off,memory-backend=pc.ram|-accel|kvm|-m|2048|-object|"
		  "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":2147483648,"
		  "\"host-nodes\":[1],\"policy\":\"bind\"}|-mon|chardev=charmonitor,id=monitor,"
		  "mode=control|-chardev|socket,id=charmonitor,path=/var/lib/libvirt/qemu/"
		  "domain-1-vm1/monitor.sock,server=on,wait=off",
		  "vm1", 2048, "/var/lib/libvirt/qemu/domain-1-vm1/monitor.sock",
		  "pc.ram:2147483648:bind:1;" },
		/* libvirt ≥ 8 hands the monitor over as an fd: no path to connect to */
		{ "qemu-system-x86_64|-name|guest=a,,b|-chardev|socket,id=charmonitor,fd=31,server=on,"
		  "wait=off|-mon|chardev=charmonitor,id=monitor,mode=control",
		  "a,b", 128, NULL, "" },
		/* old flag syntax, long options, a plain name */
		{ "/usr/libexec/qemu-kvm|--name|plain|--m|2G|-qmp|unix:/tmp/x.sock,server,nowait|"
		  "-nodefaults",
		  "plain", 2048, "/tmp/x.sock", "" },
		{ "qemu-system-aarch64|-qmp|tcp:localhost:4444,server=on|-m|slots=4,maxmem=8G", NULL,
		  128, NULL, "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierQmpCmdline) c = parse_cmdline(cases[i].line, &error);
		g_autofree gchar *memdevs = NULL;

		g_assert_no_error(error);
		g_assert_cmpstr(c->name, ==, cases[i].name);
		g_assert_cmpuint(c->memory_bytes, ==, cases[i].mib << 20);
		g_assert_cmpstr(c->qmp_socket, ==, cases[i].qmp);
		memdevs = memdevs_text(c->memdevs);
		g_assert_cmpstr(memdevs, ==, cases[i].memdevs);
	}
}

static void test_cmdline_bad(void)
{
	const struct {
		const gchar *line;
		gint code;
		const gchar *message;
	} bad[] = {
		{ "/bin/bash|-c|sleep 1", VTIER_ERROR_NOT_SUPPORTED,
		  "/bin/bash is not a QEMU system emulator" },
		{ "qemu-system-x86_64|-m|lots", VTIER_ERROR_PARSE,
		  "-m lots: \"lots\" is not a QEMU size" },
		{ "qemu-system-x86_64|-m|99999999999T", VTIER_ERROR_PARSE,
		  "-m 99999999999T: \"99999999999T\" is not a QEMU size" },
		{ "qemu-system-x86_64|-object|memory-backend-ram,id=r", VTIER_ERROR_PARSE,
		  "memory backend r has no size" },
		{ "qemu-system-x86_64|-object|memory-backend-ram,id=r,size=1G,host-nodes=3-1",
		  VTIER_ERROR_PARSE, "host-nodes: \"3-1\" is not a node range" },
		/* found by fuzz-qmp-cmdline: a repeated, empty host-nodes= */
		{ "qemu-system-x86_64|-object|memory-backend-ram,id=r,size=1G,host-nodes=1,host-nodes=",
		  VTIER_ERROR_PARSE, "host-nodes: \"1,\" has an empty node" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VtierQmpCmdline) c = parse_cmdline(bad[i].line, &error);

		g_assert_null(c);
		g_assert_error(error, VTIER_ERROR, bad[i].code);
		g_assert_cmpstr(error->message, ==, bad[i].message);
	}
}

static void test_cmdline_split(void)
{
	static const gchar raw[] = "qemu-system-x86_64\0-name\0\0-m\0" "256\0";
	g_auto(GStrv) argv = vtier_qmp_cmdline_split(raw, sizeof(raw) - 1);

	/* empty arguments survive; the trailing NUL ends the last one */
	g_assert_cmpuint(g_strv_length(argv), ==, 5);
	g_assert_cmpstr(argv[2], ==, "");
	g_assert_cmpstr(argv[4], ==, "256");
}

static void test_guest_from_pid(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new(NULL);
	static const gchar cmdline[] = "qemu-system-x86_64\0-name\0guest=byhand\0-m\0" "512M\0"
				       "-qmp\0unix:/run/vtier-test.sock,server=on,wait=off\0";
	g_autofree gchar *dir = g_build_filename(root->root, "proc", "4242", NULL);
	g_autofree gchar *file = g_build_filename(dir, "cmdline", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(VtierGuest) guest = NULL;
	g_autoptr(VtierGuest) missing = NULL;
	g_autofree gchar *qmp = NULL;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(file, cmdline, sizeof(cmdline) - 1, NULL));
	guest = vtier_qmp_guest_from_pid(4242, &qmp, &error);
	g_assert_no_error(error);
	g_assert_cmpint(guest->source, ==, VTIER_GUEST_SOURCE_PID);
	g_assert_cmpstr(guest->name, ==, "byhand");
	g_assert_cmpint(guest->pid, ==, 4242);
	g_assert_cmpuint(guest->memory_bytes, ==, 512 << 20);
	g_assert_cmpstr(qmp, ==, "/run/vtier-test.sock");
	missing = vtier_qmp_guest_from_pid(4243, NULL, &error);
	g_assert_error(error, VTIER_ERROR, VTIER_ERROR_NOT_FOUND);
	g_assert_cmpstr(error->message, ==, "cannot read /proc/4243/cmdline: No such process");
}

/* `vtierctl guests --pid` end to end on a fixture host whose topology has slow (CXL) nodes 2-3:
 * the slow-binding warning comes from the topology, without --slow-nodes. */
static void test_vtierctl_guests_pid(void)
{
	g_autoptr(VtierTestSysroot) root = vtier_test_sysroot_new("intel-spr-2s-cxl");
	static const gchar cmdline[] =
		"/usr/bin/qemu-system-x86_64\0-name\0guest=cxl-vm,debug-threads=on\0-m\0" "8G\0"
		"-object\0memory-backend-ram,id=dram,size=4G,host-nodes=0,policy=bind\0"
		"-object\0memory-backend-ram,id=cxl,size=2G,host-nodes=2-3,policy=bind\0"
		"-object\0memory-backend-ram,id=both,size=2G,host-nodes=1,host-nodes=3,"
		"policy=bind\0";
	g_autofree gchar *dir = g_build_filename(root->root, "proc", "4242", NULL);
	g_autofree gchar *file = g_build_filename(dir, "cmdline", NULL);
	const gchar *builddir = g_getenv("VTIER_BUILDDIR");
	g_autofree gchar *vtierctl = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gint status = -1;

	if (builddir == NULL) {
		g_test_skip("VTIER_BUILDDIR is not set (run through make check)");
		return;
	}
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(file, cmdline, sizeof(cmdline) - 1, NULL));
	/* a cgroup v2 scope of its own, as a hand-started QEMU under systemd-run would have */
	vtier_test_write_file(root->root, "proc/4242/cgroup", "0::/machine.slice/cxl-vm.scope\n");
	vtier_test_write_file(root->root, "sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
	vtier_test_write_file(root->root, "sys/fs/cgroup/machine.slice/cgroup.controllers",
			      "cpu memory pids\n");
	vtier_test_write_file(root->root,
			      "sys/fs/cgroup/machine.slice/cxl-vm.scope/cgroup.controllers",
			      "memory\n");
	vtier_test_write_file(root->root,
			      "sys/fs/cgroup/machine.slice/cxl-vm.scope/memory.numa_stat",
			      "anon N0=4294967296 N1=0 N2=1073741824 N3=1073741824\n"
			      "file N0=8388608 N1=0 N2=0 N3=0\n");
	vtierctl = g_build_filename(builddir, "vtierctl", NULL);
	{
		const gchar *argv[] = { vtierctl, "guests", "--sysroot", root->root, "--pid", "4242",
					NULL };

		g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
			     &status, &error);
	}
	g_assert_no_error(error);
	g_assert_cmpstr(err, ==, "");
	g_assert_true(g_spawn_check_wait_status(status, &error));
	vtier_test_assert_golden("qmp-guests-pid-spr.txt", out);
}

int main(int argc, char **argv)
{
	vtier_test_init(&argc, &argv);
	g_test_add_func("/qmp-parse/framer-lines", test_framer_lines);
	g_test_add_func("/qmp-parse/framer-garbage", test_framer_garbage);
	g_test_add_func("/qmp-parse/framer-long-lines", test_framer_long_lines);
	g_test_add_func("/qmp-parse/classify", test_classify);
	g_test_add_func("/qmp-parse/memdev", test_parse_memdev);
	g_test_add_func("/qmp-parse/memory-devices", test_parse_memory_devices);
	g_test_add_func("/qmp-parse/status-summary-name", test_parse_status_summary_name);
	g_test_add_func("/qmp-parse/slow-binding", test_slow_binding);
	g_test_add_func("/qmp-parse/cmdline", test_cmdline);
	g_test_add_func("/qmp-parse/cmdline-bad", test_cmdline_bad);
	g_test_add_func("/qmp-parse/cmdline-split", test_cmdline_split);
	g_test_add_func("/qmp-parse/guest-from-pid", test_guest_from_pid);
	g_test_add_func("/qmp-parse/vtierctl-guests-pid", test_vtierctl_guests_pid);
	return g_test_run();
}
