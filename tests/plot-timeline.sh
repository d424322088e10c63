#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/plot-timeline on the recorded runs of tests/fixtures/timeline/ (a
# neighbours + churn run in a guest of the page80 kernel, clean, with its
# vmemmap page tables; a run on a recorded tree, with findings; each its
# timeline.csv and report.json, made by tests/fixtures/record-timeline.sh):
# the SVG parses, and holds what the recorded run calls for —
# a marker labelled with the kinds at each step with a finding of the
# report, each scenario's boundary by name, the vmemmap panel (mapped
# beside needed, the excess shaded where the mapping exceeds the need), the
# nr_memmap_pages and online blocks panels, and no number in a power-of-ten
# notation; without the report, a marker at each step where the timeline's
# findings count grows. A file that is not a timeline is refused (exit 2).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v gnuplot >/dev/null || skip "no gnuplot (Debian: gnuplot-nox)"
command -v jq >/dev/null || skip "no jq"
command -v xmllint >/dev/null || skip "no xmllint (Debian: libxml2-utils)"
PLOT=$top_srcdir/contrib/plot-timeline

# texts SVG: every text of the picture, one a line.
texts() {
	xmllint --noout "$1" || fail "$1 does not parse as XML"
	xmllint --xpath '//*[local-name()="text"]' "$1" | sed 's/<[^>]*>/\n/g' | sed '/^ *$/d'
}

runs=0
for FX in "$top_srcdir"/tests/fixtures/timeline/*/; do
	FX=${FX%/}
	name=$(basename "$FX")
	R=$WORK/$name
	mkdir -p "$R/run"
	cp "$FX/timeline.csv" "$R/run/"
	cp "$FX/report.json" "$R/"
	"$PLOT" "$R/run/timeline.csv" >"$R/out" 2>"$R/err" || fail "$name: plot-timeline: $(cat "$R/err")"
	[ ! -s "$R/err" ] || fail "$name: plot-timeline said: $(cat "$R/err")"
	[ -s "$R/run/timeline.svg" ] || fail "$name: no timeline.svg"
	texts "$R/run/timeline.svg" >"$R/texts"
	echo "ok $name: the SVG parses, $(wc -l <"$R/texts") texts"

	# What the recorded run calls for: for each step with findings (not
	# notes) in the report, "finding step N: KIND[, KIND]" where N is the
	# timeline's step of that operation ("end" for the end check).
	jq -r '.findings[] | select(.note != true) | [(.step // "end"), .kind] | @tsv' "$R/report.json" \
		>"$R/findings"
	n=0
	for s in $(cut -f1 "$R/findings" | awk '!seen[$0]++'); do
		kinds=$(awk -F'\t' -v s="$s" '$1 == s && !seen[$2]++ { printf "%s%s", (n++ ? ", " : ""), $2 }' "$R/findings")
		case $s in
		*:*) at="step $(awk -F, -v s="$s" '$2 == s { print $1 }' "$FX/timeline.csv")" ;;
		*) at=$s ;;
		esac
		grep -qxF "finding $at: $kinds" "$R/texts" || fail "$name: no marker \"finding $at: $kinds\""
		n=$((n + 1))
	done
	[ "$(grep -c '^finding ' "$R/texts")" = "$n" ] ||
		fail "$name: $(grep -c '^finding ' "$R/texts") finding markers, the report calls for $n"
	# each label's marker: gnuplot's point type 9 (a filled triangle, gpPt8) in red
	pts=$(grep -c "<use xlink:href='#gpPt8' transform=[^>]*color='rgb(204, *0, *0)'" "$R/run/timeline.svg" || :)
	[ "$pts" = "$n" ] || fail "$name: $pts triangles drawn, the report calls for $n"
	echo "ok $name: $n finding markers, each at its step with its kinds"

	for sc in $(jq -r '.scenarios[].name' "$R/report.json"); do
		grep -qxF "scenario $sc" "$R/texts" || fail "$name: no boundary of scenario $sc"
	done
	echo "ok $name: scenario boundaries: $(jq -r '[.scenarios[].name] | join(" ")' "$R/report.json")"

	if awk -F, 'NR > 1 && $6 > 0 { found = 1 } END { exit !found }' "$FX/timeline.csv"; then
		vm="vmemmap mapped|needed by the present blocks"
	else
		vm="no vmemmap page tables read (no PTDUMP_DEBUGFS in this kernel)|memmap of hot-added memory"
	fi
	IFS='|'
	for t in vmemmap\ \(MiB\) $vm nr_memmap_pages online\ blocks free\ pages step; do
		grep -qxF "$t" "$R/texts" || fail "$name: no \"$t\" in the SVG"
	done
	unset IFS
	# the excess: steps mapping more than the boot mapping (the least seen
	# beyond the memmap counted) and the memmap the kernel counts
	excess=$(awk -F, 'NR == FNR { if (FNR > 1) { b = $6 - $4 * 4096; if (FNR == 2 || b < base) base = b }; next }
		FNR > 1 && $6 > base + $4 * 4096 { n++ } END { print n + 0 }' "$FX/timeline.csv" "$FX/timeline.csv")
	if [ "$excess" -gt 0 ]; then
		grep -qxF 'mapped beyond need' "$R/texts" || fail "$name: $excess steps map beyond need, nothing shaded"
	fi
	! grep -q 'x10\|×10\|[0-9]e+[0-9]' "$R/texts" ||
		fail "$name: a number in power-of-ten notation: $(grep 'x10\|×10\|e+' "$R/texts" | head -n 3)"
	echo "ok $name: panels; $excess steps mapped beyond need"
	runs=$((runs + 1))
done
[ "$runs" -ge 2 ] || fail "only $runs recorded runs in tests/fixtures/timeline"
jq -e '[.findings[] | select(.note != true)] | length > 0' \
	"$top_srcdir"/tests/fixtures/timeline/guest-6.12-tree/report.json >/dev/null ||
	fail "the recorded tree run has no finding to mark"

# Without a report: a marker where the findings count grows.
FX=$top_srcdir/tests/fixtures/timeline/guest-6.12-tree
mkdir -p "$WORK/bare/x"
cp "$FX/timeline.csv" "$WORK/bare/x/t.csv"
"$PLOT" "$WORK/bare/x/t.csv" "$WORK/bare/x/t.svg" >/dev/null 2>"$WORK/err" || fail "plot-timeline (no report): $(cat "$WORK/err")"
texts "$WORK/bare/x/t.svg" >"$WORK/texts"
awk -F, 'NR > 1 { if ($7 > prev) printf "finding step %s: %d finding%s\n", $1, $7 - prev, ($7 - prev > 1 ? "s" : ""); prev = $7 }' \
	"$FX/timeline.csv" >"$WORK/want"
grep '^finding ' "$WORK/texts" | diff -u "$WORK/want" - >"$WORK/diff" || fail "markers without a report: $(cat "$WORK/diff")"
echo "ok without a report: $(wc -l <"$WORK/want") markers where the count grows"

# Not a timeline: refused.
echo "a,b" >"$WORK/bad.csv"
set +e
"$PLOT" "$WORK/bad.csv" >/dev/null 2>"$WORK/err"
rc=$?
set -e
[ $rc = 2 ] && [ "$(wc -l <"$WORK/err")" = 1 ] || fail "not a timeline: exit $rc, $(cat "$WORK/err")"
echo "ok not a timeline: exit 2 ($(cat "$WORK/err"))"
