#!/bin/sh
# hotpath-peers.sh — the answer path of pooldns (the standalone server and
# the Unbound module) next to its peers and a canned-answer ceiling, over
# UDP flat out, UDP at a fixed rate and TCP, in one interleaved run.
#
# Data: POOLS (1000) pools p00001.bench.example. ... with 4 IPv4 members
# each, TTL 30, in a SQLite file; queries: every pool name once as A,
# shuffled (fixed seed). Servers (SERVERS, all by default), each with one
# worker thread, the whole process pinned to CPU SERVER_CPU:
#   pooldns         standalone pooldns --threads=1, reading the SQLite file
#   gdnsd           gdnsd 3, zone file (udp_threads/tcp_threads 1)
#   knot            Knot DNS, zone file (udp-workers/tcp-workers 1)
#   nsd             NSD, zone file (server-count 1)
#   unbound         Unbound, the same records as local-data (num-threads 1,
#                   module-config "iterator")
#   unbound-module  the same Unbound with module-config "dynlib iterator"
#                   and module/pooldns.so reading the SQLite file
#   canned          bench/tools/cannedd: one precomputed answer (UDP only)
# Each server answers a sample of pools exactly as the data says before it
# is measured. Then, with the server up, three runs of DURATION seconds,
# the clients pinned to CPU CLIENT_CPU:
#   flat   bench/tools/loadgen, as fast as the window allows: qps, lost,
#          p99 latency, server CPU % (server-bound if >= 95 %), loadgen's
#          own CPU % (else client-bound if >= 90 %, else a busy machine),
#          qps / canned's qps
#   fixed  dnsperf -Q RATE (50000): server CPU µs per answered query
#   tcp    dnsperf -m tcp -c TCP_CLIENTS (8): qps, server CPU %, max latency
# Server CPU is utime + stime of the server and its children from
# /proc/PID/stat, before and after each run. ROUNDS (3) rounds, servers
# interleaved (pooldns, gdnsd, ..., pooldns, gdnsd, ...); the summary gives
# medians over the rounds and ratios, as Markdown tables on stdout; every
# run's figures and progress go to stderr.
#
# Installs nothing: the peers come from scripts/bootstrap.sh --bench, the
# Unbound with dynlib from scripts/build-unbound.sh (through the build's
# configure --with-unbound-src, or UNBOUND_BIN=). A server in SERVERS that
# is missing stops the run before anything is measured.
#
# Environment (defaults): BUILDDIR (the top directory, if it holds
# standalone/pooldns) DURATION=10 ROUNDS=3 POOLS=1000 SERVERS="pooldns gdnsd
# knot nsd unbound unbound-module canned" RATE=50000 WINDOW=128 (loadgen -q)
# SOCKETS=4 (loadgen -c) LOADGEN_ARGS= (more loadgen options, e.g. -y)
# TCP_CLIENTS=8 OUTSTANDING=100 (dnsperf -q) SERVER_CPU=0 CLIENT_CPU=1
# UNBOUND_BIN KEEP=0.
#
# Usage: BUILDDIR=build/dev bench/hotpath-peers.sh
set -u
user_pooldns=${POOLDNS:-}
. "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
POOLS=${POOLS:-1000}
SERVERS=${SERVERS:-pooldns gdnsd knot nsd unbound unbound-module canned}
RATE=${RATE:-50000}
WINDOW=${WINDOW:-128}
SOCKETS=${SOCKETS:-4}
LOADGEN_ARGS=${LOADGEN_ARGS:-}
TCP_CLIENTS=${TCP_CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-100}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
SATURATED=95   # server CPU % from which a flat-out run is server-bound
CLIENT_BUSY=90 # loadgen CPU % from which it, short of that, is client-bound
ZONE=bench.example.

for v in DURATION ROUNDS POOLS RATE WINDOW SOCKETS TCP_CLIENTS OUTSTANDING SERVER_CPU CLIENT_CPU; do
	eval "val=\$$v"
	case "$val" in '' | *[!0-9]*) die "$v must be a whole number, not '$val'" ;; esac
