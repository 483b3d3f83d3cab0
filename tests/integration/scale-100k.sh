#!/bin/sh
# scale-100k.sh — changes at scale: 100,000 pools × 4 IPv4 members (the data
# of bench/scale-data.sh) in a SQLite file and in rqlited (the same file,
# uploaded to /db/load); the standalone server on each source, polling
# every 200 ms. Once it answers, 10 changes, each of which must show in
# the answers within 1 s of the write (the measured ms is printed either
# way):
#   add a member, disable a member, delete a member, add a pool (with one
#   member), delete a pool (its members go by the cascade) — twice.
# Then an untouched pool still answers all its members. The whole test
# stays under 90 s: a change gets at most 5 s to show, and no change
# starts after 80 s.
#
# A change costs a full reload as long as the poller reloads everything
# when the data version moves: then the rqlite case misses the 1 s bound
# at this size (about 3 s a change on a 2-CPU machine).
set -u
. "$(dirname "$0")/lib.sh"
. "$POOLDNS_SRCDIR/bench/scale-data.sh"

N=100000
LIMIT_MS=1000   # the bound a change must meet
WAIT_MS=5000    # how long a change is waited for (to print its figure)
T_END=$(($(now_ms) + 80000))
DNSWAIT=$POOLDNS_BUILDDIR/bench/tools/dnswait
[ -x "$DNSWAIT" ] || die "$DNSWAIT not built (make)"

DB=$T_DIR/pools.db
t0=$(now_ms)
scale_make_db "$DB" "$N" "$POOLDNS_SRCDIR/schema.json" || die "building $N pools in SQLite failed"
log "$N pools x 4 members built in SQLite in $(( $(now_ms) - t0 )) ms"

# shellcheck disable=SC2046
set -- $(freeport 4)
RQ_HTTP=$1 RQ_RAFT=$2 DNS_SQLITE=$3 DNS_RQLITE=$4
RQ=http://127.0.0.1:$RQ_HTTP
start_rqlited rq1 "$RQ_HTTP" "$RQ_RAFT"
t0=$(now_ms)
scale_rqlite_load "$RQ" "$DB" 60 || die "loading the SQLite file into rqlited failed"
log "the same file loaded into rqlited in $(( $(now_ms) - t0 )) ms"

# Nine distinct pools for the changes, spread over the data (fixed seed).
# shellcheck disable=SC2046
set -- $(awk -v n="$N" 'BEGIN {
	srand(100000)
	while (k < 9) { p = 1 + int(rand() * n); if (!(p in seen)) { seen[p] = 1; print p; k++ } }
}')
PICK="$*"
pick() { echo "$PICK" | cut -d' ' -f"$1"; }

# start_server NAME PORT FLAGS...: the standalone server; waits (60 s) until
# it answers the last pool with its last member. Sets POOLDNS_PID.
start_server() {
	name=$1 port=$2
	shift 2
	since=$(date +%s%N)
	"$POOLDNS_BUILDDIR/standalone/pooldns" --listen="127.0.0.1:$port" --threads=1 \
		--poll-interval-ms=200 "$@" >"$T_DIR/$name.log" 2>&1 &
	POOLDNS_PID=$!
	T_PIDS="$T_PIDS $POOLDNS_PID"
	ms=$("$DNSWAIT" -p "$port" -S "$since" -T 60000 -a "$(scale_member_host $((4 * N)))" \
		"$(scale_pool_name "$N")") || die "$name: no answer for the last pool within 60 s"
	log "$name: first answer $ms ms after the start"
}

