#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The vmemmap page tables walked through /proc/kcore, timed, beside reading
# debugfs ptdump, in the same run:
#   - kcore-walk synth: a kcore file of this machine's size (BLOCKS 128 MiB
#     blocks, 194 for its 24 GiB; memmap PMD-mapped as x86 maps it), the
#     whole vmemmap walked from open to list, then one step's window;
#   - kcore-walk live: this machine's /proc/kcore where it has one (root);
#   - in a guest of the page80 kernel (../shared/kernels; PTDUMP_DEBUGFS and
#     kcore both): memplug -v snapshot REPS times, which logs debugfs ptdump's
#     read and parse and the kcore walk of the same snapshot, side by side,
#     and the /proc/kallsyms read each new process pays once (TCG: all slower
#     than on hardware; the ratio is the figure).
#   bench/kcore.sh [BLOCKS] [REPS]   (default 194 21; kcore-walk from make check)
# Target (issue 14): the whole vmemmap of this 24 GiB machine in <= 50 ms.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${top_builddir:-$top}
blocks=${1:-194}
reps=${2:-21}
kw=$build/bench/kcore-walk
[ -x "$kw" ] || { echo "bench/kcore.sh: $kw not built (make check builds it)" >&2; exit 2; }
"$kw" synth "$blocks" "$reps"
if [ -r /proc/kcore ]; then
	"$kw" live "$reps"
else
	echo "this machine: no readable /proc/kcore ($(uname -r)); the live walk is timed in the guest below"
fi
kernel=${MEMPLUG_VM_KERNEL:-$top/../shared/kernels/bzImage-6.12-page80-ptdump}
memplug=${MEMPLUG:-$build/cmd/memplug}
if [ ! -r "$kernel" ] || ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "page80 guest: skipped (no $kernel or no qemu-system-x86_64)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/guest.sh" <<GUEST
memplug -v snapshot --no-settle --readings 1 >/dev/null 2>\$MEMPLUG_OUT/warm
i=0
while [ \$i -lt $reps ]; do
	memplug -v snapshot --no-settle --readings 1 2>&1 >/dev/null | grep 'vmemmap page tables from'
	i=\$((i + 1))
done
GUEST
"$top/contrib/qemu/memplug-vm" --kernel "$kernel" --memplug "$memplug" --timeout 600 \
	--append no_timer_check --script "$tmp/guest.sh" --out "$tmp/out" >"$tmp/log" 2>"$tmp/err" ||
	{ echo "page80 guest failed: $(tail -n 3 "$tmp/err")"; exit 1; }
sed -n 's/.*ranges: debugfs ptdump \([0-9.]*\) ms, kcore walk \([0-9.]*\) ms (and \/proc\/kallsyms \([0-9.]*\) ms).*/\1 \2 \3/p' \
	"$tmp/log" >"$tmp/t"
n=$(wc -l <"$tmp/t")
[ "$n" -gt 0 ] || { echo "page80 guest: no timing lines"; exit 1; }
med() { cut -d' ' -f"$1" "$tmp/t" | sort -n | sed -n "$(((n + 1) / 2))p"; }
p=$(med 1)
k=$(med 2)
y=$(med 3)
awk -v n="$n" -v p="$p" -v k="$k" -v y="$y" 'BEGIN {
	r = k > 0 ? p / k : 0
	printf("page80 guest (TCG), %d snapshots, medians: debugfs ptdump read + parse %.2f ms; kcore walk of the whole vmemmap %.2f ms (%.0fx faster); /proc/kallsyms, read once a process, %.2f ms\n", n, p, k, r, y)
	exit 0 }'
