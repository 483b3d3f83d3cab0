#!/bin/sh
# scale.sh — what a large data set costs pooldns: for N pools × 4 IPv4
# members, the cold start to the first answer, the memory after the start
# and after changes, the time from a one-member change to the answer that
# shows it, and the server's CPU per change; next to Knot DNS serving the
# same names and records from a zone file (cold start and memory).
#
# Per N (default 10,000, 100,000 and 1,000,000):
#   data     bench/scale-data.sh: a SQLite file built by the sqlite3 shell
#            (schema.json's statements, then recursive-CTE inserts); for
#            rqlite that file uploaded to a fresh rqlited (-fk, loopback,
#            /db/load); for Knot a zone file of the same records.
#   runs     pooldns --threads=1 on each source (--source), and with
#            --module Unbound with the pooldns module on each source; then
#            Knot DNS. One server at a time, started, measured, stopped.
#            On rqlite, pooldns keeps a cache file (--cache-file, as a
#            deployment would; --no-cache drops it) and gets a 600 s
#            --rqlite-timeout-ms (a full load of 1M pools takes longer than
#            the 3 s default).
#   start    from launching the server to the first answer for the last
#            pool that holds its last member (dnswait, every 5 ms).
#   load     under the table, per pooldns and module run: how long the
#            first full load from the source took by the server's own log
#            line, next to the start figure (which also holds the
#            process's start and, for the module, Unbound's handling of
#            the queries it passed on before the load).
#   memory   VmRSS 1 s after that first answer, VmRSS after the changes,
#            VmHWM (the peak, start-up included), from /proc/PID/status.
#   changes  K times (--changes, 50): sleep a random 0..poll-interval ms,
#            add a member to a random pool (sqlite3 on the file, or
#            rqlite /db/execute), then ask for that pool every 5 ms until
#            the new address is in the answer; p50, p99 (nearest rank: the
#            largest of 50) and max of the K latencies. pooldns polls with
#            --poll-interval-ms=200.
#   CPU      the server's CPU (user + system, all threads; read from the
#            process CPU clock, the nanosecond sum behind /proc/PID/stat's
#            utime + stime, which is used if the clock cannot be read) over
#            the change phase (which starts once the server idles after its
#            start — the first cache file written — and ends when it idles
#            again after the last change), minus the same over an idle replay of it (the same
#            sleeps and the same query loop for as long, no change),
#            divided by the changes seen. For rqlite also rqlited's CPU per
#            change, counted the same way (src_ms/chg).
#
# Pinning (2 CPUs or more): each server runs on CPU 0; this script and
# everything it starts besides the server (rqlited, sqlite3, curl, the
# query tool) on CPU 1 — a server's reload never competes with the load
# that measures it. Everything binds 127.0.0.1 on free ports; every
# process is stopped and the scratch directory removed at exit, also on
# error or Ctrl-C (KEEP=1 keeps the directory). Each run is bounded
# (--timeout, 600 s): the start may take all of it; no new change is made
# after half of what is left once it answers (the idle replay needs as
# long again), and one change may take --change-timeout (120 s). A run
# cut short prints what it measured (changes "seen/K", start "timeout"),
# and the script exits 1 at the end.
#
# Nothing is written to RESULTS.md: the table goes to stdout, progress to
# stderr.
#
# --smoke: 10,000 pools, 5 changes, no pinning, 0.2 s instead of 1 s
# before the first RSS reading, and assertions: every server answers its
# first query within 60 s and sees every change within 5 s; exit 1
# otherwise. `make check` runs it
# (tests/integration/scale-smoke.sh).
#
# Usage: bench/scale.sh [--builddir DIR] [--pools N]... [--changes K]
#            [--source sqlite|rqlite|both] [--module] [--no-knot]
#            [--no-cache] [--timeout S] [--change-timeout S] [--smoke]
# N may be written 10k, 100k, 1M. Programs come from the build directory
# (--builddir, else $POOLDNS_BUILDDIR, else the source tree): its
# standalone/pooldns, bench/tools/{dnswait,cpuclock}, module/pooldns.so and
# the Unbound its Makefile names. Environment: RQLITED (or
# POOLDNS_RQLITED), UNBOUND_BIN, POOLDNS, SERVER_CPU (0), CLIENT_CPU (1),
# KEEP.
set -u
SCALE_POOLDNS=${POOLDNS:-}
[ -z "${RQLITED:-}" ] && [ -n "${POOLDNS_RQLITED:-}" ] && RQLITED=$POOLDNS_RQLITED
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scale-data.sh"

