/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-policy"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "tiering/policy-units.h"

typedef struct {
	const gchar *suffix;  /* lower case */
	const gchar *spelled; /* as messages list it; NULL: not listed (no unit) */
	guint64 scale;
} UnitScale;

#define KI G_GUINT64_CONSTANT(1024)
#define KD G_GUINT64_CONSTANT(1000)

static const UnitScale size_units[] = {
	{ "", NULL, 1 },
	{ "b", "B", 1 },
	{ "byte", "byte", 1 },
	{ "bytes", "bytes", 1 },
	{ "k", "K", KI },
	{ "kib", "KiB", KI },
	{ "kb", "KB", KD },
	{ "m", "M", KI * KI },
	{ "mib", "MiB", KI * KI },
	{ "mb", "MB", KD * KD },
	{ "g", "G", KI * KI * KI },
	{ "gib", "GiB", KI * KI * KI },
	{ "gb", "GB", KD * KD * KD },
	{ "t", "T", KI * KI * KI * KI },
	{ "tib", "TiB", KI * KI * KI * KI },
	{ "tb", "TB", KD * KD * KD * KD },
	{ "p", "P", KI * KI * KI * KI * KI },
	{ "pib", "PiB", KI * KI * KI * KI * KI },
	{ "pb", "PB", KD * KD * KD * KD * KD },
	{ "e", "E", KI * KI * KI * KI * KI * KI },
	{ "eib", "EiB", KI * KI * KI * KI * KI * KI },
	{ "eb", "EB", KD * KD * KD * KD * KD * KD },
};

static const UnitScale duration_units[] = {
	{ "", NULL, 1000 },	{ "ms", "ms", 1 },	   { "s", "s", 1000 },
	{ "sec", "sec", 1000 }, { "min", "min", 60000 }, { "h", "h", 3600000 },
};

/* Every spelling of @units, as the "(allowed: ...)" of a message: the table is the list. */
static gchar *allowed_units(const UnitScale *units, gsize n_units)
{
	g_autoptr(GString) out = g_string_new(NULL);

	for (gsize i = 0; i < n_units; i++) {
		if (units[i].spelled != NULL)
			g_string_append_printf(out, "%s%s", out->len > 0 ? ", " : "",
					       units[i].spelled);
	}
	g_string_append(out, ", in any case");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Splits "123 unit" into the number and the lower-cased unit. */
static gboolean split_number(const gchar *text, guint64 *ret_number, gchar **ret_unit,
			     GError **error)
{
	const gchar *p = text;
	gchar *end = NULL;
	guint64 value;

	if (text == NULL || !g_ascii_isdigit(*p)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "\"%s\" does not start with a number", text ? text : "");
		return FALSE;
	}
	errno = 0;
	value = g_ascii_strtoull(p, &end, 10);
	if (errno == ERANGE) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "\"%s\" is too large", text);
		return FALSE;
	}
	if (*end == ' ')
		end++;
	*ret_number = value;
	*ret_unit = g_ascii_strdown(end, -1);
	return TRUE;
}

static gboolean scale_number(const gchar *text, const UnitScale *units, gsize n_units,
			     guint64 *ret_value, GError **error)
{
	g_autofree gchar *unit = NULL;
	g_autofree gchar *allowed = NULL;
	guint64 number;

	if (!split_number(text, &number, &unit, error))
		return FALSE;
	for (gsize i = 0; i < n_units; i++) {
		if (strcmp(unit, units[i].suffix) != 0)
			continue;
		if (number > G_MAXUINT64 / units[i].scale) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "\"%s\" is too large", text);
			return FALSE;
		}
		*ret_value = number * units[i].scale;
		return TRUE;
	}
	allowed = allowed_units(units, n_units);
	g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
		    "\"%s\" has an unknown unit (allowed: %s)", text, allowed);
	return FALSE;
}

/* Whether @text ends its number without a unit ("4096", "4096 "). */
static gboolean has_no_unit(const gchar *text)
{
	const gchar *p = text;

	while (g_ascii_isdigit(*p))
		p++;
	return *p == '\0' || (*p == ' ' && p[1] == '\0');
}

