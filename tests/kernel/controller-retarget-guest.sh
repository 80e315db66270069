#!/bin/bash
# controller-retarget-guest.sh BUILDDIR [FIRST [SECOND [THIRD]]] — inside a lab guest only
# (tests/kernel/lab): does vtierd's controller follow a policy change? vtierd with its default
# configuration, a 512 MiB workload (128 MiB hot) in cgroup /tier/work populated on the slow node,
#   vtierctl attach work --pid PID --policy FILE        (ratio FIRST%, default 50)
# then, once settled (or after $RETARGET_SETTLE_S, 60), the same attach with ratio SECOND% (70)
# and then THIRD% (30), each recorded for $RETARGET_SECONDS (60) s. A re-attach with another
# policy is the policy change of an attached guest (docs/control.md).
# About every second $LAB_OUT/retarget.trace gets one line for the guest's PULL (scheme 0) and
# one for its PUSH (scheme 1):
#   T PCT share=S scheme=N action=A bytes=B effective_bytes=E fail_charge_num=.. fail_charge_denom=..
#   nr_accesses_permil=.. age_permil=.. nr_tried=.. sz_tried=.. nr_applied=.. sz_applied=..
#   sz_ops_filter_passed=.. qt_exceeds=..
# (T seconds from the first attach; share from the memcg's memory.numa_stat), and every 10 s
# $LAB_OUT/regions/T-sN.txt their tried regions (start end nr_accesses age sz_filter_passed;
# with regions/T-all.txt every DAMON region of one aggregation from the damon_aggregated
# tracepoint; RETARGET_REGIONS=0: none).
# $LAB_OUT also gets vtierd.log, explain-*.txt and place (lab-placement). Checks (TAP): each phase
# reaches its target +- 3 points. Diagnostic: run by hand (docs/controller.md), not by a suite.
set -uo pipefail
b=${1:?BUILDDIR}
first=${2:-50} second=${3:-70} third=${4:-30}
settle_s=${RETARGET_SETTLE_S:-60}
phase_s=${RETARGET_SECONDS:-60}
out=${LAB_OUT:-/tmp}
. "$(dirname "$0")/vtierd-guest-lib.bash"
vtierd_guest_prelude controller-retarget-guest
kd=/sys/kernel/mm/damon/admin/kdamonds/0
tr=/sys/kernel/tracing
vtierd_guest_workload work 512 128
wpid=$(sed -n 's/.*pid=\([0-9]*\) .*/\1/p' /tmp/work.wl)
[ -n "$wpid" ] && ok "workload populated on node1 (pid $wpid)" || notok "workload populated"

vtierd_guest_start "$out/vtierd.log"

