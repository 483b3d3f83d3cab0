/*
 * check_log.c — unit tests for core/log.c: level names and parsing, the
 * level filter, messages reaching an installed sink whole and formatted,
 * long messages cut with "...", the stderr sink restored by a NULL sink,
 * and pooldns_set_err()'s handling of small and missing buffers.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

static char got[2048];
static enum pooldns_log_level got_level;
static int calls;

static void capture(enum pooldns_log_level level, const char *msg, void *ctx)
{
	snprintf(got, sizeof got, "%s", msg);
	got_level = level;
	calls++;
	ck_assert_ptr_eq(ctx, &calls);
}

static void reset(void)
{
	got[0] = '\0';
	calls = 0;
}

START_TEST(test_level_names)
{
	static const char *const names[] = { "err", "warning", "notice", "info", "debug" };
	for (int i = 0; i < 5; i++) {
		enum pooldns_log_level l;
		ck_assert_int_eq(pooldns_log_level_parse(names[i], &l), 0);
		ck_assert_int_eq(l, i);
		ck_assert_str_eq(pooldns_log_level_name(l), names[i]);
	}
	enum pooldns_log_level l = POOLDNS_LOG_INFO;
	ck_assert_int_eq(pooldns_log_level_parse("loud", &l), -1);
	ck_assert_int_eq(pooldns_log_level_parse("", &l), -1);
	ck_assert_int_eq(pooldns_log_level_parse("INFO ", &l), -1);
	ck_assert_int_eq(l, POOLDNS_LOG_INFO);
}
END_TEST

START_TEST(test_sink_and_filter)
{
	pooldns_log_set(capture, &calls, POOLDNS_LOG_NOTICE);
	ck_assert_int_eq(pooldns_log_level_get(), POOLDNS_LOG_NOTICE);
	reset();
	pooldns_log(POOLDNS_LOG_WARNING, "pool %s: %d members", "www.example.com.", 3);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(got_level, POOLDNS_LOG_WARNING);
	ck_assert_str_eq(got, "pool www.example.com.: 3 members");
	/* More verbose than the level: not passed on. */
	pooldns_log(POOLDNS_LOG_INFO, "hidden");
	pooldns_log(POOLDNS_LOG_DEBUG, "hidden");
	ck_assert_int_eq(calls, 1);
	pooldns_log(POOLDNS_LOG_NOTICE, "shown");
	ck_assert_int_eq(calls, 2);
	ck_assert_str_eq(got, "shown");
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
}
END_TEST

START_TEST(test_long_message_is_cut)
{
	char big[4000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	pooldns_log_set(capture, &calls, POOLDNS_LOG_DEBUG);
	reset();
	pooldns_log(POOLDNS_LOG_ERR, "%s", big);
	ck_assert_int_eq(calls, 1);
	size_t n = strlen(got);
	ck_assert_uint_gt(n, 100);
	ck_assert_uint_lt(n, sizeof big - 1);
	ck_assert_str_eq(got + n - 3, "...");
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
}
END_TEST

START_TEST(test_set_err)
{
	char buf[16];
	pooldns_set_err(buf, sizeof buf, "node %s: %d", "a", 7);
	ck_assert_str_eq(buf, "node a: 7");
	/* Cut to the buffer, always terminated. */
	pooldns_set_err(buf, sizeof buf, "%s", "0123456789abcdefghij");
	ck_assert_str_eq(buf, "0123456789abcde");
	/* No buffer, or an empty one: nothing written, no crash. */
	pooldns_set_err(NULL, 0, "x %d", 1);
	buf[0] = 'q';
	pooldns_set_err(buf, 0, "x %d", 1);
	ck_assert_int_eq(buf[0], 'q');
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, test_level_names);
	tcase_add_test(tc, test_sink_and_filter);
	tcase_add_test(tc, test_long_message_is_cut);
	tcase_add_test(tc, test_set_err);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(log_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
