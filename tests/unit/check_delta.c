/*
 * check_delta.c — unit tests for core/source/delta.c on hand-made result
 * tables: the statements and bound values of position(), changes() and
 * load_page(); the gap rule and `more` on every edge (pruned, rows missing
 * in the middle, an empty log, a log behind the position, no change feed);
 * log cells that are not integers, out of order or outside the range asked
 * for; rows of other pools trimmed; the paging checks.
 *
 * Thread model: Check forks each test; nothing shared.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/source/delta.h"
#include "core/source/source.h"
#include "core/source/table.h"

#define WHO "test"

static struct pooldns_cell I(int64_t v) {
	return (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = v };
}

static struct pooldns_cell
T(const char *s) {
	return (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = (char *)s };
}

static struct pooldns_cell
R(double v) {
	return (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = v };
}

static const struct pooldns_cell N = { .type = POOLDNS_CELL_NULL };

static struct pooldns_table *table(size_t ncols, const char *const *cols)
{
	struct pooldns_table *t = pooldns_table_new(ncols, cols);
	ck_assert_ptr_nonnull(t);
	return t;
}

static void row(struct pooldns_table *t, const struct pooldns_cell *cells)
{
	ck_assert_int_eq(pooldns_table_add_row(t, cells), 0);
}

/* A one-column result of the pooldns_meta SELECT, with one value or none. */
static struct pooldns_table *meta(const struct pooldns_cell *v)
{
	static const char *const c[] = { "value" };
	struct pooldns_table *t = table(1, c);
	if (v != NULL)
		row(t, v);
	return t;
}

static struct pooldns_table *bounds(struct pooldns_cell lo, struct pooldns_cell hi)
{
	static const char *const c[] = { "min(seq)", "max(seq)" };
	struct pooldns_table *t = table(2, c);
	row(t, (struct pooldns_cell[]){ lo, hi });
	return t;
}

/* Log rows: n pairs of (seq, zone_id). */
static struct pooldns_table *log_rows(const int64_t (*rows)[2], size_t n)
{
	static const char *const c[] = { "seq", "zone_id" };
	struct pooldns_table *t = table(2, c);
	for (size_t i = 0; i < n; i++)
		row(t, (struct pooldns_cell[]){ I(rows[i][0]), I(rows[i][1]) });
	return t;
}

/* A pools table of just the id (and a name), a members table of id and
 * dns_zone: enough for delta.c, which reads only the key columns. */
static struct pooldns_table *pools(const int64_t *ids, size_t n)
{
	static const char *const c[] = { "id", "name" };
	struct pooldns_table *t = table(2, c);
	for (size_t i = 0; i < n; i++)
		row(t, (struct pooldns_cell[]){ I(ids[i]), T("p.test.") });
	return t;
}

