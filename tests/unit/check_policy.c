/*
 * check_policy.c — unit tests for core/model/policy.c: the distribution of every
 * policy over many selections (round_robin even, weighted proportional,
 * failover by priority group, hash sticky per client network and spread
 * across networks), fallback all vs none, disabled members never answered,
 * the max_answers / outcap cap, families, and the policy name table; and
 * that pools the builder could not have made (weight 0, an unknown policy,
 * max_answers 0) abort on an assertion instead of being patched up.
 *
 * Pools are built by hand here (no builder) so each member's health state is
 * one the test controls.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/health/health.h"
#include "core/model/policy.h"
#include "core/model/snapshot.h"

#define NM 16

struct fix {
	struct pooldns_pool pool;
	struct pooldns_member m[NM];
	struct pooldns_hstate hs[NM];
	struct pooldns_member m6[NM];
};

/* n IPv4 members 10.0.0.(i+1), ids i+1, weight 1, priority 0, enabled, up;
 * and n IPv6 members 2001:db8::(i+1), ids 101+i. */
static void fix_init(struct fix *f, enum pooldns_policy policy, enum pooldns_fallback fb,
		     unsigned max_answers, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->pool.id = 1;
	f->pool.policy = policy;
	f->pool.fallback = fb;
	f->pool.max_answers = (uint8_t)max_answers;
	f->pool.ttl = 30;
	for (size_t i = 0; i < n; i++) {
		struct pooldns_member *m = &f->m[i];
		char h[64], txt[INET6_ADDRSTRLEN];

		m->id = (int64_t)i + 1;
		m->family = AF_INET;
		snprintf(h, sizeof(h), "10.0.0.%zu", i + 1);
		ck_assert_int_eq(inet_pton(AF_INET, h, m->addr), 1);
		ck_assert_str_eq(inet_ntop(m->family, m->addr, txt, sizeof(txt)), h);
		m->weight = 1;
		m->enabled = true;
		atomic_init(&f->hs[i].up, true);
		m->health = &f->hs[i];

		m = &f->m6[i];
		m->id = 101 + (int64_t)i;
		m->family = AF_INET6;
		snprintf(h, sizeof(h), "2001:db8::%zx", i + 1);
		ck_assert_int_eq(inet_pton(AF_INET6, h, m->addr), 1);
		ck_assert_str_eq(inet_ntop(m->family, m->addr, txt, sizeof(txt)), h);
		m->weight = 1;
		m->enabled = true;
		m->health = NULL; /* no check: always up */
	}
	f->pool.v4 = f->m;
	f->pool.n_v4 = n;
	f->pool.v6 = f->m6;
	f->pool.n_v6 = n;
}

static void set_up(struct fix *f, size_t i, bool up)
{
	atomic_store(&f->hs[i].up, up);
}

/* Index of member pointer in f->m. */
static size_t idx(const struct fix *f, const struct pooldns_member *m)
{
	ck_assert(m >= f->m && m < f->m + NM);
	return (size_t)(m - f->m);
}

static size_t sel(struct fix *f, const struct pooldns_client *c, const struct pooldns_member **out,
		  size_t outcap)
{
	return pooldns_select(&f->pool, AF_INET, c, out, outcap);
}

static struct pooldns_client client4(const char *a, uint8_t prefix)
{
	struct pooldns_client c;

	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	c.prefix = prefix;
	ck_assert_int_eq(inet_pton(AF_INET, a, c.addr), 1);
	return c;
}

static struct pooldns_client client6(const char *a, uint8_t prefix)
{
	struct pooldns_client c;

	memset(&c, 0, sizeof(c));
	c.family = AF_INET6;
	c.prefix = prefix;
	ck_assert_int_eq(inet_pton(AF_INET6, a, c.addr), 1);
	return c;
}

/* No member twice in one answer. */
static void assert_distinct(const struct pooldns_member **out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_ptr_ne(out[i], out[j]);
}

