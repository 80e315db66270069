#!/bin/bash
# bench/tiering/run.sh — the tiering benchmark in the lab (bench/tiering/README.md).
#
#   bench/tiering/run.sh [--kernels "7.3 6.18"] [--variants "none numa static kernel vtier"]
#                        [--seconds 90] [--target 50] [--out DIR] [--builddir DIR]
#   bench/tiering/run.sh --report-only --out DIR [--kernels K] [--target P]   (table + plot again)
#
# One lab boot per kernel and variant (tests/kernel/lab), each running
# tests/kernel/controller-loop-guest.sh: a 512 MiB workload with 128 MiB hot, populated on the slow
# node, tiered for --seconds by the variant while lab-placement samples its pages every second.
# Then bench/tiering/analyze.py writes DIR/results.md (the table), DIR/results.tsv, and gnuplot
# draws DIR/KERNEL-share.png (the share over time, one line per variant).
# Variants: none (no tiering), numa (kernel.numa_balancing=2), static (vtier's ratio plan today:
# fixed caps, no loop), kernel (vtier ratio tuner=kernel), vtier (the controller).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
builddir=${VTIER_BUILDDIR:-$srcdir/_build}
kernels="7.3 6.18"
variants="none numa static kernel vtier"
secs=90
target=50
out=""
report_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernels) kernels=$2; shift ;;
	--variants) variants=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--target) target=$2; shift ;;
	--out) out=$2; shift ;;
	--builddir) builddir=$2; shift ;;
	--report-only) report_only=1 ;;
	*) echo "usage: $0 [--kernels K] [--variants V] [--seconds S] [--target P] [--out DIR] [--builddir DIR]" >&2
	   exit 2 ;;
	esac
	shift
done
[ -n "$out" ] || out=$(mktemp -d /tmp/vtier-tiering-bench.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)
for p in lab-damon-loop lab-workload lab-placement; do
	[ "$report_only" = 1 ] && break
	[ -x "$builddir/tests/kernel/$p" ] || { echo "$0: $builddir/tests/kernel/$p not built (make check builds it)" >&2; exit 2; }
done

args_of() { # VARIANT -> "MODE|lab-damon-loop options"
	case "$1" in
	none) echo "none|" ;;
	numa) echo "numa|" ;;
	static) echo "loop|--budgets static --pull-min-accesses 1 --push-young --target-pct $target" ;;
	kernel) echo "loop|--budgets kernel --target-pct $target" ;;
	vtier) echo "loop|--target-pct $target" ;;
	*) echo "" ;;
	esac
}

for k in $kernels; do
	[ "$report_only" = 1 ] && break
	mkdir -p "$out/$k"
	for v in $variants; do
		spec=$(args_of "$v")
		[ -n "$spec" ] || { echo "$0: unknown variant $v" >&2; exit 2; }
		start=$(date +%s)
		# shellcheck disable=SC2086 # the options are words
		"$srcdir/tests/kernel/lab" --quiet --timeout $((secs + 120)) --out "$out/$k" \
			--output "$out/$k/$v.output" --console "$out/$k/$v.console" \
			--env LOOP_SECONDS="$secs" --env LOOP_MODE="${spec%%|*}" \
			--env LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp" "$k" -- \
			"$srcdir/tests/kernel/controller-loop-guest.sh" "$builddir" "$v" ${spec#*|} \
			2>"$out/$k/$v.stderr"
		echo "# $k $v: lab exited $? after $(($(date +%s) - start)) s" >&2
	done
done
python3 "$here/analyze.py" "$out" "$target" >/dev/null
: >"$out/gnuplot.err"
for k in $kernels; do
	[ -f "$out/$k-share.dat" ] || continue
	plot=""
	col=1
	while IFS=$'\t' read -r v label; do
		label=${label//\'/}
		plot="$plot${plot:+, }'$out/$k-share.dat' using $col:$((col + 1)) with lines lw 2 title '$label'"
		col=$((col + 2))
	done <"$out/$k-variants.txt"
	gnuplot -e "set terminal png size 1000,700; set output '$out/$k-share.png';
		set title 'fast share of a 512 MiB workload (128 MiB hot), target $target%, kernel $k';
		set xlabel 'seconds'; set ylabel 'share in fast memory (%)'; set yrange [0:100];
		set termoption noenhanced; set key below; set grid;
		plot $plot, $target title 'target' dt 2 lc rgb 'black'" 2>>"$out/gnuplot.err" ||
		echo "$0: gnuplot failed (see $out/gnuplot.err)" >&2
done
cat "$out/results.md"
echo "# results in $out (results.md, results.tsv, KERNEL-share.png)"
