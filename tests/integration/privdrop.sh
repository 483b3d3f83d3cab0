#!/bin/sh
# privdrop.sh — the standalone server started as root binds a port below
# 1024 on 127.0.0.1 (one free port of 900-999, found by tests/tools/freeport
# --range), drops to nobody:nogroup, and then: every thread has the uid and
# gid of nobody and no capability (/proc/PID/task/*/status), it answers,
# writes its cache file as nobody, and a SIGHUP reload (data and file)
# still works. Started unprivileged with only an ambient
# CAP_NET_BIND_SERVICE (as pooldns.service does, with setpriv), it binds
# the port and then holds no capability. The rqlite password file (root's,
# 0600) is read before the drop, and SIGHUP keeps that password instead of
# failing to read it again. Then the refusals: a password file group or
# others may read, or that belongs to someone else; a cache directory
# nobody cannot write. Then chroot: a SQLite file and the configuration
# inside the chroot, answers, a reload inside it, and paths outside
# refused.
#
# Needs root. Not root: fails under CI=true, skips (exit 77) otherwise.
set -u
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	[ "${CI:-}" = true ] && die "not root: CI must run this test as root"
	log "SKIP: needs root (binds a port below 1024 and switches users); CI runs it as root"
	exit 77
fi
NOBODY=$(id -u nobody) || die "no user nobody"
NOGROUP=nogroup
getent group nogroup >/dev/null || NOGROUP=nobody
NOGID=$(getent group "$NOGROUP" | cut -d: -f3)
PD="$POOLDNS_BUILDDIR/standalone/pooldns"

# nobody must reach the files below $T_DIR (mktemp made it 0700).
chmod 755 "$T_DIR"
DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite_load "$DB" "$POOLDNS_SRCDIR/populate_data.json" || die "populate_data.json did not load"
chmod 644 "$DB"
mkdir "$T_DIR/cache" && chown nobody "$T_DIR/cache" || die "cache directory"

DNS=$(freeport --range 900-999 1) || die "no free port in 900-999"
[ "$DNS" -lt 1024 ] || die "freeport gave $DNS"
CONF="$T_DIR/pooldns.conf"
printf 'source = sqlite\nsqlite-path = %s\ncache-file = %s\nuser = nobody\ngroup = %s\nthreads = 2\npoll-interval-ms = 200\nnegative-ttl = 60\n' \
	"$DB" "$T_DIR/cache/snapshot" "$NOGROUP" >"$CONF"
start_pooldns pooldns "$DNS" -c "$CONF"
PID=$POOLDNS_PID

want=$(printf '142.250.180.14\n142.250.180.46\n142.250.181.14\n')
got=$(dig_short "$DNS" google.com)
[ "$got" = "$want" ] || fail "dig google.com on port $DNS: got '$got'"
got=$("$DIG" @127.0.0.1 -p "$DNS" +tcp +short google.com | sort)
[ "$got" = "$want" ] || fail "dig +tcp google.com on port $DNS: got '$got'"
grep -q "privileges dropped: user nobody (uid $NOBODY), group $NOGROUP (gid $NOGID)" \
	"$T_DIR/pooldns.log" || fail "no 'privileges dropped' line in the log"

# Every thread: nobody's ids (real, effective, saved, filesystem), no
# capability in any set, no_new_privs.
ntasks=0
for st in /proc/"$PID"/task/*/status; do
	ntasks=$((ntasks + 1))
	t=$(basename "$(dirname "$st")")
	uid=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "$st")
	gid=$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "$st")
	[ "$uid" = "$NOBODY $NOBODY $NOBODY $NOBODY" ] || fail "task $t: Uid $uid"
	[ "$gid" = "$NOGID $NOGID $NOGID $NOGID" ] || fail "task $t: Gid $gid"
	for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(awk -v k="$cap:" '$1 == k { print $2 }' "$st")
		[ "$v" = 0000000000000000 ] || fail "task $t: $cap $v"
	done
	[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$st")" = 1 ] || fail "task $t: no_new_privs not set"
done
# main, 2 workers, the poller, the health checker, the cache writer
[ "$ntasks" -ge 6 ] || fail "only $ntasks threads checked"
log "$ntasks threads: uid $NOBODY gid $NOGID, no capabilities, no_new_privs"

wait_for 10 test -s "$T_DIR/cache/snapshot" || fail "cache file not written"
[ "$(stat -c %u "$T_DIR/cache/snapshot")" = "$NOBODY" ] || fail "cache file not written by nobody"

# SIGHUP: the file is read again (as nobody) and the data re-checked.
sqlite3 "$DB" "INSERT INTO dns_zone_member (dns_zone, host) VALUES (2, '192.0.2.66')" || die "insert"
sed -i 's/^negative-ttl = 60$/negative-ttl = 42/' "$CONF"
kill -HUP "$PID"
wait_for 3 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short www.example.com | grep -qx 192.0.2.66" ||
	fail "member added before SIGHUP not served"
wait_for 3 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +noall +authority nx.google.com | grep -q ' 42\$'" ||
	fail "negative-ttl from the reloaded file not applied"
grep -q 'reload done' "$T_DIR/pooldns.log" || fail "no 'reload done' in the log"
! grep -q 'reload failed' "$T_DIR/pooldns.log" || fail "reload failed: $(grep 'reload failed' "$T_DIR/pooldns.log")"
log "SIGHUP reload after the drop: file re-read, data served"
stop_pid "$PID" || fail "pooldns did not exit 0 on SIGTERM"

# Started the way pooldns.service starts it: as an unprivileged user with
# only CAP_NET_BIND_SERVICE (ambient). It binds the port below 1024, then
# clears that capability too.
if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=nobody --regid="$NOGROUP" --clear-groups --inh-caps=+net_bind_service \
		--ambient-caps=+net_bind_service "$PD" --listen="127.0.0.1:$DNS" --source=sqlite \
		--sqlite-path="$DB" --threads=1 >"$T_DIR/ambient.log" 2>&1 &
	APID=$!
	T_PIDS="$T_PIDS $APID"
	wait_for 10 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short +time=1 +tries=1 google.com | grep -qx 142.250.180.14" ||
		fail "ambient CAP_NET_BIND_SERVICE: no answer on port $DNS"
	for st in /proc/"$APID"/task/*/status; do
		for cap in CapInh CapPrm CapEff CapAmb; do
			v=$(awk -v k="$cap:" '$1 == k { print $2 }' "$st")
			[ "$v" = 0000000000000000 ] || fail "ambient start: $st: $cap $v"
		done
	done
	grep -q "running as uid $NOBODY, no capabilities" "$T_DIR/ambient.log" ||
		fail "ambient start: no 'running as uid $NOBODY' line"
	stop_pid "$APID" || fail "ambient start: pooldns did not exit 0 on SIGTERM"
	log "started unprivileged with ambient CAP_NET_BIND_SERVICE: bound port $DNS, then no capabilities"
