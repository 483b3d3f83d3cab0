/*
 * table.h — a small typed result table: what a data source returns for one
 * SELECT (column names plus rows of NULL / integer / real / text cells).
 *
 * Both sources (rqlite JSON, SQLite) and the cache file produce tables; the
 * builder reads them by column name, so the sources know nothing about
 * pools and members and the builder knows nothing about transports.
 *
 * The helpers at the end turn the three results of a full load (version,
 * pools, members) into a dataset, the same way for every source.
 *
 * Ownership: a table owns its column names, cells and the text inside them.
 * Thread-safety: none; a table is built and read by one thread at a time.
 */
#ifndef POOLDNS_TABLE_H
#define POOLDNS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pooldns_cell_type {
	POOLDNS_CELL_NULL = 0,
	POOLDNS_CELL_INT,
	POOLDNS_CELL_REAL,
	POOLDNS_CELL_TEXT,
};

struct pooldns_cell {
	enum pooldns_cell_type type;
	int64_t i; /* POOLDNS_CELL_INT */
	double r;  /* POOLDNS_CELL_REAL */
	char *s;   /* POOLDNS_CELL_TEXT: NUL-terminated, owned by the table */
};

struct pooldns_table {
	size_t ncols;
	size_t nrows;
	size_t cap_rows;
	char **cols;                /* ncols names */
	struct pooldns_cell *cells; /* nrows * ncols, row-major */
};

/* New empty table with these column names (copied). NULL on OOM. */
struct pooldns_table *pooldns_table_new(size_t ncols, const char *const *cols);
void pooldns_table_free(struct pooldns_table *t);

/* Appends one row of t->ncols cells; text is copied. 0 or -1 (OOM). */
int pooldns_table_add_row(struct pooldns_table *t, const struct pooldns_cell *cells);

/* Drops every row, keeping the columns and the room already allocated (a
 * reader that hands out pages refills the same table). */
void pooldns_table_clear_rows(struct pooldns_table *t);

/* Index of the column called name (exact match), or -1. */
int pooldns_table_col(const struct pooldns_table *t, const char *name);

/* Cell at row, col; both must be in range. */
const struct pooldns_cell *pooldns_table_cell(const struct pooldns_table *t, size_t row,
					      size_t col);

/* An integer cell as every reader of rows takes it: INT, or a REAL with an
 * integral value within int64_t (a JSON number written with a fraction or
 * an exponent), so that 2 and 2.0 are the same id. False for anything
 * else (NULL, text, a fraction, out of range). */
bool pooldns_cell_int(const struct pooldns_cell *c, int64_t *out);

/* Keeps the rows for which keep(t, row, ctx) is true, in their order, and
 * frees the others. Returns how many rows were dropped. */
size_t pooldns_table_filter(struct pooldns_table *t,
			    bool (*keep)(const struct pooldns_table *t, size_t row, void *ctx),
			    void *ctx);

/*
 * What one full load returns: the data version (from pooldns_meta) and the
 * pool and member tables, in the column order of POOLDNS_SQL_POOLS and
 * POOLDNS_SQL_MEMBERS (source.h). Owns both tables.
 */
struct pooldns_dataset {
	int64_t version;
	struct pooldns_table *pools;
	struct pooldns_table *members;
};

void pooldns_dataset_clear(struct pooldns_dataset *ds);

/*
 * The data version from the result of POOLDNS_SQL_VERSION: exactly one row
 * with one integer cell. 0, or -1 with err set to "<who>: <reason>", where
 * who names the source (e.g. "sqlite /path" or "rqlite http://node") and the
 * reason says whether the pooldns_meta row is missing or not an integer.
 */
int pooldns_table_data_version(const struct pooldns_table *t, const char *who, int64_t *version,
			       char *err, size_t errsz);

/*
 * Fills ds from the results of one full load, in the order POOLDNS_SQL_VERSION,
 * POOLDNS_SQL_POOLS, POOLDNS_SQL_MEMBERS. Takes ownership of all three
 * tables whatever happens: on success the version table is freed and the
 * other two move into ds; on error (the version, as for
 * pooldns_table_data_version()) all three are freed and ds is left empty.
 */
int pooldns_dataset_from_results(struct pooldns_dataset *ds, struct pooldns_table *results[3],
				 const char *who, char *err, size_t errsz);

#endif
