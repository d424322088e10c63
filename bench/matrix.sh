#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/matrix with -j 1 against -j 2 on this machine: the same matrix of
# Debian kernels (MATRIX_KERNELS, default "6.1 6.12", and 7.2 when
# memplug-vm --debian knows it), the same memplug command line (run --steps
# 10 --seed 1 --scenario ladder), one after the other; prints each matrix's summary and the
# ratio of the two wall times (-j 1 / -j 2; 2.0 would be perfect scaling).
# A kernel is any contrib/matrix takes: MATRIX_KERNELS="6.1 6.12
# 7.2=DIR/vmlinuz:DIR/modules" measures an unpacked 7.2 as well.
#   bench/matrix.sh               (MEMPLUG=path/to/memplug if not in-tree)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
memplug=${MEMPLUG:-$top/cmd/memplug}
kernels=${MATRIX_KERNELS:-6.1 6.12}
if [ -z "${MATRIX_KERNELS:-}" ] && "$top/contrib/qemu/memplug-vm" --debian 7.2 --fetch-only >/dev/null 2>&1; then
	kernels="$kernels 7.2"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wall=()
for j in 1 2; do
	t0=$(date +%s.%N)
	"$top/contrib/matrix" --matrix "$kernels" -j $j --vm-arg --memplug="$memplug" --vm-arg --boot-timeout=300 \
		--ktap "$tmp/j$j.ktap" --junit "$tmp/j$j.xml" -- run --scenario ladder --steps 10 --seed 1 >"$tmp/j$j.out" 2>&1 || :
	t1=$(date +%s.%N)
	wall+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')")
	echo "-j $j: ${wall[-1]} s"
	sed 's/^/    /' "$tmp/j$j.out"
	# the first findings, if any, as the nested KTAP says them
	grep '^        # [a-z-]*: ' "$tmp/j$j.ktap" | head -n 3 | cut -c 1-150 || :
done
awk -v a="${wall[0]}" -v b="${wall[1]}" 'BEGIN { printf "wall -j 1 / -j 2: %.2f (%s s / %s s), %d CPUs\n", a / b, a, b, '"$(nproc)"' }'
