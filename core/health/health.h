/*
 * health.h — the reader's view of member health.
 *
 * Health state lives outside snapshots: one pooldns_hstate per distinct
 * (address, check settings) endpoint, shared by every pool member that has
 * that endpoint, kept across reloads while the endpoint still exists. The
 * checker owns and updates it; the answer path only reads `up`.
 *
 * Thread-safety: `up` is written by the health checker thread and read by
 * any thread with relaxed atomics (a stale read for one query is harmless).
 * A state is freed only after the last snapshot that points at it has passed
 * its RCU grace period.
 */
#ifndef POOLDNS_HEALTH_H
#define POOLDNS_HEALTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model/snapshot.h"

struct pooldns_hstate {
	_Atomic bool up; /* what answers use */
};

/* True when a member may be answered as far as health goes. A member
 * without a health state (no check configured) is always up. */
static inline bool pooldns_hstate_up(const struct pooldns_hstate *h)
{
	return h == NULL || atomic_load_explicit(&h->up, memory_order_relaxed);
}

/* Enabled and healthy: what selection calls "usable". */
static inline bool pooldns_member_usable(const struct pooldns_member *m)
{
	return m->enabled && pooldns_hstate_up(m->health);
}

/*
 * The health registry and checker: the registry and the rise/fall rule in
 * health.c; start, attach, retire_unused, stop and free, which drive the
 * checker thread, in checker.c; one file per probe type (check_http.c,
 * check_tcp.c).
 *
 * One endpoint per distinct (address, check settings): members with the
 * same address and the same check in several pools share one state and are
 * probed once. Probes run on one background thread on libcurl's multi
 * interface, at most max_concurrent at a time, each endpoint every
 * interval_ms with +-10% jitter. One function (health.c) owns the rise/fall
 * counters and logs every transition once:
 *   www.example.com. 10.0.0.1: up -> down (HTTP 503, 3 consecutive failures)
 * A new endpoint counts as up until its first probe completes; that first
 * result sets its state directly (no rise/fall), so a pool never answers
 * "nothing healthy" before its members were probed once, and a dead member
 * is dropped after one probe. pooldns_health_wait_first_round() lets a
 * server hold its first answers until that first round is done.
 *
 * Thread model: attach/detach/retire run on the poller thread; probes on the
 * checker thread; the registry is shared between them under a mutex that
 * the answer path never takes (it reads only pooldns_hstate.up).
 */
struct pooldns_health;

struct pooldns_health_opts {
	const char *user_agent;     /* NULL: "pooldns/<version>" */
	const char *source_address; /* local address probes bind to; NULL: any */
	const char *ca_file;        /* CA bundle for https checks; NULL: system */
	unsigned max_concurrent;    /* probes in flight at once; 0: 256 */
};

/* Starts the checker thread (signals blocked in it). Strings are copied.
 * NULL with a message in err. */
struct pooldns_health *pooldns_health_start(const struct pooldns_health_opts *opts, char *err,
					    size_t errsz);

/* The model (model.c), for a pool record before it is published: points
 * every enabled member of a pool with a check at its endpoint state,
 * creating endpoints (probed soon) as needed, and counts the reference. */
void pooldns_health_attach_pool(struct pooldns_health *h, struct pooldns_pool *p);

/* For a record that the next snapshot no longer has, before that snapshot
 * is published: drops its references; endpoints left without any become
 * candidates for pooldns_health_retire_unused(). */
void pooldns_health_detach_pool(struct pooldns_health *h, const struct pooldns_pool *p);

/* Every pool of a snapshot (tests, tools). */
void pooldns_health_attach(struct pooldns_health *h, struct pooldns_snapshot *snap);
void pooldns_health_detach(struct pooldns_health *h, const struct pooldns_snapshot *snap);

/* Right after publishing: stops probing the candidate endpoints that are
 * still unreferenced and frees their states after an RCU grace period
 * (older snapshots may still point at them). Costs what was detached,
 * not what exists. */
void pooldns_health_retire_unused(struct pooldns_health *h);

/* Waits up to timeout_ms until every endpoint known now has completed its
 * first probe. Returns true if it did. */
bool pooldns_health_wait_first_round(struct pooldns_health *h, long timeout_ms);

/* How a probe ended (one counter each). */
enum pooldns_probe_outcome {
	POOLDNS_PROBE_OK = 0,  /* the member passed */
	POOLDNS_PROBE_FAIL,    /* it answered, but wrongly (status, body) */
	POOLDNS_PROBE_TIMEOUT, /* no complete answer within the check timeout */
	POOLDNS_PROBE_CONNECT, /* the connection failed (refused, unreachable) */
	POOLDNS_PROBE_ERROR,   /* anything else (TLS, protocol, out of memory) */
	POOLDNS_PROBE_OUTCOMES
};

/* "ok", "fail", "timeout", "connect", "error". */
const char *pooldns_probe_outcome_name(enum pooldns_probe_outcome o);

/* Upper bounds (seconds) of the probe latency histogram buckets; a last
 * bucket, +Inf, follows. */
#define POOLDNS_PROBE_LATENCY_BUCKETS 13
extern const double pooldns_probe_latency_bounds[POOLDNS_PROBE_LATENCY_BUCKETS];

struct pooldns_health_stats {
	size_t endpoints; /* live endpoints */
	size_t endpoints_down;
	uint64_t probes_started;
	uint64_t probes_ok;
	uint64_t probes_failed; /* every outcome but ok */
	uint64_t probes[POOLDNS_PROBE_OUTCOMES];
	uint64_t transitions;
	/* Completed transfers by duration: latency[i] counts those of at most
	 * pooldns_probe_latency_bounds[i] and more than the bound before it
	 * (not cumulative); the last entry counts the rest. */
	uint64_t latency[POOLDNS_PROBE_LATENCY_BUCKETS + 1];
	uint64_t latency_sum_us;
};
void pooldns_health_get_stats(struct pooldns_health *h, struct pooldns_health_stats *st);

/* True once every endpoint known now has completed its first probe
 * (never waits). */
bool pooldns_health_first_round_done(struct pooldns_health *h);

/* Longest reason kept for a member's last transition. */
#define POOLDNS_HEALTH_REASON_MAX 160

/* One member's health as the status page shows it. */
struct pooldns_health_view {
	bool checked;     /* the member has a health state (its pool has a check) */
	bool known;       /* its first probe completed */
	bool up;          /* what answers use */
	int64_t since_ms; /* wall clock (ms since the epoch) of the last transition,
			   * the first result included; 0: none yet */
	char reason[POOLDNS_HEALTH_REASON_MAX]; /* why, e.g. "HTTP 503, expected 200" */
};

/* Fills v for the health state st (NULL: no check; h may then be NULL).
 * st comes from a snapshot: call inside the RCU read-side section that
 * found it. Takes the registry lock briefly, so never on the answer
 * path; for the operator endpoint's thread. */
void pooldns_health_view(struct pooldns_health *h, const struct pooldns_hstate *st,
			 struct pooldns_health_view *v);

/* Stops and joins the checker thread. States stay readable. */
void pooldns_health_stop(struct pooldns_health *h);
/* Frees the registry and every state. Call after the store (every snapshot
 * that could point at a state) has been freed. NULL is accepted. */
void pooldns_health_free(struct pooldns_health *h);

#endif
