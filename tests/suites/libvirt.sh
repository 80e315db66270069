#!/bin/bash
# vtier against a real libvirtd: starts virtlogd and libvirtd itself (no systemd needed), runs two
# small QEMU TCG guests (256 MiB, no network interface, direct kernel boot of a Debian kernel with a
# busybox initramfs when tests/kernel/fetch-kernel can provide one, else a disk-less guest idling in
# SeaBIOS), and drives tests/suites/libvirt-real: discovery, real pid and memcg, memory.numa_stat,
# query-memdev through libvirt's QMP passthrough, and a libvirtd stop/start in the middle (one guest
# keeps running, the other is killed while libvirtd is down: the first must be re-found once, the
# second removed).
#
# libvirtd loads only its QEMU driver (LIBVIRT_DRIVER_DIR points at a private directory holding
# nothing else), so no network driver runs and libvirt's "default" network can never be started.
# Everything started here is stopped again; the last line is "N passed, N failed, N skipped".
#
# Environment: VTIER_BUILDDIR, VTIER_SRCDIR (set by quickstart.sh check).
set -u

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
src=${VTIER_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VTIER_BUILDDIR:-$src/_build}
prog=$build/tests/suites/libvirt-real
uri=qemu:///system
pass=0
fail=0
skip=0

ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
skip_all() {
	echo "SKIP: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

# ---- daemons (also used by the restart sub-command the test program runs) ----

# start_libvirtd, stop_pid_file, start_virtlogd, libvirt_driver_dir: shared with
# tests/suites/vtierd-libvirt.sh and the lab's tests/e2e/e2e-guest.sh
# shellcheck source=tests/e2e/libvirtd.sh
. "$src/tests/e2e/libvirtd.sh"

if [ "${1:-}" = restart-daemon ]; then
	# run by libvirt-real while it watches: stop libvirtd, kill one guest behind its back, start
	work=${VTIER_LV_WORK:?}
	stop_pid_file "$work/libvirtd.pid"
	if [ -n "${VTIER_LV_KILL:-}" ] && [ -f "/run/libvirt/qemu/$VTIER_LV_KILL.pid" ]; then
		kill -KILL "$(cat "/run/libvirt/qemu/$VTIER_LV_KILL.pid")" 2>/dev/null
	fi
	sleep 1
	start_libvirtd
	exit $?
fi

# ---- preconditions ----

[ "$(id -u)" -eq 0 ] || skip_all "needs root to run the system libvirtd (qemu:///system)"
for tool in libvirtd virtlogd virsh qemu-system-x86_64; do
	command -v "$tool" >/dev/null || skip_all "$tool is not installed (libvirt-daemon-system, libvirt-clients, qemu-system-x86)"
done
libvirt_qemu_driver >/dev/null || skip_all "libvirt's QEMU driver is not installed (libvirt-daemon-driver-qemu)"
if [ ! -x "$prog" ]; then
	notok "$prog is missing (run make check first)"
	echo "$pass passed, $fail failed, $skip skipped"
	exit 1
fi

work=$(mktemp -d /tmp/vtier-libvirt.XXXXXX)
chmod 755 "$work" # QEMU runs as libvirt-qemu and reads the kernel from here
libvirt_driver_dir
export VTIER_LV_WORK=$work
# vtierctl policy set validates against the schema and templates of this tree (not installed)
export VTIER_POLICY_DIR="$src/policies"
own_libvirtd=0
guests=()

cleanup() {
	local g pid
	for g in "${guests[@]}"; do
		virsh -q -c "$uri" destroy "$g" >/dev/null 2>&1
		pid=$(cat "/run/libvirt/qemu/$g.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
	done
	for pid in $(cat "$work"/qemu-*.pid 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	[ $own_libvirtd -eq 1 ] && stop_pid_file "$work/libvirtd.pid"
	stop_pid_file "$work/virtlogd.pid"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if virsh -q -c "$uri" version >/dev/null 2>&1; then
	echo "# a libvirtd not started by this suite is running: using it, without restarting it"
else
	if ! pgrep -x virtlogd >/dev/null; then
		start_virtlogd
	fi
	own_libvirtd=1
	if start_libvirtd; then ok "started virtlogd and libvirtd (QEMU driver only)"; else
		notok "start libvirtd"
		echo "$pass passed, $fail failed, $skip skipped"
		exit 1
	fi
fi

# ---- guests ----

guest_boot "$src"

define_guest() { # $1: name; starts a transient guest
	cat >"$work/$1.xml" <<-EOF
		<domain type='qemu'>
		  <name>$1</name>
		  <memory unit='MiB'>256</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64' machine='pc'>hvm</type>$kernel_xml</os>
		  <cpu mode='custom' match='exact'><model>qemu64</model>
		    <numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa>
		  </cpu>
		  <metadata>
		    <vtier:policy xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' mode='monitor'/>
		  </metadata>
		  <on_reboot>destroy</on_reboot>
		  <devices>
		    <emulator>$(command -v qemu-system-x86_64)</emulator>
		    <serial type='file'><source path='$work/$1.console'/></serial>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF
	virsh -q -c "$uri" create "$work/$1.xml" >"$work/$1.create.log" 2>&1 || {
		cat "$work/$1.create.log"
		return 1
	}
	guests+=("$1")
	cp "/run/libvirt/qemu/$1.pid" "$work/qemu-$1.pid" 2>/dev/null
	return 0
}

keep=vtier-test-$$-keep
victim=vtier-test-$$-kill
if define_guest "$keep" && define_guest "$victim"; then
	ok "started guests $keep and $victim (TCG, 256 MiB, no NIC, boot: $boot)"
else
	notok "start the test guests"
	echo "$pass passed, $fail failed, $skip skipped"
	exit 1
fi
if [ "$boot" != seabios ]; then
	for _ in $(seq 1 300); do
		grep -q vtier-guest-up "$work/$keep.console" 2>/dev/null && break
		sleep 0.2
	done
	if grep -q vtier-guest-up "$work/$keep.console" 2>/dev/null; then
		echo "# guest console: $(grep -a vtier-guest-up "$work/$keep.console" | tr -d '\r')"
	else
		echo "# the guest kernel has not printed its marker yet (slow TCG boot); continuing"
	fi
fi

# ---- vtier ----

args=(--uri "$uri" --keep "$keep")
if [ $own_libvirtd -eq 1 ]; then
	args+=(--kill "$victim" --restart "VTIER_LV_KILL=$victim '$self' restart-daemon")
else
	skip=$((skip + 1))
	echo "# skipped: the libvirtd restart (this suite did not start the running libvirtd)"
fi
"$prog" "${args[@]}" >"$work/real.out" 2>&1
rc=$?
cat "$work/real.out"
p=$(grep -c '^ok - ' "$work/real.out")
f=$(grep -c '^not ok - ' "$work/real.out")
pass=$((pass + p))
fail=$((fail + f))
[ $rc -eq 0 ] || [ "$f" -gt 0 ] || notok "libvirt-real exited with $rc"

# ---- vtierctl against the same guests ----

ctl=$build/vtierctl
"$ctl" guests --connect "$uri" >"$work/guests.out" 2>&1
cat "$work/guests.out"
kpid=$(cat "/run/libvirt/qemu/$keep.pid" 2>/dev/null)
if grep -E "^$keep +[0-9]+ +$kpid .*/.*$keep.* N0=" "$work/guests.out" >/dev/null; then
	ok "vtierctl guests shows the guest with its pid, memcg and node usage"
else
	notok "vtierctl guests"
fi
"$ctl" policy set "$keep" --connect "$uri" "<policy mode='ratio'/>" &&
	"$ctl" policy get "$keep" --connect "$uri" >"$work/policy.out" 2>&1
if grep -q 'mode="ratio"' "$work/policy.out"; then ok "vtierctl policy set/get on a running transient guest"; else
	cat "$work/policy.out"
	notok "vtierctl policy set/get"
fi
"$ctl" policy clear "$keep" --connect "$uri" &&
	"$ctl" policy get "$keep" --connect "$uri" >"$work/policy.out" 2>&1
if grep -q 'has no vtier policy' "$work/policy.out"; then ok "vtierctl policy clear"; else
	cat "$work/policy.out"
	notok "vtierctl policy clear"
fi

# ---- teardown: nothing may be left running ----

for g in "${guests[@]}"; do
	virsh -q -c "$uri" destroy "$g" >/dev/null 2>&1
done
left=""
for f in "$work"/qemu-*.pid; do
	[ -f "$f" ] || continue
	for _ in $(seq 1 50); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$(cat "$f")" 2>/dev/null && left="$left $(cat "$f")"
done
if [ -z "$left" ]; then ok "no guest QEMU left running"; else notok "QEMU still running:$left"; fi
guests=()
if [ $own_libvirtd -eq 1 ]; then
	stop_pid_file "$work/libvirtd.pid"
	stop_pid_file "$work/virtlogd.pid"
	if pgrep -x libvirtd >/dev/null; then notok "libvirtd still running"; else ok "libvirtd and virtlogd stopped"; fi
fi
[ $fail -eq 0 ] || { echo "# libvirtd log:"; tail -30 "$work/libvirtd.log" 2>/dev/null; }
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
