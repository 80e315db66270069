/* lab-workload — a tiering workload for the lab (tests/kernel/lab).
 *
 * Maps SIZE MiB of anonymous memory, populates it on NODE with mbind(MPOL_BIND), then resets the
 * range's policy to the default (NUMA balancing and DAMON leave MPOL_BIND pages alone), and keeps
 * HOT MiB busy in a loop (reading and writing one word per page) for SECONDS seconds (0: until
 * SIGTERM/SIGINT): the first HOT MiB, or those from offset --hot-at MIB. Before the loop it
 * prints one line, also written to --info FILE:
 *
 *   lab-workload pid=P start=0xA end=0xB hot_start=0xA hot_end=0xC node=N size_mib=S hot_mib=H
 *
 * which tests/kernel/lab-placement reads. Transparent huge pages are off unless --thp, so that
 * placement is counted in 4 KiB pages and DAMON migrates page by page. --hugetlb maps the set
 * from the hugetlb pool instead (MAP_HUGETLB, the default huge page size; SIZE and HOT must be
 * multiples of it): the pool must hold enough free pages on NODE
 * (/sys/devices/system/node/nodeN/hugepages/hugepages-2048kB/nr_hugepages).
 *
 * A hot set that moves: --move-hot-after S moves it S seconds after the loop starts, and with
 * --move-hot-after or --move-hot-to SIGUSR1 moves it at once (the first of the two; it moves
 * once). It moves to the HOT MiB at offset --move-hot-to MIB (default SIZE - HOT: the last HOT
 * MiB of the set); the old hot set is not touched again. Then the workload prints
 *
 *   lab-workload moved pid=P start=0xA end=0xB hot_start=0xD hot_end=0xE node=N size_mib=S hot_mib=H
 *
 * on stderr and, with --info FILE, writes the same line without "moved" to FILE.moved (renamed
 * into place), which lab-placement --info reads to sample the new hot set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <numaif.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t move_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_move_signal(int sig)
{
	(void)sig;
	move_requested = 1;
}

struct options {
	int node;
	unsigned long size_mib;
	unsigned long hot_mib;
	unsigned long hot_at_mib; /* offset of the hot set */
	double seconds;
	const char *info;
	int thp;
	int hugetlb;
	double move_after;    /* seconds after the loop starts; 0: never (SIGUSR1 only) */
	long move_to_mib;     /* offset of the moved hot set; -1: none given */
	int move;             /* a move is armed (either option) */
};

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --node N --size MIB [--hot MIB] [--hot-at MIB] [--seconds S] [--info FILE] "
		"[--thp | --hugetlb]\n"
		"  populate MIB on node N, reset the policy, keep --hot MIB from --hot-at (0) busy for S "
		"seconds\n"
		"  (0: until SIGTERM/SIGINT)\n",
		prog);
	exit(2);
}

