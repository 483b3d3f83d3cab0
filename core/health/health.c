/*
 * health.c — the health registry: one shared state per distinct (address,
 * check settings) endpoint, attached to snapshot members before they are
 * published, retired when no pool uses it, and pooldns_health_report(), the
 * single function that owns the rise/fall counters, logs transitions and
 * keeps the time and reason of each endpoint's last one; also the
 * first-round wait, the statistics of health.h (probe outcomes, latency
 * histogram) and the member view the status page reads.
 *
 * The checker (checker.c) drives the registry: it creates and frees it,
 * forwards attach/retire from the poller, and reports probe results. This
 * file never calls the checker and knows nothing of its thread, its probes
 * or libcurl.
 *
 * Owns: the endpoint table, the endpoints and their states (freed after an
 * RCU grace period once retired and released).
 *
 * Thread model: attach/retire on the poller thread, reports on the checker
 * thread, all under `lock` (health_internal.h). Readers on the answer path
 * only load `state.up` atomically and never take the lock; the operator
 * endpoint's thread reads a member's last transition under the lock
 * (pooldns_health_view), inside the RCU section that keeps it allocated.
 */
#include "config.h"

#include <assert.h>

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/health/health_internal.h"
#include "core/log.h"

#define HEALTH_MIN_BUCKETS 256u

