// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The probe of the running kernel (kernel.h). Documented: pagemap.rst says
 * a PFN with no page frame reads KPF_NOPAGE; memory-hotplug.rst documents
 * the memory_hotplug.memmap_on_memory and online_policy parameters and
 * valid_zones (one zone, or "none", for an online block; the zones it may
 * go to, default first, for an offline one); 6.11 added nr_memmap_pages
 * and nr_memmap_boot_pages to /proc/vmstat.
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sensors/kernel.h"
#include "sensors/kpf.h"
#include "sensors/sensor.h"

/* PFNs a probe reads: a few pages' worth of a hole or an offline block */
#define PROBE_PFNS 512

void mp_kernel_init(struct mp_kernel *k)
{
	memset(k, 0, sizeof(*k));
	k->nr_memmap_pages = k->nr_memmap_boot_pages = -1;
}

static const char *const kdiff_names[MP_KDIFF_COUNT] = {
	[MP_KDIFF_KPF_ABSENT_ZERO] = "kpageflags-absent-zero",
	[MP_KDIFF_NO_NR_MEMMAP] = "no-nr-memmap-pages",
	[MP_KDIFF_NO_MEMMAP_PARAM] = "no-memmap-on-memory-parameter",
	[MP_KDIFF_NO_ONLINE_POLICY] = "no-online-policy-parameter",
	[MP_KDIFF_VALID_ZONES] = "valid-zones-format",
};

const char *mp_kdiff_name(enum mp_kdiff d)
{
	return (unsigned)d < MP_KDIFF_COUNT ? kdiff_names[d] : "?";
}

bool mp_kernel_learn_kpf(struct mp_kernel *k, const uint64_t *w, size_t n, const char *src)
{
	size_t nopage = 0, zero = 0;

	if (k->kpf_absent != MP_KPF_ABSENT_UNKNOWN)
		return true;
	for (size_t i = 0; i < n; i++) {
		nopage += w[i] == KPF_BIT(KPF_NOPAGE);
		zero += w[i] == 0;
	}
	if (!n || (nopage != n && zero != n))
		return false;
	k->kpf_absent = nopage == n ? MP_KPF_ABSENT_NOPAGE : MP_KPF_ABSENT_ZERO;
	k->diff[MP_KDIFF_KPF_ABSENT_ZERO] = k->kpf_absent == MP_KPF_ABSENT_ZERO;
	snprintf(k->kpf_absent_src, sizeof(k->kpf_absent_src), "%s", src);
	return true;
}

/* Read up to PROBE_PFNS words at pfn; the count read (0 past the end). */
static size_t read_words(int fd, uint64_t pfn, uint64_t *w)
{
	ssize_t r = pread(fd, w, PROBE_PFNS * sizeof(*w), (off_t)(pfn * sizeof(*w)));

	return r > 0 ? (size_t)r / sizeof(*w) : 0;
}

bool mp_kernel_probe_kpf(const struct mp_root *root, const struct mp_memory *mem,
			 struct mp_kernel *k)
{
	uint64_t bp, w[PROBE_PFNS], page = (uint64_t)sysconf(_SC_PAGESIZE);
	char src[96];
	size_t n;
	int fd;

	if (k->kpf_absent != MP_KPF_ABSENT_UNKNOWN)
		return true;
	if (!mem || !mem->nblocks || !mem->block_size)
		return false;
	fd = mp_open(root, "/proc/kpageflags", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return false;
	bp = mem->block_size / page;
	/* a hole: the first block number missing between present ones */
	for (size_t i = 1; i < mem->nblocks; i++) {
		uint64_t id = mem->blocks[i - 1].id + 1;

		if (id == mem->blocks[i].id)
			continue;
		n = read_words(fd, id * bp, w);
		snprintf(src, sizeof(src), "PFN 0x%" PRIx64 " (memory%" PRIu64 ", a hole)", id * bp,
			 id);
		if (n && mp_kernel_learn_kpf(k, w, n, src))
			break;
	}
	for (size_t i = 0; i < mem->nblocks && k->kpf_absent == MP_KPF_ABSENT_UNKNOWN; i++) {
		const struct mp_block *b = &mem->blocks[i];

		if (b->state != MP_STATE_OFFLINE)
			continue;
		n = read_words(fd, b->id * bp, w);
		snprintf(src, sizeof(src), "PFN 0x%" PRIx64 " (memory%" PRIu64 ", offline)",
			 b->id * bp, b->id);
		if (n)
			mp_kernel_learn_kpf(k, w, n, src);
	}
	close(fd);
	return k->kpf_absent != MP_KPF_ABSENT_UNKNOWN;
}

bool mp_kernel_zones_documented(const char *zones, bool online)
{
	static const char *const names[] = { "DMA",	"DMA32",  "Normal", "HighMem",
					     "Movable", "Device", "none" };
	char buf[MP_ZONES_LEN], *save = NULL;
	unsigned words = 0;

	snprintf(buf, sizeof(buf), "%s", zones);
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(names) && !known; i++)
			known = !strcmp(t, names[i]);
		if (!known)
			return false;
		words++;
	}
	return words && (!online || words == 1);
}

