/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-domain-xml"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/libxml-dl.h"
#include "virt/domain-xml.h"

static void add_warning(GPtrArray *warnings, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
static void add_warning(GPtrArray *warnings, const gchar *format, ...)
{
	va_list ap;
	gchar *msg;

	va_start(ap, format);
	msg = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_debug("%s", msg);
	if (warnings != NULL)
		g_ptr_array_add(warnings, msg);
	else
		g_free(msg);
}

/* ---- cpusets ---- */

static gboolean cpuset_number(const gchar **p, guint *ret, const gchar *text, GError **error)
{
	const gchar *s = *p;
	guint64 v = 0;

	if (!g_ascii_isdigit(*s)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "invalid cpuset \"%s\"", text);
		return FALSE;
	}
	while (g_ascii_isdigit(*s)) {
		v = v * 10 + (guint64)(*s - '0');
		if (v > VTIER_DOMAIN_XML_MAX_CPU) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "cpuset \"%s\" names a number above %u", text,
				    VTIER_DOMAIN_XML_MAX_CPU);
			return FALSE;
		}
		s++;
	}
	*p = s;
	*ret = (guint)v;
	return TRUE;
}

static gboolean cpuset_item(const gchar **p, GHashTable *set, const gchar *text, GError **error)
{
	gboolean negate = FALSE;
	guint lo, hi;

	while (g_ascii_isspace(**p))
		(*p)++;
	if (**p == '^') {
		negate = TRUE;
		(*p)++;
	}
	if (!cpuset_number(p, &lo, text, error))
		return FALSE;
	hi = lo;
	if (**p == '-') {
		(*p)++;
		if (negate || !cpuset_number(p, &hi, text, error) || hi < lo) {
			g_clear_error(error);
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "invalid cpuset \"%s\"",
				    text);
			return FALSE;
		}
	}
	for (guint i = lo; i <= hi; i++) {
		if (negate)
			g_hash_table_remove(set, GUINT_TO_POINTER(i + 1));
		else
			g_hash_table_add(set, GUINT_TO_POINTER(i + 1));
	}
	while (g_ascii_isspace(**p))
		(*p)++;
	return TRUE;
}

static gint cmp_uint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

GArray *vtier_cpuset_parse(const gchar *text, GError **error)
{
	g_autoptr(GHashTable) set = g_hash_table_new(NULL, NULL);
	GArray *out;
	const gchar *p = text;
	GHashTableIter iter;
	gpointer key;

	for (;;) {
		if (!cpuset_item(&p, set, text, error))
			return NULL;
		if (*p == '\0')
			break;
		if (*p != ',') {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "invalid cpuset \"%s\"",
				    text);
			return NULL;
		}
		p++;
	}
	out = g_array_sized_new(FALSE, FALSE, sizeof(guint), g_hash_table_size(set));
	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		guint v = GPOINTER_TO_UINT(key) - 1;
		g_array_append_val(out, v);
	}
	g_array_sort(out, cmp_uint);
	return out;
}

gchar *vtier_cpuset_format(GArray *set)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < set->len;) {
		guint lo = g_array_index(set, guint, i), hi = lo;

		while (i + 1 < set->len && g_array_index(set, guint, i + 1) == hi + 1) {
			hi++;
			i++;
		}
		i++;
		if (s->len > 0)
			g_string_append_c(s, ',');
		if (hi == lo)
			g_string_append_printf(s, "%u", lo);
		else
			g_string_append_printf(s, "%u-%u", lo, hi);
	}
	return g_string_free(s, FALSE);
}

/* ---- document ---- */

static gboolean check_depth(xmlNode *root, GError **error)
{
	xmlNode *node = root;
	guint depth = 1;

	/* iterative pre-order walk: no recursion on untrusted input */
	while (node != NULL) {
		if (depth > VTIER_DOMAIN_XML_MAX_DEPTH) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "XML is nested deeper than %u elements",
				    VTIER_DOMAIN_XML_MAX_DEPTH);
			return FALSE;
		}
		if (node->type == XML_ELEMENT_NODE && node->children != NULL) {
			node = node->children;
			depth++;
			continue;
		}
		while (node != NULL && node->next == NULL && node != root) {
			node = node->parent;
			depth--;
		}
		if (node == NULL || node == root)
			break;
		node = node->next;
	}
	return TRUE;
}