done
[ "$ROUNDS" -ge 1 ] && [ "$DURATION" -ge 1 ] && [ "$POOLS" -ge 1 ] ||
	die "ROUNDS, DURATION and POOLS must be at least 1"

# ---- programs ----------------------------------------------------------------

if [ -z "${BUILDDIR:-}" ]; then
	BUILDDIR=$B_TOP
	[ -x "$BUILDDIR/standalone/pooldns" ] ||
		die "no standalone/pooldns in $B_TOP: name the build directory (BUILDDIR=build/dev)"
fi
BUILDDIR=$(cd "$BUILDDIR" && pwd) || die "BUILDDIR: no such directory"
POOLDNS=${user_pooldns:-$BUILDDIR/standalone/pooldns}
LOADGEN=$BUILDDIR/bench/tools/loadgen
CANNEDD=$BUILDDIR/bench/tools/cannedd
for t in "$LOADGEN" "$CANNEDD"; do
	[ -x "$t" ] || die "$t not built (make in $BUILDDIR)"
done
for t in dig dnsperf sqlite3 taskset awk shuf; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap.sh --bench)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server and client pinned apart)"

servers=""
for s in $SERVERS; do
	case "$s" in
	pooldns) [ -x "$POOLDNS" ] || die "$POOLDNS not built (make)" ;;
	gdnsd) command -v gdnsd >/dev/null 2>&1 || die "gdnsd not installed (scripts/bootstrap.sh --bench)" ;;
	knot) command -v knotd >/dev/null 2>&1 || die "knotd not installed (scripts/bootstrap.sh --bench)" ;;
	nsd) command -v nsd >/dev/null 2>&1 || die "nsd not installed (scripts/bootstrap.sh --bench)" ;;
	unbound | unbound-module)
		UNBOUND_BIN=${UNBOUND_BIN:-$(sed -n 's/^UNBOUND_BIN = //p' "$BUILDDIR/Makefile" 2>/dev/null)}
		UNBOUND_BIN=${UNBOUND_BIN:-$(command -v unbound 2>/dev/null)}
		[ -n "$UNBOUND_BIN" ] && [ -x "$UNBOUND_BIN" ] ||
			die "$s: no Unbound (configure --with-unbound-src=\$(scripts/build-unbound.sh), or UNBOUND_BIN=)"
		if [ "$s" = unbound-module ]; then
			"$UNBOUND_BIN" -V 2>&1 | grep -q dynlib ||
				die "$UNBOUND_BIN was built without dynlib (scripts/build-unbound.sh)"
			MODULE_SO=$BUILDDIR/module/.libs/pooldns.so
			[ -f "$MODULE_SO" ] || MODULE_SO=$BUILDDIR/module/pooldns.so
			[ -f "$MODULE_SO" ] || die "module not built in $BUILDDIR (configure --with-unbound-src)"
			# a module built with sanitizers needs their runtime loaded first
			SAN_PRELOAD=$(ldd "$MODULE_SO" 2>/dev/null |
				awk '/lib(asan|ubsan)\.so/ { printf "%s ", $3 }')
		fi
		;;
	canned) ;;
	*) die "unknown server '$s' (pooldns gdnsd knot nsd unbound unbound-module canned)" ;;
	esac
	case " $servers " in *" $s "*) ;; *) servers="$servers $s" ;; esac
done
SAN_PRELOAD=${SAN_PRELOAD:-}

MACHINE=$(machine_info) # before pinning: nproc counts the CPUs we may use
# This shell and all it starts (clients, dig, awk) run on CLIENT_CPU; the
# servers are started with taskset -c SERVER_CPU.
taskset -p -c "$CLIENT_CPU" $$ >/dev/null || die "taskset CPU $CLIENT_CPU failed"

# ---- data ---------------------------------------------------------------------

DB=$B_DIR/pools.db
sqlite_load "$DB" "$B_TOP/schema.json" || die "schema.json did not load"
gen_pools4_sql "$POOLS" 10.0.0.1 | sqlite3 -bail "$DB" || die "generated pools did not load"
nmembers=$(sqlite3 "$DB" "SELECT count(*) FROM dns_zone_member WHERE enabled = 1")

