// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel-log sensor on the recorded guest logs of tests/fixtures/steps. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-main.h"
#include "checks/checker.h"
#include "fixture.h"
#include "sensors/kmsg.h"
#include "sensors/uevent.h"

/* A whole log's classified records, made findings as the runner makes them. */
static int scan(const char *buf, size_t len, const char *step, struct mp_findings *f)
{
	_cleanup_kmsg_log_ struct mp_kmsg_log log = { 0 };
	int r = mp_kmsg_scan(buf, len, &log);

	return r < 0 ? r : mp_check_kmsg_records(&log, step, f);
}

static const char *const logs[] = { "guest-6.12-debian/dmesg.txt",
				    "ptdump/struct-page-64/dmesg.txt",
				    "ptdump/struct-page-80/dmesg.txt" };

/* The recorded runs were healthy: their logs hold no finding. */
START_TEST(test_clean_logs)
{
	struct mp_findings f = { 0 };
	size_t len;
	char *text = fx_slurp(logs[_i], &len);

	ck_assert_int_eq(scan(text, len, "run", &f), 0);
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
	ck_assert_int_eq(scan(doc, len, "step 3", &f), 1);
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
	ck_assert(
		mp_kmsg_record("[    0.1] page dumped because: isolation failed", 47, &msg, &len));
	ck_assert_str_eq(mp_kmsg_classify(msg, len), "page dumped because: isolation failed");
	ck_assert(mp_kmsg_refusal(msg, len));
	ck_assert(!mp_kmsg_refusal("page dumped because: nonzero mapcount", 37));
	ck_assert(!mp_kmsg_refusal("BUG: Bad page state in process x", 33));
	ck_assert_ptr_null(mp_kmsg_classify("Offlined Pages 32768", 20));
	ck_assert_ptr_nonnull(mp_kmsg_classify("memory offlining [mem 0x1-0x2] failed", 38) ? "x"
											    : NULL);
}
END_TEST

/* What mm/ logs when it refuses an offline is a note, not a finding. */
START_TEST(test_refusals)
{
	static const char log[] =
		"[   20.1] migrating pfn 108000 failed ret:1\n"
		"[   20.1] page:00000000a1b2c3d4 refcount:3 mapcount:0 mapping:0 index:0x0 pfn:0x108000\n"
		"[   20.1] flags: 0x4000000000000000(zone=2)\n"
		"[   20.1] page dumped because: migration failure\n"
		"[   20.2] memory offlining [mem 0x108000000-0x10fffffff] failed due to notifier failure\n"
		"[   20.3] removing memory fails, because memory [0x108000000-0x10fffffff] is onlined\n"
		"[   20.4] BUG: Bad page state in process memplug  pfn:108001\n"
		"[   20.4] page dumped because: nonzero mapcount\n";
	struct mp_findings f = { 0 };

	ck_assert_int_eq(scan(log, sizeof(log) - 1, "s", &f), 6);
	ck_assert_uint_eq(f.n, 6);
	ck_assert_uint_eq(mp_findings_count(&f), 2);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(f.v[i].kind, MP_FIND_REFUSED);
		ck_assert(mp_finding_is_note(&f.v[i]));
	}
	ck_assert_int_eq(f.v[4].kind, MP_FIND_KERNEL_LOG);
	ck_assert_int_eq(f.v[5].kind, MP_FIND_KERNEL_LOG);
	mp_findings_clear(&f);
	ck_assert_uint_eq(
		mp_kmsg_pfn("Memory failure: 0x10a123: recovery action for free buddy page: "
			    "Recovered",
			    70),
		0x10a123);
	ck_assert_uint_eq(mp_kmsg_pfn("Memory failure: something", 25), UINT64_MAX);
}
END_TEST

/* /dev/kmsg of a recorded tree: sequence numbers, and the records after one. */
START_TEST(test_kmsg_read)
{
	char dir[] = "/tmp/memplug-kmsg-XXXXXX", path[64];
	struct mp_root *root = NULL;
	struct mp_kmsg_log log;
	struct mp_avail av;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dev", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/kmsg", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("6,40,1000,-;Linux version 6.12\n"
	      "4,41,2000,-;WARNING: CPU: 0 PID: 1 at mm/memory_hotplug.c:1 x\n"
	      " SUBSYSTEM=memory\n"
	      "6,42,3000,-;Offlined Pages 32768\n"
	      "3,43,4000,-;Memory failure: 0x10a123: recovery action for free buddy page: Recovered\n"
	      "4,44,5000,-;page dumped because: unmovable page\n",
	      fp);
	fclose(fp);
	ck_assert_int_eq(mp_root_new(dir, &root), 0);
	ck_assert_int_eq(mp_kmsg_read(root, 0, false, &log, &av), 0);
	ck_assert(av.ok);
	ck_assert_uint_eq(log.first_seq, 40);
	ck_assert_uint_eq(log.last_seq, 44);
	ck_assert_uint_eq(log.n, 0);
	ck_assert_int_eq(mp_kmsg_read(root, 41, true, &log, &av), 0);
	ck_assert_uint_eq(log.n, 2);
	ck_assert_uint_eq(log.v[0].seq, 43);
	ck_assert_uint_eq(log.v[0].pfn, 0x10a123);
	ck_assert(!log.v[0].refused);
	ck_assert(log.v[1].refused);
	ck_assert_str_eq(log.v[1].text, "page dumped because: unmovable page");
	mp_kmsg_log_clear(&log);
	mp_root_free(root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dev", dir);
	rmdir(path);
	rmdir(dir);
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

/* The events that came other than expected, made findings. */
static int verify(struct mp_uevents *u, const struct mp_uevent *want, size_t n, const char *step,
		  struct mp_findings *f)
{
	_cleanup_uevent_diff_ struct mp_uevent_diff d = { 0 };
	int r = mp_uevents_compare(u, want, n, &d);

	return r < 0 ? r : mp_check_uevents(&d, step, f);
}

/* On a recorded tree no event comes: each expected one is a finding. */
START_TEST(test_uevent_verify)
{
	struct mp_root *root = NULL;
	struct mp_uevents *u = NULL;
	struct mp_findings f = { 0 };
	const struct mp_uevent want[] = { { MP_UE_ONLINE, 32 }, { MP_UE_ONLINE, 33 } };
	char dir[] = "/tmp/memplug-ue-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mp_root_new(dir, &root), 0);
	ck_assert_int_eq(mp_uevents_new(root, &u), 0);
	ck_assert_int_eq(verify(u, want, 2, "s", &f), 0);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_int_eq(f.v[1].kind, MP_FIND_UEVENT);
	ck_assert_int_eq(f.v[1].block, 33);
	ck_assert_str_eq(f.v[1].what, "expected uevent online of memory33 did not come");
	ck_assert_int_eq(verify(u, NULL, 0, "s", &f), 0);
	ck_assert_uint_eq(f.n, 2);
	mp_findings_clear(&f);
	mp_uevents_free(u);
	mp_root_free(root);
	rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kmsg");
	TCase *tc = tcase_create("kmsg");

	tcase_add_loop_test(tc, test_clean_logs, 0, 3);
	tcase_add_loop_test(tc, test_planted_warning, 0, 3);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_kmsg_read);
	tcase_add_test(tc, test_uevent_names);
	tcase_add_test(tc, test_uevent_verify);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mp_check_run(suite());
}
