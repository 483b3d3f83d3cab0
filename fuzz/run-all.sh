#!/bin/sh
# run-all.sh — runs every fuzz target of fuzz/targets guided by libFuzzer for
# a number of runs, then measures what its corpus covers, and prints one
# table row per target: runs, coverage edges, corpus size, and the line
# coverage of the parser's files (clang source-based coverage), with the
# date and the machine, ready for fuzz/README.md.
#
#   fuzz/run-all.sh [-n RUNS] [-t SECONDS] [--merge] [TARGET...]
#
#   -n RUNS      guided runs per target (default 10000000)
#   -t SECONDS   stop a target after this long even if RUNS are not done
#                (default: no limit); the table shows the runs really made
#   --merge      keep in the committed corpus fuzz/corpus/<target>/ the
#                inputs that reach new coverage, minimised: the named
#                (hand-written) seeds stay, and of the old and new
#                inputs libFuzzer's -merge=1 keeps only those that add
#                coverage beyond them
#   TARGET...    only these targets (default: every row of fuzz/targets)
#
# Two builds are made (or brought up to date) under build/, out of tree:
# build/fuzz (CC=clang --enable-fuzzers: libFuzzer, ASan, UBSan, every
# object coverage-instrumented) runs the fuzzer; build/fuzz-cov (CC=clang,
# -fprofile-instr-generate -fcoverage-mapping, fuzz/driver.c) runs each
# target once over the corpus to measure line coverage with llvm-profdata
# and llvm-cov. Fuzzing runs at nice 19 in one process per target, one
# target after the other; new inputs go to a temporary directory and are
# only kept with --merge. Needs clang, libclang-rt-14-dev and llvm.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=10000000
max_time=0
merge=0
only=
while [ $# -gt 0 ]; do
	case "$1" in
	-n) runs=$2; shift 2 ;;
	-t) max_time=$2; shift 2 ;;
	--merge) merge=1; shift ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d'; exit 0 ;;
	-*) echo "run-all.sh: unknown option $1" >&2; exit 2 ;;
	*) only="$only $1"; shift ;;
	esac
done
case "$runs$max_time" in
*[!0-9]*) echo "run-all.sh: -n and -t take whole numbers" >&2; exit 2 ;;
esac
for tool in clang llvm-profdata llvm-cov; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "run-all.sh: $tool not found (apt-get install clang libclang-rt-14-dev llvm)" >&2; exit 1; }
done

rows=$(sed -e 's/#.*//' "$top/fuzz/targets" | awk 'NF')
names=$(echo "$rows" | awk '{ print $1 }')
if [ -n "$only" ]; then
	for t in $only; do
		echo "$names" | grep -qx "$t" || { echo "run-all.sh: $t is not in fuzz/targets" >&2; exit 2; }
	done
	names=$only
fi
jobs=$(nproc 2>/dev/null || echo 1)

# build DIR CONFIGURE-ARGS...: configures DIR once, then makes the targets.
build() {
	dir=$1
	shift
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
		(cd "$dir" && "$top/configure" "$@" >configure.out 2>&1) ||
			{ tail -n 20 "$dir/configure.out"; echo "run-all.sh: configure failed in $dir" >&2; exit 1; }
	fi
	targets=
	for t in $names; do targets="$targets fuzz/$t"; done
	# shellcheck disable=SC2086
	(cd "$dir" && nice -n 19 make -j"$jobs" $targets >make.out 2>&1) ||
		{ tail -n 40 "$dir/make.out"; echo "run-all.sh: build failed in $dir" >&2; exit 1; }
}
fz="$top/build/fuzz"
cv="$top/build/fuzz-cov"
build "$fz" CC=clang --enable-fuzzers
build "$cv" CC=clang CFLAGS="-O1 -g -fprofile-instr-generate -fcoverage-mapping"

# The names libFuzzer gives the inputs it keeps: the SHA-1 of their content,
# 40 hex digits (with ! -name '*[!0-9a-f]*'); every other name is a
# hand-written seed. Globs, not find -regex: GNU find's default regex
# syntax has no \{40\}, so such a pattern never matched there.
sha1='????????????????????????????????????????'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
table="$tmp/table"
machine="$(uname -m), $(nproc 2>/dev/null || echo '?') cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"

