#!/bin/sh
# conf-keys-documented.sh — `make check` test: every key of the table of
# configuration keys (core/conf_schema.c, printed by tests/tools/conf-keys)
# is documented, and no documentation names a key the table lacks:
#   doc/pooldns.conf.5  an item of the KEYS section, marked (list) exactly
#                       for list keys, as standalone (a "standalone"
#                       subsection or the (standalone) mark) exactly for
#                       server-only keys, and as module (a subsection
#                       naming the "Unbound module") exactly for
#                       module-only keys
#   README.md           a row of the "Configuration reference" table, with
#                       "(list)", "server only" and "module only" the same way
#   doc/pooldns.8       in the list of flags (--key=...), module-only keys not
#   pooldns --help      a line "  --key=...", module-only keys not
# Fails with one line per problem.
set -u
src=${POOLDNS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${POOLDNS_BUILDDIR:-.}
man5="$src/doc/pooldns.conf.5"
man8="$src/doc/pooldns.8"
readme="$src/README.md"

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

"$build/tests/tools/conf-keys" >"$tmp/table" || { echo "ERROR: tests/tools/conf-keys failed"; exit 99; }
[ -s "$tmp/table" ] || { echo "ERROR: the table of keys is empty"; exit 99; }
"$build/standalone/pooldns" --help >"$tmp/help" || { echo "ERROR: pooldns --help failed"; exit 99; }

# pooldns.conf(5): "key list|single server|shared" for every key named in
# an item (the line after .TP) of the KEYS section, e.g.
#   .BI rqlite\-url " = URL"
#   .BI soa\-refresh " = SECONDS" "\fR, \fP" soa\-retry " = SECONDS" ...
awk '
function flush(   n, i, a) {
	if (items != "") {
		n = split(items, a, " ")
		for (i = 1; i <= n; i++)
			print a[i], (list ? "list" : "single"),
			      (server ? "server" : module ? "module" : "shared")
	}
	items = ""
}
/^\.SH/ { flush(); inkeys = ($0 ~ /^\.SH KEYS/); next }
!inkeys { next }
/^\.SS/ { flush(); section = $0; next }
/^\.TP/ { flush(); item = 1; next }
item {
	line = $0
	gsub(/\\-/, "-", line)
	while (match(line, /[a-z][a-z0-9-]* " = /)) {
		k = substr(line, RSTART, RLENGTH)
		sub(/ " = $/, "", k)
		items = items " " k
		line = substr(line, RSTART + RLENGTH)
	}
	item = 0
	list = 0
	server = (section ~ /standalone/)
	module = (section ~ /Unbound module/)
	next
}
/^\.RI \( list \)/ { list = 1 }
/^\.RI \( standalone \)/ { server = 1 }
/^\.PP/ { flush() }
END { flush() }
' "$man5" >"$tmp/man5"

# README.md: the rows of the "Configuration reference" table, e.g.
#   | `listen` (list) | `127.0.0.1:53` | server only: ... |
awk '
/^## / { inref = ($0 == "## Configuration reference"); next }
inref && /^\| `/ {
	split($0, cell, "|")
	first = cell[2]
	list = (first ~ /\(list\)/)
	server = ($0 ~ /server only/)
	module = ($0 ~ /module only/)
	while (match(first, /`[^`]*`/)) {
		print substr(first, RSTART + 1, RLENGTH - 2), (list ? "list" : "single"),
		      (server ? "server" : module ? "module" : "shared")
		first = substr(first, RSTART + RLENGTH)
	}
}
' "$readme" >"$tmp/readme"

sed 's/\\-/-/g' "$man8" >"$tmp/man8"

rc=0
fail() {
	echo "FAIL: $*"
	rc=1
}

doc_name() {
	case $1 in
	man5) echo "doc/pooldns.conf.5" ;;
	*) echo "README.md (Configuration reference)" ;;
	esac
}

# doc, name, list, scope: the doc's line for name must exist and agree.
check_doc() {
	doc=$(awk -v k="$2" '$1 == k { print; exit }' "$tmp/$1")
	what=$(doc_name "$1")
	if [ -z "$doc" ]; then
		fail "$2: not documented in $what"
		return
	fi
	set -- $doc "$3" "$4"
	[ "$2" = "$4" ] || fail "$1: a $4 key, documented as $2 in $what"
	[ "$3" = "$5" ] || fail "$1: a $5 key, documented as $3 in $what"
}

nkeys=0
while IFS='	' read -r name type list scope reload; do
	nkeys=$((nkeys + 1))
	check_doc man5 "$name" "$list" "$scope"
	check_doc readme "$name" "$list" "$scope"
	if [ "$scope" = module ]; then
		grep -q -e "--$name=" "$tmp/man8" && fail "$name: a module key, in the flag list of doc/pooldns.8"
		grep -q -e "^  --$name=" "$tmp/help" && fail "$name: a module key, listed by pooldns --help"
	else
		grep -q -e "--$name=" "$tmp/man8" || fail "$name: not in the flag list of doc/pooldns.8"
		grep -q -e "^  --$name=" "$tmp/help" || fail "$name: not listed by pooldns --help"
	fi
done <"$tmp/table"

# Documented keys that the table does not have.
for doc in man5 readme; do
	while read -r name rest; do
		awk -v k="$name" '$1 == k { found = 1 } END { exit !found }' "$tmp/table" ||
			fail "$name: documented in $(doc_name "$doc") but not a key (core/conf_schema.c)"
	done <"$tmp/$doc"
done

[ "$rc" -eq 0 ] && echo "PASS: all $nkeys configuration keys documented"
exit $rc
