/*
 * rqlite_json.h — parses rqlite's /db/query JSON responses into tables.
 *
 * Separate from the HTTP transport so that it can be unit-tested on real
 * response shapes and fuzzed. Accepts the default (non-associative) shape:
 *   {"results":[{"columns":[..],"types":[..],"values":[[..],..]}, ..]}
 * A per-statement {"error":"..."} or a top-level "error" fails the parse
 * with that message, except for statements the caller marks optional (see
 * pooldns_rqlite_parse_results_opt). A statement with no rows may omit
 * "values".
 *
 * Thread-safety: pure functions; no shared state.
 */
#ifndef POOLDNS_RQLITE_JSON_H
#define POOLDNS_RQLITE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/source/table.h"

/* Parses body (len bytes, need not be NUL-terminated) holding exactly n
 * statement results into out[0..n-1] (caller frees each with
 * pooldns_table_free). JSON numbers without fraction become INT cells,
 * other numbers REAL, strings TEXT, null NULL; booleans, arrays and objects
 * in cells are rejected. 0 on success; -1 with a message in err, and
 * nothing left in out. */
int pooldns_rqlite_parse_results(const char *body, size_t len, struct pooldns_table **out, size_t n,
				 char *err, size_t errsz);

/* Same, except that statement i with optional[i] true may have failed on
 * the server: an {"error":"<text>"} result leaves out[i] NULL and puts the
 * first such text in opt_err ("" when none failed) instead of failing the
 * parse. Anything malformed still fails. optional NULL: none is. */
int pooldns_rqlite_parse_results_opt(const char *body, size_t len, struct pooldns_table **out,
				     size_t n, const bool *optional, char *opt_err,
				     size_t opt_errsz, char *err, size_t errsz);

/* Same on an already parsed "results" array (a jansson json_t; the cache
 * file embeds rqlite's shape and reads it back through this). where
 * prefixes every message (e.g. "results"). Same return and ownership as
 * pooldns_rqlite_parse_results. */
struct json_t;
int pooldns_rqlite_parse_results_json(const struct json_t *results, const char *where,
				      struct pooldns_table **out, size_t n, char *err,
				      size_t errsz);

/* One cell, by the rules above (the cache file's rows use them too): 0, or
 * -1 for a kind a cell cannot hold. Text is borrowed from v. */
int pooldns_rqlite_json_cell(const struct json_t *v, struct pooldns_cell *c);

/* "object", "array", "string", "number", "boolean" or "null", for
 * messages. */
const char *pooldns_rqlite_json_kind(const struct json_t *v);

#endif
