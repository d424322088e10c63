#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug run in guests of the Debian kernels (MEMPLUG_KERNEL): every scenario
# runs clean (no finding) for a bounded number of steps and puts everything
# back (exit 0; zones may end 3, "result: kept", where the kernel keeps kernel
# memory); inject reports exactly its
# injected failures and no leak; the KTAP output is valid KTAP v1; the JSON
# report and the trace are there and agree.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/run.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 600 --slots 16 --maxmem 16G --modules-load memory-notifier-error-inject \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	for sc in ladder neighbours churn storm autoonline inject zones random; do
		rc=$(cat "$o/$sc.rc")
		# every scenario puts everything back (0); zones alone onlines kernel
		# memory, which the kernel may keep (3, each block named with the
		# kpageflags classes of what stayed)
		case $sc:$rc in *:0 | zones:3) ;; *) cat "$o/$sc.err" >&2; fail "$k $sc: exit $rc" ;; esac
		[ "$rc" = 0 ] || grep -q "stays online.*the kernel keeps pages there" "$o/$sc.err" ||
			fail "$k $sc: exit 3 without the reason: $(cat "$o/$sc.err")"
		awk -f "$top_srcdir/tests/ktap-check.awk" "$o/$sc.ktap" >"$o/$sc.ktapcheck" ||
			fail "$k $sc: $(cat "$o/$sc.ktapcheck")"
		! grep -q "^not ok" "$o/$sc.ktap" || fail "$k $sc: KTAP says not ok: $(grep -h '#' "$o/$sc.ktap" | head)"
		# clean, or kept with exit 3 (the report says so in place of clean)
		want=clean
		[ "$rc" = 0 ] || want=kept
		[ "$(jq -r .result "$o/$sc.json")" = $want ] || fail "$k $sc: report $(jq -c '[.result, .findings]' "$o/$sc.json")"
		real=$(jq '[.findings[] | select(.note != true)] | length' "$o/$sc.json")
		[ "$real" = 0 ] || fail "$k $sc: $real findings"
		steps=$(jq '.scenarios[0].steps' "$o/$sc.json")
		lines=$(grep -c -- ' -> ' "$o/$sc.trace")
		[ "$steps" = "$lines" ] || fail "$k $sc: report says $steps steps, the trace has $lines"
		head -n 1 "$o/$sc.trace" | grep -qx 'memplug-trace 1' || fail "$k $sc: trace header"
	done
	# inject: exactly one injected finding per operation that ran while armed and failed
	armed=$(awk '/^inject /{armed = ($3 != 0); next}
		armed && /^(offline|online|online_kernel|online_movable) / && / -> failed/ {n++}
		END {print n + 0}' "$o/inject.trace")
	inj=$(jq '[.findings[] | select(.kind == "injected")] | length' "$o/inject.json")
	[ "$armed" -gt 0 ] && [ "$inj" = "$armed" ] ||
		fail "$k inject: $inj injected findings, the trace shows $armed failed armed operations"
	# the timeline plots (gnuplot where present)
	if command -v gnuplot >/dev/null; then
		"$top_srcdir/contrib/plot-timeline" "$o/churn/timeline.csv" "$o/churn.svg" >/dev/null ||
			fail "$k: plot-timeline failed"
		grep -q '<svg' "$o/churn.svg" || fail "$k: plot-timeline wrote no SVG"
	fi
	echo "$k: $(grep -c ': exit' "$o/stdout") scenarios clean; inject: $inj injected failures reported; $(tail -n 1 "$o/stdout")"
done
