#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's main-job command works from a fresh clone: contrib/smoke
# builds memplug there, boots Debian's 6.12 guest and runs the default smoke
# run, whose report ends clean and which exits 0, everything put back. (The
# --install part is what .ci/run does.)
# Its results stay on the host, in the run folder it names at the end: the
# report (JSON, with the seed asked for), valid KTAP, the trace (replay
# parses it), the timeline and its SVG, and the console log; on the way it
# says each stage, and at a terminal (script(1)) the run's steps.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq nomemplug
command -v git >/dev/null || skip "no git"
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
grep -q '^contrib/smoke --install$' "$top_srcdir/README.md" || fail "README's main-job command is not contrib/smoke --install"

git clone -q "$top_srcdir" "$WORK/clone"
# the clone builds its own memplug; the working tree's uncommitted state is not in it
(cd "$WORK/clone" && contrib/smoke --duration 20 --seed 11) >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
# the run folder: named on the last line, whatever the result
dir=$(tail -n 1 "$WORK/err" | sed -n 's/^smoke: run folder //p')
[ -n "$dir" ] && [ -d "$dir" ] || fail "no run folder named at the end: $(tail -n 3 "$WORK/err")"
[ "$dir" = "$WORK/clone/smoke-6.12-seed-11" ] || fail "run folder $dir, not smoke-6.12-seed-11 in the clone"
for stage in "fetching Debian's 6.12 kernel" "booting the guest" "running memplug run for 20s (seed 11)"; do
	grep -q "^smoke: $stage" "$WORK/err" || fail "no stage \"$stage\": $(cat "$WORK/err")"
done
jq -e '.seed == 11 and (.scenarios | length) >= 1 and .result != null' "$dir/report.json" >/dev/null ||
	fail "report.json: $(head -c 300 "$dir/report.json")"
awk -f "$top_srcdir/tests/ktap-check.awk" "$dir/run.ktap" >/dev/null || fail "run.ktap is not valid KTAP"
[ "$(head -n 1 "$dir/run/trace")" = "memplug-trace 1" ] || fail "run/trace: $(head -n 2 "$dir/run/trace")"
"$WORK/clone/cmd/memplug" replay --dry-run "$dir/run/trace" >/dev/null || fail "replay cannot parse run/trace"
[ "$(head -n 1 "$dir/run/timeline.csv")" = "step,operation,free_pages,nr_memmap_pages,online_blocks,vmemmap_mapped_bytes,findings" ] ||
	fail "run/timeline.csv: $(head -n 1 "$dir/run/timeline.csv")"
[ "$(wc -l <"$dir/run/timeline.csv")" -gt 2 ] || fail "run/timeline.csv has no steps"
if command -v gnuplot >/dev/null && command -v xmllint >/dev/null; then
	xmllint --noout "$dir/timeline.svg" || fail "timeline.svg does not parse"
fi
grep -q '^memplug-vm: exit status' "$dir/console.log" || fail "console.log: $(tail -n 3 "$dir/console.log")"
grep -q '^memplug run: seed 11' "$dir/summary.txt" || fail "summary.txt: $(head -n 3 "$dir/summary.txt")"
echo "run folder: $(cd "$dir" && find . -type f | sort | tr '\n' ' ')"
# 0 only: a smoke run that ends with the guest not as it began (3) is no pass
[ "$rc" = 0 ] || { tail -n 30 "$WORK/err" >&2; fail "contrib/smoke exited $rc: $(grep '^result' "$WORK/out")"; }
grep -q '^memplug run: seed 11' "$WORK/out" || fail "no run: $(tail -n 5 "$WORK/out")"
grep -q '^result: clean$' "$WORK/out" || fail "the smoke run was not clean: $(cat "$WORK/out")"
echo "smoke from a fresh clone: $(grep -m1 'steps in' "$WORK/out")"

# At a terminal: the run's steps as it goes (script(1) gives smoke a tty).
if command -v script >/dev/null; then
	(cd "$WORK/clone" && script -qec "contrib/smoke --duration 10 --seed 12 --out $WORK/tty-run" \
		"$WORK/typescript") >/dev/null 2>&1 || :
	esc=$(printf '\033')
	tr '\r' '\n' <"$WORK/typescript" | sed "s/$esc\\[K//g" >"$WORK/tty"
	grep -q '^smoke: running: step [0-9]' "$WORK/tty" ||
		fail "no step progress at a terminal: $(tail -n 5 "$WORK/tty")"
	echo "at a terminal: $(grep '^smoke: running: step' "$WORK/tty" | tail -n 1)"
fi