# the memcg's fast share in hundredths of a point (anon N0 / (N0 + N1))
share() {
	awk '$1 == "anon" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	     END { t = v["N0"] + v["N1"]; printf "%.2f\n", t ? 100 * v["N0"] / t : -1 }' \
		$cg/tier/work/memory.numa_stat
}
rd() { local v=-; read -r v <"$1" 2>/dev/null; echo "$v"; }
# the guest's PULL and PUSH: schemes 0 and 1 (the first planned guest)
record() { # T PHASE
	local t=$1 phase=$2 s sd st sh f line
	echo update_schemes_stats >$kd/state 2>/dev/null
	echo update_schemes_effective_quotas >$kd/state 2>/dev/null
	sh=$(share)
	for s in 0 1; do
		sd=$kd/contexts/0/schemes/$s
		st=$sd/stats
		line="$t $phase share=$sh scheme=$s"
		for f in action quotas/bytes quotas/effective_bytes quotas/fail_charge_num \
			quotas/fail_charge_denom quotas/weights/nr_accesses_permil \
			quotas/weights/age_permil stats/nr_tried stats/sz_tried stats/nr_applied \
			stats/sz_applied stats/sz_ops_filter_passed stats/qt_exceeds; do
			line="$line ${f##*/}=$(rd $sd/$f)"
		done
		echo "$line"
	done >>"$out/retarget.trace"
}
regions() { # T
	local t=$1 s r a e na ag fp
	mkdir -p "$out/regions"
	echo update_schemes_tried_regions >$kd/state 2>/dev/null || return
	for s in 0 1; do
		for r in $kd/contexts/0/schemes/$s/tried_regions/[0-9]*; do
			[ -d "$r" ] || continue
			read -r a <$r/start; read -r e <$r/end; read -r na <$r/nr_accesses
			read -r ag <$r/age; fp=-; read -r fp <$r/sz_filter_passed 2>/dev/null
			echo "$a $e $na $ag $fp"
		done >"$out/regions/$t-s$s.txt"
	done
	echo clear_schemes_tried_regions >$kd/state 2>/dev/null
	# every DAMON region of one aggregation (start-end: nr_accesses age), from the tracepoint
	if [ -d $tr/events/damon/damon_aggregated ]; then
		echo >$tr/trace
		echo 1 >$tr/events/damon/damon_aggregated/enable
		sleep 0.15
		echo 0 >$tr/events/damon/damon_aggregated/enable
		sed -n 's/.*damon_aggregated: //p' $tr/trace >"$out/regions/$t-all.txt"
	fi
}
attach() { # PCT
	printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio"><vtier:fast ratio="%s%%"/></vtier:policy>\n' \
		"$1" >/tmp/policy.xml
	vctl attach work --pid "$wpid" --policy /tmp/policy.xml >/tmp/attach.out 2>&1
}
t0=$SECONDS
# phase PCT SECONDS STOP_WHEN_SETTLED: records every second; 0 when within +-3 points at the end
phase() {
	local pct=$1 secs=$2 stop=$3 t sh inband=0 end=$((SECONDS + $2)) next_regions=0
	while [ $SECONDS -lt $end ]; do
		t=$((SECONDS - t0))
		record "$t" "$pct"
		if [ "${RETARGET_REGIONS:-1}" = 1 ] && [ $SECONDS -ge $next_regions ]; then
			regions "$t"
			next_regions=$((SECONDS + 10))
		fi
		sh=$(share)
		if awk -v s="$sh" -v p="$pct" 'BEGIN { exit !(s >= p - 1.5 && s <= p + 1.5) }'; then
			inband=$((inband + 1))
		else
			inband=0
		fi
		[ "$stop" = 1 ] && [ $inband -ge 5 ] && break
		sleep 0.5
	done
	vctl explain work >"$out/explain-$pct.txt" 2>&1
	echo "# phase $pct%: share $(share)% at $((SECONDS - t0)) s"
	awk -v s="$(share)" -v p="$pct" 'BEGIN { exit !(s >= p - 3 && s <= p + 3) }'
}
"$b/tests/kernel/lab-placement" --info /tmp/work.wl --interval 1 --samples $((settle_s + 2 * phase_s + 20)) \
	>"$out/place" 2>&1 &
pids+=($!)
attach "$first" && ok "attach ratio $first%" || notok "attach ratio $first%" "$(cat /tmp/attach.out)"
phase "$first" "$settle_s" 1 && ok "settled at $first% +- 3" || notok "settled at $first% +- 3"
attach "$second" && ok "re-attach ratio $second%" || notok "re-attach ratio $second%" "$(cat /tmp/attach.out)"
phase "$second" "$phase_s" 0 && ok "moved to $second% +- 3 within $phase_s s" ||
	notok "moved to $second% +- 3 within $phase_s s" "$(share)%"
attach "$third" && ok "re-attach ratio $third%" || notok "re-attach ratio $third%" "$(cat /tmp/attach.out)"
phase "$third" "$phase_s" 0 && ok "moved to $third% +- 3 within $phase_s s" ||
	notok "moved to $third% +- 3 within $phase_s s" "$(share)%"
vctl status >"$out/status.txt" 2>&1
echo "1..$n"
exit $failed