usage() {
	sed -n '/^# Usage:/,/^# KEEP/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# count N: N with an optional k (thousand) or M (million) suffix, as digits.
count() {
	case "$1" in
	*[kK]) v=${1%?} m=1000 ;;
	*M) v=${1%?} m=1000000 ;;
	*) v=$1 m=1 ;;
	esac
	case "$v" in '' | *[!0-9]*) die "not a count: '$1'" ;; esac
	echo $((v * m))
}

POOLS_LIST=""
CHANGES=50
SOURCES=both
MODULE=0
KNOT=1
CACHE=1
SMOKE=0
TIMEOUT=600
CHANGE_TIMEOUT=120
POLL_MS=200
BUILDDIR=${POOLDNS_BUILDDIR:-}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
# num VAR N: VAR = count N, or exit (count's die only ends the subshell).
num() { n_v=$(count "$2") || exit 2; eval "$1=\$n_v"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--pools=* | --changes=* | --source=* | --builddir=* | --timeout=* | --change-timeout=*)
		opt=${1%%=*} val=${1#*=} ;;
	--pools | --changes | --source | --builddir | --timeout | --change-timeout)
		[ $# -ge 2 ] || usage
		opt=$1 val=$2
		shift ;;
	*) opt=$1 val="" ;;
	esac
	case "$opt" in
	--pools) num n "$val"; POOLS_LIST="$POOLS_LIST $n" ;;
	--changes) num CHANGES "$val" ;;
	--source) SOURCES=$val ;;
	--builddir) BUILDDIR=$val ;;
	--timeout) num TIMEOUT "$val" ;;
	--change-timeout) num CHANGE_TIMEOUT "$val" ;;
	--module) MODULE=1 ;;
	--no-knot) KNOT=0 ;;
	--no-cache) CACHE=0 ;;
	--smoke) SMOKE=1 ;;
	-h | --help) usage ;;
	*) say "unknown argument '$1'"; usage ;;
	esac
	shift
done
case "$SOURCES" in
sqlite | rqlite) ;;
both) SOURCES="sqlite rqlite" ;;
*) die "--source: sqlite, rqlite or both, not '$SOURCES'" ;;
esac
if [ "$SMOKE" -eq 1 ]; then
	POOLS_LIST=${POOLS_LIST:-10000}
	CHANGES=5
	CHANGE_LIMIT_MS=5000 # the smoke assertion: every change seen within 5 s
	START_LIMIT_MS=60000
	SETTLE=0.2
	TIMEOUT=120
else
	POOLS_LIST=${POOLS_LIST:-10000 100000 1000000}
	CHANGE_LIMIT_MS=$((CHANGE_TIMEOUT * 1000))
	START_LIMIT_MS=$((TIMEOUT * 1000))
	SETTLE=1
fi
[ "$CHANGES" -ge 1 ] || die "--changes must be at least 1"
QUERY_MS=5 # dnswait's interval between tries

# ---- programs ----------------------------------------------------------------

if [ -z "$BUILDDIR" ]; then
	BUILDDIR=$B_TOP
	[ -x "$BUILDDIR/standalone/pooldns" ] ||
		die "no standalone/pooldns in $B_TOP: name the build directory (--builddir DIR)"
