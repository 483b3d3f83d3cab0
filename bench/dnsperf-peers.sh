#!/bin/sh
# dnsperf-peers.sh — UDP query throughput of the standalone pooldns server
# next to peer authoritative servers answering the same names from the same
# data, in one run, each pinned the same way.
#
# The data: schema.json + populate_data.json + POOLS generated pools
# (p00001.bench.example. ..., 3 IPv4 + 1 IPv6 member each, no health
# checks) in a SQLite file. pooldns reads that file (SOURCE=sqlite) or a
# local rqlited loaded with the same statements (SOURCE=rqlite). The peers
# get the same enabled members exported from the file as zone data:
#   gdnsd          gdnsd 3, plain A/AAAA records in zone files
#   gdnsd-multifo  gdnsd 3, every pool a DYNA multifo!<pool> resource
#                  (gdnsd's own load-balancing plugin, service_types up)
#   knot           Knot DNS, plain A/AAAA records
#   nsd            NSD, plain A/AAAA records (only if PEERS names it)
# Queries: every pool name once as A and once as AAAA, shuffled
# (deterministic seed). Each server runs with one worker thread pinned to
# CPU SERVER_CPU, dnsperf with one thread on CPU CLIENT_CPU; servers run one
# after another (never two at once), ROUNDS times, interleaved.
# For each run: qps, average latency, lost queries, response codes and the
# server's CPU use (to tell whether the server or dnsperf was the limit);
# then the medians and the ratios pooldns / peer.
#
# Everything binds 127.0.0.1 on free ports and is stopped at exit. Missing
# peers are installed with apt-get (gdnsd knot; nsd if asked) unless
# NO_INSTALL=1, in which case they are skipped. Packages' own services are
# never started here (and any that an install started is stopped).
#
# Environment (defaults): DURATION=15 (s per run) CLIENTS=4 (dnsperf -c)
# OUTSTANDING=100 (dnsperf -q) MAXQPS= (dnsperf -Q, empty = unlimited)
# POOLS=1000 ROUNDS=1 PEERS="gdnsd gdnsd-multifo knot" SOURCE=sqlite
# SERVER_CPU=0 CLIENT_CPU=1 POOLDNS=standalone/pooldns KEEP=0.
#
# Usage: bench/dnsperf-peers.sh            (root or sudo for apt, if needed)
set -u
. "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-15}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-100}
MAXQPS=${MAXQPS:-}
POOLS=${POOLS:-1000}
ROUNDS=${ROUNDS:-1}
PEERS=${PEERS:-gdnsd gdnsd-multifo knot}
SOURCE=${SOURCE:-sqlite}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
ZONES="google.com. example.com. bench.example."

for t in dig dnsperf sqlite3 taskset curl awk shuf; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap.sh --bench)"
done
[ -x "$POOLDNS" ] || die "$POOLDNS not built (make standalone/pooldns)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server and dnsperf pinned apart)"

# ---- peers: install what is missing --------------------------------------

pkg_of() {
	case "$1" in
	gdnsd|gdnsd-multifo) echo gdnsd ;;
	knot) echo knot ;;
	nsd) echo nsd ;;
	*) die "unknown peer '$1' (gdnsd gdnsd-multifo knot nsd)" ;;
	esac
}
bin_of() {
	case "$1" in
	gdnsd|gdnsd-multifo) echo gdnsd ;;
	knot) echo knotd ;;
	nsd) echo nsd ;;
	esac
}

# pids of the peer daemons running now (a package may start its service)
daemon_pids() { pgrep -x 'gdnsd|knotd|nsd' 2>/dev/null | sort; }

missing=""
for p in $PEERS; do
	pkg=$(pkg_of "$p")
	command -v "$(bin_of "$p")" >/dev/null 2>&1 && continue
	case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
if [ -n "$missing" ] && [ "${NO_INSTALL:-0}" != 1 ]; then
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	before=$(daemon_pids)
	say "installing:$missing"
	# shellcheck disable=SC2086
	{ $SUDO apt-get update -qq &&
	  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends $missing; } >"$B_DIR/apt.log" 2>&1 ||
		die "apt-get install$missing failed (see $B_DIR/apt.log; KEEP=1)"
	# stop any daemon the packages' scripts started (by pid, ours only)
	for pid in $(daemon_pids); do
		echo "$before" | grep -qx "$pid" && continue
		say "stopping $(cat "/proc/$pid/comm" 2>/dev/null) (pid $pid) started by its package"
		$SUDO kill "$pid" 2>/dev/null
	done
