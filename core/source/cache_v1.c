/*
 * cache_v1.c — reading format 1 of the cache file: one JSON document with
 * rqlite's own result shape plus a header (see cache.c for both formats),
 *   {"format":"pooldns-cache","format_version":1,"data_version":N,
 *    "results":[<pools result>,<members result>]}
 * read back by rqlite_json.c's strict parser.
 *
 * Format 1 files are still read so that an upgrade keeps its cache; they
 * are handed out in the same pages as format 2 (pool rows in id order,
 * each with its member rows). pooldns no longer writes them: format 2
 * replaced the writer, which built the whole document in memory (the
 * tests keep a copy to make old files, tests/unit/cachefile.c).
 *
 * Owns: nothing beyond each call.
 * Thread model: reentrant, no shared state.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/log.h"
#include "core/source/cache_file.h"
#include "core/source/cache_v1.h"
#include "core/source/rqlite_json.h"
#include "core/source/source.h"

#define CACHE_V1_VERSION 1

/* ---- reading ---- */

static int check_table_columns(const struct pooldns_table *t, const char *sql, const char *what,
			       char *err, size_t errsz)
{
	return pooldns_cache_check_columns((const char *const *)t->cols, t->ncols, sql, what, err,
					   errsz);
}

/* Parses the document into its version and two tables (caller frees). */
static int v1_parse(const char *buf, size_t len, int64_t *version, struct pooldns_table *t[2],
		    char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf != NULL ? buf : "", buf != NULL ? len : 0,
				  JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		pooldns_set_err(err, errsz, "invalid JSON at line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
		return -1;
	}
	int rc = -1;
	if (!json_is_object(root)) {
		pooldns_set_err(err, errsz, "not a pooldns cache file (not a JSON object)");
		goto out;
	}
	const json_t *fmt = json_object_get(root, "format");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), CACHE_FORMAT) != 0) {
		pooldns_set_err(err, errsz, "not a pooldns cache file (\"format\" is not \"%s\")",
				CACHE_FORMAT);
		goto out;
	}
	const json_t *fv = json_object_get(root, "format_version");
	if (!json_is_integer(fv)) {
		pooldns_set_err(err, errsz, "no integer \"format_version\"");
		goto out;
	}
	if (json_integer_value(fv) == 2) {
		/* A format 2 file is lines, the first of them the header. */
		pooldns_set_err(err, errsz,
				"format_version 2, but the header is not the first line alone");
		goto out;
	}
	if (json_integer_value(fv) != CACHE_V1_VERSION) {
		pooldns_set_err(err, errsz, "format_version %lld not supported (expected 1 or 2)",
				(long long)json_integer_value(fv));
		goto out;
	}
	const json_t *dv = json_object_get(root, "data_version");
	if (!json_is_integer(dv)) {
		pooldns_set_err(err, errsz, "no integer \"data_version\"");
		goto out;
	}
	if (pooldns_rqlite_parse_results_json(json_object_get(root, "results"), "results", t, 2,
					      err, errsz) != 0)
		goto out;
	if (check_table_columns(t[0], POOLDNS_SQL_POOLS, "results[0] (pools)", err, errsz) != 0 ||
	    check_table_columns(t[1], POOLDNS_SQL_MEMBERS, "results[1] (members)", err, errsz) !=
		    0) {
		pooldns_table_free(t[0]);
		pooldns_table_free(t[1]);
		t[0] = t[1] = NULL;
		goto out;
	}
	*version = (int64_t)json_integer_value(dv);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

struct keyed {
	int64_t key;
	size_t row;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Rows of t sorted by the key in column col; rows without a key go to
 * *rest (in table order). Caller frees both. -1 on out of memory. */
static int sort_rows(const struct pooldns_table *t, size_t col, struct keyed **keyed, size_t *nk,
		     size_t **rest, size_t *nr)
{
	size_t n = t->nrows ? t->nrows : 1;

	*keyed = malloc(n * sizeof(**keyed));
	*rest = malloc(n * sizeof(**rest));
	*nk = *nr = 0;
	if (*keyed == NULL || *rest == NULL)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		int64_t k;
		if (pooldns_cell_int(pooldns_table_cell(t, r, col), &k))
			(*keyed)[(*nk)++] = (struct keyed){ .key = k, .row = r };
		else
			(*rest)[(*nr)++] = r;
	}
	qsort(*keyed, *nk, sizeof(**keyed), cmp_keyed);
	return 0;
}