fi
BUILDDIR=$(cd "$BUILDDIR" && pwd) || die "--builddir: no such directory"
POOLDNS=${SCALE_POOLDNS:-$BUILDDIR/standalone/pooldns}
DNSWAIT=$BUILDDIR/bench/tools/dnswait
CPUCLOCK=$BUILDDIR/bench/tools/cpuclock
[ -x "$POOLDNS" ] || die "$POOLDNS not built (make)"
for t in "$DNSWAIT" "$CPUCLOCK"; do
	[ -x "$t" ] || die "$t not built (make in $BUILDDIR)"
done
for t in sqlite3 curl awk paste; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap.sh)"
done
case " $SOURCES " in
*" rqlite "*) [ -x "$RQLITED" ] || die "rqlited not found at '$RQLITED' (scripts/bootstrap.sh, or RQLITED=)" ;;
esac
if [ "$KNOT" -eq 1 ] && ! command -v knotd >/dev/null 2>&1; then
	say "knotd not found (scripts/bootstrap.sh --bench installs it): no Knot DNS runs"
	KNOT=0
fi
if [ "$MODULE" -eq 1 ]; then
	UNBOUND_BIN=${UNBOUND_BIN:-$(sed -n 's/^UNBOUND_BIN = //p' "$BUILDDIR/Makefile" 2>/dev/null)}
	[ -n "$UNBOUND_BIN" ] && [ -x "$UNBOUND_BIN" ] ||
		die "--module: no Unbound (configure --with-unbound-src=\$(scripts/build-unbound.sh), or UNBOUND_BIN=)"
	"$UNBOUND_BIN" -V 2>&1 | grep -q dynlib || die "$UNBOUND_BIN was built without dynlib support"
	MODULE_SO=$BUILDDIR/module/.libs/pooldns.so
	[ -f "$MODULE_SO" ] || MODULE_SO=$BUILDDIR/module/pooldns.so
	[ -f "$MODULE_SO" ] || die "--module: module not built in $BUILDDIR (configure --with-unbound-src)"
	CANNEDD=$BUILDDIR/bench/tools/cannedd
	[ -x "$CANNEDD" ] || die "$CANNEDD not built (make in $BUILDDIR)"
	# A module built with sanitizers needs their runtime loaded first.
	SAN_PRELOAD=$(ldd "$MODULE_SO" 2>/dev/null | awk '/lib(asan|ubsan)\.so/ { printf "%s ", $3 }')
fi

SAN_PRELOAD=${SAN_PRELOAD:-}
MACHINE=$(machine_info) # before pinning: nproc counts the CPUs we may use
PIN_SRV=""
if [ "$SMOKE" -eq 0 ]; then
	if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
		# Everything this shell starts from now on runs on CLIENT_CPU;
		# servers are started with PIN_SRV.
		taskset -p -c "$CLIENT_CPU" $$ >/dev/null || die "taskset CPU $CLIENT_CPU failed"
		PIN_SRV="taskset -c $SERVER_CPU"
	else
		say "fewer than 2 CPUs (or no taskset): server and client are not pinned apart"
	fi
fi

# ---- helpers -------------------------------------------------------------------

now_ms() { date +%s%3N; }

# secs MS: milliseconds as seconds with 3 decimals (for sleep and output).
secs() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }

# status_kb PID FIELD: VmRSS or VmHWM of PID, in kB.
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

# mb KB: kB as MB (MiB) with one decimal, "-" if empty.
mb() {
	case "$1" in
	'' | *[!0-9]*) echo - ;;
	*) awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' ;;
	esac
}

# cpu_ns PID: CPU time used by PID so far, in ns (process CPU clock, else
# /proc/PID/stat utime + stime in ticks).
cpu_ns() {
	c=$("$CPUCLOCK" "$1" 2>/dev/null | awk '{ print $2 }')
	if [ -z "$c" ]; then
		c=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
			awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($12 + $13) * 1e9 / hz }')
	fi
	echo "${c:-0}"
}

