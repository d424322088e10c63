#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad input of every kind gets a one-line reason and a documented exit status:
# a bad block is named with its file on stderr and the rest is listed (3,
# "partial"); a tree with no memory interface is a skip (4); bad arguments
# and unusable trees are usage errors (2). Never a crash or a garbage row.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

src=$(tree host-6.18)	# the block numbers named below are this tree's
mem=sys/devices/system/memory
nblocks=$(ls -d "$src/$mem"/memory[0-9]* | wc -l)

variant() {
	rm -rf "$WORK/v"
	cp -a "$src" "$WORK/v"
	echo "$WORK/v"
}

# expect_partial NAME FILE-NAMED-ON-STDERR
expect_partial() {
	run list --sysroot "$WORK/v" --blocks -r -n -o BLOCK,STATE,REMOVABLE,ZONES
	[ "$(rc)" = 3 ] || fail "$1: exit $(rc), want 3 (partial)"
	grep -q "$2" "$WORK/err" || fail "$1: stderr does not name $2: $(cat "$WORK/err")"
	[ "$(wc -l <"$WORK/out")" -eq $((nblocks - 1)) ] ||
		fail "$1: $(wc -l <"$WORK/out") rows, want the $((nblocks - 1)) good blocks"
	! grep -q '^2 ' "$WORK/out" || fail "$1: the bad block 2 is listed"
	grep -q '^3 ' "$WORK/out" || fail "$1: the good block 3 is missing"
	echo "ok $1"
}

v=$(variant); echo bogus >"$v/$mem/memory2/state"
expect_partial "state bogus" "memory2/state: unexpected state \"bogus\""

v=$(variant); rm "$v/$mem/memory2/state"
expect_partial "state missing" "memory2/state: No such file"

v=$(variant); rm "$v/$mem/memory2/state"; mkdir "$v/$mem/memory2/state"
expect_partial "state unreadable" "memory2/state: Is a directory"

v=$(variant); rm "$v/$mem/memory2/state"; mkfifo "$v/$mem/memory2/state"
expect_partial "state is a FIFO" "memory2/state: unexpected state"

v=$(variant); printf 'online\0junk' >"$v/$mem/memory2/state"
expect_partial "state with a NUL" "memory2/state"

v=$(variant); head -c 5000 /dev/zero | tr '\0' x >"$v/$mem/memory2/state"
expect_partial "state too long" "memory2/state"

v=$(variant); echo 7 >"$v/$mem/memory2/removable"
expect_partial "removable 7" "memory2/removable: expected 0 or 1"

v=$(variant); echo 'Normal;rm -rf' >"$v/$mem/memory2/valid_zones"
expect_partial "valid_zones garbage" "memory2/valid_zones: unexpected zone list"

# The whole tree unusable: one line, exit 2.
for bs in zz "" 0 3 -1 "8000000 junk"; do
	v=$(variant); printf '%s\n' "$bs" >"$v/$mem/block_size_bytes"
	run list --sysroot "$v"
	[ "$(rc)" = 2 ] || fail "block_size_bytes \"$bs\": exit $(rc), want 2"
	grep -q block_size_bytes "$WORK/err" || fail "block_size_bytes \"$bs\": $(cat "$WORK/err")"
	[ ! -s "$WORK/out" ] || fail "block_size_bytes \"$bs\": printed a table"
done
echo "ok block_size_bytes unparsable"

# No memory hotplug interface: kselftest's skip, 4.
v=$(variant); rm -rf "$v/$mem"
run list --sysroot "$v"
[ "$(rc)" = 4 ] || fail "no $mem: exit $(rc), want 4"
[ "$(wc -l <"$WORK/err")" = 1 ] && grep -q "no memory hotplug interface" "$WORK/err" ||
	fail "no $mem: $(cat "$WORK/err")"
echo "ok no memory interface"

# Arguments.
for args in "list -o NOSUCH" "list 32-x" "list memory" "list 9-3" "list ," \
	    "list --summary=sometimes" "list -J -r" "list -J --summary=always" \
	    "nosuchcommand" "" "list --sysroot $WORK/does-not-exist" "list 99999"; do
	# shellcheck disable=SC2086
	run $args --sysroot "$src"
	case $args in *does-not-exist*) run $args ;; esac
	[ "$(rc)" = 2 ] || fail "\"memplug $args\": exit $(rc), want 2"
	[ -s "$WORK/err" ] || fail "\"memplug $args\": no reason given"
	[ ! -s "$WORK/out" ] || fail "\"memplug $args\": printed $(head -c 200 "$WORK/out")"
done
echo "ok bad arguments"
