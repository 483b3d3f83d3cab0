/*
 * check_rqlite_json.c — unit tests for core/source/rqlite_json.c on real rqlite 8
 * response shapes (empty results without "values", per-statement SQL
 * errors, top-level errors) and on malformed input: wrong statement count,
 * bad cell kinds, integers beyond int64, truncated JSON, duplicate keys,
 * ragged rows, tiny error buffers; optional statements (the change log's),
 * whose error leaves a NULL table instead of failing the parse.
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/source/rqlite_json.h"

/* What rqlite 8.26 answered for the three load statements (trimmed). */
static const char real_load[] =
	"{\"results\":["
	"{\"columns\":[\"value\"],\"types\":[\"integer\"],\"values\":[[27]]},"
	"{\"columns\":[\"id\",\"name\",\"ttl\",\"check_port\"],"
	"\"types\":[\"integer\",\"text\",\"integer\",\"integer\"],"
	"\"values\":[[1,\"google.com.\",30,null],[2,\"www.example.com.\",60,8080]]},"
	"{\"columns\":[\"id\",\"dns_zone\",\"host\"],\"types\":[\"integer\",\"integer\",\"text\"]}"
	"],\"time\":0.000123}";

static int parse(const char *body, struct pooldns_table **out, size_t n, char *err, size_t errsz)
{
	return pooldns_rqlite_parse_results(body, strlen(body), out, n, err, errsz);
}

static void free_all(struct pooldns_table **t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pooldns_table_free(t[i]);
}

/* Expects failure with exactly this message and nothing left in out. */
static void expect_fail(const char *body, size_t n, const char *msg)
{
	struct pooldns_table *t[4] = { (void *)1, (void *)1, (void *)1, (void *)1 };
	char err[256] = "";
	ck_assert_int_eq(parse(body, t, n, err, sizeof err), -1);
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_null(t[i]);
	ck_assert_msg(strstr(err, msg) != NULL, "error '%s' does not contain '%s'", err, msg);
}

START_TEST(test_real_shape)
{
	struct pooldns_table *t[3];
	char err[256] = "";
	ck_assert_int_eq(parse(real_load, t, 3, err, sizeof err), 0);
	ck_assert_uint_eq(t[0]->ncols, 1);
	ck_assert_uint_eq(t[0]->nrows, 1);
	ck_assert_str_eq(t[0]->cols[0], "value");
	ck_assert_int_eq(pooldns_table_cell(t[0], 0, 0)->type, POOLDNS_CELL_INT);
	ck_assert_int_eq(pooldns_table_cell(t[0], 0, 0)->i, 27);

	ck_assert_uint_eq(t[1]->ncols, 4);
	ck_assert_uint_eq(t[1]->nrows, 2);
	ck_assert_int_eq(pooldns_table_col(t[1], "check_port"), 3);
	ck_assert_str_eq(pooldns_table_cell(t[1], 0, 1)->s, "google.com.");
	ck_assert_int_eq(pooldns_table_cell(t[1], 0, 3)->type, POOLDNS_CELL_NULL);
	ck_assert_int_eq(pooldns_table_cell(t[1], 1, 3)->i, 8080);
	ck_assert_int_eq(pooldns_table_cell(t[1], 1, 2)->i, 60);

	/* empty result: "values" omitted */
	ck_assert_uint_eq(t[2]->ncols, 3);
	ck_assert_uint_eq(t[2]->nrows, 0);
	ck_assert_str_eq(t[2]->cols[2], "host");
	free_all(t, 3);
}
END_TEST

