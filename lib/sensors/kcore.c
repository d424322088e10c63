// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vmemmap page tables through /proc/kcore (kcore.h says how). Every
 * read is bounded: the program headers by their count, the walk by the
 * tables it may visit and the ranges it may yield; a table met twice is a
 * loop, an entry whose table lies outside the RAM kcore shows is refused.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timeout.h"
#include "sensors/kcore.h"

static void say(char *why, size_t wlen, const char *fmt, ...) _printf_(3, 4);
static void say(char *why, size_t wlen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !wlen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, wlen, fmt, ap);
	va_end(ap);
}

/* ---- the ELF image ---- */

void mp_kcore_close(struct mp_kcore *k)
{
	free(k->seg);
	k->seg = NULL;
	k->nseg = 0;
	free(k->info);
	k->info = NULL;
	k->info_read = false;
}

static int raw_read(struct mp_kcore *k, uint64_t off, void *dst, size_t n)
{
	size_t got = 0;

	if (k->len && (off > k->len || n > k->len - off))
		return -EFAULT;
	k->nread++;
	if (k->fd < 0) {
		memcpy(dst, k->buf + off, n);
		return 0;
	}
	while (got < n) {
		ssize_t r = pread(k->fd, (char *)dst + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		got += (size_t)r;
	}
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct mp_kcore_seg *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int parse(struct mp_kcore *k, char *why, size_t wlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	size_t n;
	int r;

	k->seg = NULL;
	k->nseg = 0;
	k->info = NULL;
	k->info_read = false;
	k->note_off = k->note_len = 0;
	if ((r = raw_read(k, 0, &eh, sizeof(eh))) < 0) {
		say(why, wlen, "truncated ELF header");
		return -EBADMSG;
	}
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		say(why, wlen, "not a 64-bit little-endian ELF file");
		return -EBADMSG;
	}
	if (eh.e_type != ET_CORE || eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum ||
	    eh.e_phnum >= PN_XNUM) {
		say(why, wlen, "not an ELF core with program headers (type %u, %u of %u bytes)",
		    eh.e_type, eh.e_phnum, eh.e_phentsize);
		return -EBADMSG;
	}
	k->machine = eh.e_machine;
	n = eh.e_phnum;
	ph = calloc(n, sizeof(*ph));
	k->seg = calloc(n, sizeof(*k->seg));
	if (!ph || !k->seg) {
		free(ph);
		mp_kcore_close(k);
		say(why, wlen, "out of memory");
		return -ENOMEM;
	}
	if (eh.e_phoff > UINT64_MAX - n * sizeof(*ph) ||
	    raw_read(k, eh.e_phoff, ph, n * sizeof(*ph)) < 0) {
		free(ph);
		mp_kcore_close(k);
		say(why, wlen, "truncated: %zu program headers at offset %" PRIu64 " not there", n,
		    (uint64_t)eh.e_phoff);
		return -EBADMSG;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t sz = ph[i].p_filesz < ph[i].p_memsz ? ph[i].p_filesz : ph[i].p_memsz;

		if (ph[i].p_type == PT_NOTE && !k->note_len && ph[i].p_filesz) {
			k->note_off = ph[i].p_offset;
			k->note_len = ph[i].p_filesz;
		}
		if (ph[i].p_type != PT_LOAD || !sz)
			continue;
		if (ph[i].p_offset > UINT64_MAX - sz || ph[i].p_vaddr > UINT64_MAX - sz ||
		    (k->len && ph[i].p_offset + sz > k->len)) {
			say(why, wlen,
			    "segment %zu (0x%" PRIx64 ", %" PRIu64 " bytes at %" PRIu64
			    ") lies outside the file",
			    i, (uint64_t)ph[i].p_vaddr, sz, (uint64_t)ph[i].p_offset);
			free(ph);
			mp_kcore_close(k);
			return -EBADMSG;
		}
		k->seg[k->nseg++] = (struct mp_kcore_seg){ ph[i].p_vaddr, sz, ph[i].p_offset };
	}
	free(ph);
	if (!k->nseg) {
		mp_kcore_close(k);
		say(why, wlen, "no PT_LOAD segment");
		return -EBADMSG;
	}
	qsort(k->seg, k->nseg, sizeof(*k->seg), seg_cmp);
	return 0;
}

int mp_kcore_open_mem(struct mp_kcore *k, const void *buf, size_t len, char *why, size_t wlen)
{
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	k->buf = buf;
	k->len = len;
	if (!len) {
		say(why, wlen, "empty file");
		return -EBADMSG;
	}
	return parse(k, why, wlen);
}

int mp_kcore_open_fd(struct mp_kcore *k, int fd, char *why, size_t wlen)
{
	struct stat st;

	memset(k, 0, sizeof(*k));
	k->fd = fd;
	/* /proc/kcore's size is that of the image it shows */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		k->len = (uint64_t)st.st_size;
	else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		say(why, wlen, "empty file");
		return -EBADMSG;
	}
	return parse(k, why, wlen);
}

int mp_kcore_read(struct mp_kcore *k, uint64_t va, void *dst, size_t n)
{
	size_t lo = 0, hi = k->nseg;

	/* the last segment starting at or below va */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->seg[mid].vaddr <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* overlapping segments: any that holds all n bytes */
	for (size_t i = lo; i-- > 0;) {
		const struct mp_kcore_seg *s = &k->seg[i];

		if (va - s->vaddr < s->size && n <= s->size - (va - s->vaddr))
			return raw_read(k, s->off + (va - s->vaddr), dst, n);
		if (lo - i > 8)
			break;
	}
	return -EFAULT;
}

