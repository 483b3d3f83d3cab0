/*
 * delta.h — the change feed's statements and the reading of their results,
 * shared by both sources (source_rqlite.c, source_sqlite.c) so that the gap
 * rule, the checks on the log rows and the paging rule exist once.
 *
 * A source builds the statements with the pooldns_sql_* functions below,
 * runs them in one request / read transaction, and hands the results (one
 * table per statement, NULL for an optional statement that failed) to the
 * matching *_from_results function.
 *
 * Ownership: every *_from_results function takes all the result tables,
 * whatever happens; on success the ones it keeps move into the output.
 * Errors are "<who>: <reason>", who naming the source ("rqlite http://node",
 * "sqlite /path"). Thread-safety: pure functions, no shared state.
 */
#ifndef POOLDNS_DELTA_H
#define POOLDNS_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/source.h"
#include "core/source/table.h"

#define POOLDNS_SQL_POSITION_N 3 /* data_version, schema_version, log bounds */
#define POOLDNS_SQL_CHANGES_N  6 /* data_version, schema_version, log, pools, members, bounds */
#define POOLDNS_SQL_PAGE_N     3 /* data_version, pools, members */

/* The statements of position(): data_version, schema_version and
 * POOLDNS_SQL_CHANGE_BOUNDS (optional). */
extern const struct pooldns_sql_stmt pooldns_sql_position[POOLDNS_SQL_POSITION_N];

/* The statements of changes(since, max), in the order source.h gives; the
 * four on pooldns_change are optional. A negative since asks for nothing
 * (the answer is a gap). 0, or -1 with err when max is 0. */
int pooldns_sql_changes(struct pooldns_sql_stmt out[POOLDNS_SQL_CHANGES_N], int64_t since,
			size_t max, const char *who, char *err, size_t errsz);

/* The statements of load_page(after_id, max_pools). 0, or -1 with err when
 * max_pools is 0. */
int pooldns_sql_page(struct pooldns_sql_stmt out[POOLDNS_SQL_PAGE_N], int64_t after_id,
		     size_t max_pools, const char *who, char *err, size_t errsz);

/*
 * opt_err: the message of the first optional statement that failed ("" or
 * NULL when none did), already prefixed with who. It only becomes the
 * error when schema_version says the change log should be there.
 */
int pooldns_position_from_results(struct pooldns_position *pos,
				  struct pooldns_table *results[POOLDNS_SQL_POSITION_N],
				  const char *who, const char *opt_err, char *err, size_t errsz);

/* since and max as given to pooldns_sql_changes(). On error *d is left
 * empty. */
int pooldns_delta_from_results(struct pooldns_delta *d,
			       struct pooldns_table *results[POOLDNS_SQL_CHANGES_N], int64_t since,
			       size_t max, const char *who, const char *opt_err, char *err,
			       size_t errsz);

/* after_id and max_pools as given to pooldns_sql_page(). On error *ds is
 * left empty and *last_id untouched. */
int pooldns_page_from_results(struct pooldns_dataset *ds, int64_t *last_id,
			      struct pooldns_table *results[POOLDNS_SQL_PAGE_N], int64_t after_id,
			      size_t max_pools, const char *who, char *err, size_t errsz);

#endif
