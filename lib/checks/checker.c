// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks/checker.h"
#include "checks/slope.h"
#include "sensors/kcore.h"
#include "sensors/kpf.h"

#define PMD_BYTES (UINT64_C(2) << 20)

/* ---- sizeof(struct page) ---- */

static size_t fits_of(const struct mp_snapshot *s, unsigned *fits, size_t max)
{
	struct mp_pfn_run *runs = NULL;
	ssize_t n;
	size_t k = 0;

	if (!s || !s->pt.n)
		return 0;
	n = mp_snapshot_runs(s, &runs);
	if (n > 0)
		k = mp_struct_page_fit(&s->pt, runs, (size_t)n, fits, max);
	free(runs);
	return k;
}

static int64_t present_delta(const struct mp_snapshot *base, const struct mp_snapshot *now)
{
	int64_t k = 0;

	for (size_t i = 0; i < now->nblocks; i++)
		k += now->blocks[i].present;
	for (size_t i = 0; i < base->nblocks; i++)
		k -= base->blocks[i].present;
	return k;
}

/* From the nr_memmap_pages delta of k blocks added (or removed): 0 when not exact. */
static unsigned from_memmap_delta(const struct mp_snapshot *base, const struct mp_snapshot *now)
{
	uint64_t a, b, bp = now->block_size / now->page_size;
	int64_t k, d;
	uint64_t bytes;

	if (!base || mp_counters_get(&base->vmstat, "nr_memmap_pages", &a) ||
	    mp_counters_get(&now->vmstat, "nr_memmap_pages", &b))
		return 0;
	k = present_delta(base, now);
	d = (int64_t)b - (int64_t)a;
	if (!k || (d > 0) != (k > 0))
		return 0;
	bytes = (uint64_t)(d / k) * now->page_size;
	if (d % k || bytes % bp || (bytes / bp) % 8 || bytes / bp < 32 || bytes / bp > 256)
		return 0;
	return (unsigned)(bytes / bp);
}

static void derive_struct_page(const struct mp_snapshot *base, const struct mp_snapshot *now,
			       const struct mp_check_opts *o, struct mp_check_info *info)
{
	unsigned fn[8], fb[8], delta = from_memmap_delta(base, now);
	size_t nn = fits_of(now, fn, 8), nb = fits_of(base, fb, 8), k = 0;

	if (o->struct_page) {
		info->struct_page = o->struct_page;
		info->candidates[0] = o->struct_page;
		info->ncandidates = 1;
		snprintf(info->struct_page_src, sizeof(info->struct_page_src), "given");
		return;
	}
	if (nn && nb) {
		for (size_t i = 0; i < nn; i++)
			for (size_t j = 0; j < nb; j++)
				if (fn[i] == fb[j])
					info->candidates[k++] = fn[i];
	}
	if (!k && nb) {
		memcpy(info->candidates, fb, nb * sizeof(*fb));
		k = nb;
	} else if (!k && nn) {
		memcpy(info->candidates, fn, nn * sizeof(*fn));
		k = nn;
	}
	info->ncandidates = k;
	if (k == 1) {
		info->struct_page = info->candidates[0];
		snprintf(info->struct_page_src, sizeof(info->struct_page_src),
			 "the vmemmap page tables (%s)",
			 (nn ? now->pt_src : base->pt_src)[0] ? (nn ? now->pt_src : base->pt_src)
							      : "ptdump");
		return;
	}
	if (delta) {
		bool in = !k;

		for (size_t i = 0; i < k; i++)
			in |= info->candidates[i] == delta;
		if (in) {
			info->struct_page = delta;
			info->candidates[0] = delta;
			info->ncandidates = 1;
			snprintf(info->struct_page_src, sizeof(info->struct_page_src),
				 "the nr_memmap_pages delta per block added or removed");
			return;
		}
	}
	if (k)
		snprintf(info->struct_page_src, sizeof(info->struct_page_src),
			 "ambiguous: the page tables fit %zu sizes", k);
	else
		snprintf(info->struct_page_src, sizeof(info->struct_page_src),
			 "unknown: no vmemmap page tables and no nr_memmap_pages delta");
}

/* ---- invariants of one snapshot ---- */

static bool injected(const struct mp_check_opts *o, uint64_t first, uint64_t n, size_t *count)
{
	*count = 0;
	for (size_t i = 0; i < o->ninjected; i++)
		if (o->injected[i] >= first && o->injected[i] < first + n)
			(*count)++;
	return *count > 0;
}

