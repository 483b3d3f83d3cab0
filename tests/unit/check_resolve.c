/*
 * check_resolve.c — unit tests for core/dns/resolve.c: which names are ours,
 * REFUSED for foreign names and classes, answers at pool names (A, AAAA,
 * ANY, SOA, NS, other types), NXDOMAIN below a pool, NODATA at empty
 * non-terminals, configured zones (with and without a snapshot), the apex
 * chosen for negative answers, and the defaults; the rules both encoders
 * copy from the result: the negative TTL, the RCODE of each kind and the
 * synthesized SOA RDATA (decoded with ldns, an independent decoder); and
 * that a broken invariant (asserted, not clamped) aborts.
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
#include <ldns/ldns.h>
#include <signal.h>
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

/* ---- the rules the encoders copy --------------------------------------- */

START_TEST(test_negative_ttl)
{
	struct pooldns_zone_cfg zc;

	pooldns_zone_cfg_defaults(&zc);
	ck_assert_uint_eq(pooldns_negative_ttl(&zc), 60); /* 3600 vs 60 */
	zc.soa_ttl = 30;
	ck_assert_uint_eq(pooldns_negative_ttl(&zc), 30); /* the SOA's own TTL caps it */
	zc.negative_ttl = 30;
	ck_assert_uint_eq(pooldns_negative_ttl(&zc), 30);
	zc.negative_ttl = 0;
	ck_assert_uint_eq(pooldns_negative_ttl(&zc), 0);
	zc.soa_ttl = 0;
	zc.negative_ttl = 86400;
	ck_assert_uint_eq(pooldns_negative_ttl(&zc), 0);
}
END_TEST

START_TEST(test_result_rcode)
{
	ck_assert_uint_eq(pooldns_result_rcode(POOLDNS_RESULT_REFUSED), POOLDNS_RCODE_REFUSED);
	ck_assert_uint_eq(pooldns_result_rcode(POOLDNS_RESULT_ANSWER), POOLDNS_RCODE_NOERROR);
	ck_assert_uint_eq(pooldns_result_rcode(POOLDNS_RESULT_NODATA), POOLDNS_RCODE_NOERROR);
	ck_assert_uint_eq(pooldns_result_rcode(POOLDNS_RESULT_NXDOMAIN), POOLDNS_RCODE_NXDOMAIN);
	/* The DNS numbers themselves, as ldns knows them. */
	ck_assert_uint_eq(POOLDNS_RCODE_REFUSED, LDNS_RCODE_REFUSED);
	ck_assert_uint_eq(POOLDNS_RCODE_NXDOMAIN, LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(POOLDNS_RCODE_NOERROR, LDNS_RCODE_NOERROR);
}
END_TEST

/* Decodes soa as one SOA RR (owner ".", class IN) with ldns. */
static ldns_rr *soa_decode(const struct pooldns_soa *soa)
{
	uint8_t wire[11 + POOLDNS_SOA_RDATA_MAX];
	size_t pos = 0;
	ldns_rr *rr = NULL;

	ck_assert_uint_le(soa->rdlen, POOLDNS_SOA_RDATA_MAX);
	ck_assert_uint_eq(soa->rdlen, (size_t)soa->mname_len + soa->rname_len + 20);
	/* owner ".", type SOA, class IN, TTL 0, RDLENGTH */
	static const uint8_t head[9] = { 0, 0, POOLDNS_TYPE_SOA, 0, POOLDNS_CLASS_IN, 0, 0, 0, 0 };
	memcpy(wire, head, sizeof head);
	wire[9] = (uint8_t)(soa->rdlen >> 8);
	wire[10] = (uint8_t)soa->rdlen;
	memcpy(wire + 11, soa->rdata, soa->rdlen);
	ck_assert_int_eq(
		ldns_wire2rr(&rr, wire, 11 + (size_t)soa->rdlen, &pos, LDNS_SECTION_ANSWER),
		LDNS_STATUS_OK);
	ck_assert_uint_eq(pos, 11 + (size_t)soa->rdlen); /* nothing left over */
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	ck_assert_uint_eq(ldns_rr_rd_count(rr), 7);
	return rr;
}

static void assert_rdf_name(const ldns_rdf *rdf, const char *text)
{
	char *s = ldns_rdf2str(rdf);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, text);
	free(s);
}

/* Checks a decoded SOA against the expected fields. */
static void assert_soa_fields(const ldns_rr *rr, const char *mname, const char *rname,
			      uint32_t serial, uint32_t refresh, uint32_t retry, uint32_t expire,
			      uint32_t minimum)
{
	assert_rdf_name(ldns_rr_rdf(rr, 0), mname);
	assert_rdf_name(ldns_rr_rdf(rr, 1), rname);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)), serial);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 3)), refresh);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 4)), retry);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 5)), expire);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)), minimum);
}

