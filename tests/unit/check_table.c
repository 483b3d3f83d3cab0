/*
 * check_table.c — unit tests for core/source/table.c: building a table, copying of
 * column names and text, growth past the first allocation, column lookup,
 * zero-column tables, clearing the rows of a table for reuse, dataset
 * clearing, and the reading of integer cells.
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/source/table.h"

START_TEST(test_basic)
{
	char c0[] = "id", c1[] = "name";
	const char *cols[] = { c0, c1 };
	struct pooldns_table *t = pooldns_table_new(2, cols);
	ck_assert_ptr_nonnull(t);
	/* names are copied */
	c0[0] = 'X';
	ck_assert_str_eq(t->cols[0], "id");
	ck_assert_uint_eq(t->ncols, 2);
	ck_assert_uint_eq(t->nrows, 0);
	ck_assert_int_eq(pooldns_table_col(t, "id"), 0);
	ck_assert_int_eq(pooldns_table_col(t, "name"), 1);
	ck_assert_int_eq(pooldns_table_col(t, "nope"), -1);
	ck_assert_int_eq(pooldns_table_col(t, "ID"), -1);

	char text[] = "google.com.";
	struct pooldns_cell row[2] = {
		{ .type = POOLDNS_CELL_INT, .i = 7 },
		{ .type = POOLDNS_CELL_TEXT, .s = text },
	};
	ck_assert_int_eq(pooldns_table_add_row(t, row), 0);
	text[0] = 'X'; /* text is copied */
	row[0] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 1.5 };
	row[1] = (struct pooldns_cell){ .type = POOLDNS_CELL_NULL };
	ck_assert_int_eq(pooldns_table_add_row(t, row), 0);
	ck_assert_uint_eq(t->nrows, 2);

	const struct pooldns_cell *c = pooldns_table_cell(t, 0, 0);
	ck_assert_int_eq(c->type, POOLDNS_CELL_INT);
	ck_assert_int_eq(c->i, 7);
	c = pooldns_table_cell(t, 0, 1);
	ck_assert_int_eq(c->type, POOLDNS_CELL_TEXT);
	ck_assert_str_eq(c->s, "google.com.");
	c = pooldns_table_cell(t, 1, 0);
	ck_assert_int_eq(c->type, POOLDNS_CELL_REAL);
	ck_assert_double_eq(c->r, 1.5);
	c = pooldns_table_cell(t, 1, 1);
	ck_assert_int_eq(c->type, POOLDNS_CELL_NULL);
	ck_assert_ptr_null(c->s);
	pooldns_table_free(t);
}
END_TEST

START_TEST(test_growth)
{
	const char *cols[] = { "n", "s" };
	struct pooldns_table *t = pooldns_table_new(2, cols);
	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < 5000; i++) {
		char buf[32];
		snprintf(buf, sizeof buf, "row%d", i);
		struct pooldns_cell row[2] = {
			{ .type = POOLDNS_CELL_INT, .i = i },
			{ .type = POOLDNS_CELL_TEXT, .s = buf },
		};
		ck_assert_int_eq(pooldns_table_add_row(t, row), 0);
	}
	ck_assert_uint_eq(t->nrows, 5000);
	ck_assert_uint_ge(t->cap_rows, 5000);
	for (size_t i = 0; i < 5000; i += 499) {
		char buf[32];
		snprintf(buf, sizeof buf, "row%zu", i);
		ck_assert_int_eq(pooldns_table_cell(t, i, 0)->i, (int64_t)i);
		ck_assert_str_eq(pooldns_table_cell(t, i, 1)->s, buf);
	}
	pooldns_table_free(t);
}
END_TEST

START_TEST(test_text_null_pointer_and_zero_cols)
{
	const char *cols[] = { "s" };
	struct pooldns_table *t = pooldns_table_new(1, cols);
	ck_assert_ptr_nonnull(t);
	/* a TEXT cell with a NULL pointer is stored as "" */
	struct pooldns_cell row[1] = { { .type = POOLDNS_CELL_TEXT, .s = NULL } };
	ck_assert_int_eq(pooldns_table_add_row(t, row), 0);
	ck_assert_str_eq(pooldns_table_cell(t, 0, 0)->s, "");
	pooldns_table_free(t);

	struct pooldns_table *z = pooldns_table_new(0, NULL);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(pooldns_table_col(z, "x"), -1);
	ck_assert_int_eq(pooldns_table_add_row(z, NULL), 0);
	ck_assert_uint_eq(z->nrows, 1);
	pooldns_table_free(z);
	pooldns_table_free(NULL);
}
END_TEST