static struct pooldns_table *members(const int64_t (*rows)[2], size_t n)
{
	static const char *const c[] = { "id", "dns_zone", "host" };
	struct pooldns_table *t = table(3, c);
	for (size_t i = 0; i < n; i++)
		row(t, (struct pooldns_cell[]){ I(rows[i][0]), I(rows[i][1]), T("192.0.2.1") });
	return t;
}

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_statements)
{
	struct pooldns_sql_stmt st[POOLDNS_SQL_CHANGES_N];
	char err[256] = "";
	ck_assert_int_eq(pooldns_sql_changes(st, 40, 100, WHO, err, sizeof err), 0);
	ck_assert_str_eq(st[0].sql, POOLDNS_SQL_VERSION);
	ck_assert_str_eq(st[0].param, "data_version");
	ck_assert_str_eq(st[1].sql, POOLDNS_SQL_VERSION);
	ck_assert_str_eq(st[1].param, "schema_version");
	ck_assert_str_eq(st[2].sql, POOLDNS_SQL_CHANGES);
	ck_assert_str_eq(st[3].sql, POOLDNS_SQL_CHANGED_POOLS);
	ck_assert_str_eq(st[4].sql, POOLDNS_SQL_CHANGED_MEMBERS);
	ck_assert_str_eq(st[5].sql, POOLDNS_SQL_CHANGE_BOUNDS);
	for (int i = 0; i < 6; i++) {
		ck_assert(st[i].optional == (i >= 2));
		ck_assert_uint_eq(st[i].nints, i >= 2 && i <= 4 ? 2 : 0);
		ck_assert(i < 2 || st[i].param == NULL);
	}
	for (int i = 2; i <= 4; i++) {
		ck_assert_int_eq(st[i].ints[0], 40);
		ck_assert_int_eq(st[i].ints[1], 140);
	}
	/* the SQL is what source.h promises, values only as placeholders */
	ck_assert_str_eq(POOLDNS_SQL_CHANGES, "SELECT seq, zone_id FROM pooldns_change WHERE seq > "
					      "?1 AND seq <= ?2 ORDER BY seq");
	ck_assert_ptr_nonnull(strstr(POOLDNS_SQL_CHANGED_POOLS,
				     " FROM dns_zone WHERE id IN (SELECT zone_id FROM "
				     "pooldns_change WHERE seq > ?1 AND seq <= ?2) ORDER BY id"));
	ck_assert_ptr_nonnull(strstr(POOLDNS_SQL_CHANGED_MEMBERS,
				     " WHERE dns_zone IN (SELECT zone_id FROM pooldns_change WHERE "
				     "seq > ?1 AND seq <= ?2) ORDER BY dns_zone, priority, id"));

	/* since + max saturates; a negative since asks for nothing */
	ck_assert_int_eq(pooldns_sql_changes(st, INT64_MAX - 5, SIZE_MAX, WHO, err, sizeof err), 0);
	ck_assert_int_eq(st[2].ints[1], INT64_MAX);
	ck_assert_int_eq(pooldns_sql_changes(st, -1, 10, WHO, err, sizeof err), 0);
	ck_assert(st[2].ints[0] == 0 && st[2].ints[1] == 0);
	ck_assert_int_eq(pooldns_sql_changes(st, 0, 0, WHO, err, sizeof err), -1);
	ck_assert_str_eq(err, "test: changes: max must be at least 1");

	struct pooldns_sql_stmt pg[POOLDNS_SQL_PAGE_N];
	ck_assert_int_eq(pooldns_sql_page(pg, INT64_MIN, SIZE_MAX, WHO, err, sizeof err), 0);
	ck_assert_str_eq(pg[1].sql, POOLDNS_SQL_PAGE_POOLS);
	ck_assert_str_eq(pg[2].sql, POOLDNS_SQL_PAGE_MEMBERS);
	ck_assert(pg[1].ints[0] == INT64_MIN && pg[1].ints[1] == INT64_MAX);
	ck_assert(pg[2].ints[0] == INT64_MIN && pg[2].ints[1] == INT64_MAX);
	ck_assert(!pg[0].optional && !pg[1].optional && !pg[2].optional);
	ck_assert_int_eq(pooldns_sql_page(pg, 0, 0, WHO, err, sizeof err), -1);
	ck_assert_str_eq(err, "test: load_page: max_pools must be at least 1");

	ck_assert(pooldns_sql_position[2].optional && !pooldns_sql_position[1].optional);
	ck_assert_str_eq(pooldns_sql_position[2].sql, POOLDNS_SQL_CHANGE_BOUNDS);
}
END_TEST

static int position(struct pooldns_position *pos, struct pooldns_cell *schema,
		    struct pooldns_table *b, const char *opt_err, char *err, size_t errsz)
{
	struct pooldns_table *t[3] = { meta((struct pooldns_cell[]){ I(12) }), meta(schema), b };
	return pooldns_position_from_results(pos, t, WHO, opt_err, err, errsz);
}

