/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A kcore file built in memory, for tests/unit/test-kcore.c and
 * bench/kcore-walk.c: an ELF core (<elf.h>) whose PT_LOAD segments hold a
 * kernel image (page 0 the top-level table, page 1 the variables
 * vmemmap_base, page_offset_base, __pgtable_l5_enabled) and RAM holding the
 * lower tables at page_offset + physical address, as /proc/kcore shows
 * them; kallsyms text to match. An error here is the test's own: abort.
 *
 * arm64 (img_init_a64): page 0 of the kernel image is swapper_pg_dir, RAM
 * starts at physical phys_base (its first byte at virtual page_offset), the
 * layout is told by a VMCOREINFO note as the kernel writes it, and the
 * entries are arm64 descriptors (with LPA2, OA[51:50] in bits [9:8]; else
 * those bits hold SH, set as the kernel sets them).
 */
#ifndef MEMPLUG_KCORE_IMAGE_H
#define MEMPLUG_KCORE_IMAGE_H

#include <elf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define PAGE 4096u
#define E_TABLE UINT64_C(0x63) /* present, RW, accessed, dirty */
#define E_PMD_LEAF UINT64_C(0x1e3)
#define E_PTE_LEAF UINT64_C(0x163)

struct img {
	unsigned machine; /* EM_X86_64 or EM_AARCH64 */
	unsigned levels, top_entries;
	bool lpa2;
	uint64_t phys_base; /* RAM's first physical address */
	char info[1024];    /* arm64: the VMCOREINFO text */
	uint64_t text_va, page_offset, vmemmap;
	bool l5_symbol;		/* list __pgtable_l5_enabled in kallsyms */
	uint8_t text[2 * PAGE]; /* page 0: the top table; page 1: the variables */
	uint8_t *ram;
	size_t ram_len, next;	   /* bump allocator of table pages */
	uint64_t hole_lo, hole_hi; /* physical range no segment shows */
	char syms[1024];
	uint8_t *elf;
	size_t elf_len;
};

static inline void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static inline uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline void img_init(struct img *m, unsigned levels, uint64_t text_va, uint64_t page_offset,
			    uint64_t vmemmap, size_t ram_pages)
{
	memset(m, 0, sizeof(*m));
	m->machine = EM_X86_64;
	m->top_entries = 512;
	m->levels = levels;
	m->text_va = text_va;
	m->page_offset = page_offset;
	m->vmemmap = vmemmap;
	m->l5_symbol = true;
	m->ram_len = ram_pages * PAGE;
	m->ram = calloc(1, m->ram_len);
	m->next = PAGE; /* physical 0 stays unused */
	if (!m->ram)
		abort();
}

/* arm64 (pgtable-hwdef.h): an output address in bits [49:12], with LPA2 OA[51:50] in [9:8] */
#define A64_AF (UINT64_C(1) << 10)
#define A64_SH UINT64_C(0x300)

static inline uint64_t a64_oa(const struct img *m, uint64_t pa)
{
	return (pa & UINT64_C(0x0003fffffffff000)) | (m->lpa2 ? (pa >> 42) & A64_SH : A64_SH);
}

/* The physical address an entry points to. */
static inline uint64_t entry_pa(const struct img *m, uint64_t e)
{
	if (m->machine != EM_AARCH64)
		return e & UINT64_C(0x000ffffffffff000);
	return (e & UINT64_C(0x0003fffffffff000)) | (m->lpa2 ? (e & A64_SH) << 42 : 0);
}

/* An entry: a table at pa, or a leaf at depth (the last: a page, else a block). */
static inline uint64_t mk_table(const struct img *m, uint64_t pa)
{
	return m->machine == EM_AARCH64 ? a64_oa(m, pa) | 3 : pa | E_TABLE;
}

static inline uint64_t mk_leaf(const struct img *m, unsigned depth, uint64_t pa)
{
	if (m->machine == EM_AARCH64)
		return a64_oa(m, pa) | A64_AF | (depth == m->levels - 1 ? 3 : 1);
	return pa | (depth == m->levels - 1 ? E_PTE_LEAF : E_PMD_LEAF);
}

