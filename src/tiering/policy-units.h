/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Values of policy attributes, spelled like libvirt spells its units: sizes with a unit
 * (b/bytes, KB/MB/GB/TB/PB/EB = powers of 1000, K/KiB, M/MiB, G/GiB, T/TiB, P/PiB, E/EiB = powers
 * of 1024, case-insensitive; a bare number other than 0 is refused, since it could mean bytes or,
 * as in libvirt's <memory>, KiB), rates as a size followed by "/s",
 * percentages as "60%" (up to two decimals) and durations as a number followed by ms, s, min or h
 * (a plain number is seconds). Each returns FALSE with a short reason (no context) in @error,
 * ending in "(allowed: ...)" with every unit spelling when the unit is wrong or missing; the
 * caller adds the guest, element and attribute. */
gboolean vtier_policy_parse_size(const gchar *text, guint64 *ret_bytes, GError **error);
gboolean vtier_policy_parse_rate(const gchar *text, guint64 *ret_bytes_per_second,
				 GError **error);
/* In basis points: "60%" -> 6000, "12.5%" -> 1250. Rejects values above 100%. */
gboolean vtier_policy_parse_percent(const gchar *text, guint *ret_bp, GError **error);
gboolean vtier_policy_parse_duration(const gchar *text, guint64 *ret_ms, GError **error);

/* The shortest exact spelling: 8589934592 -> "8GiB", 1000 -> "1000B"... (used in messages and
 * when a policy is printed back). */
gchar *vtier_policy_format_size(guint64 bytes);
gchar *vtier_policy_format_rate(guint64 bytes_per_second);
gchar *vtier_policy_format_percent(guint bp);
gchar *vtier_policy_format_duration(guint64 ms);
