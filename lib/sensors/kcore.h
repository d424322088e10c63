/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vmemmap page tables read through /proc/kcore, as drgn reads them: the
 * kernel's top-level page table and the variables that place the vmemmap
 * and the direct map are found through /proc/kallsyms, their values and the
 * page-table pages are read through kcore's ELF program headers (kernel
 * virtual address -> file offset; a table's physical address through the
 * direct map). The walk yields the list the ptdump parser yields
 * (struct mp_ptdump), so the checks run unchanged on kernels without
 * PTDUMP_DEBUGFS. Read only: kcore is opened O_RDONLY and only pread.
 *
 * The architecture's part (the layout and the walk) sits behind struct
 * mp_pt_walker, chosen by the ELF header's e_machine: x86-64 (4- and
 * 5-level paging) and arm64 (4K granule, 48-bit VA with 4 levels, 52-bit
 * VA with FEAT_LPA2 and 5). arm64 learns its layout from the VMCOREINFO
 * note kcore carries (fs/proc/kcore.c appends the kernel's vmcoreinfo):
 * VMEMMAP_START and VMEMMAP_END as the kernel computed them (they depend on
 * sizeof(struct page), which the walk is there to derive), PHYS_OFFSET
 * (memstart_addr: the PFN whose struct page sits at VMEMMAP_START, and the
 * linear map a table's physical address is read through), VA_BITS and
 * TCR_EL1_T1SZ (the VA size in use: 52 only with LPA2 on a 52-bit kernel).
 */
#ifndef MEMPLUG_KCORE_H
#define MEMPLUG_KCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sensors/sensor.h"

/* One PT_LOAD segment: [vaddr, vaddr + size) at file offset off. */
struct mp_kcore_seg {
	uint64_t vaddr, size, off;
};

struct mp_kcore {
	int fd;		    /* -1: the image is buf */
	const uint8_t *buf; /* an image in memory (tests, fuzzing) */
	uint64_t len;	    /* of buf, or the file's size (0: unknown) */
	unsigned machine;   /* e_machine */
	size_t nseg;
	struct mp_kcore_seg *seg;    /* sorted by vaddr */
	uint64_t nread;		     /* reads done (for the benchmark) */
	uint64_t note_off, note_len; /* the first PT_NOTE segment */
	char *info;		     /* its VMCOREINFO text, read when first asked */
	bool info_read;
};

/* Bounds: a table walk never reads more than this many table pages ... */
#define MP_KCORE_MAX_TABLES (1u << 18)
/* ... nor yields more ranges, nor takes more program headers. */
#define MP_KCORE_MAX_RANGES (1u << 22)
#define MP_KCORE_MAX_PHDRS 65535u

/*
 * Parse the ELF header and program headers of an image in memory (not
 * copied: buf must outlive k) or of an open file (fd not closed by
 * mp_kcore_close). 0, or -EBADMSG with why a one-line reason.
 */
int mp_kcore_open_mem(struct mp_kcore *k, const void *buf, size_t len, char *why, size_t wlen);
int mp_kcore_open_fd(struct mp_kcore *k, int fd, char *why, size_t wlen);
void mp_kcore_close(struct mp_kcore *k);
/* n bytes at kernel virtual address va: 0, -EFAULT when no segment holds them all, -EIO. */
int mp_kcore_read(struct mp_kcore *k, uint64_t va, void *dst, size_t n);
/*
 * The value of KEY ("PAGESIZE", "NUMBER(VMEMMAP_START)") in the image's
 * VMCOREINFO note (decimal or 0x hex, as the kernel printed it): 0, or
 * -ENOENT when the image has no such note or line.
 */
#define MP_KCORE_MAX_NOTES (256u << 10)
int mp_kcore_vmcoreinfo(struct mp_kcore *k, const char *key, uint64_t *val);

/* The kallsyms symbols the walks use. */
enum mp_ksym {
	MP_KSYM_TOP,		  /* init_top_pgt, init_level4_pgt or swapper_pg_dir (arm64) */
	MP_KSYM_VMEMMAP_BASE,	  /* vmemmap_base (x86 with a dynamic layout) */
	MP_KSYM_PAGE_OFFSET_BASE, /* page_offset_base */
	MP_KSYM_L5,		  /* __pgtable_l5_enabled */
	MP_KSYM_PGDIR_SHIFT,	  /* pgdir_shift */
	MP_KSYM_SME_MASK,	  /* sme_me_mask: the encryption bit in entries */
	MP_KSYM_COUNT
};

struct mp_ksyms {
	uint64_t addr[MP_KSYM_COUNT];
	bool have[MP_KSYM_COUNT];
	char top[24]; /* the top table's symbol name */
};

/*
 * "ADDRESS TYPE NAME [module]" lines. 0; -ENOENT when no top-level table
 * symbol is listed; -EPERM when the addresses read 0 (kptr_restrict, not root).
 */
int mp_kallsyms_parse(const char *buf, size_t len, struct mp_ksyms *s);

/* Where the walk starts and what it walks, as learnt from the kernel. */
struct mp_kcore_layout {
	uint64_t top;	      /* kernel virtual address of the top-level table */
	uint64_t page_offset; /* the direct map: virtual address of physical 0 */
	uint64_t vmemmap_base, vmemmap_end;
	uint64_t pfn0;	      /* the PFN whose struct page sits at vmemmap_base */
	unsigned levels;      /* 4 or 5 */
	unsigned top_entries; /* of the top table: 512, or 16 (arm64 52-bit VA) */
	uint64_t pa_mask;     /* the bits of an entry that hold an address */
	bool lpa2;	      /* arm64: OA[51:50] in bits [9:8] of an entry */
	char how[192];	      /* how the layout was learnt */
};

struct mp_pt_walker {
	const char *arch;
	unsigned machine; /* e_machine */
	int (*layout)(struct mp_kcore *k, const struct mp_ksyms *s, struct mp_kcore_layout *l,
		      char *why, size_t wlen);
	/* The entries over [start, end) (inside the vmemmap), merged as ptdump merges
	 * them; out->base is the vmemmap base. 0, or -errno with why. */
	int (*walk)(struct mp_kcore *k, const struct mp_kcore_layout *l, uint64_t start,
		    uint64_t end, struct mp_ptdump *out, char *why, size_t wlen);
};

/* The walker for an ELF e_machine, or NULL. */
const struct mp_pt_walker *mp_pt_walker_find(unsigned machine);

/*
 * The whole sensor on an open image: layout, then the walk of [start, end)
 * clipped to the vmemmap (start == end == 0: all of it).
 */
int mp_kcore_walk(struct mp_kcore *k, const struct mp_ksyms *s, uint64_t start, uint64_t end,
		  struct mp_ptdump *pt, char *why, size_t wlen);

/*
 * /proc/kallsyms and /proc/kcore under the root (kallsyms read once per
 * boot and root). avail says why not: no kcore, not root, no walker for
 * this architecture, a malformed image. ksyms_ns (may be NULL): the time
 * the kallsyms read took, 0 when it came from the cache.
 */
/*
 * The values of the kernel variables WHICH (vmemmap_base, page_offset_base
 * ...) into VAL: their addresses from kallsyms (cached for the boot as for
 * the walk), their bytes from /proc/kcore. 0, or -errno with why.
 */
int mp_kcore_vars(struct mp_root *root, const enum mp_ksym *which, size_t n, uint64_t *val,
		  char *why, size_t wlen);

/*
 * Where the running kernel's struct page of PFN 0 and its direct map of
 * physical 0 lie (what decode-oops needs): on x86-64 the values of
 * vmemmap_base and page_offset_base; on arm64 the kernel's vmemmap
 * (VMEMMAP_START - (PHYS_OFFSET >> PAGE_SHIFT) x SIZE(page), from
 * VMCOREINFO) and PAGE_OFFSET - PHYS_OFFSET. 0, or -errno with why.
 */
int mp_kcore_bases(struct mp_root *root, uint64_t *vmemmap_base, uint64_t *page_offset_base,
		   char *why, size_t wlen);

int mp_kcore_pt_read(struct mp_root *root, uint64_t start, uint64_t end, struct mp_ptdump *pt,
		     struct mp_avail *avail, uint64_t *ksyms_ns);

/*
 * Replace [start, end) of pt by part (a walk of that window); the ranges
 * cut at start and end keep their level. 0 or -ENOMEM.
 */
int mp_ptdump_splice(struct mp_ptdump *pt, const struct mp_ptdump *part, uint64_t start,
		     uint64_t end);

/*
 * Do a and b map the same bytes of [start, end) at the same levels? false,
 * with the first address where they differ in *at, when not.
 */
bool mp_ptdump_same(const struct mp_ptdump *a, const struct mp_ptdump *b, uint64_t start,
		    uint64_t end, uint64_t *at);

#endif
