#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What users read, byte for byte, as util-linux's tests/expected keeps it:
# memplug list, pages, check, snapshot, --help, and the report of run and
# replay (text, --json, --ktap, the trace and timeline.csv), on the recorded
# trees (tests/fixtures/trees, trees-kpf) and the recorded run traces
# (tests/fixtures/traces). Every case is one file tests/expected/CMD/NAME:
#
#	$ memplug ARGS          the command line (-s TREE: a tree of that name)
#	...                     its standard output
#	[stderr]
#	...                     its standard error
#	[exit N]
#	[file F]                each file it wrote that the case names
#	...
#
# A section that does not end in a newline is followed by a line
# "[no newline at the end]". A case that differs fails the test, with the
# unified diff.
#
#	tests/golden/expected.sh --update     (or MEMPLUG_EXPECTED=update)
#
# writes today's output to tests/expected instead (and removes the files no
# case writes), for the change to be read as a diff in review. Outside `make
# check`, name the build: top_builddir=BUILD tests/golden/expected.sh --update
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

EXPECTED=$top_srcdir/tests/expected
update=${MEMPLUG_EXPECTED:-}
case ${1:-} in
--update) update=update ;;
'') ;;
*) echo "usage: $0 [--update]" >&2; exit 99 ;;
esac
[ -x "$MEMPLUG" ] || fail "no memplug at $MEMPLUG (top_builddir=BUILD or MEMPLUG=PATH)"

# The same output wherever it runs: no locale, no help or table formatting
# from the environment.
LC_ALL=C
export LC_ALL
unset COLUMNS LINES ARGP_HELP_FMT LIBSMARTCOLS_DEBUG LIBSMARTCOLS_DEBUG_PADDING \
	LIBSMARTCOLS_JSON MEMPLUG_VM || true

