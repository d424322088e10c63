// SPDX-License-Identifier: GPL-2.0-or-later
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-main.h"
#include "ops/session.h"
#include "sensors/block.h"
#include "sensors/kpf.h"
#include "sensors/origin.h"

START_TEST(test_state_parse)
{
	ck_assert_int_eq(mp_state_parse("online"), MP_STATE_ONLINE);
	ck_assert_int_eq(mp_state_parse("offline"), MP_STATE_OFFLINE);
	ck_assert_int_eq(mp_state_parse("going-offline"), MP_STATE_GOING_OFFLINE);
	ck_assert_int_eq(mp_state_parse("online_movable"), MP_STATE_UNKNOWN);
	ck_assert_int_eq(mp_state_parse(""), MP_STATE_UNKNOWN);
	ck_assert_str_eq(mp_state_name(MP_STATE_OFFLINE), "offline");
}
END_TEST

static void parse_ok(const char *arg, size_t n, const struct mp_id_range *want)
{
	struct mp_selector sel = { 0 };
	char err[128];

	ck_assert_msg(mp_selector_parse(arg, &sel, err, sizeof(err)) == 0, "%s: %s", arg, err);
	ck_assert_uint_eq(sel.nranges, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(sel.ranges[i].first, want[i].first);
		ck_assert_uint_eq(sel.ranges[i].last, want[i].last);
	}
	mp_selector_clear(&sel);
}

START_TEST(test_selector)
{
	parse_ok("32", 1, (struct mp_id_range[]){ { 32, 32 } });
	parse_ok("memory32", 1, (struct mp_id_range[]){ { 32, 32 } });
	parse_ok("32-39", 1, (struct mp_id_range[]){ { 32, 39 } });
	parse_ok("memory32-memory39", 1, (struct mp_id_range[]){ { 32, 39 } });
	parse_ok("0,2,5-7", 3, (struct mp_id_range[]){ { 0, 0 }, { 2, 2 }, { 5, 7 } });
}
END_TEST

START_TEST(test_selector_bad)
{
	static const char *const bad[] = { "",
					   ",",
					   "32,",
					   "x",
					   "memory",
					   "39-32",
					   "3-",
					   "-3",
					   "1--2",
					   "0x20",
					   "memory-1",
					   " 3",
					   "3 ",
					   "99999999999999999999999",
					   "node:",
					   "node:x",
					   "zone:",
					   "zone:a b",
					   "state:bogus",
					   "0x20-0x10",
					   "0x10-20",
					   "12Q",
					   "0M",
					   "512M,1G" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mp_selector sel = { 0 };
		char err[128] = "";

		ck_assert_msg(mp_selector_parse(bad[i], &sel, err, sizeof(err)) < 0,
			      "\"%s\" parsed", bad[i]);
		ck_assert_msg(err[0], "\"%s\": no reason", bad[i]);
		mp_selector_clear(&sel);
	}
}
END_TEST

static struct mp_block test_blocks[] = {
	{ .id = 0, .state = MP_STATE_ONLINE, .node = 0, .zones = "DMA" },
	{ .id = 3, .state = MP_STATE_ONLINE, .node = 0, .zones = "Normal" },
	{ .id = 10, .state = MP_STATE_OFFLINE, .node = 1, .zones = "Normal Movable" },
	{ .id = 11, .state = MP_STATE_ONLINE, .node = 1, .zones = "Movable" },
	{ .id = 12, .state = MP_STATE_OFFLINE, .node = 1, .zones = "Normal Movable" },
	{ .id = 13, .state = MP_STATE_ONLINE, .node = 1, .zones = "Normal" },
};
static const struct mp_memory test_mem = {
	.block_size = 0x8000000,
	.nblocks = 6,
	.blocks = test_blocks,
};

/* Resolve args and compare the ids with want (terminated by -1). */
static void resolve(const char *const *args, enum mp_sel_mode mode, const int *want)
{
	struct mp_selector sel = { 0 };
	struct mp_block **v = NULL;
	char err[200] = "";
	ssize_t n;
	size_t k;

	for (; *args; args++)
		ck_assert_msg(mp_selector_parse(*args, &sel, err, sizeof(err)) == 0, "%s", err);
	n = mp_selector_resolve(&sel, &test_mem, mode, &v, err, sizeof(err));
	if (want[0] == -2) {
		ck_assert_msg(n < 0, "resolved to %zd blocks", n);
		ck_assert(err[0]);
		mp_selector_clear(&sel);
		return;
	}
	ck_assert_msg(n >= 0, "%s", err);
	for (k = 0; want[k] >= 0; k++) {
		ck_assert_msg((size_t)n > k, "only %zd blocks", n);
		ck_assert_uint_eq(v[k]->id, (uint64_t)want[k]);
	}
	ck_assert_uint_eq((size_t)n, k);
	free(v);
	mp_selector_clear(&sel);
}

