/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-policy"

#include "config.h"

#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/libxml-dl.h"
#include "tiering/policy-units.h"
#include "tiering/policy-private.h"
#include "tiering/policy.h"

/* Parsing a policy element: a hand-written walker gives the precise messages (guest, element,
 * attribute, allowed values); the RELAX NG schema then checks the same text, so the schema users
 * see (`xmllint --relaxng`) and the code can never disagree silently. */


typedef struct {
	const gchar *subject; /* "guest \"vm1\"" or "template \"balanced\"" */
	VtierPolicy *policy;
	guint seen;	      /* child elements already seen, bit per ChildKind */
} ParseState;

static gboolean fail(GError **error, const ParseState *st, const gchar *format, ...)
	G_GNUC_PRINTF(3, 4);

static gboolean fail(GError **error, const ParseState *st, const gchar *format, ...)
{
	g_autofree gchar *message = NULL;
	va_list args;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT, "%s: %s", st->subject,
		    message);
	return FALSE;
}

gboolean vtier_policy_is_template_name(const gchar *name)
{
	if (name == NULL || !g_ascii_isalnum(name[0]) || strlen(name) > 64)
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			return FALSE;
	}
	return TRUE;
}

/* One attribute value through one of the unit parsers, with the full message on failure. */
typedef gboolean (*ValueParser)(const gchar *text, guint64 *ret, GError **error);

static gboolean parse_percent_u64(const gchar *text, guint64 *ret, GError **error)
{
	guint bp = 0;

	if (!vtier_policy_parse_percent(text, &bp, error))
		return FALSE;
	*ret = bp;
	return TRUE;
}

static gboolean parse_plain_u64(const gchar *text, guint64 *ret, GError **error)
{
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isdigit(*p)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "\"%s\" is not a whole number", text);
			return FALSE;
		}
	}
	return vtier_parse_u64(text, "value", ret, error);
}

typedef struct {
	const gchar *element;
	const gchar *attribute;
	ValueParser parse;
	guint64 min, max;
	const gchar *allowed;
	VtierPolicyField field;
} AttrSpec;

static const AttrSpec attr_specs[] = {
	{ "fast", "ratio", parse_percent_u64, 0, 10000, "a percentage from 0% to 100%, e.g. 60%",
	  VTIER_POLICY_FIELD_FAST_RATIO },
	{ "fast", "size", vtier_policy_parse_size, 0, G_MAXUINT64,
	  "a size up to the guest's memory, e.g. 8GiB",
	  VTIER_POLICY_FIELD_FAST_SIZE },
	{ "migration", "max-rate", vtier_policy_parse_rate, VTIER_POLICY_MIN_RATE,
	  VTIER_POLICY_MAX_RATE, "a rate from 1MiB/s to 64GiB/s, e.g. 256MiB/s",
	  VTIER_POLICY_FIELD_MAX_RATE },
	{ "hot", "threshold", parse_percent_u64, 1, 10000,
	  "a percentage of samples above 0% up to 100%, e.g. 5%", VTIER_POLICY_FIELD_HOT_THRESHOLD },
	{ "cold", "age", vtier_policy_parse_duration, VTIER_POLICY_MIN_COLD_AGE_MS,
	  VTIER_POLICY_MAX_COLD_AGE_MS, "a duration from 100ms to 24h, e.g. 10s",
	  VTIER_POLICY_FIELD_COLD_AGE },
	{ "priority", "value", parse_plain_u64, 0, VTIER_POLICY_MAX_PRIORITY,
	  "a whole number from 0 to 100", VTIER_POLICY_FIELD_PRIORITY },
};

static void store_value(VtierPolicy *policy, VtierPolicyField field, guint64 value)
{
	switch (field) {
	case VTIER_POLICY_FIELD_FAST_RATIO:
		policy->fast_ratio_bp = (guint)value;
		break;
	case VTIER_POLICY_FIELD_FAST_SIZE:
		policy->fast_size = value;
		break;
	case VTIER_POLICY_FIELD_MAX_RATE:
		policy->max_rate = value;
		break;
	case VTIER_POLICY_FIELD_HOT_THRESHOLD:
		policy->hot_threshold_bp = (guint)value;
		break;
	case VTIER_POLICY_FIELD_COLD_AGE:
		policy->cold_age_ms = value;
		break;
	case VTIER_POLICY_FIELD_PRIORITY:
		policy->priority = (guint)value;
		break;
	default:
		g_assert_not_reached();
	}
	policy->fields |= field;
}

