#!/bin/sh
# valgrind-unit.sh — the LOG_COMPILER of `make check-valgrind`: runs one
# Check unit test program under valgrind memcheck. Check runs every test in
# the same process (CK_FORK=no), so valgrind sees all of them and the
# leaks are the program's. It fails on any memcheck error and on any
# definitely lost block (--errors-for-leak-kinds=definite), with valgrind's
# report in the test's log; possibly lost and still reachable blocks
# (liburcu's and libcurl's per-thread and global state) are not errors.
# tests/valgrind.supp holds the suppressions, each with its reason. A
# program gets POOLDNS_VALGRIND_TIMEOUT seconds (default 900).
set -u
srcdir=${srcdir:-.}
[ $# -ge 1 ] || { echo "usage: valgrind-unit.sh PROGRAM [ARGS...]" >&2; exit 2; }
command -v valgrind >/dev/null 2>&1 || { echo "valgrind-unit.sh: valgrind not found" >&2; exit 1; }
CK_FORK=no
export CK_FORK
t0=$(date +%s)
# --fair-sched=yes: valgrind runs one thread at a time, and without it a
# thread that spins (a test's reader polling a snapshot) can keep the others
# from running for minutes.
timeout "${POOLDNS_VALGRIND_TIMEOUT:-900}" valgrind --tool=memcheck --quiet --fair-sched=yes \
	--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--error-exitcode=99 --num-callers=30 --suppressions="$srcdir/tests/valgrind.supp" "$@"
rc=$?
[ "$rc" -eq 124 ] && echo "valgrind-unit.sh: $1: stopped after ${POOLDNS_VALGRIND_TIMEOUT:-900} s"
[ "$rc" -eq 99 ] && echo "valgrind-unit.sh: $1: memcheck errors or definite leaks (above)"
echo "valgrind-unit.sh: $1: exit $rc after $(($(date +%s) - t0)) s under valgrind"
exit "$rc"
