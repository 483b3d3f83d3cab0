#!/bin/sh
# build-unbound.sh — build an Unbound that can load the pooldns module.
#
# Debian's packaged unbound is built without dynlib support, so this script
# takes Debian's own `unbound` source package (apt-get source), configures it
# --with-dynlibmodule --with-libevent, builds it and installs it (unbound,
# unbound-control, unbound-checkconf, ...) into a project-local prefix:
#
#   DEST/src      the configured, built source tree
#                 (what ./configure --with-unbound-src= wants)
#   DEST/prefix   the installed Unbound (sbin/unbound, sbin/unbound-control)
#
# By default the source is the machine's own release's (Debian 12:
# Unbound 1.17) and DEST is .deps/unbound. When deb-src entries are missing,
# they are derived from the machine's own Debian apt sources (same URIs,
# suites and components; deb822 debian.sources or the one-line
# sources.list) into a separate file,
# /etc/apt/sources.list.d/pooldns-deb-src.{sources,list}.
#
# --suite SUITE takes the `unbound` source package of another Debian suite
# instead (e.g. trixie, the newest Unbound Debian publishes), so that the
# module can be built and tested against a newer Unbound API too: a
# deb-src line for that suite goes into its own file,
# /etc/apt/sources.list.d/pooldns-SUITE-src.list (source packages only:
# no binary package of the machine changes), pointing at $DEBIAN_MIRROR
# (default http://deb.debian.org/debian); DEST defaults to
# .deps/unbound-SUITE. The build dependencies are the same Debian 12
# packages either way. A mirror may list a suite's current source package
# before it serves its files; for trixie the script then takes the
# upstream tarball of trixie's release (Unbound 1.22.0) from the same
# Debian archive pool, checked against its SHA-256.
#
# --tarball FILE builds an Unbound release tarball (unbound-X.Y.Z.tar.gz, or
# Debian's unbound_X.Y.Z.orig.tar.gz) instead of a source package, for a
# version no reachable mirror publishes as a source package; it needs
# --dest. Nothing is downloaded for it and apt only installs the build
# dependencies.
#
# Idempotent: a second run reuses the build and only prints the path. The
# last line on stdout is the source directory; progress goes to stderr.
# Needs root (or sudo) for apt the first time.
#
#   scripts/build-unbound.sh                  build once, print the source dir
#   scripts/build-unbound.sh --force          rebuild from a fresh source unpack
#   scripts/build-unbound.sh --suite trixie   Debian 13's Unbound, in .deps/unbound-trixie
#   scripts/build-unbound.sh --dest DIR       build into DIR (DIR/src, DIR/prefix)
#   scripts/build-unbound.sh --tarball F --dest DIR
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
force=0
suite=
base=
tarball=
while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--suite) [ $# -ge 2 ] || { echo "build-unbound: --suite needs a value" >&2; exit 2; }
		suite=$2; shift ;;
	--suite=*) suite=${1#--suite=} ;;
	--dest) [ $# -ge 2 ] || { echo "build-unbound: --dest needs a value" >&2; exit 2; }
		base=$2; shift ;;
	--dest=*) base=${1#--dest=} ;;
	--tarball) [ $# -ge 2 ] || { echo "build-unbound: --tarball needs a value" >&2; exit 2; }
		tarball=$2; shift ;;
	--tarball=*) tarball=${1#--tarball=} ;;
	-h|--help) sed -n '2,44p' "$0"; exit 0 ;;
	*) echo "build-unbound: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
case "$suite" in
*[!a-z0-9-]*) echo "build-unbound: bad suite name '$suite'" >&2; exit 2 ;;
esac
if [ -n "$tarball" ]; then
	[ -z "$suite" ] || { echo "build-unbound: --tarball and --suite exclude each other" >&2; exit 2; }
	[ -n "$base" ] || { echo "build-unbound: --tarball needs --dest" >&2; exit 2; }
	[ -f "$tarball" ] || { echo "build-unbound: no such tarball: $tarball" >&2; exit 2; }
	tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
