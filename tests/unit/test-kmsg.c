// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel-log sensor on the recorded guest logs of ../shared/fixtures. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "sensor-kmsg.h"
#include "sensor-uevent.h"

static const char *const logs[] = { "guest-6.12-debian/dmesg.txt",
				    "ptdump/struct-page-64/dmesg.txt",
				    "ptdump/struct-page-80/dmesg.txt" };

/* The recorded runs were healthy: their logs hold no finding. */
START_TEST(test_clean_logs)
{
	struct mp_findings f = { 0 };
	size_t len;
	char *text = fx_slurp(logs[_i], &len);

	ck_assert_int_eq(mp_kmsg_scan(text, len, "run", &f), 0);
	for (size_t i = 0; i < f.n; i++)
		fprintf(stderr, "%s\n", f.v[i].text);
	ck_assert_uint_eq(f.n, 0);
	free(text);
}
END_TEST

/* The same log with a warning's dump spliced in: one finding, its text. */
START_TEST(test_planted_warning)
{
	static const char warn[] =
		"[   12.345678] ------------[ cut here ]------------\n"
		"[   12.345679] WARNING: CPU: 1 PID: 77 at mm/memory_hotplug.c:1234 "
		"offline_pages+0x1a/0x2b0\n"
		"[   12.345680] Call Trace:\n"
		"[   12.345690] ---[ end trace 0000000000000000 ]---\n";
	struct mp_findings f = { 0 };
	size_t len;
	char *text = fx_slurp(logs[_i], &len), *doc = malloc(len + sizeof(warn));

	memcpy(doc, text, len / 2);
	memcpy(doc + len / 2, warn, sizeof(warn) - 1);
	/* resume at the next line start so no line is cut */
	{
		const char *rest = strchr(text + len / 2, '\n');
		size_t off = len / 2 + sizeof(warn) - 1;

		rest = rest ? rest + 1 : text + len;
		memcpy(doc + off, rest, (size_t)(text + len - rest));
		len = off + (size_t)(text + len - rest);
	}
	ck_assert_int_eq(mp_kmsg_scan(doc, len, "step 3", &f), 1);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_int_eq(f.v[0].kind, MP_FIND_KERNEL_LOG);
	ck_assert(strstr(f.v[0].what, "WARNING"));
	ck_assert_str_eq(f.v[0].text, "WARNING: CPU: 1 PID: 77 at mm/memory_hotplug.c:1234 "
				      "offline_pages+0x1a/0x2b0");
	ck_assert_str_eq(f.v[0].step, "step 3");
	mp_findings_clear(&f);
	free(doc);
	free(text);
}
END_TEST

START_TEST(test_records)
{
	const char *msg;
	size_t len;

	ck_assert(mp_kmsg_record("4,1234,5678901,-;BUG: Bad page state in process x\n", 50, &msg,
				 &len));
	ck_assert_int_eq(strncmp(msg, "BUG: Bad page state", 19), 0);
	ck_assert_str_eq(mp_kmsg_classify(msg, len), "BUG:");
	ck_assert(!mp_kmsg_record(" SUBSYSTEM=memory\n", 18, &msg, &len));
	ck_assert(!mp_kmsg_record("garbage", 7, &msg, &len));
	ck_assert(mp_kmsg_record("[    0.1] page dumped because: isolation failed", 47, &msg, &len));
	ck_assert_str_eq(mp_kmsg_classify(msg, len), "page dumped because");
	ck_assert_ptr_null(mp_kmsg_classify("Offlined Pages 32768", 20));
	ck_assert_ptr_nonnull(mp_kmsg_classify("memory offlining [mem 0x1-0x2] failed", 38) ? "x" : NULL);
}
END_TEST

/* The uevent names and the expected-versus-seen comparison. */
START_TEST(test_uevent_names)
{
	uint64_t b;

	ck_assert_int_eq(mp_uevent_block("/devices/system/memory/memory32", &b), 0);
	ck_assert_uint_eq(b, 32);
	ck_assert_int_lt(mp_uevent_block("/devices/system/memory/memory_tier", &b), 0);
	ck_assert_int_eq(mp_uevent_action_parse("online"), MP_UE_ONLINE);
	ck_assert_int_eq(mp_uevent_action_parse("change"), MP_UE_OTHER);
	ck_assert_str_eq(mp_uevent_action_name(MP_UE_REMOVE), "remove");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kmsg");
	TCase *tc = tcase_create("kmsg");

	tcase_add_loop_test(tc, test_clean_logs, 0, 3);
	tcase_add_loop_test(tc, test_planted_warning, 0, 3);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_uevent_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
