/*
 * check_conf_schema.c — unit tests for the table of configuration keys
 * (core/conf_schema.c) and the row operations in core/conf_value.c: names
 * unique and well formed, every row complete for its type, every default
 * within its range and accepted by its own row, range ends enforced, the
 * choices, compare and swap, the restart and server-only sets, and the
 * defaults agreeing with the answer code's.
 *
 * Thread model: single-threaded test cases (Check forks one process per
 * test).
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/conf_schema.h"
#include "core/dns/resolve.h"
#include "core/log.h"
#include "core/poller.h"
#include "core/source/source.h"

static char err[1024];

#define FOR_EACH_KEY(k)                                                                            \
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++)

static size_t nchoices(const struct pooldns_config_key *k)
{
	size_t n = 0;
	while (k->choices[n].name != NULL)
		n++;
	return n;
}

/* A valid value other than the default, for any row. */
static const char *other_value(const struct pooldns_config_key *k, char *buf, size_t bufsz)
{
	switch (k->type) {
	case POOLDNS_CONFIG_NUMBER:
		snprintf(buf, bufsz, "%ld",
			 k->dflt != NULL && strtol(k->dflt, NULL, 10) == k->max ? k->min : k->max);
		return buf;
	case POOLDNS_CONFIG_CHOICE:
		for (size_t i = 0; k->choices[i].name != NULL; i++)
			if (k->dflt == NULL || strcmp(k->choices[i].name, k->dflt) != 0)
				return k->choices[i].name;
		return NULL;
	case POOLDNS_CONFIG_STRING:
		/* keys with a rule of their own take a value of their form */
		if (strcmp(k->name, "acl") == 0)
			return "deny 192.0.2.0/24";
		if (strcmp(k->name, "rrl-exempt") == 0)
			return "198.51.100.0/24";
		return "/some/other/value";
	case POOLDNS_CONFIG_ADDRESS:
		return "2001:db8::1";
	case POOLDNS_CONFIG_LISTEN:
		return "[::1]:5353";
	case POOLDNS_CONFIG_URL:
		return "https://rqlite.example:4001";
	case POOLDNS_CONFIG_NAME:
		return "other.example.";
	}
	return NULL;
}

