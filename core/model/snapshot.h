/*
 * snapshot.h — the immutable in-memory model: name -> pool -> members.
 *
 * A snapshot is built once by the builder (builder.c), published by one
 * pointer swap (store.c) and never changed afterwards, with one documented
 * exception: each pool's round-robin counter (`rr`), an atomic that readers
 * bump. Everything of a snapshot lives in one arena and is freed as a unit
 * after an RCU grace period.
 *
 * Health is NOT in the snapshot: a member points at a shared health state
 * (health.h) that outlives snapshots, so a reload never resets health and a
 * check never rebuilds a snapshot. A NULL health pointer means "no check":
 * the member counts as up.
 *
 * Thread-safety: after publication, read-only for any number of threads
 * inside an RCU read-side section (store.h); `pool->rr` is updated with
 * relaxed atomics. Lookups never lock and never allocate.
 */
#ifndef POOLDNS_SNAPSHOT_H
#define POOLDNS_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/dname.h"

/* Limits enforced by the builder (rows beyond them are skipped and reported). */
#define POOLDNS_MAX_MEMBERS_PER_FAMILY 1024
#define POOLDNS_MAX_ANSWERS            64
#define POOLDNS_MAX_TTL                86400
#define POOLDNS_MAX_WEIGHT             1000000

enum pooldns_policy {
	POOLDNS_POLICY_ROUND_ROBIN = 0,
	POOLDNS_POLICY_ALL,
	POOLDNS_POLICY_WEIGHTED,
	POOLDNS_POLICY_FAILOVER,
	POOLDNS_POLICY_HASH,
	POOLDNS_POLICY_COUNT
};

enum pooldns_fallback {
	POOLDNS_FALLBACK_ALL = 0, /* nothing healthy: answer every enabled member (fail open) */
	POOLDNS_FALLBACK_NONE,    /* nothing healthy: empty NOERROR answer (fail closed) */
};

enum pooldns_check_type {
	POOLDNS_CHECK_NONE = 0,
	POOLDNS_CHECK_HTTP,
	POOLDNS_CHECK_HTTPS,
	POOLDNS_CHECK_TCP,
};

/* A pool's health-check settings, as loaded (strings live in the arena). */
struct pooldns_check {
	enum pooldns_check_type type;
	uint16_t port;          /* 0: the type's default (80, 443); required for tcp */
	uint16_t expect_status; /* http/https */
	const char *path;       /* http/https, starts with '/' */
	const char *host;       /* Host header / SNI; NULL: the member address */
	const char *body;       /* expected body substring; NULL: none */
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint8_t rise;
	uint8_t fall;
};

struct pooldns_hstate; /* health.h: shared, outlives snapshots */

struct pooldns_member {
	int64_t id;
	int family;                          /* AF_INET or AF_INET6 */
	uint8_t addr[16];                    /* network order; first 4 bytes for AF_INET */
	char host[46];                       /* canonical text form of addr */
	uint32_t weight;                     /* 1..POOLDNS_MAX_WEIGHT */
	uint32_t priority;                   /* failover: lower is preferred */
	bool enabled;                        /* false: drained, never answered */
	const struct pooldns_hstate *health; /* NULL: no check, counts as up */
};

struct pooldns_pool {
	int64_t id;
	uint8_t name[POOLDNS_NAME_MAX]; /* lower-cased wire form */
	uint8_t name_len;
	const char *name_text; /* "www.example.com." */
	uint32_t ttl;
	enum pooldns_policy policy;
	enum pooldns_fallback fallback;
	uint8_t max_answers; /* 1..POOLDNS_MAX_ANSWERS */
	struct pooldns_check check;
	/* Members per address family, sorted by (priority, id). */
	struct pooldns_member *v4;
	size_t n_v4;
	struct pooldns_member *v6;
	size_t n_v6;
	/* The one mutable field: rotation counter for round_robin/failover.
	 * Carried over from the previous snapshot's pool of the same name. */
	_Atomic uint32_t rr;
};

struct pooldns_arena; /* arena.h */

struct pooldns_snapshot {
	int64_t version; /* data version it was built from */
	size_t npools;
	struct pooldns_pool *pools; /* sorted by id */
	/* Open-addressing hash of lower-cased names: nbuckets is a power of
	 * two, each slot holds a pool index + 1 (0 = empty). */
	uint32_t *buckets;
	size_t nbuckets;
	/* Proper ancestors of pool names (empty non-terminals): open-addressing
	 * set of arena-owned wire names (first byte of the slot's entry is the
	 * name length, then the name); nanc is a power of two; NULL = empty. */
	const uint8_t **anc;
	size_t nanc;
	struct pooldns_arena *arena; /* owns everything above */
};

/* The pool whose name equals the lower-cased wire name, or NULL. */
const struct pooldns_pool *pooldns_snapshot_lookup(const struct pooldns_snapshot *snap,
						   const uint8_t *name, size_t len);

/* The pool that is name itself or its closest ancestor, or NULL (walks the
 * name's parents; at most 127 hash lookups). */
const struct pooldns_pool *pooldns_snapshot_find_closest(const struct pooldns_snapshot *snap,
							 const uint8_t *name, size_t len);

/* True when some pool name is strictly below name (lower-cased wire). */
bool pooldns_snapshot_has_descendant(const struct pooldns_snapshot *snap, const uint8_t *name,
				     size_t len);

/* Frees a snapshot that no reader can see any more. NULL is accepted. */
void pooldns_snapshot_free(struct pooldns_snapshot *snap);

const char *pooldns_fallback_name(enum pooldns_fallback f);
int pooldns_fallback_parse(const char *s, enum pooldns_fallback *out);
const char *pooldns_check_type_name(enum pooldns_check_type t);
int pooldns_check_type_parse(const char *s, enum pooldns_check_type *out);

#endif
