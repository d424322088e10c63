// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vmemmap section of the kernel page-table dump (PTDUMP_DEBUGFS):
 * which virtual ranges of the memmap are mapped, and at which level.
 * x86 lines: "0xSTART-0xEND  SIZE  flags  level", flags blank when the
 * entry is not present; arm64 puts the level third. The vmemmap base is
 * the section's first address: no KASLR assumption.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sensors/sensor.h"

static const char *const level_names[] = { "none", "pte", "pmd", "pud", "p4d", "pgd" };

const char *mp_pt_level_name(enum mp_pt_level l)
{
	return (unsigned)l < ARRAY_SIZE(level_names) ? level_names[l] : "?";
}

uint64_t mp_pt_level_size(enum mp_pt_level l)
{
	switch (l) {
	case MP_PT_PTE:
		return UINT64_C(1) << 12;
	case MP_PT_PMD:
		return UINT64_C(1) << 21;
	case MP_PT_PUD:
		return UINT64_C(1) << 30;
	case MP_PT_P4D:
	case MP_PT_PGD:
		return UINT64_C(1) << 39;
	default:
		return UINT64_C(1) << 12;
	}
}

void mp_ptdump_clear(struct mp_ptdump *pt)
{
	free(pt->r);
	pt->r = NULL;
	pt->n = 0;
	pt->base = 0;
	pt->pfn0 = 0;
}

static bool is_vmemmap_marker(const char *line)
{
	const char *m = strstr(line, "---[");

	if (!m || m != line)
		return false;
	for (const char *p = m; *p; p++)
		if (!strncasecmp(p, "vmemmap", 7))
			return !strstr(line, "end ]");
	return false;
}

static int parse_line(char *line, struct mp_pt_range *r)
{
	unsigned long long a, b;
	char *tok, *save = NULL;
	int n = 0;

	if (sscanf(line, "0x%llx-0x%llx", &a, &b) != 2 || b <= a)
		return -EBADMSG;
	r->start = a;
	r->end = b;
	r->level = MP_PT_NONE;
	r->mapped = false;
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), n++) {
		if (n < 2) /* the range and the size */
			continue;
		for (unsigned l = MP_PT_PTE; l <= MP_PT_PGD; l++)
			if (!strcasecmp(tok, level_names[l]))
				r->level = (enum mp_pt_level)l;
		if (!strcmp(tok, "RW") || !strcmp(tok, "ro"))
			r->mapped = true;
	}
	return r->level == MP_PT_NONE ? -EBADMSG : 0;
}

int mp_ptdump_parse(const char *buf, size_t len, struct mp_ptdump *pt)
{
	const char *p = buf, *end = buf + len;
	bool in = false, found = false;
	size_t cap = 0;

	mp_ptdump_clear(pt);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char line[512];
		struct mp_pt_range r;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		mp_rstrip(line);
		if (!strncmp(line, "---[", 4)) {
			if (in)
				break;
			if (is_vmemmap_marker(line))
				in = found = true;
			continue;
		}
		if (!in || !line[0])
			continue;
		if (parse_line(line, &r) < 0) {
			mp_ptdump_clear(pt);
			return -EBADMSG;
		}
		if (pt->n && r.start < pt->r[pt->n - 1].end) {
			mp_ptdump_clear(pt);
			return -EBADMSG;
		}
		if (pt->n == cap) {
			struct mp_pt_range *nr;

			cap = cap ? cap * 2 : 32;
			nr = realloc(pt->r, cap * sizeof(*nr));
			if (!nr) {
				mp_ptdump_clear(pt);
				return -ENOMEM;
			}
			pt->r = nr;
		}
		if (!pt->n)
			pt->base = r.start;
		pt->r[pt->n++] = r;
	}
	if (!found)
		return -ENOENT;
	return pt->n ? 0 : -EBADMSG;
}

