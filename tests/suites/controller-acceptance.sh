#!/bin/bash
# controller-acceptance.sh — the controller issue's acceptance in the lab on 7.3
# (tests/kernel/controller-acceptance-guest.sh): vtierd with its default configuration,
# `vtierctl attach work --pid PID --policy FILE` (ratio 40%) on a 512 MiB workload placed on the
# slow node; the cgroup's fast share must settle at 40% +- 3 points within 120 s and stay there
# 30 s, then follow a policy change (the same attach with ratio 60%) to 60% +- 3 points within
# 60 s. $CONTROLLER_ACCEPTANCE_KERNEL (7.3) picks the lab's kernel (6.18 works too).
# Run by ./quickstart.sh check (VTIER_SRCDIR, VTIER_BUILDDIR); CONTROLLER_ACCEPTANCE_OUT keeps the
# guest's files. Ends with "N passed, N failed, N skipped".
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
missing=""
command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86_64"
[ -x /usr/lib/qemu/virtiofsd ] || missing="$missing virtiofsd"
[ -x /bin/busybox ] || missing="$missing busybox"
[ "$(id -u)" = 0 ] || missing="$missing root"
if [ -n "$missing" ]; then
	result skip "controller acceptance (${CONTROLLER_ACCEPTANCE_KERNEL:-7.3})" "missing:$missing"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 0
fi
out=${CONTROLLER_ACCEPTANCE_OUT:-}
[ -n "$out" ] || { out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; }
mkdir -p "$out"
kernel=${CONTROLLER_ACCEPTANCE_KERNEL:-7.3}
"$srcdir/tests/kernel/lab" --quiet --timeout 300 --out "$out" --output "$out/output" \
	--console "$out/console" --env LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp" "$kernel" -- \
	"$srcdir/tests/kernel/controller-acceptance-guest.sh" "$builddir" 40 60 2>"$out/stderr"
rc=$?
grep '^# ' "$out/output" 2>/dev/null
while IFS= read -r line; do
	case "$line" in
	"ok "*) result ok "$kernel: ${line#ok * - }" ;;
	"not ok "*) result fail "$kernel: ${line#not ok * - }" ;;
	esac
done <"$out/output"
if ! grep -qE '^1\.\.[0-9]+$' "$out/output" 2>/dev/null; then
	result fail "controller acceptance completed" "lab exit $rc: $(tail -3 "$out/stderr" | tr '\n' ' ')"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