# zone_file: the zone bench.example. (SOA, NS, every pool's members as A)
zone_file() {
	# shellcheck disable=SC2016
	printf '$TTL 30\n'
	printf '%s 3600 IN SOA localhost. hostmaster.%s 1 3600 600 86400 60\n' "$ZONE" "$ZONE"
	printf '%s 3600 IN NS localhost.\n' "$ZONE"
	sqlite3 "$DB" "SELECT printf('%s %d IN A %s', z.name, z.ttl, m.host)
		FROM dns_zone z JOIN dns_zone_member m ON m.dns_zone = z.id
		WHERE m.enabled = 1 ORDER BY z.id, m.id"
}
ZONEFILE=$B_DIR/${ZONE%.}.zone # where knot_conf and nsd_conf look for it
zone_file >"$ZONEFILE"

QUERIES=$B_DIR/queries
sqlite3 "$DB" "SELECT name || ' A' FROM dns_zone ORDER BY id" |
	shuf --random-source="$B_TOP/schema.json" >"$QUERIES"
nqueries=$(wc -l <"$QUERIES")

# ---- servers --------------------------------------------------------------------

# unbound_conf PORT DIR MODULE-CONFIG: what both Unbounds share.
unbound_conf() {
	dead=$(freeport 1)
	cat <<EOF
server:
	interface: 127.0.0.1
	port: $1
	do-ip6: no
	num-threads: 1
	incoming-num-tcp: 32
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$2"
	pidfile: "$2/unbound.pid"
	logfile: ""
	use-syslog: no
	verbosity: 1
	module-config: "$3"
	do-not-query-localhost: no
# Nothing leaves the machine: the rest of the DNS is a closed port.
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$dead
EOF
}

# start_server NAME PORT: NAME on 127.0.0.1:PORT, pinned to SERVER_CPU;
# sets SRV_PID once it answers the last pool.
start_server() {
	d=$B_DIR/$1
	rm -rf "$d"
	mkdir -p "$d"
	case "$1" in
	pooldns)
		bg_start "$1" taskset -c "$SERVER_CPU" "$POOLDNS" --threads=1 --listen="127.0.0.1:$2" \
			--log-level=warning --source=sqlite --sqlite-path="$DB"
		;;
	gdnsd)
		mkdir -p "$d/zones"
		cp "$ZONEFILE" "$d/zones/${ZONE%.}"
		gdnsd_conf "$2" >"$d/config"
		bg_start "$1" taskset -c "$SERVER_CPU" gdnsd -c "$d" start
		;;
	knot)
		mkdir -p "$d/db"
		knot_conf "$d" "$2" "$B_DIR" "$ZONE" >"$d/knot.conf"
		bg_start "$1" taskset -c "$SERVER_CPU" knotd -c "$d/knot.conf" -s "$d/knot.sock"
		;;
	nsd)
		nsd_conf "$d" "$2" "$B_DIR" "$ZONE" >"$d/nsd.conf"
		bg_start "$1" taskset -c "$SERVER_CPU" nsd -d -c "$d/nsd.conf"
		;;
	unbound)
		{
			unbound_conf "$2" "$d" iterator
			echo "server:"
			echo "	local-zone: \"$ZONE\" static"
			sqlite3 "$DB" "SELECT printf('	local-data: \"%s %d IN A %s\"', z.name, z.ttl, m.host)
				FROM dns_zone z JOIN dns_zone_member m ON m.dns_zone = z.id
				WHERE m.enabled = 1 ORDER BY z.id, m.id"
		} >"$d/unbound.conf"
		bg_start "$1" taskset -c "$SERVER_CPU" "$UNBOUND_BIN" -d -c "$d/unbound.conf"
		;;
	unbound-module)
		{
			unbound_conf "$2" "$d" "dynlib iterator"
			echo "dynlib:"
			echo "	dynlib-file: \"$MODULE_SO\""
		} >"$d/unbound.conf"
		printf 'source = sqlite\nsqlite-path = %s\nlog-level = warning\n' "$DB" >"$d/pooldns.conf"
		# shellcheck disable=SC2086
		bg_start "$1" env POOLDNS_CONF="$d/pooldns.conf" \
			${SAN_PRELOAD:+LD_PRELOAD="$SAN_PRELOAD" ASAN_OPTIONS=detect_leaks=0} \
			taskset -c "$SERVER_CPU" "$UNBOUND_BIN" -d -c "$d/unbound.conf"
		;;
	canned)
		bg_start "$1" taskset -c "$SERVER_CPU" "$CANNEDD" -p "$2"
		;;
	esac
	SRV_PID=$BG_PID
	wait_loaded "$1" "$2" "$SRV_PID" "$DB" 30
}

