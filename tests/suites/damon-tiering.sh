#!/bin/bash
# damon-tiering.sh — the tiering proof of the DAMON driver on the lab's real kernels (6.12, 6.18,
# 7.3): inside each, tests/kernel/damon-tiering-guest.sh runs a 512 MiB workload on the CXL node
# (128 MiB hot) in one cgroup and a hot neighbour in another, applies a PULL scheme with
# `vtierctl damon apply` (the driver stages the start on 6.12), and checks >= 90% of the hot set on node0 within 60 s,
# the neighbour untouched and the workload's cold pages left alone. The curves (seconds -> MiB per
# node) are printed as comment lines. Run by ./quickstart.sh check with VTIER_SRCDIR and
# VTIER_BUILDDIR set; DAMON_TIERING_KERNELS overrides the kernel list. Ends with
# "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"
guest=$srcdir/tests/kernel/damon-tiering-guest.sh
helperdir=${DAMON_TIERING_HELPERDIR:-$builddir}
# CI (CI=true) runs 6.12 (the staged start) and 7.3 (an unstaged one): 6.18's ABI is proven
# through the same driver by damon-tiering-proof.sh, and CI's time goes to the faults lab part
if [ "${CI:-}" = true ]; then kernels=${DAMON_TIERING_KERNELS:-6.12 7.3}
else kernels=${DAMON_TIERING_KERNELS:-6.12 6.18 7.3}; fi

missing=$(lab_missing)
[ -z "$missing" ] || skip_all damon-tiering "missing: $missing" $kernels
require_built damon-tiering "$kernels" "$builddir/vtierctl" "$helperdir/tests/kernel/lab-workload" \
	"$helperdir/tests/kernel/lab-placement"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for k in $kernels; do
	start=$(date +%s)
	mkdir -p "$work/out-$k"
	TMPDIR=$work "$srcdir/tests/kernel/lab" --quiet --timeout 240 --out "$work/out-$k" \
		--output "$work/output-$k" --console "$work/console-$k" "$k" -- \
		"$guest" "$builddir" "$k" "$helperdir" \
		2>"$work/stderr-$k"
	rc=$?
	echo "# $k: lab exited $rc after $(($(date +%s) - start))s"
	grep -E '^#' "$work/output-$k" 2>/dev/null | sed "s/^/# $k: /"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) result ok "$k: ${line#ok * - }" ;;
		"not ok "*) result fail "$k: ${line#not ok * - }" ;;
		esac
	done <"$work/output-$k"
	if ! grep -qE '^1\.\.[0-9]+$' "$work/output-$k" 2>/dev/null; then
		result fail "damon-tiering $k completed" "lab exit $rc: $(tail -3 "$work/stderr-$k" | tr '\n' ' ')"
		tail -20 "$work/output-$k" 2>/dev/null | sed 's/^/#   /'
	fi
done
finish
