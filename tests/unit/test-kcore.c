// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kcore page-table walk on kcore files this test builds itself: an
 * ELF core whose PT_LOAD segments hold a kernel image (the top-level table
 * and the variables kallsyms names) and RAM holding the lower tables, as
 * /proc/kcore shows them. What each test expects is what it mapped, and
 * for the recorded steps of the recorded ptdump steps (tests/fixtures/steps) what the kernel's own
 * ptdump said. With MP_KCORE_SEED_DIR set, the images are also written
 * there as seeds of tests/fuzz/fuzz-kcore.c. The arm64 images (a64_*)
 * carry the VMCOREINFO note the arm64 layout is read from.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "checks/checker.h"
#include "fixture.h"
#include "sensors/kcore.h"

#include "kcore-image.h"

static void seed(const struct img *m, const char *name)
{
	const char *dir = getenv("MP_KCORE_SEED_DIR");
	char path[4096];
	uint32_t n = (uint32_t)strlen(m->syms);
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fwrite(&n, 4, 1, f);
	fwrite(m->syms, 1, n, f);
	fwrite(m->elf, 1, m->elf_len, f);
	fclose(f);
}

/* Walk [start, end) of the built image (0, 0: all); returns the walk's status. */
static int walk(struct img *m, uint64_t start, uint64_t end, struct mp_ptdump *pt, char *why)
{
	struct mp_kcore k;
	struct mp_ksyms s;
	int r;

	img_build(m);
	ck_assert_int_eq(mp_kallsyms_parse(m->syms, strlen(m->syms), &s), 0);
	ck_assert_int_eq(mp_kcore_open_mem(&k, m->elf, m->elf_len, why, 200), 0);
	r = mp_kcore_walk(&k, &s, start, end, pt, why, 200);
	mp_kcore_close(&k);
	return r;
}

/* The mapped stretch of pt holding va: its level, or MP_PT_NONE. */
static enum mp_pt_level mapped_at(const struct mp_ptdump *pt, uint64_t va)
{
	for (size_t i = 0; i < pt->n; i++)
		if (pt->r[i].start <= va && va < pt->r[i].end)
			return pt->r[i].mapped ? pt->r[i].level : MP_PT_NONE;
	return MP_PT_NONE;
}

static uint64_t mapped_bytes(const struct mp_ptdump *pt)
{
	return mp_ptdump_mapped(pt, 0, UINT64_MAX);
}

/* Ranges in order, without gaps, from the vmemmap base. */
static void assert_tiled(const struct mp_ptdump *pt)
{
	ck_assert_uint_gt(pt->n, 0);
	ck_assert_uint_eq(pt->r[0].start, pt->base);
	for (size_t i = 1; i < pt->n; i++)
		ck_assert_uint_eq(pt->r[i].start, pt->r[i - 1].end);
}

/* PMD leaves over 6 MiB from base, 4 PTE leaves at +64 MiB, a 1 GiB leaf at +pud. */
static void map_leaves(struct img *m, uint64_t base, uint64_t pud)
{
	unsigned lv = m->levels;

	for (uint64_t a = 0; a < 6 * MiB; a += 2 * MiB)
		map(m, base + a, lv - 2, 0x40000000 + a);
	for (uint64_t a = 0; a < 16 * KiB; a += PAGE)
		map(m, base + 64 * MiB + a, lv - 1, 0x50000000 + a);
	map(m, base + pud, lv - 3, 0x80000000);
}

/* What map_leaves mapped, at the levels it mapped them, and nothing more. */
static void assert_leaves(const struct mp_ptdump *pt, uint64_t base, uint64_t pud)
{
	ck_assert_int_eq(pt->r[0].level, MP_PT_PMD);
	ck_assert(pt->r[0].mapped);
	ck_assert_uint_eq(pt->r[0].end, base + 6 * MiB);
	ck_assert_int_eq(mapped_at(pt, base + 6 * MiB), MP_PT_NONE);
	ck_assert_int_eq(mapped_at(pt, base + 64 * MiB), MP_PT_PTE);
	ck_assert_int_eq(mapped_at(pt, base + 64 * MiB + 12 * KiB), MP_PT_PTE);
	ck_assert_int_eq(mapped_at(pt, base + 64 * MiB + 16 * KiB), MP_PT_NONE);
	ck_assert_int_eq(mapped_at(pt, base + pud), MP_PT_PUD);
	ck_assert_int_eq(mapped_at(pt, base + pud + GiB - 1), MP_PT_PUD);
	ck_assert_uint_eq(mapped_bytes(pt), 6 * MiB + 16 * KiB + GiB);
}

/* 4-level, the fixed layout: PMD leaves, PTE leaves, a 1 GiB leaf, not-present entries. */
START_TEST(walk_4level)
{
	const uint64_t base = UINT64_C(0xffffea0000000000);
	struct mp_ptdump pt = { 0 };
	struct img m;
	char why[200];

	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000), base, 12);
	map_leaves(&m, base, 5 * GiB);
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), 0);
	seed(&m, "4level");
	ck_assert_ptr_nonnull(strstr(why, "4-level (__pgtable_l5_enabled)"));
	assert_tiled(&pt);
	ck_assert_uint_eq(pt.base, base);
	ck_assert_uint_eq(pt.r[pt.n - 1].end, base + (UINT64_C(1) << 40));
	assert_leaves(&pt, base, 5 * GiB);
	/* a not-present pgd entry past the first 512 GiB */
	ck_assert_int_eq(pt.r[pt.n - 1].level, MP_PT_PGD);
	ck_assert(!pt.r[pt.n - 1].mapped);
	mp_ptdump_clear(&pt);
	img_free(&m);
}
END_TEST

