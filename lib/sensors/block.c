// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sensors/block.h"
#include "sensors/kpf.h"

static const char *const state_names[] = {
	[MP_STATE_UNKNOWN] = "unknown",
	[MP_STATE_ONLINE] = "online",
	[MP_STATE_OFFLINE] = "offline",
	[MP_STATE_GOING_OFFLINE] = "going-offline",
};

const char *mp_state_name(enum mp_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

enum mp_state mp_state_parse(const char *s)
{
	size_t i;

	for (i = MP_STATE_ONLINE; i < ARRAY_SIZE(state_names); i++)
		if (!strcmp(s, state_names[i]))
			return (enum mp_state)i;
	return MP_STATE_UNKNOWN;
}

/* "memory" followed by decimal digits only, no leading zeros beyond "0". */
static int parse_block_name(const char *name, uint64_t *id)
{
	const char *p;

	if (strncmp(name, "memory", 6) != 0)
		return -EINVAL;
	p = name + 6;
	if (!*p || (p[0] == '0' && p[1]))
		return -EINVAL;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -EINVAL;
	return mp_parse_u64(p, 10, id);
}

static int cmp_block(const void *a, const void *b)
{
	const struct mp_block *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct mp_block *mp_memory_find(const struct mp_memory *mem, uint64_t id)
{
	struct mp_block key = { .id = id };

	if (!mem->nblocks)
		return NULL;
	return bsearch(&key, mem->blocks, mem->nblocks, sizeof(key), cmp_block);
}

bool mp_memmap_on_memory_enabled(const struct mp_memory *mem)
{
	const char *v = mem->memmap_on_memory;

	return !strcmp(v, "Y") || !strcmp(v, "y") || !strcmp(v, "1") || !strcmp(v, "force");
}

static bool is_dir_entry(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return false;
	return fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Blocks are read by up to two threads (the kernel's side of each read is
 * most of the cost, and both cores can share it). A thread notes what was
 * wrong with its blocks; the messages go out afterwards, in block order.
 */
struct problem {
	const struct mp_block *b;
	char msg[200];
};

struct reader {
	int memfd;
	unsigned what;
	struct mp_block *blocks;
	size_t nblocks;
	struct problem *probs;
	size_t nprobs;
	size_t cap;
};

static void block_bad(struct reader *rd, struct mp_block *b, const char *file, int err,
		      const char *detail)
{
	struct problem *p;

	if (b->err)
		return;
	b->err = err;
	b->errfile = file;
	if (rd->nprobs == rd->cap) {
		size_t ncap = rd->cap ? rd->cap * 2 : 8;

		p = realloc(rd->probs, ncap * sizeof(*p));
		if (!p)
			return; /* the block is still marked bad; only the text is lost */
		rd->probs = p;
		rd->cap = ncap;
	}
	p = &rd->probs[rd->nprobs++];
	p->b = b;
	snprintf(p->msg, sizeof(p->msg), "memory%" PRIu64 "/%s: %s", b->id, file,
		 detail ? detail : strerror(-err));
}

static int read_attr(int memfd, struct mp_block *b, const char *file, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "memory%" PRIu64 "/%s", b->id, file);
	return (int)mp_read_str_at(memfd, path, buf, len);
}

bool mp_zones_valid(const char *s)
{
	bool word = false;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (isalnum((unsigned char)*s)) {
			word = true;
		} else if (*s == ' ' && word) {
			word = false;
		} else {
			return false;
		}
	}
	return word;
}

static void read_block(struct reader *rd, struct mp_block *b)
{
	const unsigned what = rd->what;
	const int memfd = rd->memfd;
	char buf[128], why[192];
	int r;

	if (what & MP_READ_STATE) {
		r = read_attr(memfd, b, "state", buf, sizeof(buf));
		if (r < 0) {
			block_bad(rd, b, "state", r, NULL);
		} else {
			b->state = mp_state_parse(buf);
			if (b->state == MP_STATE_UNKNOWN) {
				snprintf(why, sizeof(why), "unexpected state \"%.64s\"", buf);
				block_bad(rd, b, "state", -EBADMSG, why);
			}
		}
	}
	if (what & MP_READ_REMOVABLE) {
		r = read_attr(memfd, b, "removable", buf, sizeof(buf));
		if (r == -ENOENT) {
			b->removable = -1; /* some architectures have none */
		} else if (r < 0) {
			block_bad(rd, b, "removable", r, NULL);
		} else if (strcmp(buf, "0") && strcmp(buf, "1")) {
			snprintf(why, sizeof(why), "expected 0 or 1, read \"%.64s\"", buf);
			block_bad(rd, b, "removable", -EBADMSG, why);
		} else {
			b->removable = buf[0] == '1';
		}
	}
	if (what & MP_READ_ZONES) {
		r = read_attr(memfd, b, "valid_zones", buf, sizeof(buf));
		if (r == -ENOENT) {
			b->zones[0] = '\0'; /* kernels before 4.10 */
		} else if (r < 0) {
			block_bad(rd, b, "valid_zones", r, NULL);
		} else if (!mp_zones_valid(buf) || (size_t)r >= sizeof(b->zones)) {
			snprintf(why, sizeof(why), "unexpected zone list \"%.64s\"", buf);
			block_bad(rd, b, "valid_zones", -EBADMSG, why);
		} else {
			memcpy(b->zones, buf, (size_t)r + 1);
		}
	}
	if (what & MP_READ_PHYS_INDEX) {
		r = read_attr(memfd, b, "phys_index", buf, sizeof(buf));
		if (r < 0)
			block_bad(rd, b, "phys_index", r, NULL);
		else if (mp_parse_u64(buf, 16, &b->phys_index) < 0) {
			snprintf(why, sizeof(why), "expected a hex number, read \"%.64s\"", buf);
			block_bad(rd, b, "phys_index", -EBADMSG, why);
		}
	}
}

static void *reader_run(void *arg)
{
	struct reader *rd = arg;

	for (size_t i = 0; i < rd->nblocks; i++)
		read_block(rd, &rd->blocks[i]);
	return NULL;
}

/* Below this many blocks a second thread costs more than it saves. */
#define MP_THREAD_MIN_BLOCKS 256

static int read_blocks(struct mp_memory *mem, int memfd, unsigned what, const struct mp_log *log)
{
	struct reader rd[2] = {
		{ .memfd = memfd, .what = what, .blocks = mem->blocks, .nblocks = mem->nblocks },
	};
	size_t nthreads = 1;
	pthread_t t;

	if (mem->nblocks >= MP_THREAD_MIN_BLOCKS && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		rd[1] = rd[0];
		rd[0].nblocks = mem->nblocks / 2;
		rd[1].blocks += rd[0].nblocks;
		rd[1].nblocks -= rd[0].nblocks;
		if (pthread_create(&t, NULL, reader_run, &rd[1]) == 0)
			nthreads = 2;
		else
			rd[0] = (struct reader){ .memfd = memfd,
						 .what = what,
						 .blocks = mem->blocks,
						 .nblocks = mem->nblocks };
	}
	reader_run(&rd[0]);
	if (nthreads == 2)
		pthread_join(t, NULL);
	for (size_t k = 0; k < nthreads; k++) {
		for (size_t i = 0; i < rd[k].nprobs; i++)
			mp_logf(log, MP_LOG_WARN, "%s", rd[k].probs[i].msg);
		free(rd[k].probs);
	}
	for (size_t i = 0; i < mem->nblocks; i++)
		mem->nbad += mem->blocks[i].err != 0;
	return 0;
}

/*
 * The node of a block is the node folder that links it: the kernel creates
 * nodeN/memoryM and memoryM/nodeN together (register_memory_block_under_node),
 * and reading the few node folders is far cheaper than one readdir per block.
 */
static int read_nodes(const struct mp_root *root, struct mp_memory *mem, const struct mp_log *log)
{
	DIR *d = mp_opendir(root, MP_SYS_NODE);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	mem->have_nodes = true;
	while ((de = readdir(d))) {
		uint64_t node;
		char path[300];
		DIR *nd;
		struct dirent *me;

		if (strncmp(de->d_name, "node", 4) || mp_parse_u64(de->d_name + 4, 10, &node) < 0 ||
		    !isdigit((unsigned char)de->d_name[4]) || node > INT32_MAX)
			continue;
		snprintf(path, sizeof(path), MP_SYS_NODE "/%s", de->d_name);
		nd = mp_opendir(root, path);
		if (!nd) {
			mp_logf(log, MP_LOG_WARN, "%s: %s", path, strerror(errno));
			continue;
		}
		while ((me = readdir(nd))) {
			struct mp_block *b;
			uint64_t id;

			if (parse_block_name(me->d_name, &id) < 0)
				continue;
			b = mp_memory_find(mem, id);
			if (b)
				b->node = (int)node;
		}
		closedir(nd);
	}
	closedir(d);
	return 0;
}

/*
 * Whether a block hosts its own memmap. The kernel keeps no per-block sysfs
 * attribute for it (drivers/base/memory.c), so:
 *  - memory_hotplug.memmap_on_memory is a boot-time, read-only parameter:
 *    when it reads N no block can host its memmap;
 *  - when it is enabled, an online block that does has its first pages
 *    marked PG_vmemmap_self_hosted (mhp_init_memmap_on_memory()), an alias
 *    of PG_owner_priv_1 that /proc/kpageflags shows as OWNER_PRIVATE, on a
 *    page that is not on an LRU, free, slab or mapped;
 *  - an offline block's pages read NOPAGE: it cannot be told.
 */
static void read_memmap(const struct mp_root *root, struct mp_memory *mem)
{
	_cleanup_close_ int fd = -1;
	uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t i;

	if (!mem->memmap_on_memory[0])
		return;
	if (!mp_memmap_on_memory_enabled(mem)) {
		for (i = 0; i < mem->nblocks; i++)
			mem->blocks[i].memmap = MP_MEMMAP_OUTSIDE;
		return;
	}
	fd = mp_open(root, "/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return;
	for (i = 0; i < mem->nblocks; i++) {
		struct mp_block *b = &mem->blocks[i];
		uint64_t pfn = b->id * (mem->block_size / page_size), flags;

		if (b->state != MP_STATE_ONLINE)
			continue;
		if (pread(fd, &flags, sizeof(flags), (off_t)(pfn * sizeof(flags))) != sizeof(flags))
			continue;
		b->memmap = mp_kpf_self_hosted(flags) ? MP_MEMMAP_SELF : MP_MEMMAP_OUTSIDE;
	}
}

/* Every block's address must fit in 64 bits, or RANGE would wrap. */
static bool id_overflows(const struct mp_memory *mem)
{
	return mem->nblocks && mem->blocks[mem->nblocks - 1].id > UINT64_MAX / mem->block_size;
}

static void read_param(const struct mp_root *root, const char *path, char *buf, size_t len)
{
	if (mp_read_str(root, path, buf, len) < 0)
		buf[0] = '\0';
}

int mp_block_size(const struct mp_root *root, uint64_t *bs, char *why, size_t len)
{
	int r = mp_read_u64(root, MP_SYS_MEMORY "/block_size_bytes", 16, bs);

	if (r == -ENOENT) {
		if (why)
			snprintf(why, len, "the kernel has no memory hotplug interface (no %s)",
				 MP_SYS_MEMORY);
		return -ENODEV;
	}
	if (r < 0 || !*bs) {
		if (why)
			snprintf(why, len, "%s/block_size_bytes: %s", MP_SYS_MEMORY,
				 r < 0 ? strerror(-r) : "zero");
		return r < 0 ? r : -EBADMSG;
	}
	return 0;
}

int mp_memory_read(const struct mp_root *root, unsigned what, const struct mp_log *log,
		   struct mp_memory **out)
{
	_cleanup_close_ int memfd = -1;
	struct mp_memory *mem;
	struct dirent *de;
	size_t cap = 0;
	char buf[64];
	DIR *d;
	int r;

	memfd = mp_open(root, MP_SYS_MEMORY, O_RDONLY | O_DIRECTORY);
	if (memfd == -ENOENT || memfd == -ENOTDIR)
		return -ENODEV;
	if (memfd < 0)
		return memfd;
	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;

	r = (int)mp_read_str_at(memfd, "block_size_bytes", buf, sizeof(buf));
	if (r == -ENOENT) {
		r = -ENODEV;
		goto fail;
	}
	if (r >= 0)
		r = mp_parse_u64(buf, 16, &mem->block_size);
	if (r < 0 || mem->block_size == 0 || (mem->block_size & (mem->block_size - 1))) {
		mp_logf(log, MP_LOG_ERR, "block_size_bytes: %s",
			r < 0 ? strerror(-r) : "not a power of two");
		r = r < 0 ? r : -EBADMSG;
		goto fail;
	}
	read_param(root, MP_SYS_MEMORY "/auto_online_blocks", mem->auto_online_blocks,
		   sizeof(mem->auto_online_blocks));
	read_param(root, MP_SYS_MHP_PARAMS "/memmap_on_memory", mem->memmap_on_memory,
		   sizeof(mem->memmap_on_memory));
	read_param(root, MP_SYS_MHP_PARAMS "/online_policy", mem->online_policy,
		   sizeof(mem->online_policy));

	d = fdopendir(dup(memfd));
	if (!d) {
		r = -errno;
		goto fail;
	}
	while ((de = readdir(d))) {
		uint64_t id;

		if (parse_block_name(de->d_name, &id) < 0 || !is_dir_entry(memfd, de))
			continue;
		if (mem->nblocks == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct mp_block *nb = realloc(mem->blocks, ncap * sizeof(*nb));

			if (!nb) {
				closedir(d);
				r = -ENOMEM;
				goto fail;
			}
			mem->blocks = nb;
			cap = ncap;
		}
		mem->blocks[mem->nblocks++] = (struct mp_block){
			.id = id,
			.node = -1,
			.removable = -1,
		};
	}
	closedir(d);
	if (mem->nblocks)
		qsort(mem->blocks, mem->nblocks, sizeof(*mem->blocks), cmp_block);
	if (id_overflows(mem)) {
		mp_logf(log, MP_LOG_ERR, "block numbers beyond the physical address space");
		r = -ERANGE;
		goto fail;
	}

	if (what & MP_READ_MEMMAP)
		what |= MP_READ_STATE;
	r = read_blocks(mem, memfd, what, log);
	if (r < 0)
		goto fail;
	if (what & MP_READ_NODE) {
		r = read_nodes(root, mem, log);
		if (r < 0) {
			mp_logf(log, MP_LOG_ERR, MP_SYS_NODE ": %s", strerror(-r));
			goto fail;
		}
	}
	if (what & MP_READ_MEMMAP)
		read_memmap(root, mem);
	*out = mem;
	return 0;
fail:
	mp_memory_free(mem);
	return r;
}

void mp_memory_free(struct mp_memory *mem)
{
	if (!mem)
		return;
	free(mem->blocks);
	free(mem);
}

/* Selectors */

void mp_selector_clear(struct mp_selector *sel)
{
	free(sel->ranges);
	free(sel->phys);
	free(sel->nodes);
	free(sel->zones);
	memset(sel, 0, sizeof(*sel));
}

static int parse_id(const char *s, size_t len, uint64_t *id)
{
	char buf[32];

	if (len >= 6 && !strncmp(s, "memory", 6)) {
		s += 6;
		len -= 6;
	}
	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)buf[i]))
			return -EINVAL;
	return mp_parse_u64(buf, 10, id);
}

