/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A snapshot: every sensor's reading at one moment, for a check against
 * a later one. Taken live, loaded from a recorded guest step (the layout
 * of ../shared/fixtures), or saved and loaded as JSON (a baseline).
 */
#ifndef MEMPLUG_SNAPSHOT_H
#define MEMPLUG_SNAPSHOT_H

#include <json-c/json.h>
#include <stdio.h>

#include "sensors/sensor.h"

struct mp_snap_block {
	uint64_t id;
	enum mp_state state;
	bool present;		     /* false: gone, its PFNs read for the check */
	char zone[MP_ZONE_NAME_LEN]; /* the zone of an online block, else "" */
	bool have_kpf;
	struct mp_kpf_summary kpf;
	/* its pages outside /proc/iomem's System RAM (live readings only) */
	uint64_t hole_pages;
};

struct mp_snapshot {
	char step[64];
	uint64_t page_size, block_size;
	/*
	 * What it was taken of: the kernel release, the boot id
	 * (/proc/sys/kernel/random/boot_id), both under the sysroot ("" where
	 * not there), and the sysroot as given ("": the live system).
	 * have_origin is false for a saved snapshot from before they were kept.
	 */
	char kernel[65], boot_id[40], sysroot[256];
	bool have_origin;
	size_t nblocks;
	struct mp_snap_block *blocks; /* sorted by id */
	struct mp_counters meminfo, vmstat;
	struct mp_zoneinfo zones;
	struct mp_avail kpf_avail, pt_avail;
	/* the vmemmap page tables (pt.n == 0: not available), from debugfs
	 * ptdump where the kernel has it, else walked through /proc/kcore */
	struct mp_ptdump pt;
	char pt_src[8]; /* "ptdump", "kcore" or "" */
	/* where pt is ptdump's: the kcore walk too (of the step's window), for
	 * the check to compare the two readings; kcore_avail says why not */
	struct mp_avail kcore_avail;
	struct mp_ptdump kpt;
	/* the kernel log: its newest sequence number, and what classified
	 * after mp_snap_opts.kmsg_after */
	struct mp_avail kmsg_avail;
	struct mp_kmsg_log kmsg;
	/* nr_free_pages over repeated readings */
	unsigned nreadings;
	uint64_t free_min, free_max, free_mean;
	/*
	 * memplug's own memory while those readings were taken: the resident
	 * anonymous and shmem pages and the page tables of its process and
	 * its children (/proc/PID/status), which the kernel counts as used
	 * like any other; live readings only (not saved with a snapshot)
	 */
	bool have_own;
	uint64_t own_pages;
	bool settled;
	char settle_note[128];
};

struct mp_snap_opts {
	bool kpf, ptdump;
	bool kmsg;	/* read the kernel log's sequence numbers */
	bool kmsg_keep; /* and keep the records after kmsg_after */
	uint64_t kmsg_after;
	unsigned readings; /* of nr_free_pages, at least 1 */
	unsigned reading_gap_ms;
	bool settle; /* drop caches and compact first */
	unsigned settle_timeout_ms;
	const uint64_t *extra_ids; /* gone blocks whose PFNs to read too */
	size_t nextra;
	/*
	 * A cheaper reading after a step: kpageflags only for these blocks
	 * (nkpf_only > 0), and the page tables only when ptdump is set (through
	 * kcore only the part of the vmemmap these blocks' struct pages can lie
	 * in); the rest is taken over from reuse (the reading before the step).
	 */
	const uint64_t *kpf_only;
	size_t nkpf_only;
	const struct mp_snapshot *reuse;
	/*
	 * With kpf_only: read a sample of each of those blocks, not all of it:
	 * its first 1/32 (where a memmap on memory lives) and one 1/16 slice,
	 * the slice turning with kpf_sample_seq (a step count) and the block.
	 */
	bool kpf_sample;
	unsigned kpf_sample_seq;
	/* when set: on failure, what could not be read and why */
	char *why;
	size_t wlen;
};

/* Slices of a block a sampled kpageflags reading turns through. */
#define MP_KPF_SLICES 16

int mp_snapshot_take(struct mp_root *root, const struct mp_snap_opts *o, const struct mp_log *log,
		     struct mp_snapshot **out);
/* A recorded step folder (meminfo, vmstat, zoneinfo, block-states,
 * kpageflags-memoryN.bin, ptdump-kernel.txt). */
/*
 * Whether now can be checked against base: 0, or -EXDEV with a one-line
 * reason when base was taken of another tree, kernel or boot (what is not
 * known on either side is not held against it), -EINVAL when block or page
 * sizes differ (nothing compares then).
 */
int mp_snapshot_same_system(const struct mp_snapshot *base, const struct mp_snapshot *now,
			    char *why, size_t len);
int mp_snapshot_load_recorded(const char *dir, uint64_t block_size, uint64_t page_size,
			      struct mp_snapshot **out);
struct json_object *mp_snapshot_to_json(const struct mp_snapshot *s);
int mp_snapshot_from_json(struct json_object *o, struct mp_snapshot **out);
void mp_snapshot_free(struct mp_snapshot *s);
/* Free pages on the per-cpu lists of every zone (nr_free_pages leaves them out); false when zoneinfo had none. */
bool mp_snapshot_pcp(const struct mp_snapshot *s, uint64_t *out);
static inline void mp_snapshot_freep(struct mp_snapshot **s)
{
	mp_snapshot_free(*s);
}
#define _cleanup_snapshot_ _cleanup_(mp_snapshot_freep)

const struct mp_snap_block *mp_snapshot_block(const struct mp_snapshot *s, uint64_t id);
/* Present blocks as sorted PFN runs (malloc'ed); returns the count or -ENOMEM. */
ssize_t mp_snapshot_runs(const struct mp_snapshot *s, struct mp_pfn_run **out);

#endif
