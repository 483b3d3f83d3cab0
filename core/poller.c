/*
 * poller.c — the background loader thread: keeps the store's snapshot in
 * step with the source (see poller.h for the contract).
 *
 * Owns: its thread, a copy of the cache path, and the status counters. It
 * borrows the source and the store. It is the only publisher of the store,
 * so it may read the current snapshot (for round-robin carry-over) without
 * a read-side section: nothing else can retire it.
 *
 * Thread model: one poller thread; the controlling thread talks to it
 * through `lock` + `cond` (kick, stop, ready). Status fields are atomics so
 * pooldns_poller_status() never waits for a load in progress.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/model/builder.h"
#include "core/source/cache.h"
#include "core/log.h"
#include "core/poller.h"

/* Longest wait between attempts while the source keeps failing (or the
 * poll interval, if that is longer): a pause long enough to spare a
 * struggling cluster, short enough that answers catch up soon after it
 * recovers. */
#define POLLER_BACKOFF_MAX_MS 5000L

struct pooldns_poller {
	struct pooldns_source *source;
	struct pooldns_store *store;
	struct pooldns_health *health; /* may be NULL */
	long interval_ms;
	char *cache_file;

	pthread_t thread;
	pthread_mutex_t lock; /* protects stop, kicked, ready */
	pthread_cond_t cond;  /* CLOCK_MONOTONIC */
	bool stop;
	bool kicked;
	bool ready;

	/* Written by the poller thread only. */
	int64_t published_version; /* -1: nothing published */
	bool need_full_load;       /* last load failed, or data came from the cache */
	unsigned failures;         /* consecutive failed attempts */

	/* Status readable from any thread. */
	_Atomic int64_t st_version;
	_Atomic uint64_t st_loads_ok;
	_Atomic uint64_t st_loads_failed;
	_Atomic bool st_from_cache;
	_Atomic bool st_source_ok;
};

static void poller_set_ready(struct pooldns_poller *p)
{
	pthread_mutex_lock(&p->lock);
	p->ready = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Builds and publishes ds. Returns 0, or -1 if the builder rejected it. */
static int poller_publish(struct pooldns_poller *p, const struct pooldns_dataset *ds,
			  const char *origin, bool from_cache)
{
	char err[512];
	struct pooldns_build_stats stats;
	/* Safe without a read lock: only this thread retires snapshots. */
	const struct pooldns_snapshot *prev = pooldns_store_get(p->store);
	struct pooldns_snapshot *snap = pooldns_snapshot_build(ds, prev, &stats, err, sizeof err);
	if (snap == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "%s: data version %lld not loaded, keeping %s: %s",
			    origin, (long long)ds->version,
			    p->published_version >= 0 ? "the last good snapshot" : "no data", err);
		return -1;
	}
	if (p->health != NULL)
		pooldns_health_attach(p->health, snap);
	/* Status first: whoever sees the new snapshot sees its status too. */
	atomic_store(&p->st_from_cache, from_cache);
	atomic_store(&p->st_version, ds->version);
	if (!from_cache)
		atomic_fetch_add(&p->st_loads_ok, 1);
	pooldns_store_publish(p->store, snap);
	if (p->health != NULL)
		pooldns_health_retire_unused(p->health);
	enum pooldns_log_level lvl =
		(stats.bad_pools || stats.bad_members) ? POOLDNS_LOG_WARNING : POOLDNS_LOG_INFO;
	pooldns_log(lvl,
		    "%s: loaded data version %lld: %zu pools, %zu members"
		    " (skipped %zu bad pool rows, %zu bad member rows)",
		    origin, (long long)ds->version, stats.pools, stats.members, stats.bad_pools,
		    stats.bad_members);
	p->published_version = ds->version;
	return 0;
}

