/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the running kernel does where memplug relies on it, learned at run
 * time rather than assumed per version: what /proc/kpageflags says for a
 * PFN with no memmap online, whether /proc/vmstat counts memmap pages, the
 * memory_hotplug parameters, the valid_zones format. Each way it differs
 * from the documented interface (Documentation/admin-guide/mm/pagemap.rst,
 * memory-hotplug.rst) is a difference the caller reports once per run.
 */
#ifndef MEMPLUG_KERNEL_H
#define MEMPLUG_KERNEL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/path.h"
#include "sensors/block.h"

/* What kpageflags gives for a PFN with no memmap online (offline, removed, hole). */
enum mp_kpf_absent {
	MP_KPF_ABSENT_UNKNOWN = 0, /* nothing such was read yet */
	MP_KPF_ABSENT_NOPAGE,	   /* KPF_NOPAGE, as documented */
	MP_KPF_ABSENT_ZERO,	   /* 0, no flag at all (7.2: kpage_read() writes 0) */
};

enum mp_kdiff {
	MP_KDIFF_KPF_ABSENT_ZERO,  /* kpageflags reads 0, not NOPAGE, with no memmap online */
	MP_KDIFF_NO_NR_MEMMAP,	   /* /proc/vmstat has no nr_memmap_pages / _boot_pages */
	MP_KDIFF_NO_MEMMAP_PARAM,  /* no memory_hotplug.memmap_on_memory parameter */
	MP_KDIFF_NO_ONLINE_POLICY, /* no memory_hotplug.online_policy parameter */
	MP_KDIFF_VALID_ZONES,	   /* a valid_zones text not as documented */
	MP_KDIFF_COUNT
};

struct mp_kernel {
	char release[96];
	enum mp_kpf_absent kpf_absent;
	char kpf_absent_src[96]; /* what taught it: "PFN 0x20000 (memory4, a hole)" */
	int nr_memmap_pages, nr_memmap_boot_pages; /* 1 present, 0 absent, -1 not read */
	char memmap_on_memory[16], online_policy[32], auto_online[32]; /* "" absent */
	char valid_zones_odd[96]; /* the first valid_zones not as documented */
	bool diff[MP_KDIFF_COUNT];
	bool told[MP_KDIFF_COUNT]; /* reported already (once per run) */
};

/* The documented kernel (nothing learned yet). */
void mp_kernel_init(struct mp_kernel *k);

/*
 * Probe everything at start: release, /proc/vmstat, the parameters and
 * valid_zones of mem, and kpageflags (mp_kernel_probe_kpf). Never fails:
 * what cannot be read stays unknown.
 */
void mp_kernel_probe(const struct mp_root *root, const struct mp_memory *mem, struct mp_kernel *k);

/*
 * What kpageflags says with no memmap online: read from the first hole
 * (a missing block below the highest present one, whose PFNs lie below the
 * end of kpageflags), else from the first offline block. Returns true when
 * learned (now or before).
 */
bool mp_kernel_probe_kpf(const struct mp_root *root, const struct mp_memory *mem,
			 struct mp_kernel *k);

/*
 * The parser: n kpageflags words of PFNs known to have no memmap online
 * (src says which). Learns NOPAGE when every word is NOPAGE, 0 when every
 * word is 0; anything else teaches nothing. Returns true when it learned.
 */
bool mp_kernel_learn_kpf(struct mp_kernel *k, const uint64_t *w, size_t n, const char *src);

/* valid_zones as memory-hotplug.rst documents it: zone names, one for an online block. */
bool mp_kernel_zones_documented(const char *zones, bool online);

/* The one-line text of a difference, with the release and what taught it. */
const char *mp_kdiff_text(const struct mp_kernel *k, enum mp_kdiff d, char *buf, size_t len);
/* "kpageflags-absent-zero", ... */
const char *mp_kdiff_name(enum mp_kdiff d);

struct json_object *mp_kernel_to_json(const struct mp_kernel *k);

#endif
