/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tiering/damon/damon-model.h"

/* Models shared by the DAMON unit tests. */

/* The tiering plan vtier makes for one guest in `ratio` mode on the lab's layout: one paddr
 * kdamond, node0 [0, 1 GiB) fast, node1 [1 GiB, 2 GiB) slow; PULL migrate_hot to node0 and PUSH
 * migrate_cold to node1, each limited to the guest's memcg and to the source node's range. Uses
 * only what every supported kernel (6.12+) has. */
VtierDamonModel *damon_test_model_ratio(const gchar *memcg_path);
/* Every field of the model away from its default (for codec tests); needs a 7.3 kernel. */
VtierDamonModel *damon_test_model_everything(void);