/* Counts elements and the attributes of each on the raw text (comments skipped), so that
 * libxml2 never sees a document whose parse would take minutes. */
static gboolean prescan(const gchar *xml, gsize len, GError **error)
{
	guint elements = 0;
	guint attributes = 0;
	gboolean in_tag = FALSE;
	gchar quote = 0;

	for (gsize i = 0; i < len; i++) {
		gchar c = xml[i];

		if (quote != 0) {
			quote = c == quote ? 0 : quote;
		} else if (!in_tag && c == '<' && len - i >= 4 && memcmp(xml + i, "<!--", 4) == 0) {
			const gchar *end = g_strstr_len(xml + i + 4, (gssize)(len - i - 4), "-->");

			if (end == NULL)
				return TRUE; /* not well-formed: libxml2 says so */
			i = (gsize)(end - xml) + 2;
		} else if (!in_tag && c == '<') {
			in_tag = TRUE;
			attributes = 0;
			if (++elements > VTIER_DOMAIN_XML_MAX_ELEMENTS) {
				g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
					    "XML has more than %u elements",
					    VTIER_DOMAIN_XML_MAX_ELEMENTS);
				return FALSE;
			}
		} else if (in_tag && (c == '"' || c == '\'')) {
			quote = c;
		} else if (in_tag && c == '=' && ++attributes > VTIER_DOMAIN_XML_MAX_ATTRIBUTES) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "XML element %u has more than %u attributes", elements,
				    VTIER_DOMAIN_XML_MAX_ATTRIBUTES);
			return FALSE;
		} else if (in_tag && c == '>') {
			in_tag = FALSE;
		}
	}
	return TRUE;
}

static xmlDoc *parse_document(const gchar *xml, gsize len, GError **error)
{
	g_autoptr(xmlParserCtxt) ctxt = NULL;
	g_autoptr(xmlDoc) doc = NULL;
	/* no XML_PARSE_NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR, no network, no
	 * XML_PARSE_HUGE (keeps libxml2's own depth and amplification limits) */
	const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			    XML_PARSE_NOCDATA | XML_PARSE_NONET;

	if (len > VTIER_DOMAIN_XML_MAX_BYTES) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "XML is %" G_GSIZE_FORMAT " bytes, more than the limit of %u",
			    len, VTIER_DOMAIN_XML_MAX_BYTES);
		return NULL;
	}
	if (!prescan(xml, len, error) || !vtier_libxml_load(error))
		return NULL;
	ctxt = sym_xmlNewParserCtxt();
	if (ctxt == NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_NO_MEMORY, "cannot allocate an XML parser");
		return NULL;
	}
	doc = sym_xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL, options);
	if (doc == NULL || !ctxt->wellFormed) {
		const xmlError *e = sym_xmlCtxtGetLastError(ctxt);
		g_autofree gchar *msg = g_strstrip(g_strdup(e != NULL && e->message != NULL
								? e->message
								: "unknown error"));

		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "XML is not well-formed (line %d): %s", e != NULL ? e->line : 0,
			    msg);
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "XML must not have a DOCTYPE (no DTDs or entities are accepted)");
		return NULL;
	}
	if (sym_xmlDocGetRootElement(doc) == NULL ||
	    !check_depth(sym_xmlDocGetRootElement(doc), error)) {
		if (error != NULL && *error == NULL)
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "XML is empty");
		return NULL;
	}
	return g_steal_pointer(&doc);
}

static gboolean is_elem(xmlNode *node, const gchar *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
	       g_strcmp0((const gchar *)node->name, name) == 0;
}

static xmlNode *child(xmlNode *parent, const gchar *name)
{
	for (xmlNode *n = parent != NULL ? parent->children : NULL; n != NULL; n = n->next) {
		if (is_elem(n, name))
			return n;
	}
	return NULL;
}

