#!/bin/bash
# e2e.sh — the full-stack lab scenario (docs/e2e.md): inside the lab VM (tests/kernel/lab, DRAM
# node0 + CXL node1), tests/e2e/e2e-guest.sh starts virtlogd and libvirtd, installs vtier's hook
# from `make install DESTDIR=…`, runs the installed vtierd with its shipped configuration against
# the lab kernel's DAMON, and starts real QEMU TCG guests through libvirt (kernel: tests/e2e/hotloop)
# whose memory starts on the CXL node; it checks the hook, discovery, the plan, convergence to the
# policy's share, the hot set in fast memory, quiet after settling, a policy change, a second
# guest and `virsh destroy` (TAP lines, convergence curves as comments).
#
# Kernels: E2E_KERNELS (default "7.3 6.18"; with CI=true only 7.3). Inits: E2E_INIT (default
# "busybox systemd"): each kernel runs once under the lab's busybox init (libvirt's non-systemd
# cgroup layout) and once with systemd as the lab's PID 1 (tests/kernel/lab --systemd: libvirtd
# started by systemd, guests registered with systemd-machined in machine.slice). One kernel and init take 3–6 min
# inside the lab (docs/e2e.md): with CI=true the suite runs 7.3 under systemd alone (the layout
# real hosts have; E2E_CI=0 skips it). Run 6.18 with `E2E_KERNELS=6.18 tests/suites/e2e.sh`.
# vtier is installed from a build without sanitizers (tests/suites/plain-build.bash: BUILDDIR
# itself when it has none): a sanitized vtierd under TCG steps every 5-15 s. Each lab boot holds the lab lock
# (flock on VTIER_LAB_LOCK, default /tmp/vtier-lab.lock; set it empty when the caller already
# holds it). Environment: VTIER_SRCDIR, VTIER_BUILDDIR (quickstart.sh check), E2E_KEEP=1 keeps
# the work folder. Ends with "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/suite-lib.bash"
if [ "${CI:-}" = true ]; then
	kernels=${E2E_KERNELS:-7.3} inits=${E2E_INIT:-systemd}
else
	kernels=${E2E_KERNELS:-7.3 6.18} inits=${E2E_INIT:-busybox systemd}
fi
lock=${VTIER_LAB_LOCK-/tmp/vtier-lab.lock}

all() { # ok|fail|skip WHY: one result per kernel and init
	local k i
	for k in $kernels; do for i in $inits; do result "$1" "e2e $(run_name "$k" "$i")" "$2"; done; done
	finish
}

run_name() { if [ "$2" = busybox ]; then echo "$1"; else echo "$1-$2"; fi; } # KERNEL INIT

missing=$(lab_missing)
for tool in libvirtd virtlogd virsh python3; do
	command -v "$tool" >/dev/null || missing="$missing $tool"
done
ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
	missing="$missing libvirt's QEMU driver (libvirt-daemon-driver-qemu)"
case " $inits " in *" systemd "*)
	[ -x /lib/systemd/systemd ] && [ -x /lib/systemd/systemd-machined ] ||
		missing="$missing systemd systemd-machined (Debian packages systemd, systemd-container)" ;;
esac
[ -z "$missing" ] || all skip "missing: ${missing# }"
[ -f "$builddir/Makefile" ] || all fail "$builddir is not a configured build tree"
[ "${E2E_CI:-1}" = 0 ] && all skip "E2E_CI=0"

work=$(mktemp -d "$builddir/e2e-suite.XXXXXX")
chmod 755 "$work"
trap '[ "${E2E_KEEP:-0}" = 1 ] && echo "# kept $work" || rm -rf "$work"' EXIT