static unsigned long parse_ulong(const char *text, const char *what)
{
	char *end = NULL;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 0);
	if (errno != 0 || end == text || *end != '\0') {
		fprintf(stderr, "lab-workload: invalid %s '%s'\n", what, text);
		exit(2);
	}
	return value;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "node", required_argument, NULL, 'n' },   { "size", required_argument, NULL, 's' },
		{ "hot", required_argument, NULL, 'h' },    { "seconds", required_argument, NULL, 't' },
		{ "info", required_argument, NULL, 'i' },   { "thp", no_argument, NULL, 'T' },
		{ "hugetlb", no_argument, NULL, 'H' },      { "move-hot-after", required_argument, NULL, 'M' },
		{ "move-hot-to", required_argument, NULL, 'O' }, { "hot-at", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .node = -1, .move_to_mib = -1 };
	while ((c = getopt_long(argc, argv, "n:s:h:t:i:TH", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->node = (int)parse_ulong(optarg, "node"); break;
		case 's': o->size_mib = parse_ulong(optarg, "size"); break;
		case 'h': o->hot_mib = parse_ulong(optarg, "hot size"); break;
		case 'A': o->hot_at_mib = parse_ulong(optarg, "hot-at offset"); break;
		case 't': o->seconds = strtod(optarg, NULL); break;
		case 'i': o->info = optarg; break;
		case 'T': o->thp = 1; break;
		case 'H': o->hugetlb = 1; break;
		case 'M':
			o->move_after = strtod(optarg, NULL);
			o->move = 1;
			break;
		case 'O':
			o->move_to_mib = (long)parse_ulong(optarg, "move-hot-to offset");
			o->move = 1;
			break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc || o->node < 0 || o->node >= 64 || o->size_mib == 0 ||
	    o->hot_mib > o->size_mib || o->hot_at_mib > o->size_mib - o->hot_mib ||
	    (o->thp && o->hugetlb) || o->move_after < 0)
		usage(argv[0]);
	if (o->move && o->move_to_mib < 0)
		o->move_to_mib = (long)(o->size_mib - o->hot_mib);
	if (o->move && (unsigned long)o->move_to_mib + o->hot_mib > o->size_mib) {
		fprintf(stderr, "lab-workload: --move-hot-to %ld + --hot %lu is past --size %lu\n",
			o->move_to_mib, o->hot_mib, o->size_mib);
		exit(2);
	}
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Maps and populates the set on o->node, then resets its policy. */
static char *populate(const struct options *o)
{
	size_t len = o->size_mib * MIB;
	unsigned long mask = 1UL << o->node;
	long page = sysconf(_SC_PAGESIZE);
	char *base;

	base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | (o->hugetlb ? MAP_HUGETLB : 0), -1, 0);
	if (base == MAP_FAILED) {
		perror(o->hugetlb ? "lab-workload: mmap(MAP_HUGETLB) (is the pool big enough?)"
				  : "lab-workload: mmap");
		exit(1);
	}
	if (!o->hugetlb && madvise(base, len, o->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
		perror("lab-workload: madvise (ignored)");
	if (mbind(base, len, MPOL_BIND, &mask, sizeof(mask) * 8, 0) != 0) {
		fprintf(stderr, "lab-workload: mbind(MPOL_BIND, node %d): %s\n", o->node, strerror(errno));
		exit(1);
	}
	/* one call faults the whole set in (5.14+): under TCG with pti=on a fault per page costs a
	 * kernel entry and a TLB flush each, most of a lab run's populate time; without it the loop
	 * below faults the pages itself */
	if (!o->hugetlb && madvise(base, len, MADV_POPULATE_WRITE) != 0 && errno != EINVAL)
		perror("lab-workload: madvise(MADV_POPULATE_WRITE) (ignored)");
	for (size_t off = 0; off < len; off += (size_t)page)
		base[off] = (char)(off / (size_t)page);
	if (mbind(base, len, MPOL_DEFAULT, NULL, 0, 0) != 0) {
		fprintf(stderr, "lab-workload: mbind(MPOL_DEFAULT): %s\n", strerror(errno));
		exit(1);
	}
	return base;
}

/* Writes LINE (N bytes) to PATH under a temporary name and renames it: a reader never sees half a
 * line. */
static void write_info(const char *path, const char *line, int n)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fwrite(line, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		fprintf(stderr, "lab-workload: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* The line lab-placement reads, the hot set at HOT_OFF_MIB; to stdout and --info, or after a
 * move (MOVED) to stderr and --info's FILE.moved. */
static void announce(const struct options *o, const char *base, unsigned long hot_off_mib,
		     int moved)
{
	uintptr_t start = (uintptr_t)base;
	uintptr_t hot = start + hot_off_mib * MIB;
	char line[512];
	int n;

	n = snprintf(line, sizeof(line),
		     "lab-workload pid=%ld start=0x%lx end=0x%lx hot_start=0x%lx hot_end=0x%lx "
		     "node=%d size_mib=%lu hot_mib=%lu\n",
		     (long)getpid(), (unsigned long)start, (unsigned long)(start + o->size_mib * MIB),
		     (unsigned long)hot, (unsigned long)(hot + o->hot_mib * MIB), o->node,
		     o->size_mib, o->hot_mib);
	if (moved) {
		fprintf(stderr, "lab-workload moved %s", line + strlen("lab-workload "));
	} else {
		fputs(line, stdout);
		fflush(stdout);
	}
	if (o->info && !moved) {
		write_info(o->info, line, n);
	} else if (o->info) {
		char path[4096];

		snprintf(path, sizeof(path), "%s.moved", o->info);
		write_info(path, line, n);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction sa_move = { .sa_handler = on_move_signal };
	long page = sysconf(_SC_PAGESIZE);
	volatile char *base;
	volatile char *hot;
	size_t hot_len;
	double deadline, move_at;
	unsigned long passes = 0;
	int moved = 0;

	parse_options(argc, argv, &o);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (o.move)
		sigaction(SIGUSR1, &sa_move, NULL);
	base = populate(&o);
	announce(&o, (const char *)base, o.hot_at_mib, 0);

	hot = base + (size_t)o.hot_at_mib * MIB;
	hot_len = o.hot_mib * MIB;
	deadline = o.seconds > 0 ? now_seconds() + o.seconds : 0;
	move_at = o.move && o.move_after > 0 ? now_seconds() + o.move_after : 0;
	while (!stop_requested && hot_len > 0) {
		for (size_t off = 0; off < hot_len; off += (size_t)page)
			hot[off] = (char)(hot[off] + 1);
		passes++;
		if (o.move && !moved &&
		    (move_requested || (move_at > 0 && now_seconds() >= move_at))) {
			moved = 1;
			hot = base + (size_t)o.move_to_mib * MIB;
			announce(&o, (const char *)base, (unsigned long)o.move_to_mib, 1);
		}
		if (deadline > 0 && now_seconds() >= deadline)
			break;
	}
	if (hot_len == 0 && !stop_requested) {
		/* Nothing hot: just hold the memory. */
		while (!stop_requested && (deadline == 0 || now_seconds() < deadline))
			usleep(100000);
	}
	fprintf(stderr, "lab-workload: %lu passes over the hot set\n", passes);
	return 0;
}