static gchar *attr(xmlNode *node, const gchar *name)
{
	xmlChar *v = node != NULL ? sym_xmlGetNoNsProp(node, (const xmlChar *)name) : NULL;
	gchar *out = v != NULL ? g_strstrip(g_strdup((const gchar *)v)) : NULL;

	vtier_libxml_free(v);
	return out;
}

static gchar *text(xmlNode *node)
{
	xmlChar *v = node != NULL ? sym_xmlNodeGetContent(node) : NULL;
	gchar *out = v != NULL ? g_strstrip(g_strdup((const gchar *)v)) : NULL;

	vtier_libxml_free(v);
	return out;
}

/* The scale of a libvirt unit (virScaleInteger): b/bytes, then k/M/G/T/P/E with "" or "iB" for powers
 * of 1024 and "B" for powers of 1000, case-insensitive. 0 when unknown. */
static guint64 unit_scale(const gchar *unit)
{
	const gchar *prefixes = "kmgtpe";
	const gchar *p;
	guint64 scale = 1;

	if (unit == NULL || unit[0] == '\0')
		return 1024;
	if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "bytes") == 0)
		return 1;
	p = strchr(prefixes, g_ascii_tolower(unit[0]));
	if (p == NULL)
		return 0;
	for (const gchar *q = prefixes; q <= p; q++)
		scale *= g_ascii_strcasecmp(unit + 1, "b") == 0 ? 1000 : 1024;
	if (unit[1] != '\0' && g_ascii_strcasecmp(unit + 1, "b") != 0 &&
	    g_ascii_strcasecmp(unit + 1, "ib") != 0)
		return 0;
	return scale;
}

/* libvirt's scaled integers: <memory unit='KiB'>N</memory>; the unit defaults to KiB. */
static gboolean parse_scaled(xmlNode *node, guint64 *ret_bytes, GError **error)
{
	g_autofree gchar *unit = attr(node, "unit");
	g_autofree gchar *value = text(node);
	guint64 scale = unit_scale(unit);
	guint64 n;

	if (!vtier_parse_u64(value, (const gchar *)node->name, &n, error))
		return FALSE;
	if (scale == 0 || n > G_MAXUINT64 / scale) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "<%s unit='%s'>%s</%s>: unknown unit or too large", node->name, unit,
			    value, node->name);
		return FALSE;
	}
	*ret_bytes = n * scale;
	return TRUE;
}

/* ---- facts ---- */

static gboolean parse_identity(xmlNode *domain, VtierGuest *guest, GError **error)
{
	g_autofree gchar *id = attr(domain, "id");
	g_autofree gchar *uuid = text(child(domain, "uuid"));
	guint64 n;

	guest->name = text(child(domain, "name"));
	if (guest->name == NULL || guest->name[0] == '\0') {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE, "domain XML has no <name>");
		return FALSE;
	}
	if (uuid != NULL && uuid[0] != '\0') {
		if (!g_uuid_string_is_valid(uuid)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "domain %s: invalid <uuid> \"%s\"", guest->name, uuid);
			return FALSE;
		}
		guest->uuid = g_ascii_strdown(uuid, -1);
	}
	if (id != NULL) {
		if (!vtier_parse_u64(id, "domain id", &n, error) || n > G_MAXINT) {
			g_clear_error(error);
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
				    "domain %s: invalid id='%s'", guest->name, id);
			return FALSE;
		}
		guest->id = (gint)n;
	}
	return TRUE;
}

static gboolean parse_memory(xmlNode *domain, VtierGuest *guest, GError **error)
{
	xmlNode *node = child(domain, "currentMemory");

	if (node == NULL)
		node = child(domain, "memory");
	if (node == NULL)
		return TRUE;
	if (!parse_scaled(node, &guest->memory_bytes, error)) {
		g_prefix_error(error, "domain %s: ", guest->name);
		return FALSE;
	}
	return TRUE;
}

