/*
 * policy.c — selection policies: which members of a pool answer one query
 * (see policy.h).
 *
 * One table of callbacks, one section per policy, so that adding a policy
 * touches one place. pooldns_select() does the shared part: keep the usable
 * members of the asked family (or, when none is usable and the pool fails
 * open, every enabled member), cap the count, call the policy.
 *
 * Owns: the per-thread PRNG state of the weighted policy. Nothing else; a
 * pool's rotation counter (`rr`) belongs to its snapshot.
 *
 * What the builder guarantees (a known policy, max_answers 1..64, weight
 * >= 1, at most POOLDNS_MAX_MEMBERS_PER_FAMILY members per family) is
 * asserted, not clamped.
 *
 * Thread model: runs on answer threads inside an RCU read-side section. No
 * locks, no allocation: scratch arrays live on the stack (bounded by
 * POOLDNS_MAX_MEMBERS_PER_FAMILY, which the builder enforces), the rotation
 * counter is a relaxed atomic, and the random generator is _Thread_local so
 * threads never share or contend on it.
 */
#include "config.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/health/health.h"
#include "core/model/policy.h"

#define MAXN POOLDNS_MAX_MEMBERS_PER_FAMILY

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* splitmix64 finaliser: a good 64-bit mixer for hashing and seeding. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Per-thread xorshift64* generator. Per thread because a shared generator
 * would need an atomic read-modify-write per draw (a contended cache line on
 * every answer thread) and draws need no cross-thread quality. Seeded lazily
 * from the clock and the thread's identity unless a test seeded it.
 */
static _Thread_local uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;

	if (x == 0) {
		struct timespec ts;
		uint64_t seed;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		seed ^= mix64((uint64_t)(uintptr_t)&rng_state);
		seed ^= mix64((uint64_t)pthread_self());
		x = mix64(seed);
		if (x == 0)
			x = 0x9e3779b97f4a7c15ULL;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void pooldns_policy_seed_thread(uint64_t seed)
{
	uint64_t x = mix64(seed);

	rng_state = x != 0 ? x : 0x9e3779b97f4a7c15ULL;
}

/* ---- round_robin: rotate, max at a time ---------------------------------- */

static size_t rotate(struct pooldns_pool *pool, const struct pooldns_member *const *usable,
		     size_t n, const struct pooldns_member **out, size_t max)
{
	size_t k = min_size(max, n), start;

	if (k == 0)
		return 0;
	start = atomic_fetch_add_explicit(&pool->rr, 1, memory_order_relaxed) % n;
	for (size_t i = 0; i < k; i++)
		out[i] = usable[(start + i) % n];
	return k;
}

static size_t select_round_robin(struct pooldns_pool *pool,
				 const struct pooldns_member *const *usable, size_t n,
				 const struct pooldns_client *client,
				 const struct pooldns_member **out, size_t max)
{
	return rotate(pool, usable, n, out, max);
}

/* ---- all: stored order ----------------------------------------------------- */

static size_t select_all(struct pooldns_pool *pool, const struct pooldns_member *const *usable,
			 size_t n, const struct pooldns_client *client,
			 const struct pooldns_member **out, size_t max)
{
	size_t k = min_size(max, n);

	for (size_t i = 0; i < k; i++)
		out[i] = usable[i];
	return k;
}

/* ---- weighted: draw without replacement, proportional to weight ------------ */

static size_t select_weighted(struct pooldns_pool *pool, const struct pooldns_member *const *usable,
			      size_t n, const struct pooldns_client *client,
			      const struct pooldns_member **out, size_t max)
{
	const struct pooldns_member *left[MAXN];
	uint64_t total = 0;
	size_t k;

	assert(n <= MAXN);
	k = min_size(max, n);
	for (size_t i = 0; i < n; i++) {
		left[i] = usable[i];
		/* the builder keeps weights in 1..POOLDNS_MAX_WEIGHT: a
		 * zero total would divide by zero below */
		assert(usable[i]->weight >= 1 && usable[i]->weight <= POOLDNS_MAX_WEIGHT);
		total += usable[i]->weight;
	}
	for (size_t d = 0; d < k; d++) {
		/* total <= 1024 * 10^6, so the modulo bias is below 2^-33 */
		uint64_t r = rng_next() % total;
		size_t i;

		for (i = 0; i + 1 < n; i++) {
			if (r < left[i]->weight)
				break;
			r -= left[i]->weight;
		}
		out[d] = left[i];
		total -= left[i]->weight;
		/* keep the remaining order stable: shift instead of swap */
		memmove(&left[i], &left[i + 1], (n - i - 1) * sizeof(left[0]));
		n--;
	}
	return k;
}

/* ---- failover: lowest priority value present, rotated -------------------- */

static size_t select_failover(struct pooldns_pool *pool, const struct pooldns_member *const *usable,
			      size_t n, const struct pooldns_client *client,
			      const struct pooldns_member **out, size_t max)
{
	const struct pooldns_member *group[MAXN];
	uint32_t best;
	size_t g = 0;

	if (n == 0)
		return 0;
	assert(n <= MAXN);
	best = usable[0]->priority;
	for (size_t i = 1; i < n; i++)
		if (usable[i]->priority < best)
			best = usable[i]->priority;
	for (size_t i = 0; i < n; i++)
		if (usable[i]->priority == best)
			group[g++] = usable[i];
	return rotate(pool, group, g, out, max);
}

/* ---- hash: rendezvous hashing on the client's network --------------------- */

/* Hash of the client's network: the address masked to /24 (IPv4) or /56
 * (IPv6), or to the client's own prefix (EDNS client subnet) if shorter. */
static uint64_t client_key(const struct pooldns_client *c)
{
	unsigned bits = c->family == AF_INET ? POOLDNS_HASH_BITS_V4 : POOLDNS_HASH_BITS_V6;
	unsigned alen = c->family == AF_INET ? 4 : 16;
	uint64_t h = mix64((uint64_t)c->family);

	if (c->prefix < bits)
		bits = c->prefix;
	for (unsigned i = 0; i < alen; i++) {
		uint8_t b = c->addr[i];

		if (bits >= 8) {
			bits -= 8;
		} else {
			b &= (uint8_t)(0xff00u >> bits);
			bits = 0;
		}
		h = mix64(h ^ b);
	}
	return h;
}

static uint64_t member_key(const struct pooldns_member *m)
{
	uint64_t h = mix64((uint64_t)m->family);
	size_t alen = m->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < alen; i++)
		h = mix64(h ^ m->addr[i]);
	return h;
}

