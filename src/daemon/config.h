/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* vtierd.conf moved to src/common/config.h (the key-file loader every part shares); this header
 * only keeps daemon code that still includes the old path building. Include common/config.h. */
#include "common/config.h"
