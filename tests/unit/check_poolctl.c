/*
 * check_poolctl.c — unit tests for poolctl's checks and file parser
 * (poolctl/columns.c, data.c, diff.c, sql.c, rqlite_execute.c, dnsprobe.c):
 * command-line and JSON values, canonical names and addresses, the import
 * file (syntax errors with line and column, wrong format or version, unknown
 * keys, values the loader refuses, with their JSON paths, duplicates), the
 * export text round trip, the changes and statements between two data sets,
 * rqlite's execute answers and --server values; and, on SQLite files built
 * from schema.json + populate_data.json, that a write is refused whole when
 * the data changed after it was read.
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbfixture.h"
#include "poolctl/backend.h"
#include "poolctl/cmd.h"
#include "poolctl/columns.h"
#include "poolctl/data.h"
#include "poolctl/diff.h"
#include "poolctl/dnsprobe.h"

static const char GOOD[] =
	"{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":["
	"{\"name\":\"WWW.Example.com\",\"ttl\":60,\"policy\":\"all\",\"members\":["
	"{\"host\":\"2001:DB8:0::10\"},{\"host\":\"192.0.2.11\",\"enabled\":false},"
	"{\"host\":\"192.0.2.9\",\"weight\":3}]},"
	"{\"name\":\"a.example.\",\"check_type\":\"tcp\",\"check_port\":443}]}";

/* Parses text; returns the number of messages, first one in first. */
static size_t parse(const char *text, struct pctl_data *d, char *first, size_t firstsz)
{
	struct pctl_errs e;

	memset(&e, 0, sizeof(e));
	memset(d, 0, sizeof(*d));
	int rc = pctl_data_parse(d, text, strlen(text), "t.json", &e);
	ck_assert_int_eq(rc, e.n == 0 ? 0 : -1);
	if (first != NULL)
		snprintf(first, firstsz, "%s", e.n > 0 ? e.msg[0] : "");
	return e.n;
}

/* The text must be refused with a first message containing want. */
static void refused(const char *text, const char *want)
{
	struct pctl_data d;
	char first[PCTL_ERR_MAX];

	ck_assert_uint_gt(parse(text, &d, first, sizeof(first)), 0);
	if (strstr(first, want) == NULL)
		ck_abort_msg("message \"%s\" lacks \"%s\"", first, want);
	pctl_data_free(&d);
}