/* KASLR (RANDOMIZE_MEMORY): every base elsewhere, read from the variables. */
START_TEST(walk_kaslr)
{
	const uint64_t base = UINT64_C(0xffffd4c140000000);
	struct mp_ptdump pt = { 0 };
	struct img m;
	char why[200];

	img_init(&m, 4, UINT64_C(0xffffffff9e200000), UINT64_C(0xffff9a3b00000000), base, 12);
	map(&m, base + 2 * MiB, 2, 0x40000000);
	map(&m, base + 510 * GiB, 2, 0x40200000); /* another PUD table, the end of the pgd's */
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), 0);
	seed(&m, "kaslr");
	assert_tiled(&pt);
	ck_assert_uint_eq(pt.base, base);
	ck_assert_int_eq(mapped_at(&pt, base), MP_PT_NONE);
	ck_assert_int_eq(mapped_at(&pt, base + 2 * MiB), MP_PT_PMD);
	ck_assert_int_eq(mapped_at(&pt, base + 510 * GiB + MiB), MP_PT_PMD);
	ck_assert_uint_eq(mapped_bytes(&pt), 4 * MiB);
	mp_ptdump_clear(&pt);
	img_free(&m);
}
END_TEST

/* 5-level paging (LA57), told by __pgtable_l5_enabled or, without it, by the base's value. */
START_TEST(walk_5level)
{
	const uint64_t base = UINT64_C(0xffd4000000000000);
	struct mp_ptdump pt = { 0 };
	struct img m;
	char why[200];

	for (int sym = 1; sym >= 0; sym--) {
		img_init(&m, 5, UINT64_C(0xffffffff81000000), UINT64_C(0xff11000000000000), base,
			 12);
		m.l5_symbol = sym;
		map(&m, base, 4, 0x40000000);
		map(&m, base + 4 * MiB, 4, 0x40001000);
		map(&m, base + 3 * (UINT64_C(1) << 39) + 2 * MiB, 3, 0x40200000); /* another p4d */
		ck_assert_int_eq(walk(&m, 0, 0, &pt, why), 0);
		if (sym)
			seed(&m, "5level");
		ck_assert_ptr_nonnull(strstr(why, "5-level"));
		assert_tiled(&pt);
		ck_assert_uint_eq(pt.r[pt.n - 1].end, base + (UINT64_C(1) << 49));
		ck_assert_int_eq(mapped_at(&pt, base), MP_PT_PTE);
		ck_assert_int_eq(mapped_at(&pt, base + PAGE), MP_PT_NONE);
		ck_assert_int_eq(mapped_at(&pt, base + 4 * MiB), MP_PT_PTE);
		ck_assert_int_eq(mapped_at(&pt, base + 3 * (UINT64_C(1) << 39) + 2 * MiB),
				 MP_PT_PMD);
		ck_assert_uint_eq(mapped_bytes(&pt), 2 * PAGE + 2 * MiB);
		mp_ptdump_clear(&pt);
		img_free(&m);
	}
}
END_TEST

/* A window of the vmemmap, spliced into the whole walk, gives the whole walk. */
START_TEST(walk_window)
{
	const uint64_t base = UINT64_C(0xffffea0000000000);
	struct mp_ptdump all = { 0 }, part = { 0 }, old = { 0 };
	struct img m;
	char why[200];
	uint64_t at;

	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000), base, 12);
	for (uint64_t a = 0; a < 10 * MiB; a += 2 * MiB)
		map(&m, base + a, 2, 0x40000000 + a);
	ck_assert_int_eq(walk(&m, 0, 0, &old, why), 0);
	map(&m, base + GiB + 4 * MiB, 2, 0x60000000);
	ck_assert_int_eq(walk(&m, 0, 0, &all, why), 0);
	ck_assert(!mp_ptdump_same(&old, &all, base, base + 2 * GiB, &at));
	ck_assert_uint_eq(at, base + GiB + 4 * MiB);
	ck_assert_int_eq(walk(&m, base + GiB, base + 2 * GiB, &part, why), 0);
	ck_assert_uint_eq(part.r[0].start, base + GiB);
	ck_assert_uint_eq(part.r[part.n - 1].end, base + 2 * GiB);
	ck_assert_uint_eq(mapped_bytes(&part), 2 * MiB);
	ck_assert_int_eq(mp_ptdump_splice(&old, &part, base + GiB, base + 2 * GiB), 0);
	ck_assert(mp_ptdump_same(&old, &all, 0, UINT64_MAX, &at));
	ck_assert_uint_eq(mapped_bytes(&old), 12 * MiB);
	mp_ptdump_clear(&all);
	mp_ptdump_clear(&part);
	mp_ptdump_clear(&old);
	img_free(&m);
}
END_TEST

/* A PMD leaf at va whose PMD table lies in a hole of the RAM kcore shows: a reason, no list. */
static void assert_hole(struct img *m, uint64_t va, const char *name)
{
	struct mp_ptdump pt = { 0 };
	char why[200];

	map(m, va, m->levels - 2, 0x40000000);
	m->hole_lo = entry_pa(m, get64(entry(m, va, m->levels - 3))) - m->phys_base;
	m->hole_hi = m->hole_lo + PAGE;
	ck_assert_int_eq(walk(m, 0, 0, &pt, why), -EBADMSG);
	seed(m, name);
	ck_assert_ptr_nonnull(strstr(why, "outside the RAM kcore shows"));
	ck_assert_uint_eq(pt.n, 0);
	img_free(m);
}