START_TEST(test_round_robin_even)
{
	struct fix f;
	const struct pooldns_member *out[8];
	unsigned count[NM] = { 0 };
	const unsigned rounds = 10003;

	fix_init(&f, POOLDNS_POLICY_ROUND_ROBIN, POOLDNS_FALLBACK_ALL, 1, 5);
	for (unsigned r = 0; r < rounds; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		count[idx(&f, out[0])]++;
	}
	unsigned lo = rounds, hi = 0;
	for (size_t i = 0; i < 5; i++) {
		lo = count[i] < lo ? count[i] : lo;
		hi = count[i] > hi ? count[i] : hi;
	}
	ck_assert_uint_le(hi - lo, 1);
	ck_assert_uint_eq(lo, rounds / 5);

	/* max 3: consecutive members, wrapping, start moves by one each time */
	f.pool.max_answers = 3;
	size_t prev_start = NM;
	for (unsigned r = 0; r < 50; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 3);
		size_t s = idx(&f, out[0]);
		ck_assert_uint_eq(idx(&f, out[1]), (s + 1) % 5);
		ck_assert_uint_eq(idx(&f, out[2]), (s + 2) % 5);
		if (prev_start != NM)
			ck_assert_uint_eq(s, (prev_start + 1) % 5);
		prev_start = s;
	}
}
END_TEST

START_TEST(test_round_robin_skips_down)
{
	struct fix f;
	const struct pooldns_member *out[8];
	unsigned count[NM] = { 0 };

	fix_init(&f, POOLDNS_POLICY_ROUND_ROBIN, POOLDNS_FALLBACK_ALL, 1, 4);
	set_up(&f, 1, false);
	for (unsigned r = 0; r < 3000; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		count[idx(&f, out[0])]++;
	}
	ck_assert_uint_eq(count[1], 0);
	ck_assert_uint_eq(count[0], 1000);
	ck_assert_uint_eq(count[2], 1000);
	ck_assert_uint_eq(count[3], 1000);
}
END_TEST

START_TEST(test_all)
{
	struct fix f;
	const struct pooldns_member *out[16];

	fix_init(&f, POOLDNS_POLICY_ALL, POOLDNS_FALLBACK_ALL, 8, 6);
	f.m[2].enabled = false;
	set_up(&f, 4, false);
	for (int r = 0; r < 3; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 16), 4);
		ck_assert_ptr_eq(out[0], &f.m[0]);
		ck_assert_ptr_eq(out[1], &f.m[1]);
		ck_assert_ptr_eq(out[2], &f.m[3]);
		ck_assert_ptr_eq(out[3], &f.m[5]);
	}
	f.pool.max_answers = 2;
	ck_assert_uint_eq(sel(&f, NULL, out, 16), 2);
	ck_assert_ptr_eq(out[1], &f.m[1]);
}
END_TEST

START_TEST(test_weighted_proportions)
{
	struct fix f;
	const struct pooldns_member *out[8];
	unsigned count[NM] = { 0 };
	const unsigned draws = 20000;
	static const uint32_t w[] = { 1, 2, 3, 4 };

	fix_init(&f, POOLDNS_POLICY_WEIGHTED, POOLDNS_FALLBACK_ALL, 1, 4);
	for (int i = 0; i < 4; i++)
		f.m[i].weight = w[i];
	pooldns_policy_seed_thread(42);
	for (unsigned r = 0; r < draws; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		count[idx(&f, out[0])]++;
	}
	for (int i = 0; i < 4; i++) {
		double got = (double)count[i] / draws, want = w[i] / 10.0;
		ck_assert_msg(got > want - 0.015 && got < want + 0.015,
			      "member %d: %.4f, want %.2f", i, got, want);
	}
}
END_TEST

