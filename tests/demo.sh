#!/usr/bin/env bash
# tests/demo.sh BUILDDIR — what `./quickstart.sh demo` runs: vtier's main job, live, with no CXL
# hardware and no KVM. It boots the lab (tests/kernel/lab: a Debian 7.3 kernel under QEMU TCG with
# a DRAM node and a CPU-less "CXL" node, docs/lab.md) and runs tests/kernel/demo-guest.sh in it:
# vtierd with its default configuration, a 512 MiB workload (128 MiB hot) populated on the CXL
# node and attached by pid with a ratio policy of $DEMO_FIRST% (40), `vtierctl top` streamed here
# while the memory moves to DRAM and sits at the target, then the target changed once to
# $DEMO_SECOND% (70) and the memory moving again, then vtierd's /metrics lines for the guest.
# Afterwards it draws the fast share over time against the target (gnuplot) and names the files.
#
# Files: $DEMO_OUT (default BUILDDIR/run-YYYYMMDD-HHMMSS): transcript.txt (everything printed),
# share.png, summary.txt (key=value), guest/ (what the guest wrote: placement.txt, events.txt,
# top.jsonl, metrics.txt, status.txt, explain.txt, vtierd.log, result.txt), console.txt.
# Environment: DEMO_FIRST, DEMO_SECOND (percent), DEMO_HOLD (seconds at a target before moving on,
# 6), DEMO_PHASE_MAX, DEMO_SECOND_MAX (bounds of the two phases in seconds, 90 each),
# DEMO_KERNEL (7.3), DEMO_OUT. Exit 0 when the share reached the first target; 1 when it did not
# or the lab could not run (the reason is printed).
set -euo pipefail
usage="usage: tests/demo.sh BUILDDIR   (or tests/demo.sh --plot RUNDIR: draw RUNDIR/share.png again)"
[ "${1:-}" != --plot ] || { replot=${2:?$usage}; set -- "$replot"; }
builddir=$(cd "${1:?$usage}" && pwd)
srcdir=$(cd "$(dirname "$0")/.." && pwd)
first=${DEMO_FIRST:-40}
second=${DEMO_SECOND:-70}
kernel=${DEMO_KERNEL:-7.3}
hold=${DEMO_HOLD:-6}
phase_max=${DEMO_PHASE_MAX:-90}
second_max=${DEMO_SECOND_MAX:-$phase_max}
run=${DEMO_OUT:-$builddir/run-$(date -u +%Y%m%d-%H%M%S)}
t_start=$SECONDS

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '%s==> %s%s\n' "$bold" "$*" "$plain" | tee -a "$run/transcript.txt"; }
die() { printf 'demo: %s\n' "$*" | tee -a "$run/transcript.txt" >&2; exit 1; }

# The plot of RUN: the workload's fast share (its pages on node0, sampled with move_pages), the
# share vtierd reports (vtierctl top --json) and the hot set's share, against the target.
plot() {
	local run=$1 g=$1/guest t0 first second
	t0=$(sed -n 's/^t0_unix=//p' "$g/result.txt" 2>/dev/null | head -n 1)
	first=$(sed -n 's/^first_target=//p' "$g/result.txt" 2>/dev/null | head -n 1)
	second=$(sed -n 's/^second_target=//p' "$g/result.txt" 2>/dev/null | head -n 1)
	awk -v t0="${t0:-0}" '{
		if (match($0, /"time_unix_ms":[0-9]+/)) t = substr($0, RSTART + 15, RLENGTH - 15)
		if (match($0, /"share_bp":[0-9]+/))
			printf "%.3f %.2f\n", t / 1000.0 - t0, substr($0, RSTART + 11, RLENGTH - 11) / 100.0 }' \
		"$g/top.jsonl" >"$run/vtierd-share.dat" 2>/dev/null || true
	[ -s "$g/placement.txt" ] || return 0
	# the target from each attach on, drawn to the last placement sample
	awk '$3 == "attach" { print $1, $2; last = $2 } END { if (last != "") print t, last }' \
		t="$(awk 'NF == 5 { t = $1 } END { print t }' "$g/placement.txt")" "$g/events.txt" \
		>"$run/target.dat" 2>/dev/null || true
	gnuplot <<GP 2>>"$run/transcript.txt" || say "gnuplot failed: see $run/transcript.txt"
