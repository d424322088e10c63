#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-or-later
# Host side of kcore-arm64.guest: kcore-arm64.pl DIR. Reads the snapshots
# s0 (before), s1 (after a virtio-mem grow of 256M) and s2 (after the
# shrink) the arm64 guest saved and checks them against what the kernel
# said itself: sizeof(struct page) is the grow's nr_memmap_pages rise over
# its pages, and boot memory's struct pages are nr_memmap_boot_pages; the
# walk through /proc/kcore shows exactly the grown memory's struct pages
# newly mapped (from the vmemmap base plus (PFN - vmemmap_pfn0) x sizeof,
# rounded out to the mapping's size) and the shrink takes them away again.
# Prints the figures; exits 1 with a reason.
use strict;
use warnings;
use JSON::PP;
no warnings 'portable';    # 64-bit hex: perl on Debian has 64-bit integers

my $d = shift or die "usage: kcore-arm64.pl DIR\n";
sub slurp { local $/; open(my $f, '<', "$d/$_[0]") or die "$_[0]: $!\n"; my $t = <$f>; $t }
sub fail { print STDERR "FAIL: @_\n"; exit 1 }
my @s = map { decode_json(slurp("s$_.json")) } 0 .. 2;
for my $i (0 .. 2) {
	my $src = $s[$i]{vmemmap_source} // '';
	fail("s$i: the vmemmap page tables came from '$src', not kcore: $s[$i]{kcore}{why}")
		unless $src eq 'kcore' && $s[$i]{vmemmap};
}
my $base = hex($s[0]{vmemmap}[0]{start});
my $pfn0 = hex($s[0]{vmemmap_pfn0} // '0');
my $ps = $s[0]{page_size};
my %size = (pte => 4096, pmd => 2 << 20, pud => 1 << 30);

# the vmemmap mapped, granule by granule: address => its size
sub mapped {
	my ($j) = @_;
	my %m;
	fail("the vmemmap base moved") if hex($j->{vmemmap}[0]{start}) != $base;
	for my $r (@{$j->{vmemmap}}) {
		next unless $r->{mapped};
		my $g = $size{$r->{level}} or fail("a mapping at level $r->{level}");
		for (my $a = hex($r->{start}); $a < hex($r->{end}); $a += $g) { $m{$a} = $g }
	}
	return \%m;
}
sub bytes { my $t = 0; $t += $_ for values %{$_[0]}; $t }
# what y maps and x does not: "start-end" merged
sub diff {
	my ($x, $y) = @_;
	my @r;
	for my $k (sort { $a <=> $b } grep { !exists $x->{$_} } keys %$y) {
		if (@r && $r[-1][1] == $k) { $r[-1][1] = $k + $y->{$k} } else { push @r, [$k, $k + $y->{$k}] }
	}
	return join(' ', map { sprintf('0x%x-0x%x', @$_) } @r) || 'none';
}
my @m = map { mapped($_) } @s;

# the kernel's figures
my ($rise, $bootm) = ($s[1]{vmstat}{nr_memmap_pages} - $s[0]{vmstat}{nr_memmap_pages},
	$s[0]{vmstat}{nr_memmap_boot_pages});
my ($addr, $len) = slurp('add.out') =~ /^added virtio-mem vm0 at (0x[0-9a-f]+) \((\d+)M\)/m
	or fail("add said: " . slurp('add.out'));
my $pages = $len * 1048576 / $ps;
defined $rise && $rise > 0 or fail("nr_memmap_pages did not rise with the grow");
my $sp = $rise * $ps / $pages;
fail("nr_memmap_pages rose by $rise pages for $pages pages: no whole struct page size")
	if $sp != int($sp);
fail("boot memory's struct pages: walk maps " . bytes($m[0]) . " bytes, nr_memmap_boot_pages "
	. "$bootm pages") if defined $bootm && bytes($m[0]) != $bootm * $ps;

# the grow: exactly its struct pages, rounded out to the mapping size
my $f = hex($addr) / $ps;
# offsets from the base (a whole GiB: VMEMMAP_START), integers below 2^53
# (signed: memstart_addr may lie below physical 0, as the kernel's s64 does)
my ($lo, $hi);
{
	use integer;
	($lo, $hi) = (($f - $pfn0) * $sp, ($f + $pages - $pfn0) * $sp);
}
my $new = diff($m[0], $m[1]);
my ($g) = values %{{ map { $_ => $m[1]{$_} } grep { !exists $m[0]{$_} } keys %{$m[1]} }};
$g //= 1;
my $want = sprintf('0x%x-0x%x', $base + int($lo / $g) * $g, $base + int(($hi + $g - 1) / $g) * $g);
fail("grow of $len M at $addr: newly mapped $new, its struct pages are $want") if $new ne $want;
fail("after the grow something went: " . diff($m[1], $m[0])) if diff($m[1], $m[0]) ne 'none';
fail("after the shrink: left " . diff($m[0], $m[2]) . ", gone " . diff($m[2], $m[0]))
	if diff($m[0], $m[2]) ne 'none' || diff($m[2], $m[0]) ne 'none';
# decode-oops --kernel-bases: the grown memory's first struct page from PFN 0's
my ($vb) = slurp('bases.out') =~ /^vmemmap_base (0x[0-9a-f]+)$/m
	or fail("decode-oops --kernel-bases said: " . slurp('bases.out'));
{
	use integer;
	fail(sprintf("vmemmap_base %s + PFN 0x%x x %d is not 0x%x, where the walk shows it", $vb, $f,
		$sp, $base + $lo)) if hex($vb) + $f * $sp != $base + $lo;
}
printf "vmemmap_base %s (decode-oops --kernel-bases) agrees; ", $vb;
printf "struct page %d bytes (nr_memmap_pages +%d for %d pages); vmemmap 0x%x, PFN 0x%x at it; "
	. "grow of %dM at %s newly mapped %s (%d KiB), gone after the shrink; boot memmap %d KiB "
	. "(nr_memmap_boot_pages %s)\n",
	$sp, $rise, $pages, $base, $pfn0, $len, $addr, $new, ($hi - $lo) / 1024, bytes($m[0]) / 1024,
	$bootm // '?';