# wait_dns PID PORT SINCE_NS LIMIT_MS DNSWAIT-ARGS...: asks the server
# (dnswait, in 2 s slices) until the condition holds; prints the ms since
# SINCE_NS. Returns 1 after LIMIT_MS, 2 if PID is gone.
wait_dns() {
	w_pid=$1 w_port=$2 w_since=$3
	w_end=$(($(now_ms) + $4))
	shift 4
	while :; do
		w_left=$((w_end - $(now_ms)))
		[ "$w_left" -gt 0 ] || return 1
		[ "$w_left" -gt 2000 ] && w_left=2000
		if w_out=$("$DNSWAIT" -p "$w_port" -S "$w_since" -i "$QUERY_MS" -T "$w_left" "$@" 2>/dev/null); then
			echo "$w_out"
			return 0
		fi
		kill -0 "$w_pid" 2>/dev/null || return 2
	done
}

# quiesce PID: waits (at most 60 s) until PID uses less than 10 ms of CPU
# in 250 ms; prints how long that took, in ms.
quiesce() {
	q_t0=$(now_ms)
	q_prev=$(cpu_ns "$1")
	while [ $(($(now_ms) - q_t0)) -lt 60000 ]; do
		sleep 0.25
		q_cur=$(cpu_ns "$1")
		[ $((q_cur - q_prev)) -lt 10000000 ] && break
		q_prev=$q_cur
	done
	echo $(($(now_ms) - q_t0))
}

# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE.
pct() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		r = p * NR / 100; i = int(r); if (i < r) i++; if (i < 1) i = 1
		printf "%.1f\n", v[i] }'
}

FAILS=0
INCOMPLETE=0
check() { # check COND MESSAGE: in smoke mode a false COND fails the run
	[ "$SMOKE" -eq 1 ] || return 0
	if ! eval "$1"; then
		say "FAIL: $2"
		FAILS=$((FAILS + 1))
	fi
}

RESULTS=$B_DIR/results
: >"$RESULTS"
# row POOLS SERVER SOURCE START_MS RSS_KB RSS_AFTER_KB HWM_KB SEEN P50 P99 MAX CPU SRC_CPU
row() {
	printf '%-8s %-15s %-7s %8s %8s %10s %8s %7s %8s %8s %8s %10s %10s\n' "$1" "$2" "$3" \
		"$(case "$4" in *[!0-9.]*) echo "$4" ;; *) secs "$4" ;; esac)" \
		"$(mb "$5")" "$(mb "$6")" "$(mb "$7")" "$8" "$9" "${10}" "${11}" "${12}" "${13}" |
		tee -a "$RESULTS" >&2
}
header() {
	printf '%-8s %-15s %-7s %8s %8s %10s %8s %7s %8s %8s %8s %10s %10s\n' pools server source \
		start_s rss_MB rss_chg_MB hwm_MB changes p50_ms p99_ms max_ms cpu_ms/chg src_ms/chg
}

# ---- servers -------------------------------------------------------------------

# source_conf SOURCE CACHEFILE: the pooldns settings of a run, as the
# "key = value" lines of the module's pooldns.conf (start_server turns them
# into --key=value flags for pooldns). A whole-request timeout of 10
# minutes: a full load of a million pools takes far longer than the 3 s
# default. Log level info: the full load's line says how long it took.
source_conf() {
	echo "poll-interval-ms = $POLL_MS"
	echo "log-level = info"
	case "$1" in
	sqlite)
		echo "source = sqlite"
		echo "sqlite-path = $DB"
		;;
	rqlite)
		echo "source = rqlite"
		echo "rqlite-url = $RQ_URL"
		echo "rqlite-timeout-ms = 600000"
		if [ "$CACHE" -eq 1 ]; then echo "cache-file = $2"; fi
		;;
	esac
}