START_TEST(test_values)
{
	struct pooldns_cell c;
	char err[256], out[300];
	int fam;
	uint8_t addr[16];

	ck_assert_int_eq(pctl_cell_from_text(&pctl_pool_cols[2], "86400", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.i, 86400);
	ck_assert_int_ne(pctl_cell_from_text(&pctl_pool_cols[2], "3x", &c, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_cell_from_text(&pctl_pool_cols[2], "", &c, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_cell_from_text(&pctl_pool_cols[2], " 3", &c, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_cell_from_text(&pctl_pool_cols[2], "99999999999999999999", &c, err,
					     sizeof(err)),
			 0);
	/* check_port may be null: an empty value */
	ck_assert_int_eq(pctl_cell_from_text(&pctl_pool_cols[7], "", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.type, POOLDNS_CELL_NULL);
	ck_assert_int_eq(pctl_cell_from_text(&pctl_member_cols[5], "no", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.i, 0);
	ck_assert_int_eq(pctl_cell_from_text(&pctl_member_cols[5], "TRUE", &c, err, sizeof(err)),
			 0);
	ck_assert_int_eq(c.i, 1);
	ck_assert_int_ne(pctl_cell_from_text(&pctl_member_cols[5], "2", &c, err, sizeof(err)), 0);
	/* text goes into JSON (the file, rqlite): UTF-8 only */
	ck_assert_int_eq(
		pctl_cell_from_text(&pctl_pool_cols[11], "caf\xc3\xa9", &c, err, sizeof(err)), 0);
	pctl_cell_clear(&c);
	ck_assert_int_ne(pctl_cell_from_text(&pctl_pool_cols[11], "o\xe9k", &c, err, sizeof(err)),
			 0);
	ck_assert_str_eq(err, "check_body: the value is not UTF-8 text");
	ck_assert_int_eq(pctl_col_find(pctl_pool_cols, POOLDNS_POOL_NCOLS, "id"), -1);
	ck_assert_int_eq(pctl_col_find(pctl_member_cols, POOLDNS_MEMBER_NCOLS, "dns_zone"), -1);
	/* the column table follows the loader's column list */
	for (size_t k = 0; k < POOLDNS_POOL_NCOLS; k++)
		ck_assert_str_eq(pctl_pool_cols[k].name, pooldns_pool_columns[k]);
	for (size_t k = 0; k < POOLDNS_MEMBER_NCOLS; k++)
		ck_assert_str_eq(pctl_member_cols[k].name, pooldns_member_columns[k]);

	ck_assert_int_eq(pctl_name_canonical("WWW.Example.COM", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "www.example.com.");
	ck_assert_int_ne(pctl_name_canonical("a..b", out, sizeof(out)), 0);
	ck_assert_int_ne(pctl_name_canonical(".", out, sizeof(out)), 0);
	ck_assert_int_eq(pctl_host_canonical("2001:DB8:0::1", out, sizeof(out), &fam, addr), 0);
	ck_assert_str_eq(out, "2001:db8::1");
	ck_assert_int_ne(pctl_host_canonical("10.0.0.256", out, sizeof(out), &fam, addr), 0);
	ck_assert_int_ne(pctl_host_canonical("010.0.0.1", out, sizeof(out), &fam, addr), 0);
	ck_assert_int_ne(pctl_host_canonical("example.com", out, sizeof(out), &fam, addr), 0);
}
END_TEST

START_TEST(test_parse_good)
{
	struct pctl_data d;
	char first[PCTL_ERR_MAX];

	ck_assert_uint_eq(parse(GOOD, &d, first, sizeof(first)), 0);
	ck_assert_uint_eq(d.np, 2);
	/* sorted by canonical name */
	ck_assert_str_eq(d.p[0].c[PCTL_P_NAME].s, "a.example.");
	ck_assert_str_eq(d.p[1].c[PCTL_P_NAME].s, "www.example.com.");
	/* defaults */
	ck_assert_int_eq(d.p[0].c[2].i, 30);
	ck_assert_str_eq(d.p[0].c[3].s, "round_robin");
	ck_assert_int_eq(d.p[1].c[7].type, POOLDNS_CELL_NULL);
	/* members: IPv4 by address, then IPv6; canonical */
	ck_assert_uint_eq(d.p[1].nm, 3);
	ck_assert_str_eq(d.p[1].m[0].c[PCTL_M_HOST].s, "192.0.2.9");
	ck_assert_int_eq(d.p[1].m[0].c[3].i, 3);
	ck_assert_str_eq(d.p[1].m[1].c[PCTL_M_HOST].s, "192.0.2.11");
	ck_assert_int_eq(d.p[1].m[1].c[PCTL_M_ENABLED].i, 0);
	ck_assert_str_eq(d.p[1].m[2].c[PCTL_M_HOST].s, "2001:db8::10");

	/* export text, parsed again, gives the same text */
	json_t *j = pctl_data_to_json(&d);
	char *t1 = pctl_json_text(j);
	json_decref(j);
	struct pctl_data d2;
	ck_assert_uint_eq(parse(t1, &d2, NULL, 0), 0);
	j = pctl_data_to_json(&d2);
	char *t2 = pctl_json_text(j);
	json_decref(j);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_nonnull(strstr(t1, "\n  \"pools\": [\n"));
	ck_assert_int_eq(t1[strlen(t1) - 1], '\n');
	free(t1);
	free(t2);
	pctl_data_free(&d);
	pctl_data_free(&d2);
}
END_TEST

START_TEST(test_parse_bad)
{
	refused("{\"format\":\"pooldns-pools\",\n\"version\":1,\n\"pools\":[}", "t.json:3:");
	refused("", "t.json:");
	refused("[]", "one JSON object");
	refused("{\"format\":\"x\",\"version\":1,\"pools\":[]}", "format");
	refused("{\"format\":\"pooldns-pools\",\"version\":2,\"pools\":[]}", "version");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":{}}",
		"pools: must be an array");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[],\"x\":1}", "unknown key");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"version\":1,\"pools\":[]}",
		"t.json:1:");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"ttl\":5}]}",
		"pools[0]: \"name\" is missing");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\",\"tll\":5}"
		"]}",
		"pools[0]: unknown key \"tll\"");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\",\"ttl\":"
		"\"5\"}]}",
		"pools[0].ttl: must be an integer, not a string");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\",\"ttl\":5."
		"5}]}",
		"pools[0].ttl: must be an integer");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\","
		"\"policy\":\"rr\"}]}",
		"pools[0] (\"a.\"): unknown policy \"rr\"");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\",\"ttl\":"
		"86401}]}",
		"ttl 86401 is out of range 0..86400");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\",\"check_"
		"type\":\"tcp\"}]}",
		"check_type tcp needs a check_port");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\",\"check_"
		"path\":\"x\"}]}",
		"check_path");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a..\"}]}",
		"pools[0] (\"a..\"): name is not a domain name");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\"},{"
		"\"name\":\"A\"}]}",
		"duplicate pool name");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\","
		"\"members\":"
		"[{\"host\":\"10.0.0.300\"}]}]}",
		"pools[0] (\"a.\").members[0] (\"10.0.0.300\"): host \"10.0.0.300\" is not an IPv4 "
		"or IPv6");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\","
		"\"members\":"
		"[{\"host\":\"::1\"},{\"host\":\"0::1\"}]}]}",
		"duplicate host");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\","
		"\"members\":"
		"[{\"host\":\"10.0.0.1\",\"enabled\":1}]}]}",
		"members[0].enabled: must be true or false");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\","
		"\"members\":"
		"[{\"host\":\"10.0.0.1\",\"weight\":0}]}]}",
		"weight 0 is out of range");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a.\","
		"\"members\":{}}]}",
		"members: must be an array");
	refused("{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[{\"name\":\"a\\u0000b.\"}]"
		"}",
		"NUL");
}
END_TEST

