/*
 * check_wire.c — unit tests for core/dns/wire.c: strict query parsing (valid
 * queries, truncation at every byte, counts, compression pointers and bad
 * label types, trailing bytes, OPT placement and duplicates, BADVERS,
 * client-subnet validation) and the message writer (bounds, overflow,
 * name compression checked by an independent decoder, ldns).
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/wire.h"

/* ---- a small query builder ---------------------------------------------- */

struct qb {
	uint8_t b[4096];
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

static void qb_u32(struct qb *q, uint32_t v)
{
	qb_u16(q, (uint16_t)(v >> 16));
	qb_u16(q, (uint16_t)v);
}

static void qb_bytes(struct qb *q, const void *p, size_t n)
{
	ck_assert_uint_le(q->n + n, sizeof q->b);
	memcpy(q->b + q->n, p, n);
	q->n += n;
}

static void qb_header(struct qb *q, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		      uint16_t ns, uint16_t ar)
{
	q->n = 0;
	qb_u16(q, id);
	qb_u16(q, flags);
	qb_u16(q, qd);
	qb_u16(q, an);
	qb_u16(q, ns);
	qb_u16(q, ar);
}

static void qb_name(struct qb *q, const char *text)
{
	uint8_t w[POOLDNS_NAME_MAX];
	/* Keep the case: convert, then copy the original letters back. */
	int l = pooldns_dname_from_text(text, w, sizeof w);
	ck_assert_int_gt(l, 0);
	size_t ti = 0;
	for (int i = 0; i < l;) {
		uint8_t ll = w[i++];
		for (uint8_t j = 0; j < ll; j++, i++) {
			w[i] = (uint8_t)text[ti++];
		}
		ti++; /* the dot */
	}
	qb_bytes(q, w, (size_t)l);
}

static void qb_question(struct qb *q, const char *name, uint16_t type, uint16_t cls)
{
	qb_name(q, name);
	qb_u16(q, type);
	qb_u16(q, cls);
}

/* OPT record header; the caller appends rdlen bytes of options. */
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

/* A plain query: id 0x1234, RD, www.Example.COM. A IN. */
static void plain_query(struct qb *q)
{
	qb_header(q, 0x1234, POOLDNS_FLAG_RD, 1, 0, 0, 0);
	qb_question(q, "www.Example.COM.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
}

/* An EDNS query with a client subnet option for 192.0.2.0/24. */
static void ecs_query(struct qb *q)
{
	qb_header(q, 0xbeef, 0, 1, 0, 0, 1);
	qb_question(q, "pool.test.", POOLDNS_TYPE_AAAA, POOLDNS_CLASS_IN);
	qb_opt(q, 4096, 0, true, 4 + 4 + 3);
	qb_u16(q, POOLDNS_EDNS_OPT_ECS);
	qb_u16(q, 4 + 3);
	qb_u16(q, 1);
	qb_u8(q, 24);
	qb_u8(q, 0);
	qb_u8(q, 192);
	qb_u8(q, 0);
	qb_u8(q, 2);
}

static enum pooldns_parse_status parse(const struct qb *b, struct pooldns_query *q)
{
	return pooldns_wire_parse_query(b->b, b->n, q);
}

/* ---- parsing ------------------------------------------------------------ */

START_TEST(test_parse_plain)
{
	struct qb b;
	struct pooldns_query q;

	plain_query(&b);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	ck_assert_uint_eq(q.id, 0x1234);
	ck_assert_uint_eq(q.flags, POOLDNS_FLAG_RD);
	ck_assert_uint_eq(q.opcode, 0);
	ck_assert(q.header_ok);
	ck_assert(q.question_ok);
	ck_assert_uint_eq(q.qname_len, 17);
	ck_assert_mem_eq(q.qname, "\003www\007Example\003COM\000", 17);
	ck_assert_mem_eq(q.qname_lower, "\003www\007example\003com\000", 17);
	ck_assert_uint_eq(q.qtype, POOLDNS_TYPE_A);
	ck_assert_uint_eq(q.qclass, POOLDNS_CLASS_IN);
	ck_assert(!q.edns);
	ck_assert(!q.ecs);

	/* The root name as question. */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_question(&b, ".", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	ck_assert_uint_eq(q.qname_len, 1);
}
END_TEST

/* Lower-casing of the question name: every byte value 0..255 in labels of
 * every length 1..63 and at every alignment, against the byte-wise rule
 * (only A-Z change); the name as received is kept exactly. */
START_TEST(test_parse_lower_every_byte)
{
	for (unsigned llen = 1; llen <= POOLDNS_LABEL_MAX; llen++) {
		struct qb b;
		struct pooldns_query q;
		uint8_t name[POOLDNS_NAME_MAX];
		size_t n = 0;
		unsigned v = llen * 7;

		/* labels of llen bytes, up to 250 bytes, then the root */
		while (n + 1 + llen + 1 <= 250) {
			name[n++] = (uint8_t)llen;
			for (unsigned i = 0; i < llen; i++)
				name[n++] = (uint8_t)(v++ & 0xff);
		}
		name[n++] = 0;
		qb_header(&b, 1, 0, 1, 0, 0, 0);
		qb_bytes(&b, name, n);
		qb_u16(&b, POOLDNS_TYPE_A);
		qb_u16(&b, POOLDNS_CLASS_IN);
		ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
		ck_assert_uint_eq(q.qname_len, n);
		ck_assert_mem_eq(q.qname, name, n);
		for (size_t i = 0; i < n; i++) {
			uint8_t c = name[i];
			uint8_t want = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
			ck_assert_msg(q.qname_lower[i] == want,
				      "label length %u, byte %zu: %02x -> %02x", llen, i, c,
				      q.qname_lower[i]);
		}
	}
}
END_TEST

START_TEST(test_parse_truncated_every_byte)
{
	struct qb b;
	struct pooldns_query q;

	for (int variant = 0; variant < 2; variant++) {
		if (variant == 0)
			plain_query(&b);
		else
			ecs_query(&b);
		ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
		for (size_t cut = 0; cut < b.n; cut++) {
			/* Copy into an exact-size heap buffer so ASan sees any
			 * read past the end. */
			uint8_t *p = malloc(cut ? cut : 1);
			ck_assert_ptr_nonnull(p);
			memcpy(p, b.b, cut);
			enum pooldns_parse_status st = pooldns_wire_parse_query(p, cut, &q);
			free(p);
			if (cut < POOLDNS_HEADER_LEN) {
				ck_assert_int_eq(st, POOLDNS_PARSE_DROP);
				ck_assert(!q.header_ok);
			} else {
				ck_assert_int_eq(st, POOLDNS_PARSE_FORMERR);
				ck_assert(q.header_ok);
			}
		}
	}
}
END_TEST

START_TEST(test_parse_header_rules)
{
	struct qb b;
	struct pooldns_query q;

	/* QR set: a response, dropped. */
	qb_header(&b, 7, POOLDNS_FLAG_QR, 1, 0, 0, 0);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_DROP);
	/* NULL / empty packet. */
	ck_assert_int_eq(pooldns_wire_parse_query(NULL, 0, &q), POOLDNS_PARSE_DROP);

	/* Opcode STATUS (2): NOTIMP, question still echoed. */
	qb_header(&b, 7, (uint16_t)(2u << 11), 1, 0, 0, 0);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_NOTIMP);
	ck_assert_uint_eq(q.opcode, 2);
	ck_assert_uint_eq(q.id, 7);
	ck_assert(q.question_ok);
	ck_assert(!q.edns);
	/* ... with an OPT, which the NOTIMP reply will carry. */
	qb_header(&b, 7, (uint16_t)(5u << 11), 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_SOA, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, true, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_NOTIMP);
	ck_assert(q.edns);
	ck_assert(q.edns_do);

	/* qdcount 0. */
	qb_header(&b, 8, 0, 0, 0, 0, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ck_assert(q.header_ok);
	ck_assert(!q.question_ok);
	ck_assert_uint_eq(q.id, 8);

	/* qdcount 2 with two questions. */
	qb_header(&b, 9, 0, 2, 0, 0, 0);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_question(&b, "b.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ck_assert(!q.question_ok);

	/* ancount / nscount set (with a record present). */
	for (int which = 0; which < 2; which++) {
		qb_header(&b, 10, 0, 1, which == 0, which == 1, 0);
		qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
		qb_u16(&b, 0xc00c);
		qb_u16(&b, POOLDNS_TYPE_A);
		qb_u16(&b, POOLDNS_CLASS_IN);
		qb_u32(&b, 60);
		qb_u16(&b, 4);
		qb_u32(&b, 0x7f000001);
		ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
		ck_assert(q.question_ok); /* echoable */
	}

	/* Trailing garbage after a complete query. */
	plain_query(&b);
	qb_u8(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ck_assert(q.question_ok);
	/* Length bigger than the content: zero padding. */
	plain_query(&b);
	for (int i = 0; i < 100; i++)
		qb_u8(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
}
END_TEST

START_TEST(test_parse_bad_names)
{
	struct qb b;
	struct pooldns_query q;

	/* A compression pointer as the question name (to itself: a loop). */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_u16(&b, 0xc00c);
	qb_u16(&b, POOLDNS_TYPE_A);
	qb_u16(&b, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ck_assert(!q.question_ok);

	/* A pointer after a first label. */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_u8(&b, 1);
	qb_u8(&b, 'a');
	qb_u16(&b, 0xc00c);
	qb_u16(&b, POOLDNS_TYPE_A);
	qb_u16(&b, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* Reserved label types 0x40 and 0x80, and a 64-byte label. */
	static const uint8_t bad_len[] = { 0x41, 0x81, 64 };
	for (size_t i = 0; i < sizeof bad_len; i++) {
		qb_header(&b, 1, 0, 1, 0, 0, 0);
		qb_u8(&b, bad_len[i]);
		for (int j = 0; j < 64; j++)
			qb_u8(&b, 'x');
		qb_u8(&b, 0);
		qb_u16(&b, POOLDNS_TYPE_A);
		qb_u16(&b, POOLDNS_CLASS_IN);
		ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	}

	/* A label length that runs past the packet. */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	qb_u8(&b, 40);
	qb_bytes(&b, "abc", 3);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* Names of exactly 255 bytes parse; 256 do not. */
	for (int extra = 0; extra < 2; extra++) {
		qb_header(&b, 1, 0, 1, 0, 0, 0);
		for (int l = 0; l < 4; l++) {
			int n = l < 3 ? 63 : 61 + extra;
			qb_u8(&b, (uint8_t)n);
			for (int i = 0; i < n; i++)
				qb_u8(&b, 'a');
		}
		qb_u8(&b, 0);
		qb_u16(&b, POOLDNS_TYPE_A);
		qb_u16(&b, POOLDNS_CLASS_IN);
		ck_assert_int_eq(parse(&b, &q), extra ? POOLDNS_PARSE_FORMERR : POOLDNS_PARSE_OK);
		if (!extra)
			ck_assert_uint_eq(q.qname_len, 255);
	}
	/* 128 one-byte labels (257 bytes) without a pointer: too long. */
	qb_header(&b, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 128; i++) {
		qb_u8(&b, 1);
		qb_u8(&b, 'a');
	}
	qb_u8(&b, 0);
	qb_u16(&b, POOLDNS_TYPE_A);
	qb_u16(&b, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
}
END_TEST

START_TEST(test_parse_opt)
{
	struct qb b;
	struct pooldns_query q;

	/* Valid OPT with an unknown option (ignored) and DO. */
	qb_header(&b, 2, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1400, 0, true, 4 + 2);
	qb_u16(&b, 65001);
	qb_u16(&b, 2);
	qb_u16(&b, 0xabcd);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	ck_assert(q.edns);
	ck_assert_uint_eq(q.edns_udp_size, 1400);
	ck_assert(q.edns_do);
	ck_assert_uint_eq(q.edns_version, 0);
	ck_assert(!q.ecs);

	/* Small requested size is reported as is (callers floor it at 512). */
	qb_header(&b, 2, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 100, 0, false, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	ck_assert_uint_eq(q.edns_udp_size, 100);
	ck_assert(!q.edns_do);

	/* Version 1: BADVERS, EDNS fields set for the reply. */
	qb_header(&b, 3, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 1, true, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_BADVERS);
	ck_assert(q.edns);
	ck_assert_uint_eq(q.edns_version, 1);
	ck_assert(q.question_ok);

	/* Two OPT records. */
	qb_header(&b, 4, 0, 1, 0, 0, 2);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, false, 0);
	qb_opt(&b, 1232, 0, false, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* OPT with a non-root owner. */
	qb_header(&b, 5, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_u8(&b, 1);
	qb_u8(&b, 'x');
	b.b[b.n++] = 0;
	qb_u16(&b, POOLDNS_TYPE_OPT);
	qb_u16(&b, 1232);
	qb_u32(&b, 0);
	qb_u16(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* OPT whose owner is a pointer loop. */
	qb_header(&b, 5, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_u16(&b, (uint16_t)(0xc000 | b.n));
	qb_u16(&b, POOLDNS_TYPE_OPT);
	qb_u16(&b, 1232);
	qb_u32(&b, 0);
	qb_u16(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* An additional record that is not OPT (TSIG-like, any type). */
	qb_header(&b, 6, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_u8(&b, 0);
	qb_u16(&b, POOLDNS_TYPE_A);
	qb_u16(&b, POOLDNS_CLASS_IN);
	qb_u32(&b, 0);
	qb_u16(&b, 4);
	qb_u32(&b, 0x7f000001);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* RDLENGTH past the end. */
	qb_header(&b, 7, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, false, 10);
	qb_u32(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* An option longer than the RDATA. */
	qb_header(&b, 8, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, false, 6);
	qb_u16(&b, 10);
	qb_u16(&b, 8);
	qb_u16(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* A partial option header (3 bytes). */
	qb_header(&b, 9, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, false, 3);
	qb_u16(&b, 10);
	qb_u8(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* arcount says 1 but nothing follows; arcount 0 with an OPT present. */
	qb_header(&b, 10, 0, 1, 0, 0, 1);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	qb_header(&b, 10, 0, 1, 0, 0, 0);
	qb_question(&b, "a.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, false, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
}
END_TEST

/* Builds a query with one ECS option of the given fields and address. */
static void ecs_custom(struct qb *b, uint16_t family, uint8_t source, uint8_t scope,
		       const uint8_t *addr, size_t alen)
{
	qb_header(b, 0x55, 0, 1, 0, 0, 1);
	qb_question(b, "pool.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(b, 1232, 0, false, (uint16_t)(4 + 4 + alen));
	qb_u16(b, POOLDNS_EDNS_OPT_ECS);
	qb_u16(b, (uint16_t)(4 + alen));
	qb_u16(b, family);
	qb_u8(b, source);
	qb_u8(b, scope);
	qb_bytes(b, addr, alen);
}

START_TEST(test_parse_ecs)
{
	struct qb b;
	struct pooldns_query q;
	uint8_t a[20];

	ecs_query(&b);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	ck_assert(q.ecs);
	ck_assert_int_eq(q.ecs_client.family, AF_INET);
	ck_assert_uint_eq(q.ecs_client.prefix, 24);
	static const uint8_t want4[16] = { 192, 0, 2, 0 };
	ck_assert_mem_eq(q.ecs_client.addr, want4, 16);

	/* IPv6 /56: 7 address bytes. */
	memset(a, 0, sizeof a);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:aa:bb00::", a), 1);
	ecs_custom(&b, 2, 56, 0, a, 7);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	ck_assert(q.ecs);
	ck_assert_int_eq(q.ecs_client.family, AF_INET6);
	ck_assert_uint_eq(q.ecs_client.prefix, 56);
	ck_assert_mem_eq(q.ecs_client.addr, a, 7);
	for (int i = 7; i < 16; i++)
		ck_assert_uint_eq(q.ecs_client.addr[i], 0);

	/* /0 with no address bytes (client opts out). */
	ecs_custom(&b, 1, 0, 0, a, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	ck_assert(q.ecs);
	ck_assert_uint_eq(q.ecs_client.prefix, 0);

	/* /32 and /128 full addresses. */
	static const uint8_t full4[4] = { 10, 1, 2, 3 };
	ecs_custom(&b, 1, 32, 0, full4, 4);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	memset(a, 0xff, sizeof a);
	ecs_custom(&b, 2, 128, 0, a, 16);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	/* A non-zero scope in a query is tolerated. */
	ecs_custom(&b, 1, 32, 8, full4, 4);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);

	/* Unknown family. */
	ecs_custom(&b, 3, 8, 0, full4, 1);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ck_assert(!q.ecs);
	ck_assert(q.edns); /* the reply still carries OPT */
	ecs_custom(&b, 0, 0, 0, full4, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	/* Source prefix longer than the family allows. */
	ecs_custom(&b, 1, 33, 0, a, 5);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ecs_custom(&b, 2, 129, 0, a, 17);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	/* Address length not ceil(prefix / 8). */
	ecs_custom(&b, 1, 24, 0, full4, 4);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ecs_custom(&b, 1, 24, 0, full4, 2);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	ecs_custom(&b, 1, 0, 0, full4, 1);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	/* Bits set beyond the prefix: /23 with the last bit of byte 3 set. */
	static const uint8_t b23[3] = { 192, 0, 3 };
	ecs_custom(&b, 1, 23, 0, b23, 3);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);
	static const uint8_t ok23[3] = { 192, 0, 2 };
	ecs_custom(&b, 1, 23, 0, ok23, 3);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_OK);
	/* Option shorter than its fixed part. */
	qb_header(&b, 0x55, 0, 1, 0, 0, 1);
	qb_question(&b, "pool.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, false, 4 + 3);
	qb_u16(&b, POOLDNS_EDNS_OPT_ECS);
	qb_u16(&b, 3);
	qb_u16(&b, 1);
	qb_u8(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* Two client subnet options in one OPT. */
	qb_header(&b, 0x55, 0, 1, 0, 0, 1);
	qb_question(&b, "pool.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 0, false, 2 * (4 + 4 + 1));
	for (int i = 0; i < 2; i++) {
		qb_u16(&b, POOLDNS_EDNS_OPT_ECS);
		qb_u16(&b, 5);
		qb_u16(&b, 1);
		qb_u8(&b, 8);
		qb_u8(&b, 0);
		qb_u8(&b, 10);
	}
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_FORMERR);

	/* An ECS option with an unknown EDNS version is not interpreted. */
	qb_header(&b, 0x55, 0, 1, 0, 0, 1);
	qb_question(&b, "pool.test.", POOLDNS_TYPE_A, POOLDNS_CLASS_IN);
	qb_opt(&b, 1232, 2, false, 4);
	qb_u16(&b, POOLDNS_EDNS_OPT_ECS);
	qb_u16(&b, 0);
	ck_assert_int_eq(parse(&b, &q), POOLDNS_PARSE_BADVERS);
	ck_assert(!q.ecs);
}
END_TEST

/* ---- writer ------------------------------------------------------------- */

START_TEST(test_writer_bounds)
{
	uint8_t buf[8];
	struct pooldns_writer w;

	memset(buf, 0xee, sizeof buf);
	pooldns_writer_init(&w, buf, 6);
	pooldns_writer_u32(&w, 0x01020304);
	pooldns_writer_u8(&w, 5);
	ck_assert(!w.overflow);
	pooldns_writer_u16(&w, 0x0607); /* one byte left: fails */
	ck_assert(w.overflow);
	ck_assert_uint_eq(w.len, 5);
	pooldns_writer_u8(&w, 9); /* nothing more once failed */
	ck_assert_uint_eq(w.len, 5);
	ck_assert_uint_eq(buf[5], 0xee);
	static const uint8_t want[] = { 1, 2, 3, 4, 5 };
	ck_assert_mem_eq(buf, want, 5);

	pooldns_writer_init(&w, buf, 8);
	pooldns_writer_u16(&w, 0);
	pooldns_writer_u16(&w, 0);
	pooldns_writer_put16_at(&w, 2, 0xa1b2);
	ck_assert(!w.overflow);
	ck_assert_uint_eq(buf[2], 0xa1);
	ck_assert_uint_eq(buf[3], 0xb2);
	pooldns_writer_put16_at(&w, 3, 1); /* would reach past len */
	ck_assert(w.overflow);

	/* A name that does not fit is not written at all. */
	uint8_t nb[10];
	memset(nb, 0xee, sizeof nb);
	pooldns_writer_init(&w, nb, 10);
	pooldns_writer_name(&w, (const uint8_t *)"\003www\007example\000", 13);
	ck_assert(w.overflow);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_uint_eq(nb[0], 0xee);

	/* An invalid name (no root) is refused. */
	pooldns_writer_init(&w, nb, 10);
	pooldns_writer_name(&w, (const uint8_t *)"\003www", 4);
	ck_assert(w.overflow);
	/* bytes with n = 0 are fine. */
	pooldns_writer_init(&w, nb, 10);
	pooldns_writer_bytes(&w, NULL, 0);
	ck_assert(!w.overflow);
}
END_TEST

/* Writes a message: header, question "www.Example.com.", then A records
 * owned by names given in text, and checks it with ldns. */
START_TEST(test_writer_compression)
{
	uint8_t buf[512];
	struct pooldns_writer w;
	uint8_t qn[POOLDNS_NAME_MAX], n2[POOLDNS_NAME_MAX], n3[POOLDNS_NAME_MAX];
	uint8_t n4[POOLDNS_NAME_MAX];

	memcpy(qn, "\003www\007Example\003com\000", 17);
	int l2 = pooldns_dname_from_text("WWW.EXAMPLE.COM.", n2, sizeof n2);
	ck_assert_int_eq(l2, 17);
	memcpy(n2, "\003WWW\007EXAMPLE\003COM\000", 17);
	int l3 = pooldns_dname_from_text("mail.example.com.", n3, sizeof n3);
	int l4 = pooldns_dname_from_text("other.org.", n4, sizeof n4);

	pooldns_writer_init(&w, buf, sizeof buf);
	/* header: id 1, QR, qd 1, an 3 */
	pooldns_writer_u16(&w, 1);
	pooldns_writer_u16(&w, POOLDNS_FLAG_QR);
	pooldns_writer_u16(&w, 1);
	pooldns_writer_u16(&w, 4);
	pooldns_writer_u16(&w, 0);
	pooldns_writer_u16(&w, 0);
	pooldns_writer_name(&w, qn, 17);
	pooldns_writer_u16(&w, POOLDNS_TYPE_A);
	pooldns_writer_u16(&w, POOLDNS_CLASS_IN);

	const uint8_t *owners[4] = { n2, n3, n4, n3 };
	size_t lens[4] = { (size_t)l2, (size_t)l3, (size_t)l4, (size_t)l3 };
	size_t owner_at[4];
	for (int i = 0; i < 4; i++) {
		owner_at[i] = w.len;
		pooldns_writer_name(&w, owners[i], lens[i]);
		pooldns_writer_u16(&w, POOLDNS_TYPE_A);
		pooldns_writer_u16(&w, POOLDNS_CLASS_IN);
		pooldns_writer_u32(&w, 300);
		pooldns_writer_u16(&w, 4);
		pooldns_writer_u32(&w, 0x0a000001u + (uint32_t)i);
	}
	ck_assert(!w.overflow);
	/* The same name in another case: a bare pointer to the question. */
	ck_assert_uint_eq(buf[owner_at[0]], 0xc0);
	ck_assert_uint_eq(buf[owner_at[0] + 1], 12);
	/* mail.example.com: one label, then a pointer to "Example.com". */
	ck_assert_uint_eq(buf[owner_at[1]], 4);
	ck_assert_uint_eq(buf[owner_at[1] + 5], 0xc0);
	ck_assert_uint_eq(buf[owner_at[1] + 6], 12 + 4);
	/* other.org: nothing in common, written in full. */
	ck_assert_uint_eq(buf[owner_at[2]], 5);
	ck_assert_uint_eq(buf[owner_at[2] + 6], 3);
	/* mail.example.com again: a pointer to the first one. */
	ck_assert_uint_eq(buf[owner_at[3]], 0xc0);
	ck_assert_uint_eq(buf[owner_at[3] + 1], owner_at[1]);

	/* ldns decodes it, and pointers show the first form's case. */
	ldns_pkt *pkt = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&pkt, buf, w.len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt), 4);
	const char *want[4] = { "www.Example.com.", "mail.Example.com.", "other.org.",
				"mail.Example.com." };
	for (int i = 0; i < 4; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), (size_t)i);
		char *s = ldns_rdf2str(ldns_rr_owner(rr));
		ck_assert_str_eq(s, want[i]);
		free(s);
	}
	ldns_pkt_free(pkt);
}
END_TEST

/* Writing many distinct names fills the compression table without harm. */
START_TEST(test_writer_table_full)
{
	static uint8_t buf[8192];
	struct pooldns_writer w;
	char text[64];
	uint8_t n[POOLDNS_NAME_MAX];

	pooldns_writer_init(&w, buf, sizeof buf);
	pooldns_writer_u16(&w, 1);
	pooldns_writer_u16(&w, POOLDNS_FLAG_QR);
	pooldns_writer_u16(&w, 0);
	pooldns_writer_u16(&w, 100);
	pooldns_writer_u16(&w, 0);
	pooldns_writer_u16(&w, 0);
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof text, "h%d.z%d.example.", i, i % 7);
		int l = pooldns_dname_from_text(text, n, sizeof n);
		pooldns_writer_name(&w, n, (size_t)l);
		pooldns_writer_u16(&w, POOLDNS_TYPE_A);
		pooldns_writer_u16(&w, POOLDNS_CLASS_IN);
		pooldns_writer_u32(&w, 1);
		pooldns_writer_u16(&w, 4);
		pooldns_writer_u32(&w, (uint32_t)i);
	}
	ck_assert(!w.overflow);
	ck_assert_uint_le(w.nnames, POOLDNS_WRITER_MAX_NAMES);
	ldns_pkt *pkt = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&pkt, buf, w.len), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_ancount(pkt), 100);
	for (int i = 0; i < 100; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), (size_t)i);
		char *s = ldns_rdf2str(ldns_rr_owner(rr));
		snprintf(text, sizeof text, "h%d.z%d.example.", i, i % 7);
		ck_assert_str_eq(s, text);
		free(s);
	}
	ldns_pkt_free(pkt);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tp = tcase_create("parse");
	TCase *tw = tcase_create("writer");

	tcase_add_test(tp, test_parse_plain);
	tcase_add_test(tp, test_parse_lower_every_byte);
	tcase_add_test(tp, test_parse_truncated_every_byte);
	tcase_add_test(tp, test_parse_header_rules);
	tcase_add_test(tp, test_parse_bad_names);
	tcase_add_test(tp, test_parse_opt);
	tcase_add_test(tp, test_parse_ecs);
	tcase_add_test(tw, test_writer_bounds);
	tcase_add_test(tw, test_writer_compression);
	tcase_add_test(tw, test_writer_table_full);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, tw);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
