#!/bin/sh
# poolctl.sh — poolctl end to end against a real rqlited and a SQLite file:
# the demo data exported, wiped (every pool deleted), imported and exported
# again byte for byte; bad input (bad address, bad policy, duplicate pool,
# malformed JSON) refused with exit 1 and the data version unchanged; the
# exit codes; import --dry-run and --diff; a -c configuration file; and
# member drain --wait against a running standalone pooldns, after which
# the member is no longer answered; and basic auth with a password file
# against an rqlited that requires it.
set -u
. "$(dirname "$0")/lib.sh"

POOLCTL="$POOLDNS_BUILDDIR/poolctl/poolctl"
set -- $(freeport 5)
RQ_HTTP=$1 RQ_RAFT=$2 DNS=$3 AUTH_HTTP=$4 AUTH_RAFT=$5
RQ="http://127.0.0.1:$RQ_HTTP"

start_rqlited rq1 "$RQ_HTTP" "$RQ_RAFT"
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load"
rqlite_exec "$RQ_HTTP" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"

pc() { "$POOLCTL" --rqlite-url="$RQ" "$@"; }

# data_version of the rqlite node.
rq_version() {
	curl -sS -G "$RQ/db/query" \
		--data-urlencode "q=SELECT value FROM pooldns_meta WHERE key = 'data_version'" |
		sed -n 's/.*"values":\[\[\([0-9]*\)\]\].*/\1/p'
}

# expect_rc WANT DESCRIPTION CMD...: runs CMD, output in $T_DIR/out.txt.
expect_rc() {
	want=$1 what=$2
	shift 2
	"$@" >"$T_DIR/out.txt" 2>&1
	got=$?
	[ "$got" -eq "$want" ] || fail "$what: exit $got, want $want: $(head -c 600 "$T_DIR/out.txt")"
}

# 1. Round trip: export, delete every pool, import, export again.
pc export >"$T_DIR/e1.json" || die "export failed"
grep -q '"name": "google.com."' "$T_DIR/e1.json" || fail "export lacks google.com."
for p in $(sed -n 's/^      "name": "\(.*\)",$/\1/p' "$T_DIR/e1.json"); do
	expect_rc 0 "pool del $p" pc pool del "$p"
done
got=$(curl -sS -G "$RQ/db/query" --data-urlencode 'q=SELECT count(*) FROM dns_zone_member')
case "$got" in *'"values":[[0]]'*) ;; *) fail "members left after deleting every pool: $got" ;; esac
pc --json pool list >"$T_DIR/list.json" || fail "pool list failed"
[ "$(cat "$T_DIR/list.json")" = "[]" ] || fail "pools left after the wipe: $(cat "$T_DIR/list.json")"
expect_rc 0 "import into the empty database" pc import "$T_DIR/e1.json"
pc export >"$T_DIR/e2.json" || die "second export failed"
cmp -s "$T_DIR/e1.json" "$T_DIR/e2.json" || fail "export after wipe and import differs: $(diff "$T_DIR/e1.json" "$T_DIR/e2.json" | head -20)"
expect_rc 0 "import of the same data" pc import --diff "$T_DIR/e2.json"
grep -qx 'no change' "$T_DIR/out.txt" || fail "re-import was not 'no change': $(cat "$T_DIR/out.txt")"
log "rqlite: export, wipe, import, export: byte-identical"

# 2. Bad input: nothing written, data_version unchanged.
v0=$(rq_version)
[ -n "$v0" ] || die "cannot read data_version"
sed 's/"host": "192.0.2.11"/"host": "192.0.2.311"/' "$T_DIR/e1.json" >"$T_DIR/bad-ip.json"
expect_rc 1 "import with a bad address" pc import "$T_DIR/bad-ip.json"
grep -q 'pools\[4\] ("www.example.com.").members\[1\] ("192.0.2.311")' "$T_DIR/out.txt" ||
	fail "bad address: no JSON path in: $(cat "$T_DIR/out.txt")"
