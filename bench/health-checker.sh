#!/bin/sh
# health-checker.sh — what the health checker costs: POOLS pools x 4
# members, every member checked over HTTP every INTERVAL_MS, measured as
# the CPU the pooldns process uses and the probe rate each member sees.
#
# The members are bench/tools/fakemembers: POOLS*4 distinct loopback
# addresses from FIRST_ADDR up (127.1.0.1 .. 127.1.15.160 for 4,000), one
# listening socket per address on one port, all in one epoll process that
# answers "HTTP/1.1 200 OK" and closes, and counts requests per address.
# The pools live in a SQLite file (source=sqlite) with check_type 'http',
# check_port = that port, check_path '/health', check_interval_ms
# INTERVAL_MS, check_timeout_ms TIMEOUT_MS, rise RISE, fall FALL and
# fallback 'none' — so a pool answers its members only once the checker
# has found them healthy, which is how the script knows checking works.
#
# pooldns (1 DNS worker thread) is pinned to CPU CHECKER_CPU, fakemembers to
# CPU MEMBERS_CPU. After every pool answers and WARMUP more seconds, a
# WINDOW-second window measures: pooldns utime+stime from /proc/PID/stat
# (% of one core, and per thread), and from fakemembers the probes per
# member per second (min / median / max over the members), members never
# probed, the interval between two probes of one member (the jitter
# spread), and how probes bunch per 10 ms and per second. At the end a
# sample of pools must still answer all 4 members.
#
# Environment (defaults): POOLS=1000 INTERVAL_MS=1000 TIMEOUT_MS=500
# RISE=2 FALL=3 WARMUP=5 WINDOW=25 FIRST_ADDR=127.1.0.1 CHECKER_CPU=0
# MEMBERS_CPU=1 MAX_CONCURRENT= (pooldns --check-max-concurrent, empty =
# its default) POOLDNS=standalone/pooldns FAKEMEMBERS=bench/tools/fakemembers
# (compiled into the scratch directory with cc if not built) KEEP=0.
#
# Usage: bench/health-checker.sh
set -u
. "$(dirname "$0")/lib.sh"

POOLS=${POOLS:-1000}
INTERVAL_MS=${INTERVAL_MS:-1000}
TIMEOUT_MS=${TIMEOUT_MS:-500}
RISE=${RISE:-2}
FALL=${FALL:-3}
WARMUP=${WARMUP:-5}
WINDOW=${WINDOW:-25}
FIRST_ADDR=${FIRST_ADDR:-127.1.0.1}
CHECKER_CPU=${CHECKER_CPU:-0}
MEMBERS_CPU=${MEMBERS_CPU:-1}
MAX_CONCURRENT=${MAX_CONCURRENT:-}
FAKEMEMBERS=${FAKEMEMBERS:-$B_TOP/bench/tools/fakemembers}
NMEMBERS=$((POOLS * 4))

for t in dig sqlite3 taskset awk; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap.sh)"
done
[ -x "$POOLDNS" ] || die "$POOLDNS not built (make standalone/pooldns)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (pooldns and the members pinned apart)"
if [ ! -x "$FAKEMEMBERS" ]; then
	say "compiling bench/tools/fakemembers.c (not built by make)"
	${CC:-cc} -std=c11 -O2 -I"$B_TOP" -o "$B_DIR/fakemembers" \
		"$B_TOP/bench/tools/fakemembers.c" || die "could not compile fakemembers"
	FAKEMEMBERS="$B_DIR/fakemembers"
fi

# pooldns holds a socket per probe in flight, fakemembers one per member
# (it also raises its own limit); ulimit -n is in dash and bash, not POSIX
# shellcheck disable=SC3045
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# ---- members ------------------------------------------------------------------

