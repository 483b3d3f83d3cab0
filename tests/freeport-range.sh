#!/bin/sh
# freeport-range.sh — `make check` test of tests/tools/freeport, which gives
# every integration test its server ports: 64 ports at once are distinct,
# free for TCP and UDP, and outside the kernel's ephemeral range
# (net.ipv4.ip_local_port_range), where a client's kernel-chosen source
# port could equal a server's port (freeport.c says why that breaks a
# test); --range LO-HI stays within LO..HI; bad arguments are refused with
# exit 2. Fails with one line per problem.
set -u
build=${POOLDNS_BUILDDIR:-.}
fp="$build/tests/tools/freeport"
bad=0
problem() { printf 'freeport-range: FAIL: %s\n' "$*"; bad=1; }

# (cat, not read: the shell's one-byte reads see only the first byte of a
# sysctl file)
range=$(cat /proc/sys/net/ipv4/ip_local_port_range) ||
	{ echo "freeport-range: cannot read net.ipv4.ip_local_port_range"; exit 1; }
# shellcheck disable=SC2086 # two words: the low and high port
set -- $range
elo=$1 ehi=$2

ports=$("$fp" 64) || { echo "freeport-range: FAIL: freeport 64 exited $?"; exit 1; }
[ "$(printf '%s\n' "$ports" | wc -l)" -eq 64 ] || problem "freeport 64 printed $(printf '%s\n' "$ports" | wc -l) lines"
[ "$(printf '%s\n' "$ports" | sort -u | wc -l)" -eq 64 ] || problem "freeport 64 repeated a port"
for p in $ports; do
	if [ "$p" -ge "$elo" ] && [ "$p" -le "$ehi" ]; then
		problem "port $p is inside the ephemeral range $elo-$ehi"
	fi
	[ "$p" -ge 24000 ] || problem "port $p is below 24000 (the harness cases' backend ports)"
done

for p in $("$fp" --range 40000-40009 3); do
	{ [ "$p" -ge 40000 ] && [ "$p" -le 40009 ]; } || problem "--range 40000-40009 gave $p"
done

for args in "0" "65" "--range 9-8 1" "--range x 1" "1 2"; do
	# shellcheck disable=SC2086 # the words of args are the arguments
	"$fp" $args >/dev/null 2>&1
	st=$?
	[ "$st" -eq 2 ] || problem "freeport $args exited $st, want 2"
done

[ "$bad" -eq 0 ] || exit 1
echo "freeport-range: 64 ports outside the ephemeral range $elo-$ehi, distinct; --range and bad arguments as documented"
