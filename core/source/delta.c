/*
 * delta.c — the change feed for both sources (see delta.h): the statements
 * of position(), changes() and load_page(), and the reading of their
 * results into a position, a delta or one page of a full load.
 *
 * Owns: the gap rule and the checks on what the database sent back. The log
 * rows come from outside (an rqlite node, a file someone else writes), so
 * every cell is checked: a seq or zone_id that is not an integer, seqs out
 * of order or outside the range asked for, bounds that are not a pair of
 * integers all fail with a message naming the row. The pool and member
 * rows are only trimmed to the pools asked for; the builder validates them.
 *
 * Why a delta converges: see changes() in source.h. In short, the log is
 * read before the rows, so the rows are at least as new as the returned
 * seq, and anything newer that they already show is logged after that seq
 * and applied again on the next call.
 *
 * Thread model: pure functions, no shared state; safe from any thread.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/source/delta.h"
#include "core/source/source.h"
#include "core/source/table.h"

const struct pooldns_sql_stmt pooldns_sql_position[POOLDNS_SQL_POSITION_N] = {
	{ .sql = POOLDNS_SQL_VERSION, .param = POOLDNS_SQL_VERSION_PARAM },
	{ .sql = POOLDNS_SQL_VERSION, .param = POOLDNS_SQL_SCHEMA_VERSION_PARAM },
	{ .sql = POOLDNS_SQL_CHANGE_BOUNDS, .optional = true },
};

/* The seq range (lo, hi] that changes(since, max) asks for: since + max,
 * saturated; nothing at all for a negative since. */
static void change_range(int64_t since, size_t max, int64_t *lo, int64_t *hi)
{
	if (since < 0) {
		*lo = *hi = 0;
		return;
	}
	*lo = since;
	*hi = (uint64_t)max > (uint64_t)(INT64_MAX - since) ? INT64_MAX : since + (int64_t)max;
}

int pooldns_sql_changes(struct pooldns_sql_stmt out[POOLDNS_SQL_CHANGES_N], int64_t since,
			size_t max, const char *who, char *err, size_t errsz)
{
	if (max == 0) {
		pooldns_set_err(err, errsz, "%s: changes: max must be at least 1", who);
		return -1;
	}
	int64_t lo, hi;
	change_range(since, max, &lo, &hi);
	static const char *const sql[POOLDNS_SQL_CHANGES_N] = {
		POOLDNS_SQL_VERSION,       POOLDNS_SQL_VERSION,         POOLDNS_SQL_CHANGES,
		POOLDNS_SQL_CHANGED_POOLS, POOLDNS_SQL_CHANGED_MEMBERS, POOLDNS_SQL_CHANGE_BOUNDS,
	};
	for (size_t i = 0; i < POOLDNS_SQL_CHANGES_N; i++) {
		out[i] = (struct pooldns_sql_stmt){ .sql = sql[i], .optional = i >= 2 };
		if (i >= 2 && i <= 4) {
			out[i].nints = 2;
			out[i].ints[0] = lo;
			out[i].ints[1] = hi;
		}
	}
	out[0].param = POOLDNS_SQL_VERSION_PARAM;
	out[1].param = POOLDNS_SQL_SCHEMA_VERSION_PARAM;
	return 0;
}

int pooldns_sql_page(struct pooldns_sql_stmt out[POOLDNS_SQL_PAGE_N], int64_t after_id,
		     size_t max_pools, const char *who, char *err, size_t errsz)
{
	if (max_pools == 0) {
		pooldns_set_err(err, errsz, "%s: load_page: max_pools must be at least 1", who);
		return -1;
	}
	int64_t limit = (uint64_t)max_pools > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)max_pools;
	out[0] = (struct pooldns_sql_stmt){ .sql = POOLDNS_SQL_VERSION,
					    .param = POOLDNS_SQL_VERSION_PARAM };
	out[1] = (struct pooldns_sql_stmt){ .sql = POOLDNS_SQL_PAGE_POOLS,
					    .nints = 2,
					    .ints = { after_id, limit } };
	out[2] = (struct pooldns_sql_stmt){ .sql = POOLDNS_SQL_PAGE_MEMBERS,
					    .nints = 2,
					    .ints = { after_id, limit } };
	return 0;
}

static void free_results(struct pooldns_table **t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pooldns_table_free(t[i]);
		t[i] = NULL;
	}
}