/* The VMCOREINFO note's text (NULL when none), read once and kept. */
static const char *vmcoreinfo_text(struct mp_kcore *k)
{
	uint8_t *buf;
	size_t n = k->note_len > MP_KCORE_MAX_NOTES ? MP_KCORE_MAX_NOTES : k->note_len, at = 0;

	if (k->info_read)
		return k->info;
	k->info_read = true;
	if (n < sizeof(Elf64_Nhdr) || !(buf = malloc(n)))
		return NULL;
	if (raw_read(k, k->note_off, buf, n) < 0) {
		free(buf);
		return NULL;
	}
	/* notes: a header, the name and the descriptor, each padded to 4 bytes */
	while (n - at >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr h;
		size_t name, desc;

		memcpy(&h, buf + at, sizeof(h));
		at += sizeof(h);
		name = ((size_t)h.n_namesz + 3) & ~(size_t)3;
		desc = ((size_t)h.n_descsz + 3) & ~(size_t)3;
		if (name > n - at || desc > n - at - name)
			break;
		if (h.n_namesz == sizeof("VMCOREINFO") &&
		    !memcmp(buf + at, "VMCOREINFO", sizeof("VMCOREINFO"))) {
			k->info = strndup((const char *)buf + at + name, h.n_descsz);
			break;
		}
		at += name + desc;
	}
	free(buf);
	return k->info;
}

int mp_kcore_vmcoreinfo(struct mp_kcore *k, const char *key, uint64_t *val)
{
	const char *t = vmcoreinfo_text(k), *p;
	size_t n = strlen(key);
	char *end;

	for (p = t; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, n) || p[n] != '=')
			continue;
		errno = 0;
		*val = strtoull(p + n + 1, &end, 0);
		if (errno || end == p + n + 1 || (*end && *end != '\n'))
			return -EBADMSG;
		return 0;
	}
	return -ENOENT;
}

static int read_u64(struct mp_kcore *k, uint64_t va, uint64_t *v)
{
	return mp_kcore_read(k, va, v, sizeof(*v));
}

static int read_u32(struct mp_kcore *k, uint64_t va, uint32_t *v)
{
	return mp_kcore_read(k, va, v, sizeof(*v));
}

/* ---- kallsyms ---- */

static const char *const ksym_names[MP_KSYM_COUNT][3] = {
	[MP_KSYM_TOP] = { "init_top_pgt", "init_level4_pgt", "swapper_pg_dir" },
	[MP_KSYM_VMEMMAP_BASE] = { "vmemmap_base" },
	[MP_KSYM_PAGE_OFFSET_BASE] = { "page_offset_base" },
	[MP_KSYM_L5] = { "__pgtable_l5_enabled" },
	[MP_KSYM_PGDIR_SHIFT] = { "pgdir_shift" },
	[MP_KSYM_SME_MASK] = { "sme_me_mask" },
};

int mp_kallsyms_parse(const char *buf, size_t len, struct mp_ksyms *s)
{
	const char *p = buf, *end = buf + len;
	unsigned top_rank = 3;
	bool zero = false;

	memset(s, 0, sizeof(*s));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char line[256], name[128], type;
		unsigned long long a;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		/* module symbols ("name [mod]") are never ours */
		if (sscanf(line, "%llx %c %127s", &a, &type, name) != 3 || strchr(line, '['))
			continue;
		for (unsigned i = 0; i < MP_KSYM_COUNT; i++)
			for (unsigned j = 0; j < 3 && ksym_names[i][j]; j++) {
				if (strcmp(name, ksym_names[i][j]))
					continue;
				if (i == MP_KSYM_TOP && j >= top_rank)
					continue;
				if (i == MP_KSYM_TOP) {
					top_rank = j;
					snprintf(s->top, sizeof(s->top), "%.23s", name);
				}
				s->addr[i] = a;
				s->have[i] = true;
				zero |= !a;
			}
	}
	if (!s->have[MP_KSYM_TOP])
		return -ENOENT;
	return zero ? -EPERM : 0;
}

/* ---- x86-64 ---- */

#define X86_PRESENT UINT64_C(0x1)
#define X86_PSE UINT64_C(0x80)
#define X86_PA_MASK UINT64_C(0x000ffffffffff000)
/* 48-bit and 57-bit canonical: every 4-level kernel address is at or above this */
#define X86_L4_KERNEL_LOW UINT64_C(0xffff800000000000)
#define X86_CPU_ENTRY_AREA UINT64_C(0xfffffe0000000000)

