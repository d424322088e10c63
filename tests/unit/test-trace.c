// SPDX-License-Identifier: GPL-2.0-or-later
/* The trace parser: round trip with the writer, and every error it names. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "check-main.h"
#include "runner/trace.h"

static const char HDR[] = "memplug-trace 1\n"
			  "seed 1234\n"
			  "kernel 6.12.95+deb12-amd64\n"
			  "block_size 0x8000000\n"
			  "memmap_on_memory N\n"
			  "backend qmp\n";

/* Every op, every optional argument, as the runner fills them. */
static void sample_steps(struct mp_trace_step *v, size_t *n)
{
	static const struct mp_trace_step s[] = {
		{ .op = MP_T_ADD, .dev = 1, .size = 256ULL << 20, .node = -1 },
		{ .op = MP_T_ADD,
		  .dev = 2,
		  .size = 128ULL << 20,
		  .addr = 0x110000000ULL,
		  .node = -1 },
		{ .op = MP_T_ADD, .dev = 3, .size = 1ULL << 30, .addr = 0x200000000ULL, .node = 1 },
		{ .op = MP_T_ADD, .dev = 65535, .size = 3 * (128ULL << 20) + 4096, .node = 0 },
		{ .op = MP_T_ONLINE, .block = 32 },
		{ .op = MP_T_ONLINE_KERNEL, .block = 33 },
		{ .op = MP_T_ONLINE_MOVABLE, .block = 0 },
		{ .op = MP_T_OFFLINE, .block = 18446744073709551615ULL },
		{ .op = MP_T_INJECT, .point = "MEM_GOING_OFFLINE", .err = -12 },
		{ .op = MP_T_INJECT, .point = "MEM_GOING_ONLINE", .err = 0 },
		{ .op = MP_T_INJECT, .point = "MEM_GOING_ONLINE", .err = -4095 },
		{ .op = MP_T_REMOVE, .dev = 1 },
		{ .op = MP_T_REMOVE, .dev = 65535 },
		{ .op = MP_T_CHECK },
		{ .op = MP_T_AUTO_ONLINE, .point = "online_movable" },
		{ .op = MP_T_AUTO_ONLINE, .point = "offline" },
		{ .op = MP_T_STORM, .block = 32, .block_last = 35, .duration_ms = 1500 },
		{ .op = MP_T_STORM, .block = 40, .block_last = 40, .duration_ms = 1 },
		{ .op = MP_T_WORKLOAD,
		  .point = "start",
		  .size = 64ULL << 20,
		  .kind = "thp",
		  .node = 1 },
		{ .op = MP_T_WORKLOAD, .point = "start", .size = 4096, .kind = "4k", .node = -1 },
		{ .op = MP_T_WORKLOAD,
		  .point = "start",
		  .size = 1ULL << 30,
		  .kind = "hugetlb",
		  .node = 0 },
		{ .op = MP_T_WORKLOAD, .point = "place", .block = 32, .block_last = 33 },
		{ .op = MP_T_WORKLOAD, .point = "place", .block = 7, .block_last = 7 },
		{ .op = MP_T_WORKLOAD, .point = "verify" },
		{ .op = MP_T_WORKLOAD, .point = "stop" },
	};

	memcpy(v, s, sizeof(s));
	*n = ARRAY_SIZE(s);
}