# start_server KIND SOURCE: starts pooldns, unbound (with the module) or
# knot on a free port, pinned; sets SRV_PID, SRV_PORT, SRV_T0 (ns), and
# for unbound UPSTREAM_PID (its forwarder).
start_server() {
	UPSTREAM_PID=""
	SRV_PORT=$(freeport 1)
	d=$B_DIR/$1-$2-$N
	logname=$1-$2-$N
	mkdir -p "$d"
	case "$1" in
	pooldns)
		# shellcheck disable=SC2046 # one flag a line
		set -- $(source_conf "$2" "$d/cache.json" | sed 's/^\([^ ]*\) = /--\1=/')
		SRV_T0=$(now_ns)
		# shellcheck disable=SC2086
		bg_start "$logname" $PIN_SRV "$POOLDNS" --threads=1 \
			--listen="127.0.0.1:$SRV_PORT" "$@"
		;;
	unbound)
		source_conf "$2" "$d/cache.json" >"$d/pooldns.conf"
		# The rest of the DNS is tools/cannedd (on the client's CPU):
		# it answers at once, so a probe the module passes on before
		# its first load ends at once too (its answer, not the pool's,
		# is neither accepted by dnswait nor cached by Unbound: the
		# module marks it no_cache_store). A dead upstream would keep
		# such a query in Unbound's mesh for seconds, and later probes
		# for the same name would join it and wait as long.
		UPSTREAM_PORT=$(freeport 1)
		bg_start "$logname-upstream" "$CANNEDD" -p "$UPSTREAM_PORT"
		UPSTREAM_PID=$BG_PID
		u_i=0
		until grep -q '^ready' "$B_DIR/$logname-upstream.log" 2>/dev/null; do
			u_i=$((u_i + 1))
			[ $u_i -le 100 ] || die "cannedd did not start (port $UPSTREAM_PORT)"
			sleep 0.05
		done
		cat >"$d/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $SRV_PORT
	do-ip6: no
	num-threads: 1
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$d"
	pidfile: "$d/unbound.pid"
	logfile: ""
	use-syslog: no
	verbosity: 2
	module-config: "dynlib iterator"
	do-not-query-localhost: no
dynlib:
	dynlib-file: "$MODULE_SO"
# Nothing leaves the machine: the rest of the DNS is cannedd.
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$UPSTREAM_PORT
EOF
		SRV_T0=$(now_ns)
		# shellcheck disable=SC2086
		bg_start "$logname" env POOLDNS_CONF="$d/pooldns.conf" \
			${SAN_PRELOAD:+LD_PRELOAD="$SAN_PRELOAD" ASAN_OPTIONS=detect_leaks=0} \
			$PIN_SRV "$UNBOUND_BIN" -d -c "$d/unbound.conf"
		;;
	knot)
		mkdir -p "$d/db"
		cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    listen: 127.0.0.1@$SRV_PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$d/db"
log:
  - target: stderr
    any: warning
zone:
  - domain: $SCALE_ZONE
    file: "$ZONEFILE"
    journal-content: none
    zonefile-sync: -1
EOF
		SRV_T0=$(now_ns)
		# shellcheck disable=SC2086
		bg_start "$logname" $PIN_SRV knotd -c "$d/knot.conf" -s "$d/knot.sock"
		;;
	esac
	SRV_PID=$BG_PID
}

# stop_server: stops what start_server started.
stop_server() {
	bg_stop "$SRV_PID"
	[ -z "$UPSTREAM_PID" ] || bg_stop "$UPSTREAM_PID"
	UPSTREAM_PID=""
}

# apply_change SOURCE: the statements on stdin, to the source.
apply_change() {
	case "$1" in
	sqlite) scale_apply_sqlite "$DB" ;;
	rqlite) scale_apply_rqlite "$RQ_URL" ;;
	esac
}

# change_host SEQ: the address the SEQ-th added member gets (172.16.0.0/12).
change_host() {
	printf '172.%d.%d.%d\n' $((16 + ($1 >> 16))) $((($1 >> 8) & 255)) $(($1 & 255))
}
CHANGE_SEQ=0

