#!/bin/bash
# vtierd-guest.sh BUILDDIR KERNEL SRCDIR [HELPERDIR] — inside a lab guest only (tests/kernel/lab):
# vtierd for real (no --dry-run, --connect none, [damon] disable_damon_stat=true, its config in
# the guest's /tmp) against the lab kernel's DAMON. One TAP line per check, figures as comments:
#   1. a foreign kdamond (made by hand with sysfs writes) runs: vtierd refuses, names its pid,
#      exits non-zero and writes nothing (the admin tree, damon_stat and /run/vtier compared
#      before and after);
#   2. a workload in cgroup /w1 (512 MiB populated on node1, 64 MiB hot) is attached by pid with
#      `pin-fast` (`vtierctl attach w1 --pid P --policy FILE`); vtierd is killed with SIGKILL in
#      the middle of its first apply (the staged start's wait: [damon] staged_start=always, as
#      these kernels need no stage) and started again: it must adopt
#      its kdamond and still know w1 (the state file);
#   3. killed with SIGKILL again while the pages move and started again: it adopts (log
#      "adopted"), no second staged start, the same kdamond pid, the same nr_schemes and the same
#      scheme files, and the pages reach node0 (memory.numa_stat before/after);
#   4. once pin-fast's moves stopped, `vtierctl attach` again with `ratio` 50%: the plan gets a
#      PUSH for w1 and the fast share moves toward 50% (2 points below its highest since the
#      attach within 60 s: the direction is checked, the controller's settling is the
#      controller-acceptance suite's); `vtierctl status` shown; SIGTERM: exit 0, the kdamond
#      left running;
#   5. with [damon] stop_on_exit=true the next vtierd adopts that kdamond, and SIGTERM stops it.
# vtierd's logs and a one-line-a-second trace (w1's placement, node0's free memory, kdamond CPU
# ticks, load) are copied to $LAB_OUT for a failure's diagnosis.
# HELPERDIR holds lab-workload (default BUILDDIR).
set -uo pipefail
b=${1:?BUILDDIR}
kernel=${2:?KERNEL}
src=${3:?SRCDIR}
h=${4:-$b}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1: $2"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2" "$3"; fi; }
note() { echo "# [${SECONDS}s] $*"; }

if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "vtierd-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
admin=/sys/kernel/mm/damon/admin
stat_param=/sys/module/damon_stat/parameters/enabled
cg=/sys/fs/cgroup
vt=/tmp/vtierd-lab
state=/run/vtier/state.json
mkdir -p "$vt" /run/vtier
export VTIER_POLICY_DIR=$src/policies
# a sanitizer build (quickstart's check): whole stacks in a leak report
export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0:malloc_context_size=20}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
# staged_start=always: 7.3 and 6.18 keep a scheme's first quota window, so by default vtierd
# starts them at once; check 2 needs the stage's wait to kill vtierd in the middle of its first
# apply (and runs the config key for real)
cat >"$vt/vtierd.conf" <<'EOF'
[daemon]
interval_ms=1000
[damon]
disable_damon_stat=true
staged_start=always
EOF
pids=()
vtierd_pid=
cleanup() {
	[ -n "$vtierd_pid" ] && kill -9 "$vtierd_pid" 2>/dev/null
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	# vtierd's logs and the placement trace, for a failure's diagnosis on the host
	[ -n "${LAB_OUT:-}" ] && cp "$vt"/log-* "$vt"/trace "$LAB_OUT"/ 2>/dev/null
}
trap cleanup EXIT
sysctl -qw kernel.numa_balancing=0

