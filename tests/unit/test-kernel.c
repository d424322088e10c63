// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel probe (sensors/kernel.h) and the offline-block invariant that
 * uses it, on recorded guests (tests/fixtures/record-expected.sh): Debian
 * 7.2.13, whose /proc/kpageflags reads 0 where no memmap is online, and
 * 6.12, which reads NOPAGE there as documented.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "checks/checker.h"
#include "sensors/kernel.h"
#include "sensors/kpf.h"

struct tree {
	char dir[64];
	struct mp_root *root;
	struct mp_memory *mem;
};

/* Extract tests/fixtures/DIR/NAME.tar.xz and read its blocks. */
static void tree_open_in(struct tree *t, const char *dir, const char *name)
{
	char cmd[1024], path[256];

	snprintf(t->dir, sizeof(t->dir), "/tmp/memplug-kernel-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -xJf '%s/%s/%s.tar.xz'", t->dir, FIXTURES, dir,
		 name);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	ck_assert_int_eq(mp_root_new(path, &t->root), 0);
	ck_assert_int_eq(mp_memory_read(t->root, MP_READ_STATE | MP_READ_ZONES, NULL, &t->mem), 0);
}

static void tree_open(struct tree *t, const char *name)
{
	tree_open_in(t, "trees-kpf", name);
}