# run KIND SOURCE: one measured run; appends its row.
run() {
	kind=$1 src=$2
	label=$kind
	[ "$kind" = unbound ] && label=unbound+module
	run_end=$(($(now_ms) + TIMEOUT * 1000))
	say "$N pools: $label ($src): starting"
	start_server "$kind" "$src"
	last=$(scale_pool_name "$N")
	last_host=$(scale_member_host $((4 * N)))
	if ! start_ms=$(wait_dns "$SRV_PID" "$SRV_PORT" "$SRV_T0" "$START_LIMIT_MS" -a "$last_host" "$last"); then
		if kill -0 "$SRV_PID" 2>/dev/null; then
			say "$label ($src): no answer for $last within $(secs "$START_LIMIT_MS") s"
			start_ms=timeout
		else
			say "$label ($src): exited at start-up"
			start_ms=died
		fi
		check false "$label ($src), $N pools: first answer"
		INCOMPLETE=1
		hwm=$(status_kb "$SRV_PID" VmHWM)
		row "$N" "$label" "$src" "$start_ms" - - "$hwm" "0/$CHANGES" - - - - -
		stop_server
		load_note
		return
	fi
	say "$label ($src): first answer after $start_ms ms"
	sleep "$SETTLE"
	rss0=$(status_kb "$SRV_PID" VmRSS)
	if [ "$kind" = knot ]; then
		hwm=$(status_kb "$SRV_PID" VmHWM)
		row "$N" "$label" "$src" "$start_ms" "$rss0" - "$hwm" - - - - - -
		bg_stop "$SRV_PID"
		return
	fi

	# The start's own trailing work (the first cache file, freeing what
	# the load left behind) is not a change's: the changes start once the
	# server idles (at most 60 s).
	[ "$SMOKE" -eq 1 ] || quiesce "$SRV_PID" >/dev/null

	# Changes: the plan's pools and sleeps, one new address each.
	lat=$B_DIR/lat-$kind-$src-$N
	: >"$lat"
	src_pid=""
	[ "$src" = rqlite ] && src_pid=$RQ_PID
	c0=$(cpu_ns "$SRV_PID")
	s0=0
	[ -n "$src_pid" ] && s0=$(cpu_ns "$src_pid")
	# New changes stop half-way between now and the run's end, so that
	# the idle replay (as long as the changes took) fits in the run too.
	changes_end=$(( $(now_ms) + (run_end - $(now_ms)) / 2 ))
	[ "$SMOKE" -eq 1 ] && changes_end=$run_end
	seen=0 status=ok
	while read -r pool pause; do
		if [ "$(now_ms)" -ge "$changes_end" ]; then
			status="run time up after $seen changes"
			break
		fi
		sleep "$(secs "$pause")"
		CHANGE_SEQ=$((CHANGE_SEQ + 1))
		host=$(change_host "$CHANGE_SEQ")
		t0=$(now_ns)
		scale_sql_add_member "$pool" "$host" | apply_change "$src" ||
			{ status="change failed"; break; }
		if ms=$(wait_dns "$SRV_PID" "$SRV_PORT" "$t0" "$CHANGE_LIMIT_MS" -a "$host" "$(scale_pool_name "$pool")"); then
			echo "$ms $pause $(scale_pool_name "$pool")" >>"$lat"
			seen=$((seen + 1))
		else
			status="change $((seen + 1)) ($host in pool $pool) not seen"
			break
		fi
	done <"$PLAN"
	# The last change's trailing work (cache file, freeing the old
	# snapshot) belongs to the change phase: wait until the server idles.
	tail_ms=$(quiesce "$SRV_PID")
	c1=$(cpu_ns "$SRV_PID")
	s1=0
	[ -n "$src_pid" ] && s1=$(cpu_ns "$src_pid")
	[ "$status" = ok ] || { say "$label ($src): $status"; INCOMPLETE=1; }
	check '[ "$seen" -eq "$CHANGES" ]' "$label ($src), $N pools: $seen of $CHANGES changes seen within $(secs "$CHANGE_LIMIT_MS") s"

	# The idle replay: the same pauses and query loop, no change. (Not in
	# the smoke run, which asserts no CPU figure and must be quick.)
	if [ "$SMOKE" -eq 1 ]; then : >"$lat.replay"; else cp "$lat" "$lat.replay"; fi
	i0=$(cpu_ns "$SRV_PID")
	j0=0
	[ -n "$src_pid" ] && j0=$(cpu_ns "$src_pid")
	while read -r ms pause name; do
		sleep "$(secs "$pause")"
		ms=${ms%.*}
		[ "$ms" -ge 1 ] || ms=1
		"$DNSWAIT" -p "$SRV_PORT" -i "$QUERY_MS" -d "$ms" "$name" >/dev/null
	done <"$lat.replay"
	[ "$SMOKE" -eq 1 ] || sleep "$(secs "$tail_ms")"
	i1=$(cpu_ns "$SRV_PID")
	j1=0
	[ -n "$src_pid" ] && j1=$(cpu_ns "$src_pid")

	rss1=$(status_kb "$SRV_PID" VmRSS)
	hwm=$(status_kb "$SRV_PID" VmHWM)
	cut -d' ' -f1 "$lat" >"$lat.ms"
	if [ "$seen" -gt 0 ] && [ "$SMOKE" -eq 0 ]; then
		cpu=$(awk -v a=$((c1 - c0)) -v b=$((i1 - i0)) -v n="$seen" 'BEGIN { printf "%.2f", (a - b) / n / 1e6 }')
		scpu=-
		[ -n "$src_pid" ] && scpu=$(awk -v a=$((s1 - s0)) -v b=$((j1 - j0)) -v n="$seen" 'BEGIN { printf "%.2f", (a - b) / n / 1e6 }')
	else
		cpu=- scpu=-
	fi
	n_col=$seen
	[ "$seen" -lt "$CHANGES" ] && n_col="$seen/$CHANGES"
	row "$N" "$label" "$src" "$start_ms" "$rss0" "$rss1" "$hwm" "$n_col" \
		"$(pct "$lat.ms" 50)" "$(pct "$lat.ms" 99)" "$(pct "$lat.ms" 100)" "$cpu" "$scpu"
	kill -0 "$SRV_PID" 2>/dev/null || check false "$label ($src) died during the run"
	stop_server
	load_note
}

