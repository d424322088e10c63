/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes that can block (offlining retries while pages are pinned, a FIFO in
 * a recorded tree) run under a wall-clock timer that signals the writing
 * thread itself; the handler does nothing and is installed without
 * SA_RESTART, so the blocked open() or write() returns EINTR. The kernel's
 * offline_pages() gives up on a pending signal, as its documentation says.
 */
#ifndef MEMPLUG_TIMEOUT_H
#define MEMPLUG_TIMEOUT_H

#include <stdint.h>

#include "base/path.h"

/* Install the SIGALRM handler once per process. */
int mp_timeout_init(void);

/*
 * mp_write_str() bounded by timeout_ms (0: no bound). Returns 0, -errno of
 * the write, or -ETIMEDOUT; *elapsed_ns (optional) gets the time spent.
 */
int mp_write_str_timeout(const struct mp_root *root, const char *path, const char *val,
			 unsigned timeout_ms, uint64_t *elapsed_ns);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mp_now_ns(void);

#endif
