/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adversarial sequences: each scenario hands out the next trace step from
 * what the machine looks like now (the devices this run added, the blocks'
 * live states) and a seeded random generator, so a seed and a kernel give
 * the same run again.
 */
#ifndef MEMPLUG_SCENARIO_H
#define MEMPLUG_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "base/path.h"
#include "runner/trace.h"
#include "sensors/block.h"

#define MP_GEN_MAX_DEVS 16

struct mp_gen_dev {
	bool present;
	uint64_t addr, size;
	unsigned seq; /* the order of the adds: virtio-mem gives back the last one first */
};

struct mp_gen {
	const struct mp_root *root;
	uint64_t rng; /* xorshift64* state */
	uint64_t block_size;
	uint64_t dimm_size;		  /* size of the DIMMs a scenario adds */
	unsigned max_devs;		  /* at once */
	bool inject_ok;			  /* notifier error injection is there */
	const struct mp_selector *blocks; /* BLOCKS the run may touch besides its own */
	/*
	 * virtio-mem: the adds grow one device and its driver picks the blocks,
	 * so the devices' blocks are those of its region that are there now
	 * (first..last), a remove takes the last device added, and pressure
	 * works on the device's node
	 */
	bool vmem;
	uint64_t vmem_first, vmem_last;
	int vmem_node;
	struct mp_gen_dev devs[MP_GEN_MAX_DEVS + 1]; /* D1.. */
	unsigned ndevs_ever;
	/* a scenario's own progress */
	unsigned phase, i, cycle;
	uint64_t slot_addr;
	bool armed;
	char armed_point[24];
	int node;     /* pressure: the node its DIMM and workload are on */
	bool wl_live; /* a workload started and not stopped */
	const struct mp_scenario *sc;
};

struct mp_scenario {
	const char *name;
	const char *doc; /* the bug class it aims at */
	/* the next step into *st; 0, or -ENOSPC when the scenario has nothing left */
	int (*next)(struct mp_gen *g, struct mp_trace_step *st);
	/* why it cannot run on virtio-mem; NULL: it can */
	const char *dimm_only;
};

extern const struct mp_scenario mp_scenarios[];
extern const size_t mp_nscenarios;
const struct mp_scenario *mp_scenario_find(const char *name);

void mp_gen_init(struct mp_gen *g, const struct mp_scenario *sc, uint64_t seed);
/* Tell the generator what a step did (after mp_run_step). */
void mp_gen_update(struct mp_gen *g, const struct mp_trace_step *st);
int mp_gen_next(struct mp_gen *g, struct mp_trace_step *st);
uint64_t mp_gen_rand(struct mp_gen *g, uint64_t n); /* 0..n-1 */

#endif