# verify NAME PORT: sample pools answered with exactly their members (the
# canned responder: its 4 fixed addresses), AA set where authoritative.
verify() {
	for q in p00001.bench.example. "$(sed -n '1s/ .*//p' "$QUERIES")" \
		"$(sed -n '2s/ .*//p' "$QUERIES")" "$(sed -n '$s/ .*//p' "$QUERIES")"; do
		if [ "$1" = canned ]; then
			want=$(printf '192.0.2.%d\n' 1 2 3 4)
		else
			want=$(sqlite3 "$DB" "SELECT m.host FROM dns_zone z JOIN dns_zone_member m
				ON m.dns_zone = z.id WHERE z.name = '$q' AND m.enabled = 1" | sort)
		fi
		got=$(dig @127.0.0.1 -p "$2" +short +time=1 +tries=2 "$q" A | sort)
		[ "$got" = "$want" ] || die "$1: $q A answered '$got', expected '$want'"
	done
}

# ---- runs -------------------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)
RES=$B_DIR/results
: >"$RES"

# cpu_begin / cpu_end PID: the server's CPU over a run; cpu_end sets
# CPU_S (seconds of CPU) and CPU_PCT (% of one core over the wall time).
cpu_begin() {
	c0=$(proc_cpu_ticks "$1")
	t0=$(now_ns)
}
cpu_end() {
	c1=$(proc_cpu_ticks "$1")
	t1=$(now_ns)
	CPU_S=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t / hz }')
	CPU_PCT=$(awk -v s="$CPU_S" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", 100 * s / (ns / 1e9) }')
}

# dnsperf_field FILE: "qps completed lost max_latency_ms" from dnsperf's report
dnsperf_fields() {
	awk '
		/Queries completed:/ { done = $3 }
		/Queries lost:/ { lost = $3 }
		/Queries per second:/ { qps = $4 }
		/Average Latency \(s\):/ { max = $NF; sub(/\)/, "", max) }
		END {
			if (qps == "") exit 1
			printf "%.0f %d %d %.2f\n", qps, done, lost, max * 1000
		}' "$1"
}

# limit_of SERVER_CPU_PCT CLIENT_CPU_PCT: what held a flat-out run back:
# "server" (its core full), "client" (loadgen's core full, the server's
# not) or "busy" (neither: the machine ran other work, or the window was
# too small to keep the server busy).
limit_of() {
	awk -v s="$1" -v c="$2" -v sat="$SATURATED" -v cb="$CLIENT_BUSY" 'BEGIN {
		if (s == "-" || c == "-") print "-"
		else if (s >= sat) print "server"
		else if (c >= cb) print "client"
		else print "busy" }'
}

