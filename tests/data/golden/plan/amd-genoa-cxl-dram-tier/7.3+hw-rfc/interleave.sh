#!/bin/sh
# vtier plan: 2 of 2 guests planned, kernel profile 7.3+hw-rfc
# guest vm1: interleave, fast node 0, slow node 1, kdamond 1 schemes 0-0
# guest vm2: interleave, fast node 0, slow node 1, kdamond 1 schemes 1-1
# access sampling: hardware sampler ibs (ibs_op)
# DAMON writes of this vtier plan (DAMON features: profile 7.3+hw-rfc), in order.
set -e
echo 2 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/refresh_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/nr_contexts
echo paddr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/operations
echo 1000000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/intervals/update_us
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/sample/perf_events/nr_perf_events
echo 0xb > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/sample/perf_events/0/type
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/sample/perf_events/0/sample_phys_addr
echo 0 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/sample/perf_events/0/freq
echo 262144 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/sample/perf_events/0/sample_period
echo 0 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/sample/perf_events/0/exclude_kernel
echo 0 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/sample/perf_events/0/exclude_hv
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/nr_targets
echo 4 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/nr_regions
echo 4096 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/start
echo 655360 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/end
echo 1048576 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/start
echo 1979711488 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/end
echo 4294967296 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/start
echo 414464339968 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/end
echo 414464344064 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/start
echo 551903297536 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/end
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/1/refresh_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/nr_contexts
echo 1000000 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/monitoring_attrs/intervals/update_us
echo 2 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/targets/nr_targets
echo 4101 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/targets/0/pid_target
echo 4102 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/targets/1/pid_target
echo 2 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/nr_schemes
echo migrate_hot > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/action
echo 18446744073709551615 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/access_pattern/sz/max
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/access_pattern/nr_accesses/min
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/access_pattern/nr_accesses/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/access_pattern/age/max
echo 268435456 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/quotas/fail_charge_num
echo 1024 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/quotas/fail_charge_denom
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/quotas/weights/nr_accesses_permil
echo 100 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/quotas/weights/age_permil
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/core_filters/nr_filters
echo target > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/core_filters/0/type
echo 2 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/dests/nr_dests
echo 70 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/dests/0/weight
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/dests/1/id
echo 30 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/0/dests/1/weight
echo migrate_hot > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/action
echo 18446744073709551615 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/access_pattern/sz/max
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/access_pattern/nr_accesses/min
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/access_pattern/nr_accesses/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/access_pattern/age/max
echo 268435456 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/quotas/fail_charge_num
echo 1024 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/quotas/fail_charge_denom
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/quotas/weights/nr_accesses_permil
echo 100 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/quotas/weights/age_permil
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/core_filters/nr_filters
echo target > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/core_filters/0/type
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/core_filters/0/damon_target_idx
echo 2 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/dests/nr_dests
echo 70 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/dests/0/weight
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/dests/1/id
echo 30 > /sys/kernel/mm/damon/admin/kdamonds/1/contexts/0/schemes/1/dests/1/weight
echo on > /sys/kernel/mm/damon/admin/kdamonds/0/state
echo on > /sys/kernel/mm/damon/admin/kdamonds/1/state
