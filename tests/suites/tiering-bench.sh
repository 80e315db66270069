#!/bin/bash
# tiering-bench.sh — the short CI version of the tiering benchmark (bench/tiering/README.md):
# on 7.3, the kernel's NUMA-balancing tiering and vtier's controller, 60 s each, on a 512 MiB
# workload (128 MiB hot) that starts on the slow node, target 50%. Checks vtier's row against the
# goals it can meet on its own (not ratios to the kernel: a short run is too noisy for those):
# settles within +-2 points in 30 s, overshoot <= 3 points, oscillation after settling <= 2
# points... (see the checks below), and that the table and the plot were produced.
# Run by ./quickstart.sh check (VTIER_SRCDIR, VTIER_BUILDDIR). TIERING_BENCH_OUT keeps the results.
# Ends with "N passed, N failed, N skipped".
set -uo pipefail

srcdir=${VTIER_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${VTIER_BUILDDIR:-$srcdir/_build}
passed=0 failed=0 skipped=0
result() {
	case "$1" in
	ok) passed=$((passed + 1)); echo "PASS: $2" ;;
	fail) failed=$((failed + 1)); echo "FAIL: $2${3:+: $3}" ;;
	skip) skipped=$((skipped + 1)); echo "SKIP: $2${3:+: $3}" ;;
	esac
}
finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

missing=""
command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86_64"
[ -x /usr/lib/qemu/virtiofsd ] || missing="$missing virtiofsd"
[ -x /bin/busybox ] || missing="$missing busybox"
command -v python3 >/dev/null || missing="$missing python3"
[ "$(id -u)" = 0 ] || missing="$missing root"
if [ -n "$missing" ]; then
	result skip "tiering benchmark (short)" "missing:$missing"
	finish
fi
out=${TIERING_BENCH_OUT:-}
[ -n "$out" ] || { out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; }
"$srcdir/bench/tiering/run.sh" --kernels 7.3 --variants "numa vtier" --seconds 60 \
	--out "$out" --builddir "$builddir" 2>&1 | sed 's/^/# /'
row=$(awk -F'\t' '$1 == "7.3" && $2 == "vtier"' "$out/results.tsv" 2>/dev/null)
if [ -z "$row" ]; then
	result fail "vtier's run produced figures" "$(tail -5 "$out/7.3/vtier.stderr" 2>/dev/null | tr '\n' ' ')"
	finish
fi
result ok "vtier's run produced figures"
IFS=$'\t' read -r _ _ settle over osc share hot hot90 _ mib_end _ <<<"$row"
check() { # NAME VALUE OP LIMIT
	if [ "$2" != never ] && [ "$2" != - ] && awk -v v="$2" -v l="$4" "BEGIN { exit !(v $3 l) }"; then
		result ok "$1 ($2 $3 $4)"
	else
		result fail "$1" "$2, wanted $3 $4"
	fi
}
check "settles within +-2 points of 50% (s)" "$settle" "<=" 30
check "overshoot (points)" "$over" "<=" 3
check "oscillation after settling (points)" "$osc" "<=" 2
check "share at the end (%)" "$share" ">=" 48
check "hot set in fast memory at the end (%)" "$hot" ">=" 95
check "hot set >= 90% in fast memory (s)" "$hot90" "<=" 15
check "migration in the last 30 s (MiB/min, 1% of 512 MiB)" "$mib_end" "<=" 5.12
if awk -F'\t' '$1 == "7.3" && $2 == "numa"' "$out/results.tsv" | grep -q .; then
	result ok "the NUMA-balancing baseline ran"
else
	result fail "the NUMA-balancing baseline ran"
fi
if ! command -v gnuplot >/dev/null; then
	result skip "the share plot" "gnuplot missing"
elif [ -s "$out/7.3-share.png" ]; then
	result ok "the share plot (7.3-share.png)"
else
	result fail "the share plot" "$(cat "$out/gnuplot.err" 2>/dev/null)"
fi
grep -v '^#' "$out/results.md" | sed 's/^/# /'
finish
