#!/bin/bash
# controller-loop-guest.sh BUILDDIR NAME [lab-damon-loop options...] — inside a lab guest only
# (tests/kernel/lab): vtier's controller holds a workload's fast share on the running kernel.
#
# A workload in cgroup /tier/work populates $LOOP_SIZE_MIB (512) MiB on node1 (the CPU-less "CXL"
# node), resets its policy and keeps its first $LOOP_HOT_MIB (128) MiB hot. LOOP_MODE says what
# tiers it for $LOOP_SECONDS (90) s, while tests/kernel/lab-placement samples where its pages are
# every second:
#   loop  (default) tests/kernel/lab-damon-loop with the given options, NUMA balancing off;
#   none  nothing (NUMA balancing off, no DAMON): the no-tiering baseline;
#   numa  the kernel's NUMA-balancing tiering: kernel.numa_balancing=2, demotion on, no DAMON.
# Files in $LAB_OUT: NAME.loop (lab-damon-loop's steps), NAME.trace (the steps in bytes),
# NAME.place (seconds hot@0 hot@1 all@0 all@1), NAME.info (the kernel, the options).
set -uo pipefail
b=${1:?BUILDDIR}
name=${2:?NAME}
shift 2
out=${LAB_OUT:-/tmp}
size=${LOOP_SIZE_MIB:-512}
hot=${LOOP_HOT_MIB:-128}
secs=${LOOP_SECONDS:-90}

if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "controller-loop-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
cg=/sys/fs/cgroup
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rmdir $cg/tier/work $cg/tier 2>/dev/null
}
trap cleanup EXIT

mode=${LOOP_MODE:-loop}
nb=0
[ "$mode" = numa ] && nb=2
sysctl -qw kernel.numa_balancing="$nb"
if [ "$nb" = 2 ]; then
	echo true >/sys/kernel/mm/numa/demotion_enabled 2>/dev/null
fi
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/tier/work
echo +memory >$cg/tier/cgroup.subtree_control
rm -f /tmp/wl /tmp/ready
(echo $BASHPID >$cg/tier/work/cgroup.procs &&
	exec "$b/tests/kernel/lab-workload" --node 1 --size "$size" --hot "$hot" --info /tmp/wl) \
	>/dev/null &
pids+=($!)
for _ in $(seq 600); do [ -f /tmp/wl ] && break; sleep 0.1; done
if [ ! -f /tmp/wl ]; then
	echo "controller-loop-guest: the workload did not populate in 60 s" >&2
	exit 1
fi
{
	echo "kernel $LAB_RELEASE"
	echo "mode $mode"
	echo "numa_balancing $nb"
	echo "options $*"
	cat /tmp/wl
} >"$out/$name.info"
hint0=$(awk '$1 == "numa_hint_faults" { print $2 }' /proc/vmstat)
if [ "$mode" != loop ]; then
	"$b/tests/kernel/lab-placement" --info /tmp/wl --interval 1 --samples "$secs" \
		>"$out/$name.place" 2>&1
	rc=$?
	: >"$out/$name.loop"
else
	"$b/tests/kernel/lab-damon-loop" --memcg /tier/work --seconds "$secs" \
		--trace "$out/$name.trace" --ready /tmp/ready "$@" >"$out/$name.loop" 2>&1 &
	loop=$!
	pids+=($loop)
	for _ in $(seq 300); do
		[ -f /tmp/ready ] && break
		kill -0 $loop 2>/dev/null || break
		sleep 0.1
	done
	"$b/tests/kernel/lab-placement" --info /tmp/wl --interval 1 --samples "$secs" \
		>"$out/$name.place" 2>&1 &
	place=$!
	wait $loop
	rc=$?
	kill $place 2>/dev/null
	wait $place 2>/dev/null
fi
hint1=$(awk '$1 == "numa_hint_faults" { print $2 }' /proc/vmstat)
echo "hint_faults $((hint1 - hint0))" >>"$out/$name.info"
# kdamond CPU time is not visible after the stop; lab-damon-loop's commits are in NAME.loop
echo "exit $rc" >>"$out/$name.info"
exit $rc
