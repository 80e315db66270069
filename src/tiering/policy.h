/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* A guest's tiering policy: the XML element in the domain's <metadata> (see vtier-policy(5)),
 * parsed into a plain record, merged with an optional named template and the host default. */
#define VTIER_POLICY_NAMESPACE "https://vtier.dev/xmlns/policy/1.0"
/* The largest policy text vtier parses (a policy is a few hundred bytes). */
#define VTIER_POLICY_MAX_XML_BYTES (64 * 1024)

typedef enum {
	VTIER_POLICY_MODE_RATIO,
	VTIER_POLICY_MODE_ALLOWANCE,
	VTIER_POLICY_MODE_HOT_SPLIT,
	VTIER_POLICY_MODE_INTERLEAVE,
	VTIER_POLICY_MODE_PIN_FAST,
	VTIER_POLICY_MODE_PIN_SLOW,
	VTIER_POLICY_MODE_MONITOR,
	VTIER_POLICY_MODE_OFF,
	VTIER_POLICY_MODE_LAST
} VtierPolicyMode;

/* Who sets the byte budgets of the migrating schemes: vtier's controller (default) or DAMON's
 * in-kernel quota goals. */
typedef enum {
	VTIER_POLICY_TUNER_VTIER,
	VTIER_POLICY_TUNER_KERNEL,
	VTIER_POLICY_TUNER_LAST
} VtierPolicyTuner;

/* Which fields a layer (domain, template) sets explicitly. */
typedef enum {
	VTIER_POLICY_FIELD_MODE = 1 << 0,
	VTIER_POLICY_FIELD_FAST_RATIO = 1 << 1,
	VTIER_POLICY_FIELD_FAST_SIZE = 1 << 2,
	VTIER_POLICY_FIELD_MAX_RATE = 1 << 3,
	VTIER_POLICY_FIELD_TUNER = 1 << 4,
	VTIER_POLICY_FIELD_HOT_THRESHOLD = 1 << 5,
	VTIER_POLICY_FIELD_COLD_AGE = 1 << 6,
	VTIER_POLICY_FIELD_PRIORITY = 1 << 7,
} VtierPolicyField;

/* Built-in defaults (also spelled out in policies/default.xml; a test keeps them equal). */
#define VTIER_POLICY_DEFAULT_FAST_RATIO_BP 5000
#define VTIER_POLICY_DEFAULT_MAX_RATE (G_GUINT64_CONSTANT(256) << 20)
#define VTIER_POLICY_DEFAULT_HOT_THRESHOLD_BP 500
#define VTIER_POLICY_DEFAULT_COLD_AGE_MS 10000
#define VTIER_POLICY_DEFAULT_PRIORITY 50
/* Bounds every policy must respect. */
#define VTIER_POLICY_MIN_RATE (G_GUINT64_CONSTANT(1) << 20)
#define VTIER_POLICY_MAX_RATE (G_GUINT64_CONSTANT(64) << 30)
#define VTIER_POLICY_MIN_COLD_AGE_MS 100
#define VTIER_POLICY_MAX_COLD_AGE_MS (24 * 3600 * 1000)
#define VTIER_POLICY_MAX_PRIORITY 100

typedef struct {
	guint fields;		/* VtierPolicyField bits this layer sets */
	VtierPolicyMode mode;
	guint fast_ratio_bp;	/* share of the guest's memory in its fast node, 0..10000 */
	guint64 fast_size;	/* allowance: bytes of fast memory at most */
	guint64 max_rate;	/* migration cap, bytes per second, per migrating scheme */
	VtierPolicyTuner tuner;
	guint hot_threshold_bp; /* hot = accessed in at least this share of samples */
	guint64 cold_age_ms;	/* cold = not accessed for at least this long */
	guint priority;		/* 0..100, higher wins fast memory when the fast node is short */
	gchar *template_name;	/* the template="" this layer names, or NULL */
	gchar *origin;		/* what decided the mode: "domain", "template NAME", "host default" */
} VtierPolicy;

const gchar *vtier_policy_mode_to_string(VtierPolicyMode mode);
gboolean vtier_policy_mode_from_string(const gchar *text, VtierPolicyMode *ret_mode);
/* "ratio, allowance, ..." for messages. */
const gchar *vtier_policy_mode_allowed(void);
const gchar *vtier_policy_tuner_to_string(VtierPolicyTuner tuner);
gboolean vtier_policy_tuner_from_string(const gchar *text, VtierPolicyTuner *ret_tuner);

/* The built-in policy in @mode (every field at its default, fields = 0). */
VtierPolicy *vtier_policy_new_default(VtierPolicyMode mode);
VtierPolicy *vtier_policy_copy(const VtierPolicy *policy);
void vtier_policy_free(VtierPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierPolicy, vtier_policy_free)

/* Copies every field @layer sets onto @base (and adds it to base->fields). */
void vtier_policy_overlay(VtierPolicy *base, const VtierPolicy *layer);
/* Checks a merged policy against the guest (@memory_bytes 0 = unknown size, not checked):
 * allowance needs a size, the size fits the guest. Messages name @guest. */
gboolean vtier_policy_validate(const VtierPolicy *policy, const gchar *guest, guint64 memory_bytes,
			       GError **error);
gboolean vtier_policy_equal(const VtierPolicy *a, const VtierPolicy *b);

/* The policy as an XML element in vtier's namespace, every field it sets (or every field when
 * @all), e.g. for `vtierctl policy show`. */
gchar *vtier_policy_to_xml(const VtierPolicy *policy, gboolean all);
JsonNode *vtier_policy_to_json(const VtierPolicy *policy);

/* The schema and the named templates of one directory (policies/ in the source tree, installed as
 * $(pkgdatadir)/policies). */
typedef struct _VtierPolicyStore VtierPolicyStore;

/* $VTIER_POLICY_DIR when set (uninstalled runs, tests), else the installed directory. */
const gchar *vtier_policy_dir_default(void);
/* Loads @dir/vtier-policy.rng and every @dir/NAME.xml template (NULL: the default dir). A
 * template that does not parse is kept as an error returned to whoever names it. */
VtierPolicyStore *vtier_policy_store_new(const gchar *dir, GError **error);
void vtier_policy_store_free(VtierPolicyStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtierPolicyStore, vtier_policy_store_free)
/* Sorted template names. */
GStrv vtier_policy_store_list_templates(const VtierPolicyStore *store);
/* Sorted names of the templates that did not load, and why one did not (NULL: it loaded). */
GStrv vtier_policy_store_list_broken_templates(const VtierPolicyStore *store);
const gchar *vtier_policy_store_template_error(const VtierPolicyStore *store, const gchar *name);
/* The template as parsed (one layer), or NULL + error naming @guest and the known templates. */
const VtierPolicy *vtier_policy_store_lookup(const VtierPolicyStore *store, const gchar *name,
					     const gchar *guest, GError **error);

/* Parses one policy element (the text libvirt returns for vtier's metadata namespace) into one
 * layer: only what it sets. Safe parsing: no DTD, entities or network, at most
 * VTIER_POLICY_MAX_XML_BYTES; checked by the code and by the RELAX NG schema. */
VtierPolicy *vtier_policy_parse(const VtierPolicyStore *store, const gchar *guest,
				const gchar *xml, GError **error);
/* The policy a guest runs under: domain (@xml, may be NULL) > its template > host default
 * (@default_mode from vtierd.conf), validated against the guest's size. */
VtierPolicy *vtier_policy_resolve(const VtierPolicyStore *store, const gchar *guest,
				  guint64 memory_bytes, const gchar *xml,
				  VtierPolicyMode default_mode, GError **error);