set terminal pngcairo size 900,500 font "DejaVu Sans,10" noenhanced
set output "$run/share.png"
set title "vtier demo: DRAM share of a 512 MiB workload (128 MiB hot) that started on the CXL node"
set xlabel "seconds since vtierctl attach (ratio $first%; then ratio $second%)"
set ylabel "share in DRAM (node0)"
set format y "%.0f%%"
set yrange [0:105]
set xrange [0:*]
set grid lc rgb "#dddddd"
set key bottom right opaque box lc rgb "#bbbbbb"
plot "$g/placement.txt" using 1:(100.0*\$4/(\$4+\$5)) with lines lw 2 lc rgb "#1f77b4" title "fast share (pages on node0, move_pages)", \\
     "$run/vtierd-share.dat" using 1:2 with points pt 7 ps 0.6 lc rgb "#2ca02c" title "fast share vtierd reports (vtierctl top)", \\
     "$g/placement.txt" using 1:(100.0*\$2/128.0) with lines lw 1 dt 3 lc rgb "#ff7f0e" title "the hot 128 MiB: share in DRAM", \\
     "$run/target.dat" using 1:2 with steps lw 2 dt 2 lc rgb "#d62728" title "target (vtierctl attach --policy)"
GP
}

if [ -n "${replot:-}" ]; then
	run=$builddir
	plot "$run"
	echo "$run/share.png"
	exit 0
fi

mkdir -p "$run/guest"
run=$(cd "$run" && pwd)
: >"$run/transcript.txt"

# What the lab needs, each with the reason it is missing (quickstart.sh demo installs them).
missing=()
need() { # TEST WHAT WHY
	eval "$1" 2>/dev/null || missing+=("$2 ($3)")
}
need '[ "$(id -u)" = 0 ]' "root" "the lab runs virtiofsd in a private mount namespace"
need 'command -v qemu-system-x86_64 >/dev/null' "qemu-system-x86_64" "Debian package qemu-system-x86"
need '[ -x /usr/lib/qemu/virtiofsd ]' "/usr/lib/qemu/virtiofsd" "Debian package qemu-system-common"
need '[ -x /bin/busybox ]' "/bin/busybox" "Debian package busybox-static: the lab's initramfs"
need 'command -v gnuplot >/dev/null' "gnuplot" "Debian package gnuplot-nox: the plot"
need 'command -v curl >/dev/null' "curl" "Debian package curl: /metrics inside the lab"
need 'command -v flock >/dev/null' "flock" "Debian package util-linux"
for p in vtierd vtierctl tests/kernel/lab-workload tests/kernel/lab-placement; do
	need "[ -x '$builddir/$p' ]" "$builddir/$p" "not built: make -C $builddir && make -C $builddir $p"
