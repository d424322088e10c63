#!/bin/sh
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
memplug=${MEMPLUG:-$top/src/memplug}
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

# median of the wall times of each command over REPS interleaved runs, in ms
# (one warm-up run of each first); prints "MEDIAN_A MEDIAN_B"
pair_ms() {
	perl -MTime::HiRes=time -e '
		my ($reps, $a, $b) = @ARGV; my (@ta, @tb);
		system("$a >/dev/null") == 0 or die "$a failed\n";
		system("$b >/dev/null") == 0 or die "$b failed\n";
		for (1 .. $reps) {
			my $t0 = time; system("$a >/dev/null") == 0 or die "$a failed\n";
			push @ta, (time - $t0) * 1000;
			$t0 = time; system("$b >/dev/null") == 0 or die "$b failed\n";
			push @tb, (time - $t0) * 1000;
		}
		@ta = sort { $a <=> $b } @ta; @tb = sort { $a <=> $b } @tb;
		printf "%.1f %.1f\n", $ta[int(@ta / 2)], $tb[int(@tb / 2)];
	' "$reps" "$1" "$2"
}

# both summarise the same pages: page-types' total equals memplug's PAGES sum
ptotal=$($pt $ranges | awk '$1 == "total" {print $2}')
mtotal=$($memplug pages -r -n | awk '{s += $3} END {print s}')
[ "$ptotal" = "$mtotal" ] || { echo "bench/pages.sh: page-types counts $ptotal pages, memplug $mtotal" >&2; exit 1; }

echo "memplug pages vs page-types, this machine: $nblocks blocks, $mtotal pages; $reps runs each, interleaved"
echo "machine: $(nproc) cpus, $(uname -r); page-types: $ptsrc"
printf '%-34s %12s %12s %8s %s\n' "" "memplug ms" "page-types ms" "ratio" "target"
set -- $(pair_ms "$memplug pages" "$pt $ranges")
printf '%-34s %12s %12s %8s %s\n' "kpageflags summary" "$1" "$2" \
	"$(echo "$1 $2" | awk '{printf "%.2f", $1 / $2}')" "<= 0.50"
set -- $(pair_ms "$memplug pages --count" "$pt -l -M -N $ranges")
printf '%-34s %12s %12s %8s %s\n' "with kpagecount (-c / -l -M -N)" "$1" "$2" \
	"$(echo "$1 $2" | awk '{printf "%.2f", $1 / $2}')" "<= 1.00"