static int parse_hex_addr(const char *s, size_t len, uint64_t *v)
{
	char buf[32];

	if (len < 3 || len >= sizeof(buf) || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return mp_parse_u64(buf, 16, v);
}

/* Append one element to a growing array; returns 0 or -ENOMEM. */
static int grow(void *arrayp, size_t *n, size_t elsize, const void *el)
{
	char *a = realloc(*(void **)arrayp, (*n + 1) * elsize);

	if (!a)
		return -ENOMEM;
	memcpy(a + *n * elsize, el, elsize);
	*(void **)arrayp = a;
	(*n)++;
	return 0;
}

static int parse_term(const char *p, size_t len, struct mp_selector *sel)
{
	const char *dash = memchr(p, '-', len);
	char word[32];
	struct mp_id_range r;
	uint64_t v;

	if (len > 5 && !strncmp(p, "node:", 5)) {
		int node;

		if (parse_id(p + 5, len - 5, &v) < 0 || len - 5 > 6 ||
		    !isdigit((unsigned char)p[5]))
			return -EINVAL;
		node = (int)v;
		return grow(&sel->nodes, &sel->nnodes, sizeof(node), &node);
	}
	if (len > 5 && !strncmp(p, "zone:", 5)) {
		char zone[16] = "";

		if (len - 5 >= sizeof(zone))
			return -EINVAL;
		memcpy(zone, p + 5, len - 5);
		for (char *z = zone; *z; z++)
			if (!isalnum((unsigned char)*z))
				return -EINVAL;
		return grow(&sel->zones, &sel->nzones, sizeof(zone), zone);
	}
	if (len > 6 && !strncmp(p, "state:", 6)) {
		enum mp_state st;

		if (len - 6 >= sizeof(word))
			return -EINVAL;
		memcpy(word, p + 6, len - 6);
		word[len - 6] = '\0';
		st = mp_state_parse(word);
		if (st == MP_STATE_UNKNOWN)
			return -EINVAL;
		sel->states |= 1u << st;
		return 0;
	}
	if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (!dash || parse_hex_addr(p, (size_t)(dash - p), &r.first) < 0 ||
		    parse_hex_addr(dash + 1, len - (size_t)(dash - p) - 1, &r.last) < 0 ||
		    r.last < r.first)
			return -EINVAL;
		return grow(&sel->phys, &sel->nphys, sizeof(r), &r);
	}
	if (!dash && len < sizeof(word) && isdigit((unsigned char)p[0]) &&
	    isalpha((unsigned char)p[len - 1])) {
		memcpy(word, p, len);
		word[len] = '\0';
		if (mp_parse_size(word, &v) < 0 || v == 0)
			return -EINVAL;
		if (sel->size)
			return -EINVAL;
		sel->size = v;
		return 0;
	}
	if (dash) {
		if (parse_id(p, (size_t)(dash - p), &r.first) < 0 ||
		    parse_id(dash + 1, len - (size_t)(dash - p) - 1, &r.last) < 0 ||
		    r.last < r.first)
			return -EINVAL;
	} else {
		if (parse_id(p, len, &r.first) < 0)
			return -EINVAL;
		r.last = r.first;
	}
	return grow(&sel->ranges, &sel->nranges, sizeof(r), &r);
}

