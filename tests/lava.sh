#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The LAVA test definition's script (contrib/lava/memplug.sh) against a
# stand-in lava-test-case that records its calls, on three real runs
# recorded in a Debian 6.12 guest (tests/fixtures/lava/record.sh): a clean
# run, a run with findings and a skipped run. The calls must be those in
# tests/fixtures/lava/NAME.calls, and, read from the fixtures themselves:
# a failing case for each "not ok" of the KTAP and a passing one for each
# "ok", a steps measurement for each scenario of the JSON report, a p99
# measurement for each operation that ran, and memplug-run's result from
# the exit status (0 pass, 4 skip, else fail).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
F=$top_srcdir/tests/fixtures/lava
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/calls"\n' "$WORK" >"$WORK/bin/lava-test-case"
chmod 755 "$WORK/bin/lava-test-case"

for n in clean findings skipped; do
	: >"$WORK/calls"
	PATH=$WORK/bin:$PATH sh "$top_srcdir/contrib/lava/memplug.sh" -r "$F/$n" -o "$WORK/$n" \
		>"$WORK/$n.out" 2>"$WORK/$n.err" || fail "$n: memplug.sh exited $?: $(cat "$WORK/$n.err")"
	diff -u "$F/$n.calls" "$WORK/calls" >&2 || fail "$n: the calls differ from $n.calls"
	# the same lines in result.txt for test-definitions' send-to-lava.sh
	sed 's/ --result / /; s/ --measurement / /; s/ --units / /' "$WORK/calls" | cmp -s - "$WORK/$n/result.txt" ||
		fail "$n: result.txt is not the calls"
	rc=$(cat "$F/$n/rc")
	case $rc in 0) want=pass ;; 4) want=skip ;; *) want=fail ;; esac
	[ "$(tail -n 1 "$WORK/calls")" = "memplug-run --result $want" ] ||
		fail "$n: exit $rc, but the last call is $(tail -n 1 "$WORK/calls")"
	if [ "$rc" = 4 ]; then
		[ "$(wc -l <"$WORK/calls")" = 1 ] || fail "$n: a skipped run reports more than its skip"
		continue
	fi
	# the KTAP's test lines against the pass and fail calls
	grep -v -e '\.p99 ' -e '\.steps ' -e '^memplug-run ' "$WORK/calls" >"$WORK/$n.ktapcalls"
	[ "$(grep -c '^ *not ok ' "$F/$n/ktap")" = "$(grep -c -e '--result fail$' "$WORK/$n.ktapcalls")" ] ||
		fail "$n: not as many failing cases as 'not ok' lines"
	[ "$(grep -c '^ *ok ' "$F/$n/ktap")" = "$(grep -c -e '--result pass$' "$WORK/$n.ktapcalls")" ] ||
		fail "$n: not as many passing cases as 'ok' lines"
	jq -r '.scenarios[] | "\(.name).steps --result pass --measurement \(.steps) --units steps"' "$F/$n/report.json" \
		>"$WORK/$n.steps"
	while read -r line; do grep -qxF -- "$line" "$WORK/calls" || fail "$n: no call '$line'"; done <"$WORK/$n.steps"
	jq -r '.operations | to_entries[] | select(.value.n > 0) | "\(.key).p99 \(.value.p99_ms)"' "$F/$n/report.json" \
		>"$WORK/$n.p99"
	while read -r op p99; do
		grep -q "^$op --result [a-z]* --measurement $p99 --units ms$" "$WORK/calls" || fail "$n: no p99 of $op ($p99 ms)"
	done <"$WORK/$n.p99"
	echo "$n: $(wc -l <"$WORK/calls") calls, $(grep -c -e '--result fail' "$WORK/calls") failing"
done
