// SPDX-License-Identifier: GPL-2.0-or-later
/* The kpageflags summary on the recorded blocks of tests/fixtures/steps. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "fixture.h"
#include "sensors/kpf.h"
#include "sensors/sensor.h"

static const char *const bins[] = {
	"guest-6.12-debian/1-after-add-A-online/kpageflags-memory32.bin",
	"guest-6.12-debian/2-after-add-B-online/kpageflags-memory32.bin",
	"guest-6.12-debian/2-after-add-B-online/kpageflags-memory33.bin",
	"guest-6.12-debian/3-after-remove-A/kpageflags-memory33.bin",
	"ptdump/struct-page-64/1-after-add-A-online/kpageflags-memory32.bin",
	"ptdump/struct-page-64/3-after-remove-A/kpageflags-memory33.bin",
	"ptdump/struct-page-80/1-after-add-A-online/kpageflags-memory32.bin",
	"ptdump/struct-page-80/2-after-add-B-online/kpageflags-memory32.bin",
	"ptdump/struct-page-80/2-after-add-B-online/kpageflags-memory33.bin",
	"ptdump/struct-page-80/3-after-remove-A/kpageflags-memory33.bin",
};

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Fed in uneven pieces, the summary counts each bit as a plain loop does. */
START_TEST(test_kpf_bits)
{
	size_t len, n, off = 0, piece = 1;
	unsigned char *raw = (unsigned char *)fx_slurp(bins[_i], &len);
	uint64_t *w, want[64] = { 0 }, total = 0;
	struct mp_kpf_summary s;

	ck_assert_uint_eq(len, 32768 * 8);
	n = len / 8;
	w = malloc(len);
	for (size_t i = 0; i < n; i++) {
		w[i] = le64(raw + 8 * i);
		for (unsigned b = 0; b < 64; b++)
			want[b] += (w[i] >> b) & 1;
	}
	mp_kpf_summary_init(&s, 32 * 32768, n);
	while (off < n) {
		size_t k = piece < n - off ? piece : n - off;

		mp_kpf_summary_add(&s, w + off, k);
		off += k;
		piece = piece * 3 + 1;
	}
	ck_assert_uint_eq(s.seen, n);
	for (unsigned b = 0; b < 64; b++)
		ck_assert_msg(s.bits[b] == want[b], "%s bit %u: %" PRIu64 " != %" PRIu64, bins[_i],
			      b, s.bits[b], want[b]);
	for (int c = 0; c < MP_KPC_COUNT; c++)
		total += s.cls[c];
	ck_assert_uint_eq(total, n);
	/* online blocks of a correct kernel: no NOPAGE, no HWPOISON */
	ck_assert_uint_eq(s.cls[MP_KPC_NOPAGE], 0);
	ck_assert_uint_eq(s.nhwpoison, 0);
	/* Debian's and these kernels ran without memmap_on_memory */
	ck_assert_uint_eq(s.self_hosted, 0);
	free(w);
	free(raw);
}
END_TEST

/* What the fixtures say: a fresh block reads 32691 BUDDY pages (DESIGN.md). */
START_TEST(test_kpf_fresh_block)
{
	size_t len;
	unsigned char *raw = (unsigned char *)fx_slurp(bins[0], &len);
	struct mp_kpf_summary s;
	uint64_t w;

	mp_kpf_summary_init(&s, 32 * 32768, 32768);
	for (size_t i = 0; i < 32768; i++) {
		w = le64(raw + 8 * i);
		mp_kpf_summary_add(&s, &w, 1);
	}
	ck_assert_uint_eq(s.bits[KPF_BUDDY], 32691);
	ck_assert_uint_eq(s.cls[MP_KPC_BUDDY], 32691);
	free(raw);

	raw = (unsigned char *)fx_slurp(bins[8], &len);
	mp_kpf_summary_init(&s, 33 * 32768, 32768);
	for (size_t i = 0; i < 32768; i++) {
		w = le64(raw + 8 * i);
		mp_kpf_summary_add(&s, &w, 1);
	}
	ck_assert_uint_eq(s.cls[MP_KPC_BUDDY], 32768);
	free(raw);
}
END_TEST

START_TEST(test_kpf_classes)
{
	const uint64_t w[] = {
		KPF_BIT(KPF_OWNER_PRIVATE) | KPF_BIT(KPF_RESERVED), /* 6.1 self-hosted */
		KPF_BIT(KPF_OWNER_PRIVATE),			    /* 6.12 self-hosted */
		KPF_BIT(KPF_BUDDY),
		KPF_BIT(KPF_OWNER_PRIVATE), /* not at the start */
		KPF_BIT(KPF_HWPOISON) | KPF_BIT(KPF_BUDDY),
		KPF_BIT(KPF_NOPAGE),
		KPF_BIT(KPF_RESERVED),
		0,
		KPF_BIT(KPF_LRU) | KPF_BIT(KPF_OWNER_PRIVATE),
	};
	struct mp_kpf_summary s;

	mp_kpf_summary_init(&s, 1000, 12);
	mp_kpf_summary_add(&s, w, sizeof(w) / sizeof(w[0]));
	mp_kpf_summary_add_beyond(&s, 3);
	ck_assert_uint_eq(s.self_hosted, 2);
	ck_assert_uint_eq(s.cls[MP_KPC_MEMMAP], 3);
	ck_assert_uint_eq(s.cls[MP_KPC_BUDDY], 1);
	ck_assert_uint_eq(s.cls[MP_KPC_HWPOISON], 1);
	ck_assert_uint_eq(s.nhwpoison, 1);
	ck_assert_uint_eq(s.first_hwpoison, 1004);
	ck_assert_uint_eq(s.cls[MP_KPC_NOPAGE], 4);
	ck_assert_uint_eq(s.beyond, 3);
	ck_assert_uint_eq(s.cls[MP_KPC_RESERVED], 1);
	ck_assert_uint_eq(s.cls[MP_KPC_OTHER], 1);
	ck_assert_uint_eq(s.cls[MP_KPC_LRU], 1);
	ck_assert_str_eq(mp_kpf_name(KPF_ANON), "anonymous");
	ck_assert_str_eq(mp_kpf_name(KPF_NOPAGE), "nopage");
	ck_assert_ptr_null(mp_kpf_name(30));
}
END_TEST