/* Adds the cpuset @text (from @where) to @set; a bad cpuset is a warning. */
static void union_cpuset(GArray *set, const gchar *text, const gchar *where, GPtrArray *warnings)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GArray) parsed = NULL;

	if (text == NULL)
		return;
	parsed = vtier_cpuset_parse(text, &local);
	if (parsed == NULL) {
		add_warning(warnings, "ignoring %s: %s", where, local->message);
		return;
	}
	g_array_append_vals(set, parsed->data, parsed->len);
}

static void sort_unique(GArray *set)
{
	guint out = 0;

	g_array_sort(set, cmp_uint);
	for (guint i = 0; i < set->len; i++) {
		if (out > 0 && g_array_index(set, guint, out - 1) == g_array_index(set, guint, i))
			continue;
		g_array_index(set, guint, out++) = g_array_index(set, guint, i);
	}
	g_array_set_size(set, out);
}

static void parse_vcpus(xmlNode *domain, VtierGuest *guest, GPtrArray *warnings)
{
	xmlNode *vcpu = child(domain, "vcpu");
	xmlNode *cputune = child(domain, "cputune");
	g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autofree gchar *count = text(vcpu);
	g_autofree gchar *current = attr(vcpu, "current");
	g_autofree gchar *cpuset = attr(vcpu, "cpuset");
	guint64 n = 0;

	if (current != NULL && vtier_parse_u64(current, "vcpu", &n, NULL) && n <= G_MAXUINT)
		guest->n_vcpus = (guint)n;
	else if (count != NULL && vtier_parse_u64(count, "vcpu", &n, NULL) && n <= G_MAXUINT)
		guest->n_vcpus = (guint)n;
	union_cpuset(cpus, cpuset, "<vcpu cpuset>", warnings);
	for (xmlNode *n2 = cputune != NULL ? cputune->children : NULL; n2 != NULL; n2 = n2->next) {
		g_autofree gchar *set = NULL;

		if (!is_elem(n2, "vcpupin") && !is_elem(n2, "emulatorpin"))
			continue;
		set = attr(n2, "cpuset");
		union_cpuset(cpus, set, "<cputune> pinning", warnings);
	}
	sort_unique(cpus);
	if (cpus->len > 0)
		guest->vcpu_cpuset = vtier_cpuset_format(cpus);
}

/* A numatune nodeset decides where the guest's memory may live: one that does not parse is an
 * error naming it, not a guest silently planned as unbound. */
static gboolean union_nodeset(VtierGuest *guest, const gchar *text, const gchar *where,
			      GError **error)
{
	g_autoptr(GArray) parsed = NULL;

	if (text == NULL)
		return TRUE;
	parsed = vtier_cpuset_parse(text, error);
	if (parsed == NULL) {
		g_prefix_error(error, "domain %s: %s \"%s\": ", guest->name, where, text);
		return FALSE;
	}
	g_array_append_vals(guest->bound_nodes, parsed->data, parsed->len);
	return TRUE;
}

static gboolean parse_numatune(xmlNode *domain, VtierGuest *guest, GError **error)
{
	xmlNode *numatune = child(domain, "numatune");
	xmlNode *memory = child(numatune, "memory");

	if (memory != NULL) {
		g_autofree gchar *mode = attr(memory, "mode");

		guest->numatune_mode = mode != NULL ? g_steal_pointer(&mode) : g_strdup("strict");
		guest->numatune_nodeset = attr(memory, "nodeset");
		if (!union_nodeset(guest, guest->numatune_nodeset, "<numatune> nodeset", error))
			return FALSE;
	}
	for (xmlNode *n = numatune != NULL ? numatune->children : NULL; n != NULL; n = n->next) {
		g_autofree gchar *nodeset = NULL;

		if (!is_elem(n, "memnode"))
			continue;
		nodeset = attr(n, "nodeset");
		if (!union_nodeset(guest, nodeset, "<numatune><memnode> nodeset", error))
			return FALSE;
	}
	sort_unique(guest->bound_nodes);
	return TRUE;
}