static gboolean parse_attr_value(ParseState *st, const AttrSpec *spec, const gchar *value,
				 GError **error)
{
	g_autoptr(GError) reason = NULL;
	guint64 parsed = 0;

	/* one "(allowed: ...)" per message: the unit parsers' own, when they list the units */
	if (!spec->parse(value, &parsed, &reason) && strstr(reason->message, "(allowed: ") != NULL)
		return fail(error, st, "policy element <%s> attribute \"%s\": %s", spec->element,
			    spec->attribute, reason->message);
	if (reason != NULL)
		return fail(error, st, "policy element <%s> attribute \"%s\": %s (allowed: %s)",
			    spec->element, spec->attribute, reason->message, spec->allowed);
	if (parsed < spec->min || parsed > spec->max)
		return fail(error, st,
			    "policy element <%s> attribute \"%s\": \"%s\" is out of range "
			    "(allowed: %s)",
			    spec->element, spec->attribute, value, spec->allowed);
	store_value(st->policy, spec->field, parsed);
	return TRUE;
}

static const AttrSpec *find_spec(const gchar *element, const gchar *attribute)
{
	for (gsize i = 0; i < G_N_ELEMENTS(attr_specs); i++) {
		if (strcmp(attr_specs[i].element, element) == 0 &&
		    strcmp(attr_specs[i].attribute, attribute) == 0)
			return &attr_specs[i];
	}
	return NULL;
}

static gchar *allowed_attributes(const gchar *element)
{
	GString *out = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(attr_specs); i++) {
		if (strcmp(attr_specs[i].element, element) != 0)
			continue;
		g_string_append_printf(out, "%s%s", out->len ? ", " : "",
				       attr_specs[i].attribute);
	}
	if (strcmp(element, "migration") == 0)
		g_string_append(out, ", tuner");
	return g_string_free(out, FALSE);
}

static gboolean check_attr_namespace(ParseState *st, const gchar *element, xmlAttrPtr attr,
				     GError **error)
{
	if (attr->ns == NULL)
		return TRUE;
	return fail(error, st,
		    "policy element <%s> attribute \"%s\" is in the foreign namespace \"%s\" "
		    "(allowed: attributes without a namespace)",
		    element, (const gchar *)attr->name, (const gchar *)attr->ns->href);
}

static gboolean parse_tuner(ParseState *st, const gchar *value, GError **error)
{
	if (!vtier_policy_tuner_from_string(value, &st->policy->tuner))
		return fail(error, st,
			    "policy element <migration> attribute \"tuner\": \"%s\" is not a "
			    "tuner (allowed: vtier, kernel)",
			    value);
	st->policy->fields |= VTIER_POLICY_FIELD_TUNER;
	return TRUE;
}

static gboolean parse_child_attrs(ParseState *st, xmlNodePtr node, GError **error)
{
	const gchar *element = (const gchar *)node->name;
	guint n = 0;

	for (xmlAttrPtr attr = node->properties; attr != NULL; attr = attr->next, n++) {
		const gchar *name = (const gchar *)attr->name;
		g_autofree gchar *value = (gchar *)sym_xmlNodeGetContent((xmlNodePtr)attr);
		const AttrSpec *spec = find_spec(element, name);

		if (!check_attr_namespace(st, element, attr, error))
			return FALSE;
		if (strcmp(element, "migration") == 0 && strcmp(name, "tuner") == 0) {
			if (!parse_tuner(st, value, error))
				return FALSE;
			continue;
		}
		if (spec == NULL) {
			g_autofree gchar *allowed = allowed_attributes(element);

			return fail(error, st,
				    "policy element <%s> has an unknown attribute \"%s\" "
				    "(allowed: %s)",
				    element, name, allowed);
		}
		if (!parse_attr_value(st, spec, value, error))
			return FALSE;
	}
	if (n == 0) {
		g_autofree gchar *allowed = allowed_attributes(element);

		return fail(error, st, "policy element <%s> sets nothing (allowed attributes: %s)",
			    element, allowed);
	}
	if (strcmp(element, "fast") == 0 && n > 1)
		return fail(error, st,
			    "policy element <fast> sets both \"ratio\" and \"size\" (allowed: "
			    "one of them)");
	return TRUE;
}

