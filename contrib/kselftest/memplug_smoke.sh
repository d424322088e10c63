#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kselftest "memplug" collection: memplug's smoke run on the machine it runs
# on, for the kernel's run_kselftest.sh (installed by `make kselftest-install`
# of memplug, see README.md beside this file).
#
# It adds memory (pc-dimm through QEMU's org.qemu.qmp port), onlines it
# movable, offlines and removes it: the scenarios MEMPLUG_KSFT_SCENARIOS
# ("ladder churn"), each for MEMPLUG_KSFT_DURATION seconds (40;
# MEMPLUG_KSFT_STEPS=N: N steps instead), every check after every step;
# then it puts everything back and checks against the start. Boot memory is
# never offlined, and memory is only onlined to ZONE_MOVABLE: a kernel zone
# may keep a block for good (its right), which would leave the machine
# changed. (memplug's random scenario, which does that too, is one
# MEMPLUG_KSFT_SCENARIOS=random away.) Its KTAP (a test per
# scenario, a subtest per check) goes to stdout, where the runner nests it;
# memplug's summary follows as diagnostics.
#
# Exit status (kselftest's): 0 pass, 4 skip (not root, no memory hotplug in
# the kernel, no hot-pluggable memory: no QMP port), anything else fail:
# 1 findings, 2 usage or environment error, 3 could not restore.
# More memplug run options in MEMPLUG_KSFT_ARGS (e.g. "--steps 5").
ksft_skip=4
skip() {
	echo "# SKIP: $*"
	exit $ksft_skip
}

here=$(dirname "$0")
memplug=$here/memplug
[ -x "$memplug" ] || memplug=$(command -v memplug) || skip "no memplug binary"
[ "$(id -u)" = 0 ] || skip "not root"
[ -d /sys/devices/system/memory ] || skip "no /sys/devices/system/memory (CONFIG_MEMORY_HOTPLUG is off)"

limit="--duration ${MEMPLUG_KSFT_DURATION:-40}"
[ -z "${MEMPLUG_KSFT_STEPS:-}" ] || limit="--steps $MEMPLUG_KSFT_STEPS"
scenarios=
for sc in ${MEMPLUG_KSFT_SCENARIOS:-ladder churn}; do scenarios="$scenarios --scenario $sc"; done
dir=$(mktemp -d "${TMPDIR:-/tmp}/memplug-ksft.XXXXXX") || exit 2
# shellcheck disable=SC2086 # lists of options
"$memplug" run --ktap $scenarios $limit --dir "$dir/run" ${MEMPLUG_KSFT_ARGS:-} 2>"$dir/stderr"
rc=$?
# the summary (and why it stopped) as diagnostics after the KTAP
sed 's/^/# /' "$dir/stderr"
[ $rc = $ksft_skip ] && skip "$(tail -n 1 "$dir/stderr")"
echo "# memplug run exit status $rc; trace in $dir/run"
exit $rc
