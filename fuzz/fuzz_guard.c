/*
 * fuzz_guard.c — fuzz target for what the standalone server reads from
 * outside in its guards: the COOKIE option of a query (core/dns/cookie.c,
 * walked with core/dns/msgedit.c), the access-list rules and prefixes of
 * its configuration (core/dns/acl.c, core/dns/prefix.c), and the message
 * editing applied to a response (strip, cookie append).
 *
 * The first byte picks the part; the rest is the input. Checks, besides
 * the sanitizers:
 *  - a cookie found has 0 or 8..32 bytes of server cookie;
 *  - a message grows by exactly 28 bytes or not at all when a COOKIE
 *    option is appended within the size limit the server uses (the
 *    query's UDP payload size, at least 512), never past that limit, and
 *    one that had none reads back the appended cookie; a stripped message
 *    is no longer than before and has no records;
 *  - server cookies (RFC 9018) round trip. The query gives the inputs:
 *    its client cookie; the time now from its ID and flags; the
 *    timestamp from its server cookie (now without one); the client
 *    address from the server cookie's bytes after the timestamp (IPv6
 *    when the client cookie's low bit is set). The cookie made for them
 *    is valid exactly when its age lies in [-300, 3600] s counted modulo
 *    2^32, is renewed exactly when older than 1800 s, is still valid
 *    under a rolled secret that keeps the old one as previous (and then
 *    always renewed), and is refused under another secret, with one byte
 *    of it flipped, for another address or another client cookie. The
 *    server cookie the query carries is valid only when it is the one
 *    made for it;
 *  - a rule or prefix accepted has a prefix length within its family and
 *    host bits clear, parsing its own words again gives the same rule; the
 *    rule decides for an address inside its prefix on its listener, and
 *    not for an address outside it (one prefix bit flipped), of the other
 *    family, or arriving on another listener; a prefix matches its own
 *    address with any host bits set and not with a prefix bit flipped.
 * A failed check aborts.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/acl.h"
#include "core/dns/cookie.h"
#include "core/dns/msgedit.h"
#include "core/dns/prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two server secrets: the current one, and another. */
static const uint8_t secret_key[POOLDNS_COOKIE_SECRET_LEN] = "fuzz_guard key1";
static const uint8_t other_key[POOLDNS_COOKIE_SECRET_LEN] = "fuzz_guard key2";

static void check_prefix(const struct pooldns_prefix *p)
{
	unsigned bits = p->family == AF_INET ? 32 : 128;
	if ((p->family != AF_INET && p->family != AF_INET6) || p->len > bits)
		abort();
	uint8_t masked[16];
	pooldns_prefix_mask(p->addr, bits / 8, p->len, masked);
	if (memcmp(masked, p->addr, 16) != 0)
		abort();
	/* More bits than the address has keep all of it. */
	pooldns_prefix_mask(p->addr, bits / 8, bits + 8, masked);
	if (memcmp(masked, p->addr, 16) != 0)
		abort();
}

/* A client at p's own address, with every host bit set when all_host. */
static struct pooldns_client client_in(const struct pooldns_prefix *p, bool all_host)
{
	unsigned bits = p->family == AF_INET ? 32 : 128;
	struct pooldns_client c = { .family = p->family, .prefix = (uint8_t)bits };
	memcpy(c.addr, p->addr, 16);
	for (unsigned b = p->len; all_host && b < bits; b++)
		c.addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	return c;
}

