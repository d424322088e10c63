#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Wall time from memplug-vm's start to memplug's result, per Debian kernel,
# with a trivial command (`memplug --version`, or `true` in a script when
# memplug is not built). Several runs per kernel; prints each and the median,
# and the median time to /init (memplug-vm -v).
#   bench/boot.sh [--arch arm64] [RUNS]
# (MEMPLUG_KERNEL="6.1 6.12 7.2" by default; with --arch arm64 Debian's arm64
# kernels, "6.12 7.2", and the arm64 memplug of MEMPLUG_ARM64, default
# tests/work/arm64-build/cmd/memplug of `make check-arm64`)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vm=$top/contrib/qemu/memplug-vm
arch=x86_64
if [ "${1:-}" = --arch ]; then
	arch=${2:?--arch needs x86_64 or arm64}
	shift 2
fi
runs=${1:-5}
if [ "$arch" = arm64 ]; then
	memplug=${MEMPLUG_ARM64:-$top/tests/work/arm64-build/cmd/memplug}
	kernels=${MEMPLUG_KERNEL:-6.12 7.2}
else
	memplug=${MEMPLUG:-$top/cmd/memplug}
	kernels=${MEMPLUG_KERNEL:-6.1 6.12 7.2}
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -x "$memplug" ]; then
	what=(--memplug "$memplug" -- --version)
	label="memplug --version"
else
	script=$tmp/script
	echo true >"$script"
	what=(--script "$script")
	label="a script running true (memplug not built)"
fi
echo "memplug-vm --arch $arch wall time, $label, $runs runs per kernel"
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
for k in $kernels; do
	"$vm" --arch "$arch" --debian "$k" --fetch-only >/dev/null # fetching is not timed
	times=() inits=()
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$vm" -v --arch "$arch" --debian "$k" --boot-timeout 600 --timeout 900 "${what[@]}" \
			2>"$tmp/err" >/dev/null || { cat "$tmp/err" >&2; exit 1; }
		times+=($((($(date +%s%N) - t0) / 1000000)))
		inits+=("$(sed -n 's/.*\/init at \([0-9]*\) ms.*/\1/p' "$tmp/err")")
	done
	init=$(printf '%s\n' "${inits[@]}" | median)
	printf '%s\n' "$(printf '%s\n' "${times[@]}" | median)" "${times[@]}" | awk -v k="$k" -v init="$init" '
		NR == 1 { printf "%-6s median %6.2f s (/init %.2f s)   runs:", k, $1 / 1000, init / 1000; next }
		{ printf " %.2f", $1 / 1000 }
		END { print "" }'
done