fi
peers=""
for p in $PEERS; do
	if command -v "$(bin_of "$p")" >/dev/null 2>&1; then
		peers="$peers $p"
	else
		say "skipping $p: $(bin_of "$p") not installed"
	fi
done

# ---- data -----------------------------------------------------------------

DB="$B_DIR/pools.db"
GEN="$B_DIR/generated.sql"
gen_pools_sql "$POOLS" 10.0.0.1 2001:db8:1:: >"$GEN"
sqlite_load "$DB" "$B_TOP/schema.json" || die "schema.json did not load"
sqlite_load "$DB" "$B_TOP/populate_data.json" || die "populate_data.json did not load"
sqlite3 -bail "$DB" <"$GEN" || die "generated pools did not load"
npools=$(sqlite3 "$DB" "SELECT count(*) FROM dns_zone")
nmembers=$(sqlite3 "$DB" "SELECT count(*) FROM dns_zone_member WHERE enabled = 1")

# in_zone ZONE: SQL condition "pool z belongs to ZONE"
in_zone() { echo "(z.name = '$1' COLLATE NOCASE OR z.name LIKE '%.$1')"; }
rrtype() { echo "CASE WHEN instr($1, ':') > 0 THEN 'AAAA' ELSE 'A' END"; }

# zone_file ZONE [dyna]: RFC 1035 zone file for ZONE (apex SOA + NS, then
# every pool below it: its enabled members as A/AAAA, or with "dyna" one
# gdnsd DYNA multifo record per pool).
zone_file() {
	# shellcheck disable=SC2016
	printf '$TTL 30\n'
	printf '%s 3600 IN SOA localhost. hostmaster.%s 1 3600 600 86400 60\n' "$1" "$1"
	printf '%s 3600 IN NS localhost.\n' "$1"
	if [ "${2:-}" = dyna ]; then
		sqlite3 "$DB" "SELECT printf('%s %d DYNA multifo!r%d', z.name, z.ttl, z.id)
			FROM dns_zone z WHERE $(in_zone "$1") ORDER BY z.id"
	else
		sqlite3 "$DB" "SELECT printf('%s %d IN %s %s', z.name, z.ttl, $(rrtype m.host), m.host)
			FROM dns_zone z JOIN dns_zone_member m ON m.dns_zone = z.id
			WHERE m.enabled = 1 AND $(in_zone "$1") ORDER BY z.id, m.id"
	fi
}

# multifo_resources: the gdnsd multifo plugin's resources, one per pool.
multifo_resources() {
	sqlite3 "$DB" "SELECT printf('r%d => {', z.id)
		|| coalesce((SELECT ' addrs_v4 => [ ' || group_concat(host, ', ') || ' ]'
			FROM dns_zone_member m WHERE m.dns_zone = z.id AND m.enabled = 1
			AND instr(host, ':') = 0), '')
		|| coalesce((SELECT ' addrs_v6 => [ ' || group_concat(host, ', ') || ' ]'
			FROM dns_zone_member m WHERE m.dns_zone = z.id AND m.enabled = 1
			AND instr(host, ':') > 0), '')
		|| ' }'
		FROM dns_zone z WHERE EXISTS (SELECT 1 FROM dns_zone_member m
			WHERE m.dns_zone = z.id AND m.enabled = 1)"
}

# every pool name as A and AAAA, shuffled with a fixed random source
QUERIES="$B_DIR/queries"
sqlite3 "$DB" "SELECT name || ' A' FROM dns_zone UNION ALL SELECT name || ' AAAA' FROM dns_zone" |
	shuf --random-source="$B_TOP/schema.json" >"$QUERIES"
nqueries=$(wc -l <"$QUERIES")

# ---- servers ----------------------------------------------------------------

