/*
 * check_source_sqlite.c — unit tests for core/source/source_sqlite.c: a database
 * built from the project's schema.json + populate_data.json (the rqlite
 * /db/execute payloads, run here through sqlite3), loaded read-only;
 * changes by another writer and a file replaced by rename are seen; a
 * missing file, a file that is not a database and a database without the
 * pooldns schema fail cleanly with clear messages.
 *
 * Needs the source tree: POOLDNS_SRCDIR (or automake's srcdir) names it.
 * Thread model: Check forks each test; the temporary directory is made and
 * removed by an unchecked fixture in the parent (dbfixture.c), so it goes
 * even when a test fails.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dbfixture.h"
#include "core/source/source.h"

/* Creates a populated pooldns database at path. */
static void make_db(const char *path)
{
	dbf_make(path, "schema.json", "populate_data.json", NULL);
}

/* Row index of the pool called name, or -1. */
static long pool_row(const struct pooldns_table *pools, const char *name)
{
	int c = pooldns_table_col(pools, "name");
	ck_assert_int_ge(c, 0);
	for (size_t r = 0; r < pools->nrows; r++) {
		const struct pooldns_cell *cell = pooldns_table_cell(pools, r, (size_t)c);
		if (cell->type == POOLDNS_CELL_TEXT && strcmp(cell->s, name) == 0)
			return (long)r;
	}
	return -1;
}

static size_t members_of(const struct pooldns_table *members, int64_t pool_id)
{
	int c = pooldns_table_col(members, "dns_zone");
	ck_assert_int_ge(c, 0);
	size_t n = 0;
	for (size_t r = 0; r < members->nrows; r++)
		if (pooldns_table_cell(members, r, (size_t)c)->i == pool_id)
			n++;
	return n;
}

START_TEST(test_load_populated)
{
	char path[512];
	dbf_path(path, sizeof path, "pool.db");
	make_db(path);
	int64_t want =
		dbf_query_int(path, "SELECT value FROM pooldns_meta WHERE key = 'data_version'");
	ck_assert_int_gt(want, 1); /* the triggers bumped it */

	char err[256] = "";
	struct pooldns_source *s = pooldns_source_sqlite_new(path, err, sizeof err);
	ck_assert_msg(s != NULL, "sqlite_new: %s", err);
	ck_assert_str_eq(s->ops->name, "sqlite");
	char desc[600];
	snprintf(desc, sizeof desc, "sqlite %s", path);
	ck_assert_str_eq(s->ops->describe(s), desc);

	int64_t v = 0;
	ck_assert_msg(s->ops->version(s, &v, err, sizeof err) == 0, "version: %s", err);
	ck_assert_int_eq(v, want);

	struct pooldns_dataset ds = { 0 };
	ck_assert_msg(s->ops->load(s, &ds, err, sizeof err) == 0, "load: %s", err);
	ck_assert_int_eq(ds.version, want);
	ck_assert_uint_eq(ds.pools->ncols, 16);
	ck_assert_str_eq(ds.pools->cols[0], "id");
	ck_assert_str_eq(ds.pools->cols[15], "check_fall");
	ck_assert_uint_eq(ds.members->ncols, 6);
	ck_assert_str_eq(ds.members->cols[5], "enabled");
	ck_assert_uint_eq(ds.pools->nrows,
			  (size_t)dbf_query_int(path, "SELECT count(*) FROM dns_zone"));
	ck_assert_uint_eq(ds.members->nrows,
			  (size_t)dbf_query_int(path, "SELECT count(*) FROM dns_zone_member"));

	long r = pool_row(ds.pools, "google.com.");
	ck_assert_int_ge(r, 0);
	const struct pooldns_cell *id = pooldns_table_cell(ds.pools, (size_t)r, 0);
	ck_assert_int_eq(id->type, POOLDNS_CELL_INT);
	ck_assert_uint_eq(members_of(ds.members, id->i), 4);
	/* types map through: TEXT policy, INT ttl, NULL check_port */
	ck_assert_int_eq(pooldns_table_cell(ds.pools, (size_t)r, 2)->type, POOLDNS_CELL_INT);
	ck_assert_int_eq(pooldns_table_cell(ds.pools, (size_t)r, 2)->i, 30);
	ck_assert_str_eq(pooldns_table_cell(ds.pools, (size_t)r, 3)->s, "round_robin");
	ck_assert_int_eq(pooldns_table_cell(ds.pools, (size_t)r, 7)->type, POOLDNS_CELL_NULL);
	pooldns_dataset_clear(&ds);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_sees_changes_and_replacement)
{
	char path[512], other[512];
	dbf_path(path, sizeof path, "live.db");
	dbf_path(other, sizeof other, "next.db");
	make_db(path);
	char err[256] = "";
	struct pooldns_source *s = pooldns_source_sqlite_new(path, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	int64_t v1 = 0, v2 = 0;
	ck_assert_int_eq(s->ops->version(s, &v1, err, sizeof err), 0);

	/* another writer adds a member: the version moves and load sees it */
	sqlite3 *w = dbf_open_rw(path);
	dbf_exec(w, "INSERT INTO dns_zone_member (dns_zone, host) VALUES (1, '192.0.2.99')");
	sqlite3_close(w);
	ck_assert_int_eq(s->ops->version(s, &v2, err, sizeof err), 0);
	ck_assert_int_eq(v2, v1 + 1);
	struct pooldns_dataset ds = { 0 };
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), 0);
	ck_assert_int_eq(ds.version, v2);
	ck_assert_uint_eq(members_of(ds.members, 1), 5);
	pooldns_dataset_clear(&ds);

	/* the file is replaced by rename: the source follows the path */
	w = dbf_open_rw(other);
	dbf_exec_json_file(w, "schema.json");
	dbf_exec(w, "INSERT INTO dns_zone (id, name) VALUES (9, 'only.example.')");
	sqlite3_close(w);
	ck_assert_int_eq(rename(other, path), 0);
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), 0);
	ck_assert_int_eq(ds.version, 2);
	ck_assert_uint_eq(ds.pools->nrows, 1);
	ck_assert_str_eq(pooldns_table_cell(ds.pools, 0, 1)->s, "only.example.");
	ck_assert_uint_eq(ds.members->nrows, 0);
	pooldns_dataset_clear(&ds);

	/* the file goes away: a clean error, and it comes back */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(s->ops->version(s, &v1, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL, "err: %s", err);
	make_db(path);
	ck_assert_msg(s->ops->version(s, &v1, err, sizeof err) == 0, "%s", err);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_missing_and_foreign)
{
	char path[512];
	char err[256] = "";
	dbf_path(path, sizeof path, "does-not-exist.db");
	ck_assert_ptr_null(pooldns_source_sqlite_new(path, err, sizeof err));
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "No such file") != NULL, "%s", err);
	ck_assert_ptr_null(pooldns_source_sqlite_new("", err, sizeof err));
	ck_assert_ptr_null(pooldns_source_sqlite_new(NULL, err, sizeof err));
	ck_assert_ptr_null(pooldns_source_sqlite_new(dbf_dir(), err, sizeof err));
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);

	/* not a database at all */
	dbf_path(path, sizeof path, "text.db");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite database\n", f);
	fclose(f);
	ck_assert_ptr_null(pooldns_source_sqlite_new(path, err, sizeof err));
	ck_assert_msg(strstr(err, "not a database") != NULL, "%s", err);
}
END_TEST

