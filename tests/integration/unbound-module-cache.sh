#!/bin/sh
# unbound-module-cache.sh — the module's opt-in answer cache
# (module-cache-ttl): an Unbound with the module (num-threads 1,
# module-config "dynlib iterator", rrset-roundrobin: no) reading pools from
# a SQLite file, module-cache-ttl = 3. Checked:
#   - the first answer comes from the module (AA); repeats within the
#     lifetime come from Unbound's cache (no AA) with the same records in
#     the same order: round_robin does not rotate while an answer is cached;
#   - after the lifetime the module answers again (AA), rotated;
#   - a member disabled in the data is still answered from the cache right
#     after the change, and gone within lifetime + poll interval (+ slack);
#   - a hash-policy pool (the answer depends on the client) is never cached;
#   - the standalone server accepts the key in a file and refuses it as a flag.
# The default (0: no caching, every query reaches the module) is what
# unbound-module.sh checks.
set -u
. "$(dirname "$0")/lib.sh"

[ -n "${UNBOUND_BIN:-}" ] || die "UNBOUND_BIN is not set (configure --with-unbound-src)"
MODULE=$POOLDNS_BUILDDIR/module/.libs/pooldns.so
[ -f "$MODULE" ] || die "module not built: $MODULE"
SAN_PRELOAD=$(ldd "$MODULE" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { printf "%s ", $3 }')
LIFETIME=3
POLL_MS=200

DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"

cat >"$T_DIR/pooldns.conf" <<EOF
source = sqlite
sqlite-path = $DB
poll-interval-ms = $POLL_MS
module-cache-ttl = $LIFETIME
EOF

# The standalone server: the key is read from a file, but it is no flag.
"$POOLDNS_BUILDDIR/standalone/pooldns" -c "$T_DIR/pooldns.conf" --check-config >"$T_DIR/check.out" 2>&1 ||
	fail "pooldns --check-config refused a file with module-cache-ttl: $(cat "$T_DIR/check.out")"
if "$POOLDNS_BUILDDIR/standalone/pooldns" --module-cache-ttl=3 --check-config >"$T_DIR/flag.out" 2>&1; then
	fail "pooldns accepted --module-cache-ttl as a flag"
fi
grep -q "module" "$T_DIR/flag.out" || fail "pooldns --module-cache-ttl: unclear error: $(cat "$T_DIR/flag.out")"

DNS=$(freeport 1)
cat >"$T_DIR/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $DNS
	do-ip6: no
	num-threads: 1
	rrset-roundrobin: no
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$T_DIR"
	pidfile: "$T_DIR/unbound.pid"
	logfile: ""
	use-syslog: no
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	module-config: "dynlib iterator"
dynlib:
	dynlib-file: "$MODULE"
EOF
env POOLDNS_CONF="$T_DIR/pooldns.conf" ${SAN_PRELOAD:+LD_PRELOAD="$SAN_PRELOAD"} \
	ASAN_OPTIONS=detect_leaks=0 "$UNBOUND_BIN" -d -c "$T_DIR/unbound.conf" >"$T_DIR/unbound.log" 2>&1 &
UNBOUND_PID=$!
T_PIDS="$T_PIDS $UNBOUND_PID"
wait_for 20 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +time=1 +tries=1 www.example.com | grep -q 'status: NOERROR'" ||
	die "unbound with the module does not answer www.example.com."

# ask NAME: "<aa|noaa> <the A records in answer order, comma-separated>"
ask() {
	"$DIG" @127.0.0.1 -p "$DNS" +time=1 +tries=2 "$1" A >"$T_DIR/dig.out" 2>&1
	aa=noaa
	grep -q '^;; flags:[a-z ]* aa[ ;]' "$T_DIR/dig.out" && aa=aa
	recs=$(awk '!/^;/ && $4 == "A" { printf "%s%s", sep, $5; sep = "," }' "$T_DIR/dig.out")
	echo "$aa $recs"
}

# Wait for the lifetime of whatever the start-up query left in the cache.
sleep $((LIFETIME + 1))
first=$(ask google.com)
second=$(ask google.com)
third=$(ask google.com)
case "$first" in
aa\ *,*,*) ;;
*) fail "first answer for google.com. not from the module with 3 members: '$first'" ;;
esac
[ "$second" = "noaa ${first#aa }" ] ||
	fail "a repeat within the lifetime is not the cached answer: '$first' then '$second'"
[ "$third" = "$second" ] || fail "cached answers differ: '$second' then '$third'"
log "within the lifetime: '$first', then from the cache: '$second'"

sleep $((LIFETIME + 1))
later=$(ask google.com)
case "$later" in
aa\ *) ;;
*) fail "after the lifetime the answer did not come from the module: '$later'" ;;
esac
[ "${later#aa }" != "${first#aa }" ] ||
	fail "round_robin did not rotate between two module answers: '$first', '$later'"
log "after the lifetime, from the module again, rotated: '$later'"

# A data change: cached answers keep the old member until the lifetime
# ends; then the module's answer (after the next poll) drops it.
sleep $((LIFETIME + 1))
fresh=$(ask google.com)
case "$fresh" in
*142.250.181.14*) ;;
*) fail "member 142.250.181.14 missing before it was disabled: '$fresh'" ;;
esac
t0=$(now_ms)
sqlite3 "$DB" "UPDATE dns_zone_member SET enabled = 0 WHERE host = '142.250.181.14'" || die "update"
stale=$(ask google.com)
case "$stale" in
noaa\ *142.250.181.14*) ;;
*) fail "right after the change the answer is not the cached one: '$stale'" ;;
esac
gone() { ! ask google.com | grep -q '142\.250\.181\.14'; }
if wait_for $((LIFETIME + 3)) gone; then
	took=$(( $(now_ms) - t0 ))
	log "disabled member gone after $took ms (lifetime $LIFETIME s, poll $POLL_MS ms)"
else
	fail "disabled member still answered after $((LIFETIME + 3)) s"
fi

# hash: the selection depends on the client, so it is never cached.
h1=$(ask hash.example.com)
h2=$(ask hash.example.com)
case "$h1 / $h2" in
aa\ *" / aa "*) log "hash-policy pool answered by the module every time: '$h1'" ;;
*) fail "hash-policy pool answered from the cache: '$h1' then '$h2'" ;;
esac

kill -0 "$UNBOUND_PID" 2>/dev/null || fail "unbound exited"
stop_pid "$UNBOUND_PID" || true
[ "$T_FAILED" -eq 0 ] && log "all checks passed"
exit "$T_FAILED"
