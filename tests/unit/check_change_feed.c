/*
 * check_change_feed.c — the change feed end to end on SQLite: the triggers
 * of schema.json (schema_version 2) and the SQLite source's position(),
 * changes() and load_page() (core/source/source_sqlite.c, delta.c).
 *
 * Covers: every kind of write (feedsteps.c: pool and member insert, update,
 * delete, a member moved between pools, a pool id changed, a cascading pool
 * delete) naming exactly the pools it touched; `more` with a small max; the
 * log pruned to exactly POOLDNS_CHANGE_LOG_KEEP rows and the gap that
 * follows; other gaps (rows deleted by hand, an emptied log, a database
 * whose log is behind); bad log cells rejected; load_page paging over 2500
 * pools; schema.json idempotent and upgrading a schema 1 database
 * (tests/data/schema-v1.json); a schema 1 database read without upgrade.
 *
 * Needs the source tree (POOLDNS_SRCDIR). Thread model: Check forks each
 * test; the temporary directory is an unchecked fixture (dbfixture.c).
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dbfixture.h"
#include "feedsteps.h"
#include "core/source/source.h"

/* Log rows populate_data.json leaves: 5 pools and 21 members. */
#define POPULATE_LOG 26

static struct pooldns_source *open_src(const char *path)
{
	char err[512] = "";
	struct pooldns_source *s = pooldns_source_sqlite_new(path, err, sizeof err);
	ck_assert_msg(s != NULL, "sqlite_new: %s", err);
	return s;
}

/* A new database from schema.json + populate_data.json. */
static void make_feed_db(const char *path)
{
	dbf_make(path, "schema.json", "populate_data.json", NULL);
}

static void exec_on_path(void *ctx, const char *sql)
{
	sqlite3 *db = dbf_open_rw(ctx);
	dbf_exec(db, sql);
	sqlite3_close(db);
}

static int64_t data_version(const char *path)
{
	return dbf_query_int(path, "SELECT value FROM pooldns_meta WHERE key = 'data_version'");
}

