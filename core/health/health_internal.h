/*
 * health_internal.h — what health.c (registry, rise/fall), checker.c (the
 * probe engine) and the check types (check_http.c, check_tcp.c) share.
 * Not part of the library's interface.
 *
 * Locking: `struct pooldns_health.lock` guards the endpoint table, the
 * retired list, every endpoint's registry fields (chain, gen, label) and
 * the first-round bookkeeping. Probe fields of an endpoint (and the probe
 * itself) belong to the checker thread: it sets them with the lock held,
 * and libcurl's callbacks fill a probe's body while the lock is dropped.
 * A retire on the poller thread only unlinks the endpoint and marks it
 * `retired`; the checker then drops the result of a probe still in flight
 * and frees the endpoint (after an RCU grace period).
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
	unsigned gen;                         /* last attach that used it */
	char label[POOLDNS_HEALTH_LABEL_MAX]; /* "www.example.com. 10.0.0.1" */
	unsigned npools;                      /* pools using it in the last attach */
	bool retired;                         /* no pool uses it: results are ignored */

	/* Checker thread, under the lock. */
	uint64_t due_ms;             /* next probe (monotonic ms) */
	struct pooldns_probe *probe; /* in flight, or NULL */
	bool known;                  /* first probe completed */
	unsigned ok_run;
	unsigned fail_run;

	struct pooldns_rcu_head rcu;
};

/* One probe in flight: a curl easy handle and what it collects. */
struct pooldns_probe {
	struct pooldns_endpoint *ep;
	CURL *easy;
	struct curl_slist *headers;
	struct curl_slist *resolve;
	char *body; /* collected body (http with body check) */
	size_t body_len;
	size_t body_cap;
	size_t body_seen; /* bytes received in all */
	char url[512];
	char errbuf[CURL_ERROR_SIZE];
};

struct pooldns_health {
	pthread_mutex_t lock;
	pthread_cond_t round_cond; /* signalled when `unknown` drops */
	struct pooldns_endpoint **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	size_t unknown; /* live endpoints without a first result */
	size_t down;
	struct pooldns_endpoint *retired;
	unsigned gen;
	uint64_t next_scan_ms;

	/* Options (owned copies). */
	char *user_agent;
	char *source_address;
	char *ca_file;
	unsigned max_concurrent;

	/* Checker thread. */
	pthread_t thread;
	bool thread_started;
	CURLM *multi;
	unsigned in_flight;
	_Atomic bool stop;

	_Atomic uint64_t probes_started;
	_Atomic uint64_t probes_ok;
	_Atomic uint64_t probes_failed;
	_Atomic uint64_t transitions;
};

/* health.c: the one place that turns probe results into state. Call with
 * the lock held. reason says why (e.g. "HTTP 503", "connect: refused"). */
void pooldns_health_report(struct pooldns_health *h, struct pooldns_endpoint *ep, bool ok,
			   const char *reason);

/* health.c: frees the retired list (cancelling their probes). Lock held;
 * on the checker thread, or after it stopped. */
void pooldns_health_free_retired(struct pooldns_health *h);

/* checker.c */
int pooldns_checker_start(struct pooldns_health *h, char *err, size_t errsz);
void pooldns_checker_stop(struct pooldns_health *h);
/* Wakes the checker (new endpoints to probe). */
void pooldns_checker_wake(struct pooldns_health *h);
/* Releases an in-flight probe (retire, shutdown). Lock held. */
void pooldns_checker_cancel(struct pooldns_health *h, struct pooldns_endpoint *ep);

/* check_http.c / check_tcp.c: configure an easy handle for a probe, and
 * judge the finished transfer. setup returns 0 or -1 (reason in err). */
int pooldns_check_http_setup(struct pooldns_health *h, struct pooldns_probe *pr, char *err,
			     size_t errsz);
bool pooldns_check_http_result(struct pooldns_probe *pr, CURLcode rc, char *reason, size_t rsz);
int pooldns_check_tcp_setup(struct pooldns_health *h, struct pooldns_probe *pr, char *err,
			    size_t errsz);
bool pooldns_check_tcp_result(struct pooldns_probe *pr, CURLcode rc, char *reason, size_t rsz);

/* Shared by both check types: address as a URL host ("10.0.0.1", "[::1]"). */
void pooldns_check_url_host(const struct pooldns_endpoint *ep, char *buf, size_t bufsz);
/* A transfer error as a short reason ("connect: Connection refused",
 * "timeout after 2000 ms"). */
void pooldns_check_describe_error(const struct pooldns_probe *pr, CURLcode rc, char *reason,
				  size_t rsz);

#endif
