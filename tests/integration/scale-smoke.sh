#!/bin/sh
# scale-smoke.sh — bench/scale.sh --smoke under `make check`: 10,000 pools ×
# 4 members in SQLite and rqlited, the standalone server on each (and
# Unbound with the module, when the build has it; Knot DNS when knotd is
# installed), 5 changes each; fails unless every server answers and sees
# every change within 5 s. Keeps the scale benchmark itself working.
# Without the rqlite cache file, whose rewrite after every load would make
# this run twice as long (bench/scale.sh measures it by default).
set -u
: "${POOLDNS_SRCDIR:?POOLDNS_SRCDIR is not set (run through make check)}"
: "${POOLDNS_BUILDDIR:?POOLDNS_BUILDDIR is not set (run through make check)}"
set -- --smoke --no-cache --builddir "$POOLDNS_BUILDDIR"
[ -n "${UNBOUND_BIN:-}" ] && set -- "$@" --module
exec sh "$POOLDNS_SRCDIR/bench/scale.sh" "$@"