# start_server NAME PORT: start NAME on 127.0.0.1:PORT pinned to SERVER_CPU;
# sets SRV_PID once it answers a pool name.
start_server() {
	d="$B_DIR/$1"
	mkdir -p "$d"
	case "$1" in
	pooldns)
		src="--source=sqlite --sqlite-path=$DB"
		[ "$SOURCE" = rqlite ] &&
			src="--source=rqlite --rqlite-url=http://127.0.0.1:$RQ_HTTP"
		# shellcheck disable=SC2086
		bg_start "$1" taskset -c "$SERVER_CPU" "$POOLDNS" --threads=1 \
			--listen="127.0.0.1:$2" --log-level=warning $src
		;;
	gdnsd|gdnsd-multifo)
		mkdir -p "$d/zones"
		dyna=""
		[ "$1" = gdnsd-multifo ] && dyna=dyna
		for z in $ZONES; do zone_file "$z" $dyna >"$d/zones/${z%.}"; done
		{
			gdnsd_conf "$2"
			if [ -n "$dyna" ]; then
				echo "plugins => { multifo => {"
				echo "  service_types => up"
				multifo_resources
				echo "} }"
			fi
		} >"$d/config"
		bg_start "$1" taskset -c "$SERVER_CPU" gdnsd -c "$d" start
		;;
	knot)
		mkdir -p "$d/zones" "$d/db"
		for z in $ZONES; do zone_file "$z" >"$d/zones/${z%.}.zone"; done
		# shellcheck disable=SC2086 # the zone names
		knot_conf "$d" "$2" "$d/zones" $ZONES >"$d/knot.conf"
		bg_start "$1" taskset -c "$SERVER_CPU" knotd -c "$d/knot.conf" -s "$d/knot.sock"
		;;
	nsd)
		mkdir -p "$d/zones"
		for z in $ZONES; do zone_file "$z" >"$d/zones/${z%.}.zone"; done
		# shellcheck disable=SC2086 # the zone names
		nsd_conf "$d" "$2" "$d/zones" $ZONES >"$d/nsd.conf"
		bg_start "$1" taskset -c "$SERVER_CPU" nsd -d -c "$d/nsd.conf"
		;;
	esac
	SRV_PID=$BG_PID
	wait_loaded "$1" "$2" "$SRV_PID" "$DB" 20
}

# expected NAME TYPE: the enabled members of pool NAME of that family, sorted
expected() {
	sqlite3 "$DB" "SELECT m.host FROM dns_zone z JOIN dns_zone_member m ON m.dns_zone = z.id
		WHERE z.name = '$1' AND m.enabled = 1 AND $(rrtype m.host) = '$2'" | sort
}

# verify NAME PORT: the server answers sample pools exactly as the data says
# (pools whose policy answers every member: round_robin with max_answers >=
# members, or all).
verify() {
	for q in "google.com. A" "google.com. AAAA" "www.example.com. A" "www.example.com. AAAA" \
		"p00001.bench.example. A" "p00001.bench.example. AAAA" \
		"$(sed -n '1p' "$QUERIES")" "$(sed -n '2p' "$QUERIES")"; do
		# shellcheck disable=SC2086 # split "NAME TYPE"
		set -- $q
		want=$(expected "$1" "$2")
		got=$(dig @127.0.0.1 -p "$PORT" +short +time=1 +tries=2 "$1" "$2" | sort)
		[ "$got" = "$want" ] || die "$NAME: $1 $2 answered '$got', expected '$want'"
	done
}

if [ "$SOURCE" = rqlite ]; then
	[ -x "$RQLITED" ] || die "rqlited not found at $RQLITED (scripts/bootstrap.sh)"
	# shellcheck disable=SC2046 # two ports, one per line
	set -- $(freeport 2)
	RQ_HTTP=$1
	bg_start rqlited "$RQLITED" -fk -node-id bench -http-addr "127.0.0.1:$1" \
		-raft-addr "127.0.0.1:$2" "$B_DIR/rqlite"
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$RQ_HTTP/readyz"; do
		[ $i -lt 150 ] || die "rqlited did not become ready"
		sleep 0.1
		i=$((i + 1))
	done
	# all statements in one /db/execute request (the generated ones contain
	# no double quote or backslash, so they need no JSON escaping)
	{ sed '$d' "$B_TOP/schema.json"; echo ","
	  sed '1d;$d' "$B_TOP/populate_data.json"; echo ","
	  sed 's/.*/"&",/; $s/,$//' "$GEN"; echo "]"; } >"$B_DIR/rqlite-load.json"
	out=$(curl -sS -XPOST "http://127.0.0.1:$RQ_HTTP/db/execute" \
		-H 'Content-Type: application/json' -d @"$B_DIR/rqlite-load.json") ||
		die "rqlite load failed"
	case "$out" in *'"error"'*) die "rqlite load: $out" ;; esac
fi

# ---- runs -------------------------------------------------------------------

RES="$B_DIR/results"
: >"$RES"
CLK_TCK=$(getconf CLK_TCK)
dnsperf_q=""
[ -n "$MAXQPS" ] && dnsperf_q="-Q $MAXQPS"

say "$npools pools, $nmembers enabled members; $nqueries queries in the file;" \
	"servers:  pooldns$peers; ${DURATION}s x $ROUNDS round(s) each"
