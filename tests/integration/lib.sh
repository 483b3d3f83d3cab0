# lib.sh — shared shell functions for the integration tests: start and stop
# rqlited and pooldns on free loopback ports, load JSON payloads, wait for
# readiness with bounded retries. Sourced, not run. POSIX sh.
#
# Everything a test starts is recorded and stopped by `cleanup`, which the
# sourcing script installs as its EXIT trap, so no server outlives a test.
#
# Environment (set by `make check` through AM_TESTS_ENVIRONMENT):
#   POOLDNS_SRCDIR     top source directory (schema.json, tests/cases)
#   POOLDNS_BUILDDIR   top build directory (standalone/pooldns, harness/...)
#   POOLDNS_RQLITED    rqlited binary
#   DIG                dig binary

: "${POOLDNS_SRCDIR:?POOLDNS_SRCDIR is not set (run through make check)}"
: "${POOLDNS_BUILDDIR:?POOLDNS_BUILDDIR is not set (run through make check)}"
DIG=${DIG:-dig}

T_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pooldns-$T_NAME.XXXXXX")
T_PIDS=""
T_FAILED=0

log() { printf '%s: %s\n' "$T_NAME" "$*"; }
fail() { printf '%s: FAIL: %s\n' "$T_NAME" "$*"; T_FAILED=1; }
die() { printf '%s: FAIL: %s\n' "$T_NAME" "$*"; exit 1; }

cleanup() {
	rc=$?
	for pid in $T_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $T_PIDS; do
		# bounded: 5 s, then SIGKILL
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null
	done
	if [ $rc -ne 0 ] || [ "$T_FAILED" -ne 0 ]; then
		for f in "$T_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "---- tail of $f"
			tail -n 40 "$f"
		done
	fi
	rm -rf "$T_DIR"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# freeport N: N free loopback ports (TCP and UDP), one per line.
freeport() { "$POOLDNS_BUILDDIR/tests/tools/freeport" "$@"; }

forget_pid() {
	new=""
	for p in $T_PIDS; do [ "$p" = "$1" ] || new="$new $p"; done
	T_PIDS=$new
}

# stop_pid PID: SIGTERM, wait up to 10 s; returns the exit status.
stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1"
	st=$?
	forget_pid "$1"
	return $st
}

# start_rqlited NAME HTTP_PORT RAFT_PORT [args...]: a node with -fk whose
# data lives in $T_DIR/NAME; sets RQLITED_PID. Waits until it is ready.
start_rqlited() {
	name=$1 http=$2 raft=$3
	shift 3
	[ -x "${POOLDNS_RQLITED:-}" ] || die "rqlited not found (POOLDNS_RQLITED='${POOLDNS_RQLITED:-}'); run scripts/bootstrap.sh"
	"$POOLDNS_RQLITED" -fk -node-id "$name" -http-addr "127.0.0.1:$http" \
		-raft-addr "127.0.0.1:$raft" "$@" "$T_DIR/$name" >"$T_DIR/$name.log" 2>&1 &
	RQLITED_PID=$!
	T_PIDS="$T_PIDS $RQLITED_PID"
	wait_rqlite_ready "$http" || die "rqlited $name on port $http did not become ready"
}

# wait_rqlite_ready HTTP_PORT: until /readyz answers 200 (at most 15 s).
wait_rqlite_ready() {
	i=0
	while [ $i -lt 150 ]; do
		if curl -sf -o /dev/null "http://127.0.0.1:$1/readyz"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# rqlite_exec HTTP_PORT FILE|-d JSON: POST an /db/execute payload; fails on
# any statement error.
rqlite_exec() {
	port=$1
	shift
	if [ "$1" = "-d" ]; then
		out=$(curl -sS -XPOST "http://127.0.0.1:$port/db/execute" \
			-H 'Content-Type: application/json' -d "$2") || return 1
	else
		out=$(curl -sS -XPOST "http://127.0.0.1:$port/db/execute" \
			-H 'Content-Type: application/json' -d @"$1") || return 1
	fi
	case "$out" in
	*'"error"'*) echo "rqlite: $out" >&2; return 1 ;;
	esac
	return 0
}

# sqlite_load DB FILE: run an rqlite /db/execute payload (a JSON array of
# SQL strings) against a SQLite file, with the sqlite3 shell alone.
sqlite_load() {
	sqlite3 -bail ":memory:" "SELECT value || ';' FROM json_each(readfile('$2'))" |
		sqlite3 -bail "$1"
}

# start_pooldns NAME PORT [flags...]: the standalone server on 127.0.0.1:PORT;
# sets POOLDNS_PID. Waits until it answers (any rcode) over UDP.
start_pooldns() {
	name=$1 port=$2
	shift 2
	"$POOLDNS_BUILDDIR/standalone/pooldns" --listen="127.0.0.1:$port" "$@" \
		>"$T_DIR/$name.log" 2>&1 &
	POOLDNS_PID=$!
	T_PIDS="$T_PIDS $POOLDNS_PID"
	i=0
	while [ $i -lt 100 ]; do
		if "$DIG" @127.0.0.1 -p "$port" +time=1 +tries=1 pooldns-ready.invalid >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$POOLDNS_PID" 2>/dev/null || die "pooldns $name exited at start-up"
		sleep 0.1
		i=$((i + 1))
	done
	die "pooldns $name did not answer on port $port"
}

