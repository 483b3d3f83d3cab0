#!/bin/sh
# tests/file-circles.sh — no two files of core/, standalone/, module/ and
# harness/ depend on each other in a circle. Run by `make check`; by hand:
#   POOLDNS_SRCDIR=. POOLDNS_BUILDDIR=build/dev sh tests/file-circles.sh
#
# 1. Includes. A unit is a .c file with the .h of the same name; a header
#    NAME_internal.h belongs to unit NAME; a header without a .c is a unit
#    of its own. Unit A depends on unit B when a file of A includes a header
#    of B with #include "...", resolved as the build does: next to the
#    including file, from the top of the tree, or from harness/ (the
#    harness's -I). System headers and headers from outside the tree
#    (config.h, Unbound's) are ignored. Since every function is declared in
#    the header of the unit that defines it, A.c calling B.c while B.c
#    calls A.c shows up here as A -> B -> A.
# 2. Calls, when the objects have been built: file A.c depends on B.c when
#    A's object uses a global symbol (function or data) that B's object
#    defines (nm). This also catches a declaration placed in a shared
#    header that hides a call against the grain of the include graph.
#
# Each graph must be acyclic; a cycle is printed as "a -> b -> a" and
# fails the test. Needs only sh, find, sed, awk and (for 2) nm.
set -eu

SRC=${POOLDNS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${POOLDNS_BUILDDIR:-}
NM=${NM:-nm}
DIRS="core standalone module harness"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pooldns-circles.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

cd "$SRC"
# shellcheck disable=SC2086 # DIRS is a list of words
find $DIRS -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort >"$TMP/files"
[ -s "$TMP/files" ] || { echo "file-circles: no sources under $SRC" >&2; exit 1; }

# "file<TAB>included name" for every quoted include.
while read -r f; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r inc; do printf '%s\t%s\n' "$f" "$inc"; done
done <"$TMP/files" >"$TMP/includes"

# Cycle finder shared by both checks: reads "from<TAB>to" edges, prints
# every cycle it finds (one per strongly connected part is enough to
# act on) and exits 1 if there was one.
cat >"$TMP/cycles.awk" <<'EOF'
BEGIN { FS = "\t" }
$1 != $2 && !(($1 SUBSEP $2) in seen) {
	seen[$1, $2] = 1
	n[$1]++
	adj[$1, n[$1]] = $2
	node[$1] = 1
	node[$2] = 1
}
function visit(v,    i, w, j, path) {
	state[v] = 1
	stack[++depth] = v
	for (i = 1; i <= n[v]; i++) {
		w = adj[v, i]
		if (state[w] == 1) {
			path = w
			for (j = depth; j >= 1 && stack[j] != w; j--)
				;
			for (j = j + 1; j <= depth; j++)
				path = path " -> " stack[j]
			print "  " path " -> " w
			found = 1
		} else if (state[w] == 0) {
			visit(w)
		}
	}
	depth--
	state[v] = 2
}
END {
	for (v in node)
		if (state[v] == 0)
			visit(v)
	exit found ? 1 : 0
}
EOF

# Resolve includes to files of the tree and map files to units.
awk -F '\t' -v files="$TMP/files" '
function norm(p,    a, k, i, out, m) {
	k = split(p, a, "/")
	m = 0
	for (i = 1; i <= k; i++) {
		if (a[i] == "." || a[i] == "")
			continue
		if (a[i] == ".." && m > 0) { m--; continue }
		out[++m] = a[i]
	}
	p = ""
	for (i = 1; i <= m; i++)
		p = p (i > 1 ? "/" : "") out[i]
	return p
}
function unit(f) {
	sub(/\.[ch]$/, "", f)
	sub(/_internal$/, "", f)
	return f
}
BEGIN { while ((getline f < files) > 0) tree[f] = 1 }
{
	dir = $1
	if (!sub(/\/[^\/]*$/, "", dir))
		dir = "."
	target = ""
	cand[1] = norm(dir "/" $2)
	cand[2] = norm($2)
	cand[3] = norm("harness/" $2)
	for (i = 1; i <= 3; i++)
		if (cand[i] in tree) { target = cand[i]; break }
	if (target != "")
		print unit($1) "\t" unit(target)
}' "$TMP/includes" >"$TMP/unit-edges"

status=0
units=$(tr '\t' '\n' <"$TMP/unit-edges" | sort -u | wc -l)
if awk -f "$TMP/cycles.awk" "$TMP/unit-edges" >"$TMP/out"; then
	echo "file-circles: includes: $units units, $(sort -u "$TMP/unit-edges" | wc -l) dependencies, no cycle"
else
	echo "file-circles: FAIL: units that include each other in a circle:"
	cat "$TMP/out"
	status=1
fi

# Calls, from the built objects (skipped when there are none, e.g. a run
# from a source tree that was never built).
if [ -n "$BUILD" ] && [ -d "$BUILD" ] && command -v "${NM%% *}" >/dev/null 2>&1; then
	cd "$BUILD"
	# shellcheck disable=SC2086
	find $DIRS -name '*.o' 2>/dev/null | LC_ALL=C sort >"$TMP/objects" || true
	: >"$TMP/syms"
	while read -r o; do
		# dir[/.libs]/TARGET-base.o -> dir/base.c
		d=$(dirname "$o")
		d=${d%/.libs}
		b=$(basename "$o" .o)
		b=${b#*-}
		src="$d/$b.c"
		grep -qxF "$src" "$TMP/files" || continue # stale or not ours
		$NM "$o" 2>/dev/null | awk -v src="${src%.c}" '
			NF == 3 && $2 ~ /^[TDBRCGSV]$/ { print "D\t" src "\t" $3 }
			NF == 2 && $1 == "U" { print "U\t" src "\t" $2 }' >>"$TMP/syms"
	done <"$TMP/objects"
	if [ -s "$TMP/syms" ]; then
		awk -F '\t' '
			$1 == "D" { def[$3] = def[$3] SUBSEP $2; next }
			{ use[++n] = $2; sym[n] = $3 }
			END {
				for (i = 1; i <= n; i++) {
					if (!(sym[i] in def))
						continue
					k = split(def[sym[i]], d, SUBSEP)
					for (j = 2; j <= k; j++)
						print use[i] "\t" d[j]
				}
			}' "$TMP/syms" | sort -u >"$TMP/call-edges"
		files=$(cut -f2 "$TMP/syms" | sort -u | wc -l)
		if awk -f "$TMP/cycles.awk" "$TMP/call-edges" >"$TMP/out"; then
			echo "file-circles: calls: $files .c files, $(wc -l <"$TMP/call-edges") dependencies, no cycle"
		else
			echo "file-circles: FAIL: .c files that call each other in a circle:"
			cat "$TMP/out"
			status=1
		fi
	else
		echo "file-circles: calls: no objects under $BUILD, not checked"
	fi
fi
exit $status
