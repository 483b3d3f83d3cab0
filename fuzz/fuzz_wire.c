/*
 * fuzz_wire.c — fuzz target for the DNS answer path: every input is parsed
 * by pooldns_wire_parse_query() and answered by pooldns_answer_packet() over
 * UDP and over TCP, against a small snapshot built once (pools with A/AAAA
 * members, a hash pool, a 64-member IPv6 pool that forces TC, an empty
 * non-terminal, and a configured zone).
 *
 * Besides the sanitizers, each response is checked here: dropped exactly
 * when the parser says DROP, never longer than the size limit of its
 * transport, id echoed, QR set and RA clear, the rcode consistent with the
 * parse status, the question echoed byte for byte, and the whole message
 * well formed (counts match the records, compression pointers only point
 * backwards, RDLENGTHs stay inside, nothing after the last record), the
 * lower-cased question name, and answering in place (the query's own
 * buffer as output) gives the same length, header and question. A failed
 * check aborts, which the fuzzer reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 * The fixture (store, snapshot, config) is static, built on first use and
 * kept for the life of the process; its dataset is made with the unit
 * tests' shared builders (tests/unit/testdata.c, compiled here without
 * Check, so a failure there aborts like a failed CHECK).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/answer.h"
#include "core/model/builder.h"
#include "core/log.h"
#include "core/model/store.h"
#include "core/source/table.h"
#include "testdata.h"
#include "core/dns/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pooldns_answer_cfg cfg;
static struct pooldns_store *store;
static uint8_t out[POOLDNS_MSG_MAX];

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_wire: check failed at line %d: %s\n", __LINE__,      \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void set_name(uint8_t *dst, uint8_t *len, const char *text)
{
	int l = pooldns_dname_from_text(text, dst, POOLDNS_NAME_MAX);
	CHECK(l > 0);
	*len = (uint8_t)l;
}

static void fixture_init(void)
{
	struct pooldns_dataset ds;
	char err[256];

	pooldns_log_set(NULL, NULL, POOLDNS_LOG_ERR);
	pooldns_zone_cfg_defaults(&cfg.zone);
	cfg.edns_payload = POOLDNS_EDNS_DEFAULT;
	set_name(cfg.zone.ns[0], &cfg.zone.ns_len[0], "ns1.example.net.");
	set_name(cfg.zone.ns[1], &cfg.zone.ns_len[1], "ns2.example.net.");
	cfg.zone.nns = 2;
	set_name(cfg.zone.zones[0], &cfg.zone.zone_len[0], "example.com.");
	cfg.zone.nzones = 1;

	td_dataset_init(&ds, 7);
	TD_POOL(&ds, .id = 1, .name = "www.example.com.", .ttl = 30, .policy = "round_robin",
		.max_answers = 8);
	TD_MEMBER(&ds, .id = 1, .pool = 1, .host = "192.0.2.1");
	TD_MEMBER(&ds, .id = 2, .pool = 1, .host = "192.0.2.2");
	TD_MEMBER(&ds, .id = 3, .pool = 1, .host = "2001:db8::1");
	TD_POOL(&ds, .id = 2, .name = "big6.example.com.", .ttl = 60, .policy = "all",
		.max_answers = 64);
	for (int i = 0; i < 64; i++) {
		char h[64];
		snprintf(h, sizeof h, "2001:db8:6::%x", i + 1);
		TD_MEMBER(&ds, .id = 100 + i, .pool = 2, .host = h);
	}
	TD_POOL(&ds, .id = 3, .name = "hash.example.com.", .ttl = 10, .policy = "hash",
		.max_answers = 2);
	TD_MEMBER(&ds, .id = 200, .pool = 3, .host = "198.51.100.1");
	TD_MEMBER(&ds, .id = 201, .pool = 3, .host = "198.51.100.2");
	TD_MEMBER(&ds, .id = 202, .pool = 3, .host = "198.51.100.3");
	TD_POOL(&ds, .id = 4, .name = "a.b.ent.example.com.", .ttl = 10, .policy = "weighted",
		.max_answers = 8);
	TD_MEMBER(&ds, .id = 300, .pool = 4, .host = "203.0.113.4");
	TD_POOL(&ds, .id = 5, .name = "pool.test.", .ttl = 5, .policy = "failover",
		.max_answers = 4);
	TD_MEMBER(&ds, .id = 400, .pool = 5, .host = "10.0.0.1");
	TD_MEMBER(&ds, .id = 401, .pool = 5, .host = "fd00::1");

	struct pooldns_snapshot *snap = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof err);
	pooldns_dataset_clear(&ds);
	CHECK(snap != NULL);
	store = pooldns_store_new();
	CHECK(store != NULL);
	pooldns_store_publish(store, snap);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Skips a possibly compressed name at *pos of msg[0..len); every pointer
 * must point before the name it is part of. */
