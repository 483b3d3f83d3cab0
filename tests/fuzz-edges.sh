#!/bin/sh
# fuzz-edges.sh — `make check` (and `make fuzz-check`) test of
# --enable-fuzzers builds: runs every libFuzzer target of fuzz/targets once
# over its committed corpus (-runs=0: each input once, no mutation), fails
# when an input crashes it, and reads the coverage edges libFuzzer reports
# for the corpus (its "INITED cov: N" line). A target that sees fewer than
# its min-edges has lost the coverage instrumentation of the code it tests
# (only the target file instrumented shows a few dozen edges) or its
# corpus, and fails: a fuzz run of it would count for nothing.
set -u
srcdir=${srcdir:-.}
rc=0
rows=$(sed -e 's/#.*//' "$srcdir/fuzz/targets" | awk 'NF { print $1, $2 }')
[ -n "$rows" ] || { echo "FAIL: no targets in $srcdir/fuzz/targets"; exit 1; }
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
echo "$rows" | {
	while read -r t min; do
		corpus="$srcdir/fuzz/corpus/$t"
		if [ ! -x "./fuzz/$t" ] || [ ! -d "$corpus" ]; then
			echo "FAIL: $t: no program ./fuzz/$t or no corpus $corpus"
			rc=1
			continue
		fi
		# -close_fd_mask=3: the parsers' messages are not ours to read;
		# libFuzzer keeps its own output.
		if ! "./fuzz/$t" -runs=0 -close_fd_mask=3 "$corpus" >"$log" 2>&1; then
			echo "FAIL: $t: an input of $corpus fails"
			tail -n 30 "$log"
			rc=1
			continue
		fi
		cov=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
		case "$cov" in
		'' | *[!0-9]*)
			echo "FAIL: $t: no 'INITED cov:' line from libFuzzer"
			tail -n 10 "$log"
			rc=1
			;;
		*)
			if [ "$cov" -lt "$min" ]; then
				echo "FAIL: $t: $cov coverage edges, fewer than $min (fuzz/targets)"
				rc=1
			else
				echo "PASS: $t: $cov coverage edges (at least $min)"
			fi
			;;
		esac
	done
	exit $rc
}