int mp_ptdump_read(struct mp_root *root, struct mp_ptdump *pt, struct mp_avail *avail)
{
	static const char *const files[] = { "page_tables/kernel", "kernel_page_tables" };
	const char *dfs = mp_debugfs(root);
	int last = -ENOENT;

	if (!dfs) {
		mp_avail_set(avail, false, "debugfs is not mounted");
		return -ENOENT;
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *buf = NULL;
		char path[1024];
		ssize_t n;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dfs, files[i]);
		n = mp_read_all(root, path, &buf);
		if (n < 0) {
			if (n != -ENOENT)
				last = (int)n;
			continue;
		}
		r = mp_ptdump_parse(buf, (size_t)n, pt);
		if (r < 0) {
			mp_avail_set(avail, false, "%s: %s", path,
				     r == -ENOENT ? "no vmemmap section" : "cannot parse it");
			return r;
		}
		mp_avail_set(avail, true, "%s", path);
		return 0;
	}
	if (last == -ENOENT)
		mp_avail_set(avail, false,
			     "no %s/page_tables/kernel: the kernel was built without PTDUMP_DEBUGFS",
			     dfs);
	else
		mp_avail_set(avail, false, "cannot read %s/page_tables/kernel: %s", dfs,
			     strerror(-last));
	return last;
}

uint64_t mp_ptdump_mapped(const struct mp_ptdump *pt, uint64_t start, uint64_t end)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < pt->n; i++) {
		const struct mp_pt_range *r = &pt->r[i];
		uint64_t a = r->start > start ? r->start : start;
		uint64_t b = r->end < end ? r->end : end;

		if (r->mapped && a < b)
			sum += b - a;
	}
	return sum;
}

/* The first run (runs sorted) whose struct pages end after a, or n. */
static size_t first_after(const struct mp_ptdump *pt, unsigned sp, const struct mp_pfn_run *runs,
			  size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (mp_memmap_va(pt, sp, runs[mid].end) <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Append [a, b) of level l, merged with the previous stretch when contiguous. */
static bool emit(struct mp_pt_range *out, size_t *k, size_t max, uint64_t a, uint64_t b,
		 enum mp_pt_level l)
{
	if (*k && out[*k - 1].end == a && out[*k - 1].level == l) {
		out[*k - 1].end = b;
		return true;
	}
	if (*k == max)
		return false;
	out[(*k)++] = (struct mp_pt_range){ a, b, l, true };
	return true;
}

/*
 * The granules of a mapped range are its entries of the level's size, from
 * its start; a granule is explained when it meets a present PFN's struct
 * page. Walked run by run, not granule by granule: a range may claim
 * terabytes of 4 KiB entries, or end at the top of the address space.
 */
ssize_t mp_ptdump_unexplained(const struct mp_ptdump *pt, unsigned struct_page,
			      const struct mp_pfn_run *runs, size_t nruns, struct mp_pt_range *out,
			      size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < pt->n; i++) {
		const struct mp_pt_range *r = &pt->r[i];
		uint64_t g = mp_pt_level_size(r->level), x = r->start;

		if (!r->mapped || !g)
			continue;
		while (x < r->end) {
			size_t j = first_after(pt, struct_page, runs, nruns, x);
			uint64_t ms, me, from, to, n;

			if (j == nruns ||
			    (ms = mp_memmap_va(pt, struct_page, runs[j].first)) >= r->end) {
				if (!emit(out, &k, max, x, r->end, r->level))
					return (ssize_t)k;
				break;
			}
			me = mp_memmap_va(pt, struct_page, runs[j].end);
			/* the granules from the one holding max(ms, x) to the one holding me - 1 */
			from = ms <= x ? x : x + (ms - x) / g * g;
			n = (me - 1 - x) / g + 1;
			to = n > (r->end - x) / g ? r->end : x + n * g;
			if (from > x && !emit(out, &k, max, x, from, r->level))
				return (ssize_t)k;
			x = to;
		}
	}
	return (ssize_t)k;
}

size_t mp_struct_page_fit(const struct mp_ptdump *pt, const struct mp_pfn_run *runs, size_t nruns,
			  unsigned *fits, size_t max)
{
	size_t nfit = 0;

	if (!pt->n || !nruns)
		return 0;
	for (unsigned sp = 32; sp <= 256; sp += 8) {
		struct mp_pt_range extra;
		bool ok = true;

		for (size_t i = 0; i < nruns && ok; i++) {
			uint64_t a, b;

			mp_memmap_range(pt, sp, runs[i].first, runs[i].end, &a, &b);
			ok = mp_ptdump_mapped(pt, a, b) == b - a;
		}
		if (ok && mp_ptdump_unexplained(pt, sp, runs, nruns, &extra, 1) != 0)
			ok = false;
		if (ok && nfit < max)
			fits[nfit++] = sp;
	}
	return nfit;
}
