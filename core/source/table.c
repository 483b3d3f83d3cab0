/*
 * table.c — the typed result table every data source produces (see table.h).
 *
 * Owns: the table's column names, its row-major cell array and the text of
 * TEXT cells (rows are appended, or dropped by a filter); the dataset
 * helpers that assemble a dataset from the results of a full load (reading
 * the data version out of its one-row table) and free a dataset's two
 * tables; the statement lists of the version poll and the full load; and
 * how an integer cell is read (pooldns_cell_int), shared by every reader of
 * rows.
 *
 * Thread model: none. A table is built and read by one thread at a time;
 * nothing here touches shared state.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/source/table.h"

struct pooldns_table *pooldns_table_new(size_t ncols, const char *const *cols)
{
	struct pooldns_table *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	if (ncols > 0) {
		t->cols = calloc(ncols, sizeof *t->cols);
		if (t->cols == NULL) {
			free(t);
			return NULL;
		}
	}
	t->ncols = ncols;
	for (size_t i = 0; i < ncols; i++) {
		t->cols[i] = strdup(cols[i] != NULL ? cols[i] : "");
		if (t->cols[i] == NULL) {
			pooldns_table_free(t);
			return NULL;
		}
	}
	return t;
}

void pooldns_table_clear_rows(struct pooldns_table *t)
{
	if (t->cells != NULL) {
		size_t n = t->nrows * t->ncols;
		for (size_t i = 0; i < n; i++)
			if (t->cells[i].type == POOLDNS_CELL_TEXT)
				free(t->cells[i].s);
	}
	t->nrows = 0;
}

void pooldns_table_free(struct pooldns_table *t)
{
	if (t == NULL)
		return;
	pooldns_table_clear_rows(t);
	free(t->cells);
	if (t->cols != NULL) {
		for (size_t i = 0; i < t->ncols; i++)
			free(t->cols[i]);
		free(t->cols);
	}
	free(t);
}

/* Makes room for one more row; 0 or -1 (OOM or size overflow). */
static int table_grow(struct pooldns_table *t)
{
	if (t->nrows < t->cap_rows)
		return 0;
	size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
	if (cap < t->cap_rows)
		return -1;
	size_t per_row = t->ncols ? t->ncols : 1;
	if (cap > SIZE_MAX / per_row / sizeof *t->cells)
		return -1;
	struct pooldns_cell *nc = realloc(t->cells, cap * per_row * sizeof *t->cells);
	if (nc == NULL)
		return -1;
	t->cells = nc;
	t->cap_rows = cap;
	return 0;
}

int pooldns_table_add_row(struct pooldns_table *t, const struct pooldns_cell *cells)
{
	if (table_grow(t) != 0)
		return -1;
	struct pooldns_cell *row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		row[c] = cells[c];
		if (cells[c].type == POOLDNS_CELL_TEXT) {
			row[c].s = strdup(cells[c].s != NULL ? cells[c].s : "");
			if (row[c].s == NULL) {
				for (size_t k = 0; k < c; k++)
					if (row[k].type == POOLDNS_CELL_TEXT)
						free(row[k].s);
				return -1;
			}
		} else {
			row[c].s = NULL;
		}
	}
	t->nrows++;
	return 0;
}

int pooldns_table_col(const struct pooldns_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols && i <= INT32_MAX; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (int)i;
	return -1;
}

const struct pooldns_cell *pooldns_table_cell(const struct pooldns_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->ncols + col];
}

bool pooldns_cell_int(const struct pooldns_cell *c, int64_t *out)
{
	if (c->type == POOLDNS_CELL_INT) {
		*out = c->i;
		return true;
	}
	if (c->type == POOLDNS_CELL_REAL && c->r >= -9223372036854775808.0 &&
	    c->r < 9223372036854775808.0 && (double)(int64_t)c->r == c->r) {
		*out = (int64_t)c->r;
		return true;
	}
	return false;
}

size_t pooldns_table_filter(struct pooldns_table *t,
			    bool (*keep)(const struct pooldns_table *t, size_t row, void *ctx),
			    void *ctx)
{
	size_t out = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		struct pooldns_cell *row = t->cells + r * t->ncols;
		if (keep(t, r, ctx)) {
			if (out != r)
				memmove(t->cells + out * t->ncols, row, t->ncols * sizeof *row);
			out++;
			continue;
		}
		for (size_t c = 0; c < t->ncols; c++)
			if (row[c].type == POOLDNS_CELL_TEXT)
				free(row[c].s);
	}
	size_t dropped = t->nrows - out;
	t->nrows = out;
	return dropped;
}

void pooldns_dataset_clear(struct pooldns_dataset *ds)
{
	if (ds == NULL)
		return;
	pooldns_table_free(ds->pools);
	pooldns_table_free(ds->members);
	ds->pools = NULL;
	ds->members = NULL;
	ds->version = 0;
}

int pooldns_table_data_version(const struct pooldns_table *t, const char *who, int64_t *version,
			       char *err, size_t errsz)
{
	if (t->nrows == 0) {
		pooldns_set_err(err, errsz,
				"%s: no data_version row in pooldns_meta (schema not loaded?)",
				who);
		return -1;
	}
	const struct pooldns_cell *c = pooldns_table_cell(t, 0, 0);
	if (t->ncols != 1 || t->nrows != 1 || c->type != POOLDNS_CELL_INT) {
		pooldns_set_err(err, errsz, "%s: pooldns_meta data_version is not a single integer",
				who);
		return -1;
	}
	*version = c->i;
	return 0;
}

int pooldns_dataset_from_results(struct pooldns_dataset *ds, struct pooldns_table *results[3],
				 const char *who, char *err, size_t errsz)
{
	int64_t v = 0;
	int rc = pooldns_table_data_version(results[0], who, &v, err, errsz);

	pooldns_table_free(results[0]);
	results[0] = NULL;
	if (rc != 0) {
		for (int i = 1; i < 3; i++) {
			pooldns_table_free(results[i]);
			results[i] = NULL;
		}
		ds->version = 0;
		ds->pools = NULL;
		ds->members = NULL;
		return -1;
	}
	ds->version = v;
	ds->pools = results[1];
	ds->members = results[2];
	results[1] = NULL;
	results[2] = NULL;
	return 0;
}
