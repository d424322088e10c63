// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runner/scenario.h"

uint64_t mp_gen_rand(struct mp_gen *g, uint64_t n)
{
	/* xorshift64*: small, seedable, good enough to pick steps */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return n ? (g->rng * 0x2545F4914F6CDD1DULL) % n : 0;
}

void mp_gen_init(struct mp_gen *g, const struct mp_scenario *sc, uint64_t seed)
{
	g->sc = sc;
	g->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	g->phase = g->i = g->cycle = 0;
	g->armed = false;
}

static enum mp_state live_state(const struct mp_gen *g, uint64_t b)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", b);
	if (mp_read_str(g->root, path, buf, sizeof(buf)) < 0)
		return MP_STATE_UNKNOWN;
	return mp_state_parse(buf);
}

static unsigned ndevs(const struct mp_gen *g)
{
	unsigned n = 0;

	for (unsigned d = 1; d <= MP_GEN_MAX_DEVS; d++)
		n += g->devs[d].present;
	return n;
}

static void dev_range(const struct mp_gen *g, unsigned d, uint64_t *first, uint64_t *last)
{
	if (g->vmem) { /* the region: its blocks that are there are the devices' */
		*first = g->vmem_first;
		*last = g->vmem_last;
		return;
	}
	*first = g->devs[d].addr / g->block_size;
	*last = (g->devs[d].addr + g->devs[d].size - 1) / g->block_size;
}