/*
 * The pages of a range that read as having no memmap online: NOPAGE as
 * documented, or 0 where the kernel was seen to give 0 (7.2), either while
 * nothing was learned. Pages past the end of kpageflags count as such.
 */
static uint64_t absent_pages(const struct mp_check_opts *o, const struct mp_kpf_summary *k)
{
	enum mp_kpf_absent a = o->kernel ? o->kernel->kpf_absent : MP_KPF_ABSENT_UNKNOWN;

	switch (a) {
	case MP_KPF_ABSENT_NOPAGE:
		return k->cls[MP_KPC_NOPAGE];
	case MP_KPF_ABSENT_ZERO:
		return k->zero + k->beyond;
	default:
		return k->cls[MP_KPC_NOPAGE] + k->zero;
	}
}

static const char *absent_unit(const struct mp_check_opts *o)
{
	enum mp_kpf_absent a = o->kernel ? o->kernel->kpf_absent : MP_KPF_ABSENT_UNKNOWN;

	return a == MP_KPF_ABSENT_NOPAGE ? "NOPAGE pages"
	       : a == MP_KPF_ABSENT_ZERO ? "0 pages"
					 : "NOPAGE or 0 pages";
}

static int check_pages(const struct mp_snapshot *now, const struct mp_check_opts *o,
		       struct mp_findings *out)
{
	for (size_t i = 0; i < now->nblocks; i++) {
		const struct mp_snap_block *b = &now->blocks[i];
		const struct mp_kpf_summary *k = &b->kpf;
		uint64_t last = k->first_pfn + k->npages - 1;
		struct mp_finding *x;
		size_t ninj;

		if (!b->have_kpf)
			continue;
		/* a boot block's holes (no System RAM in /proc/iomem) have no memmap */
		if (b->present && b->state == MP_STATE_ONLINE &&
		    k->cls[MP_KPC_NOPAGE] > b->hole_pages) {
			x = mp_findings_add(out, MP_FIND_STATE, (int64_t)b->id, o->step,
					    "online block has pages with no memmap online (NOPAGE)");
			if (!x)
				return -ENOMEM;
			mp_finding_numbers(x, (int64_t)b->hole_pages,
					   (int64_t)k->cls[MP_KPC_NOPAGE], "pages");
			mp_finding_pfns(x, k->first_pfn, last);
		}
		/* seen: the pages read (all of the block, or a sample after a step) */
		if ((!b->present || b->state == MP_STATE_OFFLINE) &&
		    absent_pages(o, k) != k->seen) {
			x = mp_findings_add(out, MP_FIND_STATE, (int64_t)b->id, o->step,
					    "%s block has pages that read as online memory",
					    b->present ? "offline" : "removed");
			if (!x)
				return -ENOMEM;
			mp_finding_numbers(x, (int64_t)k->seen, (int64_t)absent_pages(o, k),
					   absent_unit(o));
			mp_finding_pfns(x, k->first_pfn, last);
		}
		injected(o, k->first_pfn, k->npages, &ninj);
		if (k->nhwpoison > ninj) {
			x = mp_findings_add(out, MP_FIND_CORRUPTION, (int64_t)b->id, o->step,
					    "HWPOISON on PFN 0x%" PRIx64 " of memory%" PRIu64
					    " that memplug did not inject",
					    k->first_hwpoison, b->id);
			if (!x)
				return -ENOMEM;
			mp_finding_numbers(x, (int64_t)ninj, (int64_t)k->nhwpoison, "pages");
			mp_finding_pfns(x, k->first_hwpoison, k->first_hwpoison);
		}
	}
	return 0;
}

static int check_zones(const struct mp_snapshot *now, const struct mp_check_opts *o,
		       struct mp_findings *out)
{
	for (size_t i = 0; i < now->zones.n; i++) {
		const struct mp_zone *z = &now->zones.z[i];
		struct mp_finding *x;

		if (z->spanned >= z->present && z->present >= z->managed)
			continue;
		x = mp_findings_add(out, MP_FIND_ACCOUNTING, -1, o->step,
				    "node %d zone %s: spanned %" PRIu64 " >= present %" PRIu64
				    " >= managed %" PRIu64 " does not hold",
				    z->node, z->name, z->spanned, z->present, z->managed);
		if (!x)
			return -ENOMEM;
	}
	return 0;
}

