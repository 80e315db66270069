#!/bin/bash
# faults-guest.sh BUILDDIR KERNEL SRCDIR [HELPERDIR] — inside a lab guest only (tests/kernel/lab):
# the faults that need real DAMON, with vtierd for real (no --dry-run, --connect none,
# [damon] disable_damon_stat=true, audit every 2 s). Two workloads in cgroups: g1 (/g1, pin-fast)
# is the bystander, g2 (/p/g2, ratio 50%) takes the faults. After each fault: what vtierd logs or
# status shows, and proof that g1's tiering was not disturbed: the same kdamond pid and the same
# scheme files of g1 (action, filters, patterns, target; budgets and stats left out).
#   A. someone else writes vtier's kdamond files (g2's PULL action -> stat, its memcg filter ->
#      "/", then `commit`): vtierd reports the files with both values and writes its own back;
#   B. damon_stat re-enabled while vtier's kdamond runs: the kernel refuses (EBUSY), nothing moves;
#   C. g2's memcg loses its memory controller (the cgroup stays, DAMON cannot resolve the path):
#      g2 set aside with a fault, g1 keeps tiering; the controller back: g2 "cleared";
#   D. a memory block of node1 offlined under the running kdamond, then onlined again;
#   E. /run/vtier/state.json corrupted while vtierd runs: set aside, recorded again;
#   F. damon_stat re-enabled while vtier has no kdamond (both guests detached), then an attach:
#      the `on` fails with EBUSY, vtierd turns damon_stat off again and starts;
#   G. the state file corrupt at start while vtier's kdamond runs: vtierd cannot prove it owns
#      the kdamond and refuses, naming the file it set aside and the fix.
# One TAP line per check; "ROW: fault | what the user sees | others undisturbed? | result" lines
# for the suite's fault matrix; figures as comments. (SIGKILL mid-commit with adoption is
# tests/kernel/vtierd-guest.sh.) HELPERDIR holds lab-workload (default BUILDDIR).
set -uo pipefail
b=${1:?BUILDDIR}
kernel=${2:?KERNEL}
src=${3:?SRCDIR}
h=${4:-$b}
n=0 failed=0 rowfail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; rowfail=1; echo "not ok $n - $1: $2"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2" "$3"; fi; }
note() { echo "# [${SECONDS}s] $*"; }
row() { echo "ROW: $1 | $2 | $3 | $([ $rowfail = 0 ] && echo PASS || echo FAIL)"; rowfail=0; }

