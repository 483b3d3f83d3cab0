#!/bin/sh
# sighup-storm.sh — the standalone server (SQLite source, a config file,
# 2 threads) gets a SIGHUP every 10 ms for 10 s (tests/tools/sigpulse)
# while a client (tests/tools/dnsload) asks google.com A over UDP and TCP
# in turn, and the config file's negative-ttl flips between two values
# every 100 ms, so reloads both re-check the data (a poll) and publish new
# answer settings (an RCU swap and grace period). Checked:
#   - every query answered at its first try (bound: zero lost; nothing
#     here loses packets but the server), every answer exactly the
#     pool's three A members;
#   - the server handled the storm (at least 300 "reload done" lines:
#     signals that arrive while a reload runs merge into one, so fewer
#     than the 1,000 sent) and published new answer settings at least
#     10 times;
#   - no crash, VmRSS grows by at most 8 MiB over the storm (a leak of a
#     configuration per reload would pass that in 1,000 reloads; not under
#     ASan, whose quarantine keeps freed memory: there LeakSanitizer checks
#     at exit), and it exits 0 on SIGTERM.
# About 15 s.
set -u
. "$(dirname "$0")/lib.sh"
serialize_load_tests

DNS=$(freeport 1)
DB=$T_DIR/pools.db
CONF=$T_DIR/pooldns.conf
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"

# write_conf TTL: the config file with that negative-ttl, replaced
# atomically (a reload never reads half a file).
write_conf() {
	cat >"$CONF.new" <<EOF
source = sqlite
sqlite-path = $DB
threads = 2
negative-ttl = $1
EOF
	mv "$CONF.new" "$CONF"
}
write_conf 60
start_pooldns pooldns "$DNS" -c "$CONF"
TOOLS=$POOLDNS_BUILDDIR/tests/tools
WANT=142.250.180.14,142.250.180.46,142.250.181.14
"$TOOLS/dnsload" -p "$DNS" -d 500 -T both -e "$WANT" google.com >/dev/null ||
	die "google.com not answered before the storm"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$POOLDNS_PID/status"; }
rss0=$(rss)

(
	i=0
	while [ $i -lt 100 ]; do
		write_conf $((60 + i % 2))
		sleep 0.1
		i=$((i + 1))
	done
) &
flip_pid=$!
T_PIDS="$T_PIDS $flip_pid"
"$TOOLS/sigpulse" -p "$POOLDNS_PID" -i 10 -d 10000 >"$T_DIR/sigpulse.out" 2>&1 &
pulse_pid=$!
T_PIDS="$T_PIDS $pulse_pid"
"$TOOLS/dnsload" -p "$DNS" -d 10000 -i 1 -T both -w 2000 -r 1 -l 0 -e "$WANT" google.com \
	>"$T_DIR/load.out" 2>&1 || fail "queries during the storm: $(cat "$T_DIR/load.out")"
wait "$pulse_pid" || fail "sigpulse: $(cat "$T_DIR/sigpulse.out")"
forget_pid "$pulse_pid"
wait "$flip_pid"
forget_pid "$flip_pid"
log "during the storm: $(cat "$T_DIR/load.out"); signals $(cat "$T_DIR/sigpulse.out")"

kill -0 "$POOLDNS_PID" || die "pooldns died in the SIGHUP storm"
# Let the reloads still queued finish before counting and measuring.
wait_for 10 sh -c "[ \"\$(tail -n 1 '$T_DIR/pooldns.log' | grep -c 'reload done')\" = 1 ]" ||
	fail "reloads still running 10 s after the storm"
rss1=$(rss)
reloads=$(grep -c 'reload done' "$T_DIR/pooldns.log")
published=$(grep -c 'reload: answer settings updated' "$T_DIR/pooldns.log")
log "reloads: $reloads, answer settings published: $published, VmRSS ${rss0} kB -> ${rss1} kB"
[ "$reloads" -ge 300 ] || fail "only $reloads reloads for 1,000 SIGHUPs"
[ "$published" -ge 10 ] || fail "answer settings published only $published times"
rss_bounded "$rss0" "$rss1" $((8 * 1024)) "SIGHUP storm"
"$TOOLS/dnsload" -p "$DNS" -d 300 -T both -e "$WANT" google.com >/dev/null ||
	fail "google.com not answered after the storm"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
