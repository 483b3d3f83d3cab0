/*
 * client.h — who asked a query: the address the hash policy keys on. The
 * query parser fills one from an EDNS client subnet option, the servers
 * from the packet's source address; selection reads it. Kept apart from
 * policy.h so that the packet parser depends on nothing but names.
 *
 * Owns nothing; a plain value, copied freely. Thread-safety: none needed.
 */
#ifndef POOLDNS_CLIENT_H
#define POOLDNS_CLIENT_H

#include <stdint.h>

/* With EDNS client subnet the subnet address (masked to its source prefix)
 * stands in for the source address. family 0 means unknown (the hash
 * policy then behaves as round_robin). */
struct pooldns_client {
	int family; /* AF_INET, AF_INET6 or 0 */
	uint8_t addr[16];
	uint8_t prefix; /* significant bits of addr */
};

#endif
