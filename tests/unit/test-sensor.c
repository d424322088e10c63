// SPDX-License-Identifier: GPL-2.0-or-later
/* The text sensors on recorded guest states (tests/fixtures/steps). */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "fixture.h"
#include "sensors/sensor.h"

static void counters_of(const char *rel, bool vmstat, struct mp_counters *c, char **text,
			size_t *len)
{
	*text = fx_slurp(rel, len);
	c->node = -1;
	if (vmstat)
		ck_assert_int_eq(mp_vmstat_parse(*text, *len, c), 0);
	else
		ck_assert_int_eq(mp_meminfo_parse(*text, *len, c), 0);
}

/* Every "name value" line of the file, read here with sscanf, is in c. */
static void same_as_file(const char *text, const struct mp_counters *c, bool vmstat)
{
	const char *p = text;
	size_t lines = 0;

	while (*p) {
		char name[64];
		unsigned long long v;
		uint64_t got;
		int ok = vmstat ? sscanf(p, "%63s %llu", name, &v)
				: sscanf(p, "%63[^:]: %llu", name, &v);

		if (ok == 2) {
			ck_assert_msg(mp_counters_get(c, name, &got) == 0, "%s missing", name);
			ck_assert_msg(got == v, "%s: %" PRIu64 " != %llu", name, got, v);
			lines++;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	ck_assert_uint_eq(lines, c->n);
}

START_TEST(test_meminfo_fixture)
{
	struct mp_counters c = { .node = -1 };
	char rel[256], *text;
	size_t len;

	snprintf(rel, sizeof(rel), "guest-6.12-debian/%s/meminfo", fx_steps[_i]);
	counters_of(rel, false, &c, &text, &len);
	same_as_file(text, &c, false);
	ck_assert_int_eq(c.node, -1);
	free(text);
	mp_counters_clear(&c);
}
END_TEST

/* The values the fixture files say (README: 0, 512, 1024, 512, 0). */
START_TEST(test_vmstat_fixture)
{
	static const uint64_t memmap[] = { 0, 512, 1024, 512, 0 };
	static const uint64_t memtotal[] = { 406864, 537936, 669008, 537936, 406864 };
	struct mp_counters c = { .node = -1 }, m = { .node = -1 };
	char rel[256], *text, *mtext;
	size_t len;

	snprintf(rel, sizeof(rel), "guest-6.12-debian/%s/vmstat", fx_steps[_i]);
	counters_of(rel, true, &c, &text, &len);
	same_as_file(text, &c, true);
	ck_assert_uint_eq(mp_counters_val(&c, "nr_memmap_pages", 99), memmap[_i]);
	snprintf(rel, sizeof(rel), "guest-6.12-debian/%s/meminfo", fx_steps[_i]);
	counters_of(rel, false, &m, &mtext, &len);
	ck_assert_uint_eq(mp_counters_val(&m, "MemTotal", 0), memtotal[_i]);
	free(text);
	free(mtext);
	mp_counters_clear(&c);
	mp_counters_clear(&m);
}
END_TEST

START_TEST(test_node_meminfo)
{
	static const char text[] = "\n"
				   "Node 1 MemTotal:        8480972 kB\n"
				   "Node 1 MemFree:         3612692 kB\n"
				   "Node 1 HugePages_Total:     0\n"
				   "Node 1 Bad line\n"
				   "Node 2 MemUsed: 5 kB\n";
	struct mp_counters c = { .node = -1 };

	ck_assert_int_eq(mp_meminfo_parse(text, sizeof(text) - 1, &c), 0);
	ck_assert_int_eq(c.node, 1);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(mp_counters_val(&c, "MemTotal", 0), 8480972);
	ck_assert_uint_eq(mp_counters_val(&c, "HugePages_Total", 9), 0);
	ck_assert_uint_eq(mp_counters_val(&c, "MemUsed", 7), 7);
	mp_counters_clear(&c);
}
END_TEST

START_TEST(test_counters_bad)
{
	static const char *const bad[] = { "",
					   "\n\n",
					   "MemTotal: x kB\n",
					   "MemTotal: 12 MB\n",
					   "Mem Total: 1 kB\n",
					   ": 5\n",
					   "MemTotal: -5 kB\n" };
	struct mp_counters c = { .node = -1 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(mp_meminfo_parse(bad[i], strlen(bad[i]), &c) == -EBADMSG, "%s",
			      bad[i]);
	ck_assert_int_eq(mp_vmstat_parse("nr_free_pages 1 2\n", 18, &c), -EBADMSG);
	ck_assert_int_eq(mp_vmstat_parse("nr_free_pages -1\n", 17, &c), -EBADMSG);
	/* not NUL-terminated: the length is the limit */
	ck_assert_int_eq(mp_vmstat_parse("nr_free_pages 12345", 16, &c), 0);
	ck_assert_uint_eq(mp_counters_val(&c, "nr_free_pages", 0), 12);
	mp_counters_clear(&c);
}
END_TEST

/* zoneinfo: every zone header of the file, and its numbers read with awk-like sscanf. */
START_TEST(test_zoneinfo_fixture)
{
	static const char *const dirs[] = { "guest-6.12-debian", "ptdump/struct-page-64",
					    "ptdump/struct-page-80" };
	for (size_t d = 0; d < 3; d++) {
		struct mp_zoneinfo zi = { 0 };
		char rel[256], *text;
		size_t len, headers = 0;
		const char *p;

		snprintf(rel, sizeof(rel), "%s/%s/zoneinfo", dirs[d], fx_steps[_i]);
		text = fx_slurp(rel, &len);
		ck_assert_int_eq(mp_zoneinfo_parse(text, len, &zi), 0);
		for (p = text; (p = strstr(p, "\nNode ")); p++)
			headers++;
		if (!strncmp(text, "Node ", 5))
			headers++;
		ck_assert_uint_eq(zi.n, headers);
		/* the per-cpu lists: every "count:" line of the file, summed by the test */
		uint64_t want_pcp = 0, got_pcp = 0;

		for (p = text; (p = strstr(p, " count: ")); p++)
			want_pcp += strtoull(p + 8, NULL, 10);
		for (size_t i = 0; i < zi.n; i++)
			got_pcp += zi.z[i].pcp;
		ck_assert_uint_eq(got_pcp, want_pcp);
		for (size_t i = 0; i < zi.n; i++) {
			const struct mp_zone *z = &zi.z[i];

			ck_assert_msg(z->spanned >= z->present && z->present >= z->managed,
				      "%s zone %s: %" PRIu64 " %" PRIu64 " %" PRIu64, rel, z->name,
				      z->spanned, z->present, z->managed);
		}
		free(text);
		mp_zoneinfo_clear(&zi);
	}
}
END_TEST

/* What the guest-6.12-debian files say about Movable: 0, 32768, 65536, 32768, 0. */
START_TEST(test_zoneinfo_movable)
{
	static const uint64_t present[] = { 0, 32768, 65536, 32768, 0 };
	struct mp_zoneinfo zi = { 0 };
	const struct mp_zone *z;
	char rel[256], *text;
	size_t len;

	snprintf(rel, sizeof(rel), "guest-6.12-debian/%s/zoneinfo", fx_steps[_i]);
	text = fx_slurp(rel, &len);
	ck_assert_int_eq(mp_zoneinfo_parse(text, len, &zi), 0);
	z = mp_zoneinfo_find(&zi, 0, "Movable");
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->present, present[_i]);
	z = mp_zoneinfo_find(&zi, 0, "DMA32");
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(z->present, 126944);
	ck_assert(z->have_start_pfn);
	ck_assert_uint_eq(z->start_pfn, 4096);
	ck_assert_ptr_null(mp_zoneinfo_find(&zi, 1, "DMA32"));
	free(text);
	mp_zoneinfo_clear(&zi);
}
END_TEST

START_TEST(test_zoneinfo_bad)
{
	struct mp_zoneinfo zi = { 0 };

	ck_assert_int_eq(mp_zoneinfo_parse("", 0, &zi), -EBADMSG);
	ck_assert_int_eq(mp_zoneinfo_parse("  pages free 5\n", 15, &zi), -EBADMSG);
	ck_assert_int_eq(mp_zoneinfo_parse("Node 0, zone Normal\n spanned 5", 30, &zi), 0);
	ck_assert_uint_eq(zi.z[0].spanned, 5);
	mp_zoneinfo_clear(&zi);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sensor");
	TCase *tc = tcase_create("text");

	tcase_add_loop_test(tc, test_meminfo_fixture, 0, 5);
	tcase_add_loop_test(tc, test_vmstat_fixture, 0, 5);
	tcase_add_test(tc, test_node_meminfo);
	tcase_add_test(tc, test_counters_bad);
	tcase_add_loop_test(tc, test_zoneinfo_fixture, 0, 5);
	tcase_add_loop_test(tc, test_zoneinfo_movable, 0, 5);
	tcase_add_test(tc, test_zoneinfo_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mp_check_run(suite());
}