fi
if [ -z "$base" ]; then
	if [ -n "$suite" ]; then base="$top/.deps/unbound-$suite"; else base="$top/.deps/unbound"; fi
fi
mkdir -p "$base"
base=$(cd "$base" && pwd)
src="$base/src"
prefix="$base/prefix"
stamp="$base/.built"

say() { echo "build-unbound: $*" >&2; }

# Reuse: a stamp written after a successful install, and the pieces it vouches for.
if [ "$force" -eq 0 ] && [ -f "$stamp" ] && [ -x "$prefix/sbin/unbound" ] &&
	[ -x "$prefix/sbin/unbound-control" ] && [ -f "$src/config.h" ] &&
	grep -q '^#define WITH_DYNLIBMODULE' "$src/config.h"; then
	say "reusing $(cat "$stamp") in $prefix"
	echo "$src"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
apt_get() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get "$@"; }

# 1. Build dependencies (a minimal set: Debian's full build-dep also pulls
#    python, swig, systemd and protobuf, none of which this build uses).
pkgs="build-essential dpkg-dev pkg-config libssl-dev libexpat1-dev libevent-dev flex bison"
missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done

# 2. deb-src entries, derived from the machine's own Debian sources.
have_deb_src() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		if grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" ||
			grep -Eiq '^[[:space:]]*Types:.*deb-src' "$f"; then
			return 0
		fi
	done
	return 1
}

updated=0
if [ -z "$tarball" ] && ! have_deb_src; then
	deb822=/etc/apt/sources.list.d/debian.sources
	if [ -f "$deb822" ] && grep -Eiq '^Types:.*\bdeb\b' "$deb822"; then
		out=/etc/apt/sources.list.d/pooldns-deb-src.sources
		say "deriving deb-src entries from $deb822 into $out"
		# Every stanza whose Types include "deb" is copied with Types: deb-src.
		awk '
			BEGIN { RS = ""; ORS = "\n\n" }
			{
				n = split($0, line, "\n"); keep = 0; body = ""
				for (i = 1; i <= n; i++) {
					if (line[i] ~ /^[Tt]ypes:/) {
						if (line[i] ~ /(^|[ \t:])deb([ \t]|$)/) keep = 1
						line[i] = "Types: deb-src"
					}
					if (line[i] ~ /^#/) continue
					body = body line[i] "\n"
				}
				if (keep) printf "%s\n", body
			}' "$deb822" | $SUDO tee "$out.tmp" >/dev/null
		$SUDO mv "$out.tmp" "$out"
	elif [ -f /etc/apt/sources.list ] && grep -Eq '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
		out=/etc/apt/sources.list.d/pooldns-deb-src.list
		say "deriving deb-src entries from /etc/apt/sources.list into $out"
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list |
			$SUDO tee "$out.tmp" >/dev/null
		$SUDO mv "$out.tmp" "$out"
	else
		say "no deb-src entries and no Debian apt source to derive them from"
		exit 1
	fi
	apt_get update -qq
	updated=1
fi

# 2b. Another suite's sources: one deb-src line of its own, in its own file.
if [ -n "$suite" ]; then
	mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
	out=/etc/apt/sources.list.d/pooldns-$suite-src.list
	line="deb-src $mirror $suite main"
	if [ ! -f "$out" ] || [ "$(cat "$out")" != "$line" ]; then
		say "adding '$line' to $out"
		echo "$line" | $SUDO tee "$out.tmp" >/dev/null
		$SUDO mv "$out.tmp" "$out"
		apt_get update -qq
		updated=1
	fi
fi

if [ -n "$missing" ]; then
	say "installing:$missing"
	[ "$updated" -eq 1 ] || apt_get update -qq
	# shellcheck disable=SC2086
	apt_get install -y -qq --no-install-recommends $missing >&2
fi

# The upstream tarball of a suite's release in the Debian archive (file
# name and SHA-256), used when the suite's current source package is
# listed but not served.
release_tarball() {
	case "$1" in
	trixie) echo "unbound_1.22.0.orig.tar.gz c5dd1bdef5d5685b2cedb749158dd152c52d44f65529a34ac15cd88d4b1b3d43" ;;
	esac
}