START_TEST(test_weighted_without_replacement)
{
	struct fix f;
	const struct pooldns_member *out[8];
	unsigned first[NM] = { 0 }, second[NM] = { 0 };
	const unsigned draws = 20000;

	/* weights 8, 1, 1: the heavy one is nearly always in a 2-answer,
	 * and when it is drawn first the second is split evenly */
	fix_init(&f, POOLDNS_POLICY_WEIGHTED, POOLDNS_FALLBACK_ALL, 2, 3);
	f.m[0].weight = 8;
	pooldns_policy_seed_thread(7);
	for (unsigned r = 0; r < draws; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 2);
		assert_distinct(out, 2);
		first[idx(&f, out[0])]++;
		second[idx(&f, out[1])]++;
	}
	double p0first = (double)first[0] / draws;
	ck_assert_msg(p0first > 0.785 && p0first < 0.815, "%.4f", p0first);
	/* P(m0 second) = 2 * 0.1 * 8/9 = 0.1778 */
	double p0second = (double)second[0] / draws;
	ck_assert_msg(p0second > 0.162 && p0second < 0.194, "%.4f", p0second);

	/* all of them when max >= n, each once */
	f.pool.max_answers = 8;
	for (int r = 0; r < 100; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 3);
		assert_distinct(out, 3);
	}
}
END_TEST

START_TEST(test_weighted_repeatable)
{
	struct fix f;
	const struct pooldns_member *out[8];
	size_t a[200], b[200];

	fix_init(&f, POOLDNS_POLICY_WEIGHTED, POOLDNS_FALLBACK_ALL, 1, 8);
	pooldns_policy_seed_thread(1234);
	for (int i = 0; i < 200; i++) {
		sel(&f, NULL, out, 8);
		a[i] = idx(&f, out[0]);
	}
	pooldns_policy_seed_thread(1234);
	for (int i = 0; i < 200; i++) {
		sel(&f, NULL, out, 8);
		b[i] = idx(&f, out[0]);
	}
	ck_assert_mem_eq(a, b, sizeof(a));
	/* and it is not constant */
	bool varied = false;
	for (int i = 1; i < 200; i++)
		varied |= a[i] != a[0];
	ck_assert(varied);
}
END_TEST

START_TEST(test_failover)
{
	struct fix f;
	const struct pooldns_member *out[8];
	unsigned count[NM];

	/* priorities: m0,m1 -> 0; m2,m3 -> 1; m4 -> 2 */
	fix_init(&f, POOLDNS_POLICY_FAILOVER, POOLDNS_FALLBACK_NONE, 1, 5);
	f.m[2].priority = 1;
	f.m[3].priority = 1;
	f.m[4].priority = 2;

	memset(count, 0, sizeof(count));
	for (int r = 0; r < 1000; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		count[idx(&f, out[0])]++;
	}
	ck_assert_uint_eq(count[0], 500);
	ck_assert_uint_eq(count[1], 500);

	/* max 8: only the group, both members */
	f.pool.max_answers = 8;
	ck_assert_uint_eq(sel(&f, NULL, out, 8), 2);
	ck_assert(idx(&f, out[0]) <= 1 && idx(&f, out[1]) <= 1);
	f.pool.max_answers = 1;

	set_up(&f, 0, false);
	for (int r = 0; r < 20; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		ck_assert_ptr_eq(out[0], &f.m[1]);
	}

	/* whole group 0 down: moves to group 1, rotated */
	set_up(&f, 1, false);
	memset(count, 0, sizeof(count));
	for (int r = 0; r < 1000; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		count[idx(&f, out[0])]++;
	}
	ck_assert_uint_eq(count[2], 500);
	ck_assert_uint_eq(count[3], 500);

	/* drained counts like down */
	f.m[2].enabled = false;
	set_up(&f, 3, false);
	for (int r = 0; r < 20; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		ck_assert_ptr_eq(out[0], &f.m[4]);
	}

	/* back up: returns to group 0 */
	set_up(&f, 0, true);
	ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
	ck_assert_ptr_eq(out[0], &f.m[0]);

	/* nothing usable, fallback none: empty */
	set_up(&f, 0, false);
	set_up(&f, 4, false);
	ck_assert_uint_eq(sel(&f, NULL, out, 8), 0);
}
END_TEST