static void parse_memory_backing(xmlNode *domain, VtierGuest *guest)
{
	xmlNode *mb = child(domain, "memoryBacking");
	xmlNode *cpu_numa = child(child(domain, "cpu"), "numa");

	if (mb != NULL) {
		guest->hugepages = child(mb, "hugepages") != NULL;
		guest->memory_locked = child(mb, "locked") != NULL;
		guest->memory_source = attr(child(mb, "source"), "type");
		guest->memory_access = attr(child(mb, "access"), "mode");
		guest->memory_allocation = attr(child(mb, "allocation"), "mode");
	}
	for (xmlNode *n = cpu_numa != NULL ? cpu_numa->children : NULL; n != NULL; n = n->next) {
		if (is_elem(n, "cell"))
			guest->n_numa_cells++;
	}
	/* PCI/MDEV passthrough pins the guest's memory for VFIO DMA */
	for (xmlNode *n = child(domain, "devices") != NULL ? child(domain, "devices")->children
							      : NULL;
	     n != NULL; n = n->next) {
		g_autofree gchar *type = is_elem(n, "hostdev") ? attr(n, "type") : NULL;

		if (g_strcmp0(type, "pci") == 0 || g_strcmp0(type, "mdev") == 0)
			guest->n_hostdevs++;
	}
	guest->resource_partition = text(child(child(domain, "resource"), "partition"));
}

/* ---- metadata ---- */

static gchar *serialize_element(xmlNode *node)
{
	g_autoptr(xmlDoc) doc = sym_xmlNewDoc((const xmlChar *)"1.0");
	g_autoptr(xmlBuffer) buf = sym_xmlBufferCreate();
	xmlNode *copy;

	/* copying into a document of its own re-declares the namespaces it uses on the copy */
	copy = sym_xmlDocCopyNode(node, doc, 1);
	if (copy == NULL || buf == NULL)
		return NULL;
	sym_xmlDocSetRootElement(doc, copy);
	if (sym_xmlNodeDump(buf, doc, copy, 0, 0) < 0)
		return NULL;
	return g_strdup((const gchar *)sym_xmlBufferContent(buf));
}

static const gchar *ns_href(xmlNode *node)
{
	return node->ns != NULL && node->ns->href != NULL ? (const gchar *)node->ns->href : NULL;
}

static xmlNode *find_policy(xmlNode *domain, GPtrArray *warnings)
{
	xmlNode *metadata = child(domain, "metadata");
	xmlNode *found = NULL;

	for (xmlNode *n = metadata != NULL ? metadata->children : NULL; n != NULL; n = n->next) {
		gboolean ours;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		ours = g_strcmp0(ns_href(n), VTIER_POLICY_XMLNS) == 0;
		if (ours && g_strcmp0((const gchar *)n->name, VTIER_POLICY_ELEMENT) == 0) {
			if (found != NULL)
				add_warning(warnings, "ignoring a second <policy> element in "
						      "namespace " VTIER_POLICY_XMLNS);
			else
				found = n;
		} else if (ours) {
			add_warning(warnings, "ignoring <%s> in namespace %s: vtier reads only "
					      "<" VTIER_POLICY_ELEMENT ">",
				    n->name, VTIER_POLICY_XMLNS);
		} else if (g_strcmp0((const gchar *)n->name, VTIER_POLICY_ELEMENT) == 0) {
			add_warning(warnings, "ignoring <policy> in namespace %s: vtier's policy "
					      "must be in namespace " VTIER_POLICY_XMLNS,
				    ns_href(n) != NULL ? ns_href(n) : "(none)");
		}
	}
	return found;
}

static void parse_metadata(xmlNode *domain, VtierGuest *guest, GPtrArray *warnings)
{
	xmlNode *policy = find_policy(domain, warnings);

	if (policy != NULL)
		guest->policy_xml = serialize_element(policy);
}

