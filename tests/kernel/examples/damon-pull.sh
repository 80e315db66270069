#!/bin/bash
# examples/damon-pull.sh BUILDDIR — a lab guest script (6.12, 6.18, 7.3): a workload in cgroup
# /work populates 512 MiB on node1 and keeps 128 MiB hot; a hand-written DAMON PULL scheme
# (migrate_hot -> node0, memcg-filtered, 64 MiB per 1 s window) moves the hot set; lab-placement
# prints the curve into $LAB_OUT/curve.txt until 90% of the hot set is on node0 (60 s at most);
# lab-damon-hotcheck then proves DAMON still saw the hot set. A template for tiering tests and a
# baseline for vtierd's results, not a test of vtier. Run:
#   tests/kernel/lab --out "$PWD/out" --timeout 200 7.3 -- tests/kernel/examples/damon-pull.sh "$VTIER_BUILDDIR"
set -euo pipefail
b=${1:?BUILDDIR}
here=$(cd "$(dirname "$0")/.." && pwd)

sysctl -qw kernel.numa_balancing=0
f=/sys/module/damon_stat/parameters/enabled
if [ -f $f ]; then echo N >$f; fi

cg=/sys/fs/cgroup
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/work
(echo $BASHPID >$cg/work/cgroup.procs && exec "$b/tests/kernel/lab-workload" --node 1 --size 512 --hot 128 --info /tmp/wl) >/dev/null &
for _ in $(seq 600); do [ -f /tmp/wl ] && break; sleep 0.1; done
cat /tmp/wl

block=$((16#$(cat /sys/devices/system/memory/block_size_bytes)))
blocks=$(ls -d /sys/devices/system/node/node1/memory[0-9]* | sed 's/.*memory//' | sort -n)
start=$(($(echo "$blocks" | head -n 1) * block))
end=$((($(echo "$blocks" | tail -n 1) + 1) * block))

a=/sys/kernel/mm/damon/admin/kdamonds
put() { echo "$2" >"$a/$1"; }
put nr_kdamonds 1
put 0/contexts/nr_contexts 1
c=0/contexts/0
put $c/operations paddr
put $c/monitoring_attrs/intervals/sample_us 5000
put $c/monitoring_attrs/intervals/aggr_us 100000
put $c/monitoring_attrs/intervals/update_us 1000000
put $c/targets/nr_targets 1
put $c/targets/0/regions/nr_regions 1
put $c/targets/0/regions/0/start $start
put $c/targets/0/regions/0/end $end
put $c/schemes/nr_schemes 1
s=$c/schemes/0
put $s/action migrate_hot
put $s/target_nid 0
put $s/access_pattern/sz/min 4096
put $s/access_pattern/sz/max $((end - start))
put $s/access_pattern/nr_accesses/min 1
put $s/access_pattern/nr_accesses/max 4294967295
put $s/access_pattern/age/min 0
put $s/access_pattern/age/max 4294967295
put $s/quotas/bytes $((64 << 20))
put $s/quotas/reset_interval_ms 1000
if [ -d "$a/$s/ops_filters" ]; then
	# 6.18+: allow the memcg; memory no filter matches gets the opposite of the last filter's allow.
	put $s/ops_filters/nr_filters 1
	put $s/ops_filters/0/type memcg
	put $s/ops_filters/0/memcg_path /work
	put $s/ops_filters/0/matching Y
	put $s/ops_filters/0/allow Y
else
	# 6.12: a filter excludes what it matches; matching=N excludes everything outside the memcg.
	put $s/filters/nr_filters 1
	put $s/filters/0/type memcg
	put $s/filters/0/memcg_path /work
	put $s/filters/0/matching N
fi
put 0/state on

rc=0
"$b/tests/kernel/lab-placement" --info /tmp/wl --interval 1 --samples 61 --until-hot 0:90 | tee "$LAB_OUT/curve.txt" || rc=$?
put 0/state update_schemes_stats
echo "scheme: nr_tried $(cat $a/$s/stats/nr_tried) sz_applied $(( $(cat $a/$s/stats/sz_applied) >> 20 )) MiB"
put 0/state off
"$here/lab-damon-hotcheck" --min-mib 64 || rc=$?
kill %1
wait || true
exit $rc