START_TEST(test_position)
{
	struct pooldns_position p;
	char err[256];
	struct pooldns_cell two = I(2), one = I(1), bad = T("2");
	ck_assert_int_eq(position(&p, &two, bounds(I(3), I(9)), "", err, sizeof err), 0);
	ck_assert(p.version == 12 && p.schema_version == 2 && p.seq == 9);
	ck_assert_int_eq(position(&p, &two, bounds(N, N), "", err, sizeof err), 0);
	ck_assert_int_eq(p.seq, 0);
	/* no change feed: schema 1, or no schema_version row */
	ck_assert_int_eq(position(&p, &one, NULL, "x: no such table", err, sizeof err), 0);
	ck_assert(p.schema_version == 1 && p.seq == -1);
	ck_assert_int_eq(position(&p, NULL, NULL, NULL, err, sizeof err), 0);
	ck_assert(p.schema_version == 1 && p.seq == -1);
	ck_assert_int_eq(position(&p, &one, bounds(I(1), I(2)), "", err, sizeof err), 0);
	ck_assert_int_eq(p.seq, -1); /* table there, schema says 1: triggers may be missing */

	p.seq = 55;
	ck_assert_int_eq(
		position(&p, &two, NULL, "x: no such table: pooldns_change", err, sizeof err), -1);
	ck_assert_str_eq(err, "x: no such table: pooldns_change (schema_version is 2)");
	ck_assert_int_eq(position(&p, &two, NULL, NULL, err, sizeof err), -1);
	ck_assert_str_eq(err, "test: no result for the change log (schema_version 2)");
	ck_assert_int_eq(position(&p, &bad, bounds(N, N), "", err, sizeof err), -1);
	ck_assert_str_eq(err, "test: pooldns_meta schema_version is not a single integer");
	ck_assert_int_eq(position(&p, &two, bounds(T("1"), I(2)), "", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "min(seq) text and max(seq) integer") != NULL, "%s", err);
	ck_assert_int_eq(position(&p, &two, bounds(I(5), I(2)), "", err, sizeof err), -1);
	ck_assert_int_eq(position(&p, &two, bounds(I(5), N), "", err, sizeof err), -1);
	/* Positions start at 1: a log claiming others gives no position (the
	 * seq handed on would read as "no feed" or worse). */
	ck_assert_int_eq(position(&p, &two, bounds(I(-4611686018427389705), I(-223372036851891780)),
			      "", err, sizeof err),
			 -1);
	ck_assert_msg(strstr(err, "min(seq) -4611686018427389705 is below 1") != NULL, "%s", err);
	ck_assert_int_eq(position(&p, &two, bounds(I(0), I(3)), "", err, sizeof err), -1);
	struct pooldns_table *b2 = bounds(I(1), I(2));
	row(b2, (struct pooldns_cell[]){ I(1), I(2) });
	ck_assert_int_eq(position(&p, &two, b2, "", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "got 2 rows of 2 columns") != NULL, "%s", err);
	ck_assert_int_eq(p.seq, 55); /* untouched on error */
}
END_TEST

/* changes() results from parts; since and max as asked. */
struct spec {
	int64_t schema;
	const int64_t (*log)[2];
	size_t nlog;
	struct pooldns_cell lo, hi;
	const int64_t *pool_ids;
	size_t npools;
	const int64_t (*members)[2];
	size_t nmembers;
};

static int delta(struct pooldns_delta *d, const struct spec *s, int64_t since, size_t max,
		 char *err, size_t errsz)
{
	struct pooldns_cell schema = I(s->schema);
	struct pooldns_table *t[6] = {
		meta((struct pooldns_cell[]){ I(70) }),
		meta(&schema),
		log_rows(s->log, s->nlog),
		pools(s->pool_ids, s->npools),
		members(s->members, s->nmembers),
		bounds(s->lo, s->hi),
	};
	return pooldns_delta_from_results(d, t, since, max, WHO, "", err, errsz);
}

static const int64_t log3[][2] = { { 6, 3 }, { 7, 1 }, { 8, 3 } };
static const int64_t ids134[] = { 1, 3, 4 };
static const int64_t mem[][2] = { { 10, 1 }, { 11, 3 }, { 12, 4 }, { 13, 3 } };

START_TEST(test_delta_plain)
{
	struct pooldns_delta d;
	char err[256];
	struct spec s = { 2, log3, 3, I(1), I(8), ids134, 3, mem, 4 };
	ck_assert_int_eq(delta(&d, &s, 5, 100, err, sizeof err), 0);
	ck_assert(!d.gap && !d.more && d.seq == 8 && d.version == 70);
	ck_assert_uint_eq(d.nzones, 2);
	ck_assert(d.zones[0] == 1 && d.zones[1] == 3);
	/* pool 4 and its member were not asked for (a later read of the log
	 * could have added them): trimmed */
	ck_assert_uint_eq(d.pools->nrows, 2);
	ck_assert_int_eq(pooldns_table_cell(d.pools, 1, 0)->i, 3);
	ck_assert_uint_eq(d.members->nrows, 3);
	ck_assert_int_eq(pooldns_table_cell(d.members, 2, 0)->i, 13);
	ck_assert_str_eq(pooldns_table_cell(d.members, 2, 2)->s, "192.0.2.1");
	pooldns_delta_clear(&d);

	/* more waiting */
	s.hi = I(20);
	ck_assert_int_eq(delta(&d, &s, 5, 3, err, sizeof err), 0);
	ck_assert(!d.gap && d.more && d.seq == 8);
	pooldns_delta_clear(&d);

	/* nothing new: seq stays, tables empty, not a gap */
	struct spec none = { 2, NULL, 0, I(1), I(8), NULL, 0, NULL, 0 };
	ck_assert_int_eq(delta(&d, &none, 8, 100, err, sizeof err), 0);
	ck_assert(!d.gap && !d.more && d.seq == 8 && d.nzones == 0 && d.zones == NULL);
	ck_assert(d.pools != NULL && d.pools->nrows == 0 && d.members->nrows == 0);
	pooldns_delta_clear(&d);
	/* nothing returned but a row came in before the bounds were read */
	none.hi = I(9);
	ck_assert_int_eq(delta(&d, &none, 8, 100, err, sizeof err), 0);
	ck_assert(!d.gap && d.more && d.seq == 8);
	pooldns_delta_clear(&d);

	/* an empty log from position 0 */
	struct spec empty = { 2, NULL, 0, N, N, NULL, 0, NULL, 0 };
	ck_assert_int_eq(delta(&d, &empty, 0, 100, err, sizeof err), 0);
	ck_assert(!d.gap && !d.more && d.seq == 0);
	pooldns_delta_clear(&d);
}
END_TEST

