/*
 * check_answer.c — unit tests for core/dns/answer.c, the whole answer path:
 * queries go in as wire bytes, responses come out and are decoded with
 * ldns (an independent decoder) to check header flags, sections, TTLs, SOA
 * fields, case echo, compression, EDNS (payload, DO, BADVERS, client-subnet
 * echo and scope), TC over UDP with and without EDNS versus TCP, FORMERR /
 * NOTIMP / REFUSED / drops, the header bits of every opcode, and zones
 * from the configuration.
 *
 * Snapshots come from the real builder (pooldns_table rows made with the
 * shared fixture, testdata.h) and are published in a real store.
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/dns/answer.h"
#include "core/model/builder.h"
#include "core/model/store.h"
#include "core/source/table.h"
#include "testdata.h"
#include "core/dns/wire.h"

/* ---- dataset fixture ---------------------------------------------------- */

#define DATA_VERSION 0x1234567890LL /* serial is its low 32 bits */

static struct pooldns_snapshot *make_snapshot(void)
{
	struct pooldns_dataset ds;
	char err[256];
	struct pooldns_build_stats st;

	td_dataset_init(&ds, DATA_VERSION);
	TD_POOL(&ds, .id = 1, .name = "www.example.com.", .ttl = 30, .policy = "all",
		.max_answers = 8);
	TD_MEMBER(&ds, .id = 1, .pool = 1, .host = "192.0.2.1");
	TD_MEMBER(&ds, .id = 2, .pool = 1, .host = "192.0.2.2");
	TD_MEMBER(&ds, .id = 3, .pool = 1, .host = "2001:db8::1");
	TD_POOL(&ds, .id = 2, .name = "big6.example.com.", .ttl = 120, .policy = "all",
		.max_answers = 64);
	for (int i = 0; i < 64; i++) {
		char h[64];
		snprintf(h, sizeof h, "2001:db8:6::%x", i + 1);
		TD_MEMBER(&ds, .id = 100 + i, .pool = 2, .host = h);
	}
	TD_POOL(&ds, .id = 3, .name = "hash.example.com.", .ttl = 10, .policy = "hash",
		.max_answers = 1);
	TD_MEMBER(&ds, .id = 200, .pool = 3, .host = "198.51.100.1");
	TD_MEMBER(&ds, .id = 201, .pool = 3, .host = "198.51.100.2");
	TD_POOL(&ds, .id = 4, .name = "a.b.ent.example.com.", .ttl = 10, .policy = "all",
		.max_answers = 8);
	TD_MEMBER(&ds, .id = 300, .pool = 4, .host = "203.0.113.4");

	struct pooldns_snapshot *s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof err);
	ck_assert_msg(s != NULL, "build: %s", err);
	ck_assert_uint_eq(st.bad_pools + st.bad_members, 0);
	pooldns_dataset_clear(&ds);
	return s;
}

static struct pooldns_answer_cfg cfg;
static struct pooldns_store *store;
static uint8_t out[POOLDNS_MSG_MAX];
static const struct pooldns_client client = { .family = AF_INET,
					      .addr = { 127, 0, 0, 1 },
					      .prefix = 32 };

static void set_wire_name(uint8_t *dst, uint8_t *len, const char *text)
{
	int l = pooldns_dname_from_text(text, dst, POOLDNS_NAME_MAX);
	ck_assert_int_gt(l, 0);
	*len = (uint8_t)l;
}

static void setup(void)
{
	pooldns_zone_cfg_defaults(&cfg.zone);
	cfg.edns_payload = POOLDNS_EDNS_DEFAULT;
	cfg.zone.soa_ttl = 300;
	cfg.zone.negative_ttl = 60;
	cfg.zone.refresh = 1000;
	cfg.zone.retry = 200;
	cfg.zone.expire = 50000;
	set_wire_name(cfg.zone.ns[0], &cfg.zone.ns_len[0], "ns1.example.net.");
	set_wire_name(cfg.zone.ns[1], &cfg.zone.ns_len[1], "ns2.example.net.");
	cfg.zone.nns = 2;
	set_wire_name(cfg.zone.zones[0], &cfg.zone.zone_len[0], "example.com.");
	cfg.zone.nzones = 1;
	store = pooldns_store_new();
	ck_assert_ptr_nonnull(store);
	pooldns_store_publish(store, make_snapshot());
}

static void teardown(void)
{
	pooldns_store_free(store);
	store = NULL;
}

/* ---- query builder ------------------------------------------------------ */

struct qb {
	uint8_t b[1024];
	size_t n;
};

static void qb_u8(struct qb *q, uint8_t v)
{
	ck_assert_uint_lt(q->n, sizeof q->b);
	q->b[q->n++] = v;
}

