#!/bin/sh
# test.sh — the project's test command (README's second command, and what
# CI runs): installs what is missing, builds an Unbound with dynlib support
# from Debian's source package (once; reused afterwards), builds pooldns and
# the Unbound module with warnings as errors, runs `make check` (unit tests,
# fuzz corpora, integration with rqlited and a 3-node cluster, the harness
# cases against the standalone server and the module, stock dig), then the
# module's test again against the newest Unbound Debian publishes (the
# trixie source package, scripts/build-unbound.sh --suite trixie: another
# Unbound API, which configure probes), the unit tests under valgrind
# memcheck, then the whole suite under ASan+UBSan, then the libFuzzer
# build's fuzz-check, then `make distcheck`. POOLDNS_UNBOUND_NEW overrides
# how that second Unbound is built (build-unbound.sh options, e.g.
# "--tarball unbound-1.22.0.tar.gz --dest .deps/unbound-1.22").
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    only the warnings-as-errors build and make check
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
quick=0
for arg in "$@"; do
	case "$arg" in
	--quick) quick=1 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "test.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n==== %s\n' "$*"; }

step "bootstrap"
scripts/bootstrap.sh

step "Unbound with dynlib (scripts/build-unbound.sh)"
unbound_src=$(scripts/build-unbound.sh | tail -n 1)
[ -f "$unbound_src/config.h" ] || { echo "test.sh: no Unbound tree at '$unbound_src'" >&2; exit 1; }

step "newest Unbound with dynlib (scripts/build-unbound.sh ${POOLDNS_UNBOUND_NEW:---suite trixie})"
# shellcheck disable=SC2086
unbound_new=$(scripts/build-unbound.sh ${POOLDNS_UNBOUND_NEW:---suite trixie} | tail -n 1)
[ -f "$unbound_new/config.h" ] || { echo "test.sh: no Unbound tree at '$unbound_new'" >&2; exit 1; }

step "autoreconf"
autoreconf -fi

# Each configuration builds out of tree in build/<name>, so they never mix.
# suite_tests, when set, limits make check to those tests.
suite_tests=
run_suite() {
	name=$1
	shift
	step "build + make check: $name ($*)"
	rm -rf "build/$name"
	mkdir -p "build/$name"
	(
		cd "build/$name"
		"$top/configure" --enable-werror "$@" >configure.out 2>&1 ||
			{ tail -n 30 configure.out; exit 1; }
		make -j"$jobs" >make.out 2>&1 || { tail -n 60 make.out; exit 1; }
		set -- check
		[ -z "$suite_tests" ] || set -- check TESTS="$suite_tests"
		if ! make -j"$jobs" "$@"; then
			for f in $(find . -name '*.log' -newer make.out); do
				if grep -qE '^(FAIL|ERROR)' "$f" 2>/dev/null; then
					echo "---- $f"
					tail -n 80 "$f"
				fi
			done
			exit 1
		fi
	)
}

# rqlited comes from bootstrap.sh's project-local install; naming it
# explicitly also serves distcheck, whose source tree is the bare tarball.
rqlited="$top/.deps/rqlite/bin/rqlited"
run_suite default --with-unbound-src="$unbound_src" RQLITED="$rqlited"
suite_tests="tests/integration/unbound-module.sh tests/integration/unbound-module-cache.sh"
run_suite unbound-new --with-unbound-src="$unbound_new" RQLITED="$rqlited"
suite_tests=
if [ "$quick" -eq 0 ]; then
	step "unit tests under valgrind memcheck (make check-valgrind)"
	(cd build/default && make -j"$jobs" check-valgrind VERBOSE=yes >valgrind.out 2>&1) ||
		{ tail -n 80 build/default/valgrind.out; exit 1; }
	grep -E '^(PASS|FAIL|ERROR)' build/default/valgrind.out
	run_suite sanitizers --enable-sanitizers --with-unbound-src="$unbound_src" RQLITED="$rqlited"
	step "fuzz targets with libFuzzer: corpora and coverage edges (make fuzz-check)"
	rm -rf build/fuzz-check && mkdir -p build/fuzz-check
	(cd build/fuzz-check && "$top/configure" --enable-werror CC=clang --enable-fuzzers >configure.out 2>&1 &&
		make -j"$jobs" fuzz-check >make.out 2>&1) ||
		{ tail -n 40 build/fuzz-check/configure.out build/fuzz-check/make.out; exit 1; }
	grep -E "^(PASS|FAIL)" build/fuzz-check/make.out
	step "make distcheck"
	(cd build/default && make -j"$jobs" distcheck \
		DISTCHECK_CONFIGURE_FLAGS="--enable-werror --with-unbound-src=$unbound_src RQLITED=$rqlited" \
		>distcheck.out 2>&1) ||
		{ tail -n 60 build/default/distcheck.out; exit 1; }
	echo "distcheck passed"
fi
step "all tests passed"
