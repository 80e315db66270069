#!/bin/bash
# tiering-bench.sh — the short CI version of the tiering benchmark (bench/tiering/README.md):
# on 7.3, the kernel's NUMA-balancing tiering (not under CI=true) and vtier's controller, 60 s each, on a 512 MiB
# workload (128 MiB hot) that starts on the slow node, target 50%. Checks vtier's row against the
# goals it can meet on its own (not ratios to the kernel: a short run is too noisy for those):
# settles within +-2 points in 30 s, overshoot <= 3 points, oscillation after settling <= 2
# points... (see the checks below), and that the table and the plot were produced. The full
# benchmark's other variants and workloads (bench/tiering/README.md) are not run here; their
# analysis is checked first, without the lab, on made-up samples (ratios to the best kernel
# variant, "never (>N s)", the best kernel variant to the end, the moving hot set, the arbiter's grants).
# Run by ./quickstart.sh check (VTIER_SRCDIR, VTIER_BUILDDIR). TIERING_BENCH_OUT keeps the results.
# Ends with "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"

# analyze.py on made-up samples: no lab needed
check_analysis() {
	local d
	d=$(mktemp -d)
	python3 - "$d" <<'PY'
import os, sys
d = sys.argv[1]
def place(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write("".join(" ".join(f"{x:.1f}" for x in r) + "\n" for r in rows))
def info(path, text):
    open(path, "w").write(text)
# K: numa gets the hot set to 90% at 18 s, vtier at 5 s and holds 50% from 10 s
place(f"{d}/K/numa.place", [(t, min(128.0, 6.4 * t), 128 - min(128.0, 6.4 * t),
                              min(128.0, 6.4 * t), 512 - min(128.0, 6.4 * t)) for t in range(1, 41)])
place(f"{d}/K/vtier.place", [(t, 128.0 if t >= 5 else 20.0, 0.0 if t >= 5 else 108.0,
                               256.0 if t >= 10 else 100.0, 256.0 if t >= 10 else 412.0)
                              for t in range(1, 41)])
# L: the kernel never gets there
place(f"{d}/L/numa.place", [(t, 10.0, 118.0, 10.0, 502.0) for t in range(1, 41)])
place(f"{d}/L/vtier.place", [(t, 128.0, 0.0, 256.0, 256.0) for t in range(1, 41)])
# M: confa crosses 90% at 2 s and loses it at 15 s; numa gets there at 20 s and stays;
# vtier at 4 s and stays
place(f"{d}/M/confa.place", [(t, 128.0 if 2 <= t < 15 else 64.0, 0.0 if 2 <= t < 15 else 64.0,
                              300.0, 212.0) for t in range(1, 41)])
place(f"{d}/M/numa.place", [(t, 128.0 if t >= 20 else 10.0, 0.0 if t >= 20 else 118.0,
                             128.0, 384.0) for t in range(1, 41)])
place(f"{d}/M/vtier.place", [(t, 128.0 if t >= 4 else 10.0, 0.0 if t >= 4 else 118.0,
                              256.0, 256.0) for t in range(1, 41)])
# K, moving: the new hot set is 90% fast 8 s after the move at 20 s
place(f"{d}/K/moving/vtier.place", [(t, 128.0, 0.0, 256.0, 256.0) for t in range(1, 41)])
place(f"{d}/K/moving/vtier.place2", [(t, 0.0 if t < 28 else 128.0, 128.0 if t < 28 else 0.0,
                                      256.0, 256.0) for t in range(1, 41)])
info(f"{d}/K/moving/vtier.info", "kernel K\nmove_at 20.0\nexit 0\n")
# K, three: 400 MiB for 256 MiB guests at 80% (prio 90), 60% and 50% (prio 50)
os.makedirs(f"{d}/K/three")
open(f"{d}/K/three/arbiter.numa", "w").write("".join(
    f"{t} 204.8 51.2 106.5 149.5 88.7 167.3\n" for t in range(1, 31)))
info(f"{d}/K/three/arbiter.info", "fast_mib 400 node0_kib 1 fast_reserve_kib 1\n"
     "guest w1 ratio 80 priority 90\nguest w2 ratio 60 priority 50\nguest w3 ratio 50 priority 50\n")
PY
	python3 "$srcdir/bench/tiering/analyze.py" "$d" 50 >"$d/md" 2>&1
	local row_k row_l row_m mib_k
	row_k=$(awk -F'\t' '$1 == "K" && $2 == "vtier" { print $14 "|" $15 }' "$d/results.tsv")
	# K's vtier moved 156 MiB into the band at its settling sample (10 s), nothing after
	mib_k=$(awk -F'\t' '$1 == "K" && $2 == "vtier" { print $9 }' "$d/results.tsv")
	if [ "$mib_k" = "0.0" ]; then
		result ok "analysis: the move into the band is not migration after settling"
	else
		result fail "analysis: MiB/min after settling" "K vtier: $mib_k (want 0.0)"
	fi
	row_l=$(awk -F'\t' '$1 == "L" && $2 == "vtier" { print $14 "|" $15 }' "$d/results.tsv")
	if [ "$row_k" = "0.28× (numa 18.0 s)|kernel: never (>40 s)" ] &&
		[ "$row_l" = "kernel: never (>40 s)|kernel: never (>40 s)" ]; then
		result ok "analysis: ratios to the best kernel variant, never (>N s) without one"
	else
		result fail "analysis: ratios" "K: $row_k, L: $row_l"
	fi
	row_m=$(awk -F'\t' '$1 == "M" && $2 == "vtier" { print $14 "|" $16 "|" $17 }' "$d/results.tsv")
	if [ "$row_m" = "2.00× (confa 2.0 s)|4.0|0.20× (numa 20.0 s)" ]; then
		result ok "analysis: a kernel variant that lost the hot set is not the best to the end"
	else
		result fail "analysis: hot set >= 90% to the end" "M: $row_m (want 2.00× (confa 2.0 s)|4.0|0.20× (numa 20.0 s))"
	fi
	if grep -q "| 20.0 s | 100.0% | 0.0% | 8.0 s | no kernel variant ran" "$d/md" &&
		grep -q "| w1 | 90 | 80% | 204.8 MiB | 204.8 MiB |" "$d/md" &&
		grep -q "| w2 | 50 | 60% | 153.6 MiB | 106.5 MiB |" "$d/md" &&
		grep -q "over the capacity by 0.0 MiB" "$d/md"; then
		result ok "analysis: the moving hot set and the arbiter's grants"
	else
		result fail "analysis: moving hot set / grants" "$(grep -E '^\| (vtier|\(6\)|w[123]) ' "$d/md" | tr '\n' ' ')"
	fi
	rm -rf "$d"
}
if command -v python3 >/dev/null; then
	check_analysis
fi

missing=$(lab_missing)
command -v python3 >/dev/null || missing="$missing python3"
if [ -n "$missing" ]; then
	result skip "tiering benchmark (short)" "missing: ${missing# }"
	finish
fi
out=${TIERING_BENCH_OUT:-}
[ -n "$out" ] || { out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; }
# CI (CI=true) runs vtier alone: the checks below judge vtier on its own, and the NUMA-balancing
# baseline's 60 s go to the e2e; TIERING_BENCH_VARIANTS="numa vtier" runs both
if [ "${CI:-}" = true ]; then variants=${TIERING_BENCH_VARIANTS:-vtier}
else variants=${TIERING_BENCH_VARIANTS:-numa vtier}; fi
"$srcdir/bench/tiering/run.sh" --kernels 7.3 --workloads single --variants "$variants" --seconds 60 \
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
if [[ " $variants " != *" numa "* ]]; then
	: # not asked for
elif awk -F'\t' '$1 == "7.3" && $2 == "numa"' "$out/results.tsv" | grep . >/dev/null; then
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
