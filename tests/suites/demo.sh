#!/bin/bash
# demo.sh — `./quickstart.sh demo` (tests/demo.sh) run non-interactively, checked: the lab booted,
# the workload's fast share reached the first target (40%) +- 3 points, moved toward the second
# (70%) after the change, vtierd's /metrics lines for the guest were printed (and pass
# `promtool check metrics` when promtool is on PATH), the plot is a PNG, and no QEMU of the demo
# is left running. With CI=true the phases are shorter (hold 2 s at the first target, 20 s after
# the change: the share must have moved 5 points toward 70%, not reached it).
# Run by ./quickstart.sh check (VTIER_SRCDIR, VTIER_BUILDDIR); DEMO_SUITE_OUT keeps the demo's
# folder. Ends with "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"
check() { if [ "$1" = 0 ]; then result ok "$2"; else result fail "$2" "${3:-}"; fi; }
missing=$(lab_missing)
command -v gnuplot >/dev/null || missing="$missing gnuplot"
command -v curl >/dev/null || missing="$missing curl"
if [ -n "$missing" ]; then
	result skip "the demo (lab 7.3)" "missing: ${missing# }"
	finish
fi

out=${DEMO_SUITE_OUT:-}
# the lab's own run folder (QEMU's sockets) goes under this folder: a process naming it is the
# demo's
labtmp=$(mktemp -d /tmp/vtier-demo-suite.XXXXXX)
if [ -z "$out" ]; then
	out=$(mktemp -d)
	trap 'rm -rf "$out" "$labtmp"' EXIT
else
	trap 'rm -rf "$labtmp"' EXIT
fi
if [ "${CI:-}" = true ]; then
	export DEMO_HOLD=2 DEMO_PHASE_MAX=75 DEMO_SECOND_MAX=20
	moved_min=5
else
	moved_min=25 # the default run waits until the share sits at 70% (or 90 s)
fi
mkdir -p "$out"
start=$SECONDS
TMPDIR=$labtmp DEMO_OUT=$out/run "$srcdir/tests/demo.sh" "$builddir" </dev/null >"$out/stdout" 2>&1
rc=$?
secs=$((SECONDS - start))
echo "# the demo took ${secs}s (exit $rc); its last lines:"
tail -n 8 "$out/stdout" | sed 's/^/#   /'
run=$out/run
val() { sed -n "s/^$1=//p" "$run/summary.txt" 2>/dev/null | tail -n 1; }

[ "$rc" = 0 ]
check $? "the demo exited 0" "exit $rc"
if [ ! -f "$run/summary.txt" ]; then
	result fail "the demo ran the lab" "$(tail -n 3 "$out/stdout" | tr '\n' ' ')"
	finish
fi
[ "$(val lab_exit)" = 0 ]
check $? "the lab booted and the guest script completed" "lab exit $(val lab_exit)"
first=$(val first_share) second=$(val second_share)
awk -v s="${first:--1}" 'BEGIN { exit !(s >= 37 && s <= 43) }'
check $? "the fast share reached 40% +- 3 points (${first:-?}%, after $(val first_reached_s) s)"
awk -v a="${first:--1}" -v b="${second:--1}" -v m="$moved_min" 'BEGIN { exit !(a >= 0 && b >= a + m && b <= 73) }'
check $? "after the change to 70% the share moved toward it by >= $moved_min points (${first:-?}% -> ${second:-?}%)"
# the frames of vtierctl top reached the host's output, with both targets
grep -qE '^work +ratio +[0-9]+%/40%' "$out/stdout" && grep -qE '^work +ratio +[0-9]+%/70%' "$out/stdout"
check $? "vtierctl top's frames (targets 40% and 70%) were streamed to the demo's output"
metrics=$run/guest/metrics.txt
grep -q '^vtier_guest_fast_share_ratio{domain="work"} ' "$out/stdout" &&
	grep -q '^vtier_guest_target_fast_share_ratio{domain="work"} 0.7$' "$out/stdout" &&
	[ "$(val metrics_lines)" -ge 10 ] 2>/dev/null
check $? "vtierd's /metrics lines for the guest were printed ($(val metrics_lines) lines)"
if command -v promtool >/dev/null; then
	promtool check metrics <"$metrics" >"$out/promtool" 2>&1
	check $? "promtool check metrics accepts vtierd's /metrics" "$(head -3 "$out/promtool" | tr '\n' ' ')"
else
	result skip "promtool check metrics" "promtool not on PATH (quickstart.sh check extracts it)"
fi
[ "$(head -c 8 "$run/share.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
check $? "the plot $run/share.png is a PNG"
grep -q "^==> plot: *$run/share.png" "$out/stdout" && grep -qF "transcript: $run/transcript.txt" "$out/stdout"
check $? "the demo names the plot and the transcript"
left=$(pgrep -a -f "$labtmp" || true)
[ -z "$left" ]
check $? "no process of the demo's lab is left running" "$left"
finish