/* More than PCTL_ERRS_KEEP errors: all counted, the first ones kept. */
START_TEST(test_many_errors)
{
	char buf[8192];
	size_t o = (size_t)snprintf(buf, sizeof(buf),
				    "{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":[");
	struct pctl_data d;

	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s{\"name\":\"p%d.\",\"ttl\":-1}",
				      i ? "," : "", i);
	snprintf(buf + o, sizeof(buf) - o, "]}");
	ck_assert_uint_eq(parse(buf, &d, NULL, 0), 30);
	pctl_data_free(&d);
}
END_TEST

START_TEST(test_diff)
{
	struct pctl_data cur, want;
	struct pctl_diff df;
	struct pctl_batch b = { 0 };
	const char *next =
		"{\"format\":\"pooldns-pools\",\"version\":1,\"pools\":["
		"{\"name\":\"www.example.com.\",\"ttl\":61,\"policy\":\"all\",\"members\":["
		"{\"host\":\"2001:db8::10\"},{\"host\":\"192.0.2.11\",\"enabled\":true},"
		"{\"host\":\"192.0.2.12\"}]},"
		"{\"name\":\"b.example.\",\"members\":[{\"host\":\"10.0.0.1\"}]}]}";

	ck_assert_uint_eq(parse(GOOD, &cur, NULL, 0), 0);
	ck_assert_uint_eq(parse(next, &want, NULL, 0), 0);
	ck_assert_int_eq(pctl_diff_make(&cur, &want, &df), 0);
	/* - pool a, + pool b, + member b 10.0.0.1, ~ pool www (ttl),
	 * - member 192.0.2.9, ~ member 192.0.2.11, + member 192.0.2.12 */
	ck_assert_uint_eq(df.n, 7);
	json_t *j = pctl_diff_json(&df);
	char *s = json_dumps(j, JSON_COMPACT);
	ck_assert_ptr_nonnull(strstr(s, "{\"op\":\"remove\",\"pool\":\"a.example.\"}"));
	ck_assert_ptr_nonnull(strstr(s, "\"fields\":{\"ttl\":{\"old\":60,\"new\":61}}"));
	ck_assert_ptr_nonnull(strstr(
		s,
		"\"host\":\"192.0.2.11\",\"fields\":{\"enabled\":{\"old\":false,\"new\":true}}"));
	free(s);
	json_decref(j);
	ck_assert_int_eq(pctl_diff_statements(&df, &b), 0);
	/* member delete; pool delete (2 statements); pool update; pool insert +
	 * its member; member update; member insert */
	ck_assert_uint_eq(b.n, 8);
	ck_assert_ptr_nonnull(strstr(b.v[0].sql, "DELETE FROM dns_zone_member"));
	ck_assert_ptr_nonnull(strstr(b.v[3].sql, "UPDATE dns_zone SET"));
	ck_assert_ptr_nonnull(strstr(b.v[4].sql, "INSERT INTO dns_zone "));
	ck_assert_ptr_nonnull(strstr(b.v[7].sql, "INSERT INTO dns_zone_member"));
	for (size_t i = 0; i < b.n; i++)
		ck_assert_ptr_null(strstr(b.v[i].sql, "192.0.2")); /* values are parameters */
	pctl_batch_free(&b);
	pctl_diff_free(&df);
	/* equal data: no change */
	ck_assert_int_eq(pctl_diff_make(&want, &want, &df), 0);
	ck_assert_uint_eq(df.n, 0);
	pctl_diff_free(&df);
	pctl_data_free(&cur);
	pctl_data_free(&want);
}
END_TEST

/* A name or host as stored (another spelling of the canonical one) is
 * printed escaped: stored text cannot start lines of its own. */
START_TEST(test_diff_stored_text)
{
	struct pctl_data cur, want;
	struct pctl_diff df;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_uint_eq(parse(GOOD, &cur, NULL, 0), 0);
	ck_assert_uint_eq(parse(GOOD, &want, NULL, 0), 0);
	cur.p[0].db_name = strdup("A.EXAMPLE\n+ pool forged.example.");
	cur.p[1].m[0].db_host = strdup("192.0.2.009\r");
	ck_assert_int_eq(pctl_diff_make(&cur, &want, &df), 0);
	ck_assert_uint_eq(df.n, 2);
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	pctl_diff_print(&df, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "stored as \"A.EXAMPLE\\x0a+ pool forged.example.\"\n"));
	ck_assert_ptr_nonnull(strstr(out, "stored as \"192.0.2.009\\x0d\"\n"));
	ck_assert_ptr_eq(strchr(strchr(out, '\n') + 1, '\n'), out + len - 1);
	free(out);
	pctl_diff_free(&df);
	pctl_data_free(&cur);
	pctl_data_free(&want);
}
END_TEST

START_TEST(test_execute_answer)
{
	int64_t aff[2] = { -1, -1 };
	char err[256];
	const char *ok =
		"{\"results\":[{\"last_insert_id\":3,\"rows_affected\":1},{\"rows_affected\":0}]}";
	const char *bad =
		"{\"results\":[{\"rows_affected\":1},{\"error\":\"UNIQUE constraint failed\"}]}";

	ck_assert_int_eq(pctl_rqlite_parse_execute(ok, strlen(ok), 2, aff, err, sizeof(err)), 0);
	ck_assert_int_eq(aff[0], 1);
	ck_assert_int_eq(aff[1], 0);
	ck_assert_int_ne(pctl_rqlite_parse_execute(bad, strlen(bad), 2, aff, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "statement 2: UNIQUE constraint failed");
	ck_assert_int_ne(pctl_rqlite_parse_execute(ok, strlen(ok), 3, aff, err, sizeof(err)), 0);
	ck_assert_int_ne(
		pctl_rqlite_parse_execute("{\"error\":\"x\"}", 13, 1, NULL, err, sizeof(err)), 0);
	ck_assert_int_ne(
		pctl_rqlite_parse_execute("{\"results\":[1]}", 15, 1, NULL, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_rqlite_parse_execute("{\"results\":[{\"rows_affected\":-1}]}", 34, 1,
						   NULL, err, sizeof(err)),
			 0);
	ck_assert_int_ne(pctl_rqlite_parse_execute("nope", 4, 1, NULL, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_server_arg)
{
	struct pctl_dns_server s;
	char err[256];

	ck_assert_int_eq(pctl_dns_server_parse("127.0.0.1", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.port, 53);
	ck_assert_int_eq(pctl_dns_server_parse("127.0.0.1:5353", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.port, 5353);
	ck_assert(!s.v6);
	ck_assert_int_eq(pctl_dns_server_parse("[::1]:99", &s, err, sizeof(err)), 0);
	ck_assert(s.v6);
	ck_assert_int_eq(s.port, 99);
	ck_assert_int_eq(pctl_dns_server_parse("2001:db8::1", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.port, 53);
	ck_assert_int_ne(pctl_dns_server_parse("ns.example.com", &s, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_dns_server_parse("127.0.0.1:0", &s, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_dns_server_parse("127.0.0.1:65536", &s, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_dns_server_parse("[::1", &s, err, sizeof(err)), 0);
	ck_assert_int_ne(pctl_dns_server_parse("", &s, err, sizeof(err)), 0);
}
END_TEST

/* A write after someone else's: refused whole (exit 7), then applied on a
 * fresh read. */
START_TEST(test_changed_under_us)
{
	char path[512], err[512];
	struct pctl_ctx c;
	struct pctl_data cur, want;

	dbf_path(path, sizeof(path), "pools.db");
	dbf_make(path, "schema.json", "populate_data.json", NULL);
	memset(&c, 0, sizeof(c));
	c.be = pctl_backend_sqlite_open(path, err, sizeof(err));
	ck_assert_msg(c.be != NULL, "%s", err);
	ck_assert_int_eq(pctl_read(&c, "google.com.", &cur), PCTL_EXIT_OK);
	ck_assert_uint_eq(cur.np, 1);
	ck_assert_uint_eq(cur.p[0].nm, 4);
	ck_assert_int_eq(pctl_data_copy(&want, &cur), 0);
	pctl_cell_clear(&want.p[0].c[2]);
	want.p[0].c[2].type = POOLDNS_CELL_INT;
	want.p[0].c[2].i = 77;

	/* someone else writes in between */
	sqlite3 *db = dbf_open_rw(path);
	dbf_exec(db, "UPDATE dns_zone_member SET weight = 9 WHERE host = '142.250.180.14'");
	sqlite3_close(db);
	int64_t v =
		dbf_query_int(path, "SELECT value FROM pooldns_meta WHERE key = 'data_version'");
	ck_assert_int_ne(v, cur.version);
	ck_assert_int_eq(pctl_apply(&c, &cur, &want, "", false, true), PCTL_EXIT_CHANGED);
	ck_assert_int_eq(dbf_query_int(path, "SELECT ttl FROM dns_zone WHERE name = 'google.com.'"),
			 30);
	ck_assert_int_eq(
		dbf_query_int(path, "SELECT value FROM pooldns_meta WHERE key = 'data_version'"),
		v);
	/* the same change after a fresh read: written, the other write kept */
	pctl_data_free(&cur);
	ck_assert_int_eq(pctl_read(&c, "google.com.", &cur), PCTL_EXIT_OK);
	ck_assert_int_eq(cur.version, v);
	ck_assert_int_eq(pctl_apply(&c, &cur, &want, "", false, true), PCTL_EXIT_OK);
	ck_assert_int_eq(dbf_query_int(path, "SELECT ttl FROM dns_zone WHERE name = 'google.com.'"),
			 77);
	/* want was copied before the other write: its weight 1 wins, as asked */
	ck_assert_int_eq(
		dbf_query_int(path,
			      "SELECT weight FROM dns_zone_member WHERE host = '142.250.180.14'"),
		1);
	ck_assert_int_eq(dbf_query_int(path, "SELECT count(*) FROM dns_zone_member"), 21);
	pctl_data_free(&cur);
	pctl_data_free(&want);
	pctl_backend_close(c.be);
}
END_TEST

static Suite *poolctl_suite(void)
{
	Suite *s = suite_create("poolctl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_diff_stored_text);
	tcase_add_test(tc, test_execute_answer);
	tcase_add_test(tc, test_server_arg);
	suite_add_tcase(s, tc);
	tc = tcase_create("sqlite");
	tcase_add_unchecked_fixture(tc, dbf_setup_dir, dbf_teardown_dir);
	tcase_add_test(tc, test_changed_under_us);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(poolctl_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