START_TEST(test_names)
{
	size_t n = 0;

	FOR_EACH_KEY(k)
	{
		ck_assert_msg(k->name[0] >= 'a' && k->name[0] <= 'z', "%s", k->name);
		ck_assert_msg(strspn(k->name, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
				      strlen(k->name),
			      "key \"%s\": only a-z, 0-9 and '-'", k->name);
		for (const struct pooldns_config_key *j = pooldns_config_schema; j != k; j++)
			ck_assert_msg(strcmp(j->name, k->name) != 0, "key %s twice", k->name);
		ck_assert_ptr_eq(pooldns_config_key_find(k->name), k);
		ck_assert_msg(k->help != NULL && k->help[0] != '\0', "%s has no help", k->name);
		n++;
	}
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_null(pooldns_config_key_find("bogus"));
	ck_assert_ptr_null(pooldns_config_key_find(""));
	ck_assert_ptr_null(pooldns_config_key_find("LISTEN"));
}
END_TEST

/* Every row has what its type needs, and nothing points outside the
 * struct. */
START_TEST(test_rows_complete)
{
	FOR_EACH_KEY(k)
	{
		ck_assert_msg(k->offset + k->size <= sizeof(struct pooldns_config), "%s", k->name);
		switch (k->type) {
		case POOLDNS_CONFIG_NUMBER: {
			long top = k->ctype == POOLDNS_CONFIG_USHORT ? USHRT_MAX
				   : k->ctype == POOLDNS_CONFIG_INT  ? INT_MAX
				   : k->ctype == POOLDNS_CONFIG_UINT ? (long)UINT_MAX
								     : LONG_MAX;
			ck_assert_msg(0 <= k->min && k->min <= k->max && k->max <= top,
				      "%s: range %ld..%ld does not fit its member", k->name, k->min,
				      k->max);
			ck_assert_msg(!k->list && k->metavar != NULL, "%s", k->name);
			break;
		}
		case POOLDNS_CONFIG_CHOICE:
			ck_assert_msg(k->choices != NULL && nchoices(k) >= 2, "%s", k->name);
			for (size_t i = 0; i < nchoices(k); i++)
				for (size_t j = 0; j < i; j++)
					ck_assert_msg(
						strcmp(k->choices[i].name, k->choices[j].name) !=
								0 &&
							k->choices[i].value != k->choices[j].value,
						"%s: choice %s twice", k->name, k->choices[i].name);
			ck_assert_msg(!k->list && k->metavar == NULL, "%s", k->name);
			ck_assert_msg(k->dflt != NULL, "%s: a choice needs a default", k->name);
			break;
		case POOLDNS_CONFIG_NAME:
			ck_assert_msg(k->len_offset < sizeof(struct pooldns_config), "%s", k->name);
			/* fall through */
		default:
			ck_assert_msg(k->metavar != NULL, "%s", k->name);
			if (!k->list)
				ck_assert_msg(k->type == POOLDNS_CONFIG_NAME ||
						      k->size == sizeof(char *),
					      "%s", k->name);
			break;
		}
		if (k->list) {
			ck_assert_msg(k->max_count >= 1, "%s", k->name);
			ck_assert_msg(k->count_offset + sizeof(size_t) <=
					      sizeof(struct pooldns_config),
				      "%s", k->name);
			if (k->dflt != NULL)
				ck_assert_msg(k->set_offset != 0 && k->set_offset != k->offset,
					      "%s: a list with a default needs its set flag",
					      k->name);
		}
		/* One way to say what the default is. */
		ck_assert_msg(k->dflt == NULL || k->unset == NULL, "%s", k->name);
		ck_assert_msg(k->check == NULL || k->type != POOLDNS_CONFIG_NUMBER, "%s", k->name);
	}
}
END_TEST

START_TEST(test_defaults_in_range)
{
	FOR_EACH_KEY(k)
	{
		char *end;
		long v;

		if (k->type != POOLDNS_CONFIG_NUMBER)
			continue;
		ck_assert_msg(k->dflt != NULL, "%s: a number needs a default", k->name);
		v = strtol(k->dflt, &end, 10);
		ck_assert_msg(*end == '\0' && k->dflt[0] != '\0', "%s: default \"%s\"", k->name,
			      k->dflt);
		ck_assert_msg(v >= k->min && v <= k->max, "%s: default %ld outside %ld..%ld",
			      k->name, v, k->min, k->max);
	}
}
END_TEST

/* Each default is accepted by its own row, and is what init stored. */
START_TEST(test_defaults_parse)
{
	struct pooldns_config dflt, c;

	pooldns_config_init(&dflt);
	FOR_EACH_KEY(k)
	{
		if (k->dflt == NULL)
			continue;
		pooldns_config_init(&c);
		ck_assert_msg(pooldns_config_set(&c, k->name, k->dflt, "t", err, sizeof(err)) == 0,
			      "%s = %s: %s", k->name, k->dflt, err);
		ck_assert_msg(pooldns_config_key_equal(&c, &dflt, k), "%s", k->name);
		/* Setting it again is fine too (a list's default is not "given"
		 * by init, so the first value above replaced it). */
		if (!k->list)
			ck_assert_int_eq(
				pooldns_config_set(&c, k->name, k->dflt, "t", err, sizeof(err)), 0);
		pooldns_config_free(&c);
	}
	/* And the whole default config passes the cross-key checks. */
	ck_assert_msg(pooldns_config_check(&dflt, err, sizeof(err)) == 0, "%s", err);
	pooldns_config_free(&dflt);
}
END_TEST

/* The answer code's own defaults (used by tests and fuzzers without a
 * config) are the table's. */
START_TEST(test_defaults_match_answer_code)
{
	struct pooldns_config c;
	struct pooldns_zone_cfg zc;

	pooldns_zone_cfg_defaults(&zc);
	pooldns_config_init(&c);
	ck_assert(memcmp(&c.answer.zone, &zc, sizeof(zc)) == 0);
	ck_assert(!c.ns_set && !c.listen_set && !c.rqlite_urls_set);
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_range_ends)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	FOR_EACH_KEY(k)
	{
		char v[32], want[256];

		if (k->type != POOLDNS_CONFIG_NUMBER)
			continue;
		snprintf(v, sizeof(v), "%ld", k->min);
		ck_assert_msg(pooldns_config_set(&c, k->name, v, "t", err, sizeof(err)) == 0, "%s",
			      err);
		ck_assert_int_eq(pooldns_config_key_number(&c, k), k->min);
		snprintf(v, sizeof(v), "%ld", k->max);
		ck_assert_msg(pooldns_config_set(&c, k->name, v, "t", err, sizeof(err)) == 0, "%s",
			      err);
		ck_assert_int_eq(pooldns_config_key_number(&c, k), k->max);
		snprintf(v, sizeof(v), "%ld", k->max + 1);
		ck_assert_int_eq(pooldns_config_set(&c, k->name, v, "t", err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "t: %s: \"%s\": out of range (%ld..%ld)", k->name, v,
			 k->min, k->max);
		ck_assert_str_eq(err, want);
		if (k->min > 0) {
			snprintf(v, sizeof(v), "%ld", k->min - 1);
			ck_assert_int_eq(pooldns_config_set(&c, k->name, v, "t", err, sizeof(err)),
					 -1);
		}
		ck_assert_int_eq(pooldns_config_key_number(&c, k), k->max); /* unchanged */
	}
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), 0);
	pooldns_config_free(&c);
}
END_TEST

