#!/bin/bash
# pin-fast-guest.sh BUILDDIR SRCDIR [RATE] — inside a lab guest only (tests/kernel/lab): vtierd
# with one pin-fast guest at max-rate RATE (32MiB/s), a workload of 256 MiB (64 MiB hot)
# populated on node1. pin-fast moves every page, so all 256 MiB must reach node0; a PULL ranked by
# access frequency stopped on 6.18 and 6.12 once the hot set was there (docs/controller.md,
# "Ranked by frequency alone, 6.18's PULL stops with the hot set").
# Run: flock /tmp/vtier-lab.lock tests/kernel/lab --timeout 240 6.18 -- \
#        "$PWD/tests/kernel/pin-fast-guest.sh" "$PWD/_build/dev" "$PWD"   (~1 min under TCG)
# Prints the workload's anon bytes per node each second for 40 s, the PULL's sz_tried and
# sz_applied and its weights, then "ok: N MiB left on node1" or "not ok: ...".
set -uo pipefail
b=${1:?BUILDDIR} src=${2:?SRCDIR} rate=${3:-32MiB/s}
if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "pin-fast-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
export VTIER_POLICY_DIR=$src/policies
cg=/sys/fs/cgroup vt=/tmp/pin-fast scheme=/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0
mkdir -p $vt /run/vtier
[ -f /sys/module/damon_stat/parameters/enabled ] && echo N >/sys/module/damon_stat/parameters/enabled
sysctl -qw kernel.numa_balancing=0
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/w1
(echo $BASHPID >$cg/w1/cgroup.procs &&
	exec "$b/tests/kernel/lab-workload" --node 1 --size 256 --hot 64 --info /tmp/wl) >/dev/null &
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
echo "<vtier:policy xmlns:vtier='https://vtier.dev/xmlns/policy/1.0' mode='pin-fast'>" \
	"<vtier:migration max-rate='$rate'/></vtier:policy>" >$vt/policy.xml
"$b/vtierctl" attach w1 --pid $wl --policy $vt/policy.xml
t0=$SECONDS n1=-1
for _ in $(seq 40); do
	while read -r key a c _; do
		[ "$key" = anon ] && { n1=${c#N1=}; echo "t=$((SECONDS - t0)) $a $c"; }
	done <$cg/w1/memory.numa_stat
	sleep 1
done
for f in stats/sz_tried stats/sz_applied quotas/weights/nr_accesses_permil quotas/weights/age_permil; do
	echo "$f: $(cat $scheme/$f 2>&1)"
done
kill $vd $wl
echo "--- vtierd"
tail -20 $vt/log
if [ "$n1" -ge 0 ] && [ "$n1" -lt $((4 << 20)) ]; then
	echo "ok: $((n1 >> 20)) MiB left on node1"
else
	echo "not ok: $((n1 >> 20)) MiB left on node1 after 40 s (pin-fast moves everything)"
	exit 1
fi
