#!/bin/bash
# vtierd's /metrics under load, as issue 12 asks: the real `vtierd --dry-run --foreground` on a
# fixture sysroot (tests/faults/lib.sh: the AMD Turin + CXL fixture, one fake workload cgroup per
# guest) with N synthetic guests attached by pid (`vtierctl attach NAME --pid PID`), for N = 10,
# 100 and 500:
#   - latency p50/p99 and requests/s of one scraper at a time (wrk -t1 -c1 --latency; the median
#     of ROUNDS runs),
#   - p99 and requests/s of CONNECTIONS concurrent scrapers (wrk -t2 -cCONNECTIONS, one run),
#   - the render time of one snapshot of N guests (bench-metrics time N: what vtierd's loop pays
#     once per published snapshot; a scrape copies the text),
#   - the baseline, in the same run and interleaved round by round with vtierd's: the endpoint
#     alone (bench-metrics serve N with BENCH_METRICS_CACHED=1: src/metrics/server.c serving a
#     constant text of N guests, no daemon), i.e. what this machine's scheduler, loopback and
#     libsoup allow at that moment (on a loaded or nice'd machine that, not vtierd, sets p99),
# then, at 500 guests, vtierd's RSS (start/end) and CPU seconds over SOAK seconds scraped once a
# second (as Prometheus does), against the same period unscraped (the baseline: the controller
# interval and the rendering of each snapshot). Prints markdown tables. A documented command, not
# a timed test (make check does not run it):
#
#   nice -n 19 bench/metrics.sh [BUILDDIR]     (default _build/dev, built with `make check`)
#
# Environment: DURATION (s per wrk run, default 5), ROUNDS (default 3), CONNECTIONS (default 10),
# SOAK (s, default 60), GUESTS (default "10 100 500"), INTERVAL_MS (vtierd's [daemon] interval_ms,
# default 1000).
# Needs wrk (Debian 12: `apt-get install wrk`), curl and python3; without wrk it says so and
# exits 77 (skipped). Everything runs on 127.0.0.1 in a temporary folder; every wait is bounded;
# the real /sys/kernel/mm/damon is never touched (VTIER_FORBID_REAL_DAMON=1, --dry-run, a sysroot).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build/dev}" && pwd)
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-10}
soak=${SOAK:-60}
guests=${GUESTS:-10 100 500}
for tool in wrk curl python3; do
	command -v "$tool" >/dev/null || {
		echo "skip: $tool missing (Debian 12: apt-get install $tool)"
		exit 77
	}
done
for f in vtierd vtierctl bench/bench-metrics; do
	[ -x "$build/$f" ] || { echo "build it first: make -C $build check TESTS= ($f missing)"; exit 1; }
done

export VTIER_SRCDIR=$top VTIER_BUILDDIR=$build
FL_DEBUG="" FL_INTERVAL_MS=${INTERVAL_MS:-1000} FL_START_SECONDS=30
# shellcheck source=tests/faults/lib.sh
. "$top/tests/faults/lib.sh"
base_pid=""
FL_CLEANUP_EXTRA='[ -n "$base_pid" ] && kill "$base_pid" 2>/dev/null'

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
wrk_field() { # FILE PERCENT|rps
	if [ "$2" = rps ]; then awk '/^Requests\/sec/ { print $2 }' "$1"; else awk -v p="$2" '$1 == p { print $2 }' "$1"; fi
}

# start_host N: a dry-run vtierd serving /metrics with N attached guests; sets $url.
start_host() {
	local n=$1 i
	fl_setup "bench-metrics-$n"
	printf '[daemon]\ninterval_ms=%s\n[metrics]\nlisten=127.0.0.1:0\n' "$FL_INTERVAL_MS" \
		>"$FL_WORK/vtierd.conf"
	for i in $(seq 1 "$n"); do fl_workload "g$i" $((10000 + i)) 100 412; done
	fl_start_vtierd || exit 1
	# 4 at a time: vtierd coalesces a burst's reconciles
	seq 1 "$n" | xargs -P 4 -I{} sh -c '"$0" attach g{} --pid $((10000 + {})) >/dev/null' "$FL_CTL" ||
		{ echo "vtierctl attach failed"; exit 1; }
	url=$(grep -o 'metrics on http://[^ ]*' "$FL_LOG" | head -1 | cut -d' ' -f3)
	[ -n "$url" ] || { echo "vtierd does not serve /metrics:"; tail "$FL_LOG"; exit 1; }
	for i in $(seq 100); do
		[ "$(curl -sf -m 5 "$url" | grep -c '^vtier_guest_info{')" -eq "$n" ] && return 0
		sleep 0.2
	done
	echo "vtierd's /metrics does not show $n guests after 20 s"
	exit 1
}

stop_host() { fl_stop_vtierd; fl_cleanup; trap - EXIT; }

echo "$(date -u '+%F %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)," \
	"nice $(nice); vtierd interval_ms=$FL_INTERVAL_MS"
