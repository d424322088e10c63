#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug list against lsmem on the generated tree of 16,384 blocks over two
# nodes, in the same run: the median wall time of each over REPS runs
# (interleaved), the ratio of medians, and peak RSS.
#
#   bench/list.sh [REPS]            (default 15)
#
# Target (issue 2): memplug at most half of lsmem's time, peak RSS <= 16 MiB.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
memplug=${MEMPLUG:-$top/cmd/memplug}
lsmem=${LSMEM:-lsmem}
reps=${1:-15}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

perl "$top/tests/fixtures/gen-tree.pl" 16384 2 "$work/tree" >/dev/null
cols=RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES

# median of REPS wall times in ms; one warm-up run first
median_ms() {
	"$@" >/dev/null
	perl -MTime::HiRes=time -e '
		my ($reps, @cmd) = @ARGV; my @t;
		for (1 .. $reps) {
			my $t0 = time;
			system(@cmd) == 0 or die "@cmd failed\n";
			push @t, (time - $t0) * 1000;
		}
		@t = sort { $a <=> $b } @t;
		printf "%.1f\n", $t[int(@t / 2)];
	' "$reps" sh -c '"$@" >/dev/null' sh "$@"
}

rss_kb() {
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
}

echo "memplug list vs lsmem, generated tree: 16384 blocks, 2 nodes; $reps runs each"
echo "machine: $(nproc) cpus, $(uname -r); $($lsmem --version)"
printf '%-24s %10s %10s\n' "" "median ms" "peak RSS"
for c in "default" "same columns -o $cols" "json -J -o $cols" "per block -a -o $cols"; do
	case $c in
	default) a="" ;;
	same*) a="-o $cols" ;;
	json*) a="-J -o $cols" ;;
	per*) a="-a -o $cols" ;;
	esac
	# shellcheck disable=SC2086
	l=$(median_ms "$lsmem" --sysroot "$work/tree" $a)
	# shellcheck disable=SC2086
	m=$(median_ms "$memplug" list --sysroot "$work/tree" $a)
	# shellcheck disable=SC2086
	lr=$(rss_kb "$lsmem" --sysroot "$work/tree" $a)
	# shellcheck disable=SC2086
	mr=$(rss_kb "$memplug" list --sysroot "$work/tree" $a)
	echo "$c:"
	printf '  %-22s %10s %8s kB\n' "lsmem" "$l" "$lr"
	printf '  %-22s %10s %8s kB\n' "memplug list" "$m" "$mr"
	printf '  %-22s %10s\n' "ratio memplug/lsmem" "$(echo "$m $l" | awk '{printf "%.2f", $1 / $2}')"
done
