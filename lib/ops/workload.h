/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data on the target memory: a workload fills memory bound to a NUMA node
 * with a pattern derived from (seed, page index, word index), so that a
 * changed, zeroed, swapped or duplicated page reads wrong at a known byte;
 * where its pages sit is read from /proc/self/pagemap (PFNs need root).
 *
 * The memory belongs to a child process (fork, no exec) that the runner
 * drives over a pipe: offlining then migrates another process's memory, as
 * it would in production, and memplug's own heap holds none of it.
 */
#ifndef MEMPLUG_WORKLOAD_H
#define MEMPLUG_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/path.h"

enum mp_wl_kind {
	MP_WL_4K,      /* base pages (MADV_NOHUGEPAGE) */
	MP_WL_THP,     /* 2 MiB aligned, MADV_HUGEPAGE */
	MP_WL_HUGETLB, /* MAP_HUGETLB, 2 MiB pages from the node's pool */
	MP_WL_NKINDS
};

#define MP_WL_HUGE_SIZE (UINT64_C(2) << 20)
#define MP_SYS_THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

const char *mp_wl_kind_name(enum mp_wl_kind k); /* "4k", "thp", "hugetlb" */
int mp_wl_kind_parse(const char *s, enum mp_wl_kind *out);

/* The first byte that does not hold the pattern. */
struct mp_wl_bad {
	uint64_t offset; /* from the start of the buffer */
	uint64_t page;	 /* offset / page size */
	uint8_t expected, found;
	uint64_t bad_pages; /* pages holding any wrong byte */
};

/* Write the pattern of seed over buf (len a multiple of page_size). */
void mp_wl_fill(void *buf, size_t len, size_t page_size, uint64_t seed);
/*
 * Read every byte of buf against the pattern: 0 when all hold it, -EILSEQ
 * with the first wrong byte (and the count of wrong pages) in *bad.
 */
int mp_wl_verify(const void *buf, size_t len, size_t page_size, uint64_t seed,
		 struct mp_wl_bad *bad);

/*
 * The word the pattern puts at word w of page p: a bijection of
 * (seed, p, w), so two pages never hold the same words and only one word in
 * 2^64 is zero.
 */
uint64_t mp_wl_word(uint64_t seed, uint64_t page, uint64_t word);

struct mp_wl_opts {
	enum mp_wl_kind kind;
	uint64_t size; /* bytes; rounded up to the page (2 MiB for thp, hugetlb) */
	int node;      /* MPOL_BIND to it; -1: no binding */
	uint64_t seed;
	unsigned timeout_ms; /* every request to the child; 0: 60 s */
};

/* Where the workload's pages are, from pagemap. */
struct mp_wl_place {
	uint64_t pages;		   /* base pages the workload holds */
	bool have_pfns;		   /* pagemap gave PFNs (root) */
	uint64_t present;	   /* pages with a PFN */
	uint64_t in_range;	   /* whose PFN lies in [first, last] */
	uint64_t pfn_min, pfn_max; /* of those in range */
	uint64_t huge;		   /* base pages in a THP or hugetlb page (kpageflags) */
	bool have_flags;	   /* kpageflags could be read */
};

struct mp_wl_verdict {
	uint64_t bytes; /* read */
	bool bad;
	struct mp_wl_bad first;
	uint64_t pfn_before; /* PFN of that page at the last placement; 0 unknown */
};

struct mp_wl;

/*
 * Fork the child, map, bind, populate and fill. -errno with the reason in
 * why (ENOMEM: the node could not give the memory, EINVAL, ...).
 */
int mp_wl_start(const struct mp_root *root, const struct mp_wl_opts *o, struct mp_wl **out,
		char *why, size_t wlen);
/* Read the PFNs of every page; count those in [pfn_first, pfn_last]. */
int mp_wl_place(struct mp_wl *w, uint64_t pfn_first, uint64_t pfn_last, struct mp_wl_place *out,
		char *why, size_t wlen);
/* Read every byte against the pattern (0 also when bytes are wrong: see v->bad). */
int mp_wl_check(struct mp_wl *w, struct mp_wl_verdict *v, char *why, size_t wlen);
/* Tell the child to end, reap it, free w. */
void mp_wl_stop(struct mp_wl *w);
const struct mp_wl_opts *mp_wl_opts(const struct mp_wl *w);
uint64_t mp_wl_bytes(const struct mp_wl *w); /* as mapped */

/* THP mode: the bracketed word of MP_SYS_THP_ENABLED ("always", "madvise", "never"). */
int mp_wl_thp_mode(const struct mp_root *root, char *mode, size_t len);

#endif
