/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A kcore file built in memory, for tests/unit/test-kcore.c and
 * bench/kcore-walk.c: an ELF core (<elf.h>) whose PT_LOAD segments hold a
 * kernel image (page 0 the top-level table, page 1 the variables
 * vmemmap_base, page_offset_base, __pgtable_l5_enabled) and RAM holding the
 * lower tables at page_offset + physical address, as /proc/kcore shows
 * them; kallsyms text to match. An error here is the test's own: abort.
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
	unsigned levels;
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

static inline uint64_t alloc_table(struct img *m)
{
	uint64_t pa = m->next;

	if (pa + PAGE > m->ram_len)
		abort();
	m->next += PAGE;
	return pa;
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
		unsigned shift = 12 + 9 * (m->levels - 1 - d), i = (unsigned)(va >> shift) & 511;
		uint8_t *e = slot(m, t, i);

		if (d == depth) {
			put64(e, target | (d == m->levels - 1 ? E_PTE_LEAF : E_PMD_LEAF));
			return;
		}
		if (!(get64(e) & 1))
			put64(e, alloc_table(m) | E_TABLE);
		t = (int64_t)(get64(e) & UINT64_C(0x000ffffffffff000));
	}
}

/* The entry at depth for va (to doctor it). */
static inline uint8_t *entry(struct img *m, uint64_t va, unsigned depth)
{
	int64_t t = -1;

	for (unsigned d = 0;; d++) {
		unsigned shift = 12 + 9 * (m->levels - 1 - d), i = (unsigned)(va >> shift) & 511;
		uint8_t *e = slot(m, t, i);

		if (d == depth)
			return e;
		t = (int64_t)(get64(e) & UINT64_C(0x000ffffffffff000));
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

	put64(m->text + PAGE, m->vmemmap);
	put64(m->text + PAGE + 8, m->page_offset);
	put64(m->text + PAGE + 16, m->levels == 5);
	snprintf(m->syms, sizeof(m->syms),
		 "%016" PRIx64 " T _text\n"
		 "%016" PRIx64 " D init_top_pgt\n"
		 "%016" PRIx64 " D vmemmap_base\n"
		 "%016" PRIx64 " D page_offset_base\n",
		 m->text_va, m->text_va, m->text_va + PAGE, m->text_va + PAGE + 8);
	if (m->l5_symbol)
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
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)(1 + nr + 1);
	off = PAGE;
	/* a note segment first, as kcore has */
	ph[nph++] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = sizeof(eh), .p_filesz = 0 };
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
					  .p_paddr = ranges[i][0],
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
	memcpy(m->elf + PAGE, m->text, sizeof(m->text));
	off = PAGE + sizeof(m->text);
	for (size_t i = 0; i < nr; i++) {
		memcpy(m->elf + off, m->ram + ranges[i][0], ranges[i][1] - ranges[i][0]);
		off += ranges[i][1] - ranges[i][0];
	}
}

static inline void img_free(struct img *m)
{
	free(m->ram);
	free(m->elf);
}

#endif
