#!/bin/sh
# loadgen-smoke.sh — keeps the hot-path benchmark's tools working
# (bench/tools/loadgen and bench/tools/cannedd, bench/hotpath-peers.sh):
#   - cannedd answers a query with the question echoed and its 4 A records;
#   - loadgen against cannedd for 1 s (and with EDNS, RD cleared, no GSO):
#     queries answered, none lost, unexpected or in error, all NOERROR;
#   - loadgen -n sends exactly that many, -Q holds its rate;
#   - cannedd's own count of answers equals what loadgen received;
#   - loadgen refuses bad query files (exit 2, the file and line named,
#     nothing sent).
# About 5 s; no pinning, nothing slow.
set -u
. "$(dirname "$0")/lib.sh"

LOADGEN=$POOLDNS_BUILDDIR/bench/tools/loadgen
CANNEDD=$POOLDNS_BUILDDIR/bench/tools/cannedd
[ -x "$LOADGEN" ] && [ -x "$CANNEDD" ] || die "bench tools not built (make)"

PORT=$(freeport 1)
"$CANNEDD" -p "$PORT" >"$T_DIR/cannedd.out" 2>"$T_DIR/cannedd.log" &
CANNED_PID=$!
T_PIDS="$T_PIDS $CANNED_PID"
wait_for 5 grep -qx ready "$T_DIR/cannedd.out" || die "cannedd did not start: $(cat "$T_DIR/cannedd.log")"
grep -qx "port $PORT" "$T_DIR/cannedd.out" || die "cannedd did not report port $PORT"

# The canned answer: the question as asked (case kept), 4 A records, AA.
out=$("$DIG" @127.0.0.1 -p "$PORT" +time=5 +tries=1 +norec Www.Example.COM. AAAA)
echo "$out" | grep -q 'flags: qr aa;' || fail "cannedd: flags not 'qr aa' without RD: $out"
echo "$out" | grep -q '^;Www\.Example\.COM\.[[:space:]]*IN[[:space:]]*AAAA' ||
	fail "cannedd: question not echoed: $out"
got=$("$DIG" @127.0.0.1 -p "$PORT" +short +time=5 +tries=1 p00001.bench.example. A | sort | tr '\n' ' ')
[ "$got" = "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 " ] || fail "cannedd answered '$got'"

Q=$T_DIR/queries
i=1
while [ $i -le 200 ]; do
	printf 'p%05d.bench.example. A\n' "$i"
	i=$((i + 1))
done >"$Q"
{ echo "; a comment, then a blank line"; echo; echo "www.example.com AAAA"; echo "xn--bcher-kva.example. TXT"
  echo 'esc\046aped\.dot.example. TYPE65'; } >>"$Q"

# field RESULTFILE KEY: a value of loadgen's "result" line
field() { sed -n 's/^result //p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
ANSWERED=0

# run NAME ARGS...: loadgen against cannedd; its output in $T_DIR/NAME.out
run() {
	name=$1
	shift
	"$LOADGEN" -p "$PORT" -d "$Q" "$@" >"$T_DIR/$name.out" 2>&1 ||
		{ fail "$name: loadgen exited $?: $(cat "$T_DIR/$name.out")"; return 1; }
	r=$T_DIR/$name.out
	sent=$(field "$r" sent) answered=$(field "$r" answered)
	[ -n "$sent" ] && [ -n "$answered" ] || { fail "$name: no result line: $(cat "$r")"; return 1; }
	log "$name: $(sed -n 's/^result //p' "$r")"
	[ "$answered" -gt 0 ] || fail "$name: nothing answered"
	[ "$answered" -eq "$sent" ] || fail "$name: $sent sent, $answered answered"
	for k in lost unexpected errors truncated; do
		[ "$(field "$r" $k)" = 0 ] || fail "$name: $k=$(field "$r" $k)"
	done
	[ "$(field "$r" rcodes)" = "NOERROR:$answered" ] || fail "$name: rcodes=$(field "$r" rcodes)"
	ANSWERED=$((ANSWERED + answered))
}

run flat -l 1
run edns -l 0.5 -e -R -G -c 2 -q 16 -b 8
run count -n 5000
[ "$(field "$T_DIR/count.out" sent)" = 5000 ] || fail "-n 5000 sent $(field "$T_DIR/count.out" sent)"
run paced -l 1 -Q 2000
s=$(field "$T_DIR/paced.out" sent)
[ "${s:-0}" -le 2001 ] && [ "${s:-0}" -ge 1000 ] || fail "-Q 2000 -l 1 sent $s (expected 1000..2001)"

# cannedd's count at exit: every query answered, as many as loadgen saw
stop_pid "$CANNED_PID" || fail "cannedd exited with an error"
line=$(cat "$T_DIR/cannedd.log")
[ "$line" = "received $((ANSWERED + 2)) answered $((ANSWERED + 2)) dropped 0" ] ||
	fail "cannedd: '$line', loadgen saw $ANSWERED answers (+2 dig)"

# bad query files: exit 2, the reason and line named, nothing sent
bad() {
	printf "$1" >"$T_DIR/bad"
	"$LOADGEN" -p "$PORT" -d "$T_DIR/bad" -n 1 >"$T_DIR/bad.out" 2>&1
	st=$?
	[ $st -eq 2 ] || fail "bad file '$1': exit $st, expected 2"
	grep -q "$2" "$T_DIR/bad.out" || fail "bad file '$1': message '$(cat "$T_DIR/bad.out")' lacks '$2'"
	! grep -q '^result' "$T_DIR/bad.out" || fail "bad file '$1': queries were sent"
}
bad 'ok.example. A\nbad.example. BOGUS\n' "bad:2: unknown query type 'BOGUS'"
bad 'ok.example. A\n\nonlyname.example.\n' 'bad:3: expected "NAME TYPE", found only'
bad 'a.example. A extra\n' 'bad:1: expected "NAME TYPE", found more'
bad 'a..example. A\n' 'bad:1: bad name .*empty label'
bad "$(printf 'x%.0s' $(seq 64)).example. A\n" 'bad:1: bad name .*label longer than 63'
bad 'a\\25x.example. A\n' 'bad:1: bad name .*three digits'
bad 'a.example. TYPE70000\n' "bad:1: unknown query type"
bad '; only a comment\n\n' 'no queries in the file'
bad 'a.example. A\n\000\n' 'bad:2: NUL byte'
"$LOADGEN" -p "$PORT" -d "$T_DIR/missing" >"$T_DIR/bad.out" 2>&1
[ $? -eq 2 ] && grep -q 'missing: No such file' "$T_DIR/bad.out" || fail "a missing file: $(cat "$T_DIR/bad.out")"
"$LOADGEN" -p "$PORT" -d "$Q" -q 0 >"$T_DIR/bad.out" 2>&1
[ $? -eq 2 ] && grep -q "bad window '0'" "$T_DIR/bad.out" || fail "-q 0: $(cat "$T_DIR/bad.out")"

[ "$T_FAILED" -eq 0 ] || exit 1
log "ok"
