#!/bin/sh
# metrics.sh — the metrics and status endpoint of the standalone server,
# end to end: a SQLite source with a pool whose two members are fake http
# backends (bench/tools/fakemembers), the server with --http-listen, then
#   - /healthz and /readyz answer 200; a second server without data
#     answers /readyz 503 with its reason and shows data version -1;
#   - a known number of queries by qtype, rcode and transport (dig) moves
#     pooldns_queries_total, the pool's query counter and the TCP
#     connection counter by exactly that much;
#   - /status.json shows both members up, probed, with their reason;
#   - one backend stopped: within the check timing the member is down in
#     /status.json (with a "connect" reason and a transition time) and in
#     /metrics, and it leaves the answers;
#   - bad requests get 400, 404 and 405.
set -u
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || die "jq not found (scripts/bootstrap.sh installs it)"
# shellcheck disable=SC2046
set -- $(freeport 5)
DNS=$1 HTTP=$2 MP=$3 DNS2=$4 HTTP2=$5
BASE="http://127.0.0.1:$HTTP"
# interval 200 ms, fall 2: a dead member is down within about 0.6 s.
INTERVAL=200 FALL=2

DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite3 "$DB" "INSERT INTO dns_zone (id, name, policy, check_type, check_port, check_interval_ms, check_timeout_ms, check_rise, check_fall)
	VALUES (1, 'web.test.', 'all', 'http', $MP, $INTERVAL, 500, 1, $FALL);
	INSERT INTO dns_zone_member (dns_zone, host) VALUES (1, '127.1.0.1'), (1, '127.1.0.2'), (1, '2001:db8::1');
	INSERT INTO dns_zone (id, name) VALUES (2, 'plain.test.');
	INSERT INTO dns_zone_member (dns_zone, host, enabled) VALUES (2, '192.0.2.1', 1), (2, '192.0.2.2', 0);" ||
	die "test data did not load"

start_fakemember m1 127.1.0.1 "$MP"
start_fakemember m2 127.1.0.2 "$MP"
M2_PID=$FAKEMEMBER_PID

start_pooldns pooldns "$DNS" --source=sqlite --sqlite-path="$DB" --poll-interval-ms=200 \
	--threads=2 --http-listen="127.0.0.1:$HTTP" --http-metrics-pools=10
grep -q "metrics and status on http://127.0.0.1:$HTTP/" "$T_DIR/pooldns.log" ||
	fail "no log line for the endpoint"

[ "$(http_status "$BASE/healthz")" = 200 ] || fail "/healthz is not 200"
[ "$(curl -s "$BASE/readyz")" = ready ] || fail "/readyz: $(curl -s "$BASE/readyz")"

# metric NAME{LABELS}: the value of one sample of the current /metrics (0 if absent).
metric() {
	curl -s --max-time 5 "$BASE/metrics" >"$T_DIR/metrics.txt" || return 1
	awk -v s="$1" 'index($0, s " ") == 1 { v = $2 } END { print v + 0 }' "$T_DIR/metrics.txt"
}

# The counters before, the queries, the counters after: deltas are exact
# whatever start_pooldns sent to see the server answer.
S_A='pooldns_queries_total{transport="udp",qtype="A",rcode="NOERROR"}'
S_AAAA='pooldns_queries_total{transport="udp",qtype="AAAA",rcode="NOERROR"}'
S_TXT='pooldns_queries_total{transport="udp",qtype="TXT",rcode="NOERROR"}'
S_REF='pooldns_queries_total{transport="udp",qtype="A",rcode="REFUSED"}'
S_NX='pooldns_queries_total{transport="udp",qtype="MX",rcode="NXDOMAIN"}'
S_TCP='pooldns_queries_total{transport="tcp",qtype="A",rcode="NOERROR"}'
S_POOL='pooldns_pool_queries_total{pool="web.test."}'
S_CONN='pooldns_tcp_connections_total'
for s in A AAAA TXT REF NX TCP POOL CONN; do
	eval "before_$s=\$(metric \"\$S_$s\")"
done
q() { "$DIG" @127.0.0.1 -p "$DNS" +time=2 +tries=1 "$@" >/dev/null || fail "dig $*"; }
for i in 1 2 3 4 5; do q web.test A; done
for i in 1 2 3; do q web.test AAAA; done
for i in 1 2; do q web.test TXT; done
for i in 1 2 3 4; do q elsewhere.invalid A; done
q below.web.test MX
for i in 1 2; do q +tcp web.test A; done
check_delta() {
	eval "b=\$before_$1 want=$2 s=\$S_$1"
	got=$(metric "$s")
	[ $((got - b)) -eq "$want" ] || fail "$s: moved by $((got - b)), want $want"
}
check_delta A 5
check_delta AAAA 3
check_delta TXT 2
check_delta REF 4
check_delta NX 1
check_delta TCP 2
check_delta POOL 12
check_delta CONN 2
log "query counters moved by exactly the queries sent"

metric pooldns_pools >/dev/null
grep -qx 'pooldns_pools 2' "$T_DIR/metrics.txt" || fail "pooldns_pools is not 2"
grep -qx 'pooldns_members{state="disabled"} 1' "$T_DIR/metrics.txt" || fail "one disabled member expected"
grep -q '^pooldns_data_source_info{kind="sqlite",node="'"$DB"'"} 1$' "$T_DIR/metrics.txt" ||
	fail "pooldns_data_source_info does not name $DB"
