#!/bin/sh
# vtier plan: 0 of 2 guests planned, kernel profile 7.3+hw-rfc
# note: no guest is planned: the plan has no kdamond
# access sampling: none: no guest is planned, so no kdamond runs
# DAMON writes of this vtier plan (DAMON features: profile 7.3+hw-rfc), in order.
set -e
