#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 6.12
# refused: guest "vm1": mode allowance needs the quota goal metrics node_memcg_used_bp/node_memcg_free_bp with goal nid and path (Linux 6.19+) for tuner=kernel (tuner=vtier works here), which the kernel (profile 6.12) lacks
# refused: guest "vm2": mode allowance needs the quota goal metrics node_memcg_used_bp/node_memcg_free_bp with goal nid and path (Linux 6.19+) for tuner=kernel (tuner=vtier works here), which the kernel (profile 6.12) lacks
# note: no guest is planned: the plan has no kdamond
# access sampling: none: no guest is planned, so no kdamond runs
# DAMON writes of this vtier plan (DAMON features: profile 6.12), in order.
set -e
