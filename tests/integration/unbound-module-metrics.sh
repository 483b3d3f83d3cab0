#!/bin/sh
# unbound-module-metrics.sh — the metrics and status endpoint inside
# Unbound: a project-built Unbound (UNBOUND_BIN) loads module/pooldns.so,
# whose config (POOLDNS_CONF) reads a SQLite file and sets http-listen.
#   - /healthz and /readyz answer 200; /metrics says frontend="module";
#   - queries the module answers count by rcode, queries it passes on to
#     the iterator count as "passed", each by exactly the number sent, and
#     the pool's query counter moves with the answered ones;
#   - /status.json lists the pools;
#   - an Unbound reload (SIGHUP: deinit, then init) stops and restarts the
#     endpoint on the same port, and it serves again;
#   - Unbound stops cleanly.
set -u
. "$(dirname "$0")/lib.sh"

[ -n "${UNBOUND_BIN:-}" ] ||
	die "UNBOUND_BIN is not set: configure --with-unbound-src=\$(scripts/build-unbound.sh) and run through make check"
[ -x "$UNBOUND_BIN" ] || die "UNBOUND_BIN=$UNBOUND_BIN is not executable"
command -v jq >/dev/null 2>&1 || die "jq not found (scripts/bootstrap.sh installs it)"
MODULE=$POOLDNS_BUILDDIR/module/.libs/pooldns.so
[ -f "$MODULE" ] || MODULE=$POOLDNS_BUILDDIR/module/pooldns.so
[ -f "$MODULE" ] || die "module not built: $MODULE"
SAN_PRELOAD=$(ldd "$MODULE" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { printf "%s ", $3 }')

# shellcheck disable=SC2046
set -- $(freeport 3)
DNS=$1 HTTP=$2 DEAD=$3
BASE="http://127.0.0.1:$HTTP"

DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load into SQLite"
cat >"$T_DIR/pooldns.conf" <<EOF2
source = sqlite
sqlite-path = $DB
poll-interval-ms = 200
http-listen = 127.0.0.1:$HTTP
EOF2
cat >"$T_DIR/unbound.conf" <<EOF2
server:
	interface: 127.0.0.1
	port: $DNS
	do-ip6: no
	num-threads: 2
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$T_DIR"
	pidfile: "$T_DIR/unbound.pid"
	logfile: ""
	use-syslog: no
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "dynlib iterator"
dynlib:
	dynlib-file: "$MODULE"
# Everything the module passes on goes to a closed port.
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$DEAD
EOF2

env POOLDNS_CONF="$T_DIR/pooldns.conf" ${SAN_PRELOAD:+LD_PRELOAD="$SAN_PRELOAD"} \
	ASAN_OPTIONS=detect_leaks=0 "$UNBOUND_BIN" -d -c "$T_DIR/unbound.conf" >"$T_DIR/unbound.log" 2>&1 &
UNBOUND_PID=$!
T_PIDS="$T_PIDS $UNBOUND_PID"
wait_for 15 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $DNS +short +time=1 +tries=1 google.com | wc -l)\" -eq 3 ]" ||
	die "unbound with the module did not answer google.com"

[ "$(http_status "$BASE/healthz")" = 200 ] || fail "/healthz is not 200"
[ "$(curl -s "$BASE/readyz")" = ready ] || fail "/readyz: $(curl -s "$BASE/readyz")"

metric() {
	curl -s --max-time 5 "$BASE/metrics" >"$T_DIR/metrics.txt" || return 1
	awk -v s="$1" 'index($0, s " ") == 1 { v = $2 } END { print v + 0 }' "$T_DIR/metrics.txt"
}
S_ANS='pooldns_queries_total{transport="udp",qtype="A",rcode="NOERROR"}'
S_NX='pooldns_queries_total{transport="udp",qtype="A",rcode="NXDOMAIN"}'
S_PASS='pooldns_queries_total{transport="udp",qtype="TXT",rcode="passed"}'
S_POOL='pooldns_pool_queries_total{pool="google.com."}'
for s in ANS NX PASS POOL; do
	eval "before_$s=\$(metric \"\$S_$s\")"
done
grep -q '^pooldns_build_info{version=".*",frontend="module"} 1$' "$T_DIR/metrics.txt" ||
	fail "no pooldns_build_info with frontend=\"module\""
q() { "$DIG" @127.0.0.1 -p "$DNS" +time=2 +tries=1 "$@" >/dev/null 2>&1; }
for i in 1 2 3 4; do q google.com A; done
q nothing.google.com A
q nothing2.google.com A
# Passed on to a dead forwarder (not under test. or invalid., which Unbound
# answers itself): distinct names, so Unbound merges none.
for i in 1 2 3; do q "passed$i.elsewhere.net" TXT; done
check_delta() {
	eval "b=\$before_$1 want=$2 s=\$S_$1"
	got=$(metric "$s")
	[ $((got - b)) -eq "$want" ] || fail "$s: moved by $((got - b)), want $want"
}
check_delta ANS 4
check_delta NX 2
check_delta PASS 3
check_delta POOL 4
log "module counters moved by exactly the queries sent"

got=$(curl -s "$BASE/status.json" | jq -r '[.pooldns.frontend, .data.source, (.pools_total|tostring)] | join(" ")')
[ "$got" = "module sqlite 5" ] || fail "/status.json: '$got', want 'module sqlite 5'"
[ "$(http_status "$BASE/status?pool=google.com.")" = 200 ] || fail "/status?pool=google.com. is not 200"

# Reload: deinit stops the endpoint, init starts it again on the same port.
kill -HUP "$UNBOUND_PID"
wait_for 15 sh -c "[ \$(grep -c 'pooldns: metrics and status on' '$T_DIR/unbound.log') -eq 2 ]" ||
	fail "the module did not start the endpoint again on reload"
wait_for 15 sh -c "[ \"\$(curl -s --max-time 2 '$BASE/status.json' | jq -r .pools_total)\" = 5 ]" ||
	fail "the endpoint does not serve again after a reload"
kill -0 "$UNBOUND_PID" 2>/dev/null || fail "unbound exited on reload"
[ "$(http_status "$BASE/readyz")" = 200 ] || fail "/readyz after the reload is not 200"

stop_pid "$UNBOUND_PID" || fail "unbound did not exit 0"
grep -q 'pooldns.*cannot start the endpoint' "$T_DIR/unbound.log" &&
	fail "the module could not start the endpoint: $(grep 'cannot start the endpoint' "$T_DIR/unbound.log")"
[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