/* ---- accounting between two snapshots ---- */

struct zone_move {
	char name[MP_ZONE_NAME_LEN];
	int64_t present, managed;
};

static struct zone_move *zmove(struct zone_move *m, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(m[i].name, name))
			return &m[i];
	if (*n >= 8)
		return NULL;
	snprintf(m[*n].name, sizeof(m[*n].name), "%s", name);
	m[*n].present = m[*n].managed = 0;
	return &m[(*n)++];
}

static uint64_t zone_sum(const struct mp_snapshot *s, const char *name, bool managed)
{
	uint64_t v = 0;

	for (size_t i = 0; i < s->zones.n; i++)
		if (!strcmp(s->zones.z[i].name, name))
			v += managed ? s->zones.z[i].managed : s->zones.z[i].present;
	return v;
}

static bool online(const struct mp_snap_block *b)
{
	return b && b->present && b->state == MP_STATE_ONLINE;
}

static int check_accounting(const struct mp_snapshot *base, const struct mp_snapshot *now,
			    const struct mp_check_opts *o, struct mp_check_info *info,
			    struct mp_findings *out)
{
	uint64_t bp = now->block_size / now->page_size, a, b;
	struct zone_move m[8];
	size_t nm = 0;
	int64_t total = 0;
	bool hosted_known = true, moved = false;
	struct mp_finding *x;

	/* onlined blocks, then offlined ones */
	for (int pass = 0; pass < 2; pass++) {
		const struct mp_snapshot *s = pass ? base : now, *t = pass ? now : base;

		for (size_t i = 0; i < s->nblocks; i++) {
			const struct mp_snap_block *sb = &s->blocks[i];
			const struct mp_snap_block *tb = mp_snapshot_block(t, sb->id);
			int64_t sign = pass ? -1 : 1, hosted = 0;
			struct zone_move *zm;

			if (!online(sb) || online(tb))
				continue;
			moved = true;
			if (sb->have_kpf)
				hosted = (int64_t)sb->kpf.self_hosted;
			else
				hosted_known = false;
			if (!sb->zone[0] || !(zm = zmove(m, &nm, sb->zone))) {
				hosted_known = false;
				continue;
			}
			zm->present += sign * (int64_t)bp;
			zm->managed += sign * ((int64_t)bp - hosted);
			total += sign * ((int64_t)bp - hosted);
		}
	}
	if (!moved)
		return 0;
	for (size_t i = 0; i < nm; i++) {
		int64_t dp = (int64_t)zone_sum(now, m[i].name, false) -
			     (int64_t)zone_sum(base, m[i].name, false);
		int64_t dm = (int64_t)zone_sum(now, m[i].name, true) -
			     (int64_t)zone_sum(base, m[i].name, true);

		if (dp != m[i].present) {
			x = mp_findings_add(out, MP_FIND_ACCOUNTING, -1, o->step,
					    "zone %s present pages moved by other than the blocks "
					    "onlined and offlined",
					    m[i].name);
			if (!x)
				return -ENOMEM;
			mp_finding_numbers(x, m[i].present, dp, "pages");
		}
		if (hosted_known && dm != m[i].managed) {
			x = mp_findings_add(out, MP_FIND_ACCOUNTING, -1, o->step,
					    "zone %s managed pages moved by other than the blocks' "
					    "pages less the memmap pages they host",
					    m[i].name);
			if (!x)
				return -ENOMEM;
			mp_finding_numbers(x, m[i].managed, dm, "pages");
		}
	}
	if (hosted_known && !mp_counters_get(&base->meminfo, "MemTotal", &a) &&
	    !mp_counters_get(&now->meminfo, "MemTotal", &b)) {
		int64_t want = total * (int64_t)(now->page_size / 1024);

		if ((int64_t)b - (int64_t)a != want) {
			x = mp_findings_add(out, MP_FIND_ACCOUNTING, -1, o->step,
					    "MemTotal moved by other than the pages onlined less "
					    "the memmap pages the blocks host");
			if (!x)
				return -ENOMEM;
			mp_finding_numbers(x, want, (int64_t)b - (int64_t)a, "kB");
		}
	}
	if (!hosted_known)
		snprintf(info->notes + strlen(info->notes),
			 sizeof(info->notes) - strlen(info->notes),
			 "managed and MemTotal not checked: the memmap pages hosted are unknown "
			 "(no kpageflags or zone). ");
	return 0;
}