# load_note: the server's own account of its first full load from the
# source ("loaded data version N in T ms", pooldns and module alike) goes
# under the table. It tells the load apart from the rest of the start
# (Unbound's own start, queries it passed on before the load, a cache
# file served first).
load_note() {
	l_ms=$(sed -n 's/.* loaded data version [0-9-]* in \([0-9]*\) ms:.*/\1/p' \
		"$B_DIR/$logname.log" | head -n 1)
	l_txt="not logged"
	[ -n "$l_ms" ] && l_txt="$(secs "$l_ms") s"
	s_txt=$start_ms
	case "$start_ms" in *[!0-9.]*) ;; *) s_txt="$(secs "$start_ms") s" ;; esac
	LOAD_NOTES="$LOAD_NOTES
$N pools, $label ($src): first full load $l_txt; first answer $s_txt after the launch"
}
LOAD_NOTES=""

# ---- the runs ------------------------------------------------------------------

say "pools: $POOLS_LIST; changes: $CHANGES; sources: $SOURCES; module: $MODULE; knot: $KNOT;" \
	"poll interval $POLL_MS ms; run timeout $TIMEOUT s; build dir $BUILDDIR"
DATA_NOTES=""
note() { DATA_NOTES="$DATA_NOTES
# $*"; say "$*"; }

for N in $POOLS_LIST; do
	[ "$N" -ge 1 ] && [ "$N" -le 4000000 ] || die "--pools: 1 .. 4,000,000, not $N"
	DB=$B_DIR/pools-$N.db
	t=$(now_ms)
	scale_make_db "$DB" "$N" "$B_TOP/schema.json" || die "building the SQLite file for $N pools failed"
	note "$N pools: SQLite file ($(mb $(($(stat -c %s "$DB") / 1024))) MB) built in $(secs $(($(now_ms) - t))) s"

	# The plan: K pools (uniform, fixed seed) and the pause before each change.
	PLAN=$B_DIR/plan-$N
	awk -v n="$N" -v k="$CHANGES" -v poll="$POLL_MS" 'BEGIN {
		srand(20261125)
		for (i = 0; i < k; i++) printf "%d %d\n", 1 + int(rand() * n), int(rand() * poll)
	}' >"$PLAN"

	if [ "$KNOT" -eq 1 ]; then
		ZONEFILE=$B_DIR/scale-$N.zone
		t=$(now_ms)
		scale_zone_file "$DB" >"$ZONEFILE" || die "zone file for $N pools failed"
		note "$N pools: zone file ($(($(wc -l <"$ZONEFILE") - 4)) A records) written in $(secs $(($(now_ms) - t))) s"
	fi

	RQ_PID=""
	case " $SOURCES " in
	*" rqlite "*)
		# shellcheck disable=SC2046 # two ports, one a line
		set -- $(freeport 2)
		RQ_URL=http://127.0.0.1:$1
		bg_start "rqlited-$N" "$RQLITED" -fk -node-id scale -http-addr "127.0.0.1:$1" \
			-raft-addr "127.0.0.1:$2" "$B_DIR/rqlite-$N"
		RQ_PID=$BG_PID
		scale_rqlite_ready "$RQ_URL" || die "rqlited did not become ready"
		t=$(now_ms)
		scale_rqlite_load "$RQ_URL" "$DB" 1800 || die "loading $N pools into rqlited failed"
		got=$(curl -sS -G "$RQ_URL/db/query" --data-urlencode 'q=SELECT count(*) FROM dns_zone_member' |
			sed -n 's/.*"values":\[\[\([0-9]*\)\]\].*/\1/p')
		[ "$got" = $((4 * N)) ] || die "rqlited holds '$got' members after the load, not $((4 * N))"
		note "$N pools: loaded into rqlited (/db/load) in $(secs $(($(now_ms) - t))) s"
		;;
	esac

	for src in $SOURCES; do
		run pooldns "$src"
	done
	if [ "$MODULE" -eq 1 ]; then
		for src in $SOURCES; do
			run unbound "$src"
		done
	fi
	[ "$KNOT" -eq 1 ] && run knot zone
	[ -n "$RQ_PID" ] && bg_stop "$RQ_PID"
	rm -rf "$DB" "$B_DIR/rqlite-$N" "${ZONEFILE:-}"