static uint32_t fnv_bytes(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t fnv_str(uint32_t h, const char *s)
{
	/* NULL and "" differ from each other and from every other string. */
	uint8_t tag = s ? 1 : 0;
	h = fnv_bytes(h, &tag, 1);
	return s ? fnv_bytes(h, s, strlen(s) + 1) : h;
}

static uint16_t default_port(const struct pooldns_check *c)
{
	if (c->port != 0)
		return c->port;
	return c->type == POOLDNS_CHECK_HTTPS ? 443 : 80;
}

static uint32_t key_hash(const struct pooldns_member *m, const struct pooldns_check *c)
{
	uint32_t h = 2166136261u;
	uint16_t port = default_port(c);
	uint32_t nums[8] = { (uint32_t)m->family, (uint32_t)c->type, port,    c->expect_status,
			     c->interval_ms,      c->timeout_ms,     c->rise, c->fall };
	h = fnv_bytes(h, nums, sizeof nums);
	h = fnv_bytes(h, m->addr, sizeof m->addr);
	h = fnv_str(h, c->path);
	h = fnv_str(h, c->host);
	h = fnv_str(h, c->body);
	return h;
}

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool key_equal(const struct pooldns_endpoint *ep, const struct pooldns_member *m,
		      const struct pooldns_check *c)
{
	return ep->family == m->family && memcmp(ep->addr, m->addr, sizeof ep->addr) == 0 &&
	       ep->type == c->type && ep->port == default_port(c) &&
	       ep->expect_status == c->expect_status && ep->interval_ms == c->interval_ms &&
	       ep->timeout_ms == c->timeout_ms && ep->rise == c->rise && ep->fall == c->fall &&
	       str_eq(ep->path, c->path) && str_eq(ep->vhost, c->host) && str_eq(ep->body, c->body);
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*oom = true;
	return d;
}

static void endpoint_free(struct pooldns_endpoint *ep)
{
	free(ep->path);
	free(ep->vhost);
	free(ep->body);
	free(ep);
}

static void endpoint_free_rcu(struct pooldns_rcu_head *head)
{
	endpoint_free(pooldns_container_of(head, struct pooldns_endpoint, rcu));
}

static struct pooldns_endpoint *endpoint_new(const struct pooldns_member *m,
					     const struct pooldns_check *c, uint32_t hash)
{
	struct pooldns_endpoint *ep = calloc(1, sizeof *ep);
	if (ep == NULL)
		return NULL;
	bool oom = false;
	atomic_init(&ep->state.up, true); /* counts as up until the first probe */
	ep->family = m->family;
	memcpy(ep->addr, m->addr, sizeof ep->addr);
	inet_ntop(m->family, m->addr, ep->host, sizeof ep->host);
	ep->type = c->type;
	ep->port = default_port(c);
	ep->expect_status = c->expect_status;
	/* The builder gives every pool a check path and rise/fall in 1..100. */
	assert(c->path != NULL && c->rise >= 1 && c->fall >= 1);
	ep->path = dup_or_null(c->path, &oom);
	ep->vhost = dup_or_null(c->host, &oom);
	ep->body = dup_or_null(c->body, &oom);
	ep->interval_ms = c->interval_ms;
	ep->timeout_ms = c->timeout_ms;
	ep->rise = c->rise;
	ep->fall = c->fall;
	ep->hash = hash;
	if (oom) {
		endpoint_free(ep);
		return NULL;
	}
	return ep;
}

static int table_grow(struct pooldns_health *h)
{
	size_t n = h->nbuckets * 2;
	struct pooldns_endpoint **nb = calloc(n, sizeof *nb);
	if (nb == NULL)
		return -1;
	for (size_t i = 0; i < h->nbuckets; i++) {
		struct pooldns_endpoint *ep = h->buckets[i];
		while (ep != NULL) {
			struct pooldns_endpoint *next = ep->next;
			size_t b = ep->hash & (n - 1);
			ep->next = nb[b];
			nb[b] = ep;
			ep = next;
		}
	}
	free(h->buckets);
	h->buckets = nb;
	h->nbuckets = n;
	return 0;
}

/* Finds or creates the endpoint for (m, c). Lock held. NULL on OOM. */
static struct pooldns_endpoint *endpoint_get(struct pooldns_health *h,
					     const struct pooldns_member *m,
					     const struct pooldns_check *c, bool *created)
{
	uint32_t hash = key_hash(m, c);
	for (struct pooldns_endpoint *ep = h->buckets[hash & (h->nbuckets - 1)]; ep; ep = ep->next)
		if (ep->hash == hash && key_equal(ep, m, c))
			return ep;
	if (h->count + 1 > h->nbuckets && table_grow(h) != 0)
		return NULL;
	struct pooldns_endpoint *ep = endpoint_new(m, c, hash);
	if (ep == NULL)
		return NULL;
	size_t b = hash & (h->nbuckets - 1);
	ep->next = h->buckets[b];
	h->buckets[b] = ep;
	h->count++;
	h->unknown++;
	/* First probe soon, spread over up to 200 ms so a big reload does
	 * not fire every probe in the same millisecond. */
	ep->due_ms = pooldns_now_ms() + (hash % 200u);
	*created = true;
	return ep;
}

static void attach_family(struct pooldns_health *h, const struct pooldns_pool *pool,
			  struct pooldns_member *members, size_t n, bool *created, size_t *oom)
{
	for (size_t i = 0; i < n; i++) {
		struct pooldns_member *m = &members[i];
		m->health = NULL;
		if (!m->enabled)
			continue; /* drained: never answered, so never probed */
		struct pooldns_endpoint *ep = endpoint_get(h, m, &pool->check, created);
		if (ep == NULL) {
			(*oom)++;
			continue; /* no state: the member counts as up */
		}
		if (ep->refs++ == 0)
			snprintf(ep->label, sizeof ep->label, "%s %s", pool->name_text, ep->host);
		m->health = &ep->state;
	}
}

bool pooldns_health_registry_attach_pool(struct pooldns_health *h, struct pooldns_pool *p)
{
	bool created = false;
	size_t oom = 0;

	if (p->check.type == POOLDNS_CHECK_NONE)
		return false;
	pthread_mutex_lock(&h->lock);
	attach_family(h, p, p->v4, p->n_v4, &created, &oom);
	attach_family(h, p, p->v6, p->n_v6, &created, &oom);
	if (created)
		h->next_scan_ms = 0;
	pthread_mutex_unlock(&h->lock);
	if (oom)
		pooldns_log(
			POOLDNS_LOG_ERR,
			"health: out of memory: %zu members of %s are answered without a health "
			"check",
			oom, p->name_text);
	return created;
}

static void detach_family(struct pooldns_health *h, const struct pooldns_member *members, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* The state is the endpoint's first member. */
		struct pooldns_endpoint *ep = (struct pooldns_endpoint *)members[i].health;
		if (ep == NULL)
			continue;
		assert(ep->refs > 0);
		if (--ep->refs == 0 && !ep->unused_listed) {
			ep->unused_listed = true;
			ep->unused_next = h->unused;
			h->unused = ep;
		}
	}
}

void pooldns_health_registry_detach_pool(struct pooldns_health *h, const struct pooldns_pool *p)
{
	pthread_mutex_lock(&h->lock);
	detach_family(h, p->v4, p->n_v4);
	detach_family(h, p->v6, p->n_v6);
	pthread_mutex_unlock(&h->lock);
}

/* Takes ep out of its hash chain. Lock held. */
static void unlink_endpoint(struct pooldns_health *h, struct pooldns_endpoint *ep)
{
	struct pooldns_endpoint **pp = &h->buckets[ep->hash & (h->nbuckets - 1)];

	while (*pp != ep) {
		assert(*pp != NULL);
		pp = &(*pp)->next;
	}
	*pp = ep->next;
}

