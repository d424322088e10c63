/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recorded guest steps for unit tests: tests/fixtures/steps/steps.tar.xz,
 * unpacked by `make check` into tests/work/steps of the build tree
 * (SHARED_FIXTURES, set by tests/Makemodule.am; MEMPLUG_SHARED_FIXTURES
 * points elsewhere). They ship in the release: a test that cannot find them
 * fails, loudly, rather than skipping.
 */
#ifndef MEMPLUG_TEST_FIXTURE_H
#define MEMPLUG_TEST_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef SHARED_FIXTURES
#error "SHARED_FIXTURES must be defined by the build"
#endif

static inline const char *fx_dir(void)
{
	const char *env = getenv("MEMPLUG_SHARED_FIXTURES");

	return env && *env ? env : SHARED_FIXTURES;
}

static inline void fx_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", fx_dir(), rel);
}

/* Read a fixture file whole; fails the test when it is missing. */
static inline char *fx_slurp(const char *rel, size_t *len)
{
	char path[1024];
	struct stat st;
	char *buf;
	FILE *f;

	fx_path(path, sizeof(path), rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL,
		      "recorded step %s is missing: `make check` unpacks "
		      "tests/fixtures/steps/steps.tar.xz there (or set MEMPLUG_SHARED_FIXTURES)",
		      path);
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	buf[st.st_size] = '\0';
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static const char *const fx_steps[] = { "0-before", "1-after-add-A-online", "2-after-add-B-online",
					"3-after-remove-A", "4-after-remove-B" };

#endif
