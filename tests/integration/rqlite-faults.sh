#!/bin/sh
# rqlite-faults.sh — the standalone server against a fake rqlite node
# (tests/tools/fakerqlite.c) that is switched, one after the other, into
# each fault mode: HTTP 500, a garbage body, a truncated body (Content-
# Length larger than what is sent, then close), a stall (the request is
# never answered; pooldns's request timeout is 1 s here), a TCP reset in
# the middle of the response, and a schema_version that is not a number.
# During every fault a member is added to the data. Checked for each mode:
#   - answers continue from the last good data: a client (tests/tools/
#     dnsload) asks all through the fault and every answer is exactly the
#     members from before it, none unanswered;
#   - the fault is logged once (one "failed, serving the last good
#     snapshot" line naming the fault, however many polls failed: the fake
#     must have failed at least 3 requests) and its end once ("reachable
#     again");
#   - the SIGUSR1 counters record it: loads-failed grows by at least 2 and
#     source-ok is "no" during the fault, "yes" after it;
#   - once the fault clears, the member added during it is answered.
# Bounded: each phase waits at most 15 s for 3 requests at the fake and
# 15 s for 2 failed attempts in the counters, and 12 s (poll backoff is
# at most 5 s) for the recovery; about 35 s in all.
set -u
. "$(dirname "$0")/lib.sh"

set -- $(freeport 2)
RQ_PORT=$1 DNS=$2
CTL=$T_DIR/control
MEMBERS="192.0.2.1 192.0.2.2"

# write_ctl MODE: the control file with the current members, replaced
# atomically.
write_ctl() {
	{
		echo "mode $1"
		echo "pool 1 fault.test."
		for m in $MEMBERS; do echo "member 1 $m"; done
		echo "pool 2 other.test."
		echo "member 2 198.51.100.1"
	} >"$CTL.new"
	mv "$CTL.new" "$CTL"
}

# Prints the members as dnsload's -e list.
members_list() { echo $MEMBERS | tr ' ' ','; }

write_ctl ok
start_fakerqlite fakerq "$RQ_PORT" "$CTL"
start_pooldns pooldns "$DNS" --rqlite-url="http://127.0.0.1:$RQ_PORT" \
	--poll-interval-ms=200 --rqlite-timeout-ms=1000 --rqlite-connect-timeout-ms=500 \
	--threads=2
PLOG=$T_DIR/pooldns.log
DNSLOAD=$POOLDNS_BUILDDIR/tests/tools/dnsload
"$DNSLOAD" -p "$DNS" -d 300 -e "$(members_list)" fault.test >/dev/null ||
	die "fault.test. not answered with its members before any fault"

next=3
for mode in http500 garbage truncate stall reset schema; do
	case $mode in
	http500) why='HTTP 500' ;;
	garbage) why='invalid JSON' ;;
	truncate) why='transfer closed with [0-9]* bytes remaining' ;;
	stall) why='[Tt]imeout was reached\|[Oo]peration timed out' ;;
	reset) why='[Rr]eset by peer\|Recv failure' ;;
	schema) why='schema_version is not a single integer' ;;
	esac
	before=$(sigusr1_stats "$POOLDNS_PID" "$PLOG") || die "$mode: no stats line"
	failed0=$(stat_field "$before" loads-failed)
	lines0=$(wc -l <"$PLOG")
	reqs0=$(grep -c "mode $mode\$" "$T_DIR/fakerq.log")
	old=$(members_list)

	# The fault, and a change made while it lasts.
	"$DNSLOAD" -p "$DNS" -d 2500 -i 5 -w 500 -e "$old" fault.test >"$T_DIR/load-$mode.out" 2>&1 &
	load_pid=$!
	MEMBERS="$MEMBERS 192.0.2.$next"
	new=192.0.2.$next
	next=$((next + 1))
	write_ctl "$mode"
	wait_for 15 sh -c "[ \$(grep -c 'mode $mode\$' '$T_DIR/fakerq.log') -ge $((reqs0 + 3)) ]" ||
		fail "$mode: the fake did not see 3 requests in 15 s"
	# At least 2 failed attempts counted (in schema mode the version polls
	# between them succeed, so the fake's request count says less).
	i=0
	while [ $i -lt 50 ]; do
		during=$(sigusr1_stats "$POOLDNS_PID" "$PLOG") || die "$mode: no stats line"
		[ "$(stat_field "$during" loads-failed)" -ge $((failed0 + 2)) ] && break
		sleep 0.3
		i=$((i + 1))
	done
	wait "$load_pid" || fail "$mode: answers changed or went missing during the fault: $(cat "$T_DIR/load-$mode.out")"
	log "$mode: during the fault: $(cat "$T_DIR/load-$mode.out")"
	[ "$(stat_field "$during" source-ok)" = no ] || fail "$mode: source-ok not 'no' during the fault: $during"
	failed1=$(stat_field "$during" loads-failed)
	[ "$failed1" -ge $((failed0 + 2)) ] ||
		fail "$mode: loads-failed went from $failed0 to $failed1 in 15 s, expected at least 2 more"

	# The fault clears: the change made during it shows up.
	t0=$(now_ms)
	write_ctl ok
	wait_for 12 sh -c "\"$DNSLOAD\" -p $DNS -d 0 -r 1 -e '$(members_list)' fault.test >/dev/null 2>&1" ||
		fail "$mode: $new not answered within 12 s of the fault clearing"
	log "$mode: cleared; $new answered after $(( $(now_ms) - t0 )) ms"
	after=$(sigusr1_stats "$POOLDNS_PID" "$PLOG") || die "$mode: no stats line"
	[ "$(stat_field "$after" source-ok)" = yes ] || fail "$mode: source-ok not 'yes' after the fault: $after"

	# Logged once per transition, naming the fault.
	tail -n +"$((lines0 + 1))" "$PLOG" >"$T_DIR/phase-$mode.log"
	n_fail=$(grep -c 'failed, serving the last good snapshot' "$T_DIR/phase-$mode.log")
	n_back=$(grep -c 'reachable again' "$T_DIR/phase-$mode.log")
	[ "$n_fail" -eq 1 ] || fail "$mode: $n_fail 'failed' lines for one fault, want 1"
	[ "$n_back" -eq 1 ] || fail "$mode: $n_back 'reachable again' lines for one recovery, want 1"
	grep 'failed, serving the last good snapshot' "$T_DIR/phase-$mode.log" | grep -q "$why" ||
		fail "$mode: the failure line does not say '$why': $(grep 'failed, serving' "$T_DIR/phase-$mode.log")"
done

kill -0 "$POOLDNS_PID" || die "pooldns died"
stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