/* Tables outside the RAM kcore shows, loops, bad leaves at the top: a reason each. */
START_TEST(walk_malformed)
{
	const uint64_t base = UINT64_C(0xffffea0000000000);
	struct mp_ptdump pt = { 0 };
	struct img m;
	char why[200];

	/* a PMD table in the hole between the two RAM segments */
	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000), base, 12);
	assert_hole(&m, base, "hole");

	/* past the end of RAM */
	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000), base, 12);
	map(&m, base, 2, 0x40000000);
	put64(entry(&m, base, 1), UINT64_C(0x7fff000000) | E_TABLE);
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "outside the RAM"));
	img_free(&m);

	/* two PUD entries share a PMD table, then a table points back to its parent */
	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000), base, 12);
	map(&m, base, 2, 0x40000000);
	put64(entry(&m, base + GiB, 1), get64(entry(&m, base, 1)));
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), -ELOOP);
	seed(&m, "loop");
	ck_assert_ptr_nonnull(strstr(why, "loop"));
	put64(entry(&m, base + GiB, 1), 0);
	put64(entry(&m, base + 2 * MiB, 2), get64(entry(&m, base, 0)) & ~UINT64_C(0x80));
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), -ELOOP);
	img_free(&m);

	/* garbage in every entry of the PMD table: leaves and tables anywhere */
	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000), base, 12);
	map(&m, base, 2, 0x40000000);
	{
		uint64_t t = get64(entry(&m, base, 1)) & UINT64_C(0x000ffffffffff000);

		for (unsigned i = 0; i < 512; i++)
			put64(m.ram + t + i * 8, UINT64_C(0x9e3779b97f4a7c15) * (i + 1));
	}
	ck_assert_int_lt(walk(&m, 0, 0, &pt, why), 0);
	seed(&m, "garbage");
	ck_assert_uint_gt(strlen(why), 10);
	img_free(&m);

	/* a vmemmap_base no kernel has */
	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000),
		 UINT64_C(0x00007f0000000000), 12);
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "vmemmap_base"));
	img_free(&m);
}
END_TEST

/* Not an ELF core, truncated, segments past the end of the file. */
START_TEST(elf_malformed)
{
	struct mp_kcore k;
	struct img m;
	char why[200];
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	uint8_t *copy;

	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000),
		 UINT64_C(0xffffea0000000000), 12);
	img_build(&m);
	ck_assert_int_eq(mp_kcore_open_mem(&k, m.elf, m.elf_len, why, sizeof(why)), 0);
	ck_assert_uint_eq(k.nseg, 2);
	ck_assert_uint_eq(k.machine, EM_X86_64);
	mp_kcore_close(&k);
	ck_assert_int_eq(mp_kcore_open_mem(&k, m.elf, 0, why, sizeof(why)), -EBADMSG);
	ck_assert_int_eq(mp_kcore_open_mem(&k, m.elf, 40, why, sizeof(why)), -EBADMSG);
	ck_assert_str_eq(why, "truncated ELF header");
	ck_assert_int_eq(mp_kcore_open_mem(&k, m.elf, sizeof(Elf64_Ehdr) + 10, why, sizeof(why)),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "truncated"));
	ck_assert_int_eq(mp_kcore_open_mem(&k, m.elf, PAGE + 100, why, sizeof(why)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "outside the file"));
	copy = malloc(m.elf_len);
	memcpy(copy, m.elf, m.elf_len);
	eh = (Elf64_Ehdr *)copy;
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	ck_assert_int_eq(mp_kcore_open_mem(&k, copy, m.elf_len, why, sizeof(why)), -EBADMSG);
	ck_assert_str_eq(why, "not a 64-bit little-endian ELF file");
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_type = ET_EXEC;
	ck_assert_int_eq(mp_kcore_open_mem(&k, copy, m.elf_len, why, sizeof(why)), -EBADMSG);
	eh->e_type = ET_CORE;
	ph = (Elf64_Phdr *)(copy + eh->e_phoff);
	ph[1].p_offset = UINT64_MAX - 10;
	ck_assert_int_eq(mp_kcore_open_mem(&k, copy, m.elf_len, why, sizeof(why)), -EBADMSG);
	ph[1].p_offset = PAGE;
	/* another architecture: a reason, no walk */
	eh->e_machine = EM_RISCV;
	ck_assert_int_eq(mp_kcore_open_mem(&k, copy, m.elf_len, why, sizeof(why)), 0);
	{
		struct mp_ksyms s;
		struct mp_ptdump pt = { 0 };

		ck_assert_int_eq(mp_kallsyms_parse(m.syms, strlen(m.syms), &s), 0);
		ck_assert_int_eq(mp_kcore_walk(&k, &s, 0, 0, &pt, why, sizeof(why)), -EOPNOTSUPP);
		ck_assert_ptr_nonnull(strstr(why, "riscv"));
		mp_kcore_close(&k);
		/* arm64 without the VMCOREINFO note its layout is learnt from */
		eh->e_machine = EM_AARCH64;
		ck_assert_int_eq(mp_kcore_open_mem(&k, copy, m.elf_len, why, sizeof(why)), 0);
		ck_assert_int_eq(mp_kcore_walk(&k, &s, 0, 0, &pt, why, sizeof(why)), -EBADMSG);
		ck_assert_ptr_nonnull(strstr(why, "VMCOREINFO"));
		ck_assert_uint_eq(pt.n, 0);
	}
	mp_kcore_close(&k);
	free(copy);
	img_free(&m);
}
END_TEST

/* ---- arm64, 4K granule ---- */

/*
 * The arm64 layout as arch/arm64/include/asm/memory.h (6.12) computes it,
 * for a struct page of 64 bytes: VMEMMAP_END 1 GiB below the top,
 * VMEMMAP_SIZE the struct pages of the linear map from PAGE_OFFSET (of
 * VA_BITS) to the 48-bit PAGE_END; vmemmap = VMEMMAP_START -
 * (memstart_addr >> PAGE_SHIFT), PFN p's struct page at vmemmap + p.
 */
static void a64_vmemmap(unsigned va_bits, uint64_t *start, uint64_t *end)
{
	uint64_t page_end = (uint64_t)0 - (UINT64_C(1) << 47),
		 page_offset = (uint64_t)0 - (UINT64_C(1) << va_bits);

	*end = (uint64_t)0 - GiB;
	*start = *end - ((page_end - page_offset) >> 12) * 64;
}

