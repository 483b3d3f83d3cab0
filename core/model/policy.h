/*
 * policy.h — selection: which members of a pool answer one query.
 *
 * Policies are a table of callbacks (policy.c), one entry per policy:
 *   round_robin  rotate through usable members, max_answers at a time
 *   all          every usable member (up to max_answers), stored order
 *   weighted     random draw without replacement, proportional to weight
 *   failover     the lowest priority value that has a usable member,
 *                rotated within that group
 *   hash         rendezvous (highest-random-weight) hash of the client
 *                address or EDNS client subnet: sticky per client, and only
 *                the clients of a removed member move
 *
 * pooldns_select() first keeps the usable members (enabled and healthy);
 * when none is usable the pool's fallback decides: every enabled member
 * (fail open) or nothing (fail closed). Disabled members are never
 * answered.
 *
 * Thread-safety: safe from any thread inside an RCU read-side section; no
 * locks, no allocation. Random draws use a per-thread generator.
 */
#ifndef POOLDNS_POLICY_H
#define POOLDNS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "core/dns/client.h"
#include "core/model/snapshot.h"

/* The hash policy keys clients (core/dns/client.h) by network: the address
 * masked to these many bits (or to the client subnet's source prefix, if
 * shorter). */
#define POOLDNS_HASH_BITS_V4 24
#define POOLDNS_HASH_BITS_V6 56

typedef size_t (*pooldns_select_fn)(struct pooldns_pool *pool,
				    const struct pooldns_member *const *usable, size_t n,
				    const struct pooldns_client *client,
				    const struct pooldns_member **out, size_t max);

struct pooldns_policy_def {
	enum pooldns_policy id;
	const char *name;
	pooldns_select_fn select;
};

const struct pooldns_policy_def *pooldns_policy_get(enum pooldns_policy id);
const char *pooldns_policy_name(enum pooldns_policy p);
int pooldns_policy_parse(const char *s, enum pooldns_policy *out);

/* Selects up to min(outcap, pool->max_answers) members of the given family
 * (AF_INET for A, AF_INET6 for AAAA) into out. Returns how many. */
size_t pooldns_select(struct pooldns_pool *pool, int family, const struct pooldns_client *client,
		      const struct pooldns_member **out, size_t outcap);

/* Seeds the calling thread's generator (tests make draws repeatable). */
void pooldns_policy_seed_thread(uint64_t seed);

#endif
