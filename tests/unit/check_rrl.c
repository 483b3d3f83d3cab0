/*
 * check_rrl.c — unit tests for response rate limiting (core/dns/rrl.c), the
 * access list (core/dns/acl.c) and address prefixes (core/dns/prefix.c):
 * the rate per second and per bucket key (network, kind, name), a new
 * second starting afresh, slip, concurrent counting from several threads;
 * rule parsing with its messages, first match wins, rules per listen
 * address; prefix parsing and matching at every length.
 *
 * Thread model: a Check test program; test_threads runs four threads on
 * one table.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/acl.h"
#include "core/dns/prefix.h"
#include "core/dns/rrl.h"

static struct pooldns_client addr(const char *a)
{
	struct pooldns_client c = { 0 };
	if (inet_pton(AF_INET, a, c.addr) == 1) {
		c.family = AF_INET;
		c.prefix = 32;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, a, c.addr), 1);
		c.family = AF_INET6;
		c.prefix = 128;
	}
	return c;
}

static const struct pooldns_rrl_params params = {
	.rate = 5, .slip = 0, .v4_bits = 24, .v6_bits = 56
};

/* n responses: how many pass. */
static unsigned passes(struct pooldns_rrl *r, const struct pooldns_rrl_params *p, const char *a,
		       enum pooldns_rrl_kind kind, const char *name, unsigned n, uint32_t now)
{
	struct pooldns_client c = addr(a);
	unsigned ok = 0, slip = 0;
	for (unsigned i = 0; i < n; i++)
		ok += pooldns_rrl_check(r, p, &c, kind, (const uint8_t *)name, strlen(name), now,
					&slip) == POOLDNS_RRL_PASS;
	return ok;
}

START_TEST(test_rate_and_keys)
{
	struct pooldns_rrl *r = pooldns_rrl_new(4096);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(passes(r, &params, "192.0.2.1", POOLDNS_RRL_ANSWER, "a", 20, 100), 5);
	/* same /24, same name: the same bucket */
	ck_assert_uint_eq(passes(r, &params, "192.0.2.200", POOLDNS_RRL_ANSWER, "a", 3, 100), 0);
	/* another name, another kind, another network: buckets of their own */
	ck_assert_uint_eq(passes(r, &params, "192.0.2.1", POOLDNS_RRL_ANSWER, "b", 20, 100), 5);
	ck_assert_uint_eq(passes(r, &params, "192.0.2.1", POOLDNS_RRL_NODATA, "a", 20, 100), 5);
	ck_assert_uint_eq(passes(r, &params, "192.0.3.1", POOLDNS_RRL_ANSWER, "a", 20, 100), 5);
	/* NXDOMAIN and errors ignore the name: a random-name flood is one bucket */
	ck_assert_uint_eq(passes(r, &params, "198.51.100.1", POOLDNS_RRL_NXDOMAIN, "x1", 3, 100), 3);
	ck_assert_uint_eq(passes(r, &params, "198.51.100.1", POOLDNS_RRL_NXDOMAIN, "x2", 3, 100), 2);
	ck_assert_uint_eq(passes(r, &params, "198.51.100.9", POOLDNS_RRL_ERROR, "y1", 10, 100), 5);
	/* IPv6 /56 */
	ck_assert_uint_eq(passes(r, &params, "2001:db8:0:1::1", POOLDNS_RRL_ANSWER, "a", 4, 100), 4);
	ck_assert_uint_eq(passes(r, &params, "2001:db8:0:ff::1", POOLDNS_RRL_ANSWER, "a", 4, 100),
			  1);
	ck_assert_uint_eq(passes(r, &params, "2001:db8:0:100::1", POOLDNS_RRL_ANSWER, "a", 4, 100),
			  4);
	/* the next second starts afresh */
	ck_assert_uint_eq(passes(r, &params, "192.0.2.1", POOLDNS_RRL_ANSWER, "a", 20, 101), 5);
	pooldns_rrl_free(r);
}
END_TEST

START_TEST(test_slip)
{
	struct pooldns_rrl *r = pooldns_rrl_new(1024);
	struct pooldns_rrl_params p = params;
	struct pooldns_client c = addr("192.0.2.1");
	unsigned counts[3] = { 0 }, slip = 0;
	p.slip = 3;
	for (int i = 0; i < 35; i++)
		counts[pooldns_rrl_check(r, &p, &c, POOLDNS_RRL_ANSWER, (const uint8_t *)"n", 1, 7,
					 &slip)]++;
	ck_assert_uint_eq(counts[POOLDNS_RRL_PASS], 5);
	ck_assert_uint_eq(counts[POOLDNS_RRL_SLIP], 10); /* every third of 30 */
	ck_assert_uint_eq(counts[POOLDNS_RRL_DROP], 20);
	p.slip = 1;
	ck_assert_int_eq(pooldns_rrl_check(r, &p, &c, POOLDNS_RRL_ANSWER, (const uint8_t *)"n", 1,
					   7, &slip),
			 POOLDNS_RRL_SLIP);
	pooldns_rrl_free(r);
}
END_TEST

struct worker {
	struct pooldns_rrl *r;
	unsigned passed;
};

static void *count_thread(void *arg)
{
	struct worker *w = arg;
	struct pooldns_rrl_params p = params;
	p.rate = 1000;
	struct pooldns_client c = addr("203.0.113.5");
	unsigned slip = 0;
	for (int i = 0; i < 5000; i++)
		w->passed += pooldns_rrl_check(w->r, &p, &c, POOLDNS_RRL_ANSWER,
					       (const uint8_t *)"t", 1, 42,
					       &slip) == POOLDNS_RRL_PASS;
	return NULL;
}

