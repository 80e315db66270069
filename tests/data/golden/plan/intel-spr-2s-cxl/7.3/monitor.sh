#!/bin/sh
# vtier plan: 2 of 2 guests planned, kernel profile 7.3
# guest vm1: monitor, fast node 0, slow node 2, kdamond 0 schemes 0-0
# guest vm2: monitor, fast node 1, slow node 3, kdamond 0 schemes 4-4
# kdamond 0 schemes 8-31: parked (spare slots: stat, 1-byte budget)
# access sampling: page-table access checks: the kernel has no hardware-sampled access reports (monitoring_attrs/sample/perf_events)
# DAMON writes of this vtier plan (DAMON features: profile 7.3), in order.
set -e
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/refresh_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/nr_contexts
echo paddr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/operations
echo 1000000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/monitoring_attrs/intervals/update_us
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/nr_targets
echo 6 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/nr_regions
echo 4096 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/start
echo 655360 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/0/end
echo 1048576 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/start
echo 1610612736 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/1/end
echo 4294967296 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/start
echo 549755809792 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/2/end
echo 549755813888 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/start
echo 1099511623680 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/3/end
echo 1099511627776 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/4/start
echo 1236950577152 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/4/end
echo 1236950581248 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/5/start
echo 1372242051072 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/targets/0/regions/5/end
echo 32 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/nr_schemes
echo 18446744073709551615 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/sz/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/nr_accesses/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/age/max
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/ops_filters/nr_filters
echo memcg > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/ops_filters/0/type
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/ops_filters/0/matching
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/ops_filters/0/allow
printf '%s\n' '/machine.slice/machine-qemu\x2d1\x2dvm1.scope' > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/ops_filters/0/memcg_path
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/1/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/1/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/3/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/3/quotas/reset_interval_ms
echo 18446744073709551615 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/access_pattern/sz/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/access_pattern/nr_accesses/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/access_pattern/age/max
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/ops_filters/nr_filters
echo memcg > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/ops_filters/0/type
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/ops_filters/0/matching
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/ops_filters/0/allow
printf '%s\n' '/machine.slice/machine-qemu\x2d2\x2dvm2.scope' > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/ops_filters/0/memcg_path
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/5/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/5/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/6/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/6/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/7/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/7/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/8/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/8/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/9/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/9/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/10/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/10/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/11/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/11/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/12/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/12/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/13/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/13/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/14/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/14/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/15/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/15/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/16/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/16/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/17/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/17/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/18/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/18/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/19/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/19/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/20/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/20/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/21/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/21/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/22/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/22/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/23/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/23/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/24/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/24/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/25/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/25/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/26/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/26/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/27/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/27/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/28/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/28/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/29/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/29/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/30/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/30/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/31/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/31/quotas/reset_interval_ms
echo on > /sys/kernel/mm/damon/admin/kdamonds/0/state