sed 's/"policy": "hash"/"policy": "random"/' "$T_DIR/e1.json" >"$T_DIR/bad-policy.json"
expect_rc 1 "import with a bad policy" pc import "$T_DIR/bad-policy.json"
grep -q 'unknown policy "random"' "$T_DIR/out.txt" || fail "bad policy not named: $(cat "$T_DIR/out.txt")"
sed 's/"name": "hash.example.com."/"name": "Google.COM"/' "$T_DIR/e1.json" >"$T_DIR/dup.json"
expect_rc 1 "import with a duplicate pool" pc import "$T_DIR/dup.json"
grep -q 'duplicate pool name' "$T_DIR/out.txt" || fail "duplicate not named: $(cat "$T_DIR/out.txt")"
head -c 300 "$T_DIR/e1.json" >"$T_DIR/truncated.json"
expect_rc 1 "import of malformed JSON" pc import "$T_DIR/truncated.json"
grep -q 'truncated.json:[0-9]*:[0-9]*:' "$T_DIR/out.txt" || fail "malformed JSON: no line:column: $(cat "$T_DIR/out.txt")"
expect_rc 1 "member add with a bad address" pc member add google.com 10.0.0.256x
expect_rc 1 "pool set with a bad policy" pc pool set google.com policy=random
expect_rc 1 "pool set out of range" pc pool set google.com ttl=86401
expect_rc 1 "pool set tcp check without port" pc pool set google.com check_type=tcp
expect_rc 1 "member set with a bad weight" pc member set google.com 142.250.180.14 weight=0
v1=$(rq_version)
[ "$v0" = "$v1" ] || fail "data_version moved from $v0 to $v1 after refused input"
pc export | cmp -s - "$T_DIR/e1.json" || fail "data changed after refused input"
log "refused input: exit 1, data_version unchanged ($v1)"

# 3. Exit codes.
expect_rc 2 "unknown command" pc frobnicate
expect_rc 2 "unknown option" pc --frobnicate pool list
expect_rc 1 "bad name" pc pool show 'a..b'
expect_rc 1 "member add with a host that is no address" pc member add google.com www.example.com
expect_rc 4 "show of a missing pool" pc pool show nosuch.example.
expect_rc 4 "member of a missing pool" pc member disable nosuch.example. 10.0.0.1
expect_rc 4 "missing member" pc member del google.com 10.9.9.9
expect_rc 5 "add of an existing pool" pc pool add GOOGLE.com
expect_rc 5 "add of an existing member" pc member add google.com 142.250.180.14
expect_rc 3 "unreachable rqlite" "$POOLCTL" --rqlite-url=http://127.0.0.1:1 --rqlite-timeout-ms=1000 pool list
expect_rc 3 "missing SQLite file" "$POOLCTL" --source=sqlite --sqlite-path="$T_DIR/none.db" pool list
expect_rc 0 "help" pc --help
grep -q 'Exit status' "$T_DIR/out.txt" || fail "--help lacks the exit codes"
expect_rc 0 "member --help" pc member --help
grep -q 'member drain POOL HOST' "$T_DIR/out.txt" || fail "member --help: $(cat "$T_DIR/out.txt")"
[ "$(rq_version)" = "$v1" ] || fail "data_version moved after the exit-code checks"

# 4. Single changes, --dry-run and --diff.
expect_rc 0 "pool add" pc pool add new.example ttl=5 policy=weighted
expect_rc 0 "member add" pc member add NEW.example. 2001:DB8::7 weight=4
pc --json pool show new.example >"$T_DIR/show.json" || fail "pool show failed"
grep -q '"host": "2001:db8::7"' "$T_DIR/show.json" || fail "host not stored canonical: $(cat "$T_DIR/show.json")"
grep -q '"ttl": 5' "$T_DIR/show.json" || fail "ttl not stored: $(cat "$T_DIR/show.json")"
v2=$(rq_version)
expect_rc 0 "import --dry-run" pc import --dry-run "$T_DIR/e1.json"
grep -qx -- '- pool "new.example."' "$T_DIR/out.txt" || fail "dry run does not show the removal: $(cat "$T_DIR/out.txt")"
[ "$(rq_version)" = "$v2" ] || fail "import --dry-run wrote"
expect_rc 0 "import --diff --json" pc --json import --diff "$T_DIR/e1.json"
grep -q '"op": "remove"' "$T_DIR/out.txt" || fail "--json diff: $(cat "$T_DIR/out.txt")"
pc export | cmp -s - "$T_DIR/e1.json" || fail "import did not restore the exported data"
log "add, set, --dry-run, --diff: checked"

