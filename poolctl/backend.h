/*
 * backend.h — where poolctl reads and writes: rqlite over HTTP(S)
 * (backend_rqlite.c) or a SQLite file (backend_sqlite.c), chosen and
 * configured by the same keys as pooldns (core/conf.h: source,
 * rqlite-url..., sqlite-path).
 *
 * Statements are parameterised: SQL text is always one of poolctl's own
 * constants (sql.c) and every value travels as a bound parameter (rqlite's
 * ["SQL", value, ...] form, sqlite3_bind_*), never spliced into the text.
 *
 * A write is all-or-nothing: every statement of one execute call runs in
 * one transaction (rqlite /db/execute?transaction; SQLite BEGIN IMMEDIATE
 * ... COMMIT), so a failed statement leaves the database as it was.
 * rqlite nodes are tried in order; a write only moves on to the next node
 * when the request could not be sent (connection refused, name not
 * resolved), never after a node may have received it, so a write is never
 * applied twice.
 *
 * Ownership: a backend owns its connection; query results belong to the
 * caller. Thread-safety: one thread at a time per backend.
 */
#ifndef POOLCTL_BACKEND_H
#define POOLCTL_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "core/source/table.h"

#define PCTL_STMT_MAX_PARAMS 20

/* One statement and its values (borrowed: cells point into the caller's
 * data). */
struct pctl_stmt {
	const char *sql;
	size_t n;
	struct pooldns_cell p[PCTL_STMT_MAX_PARAMS];
};

/* A growing list of statements (sql.c builds them). */
struct pctl_batch {
	struct pctl_stmt *v;
	size_t n, cap;
};
/* Appends a statement; 0 or -1 (out of memory). */
int pctl_batch_add(struct pctl_batch *b, const struct pctl_stmt *st);
void pctl_batch_free(struct pctl_batch *b);

struct pctl_backend;

struct pctl_backend_ops {
	/* n SELECTs in one read (transaction) into out[0..n-1] (caller frees
	 * each). 0, or -1 with err. */
	int (*query)(struct pctl_backend *b, const struct pctl_stmt *st, size_t n,
		     struct pooldns_table **out, char *err, size_t errsz);
	/* n writes in one transaction; affected[i] (may be NULL) = rows the
	 * statement changed. 0, or -1 with err and nothing written. */
	int (*execute)(struct pctl_backend *b, const struct pctl_stmt *st, size_t n,
		       int64_t *affected, char *err, size_t errsz);
	void (*close)(struct pctl_backend *b);
};

struct pctl_backend {
	const struct pctl_backend_ops *ops;
};

/* Opens the backend cfg names (cfg->source). NULL with err. */
struct pctl_backend *pctl_backend_open(const struct pooldns_config *cfg, char *err, size_t errsz);
struct pctl_backend *pctl_backend_rqlite_open(const struct pooldns_config *cfg, char *err,
					      size_t errsz);
struct pctl_backend *pctl_backend_sqlite_open(const char *path, char *err, size_t errsz);

static inline void pctl_backend_close(struct pctl_backend *b)
{
	if (b != NULL)
		b->ops->close(b);
}

/*
 * rqlite's /db/execute answer: {"results": [R, ...]} with n results, each
 * {"rows_affected": N, ...} or {"error": "text"}. affected (may be NULL)
 * gets each N (0 when absent). 0; -1 with the first statement error (or
 * what is malformed) in err. Separate from the transport to be fuzzed
 * (rqlite_execute.c).
 */
int pctl_rqlite_parse_execute(const char *body, size_t len, size_t n, int64_t *affected, char *err,
			      size_t errsz);

#endif
