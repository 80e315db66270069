#!/bin/bash
# damon-unmovable.sh BUILDDIR [HELPERDIR] — inside a lab guest only (tests/kernel/lab): what
# DAMON's paddr `migrate_hot` does with memory it may not be able to move (docs/lab-tiering.md,
# "Memory DAMON cannot move"). Two workloads in turn, each populated on node1 (the CPU-less "CXL"
# node) with a 64 MiB hot set, each under the same kdamond (`vtierctl damon apply`: one paddr
# context over node1's range, a `migrate_hot` -> node0 scheme, 64 MiB per 1 s window, and a `stat`
# scheme with the same pattern to show what DAMON sees as hot):
#   hugetlb: 256 MiB from the hugetlb pool (MAP_HUGETLB, 2 MiB pages; 160 pages reserved on node1
#            and 160 free on node0 as migration targets); phase A for regions accessed at least
#            once per aggregation, phase B for every region (nr_accesses >= 0);
#   THP:     256 MiB anonymous with MADV_HUGEPAGE; phase A only.
# Prints per phase the placement (move_pages, MiB on node0/node1), the hugetlb pool per node or
# memory.numa_stat's anon/anon_thp per node, and the schemes' tried/applied bytes. Needs
# lab-workload and lab-placement (HELPERDIR, default BUILDDIR) and BUILDDIR/vtierctl.
#
#   tests/kernel/lab --timeout 240 7.3 -- "$PWD/tests/kernel/examples/damon-unmovable.sh" "$PWD/_build"
set -uo pipefail
b=${1:?BUILDDIR}
h=${2:-$b}
if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "damon-unmovable: refusing to run outside a lab guest" >&2
	exit 2
fi
sysctl -qw kernel.numa_balancing=0
cg=/sys/fs/cgroup
echo "+memory +hugetlb" >$cg/cgroup.subtree_control
hp=hugepages/hugepages-2048kB
thp=/sys/kernel/mm/transparent_hugepage/enabled
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; "$b/vtierctl" damon stop >/dev/null 2>&1; }
trap cleanup EXIT

block=$((16#$(cat /sys/devices/system/memory/block_size_bytes)))
blocks=$(ls -d /sys/devices/system/node/node1/memory[0-9]* | sed 's/.*memory//' | sort -n)
start=$(($(echo "$blocks" | head -n 1) * block))
end=$((($(echo "$blocks" | tail -n 1) + 1) * block))
echo "kernel $LAB_RELEASE; node1 [$(printf 0x%x $start), $(printf 0x%x $end)); THP: $(cat $thp)"

model() { # NR_ACCESSES_MIN
	local pattern='"access_pattern": {"sz": {"min": 4096, "max": "18446744073709551615"},
	  "nr_accesses": {"min": '$1', "max": "18446744073709551615"},
	  "age": {"min": 0, "max": "18446744073709551615"}}'
	cat <<EOF
{"kdamonds": [{"context": {"operations": "paddr",
  "monitoring_attrs": {"intervals": {"sample_us": 5000, "aggr_us": 100000, "update_us": 1000000}},
  "targets": [{"regions": [{"start": $start, "end": $end}]}],
  "schemes": [{"action": "migrate_hot", "target_nid": 0, $pattern,
               "quotas": {"bytes": 67108864, "reset_interval_ms": 1000}},
              {"action": "stat", $pattern}]}}]}
EOF
}
pool() {
	local n
	for n in 0 1; do
		echo -n "node$n pool $(cat /sys/devices/system/node/node$n/$hp/nr_hugepages) free $(cat /sys/devices/system/node/node$n/$hp/free_hugepages); "
	done
	echo
}
numa() { grep -E '^(anon|anon_thp) ' "$cg/$1/memory.numa_stat" | tr '\n' ' '; echo; }
# one phase: apply, sample every 3 s for SECONDS, print the schemes' stats, stop
phase() { # NAME NR_ACCESSES_MIN SECONDS INFO SHOW
	local i
	model "$2" >/tmp/model.json
	echo "== $1: migrate_hot nr_accesses >= $2 for $3 s"
	"$b/vtierctl" damon --disable-damon-stat apply /tmp/model.json | sed 's/^/   apply: /'
	for i in $(seq 0 3 "$3"); do
		echo "   t=${i}s placement (s hot@0 hot@1 all@0 all@1 MiB): $("$h/tests/kernel/lab-placement" --info "$4" --samples 1)"
		echo "   t=${i}s $($5)"
		sleep 3
	done
	"$b/vtierctl" damon status | sed 's/^/   /'
	"$b/vtierctl" damon stop >/dev/null
}

# ---- hugetlb ----
echo 160 >/sys/devices/system/node/node1/$hp/nr_hugepages
echo 160 >/sys/devices/system/node/node0/$hp/nr_hugepages
echo "hugetlb pool reserved: $(pool)"
mkdir -p $cg/huge
(echo $BASHPID >$cg/huge/cgroup.procs && exec "$h/tests/kernel/lab-workload" --hugetlb --node 1 \
	--size 256 --hot 64 --info /tmp/huge) >/dev/null &
pids+=($!)
for _ in $(seq 300); do [ -f /tmp/huge ] && break; sleep 0.1; done
cat /tmp/huge
phase "hugetlb A" 1 15 /tmp/huge pool
phase "hugetlb B" 0 9 /tmp/huge pool
echo "hugetlb: memory.numa_stat of the workload's cgroup: $(numa huge)"
echo "hugetlb: hugetlb.2MB.numa_stat of the workload's cgroup: $(tr '\n' ' ' <$cg/huge/hugetlb.2MB.numa_stat)"
kill "${pids[@]}"
wait 2>/dev/null
pids=()
echo 0 >/sys/devices/system/node/node1/$hp/nr_hugepages
echo 0 >/sys/devices/system/node/node0/$hp/nr_hugepages

# ---- THP ----
grep -q '\[never\]' $thp && echo madvise >$thp
mkdir -p $cg/thp
(echo $BASHPID >$cg/thp/cgroup.procs && exec "$h/tests/kernel/lab-workload" --thp --node 1 \
	--size 256 --hot 64 --info /tmp/thp) >/dev/null &
pids+=($!)
for _ in $(seq 300); do [ -f /tmp/thp ] && break; sleep 0.1; done
cat /tmp/thp
echo "THP before: $(numa thp)"
phase "THP A" 1 15 /tmp/thp "numa thp"
echo "THP after: $(numa thp); thp_migration_success $(grep -E '^thp_migration_success ' /proc/vmstat | cut -d' ' -f2), thp_migration_split $(grep -E '^thp_migration_split ' /proc/vmstat | cut -d' ' -f2), thp_split_page $(grep -E '^thp_split_page ' /proc/vmstat | cut -d' ' -f2), pgmigrate_success $(grep -E '^pgmigrate_success ' /proc/vmstat | cut -d' ' -f2)"
