/*
 * dbfixture.c — temporary SQLite databases built from the project's JSON
 * payloads (see dbfixture.h). Owns the temporary directory's name.
 *
 * Thread model: none; one test process at a time uses it.
 */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "dbfixture.h"

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void dbf_setup_dir(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/pooldns-sqlite-XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		tmpdir[0] = '\0';
}

void dbf_teardown_dir(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *dbf_dir(void)
{
	return tmpdir;
}

void dbf_path(char *buf, size_t sz, const char *name)
{
	ck_assert_msg(tmpdir[0] != '\0', "could not create a temporary directory");
	snprintf(buf, sz, "%s/%s", tmpdir, name);
}

const char *dbf_srcdir(void)
{
	const char *d = getenv("POOLDNS_SRCDIR");
	if (d == NULL || d[0] == '\0')
		d = getenv("srcdir");
	ck_assert_msg(d != NULL && d[0] != '\0',
		      "POOLDNS_SRCDIR is not set: it must name the source tree (schema.json)");
	return d;
}

void dbf_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
}

sqlite3 *dbf_open_rw(const char *path)
{
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	dbf_exec(db, "PRAGMA foreign_keys = ON");
	return db;
}

void dbf_exec_json_file(sqlite3 *db, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dbf_srcdir(), name);
	json_error_t jerr;
	json_t *a = json_load_file(path, 0, &jerr);
	ck_assert_msg(a != NULL, "%s: %s", path, jerr.text);
	ck_assert(json_is_array(a));
	ck_assert_uint_gt(json_array_size(a), 0);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *sql = json_string_value(json_array_get(a, i));
		ck_assert_ptr_nonnull(sql);
		char *msg = NULL;
		int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
		ck_assert_msg(rc == SQLITE_OK, "%s[%zu]: %s", name, i, msg ? msg : "?");
	}
	json_decref(a);
}

void dbf_make(const char *path, const char *first, ...)
{
	sqlite3 *db = dbf_open_rw(path);
	va_list ap;
	va_start(ap, first);
	for (const char *f = first; f != NULL; f = va_arg(ap, const char *))
		dbf_exec_json_file(db, f);
	va_end(ap);
	sqlite3_close(db);
}

int64_t dbf_query_int_db(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t dbf_query_int(const char *path, const char *sql)
{
	sqlite3 *db = dbf_open_rw(path);
	int64_t v = dbf_query_int_db(db, sql);
	sqlite3_close(db);
	return v;
}