static void qb_u16(struct qb *q, uint16_t v)
{
	qb_u8(q, (uint8_t)(v >> 8));
	qb_u8(q, (uint8_t)v);
}

/* Header and one question; the name keeps the case of text (no escapes). */
static void qb_query(struct qb *q, uint16_t id, uint16_t flags, const char *name, uint16_t type,
		     uint16_t cls, uint16_t arcount)
{
	q->n = 0;
	qb_u16(q, id);
	qb_u16(q, flags);
	qb_u16(q, 1);
	qb_u16(q, 0);
	qb_u16(q, 0);
	qb_u16(q, arcount);
	if (strcmp(name, ".") != 0) {
		const char *p = name;
		while (*p) {
			const char *dot = strchr(p, '.');
			size_t l = dot ? (size_t)(dot - p) : strlen(p);
			qb_u8(q, (uint8_t)l);
			for (size_t i = 0; i < l; i++)
				qb_u8(q, (uint8_t)p[i]);
			p += l + (dot ? 1 : 0);
		}
	}
	qb_u8(q, 0);
	qb_u16(q, type);
	qb_u16(q, cls);
}

static void qb_opt(struct qb *q, uint16_t size, uint8_t version, bool dobit, uint16_t rdlen)
{
	qb_u8(q, 0);
	qb_u16(q, POOLDNS_TYPE_OPT);
	qb_u16(q, size);
	qb_u8(q, 0);
	qb_u8(q, version);
	qb_u16(q, dobit ? 0x8000 : 0);
	qb_u16(q, rdlen);
}

static void qb_ecs(struct qb *q, uint16_t family, uint8_t source, const uint8_t *addr)
{
	size_t n = ((size_t)source + 7) / 8;
	qb_u16(q, POOLDNS_EDNS_OPT_ECS);
	qb_u16(q, (uint16_t)(4 + n));
	qb_u16(q, family);
	qb_u8(q, source);
	qb_u8(q, 0);
	for (size_t i = 0; i < n; i++)
		qb_u8(q, addr[i]);
}

/* ---- running and decoding ----------------------------------------------- */

static size_t run(const struct qb *q, bool tcp, struct pooldns_answer_info *info)
{
	return pooldns_answer_packet(&cfg, store, q->b, q->n, tcp, &client, out, sizeof out, info);
}

static ldns_pkt *decode(size_t n)
{
	ldns_pkt *p = NULL;
	ck_assert_uint_gt(n, 0);
	ldns_status st = ldns_wire2pkt(&p, out, n);
	ck_assert_msg(st == LDNS_STATUS_OK, "ldns: %s", ldns_get_errorstr_by_id(st));
	return p;
}

static char *owner_str(const ldns_rr *rr)
{
	return ldns_rdf2str(ldns_rr_owner(rr));
}

static void assert_owner(const ldns_rr *rr, const char *want)
{
	char *s = owner_str(rr);
	ck_assert_str_eq(s, want);
	free(s);
}

static void assert_rdf(const ldns_rdf *rdf, const char *want)
{
	char *s = ldns_rdf2str(rdf);
	ck_assert_str_eq(s, want);
	free(s);
}

static void assert_question(const ldns_pkt *p, const char *name, ldns_rr_type type)
{
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 1);
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	assert_owner(q, name);
	ck_assert_int_eq(ldns_rr_get_type(q), type);
}

/* Checks an SOA record's fields; rname NULL means hostmaster.<owner>. */
static void assert_soa(const ldns_rr *rr, const char *owner, uint32_t ttl, const char *rname)
{
	char hm[300];

	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	ck_assert_int_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
	assert_owner(rr, owner);
	ck_assert_uint_eq(ldns_rr_ttl(rr), ttl);
	ck_assert_uint_eq(ldns_rr_rd_count(rr), 7);
	assert_rdf(ldns_rr_rdf(rr, 0), "ns1.example.net.");
	if (rname == NULL) {
		snprintf(hm, sizeof hm, "hostmaster.%s", owner);
		/* RNAME is compared case-insensitively: it may point at the
		 * question, which keeps the client's case. */
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, 1));
		ck_assert_int_eq(strcasecmp(s, hm), 0);
		free(s);
	} else {
		assert_rdf(ldns_rr_rdf(rr, 1), rname);
	}
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)), (uint32_t)DATA_VERSION);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 3)), 1000);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 4)), 200);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 5)), 50000);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)), 60);
}

/* ---- positive answers --------------------------------------------------- */