START_TEST(test_clear_rows)
{
	const char *cols[] = { "id", "name" };
	struct pooldns_table *t = pooldns_table_new(2, cols);
	ck_assert_ptr_nonnull(t);
	struct pooldns_cell row[2] = {
		{ .type = POOLDNS_CELL_INT, .i = 1 },
		{ .type = POOLDNS_CELL_TEXT, .s = "a.test." },
	};
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(pooldns_table_add_row(t, row), 0);
	size_t cap = t->cap_rows;
	struct pooldns_cell *cells = t->cells;
	pooldns_table_clear_rows(t); /* text freed: LeakSanitizer would see it */
	ck_assert_uint_eq(t->nrows, 0);
	ck_assert_uint_eq(t->ncols, 2);
	ck_assert_str_eq(t->cols[1], "name");
	ck_assert_uint_eq(t->cap_rows, cap);
	/* refilled in the same room */
	row[1].s = "b.test.";
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(pooldns_table_add_row(t, row), 0);
	ck_assert_ptr_eq(t->cells, cells);
	ck_assert_str_eq(pooldns_table_cell(t, 39, 1)->s, "b.test.");
	pooldns_table_clear_rows(t);
	pooldns_table_clear_rows(t); /* twice is fine */
	pooldns_table_free(t);
}
END_TEST

/* Integers as every reader of rows takes them: INT, or an integral REAL
 * within int64_t; nothing else. */
START_TEST(test_cell_int)
{
	struct pooldns_cell c;
	int64_t v = 7;

	memset(&c, 0, sizeof(c));
	c.type = POOLDNS_CELL_INT;
	c.i = INT64_MIN;
	ck_assert(pooldns_cell_int(&c, &v) && v == INT64_MIN);
	c.type = POOLDNS_CELL_REAL;
	c.r = 2.0;
	ck_assert(pooldns_cell_int(&c, &v) && v == 2);
	c.r = -9223372036854775808.0; /* -2^63: the lowest int64_t */
	ck_assert(pooldns_cell_int(&c, &v) && v == INT64_MIN);
	v = 7;
	c.r = 2.5;
	ck_assert(!pooldns_cell_int(&c, &v));
	c.r = 9223372036854775808.0; /* 2^63: one past the highest */
	ck_assert(!pooldns_cell_int(&c, &v));
	c.r = -1e19;
	ck_assert(!pooldns_cell_int(&c, &v));
	c.r = NAN;
	ck_assert(!pooldns_cell_int(&c, &v));
	c.type = POOLDNS_CELL_TEXT;
	c.s = "2";
	ck_assert(!pooldns_cell_int(&c, &v));
	c.type = POOLDNS_CELL_NULL;
	ck_assert(!pooldns_cell_int(&c, &v));
	ck_assert_int_eq(v, 7); /* untouched when false */
}
END_TEST

START_TEST(test_dataset_clear)
{
	const char *cols[] = { "a" };
	struct pooldns_dataset ds = {
		.version = 42,
		.pools = pooldns_table_new(1, cols),
		.members = pooldns_table_new(1, cols),
	};
	ck_assert_ptr_nonnull(ds.pools);
	ck_assert_ptr_nonnull(ds.members);
	pooldns_dataset_clear(&ds);
	ck_assert_ptr_null(ds.pools);
	ck_assert_ptr_null(ds.members);
	ck_assert_int_eq(ds.version, 0);
	pooldns_dataset_clear(&ds); /* twice is fine */
	pooldns_dataset_clear(NULL);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_text_null_pointer_and_zero_cols);
	tcase_add_test(tc, test_clear_rows);
	tcase_add_test(tc, test_dataset_clear);
	tcase_add_test(tc, test_cell_int);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(table_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
