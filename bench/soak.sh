#!/bin/sh
# soak.sh — pooldns under steady load for a long time, with members flapping
# and the database changing: does anything grow, fail or go missing?
#
# Set-up:
#   data     POOLS pools × 4 members (bench/scale-data.sh: p0000001.scale.
#            example. ...) in a fresh rqlited. The first CHECKED pools are
#            health-checked over HTTP (every 250 ms, timeout 200 ms, rise 2,
#            fall 2, fallback none), their members are loopback addresses
#            served by bench/tools/fakemembers, and the first member of each
#            of them flaps: 503 for FLAP_MS, 200 for FLAP_MS, all the run.
#   server   standalone pooldns from rqlite (poll every 500 ms, the default),
#            one DNS thread, cache file on, the metrics endpoint on, pinned
#            to CPU SERVER_CPU; everything else on CPU CLIENT_CPU.
#   maximum  first, loadgen flat out for 10 s (window 512) measures the
#            server's maximum; the soak then runs at RATE_PCT (50) % of it.
#   load     bench/tools/loadgen paced at that rate, over every checked pool
#            and as many other pools, in back-to-back slices of SLICE s
#            until DURATION s have passed.
#   writes   once a second an rqlite /db/execute changes the address of the
#            last member of the last pool (never checked); bench/tools/
#            dnswait then asks pooldns for that pool every 20 ms until the
#            new address is in the answer (at most 5 s): the time from
#            before the write to that answer is the write's latency.
#
# Each slice gives one row: queries sent, answered, lost (no answer within
# 1 s), answers other than NOERROR, p99 latency, pooldns' RSS and open file
# descriptors at its end, the health transitions logged in it, and the writes
# made and their latency. The summary gives the totals, the RSS at the end of
# the first slice, at the end and at its highest (VmHWM), and the write
# latencies' p50/p99/max. The script fails if pooldns dies; the numbers
# themselves are the result (bench/RESULTS.md), not a pass mark.
#
# Environment (defaults): DURATION=1800 SLICE=60 POOLS=10000 CHECKED=100
# FLAP_MS=1000 RATE_PCT=50 RATE= (a fixed rate instead of the measured
# maximum's RATE_PCT) SERVER_CPU=0 CLIENT_CPU=1 RT= (on a machine with other
# work: a SCHED_FIFO priority for pooldns, e.g. 20, with chrt -f; everything
# else then runs at nice -10; needs root)
# BUILDDIR=. (the build tree: standalone/pooldns, bench/tools/) RQLITED=
# (.deps/rqlite/bin/rqlited) KEEP=0.
#
# Usage: BUILDDIR=build/dev bench/soak.sh
set -u
. "$(dirname "$0")/lib.sh"
. "$B_TOP/bench/scale-data.sh"

