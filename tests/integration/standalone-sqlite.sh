#!/bin/sh
# standalone-sqlite.sh — the same harness cases with the SQLite source: a
# database file made from schema.json + populate_data.json, the standalone
# server reading it read-only (listening on 127.0.0.1 and [::1]), changes
# written with sqlite3 picked up by the version poll.
set -u
. "$(dirname "$0")/lib.sh"

DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json is not idempotent"

DNS=$(freeport 1)
make_member_cert
# Also on IPv6 loopback, same port: both families served side by side.
start_pooldns pooldns "$DNS" --source=sqlite --sqlite-path="$DB" --poll-interval-ms=200 \
	--check-ca-file="$MEMBER_CERT" --listen="[::1]:$DNS"

want=$(printf '142.250.180.14\n142.250.180.46\n142.250.181.14\n')
got=$(dig_short "$DNS" google.com)
[ "$got" = "$want" ] || fail "dig google.com: got '$got'"
for proto in +notcp +tcp; do
	got=$("$DIG" @::1 -p "$DNS" +short +time=1 +tries=2 $proto google.com | sort)
	[ "$got" = "$want" ] || fail "dig @::1 $proto google.com: got '$got'"
done
got=$("$DIG" @::1 -p "$DNS" +short +time=1 +tries=2 google.com AAAA)
[ "$got" = "2a00:1450:4001:80b::200e" ] || fail "dig @::1 google.com AAAA: got '$got'"
log "IPv6 listener ([::1]) answers over UDP and TCP"

run_harness --server 127.0.0.1 --port "$DNS" \
	--target standalone --sqlite "$DB" --tls-cert "$MEMBER_CERT" --tls-key "$MEMBER_KEY" \
	"$POOLDNS_SRCDIR"/tests/cases/*.case ||
	fail "harness cases against the standalone server (SQLite source)"

t0=$(now_ms)
sqlite3 "$DB" "INSERT INTO dns_zone_member (dns_zone, host) VALUES (2, '192.0.2.99')" || die "insert"
wait_for 2 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short www.example.com | grep -qx 192.0.2.99" ||
	fail "member added with sqlite3 not answered within 2 s"
log "added member answered after $(( $(now_ms) - t0 )) ms"

stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
