#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run each libFuzzer target (built by `make fuzz`) for a bounded time on its
# committed seed corpus: tests/fuzz/run.sh [TARGET...]. FUZZ_SECONDS (20)
# bounds each target; FUZZ_RUNS, when set, bounds the executions instead.
# New inputs go to tests/work/fuzz/TARGET/, never into the source tree; a
# crash, leak, sanitizer report or timeout leaves its input there as
# crash-*/leak-*/timeout-* and fails. Prints "fuzz-TARGET: N executions in S s".
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
secs=${FUZZ_SECONDS:-20}
[ $# -gt 0 ] || set -- $(cd "$top_srcdir/tests/fuzz/corpus" && ls)
status=0
for t in "$@"; do
	bin=$top_builddir/tests/fuzz/fuzz-$t
	work=$top_builddir/tests/work/fuzz/$t
	[ -x "$bin" ] || { echo "fuzz-$t: not built (make fuzz)" >&2; exit 2; }
	rm -rf "$work"
	mkdir -p "$work/new"
	if [ -n "${FUZZ_RUNS:-}" ]; then bound=-runs=$FUZZ_RUNS; else bound=-max_total_time=$secs; fi
	start=$(date +%s)
	if "$bin" "$bound" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/new" "$top_srcdir/tests/fuzz/corpus/$t" \
		>"$work/log" 2>&1; then
		res=ok
	else
		res=FAIL
		status=1
	fi
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	echo "fuzz-$t: $res, ${n:-?} executions in $(($(date +%s) - start)) s"
	if [ $res = FAIL ]; then
		grep -A40 -m1 'ERROR:\|runtime error\|==ERROR\|Test unit written' "$work/log" | head -60 >&2 || tail -n 40 "$work/log" >&2
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2 || true
	fi
done
exit $status
