#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug check and snapshot on bad input: each refusal has its exit status
# and a one-line reason. (The invariants themselves are unit-tested on the
# recorded guest steps: tests/unit/test-check.c.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

run check --baseline "$WORK/none.json"
[ "$(rc)" = 2 ] || fail "missing baseline: exit $(rc)"
grep -q "cannot read the baseline" "$WORK/err" || fail "missing baseline: $(cat "$WORK/err")"

echo '{"hello": 1}' >"$WORK/bad.json"
run check --baseline "$WORK/bad.json"
[ "$(rc)" = 2 ] || fail "not a snapshot: exit $(rc)"
grep -q "not a memplug snapshot" "$WORK/err" || fail "not a snapshot: $(cat "$WORK/err")"

for bad in "--struct-page-size 60" "--struct-page-size 8" "--free-tolerance 0" "--readings 0" \
	"--injected x" "extra"; do
	# shellcheck disable=SC2086
	run check $bad
	[ "$(rc)" = 2 ] || fail "check $bad: exit $(rc)"
done
run snapshot --readings x
[ "$(rc)" = 2 ] || fail "snapshot --readings x: exit $(rc)"
run pages x
[ "$(rc)" = 2 ] || fail "pages x: exit $(rc)"
echo "bad input refused"