# the guests' kernel, the placement helper (a check program: only `make check` builds it), and
# vtier installed as a package would put it, from a build without sanitizers
. "$(dirname "$0")/plain-build.bash"
if ! pb=$(plain_builddir "$srcdir" "$builddir" all tests/e2e/hotloop tests/kernel/lab-placement 2>"$work/hotloop.log"); then
	all fail "cannot build vtier, tests/e2e/hotloop, tests/kernel/lab-placement: $(tail -3 "$work/hotloop.log" | tr '\n' ' ')"
fi
prefix=$(make -s -C "$pb" -f Makefile -f - print-prefix <<<'print-prefix: ; @echo $(prefix)' 2>/dev/null)
if ! make -C "$pb" install DESTDIR="$work/dest" >"$work/install.log" 2>&1; then
	all fail "make install DESTDIR=$work/dest: $(tail -3 "$work/install.log" | tr '\n' ' ')"
fi
echo "# make install DESTDIR=$work/dest from $pb: prefix $prefix, $(find "$work/dest" -type f | wc -l) files"

# libvirt's QEMU capabilities cache, kept between boots (the same QEMU and libvirt): libvirtd's
# first start in the lab otherwise probes QEMU for ~30 s
caps=${VTIER_LAB_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/vtier/lab}/e2e-libvirt-caps
for k in $kernels; do for init in $inits; do
	r=$(run_name "$k" "$init")
	start=$(date +%s)
	mkdir -p "$work/$r/caps"
	cp "$caps"/*.xml "$work/$r/caps/" 2>/dev/null
	# the guest script's knobs (E2E_RETARGET, E2E_CONVERGE_S, E2E_HOT_WAIT_S, E2E_SETTLE_S,
	# E2E_HOLD_WAIT_S, E2E_TRACE) go into the lab
	envs=()
	for v in E2E_RETARGET E2E_CONVERGE_S E2E_HOT_WAIT_S E2E_SETTLE_S E2E_HOLD_WAIT_S E2E_TRACE; do
		[ -n "${!v:-}" ] && envs+=(--env "$v=${!v}")
	done
	lab=("$srcdir/tests/kernel/lab" --quiet --timeout 720 --out "$work/$r" --output "$work/$r.output"
		--console "$work/$r.console" "${envs[@]}")
	[ "$init" = systemd ] && lab+=(--systemd --report)
	lab+=("$k" -- "$srcdir/tests/e2e/e2e-guest.sh" "$work/dest" "$prefix" "$pb/tests/e2e/hotloop"
		"$pb")
	if [ -n "$lock" ] && command -v flock >/dev/null; then lab=(flock "$lock" "${lab[@]}"); fi
	TMPDIR=$work "${lab[@]}" 2>"$work/$r.stderr"
	rc=$?
	if ls "$work/$r/caps"/*.xml >/dev/null 2>&1; then
		mkdir -p "$caps" && cp "$work/$r/caps"/*.xml "$caps/"
	fi
	echo "# $r: lab exited $rc after $(($(date +%s) - start)) s (lock wait included)"
	sed -n 's/^lab: .*COMMAND started after/# '"$r"': systemd booted, COMMAND started after/p' "$work/$r.stderr"
	grep -E '^#' "$work/$r.output" 2>/dev/null | sed "s/^/# $r: /"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) result ok "$r: ${line#ok * - }" ;;
		"not ok "*) result fail "$r: ${line#not ok * - }" ;;
		esac
	done <"$work/$r.output"
	if ! grep -E '^1\.\.[0-9]+$' "$work/$r.output" >/dev/null 2>&1; then
		result fail "e2e $r completed" "lab exit $rc: $(tail -3 "$work/$r.stderr" | tr '\n' ' ')"
		tail -20 "$work/$r.output" 2>/dev/null | sed 's/^/#   /'
	fi
	if grep -E '^not ok' "$work/$r.output" >/dev/null 2>&1; then
		echo "# $r: vtierd log (last 30 lines without debug):"
		grep -v ' debug: ' "$work/$r/vtierd.log" 2>/dev/null | tail -30 | sed 's/^/#   /'
	fi
done; done
finish
