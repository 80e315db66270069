/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli/plan-input.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "tiering/policy-units.h"
#include "tiering/policy.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

void vtier_cli_domain_free(VtierCliDomain *domain)
{
	if (domain == NULL)
		return;
	g_free(domain->name);
	g_free(domain->uuid);
	g_free(domain->nodeset);
	g_free(domain->policy_xml);
	g_free(domain);
}

static xmlNodePtr child(xmlNodePtr parent, const gchar *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && n->ns == NULL &&
		    strcmp((const gchar *)n->name, name) == 0)
			return n;
	}
	return NULL;
}

static gchar *text_of(xmlNodePtr node)
{
	g_autofree gchar *raw = node ? (gchar *)xmlNodeGetContent(node) : NULL;

	return raw ? g_strstrip(g_strdup(raw)) : NULL;
}

/* <memory unit='KiB'>N</memory>: libvirt's default unit is KiB. */
static gboolean read_memory(xmlNodePtr node, const gchar *source, guint64 *ret, GError **error)
{
	g_autofree gchar *value = text_of(node);
	g_autofree gchar *unit = (gchar *)xmlGetProp(node, (const xmlChar *)"unit");
	g_autofree gchar *spelled = g_strdup_printf("%s%s", value, unit ? unit : "KiB");

	if (vtier_policy_parse_size(spelled, ret, error))
		return TRUE;
	g_prefix_error(error, "%s: <%s>: ", source, (const gchar *)node->name);
	return FALSE;
}

/* vtier's element of <metadata>, copied into its own document so that every namespace it uses is
 * declared on it, then printed. */
static gchar *policy_of(xmlNodePtr metadata)
{
	for (xmlNodePtr n = metadata ? metadata->children : NULL; n != NULL; n = n->next) {
		g_autoptr(xmlDoc) doc = NULL;
		xmlNodePtr copy;
		xmlChar *buf = NULL;
		int len = 0;
		gchar *out;

		if (n->type != XML_ELEMENT_NODE || n->ns == NULL ||
		    g_strcmp0((const gchar *)n->ns->href, VTIER_POLICY_NAMESPACE) != 0)
			continue;
		doc = xmlNewDoc((const xmlChar *)"1.0");
		copy = xmlDocCopyNode(n, doc, 1);
		xmlDocSetRootElement(doc, copy);
		xmlReconciliateNs(doc, copy);
		xmlDocDumpMemory(doc, &buf, &len);
		out = g_strndup((const gchar *)buf, (gsize)len);
		xmlFree(buf);
		return out;
	}
	return NULL;
}

VtierCliDomain *vtier_cli_domain_parse(const gchar *xml, const gchar *source, GError **error)
{
	g_autoptr(VtierCliDomain) d = g_new0(VtierCliDomain, 1);
	g_autoptr(xmlDoc) doc = NULL;
	xmlNodePtr root, mem, numatune;

	if (strstr(xml, "<!DOCTYPE") != NULL || strstr(xml, "<!ENTITY") != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: DTDs and entities are not accepted", source);
		return NULL;
	}
	doc = xmlReadMemory(xml, (int)strlen(xml), source, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || strcmp((const gchar *)root->name, "domain") != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: not a libvirt domain XML (no <domain> element)", source);
		return NULL;
	}
	d->name = text_of(child(root, "name"));
	d->uuid = text_of(child(root, "uuid"));
	if (d->name == NULL || d->name[0] == '\0') {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "%s: the domain has no <name>",
			    source);
		return NULL;
	}
	mem = child(root, "currentMemory") ? child(root, "currentMemory") : child(root, "memory");
	if (mem == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: domain \"%s\" has no <memory>", source, d->name);
		return NULL;
	}
	if (!read_memory(mem, source, &d->memory_bytes, error))
		return NULL;
	numatune = child(root, "numatune");
	if (child(numatune, "memory") != NULL)
		d->nodeset = (gchar *)xmlGetProp(child(numatune, "memory"),
						 (const xmlChar *)"nodeset");
	d->policy_xml = policy_of(child(root, "metadata"));
	return g_steal_pointer(&d);
}

gint vtier_cli_guest_pid(const gchar *name)
{
	g_autofree gchar *file = g_strdup_printf("%s.pid", name);
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_LIBVIRT_QEMU_RUN, file, NULL);
	guint64 pid = 0;

	if (!vtier_file_read_u64(path, &pid, NULL) || pid == 0 || pid > G_MAXINT)
		return 0;
	return (gint)pid;
}

/* From a /proc/PID/cgroup text: the memory controller's path (v1) or the unified one (v2). */
static gchar *cgroup_path(const gchar *text, gboolean *ret_v2)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gchar *unified = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ":", 3);
		g_auto(GStrv) controllers = NULL;

		if (g_strv_length(f) != 3)
			continue;
		if (f[1][0] == '\0') {
			g_free(unified);
			unified = g_strdup(f[2]);
			continue;
		}
		controllers = g_strsplit(f[1], ",", -1);
		if (g_strv_contains((const gchar *const *)controllers, "memory")) {
			g_free(unified);
			*ret_v2 = FALSE;
			return g_strdup(f[2]);
		}
	}
	*ret_v2 = TRUE;
	return unified;
}

/* cgroup v2: the nearest ancestor (or itself) whose directory has memory.current. */
static gchar *nearest_memcg(const gchar *path)
{
	g_autofree gchar *cur = g_strdup(path);

	while (strcmp(cur, "/") != 0) {
		g_autofree gchar *file = vtier_path_build(VTIER_PATH_CGROUP, cur, "memory.current",
							  NULL);
		gchar *slash;

		if (g_file_test(file, G_FILE_TEST_EXISTS))
			return g_steal_pointer(&cur);
		slash = strrchr(cur, '/');
		if (slash == cur)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return g_strdup(path);
}

gchar *vtier_cli_guest_memcg(gint pid, GError **error)
{
	g_autofree gchar *pid_text = g_strdup_printf("%d", pid);
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_PROCFS, pid_text, "cgroup", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *cgroup = NULL;
	gboolean v2 = FALSE;

	if (!vtier_file_read(path, &text, error))
		return NULL;
	cgroup = cgroup_path(text, &v2);
	if (cgroup == NULL || cgroup[0] != '/') {
		g_autofree gchar *host = vtier_path_to_host(path);

		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "%s: no memory cgroup line in \"%s\"", host, g_strstrip(text));
		return NULL;
	}
	return v2 ? nearest_memcg(cgroup) : g_steal_pointer(&cgroup);
}

static void ignore_libvirt_error(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)

GPtrArray *vtier_cli_connect_domains(const gchar *uri, GError **error)
{
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	virDomainPtr *domains = NULL;
	int n;

	virSetErrorFunc(NULL, ignore_libvirt_error);
	conn = virConnectOpenReadOnly(uri);
	if (conn == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED, "cannot connect to %s: %s", uri,
			    virGetLastErrorMessage());
		return NULL;
	}
	n = virConnectListAllDomains(conn, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_FAILED, "cannot list the domains of %s: %s",
			    uri, virGetLastErrorMessage());
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		char *xml = virDomainGetXMLDesc(domains[i], 0);

		if (xml != NULL) {
			g_ptr_array_add(out, g_strdup(xml));
			free(xml); /* syntax-check: allow (libvirt allocates with malloc) */
		}
		virDomainFree(domains[i]);
	}
	free(domains); /* syntax-check: allow */
	return g_steal_pointer(&out);
}
