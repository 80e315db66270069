#!/bin/bash
# Fault: a hook storm. 100 guest start/stop cycles (prepare, start, started, stopped, release:
# 500 runs of the real hook binary, virt-hooks/vtier-hook, with a domain XML on stdin) from 2
# callers at once, within 30 s, against a dry-run vtierd (--connect none) that tiers an attached
# guest w0 meanwhile. Every hook run must exit 0 within its 1 s deadline, print nothing on
# stdout and reach vtierd; the storm's reconciles are coalesced; vtierd's fds do not grow; w0
# keeps its slot and schemes and no write touches them but its budgets. (tests/suites/
# vtierd-libvirt.sh storms a real libvirtd's hook path; this one is cheap and runs anywhere.)
# Ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
cycles=${VTIER_STORM_CYCLES:-100}
callers=2
fl_setup storm
fl_workload w0 1000 100 412
fl_start_vtierd || { fl_fail "start vtierd"; fl_finish; }
fl_attach w0 1000 >/dev/null
fl_check "attach w0 (ratio 50%)" [ $? = 0 ]
fl_settle 1
w0=$(fl_guest w0)
fl_note "before: w0 $w0"
status0=$("$FL_CTL" status --json)
r0=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["reconciles_total"])' <<<"$status0")
fd0=$(fl_fds) rss0=$(fl_rss_kb)
writes0=$(grep -c 'would write' "$FL_LOG")
hooks0=$(grep -c ': info: hook: ' "$FL_LOG")

xml() { # NAME
	cat <<-XML
		<domain type='kvm'><name>$1</name><uuid>$(printf '%08x' "$2")-0000-4000-8000-000000000000</uuid>
		<memory unit='GiB'>4</memory><vcpu>2</vcpu>
		<metadata><vtier:policy xmlns:vtier='$FL_NS' mode='ratio'><vtier:fast ratio='30%'/></vtier:policy></metadata>
		<devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>
	XML
}
caller() { # N: cycles N, N+callers, ...
	local i op t0 t rc
	for ((i = $1; i <= cycles; i += callers)); do
		xml "storm-$i" "$i" >"$FL_WORK/storm-$1.xml"
		for op in "prepare begin" "start begin" "started begin" "stopped end" "release end"; do
			t0=$(fl_now_ms)
			# shellcheck disable=SC2086 # op is "OPERATION SUB-OPERATION"
			"$FL_HOOK" "storm-$i" $op - <"$FL_WORK/storm-$1.xml" >"$FL_WORK/out-$1" 2>>"$FL_WORK/err-$1"
			rc=$?
			t=$(($(fl_now_ms) - t0))
			echo "storm-$i ${op% *} rc=$rc ms=$t out=$(wc -c <"$FL_WORK/out-$1")" >>"$FL_WORK/calls-$1"
		done
	done
}
t0=$(fl_now_ms)
pids=()
for c in $(seq 1 $callers); do caller "$c" & pids+=($!); done
wait "${pids[@]}"
storm_ms=$(($(fl_now_ms) - t0))
cat "$FL_WORK"/calls-* >"$FL_WORK/calls"
n=$(wc -l <"$FL_WORK/calls")
bad=$(grep -v ' rc=0 .* out=0$' "$FL_WORK/calls" | head -3)
slow=$(awk '{ split($4, m, "="); if (m[2] >= 1000) n++ } END { print n + 0 }' "$FL_WORK/calls")
max=$(awk '{ split($4, m, "="); if (m[2] > x) x = m[2] } END { print x + 0 }' "$FL_WORK/calls")
fl_note "$cycles cycles, $n hook runs from $callers callers in $storm_ms ms; slowest run $max ms"
fl_check "the storm took <= 30 s ($storm_ms ms for $cycles start/stop cycles)" [ "$storm_ms" -le 30000 ]
fl_check "all $n hook runs exited 0 and printed nothing on stdout${bad:+: $bad}" \
	eval '[ "$n" = $((cycles * 5)) ] && [ -z "$bad" ]'
fl_check "every hook run returned within its 1 s deadline ($slow did not)" [ "$slow" = 0 ]
fl_check "the hooks' stderr is empty (vtierd answered each$(cat "$FL_WORK"/err-* | head -c 120 | sed "s/^/: /"))" \
	eval '! cat "$FL_WORK"/err-* 2>/dev/null | grep . >/dev/null'
fl_settle 1
seen=$(($(grep -c ': info: hook: ' "$FL_LOG") - hooks0))
fl_check "every hook run reached vtierd ($seen of $n log lines \"hook: NAME OPERATION\")" [ "$seen" = "$n" ]
status1=$("$FL_CTL" status --json)
r1=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["reconciles_total"])' <<<"$status1")
dr=$((r1 - r0))
fl_note "reconciles: $dr for $n hook runs in $storm_ms ms (debounce 50 ms)"
# coalesced: at most one reconcile per 50 ms debounce window of the storm, however many calls
fl_check "the storm's reconciles were coalesced ($dr for $n hook runs in $storm_ms ms: at most one per 50 ms)" \
	eval '[ "$dr" -le $((storm_ms / 50 + 5)) ] && [ "$dr" -lt "$n" ]'
fd1=$(fl_fds) rss1=$(fl_rss_kb)
fl_note "vtierd fds $fd0 -> $fd1, RSS $rss0 -> $rss1 KiB"
fl_check "no fd growth in vtierd ($fd0 -> $fd1)" [ "$fd1" -le "$fd0" ]
a0=$(fl_guest w0)
fl_check "w0 undisturbed: same state, slot and schemes ($a0)" [ "$a0" = "$w0" ]
first0=$(sed -E 's/.* first=([0-9-]+) .*/\1/' <<<"$w0")
others=$(tail -n +"$((writes0 + 1))" <(grep 'would write' "$FL_LOG") |
	grep -E "/schemes/($first0|$((first0 + 1)))/" | grep -v '/quotas/' | head -3)
fl_check "no write to w0's schemes other than its budgets${others:+: $others}" [ -z "$others" ]
fl_check "the storm guests are not in status (vtierd takes guests from libvirt, not from hooks)" \
	eval '! grep -q "storm-" <<<"$status1"'
fl_check "vtierd exits 0 on SIGTERM, no sanitizer report" eval 'fl_stop_vtierd && fl_sanitizer_clean'
fl_row "hook storm: $cycles start/stop cycles, $n hook runs, $callers callers" \
	"hooks exit 0 in <= $max ms; log \"hook: storm-N started\" per run; $dr reconciles" \
	"yes: w0 same slot/schemes, no write to its schemes but budgets; fds $fd0 -> $fd1" \
	"$([ $fl_failed = 0 ] && echo PASS || echo FAIL) ($storm_ms ms)"
fl_finish
