/*
 * source.h — where pool data comes from: one interface, two transports.
 *
 *   rqlite  (source_rqlite.c) — HTTP(S) to a list of rqlite nodes, libcurl +
 *           jansson, node failover, basic auth, configurable read consistency.
 *   sqlite  (source_sqlite.c) — a local SQLite file opened read-only with the
 *           same schema and the same SQL.
 *
 * A source answers two questions: "what is the data version now?" (cheap,
 * polled often) and "give me everything" (a full load). It never builds
 * snapshots; the poller hands the dataset to the builder.
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
#define POOLDNS_SQL_POOLS                                                                          \
	"SELECT id, name, ttl, policy, max_answers, fallback, check_type, "                        \
	"check_port, check_path, check_host, check_expect, check_body, "                           \
	"check_interval_ms, check_timeout_ms, check_rise, check_fall "                             \
	"FROM dns_zone ORDER BY id"
#define POOLDNS_SQL_MEMBERS                                                                        \
	"SELECT id, dns_zone, host, weight, priority, enabled "                                    \
	"FROM dns_zone_member ORDER BY dns_zone, priority, id"

/* The column names of those two results, in order (source.c). The cache
 * reader checks cached tables against the SQL select lists themselves, so
 * a mismatch between these arrays and the SQL fails its round-trip test. */
#define POOLDNS_POOL_NCOLS   16
#define POOLDNS_MEMBER_NCOLS 6
extern const char *const pooldns_pool_columns[POOLDNS_POOL_NCOLS];
extern const char *const pooldns_member_columns[POOLDNS_MEMBER_NCOLS];

/* One statement and the text bound to its one '?' placeholder (NULL: no
 * placeholder). */
struct pooldns_sql_stmt {
	const char *sql;
	const char *param;
};

/* The version query alone, and the three statements of a full load
 * (source.c). */
extern const struct pooldns_sql_stmt pooldns_sql_version[1];
extern const struct pooldns_sql_stmt pooldns_sql_load[3];

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
	/* Short description for logs, e.g. "rqlite http://10.0.0.1:4001". */
	const char *(*describe)(struct pooldns_source *src);
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
};

/* Strings in opts are copied. NULL with a message in err on bad options. */
struct pooldns_source *pooldns_source_rqlite_new(const struct pooldns_rqlite_opts *opts, char *err,
						 size_t errsz);

/* Opens path read-only (it must exist). NULL with a message in err. */
struct pooldns_source *pooldns_source_sqlite_new(const char *path, char *err, size_t errsz);

int pooldns_rqlite_level_parse(const char *s, enum pooldns_rqlite_level *out);
const char *pooldns_rqlite_level_name(enum pooldns_rqlite_level level);

static inline void pooldns_source_destroy(struct pooldns_source *src)
{
	if (src != NULL)
		src->ops->destroy(src);
}

#endif
