#!/bin/sh
# hostile-traffic.sh — legitimate queries keep being answered under hostile
# traffic. The standalone server (SQLite source, 2 threads, the default
# tcp-max-connections of 256 per thread) gets, for 24 s, from
# tests/tools/hostile: random and mutated UDP packets at full rate, 5,000
# TCP connections opened and held idle (reopened, up to 500 a second, when
# the server closes them), some of them sending oversized (0xffff) or
# never-completed (16384) length prefixes or a zero-length one. Meanwhile
# two legitimate clients (tests/tools/dnsload) ask google.com A for 20 s:
#   - over TCP, a new connection per query, one try of 2 s (a lost SYN is
#     sent again after 1 s): at least 99.9 % answered. At
#     the cap pooldns closes the least recently active connection (as NSD
#     and Knot do), so idle connections cannot lock new clients out;
#   - over UDP, with 5 tries 200 ms apart (a stub resolver's retries): at
#     least 99.9 % answered. A flood at full rate overflows the socket's
#     receive buffer whatever the server does, so some first tries are
#     dropped by the kernel; the retries must get through;
#   - every answer is exactly the pool's three A members;
#   - the server evicted idle connections (tcp-evicted > 0), stays up,
#     its RSS grows by at most 24 MiB (the connections' buffers are at most
#     512 × 16 KiB; not under ASan, whose quarantine keeps freed memory:
#     there LeakSanitizer checks at exit), and it exits 0 on SIGTERM.
set -u
. "$(dirname "$0")/lib.sh"
serialize_load_tests

DNS=$(freeport 1)
DB=$T_DIR/pools.db
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"
start_pooldns pooldns "$DNS" --source=sqlite --sqlite-path="$DB" --threads=2
TOOLS=$POOLDNS_BUILDDIR/tests/tools
WANT=142.250.180.14,142.250.180.46,142.250.181.14

"$TOOLS/dnsload" -p "$DNS" -d 500 -T both -e "$WANT" google.com >/dev/null ||
	die "google.com not answered before the hostile traffic"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$POOLDNS_PID/status"; }
rss0=$(rss)

"$TOOLS/hostile" -p "$DNS" -d 24000 -c 5000 -R 500 -u >"$T_DIR/hostile.out" 2>&1 &
hostile_pid=$!
T_PIDS="$T_PIDS $hostile_pid"
sleep 2
"$TOOLS/dnsload" -p "$DNS" -d 20000 -i 2 -T tcp -w 2000 -r 1 -l 1000 -e "$WANT" google.com \
	>"$T_DIR/legit-tcp.out" 2>&1 &
tcp_pid=$!
"$TOOLS/dnsload" -p "$DNS" -d 20000 -i 2 -T udp -w 200 -r 5 -l 1000 -e "$WANT" google.com \
	>"$T_DIR/legit-udp.out" 2>&1 &
udp_pid=$!
wait "$tcp_pid" || fail "legitimate TCP queries: $(cat "$T_DIR/legit-tcp.out")"
wait "$udp_pid" || fail "legitimate UDP queries: $(cat "$T_DIR/legit-udp.out")"
wait "$hostile_pid" || fail "hostile: $(cat "$T_DIR/hostile.out")"
forget_pid "$hostile_pid"
log "hostile: $(cat "$T_DIR/hostile.out")"
log "legitimate over tcp: $(cat "$T_DIR/legit-tcp.out")"
log "legitimate over udp: $(cat "$T_DIR/legit-udp.out")"

kill -0 "$POOLDNS_PID" || die "pooldns died under hostile traffic"
rss1=$(rss)
rss_bounded "$rss0" "$rss1" $((24 * 1024)) "hostile traffic"
opened=$(sed -n 's/.*tcp-opened \([0-9]*\).*/\1/p' "$T_DIR/hostile.out")
[ "${opened:-0}" -ge 5000 ] || fail "the hostile client opened only ${opened:-0} TCP connections"
kill -USR1 "$POOLDNS_PID"
wait_for 5 sh -c "grep 'stats: udp=' '$T_DIR/pooldns.log' | tail -n 1 | grep -q tcp-evicted" ||
	die "no stats line"
stats=$(grep 'stats: udp=' "$T_DIR/pooldns.log" | tail -n 1)
evicted=$(stat_field "$stats" tcp-evicted)
[ "${evicted:-0}" -gt 0 ] || fail "no idle connection evicted at the cap: $stats"
log "server: $stats"
"$TOOLS/dnsload" -p "$DNS" -d 500 -T both -e "$WANT" google.com >/dev/null ||
	fail "google.com not answered after the hostile traffic"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
