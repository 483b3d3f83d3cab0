/*
 * source_sqlite.c — the SQLite data source: reads a local database file with
 * the pooldns schema, read-only, with the same SQL as the rqlite source.
 *
 * Owns: one read-only connection (SQLITE_OPEN_NOMUTEX: the source object is
 * only ever used by one thread) and the path it was opened from. A load runs
 * the version, pool and member SELECTs inside one read transaction so that
 * the version and the rows are consistent; so do the change-feed reads
 * (position, changes, load_page; their statements and results are shared
 * with the rqlite source in delta.c). The connection is dropped after
 * any error and reopened on the next call, and also when the path now names
 * a different file (a database replaced by rename would otherwise be read
 * through the old inode forever).
 *
 * A copy (pooldns_source_sqlite_copy: an rqlite backup being loaded) is
 * opened immutable and unlinked at once; it is never reopened by path.
 *
 * Thread model: one thread at a time per source object; no shared state.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/log.h"
#include "core/source/delta.h"
#include "core/source/source.h"

#define SQLITE_BUSY_TIMEOUT_MS 1000

struct sqlite_source {
	struct pooldns_source base; /* must be first */
	char *path;
	char *describe;
	sqlite3 *db; /* NULL until (re)opened */
	dev_t dev;   /* identity of the file db was opened on */
	ino_t ino;
	/* an immutable copy, unlinked once open: never reopened by path */
	bool copy;
};

static void close_db(struct sqlite_source *s)
{
	if (s->db != NULL) {
		sqlite3_close_v2(s->db);
		s->db = NULL;
	}
}