static void poller_source_failed(struct pooldns_poller *p, const char *what, const char *err)
{
	p->failures++;
	p->need_full_load = true;
	atomic_fetch_add(&p->st_loads_failed, 1);
	if (atomic_exchange(&p->st_source_ok, false) || p->failures == 1)
		pooldns_log(POOLDNS_LOG_ERR, "%s failed, serving %s: %s", what,
			    p->published_version >= 0 ? "the last good snapshot" : "nothing yet",
			    err);
	else
		pooldns_log(POOLDNS_LOG_DEBUG, "%s failed again (%u in a row): %s", what,
			    p->failures, err);
}

static void poller_source_ok(struct pooldns_poller *p)
{
	if (p->failures > 0)
		pooldns_log(POOLDNS_LOG_NOTICE, "%s reachable again after %u failed attempts",
			    p->source->ops->describe(p->source), p->failures);
	p->failures = 0;
	atomic_store(&p->st_source_ok, true);
}

static void poller_load_from_source(struct pooldns_poller *p)
{
	char err[1024];
	struct pooldns_dataset ds = { 0 };
	const char *desc = p->source->ops->describe(p->source);
	if (p->source->ops->load(p->source, &ds, err, sizeof err) != 0) {
		poller_source_failed(p, desc, err);
		return;
	}
	poller_source_ok(p);
	if (poller_publish(p, &ds, desc, false) != 0) {
		/* The source answered but the data is unusable as a whole; try
		 * again after the next interval rather than trusting the
		 * version. */
		p->need_full_load = true;
		atomic_fetch_add(&p->st_loads_failed, 1);
		pooldns_dataset_clear(&ds);
		return;
	}
	p->need_full_load = false;
	if (p->cache_file != NULL && pooldns_cache_write(p->cache_file, &ds, err, sizeof err) != 0)
		pooldns_log(POOLDNS_LOG_WARNING, "cache file not updated: %s", err);
	pooldns_dataset_clear(&ds);
}

static void poller_load_from_cache(struct pooldns_poller *p)
{
	char err[1024];
	struct pooldns_dataset ds = { 0 };
	if (pooldns_cache_read(p->cache_file, &ds, err, sizeof err) != 0) {
		pooldns_log(POOLDNS_LOG_ERR, "cache file ignored: %s", err);
		return;
	}
	char origin[1100];
	snprintf(origin, sizeof origin, "cache file %s", p->cache_file);
	if (poller_publish(p, &ds, origin, true) == 0) {
		pooldns_log(POOLDNS_LOG_WARNING,
			    "serving data version %lld from the cache file until %s answers",
			    (long long)ds.version, p->source->ops->describe(p->source));
	}
	pooldns_dataset_clear(&ds);
}

/* One poll: a version check, and a full load when needed. */
static void poller_poll(struct pooldns_poller *p)
{
	char err[1024];
	if (p->need_full_load) {
		poller_load_from_source(p);
		return;
	}
	int64_t version;
	const char *desc = p->source->ops->describe(p->source);
	if (p->source->ops->version(p->source, &version, err, sizeof err) != 0) {
		poller_source_failed(p, desc, err);
		return;
	}
	poller_source_ok(p);
	if (version != p->published_version) {
		pooldns_log(POOLDNS_LOG_DEBUG, "%s: data version %lld -> %lld, reloading", desc,
			    (long long)p->published_version, (long long)version);
		poller_load_from_source(p);
	}
}

static long poller_next_wait_ms(const struct pooldns_poller *p)
{
	long cap = p->interval_ms > POLLER_BACKOFF_MAX_MS ? p->interval_ms : POLLER_BACKOFF_MAX_MS;
	long wait = p->interval_ms;
	for (unsigned i = 1; i < p->failures && wait < cap; i++)
		wait *= 2;
	return wait < cap ? wait : cap;
}

static void deadline_after(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Sleeps until the next poll is due, a kick, or stop. Returns false on stop. */
static bool poller_sleep(struct pooldns_poller *p, long ms)
{
	struct timespec until;
	deadline_after(&until, ms);
	pthread_mutex_lock(&p->lock);
	while (!p->stop && !p->kicked) {
		if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT)
			break;
	}
	p->kicked = false;
	bool go_on = !p->stop;
	pthread_mutex_unlock(&p->lock);
	return go_on;
}

