#!/bin/bash
# damon-lab.sh — the DAMON driver against the real kernels of the lab (6.12, 6.18, 7.3): boots
# each once (tests/kernel/lab) and runs tests/kernel/damon-conformance inside, which checks that
# the probe matches the kernel's profile, the fake's tree equals the kernel's (files, modes,
# defaults), apply -> on -> read back equals the model, a commit changes exactly the changed files
# (commit_schemes_quota_goals for goals), a rejected commit leaves the running configuration and
# (after the writer's restore) the files unchanged, vtier adopts its own kdamond without a write,
# refuses a foreign kdamond without touching it, and reports and (when allowed) turns off
# damon_stat. One result per check, "KERNEL: check". Run by ./quickstart.sh check with
# VTIER_SRCDIR and VTIER_BUILDDIR set; DAMON_LAB_KERNELS overrides the kernel list. Ends with
# "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"
kernels=${DAMON_LAB_KERNELS:-6.12 6.18 7.3}
program=$builddir/tests/kernel/damon-conformance

missing=$(lab_missing)
[ -z "$missing" ] || skip_all damon-lab "missing: $missing" $kernels
require_built damon-lab "$kernels" "$program"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for k in $kernels; do
	start=$(date +%s)
	TMPDIR=$work "$srcdir/tests/kernel/lab" --quiet --timeout 240 --output "$work/output-$k" \
		--console "$work/console-$k" "$k" -- "$program" --profile "$k" 2>"$work/stderr-$k"
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
		result fail "damon-lab $k completed" "lab exit $rc: $(tail -3 "$work/stderr-$k" | tr '\n' ' ')"
		tail -20 "$work/output-$k" 2>/dev/null | sed 's/^/#   /'
	elif [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$work/output-$k"; then
		result fail "damon-lab $k exit status" "exit $rc with every check passing"
	fi
done
finish
