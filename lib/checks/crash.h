/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel crashes in a console log: the first oops, BUG, panic, soft or hard
 * lockup or hung task, its header (the BUG/Oops line, RIP, CR2, the call
 * trace, the taint), and its faulting address decoded: an address in the
 * vmemmap is the struct page of PFN (address - vmemmap_base) /
 * sizeof(struct page), one in the direct map the byte of PFN (address -
 * page_offset_base) / PAGE_SIZE; the PFN's memory block and the device
 * whose range holds it. A WARNING is not a crash. Pure text in, text out:
 * memplug decode-oops runs it on the host on a dead guest's console.
 */
#ifndef MEMPLUG_CRASH_H
#define MEMPLUG_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "checks/finding.h"

/* The x86_64 bases without KASLR (4-level paging), Documentation/arch/x86/x86_64/mm.rst. */
#define MP_VMEMMAP_BASE_NOKASLR 0xffffea0000000000ULL
#define MP_PAGE_OFFSET_NOKASLR 0xffff888000000000ULL

enum mp_crash_region { MP_CRASH_ADDR_NONE, MP_CRASH_ADDR_OTHER, MP_CRASH_VMEMMAP, MP_CRASH_DIRECT };

/* A memory device's blocks, for naming the owner of a PFN. */
struct mp_crash_owner {
	uint64_t first, last; /* blocks, inclusive */
	char name[48];
};

/* What the kernel's layout is: 0 where unknown. */
struct mp_crash_layout {
	uint64_t vmemmap_base, page_offset_base;
	uint64_t block_size;  /* bytes */
	unsigned struct_page; /* bytes; 0: each size from 56 to 128 that lands in a known owner */
	unsigned page_size;   /* 0: 4096 */
	const struct mp_crash_owner *owners;
	size_t nowners;
};

#define MP_CRASH_MAX_GUESS 10

struct mp_crash {
	bool found;
	char kind[16];	    /* oops, bug, panic, soft-lockup, hard-lockup, hung-task */
	char headline[200]; /* the first line that told */
	char rip[128];	    /* "__rmqueue_pcplist+0x2d1/0x8d0" */
	char func[64];	    /* "__rmqueue_pcplist" */
	char taint[96];	    /* "Not tainted" or "Tainted: G  D" */
	char panic[160];    /* "Kernel panic - not syncing: ..." */
	bool have_addr;	    /* the faulting address */
	uint64_t addr;	    /* "... for address: X", else CR2 */
	char *header;	    /* the crash's lines, malloc'ed */
	/* decoded (mp_crash_decode) */
	enum mp_crash_region region;
	unsigned nguess;
	struct mp_crash_guess {
		unsigned struct_page; /* 0 for the direct map */
		uint64_t pfn;
		unsigned offset; /* into the struct page (or page) */
		int64_t block;	 /* -1 unknown */
		char owner[48];	 /* "" none known */
	} guess[MP_CRASH_MAX_GUESS];
};

/* Whether a console line (without its "[ time]" prefix or not) starts a crash; kind or NULL. */
const char *mp_crash_line_kind(const char *line);

/* The first crash of text[0..len): 0 (c->found says whether), -ENOMEM. */
int mp_crash_parse(const char *text, size_t len, struct mp_crash *c);
/* Decode c->addr against l (region, PFN, block, owner). */
void mp_crash_decode(struct mp_crash *c, const struct mp_crash_layout *l);
void mp_crash_clear(struct mp_crash *c);

/* One line saying where it faulted: "address ... is the struct page of PFN ... (memory34, dimm1)". */
void mp_crash_print_decoded(const struct mp_crash *c, FILE *f);
/* "RIP-function|owner" for comparing two crashes (shrink --until crash). */
void mp_crash_signature(const struct mp_crash *c, char *buf, size_t len);
/* The crash as a finding of kind crash, naming step (the step in flight, or NULL). */
struct mp_finding *mp_crash_finding(const struct mp_crash *c, const char *step,
				    struct mp_findings *f);

#endif
