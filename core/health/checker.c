/*
 * checker.c — the health checker: the entry points of health.h that start,
 * feed and stop it (pooldns_health_start, attach, retire_unused, stop,
 * free), and the probe engine, one thread driving every health probe
 * through libcurl's multi interface (never a thread per member).
 *
 * The registry (health.c) holds the endpoints and their state; this file
 * calls into it (attach, retire, report, release) and it never calls back.
 * Each pass over the endpoint table starts the probes that are due, at most
 * max_concurrent in flight; finished transfers are judged by their check
 * type (check_http.c, check_tcp.c, see check.h) and reported to health.c,
 * which owns the state. Each endpoint's next probe is scheduled one
 * interval after the start of the previous one, with +-10% jitter so that
 * probes configured alike drift apart instead of firing in bursts. The
 * table is scanned at most every SCAN_QUANTUM_MS, so thousands of endpoints
 * cost a scan per quantum, not a scan per probe.
 *
 * Owns: the registry it creates, the option strings, the curl multi handle
 * and every probe (easy handle) in flight.
 * Thread model: the probe engine runs on the checker thread; start, stop
 * and free on the owner's thread; attach and retire_unused on the poller
 * thread (they only touch the registry under its lock and wake the
 * checker). The engine takes the registry lock around table walks and
 * completions, and drops it while curl works or waits.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/health/check.h"
#include "core/health/health_internal.h"
#include "core/log.h"

#define SCAN_QUANTUM_MS     10u
#define MAX_WAIT_MS         1000u
#define DEFAULT_CONCURRENCY 256u

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Per-thread generator for jitter (checker thread only). */
static uint64_t jitter_state;

static uint64_t jitter_next(void)
{
	/* splitmix64 */
	uint64_t z = (jitter_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* interval +- 10% */
static uint64_t jittered(uint32_t interval_ms)
{
	uint64_t spread = interval_ms / 5u + 1u;
	return (uint64_t)interval_ms - interval_ms / 10u + jitter_next() % spread;
}

static void probe_free(struct pooldns_probe *pr)
{
	if (pr->easy != NULL)
		curl_easy_cleanup(pr->easy);
	curl_slist_free_all(pr->headers);
	curl_slist_free_all(pr->resolve);
	free(pr->body);
	free(pr);
}

/* Releases an in-flight probe (completion, retire, shutdown). Lock held. */
static void probe_cancel(struct pooldns_health *h, struct pooldns_endpoint *ep)
{
	struct pooldns_probe *pr = ep->probe;
	if (pr == NULL)
		return;
	curl_multi_remove_handle(h->multi, pr->easy);
	probe_free(pr);
	ep->probe = NULL;
	h->in_flight--;
}

/* Starts one probe. Lock held. */
static void probe_start(struct pooldns_health *h, struct pooldns_endpoint *ep, uint64_t now)
{
	char err[256];
	ep->due_ms = now + jittered(ep->interval_ms);
	atomic_fetch_add_explicit(&h->probes_started, 1, memory_order_relaxed);

	struct pooldns_probe *pr = calloc(1, sizeof *pr);
	if (pr == NULL || (pr->easy = curl_easy_init()) == NULL) {
		free(pr);
		pooldns_health_report(h, ep, POOLDNS_PROBE_ERROR,
				      "out of memory starting the probe");
		return;
	}
	pr->ep = ep;
	CURL *e = pr->easy;
	curl_easy_setopt(e, CURLOPT_PRIVATE, pr);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, pr->errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)ep->timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ep->timeout_ms);
	/* A probe must see the member as a new client would: no reused
	 * connection may hide a listener that stopped accepting. */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
	/* Members are addresses (or pinned with CURLOPT_RESOLVE): nothing to
	 * resolve, and the multi handle's shared DNS cache would otherwise
	 * hold an entry per member and be walked on every transfer (measured:
	 * about 40% of the checker's CPU at 4,000 members). */
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	if (h->source_address != NULL)
		curl_easy_setopt(e, CURLOPT_INTERFACE, h->source_address);

	int rc = ep->type == POOLDNS_CHECK_TCP ? pooldns_check_tcp_setup(h, pr, err, sizeof err)
					       : pooldns_check_http_setup(h, pr, err, sizeof err);
	if (rc != 0) {
		probe_free(pr);
		pooldns_health_report(h, ep, POOLDNS_PROBE_ERROR, err);
		return;
	}
	CURLMcode mc = curl_multi_add_handle(h->multi, e);
	if (mc != CURLM_OK) {
		probe_free(pr);
		pooldns_health_report(h, ep, POOLDNS_PROBE_ERROR, curl_multi_strerror(mc));
		return;
	}
	ep->probe = pr;
	h->in_flight++;
}

