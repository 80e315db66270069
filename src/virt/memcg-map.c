/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "vtier-memcg"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/paths.h"
#include "virt/memcg.h"

/* Where a memory cgroup's pages lie: kpagecgroup (procfs) holds, per page frame, a u64 with the
 * inode number of the memory cgroup the page is charged to (0: none). The inode is the cgroup
 * directory's, as stat() sees it (cgroup v1 and v2). kpageflags holds the frame's flags; only
 * frames of LRU pages count (MAP_KPF_MOVABLE), because DAMON migrates only those: a memcg is
 * charged for its page tables and slab too, on the node its tasks run on, and an aimed PUSH that
 * began its walk among them moved nothing (6.18, the lab's workload, 6 Dec 2026). */

/* Page frames read per pread (512 KiB of entries: 256 MiB of memory with 4 KiB pages). */
#define MAP_CHUNK_PFNS 65536u
/* Cgroups below the memcg's own directory counted as its own, at most. */
#define MAP_MAX_CGROUPS 4096u
#define MAP_MAX_DEPTH 8u
/* kpageflags (include/uapi/linux/kernel-page-flags.h): the frame is on an LRU list, or part of a
 * transparent huge page (a THP's tail frames carry no LRU flag of their own on kernels that
 * report the page's flags rather than its folio's; the head's decides, and THP says it is an
 * LRU or anonymous one) */
#define MAP_KPF_MOVABLE ((1ull << 5) | (1ull << 22))

static gboolean add_inodes(GHashTable *inodes, const gchar *dir, guint depth, GError **error)
{
	g_autoptr(GDir) d = NULL;
	const gchar *name;
	struct stat st;

	if (stat(dir, &st) != 0) {
		g_autofree gchar *host = vtier_path_to_host(dir);

		vtier_error_set_errno(error, errno, "cannot read the memory cgroup %s", host);
		return FALSE;
	}
	g_hash_table_add(inodes, GSIZE_TO_POINTER((gsize)st.st_ino));
	if (depth >= MAP_MAX_DEPTH)
		return TRUE;
	d = g_dir_open(dir, 0, NULL);
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *child = g_build_filename(dir, name, NULL);

		if (g_hash_table_size(inodes) >= MAP_MAX_CGROUPS)
			break;
		if (!g_file_test(child, G_FILE_TEST_IS_DIR) ||
		    g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			continue;
		/* a child that went away meanwhile is no error */
		if (!add_inodes(inodes, child, depth + 1, NULL))
			continue;
	}
	return TRUE;
}

/* Appends [start, end) to @runs, merged into the last run across a gap of at most @join. */
static void add_run(GArray *runs, guint64 start, guint64 end, guint64 join)
{
	VtierMemcgSpan *last = runs->len > 0 ? &g_array_index(runs, VtierMemcgSpan, runs->len - 1)
					      : NULL;

	if (last != NULL && start <= last->end + join) {
		last->end = end;
		return;
	}
	g_array_append_val(runs, ((VtierMemcgSpan){ start, end }));
}