static const gchar *const child_names[] = { "fast", "migration", "hot", "cold", "priority" };

static gboolean check_namespace(ParseState *st, xmlNodePtr node, gboolean root, GError **error)
{
	const gchar *href = node->ns ? (const gchar *)node->ns->href : NULL;

	if (g_strcmp0(href, VTIER_POLICY_NAMESPACE) == 0 || (!root && href == NULL))
		return TRUE;
	if (href == NULL)
		return fail(error, st,
			    "policy element <%s> has no namespace (allowed: "
			    "xmlns=\"" VTIER_POLICY_NAMESPACE "\")",
			    (const gchar *)node->name);
	return fail(error, st,
		    "policy element <%s> is in the foreign namespace \"%s\" (allowed: "
		    "\"" VTIER_POLICY_NAMESPACE "\"%s)",
		    (const gchar *)node->name, href, root ? "" : " or none");
}

static gboolean parse_child(ParseState *st, xmlNodePtr node, GError **error)
{
	const gchar *name = (const gchar *)node->name;
	guint kind = G_N_ELEMENTS(child_names);

	if (!check_namespace(st, node, FALSE, error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(child_names); i++) {
		if (strcmp(name, child_names[i]) == 0)
			kind = i;
	}
	if (kind == G_N_ELEMENTS(child_names))
		return fail(error, st,
			    "policy has an unknown element <%s> (allowed: fast, migration, hot, "
			    "cold, priority)",
			    name);
	if (st->seen & (1u << kind))
		return fail(error, st,
			    "policy element <%s> appears twice (allowed: each element at most "
			    "once)",
			    name);
	st->seen |= 1u << kind;
	if (node->children != NULL)
		return fail(error, st, "policy element <%s> has content (allowed: empty element)",
			    name);
	return parse_child_attrs(st, node, error);
}

static gboolean parse_root_attrs(ParseState *st, xmlNodePtr root, GError **error)
{
	for (xmlAttrPtr attr = root->properties; attr != NULL; attr = attr->next) {
		const gchar *name = (const gchar *)attr->name;
		g_autofree gchar *value = (gchar *)sym_xmlNodeGetContent((xmlNodePtr)attr);

		if (!check_attr_namespace(st, "policy", attr, error))
			return FALSE;
		if (strcmp(name, "mode") == 0) {
			if (!vtier_policy_mode_from_string(value, &st->policy->mode))
				return fail(error, st,
					    "policy element <policy> attribute \"mode\": \"%s\" is "
					    "not a mode (allowed: %s)",
					    value, vtier_policy_mode_allowed());
			st->policy->fields |= VTIER_POLICY_FIELD_MODE;
		} else if (strcmp(name, "template") == 0) {
			if (!vtier_policy_is_template_name(value))
				return fail(error, st,
					    "policy element <policy> attribute \"template\": "
					    "\"%s\" is not a template name (allowed: letters, "
					    "digits, - and _)",
					    value);
			st->policy->template_name = g_strdup(value);
		} else {
			return fail(error, st,
				    "policy element <policy> has an unknown attribute \"%s\" "
				    "(allowed: mode, template)",
				    name);
		}
	}
	return TRUE;
}

static gboolean parse_root(ParseState *st, xmlNodePtr root, GError **error)
{
	if (strcmp((const gchar *)root->name, "policy") != 0)
		return fail(error, st, "the policy element is <%s> (allowed: <policy>)",
			    (const gchar *)root->name);
	if (!check_namespace(st, root, TRUE, error) || !parse_root_attrs(st, root, error))
		return FALSE;
	for (xmlNodePtr node = root->children; node != NULL; node = node->next) {
		if (node->type == XML_ELEMENT_NODE) {
			if (!parse_child(st, node, error))
				return FALSE;
		} else if (node->type == XML_TEXT_NODE) {
			if (!sym_xmlIsBlankNode(node))
				return fail(error, st,
					    "policy element <policy> contains text (allowed: "
					    "child elements only)");
		} else if (node->type != XML_COMMENT_NODE) {
			return fail(error, st,
				    "policy element <policy> contains unsupported XML content "
				    "(allowed: child elements and comments)");
		}
	}
	return TRUE;
}

/* Parses without DTDs, entities or network; refuses what a policy never needs up front. */
static xmlDoc *read_safely(ParseState *st, const gchar *xml, GError **error)
{
	g_autoptr(xmlParserCtxt) ctxt = NULL;
	xmlDocPtr doc;
	gsize len = strlen(xml);

	if (len > VTIER_POLICY_MAX_XML_BYTES) {
		fail(error, st, "policy is %" G_GSIZE_FORMAT " bytes (allowed: at most %d)", len,
		     VTIER_POLICY_MAX_XML_BYTES);
		return NULL;
	}
	if (strstr(xml, "<!DOCTYPE") != NULL || strstr(xml, "<!ENTITY") != NULL) {
		fail(error, st, "policy has a DTD or entity declaration (allowed: none)");
		return NULL;
	}
	if (!vtier_libxml_load(error))
		return NULL;
	ctxt = sym_xmlNewParserCtxt();
	doc = sym_xmlCtxtReadMemory(ctxt, xml, (int)len, "policy.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		xmlErrorPtr err = sym_xmlCtxtGetLastError(ctxt);
		g_autofree gchar *what = g_strstrip(g_strdup(err && err->message ? err->message
									   : "unknown error"));

		fail(error, st, "policy is not well-formed XML: line %d: %s", err ? err->line : 0,
		     what);
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL ||
	    sym_xmlDocGetRootElement(doc) == NULL) {
		fail(error, st, "policy has a DTD or no element (allowed: one <policy> element)");
		sym_xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static void collect_rng_error(void *data, xmlErrorPtr err)
{
	GString *out = data;

	if (out->len > 0)
		return; /* the first error is the one that explains the rest */
	g_string_append_printf(out, "line %d: %s", err->line, err->message ? err->message : "");
	g_strchomp(out->str);
	out->len = strlen(out->str);
}

static gboolean validate_schema(const VtierPolicyStore *store, ParseState *st, xmlDoc *doc,
				GError **error)
{
	g_autoptr(xmlRelaxNGValidCtxt) vctxt = sym_xmlRelaxNGNewValidCtxt(store->schema);
	g_autoptr(GString) messages = g_string_new(NULL);

	sym_xmlRelaxNGSetValidStructuredErrors(vctxt, collect_rng_error, messages);
	if (sym_xmlRelaxNGValidateDoc(vctxt, doc) == 0)
		return TRUE;
	return fail(error, st, "policy does not match %s/vtier-policy.rng: %s", store->dir,
		    messages->str);
}

VtierPolicy *vtier_policy_parse_subject(const VtierPolicyStore *store, const gchar *subject,
				  const gchar *origin, const gchar *xml, GError **error)
{
	g_autoptr(VtierPolicy) policy = g_new0(VtierPolicy, 1);
	ParseState st = { .subject = subject, .policy = policy };
	g_autoptr(xmlDoc) doc = NULL;

	*policy = (VtierPolicy){ 0 };
	policy->origin = g_strdup(origin);
	policy->fast_ratio_bp = VTIER_POLICY_DEFAULT_FAST_RATIO_BP;
	policy->max_rate = VTIER_POLICY_DEFAULT_MAX_RATE;
	policy->hot_threshold_bp = VTIER_POLICY_DEFAULT_HOT_THRESHOLD_BP;
	policy->cold_age_ms = VTIER_POLICY_DEFAULT_COLD_AGE_MS;
	policy->priority = VTIER_POLICY_DEFAULT_PRIORITY;
	doc = read_safely(&st, xml, error);
	if (doc == NULL)
		return NULL;
	if (!parse_root(&st, sym_xmlDocGetRootElement(doc), error))
		return NULL;
	if (!validate_schema(store, &st, doc, error))
		return NULL;
	return g_steal_pointer(&policy);
}

VtierPolicy *vtier_policy_parse(const VtierPolicyStore *store, const gchar *guest,
				const gchar *xml, GError **error)
{
	g_autofree gchar *subject = g_strdup_printf("guest \"%s\"", guest);

	return vtier_policy_parse_subject(store, subject, "domain", xml, error);
}
