#!/bin/sh
# sd-notify.sh — the standalone server speaks systemd's notification
# protocol (Type=notify): READY=1 once it answers, RELOADING=1 then READY=1
# around a SIGHUP reload, STOPPING=1 at SIGTERM, STATUS= lines with the
# data version; and a NOTIFY_SOCKET that cannot be reached is a start-up
# error. tests/tools/notify-listen stands in for systemd. Needs no root.
set -u
. "$(dirname "$0")/lib.sh"

DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"

SOCK="$T_DIR/notify"
MSGS="$T_DIR/notify.out"
"$POOLDNS_BUILDDIR/tests/tools/notify-listen" "$SOCK" 120 >"$MSGS" 2>"$T_DIR/notify-listen.log" &
T_PIDS="$T_PIDS $!"
wait_for 5 test -S "$SOCK" || die "notify-listen did not create $SOCK"

# count LINE: how many messages hold that exact line.
count() { grep -cx "$1" "$MSGS"; }

DNS=$(freeport 1)
NOTIFY_SOCKET="$SOCK"
export NOTIFY_SOCKET
start_pooldns pooldns "$DNS" --source=sqlite --sqlite-path="$DB" --poll-interval-ms=200
unset NOTIFY_SOCKET

wait_for 5 grep -qx 'READY=1' "$MSGS" || fail "no READY=1 after start-up"
grep -q '^STATUS=serving; data version [0-9]*, source up$' "$MSGS" ||
	fail "no STATUS line with the data version: $(cat "$MSGS")"
[ "$(dig_short "$DNS" google.com | wc -l)" -eq 3 ] || fail "not answering after READY=1"
log "READY=1 with STATUS after start-up"

sqlite3 "$DB" "INSERT INTO dns_zone_member (dns_zone, host) VALUES (2, '192.0.2.77')" || die "insert"
kill -HUP "$POOLDNS_PID"
wait_for 5 sh -c "[ \$(grep -cx READY=1 '$MSGS') -ge 2 ]" || fail "no READY=1 after SIGHUP"
[ "$(count 'RELOADING=1')" -eq 1 ] || fail "RELOADING=1 sent $(count 'RELOADING=1') times, want 1"
# RELOADING=1 comes between the two READY=1.
order=$(grep -x -e 'READY=1' -e 'RELOADING=1' "$MSGS" | tr '\n' ' ')
[ "$order" = "READY=1 RELOADING=1 READY=1 " ] || fail "order of messages: $order"
grep -q '^STATUS=reloaded; data version' "$MSGS" || fail "no STATUS after the reload"
wait_for 3 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short www.example.com | grep -qx 192.0.2.77" ||
	fail "not serving the new member after the reload"
log "RELOADING=1, READY=1 around SIGHUP"

stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
wait_for 3 grep -qx 'STOPPING=1' "$MSGS" || fail "no STOPPING=1 at SIGTERM"
log "STOPPING=1 at SIGTERM"

# A NOTIFY_SOCKET nobody listens on: the service manager would wait in
# vain, so pooldns refuses to start.
NOTIFY_SOCKET="$T_DIR/nobody-listens" "$POOLDNS_BUILDDIR/standalone/pooldns" \
	--listen="127.0.0.1:$DNS" --source=sqlite --sqlite-path="$DB" >"$T_DIR/bad.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "unreachable NOTIFY_SOCKET: exit $rc, want 1"
grep -q "NOTIFY_SOCKET=$T_DIR/nobody-listens: No such file or directory" "$T_DIR/bad.log" ||
	fail "unreachable NOTIFY_SOCKET: message: $(cat "$T_DIR/bad.log")"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
