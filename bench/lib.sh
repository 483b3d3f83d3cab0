# lib.sh — shell functions shared by the benchmarks in bench/: a scratch
# directory, free loopback ports, starting and stopping background servers,
# building the benchmark data set (schema.json + populate_data.json + N
# generated pools) into a SQLite file, the peer servers' configurations
# (gdnsd, Knot DNS, NSD), and CPU accounting from /proc.
# Sourced, not run. POSIX sh.
#
# Everything a bench starts through bg_start is stopped by bench_cleanup,
# which this file installs as the EXIT trap, so no server outlives a bench.
#
# Variables a bench may set before sourcing: KEEP=1 keeps the scratch
# directory (its path is printed at exit).

B_TOP=$(cd "$(dirname "$0")/.." && pwd)
B_NAME=$(basename "$0" .sh)
B_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pooldns-$B_NAME.XXXXXX")
B_PIDS=""
POOLDNS=${POOLDNS:-$B_TOP/standalone/pooldns}
RQLITED=${RQLITED:-$B_TOP/.deps/rqlite/bin/rqlited}

say() { printf '%s: %s\n' "$B_NAME" "$*" >&2; }
die() { printf '%s: error: %s\n' "$B_NAME" "$*" >&2; exit 1; }

bench_cleanup() {
	rc=$?
	trap - EXIT INT TERM
	for pid in $B_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $B_PIDS; do
		i=0	# bounded: 5 s, then SIGKILL
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null
	done
	if [ $rc -ne 0 ]; then
		for f in "$B_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "---- tail of $f" >&2
			tail -n 20 "$f" >&2
		done
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		say "scratch directory kept: $B_DIR"
	else
		rm -rf "$B_DIR"
	fi
	exit $rc
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# bg_start NAME CMD...: run CMD in the background with its output in
# $B_DIR/NAME.log; sets BG_PID and records it for bench_cleanup.
bg_start() {
	name=$1
	shift
	"$@" >"$B_DIR/$name.log" 2>&1 &
	BG_PID=$!
	B_PIDS="$B_PIDS $BG_PID"
}

# bg_stop PID: SIGTERM, wait (bounded 5 s, then SIGKILL), forget it.
bg_stop() {
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	new=""
	for p in $B_PIDS; do [ "$p" = "$1" ] || new="$new $p"; done
	B_PIDS=$new
}

# used_ports: every local TCP and UDP port in use (IPv4 and IPv6), decimal,
# one per line, read from /proc/net.
used_ports() {
	cat /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6 2>/dev/null |
		awk 'NR > 0 && $2 ~ /:/ { split($2, a, ":"); print a[2] }' |
		while read -r hex; do printf '%d\n' "0x$hex"; done | sort -un
}

# freeport N: N distinct ports that no TCP or UDP socket uses now, one per
# line, from 24000 up to just below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range). Never from inside it: the servers bind
# with SO_REUSEPORT as the same user as the clients, and a client whose
# source port the kernel picked equal to a server's port would receive its
# own queries (tests/tools/freeport.c). (A port can still be taken between
# this check and the server's bind; the server then fails to start and the
# bench says so.)
freeport() {
	used_ports >"$B_DIR/.used"
	# (cut, not read: a shell's one-byte reads see only the first byte
	# of a sysctl file)
	eph_lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || eph_lo=32768
	[ "$eph_lo" -gt 25000 ] || die "the ephemeral port range starts at $eph_lo: no room for the servers' ports below it (24000..)"
	awk -v n="$1" -v hi="$eph_lo" -v seed="$$$(date +%N)" '
		{ used[$1] = 1 }
		END {
			srand(seed % 2147483647)
			got = 0
			while (got < n) {
				p = 24000 + int(rand() * (hi - 24000))
				if (!(p in used)) { used[p] = 1; print p; got++ }
			}
		}' "$B_DIR/.used"
}

# wait_dns PORT PID [NAME]: until the server at 127.0.0.1:PORT answers a
# query for NAME (any rcode) over UDP; at most 20 s, and fails at once if
# PID died.
wait_dns() {
	i=0
	while [ $i -lt 200 ]; do
		if dig @127.0.0.1 -p "$1" +time=1 +tries=1 "${3:-bench-ready.invalid}" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_loaded NAME PORT PID DB SECONDS: until the server NAME at
# 127.0.0.1:PORT answers the last pool of DB (by id) with an IPv4 address,
# so the whole data is loaded; dies when PID exits or after SECONDS.
wait_loaded() {
	wl_last=$(sqlite3 "$4" "SELECT name FROM dns_zone ORDER BY id DESC LIMIT 1")
	wl_i=0
	while [ $wl_i -lt $(($5 * 10)) ]; do
		dig @127.0.0.1 -p "$2" +short +time=1 +tries=1 "$wl_last" A 2>/dev/null |
			grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' && return 0
		kill -0 "$3" 2>/dev/null || die "$1 exited at start-up"
		sleep 0.1
		wl_i=$((wl_i + 1))
	done
	die "$1 did not answer $wl_last on port $2 within $5 s"
}

# sqlite_load DB FILE: run an rqlite /db/execute payload (a JSON array of
# SQL strings) against a SQLite file, with the sqlite3 shell alone.
sqlite_load() {
	sqlite3 -bail ":memory:" "SELECT value || ';' FROM json_each(readfile('$2'))" |
		sqlite3 -bail "$1"
}

# gen_pools_sql N V4_BASE V6_PREFIX: three SQL statements, one a line
# (recursive CTEs, no loop in the shell), adding N pools
# p00001.bench.example. ... with ids from
# 1001, each with 4 members: 3 IPv4 addresses counted up from V4_BASE
# (dotted quad, as a 32-bit integer sequence) and one IPv6 address
# V6_PREFIX<hex index>. Health-check columns keep their defaults (none).
gen_pools_sql() {
	v=$(ip4_int "$2")
	cnt="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)"
	echo "$cnt INSERT INTO dns_zone (id, name, ttl, policy, max_answers, fallback)" \
		"SELECT 1000 + i, printf('p%05d.bench.example.', i), 30, 'round_robin', 8, 'all' FROM n;"
	a="($v + (i - 1) * 3 + j)"
	echo "$cnt, k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 2)" \
		"INSERT INTO dns_zone_member (dns_zone, host)" \
		"SELECT 1000 + i, printf('%d.%d.%d.%d', ($a >> 24) & 255, ($a >> 16) & 255, ($a >> 8) & 255, $a & 255)" \
		"FROM n, k;"
	echo "$cnt INSERT INTO dns_zone_member (dns_zone, host) SELECT 1000 + i, printf('$3%x', i) FROM n;"
}

# gen_pools4_sql N V4_BASE: two SQL statements, one a line, adding N pools
# p00001.bench.example. ... (ids from 1001, TTL 30, round_robin, up to 8
# answers) with 4 IPv4 members each, counted up from V4_BASE. The hot-path
# benchmark's data: every pool answers 4 A records.
gen_pools4_sql() {
	v=$(ip4_int "$2")
	cnt="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)"
	echo "$cnt INSERT INTO dns_zone (id, name, ttl, policy, max_answers, fallback)" \
		"SELECT 1000 + i, printf('p%05d.bench.example.', i), 30, 'round_robin', 8, 'all' FROM n;"
	a="($v + (i - 1) * 4 + j)"
	echo "$cnt, k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 3)" \
		"INSERT INTO dns_zone_member (dns_zone, host)" \
		"SELECT 1000 + i, printf('%d.%d.%d.%d', ($a >> 24) & 255, ($a >> 16) & 255, ($a >> 8) & 255, $a & 255)" \
		"FROM n, k;"
}

# ip4_int A.B.C.D: the address as an integer.
ip4_int() {
	echo "$1" | awk -F. '{ printf "%d\n", (($1 * 256 + $2) * 256 + $3) * 256 + $4 }'
}

# proc_cpu_ticks PID: utime + stime, in clock ticks, of PID and every
# process below it (nsd, for one, serves from a forked child). Fields 14
# and 15 of /proc/N/stat, counted after the command name's closing
# parenthesis since the name may hold spaces; field 4 is the parent.
proc_cpu_ticks() {
	for f in /proc/[0-9]*/stat; do
		sed 's/^\([0-9]*\) .*) /\1 /' "$f" 2>/dev/null
	done | awk -v root="$1" '
		{ ppid[$1] = $3; ticks[$1] = $13 + $14 }
		END {
			for (p in ticks) {
				q = p + 0
				for (d = 0; d < 64 && q != root && q > 1; d++) q = ppid[q]
				if (q == root) sum += ticks[p]
			}
			print sum + 0
		}'
}


# ---- peer servers: configurations the benches share -----------------------
# Each writes, on stdout, the configuration of one peer serving the zones
# ZONE... (names with the trailing dot) on 127.0.0.1:PORT with one worker
# thread per transport, the zone files in ZONEDIR named after the zone
# without its dot (Knot and NSD: with ".zone" added). The caller starts
# the daemon, pinned as it wants.

# gdnsd_conf PORT: gdnsd 3's "options" block (the config file is DIR/config,
# the zones DIR/zones/; a caller may append a plugins block).
gdnsd_conf() {
	printf 'options => {\n  listen => [ 127.0.0.1:%s ]\n  udp_threads => 1\n  tcp_threads => 1\n}\n' "$1"
}

# knot_conf DIR PORT ZONEDIR ZONE...: knot.conf (run with -c DIR/knot.conf
# -s DIR/knot.sock); the zone files are only read, never written back.
knot_conf() {
	k_dir=$1 k_port=$2 k_zones=$3
	shift 3
	cat <<EOF
server:
    rundir: "$k_dir"
    listen: 127.0.0.1@$k_port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$k_dir/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$k_zones"
    file: "%s.zone"
    journal-content: none
    zonefile-sync: -1
zone:
EOF
	for z in "$@"; do echo "  - domain: $z"; done
}

# nsd_conf DIR PORT ZONEDIR ZONE...: nsd.conf (run with nsd -d -c), state
# and log in DIR.
nsd_conf() {
	n_dir=$1 n_port=$2 n_zones=$3
	shift 3
	cat <<EOF
server:
    ip-address: 127.0.0.1@$n_port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$n_zones"
    database: ""
    zonelistfile: "$n_dir/zone.list"
    xfrdfile: "$n_dir/xfrd.state"
    xfrdir: "$n_dir"
    pidfile: "$n_dir/nsd.pid"
    logfile: "$n_dir/nsd.log"
remote-control:
    control-enable: no
EOF
	for z in "$@"; do
		echo "zone:"
		echo "    name: $z"
		echo "    zonefile: ${z%.}.zone"
	done
}

# now_ns: nanoseconds since the epoch (GNU date).
now_ns() { date +%s%N; }

# machine_info: one line per fact about this machine, for the results.
machine_info() {
	echo "date (UTC): $(date -u '+%Y-%m-%d %H:%M:%S')"
	echo "cpus: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "kernel: $(uname -sr)"
	echo "debian: $(cat /etc/debian_version 2>/dev/null || echo unknown)"
	echo "load average (1, 5, 15 min): $(cut -d" " -f1-3 /proc/loadavg)"
}