static int check_memmap_pages(const struct mp_snapshot *base, const struct mp_snapshot *now,
			      const struct mp_check_opts *o, struct mp_check_info *info,
			      struct mp_findings *out)
{
	uint64_t a, b, bp = now->block_size / now->page_size;
	int64_t k = present_delta(base, now), d, want;
	struct mp_finding *x;

	if (mp_counters_get(&base->vmstat, "nr_memmap_pages", &a) ||
	    mp_counters_get(&now->vmstat, "nr_memmap_pages", &b))
		return 0; /* before 6.11 */
	d = (int64_t)b - (int64_t)a;
	if (!info->struct_page) {
		if (k == 0 && d != 0)
			goto bad0;
		return 0;
	}
	want = k * (int64_t)((bp * info->struct_page + now->page_size - 1) / now->page_size);
	if (d == want)
		return 0;
	if (k == 0) {
bad0:
		want = 0;
	}
	x = mp_findings_add(out, d > want ? MP_FIND_LEAK : MP_FIND_ACCOUNTING, -1, o->step,
			    "nr_memmap_pages moved by other than the memmap of the %" PRId64
			    " block(s) added or removed",
			    k);
	if (!x)
		return -ENOMEM;
	mp_finding_numbers(x, want, d, "pages");
	x->pmd_sized = d > want && (d - want) % 512 == 0;
	return 0;
}

/* ---- the vmemmap page tables ---- */

/* Two readings of the same page tables, debugfs ptdump's and the kcore walk's, must agree. */
static int check_pt_sources(const struct mp_snapshot *now, const struct mp_check_opts *o,
			    struct mp_findings *out)
{
	uint64_t at = 0, lo, hi;
	struct mp_finding *x;

	if (strcmp(now->pt_src, "ptdump") || !now->pt.n || !now->kpt.n)
		return 0;
	lo = now->kpt.r[0].start;
	hi = now->kpt.r[now->kpt.n - 1].end;
	if (mp_ptdump_same(&now->pt, &now->kpt, lo, hi, &at))
		return 0;
	x = mp_findings_add(out, MP_FIND_STATE, -1, o->step,
			    "the vmemmap page tables walked through /proc/kcore disagree with "
			    "debugfs ptdump from 0x%" PRIx64 " (0x%" PRIx64 "-0x%" PRIx64
			    " compared)",
			    at, lo, hi);
	return x ? 0 : -ENOMEM;
}

/* Is every block present in now present in base too (nothing was added)? */
static bool nothing_added(const struct mp_snapshot *base, const struct mp_snapshot *now)
{
	for (size_t i = 0; i < now->nblocks; i++) {
		const struct mp_snap_block *b = &now->blocks[i], *a;

		if (b->present && (!(a = mp_snapshot_block(base, b->id)) || !a->present))
			return false;
	}
	return true;
}

/*
 * With sizeof(struct page) unknown (no present block to derive it from):
 * when no block was added since base, a vmemmap mapping that base did not
 * have can be no block's memmap: it stayed behind.
 */
static int check_vmemmap_new(const struct mp_snapshot *base, const struct mp_snapshot *now,
			     const struct mp_check_opts *o, struct mp_findings *out)
{
	if (!base || !base->pt.n || base->pt.base != now->pt.base ||
	    base->pt.pfn0 != now->pt.pfn0 || !nothing_added(base, now))
		return 0;
	for (size_t i = 0; i < now->pt.n; i++) {
		const struct mp_pt_range *r = &now->pt.r[i];
		uint64_t a = r->start;

		if (!r->mapped)
			continue;
		while (a < r->end) {
			uint64_t b = r->end, next = r->end;
			bool was = false;
			struct mp_finding *x;

			/* the part of [a, b) base mapped from a on, or the gap up to the next */
			for (size_t j = 0; j < base->pt.n; j++) {
				const struct mp_pt_range *q = &base->pt.r[j];

				if (!q->mapped || q->end <= a || q->start >= b)
					continue;
				if (q->start <= a) {
					was = true;
					next = q->end < b ? q->end : b;
					break;
				}
				next = q->start < next ? q->start : next;
			}
			b = next;
			if (!was) {
				x = mp_findings_add(out, MP_FIND_LEAK, -1, o->step,
						    "vmemmap mapping left: 0x%" PRIx64 "-0x%" PRIx64
						    " (%s) is new since the baseline, and no block "
						    "was added",
						    a, b, mp_pt_level_name(r->level));
				if (!x)
					return -ENOMEM;
				mp_finding_numbers(x, 0, (int64_t)((b - a) / now->page_size),
						   "pages");
				x->pmd_sized = (b - a) % PMD_BYTES == 0;
			}
			a = b;
		}
	}
	return 0;
}