START_TEST(test_selector_resolve)
{
	resolve((const char *[]){ "3,10-12", NULL }, MP_SEL_LIST, (int[]){ 3, 10, 11, 12, -1 });
	resolve((const char *[]){ "node:1", NULL }, MP_SEL_LIST, (int[]){ 10, 11, 12, 13, -1 });
	resolve((const char *[]){ "node:1", "state:offline", NULL }, MP_SEL_LIST,
		(int[]){ 10, 12, -1 });
	resolve((const char *[]){ "zone:movable", NULL }, MP_SEL_LIST, (int[]){ 10, 11, 12, -1 });
	resolve((const char *[]){ "zone:Normal", "state:online", NULL }, MP_SEL_LIST,
		(int[]){ 3, 13, -1 });
	/* 0x50000000-0x5fffffff is blocks 10 and 11 of 128 MiB */
	resolve((const char *[]){ "0x50000000-0x5fffffff", NULL }, MP_SEL_LIST,
		(int[]){ 10, 11, -1 });
	/* chmem: online takes offline blocks from the bottom, offline online from the top */
	resolve((const char *[]){ "128M", NULL }, MP_SEL_ONLINE, (int[]){ 10, -1 });
	resolve((const char *[]){ "256M", NULL }, MP_SEL_OFFLINE, (int[]){ 11, 13, -1 });
	resolve((const char *[]){ "node:1", "128M", NULL }, MP_SEL_OFFLINE, (int[]){ 13, -1 });
	/* errors */
	resolve((const char *[]){ "384M", NULL }, MP_SEL_ONLINE, (int[]){ -2 });
	resolve((const char *[]){ "100M", NULL }, MP_SEL_ONLINE, (int[]){ -2 });
	resolve((const char *[]){ "128M", NULL }, MP_SEL_LIST, (int[]){ -2 });
	resolve((const char *[]){ "5", NULL }, MP_SEL_LIST, (int[]){ -2 });
	resolve((const char *[]){ "0x50000000-0x57ffffee", NULL }, MP_SEL_LIST, (int[]){ -2 });
}
END_TEST

/* The rule: OWNER_PRIVATE on a page no one else uses (see kpf.h). */
START_TEST(test_self_hosted)
{
	ck_assert(mp_kpf_self_hosted(KPF_BIT(KPF_OWNER_PRIVATE) | KPF_BIT(KPF_RESERVED)));
	ck_assert(mp_kpf_self_hosted(KPF_BIT(KPF_OWNER_PRIVATE)));
	ck_assert(!mp_kpf_self_hosted(KPF_BIT(KPF_BUDDY)));
	ck_assert(!mp_kpf_self_hosted(KPF_BIT(KPF_NOPAGE)));
	/* a page-cache page with PG_checked (also owner_priv_1) */
	ck_assert(!mp_kpf_self_hosted(KPF_BIT(KPF_OWNER_PRIVATE) | KPF_BIT(KPF_LRU)));
}
END_TEST

/* A tiny tree made here: the reader takes exactly what the files say. */
static char tmpl[] = "/tmp/memplug-test-XXXXXX";

