#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The churn scenario's leak slope on a live kernel, in guests of both Debian
# kernels: while a consumer keeps 2 MiB (512 pages, a PMD's worth) more of
# memory each cycle, `memplug run --scenario churn` reports a leak whose
# slope is what the consumer kept per cycle (counted by the consumer, not by
# memplug), named "about a PMD"; the same churn without the consumer is clean.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/slope.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 600 --slots 4 --script "$WORK/guest.sh" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest slope: done" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	[ "$(cat "$o/leak.rc")" = 1 ] || fail "$k: churn with the consumer: exit $(cat "$o/leak.rc"): $(cat "$o/leak.err")"
	kept=$(cat "$o/leak.count")
	cycles=$(jq '[.findings[] | select(.kind == "leak" and .step == "churn")] | length' "$o/leak.json")
	[ "$cycles" = 1 ] || fail "$k: $cycles churn leak findings: $(jq -c .findings "$o/leak.json")"
	text=$(jq -r '.findings[] | select(.kind == "leak" and .step == "churn") | .what' "$o/leak.json")
	slope=$(echo "$text" | sed -n 's/^free pages fall by \([0-9]*\) pages a cycle.*/\1/p')
	[ -n "$slope" ] || fail "$k: finding without a slope: $text"
	# the consumer kept 512 pages a cycle; the slope may differ by the noise of a cycle
	[ "$slope" -ge 400 ] && [ "$slope" -le 640 ] ||
		fail "$k: slope $slope pages a cycle; the consumer kept 512 a cycle ($kept times)"
	echo "$text" | grep -q "about a PMD" || fail "$k: not named about a PMD: $text"
	[ "$(cat "$o/clean.rc")" = 0 ] || fail "$k: churn without the consumer: exit $(cat "$o/clean.rc"): $(jq -c .findings "$o/clean.json")"
	echo "$k: with 2 MiB kept each of $kept cycles: \"$text\"; without: $(grep 'slope' "$o/clean.out")"
done
