/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/planner.h"

/* Planner inputs for tests and the benchmark: literal hosts and guests. */

/* A 1-socket host: node 0 DRAM (CPUs 0-3, 4 GiB at [0, 4 GiB)), node 1 CXL (CPU-less, 4 GiB at
 * [4 GiB, 8 GiB)), distances 10/20, classified. */
VtierTopology *plan_scenario_topology_small(void);

/* Guest "vmN" (uuid derived from N), @memory_bytes, memcg /machine.slice/machine-qemu\x2dN\x2dvmN
 * .scope, pid 4100+N, in @mode with default knobs. */
VtierPlanGuest *plan_scenario_guest(guint n, guint64 memory_bytes, VtierPolicyMode mode);
