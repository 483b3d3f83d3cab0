/*
 * backend_sqlite.c — poolctl's SQLite transport: the file named by
 * sqlite-path, opened read-write (it must exist and hold the schema), with
 * foreign keys on. Reads run in one read transaction, writes in one
 * BEGIN IMMEDIATE ... COMMIT (rolled back on any error); a busy database
 * (pooldns reading it) is waited for up to 5 s.
 *
 * Owns: the sqlite3 connection. Thread model: one thread at a time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "poolctl/backend.h"
#include "poolctl/columns.h"

#define BUSY_TIMEOUT_MS 5000

struct sq {
	struct pctl_backend base; /* must be first */
	sqlite3 *db;
	char path[1024];
};

static int bind_all(sqlite3_stmt *s, const struct pctl_stmt *st)
{
	int rc = SQLITE_OK;

	for (size_t k = 0; k < st->n && rc == SQLITE_OK; k++) {
		const struct pooldns_cell *c = &st->p[k];
		int i = (int)k + 1;
		switch (c->type) {
		case POOLDNS_CELL_NULL:
			rc = sqlite3_bind_null(s, i);
			break;
		case POOLDNS_CELL_INT:
			rc = sqlite3_bind_int64(s, i, c->i);
			break;
		case POOLDNS_CELL_REAL:
			rc = sqlite3_bind_double(s, i, c->r);
			break;
		case POOLDNS_CELL_TEXT:
			rc = sqlite3_bind_text(s, i, c->s, -1, SQLITE_STATIC);
			break;
		}
	}
	return rc;
}

/* Runs one prepared statement; a SELECT's rows go into *out when out is
 * not NULL. */
static int run(struct sq *q, const struct pctl_stmt *st, struct pooldns_table **out,
	       int64_t *affected, char *err, size_t errsz)
{
	sqlite3_stmt *s = NULL;
	struct pooldns_table *t = NULL;
	struct pooldns_cell row[64];
	const char *names[64];
	int rc = sqlite3_prepare_v2(q->db, st->sql, -1, &s, NULL), ncols;

	if (rc == SQLITE_OK)
		rc = bind_all(s, st);
	if (rc != SQLITE_OK)
		goto fail;
	ncols = sqlite3_column_count(s);
	if (out != NULL) {
		if (ncols > 64) {
			snprintf(err, errsz, "%s: too many columns", q->path);
			goto fail_msg;
		}
		for (int c = 0; c < ncols; c++)
			names[c] = sqlite3_column_name(s, c);
		if ((t = pooldns_table_new((size_t)ncols, names)) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto fail_msg;
		}
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (t == NULL)
			continue;
		for (int c = 0; c < ncols; c++) {
			memset(&row[c], 0, sizeof(row[c]));
			switch (sqlite3_column_type(s, c)) {
			case SQLITE_NULL:
				row[c].type = POOLDNS_CELL_NULL;
				break;
			case SQLITE_INTEGER:
				row[c].type = POOLDNS_CELL_INT;
				row[c].i = sqlite3_column_int64(s, c);
				break;
			case SQLITE_FLOAT:
				row[c].type = POOLDNS_CELL_REAL;
				row[c].r = sqlite3_column_double(s, c);
				break;
			default: {
				const unsigned char *txt = sqlite3_column_text(s, c);
				int n = sqlite3_column_bytes(s, c);
				if (txt == NULL || strlen((const char *)txt) != (size_t)n) {
					snprintf(err, errsz,
						 "%s: text with a NUL byte (or out of memory)",
						 q->path);
					goto fail_msg;
				}
				if (!pctl_utf8_text((const char *)txt)) {
					snprintf(err, errsz,
						 "%s: column %s holds text that is not UTF-8 "
						 "(poolctl reads and writes UTF-8 only)",
						 q->path, sqlite3_column_name(s, c));
					goto fail_msg;
				}
				row[c].type = POOLDNS_CELL_TEXT;
				row[c].s = (char *)txt;
			}
			}
		}
		if (pooldns_table_add_row(t, row) != 0) {
			snprintf(err, errsz, "out of memory");
			goto fail_msg;
		}
	}
	if (rc != SQLITE_DONE)
		goto fail;
	if (affected != NULL)
		*affected = sqlite3_changes(q->db);
	sqlite3_finalize(s);
	if (out != NULL)
		*out = t;
	return 0;
fail:
	snprintf(err, errsz, "%s: %s", q->path, sqlite3_errmsg(q->db));
fail_msg:
	sqlite3_finalize(s);
	pooldns_table_free(t);
	return -1;
}

static int tx(struct sq *q, const char *sql, char *err, size_t errsz)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", q->path, sqlite3_errmsg(q->db));
		return -1;
	}
	return 0;
}

static int sq_query(struct pctl_backend *b, const struct pctl_stmt *st, size_t n,
		    struct pooldns_table **out, char *err, size_t errsz)
{
	struct sq *q = (struct sq *)b;

	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (tx(q, "BEGIN", err, errsz) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (run(q, &st[i], &out[i], NULL, err, errsz) != 0) {
			for (size_t k = 0; k < i; k++) {
				pooldns_table_free(out[k]);
				out[k] = NULL;
			}
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	return 0;
}

static int sq_execute(struct pctl_backend *b, const struct pctl_stmt *st, size_t n,
		      int64_t *affected, char *err, size_t errsz)
{
	struct sq *q = (struct sq *)b;
	char one[512];

	if (tx(q, "BEGIN IMMEDIATE", err, errsz) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (run(q, &st[i], NULL, affected != NULL ? &affected[i] : NULL, one,
			sizeof(one)) != 0) {
			snprintf(err, errsz, "statement %zu: %s", i + 1, one);
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	if (tx(q, "COMMIT", err, errsz) != 0) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static void sq_close(struct pctl_backend *b)
{
	struct sq *q = (struct sq *)b;

	sqlite3_close_v2(q->db);
	free(q);
}

static const struct pctl_backend_ops sq_ops = {
	.query = sq_query,
	.execute = sq_execute,
	.close = sq_close,
};

struct pctl_backend *pctl_backend_sqlite_open(const char *path, char *err, size_t errsz)
{
	struct sq *q = calloc(1, sizeof(*q));
	struct stat st;

	if (q == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	q->base.ops = &sq_ops;
	snprintf(q->path, sizeof(q->path), "sqlite %s", path);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: no such file (create it with schema.json first)",
			 q->path);
		free(q);
		return NULL;
	}
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_exec(q->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", q->path,
			 q->db != NULL ? sqlite3_errmsg(q->db) : "out of memory");
		sq_close(&q->base);
		return NULL;
	}
	return &q->base;
}
