/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Findings: what a check, the runner or a workload found (a leak,
 * corruption, broken accounting, a kernel log record ...) and the notes
 * printed beside them, as a list that prints as text and as JSON. A leaf:
 * it knows no sensor and no check, so every layer above base can make or
 * print them.
 */
#ifndef MEMPLUG_FINDING_H
#define MEMPLUG_FINDING_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/util.h"

enum mp_finding_kind {
	MP_FIND_LEAK,
	MP_FIND_CORRUPTION,
	MP_FIND_ACCOUNTING,
	MP_FIND_STATE,
	MP_FIND_KERNEL_LOG,
	MP_FIND_UEVENT,
	MP_FIND_CRASH, /* the kernel oopsed, BUGged, panicked or locked up (memplug-vm) */
	/* notes, not findings: printed, never counted, never exit 1 */
	MP_FIND_REFUSED,  /* the kernel refused an offline or removal (an outcome) */
	MP_FIND_INJECTED, /* what memplug was told it injected (hwpoison) */
	/* how the running kernel differs from the documented interface, once a
	 * run: a note, a finding only when strict is set (--strict) */
	MP_FIND_KERNEL_INTERFACE,
};

const char *mp_finding_kind_name(enum mp_finding_kind k);

struct mp_finding {
	enum mp_finding_kind kind;
	int64_t block; /* -1: none */
	bool have_pfn;
	uint64_t pfn_first, pfn_last; /* inclusive */
	char what[200];
	bool have_numbers;
	int64_t expected, seen;
	char unit[16]; /* "pages", "kB", "bytes" */
	bool pmd_sized;
	bool strict; /* a kernel-interface note counted as a finding */
	char step[64];
	char *text; /* kernel log text, malloc'ed */
};

struct mp_findings {
	size_t n;
	struct mp_finding *v;
};

struct mp_finding *mp_findings_add(struct mp_findings *f, enum mp_finding_kind kind, int64_t block,
				   const char *step, const char *fmt, ...) _printf_(5, 6);
/* The numbers (expected, seen, unit) and the PFNs of one; x may be NULL
 * (mp_findings_add failed), then they do nothing. */
void mp_finding_numbers(struct mp_finding *x, int64_t expected, int64_t seen, const char *unit);
void mp_finding_pfns(struct mp_finding *x, uint64_t first, uint64_t last);
void mp_findings_clear(struct mp_findings *f);
/* A note (MP_FIND_REFUSED, MP_FIND_INJECTED, MP_FIND_KERNEL_INTERFACE but
 * strict) rather than a finding. */
bool mp_finding_is_note(const struct mp_finding *f);
/* The findings that are not notes: what makes memplug exit 1. */
size_t mp_findings_count(const struct mp_findings *f);

struct json_object *mp_findings_to_json(const struct mp_findings *f);
/* "leak: memory33 PFN 0x..-0x..: what (expected E, seen S pages) [PMD-sized] (step)" */
void mp_finding_print(const struct mp_finding *f, FILE *out);

#endif