START_TEST(test_a_answer)
{
	struct qb q;
	struct pooldns_answer_info info;

	qb_query(&q, 0xabcd, POOLDNS_FLAG_RD | POOLDNS_FLAG_CD | POOLDNS_FLAG_AD,
		 "wWw.ExAmple.COM.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	size_t n = run(&q, false, &info);
	ldns_pkt *p = decode(n);

	ck_assert_uint_eq(ldns_pkt_id(p), 0xabcd);
	ck_assert(ldns_pkt_qr(p));
	ck_assert(ldns_pkt_aa(p));
	ck_assert(ldns_pkt_rd(p));
	ck_assert(ldns_pkt_cd(p));
	ck_assert(!ldns_pkt_ra(p));
	ck_assert(!ldns_pkt_ad(p));
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_QUERY);
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_question(p, "wWw.ExAmple.COM.", LDNS_RR_TYPE_A);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	ck_assert_uint_eq(ldns_pkt_arcount(p), 0);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 0); /* no OPT without EDNS */
	bool seen1 = false, seen2 = false;
	for (size_t i = 0; i < 2; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
		ck_assert_int_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN);
		ck_assert_uint_eq(ldns_rr_ttl(rr), 30);
		assert_owner(rr, "wWw.ExAmple.COM."); /* compressed to the question */
		char *a = ldns_rdf2str(ldns_rr_rdf(rr, 0));
		if (strcmp(a, "192.0.2.1") == 0)
			seen1 = true;
		else if (strcmp(a, "192.0.2.2") == 0)
			seen2 = true;
		free(a);
	}
	ck_assert(seen1 && seen2);
	/* Compression: 12 header + 21 question + 2 * (2 + 10 + 4). */
	ck_assert_uint_eq(n, 12 + 21 + 2 * 16);
	ck_assert_uint_eq(info.rcode, 0);
	ck_assert_int_eq(info.kind, POOLDNS_RESULT_ANSWER);
	ck_assert(!info.truncated);
	ck_assert(!info.dropped);
	ldns_pkt_free(p);

	/* No RD in the query: none in the response. */
	qb_query(&q, 1, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert(!ldns_pkt_rd(p));
	ck_assert(!ldns_pkt_cd(p));
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_aaaa_any_soa_ns)
{
	struct qb q;

	qb_query(&q, 2, 0, "www.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, 0);
	ldns_pkt *p = decode(run(&q, false, NULL));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_AAAA);
	assert_rdf(ldns_rr_rdf(rr, 0), "2001:db8::1");
	ck_assert_uint_eq(ldns_rr_ttl(rr), 30);
	ldns_pkt_free(p);

	/* ANY: A and AAAA. */
	qb_query(&q, 3, 0, "www.example.com.", POOLDNS_TYPE_ANY, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 3);
	ck_assert_uint_eq(ldns_rr_list_type(ldns_pkt_answer(p)), LDNS_RR_TYPE_A);
	ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 2)),
			 LDNS_RR_TYPE_AAAA);
	ldns_pkt_free(p);

	/* Class ANY in the question: records in class IN. */
	qb_query(&q, 3, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_ANY, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ck_assert_int_eq(ldns_rr_get_class(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
			 LDNS_RR_CLASS_IN);
	ldns_pkt_free(p);

	/* SOA at a pool name. */
	qb_query(&q, 4, 0, "WWW.example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert(ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	assert_soa(ldns_rr_list_rr(ldns_pkt_answer(p), 0), "WWW.example.com.", 300, NULL);
	ldns_pkt_free(p);

	/* NS set at a pool name. */
	qb_query(&q, 5, 0, "www.example.com.", POOLDNS_TYPE_NS, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	for (size_t i = 0; i < 2; i++) {
		rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		ck_assert_int_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_NS);
		ck_assert_uint_eq(ldns_rr_ttl(rr), 300);
		assert_owner(rr, "www.example.com.");
		assert_rdf(ldns_rr_rdf(rr, 0), i == 0 ? "ns1.example.net." : "ns2.example.net.");
	}
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_configured_rname_and_zone_apex)
{
	struct qb q;

	set_wire_name(cfg.zone.rname, &cfg.zone.rname_len, "dns-admin.example.org.");
	qb_query(&q, 6, 0, "Example.COM.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, 0);
	ldns_pkt *p = decode(run(&q, false, NULL));
	ck_assert(ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	assert_soa(ldns_rr_list_rr(ldns_pkt_answer(p), 0), "Example.COM.", 300,
		   "dns-admin.example.org.");
	ldns_pkt_free(p);

	qb_query(&q, 7, 0, "example.com.", POOLDNS_TYPE_NS, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);

	/* Without any snapshot the zone's serial is zone_serial. */
	pooldns_store_publish(store, NULL);
	cfg.zone.zone_serial = 99;
	qb_query(&q, 8, 0, "example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)), 99);
	ldns_pkt_free(p);
	/* ... and pool names inside it do not exist yet. */
	qb_query(&q, 9, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
}
END_TEST

/* ---- negative answers --------------------------------------------------- */

START_TEST(test_nxdomain_nodata)
{
	struct qb q;
	struct pooldns_answer_info info;

	/* Below a pool: NXDOMAIN, SOA of the pool, TTL min(300, 60). */
	qb_query(&q, 10, 0, "No.Www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	ldns_pkt *p = decode(run(&q, false, &info));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ck_assert(ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	assert_soa(ldns_rr_list_rr(ldns_pkt_authority(p), 0), "Www.example.com.", 60, NULL);
	ck_assert_int_eq(info.kind, POOLDNS_RESULT_NXDOMAIN);
	ck_assert_uint_eq(info.rcode, 3);
	ldns_pkt_free(p);

	/* Empty non-terminal inside zone example.com.: NODATA, zone SOA. */
	qb_query(&q, 11, 0, "B.ent.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, &info));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	assert_soa(ldns_rr_list_rr(ldns_pkt_authority(p), 0), "example.com.", 60, NULL);
	ck_assert_int_eq(info.kind, POOLDNS_RESULT_NODATA);
	ldns_pkt_free(p);

	/* A sibling that does not exist: NXDOMAIN with the zone SOA. */
	qb_query(&q, 12, 0, "c.ent.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_soa(ldns_rr_list_rr(ldns_pkt_authority(p), 0), "example.com.", 60, NULL);
	ldns_pkt_free(p);

	/* NODATA at a pool for a type it has no data of; negative TTL is the
	 * SOA TTL when that is smaller. */
	cfg.zone.soa_ttl = 20;
	qb_query(&q, 13, 0, "www.example.com.", 16 /* TXT */, POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 1);
	assert_soa(ldns_rr_list_rr(ldns_pkt_authority(p), 0), "www.example.com.", 20, NULL);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_refused)
{
	struct qb q;
	struct pooldns_answer_info info;

	qb_query(&q, 20, POOLDNS_FLAG_RD, "Www.Example.ORG.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	ldns_pkt *p = decode(run(&q, false, &info));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ck_assert(!ldns_pkt_aa(p));
	ck_assert(!ldns_pkt_ra(p));
	ck_assert(ldns_pkt_rd(p));
	assert_question(p, "Www.Example.ORG.", LDNS_RR_TYPE_A);
	ck_assert_uint_eq(ldns_pkt_ancount(p) + ldns_pkt_nscount(p) + ldns_pkt_arcount(p), 0);
	ck_assert_int_eq(info.kind, POOLDNS_RESULT_REFUSED);
	ck_assert_uint_eq(info.rcode, 5);
	ldns_pkt_free(p);

	/* Our name in class CHAOS. */
	qb_query(&q, 21, 0, "www.example.com.", POOLDNS_TYPE_A, 3, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ck_assert(!ldns_pkt_aa(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);

	/* With EDNS: OPT still echoed. */
	qb_query(&q, 22, 0, "nope.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 4096, 0, false, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ldns_pkt_free(p);
}
END_TEST

/* ---- errors and drops --------------------------------------------------- */

START_TEST(test_errors)
{
	struct qb q;
	struct pooldns_answer_info info;

	/* qdcount 0: FORMERR, id echoed, no question. */
	q.n = 0;
	qb_u16(&q, 0x4242);
	qb_u16(&q, POOLDNS_FLAG_RD);
	for (int i = 0; i < 4; i++)
		qb_u16(&q, 0);
	ldns_pkt *p = decode(run(&q, false, &info));
	ck_assert_uint_eq(ldns_pkt_id(p), 0x4242);
	ck_assert(ldns_pkt_qr(p));
	ck_assert(!ldns_pkt_aa(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_qdcount(p), 0);
	ck_assert_uint_eq(info.rcode, 1);
	ldns_pkt_free(p);

	/* Trailing garbage: FORMERR with the question echoed. */
	qb_query(&q, 0x4243, 0, "Www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	qb_u8(&q, 0xff);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	assert_question(p, "Www.example.com.", LDNS_RR_TYPE_A);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);

	/* Bad ECS: FORMERR, with OPT in the reply (no ECS echo). */
	static const uint8_t a4[4] = { 192, 0, 3, 1 };
	qb_query(&q, 0x4244, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 1232, 0, false, 4 + 4 + 3);
	qb_ecs(&q, 1, 24, a4); /* writes 3 bytes: 192.0.3/24, valid */
	q.b[q.n - 5] = 23;     /* now /23 with the last bit of byte 3 set */
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ck_assert_ptr_null(ldns_pkt_edns_data(p));
	ldns_pkt_free(p);

	/* Opcode NOTIFY (4): NOTIMP, opcode and question echoed. */
	qb_query(&q, 0x4245, (uint16_t)(4u << 11), "example.com.", POOLDNS_TYPE_SOA,
		 POOLDNS_CLASS_IN, 0);
	p = decode(run(&q, false, &info));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ck_assert_int_eq(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
	assert_question(p, "example.com.", LDNS_RR_TYPE_SOA);
	ck_assert_uint_eq(info.rcode, 4);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 0);
	ldns_pkt_free(p);
	qb_query(&q, 0x4245, (uint16_t)(4u << 11), "example.com.", POOLDNS_TYPE_SOA,
		 POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 1232, 0, false, 0);
	p = decode(run(&q, false, &info));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ldns_pkt_free(p);

	/* Drops: a response, and anything shorter than a header. */
	qb_query(&q, 0x4246, POOLDNS_FLAG_QR, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN,
		 0);
	ck_assert_uint_eq(run(&q, false, &info), 0);
	ck_assert(info.dropped);
	for (size_t len = 0; len < POOLDNS_HEADER_LEN; len++) {
		ck_assert_uint_eq(pooldns_answer_packet(&cfg, store, q.b, len, false, &client, out,
							sizeof out, &info),
				  0);
		ck_assert(info.dropped);
	}
}
END_TEST

/*
 * Header bits by opcode (answer.h): every opcode 0..15, every combination
 * of the query's AA, TC, RD, RA, Z, AD and CD bits, for an answer, a
 * REFUSED, a FORMERR and a BADVERS query. The response's whole flags word
 * is compared: QUERY copies RD and CD and nothing else; every other opcode
 * gets NOTIMP with none of the bits defined for QUERY.
 */
enum flag_case { FC_ANSWER, FC_REFUSED, FC_FORMERR, FC_BADVERS, FC_N };

START_TEST(test_flags_by_opcode)
{
	static const uint16_t query_bits[] = { POOLDNS_FLAG_AA, POOLDNS_FLAG_TC, POOLDNS_FLAG_RD,
					       POOLDNS_FLAG_RA, POOLDNS_FLAG_Z,  POOLDNS_FLAG_AD,
					       POOLDNS_FLAG_CD };
	const unsigned nbits = sizeof query_bits / sizeof query_bits[0];
	struct qb q;
	struct pooldns_answer_info info;

	for (unsigned opcode = 0; opcode < 16; opcode++) {
		for (unsigned combo = 0; combo < (1u << nbits); combo++) {
			uint16_t qflags = (uint16_t)(opcode << 11);
			for (unsigned b = 0; b < nbits; b++)
				if (combo & (1u << b))
					qflags |= query_bits[b];
			for (int c = 0; c < FC_N; c++) {
				const char *name =
					c == FC_REFUSED ? "www.example.org." : "www.example.com.";
				bool edns = c == FC_BADVERS;
				qb_query(&q, (uint16_t)(opcode * 1000 + combo), qflags, name,
					 POOLDNS_TYPE_A, POOLDNS_CLASS_IN, edns ? 1 : 0);
				if (edns)
					qb_opt(&q, 1232, 1, false, 0);
				if (c == FC_FORMERR)
					qb_u8(&q, 0); /* a trailing byte */

				uint16_t want = (uint16_t)(POOLDNS_FLAG_QR | (opcode << 11));
				unsigned rcode;
				if (opcode != POOLDNS_OPCODE_QUERY) {
					rcode = POOLDNS_RCODE_NOTIMP;
				} else {
					want |= qflags & (POOLDNS_FLAG_RD | POOLDNS_FLAG_CD);
					rcode = c == FC_ANSWER    ? POOLDNS_RCODE_NOERROR
						: c == FC_REFUSED ? POOLDNS_RCODE_REFUSED
						: c == FC_FORMERR ? POOLDNS_RCODE_FORMERR
								  : POOLDNS_RCODE_BADVERS;
					if (c == FC_ANSWER)
						want |= POOLDNS_FLAG_AA;
				}
				want |= (uint16_t)(rcode & 0x0f);

				size_t n = run(&q, false, &info);
				ck_assert_uint_ge(n, POOLDNS_HEADER_LEN);
				uint16_t got = (uint16_t)((out[2] << 8) | out[3]);
				ck_assert_msg(got == want,
					      "opcode %u, query flags 0x%04x, case %d: "
					      "response flags 0x%04x, want 0x%04x",
					      opcode, qflags, c, got, want);
				ck_assert_uint_eq(info.rcode, rcode);
				ldns_pkt *p = decode(n);
				ck_assert_uint_eq(ldns_pkt_get_opcode(p), opcode);
				ck_assert_uint_eq(ldns_pkt_id(p), opcode * 1000 + combo);
				assert_question(p, name, LDNS_RR_TYPE_A);
				ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), edns ? 1232 : 0);
				ldns_pkt_free(p);
			}
		}
	}
}
END_TEST

START_TEST(test_edns)
{
	struct qb q;
	struct pooldns_answer_info info;

	/* OPT echoed with our payload, DO copied. */
	qb_query(&q, 30, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 4096, 0, true, 0);
	ldns_pkt *p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 0);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);

	cfg.edns_payload = 4000;
	qb_query(&q, 31, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 512, 0, false, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 4000);
	ck_assert(!ldns_pkt_edns_do(p));
	ldns_pkt_free(p);

	/* Version 1: BADVERS (extended rcode 16 = 1 << 4 + 0), OPT version 0,
	 * question echoed, no answer. */
	qb_query(&q, 32, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 1232, 1, true, 0);
	p = decode(run(&q, false, &info));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), 0);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(p), 1);
	ck_assert_uint_eq(ldns_pkt_edns_version(p), 0);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 4000);
	ck_assert(ldns_pkt_edns_do(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	assert_question(p, "www.example.com.", LDNS_RR_TYPE_A);
	ck_assert_uint_eq(info.rcode, POOLDNS_RCODE_BADVERS);
	ck_assert(!ldns_pkt_aa(p));
	ldns_pkt_free(p);

	/* Two OPT records: FORMERR. */
	qb_query(&q, 33, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 2);
	qb_opt(&q, 1232, 0, false, 0);
	qb_opt(&q, 1232, 0, false, 0);
	p = decode(run(&q, false, NULL));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ldns_pkt_free(p);
}
END_TEST

/* Returns the ECS option of the response's OPT (family, source, scope,
 * address) via the raw OPT RDATA. */
static bool response_ecs(const ldns_pkt *p, uint16_t *family, uint8_t *source, uint8_t *scope,
			 uint8_t *addr, size_t *alen)
{
	const ldns_rdf *d = ldns_pkt_edns_data(p);
	if (d == NULL)
		return false;
	const uint8_t *b = ldns_rdf_data(d);
	size_t n = ldns_rdf_size(d), i = 0;
	while (i + 4 <= n) {
		uint16_t code = (uint16_t)(b[i] << 8 | b[i + 1]);
		uint16_t len = (uint16_t)(b[i + 2] << 8 | b[i + 3]);
		ck_assert_uint_le(i + 4 + len, n);
		if (code == POOLDNS_EDNS_OPT_ECS) {
			ck_assert_uint_ge(len, 4);
			*family = (uint16_t)(b[i + 4] << 8 | b[i + 5]);
			*source = b[i + 6];
			*scope = b[i + 7];
			*alen = len - 4u;
			memcpy(addr, b + i + 8, *alen);
			return true;
		}
		i += 4u + len;
	}
	return false;
}

START_TEST(test_ecs_echo)
{
	struct qb q;
	uint16_t family;
	uint8_t source, scope, addr[16];
	size_t alen;
	static const uint8_t a4[3] = { 192, 0, 2 };

	/* Hash pool: scope = source prefix. */
	qb_query(&q, 40, 0, "hash.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 1232, 0, false, 4 + 4 + 3);
	qb_ecs(&q, 1, 24, a4);
	ldns_pkt *p = decode(run(&q, false, NULL));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 1);
	ck_assert(response_ecs(p, &family, &source, &scope, addr, &alen));
	ck_assert_uint_eq(family, 1);
	ck_assert_uint_eq(source, 24);
	ck_assert_uint_eq(scope, 24);
	ck_assert_uint_eq(alen, 3);
	ck_assert_mem_eq(addr, a4, 3);
	ldns_pkt_free(p);

	/* Any other policy: scope 0. */
	qb_query(&q, 41, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 1232, 0, false, 4 + 4 + 3);
	qb_ecs(&q, 1, 24, a4);
	p = decode(run(&q, false, NULL));
	ck_assert(response_ecs(p, &family, &source, &scope, addr, &alen));
	ck_assert_uint_eq(source, 24);
	ck_assert_uint_eq(scope, 0);
	ldns_pkt_free(p);

	/* The subnet, not the source address, drives the hash: the same
	 * subnet from different sources gets the same member. */
	char first[64] = "";
	for (int i = 0; i < 8; i++) {
		struct pooldns_client other = { .family = AF_INET,
						.addr = { 10, 0, (uint8_t)i, 1 },
						.prefix = 32 };
		qb_query(&q, 42, 0, "hash.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
		qb_opt(&q, 1232, 0, false, 4 + 4 + 3);
		qb_ecs(&q, 1, 24, a4);
		p = decode(pooldns_answer_packet(&cfg, store, q.b, q.n, false, &other, out,
						 sizeof out, NULL));
		char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 0));
		if (i == 0)
			snprintf(first, sizeof first, "%s", s);
		else
			ck_assert_str_eq(s, first);
		free(s);
		ldns_pkt_free(p);
	}

	/* IPv6 /56 echo. */
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xaa, 0xbb };
	qb_query(&q, 43, 0, "hash.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 1232, 0, false, 4 + 4 + 7);
	qb_ecs(&q, 2, 56, a6);
	p = decode(run(&q, false, NULL));
	ck_assert(response_ecs(p, &family, &source, &scope, addr, &alen));
	ck_assert_uint_eq(family, 2);
	ck_assert_uint_eq(source, 56);
	ck_assert_uint_eq(scope, 56);
	ck_assert_uint_eq(alen, 7);
	ck_assert_mem_eq(addr, a6, 7);
	ldns_pkt_free(p);

	/* A longer source prefix than the hash uses: the scope says /24, so
	 * resolvers may share the answer across the /24. */
	static const uint8_t h4[4] = { 192, 0, 2, 77 };
	qb_query(&q, 44, 0, "hash.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 1232, 0, false, 4 + 4 + 4);
	qb_ecs(&q, 1, 32, h4);
	p = decode(run(&q, false, NULL));
	ck_assert(response_ecs(p, &family, &source, &scope, addr, &alen));
	ck_assert_uint_eq(source, 32);
	ck_assert_uint_eq(scope, POOLDNS_HASH_BITS_V4);
	ldns_pkt_free(p);

	/* Source prefix 0 ("do not use my address"): the transport address
	 * drives the hash, so different clients are not all lumped together;
	 * each stays sticky, and the scope is 0. */
	char seen[8][64];
	int distinct = 0;
	for (int i = 0; i < 8; i++) {
		struct pooldns_client who = { .family = AF_INET,
					      .addr = { 10, (uint8_t)(i * 37), (uint8_t)i, 1 },
					      .prefix = 32 };
		char again[64] = "";
		for (int round = 0; round < 2; round++) {
			qb_query(&q, 45, 0, "hash.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN,
				 1);
			qb_opt(&q, 1232, 0, false, 4 + 4);
			qb_ecs(&q, 1, 0, a4);
			p = decode(pooldns_answer_packet(&cfg, store, q.b, q.n, false, &who, out,
							 sizeof out, NULL));
			ck_assert(response_ecs(p, &family, &source, &scope, addr, &alen));
			ck_assert_uint_eq(scope, 0);
			char *s = ldns_rdf2str(
				ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 0));
			if (round == 0)
				snprintf(again, sizeof again, "%s", s);
			else
				ck_assert_str_eq(s, again); /* sticky per client */
			free(s);
			ldns_pkt_free(p);
		}
		bool dup = false;
		for (int j = 0; j < distinct; j++)
			dup |= strcmp(seen[j], again) == 0;
		if (!dup)
			snprintf(seen[distinct++], sizeof seen[0], "%s", again);
	}
	ck_assert_int_gt(distinct, 1);
}
END_TEST

/* ---- truncation ---------------------------------------------------------- */

START_TEST(test_truncation)
{
	struct qb q;
	struct pooldns_answer_info info;

	/* 64 AAAA records (1792 bytes of answer) over UDP without EDNS: TC,
	 * question only. */
	qb_query(&q, 50, POOLDNS_FLAG_RD, "Big6.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN,
		 0);
	size_t n = run(&q, false, &info);
	ck_assert_uint_le(n, 512);
	ldns_pkt *p = decode(n);
	ck_assert(ldns_pkt_tc(p));
	ck_assert(ldns_pkt_aa(p));
	ck_assert(ldns_pkt_rd(p));
	ck_assert_int_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(p), 0);
	assert_question(p, "Big6.example.com.", LDNS_RR_TYPE_AAAA);
	ck_assert(info.truncated);
	ck_assert_uint_eq(n, 12 + 22);
	ldns_pkt_free(p);

	/* The same over TCP: all 64. */
	n = run(&q, true, &info);
	p = decode(n);
	ck_assert(!ldns_pkt_tc(p));
	ck_assert(!info.truncated);
	ck_assert_uint_eq(ldns_pkt_ancount(p), 64);
	ck_assert_uint_eq(n, 12 + 22 + 64 * (2 + 10 + 16));
	for (size_t i = 0; i < 64; i++)
		ck_assert_uint_eq(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), i)), 120);
	ldns_pkt_free(p);

	/* EDNS 4096 requested, our payload 1232: still too big (1826 > 1232):
	 * TC with the OPT kept. */
	qb_query(&q, 51, 0, "big6.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 4096, 0, true, 0);
	n = run(&q, false, &info);
	ck_assert_uint_le(n, 1232);
	p = decode(n);
	ck_assert(ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 0);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1232);
	ck_assert(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);

	/* Our payload 4096 and the client's 4096: fits. */
	cfg.edns_payload = 4096;
	n = run(&q, false, &info);
	p = decode(n);
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 64);
	ck_assert_uint_eq(n, 12 + 22 + 64 * 28 + 11);
	ldns_pkt_free(p);

	/* Client asks for 1800 (< 1837 needed): TC; for 1837 exactly: fits. */
	for (int exact = 0; exact < 2; exact++) {
		qb_query(&q, 52, 0, "big6.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, 1);
		qb_opt(&q, exact ? 12 + 22 + 64 * 28 + 11 : 1800, 0, false, 0);
		p = decode(run(&q, false, &info));
		ck_assert_int_eq(ldns_pkt_tc(p), !exact);
		ck_assert_uint_eq(ldns_pkt_ancount(p), exact ? 64 : 0);
		ldns_pkt_free(p);
	}

	/* A requested size below 512 counts as 512; the small A answer fits. */
	qb_query(&q, 53, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&q, 100, 0, false, 0);
	p = decode(run(&q, false, &info));
	ck_assert(!ldns_pkt_tc(p));
	ck_assert_uint_eq(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);

	/* The size the caller gives is respected too. */
	qb_query(&q, 54, 0, "big6.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, 0);
	n = pooldns_answer_packet(&cfg, store, q.b, q.n, true, &client, out, 600, &info);
	ck_assert_uint_le(n, 600);
	p = decode(n);
	ck_assert(ldns_pkt_tc(p));
	ldns_pkt_free(p);
}
END_TEST

/* Answering in place (out == the query's own buffer, as the UDP transport
 * does) gives the same bytes as answering into another buffer: answers in
 * the client's case, EDNS with a client subnet, truncation, negative
 * answers, errors and TCP. */
START_TEST(test_in_place)
{
	static uint8_t buf[POOLDNS_MSG_MAX];
	static const uint8_t net[] = { 198, 51, 100 };
	struct qb qs[9];
	bool tcp[9] = { false };
	size_t nq = 0;

	qb_query(&qs[nq++], 1, POOLDNS_FLAG_RD, "wWw.ExAmple.COM.", POOLDNS_TYPE_A,
		 POOLDNS_CLASS_IN, 0);
	qb_query(&qs[nq++], 2, 0, "WWW.example.com.", POOLDNS_TYPE_ANY, POOLDNS_CLASS_IN, 0);
	qb_query(&qs[nq], 3, 0, "Hash.Example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&qs[nq], 4096, 0, true, 4 + 4 + 3);
	qb_ecs(&qs[nq++], 1, 24, net);
	qb_query(&qs[nq++], 4, 0, "BIG6.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, 0);
	qb_query(&qs[nq], 5, 0, "big6.example.com.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN, 0);
	tcp[nq++] = true;
	qb_query(&qs[nq++], 6, 0, "No.Such.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	qb_query(&qs[nq++], 7, 0, "www.example.com.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN, 0);
	qb_query(&qs[nq], 8, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 1);
	qb_opt(&qs[nq++], 1232, 1, false, 0); /* BADVERS */
	qb_query(&qs[nq], 9, 0, "www.example.com.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN, 0);
	qs[nq].b[5] = 2; /* QDCOUNT 2: FORMERR */
	nq++;

	for (size_t i = 0; i < nq; i++) {
		struct pooldns_answer_info a, b;
		size_t n = run(&qs[i], tcp[i], &a);
		ck_assert_uint_gt(n, 0);
		memcpy(buf, qs[i].b, qs[i].n);
		size_t m = pooldns_answer_packet(&cfg, store, buf, qs[i].n, tcp[i], &client, buf,
						 sizeof buf, &b);
		ck_assert_msg(m == n, "query %zu: %zu bytes in place, %zu apart", i, m, n);
		ck_assert_msg(memcmp(buf, out, n) == 0, "query %zu: different bytes in place", i);
		ck_assert_uint_eq(a.rcode, b.rcode);
		ck_assert_int_eq(a.truncated, b.truncated);
	}
}
END_TEST

static Suite *answer_suite(void)
{
	Suite *s = suite_create("answer");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_answer);
	tcase_add_test(tc, test_aaaa_any_soa_ns);
	tcase_add_test(tc, test_configured_rname_and_zone_apex);
	tcase_add_test(tc, test_nxdomain_nodata);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_flags_by_opcode);
	tcase_add_test(tc, test_edns);
	tcase_add_test(tc, test_ecs_echo);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_in_place);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(answer_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