# 5. The same connection from a configuration file.
cat >"$T_DIR/pooldns.conf" <<CONF
rqlite-url = $RQ
listen = 127.0.0.1:5353
poll-interval-ms = 200
CONF
expect_rc 0 "-c FILE" "$POOLCTL" -c "$T_DIR/pooldns.conf" pool show google.com
grep -q 'round_robin' "$T_DIR/out.txt" || fail "-c FILE: $(cat "$T_DIR/out.txt")"

# 6. drain --wait against a running pooldns.
start_pooldns pooldns "$DNS" --rqlite-url="$RQ" --poll-interval-ms=200 --threads=1
wait_for 5 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short www.example.com | grep -qx 192.0.2.10" ||
	die "pooldns does not answer 192.0.2.10 before the drain"
expect_rc 0 "drain --wait" pc member drain www.example.com 192.0.2.10 --wait \
	--server "127.0.0.1:$DNS" --timeout 10
grep -q 'gone from 127.0.0.1' "$T_DIR/out.txt" || fail "drain --wait did not report: $(cat "$T_DIR/out.txt")"
for i in 1 2 3 4 5; do
	dig_short "$DNS" www.example.com | grep -qx 192.0.2.10 && fail "192.0.2.10 answered after drain --wait returned"
done
got=$(curl -sS -G "$RQ/db/query" --data-urlencode "q=SELECT enabled FROM dns_zone_member WHERE host = '192.0.2.10'")
case "$got" in *'"values":[[0]]'*) ;; *) fail "drained member not enabled = 0: $got" ;; esac
# A server that never answers: the wait times out with exit 6.
expect_rc 6 "drain --wait with a silent server" pc member drain www.example.com 2001:db8::10 --wait \
	--server "127.0.0.1:$DNS" --server 127.0.0.1:1 --timeout 2
expect_rc 2 "drain --wait without a server" pc member drain www.example.com 192.0.2.11 --wait
log "drain --wait: the member left the answers of pooldns"

# 7. Basic auth: the user from the flag, the password from a file.
cat >"$T_DIR/auth.json" <<AUTH
[{"username": "admin", "password": "s3cret-pw", "perms": ["all"]},
 {"username": "*", "perms": ["ready"]}]
AUTH
start_rqlited rqauth "$AUTH_HTTP" "$AUTH_RAFT" -auth "$T_DIR/auth.json"
AUTH_RQ="http://127.0.0.1:$AUTH_HTTP"
curl -sS -u admin:s3cret-pw -XPOST "$AUTH_RQ/db/execute" -H 'Content-Type: application/json' \
	-d @"$POOLDNS_SRCDIR/schema.json" >/dev/null || die "schema.json did not load (auth)"
printf 's3cret-pw\n' >"$T_DIR/pw"
chmod 600 "$T_DIR/pw"
printf 'wrong\n' >"$T_DIR/badpw"
chmod 600 "$T_DIR/badpw"
expect_rc 0 "import with basic auth" "$POOLCTL" --rqlite-url="$AUTH_RQ" --rqlite-user=admin \
	--rqlite-password-file="$T_DIR/pw" import "$T_DIR/e1.json"
"$POOLCTL" --rqlite-url="$AUTH_RQ" --rqlite-user=admin --rqlite-password-file="$T_DIR/pw" export |
	cmp -s - "$T_DIR/e1.json" || fail "export with basic auth differs"
expect_rc 3 "wrong password" "$POOLCTL" --rqlite-url="$AUTH_RQ" --rqlite-user=admin \
	--rqlite-password-file="$T_DIR/badpw" pool list
