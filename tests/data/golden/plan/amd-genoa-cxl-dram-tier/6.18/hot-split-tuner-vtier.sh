#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 6.18
# refused: guest "vm1": mode hot-split needs the scheme stats sz_ops_filter_passed and nr_snapshots (7.3 has them, 6.18 not) to measure hot memory per node for tuner=vtier, which the kernel (profile 6.18) lacks
# refused: guest "vm2": mode hot-split needs the scheme stats sz_ops_filter_passed and nr_snapshots (7.3 has them, 6.18 not) to measure hot memory per node for tuner=vtier, which the kernel (profile 6.18) lacks
# note: no guest is planned: the plan has no kdamond
# access sampling: none: no guest is planned, so no kdamond runs
# DAMON writes of this vtier plan (DAMON features: profile 6.18), in order.
set -e
