#!/bin/sh
# cache-faults.sh — the cache file going wrong, with the standalone server
# and a fake rqlite node (tests/tools/fakerqlite.c) as the source:
#   1. a bad cache file at start-up while the source is down — cut inside
#      its end line, one member address changed (the checksum no longer
#      matches), random bytes: each is reported once ("cache file
#      ignored: <why>"), nothing is served (REFUSED, no crash); for the cut
#      one the source then comes up and its data is served;
#   2. the cache directory disappears (renamed away) while serving: a data
#      change is still answered, the failed write is logged once however
#      often it is retried (cache-failures in the SIGUSR1 counters reaches
#      2), and when the directory is back the write succeeds, logged once,
#      and the file holds the change;
#   3. cache-file names a FIFO: at start-up with the source down it is
#      ignored without blocking; once the source answers, the writer
#      refuses to replace it (logged once), answers are unaffected, the
#      FIFO is still a FIFO and SIGTERM still exits 0.
# Not /dev/full: the cache is written to a temporary file next to it and
# renamed over it, so a write never goes into /dev/full — pooldns would
# create the temporary file in /dev and, as root, replace the device. The
# FIFO takes the same path through the "not a regular file" guard without
# putting a device of the machine at risk. A full disk itself cannot be
# made without privileges. The directory is renamed away rather than made
# read-only because the tests may run as root, which writes anyway.
# About 30 s.
set -u
. "$(dirname "$0")/lib.sh"

set -- $(freeport 2)
RQ_PORT=$1 DNS=$2
CTL=$T_DIR/control
CACHE_DIR=$T_DIR/cachedir
CACHE=$CACHE_DIR/cache
MEMBERS="192.0.2.1 192.0.2.2"
TOOLS=$POOLDNS_BUILDDIR/tests/tools
mkdir "$CACHE_DIR"

write_ctl() {
	{
		echo "mode ok"
		echo "pool 1 cache.test."
		for m in $MEMBERS; do echo "member 1 $m"; done
	} >"$CTL.new"
	mv "$CTL.new" "$CTL"
}
members_list() { echo $MEMBERS | tr ' ' ','; }
answers() { "$TOOLS/dnsload" -p "$DNS" -d 0 -r 1 -e "$(members_list)" cache.test >/dev/null 2>&1; }
flags() {
	echo "--rqlite-url=http://127.0.0.1:$RQ_PORT --poll-interval-ms=200 --threads=2" \
		"--rqlite-timeout-ms=1000 --cache-file=$1"
}

# A good cache file to damage.
write_ctl
start_fakerqlite fakerq "$RQ_PORT" "$CTL"
# shellcheck disable=SC2046
start_pooldns first "$DNS" $(flags "$CACHE")
wait_for 10 answers || die "cache.test. not answered from the source"
wait_for 10 grep -q '"fnv1a64"' "$CACHE" || die "no cache file written"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
cp "$CACHE" "$T_DIR/good"
stop_pid "$FAKERQ_PID"

# 1. Bad cache files at start-up, the source down.
grep -q '192\.0\.2\.2' "$T_DIR/good" || die "the cache file does not hold 192.0.2.2"
size=$(wc -c <"$T_DIR/good")
for bad in cut checksum random; do
	case $bad in
	cut) head -c $((size - 20)) "$T_DIR/good" >"$CACHE"; why='truncated' ;;
	checksum) sed 's/192\.0\.2\.2/192.0.2.7/' "$T_DIR/good" >"$CACHE"; why='checksum mismatch' ;;
	random) head -c 4096 /dev/urandom >"$CACHE"; why='invalid JSON\|line [0-9]*:' ;;
	esac
	# shellcheck disable=SC2046
	start_pooldns "bad-$bad" "$DNS" $(flags "$CACHE")
	got=$(dig_status "$DNS" cache.test)
	[ "$got" = REFUSED ] || fail "$bad cache: status '$got', want REFUSED (nothing loaded)"
	n=$(grep -c 'cache file ignored' "$T_DIR/bad-$bad.log")
	[ "$n" -eq 1 ] || fail "$bad cache: $n 'cache file ignored' lines, want 1"
	grep 'cache file ignored' "$T_DIR/bad-$bad.log" | grep -q "$why" ||
		fail "$bad cache: the message does not say '$why': $(grep 'cache file ignored' "$T_DIR/bad-$bad.log")"
	kill -0 "$POOLDNS_PID" || die "$bad cache: pooldns died"
	if [ $bad = cut ]; then
		start_fakerqlite fakerq-up "$RQ_PORT" "$CTL"
		wait_for 10 answers || fail "$bad cache: the source's data not served once it came up"
		stop_pid "$FAKERQ_PID"
	fi
	stop_pid "$POOLDNS_PID" || fail "$bad cache: pooldns did not exit 0 on SIGTERM"
	log "$bad cache file: reported and ignored"