else
	fail "setpriv (util-linux) missing: the systemd-like start was not checked"
fi

# The rqlite password file. Each refusal happens before any socket or
# network, with the same message from --check-config and from a start.
PW="$T_DIR/rqlite.pw"
printf 's3cret\n' >"$PW"
pwcheck() { # WANT_RC MESSAGE [flags]: --check-config and a start
	want_rc=$1 msg=$2
	shift 2
	for mode in --check-config start; do
		if [ "$mode" = start ]; then
			[ "$want_rc" -eq 0 ] && continue
			"$PD" --listen="127.0.0.1:$DNS" --rqlite-url=http://127.0.0.1:9 --rqlite-user=u \
				--rqlite-password-file="$PW" --user=nobody "$@" >"$T_DIR/pw.out" 2>&1
		else
			"$PD" --rqlite-url=http://127.0.0.1:9 --rqlite-user=u \
				--rqlite-password-file="$PW" --user=nobody --check-config "$@" \
				>"$T_DIR/pw.out" 2>&1
		fi
		rc=$?
		[ "$rc" -eq "$want_rc" ] || fail "password file $(stat -c '%a %U' "$PW"), $mode: exit $rc, want $want_rc"
		grep -qF "$msg" "$T_DIR/pw.out" || fail "password file $(stat -c '%a %U' "$PW"), $mode: $(cat "$T_DIR/pw.out")"
	done
}
chmod 644 "$PW"
pwcheck 1 "rqlite-password-file $PW: mode 0644 lets group or others access it; chmod 600 it"
chmod 640 "$PW"
pwcheck 1 "rqlite-password-file $PW: mode 0640 lets group or others access it; chmod 600 it"
chmod 600 "$PW"
chown nobody "$PW"
pwcheck 1 "rqlite-password-file $PW: owned by uid $NOBODY, neither root nor the user reading it (uid 0)"
chown root "$PW"
pwcheck 0 "pooldns: configuration OK"
log "password file: 0644, 0640 and another owner refused; root's 0600 accepted"

# Root's 0600 password file, read before the drop; nobody cannot read it
# again, so SIGHUP keeps the password, and a new file needs a restart.
# (No rqlited needed: the node is down, pool names are REFUSED.)
RCONF="$T_DIR/rqlite.conf"
printf 'rqlite-url = http://127.0.0.1:9
rqlite-user = u
rqlite-password-file = %s
user = nobody
rqlite-connect-timeout-ms = 100
rqlite-timeout-ms = 200
' \
	"$PW" >"$RCONF"
start_pooldns rqlite "$DNS" -c "$RCONF"
RPID=$POOLDNS_PID
kill -HUP "$RPID"
wait_for 3 grep -q 'reload done' "$T_DIR/rqlite.log" || fail "rqlite: no 'reload done' after SIGHUP"
! grep -q 'rqlite-password-file.*denied' "$T_DIR/rqlite.log" ||
	fail "rqlite: the password file was read again after the drop"
cp "$PW" "$T_DIR/rqlite2.pw"
sed -i "s|^rqlite-password-file = .*|rqlite-password-file = $T_DIR/rqlite2.pw|" "$RCONF"
kill -HUP "$RPID"
wait_for 3 grep -q 'reload: rqlite-password-file changed: needs restart (ignored)' "$T_DIR/rqlite.log" ||
	fail "rqlite: a new password file after the drop was not refused as restart-only"