done

# ---- the table -----------------------------------------------------------------

echo "# bench/scale.sh: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "$MACHINE" | sed 's/^/# /'
echo "# load average at the end (1, 5, 15 min): $(cut -d" " -f1-3 /proc/loadavg)"
echo "# $("$POOLDNS" --version 2>&1 | head -n 1); --threads=1 --poll-interval-ms=$POLL_MS;" \
	"rqlite: $("$RQLITED" -version 2>&1 | head -n 1 | cut -d' ' -f1-2), cache file $([ "$CACHE" -eq 1 ] && echo on || echo off)"
[ "$KNOT" -eq 1 ] && echo "# knot: $(knotd --version 2>&1 | head -n 1)"
[ "$MODULE" -eq 1 ] && echo "# unbound: $("$UNBOUND_BIN" -V 2>&1 | head -n 1), num-threads 1, module-config \"dynlib iterator\""
echo "# pinning: $([ -n "$PIN_SRV" ] && echo "server on CPU $SERVER_CPU, rest on CPU $CLIENT_CPU" || echo none)"
echo "# changes: $CHANGES per run, each adds one member to a random pool; latency from before the write to the answer"
printf '%s\n' "$DATA_NOTES" | sed '/^$/d'
header
cat "$RESULTS"
printf '%s\n' "$LOAD_NOTES" | sed '/^$/d; s/^/# /'

if [ "$SMOKE" -eq 1 ]; then
	[ "$FAILS" -eq 0 ] || { say "smoke: $FAILS check(s) failed"; exit 1; }
	say "smoke: all checks passed"
	exit 0
fi
[ "$INCOMPLETE" -eq 0 ] || { say "some runs were cut short (see above)"; exit 1; }
exit 0