# The trees, extracted once. A case that only reads runs in $WORK/trees and
# names its tree there; one that reads or writes files of its own (-o, the
# trace to replay) runs in a folder of its own, where the tree is a link, or
# a fresh copy for the commands that write to the tree (run and replay
# journal, lock and write block states).
mkdir "$WORK/trees" "$WORK/case" "$WORK/res" "$WORK/got"
for t in "$TREES"/*.tar.xz "$top_srcdir"/tests/fixtures/trees-kpf/*.tar.xz; do
	tar -C "$WORK/trees" -xJf "$t"
done

ncases=0
# expected [--fresh] [--input FILE]... [--file F]... NAME TREE ARGS...:
# memplug -s TREE ARGS (TREE -: no -s), in $WORK/trees or, given any option,
# in a folder of its own with TREE (a copy with --fresh), a copy of every
# --input FILE (by its base name) and, after, every --file F the command
# wrote; its text is compared with tests/expected/NAME. The cases run in the
# background, 24 at a time: run, replay, check and snapshot spend most of
# their time waiting between readings of nr_free_pages.
expected() {
	own= fresh= inputs= files=
	while :; do
		case $1 in
		--fresh) own=1 fresh=1; shift ;;
		--input) own=1 inputs="$inputs $2"; shift 2 ;;
		--file) own=1 files="$files $2"; shift 2 ;;
		*) break ;;
		esac
	done
	name=$1 tree=$2
	shift 2
	ncases=$((ncases + 1))
	d=$WORK/trees
	[ -z "$own" ] || d=$WORK/case/$ncases
	[ "$tree" = - ] || set -- -s "$tree" "$@"
	printf '%s\t%s\t%s\t%s\n' "$name" "$d" "$*" "$files" >>"$WORK/cases"
	r=$WORK/res/$ncases
	(
		if [ -n "$own" ]; then
			mkdir "$d"
			if [ "$tree" = - ]; then
				:
			elif [ -n "$fresh" ]; then
				cp -a "$WORK/trees/$tree" "$d/$tree"
			else
				ln -s "../../trees/$tree" "$d/$tree"
			fi
			for f in $inputs; do cp "$f" "$d/"; done
		fi
		set +e
		cd "$d" || exit
		"$MEMPLUG" "$@" </dev/null >"$r.out" 2>"$r.err"
		echo $? >"$r.rc"
	) &
	[ $((ncases % 24)) != 0 ] || wait
}

G=guest-6.12		# the recorded guest trees: DIMMs on two nodes, blocks
G1=guest-6.1		# movable, kernel and offline
H=host-6.18		# a 24 GiB machine, all online
K=guest-6.12-kpf	# a guest as $G, with /proc/kpageflags and kpagecount
TRACES=$top_srcdir/tests/fixtures/traces

# list: every tree in the default table, JSON, all columns per block and the
# summary alone; output shapes, selectors and refusals on one.
for t in $G1 $G $H; do
	expected list/$t $t list
	expected list/$t-json $t list -J
	expected list/$t-blocks-all $t list --blocks --output-all
	expected list/$t-json-bytes-all $t list -J -b --output-all
	expected list/$t-summary-json $t list --summary=only -J
done
expected list/$K $K list
expected list/$G-raw $G list -r
expected list/$G-noheadings-nosummary $G list -n --summary=never
expected list/$G-summary-always-json $G list --summary=always -J
expected list/$G-summary-only $G list --summary=only
expected list/$G-plus-columns $G list -o +START,END,MEMMAP
expected list/$G-split-node $G list -o RANGE,SIZE,NODE -S NODE
expected list/$G-node1 $G list node:1
expected list/$G-zone-movable $G list -b -o RANGE,SIZE,BLOCK,ZONES zone:movable
expected list/$G-offline-json $G list -J -b -o RANGE,SIZE,BLOCK,STATE state:offline
expected list/$G-range $G list --blocks 0x100000000-0x11fffffff
expected list/$G-blocks-list $G list --blocks -o BLOCK,STATE,ZONES 2,33-34,memory39
expected list/$G-no-block $G list 99999
expected list/$G-no-node $G list node:9
expected list/$G-no-zone $G list zone:bogus
expected list/$G-bad-selector $G list node:x
expected list/$G-bad-column $G list -o RANGE,NOSUCH
expected list/$G-bad-summary $G list --summary=sometimes
expected list/$G-unaligned $G list 0x100000000-0x100000fff

# pages: the tree with page flags in every shape; a block never there (past
# the end of /proc/kpageflags, exit 2 as list); every selector form, an empty
# selection and a malformed one; a tree without /proc/kpageflags.
expected pages/$K $K pages
expected pages/$K-json $K pages -J
expected pages/$K-count-flags $K pages -c -f
expected pages/$K-raw-dimms $K pages -r -n 32-39
expected pages/$K-json-count-flags-36 $K pages -J -c -f 36
expected pages/$K-selector $K pages node:1
expected pages/$K-state $K pages -n state:offline
expected pages/$K-zone $K pages -n zone:Movable
expected pages/$K-range $K pages -n 0x100000000-0x10fffffff
expected pages/$K-size $K pages 3M
expected pages/$K-no-block $K pages 99999
expected pages/$K-no-node $K pages node:9
expected pages/$K-bad-selector $K pages state:bogus
expected pages/$G $G pages

# snapshot and check: the text and the JSON on every tree (one nr_free_pages
# reading where the number of readings is not the point); snapshot -o; check
# against a snapshot of the same tree, and of the other recording of the
# same guest (another tree: refused; compared with --force), and --save.
for c in snapshot check; do
	expected $c/$G $G $c
	for t in $G1 $H $K; do
		expected $c/$t $t $c --readings 1
	done
	for t in $G1 $G $H $K; do
		expected $c/$t-json $t $c --readings 1 -J
	done
done
expected --file snap.json snapshot/$K-output $K snapshot --readings 2 --save snap.json
for t in $K $G; do
	(cd "$WORK/trees" && "$MEMPLUG" -s "$t" snapshot --readings 1 --save "$WORK/$t.json") \
		>/dev/null 2>"$WORK/err" || fail "the baseline of $t: $(cat "$WORK/err")"
done
expected --input "$WORK/$K.json" check/$K-baseline-self $K check --readings 1 --baseline $K.json
expected --input "$WORK/$K.json" check/$K-baseline-self-json $K check --readings 1 -J --baseline $K.json
expected --input "$WORK/$G.json" check/$K-baseline-$G-refused $K check --readings 1 --baseline $G.json
expected --input "$WORK/$G.json" check/$K-baseline-$G $K check --readings 1 --force --baseline $G.json
expected --input "$WORK/$G.json" --file next.json check/$K-baseline-$G-json-output $K \
	check --readings 1 -J --force --baseline $G.json --step after-reboot -w next.json

# online: --zone in chmem's spelling and any case (the plan only).
expected --fresh online/$G-zone-Movable $G online --zone Movable --dry-run 36
expected --fresh online/$G-zone-NORMAL $G online --zone NORMAL --dry-run 36-37
expected online/$G-zone-Device $G online --zone Device 36

# run on a tree: without a backend that can add (skip, 4; with --ktap a
# KTAP document that says so); on the blocks
# there (--max-devices 0): the summary, --json, the trace and timeline.csv,
# --ktap. A tree keeps the word written to a state file ("online_movable"),
# which reads back as no state: those are state findings, today's answer.
expected --fresh run/$G-no-backend $G run --seed 7 --steps 5 --dir run
expected --fresh run/$G-no-backend-ktap $G run --seed 7 --steps 5 --dir run --ktap
expected --fresh run/$G-inject $G run --scenario inject --seed 7 --steps 5 --dir run
expected --fresh --file report.json --file run/trace --file run/timeline.csv run/$G-blocks $G \
	run --seed 7 --steps 30 --max-devices 0 --allow-boot-memory --dir run --json report.json 36-39
expected --fresh run/$G-blocks-ktap $G \
	run --seed 7 --steps 30 --max-devices 0 --allow-boot-memory --dir run --ktap 36-39
expected --fresh --file report.json --file run/trace run/$K-blocks $K \
	run --seed 3 --steps 12 --max-devices 0 --allow-boot-memory --dir run --json report.json 36-39
expected run/list-scenarios - run --list-scenarios

# replay of the traces recorded in a guest of the same kernel, on a copy of
# its tree: the blocks trace (refused as boot memory, then allowed), the
# random one (its DIMMs cannot be added here), --dry-run, --fail-on; and on
# the tree of another kernel (a warning).
for tr in blocks random; do
	expected --input "$TRACES/$G-$tr.trace" replay/$G-$tr-dry-run $G replay --dry-run $G-$tr.trace
	expected --fresh --input "$TRACES/$G-$tr.trace" replay/$G-$tr $G replay $G-$tr.trace
done
expected --fresh --input "$TRACES/$G-blocks.trace" replay/$G-blocks-allow $G \
	replay --allow-boot-memory $G-blocks.trace
expected --fresh --input "$TRACES/$G-blocks.trace" replay/$G-blocks-fail-on-leak $G \
	replay --allow-boot-memory --fail-on leak $G-blocks.trace
expected --fresh --input "$TRACES/$G-blocks.trace" replay/$H-blocks $H replay $G-blocks.trace

# decode-oops: the issue's vmemmap oops (80-byte struct page, D1 from a
# --blocks file) and the real sysrq panic of Debian 6.1.
OOPS=$top_srcdir/tests/fixtures/oops
printf '32-33 D1\n34-35 D2\n' >"$WORK/oops-blocks"
expected --input "$OOPS/issue13-6.12-vmemmap.log" --input "$WORK/oops-blocks" \
	decode-oops/issue13-vmemmap - decode-oops --block-size 128M --blocks oops-blocks \
	issue13-6.12-vmemmap.log
expected --input "$OOPS/sysrq-panic-6.1.log" decode-oops/sysrq-panic-6.1 - \
	decode-oops sysrq-panic-6.1.log

# --help of every command, at 80 columns (argp wraps at 79 whatever
# COLUMNS says; set so that a change to that shows here): each lists only
# the options the command takes, and no doc string is broken by hand.
COLUMNS=80
export COLUMNS
expected help/memplug - --help
for c in run list online offline add remove restore snapshot check pages qmp replay shrink decode-oops; do
	expected help/$c - $c --help
done
# -h as --help, and memplug help [COMMAND], as lsmem, chmem and daxctl.
expected help/memplug-h - -h
expected help/list-h - list -h
expected help/help - help
expected help/help-pages - help pages
unset COLUMNS

wait
[ -z "$(cut -f1 "$WORK/cases" | sort | uniq -d)" ] ||
	fail "cases of the same name: $(cut -f1 "$WORK/cases" | sort | uniq -d)"

# Every case's text, in $WORK/got/NAME.
(cd "$WORK/got" && cut -f1 ../cases | sed -n 's|/[^/]*$||p' | sort -u | xargs mkdir -p)
awk -v work="$WORK" '
function slurp(f,    rec) {		# the whole file, "" when empty or missing
	rec = ""
	if ((getline rec < f) <= 0)
		rec = ""
	close(f)
	return rec
}
function section(title, text) {
	if (title != "")
		out = out title "\n"
	out = out text
	if (text != "" && substr(text, length(text)) != "\n")
		out = out "\n[no newline at the end]\n"
}
BEGIN {
	RS = "\001"
	n = split(slurp(work "/cases"), lines, "\n")
	for (i = 1; i < n; i++) {
		split(lines[i], c, "\t")
		r = work "/res/" i
		out = "$ memplug " c[3] "\n"
		section("", slurp(r ".out"))
		section("[stderr]", slurp(r ".err"))
		rc = slurp(r ".rc")
		sub(/\n$/, "", rc)
		out = out "[exit " rc "]\n"
		nf = split(c[4], files, " ")
		for (k = 1; k <= nf; k++) {
			f = c[2] "/" files[k]
			t = ""
			got = (getline t < f)
			close(f)
			if (got < 0)
				out = out "[file " files[k] ": not written]\n"
			else
				section("[file " files[k] "]", t)
		}
		printf "%s", out > (work "/got/" c[1])
		close(work "/got/" c[1])
	}
}'

# The man pages as man shows them at 80 columns (groff, which man-db runs).
command -v groff >/dev/null || fail "no groff (Debian: groff-base, in README's package list)"
mkdir -p "$WORK/got/man"
for page in memplug.8 memplug-vm.1; do
	LC_ALL=C.UTF-8 groff -man -Tutf8 -rLL=80n -P-cbou "$top_srcdir/man/$page" >"$WORK/got/man/$page"
done

# Timings, the only part of these outputs that changes from one run to the
# next on the same tree, in the report of run and replay: the total of the
# summary ("N steps in 0.2 s"), a scenario's seconds and an operation's p50
# and p99 ms there; "seconds", "p50_ms" and "p99_ms" in the JSON report.
# Each becomes "*.*" ("*" in JSON), at the same width in the table; every
# other byte is compared. (Nothing else varies: a case runs in a folder of
# its own and names its tree, trace and files relative to it, the trees and
# traces are recorded, and the trace and KTAP hold no times.)
sed -i -e 's/^\(memplug run: [0-9]* steps in \)[0-9.]* s,/\1*.* s,/' \
	-e 's/^\([a-z_]\{1,\} \{1,\}[0-9]\{1,\}\) \{1,\}[0-9]\{1,\}\.[0-9]\( \{1,\}[0-9]\{1,\}\)$/\1       *.*\2/' \
	-e 's/^\([a-z_]\{1,\} \{1,\}[0-9]\{1,\} \{1,\}[0-9]\{1,\}\) \{1,\}[0-9]\{1,\}\.[0-9] \{1,\}[0-9]\{1,\}\.[0-9]$/\1       *.*       *.*/' \
	-e 's/^\( *"\(seconds\|p50_ms\|p99_ms\)": \)[-+.e0-9]\{1,\}\(,\{0,1\}\)$/\1*\3/' \
	"$WORK"/got/run/* "$WORK"/got/replay/*