/* The same client with the last bit of the prefix flipped: outside it. */
static struct pooldns_client client_out(const struct pooldns_prefix *p)
{
	struct pooldns_client c = client_in(p, false);
	unsigned b = p->len - 1u;
	c.addr[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	return c;
}

static void check_match(const struct pooldns_prefix *p)
{
	struct pooldns_client in = client_in(p, false), host = client_in(p, true);
	if (!pooldns_prefix_match(p, &in) || !pooldns_prefix_match(p, &host))
		abort();
	if (p->len > 0) {
		struct pooldns_client out = client_out(p);
		if (pooldns_prefix_match(p, &out))
			abort();
	}
	struct pooldns_client other = in;
	other.family = p->family == AF_INET ? AF_INET6 : AF_INET;
	if (pooldns_prefix_match(p, &other))
		abort();
}

/* r as the server resolves it, "on" naming listen address number 0. */
static void check_acl(struct pooldns_acl_rule *r, bool on)
{
	r->listener = on ? 0 : POOLDNS_ACL_ANY_LISTENER;
	struct pooldns_acl acl = { r, 1 };
	struct pooldns_client c = client_in(&r->prefix, true);
	if (pooldns_acl_allows(&acl, &c, 0) != r->allow)
		abort();
	/* No rule decides: allowed. */
	if (on && !pooldns_acl_allows(&acl, &c, 1))
		abort();
	if (r->prefix.len > 0) {
		struct pooldns_client out = client_out(&r->prefix);
		if (!pooldns_acl_allows(&acl, &out, 0))
			abort();
	}
	struct pooldns_client other = c;
	other.family = r->prefix.family == AF_INET ? AF_INET6 : AF_INET;
	if (!pooldns_acl_allows(&acl, &other, 0))
		abort();
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* valid() of the server cookie sc under secret s, as a query with
 * client cookie cc would carry it. */
static bool valid_for(const struct pooldns_cookie_secret *s, const uint8_t *cc, const uint8_t *sc,
		      const struct pooldns_client *addr, uint32_t now, bool *renew)
{
	struct pooldns_cookie_in in = { .server_len = POOLDNS_COOKIE_SERVER_LEN };
	memcpy(in.client, cc, POOLDNS_COOKIE_CLIENT_LEN);
	memcpy(in.server, sc, POOLDNS_COOKIE_SERVER_LEN);
	return pooldns_cookie_valid(s, &in, addr, now, renew);
}

/* The server-cookie round trip for the cookie a query carried (pkt: the
 * query, at least its 12-byte header). */
static void check_server_cookie(const uint8_t *pkt, const struct pooldns_cookie_in *q)
{
	struct pooldns_client addr = { .family = (q->client[0] & 1) ? AF_INET6 : AF_INET };
	size_t alen = addr.family == AF_INET6 ? 16 : 4;
	addr.prefix = (uint8_t)(alen * 8);
	if (q->server_len > 8)
		memcpy(addr.addr, q->server + 8, q->server_len - 8 < 16 ? q->server_len - 8u : 16u);
	uint32_t now = rd32(pkt), stamp = q->server_len >= 8 ? rd32(q->server + 4) : now;
	struct pooldns_cookie_secret s = { .have_previous = false };
	memcpy(s.key, secret_key, sizeof s.key);
	bool renew;

	/* What the query carried is valid only when it is what we make. */
	uint8_t sc[POOLDNS_COOKIE_SERVER_LEN];
	pooldns_cookie_make(s.key, q->client, &addr, stamp, sc);
	if (pooldns_cookie_valid(&s, q, &addr, now, &renew) &&
	    (q->server_len != POOLDNS_COOKIE_SERVER_LEN || memcmp(q->server, sc, sizeof sc) != 0))
		abort();

	/* Its age in seconds, forward and backward, modulo 2^32. */
	uint32_t ahead = now - stamp, behind = stamp - now;
	bool in_time = ahead <= POOLDNS_COOKIE_LIFETIME_S || behind <= POOLDNS_COOKIE_FUTURE_S;
	bool old = ahead > POOLDNS_COOKIE_RENEW_AFTER_S && ahead <= POOLDNS_COOKIE_LIFETIME_S;
	if (sc[0] != 1 || sc[1] != 0 || sc[2] != 0 || sc[3] != 0 || rd32(sc + 4) != stamp)
		abort();
	if (valid_for(&s, q->client, sc, &addr, now, &renew) != in_time ||
	    (in_time && renew != old))
		abort();
	struct pooldns_cookie_secret rolled = { .have_previous = true };
	memcpy(rolled.key, other_key, sizeof rolled.key);
	memcpy(rolled.previous, secret_key, sizeof rolled.previous);
	if (valid_for(&rolled, q->client, sc, &addr, now, &renew) != in_time || (in_time && !renew))
		abort();
	rolled.have_previous = false;
	if (valid_for(&rolled, q->client, sc, &addr, now, &renew))
		abort();

	/* One byte of the cookie, of the address or of the client cookie
	 * flipped (chosen by the ID): refused. */
	uint8_t bad[POOLDNS_COOKIE_SERVER_LEN];
	memcpy(bad, sc, sizeof bad);
	bad[pkt[1] % sizeof bad] ^= (uint8_t)(1u << (pkt[0] % 8));
	if (valid_for(&s, q->client, bad, &addr, now, &renew))
		abort();
	struct pooldns_client elsewhere = addr;
	elsewhere.addr[pkt[1] % alen] ^= 0x01;
	if (valid_for(&s, q->client, sc, &elsewhere, now, &renew))
		abort();
	uint8_t cc[POOLDNS_COOKIE_CLIENT_LEN];
	memcpy(cc, q->client, sizeof cc);
	cc[pkt[1] % sizeof cc] ^= 0x80;
	if (valid_for(&s, cc, sc, &addr, now, &renew))
		abort();
}

static void fuzz_cookie(const uint8_t *d, size_t n)
{
	struct pooldns_cookie_in in = { .udp_size = 0 };
	enum pooldns_cookie_found before = pooldns_cookie_find(d, n, &in);
	if (before == POOLDNS_COOKIE_PRESENT && in.server_len != 0 &&
	    (in.server_len < 8 || in.server_len > 32))
		abort();
	if (before == POOLDNS_COOKIE_PRESENT)
		check_server_cookie(d, &in);
	uint8_t *r = malloc(n + 64);
	if (r == NULL)
		return;
	memcpy(r, d, n);
	/* The limit of a UDP response (standalone/guard.c). */
	size_t limit = in.udp_size > 512 ? in.udp_size : 512;
	uint8_t client[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, server[16] = { 9 };
	size_t m = pooldns_cookie_append(r, n, n + 64, limit, client, server);
	if ((m != n && m != n + 28) || (m != n && m > limit))
		abort();
	/* Appended to a message without a COOKIE option: the first one is
	 * now ours (the first option is the one that counts). */
	if (m == n + 28 && before == POOLDNS_COOKIE_NONE &&
	    (pooldns_cookie_find(r, m, &in) != POOLDNS_COOKIE_PRESENT ||
	     memcmp(in.client, client, 8) != 0 || in.server_len != 16 ||
	     memcmp(in.server, server, 16) != 0))
		abort();
	size_t s = pooldns_msg_strip(r, m, 5, true);
	if (s > m || (s != 0 && (r[6] | r[7] | r[8] | r[9] | r[10] | r[11]) != 0))
		abort();
	uint8_t name[255];
	size_t nl = pooldns_msg_qname_lower(d, n, name);
	if (nl > 255)
		abort();
	free(r);
}

static void fuzz_rule(const uint8_t *d, size_t n)
{
	char *text = malloc(n + 1);
	if (text == NULL)
		return;
	memcpy(text, d, n);
	text[n] = '\0';
	struct pooldns_acl_rule r, again;
	char listen[64];
	if (pooldns_acl_rule_parse(text, &r, listen, sizeof listen) == NULL) {
		check_prefix(&r.prefix);
		char buf[INET6_ADDRSTRLEN], rule[256], l2[64];
		inet_ntop(r.prefix.family, r.prefix.addr, buf, sizeof buf);
		snprintf(rule, sizeof rule, "%s %s/%u%s%s", r.allow ? "allow" : "deny", buf,
			 r.prefix.len, listen[0] ? " on " : "", listen);
		if (pooldns_acl_rule_parse(rule, &again, l2, sizeof l2) != NULL ||
		    again.allow != r.allow ||
		    memcmp(&again.prefix, &r.prefix, sizeof r.prefix) != 0 ||
		    strcmp(l2, listen) != 0)
			abort();
		check_acl(&r, listen[0] != '\0');
	}
	struct pooldns_prefix p;
	if (pooldns_prefix_parse(text, &p) == NULL) {
		check_prefix(&p);
		check_match(&p);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_cookie(data + 1, size - 1);
	else
		fuzz_rule(data + 1, size - 1);
	return 0;
}
