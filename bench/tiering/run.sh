#!/bin/bash
# bench/tiering/run.sh — the tiering benchmark in the lab (bench/tiering/README.md).
#
#   bench/tiering/run.sh [--kernels "7.3 6.18"] [--workloads "single moving three"]
#                        [--moving-variants V (default: --variants)]
#                        [--variants "none numa mtier mtier-fixed confa static kernel vtier vtierd hotsplit"]
#                        [--seconds 60] [--target 50] [--moving-target 25] [--hot-split 95]
#                        [--hot-at MIB (where the single/moving workload's hot set starts: 0)]
#                        [--rate 32MiB/s (vtier's closed-loop variants' max-rate)]
#                        [--trace (the vtierd variants record vtierctl status --json each second)]
#                        [--damon-reader (a fault: the vtierd variants' kdamond read through
#                         update_schemes_tried_regions once a second, as damo does: DIR/NAME.damon)]
#                        [--out DIR] [--builddir DIR]
#   bench/tiering/run.sh --report-only --out DIR [--target P] [--moving-target P]   (again)
#
# One lab boot per kernel, workload and variant (tests/kernel/lab), each running
# bench/tiering/guest.sh: workload "single" is 512 MiB with 128 MiB hot, populated on the slow
# node, tiered for --seconds by the variant while lab-placement samples its pages every second;
# "moving" is the same with the hot set moved to the last 128 MiB halfway through (share
# variants aim at --moving-target 25%, the hot set's size, so the new hot set starts slow); "three" is
# three 256 MiB guests under vtierd's arbiter (one run, no variants). Then
# bench/tiering/analyze.py writes DIR/results.md (the tables), DIR/results.tsv, and gnuplot draws
# DIR/KERNEL-share.png (the share over time, one line per variant), DIR/KERNEL-moving.png (the
# moved hot set's fraction in fast memory) and DIR/KERNEL-three.png (each guest's fast MiB).
# Variants: none (1, no tiering), numa (2, kernel.numa_balancing=2), mtier (3, DAMON's tiering
# recipe as documented), mtier-fixed (3, its starvation avoided), confa (4, the seed's
# Configuration A: vtierd, hot-split tuner=kernel), static (vtier's ratio plan: fixed caps, no
# loop), kernel (5, vtier ratio tuner=kernel), vtierdk (5', the same inside vtierd, which feeds
# the user_input goal; not in the default list), vtier (6, the controller), vtierd (6', the
# controller inside vtierd, ratio tuner=vtier), hotsplit (7, vtierd hot-split tuner=vtier).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
builddir=${VTIER_BUILDDIR:-$srcdir/_build}
kernels="7.3 6.18"
variants="none numa mtier mtier-fixed confa static kernel vtier vtierd hotsplit"
workloads="single moving three"
moving_variants=""
secs=60
target=50
moving_target=25
hotsplit=95
rate=32MiB/s
trace=0
damon_reader=0
hot_at=0
out=""
report_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernels) kernels=$2; shift ;;
	--variants) variants=$2; shift ;;
	--workloads) workloads=$2; shift ;;
	--moving-variants) moving_variants=$2; shift ;;
	--hot-split) hotsplit=$2; shift ;;
	--moving-target) moving_target=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--rate) rate=$2; shift ;;
	--trace) trace=1 ;;
	--damon-reader) damon_reader=1 ;;
	--hot-at) hot_at=$2; shift ;;
	--target) target=$2; shift ;;
	--out) out=$2; shift ;;
	--builddir) builddir=$2; shift ;;
	--report-only) report_only=1 ;;
	*) echo "usage: $0 [--kernels K] [--workloads W] [--variants V] [--seconds S] [--rate R] [--target P] [--hot-split P] [--hot-at MIB] [--out DIR] [--builddir DIR]" >&2
	   exit 2 ;;
	esac
	shift
done
[ -n "$out" ] || out=$(mktemp -d /tmp/vtier-tiering-bench.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)
for p in tests/kernel/lab-damon-loop tests/kernel/lab-workload tests/kernel/lab-placement vtierd vtierctl; do
	[ "$report_only" = 1 ] && break
	[ -x "$builddir/$p" ] || { echo "$0: $builddir/$p not built (make check builds it)" >&2; exit 2; }
done
# the policies of the vtierd variants, read by the guest from DIR
mkdir -p "$out/policies"
policy() { # TUNER -> hot-split policy
	printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="hot-split"><vtier:fast ratio="%s%%"/><vtier:migration %s/></vtier:policy>\n' \
		"$hotsplit" "$1"
}
policy 'tuner="kernel"' >"$out/policies/confa.xml"
policy "max-rate=\"$rate\" tuner=\"vtier\"" >"$out/policies/hotsplit.xml"
# vtierd: a ratio policy per target (the single and the moving workload's)
for t in "$target" "$moving_target"; do
	printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio"><vtier:fast ratio="%s%%"/><vtier:migration max-rate="%s" tuner="vtier"/></vtier:policy>\n' \
		"$t" "$rate" >"$out/policies/vtierd-$t.xml"
	printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio"><vtier:fast ratio="%s%%"/><vtier:migration max-rate="%s" tuner="kernel"/></vtier:policy>\n' \
		"$t" "$rate" >"$out/policies/vtierdk-$t.xml"
