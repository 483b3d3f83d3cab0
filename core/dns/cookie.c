/*
 * cookie.c — DNS Cookies (RFC 7873) with RFC 9018 server cookies (see
 * cookie.h).
 *
 * A server cookie is 16 bytes: version 1, three reserved zero bytes, a
 * 32-bit timestamp (seconds since the epoch, compared in serial number
 * arithmetic, RFC 1982) and the SipHash-2-4, under the server secret, of
 * client cookie | version | reserved | timestamp | client address (4 or 16
 * bytes). Servers that share the secret accept each other's cookies, so
 * a set of anycast or load-balanced servers can share one secret file.
 *
 * The packets are walked with msgedit.c, independently of the query
 * parser (wire.c).
 *
 * Owns nothing. Thread model: reentrant.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "core/dns/cookie.h"
#include "core/dns/msgedit.h"
#include "core/dns/siphash.h"

enum pooldns_cookie_found pooldns_cookie_find(const uint8_t *pkt, size_t len,
					      struct pooldns_cookie_in *in)
{
	size_t opt, last;
	/* No additional record, no OPT: the common case costs nothing. */
	if (len < 12 || (pkt[10] == 0 && pkt[11] == 0))
		return POOLDNS_COOKIE_NONE;
	/* A packet that cannot be walked is the query parser's to judge. */
	if (!pooldns_msg_walk(pkt, len, &opt, &last) || opt == 0)
		return POOLDNS_COOKIE_NONE;
	size_t pos = opt;
	if (!pooldns_msg_skip_name(pkt, len, &pos))
		return POOLDNS_COOKIE_NONE;
	in->udp_size = pooldns_msg_rd16(pkt + pos + 2);
	size_t rdlen = pooldns_msg_rd16(pkt + pos + 8);
	const uint8_t *rd = pkt + pos + 10;
	for (size_t o = 0; o + 4 <= rdlen;) {
		uint16_t code = pooldns_msg_rd16(rd + o), olen = pooldns_msg_rd16(rd + o + 2);
		if (o + 4 + olen > rdlen)
			return POOLDNS_COOKIE_MALFORMED;
		if (code == POOLDNS_EDNS_OPT_COOKIE) {
			/* 8 bytes of client cookie, then nothing or 8..32 of
			 * server cookie. */
			if (olen != POOLDNS_COOKIE_CLIENT_LEN &&
			    (olen < POOLDNS_COOKIE_CLIENT_LEN + POOLDNS_COOKIE_SERVER_MIN ||
			     olen > POOLDNS_COOKIE_CLIENT_LEN + POOLDNS_COOKIE_SERVER_MAX))
				return POOLDNS_COOKIE_MALFORMED;
			memcpy(in->client, rd + o + 4, POOLDNS_COOKIE_CLIENT_LEN);
			in->server_len = (uint8_t)(olen - POOLDNS_COOKIE_CLIENT_LEN);
			memcpy(in->server, rd + o + 4 + POOLDNS_COOKIE_CLIENT_LEN, in->server_len);
			return POOLDNS_COOKIE_PRESENT;
		}
		o += 4 + (size_t)olen;
	}
	return POOLDNS_COOKIE_NONE;
}

void pooldns_cookie_make(const uint8_t key[POOLDNS_COOKIE_SECRET_LEN],
			 const uint8_t client[POOLDNS_COOKIE_CLIENT_LEN],
			 const struct pooldns_client *addr, uint32_t now,
			 uint8_t out[POOLDNS_COOKIE_SERVER_LEN])
{
	uint8_t msg[POOLDNS_COOKIE_CLIENT_LEN + 8 + 16];
	size_t alen = addr->family == AF_INET6 ? 16 : addr->family == AF_INET ? 4 : 0;

	out[0] = 1; /* version */
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(now >> 24);
	out[5] = (uint8_t)(now >> 16);
	out[6] = (uint8_t)(now >> 8);
	out[7] = (uint8_t)now;
	memcpy(msg, client, POOLDNS_COOKIE_CLIENT_LEN);
	memcpy(msg + POOLDNS_COOKIE_CLIENT_LEN, out, 8);
	memcpy(msg + POOLDNS_COOKIE_CLIENT_LEN + 8, addr->addr, alen);
	uint64_t h = pooldns_siphash24(key, msg, POOLDNS_COOKIE_CLIENT_LEN + 8 + alen);
	for (unsigned i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (8 * i));
}

