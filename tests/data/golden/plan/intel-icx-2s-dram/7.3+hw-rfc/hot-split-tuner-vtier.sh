#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 7.3+hw-rfc
# refused: guest "vm1": mode hot-split needs a slow memory node near its fast node (the host has none)
# refused: guest "vm2": mode hot-split needs a slow memory node near its fast node (the host has none)
# note: no guest is planned: the plan has no kdamond
# access sampling: none: no guest is planned, so no kdamond runs
# DAMON writes of this vtier plan (DAMON features: profile 7.3+hw-rfc), in order.
set -e