/* pooldns_config_check() holds numbers written directly to their rows'
 * ranges. */
START_TEST(test_check_ranges)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	c.answer.edns_payload = 5000;
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "edns-payload 5000 out of range (512..4096)");
	c.answer.edns_payload = 1232;
	c.threads = -1;
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "threads -1 out of range (0..1024)");
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_choices)
{
	struct pooldns_config c;
	char words[64];

	pooldns_config_init(&c);
	FOR_EACH_KEY(k)
	{
		if (k->type != POOLDNS_CONFIG_CHOICE)
			continue;
		for (size_t i = 0; i < nchoices(k); i++) {
			const char *w = k->choices[i].name;
			ck_assert_int_eq(pooldns_config_set(&c, k->name, w, "t", err, sizeof(err)),
					 0);
			ck_assert_int_eq(pooldns_config_key_number(&c, k), k->choices[i].value);
		}
		ck_assert_int_eq(pooldns_config_set(&c, k->name, "bogus", "t", err, sizeof(err)),
				 -1);
		ck_assert_ptr_nonnull(strstr(err, ": expected "));
	}
	/* The words the log and rqlite code accept are the table's. */
	const struct pooldns_config_key *lv = pooldns_config_key_find("log-level");
	const struct pooldns_config_key *rc = pooldns_config_key_find("rqlite-consistency");
	for (size_t i = 0; i < nchoices(lv); i++) {
		enum pooldns_log_level l;
		ck_assert_int_eq(pooldns_log_level_parse(lv->choices[i].name, &l), 0);
		ck_assert_int_eq((int)l, lv->choices[i].value);
	}
	for (size_t i = 0; i < nchoices(rc); i++) {
		enum pooldns_rqlite_level l;
		ck_assert_int_eq(pooldns_rqlite_level_parse(rc->choices[i].name, &l), 0);
		ck_assert_int_eq((int)l, rc->choices[i].value);
	}
	pooldns_config_key_choices(lv, ", ", " or ", words, sizeof(words));
	ck_assert_str_eq(words, "err, warning, notice, info or debug");
	pooldns_config_key_choices(pooldns_config_key_find("source"), "|", "|", words,
				   sizeof(words));
	ck_assert_str_eq(words, "rqlite|sqlite");
	/* A short buffer is cut, never overrun. */
	pooldns_config_key_choices(lv, ", ", " or ", words, 10);
	ck_assert_uint_lt(strlen(words), 10);
	pooldns_config_free(&c);
}
END_TEST

/* Changing any row is seen by equal; swap moves it (strings included:
 * freeing both configs afterwards must neither leak nor double-free). */
START_TEST(test_equal_and_swap)
{
	FOR_EACH_KEY(k)
	{
		struct pooldns_config a, b, want;
		char buf[32];
		const char *v = other_value(k, buf, sizeof(buf));

		ck_assert_ptr_nonnull(v);
		pooldns_config_init(&a);
		pooldns_config_init(&b);
		pooldns_config_init(&want);
		ck_assert(pooldns_config_key_equal(&a, &b, k));
		ck_assert_msg(pooldns_config_set(&b, k->name, v, "t", err, sizeof(err)) == 0,
			      "%s = %s: %s", k->name, v, err);
		ck_assert_int_eq(pooldns_config_set(&want, k->name, v, "t", err, sizeof(err)), 0);
		ck_assert_msg(!pooldns_config_key_equal(&a, &b, k), "%s", k->name);
		pooldns_config_key_swap(&a, &b, k);
		ck_assert_msg(pooldns_config_key_equal(&a, &want, k), "%s", k->name);
		ck_assert_msg(!pooldns_config_key_equal(&b, &want, k), "%s", k->name);
		if (k->list)
			ck_assert_uint_eq(*(size_t *)((char *)&a + k->count_offset), 1);
		pooldns_config_free(&a);
		pooldns_config_free(&b);
		pooldns_config_free(&want);
	}
}
END_TEST

