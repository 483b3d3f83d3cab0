/*
 * prefix.h — address prefixes (192.0.2.0/24, 2001:db8::/32): parsing from
 * configuration text and matching a client address. Used by the access
 * list (acl.c) and the rate limiter's exemptions (rrl.c).
 *
 * Thread-safety: plain values; the functions are reentrant.
 */
#ifndef POOLDNS_PREFIX_H
#define POOLDNS_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/client.h"

struct pooldns_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t len; /* significant bits; bits after them are zero in addr */
};

/* Parses "ADDR" or "ADDR/LEN" (IPv4 or IPv6; LEN at most 32 or 128;
 * host bits are cleared). NULL on success, else why the text is not a
 * prefix (a static string). */
const char *pooldns_prefix_parse(const char *text, struct pooldns_prefix *out);

/* True when the client's address (its family and addr; its own prefix is
 * not looked at) lies inside p. */
bool pooldns_prefix_match(const struct pooldns_prefix *p, const struct pooldns_client *c);

/* Copies the first bits of addr (of family) into out (16 bytes, zero
 * after them): the network a client belongs to. */
void pooldns_prefix_mask(const uint8_t *addr, size_t addr_len, unsigned bits, uint8_t out[16]);

#endif
