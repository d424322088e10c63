// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel crashes in console logs (tests/fixtures/oops, see its README.md):
 * what kind, which RIP, which address, and where that address lies. The
 * PFNs are worked out by hand beside each: vmemmap offset / sizeof(struct
 * page), direct-map offset / 4096, block = PFN / 32768 (128 MiB blocks).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "checks/crash.h"

#define MIB128 (128ULL << 20)

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/oops/%s", FIXTURES, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "missing fixture %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void parse(const char *name, struct mp_crash *c)
{
	size_t len;
	char *buf = slurp(name, &len);

	ck_assert_int_eq(mp_crash_parse(buf, len, c), 0);
	free(buf);
}

static const struct mp_crash_owner owners[] = { { 32, 33, "D1" }, { 34, 35, "D2" } };

START_TEST(test_issue_vmemmap)
{
	struct mp_crash_layout l = { .vmemmap_base = MP_VMEMMAP_BASE_NOKASLR,
				     .page_offset_base = MP_PAGE_OFFSET_NOKASLR,
				     .block_size = MIB128,
				     .struct_page = 80,
				     .owners = owners,
				     .nowners = 2 };
	struct mp_crash c;
	char sig[128];

	parse("issue13-6.12-vmemmap.log", &c);
	ck_assert(c.found);
	ck_assert_str_eq(c.kind, "oops");
	ck_assert_str_eq(c.headline,
			 "BUG: unable to handle page fault for address: ffffea0005280550");
	ck_assert_str_eq(c.func, "__rmqueue_pcplist");
	ck_assert(c.have_addr);
	ck_assert_uint_eq(c.addr, 0xffffea0005280550ULL);
	mp_crash_decode(&c, &l);
	ck_assert_int_eq(c.region, MP_CRASH_VMEMMAP);
	ck_assert_uint_eq(c.nguess, 1);
	/* 0x5280550 / 80 = 0x108011 remainder 0; 0x108011 / 0x8000 = 33 */
	ck_assert_uint_eq(c.guess[0].pfn, 0x108011);
	ck_assert_uint_eq(c.guess[0].offset, 0);
	ck_assert_int_eq(c.guess[0].block, 33);
	ck_assert_str_eq(c.guess[0].owner, "D1");
	mp_crash_signature(&c, sig, sizeof(sig));
	ck_assert_str_eq(sig, "oops __rmqueue_pcplist|D1");

	/*
	 * size unknown: of 56..128 only 80 lands in D1 or D2 (72: PFN 0x125568,
	 * block 36; 88: 0xf000f, block 30; 64: 0x14a015, block 41)
	 */
	l.struct_page = 0;
	mp_crash_decode(&c, &l);
	ck_assert_uint_eq(c.nguess, 1);
	ck_assert_uint_eq(c.guess[0].struct_page, 80);
	ck_assert_str_eq(c.guess[0].owner, "D1");
	/* no device known: 64, assumed */
	l.nowners = 0;
	mp_crash_decode(&c, &l);
	ck_assert_uint_eq(c.nguess, 1);
	ck_assert_uint_eq(c.guess[0].struct_page, 64);
	ck_assert_uint_eq(c.guess[0].pfn, 0x14a015);
	ck_assert_uint_eq(c.guess[0].offset, 16);
	ck_assert_int_eq(c.guess[0].block, 41);
	mp_crash_clear(&c);
}
END_TEST

START_TEST(test_directmap_61)
{
	struct mp_crash_layout l = { .vmemmap_base = MP_VMEMMAP_BASE_NOKASLR,
				     .page_offset_base = MP_PAGE_OFFSET_NOKASLR,
				     .block_size = MIB128,
				     .owners = owners,
				     .nowners = 2 };
	struct mp_crash c;
	struct mp_findings f = { 0 };

	parse("doctored-6.1-directmap.log", &c);
	ck_assert(c.found);
	ck_assert_str_eq(c.kind, "oops");
	ck_assert_str_eq(c.rip, "memset_orig+0x72/0xb0");
	ck_assert_str_eq(c.func, "memset_orig");
	ck_assert_str_eq(c.taint, "Tainted: G        W");
	ck_assert_str_eq(c.panic, "Kernel panic - not syncing: Fatal exception");
	ck_assert_uint_eq(c.addr, 0xffff888100000040ULL);
	/* the register dump is left out, the call trace and CR2 kept */
	ck_assert_ptr_null(strstr(c.header, "RAX:"));
	ck_assert_ptr_nonnull(strstr(c.header, "online_pages+0x1a5/0x2b0"));
	ck_assert_ptr_nonnull(strstr(c.header, "---[ end Kernel panic"));
	mp_crash_decode(&c, &l);
	ck_assert_int_eq(c.region, MP_CRASH_DIRECT);
	/* 0x100000040 / 4096 = 0x100000 remainder 0x40; block 32, D1's */
	ck_assert_uint_eq(c.guess[0].pfn, 0x100000);
	ck_assert_uint_eq(c.guess[0].offset, 0x40);
	ck_assert_int_eq(c.guess[0].block, 32);
	ck_assert_str_eq(c.guess[0].owner, "D1");
	ck_assert_ptr_nonnull(mp_crash_finding(&c, "7:online_movable 32", &f));
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(mp_finding_kind_name(f.v[0].kind), "crash");
	ck_assert_int_eq(f.v[0].block, 32);
	ck_assert_str_eq(f.v[0].step, "7:online_movable 32");
	ck_assert_uint_eq(mp_findings_count(&f), 1);
	mp_findings_clear(&f);
	mp_crash_clear(&c);
}
END_TEST