/* A name of exactly len wire bytes: labels of 63 under "test." padded with
 * one shorter label. */
static struct name name_of_len(size_t len)
{
	char text[POOLDNS_NAME_TEXT_MAX];
	size_t wire = 6; /* "test." */
	size_t t = 0;

	ck_assert_uint_ge(len, 8);
	while (wire < len) {
		size_t l = len - wire - 1;
		if (l > 63)
			l = 63;
		ck_assert_uint_gt(l, 0);
		memset(text + t, 'a', l);
		t += l;
		text[t++] = '.';
		wire += l + 1;
	}
	memcpy(text + t, "test.", 6);
	struct name n = N(text);
	ck_assert_uint_eq(n.len, len);
	return n;
}

START_TEST(test_soa_rdata)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_soa soa;
	struct name apex = N("www.example.com.");

	pooldns_zone_cfg_defaults(&zc);
	zc.refresh = 1000;
	zc.retry = 200;
	zc.expire = 50000;
	zc.negative_ttl = 45;

	/* The defaults: MNAME localhost., RNAME hostmaster.<apex>. */
	memset(&soa, 0xa5, sizeof soa);
	soa.ttl = 7;
	pooldns_soa_rdata(&zc, apex.w, apex.len, 0x89abcdefu, &soa);
	ck_assert_uint_eq(soa.ttl, 7); /* left alone */
	ck_assert_uint_eq(soa.mname_len, 11);
	ck_assert_mem_eq(soa.rdata, "\011localhost\000", 11);
	ck_assert_uint_eq(soa.rname_len, 11 + apex.len);
	ldns_rr *rr = soa_decode(&soa);
	assert_soa_fields(rr, "localhost.", "hostmaster.www.example.com.", 0x89abcdefu, 1000, 200,
			  50000, 45);
	ldns_rr_free(rr);

	/* soa-rname and the first of several ns-names. */
	struct name ns1 = N("ns1.example.net."), ns2 = N("ns2.example.net.");
	struct name rname = N("dns-admin.example.org.");
	memcpy(zc.ns[0], ns1.w, ns1.len);
	zc.ns_len[0] = (uint8_t)ns1.len;
	memcpy(zc.ns[1], ns2.w, ns2.len);
	zc.ns_len[1] = (uint8_t)ns2.len;
	zc.nns = 2;
	memcpy(zc.rname, rname.w, rname.len);
	zc.rname_len = (uint8_t)rname.len;
	pooldns_soa_rdata(&zc, apex.w, apex.len, 1, &soa);
	ck_assert_uint_eq(soa.mname_len, ns1.len);
	ck_assert_uint_eq(soa.rname_len, rname.len);
	rr = soa_decode(&soa);
	assert_soa_fields(rr, "ns1.example.net.", "dns-admin.example.org.", 1, 1000, 200, 50000,
			  45);
	ldns_rr_free(rr);

	/* hostmaster.<apex> up to 255 bytes; past that the apex alone. */
	zc.rname_len = 0;
	struct name fits = name_of_len(POOLDNS_NAME_MAX - 11);
	pooldns_soa_rdata(&zc, fits.w, fits.len, 2, &soa);
	ck_assert_uint_eq(soa.rname_len, POOLDNS_NAME_MAX);
	ck_assert_mem_eq(soa.rdata + soa.mname_len, "\012hostmaster", 11);
	ck_assert_mem_eq(soa.rdata + soa.mname_len + 11, fits.w, fits.len);
	ldns_rr_free(soa_decode(&soa));
	struct name too_long = name_of_len(POOLDNS_NAME_MAX - 10);
	pooldns_soa_rdata(&zc, too_long.w, too_long.len, 3, &soa);
	ck_assert_uint_eq(soa.rname_len, too_long.len);
	ck_assert_mem_eq(soa.rdata + soa.mname_len, too_long.w, too_long.len);
	ldns_rr_free(soa_decode(&soa));
	struct name longest = name_of_len(POOLDNS_NAME_MAX);
	pooldns_soa_rdata(&zc, longest.w, longest.len, 4, &soa);
	ck_assert_uint_eq(soa.rdlen, ns1.len + POOLDNS_NAME_MAX + 20);
	ldns_rr_free(soa_decode(&soa));
}
END_TEST