static uint64_t a64_page(uint64_t vstart, uint64_t memstart, uint64_t pfn)
{
	return vstart + (pfn - (uint64_t)((int64_t)memstart >> 12)) * 64;
}

/* Replace KEY's line of the VMCOREINFO text (value NULL: drop it). */
static void info_set(struct img *m, const char *key, const char *value)
{
	char *p = strstr(m->info, key), *nl, rest[1024];

	ck_assert_ptr_nonnull(p);
	nl = strchr(p, '\n');
	snprintf(rest, sizeof(rest), "%s", nl + 1);
	if (value)
		snprintf(p, sizeof(m->info) - (size_t)(p - m->info), "%s=%s\n%s", key, value, rest);
	else
		snprintf(p, sizeof(m->info) - (size_t)(p - m->info), "%s", rest);
}

struct a64_cfg {
	const char *name;
	unsigned va_bits, vabits;     /* built, in use (TCR_EL1.T1SZ) */
	uint64_t text, memstart, ram; /* swapper_pg_dir, PHYS_OFFSET, RAM's start */
};

static const struct a64_cfg a64_cfgs[] = {
	/* VA_BITS_48: 4 levels, RAM at 1 GiB as on QEMU's virt machine */
	{ "a64-48", 48, 48, UINT64_C(0xffff800081a3c000), 0x40000000, 0x40000000 },
	/* VA_BITS_52 with LPA2: 5 levels, the table pages above 2^51 (OA[51:50] = 0b11) */
	{ "a64-lpa2", 52, 52, UINT64_C(0xffff800081a3c000), UINT64_C(0x000c000040000000),
	  UINT64_C(0x000c000040000000) },
	/* VA_BITS_52 on a CPU without LPA2: L-1 folded, memstart_addr moved down by
	 * _PAGE_OFFSET(48) - _PAGE_OFFSET(52) (arm64_memblock_init), SH in [9:8] */
	{ "a64-folded", 52, 48, UINT64_C(0xffff800081a3c000),
	  UINT64_C(0x40000000) - UINT64_C(0x000f000000000000), 0x40000000 },
	/* KASLR: the image elsewhere, the linear map randomised (memstart_addr 4 GiB
	 * below physical 0) */
	{ "a64-kaslr", 48, 48, UINT64_C(0xffffa3c2e5a3c000), UINT64_C(0xffffffff00000000),
	  0x40000000 },
};

static void a64_img(struct img *m, const struct a64_cfg *c, uint64_t *vs, uint64_t *ve)
{
	a64_vmemmap(c->va_bits, vs, ve);
	img_init_a64(m, c->va_bits, c->vabits, c->text, c->memstart, c->ram, *vs, *ve, 16);
}

/*
 * Boot memory of 1 GiB (the memmap in PMD blocks) and a hot-added 128 MiB
 * block 2 GiB above it (its memmap in pages, as memmap_on_memory maps it):
 * every layout yields them where the kernel's arithmetic puts them, and
 * sizeof(struct page) comes out as 64 from the page tables alone.
 */
START_TEST(a64_layouts)
{
	for (size_t c = 0; c < ARRAY_SIZE(a64_cfgs); c++) {
		const struct a64_cfg *cf = &a64_cfgs[c];
		uint64_t vs, ve, first = cf->ram >> 12, hot = first + 0x80000, d, unused;
		struct mp_pfn_run runs[] = { { first, first + 0x40000 }, { hot, hot + 0x8000 } };
		struct mp_ptdump pt = { 0 };
		struct mp_pt_range extra;
		unsigned fits[8];
		char why[200], want[64];
		struct img m;

		a64_img(&m, cf, &vs, &ve);
		/* running with fewer VA bits than built: no struct page below the unused
		 * ones (pgtable.h VMEMMAP_UNUSED_NPAGES), vmalloc up to 8 MiB below them */
		unused = ((UINT64_C(1) << cf->va_bits) - (UINT64_C(1) << cf->vabits)) >> 12;
		if (unused)
			map(&m, vs + unused * 64 - 8 * MiB - 2 * PAGE, m.levels - 1,
			    cf->ram + PAGE);
		for (d = 0; d < 16 * MiB; d += 2 * MiB)
			map(&m, a64_page(vs, cf->memstart, first) + d, m.levels - 2,
			    cf->ram + 0x10000000 + d);
		for (d = 0; d < 2 * MiB; d += PAGE)
			map(&m, a64_page(vs, cf->memstart, hot) + d, m.levels - 1,
			    cf->ram + 0x80000000 + d);
		ck_assert_msg(walk(&m, 0, 0, &pt, why) == 0, "%s: %s", cf->name, why);
		seed(&m, cf->name);
		snprintf(want, sizeof(want), "%u-level (arm64, %u-bit VA", m.levels, cf->vabits);
		ck_assert_msg(strstr(why, want), "%s: %s", cf->name, why);
		assert_tiled(&pt);
		ck_assert_uint_eq(pt.base, vs + unused * 64);
		ck_assert_uint_eq(pt.pfn0, (uint64_t)((int64_t)cf->memstart >> 12) + unused);
		ck_assert_uint_eq(pt.r[pt.n - 1].end, ve);
		ck_assert_uint_eq(mp_memmap_va(&pt, 64, first), a64_page(vs, cf->memstart, first));
		ck_assert_int_eq(mapped_at(&pt, a64_page(vs, cf->memstart, first)), MP_PT_PMD);
		ck_assert_int_eq(mapped_at(&pt, a64_page(vs, cf->memstart, first + 0x40000) - 1),
				 MP_PT_PMD);
		ck_assert_int_eq(mapped_at(&pt, a64_page(vs, cf->memstart, first + 0x40000)),
				 MP_PT_NONE);
		ck_assert_int_eq(mapped_at(&pt, a64_page(vs, cf->memstart, hot)), MP_PT_PTE);
		ck_assert_int_eq(mapped_at(&pt, a64_page(vs, cf->memstart, hot + 0x8000)),
				 MP_PT_NONE);
		ck_assert_uint_eq(mapped_bytes(&pt), 18 * MiB);
		/* the size derivation and the invariants, unchanged */
		ck_assert_uint_eq(mp_struct_page_fit(&pt, runs, 2, fits, 8), 1);
		ck_assert_uint_eq(fits[0], 64);
		ck_assert_int_eq(mp_ptdump_unexplained(&pt, 64, runs, 2, &extra, 1), 0);
		mp_ptdump_clear(&pt);
		img_free(&m);
	}
}
END_TEST

