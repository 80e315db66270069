/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtierctl"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/log.h"

/* The verbs. Each part keeps its verbs in its own block so that parts can be added apart. */
static const VtierCliVerb verbs[] = {
	{ "version", "Print vtier's version", vtier_cli_verb_version },
	{ "config", "Validate and print vtierd.conf", vtier_cli_verb_config },

	/* topology and sampler verbs */
	{ "topology", "Show fast/slow NUMA nodes, ranges, pairing and sampler", vtier_cli_verb_topology },
	{ "sampler", "Show the hardware access sampler and why", vtier_cli_verb_sampler },

	/* DAMON verbs */
	{ "probe", "Show what the kernel's DAMON offers", vtier_cli_verb_probe },
	{ "damon", "Apply a DAMON model, show or stop vtier's kdamonds", vtier_cli_verb_damon },

	/* planner verbs */
	{ "plan", "Print the DAMON plan for guests without touching any kernel", vtier_cli_verb_plan },

	/* guest verbs */
	{ "guests", "Show running guests (pid, memcg, per-node usage)", vtier_cli_verb_guests },
	{ "policy", "Get, set, clear or check a domain's vtier policy; list templates", vtier_cli_verb_policy },

	/* daemon verbs (over vtierd's control socket) */
	{ "status", "Show vtierd's host and per-guest split, target and state", vtier_cli_verb_status },
	{ "top", "Show the guests' fast/slow split live", vtier_cli_verb_top },
	{ "explain", "Explain why a guest's split is where it is", vtier_cli_verb_explain },
	{ "attach", "Have vtierd tier a guest outside libvirt (by pid or QMP)", vtier_cli_verb_attach },
	{ "detach", "Have vtierd stop tiering an attached guest", vtier_cli_verb_detach },
	{ "reload", "Have vtierd reload its configuration and templates", vtier_cli_verb_reload },
	{ "dump", "Print everything vtierd holds as JSON", vtier_cli_verb_dump },
};

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: vtierctl [--debug] VERB [OPTIONS...]\n\nVerbs:\n");
	for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++)
		fprintf(out, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\n`vtierctl VERB --help` describes a verb's options. See vtierctl(8).\n");
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	gboolean debug = FALSE;
	int first = 1;

	setlocale(LC_ALL, "");
	/* numbers in one form whoever reads them: vtierd renders the status text and the
	 * controller's reasons that vtierctl prints in another user's terminal, and scripts
	 * read both (docs/control.md) */
	setlocale(LC_NUMERIC, "C");
	if (argc > first && g_strcmp0(argv[first], "--debug") == 0) {
		debug = TRUE;
		first++;
	}
	vtier_log_init("vtierctl", debug);
	if (argc <= first) {
		print_usage(stderr);
		return 2;
	}
	if (g_strcmp0(argv[first], "--help") == 0 || g_strcmp0(argv[first], "-h") == 0 ||
	    g_strcmp0(argv[first], "help") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (g_strcmp0(argv[first], "--version") == 0)
		return vtier_cli_verb_version(1, (char *[]){ "version", NULL }, &error) ? 0 : 1;
	for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++) {
		if (g_strcmp0(argv[first], verbs[i].name) != 0)
			continue;
		return vtier_cli_run_verb(&verbs[i], argc - first, argv + first);
	}
	fprintf(stderr, "vtierctl: unknown verb \"%s\"\n\n", argv[first]);
	print_usage(stderr);
	return 2;
}
