/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sensors: what memplug reads about memory. One module each
 * (a file each in lib/sensors). Every parser takes a buffer (text, length) so it can be
 * tested on recorded input and fuzzed; a thin reader fills the buffer
 * through the root context. Each sensor says whether it is available on
 * this kernel and, when not, why not.
 */
#ifndef MEMPLUG_SENSOR_H
#define MEMPLUG_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/log.h"
#include "base/path.h"
#include "sensors/block.h"

/* Availability of one sensor: ok, or a one-line reason why not. */
struct mp_avail {
	bool ok;
	char why[256];
};

void mp_avail_set(struct mp_avail *a, bool ok, const char *fmt, ...) _printf_(3, 4);

/* ---- named counters: /proc/meminfo, nodeN/meminfo, /proc/vmstat ---- */

struct mp_counter {
	char name[48];
	uint64_t value; /* as printed: kB for meminfo sizes, pages for vmstat */
};

struct mp_counters {
	size_t n;
	struct mp_counter *v;
	int node; /* the node of a nodeN/meminfo, else -1 */
	/* index of v by name (open addressing, entries are index + 1) */
	uint32_t *slot;
	size_t nslot;
};

void mp_counters_clear(struct mp_counters *c);
/* 0 and the value, or -ENOENT when the kernel has no such counter. */
int mp_counters_get(const struct mp_counters *c, const char *name, uint64_t *out);
/* The value, or dflt when absent. */
uint64_t mp_counters_val(const struct mp_counters *c, const char *name, uint64_t dflt);
int mp_counters_set(struct mp_counters *c, const char *name, uint64_t value);

/*
 * "MemTotal:   123 kB" lines (/proc/meminfo), and "Node 0 MemTotal:  123 kB"
 * (nodeN/meminfo, which sets c->node). Lines that are neither are skipped;
 * -EBADMSG when no line parses. c is cleared first.
 */
int mp_meminfo_parse(const char *buf, size_t len, struct mp_counters *c);
/* "name value" lines of /proc/vmstat. */
int mp_vmstat_parse(const char *buf, size_t len, struct mp_counters *c);

int mp_meminfo_read(const struct mp_root *root, struct mp_counters *c);
int mp_node_meminfo_read(const struct mp_root *root, int node, struct mp_counters *c);
int mp_vmstat_read(const struct mp_root *root, struct mp_counters *c);

/* ---- /proc/zoneinfo ---- */

#define MP_ZONE_NAME_LEN 16

struct mp_zone {
	int node;
	char name[MP_ZONE_NAME_LEN]; /* DMA, DMA32, Normal, Movable, Device */
	uint64_t free;		     /* "pages free" */
	uint64_t spanned, present, managed;
	uint64_t start_pfn;
	bool have_start_pfn; /* absent in empty zones on some kernels */
	uint64_t pcp;	     /* pages on its per-cpu lists ("count:" of each cpu) */
	bool have_pcp;
};

struct mp_zoneinfo {
	size_t n;
	struct mp_zone *z;
};

void mp_zoneinfo_clear(struct mp_zoneinfo *zi);
int mp_zoneinfo_parse(const char *buf, size_t len, struct mp_zoneinfo *zi);
int mp_zoneinfo_read(const struct mp_root *root, struct mp_zoneinfo *zi);
/* The zone, or NULL. */
const struct mp_zone *mp_zoneinfo_find(const struct mp_zoneinfo *zi, int node, const char *name);

/* ---- /proc/kpageflags and /proc/kpagecount ---- */

/*
 * Every page falls in exactly one class, tested in this order, so the
 * classes of a range add up to its pages. Single flags are counted apart
 * in bits[] (page-types' names: mp_kpf_name()).
 */
enum mp_kpf_class {
	MP_KPC_NOPAGE, /* no memmap online: offline, removed, hole */
	MP_KPC_HWPOISON,
	MP_KPC_OFFLINE, /* PageOffline: balloon, virtio-mem unplugged */
	MP_KPC_BUDDY,	/* free in the page allocator */
	MP_KPC_SLAB,
	MP_KPC_LRU,    /* page cache and anonymous memory */
	MP_KPC_MEMMAP, /* the block's own memmap (memmap_on_memory) */
	MP_KPC_RESERVED,
	MP_KPC_OTHER, /* in use by the kernel otherwise */
	MP_KPC_COUNT
};