START_TEST(test_hash_sticky)
{
	struct fix f;
	const struct pooldns_member *out[8], *first[8];
	struct pooldns_client c;
	size_t n;

	fix_init(&f, POOLDNS_POLICY_HASH, POOLDNS_FALLBACK_ALL, 2, 8);
	c = client4("192.0.2.55", 32);
	n = sel(&f, &c, first, 8);
	ck_assert_uint_eq(n, 2);
	assert_distinct(first, 2);
	for (int r = 0; r < 100; r++) {
		ck_assert_uint_eq(sel(&f, &c, out, 8), 2);
		ck_assert_ptr_eq(out[0], first[0]);
		ck_assert_ptr_eq(out[1], first[1]);
	}
	/* same /24 -> same answer */
	c = client4("192.0.2.200", 32);
	sel(&f, &c, out, 8);
	ck_assert_ptr_eq(out[0], first[0]);
	ck_assert_ptr_eq(out[1], first[1]);
	/* an ECS /24 of the same network -> same answer */
	c = client4("192.0.2.0", 24);
	sel(&f, &c, out, 8);
	ck_assert_ptr_eq(out[0], first[0]);
	/* a shorter ECS prefix groups wider */
	c = client4("10.1.0.0", 16);
	sel(&f, &c, first, 8);
	c = client4("10.1.77.9", 16);
	sel(&f, &c, out, 8);
	ck_assert_ptr_eq(out[0], first[0]);

	/* IPv6: same /56 sticks */
	c = client6("2001:db8:0:ff::1", 128);
	sel(&f, &c, first, 8);
	c = client6("2001:db8:0:aa::99", 128);
	sel(&f, &c, out, 8);
	ck_assert_ptr_eq(out[0], first[0]);
	ck_assert_ptr_eq(out[1], first[1]);
}
END_TEST

START_TEST(test_hash_spread_and_minimal_move)
{
	struct fix f;
	const struct pooldns_member *out[8];
	unsigned count[NM] = { 0 };
	size_t before[2000];
	struct pooldns_client c;
	char a[32];
	unsigned moved = 0, moved_from_down = 0;

	fix_init(&f, POOLDNS_POLICY_HASH, POOLDNS_FALLBACK_ALL, 1, 4);
	for (int i = 0; i < 2000; i++) {
		snprintf(a, sizeof(a), "%d.%d.%d.1", 1 + i / 256, i % 256, (i * 7) % 256);
		c = client4(a, 32);
		ck_assert_uint_eq(sel(&f, &c, out, 8), 1);
		before[i] = idx(&f, out[0]);
		count[before[i]]++;
	}
	for (int i = 0; i < 4; i++)
		ck_assert_msg(count[i] > 400 && count[i] < 600, "member %d got %u of 2000", i,
			      count[i]);

	/* member 2 goes down: only its clients move */
	set_up(&f, 2, false);
	for (int i = 0; i < 2000; i++) {
		snprintf(a, sizeof(a), "%d.%d.%d.1", 1 + i / 256, i % 256, (i * 7) % 256);
		c = client4(a, 32);
		sel(&f, &c, out, 8);
		ck_assert_uint_ne(idx(&f, out[0]), 2);
		if (idx(&f, out[0]) != before[i]) {
			moved++;
			if (before[i] == 2)
				moved_from_down++;
		}
	}
	ck_assert_uint_eq(moved, count[2]);
	ck_assert_uint_eq(moved_from_down, count[2]);
}
END_TEST

START_TEST(test_hash_without_client)
{
	struct fix f;
	const struct pooldns_member *out[8];
	struct pooldns_client c;
	unsigned count[NM] = { 0 };

	fix_init(&f, POOLDNS_POLICY_HASH, POOLDNS_FALLBACK_ALL, 1, 4);
	memset(&c, 0, sizeof(c));
	for (int r = 0; r < 400; r++) {
		ck_assert_uint_eq(sel(&f, &c, out, 8), 1);
		count[idx(&f, out[0])]++;
	}
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(count[i], 100);
	memset(count, 0, sizeof(count));
	for (int r = 0; r < 400; r++) {
		ck_assert_uint_eq(sel(&f, NULL, out, 8), 1);
		count[idx(&f, out[0])]++;
	}
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(count[i], 100);
}
END_TEST

