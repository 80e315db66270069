#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 6.12
# refused: guest "vm1": mode hot-split needs core_filters/ops_filters with allow (Linux 6.14+), which the kernel (profile 6.12) lacks
# refused: guest "vm2": mode hot-split needs core_filters/ops_filters with allow (Linux 6.14+), which the kernel (profile 6.12) lacks
# note: no guest is planned: the plan has no kdamond
# access sampling: none: no guest is planned, so no kdamond runs
# DAMON writes of this vtier plan (DAMON features: profile 6.12), in order.
set -e