/* Block (L1, L2) and page (L3) leaves, a reserved L3 encoding, the top-level holes. */
START_TEST(a64_leaves)
{
	uint64_t vs, ve;
	struct mp_ptdump pt = { 0 };
	struct img m;
	char why[200];

	a64_img(&m, &a64_cfgs[0], &vs, &ve);
	map_leaves(&m, vs, 4 * GiB);
	/* bits [1:0] 0b01 at L3: reserved, the MMU faults */
	map(&m, vs + 64 * MiB + 16 * KiB, 3, 0x50004000);
	put64(entry(&m, vs + 64 * MiB + 16 * KiB, 3),
	      get64(entry(&m, vs + 64 * MiB + 16 * KiB, 3)) & ~UINT64_C(2));
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), 0);
	assert_tiled(&pt);
	ck_assert_uint_eq(pt.pfn0, 0x40000);
	assert_leaves(&pt, vs, 4 * GiB);
	/* the L1 block is L0 entry 508's; 509 to 511 hold no table: 1.5 TiB not present */
	ck_assert_int_eq(pt.r[pt.n - 1].level, MP_PT_PGD);
	ck_assert(!pt.r[pt.n - 1].mapped);
	ck_assert_uint_eq(pt.r[pt.n - 1].start, (uint64_t)0 - 3 * 512 * GiB);
	mp_ptdump_clear(&pt);
	img_free(&m);
}
END_TEST

/* Tables outside RAM, loops, blocks where none can be, garbage; a VMCOREINFO that does not tell. */
START_TEST(a64_malformed)
{
	static const struct {
		const char *key, *value, *says;
		int r;
	} infos[] = {
		{ "PAGESIZE", "65536", "only the 4K granule", -EOPNOTSUPP },
		{ "NUMBER(TCR_EL1_T1SZ)", "0x19", "39-bit VA", -EOPNOTSUPP },
		{ "NUMBER(TCR_EL1_T1SZ)", NULL, "no NUMBER(TCR_EL1_T1SZ)", -EBADMSG },
		{ "NUMBER(VMEMMAP_START)", "0xzz", "not a number", -EBADMSG },
		{ "NUMBER(VMEMMAP_START)", "0x0000800000000000", "no 48-bit arm64", -EBADMSG },
		{ "NUMBER(PHYS_OFFSET)", NULL, "no NUMBER(PHYS_OFFSET)", -EBADMSG },
	};
	uint64_t vs, ve;
	struct mp_ptdump pt = { 0 };
	struct img m;
	char why[200];

	/* an L2 table in a hole of the RAM kcore shows */
	a64_img(&m, &a64_cfgs[0], &vs, &ve);
	assert_hole(&m, vs, "a64-hole");

	/* two L2 entries share an L3 table; an L0 block */
	a64_img(&m, &a64_cfgs[0], &vs, &ve);
	map(&m, vs, 3, 0x50000000);
	put64(entry(&m, vs + 2 * MiB, 2), get64(entry(&m, vs, 2)));
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), -ELOOP);
	seed(&m, "a64-loop");
	ck_assert_ptr_nonnull(strstr(why, "loop"));
	put64(entry(&m, vs + 2 * MiB, 2), 0);
	put64(entry(&m, vs, 0), get64(entry(&m, vs, 0)) & ~UINT64_C(2));
	ck_assert_int_eq(walk(&m, 0, 0, &pt, why), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "is a block"));
	img_free(&m);

	/* garbage in every entry of the L2 table */
	a64_img(&m, &a64_cfgs[1], &vs, &ve);
	map(&m, vs, 3, 0x50000000);
	{
		uint64_t t = entry_pa(&m, get64(entry(&m, vs, 2))) - m.phys_base;

		for (unsigned i = 0; i < 512; i++)
			put64(m.ram + t + i * 8, UINT64_C(0x9e3779b97f4a7c15) * (i + 1));
	}
	ck_assert_int_lt(walk(&m, 0, 0, &pt, why), 0);
	seed(&m, "a64-garbage");
	ck_assert_uint_gt(strlen(why), 10);
	ck_assert_uint_eq(pt.n, 0);
	img_free(&m);

	/* a 52-bit kernel running 48-bit: where vmalloc ends must be told, and right */
	for (int bad = 0; bad < 2; bad++) {
		a64_img(&m, &a64_cfgs[2], &vs, &ve);
		map(&m, vs, 2, 0x50000000);
		info_set(&m, "NUMBER(VMALLOC_END)", bad ? "0xffffc1ffc0001000" : NULL);
		ck_assert_int_eq(walk(&m, 0, 0, &pt, why), -EBADMSG);
		ck_assert_msg(strstr(why, "VMALLOC_END"), "%s", why);
		ck_assert_uint_eq(pt.n, 0);
		img_free(&m);
	}
	for (size_t i = 0; i < ARRAY_SIZE(infos); i++) {
		a64_img(&m, &a64_cfgs[0], &vs, &ve);
		map(&m, vs, 2, 0x50000000);
		info_set(&m, infos[i].key, infos[i].value);
		ck_assert_int_eq(walk(&m, 0, 0, &pt, why), infos[i].r);
		ck_assert_msg(strstr(why, infos[i].says), "%s: %s", infos[i].key, why);
		ck_assert_uint_eq(pt.n, 0);
		img_free(&m);
	}
}
END_TEST