static void skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t p = *pos;
	size_t limit = *pos; /* pointers must go strictly before this */
	size_t total = 0;
	bool jumped = false;

	for (int hops = 0;; hops++) {
		CHECK(hops < 256);
		CHECK(p < len);
		uint8_t l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			CHECK(p + 1 < len);
			size_t to = ((size_t)(l & 0x3f) << 8) | msg[p + 1];
			CHECK(to < limit);
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			limit = to;
			p = to;
			continue;
		}
		CHECK(l <= POOLDNS_LABEL_MAX);
		total += (size_t)l + 1;
		CHECK(total <= POOLDNS_NAME_MAX);
		CHECK(p + 1 + l <= len);
		p += (size_t)l + 1;
		if (l == 0)
			break;
	}
	if (!jumped)
		*pos = p;
}

/* Checks the whole message is well formed; returns the number of OPT RRs. */
static int check_message(const uint8_t *msg, size_t len)
{
	size_t pos = POOLDNS_HEADER_LEN;
	unsigned qd = get16(msg + 4);
	unsigned rr = (unsigned)get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	int opts = 0;

	CHECK(qd <= 1);
	for (unsigned i = 0; i < qd; i++) {
		skip_name(msg, len, &pos);
		CHECK(len - pos >= 4);
		pos += 4;
	}
	for (unsigned i = 0; i < rr; i++) {
		skip_name(msg, len, &pos);
		CHECK(len - pos >= 10);
		uint16_t type = get16(msg + pos);
		uint16_t rdlen = get16(msg + pos + 8);
		pos += 10;
		CHECK(len - pos >= rdlen);
		if (type == POOLDNS_TYPE_A)
			CHECK(rdlen == 4);
		else if (type == POOLDNS_TYPE_AAAA)
			CHECK(rdlen == 16);
		else if (type == POOLDNS_TYPE_OPT)
			opts++;
		pos += rdlen;
	}
	CHECK(pos == len);
	return opts;
}

