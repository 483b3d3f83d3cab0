#!/bin/sh
# module-callgrind.sh — instructions per query of Unbound answering pool
# names through the pooldns module, next to the same Unbound answering the
# same names from local-data, counted with valgrind's callgrind (Ir:
# instructions executed). Instruction counts do not depend on the machine's
# load, unlike wall-clock rates, so small steps can be compared.
#
# Data: POOLS (1000) generated pools p00001.bench.example. ... (4 members:
# 3 A, 1 AAAA; round_robin, TTL 30) in a SQLite file (bench/lib.sh). One
# Unbound (num-threads: 1, module-config "dynlib validator iterator", the
# module reading the SQLite file) runs under callgrind twice per
# configuration:
#   module      the module answers the pool names;
#   local-data  the same Unbound and module, plus local-zone
#               "bench.example." static with every pool's members as
#               local-data, which Unbound answers before any module runs;
#   module-cache  as module, with module-cache-ttl = CACHE_TTL (default 60)
#               in the module's config: after the first pass every query
#               is a hit in Unbound's message cache, so this is the cost of
#               a cached answer (a miss costs what "module" costs plus the
#               store; see bench/RESULTS.md for the mix at a given rate).
# dnsperf sends every pool name as A and AAAA (2 x POOLS queries), once in
# the short run and 1 + RUNS times in the long one; the difference of the
# worker thread's Ir between the two runs, divided by the difference in
# completed queries, is Ir/query with start-up, loading and shutdown
# taken out. Only Unbound's first thread (its only worker) is counted: the
# module's poller thread does nothing per query.
#
#   UNBOUND=/path/to/sbin/unbound MODULE=/path/to/pooldns.so bench/module-callgrind.sh
#   CONFIGS="module" RUNS=5 POOLS=1000 KEEP=1 bench/module-callgrind.sh
#   UNBOUND_EXTRA="wait-limit: 0" CONFIGS=module bench/module-callgrind.sh
#
# UNBOUND defaults to .deps/unbound/prefix/sbin/unbound, MODULE to
# module/.libs/pooldns.so under the current directory (a build tree).
# KEEP=1 keeps the callgrind files (callgrind_annotate them for the
# function breakdown). UNBOUND_EXTRA: more "server:" lines (separated by
# ";") for every configuration, e.g. to see what an Unbound option costs.
set -eu
. "$(dirname "$0")/lib.sh"

POOLS=${POOLS:-1000}
CACHE_TTL=${CACHE_TTL:-60}
RUNS=${RUNS:-5}
CONFIGS=${CONFIGS:-module local-data}
UNBOUND=${UNBOUND:-$B_TOP/.deps/unbound/prefix/sbin/unbound}
MODULE=${MODULE:-$PWD/module/.libs/pooldns.so}
for t in valgrind dnsperf sqlite3 dig; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found"
done
[ -x "$UNBOUND" ] || die "no unbound at $UNBOUND (set UNBOUND)"
[ -f "$MODULE" ] || die "no module at $MODULE (set MODULE, or run from a build tree)"
MODULE=$(cd "$(dirname "$MODULE")" && pwd)/$(basename "$MODULE")

DB="$B_DIR/pools.db"
gen_pools_sql "$POOLS" 10.0.0.1 2001:db8:1:: >"$B_DIR/generated.sql"
sqlite_load "$DB" "$B_TOP/schema.json" || die "schema.json did not load"
sqlite_load "$DB" "$B_TOP/populate_data.json" || die "populate_data.json did not load"
sqlite3 -bail "$DB" <"$B_DIR/generated.sql" || die "generated pools did not load"
BENCH="z.name LIKE '%.bench.example.'"
sqlite3 "$DB" "SELECT name || ' A' FROM dns_zone z WHERE $BENCH
	UNION ALL SELECT name || ' AAAA' FROM dns_zone z WHERE $BENCH" >"$B_DIR/queries"
nq=$(wc -l <"$B_DIR/queries")

cat >"$B_DIR/pooldns.conf" <<EOF
source = sqlite
sqlite-path = $DB
poll-interval-ms = 60000
log-level = warning
EOF
{ cat "$B_DIR/pooldns.conf"; echo "module-cache-ttl = $CACHE_TTL"; } >"$B_DIR/pooldns-cache.conf"