START_TEST(kallsyms)
{
	static const char ok[] = "ffffffff81000000 T _text\n"
				 "ffffffff82a0c000 D init_level4_pgt\n"
				 "ffffffff82c0e000 D vmemmap_base\n"
				 "ffffffffc0a00000 d init_top_pgt\t[evil]\n"
				 "garbage line\n"
				 "ffffffff82a0b000 D init_top_pgt";
	static const char hidden[] = "0000000000000000 T _text\n"
				     "0000000000000000 D init_top_pgt\n";
	struct mp_ksyms s;

	ck_assert_int_eq(mp_kallsyms_parse(ok, sizeof(ok) - 1, &s), 0);
	ck_assert_str_eq(s.top, "init_top_pgt");
	ck_assert_uint_eq(s.addr[MP_KSYM_TOP], UINT64_C(0xffffffff82a0b000));
	ck_assert(s.have[MP_KSYM_VMEMMAP_BASE]);
	ck_assert(!s.have[MP_KSYM_PAGE_OFFSET_BASE]);
	ck_assert_int_eq(mp_kallsyms_parse(hidden, sizeof(hidden) - 1, &s), -EPERM);
	ck_assert_int_eq(mp_kallsyms_parse(ok, 26, &s), -ENOENT);
	ck_assert_int_eq(mp_kallsyms_parse("", 0, &s), -ENOENT);
}
END_TEST

/*
 * The recorded ptdump steps (tests/fixtures/steps), rebuilt as page tables:
 * the kcore walk and the kernel's own ptdump agree on every mapped byte.
 */
START_TEST(walk_recorded)
{
	static const char *const kinds[] = { "struct-page-64", "struct-page-80" };

	for (size_t kd = 0; kd < 2; kd++)
		for (size_t st = 0; st < 5; st++) {
			struct mp_ptdump rec = { 0 }, pt = { 0 };
			char rel[256], *text, why[200];
			struct img m;
			size_t len;
			uint64_t at = 0;

			snprintf(rel, sizeof(rel), "ptdump/%s/%s/ptdump-kernel.txt", kinds[kd],
				 fx_steps[st]);
			text = fx_slurp(rel, &len);
			ck_assert_int_eq(mp_ptdump_parse(text, len, &rec), 0);
			free(text);
			img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000),
				 rec.base, 12);
			for (size_t i = 0; i < rec.n; i++) {
				uint64_t g = mp_pt_level_size(rec.r[i].level);

				if (!rec.r[i].mapped)
					continue;
				ck_assert_int_eq(rec.r[i].level, MP_PT_PMD);
				for (uint64_t a = rec.r[i].start; a < rec.r[i].end; a += g)
					map(&m, a, 2, 0x40000000 + (a - rec.base));
			}
			ck_assert_int_eq(walk(&m, 0, 0, &pt, why), 0);
			ck_assert_msg(mp_ptdump_same(&rec, &pt, 0, UINT64_MAX, &at),
				      "%s: differ at 0x%" PRIx64, rel, at);
			ck_assert_uint_eq(mapped_bytes(&rec), mapped_bytes(&pt));
			mp_ptdump_clear(&rec);
			mp_ptdump_clear(&pt);
			img_free(&m);
		}
}
END_TEST

