/*
 * health_internal.h — what the files of core/health/ share: the endpoint and
 * registry structures, and the registry's interface (health.c) that the
 * checker (checker.c) calls. The probe and the check types have their own
 * header (check.h). Not part of the library's interface.
 *
 * Direction: checker.c calls into health.c, never the reverse; health.c
 * knows nothing of the checker thread, probes or libcurl.
 *
 * Locking: `struct pooldns_health.lock` guards the endpoint table, the
 * retired list, every endpoint's registry fields (chain, gen, label) and
 * the first-round bookkeeping. Probe fields of an endpoint (and the probe
 * itself) belong to the checker thread: it sets them with the lock held,
 * and libcurl's callbacks fill a probe's body while the lock is dropped.
 * A retire on the poller thread only unlinks the endpoint and marks it
 * `retired`; the checker then drops the result of a probe still in flight
 * and releases the endpoint (freed after an RCU grace period).
 */
#ifndef POOLDNS_HEALTH_INTERNAL_H
#define POOLDNS_HEALTH_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/health/health.h"
#include "core/model/snapshot.h"
#include "core/rcu.h"

#define POOLDNS_HEALTH_LABEL_MAX 320

struct pooldns_probe;

struct pooldns_endpoint {
	struct pooldns_hstate state; /* first: members point here */

	/* Key: immutable after creation. */
	int family;
	uint8_t addr[16];
	char host[46];
	enum pooldns_check_type type;
	uint16_t port; /* resolved default: 80 / 443 */
	uint16_t expect_status;
	char *path;
	char *vhost; /* Host header / SNI; NULL: the address */
	char *body;  /* expected substring; NULL: none */
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint8_t rise;
	uint8_t fall;
	uint32_t hash;

	/* Registry, under the lock. */
	struct pooldns_endpoint *next;        /* hash chain, or the retired list */
	char label[POOLDNS_HEALTH_LABEL_MAX]; /* "www.example.com. 10.0.0.1" */
	size_t refs;                          /* members of pool records pointing here */
	struct pooldns_endpoint *unused_next; /* on h->unused while listed */
	bool unused_listed;                   /* refs dropped to 0 since the last retire */
	bool retired;                         /* no pool uses it: results are ignored */

	/* Checker thread, under the lock. */
	uint64_t due_ms;             /* next probe (monotonic ms) */
	struct pooldns_probe *probe; /* in flight, or NULL */
	bool known;                  /* first probe completed */
	unsigned ok_run;
	unsigned fail_run;
	/* Last transition (the first result included), for the status
	 * page: written by pooldns_health_report(), read by
	 * pooldns_health_view(), both under the lock. */
	int64_t changed_ms; /* wall clock, ms since the epoch; 0: none yet */
	char changed_reason[POOLDNS_HEALTH_REASON_MAX];

	struct pooldns_rcu_head rcu;
};

struct pooldns_health {
	/* Registry (health.c), under the lock. */
	pthread_mutex_t lock;
	pthread_cond_t round_cond; /* signalled when `unknown` drops */
	struct pooldns_endpoint **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	size_t unknown; /* live endpoints without a first result */
	size_t down;
	struct pooldns_endpoint *retired;
	struct pooldns_endpoint *unused; /* refs reached 0: retire candidates */
	uint64_t next_scan_ms;           /* 0 after an attach created endpoints: scan now */

	/* Checker options (owned copies, checker.c). */
	char *user_agent;
	char *source_address;
	char *ca_file;
	unsigned max_concurrent;

	/* Checker thread (checker.c). */
	pthread_t thread;
	bool thread_started;
	CURLM *multi;
	unsigned in_flight;
	_Atomic bool stop;

	/* Counters (relaxed atomics, read by any thread): started and the
	 * latency histogram by the checker, the rest by
	 * pooldns_health_report(). */
	_Atomic uint64_t probes_started;
	_Atomic uint64_t probes[POOLDNS_PROBE_OUTCOMES];
	_Atomic uint64_t transitions;
	_Atomic uint64_t latency[POOLDNS_PROBE_LATENCY_BUCKETS + 1];
	_Atomic uint64_t latency_sum_us;
};

/*
 * The registry (health.c). attach and retire take the lock themselves (they
 * run on the poller thread); take_retired and report are called with it
 * held (checker thread); new and free run while no other thread uses h.
 */

/* An empty registry: lock, condition, table. NULL with a message in err. */
struct pooldns_health *pooldns_health_registry_new(char *err, size_t errsz);

/* Frees every endpoint and the registry itself, after waiting until the
 * endpoints released earlier are freed too. The checker has stopped and
 * released its own fields first: no probe may be in flight. */
void pooldns_health_registry_free(struct pooldns_health *h);

/* Points every enabled member of pool p (if it has a check) at its
 * endpoint's state, creating endpoints as needed, and counts the
 * references. Takes the lock itself. Returns true when new endpoints wait
 * for their first probe. */
bool pooldns_health_registry_attach_pool(struct pooldns_health *h, struct pooldns_pool *p);

/* Drops the references of p's members; endpoints left without any become
 * retire candidates. Takes the lock itself. */
void pooldns_health_registry_detach_pool(struct pooldns_health *h, const struct pooldns_pool *p);

/* Moves the candidates still without references to the retired list.
 * Takes the lock itself. Returns how many. Costs what was detached. */
size_t pooldns_health_registry_retire(struct pooldns_health *h);

/* Pops one retired endpoint, or NULL. */
struct pooldns_endpoint *pooldns_health_registry_take_retired(struct pooldns_health *h);

/* Frees a taken endpoint once no snapshot can point at it any more (after
 * an RCU grace period). Its probe must be gone. Any thread. */
void pooldns_health_registry_release(struct pooldns_endpoint *ep);

/* The one place that turns probe results into state (rise/fall, the
 * transition log line, the last transition's time and reason). reason
 * says why (e.g. "HTTP 503", "connect: refused"). Lock held. */
void pooldns_health_report(struct pooldns_health *h, struct pooldns_endpoint *ep,
			   enum pooldns_probe_outcome outcome, const char *reason);

/* Counts a completed transfer of usec microseconds in the latency
 * histogram. Checker thread. */
void pooldns_health_observe_latency(struct pooldns_health *h, uint64_t usec);

#endif
