#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# Host side of kcore.sh on the page80 kernel: kcore-page80.pl DIR. In each
# check's snapshot s1..s4 (and s0) the ptdump list and the kcore walk map
# the same bytes at the same levels over the vmemmap, and the PMD the
# memmaps of the two neighbouring blocks share (80-byte struct page: a
# block's memmap is 2.5 MiB) is mapped in both lists while either block
# lives and in neither once both are gone. Exits 1 with a reason.
use strict;
use warnings;
use JSON::PP;
no warnings 'portable';    # 64-bit hex: perl on Debian has 64-bit integers

my $d = shift or die "usage: kcore-page80.pl DIR\n";
sub slurp { local $/; open(my $f, '<', "$d/$_[0]") or die "$_[0]: $!\n"; my $t = <$f>; $t }
sub fail { print STDERR "FAIL: @_\n"; exit 1 }
my ($ba) = split ' ', slurp('a.block');
my ($bb) = split ' ', slurp('b.block');
fail("memory$ba and memory$bb are not neighbours") unless $bb == $ba + 1;
my %size = (pte => 4096, pmd => 2 << 20, pud => 1 << 30);

# mapped bytes as granule start => "level", relative to the base
sub mapped {
	my ($list, $base) = @_;
	my %m;
	for my $r (@$list) {
		next unless $r->{mapped};
		my $g = $size{$r->{level}} or fail("a mapping at level $r->{level}");
		for (my $o = hex($r->{start}); $o < hex($r->{end}); $o += $g) { $m{$o - $base} = $r->{level} }
	}
	return \%m;
}
my @out;
for my $i (0 .. 4) {
	my $j = decode_json(slurp("s$i.json"));
	fail("s$i: the page tables came from '$j->{vmemmap_source}', not ptdump")
		unless ($j->{vmemmap_source} // '') eq 'ptdump';
	fail("s$i: no kcore walk beside ptdump: $j->{kcore}{why}") unless $j->{vmemmap_kcore};
	my $base = hex($j->{vmemmap}[0]{start});
	my ($p, $k) = (mapped($j->{vmemmap}, $base), mapped($j->{vmemmap_kcore}, $base));
	my ($lo, $hi) = (hex($j->{vmemmap_kcore}[0]{start}) - $base, hex($j->{vmemmap_kcore}[-1]{end}) - $base);
	for my $o (sort { $a <=> $b } keys %$p, keys %$k) {
		next if $o < $lo || $o >= $hi;
		my ($x, $y) = ($p->{$o} // 'unmapped', $k->{$o} // 'unmapped');
		fail(sprintf("s%d: at vmemmap+0x%x ptdump says %s, kcore %s", $i, $o, $x, $y)) if $x ne $y;
	}
	# the PMD holding the end of memory$ba's memmap and the start of memory$bb's
	my $shared = int($bb * 32768 * 80 / (2 << 20)) * (2 << 20);
	my $want = $i == 0 || $i == 4 ? 'unmapped' : 'pmd';
	my $got = $k->{$shared} // 'unmapped';
	fail(sprintf("s%d: the shared PMD at vmemmap+0x%x is %s in the kcore walk, want %s", $i, $shared, $got, $want))
		if $got ne $want;
	push @out, "s$i " . ($got eq 'pmd' ? 'kept' : 'none');
}
print "kcore and ptdump agree at every step; shared PMD: @out\n";
