#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 6.12
# refused: guest "vm1": mode interleave needs DAMOS dests, weighted migration destinations (Linux 6.17+), which the kernel (profile 6.12) lacks
# refused: guest "vm2": mode interleave needs DAMOS dests, weighted migration destinations (Linux 6.17+), which the kernel (profile 6.12) lacks
# note: kdamond 1 (vaddr, interleave) has no guest yet: DAMON stops a kdamond without targets, so vtierd turns it on when the first interleave guest runs
# access sampling: page-table access checks: the kernel has no hardware-sampled access reports (monitoring_attrs/sample/perf_events)
# DAMON writes of this vtier plan (DAMON features: profile 6.12), in order.
set -e
echo 2 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/nr_contexts
echo paddr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/operations
echo 1000000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/intervals/update_us
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/nr_targets
echo 4 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/nr_regions
echo 4096 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/start
echo 655360 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/end
echo 1048576 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/start
echo 1979711488 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/end
echo 4294967296 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/start
echo 826781204480 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/end
echo 1099511627776 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/start
echo 1374389534720 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/end
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/nr_contexts
echo 1000000 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/monitoring_attrs/intervals/update_us
echo on > /sys/kernel/mm/damon/admin/kdamonds/0/state
echo on > /sys/kernel/mm/damon/admin/kdamonds/1/state
