/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libxml/relaxng.h>

#include "tiering/policy.h"

/* Shared by policy-xml.c (parsing) and policy-store.c (schema and templates). */
struct _VtierPolicyStore {
	gchar *dir;
	xmlRelaxNGPtr schema;
	GHashTable *templates;	     /* name -> VtierPolicy */
	GHashTable *template_errors; /* name -> message */
};

/* @subject names what is parsed in messages ("guest \"vm1\""); @origin becomes policy->origin. */
VtierPolicy *vtier_policy_parse_subject(const VtierPolicyStore *store, const gchar *subject,
					const gchar *origin, const gchar *xml, GError **error);
gboolean vtier_policy_is_template_name(const gchar *name);
