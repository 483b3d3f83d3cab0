/*
 * prefix.c — address prefixes: parsing and matching (see prefix.h).
 *
 * Owns nothing. Thread model: reentrant.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/prefix.h"

void pooldns_prefix_mask(const uint8_t *addr, size_t addr_len, unsigned bits, uint8_t out[16])
{
	memset(out, 0, 16);
	if (bits > addr_len * 8)
		bits = (unsigned)(addr_len * 8);
	memcpy(out, addr, bits / 8);
	if (bits % 8 != 0)
		out[bits / 8] = (uint8_t)(addr[bits / 8] & (0xff << (8 - bits % 8)));
}

const char *pooldns_prefix_parse(const char *text, struct pooldns_prefix *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n = strlen(text);
	if (n == 0 || n >= sizeof buf)
		return "not an address or prefix";
	memcpy(buf, text, n + 1);
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash != NULL) {
		*slash = '\0';
		const char *d = slash + 1;
		if (*d < '0' || *d > '9' || strlen(d) > 3)
			return "the prefix length must be a number";
		char *end;
		bits = strtol(d, &end, 10);
		if (*end != '\0')
			return "the prefix length must be a number";
	}
	uint8_t a[16];
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, a) == 1) {
		if (bits > 32)
			return "an IPv4 prefix length is at most 32";
		out->family = AF_INET;
		out->len = (uint8_t)(bits < 0 ? 32 : bits);
		pooldns_prefix_mask(a, 4, out->len, out->addr);
		return NULL;
	}
	if (inet_pton(AF_INET6, buf, a) == 1) {
		if (bits > 128)
			return "an IPv6 prefix length is at most 128";
		out->family = AF_INET6;
		out->len = (uint8_t)(bits < 0 ? 128 : bits);
		pooldns_prefix_mask(a, 16, out->len, out->addr);
		return NULL;
	}
	return "not an IPv4 or IPv6 address";
}

bool pooldns_prefix_match(const struct pooldns_prefix *p, const struct pooldns_client *c)
{
	if (c->family != p->family)
		return false;
	uint8_t net[16];
	pooldns_prefix_mask(c->addr, p->family == AF_INET ? 4 : 16, p->len, net);
	return memcmp(net, p->addr, 16) == 0;
}