/* a - b in serial number arithmetic (RFC 1982), as a signed distance. */
static int64_t serial_diff(uint32_t a, uint32_t b)
{
	return (int64_t)(int32_t)(a - b);
}

static bool made_with(const uint8_t key[POOLDNS_COOKIE_SECRET_LEN],
		      const struct pooldns_cookie_in *in, const struct pooldns_client *addr,
		      uint32_t stamp)
{
	uint8_t want[POOLDNS_COOKIE_SERVER_LEN];
	pooldns_cookie_make(key, in->client, addr, stamp, want);
	/* Not a secret comparison in time: a forger learns nothing from how
	 * far a guessed 64-bit hash matched before it was rejected that
	 * the hash does not already tell. */
	return memcmp(want + 8, in->server + 8, 8) == 0;
}

bool pooldns_cookie_valid(const struct pooldns_cookie_secret *secret,
			  const struct pooldns_cookie_in *in, const struct pooldns_client *addr,
			  uint32_t now, bool *renew)
{
	*renew = true;
	if (in->server_len != POOLDNS_COOKIE_SERVER_LEN || in->server[0] != 1 ||
	    in->server[1] != 0 || in->server[2] != 0 || in->server[3] != 0)
		return false;
	uint32_t stamp = (uint32_t)in->server[4] << 24 | (uint32_t)in->server[5] << 16 |
			 (uint32_t)in->server[6] << 8 | in->server[7];
	int64_t age = serial_diff(now, stamp);
	if (age > POOLDNS_COOKIE_LIFETIME_S || age < -POOLDNS_COOKIE_FUTURE_S)
		return false;
	if (made_with(secret->key, in, addr, stamp)) {
		*renew = age > POOLDNS_COOKIE_RENEW_AFTER_S;
		return true;
	}
	return secret->have_previous && made_with(secret->previous, in, addr, stamp);
}

size_t pooldns_cookie_append(uint8_t *resp, size_t len, size_t cap, size_t limit,
			     const uint8_t client[POOLDNS_COOKIE_CLIENT_LEN],
			     const uint8_t server[POOLDNS_COOKIE_SERVER_LEN])
{
	const size_t add = 4 + POOLDNS_COOKIE_CLIENT_LEN + POOLDNS_COOKIE_SERVER_LEN;
	size_t opt, last;
	if (!pooldns_msg_walk(resp, len, &opt, &last) || opt == 0 || opt != last)
		return len;
	if (len + add > cap || len + add > limit)
		return len;
	size_t pos = opt;
	if (!pooldns_msg_skip_name(resp, len, &pos))
		return len;
	size_t old = pooldns_msg_rd16(resp + pos + 8), walked = 0;
	/* Only after options that end exactly where the record does: an
	 * option appended after stray bytes could not be read back. */
	while (walked + 4 <= old)
		walked += 4 + (size_t)pooldns_msg_rd16(resp + pos + 10 + walked + 2);
	if (walked != old)
		return len;
	size_t rdlen = old + add;
	if (rdlen > 0xffff)
		return len;
	resp[pos + 8] = (uint8_t)(rdlen >> 8);
	resp[pos + 9] = (uint8_t)rdlen;
	uint8_t *o = resp + len;
	o[0] = 0;
	o[1] = POOLDNS_EDNS_OPT_COOKIE;
	o[2] = 0;
	o[3] = POOLDNS_COOKIE_CLIENT_LEN + POOLDNS_COOKIE_SERVER_LEN;
	memcpy(o + 4, client, POOLDNS_COOKIE_CLIENT_LEN);
	memcpy(o + 4 + POOLDNS_COOKIE_CLIENT_LEN, server, POOLDNS_COOKIE_SERVER_LEN);
	return len + add;
}