# run_harness ARGS...: pooldns-harness with ARGS. The cases' fake backends
# listen on fixed addresses and ports derived from each case's number
# (harness/README.md), so two harness runs at once (make -j check runs the
# integration scripts in parallel) would collide: runs are serialized by a
# lock shared by every build tree on the machine (bounded wait: 15 min).
run_harness() {
	flock -w 900 "${TMPDIR:-/tmp}/pooldns-harness-backends.lock" \
		"$POOLDNS_BUILDDIR/harness/pooldns-harness" "$@"
}

# dig_short PORT NAME [TYPE]: the answer's records, sorted, one per line.
dig_short() {
	"$DIG" @127.0.0.1 -p "$1" +short +time=1 +tries=2 "$2" "${3:-A}" | sort
}

# dig_status PORT NAME [TYPE]: the rcode word (NOERROR, REFUSED, ...).
dig_status() {
	"$DIG" @127.0.0.1 -p "$1" +time=1 +tries=2 "$2" "${3:-A}" |
		sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
	limit=$(( $1 * 10 ))
	shift
	i=0
	while [ $i -lt $limit ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# now_ms: milliseconds since the epoch (GNU date).
now_ms() { date +%s%3N; }

# make_member_cert: a self-signed certificate for member.test, the
# check_host of the https health-check cases, with the openssl CLI in
# $T_DIR; sets MEMBER_CERT and MEMBER_KEY. The harness serves it from its
# fake https backends (--tls-cert/--tls-key) and pooldns trusts it as its
# only CA (--check-ca-file), so certificate verification stays on.
make_member_cert() {
	MEMBER_CERT="$T_DIR/member.test.pem"
	MEMBER_KEY="$T_DIR/member.test.key"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$MEMBER_KEY" -out "$MEMBER_CERT" -days 2 -subj /CN=member.test \
		-addext subjectAltName=DNS:member.test >"$T_DIR/openssl.log" 2>&1 ||
		die "openssl could not make a certificate for member.test: $(cat "$T_DIR/openssl.log")"
}

# start_fakerqlite NAME PORT CONTROL_FILE: the fake rqlite node of the
# fault tests (tests/tools/fakerqlite.c) on 127.0.0.1:PORT, serving the
# data and fault mode the control file describes; sets FAKERQ_PID. Its
# request log is $T_DIR/NAME.log.
start_fakerqlite() {
	"$POOLDNS_BUILDDIR/tests/tools/fakerqlite" -p "$2" -c "$3" \
		>"$T_DIR/$1.out" 2>"$T_DIR/$1.log" &
	FAKERQ_PID=$!
	T_PIDS="$T_PIDS $FAKERQ_PID"
	wait_for 5 grep -q ready "$T_DIR/$1.out" || die "fakerqlite $1 did not start"
}

# sigusr1_stats PID LOG: asks pooldns for its counters and prints the new
# "stats: data version=..." line once it is in LOG (at most 5 s).
sigusr1_stats() {
	n0=$(grep -c 'stats: data version=' "$2")
	kill -USR1 "$1"
	wait_for 5 sh -c "[ \$(grep -c 'stats: data version=' '$2') -gt $n0 ]" || return 1
	grep 'stats: data version=' "$2" | tail -n 1
}

# stat_field LINE KEY: the value of KEY=VALUE in a stats line.
stat_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# serialize_load_tests: waits (at most 10 min) for the machine-wide lock
# that the tests which load the machine (hostile-traffic.sh) and those
# whose checks are timed closely (health-flap.sh, sighup-storm.sh) hold for
# their whole run, so that a flood at full rate never runs beside a timed
# check (make -j check runs scripts in parallel; several build trees may
# share the machine). The lock is fd 9, released when the script and what
# it started have exited.
serialize_load_tests() {
	exec 9>"${TMPDIR:-/tmp}/pooldns-load-tests.lock"
	flock -w 600 9 || die "waited 10 min for the load-test lock"
}

# rss_bounded KB_BEFORE KB_AFTER LIMIT_KB WHAT: fails the test when VmRSS
# grew by more than LIMIT_KB. Under ASan (a pooldns linked with libasan)
# the quarantine keeps freed memory resident, so RSS says nothing there;
# LeakSanitizer checks for leaks at exit instead (stop_pid's status), and
# the bound is checked by the build without sanitizers.
rss_bounded() {
	if ldd "$POOLDNS_BUILDDIR/standalone/pooldns" 2>/dev/null | grep -q libasan; then
		log "$4: VmRSS $1 kB -> $2 kB (not bounded under ASan; LeakSanitizer checks at exit)"
		return 0
	fi
	[ "$2" -le $(($1 + $3)) ] || fail "$4: VmRSS grew from $1 kB to $2 kB (bound: +$3 kB)"
}

# start_fakemember NAME ADDR PORT: one fake http member on ADDR:PORT
# (bench/tools/fakemembers: answers every request 200 "ok"); sets
# FAKEMEMBER_PID. Waits until it listens.
start_fakemember() {
	"$POOLDNS_BUILDDIR/bench/tools/fakemembers" -a "$2" -n 1 -p "$3" >"$T_DIR/$1.out" 2>"$T_DIR/$1.log" &
	FAKEMEMBER_PID=$!
	T_PIDS="$T_PIDS $FAKEMEMBER_PID"
	wait_for 10 grep -qx ready "$T_DIR/$1.out" || die "fake member $1 ($2:$3) did not start"
}

# http_status URL: the HTTP status code of a GET (000 when nothing answers).
http_status() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1"
}