# Builtins only below: a fork costs tens of ms under TCG (docs/lab.md).
. "$(dirname "$0")/damon-read.bash" # snooze, damon_read, damon_tree (EBUSY retried)
# The DAMON tree's configuration (stats, tried regions and effective quotas left out: they move
# while a kdamond runs), one `path:value` line per file.
tree() { damon_tree "$admin"; }
kpid() { damon_read $admin/kdamonds/0/pid; }
has() { # FILE TEXT
	local line
	while IFS= read -r line; do [[ $line == *"$2"* ]] && return 0; done <"$1"
	return 1
}
# N0 N1: anon bytes of cgroup /w1 on node0 and node1
numa() {
	local key a b rest
	while read -r key a b rest; do
		if [ "$key" = anon ]; then N0=${a#N0=} N1=${b#N1=}; return; fi
	done <$cg/w1/memory.numa_stat
}
tenths() { local t=$1; [ ${#t} -lt 2 ] && t=0$t; echo "${t%?}.${t: -1}"; } # 123 -> 12.3
mib() { tenths $(($1 * 10 / 1048576)); }
share() { tenths $(( ($1 + $2) ? 1000 * $1 / ($1 + $2) : 0 )); }
numa_line() { # LABEL
	numa
	note "numa_stat $1: anon N0=$N0 N1=$N1 ($(mib $N0) / $(mib $N1) MiB, fast share $(share $N0 $N1)%)"
}
start_vtierd() { # LOG
	# each line stamped with the wall clock (a builtin: no fork per line), as the trace is
	"$b/vtierd" --foreground --debug --config "$vt/vtierd.conf" --connect none \
		> >(while IFS= read -r line; do echo "${EPOCHREALTIME%???} $line"; done >"$1") 2>&1 &
	vtierd_pid=$!
	started_at=$SECONDS
}
# waits until LOG has PATTERN (0), vtierd exited (1) or S seconds passed (2)
wait_log() { # LOG PATTERN S
	local i
	for i in $(seq $(($3 * 20))); do
		has "$1" "$2" && { note "vtierd: \"$2\" after $((SECONDS - started_at))s"; return 0; }
		kill -0 "$vtierd_pid" 2>/dev/null || { snooze 0.5; has "$1" "$2" && return 0; return 1; }
		snooze 0.05
	done
	return 2
}
# the log's stamper drains what vtierd wrote before it exited
kill9() { kill -9 "$vtierd_pid"; wait "$vtierd_pid" 2>/dev/null; vtierd_pid=; snooze 0.5; }
term() { # LOG
	kill -TERM "$vtierd_pid"
	wait "$vtierd_pid"
	local rc=$?
	vtierd_pid=
	snooze 0.5
	[ "$rc" = 0 ] || sed -n '/running (configuration/,$p' "$1" | sed "s/^/# exit $rc: /" | head -40
	return $rc
}
show_log() { sed -E "/ debug: /d; s/^/# [${SECONDS}s] $1: /" "$2"; }

# the workload populates (3-10 s) while vtierd meets the foreign kdamond
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/w1
(echo $BASHPID >$cg/w1/cgroup.procs && exec "$h/tests/kernel/lab-workload" --node 1 --size 512 \
	--hot 64 --info /tmp/wl) >/dev/null &
pids+=($!)

# ---- 1. a foreign kdamond: refused, named, nothing written ----
[ -f "$stat_param" ] && echo N >"$stat_param"
block=$((16#$(cat /sys/devices/system/memory/block_size_bytes)))
n0blocks=$(ls -d /sys/devices/system/node/node0/memory[0-9]* | sed 's/.*memory//' | sort -n)
echo 1 >$admin/kdamonds/nr_kdamonds
echo 1 >$admin/kdamonds/0/contexts/nr_contexts
echo paddr >$admin/kdamonds/0/contexts/0/operations
echo 1 >$admin/kdamonds/0/contexts/0/targets/nr_targets
echo 1 >$admin/kdamonds/0/contexts/0/targets/0/regions/nr_regions
echo $(($(echo "$n0blocks" | head -n 1) * block + 0x100000)) \
	>$admin/kdamonds/0/contexts/0/targets/0/regions/0/start
echo $((($(echo "$n0blocks" | tail -n 1) + 1) * block)) \
	>$admin/kdamonds/0/contexts/0/targets/0/regions/0/end
echo on >$admin/kdamonds/0/state
foreign=$(cat $admin/kdamonds/0/pid)
note "foreign kdamond 0 made by hand: pid $foreign, state $(cat $admin/kdamonds/0/state)"
{ tree; echo "damon_stat $(cat $stat_param 2>/dev/null)"; ls -la /run/vtier; } >"$vt/before"
start_vtierd "$vt/log-foreign"
wait "$vtierd_pid"
rc=$?
vtierd_pid=
snooze 0.5
{ tree; echo "damon_stat $(cat $stat_param 2>/dev/null)"; ls -la /run/vtier; } >"$vt/after"
show_log foreign "$vt/log-foreign"
[ "$rc" != 0 ]
check $? "vtierd refuses a foreign kdamond: exit $rc" "exit 0"
grep -v ' debug: ' "$vt/log-foreign" | grep >/dev/null "kdamond 0 (pid $foreign) is running and vtier did not start it"
check $? "the refusal names the kdamond and its pid $foreign" "$(cat "$vt/log-foreign")"
cmp -s "$vt/before" "$vt/after"
check $? "vtierd wrote nothing: the admin tree ($(wc -l <"$vt/before") lines), damon_stat and /run/vtier unchanged" \
	"$(diff "$vt/before" "$vt/after" | head -20)"
echo off >$admin/kdamonds/0/state
echo 0 >$admin/kdamonds/nr_kdamonds
# the kernel's default again: damon_stat on (6.18, 7.3), for vtierd to turn off itself
[ -f "$stat_param" ] && echo Y >"$stat_param"

# ---- 2. pin-fast, SIGKILL in the middle of the first apply ----
for _ in $(seq 600); do [ -f /tmp/wl ] && break; snooze 0.1; done
# a trace for diagnosis, one line a second: uptime, w1's anon bytes on node0/node1, node0's free
# memory, the kdamond's CPU ticks (utime+stime), the load
(
	exec 2>/dev/null
	set +u # a file not there yet (no kdamond) must not end the trace
	while :; do
		a0=? a1=? free0=? kd=? act1=? up=? l1=?
		while read -r key x y rest; do
			[ "$key" = anon ] && { a0=${x#N0=} a1=${y#N1=}; break; }
		done <$cg/w1/memory.numa_stat
		while read -r _ _ key val rest; do
			[ "$key" = MemFree: ] && { free0=$val; break; }
		done </sys/devices/system/node/node0/meminfo
		kp=$(cat $admin/kdamonds/0/pid)
		[ "$kp" -gt 0 ] && read -r -a st </proc/$kp/stat && kd=$((st[13] + st[14]))
		read -r up _ </proc/uptime
		read -r l1 _ </proc/loadavg
		read -r act1 <$admin/kdamonds/0/contexts/0/schemes/1/action
		echo "${EPOCHREALTIME%???} $up $a0 $a1 ${free0}kB kdamond=$kd load=$l1 scheme1=$act1"
		snooze 1
	done >"$vt/trace"
) &
pids+=($!)
note "$(cat /tmp/wl)"
wpid=$(sed -E 's/.*pid=([0-9]+).*/\1/' /tmp/wl)
numa_line "before (pin-fast)"
numa; before0=$N0 before1=$N1
pin_fast="<vtier:policy xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' mode='pin-fast'/>"
ratio="<vtier:policy xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' mode='ratio'><vtier:fast ratio='50%'/></vtier:policy>"
echo "$pin_fast" >"$vt/pin-fast.xml"
echo "$ratio" >"$vt/ratio.xml"
attach() { # POLICY-FILE
	"$b/vtierctl" attach w1 --pid "$wpid" --policy "$1" >"$vt/attach.out" 2>&1
}
start_vtierd "$vt/log-1"
wait_log "$vt/log-1" "running (configuration" 60
attach "$vt/pin-fast.xml"
check $? "vtierctl attach w1 --pid $wpid --policy pin-fast.xml" "$(cat "$vt/attach.out")"
note "attach: $(tr '\n' ' ' <"$vt/attach.out")"
wait_log "$vt/log-1" "staged start of" 60
rc=$?
kill9
show_log vtierd-1 "$vt/log-1"
check $rc "vtierd started the pin-fast plan (staged start) and was killed with SIGKILL in its wait" \
	"wait_log $rc"
note "after the SIGKILL: kdamond 0 $(cat $admin/kdamonds/0/state 2>/dev/null) pid $(cat $admin/kdamonds/0/pid 2>/dev/null), state file: $(tr -d ' \n' <"$state" 2>/dev/null | head -c 300)"
start_vtierd "$vt/log-2"
wait_log "$vt/log-2" "running (configuration" 60
rc=$?
show_log vtierd-2 "$vt/log-2"
has "$vt/log-2" "adopted vtier's running kdamond"
check $(( rc | $? )) "vtierd killed mid-apply starts again and adopts its kdamond" \
	"$(grep -v ' debug: ' "$vt/log-2" | tail -3)"
if [ "$rc" != 0 ]; then
	# the refusal's own fix (stop the kdamond by hand) so that the rest can run
	note "workaround: echo off > kdamonds/0/state; nr_kdamonds 0; start vtierd again"
	echo off >$admin/kdamonds/0/state
	echo 0 >$admin/kdamonds/nr_kdamonds
	start_vtierd "$vt/log-2"
	wait_log "$vt/log-2" "running (configuration" 60
	show_log vtierd-2b "$vt/log-2"
fi
has "$vt/log-2" "re-attached w1"
check $? "the attach survived the SIGKILL: w1 re-attached from the state file" \
	"$(grep -q '"w1"' "$state" 2>/dev/null && echo "w1 is in" || echo "no w1 in") $state after the SIGKILL (the attach was acknowledged before; vtierd had not saved it)"
if ! has "$vt/log-2" "re-attached w1"; then
	note "workaround: vtierctl attach w1 again"
	attach "$vt/pin-fast.xml"
fi

# ---- 3. SIGKILL while the pages move; restart adopts; pages reach node0 ----
moving=1
for _ in $(seq 600); do
	numa
	[ "$N0" -gt $((before0 + 16 * 1048576)) ] && { moving=0; break; }
	snooze 0.1
done
numa_line "when killed"
pid_k=$(kpid)
nr_s=$(cat $admin/kdamonds/0/contexts/0/schemes/nr_schemes)
tree >"$vt/tree-before-kill"
kill9
start_vtierd "$vt/log-3"
wait_log "$vt/log-3" "running (configuration" 60
rc=$?
snooze 3 # a reconcile (debounce 50 ms) and a few intervals
tree >"$vt/tree-after-restart"
show_log vtierd-3 "$vt/log-3"
grep -q "adopted vtier's running kdamond (pid $pid_k)" "$vt/log-3"
check $(( rc | $? )) "after SIGKILL while pages moved (${moving/0/mid-migration}), vtierd adopts kdamond pid $pid_k" \
	"$(grep -v ' debug: ' "$vt/log-3" | tail -3)"
pid_now=$(kpid)
! grep -q "staged start" "$vt/log-3" && [ "$pid_now" = "$pid_k" ]
check $? "no second staged start, the same kdamond (pid $pid_now)" \
	"$(grep 'staged start' "$vt/log-3")"
nr_s2=$(cat $admin/kdamonds/0/contexts/0/schemes/nr_schemes)
[ "$nr_s" = "$nr_s2" ]
check $? "nr_schemes unchanged ($nr_s -> $nr_s2)" "$nr_s -> $nr_s2"
cmp -s "$vt/tree-before-kill" "$vt/tree-after-restart"
check $? "the scheme files are the same ($(wc -l <"$vt/tree-after-restart") lines): nothing duplicated or renumbered" \
	"$(diff "$vt/tree-before-kill" "$vt/tree-after-restart" | head -20)"
dups=$(grep -E '/schemes/[0-9]+/(action|target_nid|ops_filters/[0-9]+/memcg_path|filters/[0-9]+/memcg_path):' \
	"$vt/tree-after-restart" | sed -E 's|.*/schemes/([0-9]+)/(.*):(.*)|\1 \2=\3|' |
	awk '{ k[$1] = k[$1] " " $2 } END { for (s in k) print k[s] }' | grep -v 'action=stat\|action=nohugepage' |
	grep 'memcg_path=/' | sort | uniq -d)
[ -z "$dups" ]
check $? "no two schemes with the same action, target node and memcg" "$dups"
reached=1 t3=$SECONDS
for i in $(seq 60); do
	numa
	if [ $((N0 * 10)) -ge $(((N0 + N1) * 9)) ]; then reached=0; break; fi
	snooze 1
done
numa_line "after (pin-fast)"
after0=$N0 after1=$N1
check $reached "pin-fast: tiering went on after the restart, >= 90% of w1 on node0 (N0 $(mib "$before0") -> $(mib "$after0") MiB, N1 $(mib "$before1") -> $(mib "$after1") MiB, $((SECONDS - t3))s after the restart was ready)" \
	"N0=$after0 N1=$after1; trace (time uptime N0 N1 node0-free kdamond-ticks load): $(tail -n 8 "$vt/trace" | tr '\n' ';')"

# ---- 4. ratio 50% ----
# pin-fast goes on after the 90% mark: let it finish (no growth for 3 s, 30 s at most), so that
# the ratio phase starts from a still placement
last=-1 still=0
for _ in $(seq 30); do
	numa
	if [ "$N0" -le "$last" ]; then still=$((still + 1)); else still=0; fi
	last=$N0
	[ "$still" -ge 3 ] && break
	snooze 1
done
"$b/vtierctl" status 2>&1 | sed 's/^/# status (pin-fast): /'
numa_line "before (ratio 50%)"
r0=$N0 r1=$N1
attach "$vt/ratio.xml"
check $? "vtierctl attach w1 --policy ratio.xml (50%) on the running vtierd" "$(cat "$vt/attach.out")"
started_at=$SECONDS
# the new plan's PUSH in the kernel tree (the apply waits for the kdamond: slow while it migrates
# under TCG), then the PUSH moves 10 s after the attach at the earliest (cold_age 10 s): up to
# 60 s, until the share fell 2 points below its highest since the attach (a pin-fast move still
# in flight when the plan changed may add a little first)
pushed=-1
for i in $(seq 120); do
	read -r act <$admin/kdamonds/0/contexts/0/schemes/1/action
	[ "$act" = migrate_cold ] && { pushed=$((SECONDS - started_at)); break; }
	snooze 0.5
done
note "ratio 50%: the PUSH (scheme 1) in the kernel tree ${pushed}s after the attach (-1: not within 60 s)"
permille() { echo $(( ($1 + $2) ? 1000 * $1 / ($1 + $2) : 0 )); }
samples=() t4=$SECONDS peak=$(permille "$r0" "$r1")
for i in $(seq 60); do
	snooze 1
	numa
	samples+=("$((SECONDS - t4)) $N0 $N1")
	p=$(permille "$N0" "$N1")
	[ "$p" -gt "$peak" ] && peak=$p
	[ "$p" -le $((peak - 20)) ] && break
done
curve=""
for x in "${samples[@]}"; do
	read -r t x0 x1 <<<"$x"
	curve="$curve ${t}s:$(share $x0 $x1)"
done
note "ratio 50%: fast share (%) since the attach:$curve"
numa_line "after (ratio 50%)"
a0=$N0 a1=$N1
tree >"$vt/tree-ratio"
push=$(grep -E '/schemes/[0-9]+/action:migrate_cold$' "$vt/tree-ratio" | sed -E 's|.*/schemes/([0-9]+)/.*|\1|' | head -n 1)
[ -n "$push" ] && grep -q "/schemes/$push/target_nid:1$" "$vt/tree-ratio" &&
	grep -qE "/schemes/$push/(ops_)?filters/[0-9]+/memcg_path:/w1$" "$vt/tree-ratio"
check $? "ratio 50%: the plan now has a PUSH for w1 (scheme ${push:-none}: migrate_cold to node1, memcg /w1)" \
	"$(grep -E '/schemes/[0-9]+/action:' "$vt/tree-ratio" | tr '\n' ' ')"
[ "$(permille "$a0" "$a1")" -le $((peak - 20)) ]
check $? "ratio 50%: the fast share moves toward 50% ($(share "$r0" "$r1")% at the attach, $(tenths "$peak")% at most, $(share "$a0" "$a1")% at the end; N0 $(mib "$r0") -> $(mib "$a0") MiB)" \
	"N0=$a0 N1=$a1; trace (time uptime N0 N1 node0-free kdamond-ticks load): $(tail -n 8 "$vt/trace" | tr '\n' ';')"

"$b/vtierctl" status 2>&1 | sed 's/^/# status (ratio 50%): /'
term "$vt/log-3"
rc=$?
[ "$rc" = 0 ] && [ "$(damon_read $admin/kdamonds/0/state)" = on ]
check $? "SIGTERM: vtierd exits 0 and leaves its kdamond running ([damon] stop_on_exit=false)" "exit $rc"
"$b/vtierctl" damon status 2>&1 | sed "s/^/# damon status after SIGTERM: /" | head -6

# ---- 5. [damon] stop_on_exit=true: the next vtierd adopts the kdamond, SIGTERM stops it ----
echo "stop_on_exit=true" >>"$vt/vtierd.conf" # the file's last group is [damon]
start_vtierd "$vt/log-4"
wait_log "$vt/log-4" "running (configuration" 60
rc=$?
has "$vt/log-4" "adopted vtier's running kdamond"
adopted=$?
term "$vt/log-4"
trc=$?
nr=$(cat $admin/kdamonds/nr_kdamonds 2>/dev/null)
st=$(damon_read $admin/kdamonds/0/state 2>/dev/null)
[ "$rc" = 0 ] && [ "$adopted" = 0 ] && [ "$trc" = 0 ] && { [ "$nr" = 0 ] || [ "$st" = off ]; } &&
	has "$vt/log-4" "stopped vtier's kdamonds"
check $? "[damon] stop_on_exit=true: vtierd adopts its kdamond; on SIGTERM it exits 0 and the kdamond is stopped (nr_kdamonds ${nr:-?}, state ${st:-none})" \
	"start $rc, adopted $adopted, exit $trc; $(grep -v ' debug: ' "$vt/log-4" | tail -4 | tr '\n' ' ')"
echo "1..$n"
exit $failed