# measure NAME ROUND PORT: the three runs against a started server; appends
# "NAME ROUND flat_qps flat_lost flat_p99_us flat_cpu_pct fixed_qps
# fixed_lost fixed_us_per_query tcp_qps tcp_lost tcp_cpu_pct tcp_max_ms
# flat_client_cpu_pct".
measure() {
	out=$B_DIR/$1-$2
	# (a) flat out, loadgen
	cpu_begin "$SRV_PID"
	# shellcheck disable=SC2086 # options, split
	taskset -c "$CLIENT_CPU" "$LOADGEN" -p "$3" -d "$QUERIES" -l "$DURATION" \
		-q "$WINDOW" -c "$SOCKETS" $LOADGEN_ARGS >"$out-flat.out" 2>&1 ||
		die "loadgen against $1 failed: $(tail -n 3 "$out-flat.out")"
	cpu_end "$SRV_PID"
	flat=$(sed -n 's/^result //p' "$out-flat.out" | tr ' ' '\n' | awk -F= '
		{ v[$1] = $2 } END { printf "%s %s %s %s", v["qps"], v["lost"], v["p99_us"], v["cpu_pct"] }')
	# shellcheck disable=SC2086 # four fields
	set -- "$@" $flat
	[ $# -eq 7 ] || die "could not read $out-flat.out"
	flat="$4 $5 $6 $CPU_PCT"
	client_cpu=$7
	set -- "$1" "$2" "$3"
	# (b) fixed rate, dnsperf -Q
	cpu_begin "$SRV_PID"
	taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$3" -d "$QUERIES" -l "$DURATION" \
		-c 4 -T 1 -q "$OUTSTANDING" -Q "$RATE" >"$out-fixed.out" 2>&1 ||
		die "dnsperf -Q against $1 failed: $(tail -n 3 "$out-fixed.out")"
	cpu_end "$SRV_PID"
	# shellcheck disable=SC2046 # four fields
	set -- "$@" $(dnsperf_fields "$out-fixed.out")
	[ $# -eq 7 ] || die "could not read $out-fixed.out"
	fixed="$4 $6 $(awk -v s="$CPU_S" -v n="$5" 'BEGIN { printf "%.2f", (n > 0 ? 1e6 * s / n : 0) }')"
	set -- "$1" "$2" "$3"
	# (c) TCP, dnsperf -m tcp (the canned responder has no TCP)
	tcp="- - - -"
	if [ "$1" != canned ]; then
		cpu_begin "$SRV_PID"
		taskset -c "$CLIENT_CPU" dnsperf -m tcp -s 127.0.0.1 -p "$3" -d "$QUERIES" \
			-l "$DURATION" -c "$TCP_CLIENTS" -T 1 -q "$OUTSTANDING" >"$out-tcp.out" 2>&1 ||
			die "dnsperf -m tcp against $1 failed: $(tail -n 3 "$out-tcp.out")"
		cpu_end "$SRV_PID"
		# shellcheck disable=SC2046 # four fields
		set -- "$@" $(dnsperf_fields "$out-tcp.out")
		[ $# -eq 7 ] || die "could not read $out-tcp.out"
		tcp="$4 $6 $CPU_PCT $7"
		set -- "$1" "$2" "$3"
	fi
	kill -0 "$SRV_PID" 2>/dev/null || die "$1 died during the runs"
	echo "$1 $2 $flat $fixed $tcp $client_cpu" >>"$RES"
	limit=$(limit_of "$(awk '{ print $6 }' "$RES" | tail -n 1)" "$client_cpu")
	tail -n 1 "$RES" | awk -v limit="$limit" '{
		printf "  %-14s round %d: flat %7d qps lost %d p99 %.0f us cpu %.0f%% (client %.0f%%: %s) | %d qps: %s us/query lost %d | tcp %s qps cpu %s%% max %s ms lost %s\n",
			$1, $2, $3, $4, $5, $6, $14, limit, $7, $9, $8, $10, $12, $13, $11 }' >&2
}

say "$POOLS pools x 4 A, $nmembers members, $nqueries queries;" \
	"servers:$servers; ${DURATION}s x 3 modes x $ROUNDS round(s)"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	for NAME in $servers; do
		PORT=$(freeport 1)
		start_server "$NAME" "$PORT"
		verify "$NAME" "$PORT"
		measure "$NAME" "$round" "$PORT"
		bg_stop "$SRV_PID"
	done
	round=$((round + 1))
done

# ---- summary ------------------------------------------------------------------------

# median NAME COLUMN: the median of a column over the rounds (of an even
# number: the mean of the middle two; "-" if none)
median() {
	awk -v n="$1" -v c="$2" '$1 == n && $c != "-" { print $c }' "$RES" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) print "-"
			else if (NR % 2) print v[(NR + 1) / 2]
			else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# total NAME COLUMN: the sum of a column over the rounds
total() { awk -v n="$1" -v c="$2" '$1 == n && $c != "-" { s += $c; k++ } END { print (k ? s : "-") }' "$RES"; }
# ratio A B: A / B with 2 decimals, "-" if either is missing or B is 0
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

for NAME in $servers; do
	echo "$NAME $(median "$NAME" 3) $(total "$NAME" 4) $(median "$NAME" 5) $(median "$NAME" 6)" \
		"$(median "$NAME" 9) $(total "$NAME" 8) $(median "$NAME" 10) $(median "$NAME" 12)" \
		"$(median "$NAME" 13) $(total "$NAME" 11) $(median "$NAME" 7) $(median "$NAME" 14)"
done >"$B_DIR/medians"
# med NAME FIELD: a field of the medians line of NAME (2 = flat qps ...)
med() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$B_DIR/medians"; }
label() { [ "$1" = unbound-module ] && echo "unbound+module" || echo "$1"; }

canned_qps=-
case " $servers " in *" canned "*) canned_qps=$(med canned 2) ;; esac

echo "### hotpath-peers: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo
echo "$MACHINE" | sed 's/^/    /'
echo
echo "$POOLS pools × 4 A (TTL 30), $nqueries queries (every pool once, shuffled);" \
	"each server one worker thread on CPU $SERVER_CPU, clients on CPU $CLIENT_CPU;" \
	"$ROUNDS round(s) of ${DURATION} s per mode, interleaved; medians over the rounds, lost summed."
echo "flat: \`loadgen -l $DURATION -q $WINDOW -c $SOCKETS${LOADGEN_ARGS:+ $LOADGEN_ARGS}\`;" \
	"fixed: \`dnsperf -Q $RATE -c 4 -T 1 -q $OUTSTANDING\`;" \
	"tcp: \`dnsperf -m tcp -c $TCP_CLIENTS -T 1 -q $OUTSTANDING\`."
echo
echo "| server | UDP qps | × canned | server CPU % | client CPU % | limit | p99 µs | lost | CPU µs/query at $RATE qps | qps reached | lost | TCP qps | TCP server CPU % | TCP max ms | lost |"
echo "|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
while read -r n fq fl fp fc xu xl tq tc tm tl xq cc; do
	lim=$(limit_of "$fc" "$cc")
	[ "$lim" = server ] || lim="**$lim**"
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
		"$(label "$n")" "$fq" "$(ratio "$fq" "$canned_qps")" "$fc" "$cc" "$lim" "$fp" "$fl" \
		"$xu" "$xq" "$xl" "$tq" "$tc" "$tm" "$tl"
done <"$B_DIR/medians"

# ratios: pooldns against each peer, the module against Unbound's local-data
compare() {
	printf '| %s ÷ %s | %s | %s | %s |\n' "$(label "$1")" "$(label "$2")" \
		"$(ratio "$(med "$1" 2)" "$(med "$2" 2)")" "$(ratio "$(med "$1" 6)" "$(med "$2" 6)")" \
		"$(ratio "$(med "$1" 8)" "$(med "$2" 8)")"
}
has() { case " $servers " in *" $1 "*) return 0 ;; esac; return 1; }
{
	if has pooldns; then
		for p in gdnsd knot nsd unbound canned; do has "$p" && compare pooldns "$p"; done
	fi
	has unbound-module && has unbound && compare unbound-module unbound
} >"$B_DIR/ratios"
if [ -s "$B_DIR/ratios" ]; then
	echo
	echo "| comparison | UDP qps | CPU per query at $RATE qps | TCP qps |"
	echo "|---|--:|--:|--:|"
	cat "$B_DIR/ratios"
fi
echo
echo "Limit (flat): server when it used ≥ $SATURATED % of its core; otherwise its UDP qps is" \
	"a floor, not its ceiling: **client** when loadgen used ≥ $CLIENT_BUSY % of its core," \
	"**busy** when neither did (other work on the machine)." \
	"Ratios above 1: more qps, or more CPU per query."
echo
echo "Per run (server round flat_qps flat_lost flat_p99_us flat_cpu_% fixed_qps fixed_lost" \
	"fixed_us/query tcp_qps tcp_lost tcp_cpu_% tcp_max_ms flat_client_cpu_%):"
echo
sed 's/^/    /' "$RES"
