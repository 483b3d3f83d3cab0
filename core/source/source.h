/*
 * source.h — where pool data comes from: one interface, two transports.
 *
 *   rqlite  (source_rqlite.c) — HTTP(S) to a list of rqlite nodes, libcurl +
 *           jansson, node failover, basic auth, configurable read consistency.
 *   sqlite  (source_sqlite.c) — a local SQLite file opened read-only with the
 *           same schema and the same SQL.
 *
 * A source answers "what is the data version now?" (cheap, polled often),
 * "give me everything" (a full load, whole or in pages of pools), "where does
 * the data stand?" (the position in the change log) and "what changed after
 * that position?" (a delta from the change log, pooldns_change, written by
 * the schema's triggers). It never builds snapshots; the poller hands the
 * results to the builder. The SQL text and the reading of results into these
 * structures are shared by both sources (table.c, delta.c).
 *
 * Thread-safety: a source object is used by one thread at a time (the
 * poller's). Different source objects are independent.
 */
#ifndef POOLDNS_SOURCE_H
#define POOLDNS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/source/table.h"

/* The SQL both sources run. Column order is what the builder expects.
 * Values are never spliced into SQL text: the version query takes its key
 * as a bound parameter (rqlite parameterised statement, sqlite3_bind). */
#define POOLDNS_SQL_VERSION       "SELECT value FROM pooldns_meta WHERE key = ?"
#define POOLDNS_SQL_VERSION_PARAM "data_version"
#define POOLDNS_SQL_POOL_SELECT                                                                    \
	"SELECT id, name, ttl, policy, max_answers, fallback, check_type, "                        \
	"check_port, check_path, check_host, check_expect, check_body, "                           \
	"check_interval_ms, check_timeout_ms, check_rise, check_fall "                             \
	"FROM dns_zone"
#define POOLDNS_SQL_MEMBER_SELECT                                                                  \
	"SELECT id, dns_zone, host, weight, priority, enabled FROM dns_zone_member"
#define POOLDNS_SQL_POOLS   POOLDNS_SQL_POOL_SELECT " ORDER BY id"
#define POOLDNS_SQL_MEMBERS POOLDNS_SQL_MEMBER_SELECT " ORDER BY dns_zone, priority, id"

/* The column names of those two results, in order (source.c). The cache
 * reader checks cached tables against the SQL select lists themselves, so
 * a mismatch between these arrays and the SQL fails its round-trip test. */
#define POOLDNS_POOL_NCOLS   16
#define POOLDNS_MEMBER_NCOLS 6
extern const char *const pooldns_pool_columns[POOLDNS_POOL_NCOLS];
extern const char *const pooldns_member_columns[POOLDNS_MEMBER_NCOLS];

/*
 * The change feed (schema_version 2, schema.json). Triggers on dns_zone and
 * dns_zone_member log one pooldns_change row per pool id a write touches
 * (both ids when an update moves a member or renumbers a pool) and prune
 * the log to its newest POOLDNS_CHANGE_LOG_KEEP rows. seq is AUTOINCREMENT
 * and only the oldest rows are ever deleted, so the seqs in the log are
 * consecutive: if min(seq) > since + 1, changes after `since` were pruned
 * and the reader must do a full load (the gap rule of changes()).
 * pooldns only reads the log; nothing here writes to the database.
 */
#define POOLDNS_SCHEMA_VERSION  2      /* the schema.json of this pooldns; 1 = no change feed */
#define POOLDNS_CHANGE_LOG_KEEP 100000 /* rows the triggers keep (schema.json says it too) */

#define POOLDNS_SQL_SCHEMA_VERSION_PARAM "schema_version" /* bound to POOLDNS_SQL_VERSION */
/* The pool ids logged in a seq range (?1, ?2]. */
#define POOLDNS_SQL_CHANGED_IDS "SELECT zone_id FROM pooldns_change WHERE seq > ?1 AND seq <= ?2"
#define POOLDNS_SQL_CHANGES                                                                        \
	"SELECT seq, zone_id FROM pooldns_change WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"
#define POOLDNS_SQL_CHANGED_POOLS                                                                  \
	POOLDNS_SQL_POOL_SELECT " WHERE id IN (" POOLDNS_SQL_CHANGED_IDS ") ORDER BY id"
#define POOLDNS_SQL_CHANGED_MEMBERS                                                                \
	POOLDNS_SQL_MEMBER_SELECT " WHERE dns_zone IN (" POOLDNS_SQL_CHANGED_IDS ") "              \
				  "ORDER BY dns_zone, priority, id"
#define POOLDNS_SQL_CHANGE_BOUNDS "SELECT min(seq), max(seq) FROM pooldns_change"
/* One page of a full load: ?1 = the last pool id of the previous page (or
 * a value below every id), ?2 = the page size. */
