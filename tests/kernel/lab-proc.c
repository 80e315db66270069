/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "lab-proc.h"

gdouble lab_proc_cpu_seconds(gint pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) f = NULL;
	const gchar *rest;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	rest = strrchr(text, ')'); /* comm may hold spaces */
	if (rest == NULL)
		return -1;
	f = g_strsplit(rest + 2, " ", 16);
	if (g_strv_length(f) < 14)
		return -1;
	/* fields 14 and 15 of the line: indexes 11 and 12 after "pid (comm) " */
	return (gdouble)(g_ascii_strtoull(f[11], NULL, 10) + g_ascii_strtoull(f[12], NULL, 10)) /
	       (gdouble)sysconf(_SC_CLK_TCK);
}
