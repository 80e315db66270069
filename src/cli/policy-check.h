/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* `vtierctl policy check FILE|-` and `vtierctl policy templates` (no libvirt needed); the policy
 * verb (verb-policy.c) hands these subcommands over. */
gboolean vtier_cli_policy_check(int argc, char **argv, GError **error);
/* Whether argv names one of those subcommands (its first argument that is not an option or an
 * option's value). */
gboolean vtier_cli_policy_check_wants(int argc, char **argv);
