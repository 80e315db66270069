#!/usr/bin/env bash
# vtier quick start. Two commands on a fresh Debian 12 machine, as root:
#   ./quickstart.sh demo    install what is missing, build, boot the lab VM (QEMU TCG, no KVM) and
#                           show vtierd tiering a workload live there (tests/demo.sh, docs/demo.md)
#   ./quickstart.sh check   install what the tests need, build with -Werror and sanitizers, run every
#                           suite, end with one line "N passed, N failed, N skipped"
# Both are idempotent: nothing is installed or rebuilt when nothing is missing or changed.
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

# Debian packages: to build and run vtier, and (for check) to test it for real.
build_pkgs=(autoconf automake libtool autoconf-archive pkg-config make gcc libglib2.0-dev
	libglib2.0-dev-bin libjson-glib-dev libvirt-dev libnuma-dev libpfm4-dev libsoup-3.0-dev
	libxml2-dev)
check_pkgs=(libxml2-utils qemu-system-x86 qemu-utils busybox-static libvirt-daemon-system
	libvirt-clients clang cpio zstd xz-utils procps psmisc qemu-system-common
	debian-archive-keyring util-linux python3 libclang-rt-14-dev man-db curl
	dpkg-dev debhelper fakeroot lintian debootstrap bash-completion systemd systemd-container
	dbus gnuplot-nox)
# what the demo's lab needs on top of build_pkgs (docs/lab.md, "Debian packages the lab needs")
demo_pkgs=(qemu-system-x86 qemu-system-common busybox-static cpio zstd util-linux procps
	debian-archive-keyring gnuplot-nox curl)

if [ -t 1 ]; then
	say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
else
	say() { printf '==> %s\n' "$*"; }
fi
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing Debian packages (run as root to install): ${missing[*]}"
	say "installing ${missing[*]}"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
		>/dev/null
}

# promtool comes out of Debian's prometheus package without installing (or starting) the server.
tools_dir=${VTIER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vtier/tools}
ensure_promtool() {
	[ -x "$tools_dir/promtool" ] && return 0
	say "extracting promtool from Debian's prometheus package"
	local tmp
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q prometheus >/dev/null 2>&1) ||
		{ apt-get update -q >/dev/null && (cd "$tmp" && apt-get download -q prometheus >/dev/null 2>&1); } ||
		{ rm -rf "$tmp"; die "cannot download Debian's prometheus package for promtool"; }
	dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
	mkdir -p "$tools_dir"
	install -m 0755 "$tmp/x/usr/bin/promtool" "$tools_dir/promtool"
	rm -rf "$tmp"
}

