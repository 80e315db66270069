#!/bin/bash
# The QMP client's libvirt transport (virDomainQemuMonitorCommand in a worker thread) against a
# real libvirtd and a small real QEMU TCG guest: 256 MiB in one NUMA cell, no disk (it idles in
# SeaBIOS), no network interface. Uses a running qemu:///system libvirtd, or starts virtlogd and
# libvirtd itself with only the QEMU driver loaded (so libvirt's "default" network can never start),
# and stops whatever it started. Runs $VTIER_BUILDDIR/tests/suites/qmp-libvirt-real (built by make
# check). Needs root, libvirt-daemon-system, libvirt-clients, qemu-system-x86.
# Ends with "N passed, N failed, N skipped".
set -u
src=${VTIER_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VTIER_BUILDDIR:-$src/_build}
prog=$build/tests/suites/qmp-libvirt-real
uri=qemu:///system
pass=0 fail=0 skip=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit $?
}
skip_all() {
	echo "SKIP: $*"
	skip=1
	finish
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root for the system libvirtd (qemu:///system)"
for tool in libvirtd virtlogd virsh qemu-system-x86_64; do
	command -v "$tool" >/dev/null ||
		skip_all "$tool is not installed (libvirt-daemon-system, libvirt-clients, qemu-system-x86)"
done
qemu_driver=$(ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so 2>/dev/null | head -1)
[ -n "$qemu_driver" ] || skip_all "libvirt's QEMU driver is not installed (libvirt-daemon-driver-qemu)"
if [ ! -x "$prog" ]; then
	notok "$prog is missing (run make check first)"
	finish
fi

work=$(mktemp -d /tmp/vtier-qmp-lv.XXXXXX)
chmod 755 "$work"
mkdir "$work/drivers"
ln -s "$qemu_driver" "$work/drivers/"
guest=vtier-qmp-$$

stop_pid_file() { # $1: file with the pid of a process this suite started
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

cleanup() {
	local pid
	virsh -q -c "$uri" destroy "$guest" >/dev/null 2>&1
	pid=$(cat "$work/qemu.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
	stop_pid_file "$work/libvirtd.pid"
	stop_pid_file "$work/virtlogd.pid"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if virsh -q -c "$uri" version >/dev/null 2>&1; then
	echo "# using the libvirtd that is already running"
else
	if ! pgrep -x virtlogd >/dev/null; then
		virtlogd >>"$work/virtlogd.log" 2>&1 &
		echo $! >"$work/virtlogd.pid"
	fi
	LIBVIRT_DRIVER_DIR="$work/drivers" libvirtd >>"$work/libvirtd.log" 2>&1 &
	echo $! >"$work/libvirtd.pid"
	for _ in $(seq 1 150); do
		virsh -q -c "$uri" version >/dev/null 2>&1 && break
		sleep 0.2
	done
	if virsh -q -c "$uri" version >/dev/null 2>&1; then
		ok "started virtlogd and libvirtd (QEMU driver only)"
	else
		tail -20 "$work/libvirtd.log"
		notok "start libvirtd"
		finish
	fi
fi

cat >"$work/$guest.xml" <<EOF2
<domain type='qemu'>
  <name>$guest</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu mode='custom' match='exact'><model>qemu64</model>
    <numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa>
  </cpu>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
EOF2
if virsh -q -c "$uri" create "$work/$guest.xml" >"$work/create.log" 2>&1; then
	cp "/run/libvirt/qemu/$guest.pid" "$work/qemu.pid" 2>/dev/null
	ok "started guest $guest (TCG, 256 MiB, no disk, no NIC)"
else
	cat "$work/create.log"
	notok "start guest $guest"
	finish
fi

if VTIER_QMP_LV_URI=$uri VTIER_QMP_LV_DOMAIN=$guest "$prog" >"$work/prog.log" 2>&1; then
	ok "QMP through libvirt passthrough: $(grep -c '^ok' "$work/prog.log") checks"
else
	notok "QMP through libvirt passthrough"
fi
sed -n 's/^# observed: /# observed: /p; /^not ok/p; /ERROR/p' "$work/prog.log"
finish
