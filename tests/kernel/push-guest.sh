#!/bin/bash
# push-guest.sh BUILDDIR SRCDIR [RATIO [TUNER]] — inside a lab guest only (tests/kernel/lab): a
# 256 MiB workload (64 MiB hot) placed on node0 and vtierd with a `ratio` RATIO% (30) guest with
# tuner=TUNER (vtier), so that the guest's PUSH has to demote cold pages: what a move down does on
# a kernel (docs/controller.md, "Why 6.18's PUSH moves so little" and the user_input feed).
# Run: flock /tmp/vtier-lab.lock tests/kernel/lab --timeout 300 6.18 -- \
#        "$PWD/tests/kernel/push-guest.sh" "$PWD/_build/rel" "$PWD" 30 vtier   (~2 min under TCG)
# Prints every 3 s the workload's anon bytes per node and the PUSH's quota, effective quota, goal
# current_value and stats, scheme 2's (6.18: the PUSH's primer) and where the hot set is
# (lab-placement), for 90 s; then the PUSH's pattern and filters and /proc/vmstat's
# migration counters.
set -uo pipefail
b=${1:?BUILDDIR} src=${2:?SRCDIR} ratio=${3:-30} tuner=${4:-vtier}
if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "push-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
export VTIER_POLICY_DIR=$src/policies
cg=/sys/fs/cgroup vt=/tmp/push s=/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes
mkdir -p $vt /run/vtier
[ -f /sys/module/damon_stat/parameters/enabled ] && echo N >/sys/module/damon_stat/parameters/enabled
sysctl -qw kernel.numa_balancing=0
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/w1
(echo $BASHPID >$cg/w1/cgroup.procs &&
	exec "$b/tests/kernel/lab-workload" --node 0 --size 256 --hot 64 --info /tmp/wl) >/dev/null &
wl=$!
for _ in $(seq 900); do [ -f /tmp/wl ] && break; sleep 0.1; done
printf '[daemon]\ninterval_ms=1000\n[damon]\ndisable_damon_stat=true\n' >$vt/vtierd.conf
"$b/vtierd" --foreground --config $vt/vtierd.conf --connect none >$vt/log 2>&1 &
vd=$!
for _ in $(seq 300); do
	[ -S /run/vtier/control ] && break
	kill -0 $vd 2>/dev/null || break
	sleep 0.1
done
echo "<vtier:policy xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' mode='ratio'>" \
	"<vtier:fast ratio='$ratio%'/><vtier:migration tuner='$tuner'/></vtier:policy>" \
	>$vt/policy.xml
"$b/vtierctl" attach w1 --pid $wl --policy $vt/policy.xml
t0=$SECONDS p=$s/1
for _ in $(seq 30); do
	echo "t=$((SECONDS - t0)) $(grep '^anon ' $cg/w1/memory.numa_stat)" \
		"push: bytes=$(cat $p/quotas/bytes) eff=$(cat $p/quotas/effective_bytes)" \
		"goal=$(cat $p/quotas/goals/0/current_value 2>/dev/null)" \
		"tried=$(cat $p/stats/sz_tried) applied=$(cat $p/stats/sz_applied)" \
		"qt=$(cat $p/stats/qt_exceeds)" \
		"scheme2: $(cat $s/2/action) bytes=$(cat $s/2/quotas/bytes)" \
		"tried=$(cat $s/2/stats/sz_tried) passed=$(cat $s/2/stats/sz_ops_filter_passed 2>&1)" \
		"hot/total MiB n0 n1: $("$b/tests/kernel/lab-placement" --info /tmp/wl --samples 1 |
			awk '{ print $2, $3, $4, $5 }')"
	sleep 3
done
for f in access_pattern/nr_accesses/min access_pattern/nr_accesses/max access_pattern/age/min \
	ops_filters/0/type ops_filters/1/type core_filters/0/addr_start core_filters/0/addr_end; do
	echo "push $f: $(cat $p/$f 2>&1)"
done
grep -E "pgmigrate|pgdemote" /proc/vmstat
echo "kdamond cpu: $(ps -o time= -p "$(cat /sys/kernel/mm/damon/admin/kdamonds/0/pid)")"
kill $vd $wl