static int check_vmemmap(const struct mp_snapshot *base, const struct mp_snapshot *now,
			 const struct mp_check_opts *o, struct mp_check_info *info,
			 struct mp_findings *out)
{
	struct mp_pfn_run *runs = NULL, *bruns = NULL;
	struct mp_pt_range *left = NULL, *cur = NULL, *old = NULL;
	ssize_t nr, nb = 0;
	size_t nleft = 0, max;
	uint64_t bp = now->block_size / now->page_size;
	int r = -ENOMEM;

	if ((r = check_pt_sources(now, o, out)) < 0)
		return r;
	r = -ENOMEM;
	if (now->pt.n && !info->ncandidates)
		return check_vmemmap_new(base, now, o, out);
	if (!now->pt.n)
		return 0;
	nr = mp_snapshot_runs(now, &runs);
	if (nr < 0)
		return -ENOMEM;
	if (base && base->pt.n && base->pt.base == now->pt.base && base->pt.pfn0 == now->pt.pfn0) {
		nb = mp_snapshot_runs(base, &bruns);
		if (nb < 0)
			goto out;
	}
	max = now->pt.n * 64 + 64;
	left = calloc(max, sizeof(*left));
	cur = calloc(max, sizeof(*cur));
	old = calloc(max, sizeof(*old));
	if (!left || !cur || !old)
		goto out;
	/* a stretch is left over when no size that fits explains it */
	for (size_t c = 0; c < info->ncandidates; c++) {
		unsigned sp = info->candidates[c];
		ssize_t nc = mp_ptdump_unexplained(&now->pt, sp, runs, (size_t)nr, cur, max),
			no = 0;
		size_t k = 0;

		if (nc < 0)
			goto out;
		if (bruns)
			no = mp_ptdump_unexplained(&base->pt, sp, bruns, (size_t)nb, old, max);
		for (ssize_t i = 0; i < nc; i++) {
			bool was = false, all = c == 0;

			/* mapped and unexplained in the base already: not ours */
			for (ssize_t j = 0; j < no && !was; j++)
				was = old[j].start <= cur[i].start && cur[i].end <= old[j].end;
			for (size_t j = 0; j < nleft && !all; j++)
				all = left[j].start == cur[i].start && left[j].end == cur[i].end;
			if (!was && all)
				cur[k++] = cur[i];
		}
		memcpy(left, cur, k * sizeof(*cur));
		nleft = k;
	}
	for (size_t i = 0; i < nleft; i++) {
		uint64_t len = left[i].end - left[i].start, pf = UINT64_MAX, pl = 0;
		struct mp_finding *x;

		/* the PFNs whose struct pages it would hold: with the size known,
		 * exact; else the union over the sizes that fit */
		for (size_t c = 0; c < info->ncandidates; c++) {
			unsigned sp = info->candidates[c];
			uint64_t f = mp_memmap_pfn(&now->pt, sp, left[i].start);
			uint64_t l = mp_memmap_pfn(&now->pt, sp, left[i].end + sp - 1) - 1;

			pf = f < pf ? f : pf;
			pl = l > pl ? l : pl;
		}
		x = mp_findings_add(out, MP_FIND_LEAK,
				    info->ncandidates == 1 ? (int64_t)(pf / bp) : -1, o->step,
				    "vmemmap mapping left: 0x%" PRIx64 "-0x%" PRIx64
				    " (%s) holds no present block's struct pages%s",
				    left[i].start, left[i].end, mp_pt_level_name(left[i].level),
				    info->ncandidates > 1 ? " (PFNs for every sizeof(struct page) "
							    "that fits)"
							  : "");

		if (!x)
			goto out;
		mp_finding_numbers(x, 0, (int64_t)(len / now->page_size), "pages");
		mp_finding_pfns(x, pf, pl);
		x->pmd_sized = len % PMD_BYTES == 0;
	}
	/* every present block's struct pages mapped */
	for (size_t i = 0; i < now->nblocks; i++) {
		const struct mp_snap_block *b = &now->blocks[i];
		bool mapped = false;
		uint64_t v0 = 0, v1 = 0;

		if (!b->present)
			continue;
		for (size_t c = 0; c < info->ncandidates && !mapped; c++) {
			mp_memmap_range(&now->pt, info->candidates[c], b->id * bp, (b->id + 1) * bp,
					&v0, &v1);
			mapped = mp_ptdump_mapped(&now->pt, v0, v1) == v1 - v0;
		}
		if (!mapped) {
			struct mp_finding *x = mp_findings_add(
				out, MP_FIND_CORRUPTION, (int64_t)b->id, o->step,
				"struct pages of a present block not mapped in the vmemmap "
				"(0x%" PRIx64 "-0x%" PRIx64 ")",
				v0, v1);

			if (!x)
				goto out;
			mp_finding_numbers(x, (int64_t)(v1 - v0),
					   (int64_t)mp_ptdump_mapped(&now->pt, v0, v1), "bytes");
			mp_finding_pfns(x, b->id * bp, (b->id + 1) * bp - 1);
		}
	}
	r = 0;
out:
	free(runs);
	free(bruns);
	free(left);
	free(cur);
	free(old);
	return r;
}

