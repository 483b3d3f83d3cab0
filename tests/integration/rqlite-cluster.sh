#!/bin/sh
# rqlite-cluster.sh — pooldns against a real 3-node rqlited cluster on
# loopback: the leader is killed (SIGKILL) while queries flow and no DNS
# answer is lost; a change written after the re-election reaches answers;
# with every node down answers continue from the last good snapshot; a
# restart while every node is down serves from the cache file.
set -u
. "$(dirname "$0")/lib.sh"

set -- $(freeport 7)
H1=$1 R1=$2 H2=$3 R2=$4 H3=$5 R3=$6 DNS=$7
CACHE="$T_DIR/cache.json"

start_rqlited n1 "$H1" "$R1"
P1=$RQLITED_PID
start_rqlited n2 "$H2" "$R2" -join "127.0.0.1:$R1"
P2=$RQLITED_PID
start_rqlited n3 "$H3" "$R3" -join "127.0.0.1:$R1"
P3=$RQLITED_PID

# voters N: the cluster's voter count as node 1 sees it.
voters() {
	curl -sf "http://127.0.0.1:$1/nodes" | grep -o '"voter":true' | wc -l
}
wait_for 20 sh -c "[ \"\$(curl -sf http://127.0.0.1:$H1/nodes | grep -o '\"voter\":true' | wc -l)\" -eq 3 ]" ||
	die "the 3-node cluster did not form (voters: $(voters "$H1"))"
rqlite_exec "$H1" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load"
rqlite_exec "$H1" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"
log "3-node cluster formed and loaded"

start_pooldns pooldns "$DNS" --rqlite-url="http://127.0.0.1:$H1" --rqlite-url="http://127.0.0.1:$H2" \
	--rqlite-url="http://127.0.0.1:$H3" --poll-interval-ms=200 --cache-file="$CACHE" \
	--rqlite-timeout-ms=1000 --rqlite-connect-timeout-ms=300
want=$(printf '142.250.180.14\n142.250.180.46\n142.250.181.14\n')
wait_for 5 sh -c "[ \"\$(\"$DIG\" @127.0.0.1 -p $DNS +short google.com | sort)\" = \"$want\" ]" ||
	die "pooldns does not answer google.com from the cluster"

# leader_pid: the pid of the node that is leader now (as n2/n3 see it).
leader_pid() {
	for h in $H1 $H2 $H3; do
		id=$(curl -sf -m 1 "http://127.0.0.1:$h/status" |
			sed -n 's/.*"leader":{"addr":"[^"]*","node_id":"\(n[123]\)".*/\1/p')
		case "$id" in
		n1) echo "$P1"; return 0 ;;
		n2) echo "$P2"; return 0 ;;
		n3) echo "$P3"; return 0 ;;
		esac
	done
	return 1
}

# query_loop N FILE: N queries, one line per query: "ok" or what went wrong.
query_loop() {
	i=0
	while [ $i -lt "$1" ]; do
		out=$("$DIG" @127.0.0.1 -p "$DNS" +time=1 +tries=1 +short google.com 2>&1 | sort)
		if [ "$out" = "$want" ]; then echo ok; else echo "lost: $out"; fi
		i=$((i + 1))
	done >"$2"
}

LEADER=$(leader_pid) || die "no leader found"
query_loop 400 "$T_DIR/queries.txt" &
LOOP=$!
sleep 1
kill -9 "$LEADER"
forget_pid "$LEADER"
log "killed the leader (pid $LEADER) while queries flow"
wait "$LOOP"
total=$(wc -l <"$T_DIR/queries.txt")
lost=$(grep -vc '^ok$' "$T_DIR/queries.txt")
log "queries during the leader kill: $total sent, $lost lost"
[ "$total" -eq 400 ] || fail "query loop ran $total of 400 queries"
[ "$lost" -eq 0 ] || fail "$lost answers lost during the leader kill: $(grep -v '^ok$' "$T_DIR/queries.txt" | head -3)"

# A change written after the re-election reaches the answers.
SURVIVOR=$H2
[ "$LEADER" = "$P2" ] && SURVIVOR=$H3
t0=$(now_ms)
wait_for 20 rqlite_exec "$SURVIVOR" -d '["INSERT OR IGNORE INTO dns_zone_member (dns_zone, host) VALUES (1, '"'"'142.250.183.14'"'"')"]' ||
	die "no write accepted by the surviving nodes within 20 s"
log "write accepted by a surviving node after $(( $(now_ms) - t0 )) ms of retries"
t0=$(now_ms)
wait_for 10 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short google.com | grep -qx 142.250.183.14" ||
	fail "a member written after the re-election is not answered within 10 s"
log "member written after the re-election answered after $(( $(now_ms) - t0 )) ms"
want2=$(printf '%s\n142.250.183.14\n' "$want" | sort)

# Every node down: answers continue from the last good snapshot.
for p in $P1 $P2 $P3; do
	[ "$p" = "$LEADER" ] || stop_pid "$p"
done
sleep 1
got=$(dig_short "$DNS" google.com)
[ "$got" = "$want2" ] || fail "every node down: got '$got', want the last good answer"
log "every node down: still answering"

# Restart pooldns while every node is down: the cache file serves.
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
start_pooldns pooldns-restart "$DNS" --rqlite-url="http://127.0.0.1:$H1" \
	--rqlite-url="http://127.0.0.1:$H2" --rqlite-url="http://127.0.0.1:$H3" \
	--poll-interval-ms=200 --cache-file="$CACHE" --rqlite-connect-timeout-ms=300
got=$(dig_short "$DNS" google.com)
[ "$got" = "$want2" ] || fail "restart with every node down: got '$got', want the cached answer"
log "restart with every node down: answering from the cache file"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
