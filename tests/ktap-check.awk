# SPDX-License-Identifier: GPL-2.0-or-later
# A small checker of KTAP v1 (Documentation/dev-tools/ktap.rst): every level
# starts with "KTAP version 1", has one plan "1..N" before or after its
# tests, test lines "ok|not ok NUM DESC [# DIRECTIVE]" numbered 1..N in
# order, subtests indented by 4 more spaces, and "#" diagnostics. Exits 1
# with the line number and why on the first violation.
#   awk -f tests/ktap-check.awk FILE
function die(msg) { printf "ktap: line %d: %s: %s\n", NR, msg, $0; bad = 1; exit 1 }
function indent(s) { match(s, /^ */); return RLENGTH }
BEGIN { depth = -1 }
{
	line = $0
	ind = indent(line)
	body = substr(line, ind + 1)
	if (ind % 4) die("indentation not a multiple of 4")
	lvl = ind / 4
	if (body ~ /^KTAP version 1$/) {
		if (lvl != depth + 1) die("version line at the wrong depth")
		depth = lvl; seen[lvl] = 0; plan[lvl] = -1
		next
	}
	if (depth < 0) die("output before \"KTAP version 1\"")
	if (body ~ /^#/) next
	if (body ~ /^1\.\.[0-9]+$/) {
		if (lvl != depth) die("plan at the wrong depth")
		if (plan[lvl] >= 0) die("second plan")
		plan[lvl] = substr(body, 4) + 0
		next
	}
	if (body ~ /^(not )?ok [0-9]+( |$)/) {
		# a test line closes the deeper level, if any
		if (lvl < depth) {
			if (plan[depth] < 0 || seen[depth] != plan[depth]) die("subtest plan not met")
			depth = lvl
		}
		if (lvl != depth) die("test line at the wrong depth")
		split(body, w, " ")
		num = (w[1] == "not") ? w[3] : w[2]
		if (num != seen[lvl] + 1) die("test number out of order")
		seen[lvl]++
		if (plan[lvl] >= 0 && seen[lvl] > plan[lvl]) die("more tests than planned")
		total++
		next
	}
	if (body == "") next
	die("not a KTAP line")
}
END {
	if (bad) exit 1
	if (depth != 0) { printf "ktap: unclosed subtest\n"; exit 1 }
	if (plan[0] < 0 || seen[0] != plan[0]) { printf "ktap: plan 1..%d, %d tests\n", plan[0], seen[0]; exit 1 }
	printf "ktap: valid, %d test lines\n", total
}
