# suite-lib.bash — sourced by the suites of tests/suites/ (not a suite itself: quickstart.sh runs
# tests/suites/*.sh). One place for what every suite repeats: the tree's folders, the result
# counters with their one-line summary, and the prerequisites of a lab boot.
#
#   . "$(dirname "$0")/suite-lib.bash"
#   result ok|fail|skip NAME [WHY]   one result line (PASS:/FAIL:/SKIP:) counted
#   finish                           prints "N passed, N failed, N skipped" and exits (1 on a failure)
#   skip_all NAME-PREFIX WHY KERNEL...   one SKIP per kernel, then finish
#   lab_missing [FILE...]            prints what a lab boot lacks here (the lab script, QEMU,
#                                    virtiofsd, busybox, root, and each FILE that is not
#                                    executable); empty when nothing is missing
#   require_built NAME-PREFIX "KERNEL..." FILE...   one FAIL per kernel and finish when a FILE
#                                    the build makes is not there
# Sets srcdir (VTIER_SRCDIR or the checkout holding this file) and builddir (VTIER_BUILDDIR or
# $srcdir/_build) unless the suite set them first.

srcdir=${srcdir-${VTIER_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}}
builddir=${builddir-${VTIER_BUILDDIR:-$srcdir/_build}}
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

skip_all() { # NAME-PREFIX WHY KERNEL...
	local name=$1 why=$2 k
	shift 2
	for k in "$@"; do result skip "$name $k" "$why"; done
	finish
}

lab_missing() { # [FILE...]
	local missing="" f
	[ -x "$srcdir/tests/kernel/lab" ] || missing="tests/kernel/lab (the lab is not in this tree)"
	command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86_64 (qemu-system-x86)"
	[ -x /usr/lib/qemu/virtiofsd ] || missing="$missing /usr/lib/qemu/virtiofsd (qemu-system-common)"
	[ -x /bin/busybox ] || missing="$missing /bin/busybox (busybox-static)"
	[ "$(id -u)" = 0 ] || missing="$missing root"
	for f in "$@"; do
		[ -x "$f" ] || missing="$missing $f (make check builds it)"
	done
	echo "${missing# }"
}

require_built() { # NAME-PREFIX "KERNEL..." FILE...
	local name=$1 kernels=$2 f k
	shift 2
	for f in "$@"; do
		[ -x "$f" ] && continue
		for k in $kernels; do result fail "$name $k" "$f not built (make check builds it)"; done
		finish
	done
}