/* ---- the kernel log since the baseline ---- */

static void note(struct mp_check_info *info, const char *fmt, ...) _printf_(2, 3);
static void note(struct mp_check_info *info, const char *fmt, ...)
{
	size_t l = strlen(info->notes);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(info->notes + l, sizeof(info->notes) - l, fmt, ap);
	va_end(ap);
}

static int check_kmsg(const struct mp_snapshot *base, const struct mp_snapshot *now,
		      const struct mp_check_opts *o, struct mp_check_info *info,
		      struct mp_findings *out)
{
	uint64_t from = base->kmsg.last_seq, bp = now->block_size / now->page_size;

	if (!base->kmsg_avail.ok || !now->kmsg_avail.ok) {
		note(info, "kernel log not compared: %s. ",
		     !base->kmsg_avail.ok ? "the baseline has no log position"
					  : now->kmsg_avail.why);
		return 0;
	}
	if (now->kmsg.last_seq < from) {
		note(info,
		     "kernel log not compared: it is older than the baseline's (another boot?). ");
		return 0;
	}
	info->kmsg_compared = true;
	info->kmsg_from = from;
	info->kmsg_to = now->kmsg.last_seq;
	if (now->kmsg.first_seq > from + 1)
		note(info,
		     "kernel log: %" PRIu64 " records after the baseline were overwritten "
		     "before they were read. ",
		     now->kmsg.first_seq - from - 1);
	for (size_t i = 0; i < now->kmsg.n; i++) {
		const struct mp_kmsg_rec *k = &now->kmsg.v[i];
		enum mp_finding_kind kind = MP_FIND_KERNEL_LOG;
		struct mp_finding *x;
		size_t ninj = 0;

		if (k->seq <= from)
			continue;
		if (k->refused)
			kind = MP_FIND_REFUSED;
		else if (k->pfn != UINT64_MAX && injected(o, k->pfn, 1, &ninj))
			kind = MP_FIND_INJECTED;
		x = mp_findings_add(out, kind, k->pfn != UINT64_MAX ? (int64_t)(k->pfn / bp) : -1,
				    o->step, "kernel log%s: %s",
				    kind == MP_FIND_REFUSED    ? " (offline or removal refused)"
				    : kind == MP_FIND_INJECTED ? " (a PFN poisoned on purpose)"
							       : "",
				    k->pattern);
		if (!x || !(x->text = strdup(k->text)))
			return -ENOMEM;
		if (k->pfn != UINT64_MAX)
			mp_finding_pfns(x, k->pfn, k->pfn);
	}
	return 0;
}

int mp_check_kmsg_records(const struct mp_kmsg_log *log, const char *step, struct mp_findings *out)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct mp_kmsg_rec *k = &log->v[i];
		struct mp_finding *x;

		x = mp_findings_add(out, k->refused ? MP_FIND_REFUSED : MP_FIND_KERNEL_LOG, -1,
				    step,
				    k->refused ? "kernel log: offline or removal refused: %s"
					       : "kernel log: %s",
				    k->pattern);
		if (!x || !(x->text = strdup(k->text)))
			return -ENOMEM;
	}
	return (int)log->n;
}

/* ---- the uevents of a step ---- */

