/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The library never prints: it hands its messages to a callback of the
 * caller's (the command line prints them as "memplug: ..." on stderr).
 */
#ifndef MEMPLUG_LOG_H
#define MEMPLUG_LOG_H

#include <stdarg.h>

#include "base/util.h"

enum mp_prio { MP_LOG_ERR = 3, MP_LOG_WARN = 4, MP_LOG_INFO = 6, MP_LOG_DEBUG = 7 };

struct mp_log {
	void (*fn)(void *userdata, enum mp_prio prio, const char *msg);
	void *userdata;
};

void mp_logf(const struct mp_log *log, enum mp_prio prio, const char *fmt, ...) _printf_(3, 4);

#endif
