#!/bin/bash
# /metrics under load: latency (p50, p99) of one scraper at a time (wrk -c1) and requests per
# second with CONNECTIONS concurrent ones (wrk -c10), with wrk (Debian package wrk), at 10, 100
# and 500 synthetic guests, the render time of one scrape, and the serving process's
# RSS and CPU while scraped once a second (as Prometheus does) for SOAK seconds. A documented
# command, not a timed test:
#
#   bench/metrics.sh [BUILDDIR]        (default _build/dev; needs `make check` built there)
#
# Until vtierd serves /metrics, the server is bench/bench-metrics serve: the same endpoint
# (src/metrics/server.c) and renderer, on a synthetic snapshot. Set CACHED=1 to serve a text
# rendered once per snapshot (what vtierd should do) instead of rendering on every scrape.
# Everything runs on 127.0.0.1; every loop is bounded.
set -euo pipefail
trap 'echo "bench/metrics.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build/dev}" && pwd)
bench="$build/bench/bench-metrics"
duration=${DURATION:-10}
connections=${CONNECTIONS:-10}
soak=${SOAK:-60}
[ -x "$bench" ] || { echo "build it first: make -C $build check TESTS= (or make bench/bench-metrics)"; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk"; exit 1; }
command -v curl >/dev/null || { echo "curl missing: apt-get install curl"; exit 1; }
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

echo "host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r); wrk -c1 and -c$connections, ${duration}s each; soak ${soak}s at 1 scrape/s; cached=${CACHED:-0}"
printf '%-7s %-10s %-8s %-9s %-9s %-9s %-9s %-10s %-9s %s\n' guests render_ms bytes p50_c1 p99_c1 rps_c1 p99_c$connections rps_c$connections rss_kib "soak_cpu% soak_rss_kib"
for n in 10 100 500; do
	render=$("$bench" time "$n" | sed -E 's/.*: ([0-9.]+) ms per scrape.*, ([0-9]+) bytes/\1 \2/')
	BENCH_METRICS_CACHED=${CACHED:-0} "$bench" serve "$n" 127.0.0.1:0 $((2 * duration + soak + 60)) >"$work/url" &
	pid=$!
	for _ in $(seq 50); do grep -q http "$work/url" && break; sleep 0.1; done
	url=$(head -n1 "$work/url")
	curl -sf -o /dev/null "$url"
	wrk -t1 -c1 -d"${duration}s" --latency "$url" >"$work/wrk1"
	wrk -t2 -c"$connections" -d"${duration}s" --latency "$url" >"$work/wrk"
	p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk1")
	p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk1")
	rps1=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk1")
	p99n=$(awk '$1 == "99%" { print $2 }' "$work/wrk")
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk")
	rss=$(rss_kib "$pid")
	t0=$(cpu_ticks "$pid") s0=$(date +%s.%N)
	for _ in $(seq "$soak"); do curl -sf -o /dev/null -m 5 "$url"; sleep 1; done
	t1=$(cpu_ticks "$pid") s1=$(date +%s.%N)
	cpu=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v s="$s0" -v e="$s1" \
		'BEGIN { printf "%.2f", 100 * t / hz / (e - s) }')
	printf '%-7s %-10s %-8s %-9s %-9s %-9s %-9s %-10s %-9s %s %s\n' "$n" ${render} "$p50" "$p99" \
		"$rps1" "$p99n" "$rps" "$rss" "$cpu" "$(rss_kib "$pid")"
	grep -hE 'Socket errors|Non-2xx' "$work/wrk1" "$work/wrk" || true
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
