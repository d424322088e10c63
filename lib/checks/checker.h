/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Invariants over snapshots (named checker, not check.h: the unit tests'
 * framework owns <check.h>), and the findings (finding.h) they give.
 * Expectations come from the running kernel (its block size, page size,
 * the struct page size its page tables or its nr_memmap_pages show, the
 * memmap pages each block hosts), never from one kernel's constants.
 */
#ifndef MEMPLUG_CHECKER_H
#define MEMPLUG_CHECKER_H

#include "checks/finding.h"
#include "sensors/kernel.h"
#include "sensors/snapshot.h"
#include "sensors/uevent.h"

struct mp_check_opts {
	unsigned struct_page;	  /* 0: derive it */
	uint64_t free_tolerance;  /* pages; 0: derive it */
	const uint64_t *injected; /* PFNs memplug poisoned itself */
	size_t ninjected;
	const char *step;
	/* what the kernel was seen to do (NULL: nothing learned, the pages of
	 * offline blocks may read NOPAGE or 0) */
	const struct mp_kernel *kernel;
	/* pages the step saw a balloon or virtio-mem give back to the
	 * hypervisor (PG_offline, read in full by the step itself): not free,
	 * and not missing, where the readings' own kpageflags cannot say */
	uint64_t given_back;
};

/* What a check used, to be printed beside its findings. */
struct mp_check_info {
	unsigned struct_page;	/* 0: unknown */
	unsigned candidates[8]; /* sizes that fit when ambiguous */
	size_t ncandidates;
	char struct_page_src[200];
	bool free_compared;
	int64_t free_loss; /* pages, base - now */
	uint64_t tolerance;
	char tolerance_src[256];
	char notes[512];
	bool kmsg_compared;	     /* the kernel log since the baseline was read */
	uint64_t kmsg_from, kmsg_to; /* sequence numbers (from, to] */
};

/*
 * Check now, and against base when given (the previous step, or a
 * baseline). Findings are appended to out. With both snapshots holding the
 * kernel log's sequence numbers, the log records after base's are findings
 * (WARNING, BUG, Oops, bad pages, ...) or notes (a refused offline; a
 * memory failure on an injected PFN). Returns 0 or -ENOMEM.
 */
int mp_check(const struct mp_snapshot *base, const struct mp_snapshot *now,
	     const struct mp_check_opts *o, struct mp_findings *out, struct mp_check_info *info);

/*
 * The kernel log records a poll or a scan kept (kmsg.h), as findings of
 * step: a refused offline or removal an MP_FIND_REFUSED note, the rest
 * MP_FIND_KERNEL_LOG, each with its text. Returns how many, or -ENOMEM.
 */
int mp_check_kmsg_records(const struct mp_kmsg_log *log, const char *step, struct mp_findings *out);

/*
 * The uevents a step expected that did not come, then those that came
 * unexpected (mp_uevents_compare), as uevent findings of step. Returns 0
 * or -ENOMEM.
 */
int mp_check_uevents(const struct mp_uevent_diff *d, const char *step, struct mp_findings *out);

/*
 * The differences of k from the documented interface not reported yet, as
 * MP_FIND_KERNEL_INTERFACE notes of step (findings with strict), each
 * marked told so a run reports it once. Returns how many, or -ENOMEM.
 */
int mp_check_kernel_notes(struct mp_kernel *k, bool strict, const char *step,
			  struct mp_findings *out);

#endif
