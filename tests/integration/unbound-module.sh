#!/bin/sh
# unbound-module.sh — end to end with the Unbound module: a project-built
# Unbound (UNBOUND_BIN, built --with-dynlibmodule by
# scripts/build-unbound.sh) loads module/pooldns.so, which reads pools from
# a real rqlited. Checked, with num-threads: 2, first with
# module-config "dynlib validator iterator", then "dynlib iterator":
#   - pool names answered by the module (AA, pool TTL), every harness case;
#   - every other name passed on: a forward-zone to a second Unbound
#     (upstream.test.) answers through the module's Unbound;
#   - an upstream CNAME (chain) ending at a pool name gets the pool's
#     addresses, not the upstream's or SERVFAIL;
#   - a member disabled in rqlite disappears from answers within 2 s;
#   - a CNAME into a pool whose answer is negative leaves nothing in
#     Unbound's cache: direct queries for the pool name reach the module
#     (AA) and see re-enabled members at once, also with serve-expired;
#   - 100 `unbound-control reload`s under a query loop: every answer right,
#     Unbound stays up, thread count and RSS flat, libcurl never remapped;
#   - rqlited stopped: the last good data keeps answering.
# Before that, a third Unbound ("early", serve-expired: yes, google.com.
# forwarded to the upstream) starts while rqlited is not yet up: the public
# answer it passes on for google.com. must not be cached, so that the pool
# answers as soon as the data arrives.
# The config file is found both ways: next to the module (pooldns.so ->
# pooldns.conf) and through POOLDNS_CONF.
set -u
. "$(dirname "$0")/lib.sh"

[ -n "${UNBOUND_BIN:-}" ] ||
	die "UNBOUND_BIN is not set: configure --with-unbound-src=\$(scripts/build-unbound.sh) and run through make check"
[ -x "$UNBOUND_BIN" ] || die "UNBOUND_BIN=$UNBOUND_BIN is not executable"
UNBOUND_CONTROL=${UNBOUND_CONTROL:-$(dirname "$UNBOUND_BIN")/unbound-control}
[ -x "$UNBOUND_CONTROL" ] || die "unbound-control not found next to $UNBOUND_BIN (set UNBOUND_CONTROL)"
"$UNBOUND_BIN" -V 2>&1 | grep -q 'dynlib' || die "$UNBOUND_BIN was not built with dynlib support"
log "$("$UNBOUND_BIN" -V 2>&1 | sed -n 's/^Version /Unbound /p') ($UNBOUND_BIN)"
MODULE=$POOLDNS_BUILDDIR/module/.libs/pooldns.so
[ -f "$MODULE" ] || MODULE=$POOLDNS_BUILDDIR/module/pooldns.so
[ -f "$MODULE" ] || die "module not built: $MODULE"

