#!/bin/bash
# push-guest.sh BUILDDIR SRCDIR [RATIO [TUNER [START]]] — inside a lab guest only
# (tests/kernel/lab): a 256 MiB workload (64 MiB hot) and vtierd with a `ratio` RATIO% (30) guest
# with tuner=TUNER (vtier), so that the guest's PUSH has to demote pages: what a move down does on
# a kernel (docs/controller.md, "Why 6.18's PUSH moves so little" and the user_input feed). START
# is where the pages come from:
#   placed     (default) allocated on node0;
#   promoted   allocated on node1 and promoted by vtierd first (`ratio` 100% until >= 245 MiB are
#              on node0, at most 80 s), then RATIO%: pages DAMON migrated;
#   former-hot allocated on node0, the hot set moved to the last 64 MiB 5 s after the start and
#              vtierd attached 10 s later: the first 64 MiB are a hot set the workload left.
# Run: flock /tmp/vtier-lab.lock tests/kernel/lab --timeout 300 6.18 -- \
#        "$PWD/tests/kernel/push-guest.sh" "$PWD/_build/rel" "$PWD" 30 vtier   (~2 min under TCG)
# Prints every 3 s the workload's anon bytes per node and the PUSH's quota, effective quota, goal
# current_value and stats (sz_ops_filter_passed: the pages its filters let through), scheme 2's
# (6.18: the PUSH's primer) and where the first 64 MiB are (lab-placement), for 90 s; then the
# PUSH's pattern and filters and /proc/vmstat's migration counters.
set -uo pipefail
b=${1:?BUILDDIR} src=${2:?SRCDIR} ratio=${3:-30} tuner=${4:-vtier} start=${5:-placed}
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
case $start in
placed) wl_args=(--node 0) ;;
promoted) wl_args=(--node 1) ;;
former-hot) wl_args=(--node 0 --move-hot-after 5 --move-hot-to 192) ;;
*) echo "push-guest: START is placed, promoted or former-hot, not $start" >&2; exit 2 ;;
esac
(echo $BASHPID >$cg/w1/cgroup.procs &&
	exec "$b/tests/kernel/lab-workload" "${wl_args[@]}" --size 256 --hot 64 --info /tmp/wl) \
	>/dev/null &
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
policy() { # RATIO FILE
	echo "<vtier:policy xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' mode='ratio'>" \
		"<vtier:fast ratio='$1%'/><vtier:migration tuner='$tuner'/></vtier:policy>" >"$2"
}
policy "$ratio" $vt/policy.xml
if [ "$start" = promoted ]; then
	policy 100 $vt/policy100.xml
	"$b/vtierctl" attach w1 --pid $wl --policy $vt/policy100.xml
	t1=$SECONDS
	while [ $((SECONDS - t1)) -lt 80 ]; do
		n0=$(awk '/^anon /{ sub("N0=", "", $2); print int($2 / 1048576) }' $cg/w1/memory.numa_stat)
		echo "promoting: t=$((SECONDS - t1)) anon on node0 $n0 MiB"
		[ "$n0" -ge 245 ] && break
		sleep 2
	done
	sleep 5 # the cold pages untouched for a while
elif [ "$start" = former-hot ]; then
	sleep 15 # the hot set moves at 5 s: the first 64 MiB untouched for 10 s
fi
"$b/vtierctl" attach w1 --pid $wl --policy $vt/policy.xml
t0=$SECONDS p=$s/1
for _ in $(seq 30); do
	echo "t=$((SECONDS - t0)) $(grep '^anon ' $cg/w1/memory.numa_stat)" \
		"push: bytes=$(cat $p/quotas/bytes) eff=$(cat $p/quotas/effective_bytes)" \
		"goal=$(cat $p/quotas/goals/0/current_value 2>/dev/null)" \
		"tried=$(cat $p/stats/sz_tried) passed=$(cat $p/stats/sz_ops_filter_passed 2>&1)" \
		"applied=$(cat $p/stats/sz_applied)" \
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
