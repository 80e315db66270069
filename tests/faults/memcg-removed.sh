#!/bin/bash
# Fault: a guest's memory cgroup is removed under vtierd (dry run, fixture sysroot). vtierd must
# set that guest aside with a fault naming memory.numa_stat (log line + `vtierctl status`), plan
# the others again without touching their schemes, and pick the guest up again, logging
# "cleared", when its cgroup is back. Ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
fl_setup memcg
fl_workload w0 1000 100 412
fl_workload w1 1001 300 212
fl_workload w2 1002 50 462
fl_start_vtierd || { fl_fail "start vtierd"; fl_finish; }
fl_attach w0 1000 >/dev/null && fl_attach w1 1001 >/dev/null &&
	fl_attach w2 1002 "<vtier:policy xmlns:vtier='$FL_NS' mode='pin-fast'/>" >/dev/null
fl_check "attach w0 (ratio), w1 (ratio), w2 (pin-fast)" [ $? = 0 ]
fl_settle 1
w0=$(fl_guest w0) w2=$(fl_guest w2)
fl_note "before: w0 $w0"
fl_note "before: w2 $w2"
writes0=$(grep -c 'would write' "$FL_LOG")

mv "$FL_ROOT/sys/fs/cgroup/vtier.slice/w1.scope" "$FL_WORK/w1.scope.gone"
fl_settle 1.5
state=$(fl_status_field w1 state) reason=$(fl_status_field w1 state_reason)
fl_note "status w1: $state: $reason"
line=$(fl_log_line "guest w1:")
fl_note "log: $line"
fl_check "w1's memcg removed: status says fault, naming memory.numa_stat" \
	eval '[ "$state" = fault ] && [[ "$reason" == *memory.numa_stat* ]]'
fl_check "w1's memcg removed: one warning in the log saying other guests are not affected" \
	eval '[ "$(grep -c "guest w1: .*retrying with backoff; other guests are not affected" "$FL_LOG")" = 1 ]'
p1=$(fl_guest w1)
fl_check "w1 left the plan ($p1)" eval '[[ "$p1" == *" slot=- "* ]] || [[ "$p1" == *" n=0 "* ]]'
a0=$(fl_guest w0) a2=$(fl_guest w2)
fl_check "w0 undisturbed: same state, slot and schemes ($a0)" [ "$a0" = "$w0" ]
fl_check "w2 undisturbed: same state, slot and schemes ($a2)" [ "$a2" = "$w2" ]
# the re-plan wrote nothing into w0's or w2's scheme directories but quotas (budgets)
first0=$(sed -E 's/.* first=([0-9-]+) .*/\1/' <<<"$w0") first2=$(sed -E 's/.* first=([0-9-]+) .*/\1/' <<<"$w2")
others=$(tail -n +"$((writes0 + 1))" <(grep 'would write' "$FL_LOG") |
	grep -E "/schemes/($first0|$((first0 + 1))|$first2)/" | grep -v '/quotas/' | head -3)
fl_check "no write to w0's or w2's schemes other than their budgets${others:+: $others}" [ -z "$others" ]

mv "$FL_WORK/w1.scope.gone" "$FL_ROOT/sys/fs/cgroup/vtier.slice/w1.scope"
cleared=0
for _ in $(seq 1 40); do # the backoff starts at 1 s
	[ "$(fl_status_field w1 state)" = tiering ] && { cleared=1; break; }
	sleep 0.25
done
fl_check "w1's memcg back: tiering again, log says \"$(fl_log_line "guest w1: cleared")\"" \
	eval '[ $cleared = 1 ] && fl_log_has "guest w1: cleared"'
fl_check "w0 still undisturbed after w1 came back" [ "$(fl_guest w0)" = "$w0" ]
fl_check "vtierd exits 0 on SIGTERM, no sanitizer report" eval 'fl_stop_vtierd && fl_sanitizer_clean'
ok=$([ $fl_failed = 0 ] && echo PASS || echo FAIL)
fl_row "guest memcg removed (dry run)" "status: fault \"$reason\"; log: \"$line\"; then \"guest w1: cleared\"" \
	"yes: w0, w2 same slot/schemes/share; no write to their schemes" "$ok"
fl_finish