START_TEST(test_values_variants)
{
	struct pooldns_table *t[1];
	char err[256] = "";
	/* empty array, null values, no "types" at all, reals, unicode text */
	ck_assert_int_eq(
		parse("{\"results\":[{\"columns\":[\"a\"],\"values\":[]}]}", t, 1, err, sizeof err),
		0);
	ck_assert_uint_eq(t[0]->nrows, 0);
	pooldns_table_free(t[0]);
	ck_assert_int_eq(parse("{\"results\":[{\"columns\":[\"a\"],\"values\":null}]}", t, 1, err,
			       sizeof err),
			 0);
	ck_assert_uint_eq(t[0]->nrows, 0);
	pooldns_table_free(t[0]);

	const char *b = "{\"results\":[{\"columns\":[\"a\",\"b\",\"c\",\"d\"],"
			"\"values\":[[1.5,1e3,-0,\"caf\\u00e9\"],[-9223372036854775808,"
			"9223372036854775807,0.0,\"\"]]}]}";
	ck_assert_int_eq(parse(b, t, 1, err, sizeof err), 0);
	ck_assert_int_eq(pooldns_table_cell(t[0], 0, 0)->type, POOLDNS_CELL_REAL);
	ck_assert_double_eq(pooldns_table_cell(t[0], 0, 0)->r, 1.5);
	ck_assert_int_eq(pooldns_table_cell(t[0], 0, 1)->type, POOLDNS_CELL_REAL);
	ck_assert_double_eq(pooldns_table_cell(t[0], 0, 1)->r, 1000.0);
	ck_assert_int_eq(pooldns_table_cell(t[0], 0, 2)->type, POOLDNS_CELL_INT);
	ck_assert_str_eq(pooldns_table_cell(t[0], 0, 3)->s, "caf\xc3\xa9");
	ck_assert_int_eq(pooldns_table_cell(t[0], 1, 0)->i, INT64_MIN);
	ck_assert_int_eq(pooldns_table_cell(t[0], 1, 1)->i, INT64_MAX);
	ck_assert_int_eq(pooldns_table_cell(t[0], 1, 2)->type, POOLDNS_CELL_REAL);
	ck_assert_int_eq(pooldns_table_cell(t[0], 1, 3)->type, POOLDNS_CELL_TEXT);
	ck_assert_str_eq(pooldns_table_cell(t[0], 1, 3)->s, "");
	pooldns_table_free(t[0]);

	/* unknown keys are ignored; zero statements is a valid request */
	ck_assert_int_eq(parse("{\"results\":[],\"time\":1}", t, 0, err, sizeof err), 0);
}
END_TEST

START_TEST(test_not_nul_terminated)
{
	/* body followed by garbage that is outside len */
	const char *full = "{\"results\":[{\"columns\":[\"a\"],\"values\":[[5]]}]}GARBAGE";
	size_t len = strlen(full) - strlen("GARBAGE");
	struct pooldns_table *t[1];
	char err[256] = "";
	ck_assert_int_eq(pooldns_rqlite_parse_results(full, len, t, 1, err, sizeof err), 0);
	ck_assert_int_eq(pooldns_table_cell(t[0], 0, 0)->i, 5);
	pooldns_table_free(t[0]);
	ck_assert_int_eq(pooldns_rqlite_parse_results(full, strlen(full), t, 1, err, sizeof err),
			 -1);
	ck_assert_ptr_null(t[0]);
}
END_TEST

START_TEST(test_sql_errors)
{
	/* an error in any statement fails the whole parse with rqlite's text */
	expect_fail("{\"results\":[{\"error\":\"no such table: dns_zone\"}]}", 1,
		    "no such table: dns_zone");
	expect_fail("{\"results\":[{\"columns\":[\"value\"],\"values\":[[1]]},"
		    "{\"columns\":[\"id\"]},{\"error\":\"no such table: dns_zone_member\"}]}",
		    3, "no such table: dns_zone_member");
	/* an error result even when the count is off */
	expect_fail("{\"results\":[{\"error\":\"near \\\"SELEC\\\": syntax error\"}]}", 3,
		    "near \"SELEC\": syntax error");
	/* top-level error */
	expect_fail("{\"error\":\"leader not found\"}", 1, "leader not found");
	expect_fail("{\"error\":42}", 1, "error: expected a string, got number");
	expect_fail("{\"results\":[{\"error\":false}]}", 1, "results[0].error: expected a string");
	/* an empty error text still gives a message */
	expect_fail("{\"results\":[{\"error\":\"\"}]}", 1, "results[0].error: empty error message");
	expect_fail("{\"results\":[{\"error\":\"\"}]}", 2, "results: empty error message");
	expect_fail("{\"error\":\"\"}", 1, "error: empty error message");
}
END_TEST

START_TEST(test_wrong_count)
{
	expect_fail("{\"results\":[{\"columns\":[\"a\"]},{\"columns\":[\"a\"]}]}", 3,
		    "results: 2 statement results, expected 3");
	expect_fail("{\"results\":[{\"columns\":[\"a\"]},{\"columns\":[\"a\"]}]}", 1,
		    "results: 2 statement results, expected 1");
	expect_fail("{\"results\":[]}", 1, "results: 0 statement results, expected 1");
	expect_fail("{\"time\":1}", 1, "no \"results\"");
	expect_fail("{\"results\":{}}", 1, "results: expected an array, got object");
}
END_TEST

