/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory-block model: what /sys/devices/system/memory says about each
 * memoryN block, and the BLOCKS arguments that name them.
 */
#ifndef MEMPLUG_BLOCK_H
#define MEMPLUG_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "base/path.h"

enum mp_state {
	MP_STATE_UNKNOWN = 0,
	MP_STATE_ONLINE,
	MP_STATE_OFFLINE,
	MP_STATE_GOING_OFFLINE,
};

/* Where a block's memmap (its struct page array) lives. */
enum mp_memmap {
	MP_MEMMAP_UNKNOWN = 0, /* cannot be told from user space here */
	MP_MEMMAP_OUTSIDE,     /* in ordinary memory, allocated when the block was added */
	MP_MEMMAP_SELF,	       /* hosted at the start of the block (memmap_on_memory) */
};

/* What mp_memory_read() reads for each block; the rest stays unknown. */
enum {
	MP_READ_STATE = 1u << 0,
	MP_READ_REMOVABLE = 1u << 1,
	MP_READ_ZONES = 1u << 2,
	MP_READ_NODE = 1u << 3,
	MP_READ_PHYS_INDEX = 1u << 4,
	MP_READ_MEMMAP = 1u << 5,
	MP_READ_ALL = 0x3f,
};

#define MP_ZONES_LEN 64

struct mp_block {
	uint64_t id;	     /* N of memoryN */
	uint64_t phys_index; /* first section, as the kernel prints it (hex) */
	enum mp_state state;
	int node;      /* -1: linked from no node */
	int removable; /* -1 unknown, 0, 1 */
	enum mp_memmap memmap;
	char zones[MP_ZONES_LEN]; /* valid_zones as read, "" when not read */
	int err;		  /* 0, or -errno / -EBADMSG for the first bad file */
	const char *errfile;	  /* which file of the block that was */
};

struct mp_memory {
	uint64_t block_size; /* bytes */
	size_t nblocks;
	struct mp_block *blocks; /* sorted by id */
	size_t nbad;		 /* blocks with err != 0 */
	bool have_nodes;	 /* the kernel has node folders */
	/* the hotplug configuration, "" where the kernel has no such file */
	char auto_online_blocks[32];
	char memmap_on_memory[16];
	char online_policy[32];
};

/* The state file's word for a state, and back (MP_STATE_UNKNOWN for others). */
const char *mp_state_name(enum mp_state s);
enum mp_state mp_state_parse(const char *s);

/* Whether s is a valid_zones text: words of letters and digits, one space apart. */
bool mp_zones_valid(const char *s);

/*
 * The memory block size (block_size_bytes). Returns 0; -ENODEV when the
 * kernel has no memory hotplug interface; -errno, or -EBADMSG for zero,
 * when it cannot be read. why (NULL: not wanted) says which in a line.
 */
int mp_block_size(const struct mp_root *root, uint64_t *bs, char *why, size_t len);

/*
 * Read the memory-block tree. Problems with single blocks are logged (file
 * and reason) and leave that block's err set; the rest is read. Returns 0,
 * -ENODEV when the kernel has no memory hotplug interface, or -errno.
 */
int mp_memory_read(const struct mp_root *root, unsigned what, const struct mp_log *log,
		   struct mp_memory **out);
void mp_memory_free(struct mp_memory *mem);
static inline void mp_memory_freep(struct mp_memory **m)
{
	mp_memory_free(*m);
}
#define _cleanup_memory_ _cleanup_(mp_memory_freep)

/* The block with that id, or NULL. */
struct mp_block *mp_memory_find(const struct mp_memory *mem, uint64_t id);

/* Whether the memmap_on_memory parameter reads as enabled. */
bool mp_memmap_on_memory_enabled(const struct mp_memory *mem);

/*
 * BLOCKS arguments. Each argument is a comma list of terms:
 *   memory32, 32, 32-39          blocks by number
 *   0x100000000-0x10fffffff      a block-aligned physical range (as chmem)
 *   node:N, zone:NAME, state:S   filters (zone as valid_zones names it,
 *                                state online/offline/going-offline)
 *   512M                         a size: that much memory, taken as chmem
 *                                takes it (online from the lowest offline
 *                                blocks, offline from the highest online ones)
 * Blocks and ranges add up; filters narrow what they add up to (all blocks
 * when none is named); a size then takes from what is left.
 */
struct mp_id_range {
	uint64_t first, last;
};

struct mp_selector {
	size_t nranges;
	struct mp_id_range *ranges; /* block numbers */
	size_t nphys;
	struct mp_id_range *phys; /* byte addresses, first..last */
	size_t nnodes;
	int *nodes;
	unsigned states; /* 1 << enum mp_state; 0: any */
	size_t nzones;
	char (*zones)[16];
	uint64_t size; /* bytes; 0: none */
};

/* Accumulate one argument. Returns 0, or -EINVAL with a one-line reason. */
int mp_selector_parse(const char *arg, struct mp_selector *sel, char *err, size_t errlen);
void mp_selector_clear(struct mp_selector *sel);
static inline bool mp_selector_empty(const struct mp_selector *sel)
{
	return !sel->nranges && !sel->nphys && !sel->nnodes && !sel->states && !sel->nzones &&
	       !sel->size;
}

/* Whether a block number is among the selector's numbers and ranges (not filters). */
bool mp_selector_match(const struct mp_selector *sel, uint64_t id);

enum mp_sel_mode {
	MP_SEL_LIST,	/* a size is not allowed */
	MP_SEL_ONLINE,	/* a size takes offline blocks from the bottom */
	MP_SEL_OFFLINE, /* a size takes online blocks from the top */
};

/*
 * The blocks a selector names, in ascending order, into *out (an array of
 * pointers into mem, to free). Needs the blocks' state, node and zones read.
 * Returns the count, or -EINVAL / -ENOENT with a one-line reason in err.
 */
ssize_t mp_selector_resolve(const struct mp_selector *sel, const struct mp_memory *mem,
			    enum mp_sel_mode mode, struct mp_block ***out, char *err,
			    size_t errlen);

#endif
