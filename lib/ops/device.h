/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Devices that bring memory: their changes undone through a backend. */
#ifndef MEMPLUG_DEVICE_H
#define MEMPLUG_DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/log.h"
#include "base/path.h"
#include "ops/session.h"

struct mp_backend;

/*
 * Undo a journaled device change through the backend ref names: remove
 * what was added, or (readd) add back what was removed — a DIMM at its
 * address, an ACPI eject through QMP, a dax instance to kmem — and wait
 * for its blocks. be: an open backend, used when it is the one named (else
 * one is set up and closed here). Returns 0, 1 when the device cannot be
 * added back here (no QMP for an ACPI eject; why says so), or -errno with
 * the reason in why.
 */
int mp_device_undo(struct mp_backend *be, const struct mp_root *root, const struct mp_log *log,
		   unsigned timeout_ms, bool readd, const struct mp_device_ref *ref, char *why,
		   size_t len);

#endif
