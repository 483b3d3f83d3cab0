/*
 * check_resolve.c — unit tests for core/dns/resolve.c: which names are ours,
 * REFUSED for foreign names and classes, answers at pool names (A, AAAA,
 * ANY, SOA, NS, other types), NXDOMAIN below a pool, NODATA at empty
 * non-terminals, configured zones (with and without a snapshot), the apex
 * chosen for negative answers, and the defaults.
 *
 * Snapshots are built through the real builder from pooldns_table rows in
 * the column order of POOLDNS_SQL_POOLS / POOLDNS_SQL_MEMBERS, made with the
 * shared fixture (testdata.h).
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/model/builder.h"
#include "core/dns/resolve.h"
#include "core/source/table.h"
#include "testdata.h"
#include "core/dns/wire.h"

/* ---- dataset fixture ---------------------------------------------------- */

static struct pooldns_snapshot *build(struct pooldns_dataset *ds)
{
	char err[256];
	struct pooldns_build_stats st;
	struct pooldns_snapshot *s = pooldns_snapshot_build(ds, NULL, &st, err, sizeof err);

	ck_assert_msg(s != NULL, "build failed: %s", err);
	ck_assert_uint_eq(st.bad_pools, 0);
	ck_assert_uint_eq(st.bad_members, 0);
	pooldns_dataset_clear(ds);
	return s;
}

/* The standard snapshot of these tests (data version 4242). */
static struct pooldns_snapshot *standard_snapshot(void)
{
	struct pooldns_dataset ds;

	td_dataset_init(&ds, 4242);
	TD_POOL(&ds, .id = 1, .name = "www.example.com.", .ttl = 30, .policy = "all",
		.max_answers = 8);
	TD_POOL(&ds, .id = 2, .name = "v4only.example.com.", .ttl = 45, .policy = "all",
		.max_answers = 8);
	TD_POOL(&ds, .id = 3, .name = "a.b.deep.test.", .ttl = 10, .policy = "all",
		.max_answers = 8);
	TD_POOL(&ds, .id = 4, .name = "empty.example.com.", .ttl = 20, .policy = "all",
		.max_answers = 8);
	TD_POOL(&ds, .id = 5, .name = "drained.example.com.", .ttl = 20, .policy = "all",
		.max_answers = 8);
	TD_POOL(&ds, .id = 6, .name = "capped.example.com.", .ttl = 20, .policy = "round_robin",
		.max_answers = 2);
	TD_MEMBER(&ds, .id = 1, .pool = 1, .host = "192.0.2.1");
	TD_MEMBER(&ds, .id = 2, .pool = 1, .host = "192.0.2.2");
	TD_MEMBER(&ds, .id = 3, .pool = 1, .host = "2001:db8::1");
	TD_MEMBER(&ds, .id = 4, .pool = 2, .host = "198.51.100.7");
	TD_MEMBER(&ds, .id = 5, .pool = 3, .host = "203.0.113.3");
	TD_MEMBER(&ds, .id = 6, .pool = 5, .host = "203.0.113.9", .disabled = 1);
	for (int i = 0; i < 5; i++) {
		char h[32];
		snprintf(h, sizeof h, "10.0.0.%d", i + 1);
		TD_MEMBER(&ds, .id = 10 + i, .pool = 6, .host = h);
	}
	return build(&ds);
}

/* ---- helpers ------------------------------------------------------------ */

struct name {
	uint8_t w[POOLDNS_NAME_MAX];
	size_t len;
};

static struct name N(const char *text) {
	struct name n;
	int l = pooldns_dname_from_text(text, n.w, sizeof n.w);
	ck_assert_int_gt(l, 0);
	n.len = (size_t)l;
	return n;
}

static void
add_zone(struct pooldns_zone_cfg *zc, const char *text)
{
	struct name n = N(text);
	ck_assert_uint_lt(zc->nzones, POOLDNS_MAX_ZONES);
	memcpy(zc->zones[zc->nzones], n.w, n.len);
	zc->zone_len[zc->nzones] = (uint8_t)n.len;
	zc->nzones++;
}

static void resolve(const struct pooldns_zone_cfg *zc, struct pooldns_snapshot *snap,
		    const char *qname, uint16_t qtype, uint16_t qclass, struct pooldns_result *r)
{
	struct name n = N(qname);
	struct pooldns_client client = { .family = AF_INET,
					 .addr = { 127, 0, 0, 1 },
					 .prefix = 32 };

	memset(r, 0xa5, sizeof *r); /* stale garbage must not leak through */
	pooldns_resolve(zc, snap, n.w, n.len, qtype, qclass, &client, r);
}

static void assert_apex(const struct pooldns_result *r, const char *text)
{
	struct name n = N(text);
	ck_assert_ptr_nonnull(r->apex);
	ck_assert_uint_eq(r->apex_len, n.len);
	ck_assert_mem_eq(r->apex, n.w, n.len);
}