/* Opens s->path read-only and checks it is an SQLite database. */
static int open_db(struct sqlite_source *s, char *err, size_t errsz)
{
	struct stat st;
	if (stat(s->path, &st) != 0) {
		pooldns_set_err(err, errsz, "%s: %s", s->describe, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		pooldns_set_err(err, errsz, "%s: not a regular file", s->describe);
		return -1;
	}
	sqlite3 *db = NULL;
	int rc;
	if (s->copy) {
		/* immutable=1: no locks, no -wal or -shm files, no change
		 * detection; true of a copy that only this source holds. */
		char *uri = sqlite3_mprintf("file:%s?immutable=1", s->path);
		if (uri == NULL) {
			pooldns_set_err(err, errsz, "%s: out of memory", s->describe);
			return -1;
		}
		rc = sqlite3_open_v2(uri, &db,
				     SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
				     NULL);
		sqlite3_free(uri);
	} else {
		rc = sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
				     NULL);
	}
	if (rc != SQLITE_OK) {
		pooldns_set_err(err, errsz, "%s: %s", s->describe,
				db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return -1;
	}
	sqlite3_busy_timeout(db, SQLITE_BUSY_TIMEOUT_MS);
	/* Opening is lazy: touch the schema so a foreign file fails now. */
	rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		pooldns_set_err(err, errsz, "%s: %s", s->describe, sqlite3_errmsg(db));
		sqlite3_close_v2(db);
		return -1;
	}
	s->db = db;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

/* Makes sure s->db is open on the file the path names now. */
static int ensure_open(struct sqlite_source *s, char *err, size_t errsz)
{
	if (s->db != NULL) {
		struct stat st;
		if (s->copy)
			return 0;
		if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
			return 0;
		pooldns_log(POOLDNS_LOG_DEBUG, "%s: file replaced or gone, reopening", s->describe);
		close_db(s);
	}
	return open_db(s, err, errsz);
}

/* Runs one SELECT into a new table. */
static int run_select(struct sqlite_source *s, const struct pooldns_sql_stmt *stmt,
		      struct pooldns_table **out, char *err, size_t errsz)
{
	*out = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, stmt->sql, -1, &st, NULL);
	int idx = 1;
	if (rc == SQLITE_OK && stmt->param != NULL)
		rc = sqlite3_bind_text(st, idx++, stmt->param, -1, SQLITE_STATIC);
	for (size_t k = 0; rc == SQLITE_OK && k < stmt->nints && k < POOLDNS_SQL_MAX_INTS; k++)
		rc = sqlite3_bind_int64(st, idx++, stmt->ints[k]);
	if (rc != SQLITE_OK) {
		const char *m = sqlite3_errmsg(s->db);
		pooldns_set_err(err, errsz, "%s: %s%s", s->describe, m,
				strstr(m, "no such") != NULL ? " (schema not loaded?)" : "");
		sqlite3_finalize(st);
		return -1;
	}
	int ncols = sqlite3_column_count(st);
	const char **names = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *names);
	struct pooldns_cell *row = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *row);
	struct pooldns_table *t = NULL;
	if (names == NULL || row == NULL)
		goto oom;
	for (int c = 0; c < ncols; c++) {
		names[c] = sqlite3_column_name(st, c);
		if (names[c] == NULL)
			goto oom;
	}
	t = pooldns_table_new((size_t)ncols, names);
	if (t == NULL)
		goto oom;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncols; c++) {
			struct pooldns_cell *cell = &row[c];
			memset(cell, 0, sizeof *cell);
			switch (sqlite3_column_type(st, c)) {
			case SQLITE_NULL:
				cell->type = POOLDNS_CELL_NULL;
				break;
			case SQLITE_INTEGER:
				cell->type = POOLDNS_CELL_INT;
				cell->i = sqlite3_column_int64(st, c);
				break;
			case SQLITE_FLOAT:
				cell->type = POOLDNS_CELL_REAL;
				cell->r = sqlite3_column_double(st, c);
				break;
			default: { /* TEXT, or a BLOB read as its bytes */
				const unsigned char *txt = sqlite3_column_text(st, c);
				int n = sqlite3_column_bytes(st, c);
				if (txt == NULL && n > 0)
					goto oom;
				if (txt != NULL && strlen((const char *)txt) != (size_t)n) {
					pooldns_set_err(err, errsz,
							"%s: row %zu column %s: NUL byte in text",
							s->describe, t->nrows + 1, names[c]);
					goto fail;
				}
				cell->type = POOLDNS_CELL_TEXT;
				cell->s = (char *)(txt != NULL ? (const char *)txt : "");
				break;
			}
			}
		}
		if (pooldns_table_add_row(t, row) != 0)
			goto oom;
	}
	if (rc != SQLITE_DONE) {
		pooldns_set_err(err, errsz, "%s: %s", s->describe, sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_finalize(st);
	free(names);
	free(row);
	*out = t;
	return 0;
oom:
	pooldns_set_err(err, errsz, "%s: out of memory", s->describe);
fail:
	sqlite3_finalize(st);
	free(names);
	free(row);
	pooldns_table_free(t);
	return -1;
}

/*
 * Runs n SELECTs in one read transaction. An optional statement that fails
 * (no pooldns_change table before schema 2) leaves its result NULL and its
 * message in opt_err (the first one; "" when none failed), as long as the
 * transaction is still open. On error the connection is closed so that the
 * next call starts from a fresh open.
 */
static int run_all(struct sqlite_source *s, const struct pooldns_sql_stmt *sql, size_t n,
		   struct pooldns_table **out, char *opt_err, size_t opt_errsz, char *err,
		   size_t errsz)
{
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (opt_err != NULL && opt_errsz > 0)
		opt_err[0] = '\0';
	if (ensure_open(s, err, errsz) != 0)
		return -1;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		pooldns_set_err(err, errsz, "%s: BEGIN: %s", s->describe, sqlite3_errmsg(s->db));
		close_db(s);
		return -1;
	}
	size_t i;
	for (i = 0; i < n; i++) {
		char one[512];
		if (run_select(s, &sql[i], &out[i], one, sizeof one) == 0)
			continue;
		/* SQLite rolls the transaction back by itself after some
		 * errors (I/O, busy, out of memory): the rest would then read
		 * another snapshot, so that fails the whole read. */
		if (sql[i].optional && !sqlite3_get_autocommit(s->db)) {
			if (opt_err != NULL && opt_errsz > 0 && opt_err[0] == '\0')
				pooldns_set_err(opt_err, opt_errsz, "%s", one);
			continue;
		}
		pooldns_set_err(err, errsz, "%s", one);
		break;
	}
	if (i == n && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	if (i == n)
		pooldns_set_err(err, errsz, "%s: COMMIT: %s", s->describe, sqlite3_errmsg(s->db));
	for (size_t k = 0; k < n; k++) {
		pooldns_table_free(out[k]);
		out[k] = NULL;
	}
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	close_db(s);
	return -1;
}

static int sqlite_version(struct pooldns_source *src, int64_t *version, char *err, size_t errsz)
{
	struct sqlite_source *s = (struct sqlite_source *)src;
	struct pooldns_table *t = NULL;
	if (run_all(s, pooldns_sql_version, 1, &t, NULL, 0, err, errsz) != 0)
		return -1;
	int rc = pooldns_table_data_version(t, s->describe, version, err, errsz);
	pooldns_table_free(t);
	return rc;
}

static int sqlite_load(struct pooldns_source *src, struct pooldns_dataset *out, char *err,
		       size_t errsz)
{
	struct sqlite_source *s = (struct sqlite_source *)src;
	out->version = 0;
	out->pools = NULL;
	out->members = NULL;
	struct pooldns_table *t[3];
	if (run_all(s, pooldns_sql_load, 3, t, NULL, 0, err, errsz) != 0)
		return -1;
	return pooldns_dataset_from_results(out, t, s->describe, err, errsz);
}

static int sqlite_position(struct pooldns_source *src, struct pooldns_position *pos, char *err,
			   size_t errsz)
{
	struct sqlite_source *s = (struct sqlite_source *)src;
	struct pooldns_table *t[POOLDNS_SQL_POSITION_N];
	char opt[512];
	if (run_all(s, pooldns_sql_position, POOLDNS_SQL_POSITION_N, t, opt, sizeof opt, err,
		    errsz) != 0)
		return -1;
	return pooldns_position_from_results(pos, t, s->describe, opt, err, errsz);
}

static int sqlite_changes(struct pooldns_source *src, int64_t since, size_t max,
			  struct pooldns_delta *out, char *err, size_t errsz)
{
	struct sqlite_source *s = (struct sqlite_source *)src;
	memset(out, 0, sizeof *out);
	struct pooldns_sql_stmt st[POOLDNS_SQL_CHANGES_N];
	if (pooldns_sql_changes(st, since, max, s->describe, err, errsz) != 0)
		return -1;
	struct pooldns_table *t[POOLDNS_SQL_CHANGES_N];
	char opt[512];
	if (run_all(s, st, POOLDNS_SQL_CHANGES_N, t, opt, sizeof opt, err, errsz) != 0)
		return -1;
	return pooldns_delta_from_results(out, t, since, max, s->describe, opt, err, errsz);
}

static int sqlite_load_page(struct pooldns_source *src, int64_t after_id, size_t max_pools,
			    struct pooldns_dataset *out, int64_t *last_id, char *err, size_t errsz)
{
	struct sqlite_source *s = (struct sqlite_source *)src;
	memset(out, 0, sizeof *out);
	struct pooldns_sql_stmt st[POOLDNS_SQL_PAGE_N];
	if (pooldns_sql_page(st, after_id, max_pools, s->describe, err, errsz) != 0)
		return -1;
	struct pooldns_table *t[POOLDNS_SQL_PAGE_N];
	if (run_all(s, st, POOLDNS_SQL_PAGE_N, t, NULL, 0, err, errsz) != 0)
		return -1;
	return pooldns_page_from_results(out, last_id, t, after_id, max_pools, s->describe, err,
					 errsz);
}

static const char *sqlite_node(struct pooldns_source *src)
{
	return ((struct sqlite_source *)src)->path;
}

static const char *sqlite_describe(struct pooldns_source *src)
{
	return ((struct sqlite_source *)src)->describe;
}

static void sqlite_destroy(struct pooldns_source *src)
{
	struct sqlite_source *s = (struct sqlite_source *)src;
	if (s == NULL)
		return;
	close_db(s);
	free(s->path);
	free(s->describe);
	free(s);
}

static const struct pooldns_source_ops sqlite_ops = {
	.name = "sqlite",
	.version = sqlite_version,
	.load = sqlite_load,
	.position = sqlite_position,
	.changes = sqlite_changes,
	.load_page = sqlite_load_page,
	.describe = sqlite_describe,
	.node = sqlite_node,
	.destroy = sqlite_destroy,
};

static struct sqlite_source *sqlite_source_new(const char *path, const char *describe, bool copy,
					       char *err, size_t errsz)
{
	struct sqlite_source *s = calloc(1, sizeof *s);
	if (s == NULL) {
		pooldns_set_err(err, errsz, "sqlite: out of memory");
		return NULL;
	}
	s->base.ops = &sqlite_ops;
	s->copy = copy;
	s->path = strdup(path);
	s->describe = strdup(describe);
	if (s->path == NULL || s->describe == NULL) {
		pooldns_set_err(err, errsz, "sqlite: out of memory");
		sqlite_destroy(&s->base);
		return NULL;
	}
	if (open_db(s, err, errsz) != 0) {
		sqlite_destroy(&s->base);
		return NULL;
	}
	return s;
}

struct pooldns_source *pooldns_source_sqlite_copy(const char *path, const char *describe,
						  char *err, size_t errsz)
{
	struct sqlite_source *s = sqlite_source_new(path, describe, true, err, errsz);
	/* Open or not, nobody needs the name any more; the open descriptor
	 * keeps the data until the source is destroyed. */
	if (unlink(path) != 0 && s != NULL)
		pooldns_log(POOLDNS_LOG_WARNING, "%s: cannot remove %s: %s", describe, path,
			    strerror(errno));
	return s != NULL ? &s->base : NULL;
}

struct pooldns_source *pooldns_source_sqlite_new(const char *path, char *err, size_t errsz)
{
	if (path == NULL || path[0] == '\0') {
		pooldns_set_err(err, errsz, "sqlite: no database path given");
		return NULL;
	}
	size_t dl = strlen(path) + sizeof "sqlite ";
	char *describe = malloc(dl);
	if (describe == NULL) {
		pooldns_set_err(err, errsz, "sqlite: out of memory");
		return NULL;
	}
	snprintf(describe, dl, "sqlite %s", path);
	struct sqlite_source *s = sqlite_source_new(path, describe, false, err, errsz);
	free(describe);
	return s != NULL ? &s->base : NULL;
}