/* True when score a (member ma) ranks before score b (member mb). */
static int ranks_before(uint64_t a, const struct pooldns_member *ma, uint64_t b,
			const struct pooldns_member *mb)
{
	if (a != b)
		return a > b;
	return ma->id < mb->id;
}

static size_t select_hash(struct pooldns_pool *pool, const struct pooldns_member *const *usable,
			  size_t n, const struct pooldns_client *client,
			  const struct pooldns_member **out, size_t max)
{
	uint64_t top[POOLDNS_MAX_ANSWERS];
	uint64_t ck;
	size_t k, have = 0;

	if (client == NULL || (client->family != AF_INET && client->family != AF_INET6))
		return rotate(pool, usable, n, out, max);
	assert(max <= POOLDNS_MAX_ANSWERS); /* top[] holds that many */
	k = min_size(max, n);
	if (k == 0)
		return 0;
	ck = client_key(client);
	/* Keep the k best scores, best first (insertion: k is small). */
	for (size_t i = 0; i < n; i++) {
		uint64_t s = mix64(ck ^ member_key(usable[i]));
		size_t pos = have;

		while (pos > 0 && ranks_before(s, usable[i], top[pos - 1], out[pos - 1]))
			pos--;
		if (pos >= k)
			continue;
		size_t last = have < k ? have : k - 1;
		for (size_t j = last; j > pos; j--) {
			top[j] = top[j - 1];
			out[j] = out[j - 1];
		}
		top[pos] = s;
		out[pos] = usable[i];
		if (have < k)
			have++;
	}
	return have;
}

/* ---- the table ------------------------------------------------------------- */

static const struct pooldns_policy_def policies[POOLDNS_POLICY_COUNT] = {
	[POOLDNS_POLICY_ROUND_ROBIN] = { .id = POOLDNS_POLICY_ROUND_ROBIN,
					 .name = "round_robin",
					 .select = select_round_robin },
	[POOLDNS_POLICY_ALL] = { .id = POOLDNS_POLICY_ALL, .name = "all", .select = select_all },
	[POOLDNS_POLICY_WEIGHTED] = { .id = POOLDNS_POLICY_WEIGHTED,
				      .name = "weighted",
				      .select = select_weighted },
	[POOLDNS_POLICY_FAILOVER] = { .id = POOLDNS_POLICY_FAILOVER,
				      .name = "failover",
				      .select = select_failover },
	[POOLDNS_POLICY_HASH] = { .id = POOLDNS_POLICY_HASH,
				  .name = "hash",
				  .select = select_hash },
};

const struct pooldns_policy_def *pooldns_policy_get(enum pooldns_policy id)
{
	if ((unsigned)id >= POOLDNS_POLICY_COUNT)
		return NULL;
	return &policies[id];
}

const char *pooldns_policy_name(enum pooldns_policy p)
{
	const struct pooldns_policy_def *d = pooldns_policy_get(p);

	return d != NULL ? d->name : "unknown";
}

int pooldns_policy_parse(const char *s, enum pooldns_policy *out)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < POOLDNS_POLICY_COUNT; i++) {
		if (strcmp(s, policies[i].name) == 0) {
			*out = policies[i].id;
			return 0;
		}
	}
	return -1;
}

size_t pooldns_select(struct pooldns_pool *pool, int family, const struct pooldns_client *client,
		      const struct pooldns_member **out, size_t outcap)
{
	const struct pooldns_member *cand[MAXN];
	const struct pooldns_member *members;
	const struct pooldns_policy_def *def;
	size_t nmem, n = 0, cap;

	if (family == AF_INET) {
		members = pool->v4;
		nmem = pool->n_v4;
	} else if (family == AF_INET6) {
		members = pool->v6;
		nmem = pool->n_v6;
	} else {
		return 0;
	}
	/* The builder's limits; cand[] and the policies' scratch arrays are
	 * sized by them. */
	assert(nmem <= MAXN);
	assert(pool->max_answers >= 1 && pool->max_answers <= POOLDNS_MAX_ANSWERS);
	cap = min_size(outcap, pool->max_answers);
	if (cap == 0 || nmem == 0)
		return 0;

	for (size_t i = 0; i < nmem; i++)
		if (pooldns_member_usable(&members[i]))
			cand[n++] = &members[i];
	if (n == 0 && pool->fallback == POOLDNS_FALLBACK_ALL) {
		for (size_t i = 0; i < nmem; i++)
			if (members[i].enabled)
				cand[n++] = &members[i];
	}
	if (n == 0)
		return 0;

	def = pooldns_policy_get(pool->policy);
	assert(def != NULL); /* the builder only loads known policies */
	return def->select(pool, cand, n, client, out, cap);
}