static void put_file(const char *dir, const char *rel, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void make_tree(const char *dir, const struct img *m, bool with_kallsyms)
{
	static const char boot[] = "5e1f0c44-0000-4000-8000-000000000001\n";
	char path[4096];

	snprintf(path, sizeof(path), "mkdir -p %s/proc/sys/kernel/random %s/run", dir, dir);
	ck_assert_int_eq(system(path), 0);
	put_file(dir, "proc/kcore", m->elf, m->elf_len);
	put_file(dir, "proc/kallsyms", m->syms, with_kallsyms ? strlen(m->syms) : 0);
	put_file(dir, "proc/sys/kernel/random/boot_id", boot, sizeof(boot) - 1);
}

/*
 * The sensor on a tree: /proc/kcore and /proc/kallsyms under the root; the
 * addresses kept in /run/memplug.kallsyms serve the next reader of the
 * same boot, whose kallsyms is then never read.
 */
START_TEST(sensor_tree)
{
	const uint64_t base = UINT64_C(0xffffea0000000000);
	char a[] = "/tmp/memplug-kcore-a-XXXXXX", b[] = "/tmp/memplug-kcore-b-XXXXXX", cmd[8300];
	struct mp_ptdump pt = { 0 };
	struct mp_root *root;
	struct mp_avail av;
	uint64_t ns = 1;
	struct img m;

	ck_assert_ptr_nonnull(mkdtemp(a));
	ck_assert_ptr_nonnull(mkdtemp(b));
	img_init(&m, 4, UINT64_C(0xffffffff81000000), UINT64_C(0xffff888000000000), base, 12);
	map(&m, base + 2 * MiB, 2, 0x40000000);
	img_build(&m);
	make_tree(a, &m, true);
	ck_assert_int_eq(mp_root_new(a, &root), 0);
	ck_assert_int_eq(mp_kcore_pt_read(root, 0, 0, &pt, &av, &ns), 0);
	ck_assert_msg(av.ok, "%s", av.why);
	ck_assert_ptr_nonnull(strstr(av.why, "/proc/kcore: 4-level"));
	ck_assert_uint_eq(mp_ptdump_mapped(&pt, 0, UINT64_MAX), 2 * MiB);
	ck_assert_int_eq(mapped_at(&pt, base + 2 * MiB), MP_PT_PMD);
	mp_root_free(root);
	/* another tree of the same boot, its kallsyms empty: the cache file serves */
	make_tree(b, &m, false);
	snprintf(cmd, sizeof(cmd), "cp %s/run/memplug.kallsyms %s/run/", a, b);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(mp_root_new(b, &root), 0);
	ck_assert_int_eq(mp_kcore_pt_read(root, 0, 0, &pt, &av, &ns), 0);
	ck_assert_uint_eq(ns, 0);
	ck_assert_uint_eq(mp_ptdump_mapped(&pt, 0, UINT64_MAX), 2 * MiB);
	mp_root_free(root);
	/* without the cache file and with an empty kallsyms: a reason */
	snprintf(cmd, sizeof(cmd), "rm -f %s/run/memplug.kallsyms; mkdir -p %s/x", b, b);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/x", b);
	make_tree(cmd, &m, false);
	ck_assert_int_eq(mp_root_new(cmd, &root), 0);
	ck_assert_int_lt(mp_kcore_pt_read(root, 0, 0, &pt, &av, NULL), 0);
	ck_assert(!av.ok);
	ck_assert_ptr_nonnull(strstr(av.why, "kallsyms"));
	mp_root_free(root);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", a, b);
	ck_assert_int_eq(system(cmd), 0);
	mp_ptdump_clear(&pt);
	img_free(&m);
}
END_TEST

/*
 * decode-oops --kernel-bases on a tree: x86-64's two variables; arm64's
 * vmemmap (the struct page of PFN 0) and the linear map's physical 0, as
 * memory.h and pgtable.h compute them, from the VMCOREINFO note.
 */
START_TEST(bases_tree)
{
	char d[] = "/tmp/memplug-kcore-c-XXXXXX", cmd[4200];
	struct mp_root *root;
	uint64_t vb, pb, vs, ve;
	char why[200];
	struct img m;

	ck_assert_ptr_nonnull(mkdtemp(d));
	img_init(&m, 4, UINT64_C(0xffffffff9e200000), UINT64_C(0xffff9a3b00000000),
		 UINT64_C(0xffffd4c140000000), 12);
	img_build(&m);
	make_tree(d, &m, true);
	ck_assert_int_eq(mp_root_new(d, &root), 0);
	ck_assert_int_eq(mp_kcore_bases(root, &vb, &pb, why, sizeof(why)), 0);
	ck_assert_uint_eq(vb, UINT64_C(0xffffd4c140000000));
	ck_assert_uint_eq(pb, UINT64_C(0xffff9a3b00000000));
	mp_root_free(root);
	img_free(&m);
	for (size_t c = 0; c < ARRAY_SIZE(a64_cfgs); c++) {
		const struct a64_cfg *cf = &a64_cfgs[c];

		snprintf(cmd, sizeof(cmd), "rm -rf %s/run/memplug.kallsyms", d);
		ck_assert_int_eq(system(cmd), 0);
		a64_img(&m, cf, &vs, &ve);
		map(&m, vs, 2, 0x50000000);
		img_build(&m);
		make_tree(d, &m, true);
		ck_assert_int_eq(mp_root_new(d, &root), 0);
		ck_assert_msg(mp_kcore_bases(root, &vb, &pb, why, sizeof(why)) == 0, "%s: %s",
			      cf->name, why);
		ck_assert_uint_eq(vb, a64_page(vs, cf->memstart, 0));
		ck_assert_uint_eq(pb, ((uint64_t)0 - (UINT64_C(1) << cf->va_bits)) - cf->memstart);
		mp_root_free(root);
		img_free(&m);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- the checks on kcore readings ---- */

static struct mp_snapshot *snap(size_t nblocks, const uint64_t *ids, const char *src)
{
	struct mp_snapshot *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	s->page_size = PAGE;
	s->block_size = 128 * MiB;
	s->nblocks = nblocks;
	s->blocks = calloc(nblocks + 1, sizeof(*s->blocks));
	for (size_t i = 0; i < nblocks; i++) {
		s->blocks[i].id = ids[i];
		s->blocks[i].present = true;
		s->blocks[i].state = MP_STATE_ONLINE;
	}
	snprintf(s->pt_src, sizeof(s->pt_src), "%s", src);
	s->meminfo.node = s->vmstat.node = -1;
	return s;
}

static void pt_set(struct mp_ptdump *pt, uint64_t base, const uint64_t (*mapped)[2], size_t n)
{
	uint64_t at = base;

	mp_ptdump_clear(pt);
	pt->base = base;
	pt->r = calloc(2 * n + 2, sizeof(*pt->r));
	for (size_t i = 0; i < n; i++) {
		if (mapped[i][0] > at)
			pt->r[pt->n++] = (struct mp_pt_range){ at, mapped[i][0], MP_PT_PMD, false };
		pt->r[pt->n++] =
			(struct mp_pt_range){ mapped[i][0], mapped[i][1], MP_PT_PMD, true };
		at = mapped[i][1];
	}
	pt->r[pt->n++] = (struct mp_pt_range){ at, base + GiB, MP_PT_PMD, false };
}

static size_t count_kind(const struct mp_findings *f, enum mp_finding_kind k, const char *what)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].kind == k && strstr(f->v[i].what, what);
	return n;
}

/*
 * The end check sees what stays: with no present block to derive
 * sizeof(struct page) from, a mapping new since the start is still a leak
 * when nothing was added; when a block was added it may be its memmap.
 */
START_TEST(check_end_new_mapping)
{
	const uint64_t base = UINT64_C(0xffffea0000000000);
	const uint64_t before[][2] = { { base, base + 2 * MiB } };
	const uint64_t after[][2] = { { base, base + 2 * MiB },
				      { base + 64 * MiB, base + 66 * MiB } };
	const uint64_t ids[] = { 32 };
	struct mp_snapshot *b = snap(0, NULL, "kcore"), *n = snap(0, NULL, "kcore");
	struct mp_check_opts o = { .step = "end" };
	struct mp_findings f = { 0 };
	struct mp_check_info info;

	pt_set(&b->pt, base, before, 1);
	pt_set(&n->pt, base, after, 2);
	ck_assert_int_eq(mp_check(b, n, &o, &f, &info), 0);
	ck_assert_uint_eq(info.ncandidates, 0);
	ck_assert_uint_eq(count_kind(&f, MP_FIND_LEAK,
				     "vmemmap mapping left: 0xffffea0004000000-"
				     "0xffffea0004200000"),
			  1);
	ck_assert(f.v[0].pmd_sized);
	mp_findings_clear(&f);
	/* the same against itself: nothing */
	ck_assert_int_eq(mp_check(n, n, &o, &f, &info), 0);
	ck_assert_uint_eq(mp_findings_count(&f), 0);
	mp_snapshot_free(n);
	/* a block added since: its memmap may be what is new */
	n = snap(1, ids, "kcore");
	pt_set(&n->pt, base, after, 2);
	ck_assert_int_eq(mp_check(b, n, &o, &f, &info), 0);
	ck_assert_uint_eq(count_kind(&f, MP_FIND_LEAK, "new since the baseline"), 0);
	mp_findings_clear(&f);
	mp_snapshot_free(b);
	mp_snapshot_free(n);
}
END_TEST

/* Where both exist, ptdump and the kcore walk must agree; struct page is said to come from kcore. */
START_TEST(check_sources)
{
	const uint64_t base = UINT64_C(0xffffea0000000000);
	/* boot memory of 8 blocks (1 GiB): only 64 bytes map it in 16 MiB of PMDs */
	const uint64_t boot[][2] = { { base, base + 16 * MiB } };
	const uint64_t other[][2] = { { base, base + 18 * MiB } };
	const uint64_t ids[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct mp_snapshot *s = snap(8, ids, "kcore");
	struct mp_check_opts o = { .step = "now" };
	struct mp_findings f = { 0 };
	struct mp_check_info info;

	pt_set(&s->pt, base, boot, 1);
	ck_assert_int_eq(mp_check(NULL, s, &o, &f, &info), 0);
	ck_assert_uint_eq(info.struct_page, 64);
	ck_assert_str_eq(info.struct_page_src, "the vmemmap page tables (kcore)");
	ck_assert_uint_eq(mp_findings_count(&f), 0);
	/* ptdump, and a kcore walk that agrees */
	snprintf(s->pt_src, sizeof(s->pt_src), "ptdump");
	pt_set(&s->kpt, base, boot, 1);
	ck_assert_int_eq(mp_check(NULL, s, &o, &f, &info), 0);
	ck_assert_str_eq(info.struct_page_src, "the vmemmap page tables (ptdump)");
	ck_assert_uint_eq(mp_findings_count(&f), 0);
	/* one that does not */
	pt_set(&s->kpt, base, other, 1);
	ck_assert_int_eq(mp_check(NULL, s, &o, &f, &info), 0);
	ck_assert_uint_eq(count_kind(&f, MP_FIND_STATE,
				     "disagree with debugfs ptdump from 0xffffea0001000000"),
			  1);
	mp_findings_clear(&f);
	mp_snapshot_free(s);
}
END_TEST

/*
 * arm64: the vmemmap's first struct page is memstart_addr's PFN's (the
 * boot memory from 1 GiB on), and a mapping left is told by that PFN.
 */
START_TEST(check_a64_pfn0)
{
	uint64_t vs, ve;
	/* 8 blocks of 128 MiB from PFN 0x40000: 16 MiB of struct pages */
	const uint64_t ids[] = { 8, 9, 10, 11, 12, 13, 14, 15 };
	struct mp_snapshot *b = snap(8, ids, "kcore"), *n = snap(8, ids, "kcore");
	struct mp_check_opts o = { .step = "end" };
	struct mp_findings f = { 0 };
	struct mp_check_info info;

	a64_vmemmap(48, &vs, &ve);
	{
		const uint64_t boot[][2] = { { vs, vs + 16 * MiB } };
		const uint64_t left[][2] = { { vs, vs + 16 * MiB },
					     { vs + 32 * MiB, vs + 34 * MiB } };

		pt_set(&b->pt, vs, boot, 1);
		pt_set(&n->pt, vs, left, 2);
	}
	b->pt.pfn0 = n->pt.pfn0 = 0x40000;
	ck_assert_int_eq(mp_check(NULL, b, &o, &f, &info), 0);
	ck_assert_uint_eq(info.struct_page, 64);
	ck_assert_uint_eq(mp_findings_count(&f), 0);
	ck_assert_int_eq(mp_check(b, n, &o, &f, &info), 0);
	ck_assert_uint_eq(count_kind(&f, MP_FIND_LEAK, "vmemmap mapping left"), 1);
	ck_assert(f.v[0].have_pfn);
	/* 32 MiB of 64-byte struct pages past PFN 0x40000's */
	ck_assert_uint_eq(f.v[0].pfn_first, 0x40000 + 32 * MiB / 64);
	ck_assert_uint_eq(f.v[0].pfn_last, 0x40000 + 34 * MiB / 64 - 1);
	mp_findings_clear(&f);
	mp_snapshot_free(b);
	mp_snapshot_free(n);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kcore");
	TCase *tc = tcase_create("kcore");

	tcase_add_test(tc, walk_4level);
	tcase_add_test(tc, walk_kaslr);
	tcase_add_test(tc, walk_5level);
	tcase_add_test(tc, walk_window);
	tcase_add_test(tc, walk_malformed);
	tcase_add_test(tc, elf_malformed);
	tcase_add_test(tc, a64_layouts);
	tcase_add_test(tc, a64_leaves);
	tcase_add_test(tc, a64_malformed);
	tcase_add_test(tc, kallsyms);
	tcase_add_test(tc, walk_recorded);
	tcase_add_test(tc, sensor_tree);
	tcase_add_test(tc, bases_tree);
	tcase_add_test(tc, check_end_new_mapping);
	tcase_add_test(tc, check_sources);
	tcase_add_test(tc, check_a64_pfn0);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mp_check_run(suite());
}