for t in $names; do
	files=$(echo "$rows" | awk -v t="$t" '$1 == t { for (i = 3; i <= NF; i++) print $i }')
	corpus="$top/fuzz/corpus/$t"
	new="$tmp/$t.new"
	mkdir -p "$new"
	limit=
	[ "$max_time" -gt 0 ] && limit="-max_total_time=$max_time"
	echo "run-all.sh: $t: fuzzing $runs runs${limit:+ (at most $max_time s)}" >&2
	# One process (the same as -jobs=1 -workers=1), lowest priority.
	# shellcheck disable=SC2086
	(cd "$tmp" && nice -n 19 "$fz/fuzz/$t" -runs="$runs" $limit -print_final_stats=1 \
		-close_fd_mask=3 "$new" "$corpus" >"$tmp/$t.log" 2>&1) ||
		{ tail -n 40 "$tmp/$t.log"; echo "run-all.sh: $t failed; the input is in $tmp (kept)" >&2; trap - EXIT; exit 1; }
	done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log" | tail -n 1)
	if [ "$merge" -eq 1 ]; then
		# Minimise: start from the named seeds (hand-written, kept as
		# they are), add from the old and the new inputs only those
		# that reach coverage the rest does not, and put those back
		# under libFuzzer's names (the SHA-1 of their content).
		min="$tmp/$t.min"
		mkdir -p "$min"
		find "$corpus" -maxdepth 1 -type f ! \( -name "$sha1" ! -name '*[!0-9a-f]*' \) \
			-exec cp {} "$min/" \;
		nice -n 19 "$fz/fuzz/$t" -merge=1 -close_fd_mask=3 "$min" "$corpus" "$new" \
			>"$tmp/$t.merge" 2>&1 ||
			{ tail -n 20 "$tmp/$t.merge"; echo "run-all.sh: $t: merge failed" >&2; exit 1; }
		find "$corpus" -maxdepth 1 -type f -name "$sha1" ! -name '*[!0-9a-f]*' -exec rm -f {} +
		find "$min" -maxdepth 1 -type f -name "$sha1" ! -name '*[!0-9a-f]*' \
			-exec cp {} "$corpus/" \;
	fi
	# Edges of the corpus (the committed one, merged or not).
	"$fz/fuzz/$t" -runs=0 -close_fd_mask=3 "$corpus" >"$tmp/$t.edges" 2>&1 ||
		{ tail -n 20 "$tmp/$t.edges"; exit 1; }
	edges=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$tmp/$t.edges" | tail -n 1)
	# Line coverage of the parser files by that corpus.
	rm -f "$tmp"/*.profraw
	LLVM_PROFILE_FILE="$tmp/$t-%p.profraw" "$cv/fuzz/$t" "$corpus" >/dev/null 2>&1 || true
	llvm-profdata merge -sparse -o "$tmp/$t.profdata" "$tmp"/"$t"-*.profraw
	llvm-cov report "$cv/fuzz/$t" -instr-profile="$tmp/$t.profdata" >"$tmp/$t.cov"
	cov=$(for f in $files; do
		awk -v f="$f" '$1 == f || substr($1, length($1) - length(f)) == "/" f {
			printf "%s %d/%d %s\n", f, $8 - $9, $8, $10 }' "$tmp/$t.cov"
	done)
	[ -n "$cov" ] || { echo "run-all.sh: $t: no coverage rows for $files" >&2; exit 1; }
	covtxt=$(echo "$cov" | awk '{ split($2, a, "/"); hit += a[1]; all += a[2];
		s = s (s ? ", " : "") $1 " " $3 } END { printf "%s (together %.1f%%)", s, all ? 100 * hit / all : 0 }')
	nfiles=$(find "$corpus" -type f | wc -l)
	size=$(find "$corpus" -type f -exec cat {} + | wc -c)
	printf '| `%s` | %s | %s | %s files, %s bytes | %s |\n' "$t" "${done_runs:-?}" "${edges:-?}" \
		"$nfiles" "$size" "$covtxt" >>"$table"
done

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $machine; clang $(clang -dumpversion)"
echo
echo '| target | guided runs | edges (cov:) of the corpus | corpus | line coverage of the parser files by the corpus |'
echo '|---|---|---|---|---|'
cat "$table"
