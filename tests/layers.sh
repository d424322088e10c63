#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The layers, read from the objects: what each object of the library
# (lib/libmemplug.a) and of the program (cmd/) defines and uses, by nm.
# Fails, naming both files and a symbol, when an object uses one of a
# later layer (base < sensors < ops < checks < runner < cmd; an object's
# layer is its folder), or when objects use each other round a circle of
# any length, in one layer or across several. Symbols, not #include lines:
# a call through another file's header (snapshot.c calls mp_kmsg_read,
# which sensor.h declares and kmsg.c defines) shows only here.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v nm >/dev/null 2>&1 || skip "no nm"
command -v ar >/dev/null 2>&1 || skip "no ar"
lib=$top_builddir/lib/libmemplug.a
[ -f "$lib" ] || skip "no $lib: build first"
[ -f "$top_builddir/Makefile" ] || skip "no $top_builddir/Makefile: configure first"

# The library's objects are the archive's members (automake builds the
# archive afresh: no stale member), each in its folder under lib/.
: >"$WORK/objects"
for m in $(ar t "$lib"); do
	for o in "$top_builddir"/lib/*/"$m"; do
		[ -f "$o" ] || fail "member $m of $lib not found under $top_builddir/lib"
		echo "$o" >>"$WORK/objects"
	done
done
# The program's objects, as the Makefile lists them.
awk '/^am_cmd_memplug_OBJECTS =/ { on = 1; sub(/^[^=]*=/, "") }
	on { n = split($0, w, /[ \t\\]+/)
		for (i = 1; i <= n; i++)
			if (w[i] != "") { sub(/\$\(OBJEXT\)$/, "o", w[i]); print w[i] }
		if ($0 !~ /\\$/) on = 0 }' "$top_builddir/Makefile" |
	while read -r o; do
		[ -f "$top_builddir/$o" ] || fail "$o not built"
		echo "$top_builddir/$o"
	done >>"$WORK/objects"
grep -q /cmd/ "$WORK/objects" || fail "no object of cmd/ in $top_builddir/Makefile"

# "OBJECT: SYMBOL TYPE ...", external symbols only
# shellcheck disable=SC2046
nm -g -A -P $(cat "$WORK/objects") >"$WORK/symbols" || fail "nm failed"

awk -v top="$top_builddir/" '
# lib/ops/libmemplug_a-backend.o -> lib/ops/backend.c
# (automake names an object TARGET-SOURCE.o, TARGET with no "-")
function src(o,   d) {
	if (index(o, top) == 1)
		o = substr(o, length(top) + 1)
	d = o
	sub(/[^\/]*$/, "", d)
	sub(/^.*\//, "", o)
	sub(/^[^-]*-/, "", o)
	sub(/\.o$/, ".c", o)
	return d o
}
function folder(f) {
	sub(/\/[^\/]*$/, "", f)
	return f
}
function layer(f) {
	return folder(f) in rank ? rank[folder(f)] : -1
}
BEGIN {
	rank["lib/base"] = 0; rank["lib/sensors"] = 1; rank["lib/ops"] = 2
	rank["lib/checks"] = 3; rank["lib/runner"] = 4; rank["cmd"] = 5
	bad = 0
}
{
	f = $1
	sub(/:$/, "", f)
	f = src(f)
	files[f] = 1
	if ($3 == "U" || $3 == "w")
		used[++nu] = f SUBSEP $2
	else if (!($2 in def))
		def[$2] = f
	else if (def[$2] != f) {
		printf "FAIL: %s defined twice: %s and %s\n", $2, def[$2], f
		bad = 1
	}
}
END {
	for (f in files)
		if (layer(f) < 0) {
			printf "FAIL: %s: a folder of no layer\n", f
			bad = 1
		}
	# one edge an (object, object) pair, named by its first symbol
	for (i = 1; i <= nu; i++) {
		split(used[i], p, SUBSEP)
		if (!(p[2] in def) || def[p[2]] == p[1])
			continue
		e = p[1] SUBSEP def[p[2]]
		if (!(e in edge) || p[2] < edge[e])
			edge[e] = p[2]
	}
	for (e in edge) {
		split(e, p, SUBSEP)
		out[p[1]] = out[p[1]] " " p[2]
		if (layer(p[1]) < layer(p[2])) {
			printf "FAIL: layer: %s uses %s of %s: %s uses %s, a later layer\n",
				p[1], edge[e], p[2], folder(p[1]), folder(p[2])
			bad = 1
		}
	}
	# an edge a -> b is on a circle when b leads back to a
	for (e in edge) {
		split(e, p, SUBSEP)
		a = p[1]; b = p[2]
		for (k in seen) delete seen[k]
		head = 0; tail = 0
		q[tail++] = b; seen[b] = ""
		while (head < tail && !(a in seen)) {
			x = q[head++]
			n = split(out[x], nx, " ")
			for (j = 1; j <= n; j++)
				if (!(nx[j] in seen)) {
					seen[nx[j]] = x
					q[tail++] = nx[j]
				}
		}
		if (!(a in seen))
			continue
		path = a
		for (x = seen[a]; x != ""; x = seen[x])
			path = x " -> " path
		printf "FAIL: circle: %s uses %s of %s, and %s\n", a, edge[e], b, path
		bad = 1
	}
	if (!bad)
		printf "%d objects, %d uses between them: in layer order, no circle\n",
			length(files), length(edge)
	exit bad
}' "$WORK/symbols" >"$WORK/out" || {
	sort "$WORK/out" >&2
	exit 1
}
cat "$WORK/out"