static bool has_v4(const struct pooldns_result *r, const char *text)
{
	uint8_t a[4];
	ck_assert_int_eq(inet_pton(AF_INET, text, a), 1);
	for (size_t i = 0; i < r->n_v4; i++)
		if (memcmp(r->v4[i]->addr, a, 4) == 0)
			return true;
	return false;
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_defaults)
{
	struct pooldns_zone_cfg zc;

	memset(&zc, 0x5a, sizeof zc);
	pooldns_zone_cfg_defaults(&zc);
	ck_assert_uint_eq(zc.nzones, 0);
	ck_assert_uint_eq(zc.nns, 1);
	ck_assert_uint_eq(zc.ns_len[0], 11);
	ck_assert_mem_eq(zc.ns[0], "\011localhost\000", 11);
	ck_assert_uint_eq(zc.rname_len, 0);
	ck_assert_uint_eq(zc.soa_ttl, 3600);
	ck_assert_uint_eq(zc.refresh, 3600);
	ck_assert_uint_eq(zc.retry, 600);
	ck_assert_uint_eq(zc.expire, 86400);
	ck_assert_uint_eq(zc.negative_ttl, 60);
}
END_TEST

START_TEST(test_pool_answers)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_result r;
	struct pooldns_snapshot *s = standard_snapshot();

	pooldns_zone_cfg_defaults(&zc);

	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_ptr_nonnull(r.pool);
	ck_assert_int_eq(r.pool->id, 1);
	assert_apex(&r, "www.example.com.");
	ck_assert_uint_eq(r.n_v4, 2);
	ck_assert_uint_eq(r.n_v6, 0);
	ck_assert(has_v4(&r, "192.0.2.1"));
	ck_assert(has_v4(&r, "192.0.2.2"));
	ck_assert_uint_eq(r.ttl, 30);
	ck_assert_uint_eq(r.serial, 4242);
	ck_assert(!r.answer_soa);
	ck_assert(!r.answer_ns);
	ck_assert(!r.authority_soa);

	/* Class ANY is served like IN. */
	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_ANY, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_uint_eq(r.n_v4, 0);
	ck_assert_uint_eq(r.n_v6, 1);
	uint8_t a6[16];
	inet_pton(AF_INET6, "2001:db8::1", a6);
	ck_assert_mem_eq(r.v6[0]->addr, a6, 16);

	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_ANY, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_uint_eq(r.n_v4, 2);
	ck_assert_uint_eq(r.n_v6, 1);

	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert(r.answer_soa);
	ck_assert(!r.answer_ns);
	ck_assert_uint_eq(r.n_v4 + r.n_v6, 0);
	assert_apex(&r, "www.example.com.");

	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_NS, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert(r.answer_ns);
	ck_assert(!r.answer_soa);

	/* Other types at a pool name: NODATA with the pool's SOA. */
	resolve(&zc, s, "www.example.com.", 15 /* MX */, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	ck_assert(r.authority_soa);
	ck_assert_ptr_nonnull(r.pool);
	assert_apex(&r, "www.example.com.");
	ck_assert_uint_eq(r.n_v4 + r.n_v6, 0);

	/* No member of the family: NODATA. */
	resolve(&zc, s, "v4only.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	ck_assert(r.authority_soa);
	resolve(&zc, s, "v4only.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_uint_eq(r.ttl, 45);
	/* No members at all, or only drained ones: NODATA. */
	resolve(&zc, s, "empty.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	resolve(&zc, s, "drained.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	resolve(&zc, s, "empty.example.com.", POOLDNS_TYPE_ANY, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);

	/* max_answers caps the selection. */
	resolve(&zc, s, "capped.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_uint_eq(r.n_v4, 2);

	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_refused)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_result r;
	struct pooldns_snapshot *s = standard_snapshot();

	pooldns_zone_cfg_defaults(&zc);
	/* Not ours at all. */
	resolve(&zc, s, "www.example.org.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_REFUSED);
	ck_assert_ptr_null(r.apex);
	ck_assert_ptr_null(r.pool);
	ck_assert(!r.authority_soa);
	/* An ancestor of a pool with no zone configured is not ours either. */
	resolve(&zc, s, "example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_REFUSED);
	resolve(&zc, s, ".", POOLDNS_TYPE_NS, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_REFUSED);
	/* A name that merely ends like a pool, not on a label boundary. */
	resolve(&zc, s, "xwww.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_REFUSED);
	/* Our name in class CH / HS / NONE. */
	static const uint16_t classes[] = { 3, 4, 254, 0, 2 };
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_A, classes[i], &r);
		ck_assert_int_eq(r.kind, POOLDNS_RESULT_REFUSED);
		ck_assert_uint_eq(r.n_v4, 0);
	}
	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_below_pool_and_ent)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_result r;
	struct pooldns_snapshot *s = standard_snapshot();

	pooldns_zone_cfg_defaults(&zc);
	/* Below a pool: NXDOMAIN with the pool's SOA. */
	resolve(&zc, s, "x.www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	ck_assert(r.authority_soa);
	assert_apex(&r, "www.example.com.");
	ck_assert_ptr_null(r.pool);
	ck_assert_uint_eq(r.serial, 4242);
	resolve(&zc, s, "y.x.WWW.example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	ck_assert(!r.answer_soa);

	/* With zone "test." configured: b.deep.test. and deep.test. are empty
	 * non-terminals above pool a.b.deep.test.; c.deep.test. does not exist. */
	add_zone(&zc, "test.");
	resolve(&zc, s, "b.deep.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	ck_assert(r.authority_soa);
	assert_apex(&r, "test.");
	resolve(&zc, s, "deep.test.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	resolve(&zc, s, "c.deep.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	assert_apex(&r, "test.");
	resolve(&zc, s, "a.b.deep.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	assert_apex(&r, "a.b.deep.test.");
	/* Below the pool inside the zone: the pool is the closer apex. */
	resolve(&zc, s, "z.a.b.deep.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	assert_apex(&r, "a.b.deep.test.");
	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_zones)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_result r;
	struct pooldns_snapshot *s = standard_snapshot();

	pooldns_zone_cfg_defaults(&zc);
	zc.zone_serial = 77;
	add_zone(&zc, "example.com.");
	add_zone(&zc, "deeper.sub.example.com.");

	/* Apex: SOA and NS answer, ANY both, A is NODATA. */
	resolve(&zc, s, "example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert(r.answer_soa);
	ck_assert_ptr_null(r.pool);
	assert_apex(&r, "example.com.");
	ck_assert_uint_eq(r.serial, 4242); /* the snapshot's version wins */
	resolve(&zc, s, "EXAMPLE.com.", POOLDNS_TYPE_NS, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert(r.answer_ns);
	resolve(&zc, s, "example.com.", POOLDNS_TYPE_ANY, POOLDNS_CLASS_IN, &r);
	ck_assert(r.answer_ns && r.answer_soa);
	resolve(&zc, s, "example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	ck_assert(r.authority_soa);
	assert_apex(&r, "example.com.");

	/* Inside the zone: NXDOMAIN, or NODATA above a deeper zone. */
	resolve(&zc, s, "nothing.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	assert_apex(&r, "example.com.");
	resolve(&zc, s, "sub.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	assert_apex(&r, "example.com.");
	resolve(&zc, s, "x.deeper.sub.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	assert_apex(&r, "deeper.sub.example.com.");
	/* Pools inside the zone still answer as pools. */
	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_uint_eq(r.n_v4, 2);

	/* No snapshot yet: zones answer with zone_serial; pools are unknown
	 * names inside the zone. Outside every zone: REFUSED. */
	resolve(&zc, NULL, "example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_uint_eq(r.serial, 77);
	resolve(&zc, NULL, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	resolve(&zc, NULL, "a.b.deep.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_REFUSED);

	/* A zone that is also a pool name: the pool answers. */
	add_zone(&zc, "www.example.com.");
	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_ptr_nonnull(r.pool);
	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_hash_client)
{
	struct pooldns_dataset ds;
	struct pooldns_zone_cfg zc;
	struct pooldns_result r1, r2;

	td_dataset_init(&ds, 9);
	TD_POOL(&ds, .id = 1, .name = "h.test.", .ttl = 5, .policy = "hash", .max_answers = 1);
	for (int i = 0; i < 16; i++) {
		char h[32];
		snprintf(h, sizeof h, "10.9.0.%d", i + 1);
		TD_MEMBER(&ds, .id = i + 1, .pool = 1, .host = h);
	}
	struct pooldns_snapshot *s = build(&ds);
	pooldns_zone_cfg_defaults(&zc);
	struct name n = N("h.test.");

	/* The same client gets the same member every time; the client passed
	 * in reaches selection. Over 64 clients more than one member shows. */
	const struct pooldns_member *first = NULL;
	bool differ = false;
	for (int c = 0; c < 64; c++) {
		struct pooldns_client cl = { .family = AF_INET,
					     .addr = { 172, 16, (uint8_t)c, 1 },
					     .prefix = 32 };
		pooldns_resolve(&zc, s, n.w, n.len, POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &cl, &r1);
		pooldns_resolve(&zc, s, n.w, n.len, POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &cl, &r2);
		ck_assert_uint_eq(r1.n_v4, 1);
		ck_assert_ptr_eq(r1.v4[0], r2.v4[0]);
		if (first == NULL)
			first = r1.v4[0];
		else if (first != r1.v4[0])
			differ = true;
	}
	ck_assert(differ);
	pooldns_snapshot_free(s);
}
END_TEST

static Suite *resolve_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_pool_answers);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_below_pool_and_ent);
	tcase_add_test(tc, test_zones);
	tcase_add_test(tc, test_hash_client);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(resolve_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
