#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/matrix over Debian's kernels and one broken "kernel" (an empty
# file), -j 2: the two guests run at the same time and the third starts only
# when one of them is done; the broken one is an error that stops neither
# the others nor the reports; the exit status is 1. The KTAP document is
# valid KTAP v1 with a test per kernel and each guest's own KTAP nested under
# it (naming the kernel release the Debian package holds); the JUnit file
# parses with junitparser (python3-junitparser) with one case per kernel, an
# error for the broken one; the summary has a line per kernel.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug
/usr/bin/python3 -c 'import junitparser' 2>/dev/null || skip "python3-junitparser not installed"
cache=${MEMPLUG_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memplug-vm}
: >"$WORK/bogus"
set +e
"$top_srcdir/contrib/matrix" --matrix "$KERNELS $WORK/bogus" -j 2 --timeout 600 \
	--vm-arg --memplug="$MEMPLUG" --vm-arg --boot-timeout=300 --vm-arg --slots=8 --vm-arg --maxmem=8G \
	--ktap "$WORK/m.ktap" --junit "$WORK/m.xml" --out "$WORK/m" -- run --scenario ladder --steps 6 --seed 11 \
	>"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "matrix exited $rc, not 1: $(cat "$WORK/err")"
n=0
for k in $KERNELS bogus; do n=$((n + 1)); done

awk -f "$top_srcdir/tests/ktap-check.awk" "$WORK/m.ktap" >"$WORK/ktapcheck" || fail "KTAP: $(cat "$WORK/ktapcheck")"
grep -qx "1..$n" "$WORK/m.ktap" || fail "KTAP plan is not 1..$n"
i=0
for k in $KERNELS; do
	i=$((i + 1))
	grep -qx "ok $i $k" "$WORK/m.ktap" || { cat "$WORK/m/$k/stderr" >&2; fail "$k: no 'ok $i $k'"; }
	grep -qx "    # Subtest: $k" "$WORK/m.ktap" || fail "$k: no nested KTAP"
	rel=$(awk '{print $NF}' "$cache/debian-$k/package") # the release is the last word
	grep -q "^    # memplug run seed=11 kernel=$rel$" "$WORK/m.ktap" || fail "$k: the nested KTAP is not of kernel $rel"
	grep -q "^$k  *pass  *findings 0  *wall  *[0-9.]* s$" "$WORK/out" || fail "$k: summary: $(cat "$WORK/out")"
done
grep -qx "not ok $n bogus" "$WORK/m.ktap" || fail "no 'not ok $n bogus'"
grep -q "^bogus  *error  *findings -  *wall" "$WORK/out" || fail "bogus: summary: $(cat "$WORK/out")"

# JUnit, as a consumer reads it
/usr/bin/python3 - "$WORK/m.xml" $KERNELS >"$WORK/junit" <<'EOF' || fail "JUnit: $(cat "$WORK/junit")"
import sys
from junitparser import JUnitXml, Error, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
assert len(suites) == 1, "one test suite"
cases = {c.name: c for c in suites[0]}
want = sys.argv[2:] + ["bogus"]
assert sorted(cases) == sorted(want), "cases %s" % sorted(cases)
for k in sys.argv[2:]:
    assert not cases[k].result, "%s: %s" % (k, cases[k].result)
    assert float(cases[k].time) > 0, "%s: no time" % k
r = cases["bogus"].result
assert len(r) == 1 and isinstance(r[0], Error), "bogus: %s" % r
assert suites[0].errors == 1 and suites[0].failures == 0 and suites[0].tests == len(want), "suite counts"
print("junit: %d cases, bogus: %s" % (len(cases), r[0].message))
EOF

# -j 2: the first two overlapped; the third waited for one of them
s1=$(cat "$WORK/m/$(echo $KERNELS | cut -d' ' -f1)/start")
e1=$(cat "$WORK/m/$(echo $KERNELS | cut -d' ' -f1)/end")
if [ "$n" = 3 ]; then
	k2=$(echo $KERNELS | cut -d' ' -f2)
	s2=$(cat "$WORK/m/$k2/start") e2=$(cat "$WORK/m/$k2/end") s3=$(cat "$WORK/m/bogus/start")
	awk -v s1="$s1" -v e1="$e1" -v s2="$s2" -v e2="$e2" -v s3="$s3" \
		'BEGIN { exit !(s2 < e1 && s1 < e2 && s3 >= (e1 < e2 ? e1 : e2)) }' ||
		fail "not two at a time: $s1-$e1, $s2-$e2, then $s3"
fi
cat "$WORK/junit" "$WORK/out"
