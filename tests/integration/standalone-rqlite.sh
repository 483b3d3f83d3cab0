#!/bin/sh
# standalone-rqlite.sh — end to end against a real rqlited: the standalone
# server loads schema.json + populate_data.json from rqlite, stock dig gets
# the prototype's answer, every harness case passes, a change made with
# curl shows in answers within 2 s, answers continue with rqlited stopped,
# and a restart while rqlited is down serves from the cache file.
set -u
. "$(dirname "$0")/lib.sh"

set -- $(freeport 3)
RQ_HTTP=$1 RQ_RAFT=$2 DNS=$3
RQ="http://127.0.0.1:$RQ_HTTP"
CACHE="$T_DIR/cache.json"

start_rqlited rq1 "$RQ_HTTP" "$RQ_RAFT"
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load"
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"
# Loading both again is idempotent: no error, no change.
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/schema.json" || die "schema.json is not idempotent"
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json is not idempotent"

make_member_cert
POOLDNS_FLAGS="--rqlite-url=$RQ --poll-interval-ms=200 --cache-file=$CACHE --threads=2 --check-ca-file=$MEMBER_CERT"
# shellcheck disable=SC2086
start_pooldns pooldns "$DNS" $POOLDNS_FLAGS

# 1. The prototype's own query through stock dig.
want=$(printf '142.250.180.14\n142.250.180.46\n142.250.181.14\n')
wait_for 5 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $DNS +short google.com | sort)\" = \"$want\" ]" ||
	fail "dig google.com: got '$(dig_short "$DNS" google.com)', want the 3 IPv4 members"
got=$(dig_short "$DNS" google.com AAAA)
[ "$got" = "2a00:1450:4001:80b::200e" ] || fail "dig google.com AAAA: got '$got'"
got=$(dig_status "$DNS" example.org)
[ "$got" = "REFUSED" ] || fail "dig example.org: status $got, want REFUSED"
log "stock dig: google.com A/AAAA and REFUSED checked"

# 2. The harness cases.
run_harness --server 127.0.0.1 --port "$DNS" \
	--target standalone --rqlite "$RQ" --tls-cert "$MEMBER_CERT" --tls-key "$MEMBER_KEY" \
	"$POOLDNS_SRCDIR"/tests/cases/*.case ||
	fail "harness cases against the standalone server (rqlite source)"

# 3. A change made with curl shows within 2 s, without a restart.
t0=$(now_ms)
rqlite_exec "$RQ_HTTP" -d '["INSERT INTO dns_zone_member (dns_zone, host) VALUES (1, '"'"'142.250.182.14'"'"')"]' ||
	die "insert member"
wait_for 2 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short google.com | grep -qx 142.250.182.14" ||
	fail "added member not answered within 2 s"
log "added member answered after $(( $(now_ms) - t0 )) ms"
t0=$(now_ms)
rqlite_exec "$RQ_HTTP" -d '["UPDATE dns_zone_member SET enabled = 0 WHERE host = '"'"'142.250.182.14'"'"'"]' ||
	die "disable member"
wait_for 2 sh -c "! \"$DIG\" @127.0.0.1 -p $DNS +short google.com | grep -qx 142.250.182.14" ||
	fail "disabled member still answered after 2 s"
log "disabled member gone after $(( $(now_ms) - t0 )) ms"
[ -s "$CACHE" ] || fail "cache file $CACHE not written"

# 4. rqlited stops: the last good snapshot keeps answering.
stop_pid "$RQLITED_PID"
sleep 1
got=$(dig_short "$DNS" google.com)
[ "$got" = "$want" ] || fail "with rqlited down: got '$got', want the last good answer"
log "rqlited down: still answering from the last good snapshot"

# 5. Restart pooldns while rqlited is down: it serves from the cache file.
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
# shellcheck disable=SC2086
start_pooldns pooldns-restart "$DNS" $POOLDNS_FLAGS
wait_for 5 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $DNS +short google.com | sort)\" = \"$want\" ]" ||
	fail "restarted with rqlited down: got '$(dig_short "$DNS" google.com)', want the cached answer"
grep -q 'cache' "$T_DIR/pooldns-restart.log" || fail "restart log does not mention the cache file"
log "restart with rqlited down: answering from the cache file"

# 6. A corrupt cache is reported and ignored: nothing served, no crash.
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
printf '{"format":"pooldns-cache","format_version":1,"results":[' >"$CACHE"
# shellcheck disable=SC2086
start_pooldns pooldns-corrupt "$DNS" $POOLDNS_FLAGS
got=$(dig_status "$DNS" google.com)
[ "$got" = "REFUSED" ] || fail "corrupt cache: status $got, want REFUSED (nothing loaded)"
grep -qi 'cache file ignored' "$T_DIR/pooldns-corrupt.log" || fail "corrupt cache not reported"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