size_t pooldns_health_registry_retire(struct pooldns_health *h)
{
	size_t retired = 0;
	pthread_mutex_lock(&h->lock);
	while (h->unused != NULL) {
		struct pooldns_endpoint *ep = h->unused;
		h->unused = ep->unused_next;
		ep->unused_listed = false;
		if (ep->refs > 0 || ep->retired)
			continue; /* attached again since */
		unlink_endpoint(h, ep);
		ep->retired = true;
		h->count--;
		if (!ep->known)
			h->unknown--;
		else if (!atomic_load_explicit(&ep->state.up, memory_order_relaxed))
			h->down--;
		ep->next = h->retired;
		h->retired = ep;
		retired++;
	}
	if (retired)
		pthread_cond_broadcast(&h->round_cond);
	pthread_mutex_unlock(&h->lock);
	if (retired)
		pooldns_log(POOLDNS_LOG_INFO,
			    "health: %zu endpoints no longer used, probing stopped", retired);
	return retired;
}

struct pooldns_endpoint *pooldns_health_registry_take_retired(struct pooldns_health *h)
{
	struct pooldns_endpoint *ep = h->retired;

	if (ep != NULL)
		h->retired = ep->next;
	return ep;
}

void pooldns_health_registry_release(struct pooldns_endpoint *ep)
{
	assert(ep->probe == NULL);
	pooldns_rcu_call(&ep->rcu, endpoint_free_rcu);
}

