# libvirtd.sh — sourced (bash), not run: start and stop a private virtlogd + libvirtd by hand (no
# systemd, no socket activation; or through systemd where it is PID 1: start_libvirtd_systemd)
# with only libvirt's QEMU driver loaded, so that no network
# driver runs and libvirt's "default" network can never start. Shared by tests/suites/libvirt.sh,
# tests/suites/vtierd-libvirt.sh (on the host) and tests/e2e/e2e-guest.sh (inside the lab VM), and
# the host suites' guest kernel (guest_boot).
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

# Under systemd as PID 1 (the lab's --systemd): libvirtd.service started by systemd as on a real
# host (virtlogd by its socket, systemd-machined pulled in by the unit), QEMU driver only through a
# runtime drop-in setting LIBVIRT_DRIVER_DIR (and no idle --timeout); waits until $uri answers.
# Its log is the journal: libvirt_journal writes it to $work/libvirtd.log.
start_libvirtd_systemd() {
	local d=/run/systemd/system/libvirtd.service.d
	libvirt_driver_dir || return 1
	mkdir -p "$d"
	printf '[Service]\nEnvironment=LIBVIRT_DRIVER_DIR=%s\nEnvironment=LIBVIRTD_ARGS=\n' \
		"$work/drivers" >"$d/zz-vtier-lab.conf"
	systemctl daemon-reload || return 1
	if ! timeout "${LIBVIRTD_WAIT_S:-30}" systemctl start libvirtd.service; then
		libvirt_journal
		echo "libvirtd.service did not start; its log:" >&2
		tail -20 "$work/libvirtd.log" >&2
		return 1
	fi
	for _ in $(seq 1 50); do
		virsh -q -c "$uri" version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
libvirt_journal() {
	journalctl -q --no-pager -o short-monotonic -u libvirtd.service -u virtlogd.service \
		-u systemd-machined.service >"$work/libvirtd.log" 2>&1
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

# guest_boot SRC: what the host suites' small guests boot. Sets boot (a word for the log) and
# kernel_xml (the <os> children): a Debian kernel (tests/kernel/fetch-kernel 6.12) with a busybox
# initramfs that says "vtier-guest-up: RELEASE" on ttyS0 and sleeps, copied under $work where the
# QEMU user can read it; without a kernel, busybox or cpio, kernel_xml is empty and the guest
# idles in SeaBIOS.
guest_boot() {
	local fetch=$1/tests/kernel/fetch-kernel vmlinuz
	boot=seabios kernel_xml=""
	if ! [ -x "$fetch" ] || ! [ -x /bin/busybox ] || ! command -v cpio >/dev/null ||
		! vmlinuz=$("$fetch" --quiet 6.12 2>"$work/fetch.log") || ! [ -f "$vmlinuz" ]; then
		echo "# no Debian kernel available (tests/kernel/fetch-kernel): the guests idle in SeaBIOS"
		return 0
	fi
	mkdir -p "$work/initramfs/bin" "$work/initramfs/proc" "$work/initramfs/dev"
	cp /bin/busybox "$work/initramfs/bin/busybox"
	cat >"$work/initramfs/init" <<-'INIT'
		#!/bin/busybox sh
		/bin/busybox mount -t proc proc /proc
		/bin/busybox mount -t devtmpfs dev /dev
		echo "vtier-guest-up: $(/bin/busybox uname -r)" >/dev/ttyS0
		while :; do /bin/busybox sleep 3600; done
	INIT
	chmod 755 "$work/initramfs/init"
	(cd "$work/initramfs" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"
	cp "$vmlinuz" "$work/vmlinuz"
	chmod 644 "$work/vmlinuz" "$work/initramfs.cpio"
	boot="kernel $(basename "$(dirname "$vmlinuz")")"
	kernel_xml="<kernel>$work/vmlinuz</kernel><initrd>$work/initramfs.cpio</initrd>
	  <cmdline>console=ttyS0 rdinit=/init panic=-1 quiet</cmdline>"
}