static const char *cell_kind(const struct pooldns_cell *c)
{
	switch (c->type) {
	case POOLDNS_CELL_NULL:
		return "null";
	case POOLDNS_CELL_INT:
		return "integer";
	case POOLDNS_CELL_REAL:
		return "real";
	case POOLDNS_CELL_TEXT:
		return "text";
	}
	return "unknown";
}

/* schema_version from its result: no row is a schema 1 database (the row
 * came with schema 2). */
static int read_schema_version(const struct pooldns_table *t, const char *who, int64_t *out,
			       char *err, size_t errsz)
{
	if (t->nrows == 0) {
		*out = 1;
		return 0;
	}
	const struct pooldns_cell *c = pooldns_table_cell(t, 0, 0);
	if (t->ncols != 1 || t->nrows != 1 || c->type != POOLDNS_CELL_INT) {
		pooldns_set_err(err, errsz,
				"%s: pooldns_meta schema_version is not a single integer", who);
		return -1;
	}
	*out = c->i;
	return 0;
}

/* A schema that has the change log, yet one of its statements failed. */
static int missing_log(const char *who, const char *opt_err, int64_t schema_version, char *err,
		       size_t errsz)
{
	if (opt_err != NULL && opt_err[0] != '\0')
		pooldns_set_err(err, errsz, "%s (schema_version is %lld)", opt_err,
				(long long)schema_version);
	else
		pooldns_set_err(err, errsz,
				"%s: no result for the change log (schema_version %lld)", who,
				(long long)schema_version);
	return -1;
}

struct bounds {
	bool empty; /* no row in the log: min and max are NULL */
	int64_t min, max;
};

