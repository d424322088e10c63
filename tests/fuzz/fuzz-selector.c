// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BLOCKS selectors: every line of the input is one argument to
 * mp_selector_parse(); the selector is then resolved on a small synthetic
 * memory (gaps, both states, two nodes, several zone lists) in the mode
 * and with the block size the first byte picks.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "sensors/block.h"

static struct mp_block blocks[48];
static struct mp_memory mem = { .blocks = blocks, .nblocks = 48 };

static void setup(void)
{
	static const char *const zones[] = { "Normal", "Movable", "Normal Movable",
					     "DMA32",  "none",	  "" };

	for (size_t i = 0; i < mem.nblocks; i++) {
		struct mp_block *b = &blocks[i];

		b->id = i < 32 ? i : i + 8; /* 0-31, then 40-55 */
		b->state = i % 3 ? MP_STATE_ONLINE : MP_STATE_OFFLINE;
		if (i == 7)
			b->state = MP_STATE_GOING_OFFLINE;
		b->node = i < 24 ? 0 : i == 47 ? -1 : 1;
		b->removable = 1;
		snprintf(b->zones, sizeof(b->zones), "%s", zones[i % 6]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = { 128u << 20, 1, 2ull << 30, 1ull << 40 };
	struct mp_selector sel = { 0 };
	struct mp_block **v = NULL;
	char *s, *line, *save = NULL, err[256];
	enum mp_sel_mode mode;
	ssize_t n;

	if (!mem.blocks[1].id)
		setup();
	if (!size)
		return 0;
	mode = (enum mp_sel_mode)(data[0] % 3);
	mem.block_size = sizes[(data[0] >> 2) % 4];
	s = fuzz_str(data + 1, size - 1);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (mp_selector_parse(line, &sel, err, sizeof(err)) < 0) {
			assert(err[0]);
			goto out;
		}
	n = mp_selector_resolve(&sel, &mem, mode, &v, err, sizeof(err));
	if (n < 0) {
		assert(err[0]);
	} else {
		for (ssize_t i = 0; i < n; i++) {
			assert(v[i] >= blocks && v[i] < blocks + mem.nblocks);
			assert(!i || v[i - 1]->id < v[i]->id);
		}
		free(v);
	}
out:
	mp_selector_clear(&sel);
	free(s);
	return 0;
}