int mp_check_uevents(const struct mp_uevent_diff *d, const char *step, struct mp_findings *out)
{
	for (size_t i = 0; i < d->nmissing; i++) {
		const struct mp_uevent *e = &d->missing[i];

		if (!mp_findings_add(out, MP_FIND_UEVENT, (int64_t)e->block, step,
				     "expected uevent %s of memory%" PRIu64 " did not come",
				     mp_uevent_action_name(e->action), e->block))
			return -ENOMEM;
	}
	for (size_t i = 0; i < d->nextra; i++) {
		const struct mp_uevent_rec *e = &d->extra[i];

		if (!mp_findings_add(out, MP_FIND_UEVENT, (int64_t)e->block, step,
				     "unexpected uevent %s of memory%" PRIu64, e->action, e->block))
			return -ENOMEM;
	}
	return 0;
}

/* ---- the kernel's differences from its documentation ---- */

int mp_check_kernel_notes(struct mp_kernel *k, bool strict, const char *step,
			  struct mp_findings *out)
{
	char text[sizeof(((struct mp_finding *)0)->what)];
	int n = 0;

	for (int d = 0; d < MP_KDIFF_COUNT; d++) {
		struct mp_finding *x;

		if (!k->diff[d] || k->told[d])
			continue;
		x = mp_findings_add(out, MP_FIND_KERNEL_INTERFACE, -1, step, "%s",
				    mp_kdiff_text(k, (enum mp_kdiff)d, text, sizeof(text)));
		if (!x)
			return -ENOMEM;
		x->strict = strict;
		k->told[d] = true;
		n++;
	}
	return n;
}

/* ---- what did not come back ---- */

static bool same_blocks(const struct mp_snapshot *a, const struct mp_snapshot *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->nblocks && !a->blocks[i].present)
			i++;
		while (j < b->nblocks && !b->blocks[j].present)
			j++;
		if (i == a->nblocks || j == b->nblocks)
			return i == a->nblocks && j == b->nblocks;
		if (a->blocks[i].id != b->blocks[j].id || a->blocks[i].state != b->blocks[j].state)
			return false;
		i++;
		j++;
	}
}

/*
 * The PG_offline pages of s's present blocks: pages a balloon or virtio-mem
 * gave back to the hypervisor (drivers/virtio/virtio_mem.c marks the
 * subblocks it unplugs from an online block so); false when a present
 * block's kpageflags were not read in full.
 */
static bool offline_pages(const struct mp_snapshot *s, uint64_t *out)
{
	*out = 0;
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mp_snap_block *b = &s->blocks[i];

		if (!b->present)
			continue;
		if (!b->have_kpf || b->kpf.skipped || b->kpf.seen < b->kpf.npages)
			return false;
		*out += b->kpf.bits[KPF_OFFLINE];
	}
	return true;
}

static int check_came_back(const struct mp_snapshot *base, const struct mp_snapshot *now,
			   const struct mp_check_opts *o, struct mp_check_info *info,
			   struct mp_findings *out)
{
	static const char *const grow[] = { "nr_slab_unreclaimable", "nr_page_table_pages" };
	uint64_t noise = (base->free_max - base->free_min) + (now->free_max - now->free_min), pb,
		 pn;
	struct mp_finding *x;

