#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 6.12
# refused: guest "vm1": mode interleave needs DAMOS dests, weighted migration destinations (Linux 6.17+), which the kernel (profile 6.12) lacks
# refused: guest "vm2": mode interleave needs DAMOS dests, weighted migration destinations (Linux 6.17+), which the kernel (profile 6.12) lacks
# note: no guest is planned: the plan has no kdamond
# access sampling: none: no guest is planned, so no kdamond runs
# DAMON writes of this vtier plan (DAMON features: profile 6.12), in order.
set -e