/* Starts due probes and returns how long the thread may sleep. Lock held. */
static uint64_t schedule(struct pooldns_health *h)
{
	uint64_t now = pooldns_now_ms();
	if (now < h->next_scan_ms)
		return h->next_scan_ms - now;

	uint64_t next = now + MAX_WAIT_MS;
	for (size_t b = 0; b < h->nbuckets; b++) {
		for (struct pooldns_endpoint *ep = h->buckets[b]; ep != NULL; ep = ep->next) {
			if (ep->probe != NULL)
				continue;
			if (ep->due_ms <= now) {
				if (h->in_flight >= h->max_concurrent) {
					next = now; /* retry as soon as a probe ends */
					continue;
				}
				probe_start(h, ep, now);
			}
			if (ep->probe == NULL && ep->due_ms < next)
				next = ep->due_ms;
		}
	}
	if (next < now + SCAN_QUANTUM_MS)
		next = now + SCAN_QUANTUM_MS;
	h->next_scan_ms = next;
	return next - now;
}

/* What the counters call a result: a failed judgement of a transfer that
 * completed is "fail"; transfer errors are sorted by kind. */
static enum pooldns_probe_outcome outcome_of(bool ok, CURLcode rc)
{
	if (ok)
		return POOLDNS_PROBE_OK;
	switch (rc) {
	case CURLE_OK:
		return POOLDNS_PROBE_FAIL;
	case CURLE_OPERATION_TIMEDOUT:
		return POOLDNS_PROBE_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
		return POOLDNS_PROBE_CONNECT;
	default:
		return POOLDNS_PROBE_ERROR;
	}
}

/* Judges every finished transfer. Lock held. */
static void collect(struct pooldns_health *h)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct pooldns_probe *pr = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&pr);
		CURLcode rc = msg->data.result;
		struct pooldns_endpoint *ep = pr->ep;
		char reason[256];
		bool ok = ep->type == POOLDNS_CHECK_TCP
				  ? pooldns_check_tcp_result(pr, rc, reason, sizeof reason)
				  : pooldns_check_http_result(pr, rc, reason, sizeof reason);
		curl_off_t usec = 0;
		if (curl_easy_getinfo(pr->easy, CURLINFO_TOTAL_TIME_T, &usec) == CURLE_OK &&
		    usec >= 0)
			pooldns_health_observe_latency(h, (uint64_t)usec);
		probe_cancel(h, ep); /* removes and frees the transfer */
		if (ep->retired)
			continue; /* retired while in flight: counted out already */
		pooldns_health_report(h, ep, outcome_of(ok, rc), reason);
		/* The endpoint was skipped by the last scan while in flight:
		 * make sure the next scan is not later than its due time. */
		if (ep->due_ms < h->next_scan_ms)
			h->next_scan_ms = ep->due_ms;
	}
}

/* Stops probing retired endpoints and hands them back to the registry to
 * be freed. Lock held; on the checker thread, or after it stopped. */
static void free_retired(struct pooldns_health *h)
{
	struct pooldns_endpoint *ep;

	while ((ep = pooldns_health_registry_take_retired(h)) != NULL) {
		probe_cancel(h, ep);
		pooldns_health_registry_release(ep);
	}
}

static void *checker_main(void *arg)
{
	struct pooldns_health *h = arg;
	jitter_state = (uint64_t)pooldns_now_ms() ^ (uint64_t)(uintptr_t)h;
	while (!atomic_load(&h->stop)) {
		pthread_mutex_lock(&h->lock);
		free_retired(h);
		uint64_t wait = schedule(h);
		pthread_mutex_unlock(&h->lock);

		int running = 0;
		curl_multi_perform(h->multi, &running);

		pthread_mutex_lock(&h->lock);
		collect(h);
		uint64_t now = pooldns_now_ms();
		if (h->next_scan_ms <= now)
			wait = 0;
		else if (h->next_scan_ms - now < wait)
			wait = h->next_scan_ms - now;
		pthread_mutex_unlock(&h->lock);

		if (wait > MAX_WAIT_MS)
			wait = MAX_WAIT_MS;
		curl_multi_poll(h->multi, NULL, 0, (int)wait, NULL);
	}
	return NULL;
}