static void tree_close(struct tree *t)
{
	char cmd[128];

	mp_memory_free(t->mem);
	mp_root_free(t->root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* 7.2: the hole between boot memory and the DIMMs reads 0: one difference. */
START_TEST(test_probe_72)
{
	struct mp_kernel k;
	struct tree t;
	char text[200];

	tree_open(&t, "guest-7.2-kpf");
	mp_kernel_init(&k);
	mp_kernel_probe(t.root, t.mem, &k);
	ck_assert_str_eq(k.release, "7.2.13+deb14-amd64");
	ck_assert_int_eq(k.kpf_absent, MP_KPF_ABSENT_ZERO);
	ck_assert_msg(strstr(k.kpf_absent_src, "memory4, a hole"), "%s", k.kpf_absent_src);
	ck_assert(k.diff[MP_KDIFF_KPF_ABSENT_ZERO]);
	ck_assert_int_eq(k.nr_memmap_pages, 1);
	ck_assert_int_eq(k.nr_memmap_boot_pages, 1);
	ck_assert(!k.diff[MP_KDIFF_NO_NR_MEMMAP]);
	ck_assert(!k.diff[MP_KDIFF_NO_MEMMAP_PARAM]);
	ck_assert(!k.diff[MP_KDIFF_NO_ONLINE_POLICY]);
	ck_assert_msg(!k.diff[MP_KDIFF_VALID_ZONES], "%s", k.valid_zones_odd);
	mp_kdiff_text(&k, MP_KDIFF_KPF_ABSENT_ZERO, text, sizeof(text));
	ck_assert_msg(strstr(text, "7.2.13+deb14-amd64") && strstr(text, "reads 0, not NOPAGE"),
		      "%s", text);
	tree_close(&t);
}
END_TEST

/* Without a hole (the blocks 4..31 gone from the model) an offline DIMM block teaches it. */
START_TEST(test_probe_72_offline)
{
	struct mp_kernel k;
	struct tree t;
	size_t j = 0;

	tree_open(&t, "guest-7.2-kpf");
	for (size_t i = 0; i < t.mem->nblocks; i++)
		if (t.mem->blocks[i].id >= 32)
			t.mem->blocks[j++] = t.mem->blocks[i];
	t.mem->nblocks = j;
	mp_kernel_init(&k);
	ck_assert(mp_kernel_probe_kpf(t.root, t.mem, &k));
	ck_assert_int_eq(k.kpf_absent, MP_KPF_ABSENT_ZERO);
	ck_assert_msg(strstr(k.kpf_absent_src, "offline"), "%s", k.kpf_absent_src);
	tree_close(&t);
}
END_TEST

START_TEST(test_probe_612)
{
	struct mp_kernel k;
	struct tree t;

	tree_open(&t, "guest-6.12-kpf");
	mp_kernel_init(&k);
	mp_kernel_probe(t.root, t.mem, &k);
	ck_assert_int_eq(k.kpf_absent, MP_KPF_ABSENT_NOPAGE);
	for (int d = 0; d < MP_KDIFF_COUNT; d++)
		ck_assert_msg(!k.diff[d], "difference %s on 6.12", mp_kdiff_name((enum mp_kdiff)d));
	tree_close(&t);
}
END_TEST

/* 6.1 (a tree without kpageflags): no nr_memmap_pages, nothing else differs. */
START_TEST(test_probe_61)
{
	struct mp_kernel k;
	struct tree t;
	char text[200];

	tree_open_in(&t, "trees", "guest-6.1");
	mp_kernel_init(&k);
	mp_kernel_probe(t.root, t.mem, &k);
	ck_assert_int_eq(k.kpf_absent, MP_KPF_ABSENT_UNKNOWN);
	ck_assert_int_eq(k.nr_memmap_pages, 0);
	ck_assert_int_eq(k.nr_memmap_boot_pages, 0);
	for (int d = 0; d < MP_KDIFF_COUNT; d++)
		ck_assert_msg(k.diff[d] == (d == MP_KDIFF_NO_NR_MEMMAP), "difference %s on 6.1",
			      mp_kdiff_name((enum mp_kdiff)d));
	mp_kdiff_text(&k, MP_KDIFF_NO_NR_MEMMAP, text, sizeof(text));
	ck_assert_msg(strstr(text, "no nr_memmap_pages nor nr_memmap_boot_pages"), "%s", text);
	tree_close(&t);
}
END_TEST

/* Only a uniform reading teaches; what was learned stays. */
START_TEST(test_learn)
{
	uint64_t mixed[3] = { 0, KPF_BIT(KPF_NOPAGE), 0 }, buddy[2] = { KPF_BIT(KPF_BUDDY), 0 };
	uint64_t nopage[2] = { KPF_BIT(KPF_NOPAGE), KPF_BIT(KPF_NOPAGE) }, zero[2] = { 0, 0 };
	struct mp_kernel k;

	mp_kernel_init(&k);
	ck_assert(!mp_kernel_learn_kpf(&k, mixed, 3, "x"));
	ck_assert(!mp_kernel_learn_kpf(&k, buddy, 2, "x"));
	ck_assert(!mp_kernel_learn_kpf(&k, zero, 0, "x"));
	ck_assert_int_eq(k.kpf_absent, MP_KPF_ABSENT_UNKNOWN);
	ck_assert(mp_kernel_learn_kpf(&k, nopage, 2, "n"));
	ck_assert_int_eq(k.kpf_absent, MP_KPF_ABSENT_NOPAGE);
	ck_assert(!k.diff[MP_KDIFF_KPF_ABSENT_ZERO]);
	ck_assert(mp_kernel_learn_kpf(&k, zero, 2, "z"));
	ck_assert_int_eq(k.kpf_absent, MP_KPF_ABSENT_NOPAGE);
	ck_assert_str_eq(k.kpf_absent_src, "n");
}
END_TEST

START_TEST(test_zones_documented)
{
	ck_assert(mp_kernel_zones_documented("Movable", true));
	ck_assert(mp_kernel_zones_documented("none", true));
	ck_assert(mp_kernel_zones_documented("Normal Movable", false));
	ck_assert(!mp_kernel_zones_documented("Normal Movable", true));
	ck_assert(!mp_kernel_zones_documented("", false));
	ck_assert(!mp_kernel_zones_documented("Normal,Movable", false));
}
END_TEST

/* An offline block of 64 pages, its kpageflags words all w. */
static void offline_block(struct mp_snapshot *s, struct mp_snap_block *b, uint64_t w)
{
	uint64_t v[64];

	for (size_t i = 0; i < 64; i++)
		v[i] = w;
	memset(s, 0, sizeof(*s));
	memset(b, 0, sizeof(*b));
	s->page_size = 4096;
	s->block_size = 64 * 4096;
	s->nblocks = 1;
	s->blocks = b;
	b->id = 32;
	b->present = true;
	b->state = MP_STATE_OFFLINE;
	b->have_kpf = true;
	mp_kpf_summary_init(&b->kpf, 32 * 64, 64);
	mp_kpf_summary_add(&b->kpf, v, 64);
}

/* The invariant as each kernel taught it: the expected reading is clean, any other is not. */
START_TEST(test_offline_invariant)
{
	static const struct {
		enum mp_kpf_absent absent;
		uint64_t word;
		size_t findings;
	} c[] = {
		{ MP_KPF_ABSENT_ZERO, 0, 0 },
		{ MP_KPF_ABSENT_ZERO, KPF_BIT(KPF_NOPAGE), 1 },
		{ MP_KPF_ABSENT_NOPAGE, KPF_BIT(KPF_NOPAGE), 0 },
		{ MP_KPF_ABSENT_NOPAGE, 0, 1 },
		{ MP_KPF_ABSENT_UNKNOWN, 0, 0 },
		{ MP_KPF_ABSENT_UNKNOWN, KPF_BIT(KPF_NOPAGE), 0 },
		{ MP_KPF_ABSENT_UNKNOWN, KPF_BIT(KPF_BUDDY), 1 },
		{ MP_KPF_ABSENT_ZERO, KPF_BIT(KPF_BUDDY), 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct mp_kernel k;
		struct mp_check_opts o = { .kernel = &k, .step = "t" };
		struct mp_findings f = { 0 };
		struct mp_check_info info;
		struct mp_snap_block b;
		struct mp_snapshot s;

		mp_kernel_init(&k);
		k.kpf_absent = c[i].absent;
		offline_block(&s, &b, c[i].word);
		ck_assert_int_eq(mp_check(NULL, &s, &o, &f, &info), 0);
		ck_assert_msg(mp_findings_count(&f) == c[i].findings, "case %zu: %zu findings", i,
			      mp_findings_count(&f));
		mp_findings_clear(&f);
	}
}
END_TEST

/* Each difference once, a note unless strict. */
START_TEST(test_notes_once)
{
	struct mp_findings f = { 0 };
	struct mp_kernel k;

	mp_kernel_init(&k);
	snprintf(k.release, sizeof(k.release), "7.2.13+deb14-amd64");
	ck_assert(mp_kernel_learn_kpf(&k, (uint64_t[]){ 0, 0 }, 2, "PFN 0x8000 (memory4, a hole)"));
	ck_assert_int_eq(mp_check_kernel_notes(&k, false, "start", &f), 1);
	ck_assert_int_eq(mp_check_kernel_notes(&k, false, "1:add", &f), 0);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_uint_eq(mp_findings_count(&f), 0);
	ck_assert_int_eq(f.v[0].kind, MP_FIND_KERNEL_INTERFACE);
	ck_assert_str_eq(mp_finding_kind_name(f.v[0].kind), "kernel-interface");
	ck_assert(strstr(f.v[0].what, "7.2.13+deb14-amd64"));
	mp_findings_clear(&f);
	mp_kernel_init(&k);
	k.diff[MP_KDIFF_NO_NR_MEMMAP] = true;
	k.nr_memmap_pages = k.nr_memmap_boot_pages = 0;
	ck_assert_int_eq(mp_check_kernel_notes(&k, true, "start", &f), 1);
	ck_assert_uint_eq(mp_findings_count(&f), 1);
	mp_findings_clear(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel");
	TCase *tc = tcase_create("probe");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_probe_72);
	tcase_add_test(tc, test_probe_72_offline);
	tcase_add_test(tc, test_probe_612);
	tcase_add_test(tc, test_probe_61);
	tcase_add_test(tc, test_learn);
	tcase_add_test(tc, test_zones_documented);
	tcase_add_test(tc, test_offline_invariant);
	tcase_add_test(tc, test_notes_once);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