#define POOLDNS_SQL_PAGE_IDS   "SELECT id FROM dns_zone WHERE id > ?1 ORDER BY id LIMIT ?2"
#define POOLDNS_SQL_PAGE_POOLS POOLDNS_SQL_POOL_SELECT " WHERE id > ?1 ORDER BY id LIMIT ?2"
#define POOLDNS_SQL_PAGE_MEMBERS                                                                   \
	POOLDNS_SQL_MEMBER_SELECT " WHERE dns_zone IN (" POOLDNS_SQL_PAGE_IDS ") "                 \
				  "ORDER BY dns_zone, priority, id"

/*
 * One statement and its bound values: param (text) takes ?1 when it is not
 * NULL, then the nints integers take the following placeholders (?1.. when
 * param is NULL). An optional statement may fail (on a schema 1 database
 * the pooldns_change table does not exist) without failing the request:
 * its result is then NULL and the shared code in delta.c decides, from the
 * schema_version read in the same request, whether that is an error.
 */
#define POOLDNS_SQL_MAX_INTS 2
struct pooldns_sql_stmt {
	const char *sql;
	const char *param;
	size_t nints;
	int64_t ints[POOLDNS_SQL_MAX_INTS];
	bool optional;
};

/* The version query alone, and the three statements of a full load
 * (source.c). The statements of the change feed are made by delta.c. */
extern const struct pooldns_sql_stmt pooldns_sql_version[1];
extern const struct pooldns_sql_stmt pooldns_sql_load[3];

/* Where the data stands: read before the first page of a full load. */
struct pooldns_position {
	int64_t version;        /* data_version */
	int64_t schema_version; /* 1 (or missing row): no change feed */
	/* newest change-log seq; 0 when the log is empty; -1 when there is no
	 * change feed */
	int64_t seq;
};

/*
 * What changed after a position. Owns zones and both tables.
 *
 * When gap is true, only version and gap mean anything: zones is NULL,
 * nzones 0, pools and members NULL, seq == since. Otherwise pools and
 * members are tables (possibly empty) holding exactly the rows of the pools
 * in zones: a pool in zones without a row in pools has been deleted.
 */
struct pooldns_delta {
	/* data_version read in the same request */
	int64_t version;
	/* position after this delta: the largest seq returned, or `since`
	 * when none */
	int64_t seq;
	/* the log no longer holds every change after `since` (pruned), or
	 * there is no change feed: the caller must do a full load */
	bool gap;
	/* more changes than `max` were waiting: call again from seq */
	bool more;
	/* distinct pool ids touched in (since, seq], ascending */
	int64_t *zones;
	size_t nzones;
	/* current rows of those pools that still exist (POOLDNS_SQL_POOLS
	 * columns, ordered by id) */
	struct pooldns_table *pools;
	/* current members of those pools (POOLDNS_SQL_MEMBERS columns,
	 * ordered by dns_zone, priority, id) */
	struct pooldns_table *members;
};

/* Frees what d owns and zeroes it. NULL is accepted. */
void pooldns_delta_clear(struct pooldns_delta *d);

struct pooldns_source;