static gint gap_cmp(gconstpointer a, gconstpointer b)
{
	const guint64 *x = a, *y = b; /* {gap, index} */

	if (x[0] != y[0])
		return x[0] > y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Merges @runs across their smallest gaps until at most @max are left. */
static void merge_to(GArray *runs, guint max)
{
	g_autoptr(GArray) gaps = NULL;
	g_autofree gboolean *cut = NULL;
	guint n = runs->len, out = 0;

	if (n <= max)
		return;
	gaps = g_array_sized_new(FALSE, FALSE, 2 * sizeof(guint64), n - 1);
	for (guint i = 1; i < n; i++) {
		guint64 gap[2] = { g_array_index(runs, VtierMemcgSpan, i).start -
					   g_array_index(runs, VtierMemcgSpan, i - 1).end,
				   i };

		g_array_append_vals(gaps, gap, 1);
	}
	g_array_sort(gaps, gap_cmp);
	cut = g_new0(gboolean, n);
	/* the max - 1 widest gaps stay: a run starts after each */
	for (guint i = 0; i + 1 < max && i < gaps->len; i++)
		cut[((guint64 *)gaps->data)[2 * i + 1]] = TRUE;
	for (guint i = 0; i < n; i++) {
		VtierMemcgSpan r = g_array_index(runs, VtierMemcgSpan, i);

		if (i > 0 && !cut[i])
			g_array_index(runs, VtierMemcgSpan, out - 1).end = r.end;
		else
			g_array_index(runs, VtierMemcgSpan, out++) = r;
	}
	g_array_set_size(runs, out);
}

gboolean vtier_memcg_map(VtierCgroupVersion version, const gchar *memcg_path, const GArray *spans,
			 guint max_spans, guint64 join_bytes, GArray **ret_spans, guint64 *ret_bytes,
			 GError **error)
{
	g_autoptr(GHashTable) inodes = g_hash_table_new(NULL, NULL);
	g_autofree gchar *dir = vtier_memcg_dir(version, memcg_path);
	g_autofree gchar *path = vtier_path_build(VTIER_PATH_PROCFS, "kpagecgroup", NULL);
	g_autofree gchar *flags_path = vtier_path_build(VTIER_PATH_PROCFS, "kpageflags", NULL);
	g_autofree guint64 *buf = NULL;
	g_autofree guint64 *flags = NULL;
	g_autoptr(GArray) runs = g_array_new(FALSE, FALSE, sizeof(VtierMemcgSpan));
	guint64 page = vtier_page_size();
	guint64 bytes = 0, frames = 0, stride;
	int fd, flags_fd;

	g_return_val_if_fail(max_spans > 0, FALSE);
	if (!add_inodes(inodes, dir, 0, error))
		return FALSE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		g_autofree gchar *host = vtier_path_to_host(path);

		vtier_error_set_errno(error, errno, "cannot open %s", host);
		return FALSE;
	}
	flags_fd = open(flags_path, O_RDONLY | O_CLOEXEC);
	if (flags_fd < 0) {
		g_autofree gchar *host = vtier_path_to_host(flags_path);

		vtier_error_set_errno(error, errno, "cannot open %s", host);
		close(fd);
		return FALSE;
	}
	for (guint i = 0; i < spans->len; i++) {
		const VtierMemcgSpan *s = &g_array_index(spans, VtierMemcgSpan, i);

		frames += s->end / page - MIN((s->start + page - 1) / page, s->end / page);
	}
	stride = frames > VTIER_MEMCG_MAP_FULL_PFNS
			 ? (frames + VTIER_MEMCG_MAP_SAMPLES - 1) / VTIER_MEMCG_MAP_SAMPLES
			 : 1;
	buf = g_new(guint64, MAP_CHUNK_PFNS);
	flags = g_new(guint64, MAP_CHUNK_PFNS);
	for (guint i = 0; i < spans->len; i++) {
		const VtierMemcgSpan *s = &g_array_index(spans, VtierMemcgSpan, i);
		guint64 pfn = (s->start + page - 1) / page, end = s->end / page;

		while (pfn < end) {
			guint64 want = stride > 1 ? 1 : MIN(end - pfn, MAP_CHUNK_PFNS);
			ssize_t got = pread(fd, buf, want * sizeof(guint64), (off_t)(pfn * 8));
			ssize_t got_flags = got > 0 ? pread(flags_fd, flags, (gsize)got,
							    (off_t)(pfn * 8))
						    : 0;
			const gchar *failed = got < 0 ? path : got_flags < 0 ? flags_path : NULL;

			if (failed != NULL && errno == EINTR)
				continue;
			if (failed != NULL) {
				g_autofree gchar *host = vtier_path_to_host(failed);

				vtier_error_set_errno(error, errno, "cannot read %s at page frame %"
						      G_GUINT64_FORMAT, host, pfn);
				close(fd);
				close(flags_fd);
				return FALSE;
			}
			/* both files end at the last page frame the kernel knows */
			got = MIN(got, got_flags);
			if (got < 8)
				break;
			for (guint64 k = 0; k < (guint64)got / 8; k++) {
				guint64 last = MIN(pfn + k + stride, end);

				if (buf[k] == 0 || (flags[k] & MAP_KPF_MOVABLE) == 0 ||
				    !g_hash_table_contains(inodes, GSIZE_TO_POINTER((gsize)buf[k])))
					continue;
				add_run(runs, (pfn + k) * page, last * page, join_bytes);
				bytes += (last - pfn - k) * page;
			}
			pfn += stride > 1 ? stride : (guint64)got / 8;
		}
	}
	close(fd);
	close(flags_fd);
	merge_to(runs, max_spans);
	*ret_spans = g_steal_pointer(&runs);
	if (ret_bytes != NULL)
		*ret_bytes = bytes;
	return TRUE;
}
