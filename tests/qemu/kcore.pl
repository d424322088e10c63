#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# Host side of kcore.sh: kcore.pl DIR. Reads the snapshots s0..s4 the guest
# saved (the vmemmap page tables memplug walked through /proc/kcore) and
# checks them against what the kernel said itself: sizeof(struct page) is
# the part of one-block DIMM A that MemTotal did not grow by (its memmap,
# hosted on itself), over its pages; and nr_memmap_pages' rise where the
# kernel has it. Each DIMM added makes exactly the vmemmap of its pages x
# sizeof(struct page), rounded out to the mapping's size, newly mapped, and
# removing it makes that go. Prints the figures; exits 1 with a reason.
use strict;
use warnings;
use JSON::PP;
no warnings 'portable';    # 64-bit hex: perl on Debian has 64-bit integers

my $d = shift or die "usage: kcore.pl DIR\n";
sub slurp { local $/; open(my $f, '<', "$d/$_[0]") or die "$_[0]: $!\n"; my $t = <$f>; $t }
sub fail { print STDERR "FAIL: @_\n"; exit 1 }
my @s = map { decode_json(slurp("s$_.json")) } 0 .. 4;
for my $i (0 .. 4) {
	my $src = $s[$i]{vmemmap_source} // '';
	fail("s$i: the vmemmap page tables came from '$src', not kcore: $s[$i]{ptdump}{why}")
		unless $src eq 'kcore' && $s[$i]{vmemmap};
}
my $base = hex($s[0]{vmemmap}[0]{start});
my $bs = $s[0]{block_size};
my $pages = $bs / $s[0]{page_size};
my %size = (pte => 4096, pmd => 2 << 20, pud => 1 << 30);

# mapped granules of a snapshot: offset from the base => its size
sub mapped {
	my ($j) = @_;
	my %m;
	for my $r (@{$j->{vmemmap}}) {
		next unless $r->{mapped};
		my $g = $size{$r->{level}} or fail("a mapping at level $r->{level}");
		fail("the vmemmap base moved") if hex($j->{vmemmap}[0]{start}) != $base;
		for (my $o = hex($r->{start}) - $base; $o < hex($r->{end}) - $base; $o += $g) {
			$m{$o} = $g;
		}
	}
	return \%m;
}
# what b maps and a does not, as "start-end" offsets (MiB) merged
sub diff {
	my ($x, $y) = @_;
	my @k = sort { $a <=> $b } grep { !exists $x->{$_} } keys %$y;
	my @r;
	for my $k (@k) {
		if (@r && $r[-1][1] == $k) { $r[-1][1] = $k + $y->{$k} } else { push @r, [$k, $k + $y->{$k}] }
	}
	return join(' ', map { sprintf('%.3f-%.3f', $_->[0] / 1048576, $_->[1] / 1048576) } @r) || 'none';
}
# the vmemmap the struct pages of blocks [f, f + n) lie in, rounded out to g
sub want {
	my ($f, $n, $sp, $g) = @_;
	my ($lo, $hi) = ($f * $pages * $sp, ($f + $n) * $pages * $sp);
	$lo = int($lo / $g) * $g;
	$hi = int(($hi + $g - 1) / $g) * $g;
	return sprintf('%.3f-%.3f', $lo / 1048576, $hi / 1048576);
}

my ($fa, $mt0, $mt1) = split ' ', slurp('dimm-a');
my ($fb) = split ' ', slurp('dimm-b');
my $memmap = $bs - ($mt1 - $mt0) * 1024;
fail("MemTotal grew by the whole block: DIMM A's memmap is not on itself") if $memmap <= 0;
my $sp = $memmap / $pages;
fail("sizeof(struct page) $memmap / $pages is no whole number") if $sp != int($sp);
my $said = "MemTotal +" . ($mt1 - $mt0) . " kB of " . ($bs >> 10) . " kB";
if (exists $s[0]{vmstat}{nr_memmap_pages}) {
	my $dm = $s[1]{vmstat}{nr_memmap_pages} - $s[0]{vmstat}{nr_memmap_pages};
	fail("nr_memmap_pages rose by $dm pages, MemTotal says $memmap bytes")
		if $dm * $s[0]{page_size} != $memmap;
	$said .= ", nr_memmap_pages +$dm";
}
my @m = map { mapped($_) } @s;
my $g = 2 << 20;
my @checks = (
	[0, 1, "A added", want($fa, 1, $sp, $g)],
	[1, 2, "B added", want($fb, 2, $sp, $g)],
	[2, 1, "A removed", want($fa, 1, $sp, $g)],
	[3, 2, "B removed", want($fb, 2, $sp, $g)],
);
for my $c (@checks) {
	my ($i, $n, $what, $w) = @$c;
	# added: new in s[i+1]; removed: gone from s[i]
	my $got = $what =~ /added/ ? diff($m[$i], $m[$i + 1]) : diff($m[$i + 1], $m[$i]);
	fail("$what: the kcore walk shows $got MiB of the vmemmap " .
	     ($what =~ /added/ ? "newly mapped" : "unmapped") . ", want $w") if $got ne $w;
}
my $left = diff($m[0], $m[4]);
fail("after both removals, mapped and not at the start: $left MiB") if $left ne 'none';
print "struct page $sp bytes ($said); vmemmap +", want($fa, 1, $sp, $g), " MiB for memory$fa, +",
	want($fb, 2, $sp, $g), " MiB for memory$fb-", $fb + 1, ", both gone after removal\n";