const double pooldns_probe_latency_bounds[POOLDNS_PROBE_LATENCY_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

const char *pooldns_probe_outcome_name(enum pooldns_probe_outcome o)
{
	static const char *const names[POOLDNS_PROBE_OUTCOMES] = {
		[POOLDNS_PROBE_OK] = "ok",           [POOLDNS_PROBE_FAIL] = "fail",
		[POOLDNS_PROBE_TIMEOUT] = "timeout", [POOLDNS_PROBE_CONNECT] = "connect",
		[POOLDNS_PROBE_ERROR] = "error",
	};
	assert((unsigned)o < POOLDNS_PROBE_OUTCOMES);
	return names[o];
}

void pooldns_health_observe_latency(struct pooldns_health *h, uint64_t usec)
{
	size_t b = 0;

	while (b < POOLDNS_PROBE_LATENCY_BUCKETS &&
	       (double)usec > pooldns_probe_latency_bounds[b] * 1e6)
		b++;
	atomic_fetch_add_explicit(&h->latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->latency_sum_us, usec, memory_order_relaxed);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A transition (or the first result): counted, and kept for the status page. */
static void transition(struct pooldns_health *h, struct pooldns_endpoint *ep, const char *reason)
{
	atomic_fetch_add_explicit(&h->transitions, 1, memory_order_relaxed);
	ep->changed_ms = wall_ms();
	snprintf(ep->changed_reason, sizeof ep->changed_reason, "%s", reason);
}

void pooldns_health_report(struct pooldns_health *h, struct pooldns_endpoint *ep,
			   enum pooldns_probe_outcome outcome, const char *reason)
{
	bool ok = outcome == POOLDNS_PROBE_OK;

	assert((unsigned)outcome < POOLDNS_PROBE_OUTCOMES);
	atomic_fetch_add_explicit(&h->probes[outcome], 1, memory_order_relaxed);
	bool up = atomic_load_explicit(&ep->state.up, memory_order_relaxed);

	if (!ep->known) {
		/* First result: decides directly, so a dead member leaves the
		 * answers after one probe and a live one stays. */
		ep->known = true;
		ep->ok_run = ok ? 1 : 0;
		ep->fail_run = ok ? 0 : 1;
		h->unknown--;
		pthread_cond_broadcast(&h->round_cond);
		ep->changed_ms = wall_ms();
		snprintf(ep->changed_reason, sizeof ep->changed_reason, "%s", reason);
		if (!ok) {
			atomic_store_explicit(&ep->state.up, false, memory_order_relaxed);
			h->down++;
			atomic_fetch_add_explicit(&h->transitions, 1, memory_order_relaxed);
			pooldns_log(POOLDNS_LOG_WARNING, "%s: new -> down (%s, first check)",
				    ep->label, reason);
		} else {
			pooldns_log(POOLDNS_LOG_INFO, "%s: new -> up (%s, first check)", ep->label,
				    reason);
		}
		return;
	}

	if (ok) {
		ep->fail_run = 0;
		if (ep->ok_run < UINT32_MAX)
			ep->ok_run++;
		if (!up && ep->ok_run >= ep->rise) {
			atomic_store_explicit(&ep->state.up, true, memory_order_relaxed);
			h->down--;
			transition(h, ep, reason);
			pooldns_log(POOLDNS_LOG_NOTICE,
				    "%s: down -> up (%s, %u consecutive successes)", ep->label,
				    reason, ep->ok_run);
		}
	} else {
		ep->ok_run = 0;
		if (ep->fail_run < UINT32_MAX)
			ep->fail_run++;
		if (up && ep->fail_run >= ep->fall) {
			atomic_store_explicit(&ep->state.up, false, memory_order_relaxed);
			h->down++;
			transition(h, ep, reason);
			pooldns_log(POOLDNS_LOG_WARNING,
				    "%s: up -> down (%s, %u consecutive failures)", ep->label,
				    reason, ep->fail_run);
		}
	}
}

void pooldns_health_view(struct pooldns_health *h, const struct pooldns_hstate *st,
			 struct pooldns_health_view *v)
{
	memset(v, 0, sizeof *v);
	v->up = pooldns_hstate_up(st);
	if (st == NULL || h == NULL)
		return;
	/* The state is the endpoint's first member; the caller's read-side
	 * section keeps a retired endpoint from being freed under us. */
	const struct pooldns_endpoint *ep = (const struct pooldns_endpoint *)st;
	v->checked = true;
	pthread_mutex_lock(&h->lock);
	v->known = ep->known;
	v->since_ms = ep->changed_ms;
	memcpy(v->reason, ep->changed_reason, sizeof v->reason);
	pthread_mutex_unlock(&h->lock);
	v->reason[sizeof v->reason - 1] = '\0';
}

bool pooldns_health_first_round_done(struct pooldns_health *h)
{
	pthread_mutex_lock(&h->lock);
	bool done = h->unknown == 0;
	pthread_mutex_unlock(&h->lock);
	return done;
}

bool pooldns_health_wait_first_round(struct pooldns_health *h, long timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	while (h->unknown > 0) {
		if (pthread_cond_timedwait(&h->round_cond, &h->lock, &until) == ETIMEDOUT)
			break;
	}
	bool done = h->unknown == 0;
	pthread_mutex_unlock(&h->lock);
	return done;
}

void pooldns_health_get_stats(struct pooldns_health *h, struct pooldns_health_stats *st)
{
	pthread_mutex_lock(&h->lock);
	st->endpoints = h->count;
	st->endpoints_down = h->down;
	pthread_mutex_unlock(&h->lock);
	st->probes_started = atomic_load(&h->probes_started);
	st->probes_failed = 0;
	for (int o = 0; o < POOLDNS_PROBE_OUTCOMES; o++) {
		st->probes[o] = atomic_load_explicit(&h->probes[o], memory_order_relaxed);
		if (o != POOLDNS_PROBE_OK)
			st->probes_failed += st->probes[o];
	}
	st->probes_ok = st->probes[POOLDNS_PROBE_OK];
	st->transitions = atomic_load(&h->transitions);
	for (size_t b = 0; b <= POOLDNS_PROBE_LATENCY_BUCKETS; b++)
		st->latency[b] = atomic_load_explicit(&h->latency[b], memory_order_relaxed);
	st->latency_sum_us = atomic_load_explicit(&h->latency_sum_us, memory_order_relaxed);
}

struct pooldns_health *pooldns_health_registry_new(char *err, size_t errsz)
{
	struct pooldns_health *h = calloc(1, sizeof *h);
	if (h == NULL) {
		snprintf(err, errsz, "health: out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->round_cond, &ca);
	pthread_condattr_destroy(&ca);
	h->nbuckets = HEALTH_MIN_BUCKETS;
	h->buckets = calloc(h->nbuckets, sizeof *h->buckets);
	if (h->buckets == NULL) {
		snprintf(err, errsz, "health: out of memory");
		pooldns_health_registry_free(h);
		return NULL;
	}
	return h;
}

void pooldns_health_registry_free(struct pooldns_health *h)
{
	if (h == NULL)
		return;
	if (h->buckets != NULL) {
		struct pooldns_endpoint *ep;

		pthread_mutex_lock(&h->lock);
		while ((ep = pooldns_health_registry_take_retired(h)) != NULL)
			pooldns_health_registry_release(ep);
		for (size_t b = 0; b < h->nbuckets; b++) {
			ep = h->buckets[b];
			while (ep != NULL) {
				struct pooldns_endpoint *next = ep->next;
				assert(ep->probe == NULL);
				endpoint_free(ep);
				ep = next;
			}
		}
		pthread_mutex_unlock(&h->lock);
		/* Retired states queued with pooldns_rcu_call() must be gone
		 * before the caller unloads or exits. */
		pooldns_rcu_barrier();
	}
	pthread_cond_destroy(&h->round_cond);
	pthread_mutex_destroy(&h->lock);
	free(h->buckets);
	free(h);
}