static void put(const char *root, const char *path, const char *text)
{
	char p[512], cmd[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_memory_read)
{
	char *root = mkdtemp(tmpl);
	struct mp_root *r;
	struct mp_memory *mem;
	char cmd[600];

	ck_assert_ptr_nonnull(root);
	put(root, "sys/devices/system/memory/block_size_bytes", "8000000\n");
	put(root, "sys/devices/system/memory/memory40/state", "offline\n");
	put(root, "sys/devices/system/memory/memory40/valid_zones", "Normal Movable\n");
	put(root, "sys/devices/system/memory/memory5/state", "online\n");
	put(root, "sys/devices/system/memory/memory5/valid_zones", "Movable\n");
	put(root, "sys/devices/system/memory/memory7/state", "onlin\n");
	put(root, "sys/devices/system/memory/memory7/valid_zones", "Normal\n");
	put(root, "sys/module/memory_hotplug/parameters/memmap_on_memory", "N\n");

	ck_assert_int_eq(mp_root_new(root, &r), 0);
	ck_assert_int_eq(mp_memory_read(r,
					MP_READ_STATE | MP_READ_ZONES | MP_READ_MEMMAP |
						MP_READ_NODE,
					NULL, &mem),
			 0);
	ck_assert_uint_eq(mem->block_size, 0x8000000);
	ck_assert_uint_eq(mem->nblocks, 3);
	ck_assert_uint_eq(mem->blocks[0].id, 5);
	ck_assert_uint_eq(mem->blocks[1].id, 7);
	ck_assert_uint_eq(mem->blocks[2].id, 40);
	ck_assert_int_eq(mem->blocks[0].state, MP_STATE_ONLINE);
	ck_assert_str_eq(mem->blocks[0].zones, "Movable");
	ck_assert_int_eq(mem->blocks[1].err, -EBADMSG);
	ck_assert_str_eq(mem->blocks[1].errfile, "state");
	ck_assert_uint_eq(mem->nbad, 1);
	ck_assert_str_eq(mem->blocks[2].zones, "Normal Movable");
	ck_assert_int_eq(mem->blocks[2].node, -1);
	ck_assert(!mem->have_nodes);
	/* memmap_on_memory=N: no block can host its memmap */
	ck_assert_int_eq(mem->blocks[0].memmap, MP_MEMMAP_OUTSIDE);
	ck_assert_ptr_eq(mp_memory_find(mem, 40), &mem->blocks[2]);
	ck_assert_ptr_null(mp_memory_find(mem, 6));
	mp_memory_free(mem);
	mp_root_free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_no_interface)
{
	struct mp_root *r;
	struct mp_memory *mem = NULL;

	ck_assert_int_eq(mp_root_new("/proc/self/fdinfo", &r), 0);
	ck_assert_int_eq(mp_memory_read(r, MP_READ_ALL, NULL, &mem), -ENODEV);
	ck_assert_ptr_null(mem);
	mp_root_free(r);
}
END_TEST

/* The journal text as lib/ops/session.c writes it, and lines it must refuse. */
START_TEST(test_journal_parse)
{
	static const char good[] = "# memplug journal, pid 1\nstate 5 online Normal\n"
				   "device qmp mp-dimm-1 0x100000000 134217728\nundone 1\n"
				   "removed qmp d2 0x0 1\nstate 7 offline -\n"
				   "attr /sys/devices/system/memory/auto_online_blocks offline";
	static const char nul[] = "state 5 online\0 -\n";
	static const char *const bad[] = {
		"state 5 online\n",
		"state x online -\n",
		"state 5 sideways -\n",
		"undone 0\n",
		"device qmp id 100 1\n",
		"state 5 online - extra\n",
		"state 5 online Normal\nundone 1\n",
		/* attributes are written back at restore: only under /sys and /proc/sys */
		"attr /etc/passwd x\n",
		"attr /sys/../etc/passwd x\n",
		"attr sys/x 1\n",
		"attr /proc/sys/vm/nr_hugepages\n",
		"attr /proc/sys/vm/nr_hugepages 1 2\n",
	};
	struct mp_journal_entry *e;
	char why[200], longline[600];
	size_t n;

	ck_assert_int_eq(mp_journal_parse(good, strlen(good), &e, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(e[0].kind, MP_J_STATE);
	ck_assert_uint_eq(e[0].block, 5);
	ck_assert_str_eq(e[0].zone, "Normal");
	ck_assert(!e[0].undone && e[1].undone);
	ck_assert_uint_eq(e[1].dev.addr, 0x100000000);
	ck_assert_int_eq(e[2].kind, MP_J_REMOVED);
	ck_assert_str_eq(e[3].zone, "");
	ck_assert_int_eq(e[4].kind, MP_J_ATTR);
	ck_assert_str_eq(e[4].path, "/sys/devices/system/memory/auto_online_blocks");
	ck_assert_str_eq(e[4].value, "offline");
	free(e);
	ck_assert_int_eq(mp_journal_parse("", 0, &e, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(mp_journal_parse(bad[i], strlen(bad[i]), &e, &n, why, sizeof(why)),
				 -EBADMSG);
		ck_assert_ptr_eq(strstr(why, "journal line"), why);
	}
	ck_assert_int_eq(mp_journal_parse(nul, sizeof(nul) - 1, &e, &n, why, sizeof(why)),
			 -EBADMSG);
	ck_assert_str_eq(why, "journal line 1: holds a NUL byte");
	memset(longline, '#', sizeof(longline));
	ck_assert_int_eq(mp_journal_parse(longline, sizeof(longline), &e, &n, why, sizeof(why)),
			 -EBADMSG);
	ck_assert_str_eq(why, "journal line 1: too long");
}
END_TEST

/* /proc/iomem: hot-pluggable ranges kept as ranges, however large they claim to be. */
START_TEST(test_iomem_origins)
{
	/* the first lines as a Debian 6.12 guest shows dax0.0 given to kmem (tests/qemu/dax.sh) */
	static const char text[] = "00000000-00000fff : Reserved\n"
				   "18000000-3fffffff : Persistent Memory (legacy)\n"
				   "  18000000-181fffff : namespace0.0\n"
				   "  20000000-3fffffff : dax0.0\n"
				   "    20000000-3fffffff : System RAM (kmem)\n"
				   "100000000-17fffffff : System RAM (kmem)\n"
				   "  100000000-17fffffff : dax0.0\n"
				   "0-ffffffffffffffff : System RAM (virtio_mem)\n"
				   "00000000-00000000 : System RAM (kmem)\n"
				   "garbage";
	struct mp_origin *o = NULL;
	size_t n = 0;

	ck_assert_int_eq(mp_iomem_origins(text, strlen(text), 128 << 20, &o, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(o[0].first, 4);
	ck_assert_uint_eq(o[0].last, 7);
	ck_assert_str_eq(o[0].device, "kmem");
	ck_assert_uint_eq(o[1].first, 32);
	ck_assert_uint_eq(o[1].last, 47);
	ck_assert_str_eq(o[1].device, "kmem");
	ck_assert_uint_eq(o[2].last, UINT64_MAX / (128 << 20));
	ck_assert_str_eq(mp_origin_of(o, n, 40), "kmem");
	ck_assert_ptr_null(mp_origin_of(o, 2, 48));
	ck_assert_ptr_null(mp_origin_of(o, 2, 3));
	free(o);
}
END_TEST

/* /proc/iomem's System RAM: the holes of arm64's boot blocks (Debian 6.12 arm64 under virt). */
START_TEST(test_iomem_ram)
{
	/* as 6.12.95+deb12-arm64 showed it on QEMU 7.2's virt with edk2, after a virtio-mem plug */
	static const char text[] = "04000000-07ffffff : reserved\n"
				   "09000000-09000fff : ARMH0011:00\n"
				   "40000000-5c43ffff : System RAM\n"
				   "  51800000-534effff : Kernel code\n"
				   "5c440000-5c72ffff : reserved\n"
				   "5c730000-5fbfffff : System RAM\n"
				   "5fc00000-5ffdffff : reserved\n"
				   "5ffe0000-5fffffff : System RAM\n"
				   "80000000-bfffffff : virtio1\n"
				   "  80000000-87ffffff : System RAM (virtio_mem)\n"
				   "  84000000-8fffffff : System RAM (virtio_mem)\n"
				   "00000000-00000000 : System RAM\n"
				   "garbage";
	static const char noaddr[] = "00000000-00000000 : System RAM\n";
	struct mp_ram_range *r = NULL;
	uint64_t bs = 128 << 20;
	ssize_t n = mp_iomem_ram(text, strlen(text), &r);

	ck_assert_int_eq(n, 4);
	ck_assert_uint_eq(r[0].first, 0x40000000);
	ck_assert_uint_eq(r[0].last, 0x5c43ffff);
	/* the two virtio_mem lines merged */
	ck_assert_uint_eq(r[3].first, 0x80000000);
	ck_assert_uint_eq(r[3].last, 0x8fffffff);
	/* memory0: no System RAM at all */
	ck_assert_uint_eq(mp_ram_holes(r, (size_t)n, 0, bs), bs);
	ck_assert_uint_eq(mp_ram_holes(r, (size_t)n, 8 * bs, bs), 0);
	/* memory11: the reserved ranges edk2 keeps out of System RAM */
	ck_assert_uint_eq(mp_ram_holes(r, (size_t)n, 11 * bs, bs), 0x2f0000 + 0x3e0000);
	ck_assert_uint_eq(mp_ram_holes(r, (size_t)n, 16 * bs, bs), 0);
	ck_assert_uint_eq(mp_ram_holes(r, (size_t)n, 17 * bs, bs), 0);
	ck_assert_uint_eq(mp_ram_holes(r, (size_t)n, 18 * bs, bs), bs);
	free(r);
	ck_assert_int_eq(mp_iomem_ram(noaddr, strlen(noaddr), &r), 0);
	free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("block");
	TCase *tc = tcase_create("block");

	tcase_add_test(tc, test_state_parse);
	tcase_add_test(tc, test_selector);
	tcase_add_test(tc, test_selector_bad);
	tcase_add_test(tc, test_selector_resolve);
	tcase_add_test(tc, test_self_hosted);
	tcase_add_test(tc, test_memory_read);
	tcase_add_test(tc, test_no_interface);
	tcase_add_test(tc, test_journal_parse);
	tcase_add_test(tc, test_iomem_origins);
	tcase_add_test(tc, test_iomem_ram);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