	if (!same_blocks(base, now))
		return 0;
	if (o->free_tolerance) {
		info->tolerance = o->free_tolerance;
		snprintf(info->tolerance_src, sizeof(info->tolerance_src), "given");
	} else {
		/* four times the spread seen, and never under 1024 pages (4 MiB
		 * of 4K pages): an idle guest drifts by hundreds of pages over a
		 * cycle with no leak (DESIGN.md) */
		info->tolerance = 4 * noise > 1024 ? 4 * noise : 1024;
		snprintf(info->tolerance_src, sizeof(info->tolerance_src),
			 "max(4 x spread %" PRIu64 " over %u+%u readings, 1024)", noise,
			 base->nreadings, now->nreadings);
	}
	info->free_compared = true;
	info->free_loss = (int64_t)base->free_mean - (int64_t)now->free_mean;
	/*
	 * Freed pages wait on the per-cpu lists, which nr_free_pages leaves
	 * out: a process that frees 64 MiB leaves thousands there for good
	 * (6.12 tunes the lists' size up after large frees). Free is free.
	 */
	if (mp_snapshot_pcp(base, &pb) && mp_snapshot_pcp(now, &pn)) {
		info->free_loss += (int64_t)pb - (int64_t)pn;
		snprintf(info->tolerance_src + strlen(info->tolerance_src),
			 sizeof(info->tolerance_src) - strlen(info->tolerance_src),
			 "; per-cpu lists %" PRIu64 " then %" PRIu64 " pages counted as free", pb,
			 pn);
	}
	/*
	 * memplug's own memory is not the kernel's: what its processes hold
	 * more (an ASan build's quarantine, a larger heap) than at the
	 * baseline's readings is not missing.
	 */
	if (base->have_own && now->have_own) {
		info->free_loss -= (int64_t)now->own_pages - (int64_t)base->own_pages;
		snprintf(info->tolerance_src + strlen(info->tolerance_src),
			 sizeof(info->tolerance_src) - strlen(info->tolerance_src),
			 "; memplug's own %" PRIu64 " then %" PRIu64 " pages not counted",
			 base->own_pages, now->own_pages);
	}
	/* given back to the hypervisor is not missing: PG_offline pages are not free */
	if (offline_pages(base, &pb) && offline_pages(now, &pn)) {
		info->free_loss -= (int64_t)pn - (int64_t)pb;
		if (pn != pb)
			snprintf(info->tolerance_src + strlen(info->tolerance_src),
				 sizeof(info->tolerance_src) - strlen(info->tolerance_src),
				 "; PG_offline %" PRIu64 " then %" PRIu64 " pages not counted", pb,
				 pn);
	} else if (o->given_back) {
		info->free_loss -= (int64_t)o->given_back;
		snprintf(info->tolerance_src + strlen(info->tolerance_src),
			 sizeof(info->tolerance_src) - strlen(info->tolerance_src),
			 "; %" PRIu64 " pages the step saw given back (PG_offline) not counted",
			 o->given_back);
	} else {
		snprintf(info->tolerance_src + strlen(info->tolerance_src),
			 sizeof(info->tolerance_src) - strlen(info->tolerance_src),
			 "; PG_offline pages not read, all counted");
	}
	if (info->free_loss > (int64_t)info->tolerance) {
		int64_t off_pmd = info->free_loss - MP_PMD_PAGES;

		x = mp_findings_add(out, MP_FIND_LEAK, -1, o->step,
				    "free pages missing after the blocks came back to the baseline");
		if (!x)
			return -ENOMEM;
		mp_finding_numbers(x, (int64_t)base->free_mean,
				   (int64_t)base->free_mean - info->free_loss, "pages");
		/* a PMD's worth (512 pages), give or take the slack of a slope */
		x->pmd_sized = off_pmd >= -MP_PMD_SLACK && off_pmd <= MP_PMD_SLACK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(grow); i++) {
		uint64_t a, b;

		if (mp_counters_get(&base->vmstat, grow[i], &a) ||
		    mp_counters_get(&now->vmstat, grow[i], &b))
			continue;
		if (b > a && b - a > info->tolerance) {
			x = mp_findings_add(out, MP_FIND_LEAK, -1, o->step,
					    "%s grew past the tolerance", grow[i]);
			if (!x)
				return -ENOMEM;
			mp_finding_numbers(x, (int64_t)a, (int64_t)b, "pages");
		}
	}
	return 0;
}

int mp_check(const struct mp_snapshot *base, const struct mp_snapshot *now,
	     const struct mp_check_opts *o, struct mp_findings *out, struct mp_check_info *info)
{
	int r;

	memset(info, 0, sizeof(*info));
	derive_struct_page(base, now, o, info);
	if ((r = check_pages(now, o, out)) < 0 || (r = check_zones(now, o, out)) < 0)
		return r;
	if (base && ((r = check_accounting(base, now, o, info, out)) < 0 ||
		     (r = check_memmap_pages(base, now, o, info, out)) < 0 ||
		     (r = check_came_back(base, now, o, info, out)) < 0 ||
		     (r = check_kmsg(base, now, o, info, out)) < 0))
		return r;
	if (now->pt.n && !info->ncandidates)
		snprintf(info->notes + strlen(info->notes),
			 sizeof(info->notes) - strlen(info->notes),
			 "vmemmap checked only for mappings new since the baseline: sizeof(struct page) "
			 "%s. ",
			 info->struct_page_src);
	return check_vmemmap(base, now, o, info, out);
}
