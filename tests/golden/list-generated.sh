#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The generated tree of 16,384 blocks over two nodes: every block is listed
# once, the nodes hold what the generator put there, and the merged view
# agrees with lsmem where lsmem is present.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

root=$WORK/gen
perl "$top_srcdir/tests/fixtures/gen-tree.pl" 16384 2 "$root" >/dev/null
mem=$root/sys/devices/system/memory

run list --sysroot "$root" --blocks -r -n -o BLOCK,NODE,STATE
[ "$(rc)" = 0 ] || fail "exit $(rc): $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/out")" -eq "$(ls "$mem" | grep -c '^memory[0-9]')" ] ||
	fail "$(wc -l <"$WORK/out") rows for $(ls "$mem" | grep -c '^memory[0-9]') blocks"
for n in 0 1; do
	want=$(ls "$root/sys/devices/system/node/node$n" | grep -c '^memory')
	got=$(awk -v n=$n '$2 == n' "$WORK/out" | wc -l)
	[ "$got" -eq "$want" ] || fail "node $n: $got blocks listed, the tree links $want"
done
want=$(grep -l offline "$mem"/memory*/state | wc -l)
got=$(awk '$3 == "offline"' "$WORK/out" | wc -l)
[ "$got" -eq "$want" ] || fail "$got offline blocks listed, the tree has $want"

[ -x "${LSMEM:-}" ] || LSMEM=$(command -v lsmem || true)
if [ -n "$LSMEM" ]; then
	"$LSMEM" --sysroot "$root" -J -b -o RANGE,SIZE,STATE,BLOCK,NODE,ZONES >"$WORK/want"
	run list --sysroot "$root" -J -b -o RANGE,SIZE,STATE,BLOCK,NODE,ZONES
	# lsmem names zones its own way ("Normal/Movable"); compare the rest
	sed '/"zones"/d; s/,$//' "$WORK/want" >"$WORK/want2"
	sed '/"zones"/d; s/,$//' "$WORK/out" >"$WORK/got2"
	diff -u "$WORK/want2" "$WORK/got2" >&2 || fail "merged view differs from lsmem"
fi
echo "ok 16384 blocks over 2 nodes"