bg_start fakemembers taskset -c "$MEMBERS_CPU" "$FAKEMEMBERS" -a "$FIRST_ADDR" -n "$NMEMBERS"
FM_PID=$BG_PID
i=0
until grep -qx ready "$B_DIR/fakemembers.log"; do
	kill -0 "$FM_PID" 2>/dev/null || die "fakemembers exited at start-up"
	[ $i -lt 200 ] || die "fakemembers not ready after 20 s"
	sleep 0.1
	i=$((i + 1))
done
MPORT=$(awk '$1 == "port" { print $2 }' "$B_DIR/fakemembers.log")
say "$NMEMBERS fake members on $FIRST_ADDR.. port $MPORT"

# ---- pools --------------------------------------------------------------------

DB="$B_DIR/pools.db"
sqlite_load "$DB" "$B_TOP/schema.json" || die "schema.json did not load"
v=$(ip4_int "$FIRST_ADDR")
a="($v + (i - 1) * 4 + j)"
sqlite3 -bail "$DB" <<EOF || die "generated pools did not load"
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $POOLS)
INSERT INTO dns_zone (id, name, ttl, policy, max_answers, fallback, check_type, check_port,
	check_path, check_interval_ms, check_timeout_ms, check_rise, check_fall)
SELECT i, printf('h%05d.bench.example.', i), 30, 'round_robin', 8, 'none', 'http', $MPORT,
	'/health', $INTERVAL_MS, $TIMEOUT_MS, $RISE, $FALL FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $POOLS),
     k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 3)
INSERT INTO dns_zone_member (dns_zone, host)
SELECT i, printf('%d.%d.%d.%d', ($a >> 24) & 255, ($a >> 16) & 255, ($a >> 8) & 255, $a & 255)
FROM n, k;
EOF
[ "$(sqlite3 "$DB" "SELECT count(DISTINCT host) FROM dns_zone_member")" -eq "$NMEMBERS" ] ||
	die "expected $NMEMBERS distinct members"