done

# 2. The cache directory goes away while serving, and comes back.
rm -f "$CACHE"
start_fakerqlite fakerq-2 "$RQ_PORT" "$CTL"
# shellcheck disable=SC2046
start_pooldns writer "$DNS" $(flags "$CACHE")
wait_for 10 answers || die "cache.test. not answered"
wait_for 10 test -s "$CACHE" || die "no cache file written"
mv "$CACHE_DIR" "$CACHE_DIR.away"
MEMBERS="$MEMBERS 192.0.2.3"
write_ctl
wait_for 10 answers || fail "a change not answered while the cache file cannot be written"
# Retried after 2 s, then 4 s: wait for the second failed attempt.
i=0 cf=0
while [ $i -lt 15 ]; do
	line=$(sigusr1_stats "$POOLDNS_PID" "$T_DIR/writer.log") || break
	cf=$(stat_field "$line" cache-failures)
	[ "$cf" -ge 2 ] && break
	sleep 1
	i=$((i + 1))
done
[ "$cf" -ge 2 ] || fail "cache-failures is $cf after 15 s without a cache directory, want 2 or more"
mv "$CACHE_DIR.away" "$CACHE_DIR"
wait_for 15 grep -q 'cache file .* written again' "$T_DIR/writer.log" ||
	fail "the cache file not written again once its directory was back"
grep -q '192\.0\.2\.3' "$CACHE" || fail "the cache file written again lacks 192.0.2.3"
n=$(grep -c 'cache file not updated' "$T_DIR/writer.log")
[ "$n" -eq 1 ] || fail "$n 'cache file not updated' lines for one failing stretch, want 1"
n=$(grep -c 'written again' "$T_DIR/writer.log")
[ "$n" -eq 1 ] || fail "$n 'written again' lines for one recovery, want 1"
answers || fail "cache.test. not answered after the cache faults"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
stop_pid "$FAKERQ_PID"
log "cache directory away and back: one line each way, serving unaffected"

# 3. A FIFO where the cache file should be.
FIFO=$T_DIR/fifo
mkfifo "$FIFO"
# shellcheck disable=SC2046
start_pooldns fifo "$DNS" $(flags "$FIFO")
got=$(dig_status "$DNS" cache.test)
[ "$got" = REFUSED ] || fail "FIFO cache, source down: status '$got', want REFUSED"
grep 'cache file ignored' "$T_DIR/fifo.log" | grep -q 'not a regular file' ||
	fail "FIFO cache: not reported as 'not a regular file' at start-up"
start_fakerqlite fakerq-3 "$RQ_PORT" "$CTL"
wait_for 10 answers || fail "FIFO cache: the source's data not served"
wait_for 10 grep -q 'cache file not updated.*not a regular file' "$T_DIR/fifo.log" ||
	fail "FIFO cache: the refused write not logged"
answers || fail "FIFO cache: cache.test. not answered"
[ -p "$FIFO" ] || fail "the FIFO was replaced"
stop_pid "$POOLDNS_PID" || fail "FIFO cache: pooldns did not exit 0 on SIGTERM"
n=$(grep -c 'cache file not updated' "$T_DIR/fifo.log")
[ "$n" -eq 1 ] || fail "FIFO cache: $n 'cache file not updated' lines, want 1"
log "FIFO as cache file: ignored, never replaced"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
