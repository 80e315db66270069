#!/bin/bash
# migrate-floor-guest.sh BUILDDIR — inside a lab guest only (tests/kernel/lab): the kernel's own
# page-migration speed from the slow node to the fast one, without DAMON: a workload of N MiB
# (all of it hot: its pages are touched while they move) populated on node1, then one
# migrate_pages(2) for the whole process, node1 -> node0, timed. No tiering can bring a hot set
# to fast memory faster than this; bench/tiering/README.md ("The lab's migration floor") compares
# the benchmark's times with it. Sizes: $FLOOR_SIZES (MiB, "128 512").
# Run: flock /tmp/vtier-lab.lock tests/kernel/lab --timeout 200 7.3 -- \
#        "$PWD/tests/kernel/migrate-floor-guest.sh" "$PWD/_build/dev"   (~1.5 min under TCG)
# Prints one line per size: "size MiB, seconds, MiB/s, MiB left on node1".
set -uo pipefail
b=${1:?BUILDDIR}
sysctl -qw kernel.numa_balancing=0
node1_mib() { # PID: the process's pages on node1, in MiB (numa_maps, 4 KiB pages)
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^N1=/) { split($i, a, "="); s += a[2] } }
		END { printf "%.1f", s * 4 / 1024 }' "/proc/$1/numa_maps"
}
rc=0
for size in ${FLOOR_SIZES:-128 512}; do
	info=/tmp/floor-$size
	rm -f "$info"
	"$b/tests/kernel/lab-workload" --node 1 --size "$size" --hot "$size" --info "$info" \
		>/dev/null 2>"$info.err" &
	wl=$!
	for _ in $(seq 900); do [ -f "$info" ] && break; sleep 0.1; done
	[ -f "$info" ] || { echo "the $size MiB workload did not populate: $(cat "$info.err")"; rc=1; continue; }
	before=$(node1_mib "$wl")
	secs=$(python3 - "$wl" <<-'PY'
		import ctypes, sys, time
		libc = ctypes.CDLL(None, use_errno=True)
		old, new = ctypes.c_ulong(1 << 1), ctypes.c_ulong(1 << 0)
		t = time.monotonic()
		r = libc.syscall(256, int(sys.argv[1]), 64, ctypes.byref(old), ctypes.byref(new))  # migrate_pages
		dt = time.monotonic() - t
		print(f"{dt:.2f}" if r >= 0 else f"error {ctypes.get_errno()}")
	PY
	)
	after=$(node1_mib "$wl")
	kill "$wl"
	wait "$wl" 2>/dev/null
	case $secs in
	error*) echo "migrate_pages failed for the $size MiB workload: $secs"; rc=1 ;;
	*) awk -v s="$size" -v t="$secs" -v b="$before" -v a="$after" 'BEGIN {
		printf "size %d MiB (%s on node1): %.2f s, %.1f MiB/s, %s MiB left on node1\n", s, b, t, (b - a) / t, a }' ;;
	esac
done
exit $rc