/* A tree in dir whose /proc/kpageflags holds raw; its root. */
static struct mp_root *plant(char *dir, const unsigned char *raw, size_t len)
{
	struct mp_root *root;
	char path[512];
	FILE *f;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/proc", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/kpageflags", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(raw, 1, len, f), len);
	fclose(f);
	ck_assert_int_eq(mp_root_new(dir, &root), 0);
	return root;
}

static void unplant(struct mp_root *root, const char *dir)
{
	char cmd[1200];

	mp_root_free(root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The reader on a recorded file planted as /proc/kpageflags of a tree. */
START_TEST(test_kpf_reader)
{
	char tmpl[] = "/tmp/memplug-kpf-XXXXXX";
	struct mp_kpf_request rq[3];
	struct mp_avail av = { 0 };
	char *dir = mkdtemp(tmpl);
	size_t len;
	unsigned char *raw = (unsigned char *)fx_slurp(bins[6], &len);
	/* PFNs 0..32767: the recorded block; nothing past it */
	struct mp_root *root = plant(dir, raw, len);

	rq[0] = (struct mp_kpf_request){ .first_pfn = 0, .npages = 32768 };
	rq[1] = (struct mp_kpf_request){ .first_pfn = 16384, .npages = 32768 };
	rq[2] = (struct mp_kpf_request){ .first_pfn = 100000, .npages = 10 };
	ck_assert_int_eq(mp_kpf_read(root, rq, 3, false, 2, &av), 0);
	ck_assert(av.ok);
	ck_assert_uint_eq(rq[0].sum.seen, 32768);
	ck_assert_uint_eq(rq[0].sum.beyond, 0);
	ck_assert_uint_eq(rq[1].sum.beyond, 16384);
	ck_assert_uint_eq(rq[2].sum.cls[MP_KPC_NOPAGE], 10);
	ck_assert_uint_eq(rq[0].sum.cls[MP_KPC_BUDDY], 32684);
	ck_assert_int_eq(mp_kpf_read(root, rq, 1, true, 1, &av), -ENOENT);
	ck_assert(!av.ok);
	ck_assert(strstr(av.why, "kpagecount"));
	unplant(root, dir);
	free(raw);
}
END_TEST

/*
 * A sampled reading (the head and one slice, a hole between): it counts
 * exactly the pages it read, as a plain loop over the raw words does, puts
 * a poisoned page at its own PFN, and misses one in the hole.
 */
START_TEST(test_kpf_sample)
{
	char tmpl[] = "/tmp/memplug-kpf-XXXXXX";
	struct mp_kpf_request rq[2];
	struct mp_avail av = { 0 };
	struct mp_root *root;
	char *dir = mkdtemp(tmpl);
	size_t len;
	unsigned char *raw = (unsigned char *)fx_slurp(bins[6], &len);
	uint64_t buddy = 0, poison = KPF_BIT(KPF_HWPOISON);

	ck_assert_uint_eq(len, 32768 * 8);
	/* poison PFN 3000 (in the hole) and 7000 (in the slice) */
	for (int b = 0; b < 8; b++) {
		raw[3000 * 8 + b] |= (unsigned char)(poison >> (8 * b));
		raw[7000 * 8 + b] |= (unsigned char)(poison >> (8 * b));
	}
	for (size_t i = 0; i < 8192; i++)
		if (i < 1024 || i >= 6144)
			buddy += (le64(raw + 8 * i) >> KPF_BUDDY) & 1;
	root = plant(dir, raw, len);
	/* slice 3 of 16 of a 32768-page block: [0, 1024) and [6144, 8192) */
	rq[0] = (struct mp_kpf_request){ .first_pfn = 0,
					 .npages = 8192,
					 .hole_start = 1024,
					 .hole_len = 5120 };
	rq[1] = (struct mp_kpf_request){ .first_pfn = 0, .npages = 32768 };
	ck_assert_int_eq(mp_kpf_read(root, rq, 2, false, 1, &av), 0);
	ck_assert_uint_eq(rq[0].sum.seen, 3072);
	ck_assert_uint_eq(rq[0].sum.skipped, 5120);
	ck_assert_uint_eq(rq[0].sum.bits[KPF_BUDDY], buddy);
	ck_assert_uint_eq(rq[0].sum.nhwpoison, 1);
	ck_assert_uint_eq(rq[0].sum.first_hwpoison, 7000);
	ck_assert_uint_eq(rq[1].sum.nhwpoison, 2);
	ck_assert_uint_eq(rq[1].sum.first_hwpoison, 3000);
	ck_assert_uint_eq(rq[0].sum.self_hosted, rq[1].sum.self_hosted);
	unplant(root, dir);
	free(raw);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kpf");
	TCase *tc = tcase_create("kpf");

	tcase_add_loop_test(tc, test_kpf_bits, 0, sizeof(bins) / sizeof(bins[0]));
	tcase_add_test(tc, test_kpf_fresh_block);
	tcase_add_test(tc, test_kpf_classes);
	tcase_add_test(tc, test_kpf_reader);
	tcase_add_test(tc, test_kpf_sample);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mp_check_run(suite());
}