DURATION=${DURATION:-1800}
SLICE=${SLICE:-60}
POOLS=${POOLS:-10000}
CHECKED=${CHECKED:-100}
FLAP_MS=${FLAP_MS:-1000}
RATE_PCT=${RATE_PCT:-50}
RATE=${RATE:-}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
RT=${RT:-}
BUILDDIR=${BUILDDIR:-$B_TOP}
case "$BUILDDIR" in /*) ;; *) BUILDDIR=$B_TOP/$BUILDDIR ;; esac
POOLDNS=$BUILDDIR/standalone/pooldns
LOADGEN=$BUILDDIR/bench/tools/loadgen
FAKEMEMBERS=$BUILDDIR/bench/tools/fakemembers
DNSWAIT=$BUILDDIR/bench/tools/dnswait

for t in dig sqlite3 curl taskset awk; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap.sh)"
done
for f in "$POOLDNS" "$LOADGEN" "$FAKEMEMBERS" "$DNSWAIT"; do
	[ -x "$f" ] || die "$f not built (make in $BUILDDIR)"
done
[ -x "$RQLITED" ] || die "rqlited not found at '$RQLITED' (scripts/bootstrap.sh, or RQLITED=)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server and clients pinned apart)"
[ "$CHECKED" -ge 1 ] && [ "$CHECKED" -lt "$POOLS" ] || die "CHECKED must be 1 .. POOLS-1"
[ $((CHECKED * 4)) -le 65536 ] || die "CHECKED above 16384"
[ "$DURATION" -ge "$SLICE" ] || die "DURATION below SLICE"

PIN_SRV="taskset -c $SERVER_CPU"
PIN_CLI="taskset -c $CLIENT_CPU"
LOADGEN_RUN="$PIN_CLI $LOADGEN"
MACHINE=$(machine_info) # before this shell is pinned to one CPU
# everything this script starts from here on runs on the client CPU
taskset -pc "$CLIENT_CPU" $$ >/dev/null || die "taskset failed"
if [ -n "$RT" ]; then
	# pooldns real-time; the rest (loadgen, rqlited, the members, the
	# writer) at nice -10, not real-time: a real-time loadgen would starve
	# them on its CPU, and be throttled itself, losing answers in its
	# socket buffers
	PIN_SRV="chrt -f $RT $PIN_SRV"
	renice -n -10 -p $$ >/dev/null || die "renice failed (RT needs root)"
fi
# shellcheck disable=SC3045 # fakemembers holds a socket per member
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# ---- members ------------------------------------------------------------------

FIRST_MEMBER=127.1.0.1 # member m of the checked pools is 127.1.0.0 + m
bg_start fakemembers "$FAKEMEMBERS" -a "$FIRST_MEMBER" -n $((CHECKED * 4)) -f "$FLAP_MS" -k 4
FM_PID=$BG_PID
i=0
while ! grep -q '^ready' "$B_DIR/fakemembers.log" && [ $i -lt 100 ]; do
	kill -0 "$FM_PID" 2>/dev/null || die "fakemembers died"
	sleep 0.1
	i=$((i + 1))
done
FM_PORT=$(sed -n 's/^port //p' "$B_DIR/fakemembers.log")
[ -n "$FM_PORT" ] || die "fakemembers did not start"

# ---- data ---------------------------------------------------------------------

DB=$B_DIR/soak.db
scale_make_db "$DB" "$POOLS" "$B_TOP/schema.json" || die "building the data failed"
sqlite3 -bail "$DB" "
UPDATE dns_zone SET check_type = 'http', check_port = $FM_PORT, check_path = '/health',
	check_interval_ms = 250, check_timeout_ms = 200, check_rise = 2, check_fall = 2,
	fallback = 'none'
	WHERE id <= $CHECKED;
UPDATE dns_zone_member SET host = printf('127.1.%d.%d', id >> 8, id & 255)
	WHERE dns_zone <= $CHECKED;
" || die "making the checked pools failed"

# shellcheck disable=SC2046 # two ports, one a line
set -- $(freeport 2)
RQ_URL=http://127.0.0.1:$1
bg_start rqlited "$RQLITED" -fk -node-id soak -http-addr "127.0.0.1:$1" \
	-raft-addr "127.0.0.1:$2" "$B_DIR/rqlite"
scale_rqlite_ready "$RQ_URL" || die "rqlited did not become ready"
scale_rqlite_load "$RQ_URL" "$DB" 300 || die "loading the pools into rqlited failed"

# the query mix: every checked pool, and as many unchecked ones
QUERIES=$B_DIR/queries
awk -v c="$CHECKED" -v n="$POOLS" 'BEGIN {
	srand(20261126)
	for (i = 1; i <= c; i++) printf "p%07d.scale.example. A\n", i
	for (i = 1; i <= c; i++) printf "p%07d.scale.example. A\n", c + 1 + int(rand() * (n - c))
}' >"$QUERIES"

# ---- server -------------------------------------------------------------------

# shellcheck disable=SC2046 # two ports, one a line
set -- $(freeport 2)
DNS_PORT=$1
HTTP_PORT=$2
# shellcheck disable=SC2086
bg_start pooldns $PIN_SRV "$POOLDNS" --threads=1 --listen="127.0.0.1:$DNS_PORT" \
	--source=rqlite --rqlite-url="$RQ_URL" --cache-file="$B_DIR/cache.json" \
	--http-listen="127.0.0.1:$HTTP_PORT" --log-level=notice
SRV_PID=$BG_PID
wait_dns "$DNS_PORT" "$SRV_PID" p0000001.scale.example. || die "pooldns did not answer"
# every checked pool answers once its members have been found up
i=0
until [ -n "$(dig @127.0.0.1 -p "$DNS_PORT" +short +time=1 +tries=1 \
	"$(scale_pool_name "$CHECKED")" A 2>/dev/null)" ]; do
	[ $i -lt 200 ] || die "the checked pools never answered"
	kill -0 "$SRV_PID" 2>/dev/null || die "pooldns died"
	sleep 0.1
	i=$((i + 1))
done

# ---- the maximum, and the rate ---------------------------------------------------

if [ -z "$RATE" ]; then
	# shellcheck disable=SC2086
	$LOADGEN_RUN -p "$DNS_PORT" -d "$QUERIES" -l 10 -q 512 >"$B_DIR/max.out" 2>&1 ||
		die "loadgen (maximum) failed: $(tail -n 3 "$B_DIR/max.out")"
	MAX=$(sed -n 's/^result .* qps=\([0-9]*\).*/\1/p' "$B_DIR/max.out")
	[ -n "$MAX" ] && [ "$MAX" -gt 0 ] || die "no maximum from loadgen: $(cat "$B_DIR/max.out")"
	RATE=$((MAX * RATE_PCT / 100))
