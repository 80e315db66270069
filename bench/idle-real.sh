#!/bin/bash
# The real `vtierd --dry-run --foreground` idle with N attached guests (default 100), as bench-daemon's
# idle figure but the daemon itself: the AMD Turin + CXL fixture (tests/faults/lib.sh), N fake
# workload cgroups attached with `vtierctl attach`, [daemon] interval_ms=1000, /metrics off; after
# SETTLE seconds (20), vtierd's CPU (utime+stime from /proc/PID/stat) over SECONDS (60) and its
# RSS at the start and end. Each guest has FAST_MIB (100) on node 0 and SLOW_MIB (412) on node 1:
# 20% fast against the default policy's 50%, which a dry run never reaches (its memory does not
# move: the controller keeps asking, a commit a second); FAST_MIB=256 SLOW_MIB=256 is the settled
# host (nothing to move). STRACE=1 also counts vtierd's system calls over the period (strace -c
# -f; it slows vtierd: take the CPU figure from a run without it). SMAPS=1 prints its smaps_rollup
# and the resident KiB of each mapped object (64 KiB and more). A documented command
# (bench/README.md), not a test:
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
for i in $(seq 1 "$n"); do fl_workload "g$i" $((10000 + i)) "${FAST_MIB:-100}" "${SLOW_MIB:-412}"; done
fl_start_vtierd || exit 1
seq 1 "$n" | xargs -P 4 -I{} sh -c '"$0" attach g{} --pid $((10000 + {})) >/dev/null' "$FL_CTL"
sleep "${SETTLE:-20}"
ticks() { awk '{ print $14 + $15 }' "/proc/$fl_vtierd_pid/stat"; }
hz=$(getconf CLK_TCK)
secs=${SECONDS_IDLE:-60}
rss0=$(fl_rss_kb)
t0=$(ticks)
if [ "${STRACE:-0}" = 1 ]; then
	timeout -s INT "$secs" strace -c -f -p "$fl_vtierd_pid" -o "$FL_WORK/strace.txt" || true
	sed 's/^/# strace: /' "$FL_WORK/strace.txt"
else
	sleep "$secs"
fi
t1=$(ticks)
rss1=$(fl_rss_kb)
if [ "${SMAPS:-0}" = 1 ]; then
	sed 's/^/# smaps_rollup: /' "/proc/$fl_vtierd_pid/smaps_rollup"
	# each mapped object's resident KiB (anonymous ones by their name, [heap], or "anon")
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = NF >= 6 ? $6 : "anon" } /^Rss:/ { kb[name] += $2 }
	     END { for (n in kb) if (kb[n] >= 64) printf "# smaps: %6d KiB %s\n", kb[n], n }' \
		"/proc/$fl_vtierd_pid/smaps" | sort -k3,3nr
fi
fl_stop_vtierd || true
awk -v n="$n" -v s="$secs" -v t="$((t1 - t0))" -v hz="$hz" -v r0="$rss0" -v r1="$rss1" 'BEGIN {
	printf "vtierd --dry-run, %d guests, %d s idle: CPU %.2f s (%.3f%% of a core), RSS %.1f -> %.1f MiB\n",
	       n, s, t / hz, t / hz * 100 / s, r0 / 1024, r1 / 1024 }'