const char *mp_kpf_class_name(enum mp_kpf_class c);
/* page-types' name of a KPF bit ("buddy", "nopage"), NULL for unnamed bits. */
const char *mp_kpf_name(unsigned bit);

struct mp_kpf_summary {
	uint64_t first_pfn, npages; /* the range summarised */
	uint64_t seen;		    /* pages accounted so far */
	uint64_t skipped;	    /* pages of the range left unread (a sample) */
	uint64_t beyond;	    /* pages past the end of kpageflags (counted NOPAGE) */
	uint64_t zero;		    /* pages that read 0: no flag (class other) */
	uint64_t cls[MP_KPC_COUNT];
	uint64_t bits[64];
	/* memmap pages this range hosts at its start: the leading run of pages
	 * that mp_kpf_self_hosted() recognises */
	uint64_t self_hosted;
	bool lead_open;
	uint64_t first_hwpoison; /* PFN, valid when cls[HWPOISON] or bits[19] */
	uint64_t nhwpoison;
	/* /proc/kpagecount, when read */
	bool have_count;
	uint64_t mapped;   /* pages with a mapcount above 0 */
	uint64_t mapcount; /* their sum */
};

void mp_kpf_summary_init(struct mp_kpf_summary *s, uint64_t first_pfn, uint64_t npages);
/*
 * The parser: n kpageflags words (host order) for the PFNs from pfn on,
 * which must continue where the summary stands (s->first_pfn + s->seen).
 */
void mp_kpf_summary_add(struct mp_kpf_summary *s, const uint64_t *w, size_t n);
/* n pages past the end of /proc/kpageflags: no memmap, so NOPAGE. */
void mp_kpf_summary_add_beyond(struct mp_kpf_summary *s, uint64_t n);
/* n kpagecount words for the same PFNs (any order of calls, same count). */
void mp_kpc_summary_add(struct mp_kpf_summary *s, const uint64_t *c, size_t n);

struct mp_kpf_request {
	uint64_t first_pfn, npages;
	/* [hole_start, hole_start + hole_len) of the range is not read (a sample) */
	uint64_t hole_start, hole_len;
	struct mp_kpf_summary sum; /* filled in */
	int err;		   /* 0, or -errno for this range */
};

/*
 * Summarise each request's PFN range from /proc/kpageflags (and
 * /proc/kpagecount with count), in preads of MP_KPF_BATCH entries, on
 * two threads when there are more than MP_KPF_THREAD_MIN pages. Returns
 * 0, the first request error, or -errno when the files cannot be opened
 * (avail says why: not root, no such file).
 */
#define MP_KPF_BATCH 65536
#define MP_KPF_THREAD_MIN (1u << 20)
int mp_kpf_read(const struct mp_root *root, struct mp_kpf_request *req, size_t n, bool count,
		int threads, struct mp_avail *avail);

/* ---- ptdump: the vmemmap section of the kernel page tables ---- */

enum mp_pt_level { MP_PT_NONE = 0, MP_PT_PTE, MP_PT_PMD, MP_PT_PUD, MP_PT_P4D, MP_PT_PGD };

struct mp_pt_range {
	uint64_t start, end; /* [start, end) virtual */
	enum mp_pt_level level;
	bool mapped; /* present: the flags say RW or ro */
};

struct mp_ptdump {
	uint64_t base; /* vmemmap base: the section's first address */
	/* the PFN whose struct page sits at base: 0 on x86-64 (vmemmap_base);
	 * arm64's VMEMMAP_START holds that of PHYS_OFFSET (memstart_addr, which
	 * may lie below physical 0: the subtraction wraps as the kernel's does) */
	uint64_t pfn0;
	size_t n;
	struct mp_pt_range *r; /* in address order */
};

const char *mp_pt_level_name(enum mp_pt_level l);
/* The bytes one entry of that level maps (4K pages: x86-64 and arm64 alike). */
uint64_t mp_pt_level_size(enum mp_pt_level l);

void mp_ptdump_clear(struct mp_ptdump *pt);
/*
 * The lines of the vmemmap section ("---[ Vmemmap ]---" on x86, "vmemmap
 * start" on arm64) up to the next "---[" marker. -ENOENT when the dump has
 * no such section, -EBADMSG when a line of it does not parse.
 */