START_TEST(test_fallback)
{
	struct fix f;
	const struct pooldns_member *out[16];

	for (int p = 0; p < POOLDNS_POLICY_COUNT; p++) {
		struct pooldns_client c = client4("198.51.100.1", 32);

		fix_init(&f, (enum pooldns_policy)p, POOLDNS_FALLBACK_ALL, 16, 5);
		f.m[3].enabled = false;
		for (int i = 0; i < 5; i++)
			set_up(&f, (size_t)i, false);
		/* fail open: every enabled member, never the drained one */
		size_t n = sel(&f, &c, out, 16);
		ck_assert_uint_eq(n, 4);
		assert_distinct(out, n);
		for (size_t i = 0; i < n; i++)
			ck_assert_ptr_ne(out[i], &f.m[3]);

		/* fail closed */
		f.pool.fallback = POOLDNS_FALLBACK_NONE;
		ck_assert_uint_eq(sel(&f, &c, out, 16), 0);

		/* one member back: fallback no longer applies */
		set_up(&f, 1, true);
		f.pool.fallback = POOLDNS_FALLBACK_ALL;
		ck_assert_uint_eq(sel(&f, &c, out, 16), 1);
		ck_assert_ptr_eq(out[0], &f.m[1]);

		/* everything drained: nothing even when failing open */
		for (int i = 0; i < 5; i++)
			f.m[i].enabled = false;
		ck_assert_uint_eq(sel(&f, &c, out, 16), 0);
	}
}
END_TEST

START_TEST(test_disabled_never_answered)
{
	struct fix f;
	const struct pooldns_member *out[16];

	for (int p = 0; p < POOLDNS_POLICY_COUNT; p++) {
		fix_init(&f, (enum pooldns_policy)p, POOLDNS_FALLBACK_ALL, 3, 8);
		f.m[0].enabled = false;
		f.m[5].enabled = false;
		f.m[0].weight = 1000; /* tempting for weighted */
		pooldns_policy_seed_thread(99);
		for (int r = 0; r < 2000; r++) {
			struct pooldns_client c;
			char a[32];

			snprintf(a, sizeof(a), "203.0.%d.%d", r % 256, r / 256);
			c = client4(a, 32);
			size_t n = sel(&f, &c, out, 16);
			ck_assert_uint_eq(n, 3);
			assert_distinct(out, n);
			for (size_t i = 0; i < n; i++) {
				ck_assert_ptr_ne(out[i], &f.m[0]);
				ck_assert_ptr_ne(out[i], &f.m[5]);
			}
		}
	}
}
END_TEST

START_TEST(test_max_answers_cap)
{
	struct fix f;
	const struct pooldns_member *out[16];

	for (int p = 0; p < POOLDNS_POLICY_COUNT; p++) {
		struct pooldns_client c = client4("192.0.2.1", 32);

		fix_init(&f, (enum pooldns_policy)p, POOLDNS_FALLBACK_ALL, 3, 10);
		ck_assert_uint_eq(sel(&f, &c, out, 16), 3);
		ck_assert_uint_eq(sel(&f, &c, out, 2), 2);
		ck_assert_uint_eq(sel(&f, &c, out, 0), 0);
		f.pool.max_answers = 64;
		ck_assert_uint_eq(sel(&f, &c, out, 16), 10);
		assert_distinct(out, 10);
		f.pool.n_v4 = 2;
		ck_assert_uint_eq(sel(&f, &c, out, 16), 2);
	}
}
END_TEST

START_TEST(test_families)
{
	struct fix f;
	const struct pooldns_member *out[16];

	fix_init(&f, POOLDNS_POLICY_ALL, POOLDNS_FALLBACK_ALL, 8, 3);
	ck_assert_uint_eq(pooldns_select(&f.pool, AF_INET6, NULL, out, 16), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_eq(out[i], &f.m6[i]);
		ck_assert_int_eq(out[i]->family, AF_INET6);
	}
	ck_assert_uint_eq(pooldns_select(&f.pool, 0, NULL, out, 16), 0);
	f.pool.n_v6 = 0;
	ck_assert_uint_eq(pooldns_select(&f.pool, AF_INET6, NULL, out, 16), 0);
	ck_assert_uint_eq(pooldns_select(&f.pool, AF_INET, NULL, out, 16), 3);
}
END_TEST