# Built with sanitizers: the runtime must be loaded before anything else.
SAN_PRELOAD=$(ldd "$MODULE" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { printf "%s ", $3 }')

# shellcheck disable=SC2046
set -- $(freeport 9)
RQ_HTTP=$1 RQ_RAFT=$2 DNS=$3 CTL=$4 UP_DNS=$5 DEAD=$6 DNS2=$7 EARLY=$8 CTL_EARLY=$9
RQ="http://127.0.0.1:$RQ_HTTP"
POOL3=$(printf '142.250.180.14\n142.250.180.46\n142.250.181.14\n')
PUBLIC_WRONG=198.51.100.99
V4_MEMBERS="'142.250.180.14', '142.250.180.46', '142.250.181.14'"

# The module's config, found next to the module (pooldns.so -> pooldns.conf).
# The https health-check case's members serve a certificate made here,
# which the module trusts as its only CA (verification stays on).
make_member_cert
ln -s "$MODULE" "$T_DIR/pooldns.so"
cat >"$T_DIR/pooldns.conf" <<EOF
# written by $T_NAME
rqlite-url = $RQ
poll-interval-ms = 200
cache-file = $T_DIR/pooldns-cache.json
check-ca-file = $MEMBER_CERT
log-level = info
EOF
# The early Unbound's: same source, no cache file (it must start empty).
grep -v '^cache-file' "$T_DIR/pooldns.conf" >"$T_DIR/early.conf"

# common_conf PORT: the server: clauses every Unbound here shares.
common_conf() {
	cat <<EOF
server:
	interface: 127.0.0.1
	port: $1
	do-ip6: no
	num-threads: 2
	# The module's own order (round_robin's rotation) is what the cases
	# check; Unbound's default per-answer shuffle would randomise it again.
	rrset-roundrobin: no
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$T_DIR"
	logfile: ""
	use-syslog: no
	log-time-ascii: yes
	verbosity: 1
	# allow_snoop: the harness also sends queries without RD, which
	# plain "allow" refuses before any module sees them.
	access-control: 127.0.0.0/8 allow_snoop
	local-zone: "test." nodefault
	do-not-query-localhost: no
EOF
}

# The "rest of the DNS": a plain Unbound serving upstream.test. from
# local data. google.com. here stands for what the public DNS would say,
# which the pool of the same name must override.
{
	common_conf "$UP_DNS"
	cat <<EOF
	pidfile: "$T_DIR/upstream.pid"
	module-config: "iterator"
	local-zone: "upstream.test." static
	local-data: "pass.upstream.test. 300 IN A 192.0.2.200"
	local-data: "alias.upstream.test. 300 IN CNAME google.com."
	local-data: "empty.upstream.test. 300 IN CNAME google.com."
	local-data: "alias6.upstream.test. 300 IN CNAME www.example.com."
	local-data: "chain.upstream.test. 300 IN CNAME alias.upstream.test."
	local-data: "below.upstream.test. 300 IN CNAME cname-target.google.com."
	local-zone: "google.com." static
	local-data: "google.com. 300 IN A $PUBLIC_WRONG"
	local-zone: "example.com." static
EOF
} >"$T_DIR/upstream.conf"

# module_conf PORT CTLPORT MODULE-CONFIG DYNLIB-FILE: Unbound with the module.
module_conf() {
	common_conf "$1"
	cat <<EOF
	pidfile: "$T_DIR/unbound-$1.pid"
	module-config: "$3"
dynlib:
	dynlib-file: "$4"
remote-control:
	control-enable: yes
	control-interface: 127.0.0.1
	control-port: $2
	control-use-cert: no
forward-zone:
	name: "upstream.test."
	forward-addr: 127.0.0.1@$UP_DNS
# Nothing else leaves the machine: the rest of the DNS is a closed port.
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$DEAD
EOF
}

# start_unbound NAME CONF [ENV=VALUE...]: sets UNBOUND_PID; waits until it
# answers pass.upstream.test. (proves it runs and forwards).
start_unbound() {
	name=$1 conf=$2
	shift 2
	port=$(sed -n 's/^[[:space:]]*port: //p' "$conf" | head -n 1)
	env "$@" ${SAN_PRELOAD:+LD_PRELOAD="$SAN_PRELOAD"} ASAN_OPTIONS=detect_leaks=0 \
		"$UNBOUND_BIN" -d -c "$conf" >"$T_DIR/$name.log" 2>&1 &
	UNBOUND_PID=$!
	T_PIDS="$T_PIDS $UNBOUND_PID"
	i=0
	while [ $i -lt 100 ]; do
		if [ "$(dig_short "$port" pass.upstream.test)" = "192.0.2.200" ]; then
			return 0
		fi
		kill -0 "$UNBOUND_PID" 2>/dev/null || die "unbound $name exited at start-up"
		sleep 0.1
		i=$((i + 1))
	done
	die "unbound $name did not answer pass.upstream.test. on port $port"
}

ctl() { "$UNBOUND_CONTROL" -c "$T_DIR/front.conf" "$@"; }

# answer_section PORT NAME TYPE: "owner type rdata" lines of the answer, sorted.
answer_section() {
	"$DIG" @127.0.0.1 -p "$1" +noall +answer +time=2 +tries=2 "$2" "$3" |
		awk '{ print tolower($1), $4, $5 }' | sort
}

# Starts the upstream first: the module's Unbound waits for it to answer.
"$UNBOUND_BIN" -d -c "$T_DIR/upstream.conf" >"$T_DIR/upstream.log" 2>&1 &
UP_PID=$!
T_PIDS="$T_PIDS $UP_PID"
wait_for 10 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $UP_DNS +short pass.upstream.test)\" = 192.0.2.200 ]" ||
	die "upstream unbound did not start"

