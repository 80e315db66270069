#!/bin/sh
# vtier plan: 2 of 2 guests planned, kernel profile 6.12
# guest vm1: pin-slow, fast node 0, slow node 2, kdamond 0 schemes 0-0
# guest vm2: pin-slow, fast node 1, slow node 3, kdamond 0 schemes 2-2
# kdamond 0 schemes 4-15: parked (spare slots: stat, 1-byte budget)
# access sampling: page-table access checks: the kernel has no hardware-sampled access reports (monitoring_attrs/sample/perf_events)
# DAMON writes of this vtier plan (DAMON features: profile 6.12), in order.
set -e
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds
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
echo 16 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/nr_schemes
echo migrate_cold > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/action
echo 2 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/target_nid
echo 1372242046977 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/sz/min
echo 18446744073709551615 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/sz/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/nr_accesses/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/age/max
echo 268435456 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/quotas/reset_interval_ms
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/quotas/weights/nr_accesses_permil
echo 100 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/quotas/weights/age_permil
echo 4 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/nr_filters
echo addr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/0/type
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/0/matching
echo 549755813888 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/0/addr_start
echo 1099511627776 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/0/addr_end
echo addr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/1/type
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/1/matching
echo 1099511627776 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/1/addr_start
echo 1236950581248 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/1/addr_end
echo addr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/2/type
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/2/matching
echo 1236950581248 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/2/addr_start
echo 1372242051072 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/2/addr_end
echo memcg > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/3/type
printf '%s\n' '/machine.slice/machine-qemu\x2d1\x2dvm1.scope' > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/3/memcg_path
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/1/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/1/quotas/reset_interval_ms
echo migrate_cold > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/action
echo 3 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/target_nid
echo 1372242046977 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/access_pattern/sz/min
echo 18446744073709551615 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/access_pattern/sz/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/access_pattern/nr_accesses/max
echo 4294967295 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/access_pattern/age/max
echo 268435456 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/quotas/reset_interval_ms
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/quotas/weights/nr_accesses_permil
echo 100 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/quotas/weights/age_permil
echo 3 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/nr_filters
echo addr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/0/type
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/0/matching
echo 4096 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/0/addr_start
echo 549755813888 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/0/addr_end
echo addr > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/1/type
echo Y > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/1/matching
echo 1099511627776 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/1/addr_start
echo 1372242051072 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/1/addr_end
echo memcg > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/2/type
printf '%s\n' '/machine.slice/machine-qemu\x2d2\x2dvm2.scope' > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/filters/2/memcg_path
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/3/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/3/quotas/reset_interval_ms
echo 1 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/quotas/bytes
echo 1000 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/4/quotas/reset_interval_ms
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
echo on > /sys/kernel/mm/damon/admin/kdamonds/0/state
sleep 1.200
echo 0 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/sz/min
echo 0 > /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/2/access_pattern/sz/min
echo commit > /sys/kernel/mm/damon/admin/kdamonds/0/state
