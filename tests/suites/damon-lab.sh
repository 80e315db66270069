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

srcdir=${VTIER_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${VTIER_BUILDDIR:-$srcdir/_build}
kernels=${DAMON_LAB_KERNELS:-6.12 6.18 7.3}
program=$builddir/tests/kernel/damon-conformance
passed=0 failed=0 skipped=0

result() { # ok|fail|skip NAME [WHY]
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
[ -x "$srcdir/tests/kernel/lab" ] || missing="tests/kernel/lab (the lab is not in this tree)"
command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86_64 (qemu-system-x86)"
[ -x /usr/lib/qemu/virtiofsd ] || missing="$missing /usr/lib/qemu/virtiofsd (qemu-system-common)"
[ -x /bin/busybox ] || missing="$missing /bin/busybox (busybox-static)"
[ "$(id -u)" = 0 ] || missing="$missing root"
if [ -n "$missing" ]; then
	for k in $kernels; do result skip "damon-lab $k" "missing: $missing"; done
	finish
fi
if [ ! -x "$program" ]; then
	for k in $kernels; do result fail "damon-lab $k" "$program not built (make check builds it)"; done
	finish
fi

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
