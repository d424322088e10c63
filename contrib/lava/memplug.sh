#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug for LAVA (memplug.yaml beside this file): install memplug's
# dependencies on a Debian image, build memplug from this repository (unless
# one is on PATH or in $MEMPLUG), run `memplug run --ktap --json`, and report
# every KTAP test with lava-test-case:
#
#   SCENARIO.CHECK   pass|fail   each check of each scenario (state,
#                                corruption, accounting, leak, kernel-log,
#                                uevent), and of restore_and_end_check
#   SCENARIO         pass|fail   the scenario as a whole
#   SCENARIO.steps   pass        --measurement STEPS --units steps
#   OPERATION.p99    pass|fail   --measurement P99 --units ms, each operation
#                                that ran (fail when some of it failed)
#   memplug-run      pass|fail|skip   memplug's exit status: 0 pass, 4 skip
#                                (no hot-pluggable memory here), else fail
#
# Without lava-test-case on PATH the same lines go to OUTPUT/result.txt in
# test-definitions' "NAME RESULT [MEASUREMENT UNITS]" form.
#
#   memplug.sh [-s true|false] [-d SECS] [-a "RUN-ARGS"] [-o OUTPUT]
#   memplug.sh -r DIR [-o OUTPUT]   report a recorded run instead: DIR holds
#                                   ktap, rc and report.json (if any)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/../..
skip_install=false duration=40 args='' out=$here/output recorded=''
usage() {
	sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
	exit "$1"
}
while getopts 's:d:a:o:r:h' opt; do
	case $opt in
	s) skip_install=$OPTARG ;;
	d) duration=$OPTARG ;;
	a) args=$OPTARG ;;
	o) out=$OPTARG ;;
	r) recorded=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 ;;
	esac
done
mkdir -p "$out"
: >"$out/result.txt"

# case NAME RESULT [MEASUREMENT UNITS]
case_result() {
	if command -v lava-test-case >/dev/null; then
		if [ $# -ge 4 ]; then
			lava-test-case "$1" --result "$2" --measurement "$3" --units "$4"
		else
			lava-test-case "$1" --result "$2"
		fi
	fi
	echo "$*" >>"$out/result.txt"
}

install_deps() {
	[ "$skip_install" = true ] && return 0
	# memplug's build and run dependencies (README.md's list, without the
	# test-only ones)
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		build-essential autoconf automake libtool pkg-config libudev-dev libnuma-dev \
		libjson-c-dev libsmartcols-dev jq
}

build() {
	if [ -n "${MEMPLUG:-}" ]; then
		echo "$MEMPLUG"
	elif command -v memplug >/dev/null; then
		command -v memplug
	else
		(cd "$top" && { [ -x configure ] || ./autogen.sh; } && { [ -f Makefile ] || ./configure -q; } &&
			make -s -j"$(nproc)" cmd/memplug) >&2
		echo "$top/cmd/memplug"
	fi
}

# The KTAP of memplug run as "NAME RESULT [MEASUREMENT UNITS]" lines: a
# top-level test is a scenario, a test one level down a check of the
# scenario whose "# Subtest:" opened it; "# SCENARIO: N steps, ..." gives
# the steps.
ktap_cases() {
	awk '
	/^    # Subtest: / { sub(/^    # Subtest: /, ""); sc = $0; next }
	/^    (not )?ok [0-9]+ / {
		r = $1 == "not" ? "fail" : "pass"
		name = $1 == "not" ? $4 : $3
		if ($0 ~ /# SKIP/) r = "skip"
		print sc "." name, r
		next
	}
	/^(not )?ok [0-9]+ / {
		r = $1 == "not" ? "fail" : "pass"
		name = $1 == "not" ? $4 : $3
		if ($0 ~ /# SKIP/) r = "skip"
		print name, r
		next
	}
	/^# [A-Za-z_]+: [0-9]+ steps/ {
		n = $2; sub(/:$/, "", n)
		print n ".steps", "pass", $3, "steps"
	}' "$1"
}

# The operations that ran, from the JSON report: OPERATION.p99
op_cases() {
	jq -r '.operations | to_entries[] | select(.value.n > 0) |
		"\(.key).p99 \(if .value.failed > 0 then "fail" else "pass" end) \(.value.p99_ms) ms"' "$1"
}

report() {
	d=$1
	rc=$(cat "$d/rc")
	if [ "$rc" = 4 ]; then
		case_result memplug-run skip
		return 0
	fi
	: >"$out/cases"
	[ ! -s "$d/ktap" ] || ktap_cases "$d/ktap" >"$out/cases"
	[ ! -s "$d/report.json" ] || op_cases "$d/report.json" >>"$out/cases"
	# shellcheck disable=SC2086 # the fields of a line
	while read -r line; do case_result $line; done <"$out/cases"
	if [ "$rc" = 0 ]; then case_result memplug-run pass; else case_result memplug-run fail; fi
}

if [ -n "$recorded" ]; then
	report "$recorded"
	exit 0
fi
install_deps
memplug=$(build)
set +e
# shellcheck disable=SC2086 # a list of options
"$memplug" run --ktap --json "$out/report.json" --duration "$duration" --dir "$out/run" $args \
	>"$out/ktap" 2>"$out/stderr"
echo $? >"$out/rc"
set -e
cat "$out/stderr" >&2
report "$out"