done
if [ ${#missing[@]} -gt 0 ]; then
	printf 'demo: cannot boot the lab, missing:\n' | tee -a "$run/transcript.txt" >&2
	printf '  %s\n' "${missing[@]}" | tee -a "$run/transcript.txt" >&2
	exit 1
fi
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
[ "${avail:-0}" -ge 1200 ] ||
	die "the lab's VM needs about 1.2 GiB of free memory (2 GiB of guest RAM, touched in part); MemAvailable is ${avail} MiB"

say "vtier demo: files in $run"
say "the lab kernel: tests/kernel/fetch-kernel $kernel (Debian's cloud kernel; downloaded once, ~14 MB)"
[ -e /usr/share/keyrings/debian-archive-trixie-automatic.gpg ] ||
	say "warning: debian-archive-keyring $(dpkg-query -W -f='${Version}' debian-archive-keyring 2>/dev/null) has no trixie keys: the kernel download will fail its signature check (upgrade it: apt-get install debian-archive-keyring; quickstart.sh demo does)"
vmlinuz=$("$srcdir/tests/kernel/fetch-kernel" "$kernel" 2> >(tee -a "$run/transcript.txt" >&2)) ||
	die "cannot fetch the lab kernel $kernel (from Debian trixie-backports through the mirror in /etc/apt/sources.list.d/*.sources): see the messages above"
say "kernel $(cat "$(dirname "$vmlinuz")/release" 2>/dev/null || echo "$vmlinuz")"

# One lab VM at a time on this machine: the demo waits for another lab run to end.
exec 8>/tmp/vtier-lab.lock
if ! flock -n 8; then
	say "another lab VM is running (lock /tmp/vtier-lab.lock): waiting for it"
	flock 8
fi
timeout=$((phase_max + second_max + 150))
say "booting the lab: QEMU TCG (no KVM), node0 1 GiB with 2 CPUs = DRAM, node1 1 GiB CPU-less = CXL; bounded to ${timeout}s"
export VTIER_SRCDIR=$srcdir VTIER_BUILDDIR=$builddir # bound back into the guest when under /tmp
t_lab=$SECONDS
set +e
"$srcdir/tests/kernel/lab" --timeout "$timeout" --out "$run/guest" --console "$run/console.txt" \
	--env DEMO_HOLD="$hold" --env DEMO_PHASE_MAX="$phase_max" --env DEMO_SECOND_MAX="$second_max" \
	--env LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp" "$kernel" -- \
	"$srcdir/tests/kernel/demo-guest.sh" "$builddir" "$srcdir" "$first" "$second" 2>&1 |
	tee -a "$run/transcript.txt"
rc=${PIPESTATUS[0]}
set -e
lab_seconds=$((SECONDS - t_lab))
exec 8>&-
case $rc in
0) ;;
124) say "the lab reached its time bound (${timeout}s): the demo ran out of time" ;;
125) die "the lab failed (QEMU or the kernel; see the lines above and $run/console.txt)" ;;
*) say "the demo script in the lab exited $rc" ;;
esac

plot "$run"

g=$run/guest
res() { sed -n "s/^$1=//p" "$g/result.txt" 2>/dev/null | tail -n 1; }
first_reached=$(res first_reached_s)
{
	echo "first_target=$first"
	echo "first_reached_s=${first_reached:--1}"
	echo "first_share=$(res first_share)"
	echo "second_target=$second"
	echo "second_reached_s=$(res second_reached_s)"
	echo "second_share=$(res second_share)"
	echo "metrics_lines=$(res metrics_lines)"
	echo "lab_exit=$rc"
	echo "lab_seconds=$lab_seconds"
	echo "wall_seconds=$((SECONDS - t_start))"
} >"$run/summary.txt"
echo | tee -a "$run/transcript.txt"
if [ -n "$first_reached" ] && [ "$first_reached" -ge 0 ]; then
	say "fast share $(res first_share)% for target $first%: within +-3 points $first_reached s after the attach"
else
	say "fast share $(res first_share)% for target $first%: NOT within +-3 points in ${phase_max}s"
fi
say "fast share $(res second_share)% for target $second% (second_reached_s=$(res second_reached_s), -1: not within +-3 points)"
say "metrics:    $g/metrics.txt ($(res metrics_lines) lines for the guest, shown above)"
[ -s "$run/share.png" ] && say "plot:       $run/share.png"
say "transcript: $run/transcript.txt"
say "wall time:  $((SECONDS - t_start)) s (the lab: $lab_seconds s); the lab VM has exited"
[ "$rc" = 0 ] && [ -n "$first_reached" ] && [ "$first_reached" -ge 0 ]
