/* lab-placement — where the pages of a lab-workload are, sampled over time.
 *
 *   lab-placement [--interval S] [--samples N] [--pages] [--until-hot NODE:PCT]
 *                 (--info FILE | --pid P --range START-END [--hot START-END])
 *
 * Queries the node of every page with move_pages(2) (nodes = NULL: nothing moves) and prints one
 * line per sample:
 *
 *   seconds node0_hot_mib node1_hot_mib node0_total_mib node1_total_mib
 *
 * seconds since the first sample; MiB with one decimal (page counts with --pages). Pages not
 * present are counted nowhere. --info reads the line lab-workload printed. --until-hot NODE:PCT
 * stops at the first sample where at least PCT percent of the hot set is on NODE (exit 0); if the
 * samples run out first, exit 1. The process ending also ends sampling (exit 0, or 1 with
 * --until-hot).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH 16384

typedef struct {
	long pid;
	uintptr_t start, end, hot_start, hot_end;
	double interval;
	long samples;
	gboolean pages;
	int until_node;
	double until_pct;
} Options;

typedef struct {
	unsigned long hot[2];
	unsigned long total[2];
} Placement;

static gboolean parse_range(const char *text, uintptr_t *ret_start, uintptr_t *ret_end)
{
	char *end = NULL;

	*ret_start = (uintptr_t)strtoull(text, &end, 0);
	if (end == text || *end != '-')
		return FALSE;
	text = end + 1;
	*ret_end = (uintptr_t)strtoull(text, &end, 0);
	return end != text && *end == '\0' && *ret_end > *ret_start;
}

/* Reads "key=value" words of a lab-workload line. */
static gboolean read_info(const char *path, Options *o)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) words = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return FALSE;
	words = g_strsplit_set(g_strstrip(text), " \n", -1);
	for (char **w = words; *w; w++) {
		const char *eq = strchr(*w, '=');
		unsigned long long v;

		if (!eq)
			continue;
		v = strtoull(eq + 1, NULL, 0);
		if (g_str_has_prefix(*w, "pid="))
			o->pid = (long)v;
		else if (g_str_has_prefix(*w, "start="))
			o->start = (uintptr_t)v;
		else if (g_str_has_prefix(*w, "end="))
			o->end = (uintptr_t)v;
		else if (g_str_has_prefix(*w, "hot_start="))
			o->hot_start = (uintptr_t)v;
		else if (g_str_has_prefix(*w, "hot_end="))
			o->hot_end = (uintptr_t)v;
	}
	return o->pid > 0 && o->end > o->start;
}

static void usage(void)
{
	fprintf(stderr, "usage: lab-placement [--interval S] [--samples N] [--pages] "
			"[--until-hot NODE:PCT] (--info FILE | --pid P --range A-B [--hot A-B])\n");
	exit(2);
}

static void parse_options(int argc, char **argv, Options *o)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' }, { "samples", required_argument, NULL, 'n' },
		{ "pages", no_argument, NULL, 'p' },          { "until-hot", required_argument, NULL, 'u' },
		{ "info", required_argument, NULL, 'f' },     { "pid", required_argument, NULL, 'P' },
		{ "range", required_argument, NULL, 'r' },    { "hot", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (Options){ .interval = 1.0, .samples = 1, .until_node = -1 };
	while ((c = getopt_long(argc, argv, "i:n:pu:f:P:r:h:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->interval = g_ascii_strtod(optarg, NULL); break;
		case 'n': o->samples = strtol(optarg, NULL, 10); break;
		case 'p': o->pages = TRUE; break;
		case 'u':
			if (sscanf(optarg, "%d:%lf", &o->until_node, &o->until_pct) != 2 ||
			    o->until_node < 0 || o->until_node > 1)
				usage();
			break;
		case 'f':
			if (!read_info(optarg, o)) {
				fprintf(stderr, "lab-placement: cannot read a lab-workload line from %s\n", optarg);
				exit(2);
			}
			break;
		case 'P': o->pid = strtol(optarg, NULL, 10); break;
		case 'r': if (!parse_range(optarg, &o->start, &o->end)) usage(); break;
		case 'h': if (!parse_range(optarg, &o->hot_start, &o->hot_end)) usage(); break;
		default: usage();
		}
	}
	if (optind != argc || o->pid <= 0 || o->end <= o->start || o->samples < 1 || o->interval < 0)
		usage();
}

/* One sample. FALSE when the process is gone. */
static gboolean sample(const Options *o, Placement *p)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n = (o->end - o->start) / (size_t)page;
	g_autofree void **pages = g_new(void *, BATCH);
	g_autofree int *status = g_new(int, BATCH);

	memset(p, 0, sizeof(*p));
	for (size_t first = 0; first < n; first += BATCH) {
		size_t count = MIN((size_t)BATCH, n - first);

		for (size_t i = 0; i < count; i++)
			pages[i] = (void *)(o->start + (first + i) * (size_t)page);
		if (move_pages((int)o->pid, count, pages, NULL, status, 0) != 0) {
			if (errno == ESRCH)
				return FALSE;
			fprintf(stderr, "lab-placement: move_pages(pid %ld): %s\n", o->pid, g_strerror(errno));
			exit(2);
		}
		for (size_t i = 0; i < count; i++) {
			uintptr_t addr = (uintptr_t)pages[i];

			if (status[i] < 0 || status[i] > 1)
				continue;
			p->total[status[i]]++;
			if (addr >= o->hot_start && addr < o->hot_end)
				p->hot[status[i]]++;
		}
	}
	return TRUE;
}

static void print_sample(const Options *o, double t, const Placement *p)
{
	double scale = (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);

	if (o->pages)
		printf("%.1f %lu %lu %lu %lu\n", t, p->hot[0], p->hot[1], p->total[0], p->total[1]);
	else
		printf("%.1f %.1f %.1f %.1f %.1f\n", t, p->hot[0] * scale, p->hot[1] * scale,
		       p->total[0] * scale, p->total[1] * scale);
	fflush(stdout);
}

static double now_seconds(void)
{
	return (double)g_get_monotonic_time() / G_USEC_PER_SEC;
}

int main(int argc, char **argv)
{
	Options o;
	Placement p;
	double t0, next;

	parse_options(argc, argv, &o);
	t0 = next = now_seconds();
	for (long i = 0; i < o.samples; i++) {
		if (i > 0 && next > now_seconds())
			g_usleep((gulong)((next - now_seconds()) * G_USEC_PER_SEC));
		if (!sample(&o, &p))
			return o.until_node >= 0 ? 1 : 0;
		print_sample(&o, now_seconds() - t0, &p);
		if (o.until_node >= 0) {
			double hot = (double)(o.hot_end - o.hot_start) / (double)sysconf(_SC_PAGESIZE);

			if (hot > 0 && 100.0 * (double)p.hot[o.until_node] >= o.until_pct * hot)
				return 0;
		}
		next += o.interval;
	}
	return o.until_node >= 0 ? 1 : 0;
}