int mp_selector_parse(const char *arg, struct mp_selector *sel, char *err, size_t errlen)
{
	const char *p = arg;

	if (!*arg) {
		snprintf(err, errlen, "empty block list");
		return -EINVAL;
	}
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int r = parse_term(p, len, sel);

		if (r == -ENOMEM) {
			snprintf(err, errlen, "out of memory");
			return r;
		}
		if (r < 0) {
			snprintf(err, errlen,
				 "\"%.*s\" is not a block (32, memory32, 32-39), a range "
				 "(0xSTART-0xEND), node:N, zone:NAME, state:STATE or a size (512M)",
				 (int)(len > 64 ? 64 : len), p);
			return -EINVAL;
		}
		if (!end)
			return 0;
		p = end + 1;
	}
}

bool mp_selector_match(const struct mp_selector *sel, uint64_t id)
{
	for (size_t i = 0; i < sel->nranges; i++)
		if (id >= sel->ranges[i].first && id <= sel->ranges[i].last)
			return true;
	return false;
}

static bool zone_match(const struct mp_selector *sel, const char *zones)
{
	for (size_t i = 0; i < sel->nzones; i++) {
		size_t n = strlen(sel->zones[i]);

		for (const char *z = zones; *z;) {
			size_t w = strcspn(z, " ");

			if (w == n && !strncasecmp(z, sel->zones[i], n))
				return true;
			z += w;
			while (*z == ' ')
				z++;
		}
	}
	return false;
}