/* What pooldns_resolve() hands both encoders: the RCODE, and the SOA record
 * with the TTL of its section. */
START_TEST(test_result_rules)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_result r;
	struct pooldns_snapshot *s = standard_snapshot();
	ldns_rr *rr;

	pooldns_zone_cfg_defaults(&zc);
	zc.soa_ttl = 300;
	zc.negative_ttl = 900;

	/* Negative answers: the apex's SOA at min(soa-ttl, negative-ttl). */
	resolve(&zc, s, "x.www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NXDOMAIN);
	ck_assert_uint_eq(r.rcode, POOLDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(r.soa.ttl, 300);
	rr = soa_decode(&r.soa);
	assert_soa_fields(rr, "localhost.", "hostmaster.www.example.com.", 4242, 3600, 600, 86400,
			  900);
	ldns_rr_free(rr);
	zc.negative_ttl = 20;
	resolve(&zc, s, "www.example.com.", 15 /* MX */, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_NODATA);
	ck_assert_uint_eq(r.rcode, POOLDNS_RCODE_NOERROR);
	ck_assert_uint_eq(r.soa.ttl, 20);
	rr = soa_decode(&r.soa);
	assert_soa_fields(rr, "localhost.", "hostmaster.www.example.com.", 4242, 3600, 600, 86400,
			  20);
	ldns_rr_free(rr);

	/* The SOA in the answer section: soa-ttl. */
	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_ANSWER);
	ck_assert_uint_eq(r.rcode, POOLDNS_RCODE_NOERROR);
	ck_assert_uint_eq(r.soa.ttl, 300);
	ldns_rr_free(soa_decode(&r.soa));

	/* A zone apex without a snapshot: zone_serial. */
	add_zone(&zc, "example.org.");
	zc.zone_serial = 12;
	resolve(&zc, NULL, "nope.example.org.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_uint_eq(r.rcode, POOLDNS_RCODE_NXDOMAIN);
	rr = soa_decode(&r.soa);
	assert_soa_fields(rr, "localhost.", "hostmaster.example.org.", 12, 3600, 600, 86400, 20);
	ldns_rr_free(rr);

	/* No SOA to copy: addresses only, or REFUSED. */
	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_uint_eq(r.rcode, POOLDNS_RCODE_NOERROR);
	ck_assert_uint_eq(r.soa.rdlen, 0);
	resolve(&zc, s, "www.example.net.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, &r);
	ck_assert_int_eq(r.kind, POOLDNS_RESULT_REFUSED);
	ck_assert_uint_eq(r.rcode, POOLDNS_RCODE_REFUSED);
	ck_assert_uint_eq(r.soa.rdlen, 0);
	resolve(&zc, s, "www.example.com.", POOLDNS_TYPE_A, 3 /* CH */, &r);
	ck_assert_uint_eq(r.rcode, POOLDNS_RCODE_REFUSED);
	pooldns_snapshot_free(s);
}
END_TEST

/* ---- invariants --------------------------------------------------------- */

#ifndef NDEBUG
/* A zone config the parser would have refused (no NS name) is a broken
 * invariant: resolve asserts instead of answering with garbage. */
START_TEST(test_invariant_no_ns_aborts)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_result r;

	pooldns_zone_cfg_defaults(&zc);
	zc.nns = 0;
	resolve(&zc, NULL, "example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, &r);
}
END_TEST

/* An empty name never leaves the parser. */
START_TEST(test_invariant_empty_name_aborts)
{
	struct pooldns_zone_cfg zc;
	struct pooldns_result r;
	static const uint8_t root[] = { 0 };

	pooldns_zone_cfg_defaults(&zc);
	pooldns_resolve(&zc, NULL, root, 0, POOLDNS_TYPE_A, POOLDNS_CLASS_IN, NULL, &r);
}
END_TEST
#endif

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
	tcase_add_test(tc, test_negative_ttl);
	tcase_add_test(tc, test_result_rcode);
	tcase_add_test(tc, test_soa_rdata);
	tcase_add_test(tc, test_result_rules);
	suite_add_tcase(s, tc);
#ifndef NDEBUG
	/* Needs Check's fork mode (the default): the child aborts. */
	const char *fork_mode = getenv("CK_FORK");
	if (fork_mode == NULL || strcmp(fork_mode, "no") != 0) {
		TCase *inv = tcase_create("invariants");
		tcase_add_test_raise_signal(inv, test_invariant_no_ns_aborts, SIGABRT);
		tcase_add_test_raise_signal(inv, test_invariant_empty_name_aborts, SIGABRT);
		suite_add_tcase(s, inv);
	}
#endif
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