gboolean vtier_policy_parse_size(const gchar *text, guint64 *ret_bytes, GError **error)
{
	guint64 bytes = 0;

	if (!scale_number(text, size_units, G_N_ELEMENTS(size_units), &bytes, error))
		return FALSE;
	/* a bare number would be a guess: bytes, or KiB as in libvirt's <memory> */
	if (bytes != 0 && has_no_unit(text)) {
		g_autofree gchar *allowed = allowed_units(size_units, G_N_ELEMENTS(size_units));

		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "\"%s\" needs a unit (allowed: %s)", text, allowed);
		return FALSE;
	}
	*ret_bytes = bytes;
	return TRUE;
}

gboolean vtier_policy_parse_rate(const gchar *text, guint64 *ret_bytes_per_second, GError **error)
{
	g_autofree gchar *size = NULL;

	if (text == NULL || !g_str_has_suffix(text, "/s")) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "\"%s\" is not a rate (a size per second, e.g. 256MiB/s)",
			    text ? text : "");
		return FALSE;
	}
	size = g_strndup(text, strlen(text) - 2);
	return vtier_policy_parse_size(size, ret_bytes_per_second, error);
}

gboolean vtier_policy_parse_percent(const gchar *text, guint *ret_bp, GError **error)
{
	g_autofree gchar *unit = NULL;
	guint64 whole;
	guint frac = 0;
	const gchar *p;
	guint digits = 0;

	if (!split_number(text, &whole, &unit, error))
		return FALSE;
	p = unit;
	if (*p == '.') {
		for (p++; g_ascii_isdigit(*p) && digits < 2; p++, digits++)
			frac = frac * 10 + (guint)(*p - '0');
		if (digits == 0 || g_ascii_isdigit(*p)) {
			g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
				    "\"%s\" is not a percentage with at most two decimals", text);
			return FALSE;
		}
		if (digits == 1)
			frac *= 10;
	}
	if (strcmp(p, "%") != 0) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "\"%s\" is not a percentage (a number followed by %%)", text);
		return FALSE;
	}
	if (whole > 100 || (whole == 100 && frac > 0)) {
		g_set_error(error, VTIER_ERROR, VTIER_ERROR_INVALID_ARGUMENT,
			    "\"%s\" is outside 0%%..100%%", text);
		return FALSE;
	}
	*ret_bp = (guint)whole * 100 + frac;
	return TRUE;
}

gboolean vtier_policy_parse_duration(const gchar *text, guint64 *ret_ms, GError **error)
{
	return scale_number(text, duration_units, G_N_ELEMENTS(duration_units), ret_ms, error);
}

gchar *vtier_policy_format_size(guint64 bytes)
{
	static const gchar *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	guint i = 0;

	while (i + 1 < G_N_ELEMENTS(names) && bytes != 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	return g_strdup_printf("%" G_GUINT64_FORMAT "%s", bytes, names[i]);
}

gchar *vtier_policy_format_rate(guint64 bytes_per_second)
{
	g_autofree gchar *size = vtier_policy_format_size(bytes_per_second);

	return g_strdup_printf("%s/s", size);
}

gchar *vtier_policy_format_percent(guint bp)
{
	if (bp % 100 == 0)
		return g_strdup_printf("%u%%", bp / 100);
	if (bp % 10 == 0)
		return g_strdup_printf("%u.%u%%", bp / 100, (bp % 100) / 10);
	return g_strdup_printf("%u.%02u%%", bp / 100, bp % 100);
}

gchar *vtier_policy_format_duration(guint64 ms)
{
	if (ms != 0 && ms % 3600000 == 0)
		return g_strdup_printf("%" G_GUINT64_FORMAT "h", ms / 3600000);
	if (ms != 0 && ms % 60000 == 0)
		return g_strdup_printf("%" G_GUINT64_FORMAT "min", ms / 60000);
	if (ms % 1000 == 0)
		return g_strdup_printf("%" G_GUINT64_FORMAT "s", ms / 1000);
	return g_strdup_printf("%" G_GUINT64_FORMAT "ms", ms);
}
