#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The C sources are formatted as .clang-format says: `clang-format
# --dry-run --Werror` over lib/, cmd/ and the C files of tests/ fails on the
# first line that differs. The layout is the one clang-format 14 (Debian 12)
# gives; another major version wraps a few lines otherwise, so there the test
# skips and says so. To format: clang-format -i FILE.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

cf=${CLANG_FORMAT:-clang-format}
command -v "$cf" >/dev/null 2>&1 || skip "no $cf (Debian: clang-format)"
ver=$("$cf" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "$ver" = 14 ] || skip "$cf is version ${ver:-unknown}; the layout is clang-format 14's"

cd "$top_srcdir"
files=$(find lib cmd tests -name '*.[ch]' ! -path 'tests/fuzz/corpus/*' ! -path 'tests/work/*' | sort)
[ -n "$files" ] || fail "no C sources under $top_srcdir"
# shellcheck disable=SC2086
if ! "$cf" --dry-run --Werror $files >"$WORK/out" 2>&1; then
	head -n 40 "$WORK/out" >&2
	fail "$(grep -c "error:" "$WORK/out") places are not formatted as .clang-format says (clang-format -i FILE)"
fi
echo "$(echo "$files" | wc -l) files formatted as .clang-format says"
