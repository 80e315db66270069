#!/bin/bash
# Fault: DAMON's commit takes seconds (7.3's commit waits for the kdamond's next loop: ~15 s in
# the lab under a 256 MiB migration window). vtierd runs DAMON I/O on its worker thread: while a
# commit waits, `vtierctl status` and `vtierctl attach` are answered at once, the reconcile the
# attach asks for and the controller's budgets land when the commit ends, and SIGTERM waits for
# the commit in flight, then exits 0. The dry run's in-process fake makes every commit wait
# VTIER_DRY_RUN_COMMIT_DELAY_MS (a test knob, honoured only with --dry-run; docs/daemon.md).
# Ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
DELAY_MS=3000
fl_setup slow-commit
fl_workload w0 1000 100 412
fl_workload w1 1001 300 212
export VTIER_DRY_RUN_COMMIT_DELAY_MS=$DELAY_MS
fl_start_vtierd || { fl_fail "start vtierd"; fl_finish; }
fl_check "the knob is reported in the log" fl_log_has "every commit waits $DELAY_MS ms"

# pending_lines: the debug lines of an interval that found a DAMON job in flight
pending_lines() { grep -c 'the kdamond status is pending' "$FL_LOG"; }
commits() { grep -c 'would write .*kdamonds/0/state commit' "$FL_LOG"; }
# wait_pending: until two intervals found a job in flight (a commit: a status read takes ms) that
# started after the last commit logged
wait_pending() {
	local p0 c0 i
	p0=$(pending_lines) c0=$(commits)
	for i in $(seq 1 100); do
		[ "$(pending_lines)" -gt $((p0 + 1)) ] && [ "$(commits)" = "$c0" ] && return 0
		sleep 0.05
	done
	return 1
}

fl_attach w0 1000 >/dev/null
fl_check "attach w0 (ratio)" [ $? = 0 ]
# the kdamond starts (`on`: no wait), the controller's first budgets then need a commit
fl_check "a budget commit is in flight (an interval saw the status pending)" wait_pending
c0=$(commits)
t0=$(fl_now_ms)
"$FL_CTL" status --json >"$FL_WORK/status.json" 2>"$FL_WORK/status.err"
rc=$? dt=$(($(fl_now_ms) - t0))
fl_note "vtierctl status: exit $rc in $dt ms while a $DELAY_MS ms commit runs"
fl_check "vtierctl status answered in $dt ms (< 1000) while the commit runs" \
	eval '[ $rc = 0 ] && [ $dt -lt 1000 ] && [ "$(commits)" = "$c0" ]'
t0=$(fl_now_ms)
fl_attach w1 1001 >/dev/null
rc=$? dt=$(($(fl_now_ms) - t0))
fl_note "vtierctl attach w1: exit $rc in $dt ms"
fl_check "vtierctl attach w1 answered in $dt ms (< 1000) while the commit runs" \
	eval '[ $rc = 0 ] && [ $dt -lt 1000 ] && [ "$(commits)" = "$c0" ]'

# afterwards: the budgets' commit, then the reconcile w1 asked for (another commit)
planned=0
for _ in $(seq 1 $((4 * DELAY_MS / 100))); do
	[ "$(fl_status_field w1 state)" = tiering ] && { planned=1; break; }
	sleep 0.1
done
fl_check "w1 is tiering after the commits ($(commits) commits logged)" [ $planned = 1 ]
# the controller opens w0's PULL (parked at 1 byte until then) by a budget commit
budget=
for _ in $(seq 1 $((4 * DELAY_MS / 100))); do
	budget=$(grep -E 'would write .*kdamonds/0/contexts/0/schemes/0/quotas/bytes [0-9]+' "$FL_LOG" |
		tail -1 | sed -E 's/.*quotas\/bytes ([0-9]+).*/\1/')
	[ -n "$budget" ] && [ "$budget" -gt 4096 ] && break
	sleep 0.1
done
fl_check "the controller's budget for w0's PULL landed (quotas/bytes $budget, not parked)" \
	eval '[ -n "$budget" ] && [ "$budget" -gt 4096 ]'
fl_check "w0 still tiering" eval '[ "$(fl_status_field w0 state)" = tiering ]'

# SIGTERM in a commit: vtierd waits for it, then exits 0
wait_pending
t0=$(fl_now_ms)
fl_stop_vtierd
rc=$? dt=$(($(fl_now_ms) - t0))
fl_note "SIGTERM during a commit: exit $rc after $dt ms"
fl_check "SIGTERM during a commit: waits for it (log says so), exits 0" \
	eval '[ $rc = 0 ] && fl_log_has "waiting for the DAMON job in flight"'
fl_check "no sanitizer report" fl_sanitizer_clean
ok=$([ $fl_failed = 0 ] && echo PASS || echo FAIL)
fl_row "DAMON commit takes ${DELAY_MS} ms (dry run)" \
	"status and attach answered at once; budgets and the reconcile land after the commit" \
	"yes: w0 tiering throughout" "$ok"
fl_finish