# ---- Part 0: the early Unbound, up before rqlited (the module has no data).
{
	module_conf "$EARLY" "$CTL_EARLY" "dynlib validator iterator" "$MODULE"
	cat <<EOF
forward-zone:
	name: "google.com."
	forward-addr: 127.0.0.1@$UP_DNS
server:
	serve-expired: yes
EOF
} >"$T_DIR/early-unbound.conf"
start_unbound early "$T_DIR/early-unbound.conf" POOLDNS_CONF="$T_DIR/early.conf"
EARLY_PID=$UNBOUND_PID
grep -q 'pooldns: no pool data after' "$T_DIR/early.log" ||
	fail "early: the module did not start without data"
got=$(dig_short "$EARLY" google.com)
[ "$got" = "$PUBLIC_WRONG" ] ||
	fail "early, no data yet: google.com: got '$got', want the public answer $PUBLIC_WRONG (passed on)"

start_rqlited rq1 "$RQ_HTTP" "$RQ_RAFT"
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load"
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"

# The public answer (TTL 300) was passed on while the module had no data:
# had Unbound cached it, it would be served instead of the pool.
t0=$(now_ms)
if wait_for 10 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $EARLY +short google.com | sort)\" = \"$POOL3\" ]"; then
	log "early: pool answered $(( $(now_ms) - t0 )) ms after the data was loaded" \
		"(the public answer passed on before was not cached)"
else
	fail "early: google.com: got '$(dig_short "$EARLY" google.com)' 10 s after the data was loaded, want the pool (a cached public answer shadows it)"
fi
# Its health checker would double the probes the harness counts; it comes
# back (same config, data from rqlited) for 5b.
stop_pid "$EARLY_PID" || fail "unbound (early) did not exit cleanly on SIGTERM"

# ---- Part 1: "dynlib validator iterator", config next to the module.
module_conf "$DNS" "$CTL" "dynlib validator iterator" "$T_DIR/pooldns.so" >"$T_DIR/front.conf"
start_unbound front "$T_DIR/front.conf"
FRONT_PID=$UNBOUND_PID
grep -q "pooldns: serving data version" "$T_DIR/front.log" ||
	fail "module did not log its first data version at start-up"

# 1. Pool names: answered by the module, AA, the pool TTL.
wait_for 5 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $DNS +short google.com | sort)\" = \"$POOL3\" ]" ||
	fail "google.com A: got '$(dig_short "$DNS" google.com)', want the 3 pool members"
out=$("$DIG" @127.0.0.1 -p "$DNS" +time=2 +tries=2 google.com A)
echo "$out" | grep -q 'flags: qr aa rd ra;' || fail "google.com A: flags are not 'qr aa rd ra'"
echo "$out" | grep -Eq '^google\.com\.[[:space:]]+30[[:space:]]+IN[[:space:]]+A' ||
	fail "google.com A: TTL is not the pool's 30"
got=$(dig_short "$DNS" google.com AAAA)
[ "$got" = "2a00:1450:4001:80b::200e" ] || fail "google.com AAAA: got '$got'"
got=$(dig_status "$DNS" nope.google.com)
[ "$got" = "NXDOMAIN" ] || fail "nope.google.com: status $got, want NXDOMAIN (below a pool)"
got=$("$DIG" @127.0.0.1 -p "$DNS" +noall +authority google.com MX | awk '{ print $4 }')
[ "$got" = "SOA" ] || fail "google.com MX: want NODATA with the SOA in authority, got '$got'"
log "pool names answered by the module (A, AAAA, NXDOMAIN and NODATA with SOA)"

# 2. Pass-through: a name the module does not own reaches the iterator.
got=$(dig_short "$DNS" pass.upstream.test)
[ "$got" = "192.0.2.200" ] || fail "pass.upstream.test: got '$got', want 192.0.2.200 from upstream"
log "pass-through to the next module checked"

# 3. CNAME chains from upstream that end at a pool name.
want=$(printf 'alias.upstream.test. CNAME google.com.\n%s\n' \
	"$(echo "$POOL3" | sed 's/^/google.com. A /')" | sort)
got=$(answer_section "$DNS" alias.upstream.test A)
[ "$got" = "$want" ] || fail "alias.upstream.test A: got
$got
want
$want"
got=$(answer_section "$DNS" chain.upstream.test A)
if ! echo "$got" | grep -q "^chain.upstream.test. CNAME alias.upstream.test.$" ||
	[ "$(echo "$got" | grep -c '^google.com. A ')" -ne 3 ]; then
	fail "chain.upstream.test A (2 CNAMEs): got '$got'"