# argp wraps every --help at 79 columns: a line of blanks, trailing blanks or
# a longer line means a doc string argp cannot lay out (broken by hand, or a
# header longer than its column).
bad=$(grep -n ' $\|^.\{80,\}' "$WORK"/got/help/* || true)
[ -z "$bad" ] || fail "--help lines argp could not wrap: $bad"

if [ "$update" = update ]; then
	rm -rf "$EXPECTED"
	cp -R "$WORK/got" "$EXPECTED"
	echo "wrote $ncases cases to tests/expected"
	exit 0
fi
# Cases that differ, with their diff; files no case writes (a case renamed or
# dropped without its file), and cases without a file.
[ -d "$EXPECTED" ] || fail "no tests/expected (--update writes it)"
failed=0
diff -rq "$EXPECTED" "$WORK/got" >"$WORK/differ" || true
while read -r line; do
	case $line in
	Files\ *)
		name=${line#"Files $EXPECTED/"}
		name=${name%% and *}
		diff -u --label "tests/expected/$name" --label "today's memplug" \
			"$EXPECTED/$name" "$WORK/got/$name" || true
		echo "FAIL $name: differs from tests/expected/$name (the diff above)"
		;;
	"Only in $EXPECTED"*)
		name=${line#"Only in $EXPECTED/"}
		echo "FAIL tests/expected/${name%%: *}/${name#*: }: no case writes it"
		;;
	*)
		name=${line#"Only in $WORK/got/"}
		name=${name%%: *}/${name#*: }
		echo "FAIL $name: no tests/expected/$name (--update writes it)"
		;;
	esac
	failed=$((failed + 1))
done <"$WORK/differ"
[ "$failed" = 0 ] || fail "$failed of $ncases cases differ from tests/expected"
echo "$ncases cases as tests/expected has them"