done

args_of() { # VARIANT TARGET POLICYDIR -> "MODE|guest.sh options"
	local target=$2 pols=$3
	case "$1" in
	none) echo "none|" ;;
	numa) echo "numa|" ;;
	mtier | mtier-fixed) echo "damon|$1" ;;
	confa | hotsplit) echo "vtierd|$pols/$1.xml" ;;
	vtierd) echo "vtierd|$pols/vtierd-$target.xml" ;;
	vtierdk) echo "vtierd|$pols/vtierdk-$target.xml" ;;
	arbiter) echo "vtierd|" ;;
	static) echo "loop|--budgets static --pull-min-accesses 1 --push-young --target-pct $target" ;;
	kernel) echo "loop|--budgets kernel --target-pct $target" ;;
	vtier) echo "loop|--target-pct $target" ;;
	*) echo "" ;;
	esac
}

run_one() { # KERNEL WORKLOAD VARIANT DIR TARGET
	local k=$1 w=$2 v=$3 d=$4 spec start
	# the guest sees the run's folder (--out), not DIR when DIR is under /tmp (its tmpfs hides
	# the host's /tmp): the policies go into the run's folder
	mkdir -p "$d/policies"
	cp "$out"/policies/*.xml "$d/policies/"
	spec=$(args_of "$v" "$5" "$d/policies")
	[ -n "$spec" ] || { echo "$0: unknown variant $v" >&2; exit 2; }
	start=$(date +%s)
	# shellcheck disable=SC2086 # the options are words
	"$srcdir/tests/kernel/lab" --quiet --timeout $((secs + 180)) --out "$d" \
		--output "$d/$v.output" --console "$d/$v.console" \
		--env BENCH_SECONDS="$secs" --env BENCH_WORKLOAD="$w" --env BENCH_TRACE="$trace" --env BENCH_DAMON_READER="$damon_reader" --env BENCH_HOT_AT_MIB="$hot_at" \
		--env LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp" "$k" -- \
		"$here/guest.sh" "$builddir" "$v" "${spec%%|*}" ${spec#*|} 2>"$d/$v.stderr"
	echo "# $k $w $v: lab exited $? after $(($(date +%s) - start)) s" >&2
}

for k in $kernels; do
	[ "$report_only" = 1 ] && break
	for w in $workloads; do
		case "$w" in
		single) for v in $variants; do run_one "$k" single "$v" "$out/$k" "$target"; done ;;
		moving) for v in ${moving_variants:-$variants}; do run_one "$k" moving "$v" "$out/$k/moving" "$moving_target"; done ;;
		three) run_one "$k" three arbiter "$out/$k/three" "$target" ;;
		*) echo "$0: unknown workload $w" >&2; exit 2 ;;
		esac
	done
done
python3 "$here/analyze.py" "$out" "$target" "$moving_target" >/dev/null
: >"$out/gnuplot.err"
plot() { # KERNEL SUFFIX TITLE YLABEL YRANGE [EXTRA-PLOT]
	local dat="$out/$1$2.dat" lines="" col=1 v label
	[ -f "$dat" ] || return 0
	while IFS=$'\t' read -r v label; do
		label=${label//\'/}
		lines="$lines${lines:+, }'$dat' using $col:$((col + 1)) with lines lw 2 title '$label'"
		col=$((col + 2))
	done <"$out/$1$2-variants.txt"
	gnuplot -e "set terminal png size 1000,700; set output '$out/$1$2.png'; set title '$3';
		set xlabel 'seconds'; set ylabel '$4'; set yrange [$5];
		set termoption noenhanced; set key below; set grid;
		plot $lines${6:+, $6}" 2>>"$out/gnuplot.err" ||
		echo "$0: gnuplot failed (see $out/gnuplot.err)" >&2
}
for k in $kernels; do
	plot "$k" -share "fast share of a 512 MiB workload (128 MiB hot), target $target%, kernel $k" \
		'share in fast memory (%)' 0:100 "$target title 'target' dt 2 lc rgb 'black'"
	plot "$k" -moving "the hot set moves halfway: the new 128 MiB hot set in fast memory, kernel $k" \
		'new hot set in fast memory (%)' 0:100
	fast=$(sed -n 's/^fast_mib \([0-9]*\).*/\1/p' "$out/$k/three/arbiter.info" 2>/dev/null)
	plot "$k" -three "three guests (256 MiB each) sharing ${fast:-?} MiB of fast memory, kernel $k" \
		'fast memory (MiB)' 0:* "${fast:+$fast title 'fast memory for guests' dt 2 lc rgb 'black'}"
done
cat "$out/results.md"
echo "# results in $out (results.md, results.tsv, KERNEL-share.png, KERNEL-moving.png, KERNEL-three.png)"
