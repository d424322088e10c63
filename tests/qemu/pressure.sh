#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The pressure scenario in guests of the Debian kernels (MEMPLUG_KERNEL) with two NUMA nodes,
# three cycles (4k, THP, hugetlb pages): it must end clean (no finding that
# is not a note), every workload verify must have read every byte (and again
# when memplug replays the trace), and the
# pages the workload had in the DIMM's blocks before each offline and removal
# must be there by the guest's own sysfs: the PFN range memplug read from
# pagemap lies inside the blocks' range from memoryN/phys_index (128 MiB
# blocks of one section each in these guests), and for the 4k kind at least
# one page is there. Prints the evidence: bytes verified, pages placed, the
# kinds that ran and the ones skipped with their reason.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/pressure.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --numa 2 --mem 768M --slots 4 --maxmem 8G --timeout 300 \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	rc=$(cat "$o/pressure.rc")
	[ "$rc" = 0 ] || { cat "$o/pressure.err" "$o/pressure.out" >&2; fail "$k: exit $rc"; }
	[ "$(jq -r .result "$o/pressure.json")" = clean ] ||
		fail "$k: report $(jq -c .findings "$o/pressure.json")"
	real=$(jq '[.findings[] | select(.note != true)] | length' "$o/pressure.json")
	[ "$real" = 0 ] || fail "$k: $real findings"
	t=$o/pressure.trace
	steps=$(jq '.scenarios[0].steps' "$o/pressure.json")
	[ "$steps" = "$(grep -c -- ' -> ' "$t")" ] || fail "$k: report says $steps steps, the trace disagrees"
	grep -q '^1$' "$o/nodes" || fail "$k: the guest has no node 1: $(cat "$o/nodes")"
	grep -q '^add D1 .* node=1 .*-> done' "$t" || fail "$k: no DIMM added on node 1: $(grep '^add' "$t")"
	# every verify read every byte the start said it filled, and found them right
	bad=$(grep '^workload verify' "$t" | grep -v -- '-> done [0-9]* bytes ok$' || :)
	[ -z "$bad" ] || fail "$k: $bad"
	bytes=$(awk '/^workload verify .* bytes ok$/ {n += $(NF - 2)} END {print n + 0}' "$t")
	verifies=$(grep -c '^workload verify' "$t")
	# each placement, the step after it an offline or removal, its PFNs in its blocks
	awk -v bs="$(cat "$o/block_size")" -v k="$k" '
		function hex(s,   i, v) {
			sub(/^0x/, "", s)
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
			return v
		}
		FILENAME == ARGV[1] { phys[$1] = $2; next }
		/^workload start/ { split($4, a, "="); kind = a[2]; next }
		placed != "" {
			if ($1 != "offline" && $1 != "remove") { print k ": " $0 " follows a placement"; bad = 1; exit }
			placed = ""
		}
		/^workload place .* -> done/ {
			split($3, r, "-"); f = r[1]; l = r[2]
			if (!(f in phys) || !(l in phys)) { print k ": no phys_index read for memory" f "-" l; bad = 1; exit }
			lo = hex(phys[f]) * bs / 4096
			hi = (hex(phys[l]) + 1) * bs / 4096 - 1
			w = $0
			sub(/.* pfn /, "", w)
			split(w, p, /[- ]/)
			n = $6
			if (n <= 0 || hex(p[1]) < lo || hex(p[2]) > hi) {
				printf "%s: %s: PFNs outside memory%s-%s (PFN %d-%d by phys_index)\n", k, $0, f, l, lo, hi
				bad = 1; exit
			}
			placed = $0; pages[kind] += n; count++
			next
		}
		/^workload place/ && kind == "4k" { print k ": the 4k workload has no page in its blocks: " $0; bad = 1; exit }
		END {
			if (bad) exit 1
			if (!count) { print k ": no placement"; exit 1 }
			for (x in pages) printf "%s %d, ", x, pages[x]
		}
	' "$o/phys" "$t" >"$o/placed" || fail "$(cat "$o/placed")"
	ran=$(awk '/^workload start .* -> done/ {split($4, a, "="); print a[2]}' "$t" | sort -u | tr '\n' ' ' | sed 's/ $//')
	case " $ran " in *" 4k "*) ;; *) fail "$k: the 4k workload never ran ($ran)" ;; esac
	skipped=$(awk '/^workload start .* -> (skipped|failed)/ {sub(/.*-> /, ""); print}' "$t" | sort -u | tr '\n' ';')
	# the trace replays: the same workload steps, every verify right again
	[ "$(cat "$o/replay.rc")" = 0 ] || fail "$k: replay exit $(cat "$o/replay.rc"): $(tail -n 5 "$o/replay.err")"
	rv=$(grep -c '^ *[0-9]*  workload verify .*-> done [0-9]* bytes ok$' "$o/replay.out" || :)
	[ "$rv" = "$verifies" ] || fail "$k: the replay verified $rv times, the run $verifies"
	cycles=$(grep -c '^check' "$t")
	echo "$k: $cycles cycles, ran: ${ran}${skipped:+, skipped: $skipped}; $verifies verifies, $bytes bytes verified; pages placed in the DIMM's blocks (by phys_index) before each offline and removal: $(cat "$o/placed")0 findings; replayed clean"
done
