# libvirtd.sh — sourced (bash), not run: start and stop a private virtlogd + libvirtd by hand (no
# systemd, no socket activation) with only libvirt's QEMU driver loaded, so that no network
# driver runs and libvirt's "default" network can never start. Shared by tests/suites/libvirt.sh,
# tests/suites/vtierd-libvirt.sh (on the host) and tests/e2e/e2e-guest.sh (inside the lab VM).
#
# The caller sets:
#   work   a folder of its own: drivers/ (made by libvirt_driver_dir), libvirtd.log, libvirtd.pid,
#          virtlogd.log, virtlogd.pid
#   uri    the connection URI to wait for (qemu:///system)

# The QEMU driver module, or nothing (exit 1) when libvirt-daemon-driver-qemu is not installed.
libvirt_qemu_driver() {
	local f
	for f in /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# $work/drivers holding the QEMU driver alone (LIBVIRT_DRIVER_DIR of start_libvirtd).
libvirt_driver_dir() {
	local so
	so=$(libvirt_qemu_driver) || return 1
	mkdir -p "$work/drivers" && ln -sf "$so" "$work/drivers/"
}

# virtlogd in the background (libvirtd's QEMU driver logs through it); pid in $work/virtlogd.pid.
start_virtlogd() {
	virtlogd >>"$work/virtlogd.log" 2>&1 &
	echo $! >"$work/virtlogd.pid"
}

# libvirtd in the background, QEMU driver only; waits until $uri answers (up to 30 s, or as
# long as LIBVIRTD_WAIT_S says: its first start probes QEMU's capabilities, a minute under TCG).
start_libvirtd() {
	local i
	LIBVIRT_DRIVER_DIR="$work/drivers" libvirtd >>"$work/libvirtd.log" 2>&1 &
	echo $! >"$work/libvirtd.pid"
	for i in $(seq 1 $((${LIBVIRTD_WAIT_S:-30} * 5))); do
		virsh -q -c "$uri" version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$work/libvirtd.pid")" 2>/dev/null || break
		sleep 0.2
	done
	echo "libvirtd did not come up; its log:" >&2
	tail -20 "$work/libvirtd.log" >&2
	return 1
}

# Stops the process whose pid file $1 names (one this caller started): SIGTERM, SIGKILL after
# 10 s; removes the file. Returns the process's exit status (137 when it had to be killed).
stop_pid_file() {
	local pid rc=0
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	rm -f "$1"
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null; rc=137; }
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}