START_TEST(test_delta_gaps)
{
	struct pooldns_delta d;
	char err[256];
	/* pruned: the oldest row is past since + 1 */
	struct spec s = { 2, log3, 3, I(6), I(8), ids134, 3, mem, 4 };
	ck_assert_int_eq(delta(&d, &s, 5, 100, err, sizeof err), 0);
	ck_assert(!d.gap);
	pooldns_delta_clear(&d);
	s.lo = I(7); /* pruned after the log was read: only the bounds show it */
	ck_assert_int_eq(delta(&d, &s, 5, 100, err, sizeof err), 0);
	ck_assert(d.gap && !d.more && d.seq == 5 && d.version == 70);
	ck_assert(d.zones == NULL && d.nzones == 0 && d.pools == NULL && d.members == NULL);
	pooldns_delta_clear(&d);

	/* a row missing in the middle */
	static const int64_t holes[][2] = { { 6, 1 }, { 8, 1 } };
	struct spec h = { 2, holes, 2, I(1), I(8), NULL, 0, NULL, 0 };
	ck_assert_int_eq(delta(&d, &h, 5, 100, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	/* a log that starts later than since + 1 */
	ck_assert_int_eq(delta(&d, &s, 4, 100, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);

	/* a log that ends before since: another database */
	struct spec behind = { 2, NULL, 0, I(1), I(8), NULL, 0, NULL, 0 };
	ck_assert_int_eq(delta(&d, &behind, 9, 100, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	/* an empty log after a non-zero position; rows but empty bounds */
	struct spec empty = { 2, NULL, 0, N, N, NULL, 0, NULL, 0 };
	ck_assert_int_eq(delta(&d, &empty, 1, 100, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	struct spec odd = { 2, log3, 3, N, N, NULL, 0, NULL, 0 };
	ck_assert_int_eq(delta(&d, &odd, 5, 100, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);

	/* no change feed: a gap, not an error, whatever the other results */
	struct pooldns_table *t[6] = {
		meta((struct pooldns_cell[]){ I(70) }),
		meta((struct pooldns_cell[]){ I(1) }),
		NULL,
		NULL,
		NULL,
		NULL,
	};
	ck_assert_int_eq(pooldns_delta_from_results(&d, t, 5, 100, WHO,
						    "x: no such table: pooldns_change", err,
						    sizeof err),
			 0);
	ck_assert(d.gap && d.version == 70 && d.seq == 5);
	pooldns_delta_clear(&d);
	/* a negative position: a gap */
	ck_assert_int_eq(delta(&d, &s, -1, 100, err, sizeof err), 0);
	ck_assert(d.gap && d.seq == -1);
	pooldns_delta_clear(&d);
}
END_TEST

/* A log table with one bad row at index 1. */
static int bad_log(struct pooldns_delta *d, struct pooldns_cell seq, struct pooldns_cell zone,
		   int64_t since, size_t max, char *err, size_t errsz)
{
	static const char *const c[] = { "seq", "zone_id" };
	struct pooldns_table *lg = table(2, c);
	row(lg, (struct pooldns_cell[]){ I(since + 1), I(1) });
	row(lg, (struct pooldns_cell[]){ seq, zone });
	struct pooldns_table *t[6] = {
		meta((struct pooldns_cell[]){ I(70) }),
		meta((struct pooldns_cell[]){ I(2) }),
		lg,
		pools(NULL, 0),
		members(NULL, 0),
		bounds(I(1), I(100)),
	};
	return pooldns_delta_from_results(d, t, since, max, WHO, "", err, errsz);
}

START_TEST(test_delta_bad_cells)
{
	struct pooldns_delta d = { .seq = 99 };
	char err[256];
	ck_assert_int_eq(bad_log(&d, T("7"), I(1), 5, 100, err, sizeof err), -1);
	ck_assert_str_eq(err, "test: pooldns_change row 2: seq is text, not an integer");
	ck_assert(d.seq == 0 && d.zones == NULL && d.pools == NULL && !d.gap);
	ck_assert_int_eq(bad_log(&d, N, I(1), 5, 100, err, sizeof err), -1);
	ck_assert_str_eq(err, "test: pooldns_change row 2: seq is null, not an integer");
	ck_assert_int_eq(bad_log(&d, R(7.0), I(1), 5, 100, err, sizeof err), -1);
	ck_assert_str_eq(err, "test: pooldns_change row 2: seq is real, not an integer");
	ck_assert_int_eq(bad_log(&d, I(7), R(1.5), 5, 100, err, sizeof err), -1);
	ck_assert_str_eq(err,
			 "test: pooldns_change row 2 (seq 7): zone_id is real, not an integer");
	ck_assert_int_eq(bad_log(&d, I(7), T("x"), 5, 100, err, sizeof err), -1);
	ck_assert_int_eq(bad_log(&d, I(7), N, 5, 100, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "zone_id is null") != NULL, "%s", err);
	/* out of order, repeated, outside (since, since + max] */
	ck_assert_int_eq(bad_log(&d, I(6), I(1), 5, 100, err, sizeof err), -1);
	ck_assert_str_eq(err, "test: pooldns_change row 2: seq 6 out of order or outside (5, 105]");
	ck_assert_int_eq(bad_log(&d, I(106), I(1), 5, 100, err, sizeof err), -1);
	ck_assert_int_eq(bad_log(&d, I(8), I(1), 5, 2, err, sizeof err), -1);
	ck_assert_int_eq(bad_log(&d, I(INT64_MAX), I(1), 5, SIZE_MAX, err, sizeof err), 0);
	ck_assert(d.gap); /* in range, but not consecutive */
	pooldns_delta_clear(&d);

	/* a log result of the wrong shape */
	static const char *const c3[] = { "seq", "zone_id", "tbl" };
	struct pooldns_table *t[6] = {
		meta((struct pooldns_cell[]){ I(70) }),
		meta((struct pooldns_cell[]){ I(2) }),
		table(3, c3),
		pools(NULL, 0),
		members(NULL, 0),
		bounds(I(1), I(100)),
	};
	ck_assert_int_eq(pooldns_delta_from_results(&d, t, 5, 100, WHO, "", err, sizeof err), -1);
	ck_assert_str_eq(err, "test: pooldns_change: 3 columns, expected 2 (seq, zone_id)");

	/* schema 2 and a log statement that failed */
	struct pooldns_table *u[6] = {
		meta((struct pooldns_cell[]){ I(70) }),
		meta((struct pooldns_cell[]){ I(2) }),
		log_rows(NULL, 0),
		NULL,
		members(NULL, 0),
		bounds(N, N),
	};
	ck_assert_int_eq(
		pooldns_delta_from_results(&d, u, 0, 100, WHO, "node: boom", err, sizeof err), -1);
	ck_assert_str_eq(err, "node: boom (schema_version is 2)");
	/* no data_version row */
	struct pooldns_table *v[6] = {
		meta(NULL),        meta((struct pooldns_cell[]){ I(2) }),
		log_rows(NULL, 0), pools(NULL, 0),
		members(NULL, 0),  bounds(N, N),
	};
	ck_assert_int_eq(pooldns_delta_from_results(&d, v, 0, 100, WHO, "", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no data_version row") != NULL, "%s", err);
	/* pools without an id column */
	static const char *const nm[] = { "name" };
	struct pooldns_table *w[6] = {
		meta((struct pooldns_cell[]){ I(70) }),
		meta((struct pooldns_cell[]){ I(2) }),
		log_rows(log3, 3),
		table(1, nm),
		members(NULL, 0),
		bounds(I(1), I(8)),
	};
	ck_assert_int_eq(pooldns_delta_from_results(&d, w, 5, 100, WHO, "", err, sizeof err), -1);
	ck_assert_str_eq(err, "test: pools: no id column");
}
END_TEST

static int page(struct pooldns_dataset *ds, int64_t *last, struct pooldns_table *p,
		struct pooldns_table *m, int64_t after, size_t max, char *err, size_t errsz)
{
	struct pooldns_table *t[3] = { meta((struct pooldns_cell[]){ I(33) }), p, m };
	return pooldns_page_from_results(ds, last, t, after, max, WHO, err, errsz);
}

START_TEST(test_page)
{
	struct pooldns_dataset ds;
	int64_t last = 0;
	char err[256];
	static const int64_t ids[] = { -4, 0, 9 };
	static const int64_t m[][2] = { { 1, -4 }, { 2, 9 }, { 3, 10 }, { 4, 9 } };
	ck_assert_int_eq(
		page(&ds, &last, pools(ids, 3), members(m, 4), INT64_MIN, 3, err, sizeof err), 0);
	ck_assert(ds.version == 33 && last == 9);
	ck_assert_uint_eq(ds.pools->nrows, 3);
	ck_assert_uint_eq(ds.members->nrows, 3); /* member 3 is of pool 10: not this page */
	pooldns_dataset_clear(&ds);

	/* an empty page: the load is done */
	last = 0;
	ck_assert_int_eq(page(&ds, &last, pools(NULL, 0), members(NULL, 0), 9, 3, err, sizeof err),
			 0);
	ck_assert_int_eq(last, 9);
	ck_assert_uint_eq(ds.pools->nrows, 0);
	pooldns_dataset_clear(&ds);

	/* more rows than the page, ids not above after_id or not in order */
	last = 77;
	ck_assert_int_eq(
		page(&ds, &last, pools(ids, 3), members(NULL, 0), INT64_MIN, 2, err, sizeof err),
		-1);
	ck_assert_str_eq(err, "test: pools: 3 rows for a page of 2");
	ck_assert_int_eq(page(&ds, &last, pools(ids, 3), members(NULL, 0), -4, 3, err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "test: pools row 1: id is not an integer above -4, in order");
	static const int64_t desc[] = { 5, 3 };
	ck_assert_int_eq(page(&ds, &last, pools(desc, 2), members(NULL, 0), 0, 3, err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "test: pools row 2: id is not an integer above 5, in order");
	static const char *const c[] = { "id" };
	struct pooldns_table *tp = table(1, c);
	row(tp, (struct pooldns_cell[]){ T("1") });
	ck_assert_int_eq(page(&ds, &last, tp, members(NULL, 0), 0, 3, err, sizeof err), -1);
	ck_assert_int_eq(last, 77);
	ck_assert(ds.pools == NULL && ds.members == NULL);
}
END_TEST

START_TEST(test_table_filter)
{
	static const char *const c[] = { "id", "s" };
	struct pooldns_table *t = table(2, c);
	for (int i = 0; i < 6; i++) {
		char s[8];
		snprintf(s, sizeof s, "r%d", i);
		row(t, (struct pooldns_cell[]){ i == 4 ? T("x") : I(i), T(s) });
	}
	/* the id filter of delta.c through a page: keeps ids 1, 3 and the text id */
	static const int64_t ids[] = { 1, 3 };
	struct pooldns_dataset ds;
	int64_t last;
	char err[256];
	static const char *const mc[] = { "id", "dns_zone" };
	struct pooldns_table *m = table(2, mc);
	for (size_t r = 0; r < t->nrows; r++)
		row(m, (struct pooldns_cell[]){ I((int64_t)r), *pooldns_table_cell(t, r, 0) });
	pooldns_table_free(t);
	ck_assert_int_eq(page(&ds, &last, pools(ids, 2), m, 0, 2, err, sizeof err), 0);
	ck_assert_uint_eq(ds.members->nrows, 3);
	ck_assert_int_eq(pooldns_table_cell(ds.members, 0, 0)->i, 1);
	ck_assert_int_eq(pooldns_table_cell(ds.members, 1, 0)->i, 3);
	ck_assert_str_eq(pooldns_table_cell(ds.members, 2, 1)->s, "x");
	pooldns_dataset_clear(&ds);
}
END_TEST

static Suite *delta_suite(void)
{
	Suite *s = suite_create("delta");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_statements);
	tcase_add_test(tc, test_position);
	tcase_add_test(tc, test_delta_plain);
	tcase_add_test(tc, test_delta_gaps);
	tcase_add_test(tc, test_delta_bad_cells);
	tcase_add_test(tc, test_page);
	tcase_add_test(tc, test_table_filter);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(delta_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
