#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# On every recorded tree, memplug list agrees with lsmem --sysroot (util-linux)
# on ranges, sizes, states, removable, blocks, nodes and the totals: same
# columns, same merging, byte for byte.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "${LSMEM:-}" ] || LSMEM=$(command -v lsmem || true)
[ -n "$LSMEM" ] || skip "no lsmem (util-linux) to compare with"

n=0
for t in $(trees); do
	root=$(tree "$t")
	for cols in RANGE,SIZE,STATE,REMOVABLE,BLOCK RANGE,SIZE,STATE,BLOCK,NODE \
		    RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE; do
		for fmt in "-J -b" "-J" "-r" "-b -r -a"; do
			# shellcheck disable=SC2086
			"$LSMEM" --sysroot "$root" $fmt -o $cols >"$WORK/want" 2>&1 ||
				fail "$t: lsmem $fmt -o $cols failed: $(cat "$WORK/want")"
			# shellcheck disable=SC2086
			run list --sysroot "$root" $fmt -o $cols
			[ "$(rc)" = 0 ] || fail "$t: memplug list $fmt -o $cols: exit $(rc): $(cat "$WORK/err")"
			diff -u "$WORK/want" "$WORK/out" >&2 ||
				fail "$t: memplug list $fmt -o $cols differs from lsmem"
			n=$((n + 1))
		done
	done
	for fmt in "--summary=only" "-b --summary=only"; do
		# shellcheck disable=SC2086
		"$LSMEM" --sysroot "$root" $fmt | sed 's/ \{2,\}/ /g' >"$WORK/want"
		# shellcheck disable=SC2086
		run list --sysroot "$root" $fmt
		sed 's/ \{2,\}/ /g' "$WORK/out" | head -n 3 >"$WORK/got"
		diff -u "$WORK/want" "$WORK/got" >&2 || fail "$t: summary $fmt differs from lsmem"
		n=$((n + 1))
	done
done
[ "$n" -gt 0 ] || fail "no recorded tree compared"
echo "$n comparisons with lsmem agree"