[ "$(dig_status "$DNS" google.com)" = REFUSED ] || fail "rqlite: not answering after the reloads"
stop_pid "$RPID" || fail "rqlite: pooldns did not exit 0 on SIGTERM"
log "password read before the drop; SIGHUP keeps it, a new file needs a restart"

# A cache directory nobody cannot write: the cache could never be updated.
mkdir "$T_DIR/rootonly"
"$PD" --listen="127.0.0.1:$DNS" --source=sqlite --sqlite-path="$DB" --user=nobody \
	--cache-file="$T_DIR/rootonly/snapshot" >"$T_DIR/cachedir.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "unwritable cache directory: exit $rc, want 1"
grep -qF "cache-file $T_DIR/rootonly/snapshot: its directory $T_DIR/rootonly is not writable by the user pooldns runs as (uid $NOBODY)" \
	"$T_DIR/cachedir.out" || fail "unwritable cache directory: $(cat "$T_DIR/cachedir.out")"
log "cache directory not writable by the user: refused"

# chroot: the database, the cache and the file itself inside it.
JAIL="$T_DIR/jail"
mkdir -p "$JAIL/db" "$JAIL/cache" && chown nobody "$JAIL/cache" || die "jail"
cp "$DB" "$JAIL/db/pools.db" && chmod 644 "$JAIL/db/pools.db"
JCONF="$JAIL/pooldns.conf"
printf 'source = sqlite\nsqlite-path = %s\ncache-file = %s\nuser = nobody\nchroot = %s\npoll-interval-ms = 200\nthreads = 1\n' \
	"$JAIL/db/pools.db" "$JAIL/cache/snapshot" "$JAIL" >"$JCONF"
"$PD" -c "$JCONF" --check-config >"$T_DIR/jail-check.out" 2>&1 ||
	fail "chroot configuration refused: $(cat "$T_DIR/jail-check.out")"
# LeakSanitizer (a --enable-sanitizers build) reads /proc at exit, which
# the chroot does not have: leak checking is off for this one process.
saved_asan=${ASAN_OPTIONS-}
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
start_pooldns jailed "$DNS" -c "$JCONF"
if [ -n "$saved_asan" ]; then ASAN_OPTIONS=$saved_asan; else unset ASAN_OPTIONS; fi
JPID=$POOLDNS_PID
[ "$(readlink /proc/"$JPID"/root)" = "$JAIL" ] || fail "root directory is $(readlink /proc/"$JPID"/root), want $JAIL"
want=$(printf '142.250.180.14\n142.250.180.46\n142.250.181.14\n')
got=$(dig_short "$DNS" google.com)
[ "$got" = "$want" ] || fail "chroot: dig google.com: got '$got'"
wait_for 10 test -s "$JAIL/cache/snapshot" || fail "chroot: cache file not written inside"
sqlite3 "$JAIL/db/pools.db" "INSERT INTO dns_zone_member (dns_zone, host) VALUES (2, '192.0.2.55')" || die "insert"
kill -HUP "$JPID"
wait_for 3 sh -c "\"$DIG\" @127.0.0.1 -p $DNS +short www.example.com | grep -qx 192.0.2.55" ||
	fail "chroot: member added before SIGHUP not served"
grep -q 'SIGHUP: reloading /pooldns.conf' "$T_DIR/jailed.log" || fail "chroot: the file was not re-read inside"
! grep -q 'reload failed' "$T_DIR/jailed.log" || fail "chroot: $(grep 'reload failed' "$T_DIR/jailed.log")"
stop_pid "$JPID" || fail "chroot: pooldns did not exit 0 on SIGTERM"
log "chroot: serves, writes its cache and reloads inside $JAIL"

"$PD" -c "$JCONF" --sqlite-path="$DB" --check-config >"$T_DIR/out.out" 2>&1 &&
	fail "chroot: a SQLite file outside accepted"
grep -qF "sqlite-path $DB: not inside chroot $JAIL" "$T_DIR/out.out" ||
	fail "chroot: outside file: $(cat "$T_DIR/out.out")"
"$PD" -c "$JCONF" --source=rqlite --rqlite-url=https://127.0.0.1:4001 --check-config \
	>"$T_DIR/out.out" 2>&1 && fail "chroot: https rqlite without a CA file accepted"
grep -qF "needs rqlite-ca-file" "$T_DIR/out.out" || fail "chroot: https: $(cat "$T_DIR/out.out")"
cp "$JCONF" "$T_DIR/outside.conf"
"$PD" -c "$T_DIR/outside.conf" --check-config >"$T_DIR/out.out" 2>&1 &&
	fail "chroot: a configuration file outside accepted"
grep -qF "configuration file $T_DIR/outside.conf: not inside chroot $JAIL" "$T_DIR/out.out" ||
	fail "chroot: file outside: $(cat "$T_DIR/out.out")"
log "chroot: files outside and https without a CA file refused"

[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