START_TEST(test_null_612)
{
	struct mp_crash_layout l = { .vmemmap_base = 0xffffd84000000000ULL,
				     .page_offset_base = 0xffff9a4000000000ULL,
				     .block_size = MIB128 };
	struct mp_crash c;
	char sig[128];

	parse("doctored-6.12-null.log", &c);
	ck_assert(c.found);
	ck_assert_str_eq(c.kind, "oops");
	ck_assert_str_eq(c.func, "write_sysrq_trigger");
	ck_assert_str_eq(c.taint, "Not tainted");
	ck_assert_uint_eq(c.addr, 8);
	mp_crash_decode(&c, &l);
	ck_assert_int_eq(c.region, MP_CRASH_ADDR_OTHER);
	ck_assert_uint_eq(c.nguess, 0);
	mp_crash_signature(&c, sig, sizeof(sig));
	ck_assert_str_eq(sig, "oops write_sysrq_trigger|");
	mp_crash_clear(&c);
}
END_TEST

START_TEST(test_bugon_612)
{
	struct mp_crash c;

	parse("doctored-6.12-bugon.log", &c);
	ck_assert(c.found);
	ck_assert_str_eq(c.kind, "bug");
	ck_assert_str_eq(c.headline, "kernel BUG at mm/memory_hotplug.c:2210!");
	ck_assert_str_eq(c.func, "try_remove_memory");
	ck_assert_str_eq(c.taint, "Tainted: G    B   W");
	ck_assert(!c.have_addr);
	mp_crash_clear(&c);
}
END_TEST

START_TEST(test_sysrq_panic)
{
	const char *const logs[] = { "sysrq-panic-6.1.log", "sysrq-panic-6.12.log" };

	for (size_t i = 0; i < 2; i++) {
		struct mp_crash c;
		char sig[128];

		parse(logs[i], &c);
		ck_assert(c.found);
		ck_assert_str_eq(c.kind, "panic");
		ck_assert_str_eq(c.headline, "Kernel panic - not syncing: sysrq triggered crash");
		/* "RIP: 0033:" is the user's, not the kernel's */
		ck_assert_str_eq(c.rip, "");
		ck_assert_str_eq(c.taint, "Not tainted");
		ck_assert_ptr_nonnull(strstr(c.header, "sysrq_handle_crash+"));
		mp_crash_signature(&c, sig, sizeof(sig));
		ck_assert_str_eq(sig, "panic Kernel panic - not syncing: sysrq triggered crash|");
		mp_crash_clear(&c);
	}
}
END_TEST

START_TEST(test_warn_is_not_a_crash)
{
	struct mp_crash c;

	parse("doctored-7.2-warn.log", &c);
	ck_assert(!c.found);
	ck_assert_ptr_null(c.header);
	ck_assert_ptr_null(mp_crash_line_kind("WARNING: CPU: 0 PID: 77 at mm/x.c:1 f+0x1/0x2"));
	ck_assert_ptr_null(mp_crash_line_kind("[ 1.0] BUG: Bad page state in process x"));
	ck_assert_str_eq(
		mp_crash_line_kind(
			"[ 1.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [memplug:90]"),
		"soft-lockup");
	ck_assert_str_eq(mp_crash_line_kind("NMI watchdog: Watchdog detected hard LOCKUP on cpu 1"),
			 "hard-lockup");
	ck_assert_str_eq(
		mp_crash_line_kind(
			"[ 245.1] INFO: task memplug:91 blocked for more than 122 seconds."),
		"hung-task");
	mp_crash_clear(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("crash");

	tcase_add_test(tc, test_issue_vmemmap);
	tcase_add_test(tc, test_directmap_61);
	tcase_add_test(tc, test_null_612);
	tcase_add_test(tc, test_bugon_612);
	tcase_add_test(tc, test_sysrq_panic);
	tcase_add_test(tc, test_warn_is_not_a_crash);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
