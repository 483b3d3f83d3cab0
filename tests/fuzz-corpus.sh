#!/bin/sh
# fuzz-corpus.sh — `make check` test: runs every fuzz target over its seed
# corpus (fuzz/corpus/<target>/), so each parser of outside input is
# exercised on malformed inputs in every build, sanitizers included.
set -u
srcdir=${srcdir:-.}
rc=0
for t in fuzz_wire fuzz_rqlite_json fuzz_cache fuzz_config fuzz_case fuzz_poolctl_import \
	fuzz_poolctl_exec fuzz_queryfile fuzz_http_request fuzz_cache_journal fuzz_guard; do
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
