/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel log from the start of a run: /dev/kmsg opened and moved to
 * its end at snapshot time, read without blocking later. Warnings, BUGs,
 * Oopses, bad pages and failed offlines are kept as classified records
 * with their text (struct mp_kmsg_rec, sensor.h), which the checker makes
 * findings of.
 */
#ifndef MEMPLUG_KMSG_H
#define MEMPLUG_KMSG_H

#include "sensors/sensor.h"

/*
 * What a log message is, when it is a finding: the pattern matched
 * ("WARNING", "BUG", "Oops", ...), else NULL. msg is the text alone.
 */
const char *mp_kmsg_classify(const char *msg, size_t len);

/*
 * Whether a log message is what mm/ logs when offlining or removing is
 * refused (EBUSY, a notifier's error): an outcome the operation already
 * reported, kept as a "refused" note, never a finding.
 */
bool mp_kmsg_refusal(const char *msg, size_t len);

/* The PFN of a "Memory failure: 0xPFN: ..." message, else UINT64_MAX. */
uint64_t mp_kmsg_pfn(const char *msg, size_t len);

/*
 * One record, of /dev/kmsg ("6,1234,5678,-;text") or of dmesg
 * ("[    1.234] text"): points *msg at the text and sets *len. Returns
 * false for continuation lines (" KEY=value") and lines of neither shape.
 */
bool mp_kmsg_record(const char *line, size_t n, const char **msg, size_t *len);

/*
 * Scan a whole log (dmesg or kmsg text): the records that classify are
 * appended to log (refusals marked refused; seq 0 on dmesg lines).
 * Returns how many, or -ENOMEM.
 */
int mp_kmsg_scan(const char *buf, size_t len, struct mp_kmsg_log *log);

struct mp_kmsg;
/* Open /dev/kmsg and seek to its end. avail says why not. */
int mp_kmsg_open(const struct mp_root *root, struct mp_kmsg **out, struct mp_avail *avail);
/* Read what came since, without blocking; the records that classify are
 * appended to log. Returns how many, or -errno. */
int mp_kmsg_poll(struct mp_kmsg *k, struct mp_kmsg_log *log);
void mp_kmsg_close(struct mp_kmsg *k);

#endif