grep -qx 'pooldns_ready 1' "$T_DIR/metrics.txt" || fail "pooldns_ready is not 1"
grep -q '^pooldns_build_info{version=".*",frontend="standalone"} 1$' "$T_DIR/metrics.txt" ||
	fail "no pooldns_build_info"
[ "$(grep -c '^# TYPE ' "$T_DIR/metrics.txt")" -eq "$(grep -c '^# HELP ' "$T_DIR/metrics.txt")" ] ||
	fail "HELP and TYPE lines do not pair"

# member_json ADDR: that member's object in /status.json, compact.
member_json() {
	curl -s --max-time 5 "$BASE/status.json?pool=web.test." |
		jq -c --arg a "$1" '.pools[0].members[] | select(.address == $a)'
}
m=$(member_json 127.1.0.2)
[ "$(echo "$m" | jq -r '.state + " " + (.probed|tostring) + " " + .reason')" = "up true HTTP 200" ] ||
	fail "127.1.0.2 before: $m"
[ "$(curl -s "$BASE/status.json" | jq -r '.data.source + " " + (.data.version|tostring)')" = \
	"sqlite $(sqlite3 "$DB" "SELECT value FROM pooldns_meta WHERE key = 'data_version'")" ] ||
	fail "status.json data: $(curl -s "$BASE/status.json" | jq -c .data)"

# One backend goes away: down within interval x fall + an interval (+ slack).
t0=$(now_ms)
stop_pid "$M2_PID"
wait_for 3 sh -c "curl -s '$BASE/status.json?pool=web.test.' | jq -e '.pools[0].members[] | select(.address == \"127.1.0.2\" and .state == \"down\")' >/dev/null" ||
	fail "127.1.0.2 not down in /status.json within 3 s"
took=$(( $(now_ms) - t0 ))
log "stopped backend shown down after $took ms"
[ "$took" -le $(( INTERVAL * FALL + INTERVAL + 1000 )) ] || fail "down only after $took ms"
m=$(member_json 127.1.0.2)
echo "$m" | jq -e '.reason | test("connect")' >/dev/null || fail "reason of the down member: $m"
echo "$m" | jq -e '.since | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' >/dev/null ||
	fail "no transition time: $m"
[ "$(member_json 127.1.0.1 | jq -r .state)" = up ] || fail "127.1.0.1 is not up"
[ "$(member_json 2001:db8::1 | jq -r .state)" = down ] ||
	fail "2001:db8::1 has no backend but is not down: $(member_json 2001:db8::1)"
metric pooldns_pools >/dev/null
grep -qx 'pooldns_member_up{pool="web.test.",member="127.1.0.2"} 0' "$T_DIR/metrics.txt" ||
	fail "pooldns_member_up for 127.1.0.2 is not 0"
grep -qx 'pooldns_member_up{pool="web.test.",member="127.1.0.1"} 1' "$T_DIR/metrics.txt" ||
	fail "pooldns_member_up for 127.1.0.1 is not 1"
[ "$(metric 'pooldns_health_probes_total{result="connect"}')" -gt 0 ] ||
	fail "no probe counted as connect"
[ "$(metric 'pooldns_health_probe_duration_seconds_count')" -gt 0 ] ||
	fail "empty probe duration histogram"
got=$(dig_short "$DNS" web.test)
[ "$got" = 127.1.0.1 ] || fail "web.test answers '$got' with 127.1.0.2 down"

# Bad requests.
for case in "400 /status?page=abc" "400 /status?page=0" "404 /status?page=99" \
	"400 /metrics?x=1" "404 /nope" "404 /status.json?pool=nope.test." \
	"400 /status?pool=a..b" "200 /status?pool=WEB.test" "200 /status"; do
	want=${case%% *} path=${case#* }
	got=$(http_status "$BASE$path")
	[ "$got" = "$want" ] || fail "GET $path: $got, want $want"
done
got=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/metrics")
[ "$got" = 405 ] || fail "POST /metrics: $got, want 405"

# Without data: not ready, with the reason.
DEAD=$(freeport 1)
start_pooldns nodata "$DNS2" --rqlite-url="http://127.0.0.1:$DEAD" --poll-interval-ms=200 \
	--http-listen="127.0.0.1:$HTTP2"
NODATA_PID=$POOLDNS_PID
[ "$(http_status "http://127.0.0.1:$HTTP2/readyz")" = 503 ] || fail "/readyz without data is not 503"
curl -s "http://127.0.0.1:$HTTP2/readyz" | grep -q '^not ready: no data yet' ||
	fail "/readyz without data: $(curl -s "http://127.0.0.1:$HTTP2/readyz")"
curl -s "http://127.0.0.1:$HTTP2/metrics" | grep -qx 'pooldns_data_version -1' ||
	fail "pooldns_data_version without data is not -1"
[ "$(http_status "http://127.0.0.1:$HTTP2/healthz")" = 200 ] || fail "/healthz without data is not 200"
stop_pid "$NODATA_PID" || fail "pooldns without data did not exit 0 on SIGTERM"

stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
