/*
 * fuzz_rqlite_json.c — fuzz target for core/source/rqlite_json.c, the parser of
 * what rqlite nodes send back, and for core/source/delta.c, which makes the
 * change feed's statements and reads their answers (log rows, bounds,
 * pages) out of the parsed tables. Every input is parsed as a
 * one-statement answer (version poll) and as a three-statement answer
 * (full load): from the body, and, when the body is a JSON object without
 * a top-level error, from its "results" member already parsed (the cache
 * file's way in). It is also read as the answers of the change feed:
 * changes() (six statements, four of them optional) from three positions,
 * one of them negative, position(), and load_page() from two. The
 * statements come from delta.c's builders, as in both sources: they say
 * which results may be missing and which seqs and ids were asked for.
 *
 * Besides the sanitizers, each result is checked here: on failure nothing
 * is left in out and the message is non-empty and terminated inside its
 * buffer; on success every table has columns, and every TEXT cell a
 * terminated string; the body and its parsed "results" give the same
 * tables or the same message; a delta is either a gap with nothing in it
 * or has its tables, strictly ascending zones and a seq inside the range
 * its log statement asked for, and from a negative position it is always
 * a gap; a page has at most the rows its statement asked for and a last id
 * not below where it started. A failed check aborts, which the fuzzer
 * reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/source/delta.h"
#include "core/source/rqlite_json.h"
#include "core/source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const struct pooldns_table *t)
{
	if (t == NULL || t->ncols == 0 || t->nrows > t->cap_rows)
		abort();
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const struct pooldns_cell *cell = pooldns_table_cell(t, r, c);
			if (cell->type == POOLDNS_CELL_TEXT) {
				if (cell->s == NULL)
					abort();
				volatile size_t len = strlen(cell->s); /* must be terminated */
				(void)len;
			}
			if (cell->type != POOLDNS_CELL_TEXT && cell->s != NULL)
				abort();
		}
}

/* A failed call: a terminated, non-empty message. */
static void check_err(const char *err, size_t errsz)
{
	if (memchr(err, '\0', errsz) == NULL || err[0] == '\0')
		abort();
}

static bool same_cell(const struct pooldns_cell *a, const struct pooldns_cell *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case POOLDNS_CELL_INT:
		return a->i == b->i;
	case POOLDNS_CELL_REAL:
		return memcmp(&a->r, &b->r, sizeof a->r) == 0;
	case POOLDNS_CELL_TEXT:
		return strcmp(a->s, b->s) == 0;
	default:
		return true;
	}
}

static bool same_table(const struct pooldns_table *a, const struct pooldns_table *b)
{
	if (a->ncols != b->ncols || a->nrows != b->nrows)
		return false;
	for (size_t c = 0; c < a->ncols; c++)
		if (strcmp(a->cols[c], b->cols[c]) != 0)
			return false;
	for (size_t r = 0; r < a->nrows; r++)
		for (size_t c = 0; c < a->ncols; c++)
			if (!same_cell(pooldns_table_cell(a, r, c), pooldns_table_cell(b, r, c)))
				return false;
	return true;
}

/* The body's "results", when the body is an object without "error". */
struct parsed {
	bool object;
	const json_t *results; /* NULL when missing */
};

/* n results from the body, and from the parsed "results" when there is an
 * object to take it from: the same tables, or the same message. */
static void run(const uint8_t *data, size_t size, const struct parsed *p, size_t n)
{
	struct pooldns_table *out[3], *again[3];
	char err[128], err2[128];
	memset(err, 'x', sizeof err);
	int rc = pooldns_rqlite_parse_results((const char *)data, size, out, n, err, sizeof err);
	if (rc != 0) {
		for (size_t i = 0; i < n; i++)
			if (out[i] != NULL)
				abort();
		check_err(err, sizeof err);
	}
	if (p->object) {
		/* where NULL means "results", what the body's messages say */
		memset(err2, 'y', sizeof err2);
		if (pooldns_rqlite_parse_results_json(p->results, NULL, again, n, err2,
						      sizeof err2) != rc ||
		    (rc != 0 && strcmp(err, err2) != 0))
			abort();
		for (size_t i = 0; i < n; i++) {
			if (rc == 0 ? !same_table(out[i], again[i]) : again[i] != NULL)
				abort();
			pooldns_table_free(again[i]);
		}
	}
	if (rc == 0)
		for (size_t i = 0; i < n; i++) {
			check_table(out[i]);
			pooldns_table_free(out[i]);
		}
}

/* Parses the n results of these statements, those marked optional allowed
 * to have failed; false when the parse fails. */