/* Blocks the run may touch (its devices', and BLOCKS), ascending; count. */
static size_t blocks(const struct mp_gen *g, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (uint64_t b = g->vmem_first; g->vmem && b <= g->vmem_last && n < max; b++)
		if (live_state(g, b) != MP_STATE_UNKNOWN)
			out[n++] = b;
	for (unsigned d = 1; d <= MP_GEN_MAX_DEVS && !g->vmem; d++) {
		uint64_t f, l;

		if (!g->devs[d].present)
			continue;
		dev_range(g, d, &f, &l);
		for (uint64_t b = f; b <= l && n < max; b++)
			out[n++] = b;
	}
	if (g->blocks)
		for (size_t i = 0; i < g->blocks->nranges; i++)
			for (uint64_t b = g->blocks->ranges[i].first;
			     b <= g->blocks->ranges[i].last && n < max; b++)
				if (live_state(g, b) != MP_STATE_UNKNOWN)
					out[n++] = b;
	/* ascending, for ladders */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			uint64_t t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static size_t blocks_in(const struct mp_gen *g, enum mp_state st, uint64_t *out, size_t max)
{
	uint64_t all[256];
	size_t n = blocks(g, all, 256), k = 0;

	for (size_t i = 0; i < n && k < max; i++)
		if (live_state(g, all[i]) == st)
			out[k++] = all[i];
	return k;
}

static unsigned free_dev(const struct mp_gen *g)
{
	for (unsigned d = 1; d <= MP_GEN_MAX_DEVS; d++)
		if (!g->devs[d].present)
			return d;
	return 0;
}

static void set_add(struct mp_gen *g, struct mp_trace_step *st, uint64_t size, uint64_t addr)
{
	*st = (struct mp_trace_step){ .op = MP_T_ADD,
				      .dev = free_dev(g),
				      .size = size,
				      .addr = g->vmem ? 0 : addr,
				      .node = -1 };
}

/* virtio-mem: the device added last, the one a shrink gives back (0: none). */
static unsigned last_dev(const struct mp_gen *g)
{
	unsigned best = 0;

	for (unsigned d = 1; d <= MP_GEN_MAX_DEVS; d++)
		if (g->devs[d].present && (!best || g->devs[d].seq > g->devs[best].seq))
			best = d;
	return best;
}

static void set_block(struct mp_trace_step *st, enum mp_trace_op op, uint64_t b)
{
	*st = (struct mp_trace_step){ .op = op, .block = b, .node = -1 };
}

static void set_simple(struct mp_trace_step *st, enum mp_trace_op op)
{
	*st = (struct mp_trace_step){ .op = op, .node = -1 };
}

static void set_inject(struct mp_trace_step *st, const char *point, int err)
{
	*st = (struct mp_trace_step){ .op = MP_T_INJECT, .err = err, .node = -1 };
	snprintf(st->point, sizeof(st->point), "%s", point);
}

static void set_remove(struct mp_trace_step *st, unsigned d)
{
	*st = (struct mp_trace_step){ .op = MP_T_REMOVE, .dev = d, .node = -1 };
}

/*
 * Taking device d away: its highest online block goes offline, or, when
 * none is online, the device is removed; true when it was the removal.
 */
static bool take_away(struct mp_gen *g, struct mp_trace_step *st, unsigned d)
{
	uint64_t f, l;

	dev_range(g, d, &f, &l);
	for (uint64_t b = l + 1; b-- > f;)
		if (live_state(g, b) == MP_STATE_ONLINE) {
			set_block(st, MP_T_OFFLINE, b);
			return false;
		}
	set_remove(st, g->vmem ? last_dev(g) : d);
	return true;
}

/* The check that ends a cycle; the next cycle starts at phase. */
static int end_cycle(struct mp_gen *g, struct mp_trace_step *st, unsigned phase)
{
	set_simple(st, MP_T_CHECK);
	g->phase = phase;
	g->i = 0;
	g->cycle++;
	return 0;
}

/* Whether a plain "online" of block b goes to ZONE_MOVABLE: valid_zones lists the kernel's choice first. */
static bool default_movable(const struct mp_gen *g, uint64_t b)
{
	char path[96], buf[64];

	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/valid_zones", b);
	if (mp_read_str(g->root, path, buf, sizeof(buf)) < 0)
		return false;
	return !strncmp(buf, "Movable", 7) && (!buf[7] || buf[7] == ' ' || buf[7] == '\n');
}

/* random: a weighted mix of everything. */
static int gen_random(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t off[256], on[256];
	size_t noff = blocks_in(g, MP_STATE_OFFLINE, off, 256);
	size_t non = blocks_in(g, MP_STATE_ONLINE, on, 256);
	unsigned nd = ndevs(g);
	unsigned w_add = nd < g->max_devs && free_dev(g) ? 15 : 0;
	unsigned w_rm = nd ? 10 : 0;
	unsigned w_on = noff ? 30 : 0, w_off = non ? 30 : 0, w_chk = 5;
	unsigned w_inj = g->inject_ok ? 5 : 0;
	uint64_t x = mp_gen_rand(g, w_add + w_rm + w_on + w_off + w_chk + w_inj);

	if (x < w_add) {
		set_add(g, st, g->dimm_size, 0);
		return 0;
	}
	x -= w_add;
	if (x < w_rm && g->vmem) {
		set_remove(st, last_dev(g)); /* virtio-mem shrinks from the top */
		return 0;
	}
	if (x < w_rm) {
		unsigned pick[MP_GEN_MAX_DEVS], np = 0, any[MP_GEN_MAX_DEVS], na = 0;

		for (unsigned d = 1; d <= MP_GEN_MAX_DEVS; d++) {
			uint64_t f, l;
			bool quiet = true;

			if (!g->devs[d].present)
				continue;
			any[na++] = d;
			dev_range(g, d, &f, &l);
			for (uint64_t b = f; b <= l; b++)
				quiet &= live_state(g, b) == MP_STATE_OFFLINE;
			if (quiet)
				pick[np++] = d;
		}
		/* mostly a device whose blocks are offline; now and then one in use */
		if (np && mp_gen_rand(g, 5))
			set_remove(st, pick[mp_gen_rand(g, np)]);
		else
			set_remove(st, any[mp_gen_rand(g, na)]);
		return 0;
	}
	x -= w_rm;
	if (x < w_on) {
		/*
		 * Movable only: memory onlined to a kernel zone takes unmovable
		 * pages (slab, page tables) the kernel does not promise to give
		 * back, and the run must end as it began; the zones scenario
		 * onlines kernel memory on purpose. Now and then a plain
		 * "online", where the kernel's choice for the block is Movable.
		 */
		uint64_t z = mp_gen_rand(g, 10), b = off[mp_gen_rand(g, noff)];

		set_block(st, z >= 8 && default_movable(g, b) ? MP_T_ONLINE : MP_T_ONLINE_MOVABLE,
			  b);
		return 0;
	}
	x -= w_on;
	if (x < w_off) {
		set_block(st, MP_T_OFFLINE, on[mp_gen_rand(g, non)]);
		return 0;
	}
	x -= w_off;
	if (x < w_chk) {
		set_simple(st, MP_T_CHECK);
		return 0;
	}
	if (g->armed)
		set_inject(st, g->armed_point, 0);
	else
		set_inject(st, mp_gen_rand(g, 2) ? "MEM_GOING_OFFLINE" : "MEM_GOING_ONLINE",
			   mp_gen_rand(g, 2) ? -12 : -16);
	return 0;
}

/*
 * Phase 0 of the scenarios that work on want devices: add them one step at a
 * time (1: *st is that add), then move to phase 1 with the index at 0.
 */
static int need_devs(struct mp_gen *g, struct mp_trace_step *st, unsigned want)
{
	if (g->phase != 0)
		return 0;
	if (ndevs(g) < want && ndevs(g) < g->max_devs && free_dev(g)) {
		set_add(g, st, g->dimm_size, 0);
		return 1;
	}
	g->phase = 1;
	g->i = 0;
	return 0;
}

/* ladder: online ascending, offline descending, and the reverse. */
static int gen_ladder(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t v[256];
	size_t n;

	if (need_devs(g, st, 2))
		return 0;
	n = blocks(g, v, 256);
	if (!n)
		return -ENOSPC;
	if (g->i >= n) {
		g->i = 0;
		g->phase = g->phase == 4 ? 1 : g->phase + 1;
		if (g->phase == 1)
			g->cycle++;
	}
	switch (g->phase) {
	case 1:
		set_block(st, MP_T_ONLINE_MOVABLE, v[g->i]);
		break;
	case 2:
		set_block(st, MP_T_OFFLINE, v[n - 1 - g->i]);
		break;
	case 3:
		set_block(st, MP_T_ONLINE_MOVABLE, v[n - 1 - g->i]);
		break;
	default:
		set_block(st, MP_T_OFFLINE, v[g->i]);
		break;
	}
	g->i++;
	return 0;
}

/* zones: kernel and movable interleaved on neighbours, the middle moved. */
static int gen_zones(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t v[256];
	size_t n;

	if (need_devs(g, st, 2))
		return 0;
	n = blocks(g, v, 256);
	if (!n)
		return -ENOSPC;
	switch (g->phase) {
	case 1: /* interleave, ascending */
		set_block(st, g->i % 2 ? MP_T_ONLINE_MOVABLE : MP_T_ONLINE_KERNEL, v[g->i]);
		if (++g->i >= n)
			g->phase = 2;
		return 0;
	case 2: /* offline from the middle */
		set_block(st, MP_T_OFFLINE, v[n / 2]);
		g->phase = 3;
		return 0;
	case 3: /* and back in the other zone */
		set_block(st, (n / 2) % 2 ? MP_T_ONLINE_KERNEL : MP_T_ONLINE_MOVABLE, v[n / 2]);
		g->phase = 4;
		g->i = 0;
		return 0;
	case 4: /* all offline, descending */
		set_block(st, MP_T_OFFLINE, v[n - 1 - g->i]);
		if (++g->i >= n) {
			g->phase = 5;
			g->i = 0;
		}
		return 0;
	default:
		return end_cycle(g, st, 1);
	}
}

/*
 * neighbours: two DIMMs back to back, the first removed while the second
 * lives, then the second: with a struct page that is not 64 bytes their
 * memmaps share a vmemmap PMD.
 */
static int gen_neighbours(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t size = g->cycle % 2 ? 2 * g->block_size : g->block_size;
	unsigned a = 1, b = 2;

	switch (g->phase) {
	case 0:
		if (g->devs[a].present || g->devs[b].present) {
			/* left over from an earlier scenario: out of the way first */
			set_remove(st, g->devs[a].present ? a : b);
			return 0;
		}
		*st = (struct mp_trace_step){ .op = MP_T_ADD, .dev = a, .size = size, .node = -1 };
		g->phase = 1;
		return 0;
	case 1:
		if (!g->devs[a].present) {
			g->phase = 0;
			g->cycle++;
			set_simple(st, MP_T_CHECK);
			return 0;
		}
		*st = (struct mp_trace_step){ .op = MP_T_ADD,
					      .dev = b,
					      .size = size,
					      .node = -1,
					      .addr = g->devs[a].addr + g->devs[a].size };
		g->phase = 2;
		g->i = 0;
		return 0;
	case 2: /* online both, movable */
	{
		uint64_t v[64];
		size_t n = blocks(g, v, 64);

		if (g->i < n) {
			set_block(st, MP_T_ONLINE_MOVABLE, v[g->i++]);
			return 0;
		}
		set_simple(st, MP_T_CHECK);
		g->phase = 3;
		g->i = 0;
		return 0;
	}
	case 3: /* the first goes while the second lives */
	case 5: {
		unsigned d = g->phase == 3 ? a : b;

		if (!g->devs[d].present) {
			g->phase += 2;
			set_simple(st, MP_T_CHECK);
			return 0;
		}
		if (take_away(g, st, d))
			g->phase++;
		return 0;
	}
	case 4:
		set_simple(st, MP_T_CHECK);
		g->phase = 5;
		return 0;
	default:
		return end_cycle(g, st, 0);
	}
}

/* churn: add, online, offline, remove, check; same slot and other slots. */
static int gen_churn(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t f, l;
	unsigned d = 1;

	switch (g->phase) {
	case 0:
		if (g->devs[d].present) {
			g->phase = 1;
			return gen_churn(g, st);
		}
		/* even cycles reuse the first cycle's address, odd ones let QEMU pick */
		*st = (struct mp_trace_step){ .op = MP_T_ADD,
					      .dev = d,
					      .size = g->dimm_size,
					      .node = -1,
					      .addr = g->cycle % 2 || g->vmem ? 0 : g->slot_addr };
		g->phase = 1;
		return 0;
	case 1:
		if (!g->devs[d].present) { /* the add failed */
			g->phase = 0;
			g->cycle++;
			set_simple(st, MP_T_CHECK);
			return 0;
		}
		if (!g->slot_addr)
			g->slot_addr = g->devs[d].addr;
		dev_range(g, d, &f, &l);
		for (uint64_t b = f; b <= l; b++)
			if (live_state(g, b) == MP_STATE_OFFLINE) {
				set_block(st, MP_T_ONLINE_MOVABLE, b);
				return 0;
			}
		g->phase = 2;
		/* fall through */
	case 2:
		if (take_away(g, st, d))
			g->phase = 3;
		return 0;
	default:
		return end_cycle(g, st, 0);
	}
}

/* inject: errors at MEM_GOING_OFFLINE and MEM_GOING_ONLINE must roll back cleanly. */
static int gen_inject(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t v[64];
	size_t n;

	if (!g->inject_ok)
		return -ENOSPC;
	if (need_devs(g, st, 1))
		return 0;
	n = blocks(g, v, 64);
	if (!n)
		return -ENOSPC;
	switch (g->phase) {
	case 1: /* online all */
		if (g->i < n) {
			set_block(st, MP_T_ONLINE_MOVABLE, v[g->i++]);
			return 0;
		}
		set_inject(st, "MEM_GOING_OFFLINE", g->cycle % 2 ? -16 : -12);
		g->phase = 2;
		return 0;
	case 2: /* must fail, and leave the block online */
		set_block(st, MP_T_OFFLINE, v[mp_gen_rand(g, n)]);
		g->phase = 3;
		return 0;
	case 3:
		set_inject(st, "MEM_GOING_OFFLINE", 0);
		g->phase = 4;
		g->i = 0;
		return 0;
	case 4: /* now it works */
		if (g->i < n) {
			set_block(st, MP_T_OFFLINE, v[n - 1 - g->i++]);
			return 0;
		}
		set_inject(st, "MEM_GOING_ONLINE", -12);
		g->phase = 5;
		return 0;
	case 5:
		set_block(st, MP_T_ONLINE_MOVABLE, v[mp_gen_rand(g, n)]);
		g->phase = 6;
		return 0;
	case 6:
		set_inject(st, "MEM_GOING_ONLINE", 0);
		g->phase = 7;
		return 0;
	default:
		return end_cycle(g, st, 1);
	}
}

/* storm: four threads racing online, offline and reads, on one block and on neighbours. */
static int gen_storm(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t v[64];
	size_t n;

	if (need_devs(g, st, 2))
		return 0;
	n = blocks(g, v, 64);
	if (!n)
		return -ENOSPC;
	if (g->phase == 2) {
		return end_cycle(g, st, 1);
	}
	*st = (struct mp_trace_step){ .op = MP_T_STORM, .node = -1, .duration_ms = 1500 };
	if (g->cycle % 2) { /* neighbours: all of them */
		st->block = v[0];
		st->block_last = v[n - 1];
	} else { /* the same block */
		st->block = st->block_last = v[mp_gen_rand(g, n)];
	}
	g->phase = 2;
	return 0;
}

/* autoonline: the kernel's own onlining (auto_online_blocks) racing memplug's. */
static int gen_autoonline(struct mp_gen *g, struct mp_trace_step *st)
{
	uint64_t f, l;
	unsigned d = 1;

	switch (g->phase) {
	case 0:
		*st = (struct mp_trace_step){ .op = MP_T_AUTO_ONLINE, .node = -1 };
		snprintf(st->point, sizeof(st->point), "online_movable");
		g->phase = 1;
		return 0;
	case 1:
		if (g->devs[d].present) {
			g->phase = 2;
			g->i = 0;
			return gen_autoonline(g, st);
		}
		*st = (struct mp_trace_step){ .op = MP_T_ADD,
					      .dev = d,
					      .size = g->dimm_size,
					      .node = -1 };
		g->phase = 2;
		g->i = 0;
		return 0;
	case 2: /* online what the kernel onlines at the same time */
		if (!g->devs[d].present) {
			g->phase = 4;
			return gen_autoonline(g, st);
		}
		dev_range(g, d, &f, &l);
		while (f + g->i <= l) {
			uint64_t b = f + g->i++;

			/* virtio-mem: the region's blocks that are there */
			if (g->vmem && live_state(g, b) == MP_STATE_UNKNOWN)
				continue;
			set_block(st, MP_T_ONLINE_MOVABLE, b);
			return 0;
		}
		g->phase = 3;
		/* fall through */
	case 3:
		if (take_away(g, st, d))
			g->phase = 4;
		return 0;
	case 4:
		*st = (struct mp_trace_step){ .op = MP_T_AUTO_ONLINE, .node = -1 };
		snprintf(st->point, sizeof(st->point), "offline");
		g->phase = 5;
		return 0;
	default:
		return end_cycle(g, st, 0);
	}
}

/*
 * pressure: a workload fills memory on the DIMM's node, its pages confirmed
 * in the DIMM's blocks; offline migrates it, every byte verified; filled
 * again, the DIMM removed (migrating it again), verified again. The kind of
 * pages rotates per cycle: 4k, thp, hugetlb.
 */
enum {
	P_ADD,
	P_ONLINE,
	P_PLACE,
	P_OFFLINE,
	P_VERIFY,
	P_STOP,
	P_REONLINE,
	P_REPLACE,
	P_REMOVE,
	P_REVERIFY,
	P_RESTOP,
	P_CHECK
};

static int gen_pressure(struct mp_gen *g, struct mp_trace_step *st)
{
	static const char *const kinds[] = { "4k", "thp", "hugetlb" };
	unsigned d = 1;
	uint64_t f = 0, l = 0, n;

	if (g->devs[d].present)
		dev_range(g, d, &f, &l);
	n = g->devs[d].present ? l - f + 1 : 0;
	switch (g->phase) {
	case P_ADD:
		if (g->devs[d].present) {
			/* left over from an earlier scenario or a removal the kernel refused */
			set_remove(st, d);
			return 0;
		}
		if (!g->max_devs)
			return -ENOSPC;
		/* the second node when there is one: the workload's node is then
		 * exactly this DIMM's memory and the boot memory of that node */
		g->node = mp_exists(g->root, MP_SYS_NODE "/node1") == 1 ? 1 : 0;
		if (g->vmem) /* the virtio-mem device's memory is on its node */
			g->node = g->vmem_node > 0 ? g->vmem_node : 0;
		*st = (struct mp_trace_step){ .op = MP_T_ADD,
					      .dev = d,
					      .size = g->dimm_size,
					      .node = g->node && !g->vmem ? g->node : -1 };
		g->phase = P_ONLINE;
		g->i = 0;
		return 0;
	case P_ONLINE:
	case P_REONLINE:
		if (!n) { /* the add failed, or the removal went through after all */
			g->phase = P_CHECK;
			return gen_pressure(g, st);
		}
		while (g->i < n) {
			uint64_t b = f + g->i++;

			if (live_state(g, b) == MP_STATE_OFFLINE) {
				set_block(st, MP_T_ONLINE_MOVABLE, b);
				return 0;
			}
		}
		*st = (struct mp_trace_step){ .op = MP_T_WORKLOAD,
					      .size = g->dimm_size / 4,
					      .node = g->node };
		snprintf(st->point, sizeof(st->point), "start");
		snprintf(st->kind, sizeof(st->kind), "%s", kinds[g->cycle % ARRAY_SIZE(kinds)]);
		g->phase = g->phase == P_ONLINE ? P_PLACE : P_REPLACE;
		return 0;
	case P_PLACE:
	case P_REPLACE:
		if (!g->wl_live || !n) {
			/* skipped (no huge pages, THP off) or failed: on to the next cycle */
			g->phase = g->phase == P_PLACE ? P_OFFLINE : P_REMOVE;
			g->i = 0;
			return gen_pressure(g, st);
		}
		*st = (struct mp_trace_step){ .op = MP_T_WORKLOAD,
					      .block = f,
					      .block_last = l,
					      .node = -1 };
		snprintf(st->point, sizeof(st->point), "place");
		g->phase = g->phase == P_PLACE ? P_OFFLINE : P_REMOVE;
		g->i = 0;
		return 0;
	case P_OFFLINE:
		/* each block once, highest first: a refusal (EBUSY) is an outcome */
		while (g->i < n) {
			uint64_t b = l - g->i++;

			if (live_state(g, b) == MP_STATE_ONLINE) {
				set_block(st, MP_T_OFFLINE, b);
				return 0;
			}
		}
		g->phase = P_VERIFY;
		/* fall through */
	case P_VERIFY:
	case P_REVERIFY:
		g->phase = g->phase == P_VERIFY ? P_STOP : P_RESTOP;
		if (!g->wl_live)
			return gen_pressure(g, st);
		*st = (struct mp_trace_step){ .op = MP_T_WORKLOAD, .node = -1 };
		snprintf(st->point, sizeof(st->point), "verify");
		return 0;
	case P_STOP:
	case P_RESTOP:
		g->phase = g->phase == P_STOP ? P_REONLINE : P_CHECK;
		g->i = 0;
		if (!g->wl_live)
			return gen_pressure(g, st);
		*st = (struct mp_trace_step){ .op = MP_T_WORKLOAD, .node = -1 };
		snprintf(st->point, sizeof(st->point), "stop");
		return 0;
	case P_REMOVE:
		g->phase = P_REVERIFY;
		if (!n)
			return gen_pressure(g, st);
		set_remove(st, d); /* the kernel offlines, migrating the workload */
		return 0;
	default:
		return end_cycle(g, st, P_ADD);
	}
}

const struct mp_scenario mp_scenarios[] = {
	{ "random",
	  "a seeded, weighted mix of adds, removes, onlines in every zone, "
	  "offlines, injections and checks",
	  gen_random, NULL },
	{ "ladder",
	  "online ascending, offline descending, and the reverse: zone span "
	  "growth and shrink at both ends",
	  gen_ladder, NULL },
	{ "zones",
	  "online_kernel and online_movable interleaved on neighbours, the middle "
	  "offlined and onlined in the other zone: zone span shrink and grow, "
	  "zone contiguity",
	  gen_zones, NULL },
	{ "neighbours",
	  "two DIMMs back to back, the first removed while the second lives: "
	  "a vmemmap PMD shared by their memmaps freed too early or never",
	  gen_neighbours,
	  "it needs two DIMMs at addresses it chooses, the first removed while the second "
	  "lives; virtio-mem places memory itself and gives it back from its top" },
	{ "churn",
	  "add, online, offline, remove, again and again, at the same and at other "
	  "addresses: memmap, page tables or memory not given back",
	  gen_churn, NULL },
	{ "storm",
	  "four threads racing online, offline and valid_zones reads on one block and "
	  "on neighbours: locking, half-done state changes, accounting drift",
	  gen_storm, NULL },
	{ "autoonline",
	  "auto_online_blocks set, the kernel onlining new memory while memplug "
	  "onlines it too: races between the kernel's and user space's onlining",
	  gen_autoonline, NULL },
	{ "inject",
	  "memory notifier errors at MEM_GOING_OFFLINE and MEM_GOING_ONLINE: the "
	  "rollback of a failed offline or online",
	  gen_inject, NULL },
	{ "pressure",
	  "a workload's data (4k, THP, hugetlb pages, checked byte by byte) on the "
	  "memory being offlined and removed: migration losing or corrupting data, "
	  "THP split and migration, hugetlb migration",
	  gen_pressure, NULL },
};
const size_t mp_nscenarios = sizeof(mp_scenarios) / sizeof(mp_scenarios[0]);

const struct mp_scenario *mp_scenario_find(const char *name)
{
	for (size_t i = 0; i < mp_nscenarios; i++)
		if (!strcmp(mp_scenarios[i].name, name))
			return &mp_scenarios[i];
	return NULL;
}

void mp_gen_update(struct mp_gen *g, const struct mp_trace_step *st)
{
	bool done = !strcmp(st->outcome, "done") || !strcmp(st->outcome, "timeout");

	if (st->op == MP_T_ADD && st->dev <= MP_GEN_MAX_DEVS && done && st->addr) {
		unsigned seq = 0;

		for (unsigned d = 1; d <= MP_GEN_MAX_DEVS; d++)
			if (g->devs[d].present && g->devs[d].seq > seq)
				seq = g->devs[d].seq;
		g->devs[st->dev] = (struct mp_gen_dev){ true, st->addr, st->size, seq + 1 };
		g->ndevs_ever++;
	} else if (st->op == MP_T_REMOVE && st->dev <= MP_GEN_MAX_DEVS && done) {
		g->devs[st->dev].present = false;
	} else if (st->op == MP_T_WORKLOAD) {
		if (!strcmp(st->point, "start"))
			g->wl_live = !strcmp(st->outcome, "done");
		else if (!strcmp(st->point, "stop") ||
			 (!strcmp(st->point, "verify") && !strcmp(st->outcome, "failed")))
			g->wl_live = false;
	} else if (st->op == MP_T_INJECT && !strcmp(st->outcome, "done")) {
		g->armed = st->err != 0;
		snprintf(g->armed_point, sizeof(g->armed_point), "%s", st->point);
	}
}

int mp_gen_next(struct mp_gen *g, struct mp_trace_step *st)
{
	return g->sc->next(g, st);
}