START_TEST(test_policy_table)
{
	static const char *const names[] = { "round_robin", "all", "weighted", "failover", "hash" };
	enum pooldns_policy p;

	for (int i = 0; i < POOLDNS_POLICY_COUNT; i++) {
		const struct pooldns_policy_def *d = pooldns_policy_get((enum pooldns_policy)i);
		ck_assert_ptr_nonnull(d);
		ck_assert_int_eq(d->id, i);
		ck_assert_str_eq(d->name, names[i]);
		ck_assert_ptr_nonnull(d->select);
		ck_assert_str_eq(pooldns_policy_name((enum pooldns_policy)i), names[i]);
		ck_assert_int_eq(pooldns_policy_parse(names[i], &p), 0);
		ck_assert_int_eq(p, i);
	}
	ck_assert_ptr_null(pooldns_policy_get(POOLDNS_POLICY_COUNT));
	ck_assert_str_eq(pooldns_policy_name(POOLDNS_POLICY_COUNT), "unknown");
	ck_assert_int_eq(pooldns_policy_parse("rr", &p), -1);
	ck_assert_int_eq(pooldns_policy_parse("Round_Robin", &p), -1);
	ck_assert_int_eq(pooldns_policy_parse(NULL, &p), -1);
}
END_TEST

#ifndef NDEBUG
START_TEST(test_invariant_weight_zero_aborts)
{
	struct fix f;
	const struct pooldns_member *out[8];

	fix_init(&f, POOLDNS_POLICY_WEIGHTED, POOLDNS_FALLBACK_ALL, 2, 3);
	f.m[1].weight = 0;
	sel(&f, NULL, out, 8);
}
END_TEST

START_TEST(test_invariant_unknown_policy_aborts)
{
	struct fix f;
	const struct pooldns_member *out[8];

	fix_init(&f, POOLDNS_POLICY_COUNT, POOLDNS_FALLBACK_ALL, 2, 3);
	sel(&f, NULL, out, 8);
}
END_TEST

START_TEST(test_invariant_max_answers_zero_aborts)
{
	struct fix f;
	const struct pooldns_member *out[8];

	fix_init(&f, POOLDNS_POLICY_ALL, POOLDNS_FALLBACK_ALL, 0, 3);
	sel(&f, NULL, out, 8);
}
END_TEST
#endif

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_robin_even);
	tcase_add_test(tc, test_round_robin_skips_down);
	tcase_add_test(tc, test_all);
	tcase_add_test(tc, test_weighted_proportions);
	tcase_add_test(tc, test_weighted_without_replacement);
	tcase_add_test(tc, test_weighted_repeatable);
	tcase_add_test(tc, test_failover);
	tcase_add_test(tc, test_hash_sticky);
	tcase_add_test(tc, test_hash_spread_and_minimal_move);
	tcase_add_test(tc, test_hash_without_client);
	tcase_add_test(tc, test_fallback);
	tcase_add_test(tc, test_disabled_never_answered);
	tcase_add_test(tc, test_max_answers_cap);
	tcase_add_test(tc, test_families);
	tcase_add_test(tc, test_policy_table);
	suite_add_tcase(s, tc);
#ifndef NDEBUG
	/* Needs Check's fork mode (the default): the child aborts. */
	const char *fork_mode = getenv("CK_FORK");
	if (fork_mode == NULL || strcmp(fork_mode, "no") != 0) {
		TCase *inv = tcase_create("invariants");
		tcase_add_test_raise_signal(inv, test_invariant_weight_zero_aborts, SIGABRT);
		tcase_add_test_raise_signal(inv, test_invariant_unknown_policy_aborts, SIGABRT);
		tcase_add_test_raise_signal(inv, test_invariant_max_answers_zero_aborts, SIGABRT);
		suite_add_tcase(s, inv);
	}
#endif
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
