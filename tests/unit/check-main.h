/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every unit test's main() does: run the suite, exit 1 when a test failed. */
#ifndef MEMPLUG_CHECK_MAIN_H
#define MEMPLUG_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int mp_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