static char *write_trace(const struct mp_trace_header *h, const struct mp_trace_step *v, size_t n)
{
	char *buf = NULL, line[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	mp_trace_write_header(f, h);
	fputs("# a comment\n\n", f);
	for (size_t i = 0; i < n; i++) {
		mp_trace_format_step(&v[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	fclose(f);
	return buf;
}

static void round_trip(bool outcomes, bool scenario)
{
	struct mp_trace_header h = { .version = 1,
				     .seed = 18446744073709551615ULL,
				     .kernel = "6.1.0-50-amd64",
				     .block_size = 0x8000000,
				     .memmap_on_memory = "Y",
				     .backend = "acpi" };
	struct mp_trace_step v[32];
	struct mp_trace t;
	char why[300], *a, *b;
	size_t n;

	if (scenario) {
		strcpy(h.scenario, "random");
		strcpy(h.device_type, "virtio-mem");
	}
	sample_steps(v, &n);
	if (outcomes) {
		static const char *const o[][2] = {
			{ "done", "memory32-33" },
			{ "failed", "EBUSY" },
			{ "already", "" },
			{ "timeout", "after 60.0 s; state reads going-offline" },
		};
		for (size_t i = 0; i < n; i++) {
			strcpy(v[i].outcome, o[i % 4][0]);
			strcpy(v[i].note, o[i % 4][1]);
		}
	}
	a = write_trace(&h, v, n);
	ck_assert_int_eq(mp_trace_parse(a, strlen(a), &t, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert_uint_eq(t.n, n);
	ck_assert_uint_eq(t.h.version, 1);
	ck_assert_uint_eq(t.h.seed, h.seed);
	ck_assert_str_eq(t.h.kernel, h.kernel);
	ck_assert_uint_eq(t.h.block_size, h.block_size);
	ck_assert_str_eq(t.h.memmap_on_memory, h.memmap_on_memory);
	ck_assert_str_eq(t.h.backend, h.backend);
	ck_assert_str_eq(t.h.scenario, h.scenario);
	ck_assert_str_eq(t.h.device_type, h.device_type);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(t.steps[i].op, v[i].op);
		ck_assert_uint_eq(t.steps[i].dev, v[i].dev);
		ck_assert_uint_eq(t.steps[i].size, v[i].size);
		ck_assert_uint_eq(t.steps[i].addr, v[i].addr);
		if (v[i].op == MP_T_ADD ||
		    (v[i].op == MP_T_WORKLOAD && !strcmp(v[i].point, "start")))
			ck_assert_int_eq(t.steps[i].node, v[i].node);
		ck_assert_str_eq(t.steps[i].kind, v[i].kind);
		ck_assert_uint_eq(t.steps[i].block, v[i].block);
		ck_assert_str_eq(t.steps[i].point, v[i].point);
		ck_assert_int_eq(t.steps[i].err, v[i].err);
		ck_assert_uint_eq(t.steps[i].block_last, v[i].block_last);
		ck_assert_uint_eq(t.steps[i].duration_ms, v[i].duration_ms);
		ck_assert_str_eq(t.steps[i].outcome, v[i].outcome);
		ck_assert_str_eq(t.steps[i].note, v[i].note);
	}
	b = write_trace(&t.h, t.steps, t.n);
	ck_assert_str_eq(a, b);
	mp_trace_clear(&t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(t.steps);
	free(a);
	free(b);
}

START_TEST(test_round_trip)
{
	round_trip(false, false);
	round_trip(true, false);
	round_trip(false, true);
	round_trip(true, true);
}
END_TEST

/* Hand-written traces: spaces, tabs, comments anywhere, outcomes optional. */
START_TEST(test_lenient_spacing)
{
	static const char s[] = "# recorded by hand\n"
				"  memplug-trace 1\n"
				"seed 7\n# middle\n"
				"kernel unknown\nblock_size 134217728\nmemmap_on_memory -\n"
				"backend qmp\n"
				"\tonline_movable\t32   ->   done    Movable  \n"
				"   # indented comment\n"
				"offline 32->failed EBUSY\n"
				"add D1 1G node=0 addr=0x100000000\n"
				"check";
	struct mp_trace t;
	char why[200];

	ck_assert_int_eq(mp_trace_parse(s, strlen(s), &t, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "line 11: \"->\" must follow a space");
	{
		char c[sizeof(s) + 1], *x;

		memcpy(c, s, sizeof(s));
		x = strstr(c, "32->");
		memmove(x + 3, x + 2, strlen(x + 2) + 1);
		x[2] = ' ';
		ck_assert_int_eq(mp_trace_parse(c, strlen(c), &t, why, sizeof(why)), 0);
	}
	ck_assert_uint_eq(t.h.block_size, 0x8000000);
	ck_assert_uint_eq(t.n, 4);
	ck_assert_str_eq(t.steps[0].outcome, "done");
	ck_assert_str_eq(t.steps[0].note, "Movable");
	ck_assert_str_eq(t.steps[1].note, "EBUSY");
	ck_assert_uint_eq(t.steps[2].addr, 0x100000000ULL);
	ck_assert_int_eq(t.steps[2].node, 0);
	ck_assert_uint_eq(t.steps[2].size, 1ULL << 30);
	ck_assert_int_eq(t.steps[3].op, MP_T_CHECK);
	ck_assert_str_eq(t.steps[3].outcome, "");
	mp_trace_clear(&t);
}
END_TEST

/* body after the header; want: the whole "line N: reason" */
static void bad(const char *body, const char *want)
{
	char *s, why[300];
	struct mp_trace t;
	size_t len;

	len = strlen(HDR) + strlen(body);
	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	strcpy(s, HDR);
	strcat(s, body);
	ck_assert_int_eq(mp_trace_parse(s, len, &t, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, want);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(t.steps);
	free(s);
}

static void bad_raw(const char *s, size_t len, const char *want)
{
	char why[300];
	struct mp_trace t;

	ck_assert_int_eq(mp_trace_parse(s, len, &t, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, want);
	ck_assert_ptr_null(t.steps);
}

START_TEST(test_bad_ops)
{
	/* the header is 6 lines: the first body line is line 7 */
	bad("check\nfrobnicate 3\n",
	    "line 8: unknown operation \"frobnicate\" (add, remove, online, "
	    "online_kernel, online_movable, offline, inject, check, auto_online, "
	    "storm, workload)");
	bad("Offline 3\n", "line 7: unknown operation \"Offline\" (add, remove, online, "
			   "online_kernel, online_movable, offline, inject, check, auto_online, "
			   "storm, workload)");
	bad("offline\n", "line 7: offline needs a block number");
	bad("online_movable  -> done\n", "line 7: online_movable needs a block number");
	bad("online 3 4\n", "line 7: online takes one block number, and nothing more");
	bad("online x\n", "line 7: online: \"x\" is not a block number (decimal, as in memory32)");
	bad("online memory32\n",
	    "line 7: online: \"memory32\" is not a block number (decimal, as in memory32)");
	bad("online -1\n",
	    "line 7: online: \"-1\" is not a block number (decimal, as in memory32)");
	bad("online 0x20\n",
	    "line 7: online: \"0x20\" is not a block number (decimal, as in memory32)");
	bad("online 18446744073709551616\n", "line 7: online: \"18446744073709551616\" is not a "
					     "block number (decimal, as in memory32)");
	bad("check now\n", "line 7: check takes no arguments, and nothing more");
	bad("add\n",
	    "line 7: add needs a device name and a size (add D1 256M [addr=ADDR] [node=N])");
	bad("add D1\n",
	    "line 7: add needs a device name and a size (add D1 256M [addr=ADDR] [node=N])");
	bad("add D1 256M addr=0x1 node=0 x\n",
	    "line 7: add takes a device name and a size (add D1 256M [addr=ADDR] [node=N]), and "
	    "nothing more");
	bad("add D1 256Q\n", "line 7: add: \"256Q\" is not a size (256M, 1G, 268435456)");
	bad("add D1 0\n", "line 7: add: \"0\" is not a size (256M, 1G, 268435456)");
	bad("add D1 256M addr=\n", "line 7: add: \"addr=\" is not an address (addr=0x100000000)");
	bad("add D1 256M addr=1 addr=2\n", "line 7: add: addr= given twice");
	bad("add D1 256M node=1024\n",
	    "line 7: add: \"node=1024\" is not a node (node=0 to node=1023)");
	bad("add D1 256M node=-1\n",
	    "line 7: add: \"node=-1\" is not a node (node=0 to node=1023)");
	bad("add D1 256M size=1\n", "line 7: add: unknown argument \"size=1\" (addr=ADDR, node=N)");
	bad("add 1 256M\n", "line 7: add needs a device name D1, D2, ..., not \"1\"");
	bad("add d1 256M\n", "line 7: add needs a device name D1, D2, ..., not \"d1\"");
	bad("add D 256M\n", "line 7: add needs a device name D1, D2, ..., not \"D\"");
	bad("add D1x 256M\n", "line 7: add needs a device name D1, D2, ..., not \"D1x\"");
	bad("add D0 256M\n", "line 7: device names run from D1 to D65535, not \"D0\"");
	bad("add D65536 256M\n", "line 7: device names run from D1 to D65535, not \"D65536\"");
	bad("remove\n", "line 7: remove needs a device name (remove D1)");
	bad("remove D1 D2\n", "line 7: remove takes a device name (remove D1), and nothing more");
	bad("remove D3\n", "line 7: remove: D3 was never added");
	bad("add D2 1G\nremove D3\n", "line 8: remove: D3 was never added");
	bad("auto_online sideways\n", "line 7: auto_online: \"sideways\" is not offline, online, "
				      "online_kernel or online_movable");
	bad("storm 35-32 100\n", "line 7: storm: the blocks are FIRST-LAST, 65 at most");
	bad("workload\n", "line 7: workload needs start, place, verify or stop");
	bad("workload go\n", "line 7: workload: \"go\" is not start, place, verify or stop");
	bad("workload verify now\n", "line 7: workload takes verify or stop, and nothing more, "
				     "and nothing more");
	bad("workload place\n", "line 7: workload needs place and blocks (workload place 32-33)");
	bad("workload place 33-32\n",
	    "line 7: workload place: the blocks are FIRST-LAST, 65 at most");
	bad("workload place 0-65\n",
	    "line 7: workload place: the blocks are FIRST-LAST, 65 at most");
	bad("workload start size=64M\n",
	    "line 7: workload needs start size=SIZE kind=4k|thp|hugetlb [node=N]");
	bad("workload start size=64M kind=2m\n",
	    "line 7: workload: \"kind=2m\" is not kind=4k, kind=thp or kind=hugetlb");
	bad("workload start size=0 kind=4k\n",
	    "line 7: workload: \"size=0\" is not a size (size=64M)");
	bad("workload start size=1M size=2M kind=4k\n", "line 7: workload: size= given twice");
	bad("workload start kind=4k kind=thp size=1M\n", "line 7: workload: kind= given twice");
	bad("workload start size=1M kind=4k node=1024\n",
	    "line 7: workload: \"node=1024\" is not a node (node=0 to node=1023)");
	bad("workload start size=1M kind=4k nodes=1\n",
	    "line 7: workload: unknown argument \"nodes=1\" (size=, kind=, node=)");
	bad("workload start size=1M node=1 node=1\n", "line 7: workload: node= given twice");
	bad("workload start size=1M node=1 addr=1\n",
	    "line 7: workload: unknown argument \"addr=1\" (size=, kind=, node=)");
	bad("storm 32-35 0\n",
	    "line 7: storm: \"0\" is not a duration in milliseconds (1 to 3600000)");
	bad("inject MEM_GOING_OFFLINE\n",
	    "line 7: inject needs a point and an error (inject MEM_GOING_OFFLINE -12; 0 disarms)");
	bad("inject MEM_OFFLINE -12\n", "line 7: inject: the point is MEM_GOING_ONLINE or "
					"MEM_GOING_OFFLINE, not \"MEM_OFFLINE\"");
	bad("inject MEM_GOING_OFFLINE 12\n", "line 7: inject: the error is 0 or a negative errno "
					     "(-4095 to -1), not \"12\"");
	bad("inject MEM_GOING_OFFLINE -4096\n", "line 7: inject: the error is 0 or a negative "
						"errno (-4095 to -1), not \"-4096\"");
	bad("inject MEM_GOING_OFFLINE -ENOMEM\n", "line 7: inject: the error is 0 or a negative "
						  "errno (-4095 to -1), not \"-ENOMEM\"");
	bad("offline 3 ->\n", "line 7: \"->\" needs an outcome after it (done, failed, ...)");
	bad("offline 3 -> averyveryverylongoutcome\n",
	    "line 7: outcome \"averyveryverylongoutcome\" is longer than 15 bytes");
	bad("online 1 2 3 4 5 6 7 8 9\n", "line 7: too many words for online");
}
END_TEST

START_TEST(test_bad_header)
{
	char why[300], big[200];
	struct mp_trace t;
	static const char *const keys[] = { "seed", "kernel", "block_size", "memmap_on_memory",
					    "backend" };

	bad_raw("", 0, "line 1: not a memplug trace (empty: no \"memplug-trace 1\" line)");
	bad_raw("\n# only a comment\n", 18,
		"line 2: not a memplug trace (empty: no \"memplug-trace 1\" line)");
	bad_raw("seed 1\n", 7,
		"line 1: not a memplug trace (the first line must be \"memplug-trace 1\")");
	bad_raw("memplug-trace 2\n", 16,
		"line 1: trace format version 2; this memplug reads version 1");
	bad_raw("memplug-trace\n", 14, "line 1: memplug-trace takes one value, the format version");
	bad_raw("memplug-trace one\n", 18, "line 1: \"one\" is not a format version");
	/* more words than the version line holds (wrote past a two-word array) */
	bad_raw("memplug-trace 1 a b c d e\n", 26,
		"line 1: memplug-trace takes one value, the format version");
	bad("memplug-trace 1\n", "line 7: memplug-trace given twice");
	bad("seed 2\n", "line 7: seed given twice");
	bad("backend acpi\n", "line 7: backend given twice");
	bad("check\nseed 2\n", "line 8: header line \"seed\" after the first operation");
	bad("scenario random\nscenario random\n", "line 8: scenario given twice");
	bad("scenario\n", "line 7: scenario takes one value");
	bad("device_type dimm\ndevice_type dimm\n", "line 8: device_type given twice");
	bad("device_type nvdimm\n", "line 7: device_type is dimm or virtio-mem, not \"nvdimm\"");
	bad("check\ndevice_type dimm\n",
	    "line 8: header line \"device_type\" after the first operation");
	/* each required key missing in turn: named at the first operation */
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		char s[400] = "memplug-trace 1\n", want[300];
		const char *p = HDR + strlen("memplug-trace 1\n");

		while (*p) {
			const char *e = strchr(p, '\n') + 1;

			if (strncmp(p, keys[k], strlen(keys[k])) || p[strlen(keys[k])] != ' ')
				strncat(s, p, (size_t)(e - p));
			p = e;
		}
		strcat(s, "# c\ncheck\n");
		snprintf(want, sizeof(want),
			 "line 7: the header has no %s (seed, kernel, block_size, "
			 "memmap_on_memory and backend come before the first operation)",
			 keys[k]);
		bad_raw(s, strlen(s), want);
	}
	/* a header alone is a trace of no steps, if complete */
	ck_assert_int_eq(mp_trace_parse(HDR, strlen(HDR), &t, why, sizeof(why)), 0);
	ck_assert_uint_eq(t.n, 0);
	mp_trace_clear(&t);
	bad_raw("memplug-trace 1\nseed 1\n", 23,
		"line 3: the header has no kernel (seed, kernel, block_size, memmap_on_memory and "
		"backend come before the first operation)");
	/* values */
	bad_raw("memplug-trace 1\nseed -1\n", 24,
		"line 2: seed must be a decimal number, not \"-1\"");
	bad_raw("memplug-trace 1\nseed 0x10\n", 26,
		"line 2: seed must be a decimal number, not \"0x10\"");
	bad_raw("memplug-trace 1\nblock_size 0x0\n", 31,
		"line 2: block_size must be a power of two (0x8000000), not \"0x0\"");
	bad_raw("memplug-trace 1\nblock_size 0x8000001\n", 37,
		"line 2: block_size must be a power of two (0x8000000), not \"0x8000001\"");
	bad_raw("memplug-trace 1\nkernel 6.1 extra\n", 33, "line 2: kernel takes one value");
	memset(big, 'k', sizeof(big));
	memcpy(big, "memplug-trace 1\nkernel ", 23);
	big[sizeof(big) - 1] = '\n';
	bad_raw(big, sizeof(big),
		"line 2: kernel release \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...\" is "
		"longer than 95 bytes");
	bad_raw("memplug-trace 1\nbackend a-very-long-backend\n", 44,
		"line 2: backend \"a-very-long-backend\" is longer than 15 bytes");
	bad_raw("memplug-trace 1\nkernels 6.1\n", 28,
		"line 2: unknown operation \"kernels\" (add, remove, online, online_kernel, "
		"online_movable, offline, inject, check, auto_online, storm, workload)");
}
END_TEST

START_TEST(test_bad_bytes)
{
	char s[600], *big;
	size_t n = strlen(HDR), len;

	memcpy(s, HDR, n);
	memcpy(s + n, "check\nonline 3\0\n", 16);
	bad_raw(s, n + 16, "line 8: NUL byte: not a text file");
	memcpy(s + n, "online \xff\n", 9);
	bad_raw(s, n + 9, "line 7: byte 0xff at column 8 is not printable ASCII");
	memcpy(s + n, "online 3\r\n", 10);
	bad_raw(s, n + 10, "line 7: byte 0x0d at column 9 is not printable ASCII");
	bad_raw("\x7f"
		"ELF\x02\x01",
		6, "line 1: byte 0x7f at column 1 is not printable ASCII");
	bad_raw("memplug-trace 1\n\x1b[31mseed\n", 26,
		"line 2: byte 0x1b at column 1 is not printable ASCII");
	/* very long lines: 4096 bytes pass, 4097 do not (even in a comment) */
	len = n + 4097 + 2;
	big = malloc(len);
	ck_assert_ptr_nonnull(big);
	memcpy(big, HDR, n);
	memset(big + n, ' ', 4096);
	memcpy(big + n + 4090, "check\n", 6);
	{
		struct mp_trace t;
		char why[200];

		ck_assert_int_eq(mp_trace_parse(big, n + 4096, &t, why, sizeof(why)), 0);
		ck_assert_uint_eq(t.n, 1);
		mp_trace_clear(&t);
	}
	memset(big + n, '#', 4097);
	big[n + 4097] = '\n';
	bad_raw(big, n + 4098, "line 7: longer than 4096 bytes");
	free(big);
}
END_TEST

START_TEST(test_dn)
{
	static const char s[] = "memplug-trace 1\nseed 1\nkernel k\nblock_size 0x8000000\n"
				"memmap_on_memory N\nbackend qmp\n"
				"add D1 256M\nremove D1\nremove D1\nadd D1 128M\nremove D1\n"
				"add D2 1G -> failed timeout\nadd D2 1G\n";
	struct mp_trace t;
	char why[200];

	/* a name may come back after its removal, or after an add that failed;
	 * a second remove is a step like any */
	ck_assert_int_eq(mp_trace_parse(s, strlen(s), &t, why, sizeof(why)), 0);
	ck_assert_uint_eq(t.n, 7);
	mp_trace_clear(&t);
}
END_TEST

START_TEST(test_load)
{
	char path[] = "/tmp/test-trace-XXXXXX", why[400];
	struct mp_trace t;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, HDR, strlen(HDR)), (ssize_t)strlen(HDR));
	ck_assert_int_eq(write(fd, "check\nonline\n", 13), 13);
	close(fd);
	ck_assert_int_eq(mp_trace_load(path, &t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, ": line 8: online needs a block number"));
	ck_assert_int_eq(strncmp(why, path, strlen(path)), 0);
	unlink(path);
	ck_assert_int_eq(mp_trace_load(path, &t, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(why, "No such file or directory"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_lenient_spacing);
	tcase_add_test(tc, test_bad_ops);
	tcase_add_test(tc, test_bad_header);
	tcase_add_test(tc, test_bad_bytes);
	tcase_add_test(tc, test_dn);
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