static bool filters_match(const struct mp_selector *sel, const struct mp_block *b)
{
	if (sel->states && !(sel->states & (1u << b->state)))
		return false;
	if (sel->nzones && !zone_match(sel, b->zones))
		return false;
	if (sel->nnodes) {
		size_t i;

		for (i = 0; i < sel->nnodes && sel->nodes[i] != b->node; i++)
			;
		if (i == sel->nnodes)
			return false;
	}
	return true;
}

ssize_t mp_selector_resolve(const struct mp_selector *sel, const struct mp_memory *mem,
			    enum mp_sel_mode mode, struct mp_block ***out, char *err, size_t errlen)
{
	struct mp_block **v;
	size_t n = 0, i;
	char h1[32], h2[32];

	for (i = 0; i < sel->nphys; i++) {
		const struct mp_id_range *r = &sel->phys[i];

		if (r->first % mem->block_size || (r->last + 1) % mem->block_size) {
			snprintf(err, errlen,
				 "0x%" PRIx64 "-0x%" PRIx64
				 " is not aligned to the block size (%s)",
				 r->first, r->last, mp_human_size(mem->block_size, h1, sizeof(h1)));
			return -EINVAL;
		}
	}
	for (i = 0; i < sel->nranges + sel->nphys; i++) {
		uint64_t first, last;
		bool any = false;

		if (i < sel->nranges) {
			first = sel->ranges[i].first;
			last = sel->ranges[i].last;
		} else {
			first = sel->phys[i - sel->nranges].first / mem->block_size;
			last = sel->phys[i - sel->nranges].last / mem->block_size;
		}
		for (size_t j = 0; j < mem->nblocks && !any; j++)
			any = mem->blocks[j].id >= first && mem->blocks[j].id <= last;
		if (!any) {
			if (first == last)
				snprintf(err, errlen, "no memory block memory%" PRIu64, first);
			else
				snprintf(err, errlen, "no memory block in %" PRIu64 "-%" PRIu64,
					 first, last);
			return -ENOENT;
		}
	}
	if (sel->size && mode == MP_SEL_LIST) {
		snprintf(err, errlen,
			 "a size selects memory to online or offline, not blocks to show");
		return -EINVAL;
	}
	v = calloc(mem->nblocks ? mem->nblocks : 1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < mem->nblocks; i++) {
		struct mp_block *b = &mem->blocks[i];
		bool named = !sel->nranges && !sel->nphys;

		for (size_t k = 0; k < sel->nranges && !named; k++)
			named = b->id >= sel->ranges[k].first && b->id <= sel->ranges[k].last;
		for (size_t k = 0; k < sel->nphys && !named; k++)
			named = b->id >= sel->phys[k].first / mem->block_size &&
				b->id <= sel->phys[k].last / mem->block_size;
		if (named && filters_match(sel, b))
			v[n++] = b;
	}
	if (sel->size) {
		uint64_t want = sel->size / mem->block_size;
		enum mp_state from = mode == MP_SEL_ONLINE ? MP_STATE_OFFLINE : MP_STATE_ONLINE;
		size_t m = 0;

		if (sel->size % mem->block_size) {
			snprintf(err, errlen, "%s is not a multiple of the block size (%s)",
				 mp_human_size(sel->size, h1, sizeof(h1)),
				 mp_human_size(mem->block_size, h2, sizeof(h2)));
			free(v);
			return -EINVAL;
		}
		for (i = 0; i < n; i++)
			if (v[i]->state == from)
				v[m++] = v[i];
		if (m < want) {
			snprintf(err, errlen, "only %s of %s memory in the selection, %s asked",
				 mp_human_size(m * mem->block_size, h1, sizeof(h1)),
				 mp_state_name(from), mp_human_size(sel->size, h2, sizeof(h2)));
			free(v);
			return -ENOENT;
		}
		/* chmem: online from the bottom, offline from the top */
		if (mode == MP_SEL_OFFLINE)
			memmove(v, v + (m - want), want * sizeof(*v));
		n = want;
	}
	*out = v;
	return (ssize_t)n;
}
