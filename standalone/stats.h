/*
 * stats.h — per-worker counters of the standalone server, summed and logged
 * on SIGUSR1 and at shutdown.
 *
 * Thread-safety: each counter set has exactly one writer (its worker
 * thread), which bumps counters with a relaxed load + store (no locked
 * instruction on the query path); the main thread reads them with relaxed
 * loads. A sum may mix values from slightly different moments; that is
 * fine for statistics.
 */
#ifndef POOLDNS_STATS_H
#define POOLDNS_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum pooldns_stat {
	POOLDNS_STAT_UDP_QUERIES = 0,
	POOLDNS_STAT_TCP_QUERIES,
	POOLDNS_STAT_NOERROR,
	POOLDNS_STAT_FORMERR,
	POOLDNS_STAT_SERVFAIL,
	POOLDNS_STAT_NXDOMAIN,
	POOLDNS_STAT_NOTIMP,
	POOLDNS_STAT_REFUSED,
	POOLDNS_STAT_BADVERS,
	POOLDNS_STAT_OTHER_RCODE,
	POOLDNS_STAT_NODATA,
	POOLDNS_STAT_TRUNCATED,
	POOLDNS_STAT_DROPPED,
	POOLDNS_STAT_UDP_SEND_ERRORS,
	POOLDNS_STAT_TCP_ACCEPTED,
	POOLDNS_STAT_TCP_IDLE_CLOSED,
	POOLDNS_STAT_TCP_EVICTED,
	POOLDNS_STAT_TCP_REJECTED,
	POOLDNS_STAT_TCP_ERRORS,
	POOLDNS_STAT_ACL_DENIED,
	POOLDNS_STAT_COOKIE_CLIENT_ONLY,
	POOLDNS_STAT_COOKIE_VALID,
	POOLDNS_STAT_COOKIE_INVALID,
	POOLDNS_STAT_COOKIE_MALFORMED,
	POOLDNS_STAT_RRL_DROPPED,
	POOLDNS_STAT_RRL_SLIPPED,
	POOLDNS_STAT_COUNT
};

struct pooldns_stats {
	_Atomic uint64_t v[POOLDNS_STAT_COUNT];
};

/* Single-writer increment (the owning worker only). */
static inline void pooldns_stat_add(struct pooldns_stats *s, enum pooldns_stat which, uint64_t n)
{
	uint64_t cur = atomic_load_explicit(&s->v[which], memory_order_relaxed);
	atomic_store_explicit(&s->v[which], cur + n, memory_order_relaxed);
}

/* Adds src into sum (sum is a plain, caller-owned set). */
void pooldns_stats_sum(struct pooldns_stats *sum, const struct pooldns_stats *src);

/* Logs one line with every counter of s at the given level. */
void pooldns_stats_log(const struct pooldns_stats *s, const char *prefix);

#endif