round=1
while [ $round -le "$ROUNDS" ]; do
	for NAME in pooldns $peers; do
		PORT=$(freeport 1)
		start_server "$NAME" "$PORT"
		verify
		c0=$(proc_cpu_ticks "$SRV_PID")
		t0=$(now_ns)
		# shellcheck disable=SC2086
		taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$PORT" -d "$QUERIES" \
			-l "$DURATION" -c "$CLIENTS" -T 1 -q "$OUTSTANDING" $dnsperf_q \
			>"$B_DIR/dnsperf-$NAME-$round.out" 2>&1 ||
			die "dnsperf against $NAME failed: $(tail -n 3 "$B_DIR/dnsperf-$NAME-$round.out")"
		c1=$(proc_cpu_ticks "$SRV_PID")
		t1=$(now_ns)
		kill -0 "$SRV_PID" 2>/dev/null || die "$NAME died during the run"
		bg_stop "$SRV_PID"
		awk -v name="$NAME" -v round="$round" -v ticks=$((c1 - c0)) -v hz="$CLK_TCK" \
			-v ns=$((t1 - t0)) '
			/Queries sent:/ { sent = $3 }
			/Queries completed:/ { done = $3 }
			/Queries lost:/ { lost = $3 }
			/Response codes:/ { sub(/^.*Response codes:[ \t]*/, ""); gsub(/ /, "_"); rc = $0 }
			/Queries per second:/ { qps = $4 }
			/Average Latency \(s\):/ { lat = $4 * 1e6 }
			END {
				if (qps == "") exit 1
				printf "%s %d %.0f %.1f %d %d %.0f %.2f %s\n", name, round, qps, lat,
					lost, sent, 100 * ticks / hz / (ns / 1e9),
					(done > 0 ? 1e6 * ticks / hz / done : 0), rc
			}' "$B_DIR/dnsperf-$NAME-$round.out" >>"$RES" ||
			die "could not read dnsperf output for $NAME"
		tail -n 1 "$RES" | awk '{ printf "  %-14s round %d: %8d qps  avg latency %7.1f us  lost %d of %d  server CPU %d%% (%.2f us/query)  %s\n",
			$1, $2, $3, $4, $5, $6, $7, $8, $9 }' >&2
	done
	round=$((round + 1))
done

# ---- summary: medians over the rounds, ratios pooldns / peer ---------------

echo "# dnsperf-peers: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
machine_info | sed 's/^/# /'
echo "# $npools pools, $nmembers members, $nqueries queries (A+AAAA);" \
	"dnsperf -l $DURATION -c $CLIENTS -T 1 -q $OUTSTANDING${MAXQPS:+ -Q $MAXQPS} on CPU $CLIENT_CPU;" \
	"servers: 1 thread on CPU $SERVER_CPU; $ROUNDS round(s); pooldns source $SOURCE"
echo "# per run: server round qps avg_latency_us lost sent server_cpu_% server_cpu_us_per_query rcodes"
sed 's/^/  /' "$RES"
echo "# medians over the rounds (lost: summed); ratios are pooldns / server"
printf '%-14s %9s %11s %7s %6s %9s %9s %11s %11s\n' server qps latency_us lost "cpu_%" us/query \
	"qps_ratio" "lat_ratio" "cost_ratio"
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for NAME in pooldns $peers; do
	{
		awk -v n="$NAME" '$1 == n { print $3 }' "$RES" | med
		awk -v n="$NAME" '$1 == n { print $4 }' "$RES" | med
		awk -v n="$NAME" '$1 == n { s += $5 } END { print s }' "$RES"
		awk -v n="$NAME" '$1 == n { print $7 }' "$RES" | med
		awk -v n="$NAME" '$1 == n { print $8 }' "$RES" | med
	} | tr '\n' ' ' >"$B_DIR/median-$NAME"
	echo >>"$B_DIR/median-$NAME"
done
read -r pq pl _ _ pc <"$B_DIR/median-pooldns"
for NAME in pooldns $peers; do
	read -r q l lost c u <"$B_DIR/median-$NAME"
	awk -v n="$NAME" -v q="$q" -v l="$l" -v lost="$lost" -v c="$c" -v u="$u" \
		-v pq="$pq" -v pl="$pl" -v pc="$pc" 'BEGIN {
		printf "%-14s %9d %11.1f %7d %6d %9.2f %9.2f %11.2f %11.2f\n",
			n, q, l, lost, c, u, pq / q, pl / l, (u > 0 ? pc / u : 0) }'
done
