/*
 * source.c — the data of source.h that every source shares: the statements
 * of a version poll and of a full load, and the column names of the pool
 * and member results (which the cache reader checks cached tables
 * against). The transports themselves are source_rqlite.c and
 * source_sqlite.c.
 *
 * Owns only constant data. Thread model: read-only, any thread.
 */
#include "config.h"

#include "core/source/source.h"

const char *const pooldns_pool_columns[POOLDNS_POOL_NCOLS] = {
	"id",
	"name",
	"ttl",
	"policy",
	"max_answers",
	"fallback",
	"check_type",
	"check_port",
	"check_path",
	"check_host",
	"check_expect",
	"check_body",
	"check_interval_ms",
	"check_timeout_ms",
	"check_rise",
	"check_fall",
};

const char *const pooldns_member_columns[POOLDNS_MEMBER_NCOLS] = {
	"id", "dns_zone", "host", "weight", "priority", "enabled",
};

const struct pooldns_sql_stmt pooldns_sql_version[1] = {
	{ .sql = POOLDNS_SQL_VERSION, .param = POOLDNS_SQL_VERSION_PARAM },
};

const struct pooldns_sql_stmt pooldns_sql_load[3] = {
	{ .sql = POOLDNS_SQL_VERSION, .param = POOLDNS_SQL_VERSION_PARAM },
	{ .sql = POOLDNS_SQL_POOLS },
	{ .sql = POOLDNS_SQL_MEMBERS },
};
