/*
 * hstore.h — the harness's access to the data store the server reads:
 * runs a case's setup/cleanup SQL and reads the data version, either
 * through rqlite's HTTP API (POST /db/execute, /db/query; libcurl +
 * jansson) or directly in a SQLite file (foreign keys on).
 *
 * Independent of core/source_*.c on purpose: the harness writes the data
 * that the code under test reads.
 *
 * Ownership: a store owns its strings and curl handle; close it with
 * pooldns_hstore_close(). Thread model: single-threaded. The caller runs
 * curl_global_init() once before the first rqlite store is opened.
 */
#ifndef POOLDNS_HARNESS_HSTORE_H
#define POOLDNS_HARNESS_HSTORE_H

#include <stddef.h>
#include <stdint.h>

struct pooldns_hstore;

/* url: "http://host:port" (a trailing '/' is ignored). timeout_ms bounds
 * every HTTP request. NULL with err on failure (nothing is contacted yet). */
struct pooldns_hstore *pooldns_hstore_rqlite(const char *url, uint32_t timeout_ms, char *err,
					     size_t errsz);
/* path: an existing SQLite database file; opened per operation so that
 * the server is never locked out between steps. */
struct pooldns_hstore *pooldns_hstore_sqlite(const char *path, uint32_t timeout_ms, char *err,
					     size_t errsz);

/* Runs one statement. 0, or -1 with the store's error message in err. */
int pooldns_hstore_execute(struct pooldns_hstore *st, const char *sql, char *err, size_t errsz);

/* Reads pooldns_meta.data_version. 0, or -1 with err. */
int pooldns_hstore_data_version(struct pooldns_hstore *st, int64_t *version, char *err,
				size_t errsz);

/* "rqlite http://..." or "sqlite /path" for messages. */
const char *pooldns_hstore_describe(const struct pooldns_hstore *st);

void pooldns_hstore_close(struct pooldns_hstore *st);

#endif