echo
# wrk_ms FILE PERCENT: a latency percentile of wrk's --latency output, in ms.
wrk_ms() {
	awk -v p="$2" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		printf "%.2f", v * (u == "us" ? 0.001 : u == "s" ? 1000 : 1) }' "$1"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# start_baseline N: the endpoint alone serving N guests' text (rendered once); sets $base_url.
start_baseline() {
	local i
	BENCH_METRICS_CACHED=1 "$build/bench/bench-metrics" serve "$1" 127.0.0.1:0 3600 \
		>"$FL_WORK/base-url" &
	base_pid=$!
	for i in $(seq 100); do
		base_url=$(head -n1 "$FL_WORK/base-url")
		[[ $base_url == http* ]] && return 0
		sleep 0.1
	done
	echo "bench-metrics serve did not start"
	exit 1
}

echo "Each figure is the median of $rounds rounds; a round is wrk -t1 -c1 -d${duration}s --latency on"
echo "vtierd, then the same on the endpoint alone (the baseline), so both see the same load."
echo
echo "| guests | bytes | render ms | vtierd p50 ms | vtierd p99 ms | vtierd req/s | alone p50 ms | alone p99 ms | alone req/s | vtierd c$connections p99 ms | vtierd c$connections req/s | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in $guests; do
	render=$("$build/bench/bench-metrics" time "$n" | sed -E 's/.*: ([0-9.]+) ms per scrape.*/\1/')
	start_host "$n"
	start_baseline "$n"
	bytes=$(curl -sf "$url" | wc -c)
	for r in $(seq "$rounds"); do
		wrk -t1 -c1 -d"${duration}s" --latency "$url" >"$FL_WORK/v$r"
		wrk -t1 -c1 -d"${duration}s" --latency "$base_url" >"$FL_WORK/b$r"
	done
	wrk -t2 -c"$connections" -d"${duration}s" --latency "$url" >"$FL_WORK/wrkn"
	kill "$base_pid"; wait "$base_pid" 2>/dev/null; base_pid=""
	errors=$(grep -hE 'Socket errors|Non-2xx' "$FL_WORK"/v* "$FL_WORK/wrkn" | tr -s ' ' | sort -u | paste -sd';')
	row="| $n | $bytes | $render"
	for who in v b; do
		for what in 50% 99%; do
			row+=" | $(for r in $(seq "$rounds"); do wrk_ms "$FL_WORK/$who$r" "$what"; echo; done | median)"
		done
		row+=" | $(for r in $(seq "$rounds"); do wrk_field "$FL_WORK/$who$r" rps; done | median)"
	done
	echo "$row | $(wrk_ms "$FL_WORK/wrkn" 99%) | $(wrk_field "$FL_WORK/wrkn" rps) | ${errors:-none} |"
	[ "$n" = "${guests##* }" ] || stop_host # the last one stays up for the soak
done

# soak PHASE SCRAPE: SOAK seconds, scraped once a second or not; one table row.
soak() {
	local pid=$fl_vtierd_pid rss0 t0 s0 t1 s1 scrapes=0 failed=0 i curls=()
	rss0=$(fl_rss_kb) t0=$(cpu_ticks "$pid") s0=$(date +%s.%N)
	for i in $(seq "$soak"); do
		# one scrape a second whatever each takes, as Prometheus does (at most 5 s each)
		if [ "$2" = yes ]; then
			{ curl -sf -o /dev/null -m 5 "$url" && echo ok || echo failed; } >>"$FL_WORK/soak-$1" &
			curls+=($!)
		fi
		sleep 1
	done
	[ ${#curls[@]} -eq 0 ] || wait "${curls[@]}"
	t1=$(cpu_ticks "$pid") s1=$(date +%s.%N)
	scrapes=$(grep -c ok "$FL_WORK/soak-$1" 2>/dev/null) failed=$(grep -c failed "$FL_WORK/soak-$1" 2>/dev/null)
	awk -v p="$1" -v n="$scrapes" -v f="$failed" -v r0="$rss0" -v r1="$(fl_rss_kb)" \
		-v t="$((t1 - t0))" -v hz="$hz" -v s="$s0" -v e="$s1" 'BEGIN {
		printf "| %s | %.0f | %d / %d | %.1f | %.1f | %.2f | %.2f%% |\n", p, e - s, n, f,
			r0 / 1024, r1 / 1024, t / hz, 100 * t / hz / (e - s) }'
}

last=${guests##* }
echo
echo "vtierd with $last guests, ${soak}s each (CPU: utime+stime of vtierd from /proc/PID/stat):"
echo
echo "| phase | seconds | scrapes ok / failed | RSS start MiB | RSS end MiB | CPU s | CPU % |"
echo "|---|---|---|---|---|---|---|"
sleep 10 # the wrk runs' backlog
soak "unscraped (baseline)" no
soak "scraped once a second" yes
stop_host