# pool_ok NAME: NAME answers all 4 of its members (so all 4 are healthy)
pool_ok() {
	got=$(dig @127.0.0.1 -p "$DNS" +short +time=1 +tries=2 "$1" A | sort)
	want=$(sqlite3 "$DB" "SELECT host FROM dns_zone_member m JOIN dns_zone z
		ON m.dns_zone = z.id WHERE z.name = '$1'" | sort)
	[ -n "$got" ] && [ "$got" = "$want" ]
}

# ---- pooldns ------------------------------------------------------------------

DNS=$(freeport 1)
extra=""
[ -n "$MAX_CONCURRENT" ] && extra="--check-max-concurrent=$MAX_CONCURRENT"
# shellcheck disable=SC2086
bg_start pooldns taskset -c "$CHECKER_CPU" "$POOLDNS" --threads=1 --listen="127.0.0.1:$DNS" \
	--source=sqlite --sqlite-path="$DB" --log-level=notice $extra
PD_PID=$BG_PID
t_start=$(now_ns)
first=$(printf 'h%05d.bench.example.' 1)
last=$(printf 'h%05d.bench.example.' "$POOLS")
i=0
until pool_ok "$first" && pool_ok "$last"; do
	kill -0 "$PD_PID" 2>/dev/null || die "pooldns exited at start-up"
	[ $i -lt 300 ] || die "pools not healthy after 30 s"
	sleep 0.1
	i=$((i + 1))
done
say "first and last pool healthy $(( ($(now_ns) - t_start) / 1000000 )) ms after start;" \
	"warm-up ${WARMUP}s, window ${WINDOW}s"
sleep "$WARMUP"

# thread_ticks PID: "tid name ticks" for every thread of PID
thread_ticks() {
	for f in /proc/"$1"/task/*/stat; do
		cat "$f" 2>/dev/null
	done | awk '{
		o = index($0, "("); c = match($0, /\) [^)]*$/)
		name = substr($0, o + 1, c - o - 1); gsub(/ /, "_", name)
		split(substr($0, c + 2), f, " ")
		print $1, name, f[12] + f[13]
	}' | LC_ALL=C sort
}

kill -USR1 "$FM_PID"
t0=$(now_ns)
c0=$(proc_cpu_ticks "$PD_PID")
f0=$(proc_cpu_ticks "$FM_PID")
thread_ticks "$PD_PID" >"$B_DIR/threads0"
sleep "$WINDOW"
kill -USR2 "$FM_PID"
t1=$(now_ns)
c1=$(proc_cpu_ticks "$PD_PID")
f1=$(proc_cpu_ticks "$FM_PID")
thread_ticks "$PD_PID" >"$B_DIR/threads1"
i=0
until grep -qx end "$B_DIR/fakemembers.log"; do
	[ $i -lt 100 ] || die "fakemembers gave no report"
	sleep 0.1
	i=$((i + 1))
done
kill -0 "$PD_PID" 2>/dev/null || die "pooldns died during the window"
rss=$(awk '/^VmRSS/ { print $2 " " $3 }' "/proc/$PD_PID/status")

# a sample of pools (every POOLS/20th) must still answer all 4 members
bad=0
step=$((POOLS / 20))
[ $step -ge 1 ] || step=1
p=1
while [ $p -le "$POOLS" ]; do
	pool_ok "$(printf 'h%05d.bench.example.' $p)" || bad=$((bad + 1))
	p=$((p + step))
done
bg_stop "$PD_PID"

# ---- report -------------------------------------------------------------------

HZ=$(getconf CLK_TCK)
R="$B_DIR/fakemembers.log"
val() { awk -v k="$1" '$1 == k { print $2 }' "$R"; }
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
cpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.1f", 100 * t / hz / s }')
fmcpu=$(awk -v t=$((f1 - f0)) -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.1f", 100 * t / hz / s }')
probes_s=$(val probes_per_s)
cost=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v p="$(val probes)" \
	'BEGIN { if (p > 0) printf "%.1f", 1e6 * t / hz / p; else print "n/a" }')

echo "# health-checker: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
machine_info | sed 's/^/# /'
echo "# $POOLS pools x 4 members = $NMEMBERS members ($FIRST_ADDR..), check_type http," \
	"interval ${INTERVAL_MS} ms, timeout ${TIMEOUT_MS} ms, rise $RISE, fall $FALL;" \
	"pooldns --threads=1 ${extra:+$extra }on CPU $CHECKER_CPU, fakemembers on CPU $MEMBERS_CPU"
echo "window_s                 $secs (after ${WARMUP} s of warm-up)"
echo "pooldns_cpu_pct          $cpu   (% of one core: utime+stime over the window)"
echo "pooldns_cpu_us_per_probe $cost"
echo "pooldns_rss              $rss"
echo "fakemembers_cpu_pct      $fmcpu"
echo "expected_probes_per_s    $(awk -v n="$NMEMBERS" -v i="$INTERVAL_MS" 'BEGIN { printf "%.1f", n * 1000 / i }')"
echo "sampled_pools_unhealthy  $bad"
echo "# pooldns threads over the window: tid name cpu_%"
LC_ALL=C join "$B_DIR/threads0" "$B_DIR/threads1" 2>/dev/null |
	awk -v hz="$HZ" -v s="$secs" '{ printf "  %s %s %.1f\n", $1, $2, 100 * ($5 - $3) / hz / s }'
echo "# fakemembers report (rates are probes per member per second)"
sed -n '/^window_s/,/^end$/p' "$R" | sed '/^end$/d; s/^/  /'

# sanity: checking happened at about the configured rate
awk -v got="$probes_s" -v n="$NMEMBERS" -v i="$INTERVAL_MS" \
	'BEGIN { exit !(got >= 0.8 * n * 1000 / i) }' ||
	die "members saw $probes_s probes/s, expected about $((NMEMBERS * 1000 / INTERVAL_MS))"
[ "$bad" -eq 0 ] || die "$bad sampled pools did not answer all their members"