struct pager {
	const struct pooldns_table *src[2];
	struct pooldns_dataset page;
	pooldns_cache_page_fn fn;
	void *ctx;
	char *err;
	size_t errsz;
};

static int copy_row(struct pager *pg, int which, size_t row)
{
	const struct pooldns_table *t = pg->src[which];
	struct pooldns_table *to = which == 0 ? pg->page.pools : pg->page.members;

	if (pooldns_table_add_row(to, pooldns_table_cell(t, row, 0)) != 0) {
		pooldns_set_err(pg->err, pg->errsz, "out of memory");
		return -1;
	}
	return 0;
}

static int emit(struct pager *pg)
{
	char msg[512] = "";
	int rc = pg->fn(pg->ctx, &pg->page, msg, sizeof msg);

	pooldns_table_clear_rows(pg->page.pools);
	pooldns_table_clear_rows(pg->page.members);
	if (rc != 0) {
		pooldns_set_err(pg->err, pg->errsz, "%s", msg[0] != '\0' ? msg : "stopped");
		return -1;
	}
	return 0;
}

/*
 * Pages of pool rows in id order, each with the member rows whose dns_zone
 * is above the previous page's last id and up to its own; the last page
 * also takes every member row left (dns_zone beyond every id, or not an
 * integer) and rows whose id is not an integer come after all others, so
 * the builder sees and reports every row as it would in one piece.
 */
static int v1_pages(struct pager *pg, size_t page_pools)
{
	struct keyed *pk = NULL, *mk = NULL;
	size_t *prest = NULL, *mrest = NULL;
	size_t npk, nprest, nmk, nmrest, i = 0, j = 0, r = 0;
	int rc = -1;

	if (sort_rows(pg->src[0], 0, &pk, &npk, &prest, &nprest) != 0 ||
	    sort_rows(pg->src[1], 1, &mk, &nmk, &mrest, &nmrest) != 0) {
		pooldns_set_err(pg->err, pg->errsz, "out of memory");
		goto out;
	}
	while (i < npk || r < nprest) {
		size_t n = 0;

		/* A run of rows with one id stays in one page. */
		while (i < npk && (n < page_pools || pk[i].key == pk[i - 1].key)) {
			if (copy_row(pg, 0, pk[i].row) != 0)
				goto out;
			i++;
			n++;
		}
		while (i == npk && r < nprest && n < page_pools) {
			if (copy_row(pg, 0, prest[r]) != 0)
				goto out;
			r++;
			n++;
		}
		bool last = i == npk && r == nprest;
		while (j < nmk && (last || mk[j].key <= pk[i - 1].key)) {
			if (copy_row(pg, 1, mk[j].row) != 0)
				goto out;
			j++;
		}
		for (size_t k = 0; last && k < nmrest; k++)
			if (copy_row(pg, 1, mrest[k]) != 0)
				goto out;
		if (emit(pg) != 0)
			goto out;
	}
	rc = 0;
out:
	free(pk);
	free(mk);
	free(prest);
	free(mrest);
	return rc;
}

int pooldns_cache_v1_load(const char *buf, size_t len, size_t page_pools, pooldns_cache_page_fn fn,
			  void *ctx, int64_t *version, char *err, size_t errsz)
{
	struct pooldns_table *t[2] = { NULL, NULL };
	int64_t v = 0;
	int rc = -1;

	if (v1_parse(buf, len, &v, t, err, errsz) != 0)
		return -1;
	struct pager pg = {
		.src = { t[0], t[1] }, .fn = fn, .ctx = ctx, .err = err, .errsz = errsz
	};
	if (t[0]->nrows == 0) {
		rc = 0;
	} else if (t[0]->nrows <= page_pools) {
		/* One page: the tables as they are. */
		pg.page = (struct pooldns_dataset){ .pools = t[0], .members = t[1] };
		char msg[512] = "";
		rc = fn(ctx, &pg.page, msg, sizeof msg);
		if (rc != 0)
			pooldns_set_err(err, errsz, "%s", msg[0] != '\0' ? msg : "stopped");
	} else {
		pg.page.pools = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
		pg.page.members = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
		if (pg.page.pools == NULL || pg.page.members == NULL)
			pooldns_set_err(err, errsz, "out of memory");
		else
			rc = v1_pages(&pg, page_pools);
		pooldns_dataset_clear(&pg.page);
	}
	pooldns_table_free(t[0]);
	pooldns_table_free(t[1]);
	if (rc == 0)
		*version = v;
	return rc;
}