struct pooldns_source_ops {
	const char *name; /* "rqlite", "sqlite" */
	/* Reads the data version. 0 on success, -1 with a message in err. */
	int (*version)(struct pooldns_source *src, int64_t *version, char *err, size_t errsz);
	/* Full load into *out (which the caller clears with pooldns_dataset_clear).
	 * The version is read in the same round trip, before the tables, so a
	 * change racing the load is seen again on the next poll.
	 * 0 on success, -1 with a message in err (nothing is left in *out). */
	int (*load)(struct pooldns_source *src, struct pooldns_dataset *out, char *err,
		    size_t errsz);
	/* Reads the position (one request / one read transaction): data_version,
	 * schema_version and the newest seq of the change log. A schema 1
	 * database is not an error: seq is -1. 0 or -1 with err (*pos is then
	 * untouched). */
	int (*position)(struct pooldns_source *src, struct pooldns_position *pos, char *err,
			size_t errsz);
	/*
	 * Changes with seq in (since, since + max], in ONE request (rqlite) or
	 * ONE read transaction (SQLite), statements in this order:
	 *  1. data_version;  2. schema_version;
	 *  3. SELECT seq, zone_id FROM pooldns_change WHERE seq > ?1 AND seq <= ?2
	 *     ORDER BY seq  (?2 = since + max);
	 *  4. the pools whose id is IN (the zone_ids of that range), ORDER BY id;
	 *  5. the members of those pools, ORDER BY dns_zone, priority, id;
	 *  6. SELECT min(seq), max(seq) FROM pooldns_change.
	 * gap = the log does not hold every change after since: min(seq) >
	 * since + 1 (pruned), the returned seqs are not since + 1, since + 2, ...,
	 * max(seq) < since or the log is empty while since > 0 (a different or
	 * restored database), since < 0, or schema_version < 2 (no change feed;
	 * not an error). min and max are read LAST so that a prune racing
	 * statements 3-5 is caught. more = max(seq) > the returned seq.
	 * The rows (4, 5) are read after the log (3) on the same node (rqlite
	 * runs the request in one read transaction there; a node that did not
	 * would still read them later), so they are at least as new as the
	 * returned seq: a write they already show is also logged after seq, so
	 * replaying from seq later applies it again and converges.
	 * *out is filled on success (the caller clears it with
	 * pooldns_delta_clear); 0, or -1 with err and *out empty. max >= 1.
	 */
	int (*changes)(struct pooldns_source *src, int64_t since, size_t max,
		       struct pooldns_delta *out, char *err, size_t errsz);
	/*
	 * One page of a full load, in one request / read transaction: pools with
	 * id > after_id ORDER BY id LIMIT max_pools, and the members of exactly
	 * those pools, ordered by dns_zone, priority, id. out->version =
	 * data_version read in the same request. *last_id = id of the last pool
	 * returned (== after_id when the page is empty: the load is done). Start
	 * with after_id = INT64_MIN (ids may be zero or negative). Works on a
	 * schema 1 database too. 0, or -1 with err and *out empty. max_pools >= 1.
	 */
	int (*load_page)(struct pooldns_source *src, int64_t after_id, size_t max_pools,
			 struct pooldns_dataset *out, int64_t *last_id, char *err, size_t errsz);
	/*
	 * Optional (NULL when the source has none): a consistent copy of the
	 * whole database as a source of its own, for a full load that is
	 * cheaper read from the copy than asked for page by page. rqlite:
	 * GET /db/backup into a temporary file, then read like a SQLite file
	 * (rqlite_backup.c). The poller reads the position and every page
	 * from the copy, destroys it, and replays this source's change log
	 * from the copy's position, so the result converges as a paged load
	 * does. 0 with *copy set (the caller destroys it); 1 when no copy is
	 * to be used (configuration, or a failure that the configuration
	 * answers by loading page by page: the source has logged it); -1 with
	 * err when the full load should count as failed.
	 */
	int (*copy)(struct pooldns_source *src, struct pooldns_source **copy, char *err,
		    size_t errsz);
	/* Short description for logs, e.g. "rqlite http://10.0.0.1:4001". */
	const char *(*describe)(struct pooldns_source *src);
	/* What is read right now: the URL of the rqlite node that answered
	 * last, or the SQLite file's path. Unlike the other operations, any
	 * thread may call it at any time (the operator endpoint does); the
	 * string lives as long as the source. NULL: not provided (describe
	 * then stands in). */
	const char *(*node)(struct pooldns_source *src);
	void (*destroy)(struct pooldns_source *src);
};

/* Every implementation embeds this as its first member. */
struct pooldns_source {
	const struct pooldns_source_ops *ops;
};

enum pooldns_rqlite_level {
	POOLDNS_RQLITE_NONE = 0, /* read the contacted node's local state: fastest, may be stale */
	POOLDNS_RQLITE_WEAK,     /* the leader answers from its local state (default) */
	POOLDNS_RQLITE_STRONG,   /* goes through Raft consensus: slowest, never stale */
};

/* How the rqlite source makes a full load (rqlite-full-load). */
enum pooldns_rqlite_full_load {
	POOLDNS_RQLITE_FULL_AUTO = 0, /* a backup copy; page by page when that fails */
	POOLDNS_RQLITE_FULL_BACKUP,   /* a backup copy only: its failure fails the load */
	POOLDNS_RQLITE_FULL_QUERY,    /* page by page with /db/query only */
};

#define POOLDNS_RQLITE_MAX_URLS 16

struct pooldns_rqlite_opts {
	const char *urls[POOLDNS_RQLITE_MAX_URLS]; /* "http[s]://host:port", tried in order */
	size_t nurls;
	const char *user;     /* NULL: no authentication */
	const char *password; /* the secret itself, read from a file by the caller */
	const char *ca_file;  /* NULL: system trust store; verification is always on */
	enum pooldns_rqlite_level level;
	long connect_timeout_ms; /* per node */
	long timeout_ms;         /* whole request, per node */
	enum pooldns_rqlite_full_load full_load;
	/* where backup copies are written (and unlinked at once after they
	 * are opened); NULL: $TMPDIR, else /var/tmp */
	const char *backup_dir;
};

/* Strings in opts are copied. NULL with a message in err on bad options. */
struct pooldns_source *pooldns_source_rqlite_new(const struct pooldns_rqlite_opts *opts, char *err,
						 size_t errsz);

/* Opens path read-only (it must exist). NULL with a message in err. */
struct pooldns_source *pooldns_source_sqlite_new(const char *path, char *err, size_t errsz);

/* Opens a database file that nobody writes any more (a backup copy) as an
 * immutable SQLite source, described as describe, and unlinks path once it
 * is open (whether or not the open worked): the source reads the open file
 * and removes nothing when destroyed. NULL with a message in err. */
struct pooldns_source *pooldns_source_sqlite_copy(const char *path, const char *describe,
						  char *err, size_t errsz);

int pooldns_rqlite_level_parse(const char *s, enum pooldns_rqlite_level *out);
const char *pooldns_rqlite_level_name(enum pooldns_rqlite_level level);

static inline void pooldns_source_destroy(struct pooldns_source *src)
{
	if (src != NULL)
		src->ops->destroy(src);
}

#endif