static int x86_layout(struct mp_kcore *k, const struct mp_ksyms *s, struct mp_kcore_layout *l,
		      char *why, size_t wlen)
{
	uint64_t v, mask = 0, span;
	uint32_t u;
	const char *lv = NULL;

	memset(l, 0, sizeof(*l));
	l->top = s->addr[MP_KSYM_TOP];
	l->levels = 0;
	if (s->have[MP_KSYM_L5] && read_u32(k, s->addr[MP_KSYM_L5], &u) == 0) {
		l->levels = u ? 5 : 4;
		lv = "__pgtable_l5_enabled";
	} else if (s->have[MP_KSYM_PGDIR_SHIFT] &&
		   read_u32(k, s->addr[MP_KSYM_PGDIR_SHIFT], &u) == 0 && (u == 39 || u == 48)) {
		l->levels = u == 48 ? 5 : 4;
		lv = "pgdir_shift";
	}
	if (s->have[MP_KSYM_PAGE_OFFSET_BASE]) {
		if (read_u64(k, s->addr[MP_KSYM_PAGE_OFFSET_BASE], &l->page_offset) < 0) {
			say(why, wlen, "page_offset_base (0x%" PRIx64 ") is not in kcore",
			    s->addr[MP_KSYM_PAGE_OFFSET_BASE]);
			return -EBADMSG;
		}
	}
	if (s->have[MP_KSYM_VMEMMAP_BASE]) {
		if (read_u64(k, s->addr[MP_KSYM_VMEMMAP_BASE], &l->vmemmap_base) < 0) {
			say(why, wlen, "vmemmap_base (0x%" PRIx64 ") is not in kcore",
			    s->addr[MP_KSYM_VMEMMAP_BASE]);
			return -EBADMSG;
		}
	}
	if (!l->levels) {
		/* a 4-level kernel has no address below X86_L4_KERNEL_LOW */
		v = l->vmemmap_base ? l->vmemmap_base : l->page_offset;
		l->levels = v && v < X86_L4_KERNEL_LOW ? 5 : 4;
		lv = v ? "the vmemmap_base value" : "no LA57 symbol: 4-level";
	}
	/* the fixed layout of kernels without RANDOMIZE_MEMORY (mm.rst) */
	if (!s->have[MP_KSYM_PAGE_OFFSET_BASE])
		l->page_offset = l->levels == 5 ? UINT64_C(0xff11000000000000)
						: UINT64_C(0xffff888000000000);
	if (!s->have[MP_KSYM_VMEMMAP_BASE])
		l->vmemmap_base = l->levels == 5 ? UINT64_C(0xffd4000000000000)
						 : UINT64_C(0xffffea0000000000);
	if (s->have[MP_KSYM_SME_MASK] && read_u64(k, s->addr[MP_KSYM_SME_MASK], &mask) < 0)
		mask = 0;
	l->pa_mask = X86_PA_MASK & ~mask;
	l->top_entries = 512;
	/* the vmemmap: 1 TiB with 4 levels, 0.5 PiB with 5 (mm.rst), never
	 * into the CPU entry area above it */
	span = l->levels == 5 ? UINT64_C(1) << 49 : UINT64_C(1) << 40;
	if (l->vmemmap_base & 0xfff || l->vmemmap_base >= X86_CPU_ENTRY_AREA ||
	    (l->levels == 4 && l->vmemmap_base < X86_L4_KERNEL_LOW) ||
	    l->vmemmap_base < UINT64_C(0xff00000000000000)) {
		say(why, wlen, "vmemmap_base 0x%" PRIx64 " is no %u-level kernel address",
		    l->vmemmap_base, l->levels);
		return -EBADMSG;
	}
	l->vmemmap_end = X86_CPU_ENTRY_AREA - l->vmemmap_base > span ? l->vmemmap_base + span
								     : X86_CPU_ENTRY_AREA;
	snprintf(l->how, sizeof(l->how), "%u-level (%s), %s at 0x%" PRIx64 ", vmemmap 0x%" PRIx64,
		 l->levels, lv, s->top, l->top, l->vmemmap_base);
	return 0;
}

/* What an entry is: nothing mapped, a leaf, a lower table (at *pa), or refused (why said). */
enum pt_entry { PT_INVALID, PT_LEAF, PT_TABLE, PT_BAD };

struct walk {
	struct mp_kcore *k;
	const struct mp_kcore_layout *l;
	enum pt_entry (*entry)(const struct walk *w, uint64_t e, enum mp_pt_level lv, uint64_t va,
			       uint64_t *pa);
	struct mp_ptdump *out;
	size_t cap;
	uint64_t start, end;
	/* table pages met (open addressing on the physical address) */
	uint64_t *seen;
	size_t nseen, cap_seen;
	char *why;
	size_t wlen;
};

