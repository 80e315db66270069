#!/bin/bash
# The real `vtierd --dry-run --foreground` idle with N attached guests (default 100), as bench-daemon's
# idle figure but the daemon itself: the AMD Turin + CXL fixture (tests/faults/lib.sh), N fake
# workload cgroups attached with `vtierctl attach`, [daemon] interval_ms=1000, /metrics off; after
# SETTLE seconds (20), vtierd's CPU (utime+stime from /proc/PID/stat) over SECONDS (60) and its
# RSS at the start and end. A documented command (bench/README.md), not a test:
#
#   nice -n 19 bench/idle-real.sh [BUILDDIR] [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build/dev}
n=${2:-100}
build=$(cd "$build" && pwd)
export VTIER_SRCDIR=$top VTIER_BUILDDIR=$build
# another build's vtierd and vtierctl (e.g. a baseline's) with this tree's fixture: FL_BUILD=DIR
FL_DEBUG="" FL_INTERVAL_MS=1000 FL_START_SECONDS=30
# shellcheck source=tests/faults/lib.sh
. "$top/tests/faults/lib.sh"
fl_setup "idle-real-$n"
for i in $(seq 1 "$n"); do fl_workload "g$i" $((10000 + i)) 100 412; done
fl_start_vtierd || exit 1
seq 1 "$n" | xargs -P 4 -I{} sh -c '"$0" attach g{} --pid $((10000 + {})) >/dev/null' "$FL_CTL"
sleep "${SETTLE:-20}"
ticks() { awk '{ print $14 + $15 }' "/proc/$fl_vtierd_pid/stat"; }
hz=$(getconf CLK_TCK)
secs=${SECONDS_IDLE:-60}
rss0=$(fl_rss_kb)
t0=$(ticks)
sleep "$secs"
t1=$(ticks)
rss1=$(fl_rss_kb)
fl_stop_vtierd || true
awk -v n="$n" -v s="$secs" -v t="$((t1 - t0))" -v hz="$hz" -v r0="$rss0" -v r1="$rss1" 'BEGIN {
	printf "vtierd --dry-run, %d guests, %d s idle: CPU %.2f s (%.3f%% of a core), RSS %.1f -> %.1f MiB\n",
	       n, s, t / hz, t / hz * 100 / s, r0 / 1024, r1 / 1024 }'