# 3. The source package, unpacked (with Debian's patches) into DEST/src.
# Without --suite, the machine's own release's package: once another
# suite's deb-src line is present (a --suite build), plain "unbound" would
# take that suite's newer one.
pkg=unbound
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ -z "$codename" ] || pkg="unbound/$codename"
[ -z "$suite" ] || pkg="unbound/$suite"
if [ "$force" -eq 1 ] || [ ! -f "$src/configure" ]; then
	rm -rf "$src" "$base/download"
	mkdir -p "$base/download"
	if [ -n "$tarball" ]; then
		say "unpacking $tarball"
		tar -xzf "$tarball" -C "$base/download"
	else
		say "apt-get source $pkg"
		if ! (cd "$base/download" && apt-get source -qq "$pkg" >&2); then
			# A mirror may list a suite's current source package
			# before it serves its files (a stable update in
			# flight). For trixie, fall back to the upstream
			# tarball of the suite's release, from the same
			# Debian archive, checked against its known SHA-256.
			rel=$(release_tarball "$suite")
			if [ -z "$rel" ]; then
				say "apt-get source $pkg failed (are deb-src entries enabled and apt-get update done?)"
				exit 1
			fi
			set -- $rel
			url="${DEBIAN_MIRROR:-http://deb.debian.org/debian}/pool/main/u/unbound/$1"
			say "apt-get source $pkg failed; taking $suite's release tarball $url"
			curl -fsS --retry 3 -o "$base/download/$1" "$url" >&2 ||
				{ say "cannot download $url"; exit 1; }
			echo "$2  $base/download/$1" | sha256sum -c --quiet - >&2 ||
				{ say "$1: SHA-256 mismatch"; exit 1; }
			tar -xzf "$base/download/$1" -C "$base/download"
		fi
	fi
	dir=$(find "$base/download" -mindepth 1 -maxdepth 1 -type d -name 'unbound-*' | head -n 1)
	if [ -z "$dir" ] || [ ! -f "$dir/configure" ]; then
		say "no unpacked unbound-* source directory in $base/download"
		exit 1
	fi
	mv "$dir" "$src"
	rm -rf "$base/download"
fi

# 4. Configure, build, install. Unbound links the daemon -export-dynamic
#    when dynlib is on, which the module relies on for Unbound's functions.
cd "$src"
if [ "$force" -eq 1 ] || [ ! -f config.h ] || ! grep -q '^#define WITH_DYNLIBMODULE' config.h; then
	say "configuring in $src"
	./configure --prefix="$prefix" --with-dynlibmodule --with-libevent \
		--disable-rpath --disable-flto >"$base/configure.log" 2>&1 || {
		tail -n 30 "$base/configure.log" >&2
		exit 1
	}
fi
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -le 2 ] || jobs=2
say "make -j$jobs (log: $base/make.log)"
make -j"$jobs" >"$base/make.log" 2>&1 || { tail -n 40 "$base/make.log" >&2; exit 1; }
make install >"$base/install.log" 2>&1 || { tail -n 40 "$base/install.log" >&2; exit 1; }

version=$("$prefix/sbin/unbound" -V 2>/dev/null | sed -n 's/^Version //p')
"$prefix/sbin/unbound" -V 2>/dev/null | grep -q dynlib || {
	say "$prefix/sbin/unbound does not list dynlib among its modules"
	exit 1
}
[ -x "$prefix/sbin/unbound-control" ] || { say "unbound-control was not installed"; exit 1; }
echo "unbound $version (dynlib)" >"$stamp"
say "installed unbound $version with dynlib into $prefix"
echo "$src"
