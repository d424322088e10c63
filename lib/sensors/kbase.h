/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running kernel's bases (vmemmap_base, page_offset_base: KASLR moves
 * them) from user space, as drgn reads them: a symbol's
 * address from /proc/kallsyms, the value at a kernel address from
 * /proc/kcore (an ELF core file: the PT_LOAD segment that holds the address
 * gives its file offset). Root only; kptr_restrict must let root see
 * addresses.
 */
#ifndef MEMPLUG_KBASE_H
#define MEMPLUG_KBASE_H

#include <stdint.h>

#include "base/path.h"

/* The address of symbol name in /proc/kallsyms: 0, -ENOENT, -EACCES (reads 0), -errno. */
int mp_kbase_symbol(const struct mp_root *root, const char *name, uint64_t *addr);
/* The 8 bytes at kernel address addr, read from /proc/kcore: 0 or -errno. */
int mp_kbase_read_u64(const struct mp_root *root, uint64_t addr, uint64_t *val);
/* The value of the kernel variable name (an unsigned long): 0 or -errno. */
int mp_kbase_var(const struct mp_root *root, const char *name, uint64_t *val);

#endif
