#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGINT and SIGTERM at random moments, in guests of both Debian kernels,
# one boot per kernel carrying ten kills: memplug run (random, and the other
# scenarios in turn) killed at a random moment within its run must leave the
# guest with the blocks, states, zones, settings and devices of the start —
# read from sysfs and from QEMU's query-memory-devices, not from memplug —
# no journal behind, and `memplug check --baseline` of the start clean.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/signals.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 1500 --boot-timeout 400 --slots 8 --maxmem 8G \
		--modules-load memory-notifier-error-inject --script "$WORK/guest.sh" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest signals: done" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	n=$(wc -l <"$o/kills")
	[ "$n" = 10 ] || fail "$k: $n kills, not 10"
	devs0=$(jq -c '.return' "$o/start.qmd")
	while read -r i sc seed sig at rc crc journal; do
		what="$k kill $i ($sc $seed $sig $at)"
		case $rc in
		rc=0 | rc=1) ;;
		# killed before main() installed the handlers (the loader under TCG): it changed nothing
		rc=130 | rc=143) [ ! -s "$o/run$i.out" ] || fail "$what: memplug run died of the signal after it began: $(cat "$o/run$i.out")" ;;
		*) fail "$what: memplug run exited ${rc#rc=}: $(tail -n 5 "$o/run$i.err")" ;;
		esac
		[ "$journal" = journal=none ] || fail "$what: a journal was left: $(cat "$o/journal${i}")"
		diff "$o/start.blocks" "$o/after$i.blocks" >&2 || fail "$what: the blocks are not as at the start"
		diff "$o/start.settings" "$o/after$i.settings" >&2 || fail "$what: the settings are not as at the start"
		[ "$(jq -c '.return' "$o/after$i.qmd")" = "$devs0" ] ||
			fail "$what: QEMU lists $(jq -c '[.return[].data.id]' "$o/after$i.qmd") as memory devices, at the start $devs0"
		[ "$crc" = check=0 ] || fail "$what: memplug check --baseline of the start: exit ${crc#check=}: $(cat "$o/check$i.out" "$o/check$i.err")"
	done <"$o/kills"
	echo "$k: $(awk '{printf "%s%s %s %s %s", (NR > 1 ? "; " : ""), $2, $4, $5, $6}' "$o/kills")"
done