static int checker_start(struct pooldns_health *h, char *err, size_t errsz)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK) {
		snprintf(err, errsz, "health: libcurl initialisation failed: %s",
			 curl_easy_strerror(curl_init_rc));
		return -1;
	}
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		snprintf(err, errsz, "health: cannot create a libcurl multi handle");
		return -1;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&h->thread, NULL, checker_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errsz, "health: cannot start the checker thread: %s", strerror(rc));
		return -1;
	}
	h->thread_started = true;
	return 0;
}

static void checker_wake(struct pooldns_health *h)
{
	if (h->multi != NULL)
		curl_multi_wakeup(h->multi);
}

/* ---- the entry points of health.h ---- */

static char *dup_or_null(const char *s, bool *oom)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*oom = true;
	return d;
}

static char *opt_dup(const char *s, bool *oom)
{
	return (s != NULL && s[0] != '\0') ? dup_or_null(s, oom) : NULL;
}

struct pooldns_health *pooldns_health_start(const struct pooldns_health_opts *opts, char *err,
					    size_t errsz)
{
	struct pooldns_health *h = pooldns_health_registry_new(err, errsz);
	if (h == NULL)
		return NULL;
	bool oom = false;
	char ua[64];
	snprintf(ua, sizeof ua, "pooldns/%s", PACKAGE_VERSION);
	h->user_agent = dup_or_null(opts->user_agent ? opts->user_agent : ua, &oom);
	h->source_address = opt_dup(opts->source_address, &oom);
	h->ca_file = opt_dup(opts->ca_file, &oom);
	h->max_concurrent = opts->max_concurrent ? opts->max_concurrent : DEFAULT_CONCURRENCY;
	if (oom) {
		snprintf(err, errsz, "health: out of memory");
		pooldns_health_free(h);
		return NULL;
	}
	if (checker_start(h, err, errsz) != 0) {
		pooldns_health_free(h);
		return NULL;
	}
	return h;
}

void pooldns_health_attach_pool(struct pooldns_health *h, struct pooldns_pool *p)
{
	if (pooldns_health_registry_attach_pool(h, p))
		checker_wake(h);
}

void pooldns_health_detach_pool(struct pooldns_health *h, const struct pooldns_pool *p)
{
	pooldns_health_registry_detach_pool(h, p);
}

void pooldns_health_attach(struct pooldns_health *h, struct pooldns_snapshot *snap)
{
	struct pooldns_pool *p;
	bool created = false;

	for (size_t it = 0; (p = pooldns_snapshot_next(snap, &it)) != NULL;)
		created |= pooldns_health_registry_attach_pool(h, p);
	if (created)
		checker_wake(h);
}

void pooldns_health_detach(struct pooldns_health *h, const struct pooldns_snapshot *snap)
{
	struct pooldns_pool *p;

	for (size_t it = 0; (p = pooldns_snapshot_next(snap, &it)) != NULL;)
		pooldns_health_registry_detach_pool(h, p);
}

void pooldns_health_retire_unused(struct pooldns_health *h)
{
	if (pooldns_health_registry_retire(h) > 0 && h->thread_started)
		checker_wake(h);
}

void pooldns_health_stop(struct pooldns_health *h)
{
	if (h == NULL || !h->thread_started)
		return;
	atomic_store(&h->stop, true);
	curl_multi_wakeup(h->multi);
	pthread_join(h->thread, NULL);
	h->thread_started = false;
}

void pooldns_health_free(struct pooldns_health *h)
{
	if (h == NULL)
		return;
	pooldns_health_stop(h);
	/* No probe may outlive the multi handle, nor the registry. */
	pthread_mutex_lock(&h->lock);
	free_retired(h);
	for (size_t b = 0; b < h->nbuckets; b++)
		for (struct pooldns_endpoint *ep = h->buckets[b]; ep != NULL; ep = ep->next)
			probe_cancel(h, ep);
	pthread_mutex_unlock(&h->lock);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	h->multi = NULL;
	free(h->user_agent);
	free(h->source_address);
	free(h->ca_file);
	pooldns_health_registry_free(h);
}
