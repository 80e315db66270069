/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* CPU seconds of a process or thread from /proc/PID/stat (utime + stime), -1 when unreadable
 * (the lab tools' one reader: lab-damon-loop, lab-commit-time). */
gdouble lab_proc_cpu_seconds(gint pid);