int mp_ptdump_parse(const char *buf, size_t len, struct mp_ptdump *pt);
/*
 * <debugfs>/page_tables/kernel (x86) or kernel_page_tables (arm64). avail
 * says why not when it fails (no debugfs, kernel without PTDUMP_DEBUGFS).
 */
int mp_ptdump_read(struct mp_root *root, struct mp_ptdump *pt, struct mp_avail *avail);
/* Mapped bytes of [start, end). */
uint64_t mp_ptdump_mapped(const struct mp_ptdump *pt, uint64_t start, uint64_t end);

/* A run of present PFNs [first, end): blocks that exist (online or not). */
struct mp_pfn_run {
	uint64_t first, end;
};

/* The vmemmap address of PFN pfn's struct page. */
static inline uint64_t mp_memmap_va(const struct mp_ptdump *pt, unsigned struct_page, uint64_t pfn)
{
	return pt->base + (pfn - pt->pfn0) * struct_page;
}

/* The PFN whose struct page holds vmemmap address va. */
static inline uint64_t mp_memmap_pfn(const struct mp_ptdump *pt, unsigned struct_page, uint64_t va)
{
	return pt->pfn0 + (va - pt->base) / struct_page;
}

/* The vmemmap virtual range holding the struct pages of PFNs [first, end). */
static inline void mp_memmap_range(const struct mp_ptdump *pt, unsigned struct_page, uint64_t first,
				   uint64_t end, uint64_t *vstart, uint64_t *vend)
{
	*vstart = mp_memmap_va(pt, struct_page, first);
	*vend = mp_memmap_va(pt, struct_page, end);
}

/*
 * Mapped stretches of the vmemmap that no present PFN's struct page lies
 * in, granule by granule (the level's entry size): each is a leaked (or
 * foreign) mapping. runs must be sorted. Returns the count written to out
 * (at most max) or -ENOMEM.
 */
ssize_t mp_ptdump_unexplained(const struct mp_ptdump *pt, unsigned struct_page,
			      const struct mp_pfn_run *runs, size_t nruns, struct mp_pt_range *out,
			      size_t max);

/*
 * sizeof(struct page) from the page tables: the sizes (multiples of 8
 * from 32 to 256) for which every present PFN's struct page is mapped and
 * every mapped vmemmap granule holds one. Returns the number of sizes
 * that fit (written to fits, at most max).
 */
size_t mp_struct_page_fit(const struct mp_ptdump *pt, const struct mp_pfn_run *runs, size_t nruns,
			  unsigned *fits, size_t max);

/* ---- the kernel log: /dev/kmsg records by sequence number ---- */

/* A record that classified (kmsg.h says how). */
struct mp_kmsg_rec {
	uint64_t seq;
	const char *pattern; /* the pattern matched (static) */
	bool refused;	     /* a refused offline or removal: an outcome, not a bug */
	uint64_t pfn;	     /* "Memory failure: 0xPFN:", else UINT64_MAX */
	char *text;	     /* malloc'ed */
};

struct mp_kmsg_log {
	bool any;	    /* at least one record read */
	uint64_t first_seq; /* the oldest record the buffer still held */
	uint64_t last_seq;  /* the newest */
	size_t n;
	struct mp_kmsg_rec *v; /* classified records (mp_kmsg_read: with seq > after) */
};

/*
 * Read /dev/kmsg from its oldest record to its newest, without blocking:
 * the sequence numbers, and the records after the sequence number after
 * that classify (keep them only when keep). Returns 0 or -errno; avail
 * says why not (not root, no /dev/kmsg).
 */
int mp_kmsg_read(const struct mp_root *root, uint64_t after, bool keep, struct mp_kmsg_log *log,
		 struct mp_avail *avail);
void mp_kmsg_log_clear(struct mp_kmsg_log *log);
#define _cleanup_kmsg_log_ _cleanup_(mp_kmsg_log_clear)

/* The page size of the running system. */
uint64_t mp_page_size(void);

/*
 * The running kernel's release: /proc/sys/kernel/osrelease under the root,
 * else uname()'s. Returns 0, or -errno when neither says (buf "").
 */
int mp_kernel_release(const struct mp_root *root, char *buf, size_t len);

#endif
