#!/bin/sh
# quickstart.sh — the README's first command: install what is missing,
# build pooldns, start a local rqlited (127.0.0.1:4001) loaded with
# schema.json and populate_data.json, and run pooldns on 127.0.0.1:9999 in
# the foreground until Ctrl-C, which stops both.
#
#   scripts/quickstart.sh [--dns-port N] [--rqlite-port N]
# Data and the cache file live in .run/ (delete it to start afresh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dns_port=9999
rq_port=4001
while [ $# -gt 0 ]; do
	case "$1" in
	--dns-port) dns_port=$2; shift 2 ;;
	--rqlite-port) rq_port=$2; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "quickstart: unknown option $1" >&2; exit 2 ;;
	esac
done
raft_port=$((rq_port + 1))

scripts/bootstrap.sh
if [ ! -x build/quickstart/standalone/pooldns ]; then
	echo "quickstart: building"
	[ -x configure ] || autoreconf -fi
	mkdir -p build/quickstart
	(cd build/quickstart && "$top/configure" >configure.out 2>&1 && make -j"$(nproc)" >make.out 2>&1) || {
		echo "quickstart: build failed, see build/quickstart/*.out" >&2
		exit 1
	}
fi

mkdir -p .run
rq_pid=""
pd_pid=""
stop() {
	trap - INT TERM EXIT
	set +e
	if [ -n "$pd_pid" ]; then kill "$pd_pid" 2>/dev/null; wait "$pd_pid" 2>/dev/null; fi
	if [ -n "$rq_pid" ]; then kill "$rq_pid" 2>/dev/null; wait "$rq_pid" 2>/dev/null; fi
	echo "quickstart: stopped"
}
trap stop EXIT
trap 'exit 0' INT TERM

if curl -sf -o /dev/null "http://127.0.0.1:$rq_port/readyz"; then
	echo "quickstart: using the rqlited already on 127.0.0.1:$rq_port"
else
	echo "quickstart: starting rqlited on 127.0.0.1:$rq_port (data in .run/rqlite)"
	.deps/rqlite/bin/rqlited -fk -node-id quickstart -http-addr "127.0.0.1:$rq_port" \
		-raft-addr "127.0.0.1:$raft_port" .run/rqlite >.run/rqlited.log 2>&1 &
	rq_pid=$!
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$rq_port/readyz"; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$rq_pid" 2>/dev/null; then
			echo "quickstart: rqlited did not start, see .run/rqlited.log" >&2
			exit 1
		fi
		sleep 0.1
	done
fi
for f in schema.json populate_data.json; do
	curl -sS -XPOST "http://127.0.0.1:$rq_port/db/execute" \
		-H 'Content-Type: application/json' -d @"$f" >/dev/null
done
echo "quickstart: schema and demo data loaded"

build/quickstart/standalone/pooldns --rqlite-url="http://127.0.0.1:$rq_port" \
	--listen="127.0.0.1:$dns_port" --cache-file="$top/.run/cache.json" &
pd_pid=$!
sleep 1
kill -0 "$pd_pid" 2>/dev/null || { echo "quickstart: pooldns did not start" >&2; exit 1; }
cat <<MSG

pooldns is answering on 127.0.0.1:$dns_port. Try:

    dig @127.0.0.1 -p $dns_port google.com
    dig @127.0.0.1 -p $dns_port www.example.com AAAA
    curl -XPOST 'http://127.0.0.1:$rq_port/db/execute' -H 'Content-Type: application/json' \\
      -d "[\"INSERT INTO dns_zone_member (dns_zone, host) VALUES (1, '142.250.182.14')\"]"
    dig @127.0.0.1 -p $dns_port google.com      # the new member shows within a second

Press Ctrl-C to stop pooldns and rqlited.
MSG
wait "$pd_pid"
