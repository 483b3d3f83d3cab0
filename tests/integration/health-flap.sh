#!/bin/sh
# health-flap.sh — a member whose health check flaps: its fake HTTP
# endpoint (tests/tools/flapcheck) answers 503 and 200 in turn, one second
# each, for 30 s (30 transitions; the brief's "every second for a minute"
# at half the length: the rule is per transition, so 30 show it as well
# as 60). The pool checks every 100 ms with rise 2 and fall 2, so a
# change shows in answers within about 300 ms. Its other member is always
# up. Checked:
#   - answers follow health (flapcheck): every answer holds the stable
#     member and nothing foreign; an answer to a query sent 600 ms or more
#     into a phase (twice the check timing, for a loaded machine) holds the
#     flapping member exactly when it is up; at least one such answer per
#     phase;
#   - no log flood: exactly one log line per transition (the lines of the
#     flapping member equal the health transitions counter of SIGUSR1),
#     between 28 and 31 of them (one per flip; the first flip may be
#     caught before the first probe, the last one after the end), none
#     for the stable member beyond its first check;
#   - no crash: the server still answers, and exits 0 on SIGTERM.
# About 35 s.
set -u
. "$(dirname "$0")/lib.sh"
serialize_load_tests

set -- $(freeport 2)
DNS=$1 HTTP=$2
# Loopback addresses no harness case uses (they use 127.0-3.x.y).
STABLE=127.200.0.1
FLAP=127.200.0.2
DB=$T_DIR/pools.db
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load"
sqlite3 -bail "$DB" "
INSERT INTO dns_zone (name, policy, fallback, check_type, check_port, check_interval_ms,
	check_timeout_ms, check_rise, check_fall)
	VALUES ('flap.test.', 'all', 'all', 'http', $HTTP, 100, 500, 2, 2);
INSERT INTO dns_zone_member (dns_zone, host) SELECT id, '$STABLE' FROM dns_zone WHERE name = 'flap.test.';
INSERT INTO dns_zone_member (dns_zone, host) SELECT id, '$FLAP' FROM dns_zone WHERE name = 'flap.test.';
" || die "pool flap.test. not created"

"$POOLDNS_BUILDDIR/tests/tools/flapcheck" -p "$DNS" -P "$HTTP" -S "$STABLE" -F "$FLAP" \
	-t 1000 -d 30000 -s 600 flap.test >"$T_DIR/flapcheck.out" 2>"$T_DIR/flapcheck.err" &
flap_pid=$!
T_PIDS="$T_PIDS $flap_pid"
wait_for 5 grep -q ready "$T_DIR/flapcheck.out" || die "flapcheck did not start: $(cat "$T_DIR/flapcheck.err")"
start_pooldns pooldns "$DNS" --source=sqlite --sqlite-path="$DB" --threads=2
wait "$flap_pid" || fail "answers did not follow health: $(cat "$T_DIR/flapcheck.out" "$T_DIR/flapcheck.err")"
forget_pid "$flap_pid"
log "flapcheck: $(tail -n 1 "$T_DIR/flapcheck.out")"

kill -0 "$POOLDNS_PID" || die "pooldns died"
line=$(sigusr1_stats "$POOLDNS_PID" "$T_DIR/pooldns.log") || die "no stats line"
wait_for 5 grep -q 'stats: health' "$T_DIR/pooldns.log" || die "no health stats line"
health=$(grep 'stats: health' "$T_DIR/pooldns.log" | tail -n 1)
transitions=$(stat_field "$health" transitions)
# The log up to that counter line: what the counter counted. flapcheck,
# which serves both members, has exited by then, so the last probes may
# already have found them gone ("connect failed"): those transitions are
# counted and logged like any other, but are not flaps of the member.
awk '{ print } /stats: health/ { exit }' "$T_DIR/pooldns.log" >"$T_DIR/counted.log"
lines=$(grep -c "flap.test. $FLAP: \(up -> down\|down -> up\)" "$T_DIR/counted.log")
flap_gone=$(grep "flap.test. $FLAP: up -> down" "$T_DIR/counted.log" | grep -c 'connect failed')
stable_lines=$(grep "flap.test. $STABLE: " "$T_DIR/counted.log" | grep -v 'new -> up' | grep -vc 'connect failed')
log "transitions counted: $transitions, logged: $lines, stable member lines: $stable_lines"
stable_gone=$(grep "flap.test. $STABLE: up -> down" "$T_DIR/counted.log" | grep -c 'connect failed')
[ $((lines + stable_gone)) -eq "$transitions" ] ||
	fail "$((lines + stable_gone)) transition lines for $transitions transitions"
flips=$((lines - flap_gone))
[ "$flips" -ge 28 ] && [ "$flips" -le 31 ] || fail "$flips transition lines for 30 flips (want 28..31)"
[ "$stable_lines" -eq 0 ] || fail "$stable_lines lines about the stable member"
dig_status "$DNS" flap.test | grep -q NOERROR || fail "flap.test. not answered after the flapping"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
