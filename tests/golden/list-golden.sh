#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug list --blocks on every recorded tree, and on variants of them that
# real machines produce (numbering that does not start at 0, holes, 64K-page
# block sizes, a block without node link, entries that are not blocks),
# against a table built here from the tree's own files.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

# BLOCK STATE REMOVABLE NODE ZONES per block, read straight from the tree.
expect_blocks() {
	root=$1
	bmem=$root/sys/devices/system/memory
	for d in "$bmem"/memory*; do
		n=${d##*/memory}
		case $n in '' | *[!0-9]*) continue ;; esac
		[ -d "$d" ] || continue
		state=$(cat "$d/state")
		rem=""
		[ "$state" = online ] && { [ "$(cat "$d/removable")" = 1 ] && rem=yes || rem=no; }
		node=-
		for l in "$root"/sys/devices/system/node/node*/memory"$n"; do
			[ -L "$l" ] || continue
			node=${l%/memory*}
			node=${node##*/node}
		done
		zones=$(tr ' ' / <"$d/valid_zones")
		printf '%s %s %s %s %s\n' "$n" "$state" "$rem" "$node" "$zones"
	done | sort -n
}

check_tree() {
	name=$1 root=$2
	expect_blocks "$root" >"$WORK/want"
	run list --sysroot "$root" --blocks -r -n -o BLOCK,STATE,REMOVABLE,NODE,ZONES
	[ "$(rc)" = 0 ] || fail "$name: exit $(rc): $(cat "$WORK/err")"
	[ -s "$WORK/want" ] || fail "$name: the tree has no blocks"
	diff -u "$WORK/want" "$WORK/out" >&2 || fail "$name: per-block listing differs from the tree"

	# merged rows cover the same blocks, and sizes add up to the block count
	bs=$(printf '%d' "0x$(cat "$root/sys/devices/system/memory/block_size_bytes")")
	run list --sysroot "$root" -b -r -n -o SIZE
	total=0
	while read -r s; do total=$((total + s)); done <"$WORK/out"
	[ "$total" -eq $(($(wc -l <"$WORK/want") * bs)) ] ||
		fail "$name: merged sizes add up to $total, not $(wc -l <"$WORK/want") blocks of $bs"

	# JSON's booleans say what the table's cells say, block by block (yes:
	# true, no: false, "-": null; empty, for an offline block, as lsmem: false)
	run list --sysroot "$root" --blocks -r -n -o BLOCK,REMOVABLE,MEMMAP
	[ "$(rc)" = 0 ] || fail "$name: exit $(rc): $(cat "$WORK/err")"
	awk -F '[ ]' 'function b(v) { return v == "yes" ? "true" : v == "-" ? "null" : "false" }
	     { print $1, b($2), b($3) }' "$WORK/out" >"$WORK/want-json"
	run list --sysroot "$root" --blocks -J -o BLOCK,REMOVABLE,MEMMAP
	[ "$(rc)" = 0 ] || fail "$name: -J exit $(rc): $(cat "$WORK/err")"
	jq -r '.memory[] | "\(.block) \(.removable) \(.memmap)"' "$WORK/out" >"$WORK/got-json" ||
		fail "$name: list -J is not JSON"
	diff -u "$WORK/want-json" "$WORK/got-json" >&2 ||
		fail "$name: JSON booleans differ from the table"
	echo "ok $name: $(wc -l <"$WORK/want") blocks"
}

for t in $(trees); do
	check_tree "$t" "$(tree "$t")"
done

# Variants of the first recorded tree.
base=$(trees | head -n 1)
src=$(tree "$base")
mem=sys/devices/system/memory

v=$WORK/v-nozero; cp -a "$src" "$v"
rm -rf "$v/$mem/memory0" "$v/$mem/memory1" "$v"/sys/devices/system/node/node*/memory0 \
	"$v"/sys/devices/system/node/node*/memory1
check_tree "numbering from 2" "$v"

v=$WORK/v-holes; cp -a "$src" "$v"
for n in 3 5 6; do
	rm -rf "$v/$mem/memory$n" "$v"/sys/devices/system/node/node*/memory$n
done
check_tree "holes at 3, 5, 6" "$v"

v=$WORK/v-64k; cp -a "$src" "$v"
echo 20000000 >"$v/$mem/block_size_bytes"	# 512 MiB: arm64 with 64K pages
check_tree "512M blocks (64K pages)" "$v"
run list --sysroot "$v" -b -r -n -o RANGE,BLOCK 1
[ "$(cat "$WORK/out")" = "0x0000000020000000-0x000000003fffffff 1" ] ||
	fail "64K: block 1 range is $(cat "$WORK/out")"

v=$WORK/v-nonode; cp -a "$src" "$v"
rm -f "$v/$mem/memory2"/node* "$v"/sys/devices/system/node/node*/memory2
check_tree "block 2 without node" "$v"
run list --sysroot "$v" -J -o BLOCK,NODE 2
grep -q '"node": null' "$WORK/out" || fail "no node must read null in JSON: $(cat "$WORK/out")"

v=$WORK/v-notremovable; cp -a "$src" "$v"
echo 0 >"$v/$mem/memory3/removable"
check_tree "block 3 not removable" "$v"
run list --sysroot "$v" -J -o BLOCK,REMOVABLE 3
grep -q '"removable": false' "$WORK/out" || fail "removable 0 must read false: $(cat "$WORK/out")"

v=$WORK/v-noblocks; cp -a "$src" "$v"
mkdir -p "$v/$mem/memory_failure" "$v/$mem/memoryX" "$v"/sys/devices/system/node/node0/memory_failure
echo 1 >"$v/$mem/memory_failure/state"
ln -s ../../memory/memory0 "$v/sys/devices/system/node/node0/memory_tier0"
check_tree "entries that are not blocks" "$v"

echo "all trees agree with their files"
