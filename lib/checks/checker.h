/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Invariants over snapshots (named checker, not check.h: the unit tests'
 * framework owns <check.h>), and the findings they give. Expectations
 * come from the running kernel (its block size, page size, the struct
 * page size its page tables or its nr_memmap_pages show, the memmap pages
 * each block hosts), never from one kernel's constants.
 */
#ifndef MEMPLUG_CHECKER_H
#define MEMPLUG_CHECKER_H

#include <json-c/json.h>

#include "sensors/snapshot.h"

enum mp_finding_kind {
	MP_FIND_LEAK,
	MP_FIND_CORRUPTION,
	MP_FIND_ACCOUNTING,
	MP_FIND_STATE,
	MP_FIND_KERNEL_LOG,
	MP_FIND_UEVENT,
	/* notes, not findings: printed, never counted, never exit 1 */
	MP_FIND_REFUSED,	/* the kernel refused an offline or removal (an outcome) */
	MP_FIND_INJECTED,	/* what memplug was told it injected (hwpoison) */
};

const char *mp_finding_kind_name(enum mp_finding_kind k);

struct mp_finding {
	enum mp_finding_kind kind;
	int64_t block;			/* -1: none */
	bool have_pfn;
	uint64_t pfn_first, pfn_last;	/* inclusive */
	char what[200];
	bool have_numbers;
	int64_t expected, seen;
	char unit[16];			/* "pages", "kB", "bytes" */
	bool pmd_sized;
	char step[64];
	char *text;			/* kernel log text, malloc'ed */
};

struct mp_findings {
	size_t n;
	struct mp_finding *v;
};

struct mp_finding *mp_findings_add(struct mp_findings *f, enum mp_finding_kind kind,
				   int64_t block, const char *step, const char *fmt, ...)
	_printf_(5, 6);
void mp_findings_clear(struct mp_findings *f);
/* A note (MP_FIND_REFUSED, MP_FIND_INJECTED) rather than a finding. */
bool mp_finding_is_note(const struct mp_finding *f);
/* The findings that are not notes: what makes memplug exit 1. */
size_t mp_findings_count(const struct mp_findings *f);

struct mp_check_opts {
	unsigned struct_page;		/* 0: derive it */
	uint64_t free_tolerance;	/* pages; 0: derive it */
	const uint64_t *injected;	/* PFNs memplug poisoned itself */
	size_t ninjected;
	const char *step;
};

/* What a check used, to be printed beside its findings. */
struct mp_check_info {
	unsigned struct_page;		/* 0: unknown */
	unsigned candidates[8];		/* sizes that fit when ambiguous */
	size_t ncandidates;
	char struct_page_src[200];
	bool free_compared;
	int64_t free_loss;		/* pages, base - now */
	uint64_t tolerance;
	char tolerance_src[200];
	char notes[512];
	bool kmsg_compared;		/* the kernel log since the baseline was read */
	uint64_t kmsg_from, kmsg_to;	/* sequence numbers (from, to] */
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

struct json_object *mp_findings_to_json(const struct mp_findings *f);
/* "leak: memory33 PFN 0x..-0x..: what (expected E, seen S pages) [PMD-sized] (step)" */
void mp_finding_print(const struct mp_finding *f, FILE *out);

#endif
