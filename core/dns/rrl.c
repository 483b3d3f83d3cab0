/*
 * rrl.c — response rate limiting (see rrl.h).
 *
 * The table is an array of 64-bit words, one per bucket: 28 bits of the
 * key's hash (a tag, so that two keys sharing a bucket mostly start
 * afresh rather than share a count), 12 bits of the second the count
 * belongs to, and a 24-bit count of responses in that second. A key is
 * hashed with SipHash under a random key drawn at start, so an attacker
 * cannot aim many keys at one bucket. Updating a bucket is one
 * compare-and-swap loop; a collision can only make two keys share a
 * count for a second (limiting a little early), never let more through
 * than the rate allows for the bucket.
 *
 * Owns: the bucket array. Thread model: see rrl.h.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/dns/prefix.h"
#include "core/dns/rrl.h"
#include "core/dns/siphash.h"

#define COUNT_BITS  24
#define SECOND_BITS 12
#define COUNT_MAX   ((1u << COUNT_BITS) - 1)
#define SECOND_MASK ((1u << SECOND_BITS) - 1)

struct pooldns_rrl {
	uint8_t key[16];
	size_t mask; /* buckets - 1 */
	_Atomic uint64_t *bucket;
};

struct pooldns_rrl *pooldns_rrl_new(size_t buckets)
{
	size_t n = 1024;
	while (n < buckets && n < ((size_t)1 << 30))
		n <<= 1;
	struct pooldns_rrl *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->bucket = calloc(n, sizeof *r->bucket);
	if (r->bucket == NULL || getrandom(r->key, sizeof r->key, 0) != (ssize_t)sizeof r->key) {
		free(r->bucket);
		free(r);
		return NULL;
	}
	r->mask = n - 1;
	return r;
}

void pooldns_rrl_free(struct pooldns_rrl *r)
{
	if (r == NULL)
		return;
	free(r->bucket);
	free(r);
}

enum pooldns_rrl_verdict pooldns_rrl_check(struct pooldns_rrl *r,
					   const struct pooldns_rrl_params *p,
					   const struct pooldns_client *src,
					   enum pooldns_rrl_kind kind, const uint8_t *name,
					   size_t name_len, uint32_t now_s, unsigned *slip_counter)
{
	/* key: family, network, kind, and the name for answers */
	uint8_t k[2 + 16 + 255];
	size_t kl = 0;
	k[kl++] = (uint8_t)(src->family == AF_INET6 ? 6 : 4);
	k[kl++] = (uint8_t)kind;
	pooldns_prefix_mask(src->addr, src->family == AF_INET6 ? 16 : 4,
			    src->family == AF_INET6 ? p->v6_bits : p->v4_bits, k + kl);
	kl += 16;
	if ((kind == POOLDNS_RRL_ANSWER || kind == POOLDNS_RRL_NODATA) && name != NULL) {
		if (name_len > 255)
			name_len = 255;
		memcpy(k + kl, name, name_len);
		kl += name_len;
	}
	uint64_t h = pooldns_siphash24(r->key, k, kl);
	_Atomic uint64_t *b = &r->bucket[h & r->mask];
	uint64_t tag = h >> (64 - 28);
	uint64_t sec = now_s & SECOND_MASK;
	uint64_t old = atomic_load_explicit(b, memory_order_relaxed), next;
	uint32_t count;
	do {
		uint64_t otag = old >> (SECOND_BITS + COUNT_BITS);
		uint64_t osec = (old >> COUNT_BITS) & SECOND_MASK;
		count = (uint32_t)(old & COUNT_MAX);
		if (old == 0 || otag != tag || osec != sec)
			count = 0;
		if (count < COUNT_MAX)
			count++;
		next = tag << (SECOND_BITS + COUNT_BITS) | sec << COUNT_BITS | count;
	} while (!atomic_compare_exchange_weak_explicit(b, &old, next, memory_order_relaxed,
							 memory_order_relaxed));
	if (count <= p->rate)
		return POOLDNS_RRL_PASS;
	if (p->slip == 0)
		return POOLDNS_RRL_DROP;
	return ++*slip_counter % p->slip == 0 ? POOLDNS_RRL_SLIP : POOLDNS_RRL_DROP;
}
