#!/bin/bash
# Faults: vtierd killed with SIGKILL and started again, and libvirtd restarted under a running
# vtierd (dry run, fixture sysroot).
# - kill -9: three attached guests come back from the state file with the same slots and
#   schemes (log "re-attached NAME (pid P) from the state file"). The real-kernel side, SIGKILL
#   in the middle of a commit (the staged start's wait) and while pages move, with adoption of
#   the running kdamond and no duplicated schemes, is tests/kernel/vtierd-guest.sh (steps 2-3,
#   tests/suites/vtierd-lab.sh): not repeated here.
# - libvirtd restart: a private, unprivileged libvirtd (session mode as user nobody, only
#   libvirt's built-in test driver, its socket in this test's folder) serves test:///default;
#   vtierd connects with test+unix:///default?socket=...; libvirtd is killed and started again.
#   vtierd must log the loss and the reconnect, list the libvirt guest once, and the attached
#   guest keeps its slot and schemes throughout. (tests/suites/vtierd-libvirt.sh restarts the
#   system libvirtd with a real TCG guest.) Skipped when libvirtd or setpriv is missing.
# Ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
fl_setup restart
skipped=0
fl_workload w0 1000 100 412
fl_workload w1 1001 300 212
fl_workload w2 1002 50 462

# ---- kill -9 and restart ----
fl_start_vtierd || { fl_fail "start vtierd"; fl_finish; }
fl_attach w0 1000 >/dev/null && fl_attach w1 1001 "<vtier:policy xmlns:vtier='$FL_NS' mode='pin-slow'/>" >/dev/null &&
	fl_attach w2 1002 "<vtier:policy xmlns:vtier='$FL_NS' mode='ratio'><vtier:fast ratio='80%'/></vtier:policy>" >/dev/null
fl_check "attach w0 (ratio 50%), w1 (pin-slow), w2 (ratio 80%)" [ $? = 0 ]
fl_settle 1
before=$(for g in w0 w1 w2; do fl_guest $g; done)
fl_kill9
mark=$(wc -l <"$FL_LOG")
fl_start_vtierd
fl_settle 1
after=$(for g in w0 w1 w2; do fl_guest $g; done)
log=$(tail -n +"$((mark + 1))" "$FL_LOG")
fl_check "after kill -9 and a start: \"$(grep -m1 -o 're-attached w0.*' <<<"$log")\" for all three" \
	eval '[ "$(grep -c "re-attached w[012] (pid 100[012]) from the state file" <<<"$log")" = 3 ]'
fl_check "all three guests have the slots and schemes they had" [ "$after" = "$before" ]
[ "$after" = "$before" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
fl_row "kill -9 vtierd, start again (dry run; mid-commit on real DAMON: vtierd-lab.sh)" \
	"log: \"$(grep -m1 -o 're-attached w0.*' <<<"$log" | sed 's/^//')\"" \
	"yes: w0, w1, w2 same slots/schemes" "$([ $fl_failed = 0 ] && echo PASS || echo FAIL)"
fl_stop_vtierd

# ---- libvirtd restart ----
f0=$fl_failed
lvd=$(command -v libvirtd)
if [ -z "$lvd" ] || ! command -v setpriv >/dev/null || [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "SKIP: libvirtd restart: needs libvirtd, setpriv, root and user nobody"
	skipped=1
	fl_row "libvirtd restarted" "-" "-" "SKIP"
	echo "$fl_passed passed, $fl_failed failed, $skipped skipped"
	[ "$fl_failed" = 0 ]; exit $?
fi
lv=$FL_WORK/lv
mkdir -p "$lv/xdg" "$lv/home" "$lv/drivers"
chmod 755 "$FL_WORK" "$lv"
chown nobody "$lv/xdg" "$lv/home"
lvd_pid=
start_libvirtd() {
	# session mode, only the built-in test driver (an empty driver folder)
	(cd "$lv" && exec setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$lv/home" XDG_RUNTIME_DIR="$lv/xdg" \
		XDG_CONFIG_HOME="$lv/home/.config" XDG_CACHE_HOME="$lv/home/.cache" \
		LIBVIRT_DRIVER_DIR="$lv/drivers" "$lvd" >>"$lv/libvirtd.log" 2>&1) &
	lvd_pid=$!
	for _ in $(seq 1 100); do
		[ -S "$lv/xdg/libvirt/libvirt-sock" ] && virsh -q -c "$uri" list >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop_libvirtd() { [ -n "$lvd_pid" ] && kill -TERM "$lvd_pid" 2>/dev/null && wait "$lvd_pid" 2>/dev/null; lvd_pid=; }
FL_CLEANUP_EXTRA='stop_libvirtd'
uri="test+unix:///default?socket=$lv/xdg/libvirt/libvirt-sock"
if ! start_libvirtd; then
	fl_fail "start a private libvirtd (session, test driver): $(tail -3 "$lv/libvirtd.log" | tr '\n' ' ')"
	fl_finish
fi
fl_ok "a private libvirtd (user nobody, test driver) serves $uri"
FL_CONNECT=$uri fl_start_vtierd
fl_settle 1
w0=$(fl_guest w0) t0=$(fl_guest test)
fl_note "before: w0 $w0"
fl_note "before: libvirt guest test: $t0"
fl_check "vtierd lists libvirt's guest \"test\"" [ "$t0" != absent ]
mark=$(wc -l <"$FL_LOG")
kill -KILL "$lvd_pid"; wait "$lvd_pid" 2>/dev/null; lvd_pid=
sleep 1
down=$(fl_guest w0)
fl_check "libvirtd gone: vtierd answers and w0 is undisturbed" [ "$down" = "$w0" ]
start_libvirtd
fl_check "libvirtd started again" [ -n "$lvd_pid" ]
ok=0
for _ in $(seq 1 60); do
	tail -n +"$((mark + 1))" "$FL_LOG" | grep 'libvirt connected' >/dev/null && { ok=1; break; }
	sleep 0.25
done
log=$(tail -n +"$((mark + 1))" "$FL_LOG" | grep -v ' debug: ')
lost=$(grep -m1 -o 'libvirt connection lost.*' <<<"$log")
fl_note "log: $lost / $(grep -m1 -o 'libvirt connected' <<<"$log")"
fl_check "vtierd logged the loss (\"$lost\") and reconnected" eval '[ $ok = 1 ] && [ -n "$lost" ]'
fl_settle 1
count=$("$FL_CTL" status --json | python3 -c 'import json,sys; print(sum(g["name"] == "test" for g in json.load(sys.stdin)["guests"]))')
fl_check "after the restart libvirt's guest \"test\" is listed once ($count)" [ "$count" = 1 ]
a0=$(fl_guest w0)
fl_check "after the restart w0 is undisturbed ($a0)" [ "$a0" = "$w0" ]
fl_check "vtierd exits 0 on SIGTERM, no sanitizer report" eval 'fl_stop_vtierd && fl_sanitizer_clean'
stop_libvirtd
fl_row "libvirtd killed and restarted (private libvirtd, test driver)" \
	"log: \"$lost\", then \"libvirt connected\"; libvirt guest listed once" \
	"yes: attached w0 same slot/schemes while libvirtd was down and after" \
	"$([ $fl_failed = "$f0" ] && echo PASS || echo FAIL)"
fl_finish