fi
echo "$got" | grep -q "$PUBLIC_WRONG" && fail "chain.upstream.test: upstream's own google.com. address leaked"
got=$(answer_section "$DNS" alias6.upstream.test AAAA)
want=$(printf 'alias6.upstream.test. CNAME www.example.com.\nwww.example.com. AAAA 2001:db8::10\n')
[ "$got" = "$want" ] || fail "alias6.upstream.test AAAA: got '$got'"
got=$(dig_status "$DNS" below.upstream.test)
[ "$got" = "NXDOMAIN" ] || fail "below.upstream.test (CNAME to a name below a pool): status $got, want NXDOMAIN"
log "CNAME chains into pool names completed with the pool's addresses"

# 4. The harness cases, against the module's Unbound.
HARNESS=$POOLDNS_BUILDDIR/harness/pooldns-harness
if [ -x "$HARNESS" ]; then
	run_harness --server 127.0.0.1 --port "$DNS" --target unbound --rqlite "$RQ" \
		--tls-cert "$MEMBER_CERT" --tls-key "$MEMBER_KEY" \
		"$POOLDNS_SRCDIR"/tests/cases/*.case >"$T_DIR/harness.out" 2>&1 ||
		{ cat "$T_DIR/harness.out"; fail "harness cases against Unbound with the module"; }
	tail -n 3 "$T_DIR/harness.out"
else
	fail "harness not built: $HARNESS"
fi

# 5. A member disabled in rqlite disappears within 2 s.
t0=$(now_ms)
rqlite_exec "$RQ_HTTP" -d '["UPDATE dns_zone_member SET enabled = 0 WHERE host = '"'"'142.250.181.14'"'"'"]' ||
	die "disable member"
wait_for 2 sh -c "! \"$DIG\" @127.0.0.1 -p $DNS +short google.com | grep -qx 142.250.181.14" ||
	fail "disabled member still answered through Unbound after 2 s"
log "disabled member gone through Unbound after $(( $(now_ms) - t0 )) ms"
rqlite_exec "$RQ_HTTP" -d '["UPDATE dns_zone_member SET enabled = 1 WHERE host = '"'"'142.250.181.14'"'"'"]' ||
	die "enable member"
wait_for 2 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short google.com | grep -qx 142.250.181.14" ||
	fail "re-enabled member not answered within 2 s"

# 5b. A CNAME chain ending at a pool with no A members: the negative answer
#     the module primes in Unbound's message cache for the iterator's chase
#     must leave it with that query. Otherwise direct queries for the pool
#     name get that NODATA from the cache (no AA) for the negative TTL, and
#     for ever with serve-expired (the early Unbound, started again).
start_unbound early2 "$T_DIR/early-unbound.conf" POOLDNS_CONF="$T_DIR/early.conf"
EARLY_PID=$UNBOUND_PID
neg_ok=1
rqlite_exec "$RQ_HTTP" -d '["UPDATE dns_zone_member SET enabled = 0 WHERE host IN ('"$V4_MEMBERS"')"]' ||
	die "disable the v4 members"
for port in $DNS $EARLY; do
	wait_for 2 sh -c "[ -z \"\$(\"$DIG\" @127.0.0.1 -p $port +short google.com)\" ]" ||
		{ fail "port $port: google.com A still answered 2 s after its v4 members were disabled"; neg_ok=0; }
	got=$(answer_section "$port" empty.upstream.test A)
	[ "$got" = "empty.upstream.test. CNAME google.com." ] ||
		{ fail "port $port: empty.upstream.test A with no v4 members: got '$got', want the CNAME alone"; neg_ok=0; }
	out=$("$DIG" @127.0.0.1 -p "$port" +time=2 +tries=2 google.com A)
	echo "$out" | grep -q 'flags: qr aa rd ra;' ||
		{ fail "port $port: google.com A after a CNAME into it was answered from Unbound's cache, not by the module: $(echo "$out" | grep 'flags:')"; neg_ok=0; }
done
rqlite_exec "$RQ_HTTP" -d '["UPDATE dns_zone_member SET enabled = 1 WHERE host IN ('"$V4_MEMBERS"')"]' ||
	die "enable the v4 members"
for port in $DNS $EARLY; do
	wait_for 2 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $port +short google.com | sort)\" = \"$POOL3\" ]" ||
		{ fail "port $port: google.com A 2 s after re-enabling its members: got '$(dig_short "$port" google.com)' (a cached NODATA?)"; neg_ok=0; }
done
[ "$neg_ok" -eq 1 ] && log "CNAME into a pool with a negative answer: nothing left in Unbound's cache (also with serve-expired)"
stop_pid "$EARLY_PID" || fail "unbound (early) did not exit cleanly on SIGTERM"

# 6. 100 reloads under a query loop.
proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# libcurl is pinned (never unloaded with the module): its mapping keeps its
# address across reloads.
curl_map() { awk '$6 ~ /\/libcurl[^\/]*\.so/ { print $1, $6; exit }' "/proc/$1/maps"; }
curl0=$(curl_map "$FRONT_PID")
[ -n "$curl0" ] || fail "libcurl not found in /proc/$FRONT_PID/maps"
# Warm up: one reload first so that every lazily created thread exists.
ctl reload >/dev/null || fail "unbound-control reload"
wait_for 5 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $DNS +short google.com | sort)\" = \"$POOL3\" ]" ||
	fail "no pool answer after the first reload"
got=$(curl_map "$FRONT_PID")
[ "$got" = "$curl0" ] || fail "libcurl remapped by a reload: '$curl0' -> '$got'"
threads0=$(proc_field "$FRONT_PID" Threads)
rss0=$(proc_field "$FRONT_PID" VmRSS)

: >"$T_DIR/loop.bad"
(
	n=0 bad=0 lost=0
	while [ ! -f "$T_DIR/loop.stop" ] && [ $n -lt 20000 ]; do
		# A query in flight when Unbound reloads is dropped (Unbound
		# discards its request list on reload, module or not): dig
		# retries, and only its final answer counts. A query passed on
		# to the upstream can still find no answer at all when every
		# try meets a reload; that is counted apart ("lost", bounded
		# below), while any answer that came back must be right.
		got=$("$DIG" @127.0.0.1 -p "$DNS" +short +time=1 +tries=8 google.com | grep -v '^;;' | sort)
		[ "$got" = "$POOL3" ] || { bad=$((bad + 1)); echo "google.com: $got" >>"$T_DIR/loop.bad"; }
		got=$("$DIG" @127.0.0.1 -p "$DNS" +time=1 +tries=8 pass.upstream.test)
		if echo "$got" | grep -Eq '^pass\.upstream\.test\.[[:space:]].*192\.0\.2\.200$'; then
			:
		elif ! echo "$got" | grep -q 'status:'; then
			lost=$((lost + 1))
			echo "pass (no answer): $(echo "$got" | grep -E 'error|timed out|reached' | head -n 1)" >>"$T_DIR/loop.lost"
		else
			bad=$((bad + 1))
			echo "pass: $(echo "$got" | grep -E 'status|error|timed out' | head -n 2)" >>"$T_DIR/loop.bad"
		fi
		n=$((n + 1))
		echo "$n" >"$T_DIR/loop.n"
	done
	echo "$n $bad $lost" >"$T_DIR/loop.result"
) &
LOOP_PID=$!
T_PIDS="$T_PIDS $LOOP_PID"

# 100 reloads, and more (at most 300 in all) until the query loop has
# gone round 5 times: a query that meets a reload waits out dig's 1 s
# try, so how often the loop comes round depends on how fast reloads are.
echo 0 >"$T_DIR/loop.n"
t0=$(now_ms)
i=0 reload_bad=0
while [ $i -lt 100 ] || { [ "$(cat "$T_DIR/loop.n")" -lt 5 ] && [ $i -lt 300 ]; }; do
	ctl reload >/dev/null 2>&1 || reload_bad=$((reload_bad + 1))
	sleep 0.05
	i=$((i + 1))
done
reloads=$i
t1=$(now_ms)
sleep 1
touch "$T_DIR/loop.stop"
wait "$LOOP_PID"
forget_pid "$LOOP_PID"
kill -0 "$FRONT_PID" 2>/dev/null || die "unbound exited during the reloads"
[ "$reload_bad" -eq 0 ] || fail "$reload_bad of $reloads reloads failed"
read -r loops loop_bad loop_lost <"$T_DIR/loop.result"
[ "$loop_bad" -eq 0 ] || fail "$loop_bad wrong answers during reloads: $(sort "$T_DIR/loop.bad" | uniq -c | head -n 5)"
# A pool answer may never go missing. A passed-on query may go unanswered
# only when all 8 of its tries met a reload: at most 2, and one in ten of
# the loop's rounds beyond that (reloads take longer in a sanitizer build,
# so more of the loop's time falls into one).
[ $((loop_lost * 10)) -le $((loops + 20)) ] || fail "$loop_lost passed-on queries unanswered during reloads: $(sort "$T_DIR/loop.lost" | uniq -c | head -n 3)"
[ "$loops" -ge 5 ] || fail "the query loop ran only $loops times during the reloads"
threads1=$(proc_field "$FRONT_PID" Threads)
rss1=$(proc_field "$FRONT_PID" VmRSS)
log "$reloads reloads in $((t1 - t0)) ms under $((loops * 2)) queries ($loop_bad wrong, $loop_lost unanswered):" \
	"threads $threads0 -> $threads1, VmRSS $rss0 -> $rss1 kB"
[ "$threads1" -eq "$threads0" ] || fail "thread count changed over 100 reloads: $threads0 -> $threads1"
# Tolerance 8 MB: allocator arenas of the worker threads settle over the
# first reloads; a per-reload leak of the config, store or poller would
# exceed it.
# (Skipped under ASan, whose quarantine keeps freed memory resident.)
if [ -z "$SAN_PRELOAD" ]; then
	[ $((rss1 - rss0)) -lt 8192 ] || fail "VmRSS grew by $((rss1 - rss0)) kB over 100 reloads"
fi
grep -q 'pooldns: serving data version' "$T_DIR/front.log" || fail "no start-up line after reloads"
got=$(curl_map "$FRONT_PID")
if [ "$got" = "$curl0" ]; then
	log "libcurl mapped at ${curl0%% *} before and after 101 reloads"
else
	fail "libcurl remapped over 100 reloads: '$curl0' -> '$got'"
fi

# 7. rqlited stops: the last good snapshot keeps answering, and a reload
#    (which starts the module afresh) serves from the cache file.
stop_pid "$RQLITED_PID"
sleep 0.5
got=$(dig_short "$DNS" google.com)
[ "$got" = "$POOL3" ] || fail "rqlited down: got '$got', want the last good answer"
ctl reload >/dev/null || fail "reload with rqlited down"
got=$(dig_short "$DNS" google.com)
[ "$got" = "$POOL3" ] || fail "reload with rqlited down: got '$got', want the cached answer"
grep -q 'from the cache file' "$T_DIR/front.log" || fail "reload with rqlited down did not use the cache file"
log "rqlited down: answering from the last good data and, after a reload, the cache file"

stop_pid "$FRONT_PID" || fail "unbound (validator iterator) did not exit cleanly on SIGTERM"

# ---- Part 2: "dynlib iterator", config through POOLDNS_CONF (the cache
# file from part 1; rqlited is still down).
sed 's/^log-level = info/log-level = notice/' "$T_DIR/pooldns.conf" >"$T_DIR/alt.conf"
mv "$T_DIR/pooldns.conf" "$T_DIR/pooldns.conf.unused"
module_conf "$DNS2" "$CTL" "dynlib iterator" "$MODULE" >"$T_DIR/front2.conf"
start_unbound front2 "$T_DIR/front2.conf" POOLDNS_CONF="$T_DIR/alt.conf"
grep -q "config $T_DIR/alt.conf" "$T_DIR/front2.log" || fail "POOLDNS_CONF was not used"
got=$(dig_short "$DNS2" google.com)
[ "$got" = "$POOL3" ] || fail "dynlib iterator: google.com: got '$got'"
got=$(answer_section "$DNS2" alias.upstream.test A | grep -c '^google.com. A ')
[ "$got" -eq 3 ] || fail "dynlib iterator: alias.upstream.test: $got pool addresses, want 3"
log "module-config \"dynlib iterator\" with POOLDNS_CONF checked"
stop_pid "$UNBOUND_PID" || fail "unbound (iterator) did not exit cleanly on SIGTERM"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
