/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The replayable record of a run: a header, then one operation a line.
 *
 *   memplug-trace 1
 *   seed 1234
 *   kernel 6.12.95+deb12-amd64
 *   block_size 0x8000000
 *   memmap_on_memory N
 *   backend qmp
 *   scenario random               (optional)
 *   device_type virtio-mem        (optional; dimm when absent)
 *   # comments and blank lines anywhere
 *   add D1 256M addr=0x100000000  -> done memory32-33
 *   online_movable 32             -> done Movable
 *   inject MEM_GOING_OFFLINE -12  -> done
 *   offline 32                    -> failed EBUSY
 *   inject MEM_GOING_OFFLINE 0    -> done
 *   remove D1                     -> done
 *   check                         -> done
 *   auto_online online_movable    -> done
 *   storm 32-35 2000              -> done 311 writes: 120 ok, 180 EBUSY, 11 EINVAL
 *   workload start size=64M kind=thp node=1 -> done 64M on node 1
 *   workload place 32-33          -> done 16384 of 16384 pages in memory32-33 ...
 *   workload verify               -> done 67108864 bytes ok
 *   workload stop                 -> done
 *
 * Operations: add DN SIZE [addr=ADDR] [node=N] (a pc-dimm, named DN for
 * later lines; with device_type virtio-mem the one virtio-mem device grows
 * by SIZE where its driver chooses, and addr= is only what the first run
 * saw), remove DN (virtio-mem: the device shrinks by DN's size, its driver
 * choosing the blocks), online|online_kernel|online_movable|offline
 * BLOCK, inject POINT ERRNO (memory notifier error injection at
 * MEM_GOING_ONLINE or MEM_GOING_OFFLINE; 0 disarms), check (every
 * invariant now), auto_online VALUE (write /sys/devices/system/memory/
 * auto_online_blocks; the first value is put back at the end), storm
 * FIRST-LAST MS (four threads racing online, offline and reads on those
 * blocks for MS milliseconds), workload start size=SIZE kind=4k|thp|hugetlb
 * [node=N] (a process filling SIZE bytes bound to node N with a pattern),
 * workload place FIRST-LAST (how many of its pages sit in those blocks),
 * workload verify (every byte against the pattern), workload stop.
 * inject sysrq-crash crashes the kernel on purpose (echo c >
 * /proc/sysrq-trigger), only where the runner is told it runs in a
 * throw-away guest (memplug-vm): to test the crash path and shrink --until
 * crash. What follows "->" is what happened when the line was
 * written: it is read back for reports, never needed to replay.
 */
#ifndef MEMPLUG_TRACE_H
#define MEMPLUG_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MP_INJECT_SYSRQ_CRASH "sysrq-crash"

enum mp_trace_op {
	MP_T_ADD,
	MP_T_REMOVE,
	MP_T_ONLINE,
	MP_T_ONLINE_KERNEL,
	MP_T_ONLINE_MOVABLE,
	MP_T_OFFLINE,
	MP_T_INJECT,
	MP_T_CHECK,
	MP_T_AUTO_ONLINE,
	MP_T_STORM,
	MP_T_WORKLOAD,
	MP_T_NOPS
};

const char *mp_trace_op_name(enum mp_trace_op op);

struct mp_trace_step {
	enum mp_trace_op op;
	unsigned dev;	      /* add, remove: N of DN */
	uint64_t size;	      /* add: bytes */
	uint64_t addr;	      /* add: 0 when the backend picks */
	int node;	      /* add, workload start: -1 default */
	uint64_t block;	      /* online*, offline */
	uint64_t block_last;  /* storm, workload place: the blocks are block..block_last */
	unsigned duration_ms; /* storm */
	char point[24];	      /* inject: MEM_GOING_ONLINE, MEM_GOING_OFFLINE;
				   auto_online: offline, online, online_kernel, online_movable;
				   workload: start, place, verify, stop */
	char kind[8];	      /* workload start: 4k, thp, hugetlb */
	int err;	      /* inject: -errno, 0 disarms */
	/* what happened (filled by the runner, read back from a trace) */
	char outcome[16]; /* done, already, failed, timeout, ... ; "" unknown */
	char note[96];	  /* errno name, zone, blocks */
};

struct mp_trace_header {
	unsigned version;
	uint64_t seed;
	char kernel[96];
	uint64_t block_size;
	char memmap_on_memory[16];
	char backend[16];
	char scenario[32];
	char device_type[16]; /* what run's adds plug: dimm, virtio-mem; "" (older traces): dimm */
};

struct mp_trace {
	struct mp_trace_header h;
	size_t n;
	struct mp_trace_step *steps;
};

/* One line for a step, without newline: "offline 32 -> failed EBUSY". */
void mp_trace_format_step(const struct mp_trace_step *st, char *buf, size_t len);
/* The header lines. */
void mp_trace_write_header(FILE *f, const struct mp_trace_header *h);

/*
 * Parse a whole trace. Strict: the first bad line gives -EINVAL with
 * "line N: reason" in why. Returns 0 or -errno.
 */
int mp_trace_parse(const char *buf, size_t len, struct mp_trace *out, char *why, size_t wlen);
int mp_trace_load(const char *path, struct mp_trace *out, char *why, size_t wlen);
void mp_trace_clear(struct mp_trace *t);

#endif