START_TEST(test_wrong_schema)
{
	char path[512];
	char err[256] = "";
	dbf_path(path, sizeof path, "other.db");
	sqlite3 *w = dbf_open_rw(path);
	dbf_exec(w, "CREATE TABLE something (x INTEGER)");
	sqlite3_close(w);
	struct pooldns_source *s = pooldns_source_sqlite_new(path, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	int64_t v = -7;
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	char want[600];
	snprintf(want, sizeof want, "sqlite %s: no such table: pooldns_meta (schema not loaded?)",
		 path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(v, -7);
	struct pooldns_dataset ds = { .pools = (void *)1, .members = (void *)1 };
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), -1);
	ck_assert_ptr_null(ds.pools);
	ck_assert_ptr_null(ds.members);

	/* meta without a data_version row; then a non-integer one */
	w = dbf_open_rw(path);
	dbf_exec_json_file(w, "schema.json");
	dbf_exec(w, "DELETE FROM pooldns_meta WHERE key = 'data_version'");
	sqlite3_close(w);
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no data_version row") != NULL, "%s", err);
	w = dbf_open_rw(path);
	dbf_exec(w, "INSERT INTO pooldns_meta (key, value) VALUES ('data_version', 'abc')");
	sqlite3_close(w);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a single integer") != NULL, "%s", err);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_nul_in_text)
{
	char path[512];
	char err[256] = "";
	dbf_path(path, sizeof path, "nul.db");
	make_db(path);
	sqlite3 *w = dbf_open_rw(path);
	dbf_exec(w, "INSERT INTO dns_zone_member (dns_zone, host) VALUES (2, "
		    "CAST(x'3139322e302e322e3100' AS TEXT))");
	sqlite3_close(w);
	struct pooldns_source *s = pooldns_source_sqlite_new(path, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	struct pooldns_dataset ds = { 0 };
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "column host: NUL byte in text") != NULL, "%s", err);
	ck_assert_ptr_null(ds.members);
	/* a blob without NUL is read as its bytes */
	w = dbf_open_rw(path);
	dbf_exec(w, "UPDATE dns_zone_member SET host = x'3139322e302e322e3939' WHERE "
		    "instr(CAST(host AS BLOB), x'00') > 0");
	sqlite3_close(w);
	ck_assert_msg(s->ops->load(s, &ds, err, sizeof err) == 0, "%s", err);
	int hc = pooldns_table_col(ds.members, "host");
	bool found = false;
	for (size_t r = 0; r < ds.members->nrows; r++)
		if (strcmp(pooldns_table_cell(ds.members, r, (size_t)hc)->s, "192.0.2.99") == 0)
			found = true;
	ck_assert(found);
	pooldns_dataset_clear(&ds);
	pooldns_source_destroy(s);
}
END_TEST

static Suite *source_sqlite_suite(void)
{
	Suite *s = suite_create("source_sqlite");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, dbf_setup_dir, dbf_teardown_dir);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_load_populated);
	tcase_add_test(tc, test_sees_changes_and_replacement);
	tcase_add_test(tc, test_missing_and_foreign);
	tcase_add_test(tc, test_wrong_schema);
	tcase_add_test(tc, test_nul_in_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(source_sqlite_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