# Configures (once) and builds in _build/NAME with the given configure flags.
build() {
	local name=$1
	shift
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
		say "autoreconf"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
	mkdir -p "_build/$name"
	local stamp="_build/$name/.configure-flags" flags="$*"
	if [ ! -f "_build/$name/Makefile" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$flags" ]; then
		say "configure $flags"
		(cd "_build/$name" && ../../configure "$@" >configure.out 2>&1) ||
			{ tail -20 "_build/$name/configure.out"; die "configure failed (_build/$name/config.log)"; }
		echo "$flags" >"$stamp"
	fi
	say "make ($name)"
	make -C "_build/$name" -j"$jobs" >"_build/$name/make.out" 2>&1 ||
		{ tail -40 "_build/$name/make.out"; die "build failed (_build/$name/make.out)"; }
}

# The lab's kernel comes from trixie(-backports): its keys arrived in Debian 12's
# debian-archive-keyring 2023.3+deb12u2 (12.11); an older Debian 12 needs the keyring upgraded.
ensure_trixie_keys() {
	local v
	v=$(dpkg-query -W -f='${Version}' debian-archive-keyring 2>/dev/null || true)
	dpkg --compare-versions "${v:-0}" ge 2023.3+deb12u2 && return 0
	[ "$(id -u)" -eq 0 ] || die "debian-archive-keyring $v has no trixie keys (the lab's kernel): run as root to upgrade it"
	say "upgrading debian-archive-keyring $v (the lab's kernel is signed with trixie's keys)"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --only-upgrade debian-archive-keyring >/dev/null
}

demo() {
	install_missing "${build_pkgs[@]}" "${demo_pkgs[@]}"
	ensure_trixie_keys
	build demo
	# the helpers the demo runs in the lab (check_PROGRAMS: not built by plain make)
	make -C _build/demo -j"$jobs" tests/kernel/lab-workload tests/kernel/lab-placement \
		>>_build/demo/make.out 2>&1 || { tail -20 _build/demo/make.out; die "build failed (_build/demo/make.out)"; }
	exec "$top/tests/demo.sh" "$top/_build/demo"
}

# Suite bookkeeping: every suite adds to these and the last line sums them.
total_pass=0 total_fail=0 total_skip=0
timings=()
record() { # name seconds pass fail skip
	total_pass=$((total_pass + $3)) total_fail=$((total_fail + $4)) total_skip=$((total_skip + $5))
	timings+=("$(printf '%-22s %5ss  %4s passed, %s failed, %s skipped' "$1" "$2" "$3" "$4" "$5")")
}

# Runs one suite whose output ends with "N passed, N failed[, N skipped]".
run_suite() {
	local name=$1 start rc=0 last p f s
	shift
	say "suite $name"
	start=$(date +%s)
	"$@" 2>&1 | tee "_build/suite-$name.log" || rc=$?
	last=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "_build/suite-$name.log" | tail -n 1)
	p=$(sed -nE 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/p' <<<"$last")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$last")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$last")
	if [ -z "$last" ]; then
		echo "suite $name printed no summary line (exit $rc): counted as 1 failure"
		p=0 f=1 s=0
	fi
	[ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && { echo "suite $name exited $rc"; f=1; }
	record "$name" $(($(date +%s) - start)) "${p:-0}" "${f:-0}" "${s:-0}"
}

# A scratch folder in RAM for test trees: the unit tests copy sysfs fixtures (~15k mkdir/symlink
# per binary) and on an ext4 root mounted with `discard` each costs ~1 ms: the unit suite took
# 182 s with TMPDIR on /tmp and 58 s on tmpfs. World-traversable: tests connect as `nobody`.
# Falls back to TMPDIR when /dev/shm is not a tmpfs.
ram_tmpdir() {
	local d
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && d=$(mktemp -d /dev/shm/vtier-check.XXXXXX); then
		chmod 1777 "$d"
		echo "$d"
	else
		echo "${TMPDIR:-/tmp}"
	fi
}

unit_suite() { # make check under the TAP driver, counted per test case
	local dir=$1 rc=0 tmp
	tmp=$(ram_tmpdir)
	TMPDIR=$tmp make -C "$dir" -j"$jobs" check >"$dir/check.out" 2>&1 || rc=$?
	[[ $tmp == /dev/shm/vtier-check.* ]] && rm -rf -- "$tmp"
	grep -E '^(FAIL|ERROR|XPASS)' "$dir/check.out" || true
	[ $rc -ne 0 ] && { find "$dir" -name '*.log' -path '*tests*' -newer "$dir/Makefile" \
		-exec grep -l -E '^not ok|ERROR|runtime error|Sanitizer' {} + | head -5 |
		while read -r l; do echo "--- $l"; tail -30 "$l"; done; }
	local pass fail skip err
	pass=$(sed -nE 's/^# PASS: +([0-9]+)/\1/p' "$dir/check.out" | tail -1)
	fail=$(sed -nE 's/^# FAIL: +([0-9]+)/\1/p' "$dir/check.out" | tail -1)
	err=$(sed -nE 's/^# ERROR: +([0-9]+)/\1/p' "$dir/check.out" | tail -1)
	skip=$(sed -nE 's/^# SKIP: +([0-9]+)/\1/p' "$dir/check.out" | tail -1)
	fail=$((${fail:-0} + ${err:-0}))
	[ $rc -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
	echo "${pass:-0} passed, $fail failed, ${skip:-0} skipped"
	return $rc
}

syntax_suite() {
	if make -C "$1" syntax-check; then echo "1 passed, 0 failed, 0 skipped"
	else echo "0 passed, 1 failed, 0 skipped"; return 1; fi
}

distcheck_suite() {
	local tmp rc=0
	tmp=$(ram_tmpdir)
	TMPDIR=$tmp make -C "$1" -j"$jobs" distcheck >"$1/distcheck.out" 2>&1 || rc=$?
	[[ $tmp == /dev/shm/vtier-check.* ]] && rm -rf -- "$tmp"
	if [ "$rc" -eq 0 ]; then
		grep -E 'archives ready' "$1/distcheck.out"
		echo "1 passed, 0 failed, 0 skipped"
	else
		tail -40 "$1/distcheck.out"
		echo "0 passed, 1 failed, 0 skipped"
		return 1
	fi
}

check() {
	local t0 s
	t0=$(date +%s)
	install_missing "${build_pkgs[@]}" "${check_pkgs[@]}"
	ensure_promtool
	export PATH="$tools_dir:$PATH" VTIER_TOOLS_DIR="$tools_dir"
	build check --enable-werror --enable-sanitizers
	export VTIER_BUILDDIR="$top/_build/check" VTIER_SRCDIR="$top" VTIER_FORBID_REAL_DAMON=1
	run_suite unit unit_suite "_build/check"
	run_suite syntax-check syntax_suite "_build/check"
	for s in tests/suites/*.sh; do
		[ -e "$s" ] || continue
		# VTIER_SUITES="a b": run only these suites (for developers; CI runs them all)
		if [ -n "${VTIER_SUITES:-}" ] && [[ " $VTIER_SUITES " != *" $(basename "$s" .sh) "* ]]; then
			continue
		fi
		run_suite "$(basename "$s" .sh)" "$s"
	done
	[ "${VTIER_SKIP_DISTCHECK:-0}" = 1 ] || run_suite distcheck distcheck_suite "_build/check"
	echo
	say "suite timings"
	printf '  %s\n' "${timings[@]}"
	echo "  total $(($(date +%s) - t0))s"
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
	[ "$total_fail" -eq 0 ]
}

case "${1:-}" in
demo) demo ;;
check) check ;;
*)
	echo "usage: $0 demo|check" >&2
	exit 2
	;;
esac
