// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kcore page-table walk, timed (bench/kcore.sh runs it).
 *   kcore-walk synth BLOCKS REPS   a kcore file of BLOCKS 128 MiB blocks of
 *                                  boot memory (their memmap PMD-mapped, 64-byte
 *                                  struct page, KASLR bases), written to a
 *                                  temporary file and walked REPS times from
 *                                  open to list; then a step's window (one block)
 *   kcore-walk live REPS           /proc/kcore of the running kernel (root):
 *                                  the first reading (kallsyms too), then REPS
 *                                  more; debugfs ptdump REPS times beside it
 * Prints the median of each in ms and what it read.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tests/unit/kcore-image.h"
#include "base/timeout.h"
#include "sensors/kcore.h"

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp);
	return (double)v[n / 2] / 1e6;
}

static int synth(unsigned blocks, unsigned reps)
{
	const uint64_t base = UINT64_C(0xffffd4c140000000), pmd = UINT64_C(2) << 20;
	uint64_t memmap = (uint64_t)blocks * 32768 * 64, *t = calloc(reps, sizeof(*t));
	char path[] = "/tmp/memplug-kcore-XXXXXX", why[200];
	struct mp_ksyms s;
	struct img m;
	uint64_t mapped = 0, reads = 0;
	size_t ranges = 0;
	int fd;

	img_init(&m, 4, UINT64_C(0xffffffff9e200000), UINT64_C(0xffff9a3b00000000), base,
		 16 + memmap / (UINT64_C(1) << 30) * 2);
	for (uint64_t a = 0; a < memmap; a += pmd)
		map(&m, base + a, 2, 0x100000000 + a);
	img_build(&m);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, m.elf, m.elf_len) != (ssize_t)m.elf_len ||
	    mp_kallsyms_parse(m.syms, strlen(m.syms), &s) < 0)
		return 2;
	unlink(path);
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: the whole vmemmap; pass 1: a step's window (the last block's) */
		uint64_t lo = pass ? base + (memmap - 2 * MiB) / GiB * GiB : 0;
		uint64_t hi = pass ? base + (memmap + 256 * 32768 + GiB - 1) / GiB * GiB : 0;

		for (unsigned i = 0; i < reps; i++) {
			struct mp_ptdump pt = { 0 };
			struct mp_kcore k;
			uint64_t t0 = mp_now_ns();

			if (mp_kcore_open_fd(&k, fd, why, sizeof(why)) < 0 ||
			    mp_kcore_walk(&k, &s, lo, hi, &pt, why, sizeof(why)) < 0) {
				fprintf(stderr, "kcore-walk: %s\n", why);
				return 1;
			}
			t[i] = mp_now_ns() - t0;
			mapped = mp_ptdump_mapped(&pt, 0, UINT64_MAX);
			ranges = pt.n;
			reads = k.nread;
			mp_kcore_close(&k);
			mp_ptdump_clear(&pt);
		}
		printf("%-28s median %8.3f ms over %u runs: %zu ranges, %" PRIu64
		       " MiB mapped, %" PRIu64 " reads\n",
		       pass ? "synthetic, one step's window" : "synthetic, whole vmemmap",
		       median_ms(t, reps), reps, ranges, mapped >> 20, reads);
	}
	printf("(%u blocks of 128 MiB = %.2f GiB, memmap %" PRIu64 " MiB, image %zu KiB)\n", blocks,
	       blocks / 8.0, memmap >> 20, m.elf_len >> 10);
	close(fd);
	img_free(&m);
	free(t);
	return 0;
}

static int live(unsigned reps)
{
	uint64_t *t = calloc(reps, sizeof(*t)), *p = calloc(reps, sizeof(*p)), t0, first;
	struct mp_ptdump pt = { 0 };
	struct mp_root *root;
	struct mp_avail av;
	size_t n = 0, np = 0;

	if (mp_root_new(NULL, &root) < 0)
		return 2;
	t0 = mp_now_ns();
	if (mp_kcore_pt_read(root, 0, 0, &pt, &av, NULL) < 0) {
		printf("kcore walk: not available: %s\n", av.why);
	} else {
		first = mp_now_ns() - t0;
		n = pt.n;
		for (unsigned i = 0; i < reps; i++) {
			t0 = mp_now_ns();
			mp_kcore_pt_read(root, 0, 0, &pt, &av, NULL);
			t[i] = mp_now_ns() - t0;
		}
		printf("kcore walk, first (kallsyms read)  %8.3f ms\n", (double)first / 1e6);
		printf("kcore walk, whole vmemmap    median %8.3f ms over %u runs: %zu ranges, "
		       "%" PRIu64 " MiB mapped (%s)\n",
		       median_ms(t, reps), reps, n, mp_ptdump_mapped(&pt, 0, UINT64_MAX) >> 20,
		       av.why);
	}
	for (unsigned i = 0; i < reps; i++) {
		t0 = mp_now_ns();
		if (mp_ptdump_read(root, &pt, &av) < 0)
			break;
		p[np++] = mp_now_ns() - t0;
	}
	if (np)
		printf("debugfs ptdump, read + parse median %8.3f ms over %zu runs: %zu ranges\n",
		       median_ms(p, np), np, pt.n);
	else
		printf("debugfs ptdump: not available: %s\n", av.why);
	mp_ptdump_clear(&pt);
	mp_root_free(root);
	free(t);
	free(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "synth"))
		return synth((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "live"))
		return live((unsigned)atoi(argv[2]));
	fprintf(stderr, "usage: kcore-walk synth BLOCKS REPS | live REPS\n");
	return 2;
}