static int read_bounds(const struct pooldns_table *t, const char *who, struct bounds *b, char *err,
		       size_t errsz)
{
	if (t->ncols != 2 || t->nrows != 1) {
		pooldns_set_err(
			err, errsz,
			"%s: pooldns_change bounds: expected one row of min(seq), max(seq), "
			"got %zu rows of %zu columns",
			who, t->nrows, t->ncols);
		return -1;
	}
	const struct pooldns_cell *lo = pooldns_table_cell(t, 0, 0);
	const struct pooldns_cell *hi = pooldns_table_cell(t, 0, 1);
	if (lo->type == POOLDNS_CELL_NULL && hi->type == POOLDNS_CELL_NULL) {
		*b = (struct bounds){ .empty = true };
		return 0;
	}
	if (lo->type != POOLDNS_CELL_INT || hi->type != POOLDNS_CELL_INT || lo->i > hi->i) {
		pooldns_set_err(err, errsz,
				"%s: pooldns_change bounds: min(seq) %s and max(seq) %s are not an "
				"ordered pair of integers",
				who, cell_kind(lo), cell_kind(hi));
		return -1;
	}
	if (lo->i < 1) {
		/* AUTOINCREMENT positions start at 1: a log that claims others
		 * is not one this schema wrote, and no position may come of it. */
		pooldns_set_err(err, errsz,
				"%s: pooldns_change bounds: min(seq) %lld is below 1, the first "
				"position of the change log",
				who, (long long)lo->i);
		return -1;
	}
	*b = (struct bounds){ .min = lo->i, .max = hi->i };
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* What the log rows of (lo, hi] say. */
struct log_read {
	int64_t *zones; /* distinct, ascending; NULL when nzones is 0 */
	size_t nzones;
	size_t nrows;
	int64_t last;     /* seq of the last row (valid when nrows > 0) */
	bool consecutive; /* the seqs are lo + 1, lo + 2, ... */
};

static int read_log(const struct pooldns_table *t, int64_t lo, int64_t hi, const char *who,
		    struct log_read *out, char *err, size_t errsz)
{
	*out = (struct log_read){ .consecutive = true };
	if (t->ncols != 2) {
		pooldns_set_err(err, errsz,
				"%s: pooldns_change: %zu columns, expected 2 (seq, zone_id)", who,
				t->ncols);
		return -1;
	}
	if (t->nrows == 0)
		return 0;
	int64_t *z = malloc(t->nrows * sizeof *z);
	if (z == NULL) {
		pooldns_set_err(err, errsz, "%s: out of memory", who);
		return -1;
	}
	int64_t prev = lo;
	for (size_t r = 0; r < t->nrows; r++) {
		const struct pooldns_cell *seq = pooldns_table_cell(t, r, 0);
		const struct pooldns_cell *zone = pooldns_table_cell(t, r, 1);
		if (seq->type != POOLDNS_CELL_INT) {
			pooldns_set_err(err, errsz,
					"%s: pooldns_change row %zu: seq is %s, not an integer",
					who, r + 1, cell_kind(seq));
			goto fail;
		}
		if (zone->type != POOLDNS_CELL_INT) {
			pooldns_set_err(
				err, errsz,
				"%s: pooldns_change row %zu (seq %lld): zone_id is %s, not an "
				"integer",
				who, r + 1, (long long)seq->i, cell_kind(zone));
			goto fail;
		}
		if (seq->i <= prev || seq->i > hi) {
			pooldns_set_err(
				err, errsz,
				"%s: pooldns_change row %zu: seq %lld out of order or outside "
				"(%lld, %lld]",
				who, r + 1, (long long)seq->i, (long long)lo, (long long)hi);
			goto fail;
		}
		/* lo < prev < seq <= hi: no overflow in the difference */
		if ((uint64_t)seq->i - (uint64_t)lo != (uint64_t)r + 1)
			out->consecutive = false;
		prev = seq->i;
		z[r] = zone->i;
	}
	qsort(z, t->nrows, sizeof *z, cmp_i64);
	size_t n = 1;
	for (size_t r = 1; r < t->nrows; r++)
		if (z[r] != z[n - 1])
			z[n++] = z[r];
	out->zones = z;
	out->nzones = n;
	out->nrows = t->nrows;
	out->last = prev;
	return 0;
fail:
	free(z);
	return -1;
}

/* Rows whose key column (an integer) is in a sorted id list. A key that is
 * not an integer is kept: the builder reports such rows with a reason. */
struct id_filter {
	const int64_t *ids;
	size_t n;
	size_t col;
};

static bool key_in_ids(const struct pooldns_table *t, size_t row, void *ctx)
{
	const struct id_filter *f = ctx;
	const struct pooldns_cell *c = pooldns_table_cell(t, row, f->col);
	if (c->type != POOLDNS_CELL_INT)
		return true;
	return f->n > 0 && bsearch(&c->i, f->ids, f->n, sizeof *f->ids, cmp_i64) != NULL;
}

/*
 * Trims t to the rows of the pools in ids. In one read transaction the
 * statements agree and nothing is dropped; a node that read the log again
 * for the rows at a later point could add pools the delta or page does not
 * name, and those must not be taken for part of it.
 */
static int keep_ids(struct pooldns_table *t, const char *key, const int64_t *ids, size_t n,
		    const char *who, const char *what, char *err, size_t errsz)
{
	int col = pooldns_table_col(t, key);
	if (col < 0) {
		pooldns_set_err(err, errsz, "%s: %s: no %s column", who, what, key);
		return -1;
	}
	struct id_filter f = { .ids = ids, .n = n, .col = (size_t)col };
	size_t dropped = pooldns_table_filter(t, key_in_ids, &f);
	if (dropped > 0)
		pooldns_log(POOLDNS_LOG_DEBUG, "%s: %s: %zu rows of other pools ignored", who, what,
			    dropped);
	return 0;
}

int pooldns_position_from_results(struct pooldns_position *pos,
				  struct pooldns_table *results[POOLDNS_SQL_POSITION_N],
				  const char *who, const char *opt_err, char *err, size_t errsz)
{
	struct pooldns_position p = { .seq = -1 };
	int rc = -1;
	if (pooldns_table_data_version(results[0], who, &p.version, err, errsz) != 0 ||
	    read_schema_version(results[1], who, &p.schema_version, err, errsz) != 0)
		goto out;
	if (p.schema_version >= 2) {
		struct bounds b;
		if (results[2] == NULL) {
			missing_log(who, opt_err, p.schema_version, err, errsz);
			goto out;
		}
		if (read_bounds(results[2], who, &b, err, errsz) != 0)
			goto out;
		p.seq = b.empty ? 0 : b.max;
	}
	*pos = p;
	rc = 0;
out:
	free_results(results, POOLDNS_SQL_POSITION_N);
	return rc;
}

int pooldns_delta_from_results(struct pooldns_delta *d,
			       struct pooldns_table *results[POOLDNS_SQL_CHANGES_N], int64_t since,
			       size_t max, const char *who, const char *opt_err, char *err,
			       size_t errsz)
{
	memset(d, 0, sizeof *d);
	struct log_read lr = { 0 };
	int64_t version, schema_version;
	int rc = -1;
	if (pooldns_table_data_version(results[0], who, &version, err, errsz) != 0 ||
	    read_schema_version(results[1], who, &schema_version, err, errsz) != 0)
		goto out;
	d->version = version;
	d->seq = since;
	if (schema_version < 2 || since < 0) {
		/* no change feed, or no position in it: a full load is the
		 * only way forward, which is not an error */
		d->gap = true;
		rc = 0;
		goto out;
	}
	for (size_t i = 2; i < POOLDNS_SQL_CHANGES_N; i++)
		if (results[i] == NULL) {
			missing_log(who, opt_err, schema_version, err, errsz);
			goto out;
		}
	int64_t lo, hi;
	change_range(since, max, &lo, &hi);
	struct bounds b;
	if (read_log(results[2], lo, hi, who, &lr, err, errsz) != 0 ||
	    read_bounds(results[5], who, &b, err, errsz) != 0)
		goto out;

	/*
	 * The gap rule. Seqs are consecutive (AUTOINCREMENT, and the triggers
	 * only prune the oldest rows), so the log still holds every change
	 * after since exactly when its oldest row is at most since + 1. The
	 * bounds are read after the log rows: if a prune ran in between, min
	 * has moved past since + 1 and the delta is dropped. Rows that are not
	 * since + 1, since + 2, ... (deleted by hand), a log that ends before
	 * since, or an empty log after a non-zero position mean another or a
	 * restored database: also a full load.
	 */
	bool gap;
	if (b.empty)
		gap = lr.nrows > 0 || since > 0;
	else
		gap = !lr.consecutive || (b.min > since && b.min - since > 1) || b.max < since;
	if (gap) {
		d->gap = true;
		rc = 0;
		goto out;
	}
	d->seq = lr.nrows > 0 ? lr.last : since;
	d->more = !b.empty && b.max > d->seq;
	if (keep_ids(results[3], "id", lr.zones, lr.nzones, who, "pools", err, errsz) != 0 ||
	    keep_ids(results[4], "dns_zone", lr.zones, lr.nzones, who, "members", err, errsz) != 0)
		goto out;
	d->zones = lr.zones;
	d->nzones = lr.nzones;
	lr.zones = NULL;
	d->pools = results[3];
	d->members = results[4];
	results[3] = results[4] = NULL;
	rc = 0;
out:
	free(lr.zones);
	free_results(results, POOLDNS_SQL_CHANGES_N);
	if (rc != 0)
		memset(d, 0, sizeof *d);
	return rc;
}

int pooldns_page_from_results(struct pooldns_dataset *ds, int64_t *last_id,
			      struct pooldns_table *results[POOLDNS_SQL_PAGE_N], int64_t after_id,
			      size_t max_pools, const char *who, char *err, size_t errsz)
{
	memset(ds, 0, sizeof *ds);
	int64_t *ids = NULL;
	int64_t version;
	int rc = -1;
	if (pooldns_table_data_version(results[0], who, &version, err, errsz) != 0)
		goto out;
	struct pooldns_table *pools = results[1];
	int idc = pooldns_table_col(pools, "id");
	if (idc < 0) {
		pooldns_set_err(err, errsz, "%s: pools: no id column", who);
		goto out;
	}
	if (pools->nrows > max_pools) {
		pooldns_set_err(err, errsz, "%s: pools: %zu rows for a page of %zu", who,
				pools->nrows, max_pools);
		goto out;
	}
	if (pools->nrows > 0) {
		ids = malloc(pools->nrows * sizeof *ids);
		if (ids == NULL) {
			pooldns_set_err(err, errsz, "%s: out of memory", who);
			goto out;
		}
	}
	/* Paging needs every id, in order: the next page starts after the
	 * last one. */
	int64_t prev = after_id;
	for (size_t r = 0; r < pools->nrows; r++) {
		const struct pooldns_cell *c = pooldns_table_cell(pools, r, (size_t)idc);
		if (c->type != POOLDNS_CELL_INT || c->i <= prev) {
			pooldns_set_err(
				err, errsz,
				"%s: pools row %zu: id is not an integer above %lld, in order", who,
				r + 1, (long long)prev);
			goto out;
		}
		ids[r] = prev = c->i;
	}
	if (keep_ids(results[2], "dns_zone", ids, pools->nrows, who, "members", err, errsz) != 0)
		goto out;
	ds->version = version;
	ds->pools = results[1];
	ds->members = results[2];
	results[1] = results[2] = NULL;
	*last_id = prev;
	rc = 0;
out:
	free(ids);
	free_results(results, POOLDNS_SQL_PAGE_N);
	return rc;
}

void pooldns_delta_clear(struct pooldns_delta *d)
{
	if (d == NULL)
		return;
	free(d->zones);
	pooldns_table_free(d->pools);
	pooldns_table_free(d->members);
	memset(d, 0, sizeof *d);
}
