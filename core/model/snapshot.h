/*
 * snapshot.h — the immutable in-memory model: name -> pool -> members.
 *
 * A snapshot is made by the model (model.c) from the previous one plus a
 * change, published by one pointer swap (store.c) and never changed
 * afterwards, with two documented exceptions: each pool's round-robin
 * counter (`rr`) and its query counter (`queries`), atomics that readers
 * bump. Consecutive snapshots share
 * every pool record and table chunk that did not change (ptab.h), so a
 * change costs what it changes; what a snapshot alone still uses is freed
 * after its RCU grace period.
 *
 * Health is NOT in the snapshot: a member points at a shared health state
 * (health.h) that outlives snapshots, so a reload never resets health and a
 * check never rebuilds a snapshot. A NULL health pointer means "no check":
 * the member counts as up.
 *
 * Thread-safety: after publication, read-only for any number of threads
 * inside an RCU read-side section (store.h); `pool->rr` and
 * `pool->queries` are updated with relaxed atomics. Lookups never lock and never allocate.
 */
#ifndef POOLDNS_SNAPSHOT_H
#define POOLDNS_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/dname.h"
#include "core/model/ptab.h"

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

/* A pool's health-check settings, as loaded (strings live in the pool's record). */
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

/* 40 bytes; members live in their pool's record, never on their own. */
struct pooldns_member {
	int64_t id;
	const struct pooldns_hstate *health; /* NULL: no check, counts as up */
	uint8_t addr[16];                    /* network order; first 4 bytes for AF_INET */
	uint32_t weight;                     /* 1..POOLDNS_MAX_WEIGHT */
	uint16_t priority;                   /* failover: lower is preferred */
	uint8_t family;                      /* AF_INET or AF_INET6 */
	bool enabled;                        /* false: drained, never answered */
};

/*
 * A pool record: one heap block holding this header, the member arrays,
 * the names and the check strings. A record is immutable once published,
 * except `rr` and `queries` (readers bump them) and `seen` (the writer's mark, never read
 * by readers). Unchanged records are shared by consecutive snapshots; a
 * changed pool gets a new record and the old one is freed after the grace
 * period of the last snapshot that has it (model.c).
 */
struct pooldns_pool {
	/* Key first: ptab.h reads these two fields of every record. */
	const uint8_t *name; /* lower-cased wire form, inside the record */
	uint8_t name_len;
	uint8_t max_answers; /* 1..POOLDNS_MAX_ANSWERS */
	uint8_t policy;      /* enum pooldns_policy */
	uint8_t fallback;    /* enum pooldns_fallback */
	uint32_t ttl;
	int64_t id;
	const char *name_text; /* "www.example.com." */
	struct pooldns_check check;
	/* Members per address family, sorted by (priority, id). */
	struct pooldns_member *v4;
	struct pooldns_member *v6;
	uint16_t n_v4;
	uint16_t n_v6;
	/* Rotation counter for round_robin/failover; carried over when the
	 * pool's record is replaced. */
	_Atomic uint32_t rr;
	uint32_t seen; /* writer only (model.c): last transaction that put it */
	/* Queries for the pool's own name (any type), bumped by
	 * pooldns_resolve() with a relaxed add, read by the metrics endpoint;
	 * carried over like rr. */
	_Atomic uint64_t queries;
};

/* An ancestor of a pool name (an empty non-terminal unless it is a pool
 * itself), held while any pool lies below it. */
struct pooldns_ancestor {
	const uint8_t *name; /* points at bytes[] */
	uint8_t name_len;
	uint32_t refs; /* writer only: pools below it */
	uint32_t born; /* writer only: the transaction that made it */
	uint8_t bytes[];
};

/* ptab.h reads the key of every record at these offsets. */
_Static_assert(offsetof(struct pooldns_pool, name) == 0 &&
		       offsetof(struct pooldns_pool, name_len) == sizeof(const uint8_t *),
	       "pool record key layout");
_Static_assert(offsetof(struct pooldns_ancestor, name) == 0 &&
		       offsetof(struct pooldns_ancestor, name_len) == sizeof(const uint8_t *),
	       "ancestor record key layout");

struct pooldns_snapshot {
	int64_t version;               /* data version it reflects */
	int64_t seq;                   /* change-feed position (-1: none) */
	/* 1, 2, 3, ... for the commits of one model: consecutive snapshots of
	 * a model differ by exactly one (the cache writer's journal relies on
	 * it to tell a delta from a reload) */
	uint64_t generation;
	size_t npools;                 /* == pools.count */
	size_t nmembers;               /* over all pools */
	struct pooldns_ptab pools;     /* name -> struct pooldns_pool */
	struct pooldns_ptab ancestors; /* name -> struct pooldns_ancestor (root left out) */
	/* What a later snapshot replaced and only this one (and older ones)
	 * still use, freed with this snapshot after its grace period; or, when
	 * own_all is set, no later snapshot shares anything with this one and
	 * freeing it frees every record, chunk and directory it has. */
	struct pooldns_garbage garbage;
	bool own_all;
};

/* The pool whose name equals the lower-cased wire name, or NULL. */
struct pooldns_pool *pooldns_snapshot_lookup(const struct pooldns_snapshot *snap,
					     const uint8_t *name, size_t len);

/* The pool that is name itself or its closest ancestor, or NULL (walks the
 * name's parents; at most 127 hash lookups). */
struct pooldns_pool *pooldns_snapshot_find_closest(const struct pooldns_snapshot *snap,
						   const uint8_t *name, size_t len);

/* True when some pool name is strictly below name (lower-cased wire). */
bool pooldns_snapshot_has_descendant(const struct pooldns_snapshot *snap, const uint8_t *name,
				     size_t len);

/* Iteration over the pools, in no particular order:
 *     for (size_t it = 0; (p = pooldns_snapshot_next(snap, &it)) != NULL;) */
struct pooldns_pool *pooldns_snapshot_next(const struct pooldns_snapshot *snap, size_t *it);

/* The pool with this id, or NULL (a scan: for tests and tools, not for
 * the answer path). */
struct pooldns_pool *pooldns_snapshot_pool_by_id(const struct pooldns_snapshot *snap, int64_t id);

/* Frees a snapshot that no reader can see any more. NULL is accepted. */
void pooldns_snapshot_free(struct pooldns_snapshot *snap);

const char *pooldns_fallback_name(enum pooldns_fallback f);
int pooldns_fallback_parse(const char *s, enum pooldns_fallback *out);
const char *pooldns_check_type_name(enum pooldns_check_type t);
int pooldns_check_type_parse(const char *s, enum pooldns_check_type *out);

#endif