/* What SIGHUP cannot change and what the module ignores, as pooldns(8) and
 * pooldns.conf(5) say. */
START_TEST(test_scope_and_reload)
{
	static const char *const restart[] = {
		"check-user-agent",
		"check-source-address",
		"check-ca-file",
		"check-max-concurrent",
		"listen",
		"threads",
		"tcp-idle-timeout-ms",
		"tcp-max-connections",
		"udp-rcvbuf",
		"user",
		"group",
		"chroot",
		"http-listen",
		"http-allow-remote",
		"http-max-connections",
		"http-timeout",
		"http-metrics-pools",
		"http-status-page-size",
		"rrl-table-size",
		NULL,
	};
	static const char *const server[] = {
		"listen",
		"threads",
		"tcp-idle-timeout-ms",
		"tcp-max-connections",
		"udp-rcvbuf",
		"user",
		"group",
		"chroot",
		"edns-payload",
		"log",
		"acl",
		"acl-deny-action",
		"cookies",
		"cookie-secret-file",
		"rrl-responses-per-second",
		"rrl-slip",
		"rrl-ipv4-prefix",
		"rrl-ipv6-prefix",
		"rrl-exempt",
		"rrl-table-size",
		NULL,
	};

	FOR_EACH_KEY(k)
	{
		bool in_restart = false, in_server = false;
		for (size_t i = 0; restart[i] != NULL; i++)
			in_restart |= strcmp(restart[i], k->name) == 0;
		for (size_t i = 0; server[i] != NULL; i++)
			in_server |= strcmp(server[i], k->name) == 0;
		ck_assert_msg((k->reload == POOLDNS_CONFIG_RESTART) == in_restart, "%s", k->name);
		ck_assert_msg((k->scope == POOLDNS_CONFIG_SERVER) == in_server, "%s", k->name);
		ck_assert_msg((k->scope == POOLDNS_CONFIG_MODULE) ==
				      (strcmp(k->name, "module-cache-ttl") == 0),
			      "%s", k->name);
	}
}
END_TEST

START_TEST(test_poller_bounds)
{
	const struct pooldns_config_key *k = pooldns_config_key_find("poll-interval-ms");

	ck_assert_int_eq(k->min, POOLDNS_POLL_INTERVAL_MIN_MS);
	ck_assert_int_eq(k->max, POOLDNS_POLL_INTERVAL_MAX_MS);
	k = pooldns_config_key_find("threads");
	ck_assert_int_eq(k->max, POOLDNS_MAX_THREADS);
	k = pooldns_config_key_find("listen");
	ck_assert_uint_eq(k->max_count, POOLDNS_MAX_LISTEN);
	k = pooldns_config_key_find("rqlite-url");
	ck_assert_uint_eq(k->max_count, POOLDNS_RQLITE_MAX_URLS);
	k = pooldns_config_key_find("zone");
	ck_assert_uint_eq(k->max_count, POOLDNS_MAX_ZONES);
	k = pooldns_config_key_find("ns-name");
	ck_assert_uint_eq(k->max_count, POOLDNS_MAX_NS);
}
END_TEST

static Suite *conf_schema_suite(void)
{
	Suite *s = suite_create("conf_schema");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_rows_complete);
	tcase_add_test(tc, test_defaults_in_range);
	tcase_add_test(tc, test_defaults_parse);
	tcase_add_test(tc, test_defaults_match_answer_code);
	tcase_add_test(tc, test_range_ends);
	tcase_add_test(tc, test_check_ranges);
	tcase_add_test(tc, test_choices);
	tcase_add_test(tc, test_equal_and_swap);
	tcase_add_test(tc, test_scope_and_reload);
	tcase_add_test(tc, test_poller_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conf_schema_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
