# scale-data.sh — the data of the scale measurements, shared by
# bench/scale.sh and tests/integration/scale-100k.sh: N pools × 4 IPv4
# members in a SQLite file built with the sqlite3 shell alone, that file
# loaded into an rqlited, the same records as a zone file for Knot DNS, and
# the SQL of single changes applied to either source. Sourced, not run;
# defines functions only (no traps, no temporary files of its own). POSIX sh;
# needs sqlite3 and curl.
#
# The data, for pool i = 1..N and member m = 1..4N:
#   dns_zone         id i, name p<i, 7 digits>.scale.example., defaults
#                    otherwise (ttl 30, round_robin, max_answers 8, no
#                    health check)
#   dns_zone_member  id m, pool (m + 3) / 4, host 10.0.0.0 + m as a dotted
#                    quad (10.0.0.1 ... 10.61.9.0 for N = 1,000,000), enabled
# Every address is distinct, so a test can tell any member from any other.

SCALE_ZONE=scale.example.

# scale_pool_name I: the name of pool I.
scale_pool_name() { printf 'p%07d.%s\n' "$1" "$SCALE_ZONE"; }

# scale_member_host M: the address of member M (and, for the addresses
# that changes add, of any integer below 2^24).
scale_member_host() {
	printf '%d.%d.%d.%d\n' $((10 + ($1 >> 24))) $((($1 >> 16) & 255)) \
		$((($1 >> 8) & 255)) $(($1 & 255))
}

# scale_make_db DB N SCHEMA_JSON: a new SQLite file DB holding the schema
# (every statement of SCHEMA_JSON, an rqlite /db/execute payload, run as it
# is: tables, indexes, the version triggers) and N pools × 4 members,
# inserted by two recursive CTEs in one transaction. The triggers fire for
# every row, as they would for rows written one by one; 1,000,000 pools take
# about 12 s on a 2-CPU VM.
scale_make_db() {
	rm -f "$1"
	sqlite3 -bail ":memory:" "SELECT value || ';' FROM json_each(readfile('$3'))" |
		sqlite3 -bail "$1" || return 1
	sqlite3 -bail "$1" >/dev/null <<EOF || return 1
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO dns_zone (id, name) SELECT i, printf('p%07d.$SCALE_ZONE', i) FROM n;
WITH RECURSIVE n(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM n WHERE m < 4 * $2)
INSERT INTO dns_zone_member (id, dns_zone, host)
SELECT m, (m + 3) / 4, printf('%d.%d.%d.%d', 10 + (m >> 24), (m >> 16) & 255, (m >> 8) & 255, m & 255)
FROM n;
COMMIT;
EOF
	# journal_mode and synchronous OFF lasted for that connection only:
	# the file keeps the default rollback journal for later writers.
	[ "$(sqlite3 "$1" 'SELECT count(*) FROM dns_zone')" = "$2" ]
}

# scale_rqlite_load HTTP_URL DB [MAX_S]: replaces the database of the
# rqlited at HTTP_URL with the SQLite file DB, uploaded to /db/load (rqlite's
# binary SQLite restore, through Raft). Fails with rqlite's message on
# stderr. MAX_S (600) bounds the upload.
scale_rqlite_load() {
	out=$(curl -sS --max-time "${3:-600}" -XPOST "$1/db/load" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$2" 2>&1) ||
		{ echo "rqlite /db/load: $out" >&2; return 1; }
	case "$out" in
	*'"error"'*) echo "rqlite /db/load: $out" >&2; return 1 ;;
	esac
	return 0
}

# scale_rqlite_ready HTTP_URL [TENTHS]: until rqlited answers /readyz (at
# most TENTHS tenths of a second, 150).
scale_rqlite_ready() {
	i=0
	while [ $i -lt "${2:-150}" ]; do
		curl -sf -o /dev/null --max-time 2 "$1/readyz" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# scale_zone_file DB: an RFC 1035 zone file for $SCALE_ZONE on stdout: SOA
# and NS at the apex, then every enabled member of every pool as an A
# record of its pool's name with the pool's TTL (the pools are all below
# the zone and all IPv4).
scale_zone_file() {
	# shellcheck disable=SC2016 # $TTL is zone-file syntax
	printf '$ORIGIN %s\n$TTL 30\n' "$SCALE_ZONE"
	printf '@ 3600 IN SOA localhost. hostmaster 1 3600 600 86400 60\n'
	printf '@ 3600 IN NS localhost.\n'
	sqlite3 "$1" "SELECT z.name || ' ' || z.ttl || ' IN A ' || m.host
		FROM dns_zone_member m JOIN dns_zone z ON z.id = m.dns_zone
		WHERE m.enabled = 1 ORDER BY m.id"
}

# ---- single changes --------------------------------------------------------
# Each prints SQL statements, one a line. They hold single quotes but no
# double quote or backslash, so a line is also a JSON string's body.

# scale_sql_add_member POOL HOST
scale_sql_add_member() {
	echo "INSERT INTO dns_zone_member (dns_zone, host) VALUES ($1, '$2')"
}
# scale_sql_disable_member POOL HOST
scale_sql_disable_member() {
	echo "UPDATE dns_zone_member SET enabled = 0 WHERE dns_zone = $1 AND host = '$2'"
}
# scale_sql_delete_member POOL HOST
scale_sql_delete_member() {
	echo "DELETE FROM dns_zone_member WHERE dns_zone = $1 AND host = '$2'"
}
# scale_sql_add_pool ID HOST: pool ID (named by scale_pool_name) with one
# member, in one transaction when applied.
scale_sql_add_pool() {
	echo "INSERT INTO dns_zone (id, name) VALUES ($1, '$(scale_pool_name "$1")')"
	echo "INSERT INTO dns_zone_member (dns_zone, host) VALUES ($1, '$2')"
}
# scale_sql_delete_pool ID: the pool and, by the foreign key's cascade, its
# members.
scale_sql_delete_pool() {
	echo "DELETE FROM dns_zone WHERE id = $1"
}

# scale_apply_sqlite DB: applies the statements on stdin (one a line) to DB
# in one transaction, foreign keys on (as rqlited -fk), waiting up to 30 s
# for a reader's lock.
scale_apply_sqlite() {
	{
		echo "PRAGMA foreign_keys = ON;"
		echo "BEGIN IMMEDIATE;"
		sed 's/$/;/'
		echo "COMMIT;"
	} | sqlite3 -bail -cmd ".timeout 30000" "$1" >/dev/null
}

# scale_apply_rqlite HTTP_URL: applies the statements on stdin (one a line)
# through rqlite's /db/execute in one transaction; fails on any error.
scale_apply_rqlite() {
	body=$(sed 's/.*/"&"/' | paste -sd, -)
	out=$(curl -sS --max-time 30 -XPOST "$1/db/execute?transaction" \
		-H 'Content-Type: application/json' -d "[$body]") ||
		{ echo "rqlite /db/execute: $out" >&2; return 1; }
	case "$out" in
	*'"error"'*) echo "rqlite /db/execute: $out" >&2; return 1 ;;
	esac
	return 0
}