static void *poller_main(void *arg)
{
	struct pooldns_poller *p = arg;

	/* A poller started on a store that already serves (a reload with a new
	 * source) goes on from that data: it is reloaded from the source, never
	 * replaced by a possibly older cache file. */
	const struct pooldns_snapshot *cur = pooldns_store_get(p->store);
	if (cur != NULL) {
		p->published_version = cur->version;
		atomic_store(&p->st_version, cur->version);
		poller_set_ready(p);
	}
	poller_load_from_source(p);
	if (p->published_version < 0 && p->cache_file != NULL)
		poller_load_from_cache(p);
	if (p->published_version >= 0)
		poller_set_ready(p);

	while (poller_sleep(p, poller_next_wait_ms(p))) {
		poller_poll(p);
		if (p->published_version >= 0)
			poller_set_ready(p);
	}
	return NULL;
}

struct pooldns_poller *pooldns_poller_start(const struct pooldns_poller_opts *opts, char *err,
					    size_t errsz)
{
	if (opts->source == NULL || opts->store == NULL) {
		snprintf(err, errsz, "poller: source and store are required");
		return NULL;
	}
	/* The configuration refuses these already; this guards other callers
	 * (tests, a future front end). */
	if (opts->poll_interval_ms < POOLDNS_POLL_INTERVAL_MIN_MS ||
	    opts->poll_interval_ms > POOLDNS_POLL_INTERVAL_MAX_MS) {
		snprintf(err, errsz, "poller: poll interval %ld ms out of range (%ld..%ld)",
			 opts->poll_interval_ms, POOLDNS_POLL_INTERVAL_MIN_MS,
			 POOLDNS_POLL_INTERVAL_MAX_MS);
		return NULL;
	}
	struct pooldns_poller *p = calloc(1, sizeof *p);
	if (p == NULL) {
		snprintf(err, errsz, "poller: out of memory");
		return NULL;
	}
	p->source = opts->source;
	p->store = opts->store;
	p->health = opts->health;
	p->interval_ms = opts->poll_interval_ms;
	p->published_version = -1;
	p->need_full_load = true;
	atomic_init(&p->st_version, -1);
	if (opts->cache_file != NULL && opts->cache_file[0] != '\0') {
		p->cache_file = strdup(opts->cache_file);
		if (p->cache_file == NULL) {
			free(p);
			snprintf(err, errsz, "poller: out of memory");
			return NULL;
		}
	}

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&p->lock, NULL);

	/* The thread must never take a process signal meant for the server
	 * or for Unbound. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&p->thread, NULL, poller_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errsz, "poller: cannot start thread: %s", strerror(rc));
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p->cache_file);
		free(p);
		return NULL;
	}
	return p;
}

bool pooldns_poller_wait_ready(struct pooldns_poller *p, long timeout_ms)
{
	struct timespec until;
	deadline_after(&until, timeout_ms);
	pthread_mutex_lock(&p->lock);
	while (!p->ready) {
		if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT)
			break;
	}
	bool ready = p->ready;
	pthread_mutex_unlock(&p->lock);
	return ready;
}

void pooldns_poller_kick(struct pooldns_poller *p)
{
	pthread_mutex_lock(&p->lock);
	p->kicked = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void pooldns_poller_stop(struct pooldns_poller *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->cache_file);
	free(p);
}

void pooldns_poller_status(struct pooldns_poller *p, struct pooldns_poller_status *st)
{
	st->version = atomic_load(&p->st_version);
	st->loads_ok = atomic_load(&p->st_loads_ok);
	st->loads_failed = atomic_load(&p->st_loads_failed);
	st->from_cache = atomic_load(&p->st_from_cache);
	st->source_ok = atomic_load(&p->st_source_ok);
}
