/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/kpageflags bits: include/uapi/linux/kernel-page-flags.h (0-25) and
 * the "kernel hacking" bits of include/linux/kernel-page-flags.h (32-41),
 * with the names page-types(8) prints.
 */
#ifndef MEMPLUG_KPF_H
#define MEMPLUG_KPF_H

#include <stdbool.h>
#include <stdint.h>

enum {
	KPF_LOCKED = 0,
	KPF_ERROR = 1,
	KPF_REFERENCED = 2,
	KPF_UPTODATE = 3,
	KPF_DIRTY = 4,
	KPF_LRU = 5,
	KPF_ACTIVE = 6,
	KPF_SLAB = 7,
	KPF_WRITEBACK = 8,
	KPF_RECLAIM = 9,
	KPF_BUDDY = 10,
	KPF_MMAP = 11,
	KPF_ANON = 12,
	KPF_SWAPCACHE = 13,
	KPF_SWAPBACKED = 14,
	KPF_COMPOUND_HEAD = 15,
	KPF_COMPOUND_TAIL = 16,
	KPF_HUGE = 17,
	KPF_UNEVICTABLE = 18,
	KPF_HWPOISON = 19,
	KPF_NOPAGE = 20,
	KPF_KSM = 21,
	KPF_THP = 22,
	KPF_OFFLINE = 23,
	KPF_ZERO_PAGE = 24,
	KPF_IDLE = 25,
	KPF_PGTABLE = 26,
	KPF_RESERVED = 32,
	KPF_MLOCKED = 33,
	KPF_MAPPEDTODISK = 34,
	KPF_PRIVATE = 35,
	KPF_PRIVATE_2 = 36,
	KPF_OWNER_PRIVATE = 37,
	KPF_ARCH = 38,
	KPF_UNCACHED = 39,
	KPF_SOFTDIRTY = 40,
	KPF_ARCH_2 = 41,
};

#define KPF_BIT(b) (UINT64_C(1) << (b))

/*
 * A page that holds part of its own block's memmap: PG_vmemmap_self_hosted
 * (alias of PG_owner_priv_1, shown as OWNER_PRIVATE), and none of the marks
 * of a page in use by anything else.
 */
static inline bool mp_kpf_self_hosted(uint64_t flags)
{
	const uint64_t in_use = KPF_BIT(KPF_LRU) | KPF_BIT(KPF_BUDDY) | KPF_BIT(KPF_SLAB) |
				KPF_BIT(KPF_MMAP) | KPF_BIT(KPF_ANON) | KPF_BIT(KPF_NOPAGE) |
				KPF_BIT(KPF_SWAPCACHE);

	return (flags & KPF_BIT(KPF_OWNER_PRIVATE)) && !(flags & in_use);
}

#endif