/* Four threads on one bucket within one second: exactly the rate passes. */
START_TEST(test_threads)
{
	struct pooldns_rrl *r = pooldns_rrl_new(1024);
	struct worker w[4] = { { r, 0 }, { r, 0 }, { r, 0 }, { r, 0 } };
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, count_thread, &w[i]), 0);
	unsigned total = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].passed;
	}
	ck_assert_uint_eq(total, 1000);
	pooldns_rrl_free(r);
}
END_TEST

START_TEST(test_prefix)
{
	struct pooldns_prefix p;
	ck_assert_ptr_null(pooldns_prefix_parse("192.0.2.77/24", &p));
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.len, 24);
	ck_assert_uint_eq(p.addr[3], 0); /* host bits cleared */
	struct pooldns_client in = addr("192.0.2.254"), out = addr("192.0.3.1"),
			      six = addr("::ffff:192.0.2.1");
	ck_assert(pooldns_prefix_match(&p, &in));
	ck_assert(!pooldns_prefix_match(&p, &out));
	ck_assert(!pooldns_prefix_match(&p, &six));
	ck_assert_ptr_null(pooldns_prefix_parse("2001:db8::/32", &p));
	struct pooldns_client a6 = addr("2001:db8:ffff::1"), b6 = addr("2001:db9::1");
	ck_assert(pooldns_prefix_match(&p, &a6));
	ck_assert(!pooldns_prefix_match(&p, &b6));
	ck_assert_ptr_null(pooldns_prefix_parse("192.0.2.1", &p));
	ck_assert_uint_eq(p.len, 32);
	ck_assert_ptr_null(pooldns_prefix_parse("0.0.0.0/0", &p));
	ck_assert(pooldns_prefix_match(&p, &out));
	/* every length of an IPv6 prefix splits the space where it says */
	struct pooldns_client z = addr("::");
	for (unsigned len = 1; len <= 128; len++) {
		char text[64];
		snprintf(text, sizeof text, "::/%u", len);
		ck_assert_ptr_null(pooldns_prefix_parse(text, &p));
		struct pooldns_client c = z;
		c.addr[(len - 1) / 8] = (uint8_t)(0x80 >> ((len - 1) % 8));
		ck_assert_msg(!pooldns_prefix_match(&p, &c), "/%u", len);
		if (len < 128) {
			c = z;
			c.addr[len / 8] = (uint8_t)(0x80 >> (len % 8));
			ck_assert_msg(pooldns_prefix_match(&p, &c), "/%u", len);
		}
	}
	static const char *const bad[] = { "",           "/24",        "192.0.2.1/33",
					   "::/129",     "192.0.2.1/", "192.0.2.1/x",
					   "192.0.2.1/-1", "example.com", "192.0.2.1/24/8",
					   "1.2.3.4.5" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(pooldns_prefix_parse(bad[i], &p) != NULL, "%s accepted", bad[i]);
}
END_TEST

START_TEST(test_acl)
{
	struct pooldns_acl_rule rules[4];
	char listen[64];
	ck_assert_ptr_null(pooldns_acl_rule_parse("deny 192.0.2.66", &rules[0], listen, 64));
	ck_assert_str_eq(listen, "");
	ck_assert_ptr_null(pooldns_acl_rule_parse("allow 192.0.2.0/24", &rules[1], listen, 64));
	ck_assert_ptr_null(
		pooldns_acl_rule_parse("  deny   0.0.0.0/0  on 127.0.0.1:5353 ", &rules[2], listen,
				       64));
	ck_assert_str_eq(listen, "127.0.0.1:5353");
	rules[2].listener = 1;
	ck_assert_ptr_null(pooldns_acl_rule_parse("deny ::/0", &rules[3], listen, 64));
	struct pooldns_acl acl = { rules, 4 };
	struct pooldns_client a = addr("192.0.2.66"), b = addr("192.0.2.67"),
			      c = addr("198.51.100.1"), d = addr("2001:db8::1");
	ck_assert(!pooldns_acl_allows(&acl, &a, 0)); /* first match wins */
	ck_assert(pooldns_acl_allows(&acl, &b, 0));
	ck_assert(pooldns_acl_allows(&acl, &b, 1));
	ck_assert(pooldns_acl_allows(&acl, &c, 0)); /* no rule on listener 0: allowed */
	ck_assert(!pooldns_acl_allows(&acl, &c, 1));
	ck_assert(!pooldns_acl_allows(&acl, &d, 0));
	struct pooldns_acl none = { NULL, 0 };
	ck_assert(pooldns_acl_allows(&none, &a, 0));

	struct pooldns_acl_rule r;
	static const char *const bad[] = { "",
					   "permit 192.0.2.1",
					   "allow",
					   "allow 192.0.2.1/40",
					   "deny 192.0.2.1 at 127.0.0.1",
					   "deny 192.0.2.1 on",
					   "deny 192.0.2.1 on 127.0.0.1 extra" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(pooldns_acl_rule_parse(bad[i], &r, listen, 64) != NULL,
			      "\"%s\" accepted", bad[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rrl");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_rate_and_keys);
	tcase_add_test(tc, test_slip);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_prefix);
	tcase_add_test(tc, test_acl);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
