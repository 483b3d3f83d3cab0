/*
 * check_cookie.c — unit tests for DNS cookies (core/dns/cookie.c), the
 * SipHash-2-4 behind them (core/dns/siphash.c) and the message editing
 * they use (core/dns/msgedit.c): the SipHash paper's test vector, the RFC
 * 9018 appendix A server cookies, validity in time and with a rolled
 * secret, finding the COOKIE option (lengths, overruns, first option
 * wins), adding it to a response within the size limit, and stripping a
 * response to FORMERR/REFUSED or TC.
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

#include "core/dns/cookie.h"
#include "core/dns/msgedit.h"
#include "core/dns/siphash.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	ck_assert_uint_eq(strlen(h), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static struct pooldns_client v4(const char *a)
{
	struct pooldns_client c = { .family = AF_INET, .prefix = 32 };
	ck_assert_int_eq(inet_pton(AF_INET, a, c.addr), 1);
	return c;
}

static struct pooldns_client v6(const char *a)
{
	struct pooldns_client c = { .family = AF_INET6, .prefix = 128 };
	ck_assert_int_eq(inet_pton(AF_INET6, a, c.addr), 1);
	return c;
}

/* The paper's vector: key 00..0f, message 00..0e -> a129ca6149be45e5. */
START_TEST(test_siphash_vector)
{
	uint8_t key[16], msg[15];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(pooldns_siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
	/* the empty message: 726fdb47dd0e0e31 */
	ck_assert_uint_eq(pooldns_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
}
END_TEST

/* RFC 9018 appendix A.1 and A.2 (IPv4) and A.4 (IPv6). */
START_TEST(test_rfc9018_vectors)
{
	struct pooldns_cookie_secret s = { 0 };
	uint8_t client[8], got[16], want[16];
	unhex("e5e973e5a6b2a43f48e7dc849e37bfcf", s.key, 16);
	unhex("2464c4abcf10c957", client, 8);
	struct pooldns_client c = v4("198.51.100.100");
	pooldns_cookie_make(s.key, client, &c, 1559731985, got);
	unhex("010000005cf79f111f8130c3eee29480", want, 16);
	ck_assert_mem_eq(got, want, 16);
	pooldns_cookie_make(s.key, client, &c, 1559734385, got);
	unhex("010000005cf7a871d4a564a1442aca77", want, 16);
	ck_assert_mem_eq(got, want, 16);

	uint8_t key6[16];
	unhex("dd3bdf9344b678b185a6f5cb60fca715", key6, 16);
	unhex("22681ab97d52c298", client, 8);
	struct pooldns_client c6 = v6("2001:db8:220:1:59de:d0f4:8769:82b8");
	pooldns_cookie_make(key6, client, &c6, 1559741817, got);
	unhex("010000005cf7c57926556bd0934c72f8", want, 16);
	ck_assert_mem_eq(got, want, 16);
	/* A.4 goes on: the server rolled to a new secret; the cookie made
	 * with the old one is still valid and a new one goes back */
	struct pooldns_cookie_secret rolled = { .have_previous = true };
	unhex("445536bcd2513298075a5d379663c962", rolled.key, 16);
	memcpy(rolled.previous, key6, 16);
	struct pooldns_cookie_in in = { .server_len = 16 };
	memcpy(in.client, client, 8);
	memcpy(in.server, got, 16);
	bool renew = false;
	ck_assert(pooldns_cookie_valid(&rolled, &in, &c6, 1559741961, &renew));
	ck_assert(renew);
	pooldns_cookie_make(rolled.key, client, &c6, 1559741961, got);
	unhex("010000005cf7c609a6bb79d16625507a", want, 16);
	ck_assert_mem_eq(got, want, 16);
}
END_TEST

START_TEST(test_validity)
{
	struct pooldns_cookie_secret s = { 0 };
	struct pooldns_cookie_in in = { .server_len = 16 };
	struct pooldns_client c = v4("192.0.2.7"), other = v4("192.0.2.8");
	bool renew;
	unhex("000102030405060708090a0b0c0d0e0f", s.key, 16);
	unhex("0102030405060708", in.client, 8);
	uint32_t t0 = 1700000000;
	pooldns_cookie_make(s.key, in.client, &c, t0, in.server);
	ck_assert(pooldns_cookie_valid(&s, &in, &c, t0, &renew));
	ck_assert(!renew);
	ck_assert(pooldns_cookie_valid(&s, &in, &c, t0 + 1801, &renew));
	ck_assert(renew); /* older than half an hour: a new one goes back */
	ck_assert(pooldns_cookie_valid(&s, &in, &c, t0 + 3600, &renew));
	ck_assert(!pooldns_cookie_valid(&s, &in, &c, t0 + 3601, &renew));
	ck_assert(pooldns_cookie_valid(&s, &in, &c, t0 - 300, &renew));
	ck_assert(!pooldns_cookie_valid(&s, &in, &c, t0 - 301, &renew));
	/* another address, client cookie, version or length: invalid */
	ck_assert(!pooldns_cookie_valid(&s, &in, &other, t0, &renew));
	in.client[0] ^= 1;
	ck_assert(!pooldns_cookie_valid(&s, &in, &c, t0, &renew));
	in.client[0] ^= 1;
	in.server[0] = 2;
	ck_assert(!pooldns_cookie_valid(&s, &in, &c, t0, &renew));
	in.server[0] = 1;
	in.server_len = 8;
	ck_assert(!pooldns_cookie_valid(&s, &in, &c, t0, &renew));
	in.server_len = 16;
	/* serial arithmetic across the 2^32 wrap */
	pooldns_cookie_make(s.key, in.client, &c, 0xfffffff0u, in.server);
	ck_assert(pooldns_cookie_valid(&s, &in, &c, 0x20, &renew));
	/* a rolled secret: the old one is still accepted, and renewed */
	pooldns_cookie_make(s.key, in.client, &c, t0, in.server);
	struct pooldns_cookie_secret rolled = { .have_previous = true };
	memcpy(rolled.previous, s.key, 16);
	unhex("ffeeddccbbaa99887766554433221100", rolled.key, 16);
	ck_assert(pooldns_cookie_valid(&rolled, &in, &c, t0, &renew));
	ck_assert(renew);
	rolled.have_previous = false;
	ck_assert(!pooldns_cookie_valid(&rolled, &in, &c, t0, &renew));
}
END_TEST

/* A query for example. A with an OPT record holding rdata[0..rdlen). */
static size_t query_with_opt(uint8_t *b, const uint8_t *rdata, size_t rdlen)
{
	static const uint8_t head[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
					7,    'e',  'x',  'a',  'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	size_t n = sizeof head;
	memcpy(b, head, n);
	b[n++] = 0; /* root */
	b[n++] = 0;
	b[n++] = 41; /* OPT */
	b[n++] = 0x04;
	b[n++] = 0xd0; /* 1232 */
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = (uint8_t)(rdlen >> 8);
	b[n++] = (uint8_t)rdlen;
	if (rdlen > 0)
		memcpy(b + n, rdata, rdlen);
	return n + rdlen;
}

START_TEST(test_find)
{
	uint8_t q[512], rd[64];
	struct pooldns_cookie_in in;
	/* client cookie only */
	static const uint8_t only[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n = query_with_opt(q, only, sizeof only);
	ck_assert_int_eq(pooldns_cookie_find(q, n, &in), POOLDNS_COOKIE_PRESENT);
	ck_assert_uint_eq(in.server_len, 0);
	ck_assert_uint_eq(in.udp_size, 1232);
	ck_assert_uint_eq(in.client[7], 8);
	/* every length from 0 to 41: 8 and 16..40 are well formed */
	for (unsigned len = 0; len <= 41; len++) {
		rd[0] = 0;
		rd[1] = 10;
		rd[2] = 0;
		rd[3] = (uint8_t)len;
		memset(rd + 4, 0xab, len);
		n = query_with_opt(q, rd, 4 + len);
		enum pooldns_cookie_found want = (len == 8 || (len >= 16 && len <= 40))
							 ? POOLDNS_COOKIE_PRESENT
							 : POOLDNS_COOKIE_MALFORMED;
		ck_assert_msg(pooldns_cookie_find(q, n, &in) == want, "length %u", len);
		if (want == POOLDNS_COOKIE_PRESENT)
			ck_assert_uint_eq(in.server_len, len - 8);
	}
	/* an option that overruns the OPT record */
	static const uint8_t over[] = { 0, 10, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8 };
	n = query_with_opt(q, over, sizeof over);
	ck_assert_int_eq(pooldns_cookie_find(q, n, &in), POOLDNS_COOKIE_MALFORMED);
	/* another option first, then two cookies: the first cookie wins */
	static const uint8_t two[] = { 0, 3, 0, 0, 0, 10, 0, 8, 9, 9, 9, 9, 9, 9, 9, 9,
				       0, 10, 0, 3, 1, 2, 3 };
	n = query_with_opt(q, two, sizeof two);
	ck_assert_int_eq(pooldns_cookie_find(q, n, &in), POOLDNS_COOKIE_PRESENT);
	ck_assert_uint_eq(in.client[0], 9);
	/* no cookie, no OPT, a cut packet: none (the parser's to judge) */
	static const uint8_t nsid[] = { 0, 3, 0, 0 };
	n = query_with_opt(q, nsid, sizeof nsid);
	ck_assert_int_eq(pooldns_cookie_find(q, n, &in), POOLDNS_COOKIE_NONE);
	q[11] = 0;
	ck_assert_int_eq(pooldns_cookie_find(q, 25, &in), POOLDNS_COOKIE_NONE);
	for (size_t cut = 0; cut < n; cut++)
		ck_assert_int_eq(pooldns_cookie_find(q, cut, &in), POOLDNS_COOKIE_NONE);
}
END_TEST

START_TEST(test_append_and_strip)
{
	uint8_t r[600], client[8], server[16];
	memset(client, 0x11, 8);
	memset(server, 0x22, 16);
	size_t n = query_with_opt(r, NULL, 0);
	r[2] |= 0x84; /* QR AA */
	size_t m = pooldns_cookie_append(r, n, sizeof r, 512, client, server);
	ck_assert_uint_eq(m, n + 28);
	struct pooldns_cookie_in in;
	ck_assert_int_eq(pooldns_cookie_find(r, m, &in), POOLDNS_COOKIE_PRESENT);
	ck_assert_mem_eq(in.client, client, 8);
	ck_assert_uint_eq(in.server_len, 16);
	ck_assert_mem_eq(in.server, server, 16);
	/* no room under the limit: unchanged */
	n = query_with_opt(r, NULL, 0);
	ck_assert_uint_eq(pooldns_cookie_append(r, n, sizeof r, n + 27, client, server), n);
	/* no OPT: unchanged */
	r[11] = 0;
	ck_assert_uint_eq(pooldns_cookie_append(r, 25, sizeof r, 512, client, server), 25);

	/* strip: header and question, the rcode, AA off, TC when asked */
	n = query_with_opt(r, NULL, 0);
	r[2] |= 0x84;
	ck_assert_uint_eq(pooldns_msg_strip(r, n, 1, false), 25);
	ck_assert_uint_eq(r[3] & 0x0f, 1);
	ck_assert_uint_eq(r[2] & 0x04, 0);
	ck_assert_uint_eq(r[11], 0);
	n = query_with_opt(r, NULL, 0);
	ck_assert_uint_eq(pooldns_msg_strip(r, n, 0, true), 25);
	ck_assert_uint_eq(r[2] & 0x02, 0x02);
	ck_assert_uint_eq(pooldns_msg_strip(r, 20, 5, false), 0); /* cut question */

	uint8_t name[255];
	n = query_with_opt(r, NULL, 0);
	r[13] = 'E';
	ck_assert_uint_eq(pooldns_msg_qname_lower(r, n, name), 9);
	ck_assert_mem_eq(name, "\7example\0", 9);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_siphash_vector);
	tcase_add_test(tc, test_rfc9018_vectors);
	tcase_add_test(tc, test_validity);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_append_and_strip);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