grep -q 'authentication failed' "$T_DIR/out.txt" || fail "wrong password: $(cat "$T_DIR/out.txt")"
expect_rc 2 "user without password file" "$POOLCTL" --rqlite-url="$AUTH_RQ" --rqlite-user=admin pool list
log "basic auth: password from a file; a wrong one refused"

# 8. The same round trip and refusals on a SQLite file.
DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load into SQLite"
sq() { "$POOLCTL" --source=sqlite --sqlite-path="$DB" "$@"; }
sq export >"$T_DIR/s1.json" || die "SQLite export failed"
cmp -s "$T_DIR/s1.json" "$T_DIR/e1.json" || fail "SQLite export differs from the rqlite export of the same data"
for p in $(sed -n 's/^      "name": "\(.*\)",$/\1/p' "$T_DIR/s1.json"); do
	expect_rc 0 "SQLite pool del $p" sq pool del "$p"
done
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM dns_zone_member')" = 0 ] || fail "SQLite: members left after the wipe"
expect_rc 0 "SQLite import" sq import "$T_DIR/s1.json"
sq export | cmp -s - "$T_DIR/s1.json" || fail "SQLite: export after wipe and import differs"
sv0=$(sqlite3 "$DB" "SELECT value FROM pooldns_meta WHERE key = 'data_version'")
expect_rc 1 "SQLite import with a bad address" sq import "$T_DIR/bad-ip.json"
expect_rc 1 "SQLite import with a duplicate pool" sq import "$T_DIR/dup.json"
expect_rc 1 "SQLite import of malformed JSON" sq import "$T_DIR/truncated.json"
sv1=$(sqlite3 "$DB" "SELECT value FROM pooldns_meta WHERE key = 'data_version'")
[ "$sv0" = "$sv1" ] || fail "SQLite: data_version moved from $sv0 to $sv1 after refused input"
log "SQLite: export, wipe, import, export: byte-identical; bad input refused"

# 9. Text another tool wrote to the tables cannot make lines or move
# columns in `pool list` and `pool show`: a name is read as a DNS name
# (control bytes as \DDD), a host that is not plain printable text is
# shown quoted and escaped.
sqlite3 -bail "$DB" "INSERT INTO dns_zone (name) VALUES ('evil.test.' || char(10) || 'fake.test.');
	INSERT INTO dns_zone (name) VALUES ('hostile.test.');
	INSERT INTO dns_zone_member (dns_zone, host)
		SELECT id, '192.0.2.1' || char(10) || '  forged' FROM dns_zone WHERE name = 'hostile.test.';" ||
	die "could not write the hostile rows"
n=$(sqlite3 "$DB" 'SELECT count(*) FROM dns_zone')
sq pool list >"$T_DIR/list.txt" || fail "pool list with a hostile name failed"
[ "$(wc -l <"$T_DIR/list.txt")" -eq $((n + 1)) ] || fail "pool list: a stored name made lines: $(cat "$T_DIR/list.txt")"
grep -q '^evil.test.\\010fake.test. ' "$T_DIR/list.txt" || fail "pool list: the name is not escaped: $(cat "$T_DIR/list.txt")"
sq pool show hostile.test. >"$T_DIR/show.txt" || fail "pool show with a hostile host failed"
grep -q '^  "192.0.2.1\\x0a  forged" ' "$T_DIR/show.txt" || fail "pool show: the host is not quoted: $(cat "$T_DIR/show.txt")"
grep -q '^  forged' "$T_DIR/show.txt" && fail "pool show: a stored host made a line"
log "hostile names and hosts are quoted in pool list and pool show"

# 10. Text that is not UTF-8 (another tool wrote it) makes a read fail with
# a message that says so, not "out of memory".
sqlite3 -bail "$DB" "INSERT INTO dns_zone (name) VALUES (CAST(X'6576696CFF2E' AS TEXT));" ||
	die "could not write a name that is not UTF-8"
expect_rc 3 "export of a name that is not UTF-8" sq export
grep -q 'column name holds text that is not UTF-8' "$T_DIR/out.txt" ||
	fail "export of a name that is not UTF-8: $(head -c 300 "$T_DIR/out.txt")"
log "text that is not UTF-8 is named as such"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