static void answer_and_check(const uint8_t *data, size_t size, bool tcp,
			     enum pooldns_parse_status st, const struct pooldns_query *q)
{
	static const struct pooldns_client client = { .family = AF_INET6,
						      .addr = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
								0, 0, 0, 0, 9 },
						      .prefix = 128 };
	struct pooldns_answer_info info;
	size_t n = pooldns_answer_packet(&cfg, store, data, size, tcp, &client, out, sizeof out,
					 &info);

	if (st == POOLDNS_PARSE_DROP) {
		CHECK(n == 0);
		CHECK(info.dropped);
		return;
	}
	CHECK(n >= POOLDNS_HEADER_LEN);
	CHECK(!info.dropped);

	size_t limit;
	if (tcp)
		limit = POOLDNS_MSG_MAX;
	else if (q->edns)
		limit = q->edns_udp_size < 512
				? 512
				: (q->edns_udp_size > cfg.edns_payload ? cfg.edns_payload
								       : q->edns_udp_size);
	else
		limit = 512;
	CHECK(n <= limit);

	uint16_t flags = get16(out + 2);
	CHECK(get16(out) == q->id);
	CHECK(flags & POOLDNS_FLAG_QR);
	CHECK(!(flags & (POOLDNS_FLAG_RA | POOLDNS_FLAG_Z | POOLDNS_FLAG_AD)));
	CHECK((flags & 0x7800u) == (q->flags & 0x7800u)); /* the opcode */
	if (q->opcode == POOLDNS_OPCODE_QUERY) {
		CHECK((flags & POOLDNS_FLAG_RD) == (q->flags & POOLDNS_FLAG_RD));
		CHECK((flags & POOLDNS_FLAG_CD) == (q->flags & POOLDNS_FLAG_CD));
	} else {
		/* None of the bits defined for QUERY (answer.h). */
		CHECK(!(flags &
			(POOLDNS_FLAG_AA | POOLDNS_FLAG_TC | POOLDNS_FLAG_RD | POOLDNS_FLAG_CD)));
	}
	unsigned rcode = flags & 0x0f;
	switch (st) {
	case POOLDNS_PARSE_FORMERR:
		CHECK(rcode == POOLDNS_RCODE_FORMERR);
		break;
	case POOLDNS_PARSE_NOTIMP:
		CHECK(rcode == POOLDNS_RCODE_NOTIMP);
		break;
	case POOLDNS_PARSE_BADVERS:
		CHECK(rcode == 0 && q->edns);
		break;
	default:
		CHECK(rcode == POOLDNS_RCODE_NOERROR || rcode == POOLDNS_RCODE_NXDOMAIN ||
		      rcode == POOLDNS_RCODE_REFUSED);
		CHECK(q->question_ok);
		if (flags & POOLDNS_FLAG_TC) {
			/* Only UDP truncates here (TCP answers all fit in
			 * 65535), and TC means empty answer and authority. */
			CHECK(!tcp);
			CHECK(info.truncated);
			CHECK(get16(out + 6) == 0 && get16(out + 8) == 0);
		}
		break;
	}
	CHECK(rcode == (info.rcode & 0x0f));
	if (q->question_ok && get16(out + 4) == 1) {
		/* The question echoed exactly as received. */
		CHECK(n >= POOLDNS_HEADER_LEN + q->qname_len + 4u);
		CHECK(memcmp(out + POOLDNS_HEADER_LEN, q->qname, q->qname_len) == 0);
		CHECK(get16(out + POOLDNS_HEADER_LEN + q->qname_len) == q->qtype);
		CHECK(get16(out + POOLDNS_HEADER_LEN + q->qname_len + 2) == q->qclass);
	}
	int opts = check_message(out, n);
	CHECK(opts == (q->edns ? 1 : 0));

	/* Answered in place, as the UDP transport does (answer.h): the same
	 * length, header and question (the records may come in another
	 * order: round robin moved on). */
	static uint8_t inplace[POOLDNS_MSG_MAX];
	struct pooldns_answer_info info2;
	size_t head = POOLDNS_HEADER_LEN + (q->question_ok ? q->qname_len + 4u : 0);
	if (size > sizeof inplace)
		return;
	memcpy(inplace, data, size);
	size_t m = pooldns_answer_packet(&cfg, store, inplace, size, tcp, &client, inplace,
					 sizeof inplace, &info2);
	CHECK(m == n);
	CHECK(memcmp(inplace, out, head < n ? head : n) == 0);
	CHECK(info2.rcode == info.rcode && info2.truncated == info.truncated);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_query q;

	if (store == NULL)
		fixture_init();
	enum pooldns_parse_status st = pooldns_wire_parse_query(data, size, &q);
	if (st != POOLDNS_PARSE_DROP) {
		CHECK(q.header_ok);
		if (q.question_ok) {
			CHECK(q.qname_len >= 1 && q.qname_len <= POOLDNS_NAME_MAX);
			CHECK(q.qname[q.qname_len - 1] == 0);
			for (size_t i = 0; i < q.qname_len; i++) {
				uint8_t c = q.qname[i];
				CHECK(q.qname_lower[i] ==
				      (c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c));
			}
		}
	}
	if (st == POOLDNS_PARSE_OK || st == POOLDNS_PARSE_BADVERS)
		CHECK(q.question_ok);
	if (q.ecs)
		CHECK(q.ecs_client.prefix <= (q.ecs_client.family == AF_INET ? 32 : 128));
	answer_and_check(data, size, false, st, &q);
	answer_and_check(data, size, true, st, &q);
	return 0;
}
