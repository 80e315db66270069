#!/bin/bash
# damon-tiering-proof.sh — the DAMON driver moves pages on real kernels (docs/lab-tiering.md).
#
# For each kernel (7.3, 6.18, 6.12) one lab boot runs tests/kernel/damon-tiering-proof-guest.sh:
# a workload in a cgroup populates 512 MiB on the CXL node and keeps 128 MiB hot, a neighbour
# outside the cgroup holds 128 MiB there (16 MiB hot); tests/kernel/lab-damon-pull builds a
# VtierDamonModel from the topology module and applies it with vtier_damon_driver_apply() (PULL
# migrate_hot -> node0, memcg + addr filters in the kernel's form, 32 MiB per 1 s window, staged
# start, damon_stat turned off by the driver). Checks: >= 90% of the hot set on node0 within 60 s,
# no neighbour page ever moved, DAMON still sees the hot set. Prints each kernel's tiering curve
# (seconds since the PULL commit -> MiB of the hot set / total per node) as "# KERNEL curve" lines.
#
# Run by ./quickstart.sh check with VTIER_SRCDIR and VTIER_BUILDDIR set (after make check, which
# builds the helpers). DAMON_TIERING_PROOF_KERNELS overrides the kernel list, DAMON_TIERING_PROOF_OUT
# keeps the guest's files (curves, the driver's writes as sh, its status log). Ends with
# "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"
# CI (CI=true) runs 6.18: damon-tiering.sh drives the same driver on 6.12 and 7.3 (through
# `vtierctl damon apply`), so each kernel's ABI is proven once per CI run
if [ "${CI:-}" = true ]; then kernels=${DAMON_TIERING_PROOF_KERNELS:-6.18}
else kernels=${DAMON_TIERING_PROOF_KERNELS:-7.3 6.18 6.12}; fi

missing=$(lab_missing)
command -v unshare >/dev/null || missing="$missing unshare (util-linux)"
[ -z "$missing" ] || skip_all damon-tiering-proof "missing: ${missing# }" $kernels
require_built damon-tiering-proof "$kernels" "$builddir/tests/kernel/lab-damon-pull" \
	"$builddir/tests/kernel/lab-workload" "$builddir/tests/kernel/lab-placement"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
keep=${DAMON_TIERING_PROOF_OUT:-}

for k in $kernels; do
	start=$(date +%s)
	mkdir -p "$work/out-$k"
	TMPDIR=$work "$srcdir/tests/kernel/lab" --quiet --timeout 150 --out "$work/out-$k" \
		--output "$work/output-$k" --console "$work/console-$k" \
		--env LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp" "$k" -- \
		"$srcdir/tests/kernel/damon-tiering-proof-guest.sh" "$builddir" "$k" 2>"$work/stderr-$k"
	rc=$?
	echo "# $k: lab exited $rc after $(($(date +%s) - start)) s"
	grep -E '^# ' "$work/output-$k" 2>/dev/null | grep -v '^# status' | sed "s/^# /# $k: /"
	sed -n 's/^curve /# '"$k"' curve /p' "$work/output-$k" 2>/dev/null
	while IFS= read -r line; do
		case "$line" in
		"ok "*) result ok "$k: ${line#ok * - }" ;;
		"not ok "*) result fail "$k: ${line#not ok * - }" ;;
		esac
	done <"$work/output-$k"
	if ! grep -qE '^1\.\.[0-9]+$' "$work/output-$k" 2>/dev/null || [ "$rc" -ne 0 ]; then
		if ! grep -q '^not ok ' "$work/output-$k" 2>/dev/null; then
			result fail "damon-tiering-proof $k completed" \
				"lab exit $rc: $(tail -3 "$work/stderr-$k" | tr '\n' ' ')"
		fi
		tail -20 "$work/output-$k" 2>/dev/null | sed 's/^/#   /'
	fi
	if [ -n "$keep" ]; then
		mkdir -p "$keep/$k"
		cp -a "$work/out-$k/." "$work/output-$k" "$work/console-$k" "$keep/$k/" 2>/dev/null
	fi
done
finish
