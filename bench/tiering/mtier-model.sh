#!/bin/bash
# bench/tiering/mtier-model.sh RECIPE — prints a DAMON model (vtierctl damon apply's JSON) for
# the tiering benchmark's kernel variant (3), DAMON's own tiering recipe, on this machine's node0
# (fast) and node1 (slow) ranges (the memory blocks of each node):
#
#   mtier        the recipe as the kernel's sample (samples/damon/mtier.c) and damo's
#                scripts/mem_tier.sh document it: two kdamonds, each one paddr context over one
#                node; intervals auto-tuning (access_bp 400, aggrs 3, sample 5 ms..10 s), update
#                60 s; promotion: migrate_hot node1 -> node0, nr_accesses >= 1, young pages
#                only, apply interval 1 s, 200 MiB per 1 s, weights size 0 / accesses 100 /
#                age 100, goal node_mem_used_bp nid 0 = 99.7%; demotion: migrate_cold node0 ->
#                node1, nr_accesses 0, young pages rejected, goal node_mem_free_bp nid 0 = 0.5%;
#   mtier-fixed  the same with its starvation avoided (apply_interval_us 0: every aggregation
#                interval; docs/planner.md "Starvation rule", ../shared's lab notes).
set -euo pipefail
recipe=${1:?RECIPE}
case "$recipe" in
mtier) apply=1000000 ;;
mtier-fixed) apply=0 ;;
*) echo "$0: unknown recipe $recipe (mtier, mtier-fixed)" >&2; exit 2 ;;
esac
block=$((16#$(cat /sys/devices/system/memory/block_size_bytes)))
range() { # NODE -> "START END"
	local blocks
	blocks=$(ls -d /sys/devices/system/node/node"$1"/memory[0-9]* | sed 's/.*memory//' | sort -n)
	echo "$(($(echo "$blocks" | head -n 1) * block)) $((($(echo "$blocks" | tail -n 1) + 1) * block))"
}
kdamond() { # START END ACTION NR_MIN NR_MAX TARGET_NID METRIC VALUE YOUNG_ALLOW
	cat <<JSON
    {"context": {"operations": "paddr",
      "monitoring_attrs": {
        "intervals": {"sample_us": 5000, "aggr_us": 100000, "update_us": 60000000,
          "intervals_goal": {"access_bp": 400, "aggrs": 3, "min_sample_us": 5000,
                             "max_sample_us": 10000000}},
        "nr_regions": {"min": 10, "max": 1000}},
      "targets": [{"regions": [{"start": $1, "end": $2}]}],
      "schemes": [{"action": "$3", "target_nid": $6, "apply_interval_us": $apply,
        "access_pattern": {"sz": {"min": 4096, "max": "18446744073709551615"},
                           "nr_accesses": {"min": $4, "max": $5},
                           "age": {"min": 0, "max": 4294967295}},
        "quotas": {"bytes": 209715200, "reset_interval_ms": 1000,
                   "weights": {"sz_permil": 0, "nr_accesses_permil": 100, "age_permil": 100},
                   "goals": [{"target_metric": "$7", "target_value": $8, "nid": 0}]},
        "filters": [{"layer": "ops", "type": "young", "matching": true, "allow": $9}]}]}}
JSON
}
read -r s0 e0 < <(range 0)
read -r s1 e1 < <(range 1)
echo '{"kdamonds": ['
kdamond "$s1" "$e1" migrate_hot 1 4294967295 0 node_mem_used_bp 9970 true
echo ','
kdamond "$s0" "$e0" migrate_cold 0 0 1 node_mem_free_bp 50 false
echo ']}'