# conf NAME PORT: the Unbound config of configuration NAME.
conf() {
	cat <<EOF
server:
	interface: 127.0.0.1
	port: $2
	do-ip6: no
	num-threads: 1
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$B_DIR"
	pidfile: "$B_DIR/unbound-$1.pid"
	logfile: ""
	use-syslog: no
	verbosity: 0
	access-control: 127.0.0.0/8 allow
	module-config: "dynlib validator iterator"
EOF
	if [ -n "${UNBOUND_EXTRA:-}" ]; then
		echo "$UNBOUND_EXTRA" | tr ';' '\n' | sed 's/^[[:space:]]*/	/'
	fi
	if [ "$1" = local-data ]; then
		printf '\tlocal-zone: "bench.example." static\n'
		sqlite3 "$DB" "SELECT printf('	local-data: \"%s %d IN %s %s\"', z.name, z.ttl,
			CASE WHEN instr(m.host, ':') > 0 THEN 'AAAA' ELSE 'A' END, m.host)
			FROM dns_zone z JOIN dns_zone_member m ON m.dns_zone = z.id
			WHERE m.enabled = 1 AND $BENCH ORDER BY z.id, m.id"
	fi
	printf 'dynlib:\n\tdynlib-file: "%s"\n' "$MODULE"
}

# measure NAME TIMES: Unbound under callgrind, the query file sent TIMES
# times; sets M_IR (the worker thread's Ir) and M_Q (queries answered).
# Runs in this shell (not in a command substitution), so that die and
# bench_cleanup stop what it started.
measure() {
	port=$(freeport 1)
	conf "$1" "$port" >"$B_DIR/$1.conf"
	out="$B_DIR/callgrind.$1.$2"
	pconf="$B_DIR/pooldns.conf"
	[ "$1" != module-cache ] || pconf="$B_DIR/pooldns-cache.conf"
	POOLDNS_CONF="$pconf" bg_start "unbound-$1-$2" \
		valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out" \
		"$UNBOUND" -d -c "$B_DIR/$1.conf"
	pid=$BG_PID
	first=$(head -n 1 "$B_DIR/queries" | cut -d' ' -f1)
	tries=0
	until dig @127.0.0.1 -p "$port" +time=2 +tries=1 "$first" A 2>/dev/null |
		grep -q 'status: NOERROR'; do
		kill -0 "$pid" 2>/dev/null || die "unbound ($1) died"
		tries=$((tries + 1))
		[ $tries -lt 120 ] || die "unbound ($1) does not answer $first"
		sleep 0.5
	done
	dnsperf -s 127.0.0.1 -p "$port" -d "$B_DIR/queries" -n "$2" -c 1 -q 20 -t 10 \
		>"$B_DIR/dnsperf.$1.$2" 2>&1 || die "dnsperf failed ($1)"
	done_q=$(awk '/Queries completed:/ { print $3 }' "$B_DIR/dnsperf.$1.$2")
	noerror=$(awk '$1 == "Response" && $3 == "NOERROR" { print $4 }' "$B_DIR/dnsperf.$1.$2")
	[ "$noerror" = "$done_q" ] || die "$1: only $noerror of $done_q answers were NOERROR"
	bg_stop "$pid" || true # (its last kill fails once Unbound has gone)
	f="$out-01"
	[ -f "$f" ] || die "no callgrind output $f"
	M_IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
	[ -n "$M_IR" ] || die "no Ir total in $f"
	# the dig queries that waited for start-up count too
	M_Q=$((done_q + tries + 1))
}

say "$POOLS pools; $nq queries per pass; short run 1 pass, long run $((1 + RUNS)) passes"
say "unbound: $("$UNBOUND" -V 2>&1 | sed -n 's/^Version //p') ($UNBOUND); module: $MODULE"
machine_info | while read -r line; do say "$line"; done
for c in $CONFIGS; do
	measure "$c" 1
	ir1=$M_IR q1=$M_Q
	measure "$c" $((1 + RUNS))
	ir2=$M_IR q2=$M_Q
	per=$(( (ir2 - ir1) / (q2 - q1) ))
	say "$c: $ir1 Ir / $q1 queries, $ir2 Ir / $q2 queries"
	echo "$c $per Ir/query"
done
