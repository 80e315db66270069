#!/bin/bash
# vtierd-lab.sh — vtierd for real on the lab's kernels (7.3, 6.18): inside each,
# tests/kernel/vtierd-guest.sh starts vtierd against the kernel's DAMON (no --dry-run,
# --connect none, [damon] disable_damon_stat=true) and checks that it refuses a foreign kdamond
# without writing anything, tiers a workload in a cgroup attached by pid with pin-fast (pages
# move from the CXL node to node0, memory.numa_stat before/after), adopts its kdamond after a
# SIGKILL (mid-apply and mid-migration: no second staged start, the same schemes), and moves
# the workload toward ratio 50% after a policy change. The figures are printed as comment
# lines. Run by ./quickstart.sh check with VTIER_SRCDIR and VTIER_BUILDDIR set (CI: 6.18 only);
# VTIERD_LAB_KERNELS overrides the kernel list. Ends with "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"
guest=$srcdir/tests/kernel/vtierd-guest.sh
helperdir=${VTIERD_LAB_HELPERDIR:-$builddir}
# CI (CI=true) runs 6.18, whose older ABI (no hot measure, no node goals) has no other vtierd lab
# suite; SIGKILL mid-apply and adoption are judged there. On 7.3 vtierd runs in CI under e2e
# (libvirt, convergence, policy change, destroy), the faults lab part (a foreign writer, damon_stat,
# a lost memcg, the state file) and controller-acceptance
if [ "${CI:-}" = true ]; then kernels=${VTIERD_LAB_KERNELS:-6.18}
else kernels=${VTIERD_LAB_KERNELS:-7.3 6.18}; fi

missing=$(lab_missing)
[ -z "$missing" ] || skip_all vtierd-lab "missing: $missing" $kernels
require_built vtierd-lab "$kernels" "$builddir/vtierd" "$builddir/vtierctl" \
	"$helperdir/tests/kernel/lab-workload"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for k in $kernels; do
	start=$(date +%s)
	mkdir -p "$work/out-$k"
	TMPDIR=$work "$srcdir/tests/kernel/lab" --quiet --timeout 420 --out "$work/out-$k" \
		--output "$work/output-$k" --console "$work/console-$k" "$k" -- \
		"$guest" "$builddir" "$k" "$srcdir" "$helperdir" \
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
	if grep -q '^not ok' "$work/output-$k" 2>/dev/null; then
		# what vtierd said, for the diagnosis: notices, warnings and the controller's lines
		for l in "$work/out-$k"/log-*; do
			[ -f "$l" ] || continue
			grep -E ' (notice|warning|critical|message): |controller|budget|apply|commit' "$l" |
				tail -n 25 | sed "s/^/#   $(basename "$l"): /"
		done
		tail -n 30 "$work/out-$k/trace" 2>/dev/null | sed 's/^/#   trace: /'
		# the whole of it (debug logs, trace, lab console) kept for a closer look
		keep=$builddir/vtierd-lab-$k
		rm -rf "$keep" && cp -r "$work/out-$k" "$keep" &&
			cp "$work/console-$k" "$work/output-$k" "$keep/" 2>/dev/null
		echo "# $k: logs kept in $keep"
	fi
	if ! grep -qE '^1\.\.[0-9]+$' "$work/output-$k" 2>/dev/null; then
		result fail "vtierd-lab $k completed" "lab exit $rc: $(tail -3 "$work/stderr-$k" | tr '\n' ' ')"
		tail -20 "$work/output-$k" 2>/dev/null | sed 's/^/#   /'
	fi
done
finish
