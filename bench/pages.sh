#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug pages against the kernel's page-types on this machine (read only):
# /proc/kpageflags summarised over the PFNs of every memory block, the same
# ranges for both, interleaved runs in the same session, median wall times
# and their ratio; then with /proc/kpagecount added (memplug pages --count
# against page-types -l -M -N, the only page-types mode that reads
# kpagecount: it lists ranges, printed to /dev/null).
#
#   bench/pages.sh [REPS]            (default 9; root: kpageflags is root only)
#
# page-types is built from tools/vm (6.1) or tools/mm (later) of the
# linux-source package (apt-get install linux-source-6.1) into a temporary
# folder; PAGE_TYPES=PATH uses one you built. Nothing is written elsewhere.
# Targets (issue 5): the kpageflags summary at most half of page-types'
# time; with kpagecount, no slower than page-types.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
memplug=${MEMPLUG:-$top/cmd/memplug}
reps=${1:-9}
M=/sys/devices/system/memory
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "bench/pages.sh: /proc/kpageflags needs root" >&2; exit 4; }
[ -x "$memplug" ] || { echo "bench/pages.sh: build memplug first ($memplug)" >&2; exit 2; }

pt=${PAGE_TYPES:-}
if [ -z "$pt" ]; then
	src=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$src" ] || { echo "bench/pages.sh: no /usr/src/linux-source-*.tar.*: apt-get install linux-source-6.1, or set PAGE_TYPES" >&2; exit 2; }
	d=$(basename "$src" | sed 's/\.tar\..*//')
	for tool in tools/vm tools/mm; do
		tar -C "$work" -xf "$src" "$d/$tool/page-types.c" "$d/tools/lib/api/fs" \
			"$d/tools/lib/api/debug.c" "$d/tools/lib/api/debug.h" \
			"$d/tools/lib/api/debug-internal.h" "$d/tools/include" \
			"$d/include/uapi/linux/magic.h" "$d/include/uapi/linux/kernel-page-flags.h" \
			2>/dev/null && break
	done
	t=$(ls "$work/$d"/tools/*/page-types.c)
	(cd "$(dirname "$t")" && gcc -O2 -I../lib -I../lib/api -I../include -o "$work/page-types" \
		page-types.c ../lib/api/fs/fs.c ../lib/api/debug.c) ||
		{ echo "bench/pages.sh: cannot build page-types from $src" >&2; exit 2; }
	pt=$work/page-types
	ptsrc="$src ($(basename "$(dirname "$t")")/page-types.c, gcc -O2)"
else
	ptsrc=$pt
fi

# the PFN ranges of the present blocks, merged: page-types -a START,END ...
bp=$(( $(printf '%d' "0x$(cat $M/block_size_bytes)") / $(getconf PAGESIZE) ))
ranges=$(ls -d $M/memory[0-9]* | sed 's/.*memory//' | sort -n | awk -v bp="$bp" '
	NR == 1 { s = $1; e = $1; next }
	$1 == e + 1 { e = $1; next }
	{ printf "-a %d,%d ", s * bp, (e + 1) * bp; s = $1; e = $1 }
	END { if (NR) printf "-a %d,%d\n", s * bp, (e + 1) * bp }')
nblocks=$(ls -d $M/memory[0-9]* | wc -l)

# medians over REPS interleaved runs (one warm-up run of each first) of the
# wall time and of the CPU time (user + system, all threads) of each
# command, in ms: "WALL_A WALL_B CPU_A CPU_B". CPU time does not depend on
# what else the machine runs; wall time does (and is what 2 threads win).
pair_ms() {
	perl -MTime::HiRes=time -e '
		my ($reps, $a, $b) = @ARGV; my (@wa, @wb, @ca, @cb);
		sub run { my ($c, $w, $u) = @_; my @t0 = times; my $t0 = time;
			system("$c >/dev/null") == 0 or die "$c failed\n";
			push @$w, (time - $t0) * 1000; my @t1 = times;
			push @$u, ($t1[2] + $t1[3] - $t0[2] - $t0[3]) * 1000; }
		system("$a >/dev/null") == 0 or die "$a failed\n";
		system("$b >/dev/null") == 0 or die "$b failed\n";
		for (1 .. $reps) { run($a, \@wa, \@ca); run($b, \@wb, \@cb); }
		sub med { my @t = sort { $a <=> $b } @_; $t[int(@t / 2)] }
		printf "%.1f %.1f %.1f %.1f\n", med(@wa), med(@wb), med(@ca), med(@cb);
	' "$reps" "$1" "$2"
}

# both summarise the same pages: page-types' total equals memplug's PAGES sum
ptotal=$($pt $ranges | awk '$1 == "total" {print $2}')
mtotal=$($memplug pages -r -n | awk '{s += $3} END {print s}')
[ "$ptotal" = "$mtotal" ] || { echo "bench/pages.sh: page-types counts $ptotal pages, memplug $mtotal" >&2; exit 1; }

echo "memplug pages vs page-types, this machine: $nblocks blocks, $mtotal pages; $reps runs each, interleaved"
echo "machine: $(nproc) cpus, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); page-types: $ptsrc"
printf '%-32s %9s %9s %6s %7s | %9s %9s %6s\n' "median ms" "memplug" "p-types" "ratio" "target" \
	"cpu mp" "cpu p-t" "ratio"
row() {
	name=$1 target=$2
	shift 2
	printf '%-32s %9s %9s %6s %7s | %9s %9s %6s\n' "$name" "$1" "$2" \
		"$(echo "$1 $2" | awk '{printf "%.2f", $1 / $2}')" "$target" "$3" "$4" \
		"$(echo "$3 $4" | awk '{printf "%.2f", $1 / $2}')"
}
# shellcheck disable=SC2046
row "kpageflags summary" "<= 0.50" $(pair_ms "$memplug pages" "$pt $ranges")
# shellcheck disable=SC2046
row "+ kpagecount (-c / -l -M -N)" "<= 1.00" $(pair_ms "$memplug pages --count" "$pt -l -M -N $ranges")
