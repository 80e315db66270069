#!/bin/bash
# Faults: the state file's file system is full (a 512 KiB tmpfs, filled up), then the state file
# is corrupted, with a dry-run vtierd on the fixture sysroot (its state file, dry-run-state.json,
# lives beside its control socket). vtierd must say what (the file and the kernel's answer) and
# keep tiering; a request it cannot make durable (attach, detach) is refused as a whole and
# changes nothing; a corrupt file is set aside and rewritten. Needs root for the tmpfs (skipped
# otherwise). Ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
fl_setup state
fl_workload w0 1000 100 412
fl_workload w1 1001 300 212
fl_workload w2 1002 50 462
if ! mount -t tmpfs -o size=512k,mode=0755 vtier-faults "$FL_RUN" 2>"$FL_WORK/mount.err"; then
	echo "SKIP: cannot mount a tmpfs ($(cat "$FL_WORK/mount.err")): needs root"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
FL_CLEANUP_EXTRA='umount "$FL_RUN"'
fl_start_vtierd || { fl_fail "start vtierd"; fl_finish; }
fl_attach w0 1000 >/dev/null && fl_attach w1 1001 >/dev/null
fl_check "attach w0, w1 (ratio 50%)" [ $? = 0 ]
fl_settle 1
w0=$(fl_guest w0) w1=$(fl_guest w1)
fl_note "before: w0 $w0"

# ---- disk full ----
dd if=/dev/zero of="$FL_RUN/filler" bs=4k 2>/dev/null
fl_note "tmpfs full: $(df -h "$FL_RUN" | tail -1 | awk '{print $3 " used of " $2}')"
out=$(fl_attach w2 1002 2>&1)
rc=$?
fl_note "attach w2: exit $rc: $out"
fl_check "disk full: attach w2 refused, saying why (the state file, No space left on device)" \
	eval '[ $rc = 1 ] && [[ "$out" == *"state file"*"No space left on device"* ]]'
fl_check "disk full: w2 is not half-attached (absent from status)" [ "$(fl_guest w2)" = absent ]
out=$(fl_attach w1 1001 "<vtier:policy xmlns:vtier='$FL_NS' mode='pin-slow'/>" 2>&1)
rc=$?
fl_note "re-attach w1 with pin-slow: exit $rc: $out"
fl_settle 0.6
a1=$(fl_guest w1)
fl_check "disk full: a refused re-attach of w1 keeps w1 as it was ($a1)" \
	eval '[ $rc = 1 ] && [ "$a1" = "$w1" ]'
out=$("$FL_CTL" detach w1 2>&1)
rc=$?
fl_note "detach w1: exit $rc: $out"
fl_settle 0.6
a1=$(fl_guest w1)
fl_check "disk full: detach w1 refused and w1 keeps tiering (the reply says what happened: $a1)" \
	eval '[ $rc = 1 ] && [ "$a1" = "$w1" ]'
# hook calls make reconciles, each of which saves
for i in 1 2 3 4 5; do "$FL_HOOK" "vm$i" started begin - </dev/null; sleep 0.1; done
fl_settle 0.5
n_warn=$(grep -c 'warning: cannot write the state file' "$FL_LOG")
fl_note "log: $(fl_log_line 'cannot write the state file')"
fl_check "disk full: the log says it once per episode, not once per reconcile ($n_warn warnings)" \
	[ "$n_warn" -le 1 ]
a0=$(fl_guest w0)
fl_check "disk full: w0 undisturbed ($a0)" [ "$a0" = "$w0" ]
fl_check "disk full: vtierd up" kill -0 "$fl_vtierd_pid"
full_seen=$(fl_log_line 'No space left on device')
rm -f "$FL_RUN/filler"
out=$(fl_attach w2 1002 2>&1)
fl_check "space again: attach w2 works ($out)" [ $? = 0 ]
fl_settle 0.6
lists_all() { local g; for g in "$@"; do grep -q "\"$g\"" "$FL_STATE" || return 1; done; }
fl_check "space again: the state file lists w0, w1, w2" lists_all w0 w1 w2
fl_check "space again: the log says the state file is written again" \
	fl_log_has "state file written again"
fl_row "state file's disk full (512 KiB tmpfs)" \
	"log once: \"${full_seen:0:150}\"; attach/detach refused: \"...cannot write the state file...No space left on device\"" \
	"yes: w0 same slot/schemes; refused re-attach/detach leave w1 as it was" \
	"$([ $fl_failed = 0 ] && echo PASS || echo FAIL)"

# ---- corrupt ----
f0=$fl_failed
printf '{"vtierd": {"slots": [' >"$FL_STATE"
"$FL_CTL" detach w2 >/dev/null 2>&1
fl_settle 0.6
line=$(fl_log_line "is corrupt")
fl_note "log: $line"
fl_check "corrupt state file: the log says so and where it was set aside" \
	eval '[[ "$line" == *"$FL_STATE is corrupt"*"set aside as $FL_STATE.corrupt"* ]] && [ -f "$FL_STATE.corrupt" ]'
fl_check "corrupt state file: rewritten whole (w0, w1; valid JSON)" \
	eval 'python3 -m json.tool "$FL_STATE" >/dev/null && grep -q "\"w0\"" "$FL_STATE" && grep -q "\"w1\"" "$FL_STATE"'
fl_kill9
printf '\x00\xff garbage' >"$FL_STATE"
mark=$(wc -l <"$FL_LOG")
fl_start_vtierd
start_line=$(tail -n +"$((mark + 1))" "$FL_LOG" | grep -F 'goes on without it' | head -1 | sed 's/^vtierd: //')
fl_check "corrupt state file at start: vtierd starts (${start_line:0:160})" [ -n "$start_line" ]
fl_check "corrupt state file at start: status works, no guest re-attached (they were in the corrupt file)" \
	eval '[ "$(fl_guest w0)" = absent ]'
fl_attach w0 1000 >/dev/null
fl_settle 0.6
fl_check "vtierd keeps going: attach w0 again, tiering ($(fl_guest w0 | cut -c1-60))" \
	eval '[[ "$(fl_guest w0)" == state=tiering* ]]'
fl_check "vtierd exits 0 on SIGTERM, no sanitizer report" eval 'fl_stop_vtierd && fl_sanitizer_clean'
fl_row "state file corrupted (running, then at start)" "log: \"${line:0:160}\"; at start: \"${start_line:0:100}...\"" \
	"yes: w0, w1 rewritten into the new file; at start nothing re-attached (said so)" \
	"$([ $fl_failed = "$f0" ] && echo PASS || echo FAIL)"
fl_finish
