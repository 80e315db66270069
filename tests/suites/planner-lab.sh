#!/bin/bash
# planner-lab.sh — applies the planner's output for every mode to real kernels (6.12, 6.18, 7.3)
# in the lab (tests/kernel/lab, docs/lab.md): `on` succeeds, every file reads back what the plan
# wrote, and the guest's schemes run (nr_tried grows). Modes a kernel cannot do must be refused by the
# planner (checked per kernel: refusing too much or too little fails). Run by ./quickstart.sh check with VTIER_SRCDIR and
# VTIER_BUILDDIR set; PLANNER_LAB_KERNELS overrides the kernel list. Ends with
# "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"
# CI (CI=true) runs the newest kernel, where every mode plans: the older ABIs are applied for
# real by damon-lab (all three), damon-tiering(-proof) (6.12's filters, staged start),
# vtierd-lab and controller-acceptance (6.18); the whole matrix is
# `PLANNER_LAB_KERNELS="6.12 6.18 7.3" tests/suites/planner-lab.sh` (~3 min a kernel). It
# checks that schemes run (nr_tried), not that pages move: 6.12's broken addr filter form
# passed it (bench/tiering/README.md, "Later the same day")
if [ "${CI:-}" = true ]; then kernels=${PLANNER_LAB_KERNELS:-7.3}
else kernels=${PLANNER_LAB_KERNELS:-6.12 6.18 7.3}; fi
missing=$(lab_missing "$builddir/vtierctl" "$builddir/tests/kernel/lab-workload")
[ -z "$missing" ] || skip_all planner-lab "missing: $missing" $kernels

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for k in $kernels; do
	TMPDIR=$work "$srcdir/tests/kernel/lab" --quiet --timeout 600 --cwd "$srcdir" \
		--output "$work/output-$k" --console "$work/console-$k" \
		"$k" -- tests/kernel/planner-modes.sh "$srcdir" "$builddir" 2>"$work/stderr-$k"
	rc=$?
	if [ "$rc" != 0 ]; then
		result fail "$k lab" "exit $rc"
		sed 's/^/#   /' "$work/stderr-$k"
		tail -n 20 "$work/console-$k" | tr -d '\r' | sed 's/^/#   console: /'
	fi
	while IFS= read -r line; do
		case "$line" in
		"ok "*) result ok "$k ${line#ok }" ;;
		"not ok "*) name=${line#not ok }; result fail "$k ${name%%:*}" "${name#*: }" ;;
		"skip "*) name=${line#skip }; result skip "$k ${name%%:*}" "${name#*: }" ;;
		"#"*) echo "# $k: ${line#\# }" ;;
		esac
	done <"$work/output-$k"
done
finish