START_TEST(test_bad_cells)
{
	const char *head =
		"{\"results\":[{\"columns\":[\"v\"]},{\"columns\":[\"a\",\"b\",\"c\"],\"values\":"
		"[[1,2,3],[1,2,3],[1,2,3],[1,2,";
	char body[512];
	const char *cases[][2] = {
		{ "true", "results[1].values[3][2]: boolean not allowed" },
		{ "false", "results[1].values[3][2]: boolean not allowed" },
		{ "[1]", "results[1].values[3][2]: array not allowed" },
		{ "{\"x\":1}", "results[1].values[3][2]: object not allowed" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(body, sizeof body, "%s%s]]}]}", head, cases[i][0]);
		struct pooldns_table *t[2] = { NULL, NULL };
		char err[256] = "";
		ck_assert_int_eq(parse(body, t, 2, err, sizeof err), -1);
		ck_assert_str_eq(err, cases[i][1]);
		ck_assert_ptr_null(t[0]);
		ck_assert_ptr_null(t[1]);
	}
	/* ragged rows, rows that are not arrays, bad columns */
	expect_fail("{\"results\":[{\"columns\":[\"a\",\"b\"],\"values\":[[1,2],[1]]}]}", 1,
		    "results[0].values[1]: 1 cells for 2 columns");
	expect_fail("{\"results\":[{\"columns\":[\"a\"],\"values\":[5]}]}", 1,
		    "results[0].values[0]: expected an array, got number");
	expect_fail("{\"results\":[{\"columns\":[\"a\"],\"values\":{}}]}", 1,
		    "results[0].values: expected an array, got object");
	expect_fail("{\"results\":[{\"columns\":[\"a\",7]}]}", 1,
		    "results[0].columns[1]: expected a string, got number");
	expect_fail("{\"results\":[{\"columns\":[]}]}", 1, "results[0].columns: empty");
	expect_fail("{\"results\":[{\"columns\":\"a\"}]}", 1,
		    "results[0].columns: expected an array, got string");
	expect_fail("{\"results\":[{\"last_insert_id\":1,\"rows_affected\":1}]}", 1,
		    "results[0]: no \"columns\"");
	expect_fail("{\"results\":[7]}", 1, "results[0]: expected an object, got number");
	/* NUL inside a string is refused by the JSON layer */
	expect_fail("{\"results\":[{\"columns\":[\"a\"],\"values\":[[\"\\u0000\"]]}]}", 1,
		    "invalid JSON");
}
END_TEST

START_TEST(test_huge_ints)
{
	expect_fail("{\"results\":[{\"columns\":[\"a\"],\"values\":[[9223372036854775808]]}]}", 1,
		    "invalid JSON");
	expect_fail("{\"results\":[{\"columns\":[\"a\"],\"values\":[[-9223372036854775809]]}]}", 1,
		    "too big");
	expect_fail("{\"results\":[{\"columns\":[\"a\"],\"values\":[[1e999]]}]}", 1,
		    "invalid JSON");
}
END_TEST

START_TEST(test_truncated_and_garbage)
{
	size_t full = strlen(real_load);
	/* every proper prefix of a valid answer must fail cleanly */
	for (size_t len = 0; len < full; len++) {
		struct pooldns_table *t[3] = { NULL, NULL, NULL };
		char err[256] = "";
		ck_assert_int_eq(
			pooldns_rqlite_parse_results(real_load, len, t, 3, err, sizeof err), -1);
		ck_assert_ptr_null(t[0]);
		ck_assert_ptr_null(t[1]);
		ck_assert_ptr_null(t[2]);
		ck_assert(err[0] != '\0');
	}
	expect_fail("", 1, "invalid JSON at line");
	expect_fail("leader not found", 1, "invalid JSON");
	expect_fail("[1,2]", 1, "expected a JSON object, got array");
	expect_fail("{\"results\":[],\"results\":[]}", 0, "duplicate");

	struct pooldns_table *t[1];
	char err[8];
	ck_assert_int_eq(pooldns_rqlite_parse_results(NULL, 0, t, 1, err, sizeof err), -1);
	ck_assert_uint_lt(strlen(err), sizeof err);
	ck_assert_int_eq(pooldns_rqlite_parse_results("x", 1, t, 1, NULL, 0), -1);
}
END_TEST

START_TEST(test_optional_statements)
{
	static const char body[] = "{\"results\":[{\"columns\":[\"value\"],\"values\":[[3]]},"
				   "{\"error\":\"no such table: pooldns_change\"},"
				   "{\"error\":\"no such column: x\"}]}";
	static const bool opt_last2[] = { false, true, true };
	static const bool opt_last1[] = { false, false, true };
	struct pooldns_table *t[3];
	char err[128], opt[128];
	ck_assert_int_eq(pooldns_rqlite_parse_results_opt(body, strlen(body), t, 3, opt_last2, opt,
							  sizeof opt, err, sizeof err),
			 0);
	ck_assert_ptr_nonnull(t[0]);
	ck_assert(t[1] == NULL && t[2] == NULL);
	ck_assert_str_eq(opt, "no such table: pooldns_change"); /* the first one */
	pooldns_table_free(t[0]);

	/* an error on a statement that is not optional still fails */
	memset(opt, 'x', sizeof opt);
	ck_assert_int_eq(pooldns_rqlite_parse_results_opt(body, strlen(body), t, 3, opt_last1, opt,
							  sizeof opt, err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "no such table: pooldns_change");
	ck_assert(t[0] == NULL && t[1] == NULL && t[2] == NULL);

	/* nothing failed: opt_err is empty */
	static const char ok[] = "{\"results\":[{\"columns\":[\"a\"]},{\"columns\":[\"b\"]},"
				 "{\"columns\":[\"c\"],\"values\":[[1]]}]}";
	ck_assert_int_eq(pooldns_rqlite_parse_results_opt(ok, strlen(ok), t, 3, opt_last2, opt,
							  sizeof opt, err, sizeof err),
			 0);
	ck_assert_str_eq(opt, "");
	ck_assert_uint_eq(t[2]->nrows, 1);
	for (int i = 0; i < 3; i++)
		pooldns_table_free(t[i]);

	/* a malformed result is malformed, optional or not */
	static const char bad[] = "{\"results\":[{\"columns\":[\"a\"]},{\"error\":7},"
				  "{\"columns\":[\"c\"]}]}";
	ck_assert_int_eq(pooldns_rqlite_parse_results_opt(bad, strlen(bad), t, 3, opt_last2, opt,
							  sizeof opt, err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "results[1].error: expected a string, got number");
	static const char empty[] = "{\"results\":[{\"columns\":[\"a\"]},{\"error\":\"\"},"
				    "{\"columns\":[\"c\"]}]}";
	ck_assert_int_eq(pooldns_rqlite_parse_results_opt(empty, strlen(empty), t, 3, opt_last2,
							  opt, sizeof opt, err, sizeof err),
			 0);
	ck_assert_str_eq(opt, "results[1].error: empty error message");
	for (int i = 0; i < 3; i++)
		pooldns_table_free(t[i]);
}
END_TEST

START_TEST(test_parse_json_entry)
{
	json_error_t jerr;
	json_t *a = json_loads("[{\"columns\":[\"a\"],\"values\":[[1]]},{\"columns\":[\"b\"],"
			       "\"values\":[[true]]}]",
			       0, &jerr);
	ck_assert_ptr_nonnull(a);
	struct pooldns_table *t[2] = { NULL, NULL };
	char err[256] = "";
	ck_assert_int_eq(
		pooldns_rqlite_parse_results_json(a, "cache.results", t, 2, err, sizeof err), -1);
	ck_assert_str_eq(err, "cache.results[1].values[0][0]: boolean not allowed");
	ck_assert_ptr_null(t[0]);
	ck_assert_int_eq(pooldns_rqlite_parse_results_json(a, NULL, t, 1, err, sizeof err), -1);
	ck_assert_str_eq(err, "results: 2 statement results, expected 1");
	ck_assert_int_eq(pooldns_rqlite_parse_results_json(NULL, "r", t, 1, err, sizeof err), -1);
	json_decref(a);
}
END_TEST

static Suite *rqlite_json_suite(void)
{
	Suite *s = suite_create("rqlite_json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_real_shape);
	tcase_add_test(tc, test_values_variants);
	tcase_add_test(tc, test_not_nul_terminated);
	tcase_add_test(tc, test_sql_errors);
	tcase_add_test(tc, test_wrong_count);
	tcase_add_test(tc, test_bad_cells);
	tcase_add_test(tc, test_huge_ints);
	tcase_add_test(tc, test_truncated_and_garbage);
	tcase_add_test(tc, test_optional_statements);
	tcase_add_test(tc, test_parse_json_entry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rqlite_json_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
