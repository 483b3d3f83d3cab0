#!/bin/sh
# guard.sh — the standalone server's access list, DNS cookies and response
# rate limiting, end to end with dig: an RFC 9018 server cookie comes back
# and is echoed while valid, a malformed COOKIE option gets FORMERR; over
# UDP a flood from one client is cut to the rate with every limited
# response truncated (slip 1), while the same client with a valid server
# cookie, an exempt address or TCP is never limited; the access list
# refuses per address and per listen address, and after a SIGHUP that
# switches acl-deny-action to drop, a denied client gets nothing; the
# counters in the SIGUSR1 statistics match what was sent.
set -u
. "$(dirname "$0")/lib.sh"

DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"

set -- $(freeport 2)
DNS=$1 DNS2=$2
CONF="$T_DIR/pooldns.conf"
write_conf() {
	cat >"$CONF" <<CONF
source = sqlite
sqlite-path = $DB
threads = 1
listen = 127.0.0.1:$DNS
listen = 127.0.0.1:$DNS2
rrl-responses-per-second = 2
rrl-slip = 1
rrl-exempt = 127.0.0.2
acl = deny 127.0.0.3
acl = deny 0.0.0.0/0 on 127.0.0.1:$DNS2
acl-deny-action = $1
CONF
}
write_conf refuse
"$POOLDNS_BUILDDIR/standalone/pooldns" -c "$CONF" >"$T_DIR/pooldns.log" 2>&1 &
POOLDNS_PID=$!
T_PIDS="$T_PIDS $POOLDNS_PID"
wait_for 10 "$DIG" @127.0.0.1 -p "$DNS" +time=1 +tries=1 -b 127.0.0.2 google.com >/dev/null ||
	die "pooldns did not answer"

# ---- cookies --------------------------------------------------------------
CC=2464c4abcf10c957
out=$("$DIG" @127.0.0.1 -p "$DNS" -b 127.0.0.2 +time=1 +tries=1 +cookie=$CC google.com)
full=$(printf '%s\n' "$out" | sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p')
case "$full" in
"$CC"01000000????????????????????????) log "server cookie $full" ;;
*) fail "no RFC 9018 server cookie for client cookie $CC: '$full'" ;;
esac
out=$("$DIG" @127.0.0.1 -p "$DNS" -b 127.0.0.2 +time=1 +tries=1 +cookie="$full" google.com)
printf '%s\n' "$out" | grep -q "^; COOKIE: $full (good)" ||
	fail "a fresh valid server cookie is not echoed: $(printf '%s\n' "$out" | grep COOKIE)"
st=$("$DIG" @127.0.0.1 -p "$DNS" -b 127.0.0.2 +time=1 +tries=1 +cookie=${CC}aa google.com |
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
[ "$st" = FORMERR ] || fail "a 9-byte COOKIE option got '$st', not FORMERR"

# ---- rate limiting: 30 UDP queries from 127.0.0.1, rate 2/s, slip 1 ------
flood() { # flood N ARGS...: prints "answered truncated"
	n=$1
	shift
	a=0 t=0 i=0
	while [ $i -lt "$n" ]; do
		r=$("$DIG" @127.0.0.1 -p "$DNS" +time=1 +tries=1 +ignore "$@" www.example.com 2>/dev/null)
		case "$r" in
		*"flags: qr aa tc"* | *"flags: qr tc"*) t=$((t + 1)) ;;
		*"status: NOERROR"*) a=$((a + 1)) ;;
		esac
		i=$((i + 1))
	done
	echo "$a $t"
}
t0=$(now_ms)
set -- $(flood 30 -b 127.0.0.1 +nocookie)
secs=$(( ($(now_ms) - t0) / 1000 + 1 ))
log "UDP flood: $1 answered, $2 truncated in about $secs s"
[ "$1" -le $((2 * (secs + 1))) ] || fail "$1 answers passed at 2/s in $secs s"
[ $(($1 + $2)) -eq 30 ] || fail "slip 1: every limited response should come back truncated ($1 + $2 of 30)"
[ "$2" -ge 1 ] || fail "nothing was limited"
set -- $(flood 20 -b 127.0.0.1 +cookie="$(
	"$DIG" @127.0.0.1 -p "$DNS" -b 127.0.0.1 +time=1 +tries=1 +tcp +cookie=$CC www.example.com |
		sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p')")
[ "$1" -eq 20 ] || fail "a valid server cookie is rate limited: $1 of 20 answered, $2 truncated"
set -- $(flood 20 -b 127.0.0.2 +nocookie)
[ "$1" -eq 20 ] || fail "an rrl-exempt client is rate limited: $1 of 20 answered"
set -- $(flood 10 -b 127.0.0.1 +nocookie +tcp)
[ "$1" -eq 10 ] || fail "TCP is rate limited: $1 of 10 answered"

# ---- access list ----------------------------------------------------------
st=$("$DIG" @127.0.0.1 -p "$DNS" -b 127.0.0.3 +time=1 +tries=1 google.com |
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
[ "$st" = REFUSED ] || fail "a denied client got '$st', not REFUSED"
st=$("$DIG" @127.0.0.1 -p "$DNS2" -b 127.0.0.2 +time=1 +tries=1 +tcp google.com |
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
[ "$st" = REFUSED ] || fail "a rule for the second listen address: got '$st' over TCP there"
st=$("$DIG" @127.0.0.1 -p "$DNS" -b 127.0.0.2 +time=1 +tries=1 +tcp google.com |
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
[ "$st" = NOERROR ] || fail "that rule also hit the first listen address: '$st'"

write_conf drop
kill -HUP "$POOLDNS_PID"
wait_for 10 sh -c "! '$DIG' @127.0.0.1 -p $DNS -b 127.0.0.3 +time=1 +tries=1 google.com >/dev/null 2>&1" ||
	fail "after SIGHUP with acl-deny-action = drop, a denied client still gets an answer"
st=$("$DIG" @127.0.0.1 -p "$DNS" -b 127.0.0.2 +time=1 +tries=1 google.com |
	sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
[ "$st" = NOERROR ] || fail "after the reload an allowed client got '$st'"

# ---- counters -------------------------------------------------------------
kill -USR1 "$POOLDNS_PID"
wait_for 5 grep -q 'stats: udp=' "$T_DIR/pooldns.log" || die "no statistics on SIGUSR1"
line=$(grep 'stats: udp=' "$T_DIR/pooldns.log" | tail -n 1)
num() { printf '%s\n' "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
[ "$(num cookie-malformed)" -eq 1 ] || fail "cookie-malformed=$(num cookie-malformed), want 1"
[ "$(num cookie-valid)" -ge 21 ] || fail "cookie-valid=$(num cookie-valid), want at least 21"
[ "$(num rrl-slipped)" -ge 1 ] || fail "rrl-slipped=$(num rrl-slipped)"
[ "$(num rrl-dropped)" -eq 0 ] || fail "slip 1 dropped $(num rrl-dropped) responses"
[ "$(num acl-denied)" -ge 3 ] || fail "acl-denied=$(num acl-denied), want at least 3"
log "counters: $(printf '%s\n' "$line" | grep -o 'acl-denied.*')"
exit "$T_FAILED"
