#!/bin/sh
# status-browser.sh — the status page (/status) in a real browser: headless
# Chromium renders it before and after a member's backend stops; the page
# text (the DOM Chromium dumps) must show the member up with "HTTP 200"
# first, then down with a connect reason, and both screenshots must be
# valid PNG images of the window's size that differ.
#
# Skipped (exit 77) only when Chromium is absent AND this is not CI; in CI
# (CI=true) a missing Chromium fails the test (scripts/bootstrap.sh
# installs it).
set -u
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-}
[ -n "$CHROMIUM" ] || CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
	[ "${CI:-}" = true ] && die "chromium not found, and CI=true: this test must run in CI (scripts/bootstrap.sh installs chromium)"
	log "SKIP: chromium not found (not CI)"
	exit 77
fi

# shellcheck disable=SC2046
set -- $(freeport 3)
DNS=$1 HTTP=$2 MP=$3
URL="http://127.0.0.1:$HTTP/status"
WIDTH=1200 HEIGHT=800

DB="$T_DIR/pools.db"
sqlite_load "$DB" "$POOLDNS_SRCDIR/schema.json" || die "schema.json did not load into SQLite"
sqlite3 "$DB" "INSERT INTO dns_zone (id, name, check_type, check_port, check_interval_ms, check_timeout_ms, check_rise, check_fall)
	VALUES (1, 'web.test.', 'http', $MP, 200, 500, 1, 2);
	INSERT INTO dns_zone_member (dns_zone, host) VALUES (1, '127.1.0.1'), (1, '127.1.0.2');" ||
	die "test data did not load"
start_fakemember m1 127.1.0.1 "$MP"
start_fakemember m2 127.1.0.2 "$MP"
M2_PID=$FAKEMEMBER_PID
start_pooldns pooldns "$DNS" --source=sqlite --sqlite-path="$DB" --threads=1 \
	--http-listen="127.0.0.1:$HTTP"

# chromium ARGS...: headless Chromium with a fresh profile, bounded in time.
chromium() {
	profile=$(mktemp -d "$T_DIR/profile.XXXXXX")
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --user-data-dir="$profile" --window-size="$WIDTH,$HEIGHT" "$@"
	rc=$?
	rm -rf "$profile"
	return $rc
}

# browse NAME: a screenshot ($T_DIR/NAME.png) and the page text
# ($T_DIR/NAME.txt: the DOM Chromium built, one line per table row with
# the cells joined by " | ", tags removed).
browse() {
	chromium --screenshot="$T_DIR/$1.png" "$URL" >"$T_DIR/chromium-$1.log" 2>&1 ||
		fail "chromium --screenshot of $URL failed ($1)"
	chromium --dump-dom "$URL" 2>>"$T_DIR/chromium-$1.log" >"$T_DIR/$1.dom" ||
		fail "chromium --dump-dom of $URL failed ($1)"
	sed -e 's#</td><td># | #g' -e 's#<[^>]*>##g' "$T_DIR/$1.dom" >"$T_DIR/$1.txt"
}

# check_png NAME: PNG signature, an IHDR chunk of WIDTH x HEIGHT, non-empty.
check_png() {
	f="$T_DIR/$1.png"
	[ -s "$f" ] || { fail "$1.png is missing or empty"; return; }
	sig=$(od -An -tx1 -N16 "$f" | tr -d ' \n')
	[ "$sig" = 89504e470d0a1a0a0000000d49484452 ] || fail "$1.png is not a PNG (starts $sig)"
	set -- $(od -An -tu1 -j16 -N8 "$f")
	w=$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 )) h=$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))
	[ "$w" -eq "$WIDTH" ] && [ "$h" -eq "$HEIGHT" ] || fail "$1.png is ${w}x$h, want ${WIDTH}x$HEIGHT"
}

browse before
grep -qx 'web.test. | 127.1.0.2 | up | .* | HTTP 200' "$T_DIR/before.txt" ||
	fail "before: no row 'web.test. | 127.1.0.2 | up | ... | HTTP 200' in the page: $(grep 127.1.0 "$T_DIR/before.txt")"
grep -q '^Ready *yes' "$T_DIR/before.txt" || fail "before: the page does not say ready"
check_png before

stop_pid "$M2_PID"
wait_for 3 sh -c "curl -s 'http://127.0.0.1:$HTTP/status.json' | grep -q '\"address\":\"127.1.0.2\",\"state\":\"down\"'" ||
	fail "127.1.0.2 not down within 3 s of its backend stopping"
browse after
grep -qx 'web.test. | 127.1.0.2 | down | [0-9T:-]*Z | connect failed: .*' "$T_DIR/after.txt" ||
	fail "after: no row 'web.test. | 127.1.0.2 | down | <time> | connect failed: ...' in the page: $(grep 127.1.0 "$T_DIR/after.txt")"
grep -qx 'web.test. | 127.1.0.1 | up | .* | HTTP 200' "$T_DIR/after.txt" ||
	fail "after: 127.1.0.1 is not shown up"
check_png after
cmp -s "$T_DIR/before.png" "$T_DIR/after.png" && fail "the screenshots before and after are identical"

stop_pid "$POOLDNS_PID" || fail "pooldns did not exit 0 on SIGTERM"
[ "$T_FAILED" -eq 0 ] || exit 1
log "all checks passed"
