#!/bin/sh
# standalone-tcp.sh — DNS over TCP (RFC 7766) against the standalone server
# with one worker thread, through tests/tools/tcpclient:
#   - 100 pipelined queries on one connection are all answered, in order,
#     well within a second and in a few segments (responses batched per
#     read and sent with TCP_NODELAY: neither one segment per response nor
#     a batch held back by Nagle's algorithm until a delayed ACK);
#   - a client that stops reading does not block the worker: another
#     connection is answered at once, and the slow one later gets every
#     response, in order (partial writes kept per connection);
#   - an idle connection is closed after tcp-idle-timeout-ms;
#   - past tcp-max-connections the least recently active one is closed.
# The answers themselves are checked by the harness cases (020-tcp.case).
set -u
. "$(dirname "$0")/lib.sh"

TCPCLIENT="$POOLDNS_BUILDDIR/tests/tools/tcpclient"
DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load into SQLite"

DNS=$(freeport 1)
start_pooldns pooldns "$DNS" --source=sqlite --sqlite-path="$DB" --threads=1 \
	--tcp-idle-timeout-ms=2000 --tcp-max-connections=4

# One write of 100 queries: about 7 KB of responses, one or two segments
# on loopback; 8 leaves room for a loaded machine, 100 would be one each.
"$TCPCLIENT" pipeline "$DNS" www.example.com 100 1000 8 ||
	fail "100 pipelined queries on one connection"

"$TCPCLIENT" stall "$DNS" www.example.com 500000 ||
	fail "a client that does not read"

"$TCPCLIENT" idle "$DNS" 1900 5000 || fail "idle timeout (2000 ms)"

"$TCPCLIENT" evict "$DNS" www.example.com 4 || fail "connection cap (4)"

# Still serving after all of it.
"$TCPCLIENT" pipeline "$DNS" google.com 3 1000 3 || fail "answers after the checks"

stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