if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "faults-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
admin=/sys/kernel/mm/damon/admin
k0=$admin/kdamonds/0
stat_param=/sys/module/damon_stat/parameters/enabled
cg=/sys/fs/cgroup
vt=/tmp/faults-lab
state=/run/vtier/state.json
log=$vt/vtierd.log
mkdir -p "$vt" /run/vtier
export VTIER_POLICY_DIR=$src/policies
export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0:malloc_context_size=20}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
cat >"$vt/vtierd.conf" <<'CONF'
[daemon]
interval_ms=1000
[damon]
disable_damon_stat=true
audit_interval_ms=2000
[metrics]
listen=off
CONF
pids=()
vtierd_pid=
cleanup() {
	[ -n "$vtierd_pid" ] && kill -9 "$vtierd_pid" 2>/dev/null
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT
sysctl -qw kernel.numa_balancing=0
. "$(dirname "$0")/damon-read.bash" # snooze, damon_read (EBUSY retried)
# DAMON's sysfs answers a read with EBUSY while another writer holds its lock (vtierd's commits
# and status updates; seen in CI: a memcg_path read empty, a whole tree read failing for 3 s), so
# every read here is tried again until it succeeds (up to ~10 s)
rd() { damon_read "$1" 0.25; } # FILE: its value
# the DAMON tree's configuration, one `path:value` line per file (stats, regions, budgets aside),
# read again while any file's read failed
tree() { damon_tree "$admin" --exclude-dir=quotas; }
# the scheme indices whose memcg filter is PATH (in the tree file TREE, default: read now); a
# read of the whole tree takes seconds under TCG on a loaded host, so callers reuse one
schemes_of() { # PATH [TREE]
	local t=${2:-}
	[ -n "$t" ] || { tree >$vt/tree.now; t=$vt/tree.now; }
	sed -nE "s#.*/schemes/([0-9]+)/(ops_|core_)?filters/[0-9]+/memcg_path:$1\$#\1#p" "$t" | sort -u
}
# g1's tiering: the kdamond's pid and every configuration file of g1's schemes
fingerprint() {
	local s re="" try
	# a read of the tree can race vtierd's budget commits (g1's filter line missing): read again
	for try in 1 2 3 4 5 6; do
		tree >$vt/tree.fp
		[ -n "$(schemes_of /g1 $vt/tree.fp)" ] && break
		snooze 1
	done
	for s in $(schemes_of /g1 $vt/tree.fp); do re="$re|/schemes/$s/"; done
	echo "pid $(rd $k0/pid) schemes ${re#|}"
	[ -n "$re" ] && grep -E "${re#|}" $vt/tree.fp
}
since() { tail -n +"$(($1 + 1))" "$log" | grep -v ' debug: ' | sed 's/^vtierd: //'; }
mark() { wc -l <"$log"; }
# waits until the log after MARK has TEXT (0) or S seconds passed (1)
wait_log() { # MARK TEXT S
	local i
	for i in $(seq $(($3 * 10))); do
		since "$1" | grep -F -- "$2" >/dev/null && return 0
		snooze 0.1
	done
	return 1
}
start_vtierd() {
	"$b/vtierd" --foreground --debug --config "$vt/vtierd.conf" --connect none >>"$log" 2>&1 &
	vtierd_pid=$!
}
numa() { # CGROUP: sets N0 N1 (anon bytes)
	local key a c rest
	N0=0 N1=0
	while read -r key a c rest; do
		if [ "$key" = anon ]; then N0=${a#N0=} N1=${c#N1=}; return; fi
	done <"$cg$1/memory.numa_stat"
}
share() { numa "$1"; echo "$(( (N0 + N1) ? 100 * N0 / (N0 + N1) : 0 ))%"; }
status_of() { "$b/vtierctl" status 2>&1 | grep -E "^ *$1 " | head -1 | tr -s ' '; }

# ---- setup: g1 (/g1, pin-fast), g2 (/p/g2, ratio 50%), both populated on node1 ----
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/g1 $cg/p
echo +memory >$cg/p/cgroup.subtree_control
mkdir -p $cg/p/g2
(echo $BASHPID >$cg/g1/cgroup.procs && exec "$h/tests/kernel/lab-workload" --node 1 --size 160 \
	--hot 32 --info $vt/wl1) >/dev/null &
pids+=($!)
(echo $BASHPID >$cg/p/g2/cgroup.procs && exec "$h/tests/kernel/lab-workload" --node 1 --size 128 \
	--hot 32 --info $vt/wl2) >/dev/null &
pids+=($!)
note "damon_stat at boot: $(cat $stat_param 2>/dev/null)"
start_vtierd
wait_log 0 "running (configuration" 30
check $? "vtierd starts on $kernel (damon_stat turned off: $(since 0 | grep -c 'turned damon_stat off'))" "$(since 0 | tail -3)"
for _ in $(seq 300); do [ -f $vt/wl1 ] && [ -f $vt/wl2 ] && break; snooze 0.1; done
p1=$(sed -E 's/.*pid=([0-9]+).*/\1/' $vt/wl1) p2=$(sed -E 's/.*pid=([0-9]+).*/\1/' $vt/wl2)
ns=https://vtier.dev/xmlns/policy/1.0
echo "<vtier:policy xmlns:vtier='$ns' mode='pin-fast'/>" >$vt/pin-fast.xml
echo "<vtier:policy xmlns:vtier='$ns' mode='ratio'><vtier:fast ratio='50%'/></vtier:policy>" >$vt/ratio.xml
"$b/vtierctl" attach g1 --pid "$p1" --policy $vt/pin-fast.xml >/dev/null &&
	"$b/vtierctl" attach g2 --pid "$p2" --policy $vt/ratio.xml >/dev/null
check $? "attach g1 (pin-fast, pid $p1) and g2 (ratio 50%, pid $p2)" "attach failed"
# vtierd applies on its DAMON worker: a guest shows "tiering" once its apply ended (the plan has
# 4 schemes a ratio guest on 7.3, ~200 writes under TCG)
for _ in $(seq 120); do
	[[ "$(status_of g1)" == *tiering* ]] && [[ "$(status_of g2)" == *tiering* ]] && break
	snooze 0.5
done
snooze 2
note "g1: $(status_of g1)  share $(share /g1)"
note "g2: $(status_of g2)  share $(share /p/g2)"
fp=$(fingerprint)
pid0=$(rd $k0/pid)
tree >$vt/tree.0
check "$([ -n "$(schemes_of /g1 $vt/tree.0)" ] && [ -n "$(schemes_of /p/g2 $vt/tree.0)" ] && echo 0 || echo 1)" \
	"kdamond on (pid $pid0), g1 schemes $(schemes_of /g1 $vt/tree.0 | tr '\n' ' '), g2 schemes $(schemes_of /p/g2 $vt/tree.0 | tr '\n' ' ')" "$(grep -c schemes $vt/tree.0)"
undisturbed() { # LABEL
	local now
	now=$(fingerprint)
	if [ "$now" = "$fp" ]; then ok "$1: g1 undisturbed (kdamond pid $pid0, the same $(($(wc -l <<<"$fp") - 1)) scheme files)"; else
		notok "$1: g1 undisturbed" "$(diff <(echo "$fp") <(echo "$now") | head -6 | tr '\n' ' ')"
	fi
}

# ---- A. someone else writes vtier's kdamond files ----
! since 0 | grep 'someone else changed' >/dev/null
check $? "no audit finding before any fault ($(since 0 | grep -c 'someone else changed') in ${SECONDS}s of audits every 2 s)" \
	"$(since 0 | grep -m2 'someone else changed')"
g2s=$(schemes_of /p/g2 $vt/tree.0)
s2=$(sed -nE 's|.*/schemes/([0-9]+)/action:migrate_hot$|\1|p' $vt/tree.0 | while read -r s; do
	grep -qx "$s" <<<"$g2s" && echo "$s"; done | head -1)
filt=$(sed -nE "s#(.*/schemes/$s2/(ops_|core_)?filters/[0-9]+)/memcg_path:/p/g2\$#\1#p" $vt/tree.0 | head -1)
m=$(mark)
echo stat >$k0/contexts/0/schemes/$s2/action
echo / >"$filt/memcg_path"
echo commit >$k0/state
note "A: wrote 'stat' to schemes/$s2/action, '/' to ${filt#$admin/}/memcg_path, commit"
wait_log "$m" "repaired vtier's DAMON files" 8
rc=$?
seen=$(since "$m" | grep -m1 'someone else changed')
note "A: $seen"
note "A: $(since "$m" | grep -m1 'repaired')"
check $rc "A: vtierd reported the foreign writes and repaired them" "$(since "$m" | tail -3)"
# read until both are vtier's (CI once read the memcg path empty right after the repair's log
# line, while vtierd's next commits ran), at most ~5 s
for _ in $(seq 10); do
	a2=$(rd $k0/contexts/0/schemes/$s2/action) m2=$(rd "$filt/memcg_path")
	[ "$a2" = migrate_hot ] && [ "$m2" = /p/g2 ] && break
	snooze 0.5
done
[ "$a2" = migrate_hot ] && [ "$m2" = /p/g2 ]
check $? "A: g2's scheme $s2 is vtier's again (action $a2, memcg $m2)" "not restored"
undisturbed A
row "someone else writes vtier's kdamond files (lab $kernel)" "log: \"${seen:0:220}\", then \"repaired vtier's DAMON files...\" (decided: repair)" "yes: g1 same kdamond pid and scheme files" 

# ---- B. damon_stat re-enabled while vtier's kdamond runs ----
m=$(mark)
err=$( (echo Y >$stat_param) 2>&1)
rc=$?
after=$(cat $stat_param)
note "B: echo Y > $stat_param: exit $rc ($err); now $after"
snooze 2.5
[ "$after" = N ] && [ -z "$(since "$m" | grep -E 'warning|critical')" ]
check $? "B: the kernel refuses damon_stat while vtier's kdamond runs (stays $after); vtierd has nothing to do" "$(since "$m" | tail -2)"
undisturbed B
row "damon_stat re-enabled while vtier's kdamond runs (lab $kernel)" "nothing: the kernel refuses (\"${err##*: }\"), damon_stat stays N" "yes: g1 same kdamond pid and scheme files"

# ---- C. g2's memcg path becomes one DAMON cannot resolve ----
m=$(mark)
echo -memory >$cg/p/cgroup.subtree_control
note "C: memory controller off for /p's children: /p/g2 has no memcg now (memory.numa_stat: $([ -e $cg/p/g2/memory.numa_stat ] && echo present || echo gone))"
wait_log "$m" "guest g2:" 8
rc=$?
seen=$(since "$m" | grep -m1 'guest g2:')
note "C: $seen"
since "$m" | grep -iE 'cannot apply|reconcile|kernel|refus' | head -3 | sed 's/^/# C: /'
snooze 2
st=$(status_of g2)
note "C: status: $st"
check $rc "C: vtierd set g2 aside with a fault naming its memcg" "$(since "$m" | tail -3)"
# the fault's log line comes before the commit that drops g2's schemes (CI once read them still
# there and, a moment later, gone): poll the tree for up to ~10 s
t0=$SECONDS
for _ in $(seq 10); do
	left=$(schemes_of /p/g2)
	[ -z "$left" ] && break
	snooze 1
done
note "C: schemes naming /p/g2 after $((SECONDS - t0)) s: ${left:-none}"
[ -z "$left" ]
check $? "C: no scheme of the tree names /p/g2 any more" "still: $left"
undisturbed C
echo +memory >$cg/p/cgroup.subtree_control
wait_log "$m" "guest g2: cleared" 10
check $? "C: memory controller back: \"$(since "$m" | grep -m1 -o 'guest g2: cleared.\{0,60\}')\"" "$(since "$m" | tail -2)"
undisturbed "C after g2 came back"
row "memcg path DAMON cannot resolve for g2 (lab $kernel)" "log: \"${seen:0:200}\"; status: \"${st:0:80}\"; then \"guest g2: cleared\"" "yes: g1 same kdamond pid and scheme files"

# ---- D. a memory block of node1 offlined and onlined again ----
m=$(mark)
blk=""
for d in $(ls -d /sys/devices/system/node/node1/memory[0-9]* | sort -V -r); do
	if (echo offline >"$d/state") 2>/dev/null; then blk=$d; break; fi
done
note "D: offlined ${blk##*/} ($(cat "$blk/phys_index" 2>/dev/null)); node1 MemTotal now $(awk '/MemTotal/ {print $4 " " $5}' /sys/devices/system/node/node1/meminfo)"
snooze 3
note "D: status node 1: $("$b/vtierctl" status 2>&1 | grep -E '^node 1' | tr -s ' ')"
[ -n "$blk" ] && kill -0 "$vtierd_pid" && [ "$(rd $k0/state)" = on ] &&
	[ -z "$(since "$m" | grep -E 'warning|critical')" ]
check $? "D: ${blk##*/} of node1 offline: vtierd and the kdamond run on, nothing logged" "$(since "$m" | tail -3)"
undisturbed D
echo online >"$blk/state" 2>/dev/null
note "D: onlined ${blk##*/} again: $(cat "$blk/state")"
row "memory block of node1 offlined, then onlined (lab $kernel)" "nothing (the plan's node1 region still spans the block: DAMON skips offline memory; status keeps node1's size from the start)" "yes: g1 same kdamond pid and scheme files"

# ---- E. the state file corrupted while vtierd runs ----
m=$(mark)
echo 'garbage{' >$state
wait_log "$m" "is corrupt" 6
rc=$?
seen=$(since "$m" | grep -m1 'is corrupt')
note "E: $seen"
for _ in $(seq 60); do grep -q '"damon"' $state 2>/dev/null && grep -q '"vtierd"' $state && break; snooze 0.1; done
since "$m" | grep -vF 'is corrupt' | grep -E 'warning' | head -3 | sed 's/^/# E: /'
check $rc "E: vtierd set the corrupt state file aside" "$(since "$m" | tail -3)"
grep -q '"damon"' $state && grep -q '"vtierd"' $state && grep -q '"g1"' $state
check $? "E: the state file holds vtierd's and the driver's records again" "$(head -c 200 $state)"
undisturbed E
row "state file corrupted while running (lab $kernel)" "log: \"${seen:0:200}\"" "yes: g1 same kdamond pid and scheme files"

# ---- F. damon_stat re-enabled while vtier has no kdamond ----
m=$(mark)
"$b/vtierctl" detach g1 >/dev/null && "$b/vtierctl" detach g2 >/dev/null
for _ in $(seq 50); do [ "$(cat $admin/kdamonds/nr_kdamonds)" = 0 ] && break; snooze 0.1; done
err=$( (echo Y >$stat_param) 2>&1)
note "F: both detached: nr_kdamonds $(cat $admin/kdamonds/nr_kdamonds); echo Y > damon_stat: $([ -z "$err" ] && echo ok || echo "$err"), now $(cat $stat_param)"
"$b/vtierctl" attach g1 --pid "$p1" --policy $vt/pin-fast.xml >/dev/null
wait_log "$m" "turned it off again" 8
rc=$?
for _ in $(seq 50); do [ "$(cat $k0/state 2>/dev/null)" = on ] && break; snooze 0.1; done
since "$m" | grep -E 'reconcile|damon_stat|cleared' | head -4 | sed 's/^/# F: /'
seen=$(since "$m" | grep -m1 'turned it off again')
[ $rc = 0 ] && [ "$(rd $k0/state)" = on ] && [ "$(cat $stat_param)" = N ] && [ -n "$(schemes_of /g1)" ]
check $? "F: vtierd turned damon_stat off again and started g1's kdamond (pid $(rd $k0/pid))" "$(since "$m" | tail -4)"
row "damon_stat re-enabled while vtier has no kdamond, then an attach (lab $kernel)" "log: \"$(since "$m" | grep -m1 -o 'reconcile: .\{0,120\}')\", then \"${seen:0:160}\"" "n/a (no other guest); g1 tiers within one audit" 

# ---- G. the state file corrupt at start while vtier's kdamond runs ----
m=$(mark)
kill -9 "$vtierd_pid"; wait "$vtierd_pid" 2>/dev/null; vtierd_pid=
echo '{"damon": {"kdamonds": [' >$state
start_vtierd
wait "$vtierd_pid"
rc=$?
vtierd_pid=
seen=$(since "$m" | grep -m1 'is corrupt')
refusal=$(since "$m" | grep -m1 'did not start it')
note "G: exit $rc: $seen"
note "G: $refusal"
[ $rc != 0 ] && [ -n "$seen" ] && [ -n "$refusal" ] && [ "$(rd $k0/state)" = on ]
check $? "G: corrupt at start with vtier's kdamond running: refused, naming the file set aside and the fix; the kdamond runs on" "$(since "$m" | tail -3)"
row "state file corrupt at start, vtier's kdamond running (lab $kernel)" "exit $rc: \"${seen:0:120}...\" then \"${refusal:0:140}...\" (decided: refuse, ownership unprovable)" "n/a: the kdamond keeps running its last plan" 

if grep -qE 'runtime error|Sanitizer|CRITICAL' "$log"; then
	notok "no sanitizer report or critical in vtierd's log" "$(grep -m3 -E 'runtime error|Sanitizer|CRITICAL' "$log")"
else
	ok "no sanitizer report or critical in vtierd's log ($(wc -l <"$log") lines)"
fi
echo off >$k0/state 2>/dev/null
echo "1..$n"
exit $failed