# change LABEL APPLY PORT WHAT COND... NAME: applies the statements on
# stdin (a file: a pipe would run this in a subshell, whose fail is lost)
# with APPLY, then waits until NAME's answer meets COND (dnswait);
# fails if that took more than LIMIT_MS.
change() {
	label=$1 apply=$2 port=$3 what=$4
	shift 4
	left=$((T_END - $(now_ms)))
	if [ "$left" -le 0 ]; then
		fail "$label: $what: not tried, the test's 80 s are used up"
		cat >/dev/null
		return
	fi
	[ "$left" -gt "$WAIT_MS" ] && left=$WAIT_MS
	since=$(date +%s%N)
	$apply || { fail "$label: $what: the write failed"; return; }
	if ms=$("$DNSWAIT" -p "$port" -S "$since" -T "$left" "$@" 2>"$T_DIR/dnswait.err"); then
		if awk -v ms="$ms" -v lim="$LIMIT_MS" 'BEGIN { exit !(ms <= lim) }'; then
			log "$label: $what: answered after $ms ms"
		else
			fail "$label: $what: answered after $ms ms (bound $LIMIT_MS ms)"
		fi
	else
		fail "$label: $what: not answered within $left ms: $(cat "$T_DIR/dnswait.err")"
	fi
}

# ten_changes LABEL APPLY PORT: the 10 changes against one server.
ten_changes() {
	label=$1 apply=$2 port=$3
	for round in 1 2; do
		o=$(( (round - 1) * 4 ))
		p=$(pick $((o + 1)))
		h=$(printf '172.16.%d.1' "$round")
		scale_sql_add_member "$p" "$h" >"$SQL"
		change "$label" "$apply" "$port" "add member $h to pool $p" -a "$h" "$(scale_pool_name "$p")" <"$SQL"
		p=$(pick $((o + 2)))
		h=$(scale_member_host $((4 * p - 1)))
		scale_sql_disable_member "$p" "$h" >"$SQL"
		change "$label" "$apply" "$port" "disable member $h of pool $p" -x "$h" "$(scale_pool_name "$p")" <"$SQL"
		p=$(pick $((o + 3)))
		h=$(scale_member_host $((4 * p - 2)))
		scale_sql_delete_member "$p" "$h" >"$SQL"
		change "$label" "$apply" "$port" "delete member $h of pool $p" -x "$h" "$(scale_pool_name "$p")" <"$SQL"
		p=$((N + round))
		h=$(printf '172.17.%d.1' "$round")
		scale_sql_add_pool "$p" "$h" >"$SQL"
		change "$label" "$apply" "$port" "add pool $p with member $h" -a "$h" "$(scale_pool_name "$p")" <"$SQL"
		p=$(pick $((o + 4)))
		scale_sql_delete_pool "$p" >"$SQL"
		change "$label" "$apply" "$port" "delete pool $p" -r REFUSED "$(scale_pool_name "$p")" <"$SQL"
	done
	# An untouched pool still answers all of its members.
	p=$(pick 9)
	got=$(dig_short "$port" "$(scale_pool_name "$p")")
	want=$(for m in 3 2 1 0; do scale_member_host $((4 * p - m)); done | sort)
	[ "$got" = "$want" ] || fail "$label: untouched pool $p answers '$got', want '$want'"
}

SQL=$T_DIR/change.sql
apply_sqlite() { scale_apply_sqlite "$DB"; }
apply_rqlite() { scale_apply_rqlite "$RQ"; }

start_server pooldns-sqlite "$DNS_SQLITE" --source=sqlite --sqlite-path="$DB"
ten_changes sqlite apply_sqlite "$DNS_SQLITE"
stop_pid "$POOLDNS_PID" || fail "pooldns (sqlite) did not exit 0 on SIGTERM"

# A whole-request timeout well above what a full load takes here, so that
# a slow machine shows as slow changes rather than failed loads.
start_server pooldns-rqlite "$DNS_RQLITE" --source=rqlite --rqlite-url="$RQ" \
	--rqlite-timeout-ms=30000
ten_changes rqlite apply_rqlite "$DNS_RQLITE"
stop_pid "$POOLDNS_PID" || fail "pooldns (rqlite) did not exit 0 on SIGTERM"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