fi
say "soaking at $RATE qps for $DURATION s (max ${MAX:-not measured})"

# ---- writes: one a second, each followed until it shows ------------------------

TICK_POOL=$(scale_pool_name "$POOLS")
TICK_MEMBER=$((POOLS * 4))
writer() {
	k=0
	while :; do
		t0=$(now_ns)
		k=$((k + 1))
		host=$(scale_member_host $((8388608 + k)))
		out=$(curl -sS --max-time 5 -XPOST "$RQ_URL/db/execute" -H 'Content-Type: application/json' \
			-d "[\"UPDATE dns_zone_member SET host = '$host' WHERE id = $TICK_MEMBER\"]" 2>&1)
		case "$out" in
		*'"rows_affected":1'*) ;;
		*) echo "write $k failed $out"; sleep 1; continue ;;
		esac
		# the time from before the write until the answer holds it
		if ms=$("$DNSWAIT" -p "$DNS_PORT" -i 20 -T 5000 -S "$t0" -a "$host" "$TICK_POOL" 2>/dev/null); then
			echo "write $k ${ms%.*}"
		else
			echo "write $k unseen"
		fi
		t1=$(now_ns)
		left=$((1000000000 - (t1 - t0)))
		[ $left -gt 0 ] && sleep "$(awk -v n=$left 'BEGIN { printf "%.3f", n / 1e9 }')"
	done
}
writer >"$B_DIR/writes.log" 2>&1 &
WRITER_PID=$!
B_PIDS="$B_PIDS $WRITER_PID"

# ---- the soak -----------------------------------------------------------------

proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
transitions() { grep -c ': \(new\|up\|down\) -> \(up\|down\) (' "$B_DIR/pooldns.log"; }