/* A table page: its physical address. */
static inline uint64_t alloc_table(struct img *m)
{
	uint64_t off = m->next;

	if (off + PAGE > m->ram_len)
		abort();
	m->next += PAGE;
	return m->phys_base + off;
}

/* The index of va in a table at depth. */
static inline unsigned idx(const struct img *m, uint64_t va, unsigned d)
{
	return (unsigned)(va >> (12 + 9 * (m->levels - 1 - d))) & (d ? 511 : m->top_entries - 1);
}

/* The entry slot of table t (NULL: the top table) at index i. */
static inline uint8_t *slot(struct img *m, int64_t t, unsigned i)
{
	return (t < 0 ? m->text : m->ram + t) + i * 8;
}

/* Map va with a leaf at depth (levels - 1: pte, levels - 2: pmd, levels - 3: pud). */
static inline void map(struct img *m, uint64_t va, unsigned depth, uint64_t target)
{
	int64_t t = -1;

	for (unsigned d = 0;; d++) {
		uint8_t *e = slot(m, t, idx(m, va, d));

		if (d == depth) {
			put64(e, mk_leaf(m, d, target));
			return;
		}
		if (!(get64(e) & 1))
			put64(e, mk_table(m, alloc_table(m)));
		t = (int64_t)(entry_pa(m, get64(e)) - m->phys_base);
	}
}

/* The entry at depth for va (to doctor it). */
static inline uint8_t *entry(struct img *m, uint64_t va, unsigned depth)
{
	int64_t t = -1;

	for (unsigned d = 0;; d++) {
		uint8_t *e = slot(m, t, idx(m, va, d));

		if (d == depth)
			return e;
		t = (int64_t)(entry_pa(m, get64(e)) - m->phys_base);
	}
}

/* The ELF core: a text segment and RAM (in two segments around a hole when one is set). */
static inline void img_build(struct img *m)
{
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[4] = { 0 };
	size_t nph = 0, off;
	uint64_t ranges[2][2] = { { 0, m->ram_len }, { 0, 0 } };
	size_t nr = 1;

	size_t note_len = 0;
	uint8_t note[2048];

	put64(m->text + PAGE, m->vmemmap);
	put64(m->text + PAGE + 8, m->page_offset);
	put64(m->text + PAGE + 16, m->levels == 5);
	if (m->machine == EM_AARCH64 && m->info[0]) {
		/* the note kcore appends: name "VMCOREINFO", type 0, the text */
		Elf64_Nhdr h = { sizeof("VMCOREINFO"), (Elf64_Word)strlen(m->info), 0 };

		memset(note, 0, sizeof(note));
		memcpy(note, &h, sizeof(h));
		memcpy(note + sizeof(h), "VMCOREINFO", sizeof("VMCOREINFO"));
		memcpy(note + sizeof(h) + 12, m->info, h.n_descsz);
		note_len = sizeof(h) + 12 + ((h.n_descsz + 3) & ~3u);
	}
	if (m->machine == EM_AARCH64)
		snprintf(m->syms, sizeof(m->syms),
			 "%016" PRIx64 " T _text\n"
			 "%016" PRIx64 " B swapper_pg_dir\n",
			 m->text_va, m->text_va);
	else
		snprintf(m->syms, sizeof(m->syms),
			 "%016" PRIx64 " T _text\n"
			 "%016" PRIx64 " D init_top_pgt\n"
			 "%016" PRIx64 " D vmemmap_base\n"
			 "%016" PRIx64 " D page_offset_base\n",
			 m->text_va, m->text_va, m->text_va + PAGE, m->text_va + PAGE + 8);
	if (m->l5_symbol && m->machine != EM_AARCH64)
		snprintf(m->syms + strlen(m->syms), sizeof(m->syms) - strlen(m->syms),
			 "%016" PRIx64 " D __pgtable_l5_enabled\n", m->text_va + PAGE + 16);
	snprintf(m->syms + strlen(m->syms), sizeof(m->syms) - strlen(m->syms),
		 "ffffffffc0000000 t helper\t[some_module]\n");
	if (m->hole_hi > m->hole_lo) {
		ranges[0][1] = m->hole_lo;
		ranges[1][0] = m->hole_hi;
		ranges[1][1] = m->ram_len;
		nr = 2;
	}
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = (Elf64_Half)m->machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)(1 + nr + 1);
	off = PAGE;
	/* a note segment first, as kcore has */
	ph[nph++] = (Elf64_Phdr){ .p_type = PT_NOTE,
				  .p_offset = note_len ? 1024 : sizeof(eh),
				  .p_filesz = note_len };
	ph[nph++] = (Elf64_Phdr){ .p_type = PT_LOAD,
				  .p_vaddr = m->text_va,
				  .p_offset = off,
				  .p_filesz = sizeof(m->text),
				  .p_memsz = sizeof(m->text) };
	off += sizeof(m->text);
	for (size_t i = 0; i < nr; i++) {
		uint64_t len = ranges[i][1] - ranges[i][0];

		ph[nph++] = (Elf64_Phdr){ .p_type = PT_LOAD,
					  .p_vaddr = m->page_offset + ranges[i][0],
					  .p_paddr = m->phys_base + ranges[i][0],
					  .p_offset = off,
					  .p_filesz = len,
					  .p_memsz = len };
		off += len;
	}
	m->elf_len = off;
	free(m->elf); /* built again after a change to the tables */
	m->elf = calloc(1, off);
	if (!m->elf)
		abort();
	memcpy(m->elf, &eh, sizeof(eh));
	memcpy(m->elf + sizeof(eh), ph, nph * sizeof(*ph));
	memcpy(m->elf + 1024, note, note_len);
	memcpy(m->elf + PAGE, m->text, sizeof(m->text));
	off = PAGE + sizeof(m->text);
	for (size_t i = 0; i < nr; i++) {
		memcpy(m->elf + off, m->ram + ranges[i][0], ranges[i][1] - ranges[i][0]);
		off += ranges[i][1] - ranges[i][0];
	}
}