START_TEST(test_populated_position)
{
	char path[512], err[512] = "";
	dbf_path(path, sizeof path, "pop.db");
	make_feed_db(path);
	struct pooldns_source *s = open_src(path);

	struct pooldns_position pos;
	ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pos.schema_version, 2);
	ck_assert_int_eq(pos.seq, POPULATE_LOG);
	ck_assert_int_eq(pos.version, data_version(path));

	/* the whole populate, as one delta */
	struct pooldns_delta d;
	ck_assert_msg(s->ops->changes(s, 0, 1000, &d, err, sizeof err) == 0, "%s", err);
	ck_assert(!d.gap && !d.more);
	ck_assert_int_eq(d.seq, POPULATE_LOG);
	ck_assert_int_eq(d.version, pos.version);
	static const int64_t five[] = { 1, 2, 3, 4, 5 };
	feed_expect_zones(&d, five, 5, "populate");
	ck_assert_uint_eq(d.pools->ncols, POOLDNS_POOL_NCOLS);
	ck_assert_uint_eq(d.members->ncols, POOLDNS_MEMBER_NCOLS);
	for (size_t c = 0; c < POOLDNS_POOL_NCOLS; c++)
		ck_assert_str_eq(d.pools->cols[c], pooldns_pool_columns[c]);
	for (size_t c = 0; c < POOLDNS_MEMBER_NCOLS; c++)
		ck_assert_str_eq(d.members->cols[c], pooldns_member_columns[c]);
	ck_assert_uint_eq(d.pools->nrows, 5);
	ck_assert_uint_eq(d.members->nrows, 21);
	ck_assert_uint_eq(feed_count_rows(d.members, "dns_zone", 1), 4);
	pooldns_delta_clear(&d);
	pooldns_delta_clear(&d); /* cleared twice: harmless */
	pooldns_delta_clear(NULL);

	/* max = 0 is refused; a negative position is a gap */
	ck_assert_int_eq(s->ops->changes(s, 0, 0, &d, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "max must be at least 1") != NULL, "%s", err);
	ck_assert_int_eq(s->ops->changes(s, -1, 10, &d, err, sizeof err), 0);
	ck_assert(d.gap && d.zones == NULL && d.pools == NULL && d.members == NULL);
	ck_assert_int_eq(d.seq, -1);
	pooldns_delta_clear(&d);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_every_kind_of_write)
{
	char path[512];
	dbf_path(path, sizeof path, "steps.db");
	make_feed_db(path);
	struct pooldns_source *s = open_src(path);
	feed_run_steps(s, exec_on_path, path);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_more)
{
	char path[512], err[512] = "";
	dbf_path(path, sizeof path, "more.db");
	make_feed_db(path);
	struct pooldns_source *s = open_src(path);
	/* seq 1-5: pools 1-5; 6-9: members of pool 1; 10: the first of pool 2 */
	struct pooldns_delta d;
	ck_assert_int_eq(s->ops->changes(s, 0, 10, &d, err, sizeof err), 0);
	ck_assert(!d.gap && d.more);
	ck_assert_int_eq(d.seq, 10);
	static const int64_t five[] = { 1, 2, 3, 4, 5 };
	feed_expect_zones(&d, five, 5, "first 10");
	/* current rows: every member of pools 1 and 2, not only those logged */
	ck_assert_uint_eq(feed_count_rows(d.members, "dns_zone", 2), 4);
	pooldns_delta_clear(&d);

	ck_assert_int_eq(s->ops->changes(s, 10, 1, &d, err, sizeof err), 0);
	ck_assert(!d.gap && d.more && d.seq == 11);
	static const int64_t two[] = { 2 };
	feed_expect_zones(&d, two, 1, "seq 11");
	ck_assert_uint_eq(d.pools->nrows, 1);
	ck_assert_uint_eq(d.members->nrows, 4);
	pooldns_delta_clear(&d);

	int64_t at = 11;
	int calls = 0;
	for (;;) {
		ck_assert_int_eq(s->ops->changes(s, at, 7, &d, err, sizeof err), 0);
		ck_assert(!d.gap);
		at = d.seq;
		calls++;
		bool more = d.more;
		pooldns_delta_clear(&d);
		if (!more)
			break;
	}
	ck_assert_int_eq(at, POPULATE_LOG);
	ck_assert_int_eq(calls, 3); /* 18, 25, 26 */
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_prune_keeps_newest)
{
	char path[512], err[512] = "";
	dbf_path(path, sizeof path, "prune.db");
	make_feed_db(path);
	/* one statement, one transaction: KEEP + 10 member inserts, each
	 * logging one row and pruning */
	sqlite3 *db = dbf_open_rw(path);
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO dns_zone_member (dns_zone, host) "
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
		 "SELECT 2, 'h' || i FROM n",
		 POOLDNS_CHANGE_LOG_KEEP + 10);
	dbf_exec(db, sql);
	int64_t max = dbf_query_int_db(db, "SELECT max(seq) FROM pooldns_change");
	ck_assert_int_eq(max, POPULATE_LOG + POOLDNS_CHANGE_LOG_KEEP + 10);
	ck_assert_int_eq(dbf_query_int_db(db, "SELECT count(*) FROM pooldns_change"),
			 POOLDNS_CHANGE_LOG_KEEP);
	int64_t min = dbf_query_int_db(db, "SELECT min(seq) FROM pooldns_change");
	ck_assert_int_eq(min, max - POOLDNS_CHANGE_LOG_KEEP + 1);
	sqlite3_close(db);

	struct pooldns_source *s = open_src(path);
	struct pooldns_position pos;
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), 0);
	ck_assert_int_eq(pos.seq, max);

	struct pooldns_delta d;
	ck_assert_int_eq(s->ops->changes(s, 0, 100, &d, err, sizeof err), 0);
	ck_assert(d.gap && !d.more && d.seq == 0 && d.nzones == 0 && d.pools == NULL);
	ck_assert_int_eq(d.version, data_version(path));
	pooldns_delta_clear(&d);
	/* one row short of the log: a gap; from just before its oldest row:
	 * none, and the rest waits */
	ck_assert_int_eq(s->ops->changes(s, min - 2, 100, &d, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	ck_assert_int_eq(s->ops->changes(s, min - 1, 100, &d, err, sizeof err), 0);
	ck_assert(!d.gap && d.more && d.seq == min + 99);
	static const int64_t two[] = { 2 };
	feed_expect_zones(&d, two, 1, "after the prune");
	pooldns_delta_clear(&d);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_other_gaps)
{
	char path[512], other[512], err[512] = "";
	dbf_path(path, sizeof path, "gaps.db");
	dbf_path(other, sizeof other, "gaps-new.db");
	make_feed_db(path);
	struct pooldns_source *s = open_src(path);
	struct pooldns_delta d;

	/* a row deleted by hand in the middle of the range asked for */
	exec_on_path(path, "DELETE FROM pooldns_change WHERE seq = 12");
	ck_assert_int_eq(s->ops->changes(s, 5, 100, &d, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	ck_assert_int_eq(s->ops->changes(s, 12, 100, &d, err, sizeof err), 0);
	ck_assert(!d.gap && d.seq == POPULATE_LOG);
	pooldns_delta_clear(&d);

	/* a position past the end of the log: another database */
	ck_assert_int_eq(s->ops->changes(s, POPULATE_LOG + 5, 100, &d, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);

	/* the log emptied by hand: a gap from any position but 0 */
	exec_on_path(path, "DELETE FROM pooldns_change");
	ck_assert_int_eq(s->ops->changes(s, 3, 100, &d, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	struct pooldns_position pos;
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), 0);
	ck_assert_int_eq(pos.seq, 0);
	ck_assert_int_eq(s->ops->changes(s, 0, 100, &d, err, sizeof err), 0);
	ck_assert(!d.gap && !d.more && d.nzones == 0 && d.seq == 0);
	pooldns_delta_clear(&d);
	/* AUTOINCREMENT goes on from the old counter, so 0 now sees a gap */
	exec_on_path(path, "UPDATE dns_zone SET ttl = 31 WHERE id = 3");
	ck_assert_int_eq(s->ops->changes(s, 0, 100, &d, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);

	/* the file replaced by a new database whose log is behind */
	make_feed_db(other);
	ck_assert_int_eq(rename(other, path), 0);
	ck_assert_int_eq(s->ops->changes(s, POPULATE_LOG + 1, 100, &d, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_bad_log)
{
	char path[512], err[512] = "";
	dbf_path(path, sizeof path, "bad.db");
	make_feed_db(path);
	struct pooldns_source *s = open_src(path);
	struct pooldns_delta d = { .gap = true, .zones = (void *)1 };

	/* foreign keys off, a member of no pool: nothing logged, write fine */
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	dbf_exec(db, "INSERT INTO dns_zone_member (dns_zone, host) VALUES ('nope', 'h1')");
	ck_assert_int_eq(dbf_query_int_db(db, "SELECT max(seq) FROM pooldns_change"), POPULATE_LOG);
	dbf_exec(db, "UPDATE dns_zone_member SET dns_zone = 4 WHERE host = 'h1'");
	sqlite3_close(db);
	ck_assert_int_eq(s->ops->changes(s, POPULATE_LOG, 10, &d, err, sizeof err), 0);
	static const int64_t four[] = { 4 };
	feed_expect_zones(&d, four, 1, "member moved in from no pool");
	pooldns_delta_clear(&d);

	/* a zone_id that is not an integer, written by hand */
	exec_on_path(path, "INSERT INTO pooldns_change (tbl, row_id, zone_id) "
			   "VALUES ('dns_zone', 1, 'one')");
	d.zones = (void *)1;
	ck_assert_int_eq(s->ops->changes(s, POPULATE_LOG, 10, &d, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "pooldns_change row 2 (seq 28): zone_id is text, not an "
				  "integer") != NULL,
		      "%s", err);
	ck_assert(d.zones == NULL && d.pools == NULL && d.members == NULL && !d.gap);
	exec_on_path(path, "UPDATE pooldns_change SET zone_id = 1.5 WHERE seq = 28");
	ck_assert_int_eq(s->ops->changes(s, POPULATE_LOG, 10, &d, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "zone_id is real") != NULL, "%s", err);
	/* but a position after it is fine */
	ck_assert_int_eq(s->ops->changes(s, 28, 10, &d, err, sizeof err), 0);
	pooldns_delta_clear(&d);

	/* schema_version 2 without the log table: an error, not a gap */
	exec_on_path(path, "DROP TABLE pooldns_change");
	ck_assert_int_eq(s->ops->changes(s, 0, 10, &d, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no such table: pooldns_change") != NULL &&
			      strstr(err, "schema_version is 2") != NULL,
		      "%s", err);
	struct pooldns_position pos = { .seq = 77 };
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no such table: pooldns_change") != NULL, "%s", err);
	ck_assert_int_eq(pos.seq, 77);

	/* a schema_version that is not an integer */
	exec_on_path(path, "UPDATE pooldns_meta SET value = 'two' WHERE key = 'schema_version'");
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "schema_version is not a single integer") != NULL, "%s", err);
	pooldns_source_destroy(s);
}
END_TEST

/* Pool i of the paging test: id 3i - 1000 (negative, zero and positive
 * ids), i % 4 members. */
#define PAGE_POOLS 2500

START_TEST(test_load_page)
{
	char path[512], err[512] = "";
	dbf_path(path, sizeof path, "pages.db");
	dbf_make(path, "schema.json", NULL);
	sqlite3 *db = dbf_open_rw(path);
	dbf_exec(db, "BEGIN");
	char sql[256];
	size_t nmembers = 0;
	for (int i = 1; i <= PAGE_POOLS; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO dns_zone (id, name) VALUES (%d, 'p%d.test.')", 3 * i - 1000,
			 i);
		dbf_exec(db, sql);
		for (int m = 0; m < i % 4; m++, nmembers++) {
			snprintf(sql, sizeof sql,
				 "INSERT INTO dns_zone_member (dns_zone, host, priority) "
				 "VALUES (%d, '192.0.2.%d', %d)",
				 3 * i - 1000, m, 3 - m);
			dbf_exec(db, sql);
		}
	}
	dbf_exec(db, "COMMIT");
	sqlite3_close(db);
	int64_t version = data_version(path);

	struct pooldns_source *s = open_src(path);
	int64_t after = INT64_MIN, last = 12345;
	size_t pages = 0, pools = 0, members = 0;
	int64_t prev_id = INT64_MIN;
	for (;;) {
		struct pooldns_dataset ds;
		ck_assert_msg(s->ops->load_page(s, after, 1000, &ds, &last, err, sizeof err) == 0,
			      "%s", err);
		ck_assert_int_eq(ds.version, version);
		ck_assert_uint_le(ds.pools->nrows, 1000);
		/* every member belongs to a pool of this page */
		int zc = pooldns_table_col(ds.members, "dns_zone");
		for (size_t r = 0; r < ds.members->nrows; r++) {
			int64_t z = pooldns_table_cell(ds.members, r, (size_t)zc)->i;
			ck_assert_uint_eq(feed_count_rows(ds.pools, "id", z), 1);
		}
		for (size_t r = 0; r < ds.pools->nrows; r++) {
			int64_t id = pooldns_table_cell(ds.pools, r, 0)->i;
			ck_assert_int_gt(id, prev_id);
			prev_id = id;
			int64_t i = (id + 1000) / 3;
			ck_assert_uint_eq(feed_count_rows(ds.members, "dns_zone", id),
					  (size_t)(i % 4));
		}
		pools += ds.pools->nrows;
		members += ds.members->nrows;
		size_t n = ds.pools->nrows;
		pooldns_dataset_clear(&ds);
		pages++;
		if (n == 0) {
			ck_assert_int_eq(last, after);
			break;
		}
		ck_assert_int_eq(last, prev_id);
		after = last;
		ck_assert_uint_lt(pages, 10);
	}
	ck_assert_uint_eq(pages, 4); /* 1000, 1000, 500, then an empty one */
	ck_assert_uint_eq(pools, PAGE_POOLS);
	ck_assert_uint_eq(members, nmembers);

	/* a page size of 0 is refused; one pool at a time works */
	struct pooldns_dataset ds = { .pools = (void *)1 };
	ck_assert_int_eq(s->ops->load_page(s, 0, 0, &ds, &last, err, sizeof err), -1);
	ck_assert_ptr_null(ds.pools);
	ck_assert_int_eq(s->ops->load_page(s, -1000, 1, &ds, &last, err, sizeof err), 0);
	ck_assert_uint_eq(ds.pools->nrows, 1);
	ck_assert_int_eq(last, -997);
	ck_assert_uint_eq(ds.members->nrows, 1);
	pooldns_dataset_clear(&ds);
	pooldns_source_destroy(s);
}
END_TEST

/* Every schema object and every meta row, as one string. */
static void schema_dump(const char *path, char *out, size_t outsz)
{
	sqlite3 *db = dbf_open_rw(path);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(
		sqlite3_prepare_v2(db,
				   "SELECT type || ' ' || name || ' ' || ifnull(sql, '') "
				   "FROM sqlite_master UNION ALL "
				   "SELECT key || '=' || value FROM pooldns_meta ORDER BY 1",
				   -1, &st, NULL),
		SQLITE_OK);
	size_t len = 0;
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = snprintf(out + len, outsz - len, "%s\n", sqlite3_column_text(st, 0));
		ck_assert(n > 0 && (size_t)n < outsz - len);
		len += (size_t)n;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Every pool and member, as one string. */
static void data_dump(const char *path, char *out, size_t outsz)
{
	sqlite3 *db = dbf_open_rw(path);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(
		sqlite3_prepare_v2(
			db,
			"SELECT z.id || z.name || z.ttl || z.policy || z.max_answers || "
			"z.fallback || ifnull(group_concat(m.id || m.host || m.weight || "
			"m.priority || m.enabled), '') FROM dns_zone z LEFT JOIN "
			"dns_zone_member m ON m.dns_zone = z.id GROUP BY z.id ORDER BY z.id",
			-1, &st, NULL),
		SQLITE_OK);
	size_t len = 0;
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = snprintf(out + len, outsz - len, "%s\n", sqlite3_column_text(st, 0));
		ck_assert(n > 0 && (size_t)n < outsz - len);
		len += (size_t)n;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

START_TEST(test_schema_idempotent)
{
	char path[512], a[32768], b[32768];
	dbf_path(path, sizeof path, "twice.db");
	make_feed_db(path);
	schema_dump(path, a, sizeof a);
	ck_assert_msg(strstr(a, "schema_version=2\n") != NULL, "%s", a);
	ck_assert_msg(strstr(a, "table pooldns_change") != NULL, "%s", a);
	ck_assert_msg(strstr(a, "bumps_version") == NULL, "%s", a);
	/* the prune bound in the triggers is the one source.h states */
	char keep[128];
	snprintf(keep, sizeof keep,
		 "DELETE FROM pooldns_change WHERE seq <= (SELECT max(seq) FROM pooldns_change) "
		 "- %d;",
		 POOLDNS_CHANGE_LOG_KEEP);
	size_t n = 0;
	for (const char *p = a; (p = strstr(p, keep)) != NULL; p++)
		n++;
	ck_assert_uint_eq(n, 6);
	dbf_make(path, "schema.json", "populate_data.json", NULL);
	schema_dump(path, b, sizeof b);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_schema1_without_upgrade)
{
	char path[512], err[512] = "";
	dbf_path(path, sizeof path, "v1.db");
	dbf_make(path, "tests/data/schema-v1.json", "populate_data.json", NULL);
	struct pooldns_source *s = open_src(path);
	int64_t version = data_version(path);

	struct pooldns_position pos;
	ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pos.schema_version, 1);
	ck_assert_int_eq(pos.seq, -1);
	ck_assert_int_eq(pos.version, version);

	struct pooldns_delta d;
	ck_assert_msg(s->ops->changes(s, 0, 100, &d, err, sizeof err) == 0, "%s", err);
	ck_assert(d.gap && d.nzones == 0 && d.pools == NULL && d.members == NULL);
	ck_assert_int_eq(d.version, version);
	pooldns_delta_clear(&d);

	/* full loads, paged or not, work as before */
	struct pooldns_dataset ds;
	int64_t last = 0;
	ck_assert_msg(s->ops->load_page(s, INT64_MIN, 3, &ds, &last, err, sizeof err) == 0, "%s",
		      err);
	ck_assert_uint_eq(ds.pools->nrows, 3);
	ck_assert_int_eq(last, 3);
	ck_assert_uint_eq(ds.members->nrows, 11);
	pooldns_dataset_clear(&ds);
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), 0);
	ck_assert_uint_eq(ds.pools->nrows, 5);
	pooldns_dataset_clear(&ds);

	/* no schema_version row at all reads as 1 */
	exec_on_path(path, "DELETE FROM pooldns_meta WHERE key = 'schema_version'");
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), 0);
	ck_assert(pos.schema_version == 1 && pos.seq == -1);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_upgrade_from_schema1)
{
	char path[512], err[512] = "", before[32768], after[32768], s1[32768], s2[32768];
	dbf_path(path, sizeof path, "upgrade.db");
	dbf_make(path, "tests/data/schema-v1.json", "populate_data.json", NULL);
	exec_on_path(path, "UPDATE dns_zone_member SET enabled = 0 WHERE id = 2");
	data_dump(path, before, sizeof before);
	int64_t version = data_version(path);

	dbf_make(path, "schema.json", NULL);
	schema_dump(path, s1, sizeof s1);
	dbf_make(path, "schema.json", NULL);
	schema_dump(path, s2, sizeof s2);
	ck_assert_str_eq(s1, s2);
	ck_assert_msg(strstr(s1, "schema_version=2\n") != NULL, "%s", s1);
	ck_assert_msg(strstr(s1, "bumps_version") == NULL, "old triggers left: %s", s1);
	ck_assert_int_eq(dbf_query_int(path, "SELECT count(*) FROM sqlite_master WHERE type = "
					     "'trigger' AND name LIKE '%_logs_change'"),
			 6);
	data_dump(path, after, sizeof after);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(data_version(path), version);

	struct pooldns_source *s = open_src(path);
	struct pooldns_position pos;
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), 0);
	ck_assert(pos.schema_version == 2 && pos.seq == 0 && pos.version == version);

	/* one write: one bump (the old triggers are gone), one log row */
	exec_on_path(path, "INSERT INTO dns_zone_member (dns_zone, host) VALUES (4, '192.0.2.34')");
	ck_assert_int_eq(data_version(path), version + 1);
	struct pooldns_delta d;
	ck_assert_int_eq(s->ops->changes(s, 0, 100, &d, err, sizeof err), 0);
	ck_assert(!d.gap && !d.more && d.seq == 1 && d.version == version + 1);
	static const int64_t four[] = { 4 };
	feed_expect_zones(&d, four, 1, "after the upgrade");
	ck_assert_uint_eq(d.members->nrows, 5);
	pooldns_delta_clear(&d);
	pooldns_source_destroy(s);
}
END_TEST

static Suite *change_feed_suite(void)
{
	Suite *s = suite_create("change_feed");
	TCase *tc = tcase_create("sqlite");
	tcase_add_unchecked_fixture(tc, dbf_setup_dir, dbf_teardown_dir);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_populated_position);
	tcase_add_test(tc, test_every_kind_of_write);
	tcase_add_test(tc, test_more);
	tcase_add_test(tc, test_prune_keeps_newest);
	tcase_add_test(tc, test_other_gaps);
	tcase_add_test(tc, test_bad_log);
	tcase_add_test(tc, test_load_page);
	tcase_add_test(tc, test_schema_idempotent);
	tcase_add_test(tc, test_schema1_without_upgrade);
	tcase_add_test(tc, test_upgrade_from_schema1);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(change_feed_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