static bool parse_feed(const uint8_t *data, size_t size, struct pooldns_table **out, size_t n,
		       const struct pooldns_sql_stmt *st, char *opt, size_t optsz)
{
	bool optional[POOLDNS_SQL_CHANGES_N];
	char err[128];
	for (size_t i = 0; i < n; i++)
		optional[i] = st[i].optional;
	memset(err, 'x', sizeof err);
	if (pooldns_rqlite_parse_results_opt((const char *)data, size, out, n, optional, opt, optsz,
					     err, sizeof err) != 0) {
		for (size_t i = 0; i < n; i++)
			if (out[i] != NULL)
				abort();
		check_err(err, sizeof err);
		return false;
	}
	if (memchr(opt, '\0', optsz) == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (out[i] == NULL && !optional[i])
			abort();
		if (out[i] != NULL)
			check_table(out[i]);
	}
	return true;
}

static void run_changes(const uint8_t *data, size_t size, int64_t since, size_t max)
{
	struct pooldns_sql_stmt st[POOLDNS_SQL_CHANGES_N];
	struct pooldns_table *t[POOLDNS_SQL_CHANGES_N];
	char opt[128], err[128];
	if (pooldns_sql_changes(st, since, max, "fuzz", err, sizeof err) != 0)
		abort();
	/* The log rows asked for: seqs in (lo, hi]. */
	int64_t lo = st[2].ints[0], hi = st[2].ints[1];
	if (st[2].nints != 2 || lo > hi)
		abort();
	if (!parse_feed(data, size, t, POOLDNS_SQL_CHANGES_N, st, opt, sizeof opt))
		return;
	struct pooldns_delta d;
	memset(err, 'x', sizeof err);
	if (pooldns_delta_from_results(&d, t, since, max, "fuzz", opt, err, sizeof err) != 0) {
		check_err(err, sizeof err);
		if (d.zones != NULL || d.pools != NULL || d.members != NULL || d.gap)
			abort();
		return;
	}
	if (d.gap) {
		if (d.zones != NULL || d.nzones != 0 || d.pools != NULL || d.members != NULL ||
		    d.seq != since)
			abort();
	} else {
		if (since < 0 || d.pools == NULL || d.members == NULL ||
		    (d.nzones > 0 && d.zones == NULL))
			abort();
		check_table(d.pools);
		check_table(d.members);
		for (size_t i = 1; i < d.nzones; i++)
			if (d.zones[i - 1] >= d.zones[i])
				abort();
		if (d.seq < lo || d.seq > hi)
			abort();
	}
	pooldns_delta_clear(&d);
}

static void run_position(const uint8_t *data, size_t size)
{
	struct pooldns_table *t[POOLDNS_SQL_POSITION_N];
	char opt[128], err[128];
	if (!parse_feed(data, size, t, POOLDNS_SQL_POSITION_N, pooldns_sql_position, opt,
			sizeof opt))
		return;
	struct pooldns_position pos = { .seq = -7 };
	memset(err, 'x', sizeof err);
	if (pooldns_position_from_results(&pos, t, "fuzz", opt, err, sizeof err) != 0) {
		check_err(err, sizeof err);
		if (pos.seq != -7)
			abort();
		return;
	}
	if (pos.seq < -1 || (pos.seq == -1) != (pos.schema_version < 2))
		abort();
}

static void run_page(const uint8_t *data, size_t size, int64_t after, size_t max)
{
	struct pooldns_sql_stmt st[POOLDNS_SQL_PAGE_N];
	struct pooldns_table *t[POOLDNS_SQL_PAGE_N];
	char opt[128], err[128];
	if (pooldns_sql_page(st, after, max, "fuzz", err, sizeof err) != 0)
		abort();
	/* The pools asked for: ids above ints[0], at most ints[1] of them. */
	if (st[1].nints != 2 || st[1].ints[0] != after || st[1].ints[1] < 1)
		abort();
	uint64_t limit = (uint64_t)st[1].ints[1];
	if (!parse_feed(data, size, t, POOLDNS_SQL_PAGE_N, st, opt, sizeof opt))
		return;
	struct pooldns_dataset ds;
	int64_t last = after;
	memset(err, 'x', sizeof err);
	if (pooldns_page_from_results(&ds, &last, t, after, max, "fuzz", err, sizeof err) != 0) {
		check_err(err, sizeof err);
		if (ds.pools != NULL || ds.members != NULL || last != after)
			abort();
		return;
	}
	check_table(ds.pools);
	check_table(ds.members);
	if (ds.pools->nrows > limit || last < after || (ds.pools->nrows == 0) != (last == after))
		abort();
	pooldns_dataset_clear(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct parsed p = { .object = json_is_object(root) &&
				      json_object_get(root, "error") == NULL };
	if (p.object)
		p.results = json_object_get(root, "results");
	run(data, size, &p, 1);
	run(data, size, &p, 3);
	json_decref(root);
	run_changes(data, size, 0, 100);
	run_changes(data, size, 5, 2);
	run_changes(data, size, -1, 100);
	run_position(data, size);
	run_page(data, size, INT64_MIN, 1000);
	run_page(data, size, 0, 2);
	return 0;
}