/*
 * An arm64 kernel: VA_BITS va_bits built, vabits in use (TCR_EL1.T1SZ =
 * 64 - vabits), memstart_addr phys_offset, RAM from physical phys_base, the
 * vmemmap [vstart, vend) and swapper_pg_dir at text_va, as VMCOREINFO says.
 */
static inline void img_init_a64(struct img *m, unsigned va_bits, unsigned vabits, uint64_t text_va,
				uint64_t phys_offset, uint64_t phys_base, uint64_t vstart,
				uint64_t vend, size_t ram_pages)
{
	/* __phys_to_virt: (pa - PHYS_OFFSET) | PAGE_OFFSET */
	uint64_t page_offset = (uint64_t)0 - (UINT64_C(1) << va_bits);

	img_init(m, vabits == 52 ? 5 : 4, text_va, (phys_base - phys_offset) | page_offset, vstart,
		 ram_pages);
	m->machine = EM_AARCH64;
	m->top_entries = vabits == 52 ? 16 : 512;
	m->lpa2 = vabits == 52;
	m->phys_base = phys_base;
	snprintf(m->info, sizeof(m->info),
		 "OSRELEASE=6.12.0-test\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%" PRIx64 "\n"
		 "SIZE(page)=64\nNUMBER(VA_BITS)=%u\nNUMBER(MODULES_VADDR)=0x%" PRIx64 "\n"
		 "NUMBER(VMALLOC_END)=0x%" PRIx64 "\n"
		 "NUMBER(VMEMMAP_START)=0x%" PRIx64 "\nNUMBER(VMEMMAP_END)=0x%" PRIx64 "\n"
		 "NUMBER(kimage_voffset)=0x%" PRIx64 "\nNUMBER(PHYS_OFFSET)=0x%" PRIx64 "\n"
		 "NUMBER(TCR_EL1_T1SZ)=0x%x\nKERNELOFFSET=%" PRIx64 "\n",
		 text_va, va_bits, (uint64_t)0 - (UINT64_C(1) << 47),
		 /* pgtable.h: VMEMMAP_START + VMEMMAP_UNUSED_NPAGES * sizeof(struct page) - 8M */
		 vstart + (((UINT64_C(1) << va_bits) - (UINT64_C(1) << vabits)) >> 12) * 64 -
			 8 * MiB,
		 vstart, vend, text_va - phys_base, phys_offset, 64 - vabits,
		 text_va & UINT64_C(0xfffffff));
}

static inline void img_free(struct img *m)
{
	free(m->ram);
	free(m->elf);
}

#endif
