/*
 * dbfixture.h — SQLite database files for the source tests: a temporary
 * directory made and removed around a test case, and databases built by
 * running the project's rqlite /db/execute payloads (schema.json,
 * populate_data.json, tests/data/schema-v1.json) through SQLite, as the
 * README tells users to do.
 *
 * Every helper fails the test (ck_assert) on error. Needs the source tree:
 * POOLDNS_SRCDIR (or automake's srcdir) names it.
 *
 * Thread model: Check forks each test; dbf_setup_dir / dbf_teardown_dir are
 * meant as an unchecked fixture, run in the parent, so the directory goes
 * even when a test fails.
 */
#ifndef POOLDNS_DBFIXTURE_H
#define POOLDNS_DBFIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

void dbf_setup_dir(void);
void dbf_teardown_dir(void);
/* The temporary directory ("" when it could not be made). */
const char *dbf_dir(void);
/* buf = "<dir>/<name>". */
void dbf_path(char *buf, size_t sz, const char *name);
/* The top of the source tree. */
const char *dbf_srcdir(void);

/* Opens path read-write (creating it) with foreign keys on, as rqlited -fk. */
sqlite3 *dbf_open_rw(const char *path);
void dbf_exec(sqlite3 *db, const char *sql);
/* Runs every statement of a JSON array file under the source tree. */
void dbf_exec_json_file(sqlite3 *db, const char *name);
/* Runs the JSON files (NULL-terminated list) on a database at path. */
void dbf_make(const char *path, const char *first, ...) __attribute__((sentinel));
/* The first column of the first row of sql, as an integer. */
int64_t dbf_query_int(const char *path, const char *sql);
int64_t dbf_query_int_db(sqlite3 *db, const char *sql);

#endif
