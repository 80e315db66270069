#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 7.3
# refused: guest "vm1": mode pin-fast needs a slow memory node near its fast node (the host has none)
# refused: guest "vm2": mode pin-fast needs a slow memory node near its fast node (the host has none)
# access sampling: page-table access checks: the kernel has no hardware-sampled access reports (monitoring_attrs/sample/perf_events)
# DAMON writes of this vtier plan (DAMON features: profile 7.3), in order.
set -e
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/refresh_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/nr_contexts
echo paddr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/operations
echo 1000000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/intervals/update_us
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/nr_targets
echo 4 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/nr_regions
echo 4096 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/start
echo 655360 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/end
echo 1048576 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/start
echo 1879048192 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/end
echo 4294967296 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/start
echo 277025390592 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/end
echo 277025390592 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/start
echo 554050781184 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/end
echo on > /sys/kernel/mm/damon/admin/kdamonds/0/state