void mp_kernel_probe(const struct mp_root *root, const struct mp_memory *mem, struct mp_kernel *k)
{
	struct mp_counters vm = { 0 };
	uint64_t v;

	mp_kernel_release(root, k->release, sizeof(k->release));
	if (mp_vmstat_read(root, &vm) >= 0) {
		k->nr_memmap_pages = !mp_counters_get(&vm, "nr_memmap_pages", &v);
		k->nr_memmap_boot_pages = !mp_counters_get(&vm, "nr_memmap_boot_pages", &v);
		k->diff[MP_KDIFF_NO_NR_MEMMAP] = !k->nr_memmap_pages || !k->nr_memmap_boot_pages;
	}
	mp_counters_clear(&vm);
	if (!mem)
		return;
	snprintf(k->memmap_on_memory, sizeof(k->memmap_on_memory), "%s", mem->memmap_on_memory);
	snprintf(k->online_policy, sizeof(k->online_policy), "%s", mem->online_policy);
	snprintf(k->auto_online, sizeof(k->auto_online), "%s", mem->auto_online_blocks);
	k->diff[MP_KDIFF_NO_MEMMAP_PARAM] = !k->memmap_on_memory[0];
	k->diff[MP_KDIFF_NO_ONLINE_POLICY] = !k->online_policy[0];
	for (size_t i = 0; i < mem->nblocks && !k->valid_zones_odd[0]; i++) {
		const struct mp_block *b = &mem->blocks[i];

		if (!b->zones[0] || b->state == MP_STATE_UNKNOWN ||
		    mp_kernel_zones_documented(b->zones, b->state == MP_STATE_ONLINE))
			continue;
		snprintf(k->valid_zones_odd, sizeof(k->valid_zones_odd),
			 "memory%" PRIu64 " (%s): '%s'", b->id, mp_state_name(b->state), b->zones);
		k->diff[MP_KDIFF_VALID_ZONES] = true;
	}
	mp_kernel_probe_kpf(root, mem, k);
}

const char *mp_kdiff_text(const struct mp_kernel *k, enum mp_kdiff d, char *buf, size_t len)
{
	const char *rel = k->release[0] ? k->release : "unknown";

	switch (d) {
	case MP_KDIFF_KPF_ABSENT_ZERO:
		snprintf(buf, len,
			 "kernel %s: /proc/kpageflags reads 0, not NOPAGE, where no memmap is "
			 "online (offline, removed, holes), learned from %s",
			 rel, k->kpf_absent_src);
		break;
	case MP_KDIFF_NO_NR_MEMMAP:
		snprintf(buf, len,
			 "kernel %s: /proc/vmstat has no %s%s%s (since 6.11); the memmap page "
			 "count is not checked",
			 rel, k->nr_memmap_pages ? "" : "nr_memmap_pages",
			 !k->nr_memmap_pages && !k->nr_memmap_boot_pages ? " nor " : "",
			 k->nr_memmap_boot_pages ? "" : "nr_memmap_boot_pages");
		break;
	case MP_KDIFF_NO_MEMMAP_PARAM:
		snprintf(buf, len,
			 "kernel %s: no memory_hotplug.memmap_on_memory parameter; no block "
			 "hosts its memmap",
			 rel);
		break;
	case MP_KDIFF_NO_ONLINE_POLICY:
		snprintf(buf, len,
			 "kernel %s: no memory_hotplug.online_policy parameter; zones are "
			 "chosen as contig-zones",
			 rel);
		break;
	case MP_KDIFF_VALID_ZONES:
		snprintf(buf, len, "kernel %s: valid_zones not as documented: %s", rel,
			 k->valid_zones_odd);
		break;
	default:
		snprintf(buf, len, "kernel %s: ?", rel);
	}
	return buf;
}

struct json_object *mp_kernel_to_json(const struct mp_kernel *k)
{
	static const char *const absent[] = { "unknown", "nopage", "zero" };
	struct json_object *o = json_object_new_object(), *d = json_object_new_array();

	json_object_object_add(o, "release", json_object_new_string(k->release));
	json_object_object_add(o, "kpageflags_absent",
			       json_object_new_string(absent[k->kpf_absent]));
	json_object_object_add(o, "kpageflags_absent_source",
			       k->kpf_absent_src[0] ? json_object_new_string(k->kpf_absent_src)
						    : NULL);
	json_object_object_add(o, "nr_memmap_pages",
			       k->nr_memmap_pages < 0
				       ? NULL
				       : json_object_new_boolean(k->nr_memmap_pages));
	json_object_object_add(o, "nr_memmap_boot_pages",
			       k->nr_memmap_boot_pages < 0
				       ? NULL
				       : json_object_new_boolean(k->nr_memmap_boot_pages));
	json_object_object_add(o, "memmap_on_memory",
			       k->memmap_on_memory[0] ? json_object_new_string(k->memmap_on_memory)
						      : NULL);
	json_object_object_add(o, "online_policy",
			       k->online_policy[0] ? json_object_new_string(k->online_policy)
						   : NULL);
	for (int i = 0; i < MP_KDIFF_COUNT; i++)
		if (k->diff[i])
			json_object_array_add(d, json_object_new_string(kdiff_names[i]));
	json_object_object_add(o, "differences", d);
	return o;
}
