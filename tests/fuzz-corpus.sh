#!/bin/sh
# fuzz-corpus.sh — `make check` test of builds without libFuzzer: runs every
# fuzz target (fuzz/targets) over its seed corpus (fuzz/corpus/<target>/)
# through fuzz/driver.c, so each parser of outside input is exercised on
# malformed inputs in every build, sanitizers included.
set -u
srcdir=${srcdir:-.}
rc=0
targets=$(sed -e 's/#.*//' "$srcdir/fuzz/targets" | awk 'NF { print $1 }')
[ -n "$targets" ] || { echo "FAIL: no targets in $srcdir/fuzz/targets"; exit 1; }
for t in $targets; do
	corpus="$srcdir/fuzz/corpus/$t"
	if [ ! -d "$corpus" ]; then
		echo "FAIL: $t: no seed corpus at $corpus"
		rc=1
		continue
	fi
	if ./fuzz/$t "$corpus"; then
		echo "PASS: $t"
	else
		echo "FAIL: $t"
		rc=1
	fi
done
exit $rc
