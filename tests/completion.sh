#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion (contrib/bash-completion/memplug), sourced into bash
# and driven as readline would: `complete -p` names its functions, and the
# candidates for a line are what memplug and the recorded trees say —
# the commands of `memplug --help`, each command's options of its --help
# (restore offers no --dry-run or --no-restore), zones, the scenarios of
# `memplug run --list-scenarios`, backends, and the blocks of the tree
# given with --sysroot, read from its folders; memplug-vm's options of its
# --help, and after its `--` a memplug command line.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v bash >/dev/null || skip "no bash"
T=$(tree guest-6.12)
BIN=$WORK/bin
mkdir -p "$BIN"
ln -s "$MEMPLUG" "$BIN/memplug"
ln -s "$top_srcdir/contrib/qemu/memplug-vm" "$BIN/memplug-vm"

# complete LINE...: the candidates for the last word of the line, sorted,
# one a line (an empty last word: a line ending in a blank).
complete_line() {
	PATH=$BIN:$PATH bash -c '
		. "$1/contrib/bash-completion/memplug"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		spec=$(complete -p "$1") || exit 3
		fn=${spec#*-F }
		fn=${fn%% *}
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$top_srcdir" "$@"
}

# want DESCRIPTION EXPECTED-LIST -- LINE...: the candidates are exactly these
want() {
	what=$1 exp=$2
	shift 3
	printf '%s\n' $exp | sort >"$WORK/want"
	complete_line "$@" >"$WORK/got" || fail "$what: no completion for $1"
	diff -u "$WORK/want" "$WORK/got" >"$WORK/diff" ||
		fail "$what: memplug completion of \"$*\": $(cat "$WORK/diff")"
	echo "ok $what: $(tr '\n' ' ' <"$WORK/got" | cut -c1-100)"
}

# complete -p: both commands have their function.
PATH=$BIN:$PATH bash -c '. "$1/contrib/bash-completion/memplug"; complete -p memplug memplug-vm' \
	sh "$top_srcdir" >"$WORK/spec" || fail "complete -p: $(cat "$WORK/spec")"
grep -q -- '-F _memplug memplug$' "$WORK/spec" || fail "complete -p memplug: $(cat "$WORK/spec")"
grep -q -- '-F _memplug_vm memplug-vm$' "$WORK/spec" || fail "complete -p memplug-vm: $(cat "$WORK/spec")"

cmds=$("$MEMPLUG" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
[ "$(echo "$cmds" | wc -l)" -ge 13 ] || fail "memplug --help lists $(echo $cmds)"
want "commands" "$cmds" -- memplug ""
want "commands after -s" "$cmds" -- memplug -s "$T" ""
want "commands starting with re" "remove restore replay" -- memplug re

# options: what --help lists, long ones for --
for c in $cmds; do
	"$MEMPLUG" "$c" --help | grep '^ \{2,6\}-' | cut -c1-29 | grep -o -- '--[a-z][-a-z]*' |
		sort -u >"$WORK/opts"
	want "$c options" "$(cat "$WORK/opts")" -- memplug "$c" --
done
complete_line memplug restore -- | grep -q -- '--dry-run\|--no-restore' &&
	fail "restore offers an option it refuses"

want "zones" "auto kernel movable" -- memplug online --zone ""
want "zones (=)" "auto kernel movable" -- memplug add --online=""
want "zones -z m" "movable" -- memplug online -z m
want "scenarios" "$("$MEMPLUG" run --list-scenarios | cut -d' ' -f1)" -- memplug run --scenario ""
want "scenarios n" "neighbours" -- memplug run --scenario n
want "add backends" "qmp dax probe" -- memplug add --backend ""
want "remove backends" "qmp acpi dax" -- memplug remove -B ""

# list -o: the columns list --help names, after a comma too.
cols=$("$MEMPLUG" list --help | sed -n 's/^Columns: *\(.*\)\.$/\1/p')
[ -n "$cols" ] || fail "no Columns: in list --help"
want "list -o" "$cols" -- memplug list -o ""
want "list -o BLOCK,S" "BLOCK,SIZE BLOCK,STATE BLOCK,START" -- memplug list -o BLOCK,S

# BLOCKS: the tree's memoryN folders and nodeN folders.
M=$T/sys/devices/system/memory
blocks=$(ls "$M" | sed -n 's/^memory\([0-9][0-9]*\)$/\1/p')
nodes=$(ls "$T/sys/devices/system/node" | sed -n 's/^node\([0-9][0-9]*\)$/node:\1/p')
[ -n "$blocks" ] && [ -n "$nodes" ] || fail "no blocks or nodes in $T"
sel="zone:dma zone:dma32 zone:normal zone:movable state:online state:offline"
want "blocks of --sysroot" "$blocks $nodes $sel" -- memplug --sysroot "$T" list ""
want "blocks of -s after the command" "$blocks $nodes $sel" -- memplug offline -s "$T" ""
want "blocks 3*" "$(echo "$blocks" | grep '^3')" -- memplug "--sysroot=$T" online 3
want "node:" "$nodes" -- memplug -s "$T" pages node:
# as readline splits words at ":" (COMP_WORDBREAKS): the part after it
want "node : (split)" "$(echo "$nodes" | sed 's/^node://')" -- memplug -s "$T" pages node :
want "zone : m (split)" "movable" -- memplug -s "$T" list zone : m
mkdir "$WORK/empty"
want "no tree, no blocks" "" -- memplug -s "$WORK/empty" list ""

# memplug-vm: its options, its values, and memplug after --
"$top_srcdir/contrib/qemu/memplug-vm" --help |
	sed -n 's/^  \(-[a-z], \)\{0,1\}\(--[a-z][-a-z]*\).*/\2/p' >"$WORK/vmopts"
[ "$(wc -l <"$WORK/vmopts")" -ge 20 ] || fail "memplug-vm --help: $(cat "$WORK/vmopts")"
want "memplug-vm options" "$(cat "$WORK/vmopts") --" -- memplug-vm --
want "memplug-vm --debian" "6.1 6.12" -- memplug-vm --debian ""
want "memplug-vm --accel" "kvm tcg" -- memplug-vm --accel ""
want "memplug-vm --arch" "x86_64 arm64" -- memplug-vm --arch ""
want "memplug-vm -- commands" "$cmds" -- memplug-vm --debian 6.12 -- ""
want "memplug-vm -- blocks" "$blocks $nodes $sel" -- memplug-vm --dimm 512M -- -s "$T" offline ""
want "memplug-vm -- zones" "auto kernel movable" -- memplug-vm -- online --zone ""
