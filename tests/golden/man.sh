#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages: memplug(8) and memplug-vm(1) format without a warning
# (groff -ww; mandoc -Tlint too where it is installed), every command of
# `memplug --help` is in memplug(8)'s SYNOPSIS, each on a line of its own
# at 80 columns, and no rendered line is longer than that (but the verbatim
# output of EXAMPLES). (What they read
# at 80 columns, byte for byte, is in tests/expected/man/, by expected.sh.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v groff >/dev/null || skip "no groff (Debian: groff-base)"
LC_ALL=C.UTF-8
export LC_ALL
for page in man/memplug.8 man/memplug-vm.1; do
	groff -ww -z -man "$top_srcdir/$page" >"$WORK/warn" 2>&1 || fail "$page: groff failed"
	[ ! -s "$WORK/warn" ] || fail "$page: groff warns: $(cat "$WORK/warn")"
	if command -v mandoc >/dev/null; then
		mandoc -Tlint -Wwarning "$top_srcdir/$page" >"$WORK/warn" 2>&1 ||
			fail "$page: mandoc -Tlint: $(cat "$WORK/warn")"
	fi
	groff -man -Tutf8 -rLL=80n -P-cbou "$top_srcdir/$page" >"$WORK/page"
	# wider than 80 columns, outside EXAMPLES' verbatim output
	long=$(perl -CSD -ne '$ex = /^EXAMPLES/ ? 1 : /^[A-Z]/ ? 0 : $ex;
		print "$.: $_" if !$ex && length($_) > 81' "$WORK/page")
	[ -z "$long" ] || fail "$page: longer than 80 columns: $long"
	echo "ok $page"
done

# The synopsis: one entry per command, each starting a line.
groff -man -Tutf8 -rLL=80n -P-cbou "$top_srcdir/man/memplug.8" |
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' >"$WORK/synopsis"
cmds=$("$MEMPLUG" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || fail "no commands in memplug --help"
for c in $cmds; do
	grep -q "^       memplug $c\( \|\$\)" "$WORK/synopsis" ||
		fail "memplug(8) SYNOPSIS: no line of its own for memplug $c"
done
n=$(grep -c 'memplug [a-z]' "$WORK/synopsis")
[ "$n" = "$(echo "$cmds" | wc -l)" ] || fail "memplug(8) SYNOPSIS: $n lines name commands (lines run together?)"
echo "ok SYNOPSIS: $(echo $cmds)"

# FILES: every entry a tag of its own (a path line, then its text indented).
groff -man -Tutf8 -rLL=80n -P-cbou "$top_srcdir/man/memplug.8" |
	sed -n '/^FILES/,/^[A-Z]/p' | sed '1d;$d' >"$WORK/files"
bad=$(grep -v '^       /\|^              \|^$' "$WORK/files" || true)
[ -z "$bad" ] || fail "memplug(8) FILES: $bad"
grep -q '^              .*/proc/\|^              .*kpagecount' "$WORK/files" &&
	fail "memplug(8) FILES: a path inside an entry's text: $(cat "$WORK/files")"
echo "ok FILES: $(grep -c '^       /' "$WORK/files") entries"

# run's exit statuses: --help names each that memplug(8) lists.
for s in 0 1 2 3 4; do
	"$MEMPLUG" run --help | tr '\n' ' ' | grep -q "Exit status:.* $s [a-z]" ||
		fail "run --help does not name exit status $s"
done
echo "ok run --help: exit statuses 0 1 2 3 4"