/* <domain>, or the <domain> inside libvirt's status XML (<domstatus pid='N'>). */
static xmlNode *domain_element(xmlDoc *doc, gint *ret_pid, GError **error)
{
	xmlNode *root = sym_xmlDocGetRootElement(doc);

	*ret_pid = 0;
	if (is_elem(root, "domstatus")) {
		g_autofree gchar *pid = attr(root, "pid");
		guint64 n;

		if (pid != NULL && vtier_parse_u64(pid, "pid", &n, NULL) && n <= G_MAXINT)
			*ret_pid = (gint)n;
		root = child(root, "domain");
	}
	if (!is_elem(root, "domain")) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_PARSE,
			    "not a libvirt domain XML: the root element is <%s>, not <domain>",
			    root != NULL ? (const gchar *)root->name : "(none)");
		return NULL;
	}
	return root;
}

VtierGuest *vtier_domain_xml_parse(const gchar *xml, gsize len, GPtrArray *warnings,
				   GError **error)
{
	g_autoptr(xmlDoc) doc = parse_document(xml, len, error);
	g_autoptr(VtierGuest) guest = vtier_guest_new(VTIER_GUEST_SOURCE_LIBVIRT);
	xmlNode *domain;

	if (doc == NULL)
		return NULL;
	domain = domain_element(doc, &guest->pid, error);
	if (domain == NULL || !parse_identity(domain, guest, error) ||
	    !parse_memory(domain, guest, error))
		return NULL;
	parse_vcpus(domain, guest, warnings);
	if (!parse_numatune(domain, guest, error))
		return NULL;
	parse_memory_backing(domain, guest);
	parse_metadata(domain, guest, warnings);
	return g_steal_pointer(&guest);
}

gboolean vtier_domain_xml_get_policy(const gchar *xml, gsize len, gchar **ret_policy_xml,
				     GPtrArray *warnings, GError **error)
{
	g_autoptr(xmlDoc) doc = parse_document(xml, len, error);
	xmlNode *domain;
	xmlNode *policy;
	gint pid;

	if (doc == NULL)
		return FALSE;
	domain = domain_element(doc, &pid, error);
	if (domain == NULL)
		return FALSE;
	policy = find_policy(domain, warnings);
	*ret_policy_xml = policy != NULL ? serialize_element(policy) : NULL;
	return TRUE;
}

gboolean vtier_domain_xml_check_policy_element(const gchar *xml, gsize len, GError **error)
{
	g_autoptr(xmlDoc) doc = parse_document(xml, len, error);
	xmlNode *root;

	if (doc == NULL)
		return FALSE;
	root = sym_xmlDocGetRootElement(doc);
	if (g_strcmp0((const gchar *)root->name, VTIER_POLICY_ELEMENT) != 0 ||
	    (ns_href(root) != NULL && g_strcmp0(ns_href(root), VTIER_POLICY_XMLNS) != 0)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "expected one <" VTIER_POLICY_ELEMENT "> element without a namespace or "
			    "in " VTIER_POLICY_XMLNS ", got <%s> in namespace %s",
			    root->name, ns_href(root) != NULL ? ns_href(root) : "(none)");
		return FALSE;
	}
	return TRUE;
}

/* Puts @node and its un-namespaced descendants into @ns. */
static void set_namespace(xmlNode *node, xmlNs *ns)
{
	for (xmlNode *n = node; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->ns == NULL)
			sym_xmlSetNs(n, ns);
		set_namespace(n->children, ns);
	}
}

gchar *vtier_domain_xml_policy_normalize(const gchar *xml, gsize len, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root;

	if (!vtier_domain_xml_check_policy_element(xml, len, error))
		return NULL;
	doc = parse_document(xml, len, error);
	root = sym_xmlDocGetRootElement(doc);
	if (root->ns == NULL) {
		xmlNs *ns = sym_xmlNewNs(root, (const xmlChar *)VTIER_POLICY_XMLNS,
					 (const xmlChar *)VTIER_POLICY_PREFIX);

		/* depth is bounded by parse_document(), so the recursion is too */
		set_namespace(root, ns);
	}
	return serialize_element(root);
}