# stats_field NAME: the newest value of NAME= in pooldns' SIGUSR1 stats
stats_field() {
	n=$(grep -c 'stats: udp=' "$B_DIR/pooldns.log")
	kill -USR1 "$SRV_PID"
	i=0
	while [ "$(grep -c 'stats: udp=' "$B_DIR/pooldns.log")" -le "$n" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep 'stats: udp=' "$B_DIR/pooldns.log" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

ROWS=$B_DIR/rows
: >"$ROWS"
UDP0=$(stats_field udp)
slices=$((DURATION / SLICE))
s=0
tr0=$(transitions)
w0=0
while [ $s -lt $slices ]; do
	s=$((s + 1))
	# shellcheck disable=SC2086
	$LOADGEN_RUN -p "$DNS_PORT" -d "$QUERIES" -l "$SLICE" -Q "$RATE" -q 512 \
		>"$B_DIR/slice-$s.out" 2>&1 || die "loadgen failed in slice $s: $(tail -n 3 "$B_DIR/slice-$s.out")"
	kill -0 "$SRV_PID" 2>/dev/null || die "pooldns died in slice $s"
	res=$(sed -n 's/^result //p' "$B_DIR/slice-$s.out")
	rss=$(proc_field "$SRV_PID" VmRSS)
	fds=$(find "/proc/$SRV_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
	tr=$(transitions)
	w=$(wc -l <"$B_DIR/writes.log")
	# the writes of this slice: lines w0+1 .. w
	wl=$(sed -n "$((w0 + 1)),${w}p" "$B_DIR/writes.log" | awk '
		$3 ~ /^[0-9]+$/ { n++; if ($3 > max) max = $3 }
		$3 !~ /^[0-9]+$/ { bad++ }
		END { printf "%d %d %d", n, bad, max }')
	echo "$s $res rss_kb=$rss fds=$fds transitions=$((tr - tr0)) writes=$wl" >>"$ROWS"
	tr0=$tr
	w0=$w
done
kill "$WRITER_PID" 2>/dev/null
wait "$WRITER_PID" 2>/dev/null
HWM=$(proc_field "$SRV_PID" VmHWM)
UDP1=$(stats_field udp)
STATS=$(grep 'stats: ' "$B_DIR/pooldns.log" | tail -n 3)
# warnings and errors other than the members' health transitions
ERRLINES=$(grep ' \(warning\|err\):' "$B_DIR/pooldns.log" |
	grep -v ': \(new\|up\|down\) -> \(up\|down\) (' | sed 's/^[^ ]* //' | sort | uniq -c | sort -rn)
TRLINES=$(transitions)

# ---- the report ---------------------------------------------------------------

kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
echo "# bench/soak.sh: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "$MACHINE" | sed 's/^/# /'
echo "# $("$POOLDNS" --version 2>&1 | head -n 1); rqlite $("$RQLITED" -version 2>&1 | head -n 1 | cut -d' ' -f2)"
echo "# $POOLS pools x 4 members, $CHECKED checked over HTTP (250 ms, rise 2, fall 2), $CHECKED members flapping every $FLAP_MS ms"
echo "# pooldns --threads=1 on CPU $SERVER_CPU${RT:+ (SCHED_FIFO $RT)}; loadgen, rqlited, members, writer on CPU $CLIENT_CPU${RT:+ (nice -10)}"
echo "# maximum ${MAX:-(not measured)} qps; soak at $RATE qps, $DURATION s in slices of $SLICE s; one rqlite write a second"
echo
echo "| slice | sent | answered | lost | not NOERROR | p99 ms | RSS MB | fds | health transitions | writes seen / unseen, slowest ms |"
echo "|---|---|---|---|---|---|---|---|---|---|"
while read -r n rest; do
	res=$(echo "$rest" | sed 's/ rss_kb=.*//')
	sent=$(kv "$res" sent)
	ans=$(kv "$res" answered)
	lost=$(kv "$res" lost)
	rc=$(kv "$res" rcodes)
	notok=$(echo "$rc" | tr ',' '\n' | awk -F: '$1 != "NOERROR" { s += $2 } END { print s + 0 }')
	p99=$(kv "$res" p99_us)
	rss=$(echo "$rest" | sed -n 's/.*rss_kb=\([0-9]*\).*/\1/p')
	fds=$(echo "$rest" | sed -n 's/.*fds=\([0-9]*\).*/\1/p')
	trn=$(echo "$rest" | sed -n 's/.*transitions=\([0-9]*\).*/\1/p')
	wr=$(echo "$rest" | sed -n 's/.*writes=\([0-9]*\) \([0-9]*\) \([0-9]*\).*/\1 \/ \2, \3/p')
	printf '| %s | %s | %s | %s | %s | %s | %.1f | %s | %s | %s |\n' "$n" "$sent" "$ans" "$lost" \
		"$notok" "$(awk -v u="${p99:-0}" 'BEGIN { printf "%.2f", u / 1000 }')" \
		"$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$fds" "$trn" "$wr"
done <"$ROWS"
echo
awk '
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	  sent += v["sent"]; ans += v["answered"]; lost += v["lost"]
	  n = split(v["rcodes"], rc, ",")
	  for (j = 1; j <= n; j++) { split(rc[j], p, ":"); if (p[1] != "NOERROR") bad += p[2] }
	  if (NR == 1) first = v["rss_kb"]; last = v["rss_kb"]
	  if (v["rss_kb"] > max) max = v["rss_kb"] }
	END {
		printf "totals: %d sent, %d answered (%.4f %%), %d lost, %d not NOERROR\n",
			sent, ans, sent ? 100 * ans / sent : 0, lost, bad
		printf "RSS: %.1f MB after the first slice, %.1f MB at the end, highest sampled %.1f MB\n",
			first / 1024, last / 1024, max / 1024
	}' "$ROWS"
echo "VmHWM (peak RSS of the whole run): $(awk -v k="$HWM" 'BEGIN { printf "%.1f", k / 1024 }') MB"
sort -n -k3 "$B_DIR/writes.log" | awk '
	$3 ~ /^[0-9]+$/ { v[++n] = $3 } $3 !~ /^[0-9]+$/ { bad++ }
	END {
		if (n == 0) { printf "writes: none seen, %d unseen or failed\n", bad; exit }
		printf "writes: %d seen, %d unseen or failed; visible after p50 %d ms, p99 %d ms, max %d ms\n",
			n, bad, v[int((n + 1) / 2)], v[int(n * 0.99 + 0.999)], v[n]
	}'
echo "server: $((UDP1 - UDP0)) UDP queries answered during the soak (the difference from loadgen's sent is lost before or after pooldns)"
echo "log: $TRLINES health transition lines; other warnings and errors, by count:"
echo "$ERRLINES" | sed 's/^ */    /' | head -n 10
echo "$STATS" | sed 's/^/pooldns /'
