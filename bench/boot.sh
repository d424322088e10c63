#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Wall time from memplug-vm's start to memplug's result, per Debian kernel,
# with a trivial command (`memplug --version`, or `true` in a script when
# memplug is not built). Several runs per kernel; prints each and the median.
#   bench/boot.sh [RUNS]          (MEMPLUG_KERNEL="6.1 6.12 7.2" by default)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vm=$top/contrib/qemu/memplug-vm
runs=${1:-5}
memplug=${MEMPLUG:-$top/cmd/memplug}
if [ -x "$memplug" ]; then
	what=(--memplug "$memplug" -- --version)
	label="memplug --version"
else
	script=$(mktemp)
	trap 'rm -f "$script"' EXIT
	echo true >"$script"
	what=(--script "$script")
	label="a script running true (memplug not built)"
fi
echo "memplug-vm wall time, $label, $runs runs per kernel"
for k in ${MEMPLUG_KERNEL:-6.1 6.12 7.2}; do
	"$vm" --debian "$k" --fetch-only >/dev/null # fetching is not timed
	times=()
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$vm" --debian "$k" "${what[@]}" >/dev/null 2>&1
		times+=($((($(date +%s%N) - t0) / 1000000)))
	done
	median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}')
	printf '%s\n' "$median" "${times[@]}" | awk -v k="$k" '
		NR == 1 { printf "%-6s median %6.2f s   runs:", k, $1 / 1000; next }
		{ printf " %.2f", $1 / 1000 }
		END { print "" }' 
done