static int emit(struct walk *w, uint64_t a, uint64_t b, enum mp_pt_level lv, bool mapped)
{
	struct mp_ptdump *o = w->out;

	if (a < w->start)
		a = w->start;
	if (b > w->end || b < a) /* b wraps to 0 at the top of the space */
		b = w->end;
	if (a >= b)
		return 0;
	if (o->n && o->r[o->n - 1].end == a && o->r[o->n - 1].level == lv &&
	    o->r[o->n - 1].mapped == mapped) {
		o->r[o->n - 1].end = b;
		return 0;
	}
	if (o->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 64;
		struct mp_pt_range *nr;

		if (nc > MP_KCORE_MAX_RANGES) {
			say(w->why, w->wlen, "more than %u ranges in the vmemmap",
			    MP_KCORE_MAX_RANGES);
			return -E2BIG;
		}
		nr = realloc(o->r, nc * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		o->r = nr;
		w->cap = nc;
	}
	o->r[o->n++] = (struct mp_pt_range){ a, b, lv, mapped };
	return 0;
}

/* false when pa was met before: a loop (or a table shared, never so in the vmemmap) */
static int mark(struct walk *w, uint64_t pa)
{
	size_t h;

	if (w->nseen * 2 >= w->cap_seen) {
		size_t nc = w->cap_seen ? w->cap_seen * 2 : 256;
		uint64_t *ns;

		if (w->nseen >= MP_KCORE_MAX_TABLES) {
			say(w->why, w->wlen, "more than %u page tables under the vmemmap",
			    MP_KCORE_MAX_TABLES);
			return -E2BIG;
		}
		ns = calloc(nc, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < w->cap_seen; i++) {
			if (!w->seen[i])
				continue;
			for (h = (w->seen[i] >> 12) * 0x9e3779b97f4a7c15u % nc; ns[h];
			     h = (h + 1) % nc)
				;
			ns[h] = w->seen[i];
		}
		free(w->seen);
		w->seen = ns;
		w->cap_seen = nc;
	}
	for (h = (pa >> 12) * 0x9e3779b97f4a7c15u % w->cap_seen; w->seen[h];
	     h = (h + 1) % w->cap_seen)
		if (w->seen[h] == (pa | 1))
			return 1;
	w->seen[h] = pa | 1;
	w->nseen++;
	return 0;
}

static enum mp_pt_level pt_level(unsigned depth, unsigned levels)
{
	/* depth 0 is the top table: pgd, then p4d (5 levels), pud, pmd, pte */
	static const enum mp_pt_level l4[] = { MP_PT_PGD, MP_PT_PUD, MP_PT_PMD, MP_PT_PTE };
	static const enum mp_pt_level l5[] = { MP_PT_PGD, MP_PT_P4D, MP_PT_PUD, MP_PT_PMD,
					       MP_PT_PTE };

	return levels == 5 ? l5[depth] : l4[depth];
}

/* The table at kernel address tva (its entries map from vbase on), entries over [a, b). */
static int pt_table(struct walk *w, uint64_t tva, unsigned depth, uint64_t a, uint64_t b)
{
	unsigned shift = 12 + 9 * (w->l->levels - 1 - depth);
	unsigned nent = depth ? 512 : w->l->top_entries;
	enum mp_pt_level lv = pt_level(depth, w->l->levels);
	uint64_t t[512], esz = UINT64_C(1) << shift;
	unsigned i0 = (unsigned)(a >> shift) & (nent - 1),
		 i1 = (unsigned)((b - 1) >> shift) & (nent - 1);
	/* the address the table's entry 0 maps (the sign bits kept) */
	uint64_t vbase = a & ~(esz * nent - 1);
	int r;

	r = mp_kcore_read(w->k, tva, t, nent * sizeof(*t));
	if (r < 0) {
		say(w->why, w->wlen, "the %s table at 0x%" PRIx64 " (for 0x%" PRIx64 ") is %s",
		    mp_pt_level_name(lv), tva, a,
		    r == -EFAULT ? "outside the RAM kcore shows" : "unreadable");
		return r == -EFAULT ? -EBADMSG : r;
	}
	for (unsigned i = i0; i <= i1; i++) {
		uint64_t va = vbase | ((uint64_t)i << shift), pa = 0, lo, hi;

		lo = va < a ? a : va;
		hi = va + esz - 1 < b - 1 ? va + esz : b;
		switch (w->entry(w, t[i], lv, va, &pa)) {
		case PT_INVALID:
			r = emit(w, lo, hi, lv, false);
			break;
		case PT_LEAF:
			r = emit(w, lo, hi, lv, true);
			break;
		case PT_BAD:
			return -EBADMSG;
		case PT_TABLE:
			r = mark(w, pa);
			if (r == 1) {
				say(w->why, w->wlen,
				    "a loop: the %s entry for 0x%" PRIx64
				    " points to the table at physical 0x%" PRIx64 " met before",
				    mp_pt_level_name(lv), va, pa);
				return -ELOOP;
			}
			if (r == 0) {
				if (pa > UINT64_MAX - w->l->page_offset) {
					say(w->why, w->wlen,
					    "the %s entry for 0x%" PRIx64
					    " points outside the direct map (physical 0x%" PRIx64
					    ")",
					    mp_pt_level_name(lv), va, pa);
					return -EBADMSG;
				}
				r = pt_table(w, w->l->page_offset + pa, depth + 1, lo, hi);
			}
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int pt_walk(struct walk *w, uint64_t start, uint64_t end)
{
	const struct mp_kcore_layout *l = w->l;
	int r;

	w->start = start;
	w->end = end;
	mp_ptdump_clear(w->out);
	w->out->base = l->vmemmap_base;
	w->out->pfn0 = l->pfn0;
	if (start >= end)
		return 0;
	r = pt_table(w, l->top, 0, start, end);
	free(w->seen);
	if (r < 0) {
		if (r == -ENOMEM)
			say(w->why, w->wlen, "out of memory");
		mp_ptdump_clear(w->out);
		w->out->base = l->vmemmap_base;
		w->out->pfn0 = l->pfn0;
	}
	return r;
}

static enum pt_entry x86_entry(const struct walk *w, uint64_t e, enum mp_pt_level lv, uint64_t va,
			       uint64_t *pa)
{
	(void)va;
	if (!(e & X86_PRESENT))
		return PT_INVALID;
	if (lv == MP_PT_PTE || ((lv == MP_PT_PMD || lv == MP_PT_PUD) && e & X86_PSE))
		return PT_LEAF;
	*pa = e & w->l->pa_mask;
	return PT_TABLE;
}

static int x86_walk(struct mp_kcore *k, const struct mp_kcore_layout *l, uint64_t start,
		    uint64_t end, struct mp_ptdump *out, char *why, size_t wlen)
{
	struct walk w = { .k = k, .l = l, .entry = x86_entry, .out = out, .why = why, .wlen = wlen };

	return pt_walk(&w, start, end);
}

/* ---- arm64, 4K granule ---- */

/* descriptor bits [1:0]: 0b11 a table (L-1..L2) or a page (L3), 0b01 a block (L1, L2) */
#define A64_VALID UINT64_C(0x1)
#define A64_TABLE UINT64_C(0x2)
/* output address bits [49:12]; with LPA2 OA[51:50] in [9:8] (pgtable-hwdef.h PTE_ADDR_LOW,
 * PTE_ADDR_HIGH, PTE_ADDR_HIGH_SHIFT), else [9:8] are SH, masked (PTE_MAYBE_SHARED) */
#define A64_ADDR_LOW UINT64_C(0x0003fffffffff000)
#define A64_ADDR_HIGH UINT64_C(0x300)
#define A64_ADDR_HIGH_SHIFT 42

static enum pt_entry a64_entry(const struct walk *w, uint64_t e, enum mp_pt_level lv, uint64_t va,
			       uint64_t *pa)
{
	if (!(e & A64_VALID))
		return PT_INVALID;
	if (lv == MP_PT_PTE) /* 0b01 at L3 is reserved: the MMU faults on it */
		return e & A64_TABLE ? PT_LEAF : PT_INVALID;
	if (!(e & A64_TABLE)) {
		if (lv == MP_PT_PMD || lv == MP_PT_PUD)
			return PT_LEAF;
		/* a 512 GiB block at L0 (LPA2 allows one) or a block at L-1 (none
		 * exists): the kernel writes neither */
		say(w->why, w->wlen,
		    "the %s entry for 0x%" PRIx64 " is a block (0x%" PRIx64
		    "): the kernel maps nothing so at this level",
		    mp_pt_level_name(lv), va, e);
		return PT_BAD;
	}
	*pa = e & A64_ADDR_LOW;
	if (w->l->lpa2)
		*pa |= (e & A64_ADDR_HIGH) << A64_ADDR_HIGH_SHIFT;
	return PT_TABLE;
}

static int a64_walk(struct mp_kcore *k, const struct mp_kcore_layout *l, uint64_t start,
		    uint64_t end, struct mp_ptdump *out, char *why, size_t wlen)
{
	struct walk w = { .k = k, .l = l, .entry = a64_entry, .out = out, .why = why, .wlen = wlen };

	return pt_walk(&w, start, end);
}

/* The VMCOREINFO numbers the arm64 layout is made of. */
static int a64_info(struct mp_kcore *k, const char *key, uint64_t *v, char *why, size_t wlen)
{
	int r = mp_kcore_vmcoreinfo(k, key, v);

	if (r == -ENOENT)
		say(why, wlen,
		    "kcore's VMCOREINFO note has no %s (arm64's layout is learnt from it)", key);
	else if (r < 0)
		say(why, wlen, "kcore's VMCOREINFO note: %s is not a number", key);
	return r;
}

/*
 * A VA_BITS 52 kernel running with 48 (pgtable.h): the struct pages of the
 * linear map between _PAGE_OFFSET(52) and _PAGE_OFFSET(48), at the start of
 * the vmemmap, never exist, and vmalloc reaches into that space up to 8 MiB
 * below where they end (VMALLOC_END = VMEMMAP_START +
 * VMEMMAP_UNUSED_NPAGES * sizeof(struct page) - SZ_8M). The walk starts
 * there, at the struct page of PFN pfn0 + VMEMMAP_UNUSED_NPAGES.
 */
static int a64_unused(struct mp_kcore *k, struct mp_kcore_layout *l, uint64_t va_bits,
		      uint64_t vabits, char *why, size_t wlen)
{
	uint64_t npages = ((UINT64_C(1) << va_bits) - (UINT64_C(1) << vabits)) >> 12, end, used;

	if (a64_info(k, "NUMBER(VMALLOC_END)", &end, why, wlen) < 0)
		return -EBADMSG;
	used = end + (UINT64_C(8) << 20);
	if (used <= l->vmemmap_base || used >= l->vmemmap_end ||
	    (used - l->vmemmap_base) % npages || (used - l->vmemmap_base) / npages < 32 ||
	    (used - l->vmemmap_base) / npages > 256) {
		say(why, wlen,
		    "VMALLOC_END 0x%" PRIx64 " does not end 8 MiB below the used vmemmap of a "
		    "%" PRIu64 "-bit kernel running %" PRIu64 "-bit (VMEMMAP_START 0x%" PRIx64 ")",
		    end, va_bits, vabits, l->vmemmap_base);
		return -EBADMSG;
	}
	l->vmemmap_base = used;
	l->pfn0 += npages;
	return 0;
}

static int a64_layout(struct mp_kcore *k, const struct mp_ksyms *s, struct mp_kcore_layout *l,
		      char *why, size_t wlen)
{
	uint64_t page, va_bits, t1sz, phys, vabits, page_offset;
	int r;

	memset(l, 0, sizeof(*l));
	if (mp_kcore_vmcoreinfo(k, "PAGESIZE", &page) == 0 && page != 4096) {
		say(why, wlen, "arm64 with %" PRIu64 "-byte pages: only the 4K granule is walked",
		    page);
		return -EOPNOTSUPP;
	}
	if ((r = a64_info(k, "NUMBER(VA_BITS)", &va_bits, why, wlen)) < 0 ||
	    (r = a64_info(k, "NUMBER(TCR_EL1_T1SZ)", &t1sz, why, wlen)) < 0 ||
	    (r = a64_info(k, "NUMBER(PHYS_OFFSET)", &phys, why, wlen)) < 0 ||
	    (r = a64_info(k, "NUMBER(VMEMMAP_START)", &l->vmemmap_base, why, wlen)) < 0 ||
	    (r = a64_info(k, "NUMBER(VMEMMAP_END)", &l->vmemmap_end, why, wlen)) < 0)
		return -EBADMSG;
	/* TCR_EL1.T1SZ: the kernel's half of the VA space is 64 - T1SZ bits wide */
	vabits = t1sz < 64 ? 64 - t1sz : 0;
	if ((vabits != 48 && vabits != 52) || vabits > va_bits || va_bits > 52) {
		say(why, wlen,
		    "arm64 with a %" PRIu64 "-bit VA (VA_BITS %" PRIu64
		    "): only 48 and 52 bits with 4K pages are walked",
		    vabits, va_bits);
		return -EOPNOTSUPP;
	}
	/* 52 bits with 4K pages is FEAT_LPA2: 5 levels (L-1, 16 entries) and OA[51:50] in
	 * [9:8]; a 52-bit kernel on a CPU without it folds L-1 away (swapper_pg_dir is
	 * then the L0 table, pgd_to_folded_p4d) and runs LPA2 off */
	l->levels = vabits == 52 ? 5 : 4;
	l->top_entries = vabits == 52 ? 16 : 512;
	l->lpa2 = vabits == 52;
	l->pa_mask = A64_ADDR_LOW;
	l->top = s->addr[MP_KSYM_TOP] & ~UINT64_C(0xfff);
	/* __phys_to_virt: (pa - PHYS_OFFSET) | PAGE_OFFSET, PAGE_OFFSET = -(1 << VA_BITS) */
	page_offset = (uint64_t)0 - (UINT64_C(1) << va_bits);
	l->page_offset = page_offset - phys;
	/* vmemmap + pfn: VMEMMAP_START holds the struct page of memstart_addr's PFN */
	l->pfn0 = (uint64_t)((int64_t)phys >> 12);
	if (l->vmemmap_base & 0xfff || l->vmemmap_end <= l->vmemmap_base ||
	    l->vmemmap_base < (uint64_t)0 - (UINT64_C(1) << vabits)) {
		say(why, wlen,
		    "VMEMMAP_START 0x%" PRIx64 " to VMEMMAP_END 0x%" PRIx64 " is no %" PRIu64
		    "-bit arm64 kernel range",
		    l->vmemmap_base, l->vmemmap_end, vabits);
		return -EBADMSG;
	}
	if (vabits < va_bits && (r = a64_unused(k, l, va_bits, vabits, why, wlen)) < 0)
		return r;
	snprintf(l->how, sizeof(l->how),
		 "%u-level (arm64, %" PRIu64 "-bit VA from VMCOREINFO), %s at 0x%" PRIx64
		 ", vmemmap 0x%" PRIx64 " (PFN 0x%" PRIx64 ")",
		 l->levels, vabits, s->top, l->top, l->vmemmap_base, l->pfn0);
	return 0;
}

static const struct mp_pt_walker walkers[] = {
	{ "x86-64", EM_X86_64, x86_layout, x86_walk },
	{ "arm64", EM_AARCH64, a64_layout, a64_walk },
};

const struct mp_pt_walker *mp_pt_walker_find(unsigned machine)
{
	for (size_t i = 0; i < ARRAY_SIZE(walkers); i++)
		if (walkers[i].machine == machine)
			return &walkers[i];
	return NULL;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_AARCH64:
		return "arm64";
	case EM_386:
		return "i386";
	case EM_S390:
		return "s390";
	case EM_PPC64:
		return "ppc64";
	case EM_RISCV:
		return "riscv";
	default:
		return "this architecture";
	}
}

int mp_kcore_walk(struct mp_kcore *k, const struct mp_ksyms *s, uint64_t start, uint64_t end,
		  struct mp_ptdump *pt, char *why, size_t wlen)
{
	const struct mp_pt_walker *wk = mp_pt_walker_find(k->machine);
	struct mp_kcore_layout l;
	int r;

	if (!wk) {
		say(why, wlen, "no page-table walker for %s (ELF machine %u)",
		    machine_name(k->machine), k->machine);
		return -EOPNOTSUPP;
	}
	r = wk->layout(k, s, &l, why, wlen);
	if (r < 0)
		return r;
	if (start == 0 && end == 0) {
		start = l.vmemmap_base;
		end = l.vmemmap_end;
	}
	start = start < l.vmemmap_base ? l.vmemmap_base : start;
	end = end > l.vmemmap_end ? l.vmemmap_end : end;
	start &= ~UINT64_C(0xfff);
	r = wk->walk(k, &l, start, end, pt, why, wlen);
	if (r == 0)
		say(why, wlen, "%s", l.how);
	return r;
}

/* ---- the sensor ---- */

/*
 * kallsyms is large and slow to read (120,000 lines; seconds under TCG):
 * its addresses hold for a boot, so they are kept in the process and in
 * /run/memplug.kallsyms, a line "BOOT_ID TOP MASK ADDRESS..." that the next
 * memplug of the same boot reads instead.
 */
#define KSYM_FILE "/run/memplug.kallsyms"

static struct {
	char key[1100];
	struct mp_ksyms s;
} ksym_cache;

static bool ksyms_file_get(struct mp_root *root, const char *boot, struct mp_ksyms *s)
{
	char line[512], b[64], top[24];
	unsigned long long a[MP_KSYM_COUNT], mask;
	int n;

	if (mp_read_str(root, KSYM_FILE, line, sizeof(line)) <= 0)
		return false;
	n = sscanf(line, "%63s %23s %llx %llx %llx %llx %llx %llx %llx", b, top, &mask, &a[0],
		   &a[1], &a[2], &a[3], &a[4], &a[5]);
	if (n != 3 + MP_KSYM_COUNT || strcmp(b, boot) || !(mask & 1))
		return false;
	memset(s, 0, sizeof(*s));
	snprintf(s->top, sizeof(s->top), "%s", top);
	for (unsigned i = 0; i < MP_KSYM_COUNT; i++) {
		s->have[i] = mask >> i & 1;
		s->addr[i] = a[i];
	}
	return true;
}

static void ksyms_file_put(struct mp_root *root, const char *boot, const struct mp_ksyms *s)
{
	_cleanup_close_ int fd = -1;
	unsigned long long mask = 0;
	char line[512];

	for (unsigned i = 0; i < MP_KSYM_COUNT; i++)
		mask |= (unsigned long long)s->have[i] << i;
	snprintf(line, sizeof(line), "%s %s %llx %llx %llx %llx %llx %llx %llx\n", boot, s->top,
		 mask, (unsigned long long)s->addr[0], (unsigned long long)s->addr[1],
		 (unsigned long long)s->addr[2], (unsigned long long)s->addr[3],
		 (unsigned long long)s->addr[4], (unsigned long long)s->addr[5]);
	fd = mp_open(root, KSYM_FILE, O_WRONLY | O_CREAT | O_TRUNC);
	/* a cache: when /run cannot take it, the next memplug reads kallsyms again */
	if (fd >= 0 && write(fd, line, strlen(line)) < 0)
		return;
}

/* 0 read from kallsyms, 1 from a cache, or -errno with why */
static int ksyms_get(struct mp_root *root, struct mp_ksyms *s, char *why, size_t wlen)
{
	char key[sizeof(ksym_cache.key)], boot[64] = "", show[1024];
	_cleanup_free_ char *buf = NULL;
	ssize_t n;
	int r;

	mp_read_str(root, "/proc/sys/kernel/random/boot_id", boot, sizeof(boot));
	snprintf(key, sizeof(key), "%s %s",
		 mp_root_show(root, "/proc/kallsyms", show, sizeof(show)), boot);
	if (boot[0] && !strcmp(key, ksym_cache.key)) {
		*s = ksym_cache.s;
		return 1;
	}
	if (boot[0] && ksyms_file_get(root, boot, s)) {
		snprintf(ksym_cache.key, sizeof(ksym_cache.key), "%s", key);
		ksym_cache.s = *s;
		return 1;
	}
	n = mp_read_all(root, "/proc/kallsyms", &buf);
	if (n < 0) {
		say(why, wlen, "cannot read /proc/kallsyms: %s", strerror((int)-n));
		return (int)n;
	}
	r = mp_kallsyms_parse(buf, (size_t)n, s);
	if (r == -ENOENT)
		say(why, wlen,
		    "/proc/kallsyms has no init_top_pgt, init_level4_pgt or swapper_pg_dir");
	else if (r == -EPERM)
		say(why, wlen, "/proc/kallsyms shows no addresses (kptr_restrict, or not root)");
	if (r < 0)
		return r;
	snprintf(ksym_cache.key, sizeof(ksym_cache.key), "%s", key);
	ksym_cache.s = *s;
	if (boot[0])
		ksyms_file_put(root, boot, s);
	return 0;
}

int mp_kcore_vars(struct mp_root *root, const enum mp_ksym *which, size_t n, uint64_t *val,
		  char *why, size_t wlen)
{
	_cleanup_close_ int fd = -1;
	struct mp_kcore k;
	struct mp_ksyms s;
	int r = ksyms_get(root, &s, why, wlen);

	if (r < 0)
		return r;
	fd = mp_open(root, "/proc/kcore", O_RDONLY);
	if (fd < 0) {
		say(why, wlen, "cannot open /proc/kcore: %s", strerror(-fd));
		return fd;
	}
	r = mp_kcore_open_fd(&k, fd, why, wlen);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (!s.have[which[i]]) {
			say(why, wlen, "/proc/kallsyms does not list %s", ksym_names[which[i]][0]);
			r = -ENOENT;
		} else if ((r = mp_kcore_read(&k, s.addr[which[i]], &val[i], sizeof(val[i]))) < 0) {
			say(why, wlen, "/proc/kcore: cannot read 0x%" PRIx64 ": %s",
			    s.addr[which[i]], strerror(-r));
		}
	}
	mp_kcore_close(&k);
	return r < 0 ? r : 0;
}

int mp_kcore_bases(struct mp_root *root, uint64_t *vmemmap_base, uint64_t *page_offset_base,
		   char *why, size_t wlen)
{
	static const enum mp_ksym x86[] = { MP_KSYM_VMEMMAP_BASE, MP_KSYM_PAGE_OFFSET_BASE };
	_cleanup_close_ int fd = -1;
	struct mp_kcore_layout l;
	struct mp_kcore k;
	struct mp_ksyms s;
	uint64_t v[2], sp = 0;
	int r;

	fd = mp_open(root, "/proc/kcore", O_RDONLY);
	if (fd < 0) {
		say(why, wlen, "cannot open /proc/kcore: %s", strerror(-fd));
		return fd;
	}
	if ((r = mp_kcore_open_fd(&k, fd, why, wlen)) < 0)
		return r;
	if (k.machine != EM_AARCH64) {
		mp_kcore_close(&k);
		r = mp_kcore_vars(root, x86, 2, v, why, wlen);
		*vmemmap_base = v[0];
		*page_offset_base = v[1];
		return r;
	}
	/* arm64: the kernel's vmemmap (VMEMMAP_START - memstart_addr's PFN x
	 * sizeof(struct page), SIZE(page) in VMCOREINFO) and the virtual address
	 * of physical 0 in the linear map */
	if ((r = ksyms_get(root, &s, why, wlen)) >= 0 &&
	    (r = a64_layout(&k, &s, &l, why, wlen)) == 0 &&
	    (r = a64_info(&k, "SIZE(page)", &sp, why, wlen)) == 0 &&
	    (sp < 32 || sp > 256 || sp % 8)) {
		say(why, wlen,
		    "kcore's VMCOREINFO note: SIZE(page) %" PRIu64 " is no struct page size", sp);
		r = -EBADMSG;
	}
	mp_kcore_close(&k);
	if (r < 0)
		return r;
	*vmemmap_base = l.vmemmap_base - l.pfn0 * sp;
	*page_offset_base = l.page_offset;
	return 0;
}

int mp_kcore_pt_read(struct mp_root *root, uint64_t start, uint64_t end, struct mp_ptdump *pt,
		     struct mp_avail *avail, uint64_t *ksyms_ns)
{
	uint64_t t0;
	_cleanup_close_ int fd = -1;
	struct mp_kcore k;
	struct mp_ksyms s;
	char why[200];
	int r;

	mp_ptdump_clear(pt);
	fd = mp_open(root, "/proc/kcore", O_RDONLY);
	if (fd < 0) {
		mp_avail_set(avail, false, "cannot open /proc/kcore: %s%s", strerror(-fd),
			     fd == -EACCES || fd == -EPERM ? " (root only)" : "");
		return fd;
	}
	r = mp_kcore_open_fd(&k, fd, why, sizeof(why));
	if (r < 0) {
		mp_avail_set(avail, false, "/proc/kcore: %s", why);
		return r;
	}
	if (!mp_pt_walker_find(k.machine)) {
		mp_avail_set(avail, false, "/proc/kcore: no page-table walker for %s yet",
			     machine_name(k.machine));
		mp_kcore_close(&k);
		return -EOPNOTSUPP;
	}
	t0 = mp_now_ns();
	r = ksyms_get(root, &s, why, sizeof(why));
	if (ksyms_ns)
		*ksyms_ns = r == 1 ? 0 : mp_now_ns() - t0;
	if (r == 1)
		r = 0;
	if (r == 0)
		r = mp_kcore_walk(&k, &s, start, end, pt, why, sizeof(why));
	mp_kcore_close(&k);
	if (r < 0 && !strstr(why, "kallsyms"))
		mp_avail_set(avail, false, "/proc/kcore: %s", why);
	else
		mp_avail_set(avail, r == 0, "%s%s", r == 0 ? "/proc/kcore: " : "", why);
	return r;
}

/* ---- splicing and comparing lists ---- */

int mp_ptdump_splice(struct mp_ptdump *pt, const struct mp_ptdump *part, uint64_t start,
		     uint64_t end)
{
	struct mp_pt_range *v = malloc((pt->n + part->n + 2) * sizeof(*v));
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < pt->n && pt->r[i].start < start; i++) {
		v[k] = pt->r[i];
		if (v[k].end > start)
			v[k].end = start;
		k++;
	}
	for (size_t i = 0; i < part->n; i++)
		if (part->r[i].start >= start && part->r[i].end <= end)
			v[k++] = part->r[i];
	for (size_t i = 0; i < pt->n; i++) {
		if (pt->r[i].end <= end)
			continue;
		v[k] = pt->r[i];
		if (v[k].start < end)
			v[k].start = end;
		k++;
	}
	free(pt->r);
	pt->r = v;
	pt->n = k;
	if (!pt->base) {
		pt->base = part->base;
		pt->pfn0 = part->pfn0;
	}
	return 0;
}

/* The next mapped stretch of p from *i on, clipped to [s, e) and merged
 * over neighbours of one level; false at the end. */
static bool next_mapped(const struct mp_ptdump *p, size_t *i, uint64_t s, uint64_t e,
			struct mp_pt_range *out)
{
	bool have = false;

	for (; *i < p->n; (*i)++) {
		struct mp_pt_range r = p->r[*i];

		if (!r.mapped || r.end <= s || r.start >= e)
			continue;
		r.start = r.start < s ? s : r.start;
		r.end = r.end > e ? e : r.end;
		if (have && (out->end != r.start || out->level != r.level))
			return true;
		if (!have)
			*out = r;
		else
			out->end = r.end;
		have = true;
	}
	return have;
}

bool mp_ptdump_same(const struct mp_ptdump *a, const struct mp_ptdump *b, uint64_t start,
		    uint64_t end, uint64_t *at)
{
	size_t i = 0, j = 0;

	for (;;) {
		struct mp_pt_range x, y;
		bool hx = next_mapped(a, &i, start, end, &x),
		     hy = next_mapped(b, &j, start, end, &y);

		if (!hx && !hy)
			return true;
		if (hx != hy || x.start != y.start || x.end != y.end || x.level != y.level) {
			*at = !hx ? y.start : !hy ? x.start : x.start < y.start ? x.start : y.start;
			if (hx && hy && x.start == y.start)
				*at = x.level != y.level ? x.start : x.end < y.end ? x.end : y.end;
			return false;
		}
	}
}
