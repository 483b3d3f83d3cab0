/*
 * poller.c — the background loader thread: keeps the store's snapshot in
 * step with the source (see poller.h for the contract).
 *
 * Owns: its thread, the model that makes each snapshot (model.h), the
 * cache writer thread (cache_writer.h), a copy of the cache path, the
 * change-feed position of the published data and the status counters. It
 * borrows the source, the store and the health registry. Through its model
 * it is the only publisher of the store, so the current snapshot cannot be
 * retired under it.
 *
 * Thread model: one poller thread; the controlling thread talks to it
 * through `lock` + `cond` (kick, stop, ready). Status fields are atomics so
 * pooldns_poller_status() (also called by the operator endpoint's thread)
 * never waits for a load in progress.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cache_writer.h"
#include "core/clock.h"
#include "core/model/builder.h"
#include "core/model/model.h"
#include "core/source/cache.h"
#include "core/source/cache_journal.h"
#include "core/source/cache_journal_write.h"
#include "core/log.h"
#include "core/poller.h"

/* Longest wait between attempts while the source keeps failing (or the
 * poll interval, if that is longer): a pause long enough to spare a
 * struggling cluster, short enough that answers catch up soon after it
 * recovers. */
#define POLLER_BACKOFF_MAX_MS 5000L

/* Pools per page of a full load: bounds the memory of one page (rows,
 * parsed JSON, records being validated) whatever the data size. */
#define POLLER_PAGE_POOLS 5000
/* Change-log rows per delta request. */
#define POLLER_DELTA_MAX 5000

struct pooldns_poller {
	struct pooldns_source *source;
	struct pooldns_store *store;
	struct pooldns_health *health; /* may be NULL */
	struct pooldns_model *model;
	long interval_ms;
	char *cache_file;
	struct pooldns_cache_writer *cache; /* NULL: no cache file */

	pthread_t thread;
	pthread_mutex_t lock; /* protects stop, kicked, ready */
	pthread_cond_t cond;  /* CLOCK_MONOTONIC */
	bool stop;
	bool kicked;
	bool ready;

	/* Written by the poller thread only. */
	int64_t published_version; /* -1: nothing published */
	size_t published_pools;
	int64_t seq;               /* change-feed position of the published data; -1: none */
	bool need_full_load;       /* last load failed, data came from the cache, or a gap */
	/* A delta said more changes were waiting after seq and they are not
	 * applied yet (the next request failed): the published version may
	 * already be the source's, so the next poll replays without waiting
	 * for the version to move. */
	bool feed_behind;
	unsigned failures; /* consecutive failed attempts */

	/* Status readable from any thread. */
	_Atomic int64_t st_version;
	_Atomic uint64_t st_loads_ok;
	_Atomic uint64_t st_loads_failed;
	_Atomic uint64_t st_failures[POOLDNS_LOAD_FAILURE_KINDS];
	_Atomic bool st_from_cache;
	_Atomic bool st_source_ok;
	_Atomic int64_t st_published_ms; /* wall clock */
	_Atomic int64_t st_source_ok_ms; /* wall clock */
};

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Counts a failed attempt to load or apply data. */
static void poller_failed(struct pooldns_poller *p, enum pooldns_load_failure kind)
{
	atomic_fetch_add(&p->st_loads_failed, 1);
	atomic_fetch_add_explicit(&p->st_failures[kind], 1, memory_order_relaxed);
}

static void poller_set_ready(struct pooldns_poller *p)
{
	pthread_mutex_lock(&p->lock);
	p->ready = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void poller_source_failed(struct pooldns_poller *p, const char *what, const char *err)
{
	p->failures++;
	poller_failed(p, POOLDNS_LOAD_FAILED_SOURCE);
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
	atomic_store(&p->st_source_ok_ms, wall_ms());
	atomic_store(&p->st_source_ok, true);
}

/* Status first: whoever sees the new snapshot sees its status too. */
static void poller_published(struct pooldns_poller *p, const struct pooldns_snapshot *snap,
			     bool from_cache)
{
	atomic_store(&p->st_from_cache, from_cache);
	atomic_store(&p->st_published_ms, wall_ms());
	atomic_store(&p->st_version, snap->version);
	if (!from_cache)
		atomic_fetch_add(&p->st_loads_ok, 1);
	p->published_version = snap->version;
	p->published_pools = snap->npools;
}

static void add_stats(struct pooldns_build_stats *sum, const struct pooldns_build_stats *st)
{
	sum->pools += st->pools;
	sum->members += st->members;
	sum->bad_pools += st->bad_pools;
	sum->bad_members += st->bad_members;
}

static int put_record(void *ctx, struct pooldns_pool *rec)
{
	return pooldns_model_put(ctx, rec);
}

/* Feeds one page of a full load to the open transaction. */
static int poller_put_page(struct pooldns_poller *p, const struct pooldns_dataset *ds,
			   struct pooldns_build_stats *sum, char *err, size_t errsz)
{
	struct pooldns_build_stats st;

	if (pooldns_build_records(ds, put_record, p->model, &st, err, errsz) != 0)
		return -1;
	add_stats(sum, &st);
	return 0;
}

/* took_ms: from the first read of the source to the snapshot's
 * publication. */
static void poller_log_load(const char *origin, const struct pooldns_snapshot *snap,
			    const struct pooldns_build_stats *st,
			    const struct pooldns_model_stats *ms, const char *how, uint64_t took_ms)
{
	size_t bad_pools = st->bad_pools + ms->skipped;
	enum pooldns_log_level lvl =
		(bad_pools || st->bad_members) ? POOLDNS_LOG_WARNING : POOLDNS_LOG_INFO;

	pooldns_log(lvl,
		    "%s: %s data version %lld in %llu ms: %zu pools, %zu members (%zu pools "
		    "changed, %zu removed; skipped %zu bad pool rows, %zu bad member rows)",
		    origin, how, (long long)snap->version, (unsigned long long)took_ms,
		    snap->npools, snap->nmembers, ms->put, ms->removed, bad_pools,
		    st->bad_members);
}

static void poller_apply_changes(struct pooldns_poller *p);

/*
 * A full load, paged: the change-feed position is read BEFORE the first
 * page and the pages are read one request each, so different pages may
 * come from different database states. Every change committed after the
 * position is in the change log after it, so replaying the log from that
 * position right after the pages (poller_apply_changes) re-reads every
 * pool that any page may have seen in an older state: the data converges
 * to a committed state, and a delta never needs more than the log holds
 * (if it was pruned meanwhile, the replay sees the gap and loads again).
 * Without a change feed (schema version 1) the version read before the
 * pages plays the same role: a change during the load moves it, and the
 * next poll loads again.
 */
/* One page of a full load, fetched on a thread of its own while the
 * poller validates the page before it: the source's and the database's
 * work then overlaps with ours. The source is still used by one thread at
 * a time (handed over by pthread_create and pthread_join). */
struct page_fetch {
	struct pooldns_source *source;
	int64_t after;
	struct pooldns_dataset ds;
	int64_t last;
	int rc;
	char err[1024];
};

static void *page_fetch_main(void *arg)
{
	struct page_fetch *f = arg;

	f->rc = f->source->ops->load_page(f->source, f->after, POLLER_PAGE_POOLS, &f->ds, &f->last,
					  f->err, sizeof f->err);
	return NULL;
}

/* Fetches the page after f->after: on a new thread when started is set
 * on return, else (no thread could be made) right here. */
static void page_fetch_start(struct page_fetch *f, pthread_t *thread, bool *started)
{
	f->ds = (struct pooldns_dataset){ 0 };
	*started = pthread_create(thread, NULL, page_fetch_main, f) == 0;
	if (!*started)
		page_fetch_main(f);
}

/*
 * Reads position and pages from `from` (the source itself, or a copy of
 * its database) into one model transaction and commits it. 0 when
 * published; -1 when `from` failed (err says why; nothing changed); -2
 * when the data was unusable or could not be committed (logged, counted).
 * t0: when the full load began (pooldns_now_ms), for its log line.
 */
static int poller_load_from(struct pooldns_poller *p, struct pooldns_source *from,
			    struct pooldns_position *pos, uint64_t t0, char *err, size_t errsz)
{
	const char *desc = p->source->ops->describe(p->source);
	struct pooldns_build_stats sum = { 0 };
	struct pooldns_model_stats ms;
	struct page_fetch fetch[2];
	pthread_t thread;
	bool started;
	unsigned cur = 0;

	if (from->ops->position(from, pos, err, errsz) != 0)
		return -1;
	if (pooldns_model_begin(p->model, true) != 0) {
		pooldns_log(POOLDNS_LOG_ERR, "%s: out of memory starting a load", desc);
		poller_failed(p, POOLDNS_LOAD_FAILED_MEMORY);
		return -2;
	}
	fetch[0].source = fetch[1].source = from;
	fetch[0].after = INT64_MIN;
	page_fetch_start(&fetch[0], &thread, &started);
	for (;;) {
		struct page_fetch *f = &fetch[cur], *next = &fetch[cur ^ 1];
		int rc;

		if (started)
			pthread_join(thread, NULL);
		started = false;
		if (f->rc != 0) {
			pooldns_model_abort(p->model);
			pooldns_set_err(err, errsz, "%s", f->err);
			return -1;
		}
		if (f->last == f->after) {
			pooldns_dataset_clear(&f->ds);
			break;
		}
		/* The next page travels while this one is validated. */
		next->after = f->last;
		page_fetch_start(next, &thread, &started);
		rc = poller_put_page(p, &f->ds, &sum, err, errsz);
		pooldns_dataset_clear(&f->ds);
		if (rc != 0) {
			if (started)
				pthread_join(thread, NULL);
			pooldns_dataset_clear(&next->ds);
			pooldns_model_abort(p->model);
			/* The source answered but the data is unusable as a
			 * whole; try again after the next interval. */
			poller_source_ok(p);
			pooldns_log(
				POOLDNS_LOG_ERR, "%s: data version %lld not loaded, keeping %s: %s",
				desc, (long long)pos->version,
				p->published_version >= 0 ? "the last good snapshot" : "no data",
				err);
			poller_failed(p, POOLDNS_LOAD_FAILED_DATA);
			return -2;
		}
		cur ^= 1;
	}
	poller_source_ok(p);
	const struct pooldns_snapshot *snap =
		pooldns_model_commit(p->model, pos->version, pos->seq, &ms);
	if (snap == NULL) {
		poller_failed(p, POOLDNS_LOAD_FAILED_MEMORY);
		return -2;
	}
	p->need_full_load = false;
	p->feed_behind = false;
	p->seq = pos->seq;
	poller_published(p, snap, false);
	if (p->cache != NULL)
		pooldns_cache_writer_kick(p->cache); /* a whole new file */
	poller_log_load(from->ops->describe(from), snap, &sum, &ms, "loaded",
			pooldns_now_ms() - t0);
	return 0;
}

/*
 * A full load: from a copy of the database when the source offers one
 * (rqlite's backup), else page by page from the source. Either way the
 * change log of the source is then replayed from the loaded position.
 */
static void poller_full_load(struct pooldns_poller *p)
{
	char err[1024];
	const char *desc = p->source->ops->describe(p->source);
	struct pooldns_source *copy = NULL;
	struct pooldns_position pos;
	uint64_t t0 = pooldns_now_ms(); /* the copy's download included */
	int rc;

	p->need_full_load = true; /* until a load is published */
	if (p->source->ops->copy != NULL) {
		rc = p->source->ops->copy(p->source, &copy, err, sizeof err);
		if (rc < 0) {
			poller_source_failed(p, desc, err);
			return;
		}
	}
	rc = -1;
	if (copy != NULL) {
		rc = poller_load_from(p, copy, &pos, t0, err, sizeof err);
		pooldns_source_destroy(copy);
		if (rc == -1)
			/* The copy was fetched whole but cannot be read:
			 * page through the source instead, this time. */
			pooldns_log(POOLDNS_LOG_WARNING,
				    "%s: reading the backup copy failed (%s); loading page by page",
				    desc, err);
	}
	if (rc == -1) {
		rc = poller_load_from(p, p->source, &pos, t0, err, sizeof err);
		if (rc == -1)
			poller_source_failed(p, desc, err);
	}
	if (rc != 0)
		return;
	/* Large loads leave freed pages behind; give them back. */
	malloc_trim(0);
	if (p->seq >= 0)
		poller_apply_changes(p);
}

struct rec_vec {
	struct pooldns_pool **v;
	size_t n;
	size_t cap;
};

static int collect_record(void *ctx, struct pooldns_pool *rec)
{
	struct rec_vec *rv = ctx;

	if (rv->n == rv->cap) {
		size_t cap = rv->cap ? 2 * rv->cap : 16;
		struct pooldns_pool **v = realloc(rv->v, cap * sizeof(*v));
		if (v == NULL) {
			free(rec);
			return -1;
		}
		rv->v = v;
		rv->cap = cap;
	}
	rv->v[rv->n++] = rec;
	return 0;
}

/*
 * Applies the change d (from the source, or replayed from the cache
 * journal when from_cache) as one transaction and publishes it; a change
 * from the source also goes to the cache writer as a journal record.
 * 0, or -1 when it could not be applied (logged; the caller decides).
 */
static int poller_apply_delta_data(struct pooldns_poller *p, const struct pooldns_delta *d,
				   const char *desc, bool from_cache)
{
	char err[1024];
	struct pooldns_build_stats st;
	struct pooldns_model_stats ms;
	struct rec_vec rv = { 0 };
	const struct pooldns_snapshot *snap;

	if (pooldns_build_records(&(struct pooldns_dataset){ .version = d->version,
							     .pools = d->pools,
							     .members = d->members },
				  collect_record, &rv, &st, err, sizeof err) != 0) {
		for (size_t i = 0; i < rv.n; i++)
			free(rv.v[i]);
		free(rv.v);
		pooldns_log(POOLDNS_LOG_ERR, "%s: change not applied: %s", desc, err);
		poller_failed(p, POOLDNS_LOAD_FAILED_DATA);
		return -1;
	}
	if (pooldns_model_begin(p->model, false) != 0 ||
	    pooldns_model_replace(p->model, d->zones, d->nzones, rv.v, rv.n) != 0 ||
	    (snap = pooldns_model_commit(p->model, d->version, from_cache ? -1 : d->seq, &ms)) ==
		    NULL) {
		pooldns_model_abort(p->model);
		free(rv.v);
		pooldns_log(POOLDNS_LOG_ERR, "%s: out of memory applying a change", desc);
		poller_failed(p, POOLDNS_LOAD_FAILED_MEMORY);
		return -1;
	}
	free(rv.v);
	poller_published(p, snap, from_cache);
	if (!from_cache && p->cache != NULL) {
		char *rec;
		size_t len;
		if (pooldns_journal_record(d, snap->generation, &rec, &len, err, sizeof err) == 0) {
			pooldns_cache_writer_record(p->cache, snap->generation, d->version, rec,
						    len);
		} else {
			pooldns_log(POOLDNS_LOG_DEBUG, "%s: %s; the cache file is rewritten whole",
				    desc, err);
			pooldns_cache_writer_kick(p->cache);
		}
	}
	pooldns_log((st.bad_pools || st.bad_members || ms.skipped) ? POOLDNS_LOG_WARNING
								   : POOLDNS_LOG_DEBUG,
		    "%s: applied changes up to position %lld (data version %lld): %zu pools "
		    "changed, %zu removed, %zu bad pool rows, %zu bad member rows",
		    desc, (long long)d->seq, (long long)d->version, ms.put, ms.removed,
		    st.bad_pools + ms.skipped, st.bad_members);
	return 0;
}

/* Applies one delta. 1: applied and more are waiting, 0: done, -1: failed
 * or a full load is needed (already arranged). */
static int poller_apply_delta(struct pooldns_poller *p, const char *desc)
{
	char err[1024];
	struct pooldns_delta d = { 0 };

	if (p->source->ops->changes(p->source, p->seq, POLLER_DELTA_MAX, &d, err, sizeof err) !=
	    0) {
		poller_source_failed(p, desc, err);
		return -1;
	}
	poller_source_ok(p);
	if (d.gap) {
		pooldns_log(POOLDNS_LOG_NOTICE,
			    "%s: the change log no longer reaches back to position %lld; "
			    "loading everything",
			    desc, (long long)p->seq);
		pooldns_delta_clear(&d);
		p->need_full_load = true;
		return -1;
	}
	if (d.nzones == 0) {
		/* Nothing logged after our position (or a node that lags
		 * behind it): nothing to apply, and the version is not taken
		 * backwards. */
		p->feed_behind = false;
		pooldns_delta_clear(&d);
		return 0;
	}
	if (poller_apply_delta_data(p, &d, desc, false) != 0) {
		pooldns_log(POOLDNS_LOG_ERR, "%s: loading everything instead", desc);
		pooldns_delta_clear(&d);
		p->need_full_load = true;
		return -1;
	}
	p->seq = d.seq;
	p->feed_behind = d.more;
	if (pooldns_model_needs_full(p->model))
		p->need_full_load = true;
	int more = d.more ? 1 : 0;
	pooldns_delta_clear(&d);
	return more;
}

/* Replays the change feed from p->seq until it is drained. A gap or a
 * failure leaves need_full_load set for the next poll (never a load from
 * here: a log pruned faster than a full load completes must not turn
 * into a loop without a pause). */
static void poller_apply_changes(struct pooldns_poller *p)
{
	const char *desc = p->source->ops->describe(p->source);

	while (poller_apply_delta(p, desc) == 1)
		;
}

static int put_cache_page(void *ctx, const struct pooldns_dataset *ds, char *err, size_t errsz)
{
	struct pooldns_poller *p = ctx;
	struct pooldns_build_stats st;

	return pooldns_build_records(ds, put_record, p->model, &st, err, errsz);
}

static int replay_record(void *ctx, const struct pooldns_delta *d, char *err, size_t errsz)
{
	struct pooldns_poller *p = ctx;
	if (poller_apply_delta_data(p, d, "cache journal", true) != 0) {
		pooldns_set_err(err, errsz, "a change in it could not be applied");
		return -1;
	}
	return 0;
}

/* The cache file, then the changes its journal holds. */
static void poller_load_from_cache(struct pooldns_poller *p)
{
	char err[1024];
	int64_t version = -1;
	uint64_t checksum = 0;
	struct pooldns_model_stats ms;
	struct pooldns_journal_result jr = { .version = -1 };
	const struct pooldns_snapshot *snap;

	if (pooldns_model_begin(p->model, true) != 0)
		return;
	if (pooldns_cache_load_sum(p->cache_file, POLLER_PAGE_POOLS, put_cache_page, p, &version,
				   &checksum, err, sizeof err) != 0) {
		pooldns_model_abort(p->model);
		pooldns_log(POOLDNS_LOG_ERR, "cache file ignored: %s", err);
		return;
	}
	snap = pooldns_model_commit(p->model, version, -1, &ms);
	if (snap == NULL)
		return;
	poller_published(p, snap, true);
	char *journal = pooldns_journal_path(p->cache_file);
	if (journal != NULL && checksum != 0 &&
	    pooldns_journal_replay(journal, checksum, version, replay_record, p, &jr, err,
				   sizeof err) != 0)
		pooldns_log(POOLDNS_LOG_ERR, "cache journal %s: %s; serving what it gave", journal,
			    err);
	else if (journal != NULL && jr.stopped[0] != '\0')
		pooldns_log(POOLDNS_LOG_WARNING, "cache journal %s: %s; %zu changes of it used",
			    journal, jr.stopped, jr.records);
	free(journal);
	pooldns_log(POOLDNS_LOG_WARNING,
		    "serving data version %lld from the cache file%s (%zu pools) until %s answers",
		    (long long)p->published_version, jr.records > 0 ? " and its journal" : "",
		    p->published_pools, p->source->ops->describe(p->source));
}

/* One poll: a version check, then the changes, or a full load when needed. */
static void poller_poll(struct pooldns_poller *p)
{
	char err[1024];
	if (p->need_full_load) {
		poller_full_load(p);
		return;
	}
	int64_t version;
	const char *desc = p->source->ops->describe(p->source);
	if (p->source->ops->version(p->source, &version, err, sizeof err) != 0) {
		poller_source_failed(p, desc, err);
		return;
	}
	if (version == p->published_version && !p->feed_behind) {
		poller_source_ok(p);
		return;
	}
	/* The source is only back once the whole poll has worked: the change
	 * or load below says so. A source that answers the version but fails
	 * the rest (a bad schema_version, a broken change log) would otherwise
	 * log a recovery and a new failure on every poll, and never back off. */
	pooldns_log(POOLDNS_LOG_DEBUG, "%s: data version %lld -> %lld", desc,
		    (long long)p->published_version, (long long)version);
	if (p->seq >= 0)
		poller_apply_changes(p);
	else
		poller_full_load(p);
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
	const struct pooldns_snapshot *cur = pooldns_model_current(p->model);
	if (cur != NULL) {
		p->published_version = cur->version;
		atomic_store(&p->st_version, cur->version);
		poller_set_ready(p);
	}
	poller_full_load(p);
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
	p->seq = -1;
	p->need_full_load = true;
	atomic_init(&p->st_version, -1);
	/* A store that already serves (a reload with a new source) is
	 * continued from: the model adopts its snapshot. */
	p->model = pooldns_model_new(p->store, p->health);
	if (p->model == NULL) {
		free(p);
		snprintf(err, errsz, "poller: out of memory");
		return NULL;
	}
	if (opts->cache_file != NULL && opts->cache_file[0] != '\0') {
		p->cache_file = strdup(opts->cache_file);
		if (p->cache_file == NULL ||
		    (p->cache = pooldns_cache_writer_start(p->cache_file, p->store,
							   POOLDNS_CACHE_WRITE_INTERVAL_MS, err,
							   errsz)) == NULL) {
			if (p->cache_file == NULL)
				snprintf(err, errsz, "poller: out of memory");
			free(p->cache_file);
			pooldns_model_free(p->model);
			free(p);
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
		pooldns_cache_writer_stop(p->cache);
		pooldns_model_free(p->model);
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
	/* Writes what is pending, so a restart starts from the newest data. */
	pooldns_cache_writer_stop(p->cache);
	pooldns_model_free(p->model);
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
	for (int k = 0; k < POOLDNS_LOAD_FAILURE_KINDS; k++)
		st->failures[k] = atomic_load_explicit(&p->st_failures[k], memory_order_relaxed);
	st->published_ms = atomic_load(&p->st_published_ms);
	st->source_ok_ms = atomic_load(&p->st_source_ok_ms);
	st->cache_writes = st->cache_appends = st->cache_failures = 0;
	if (p->cache != NULL) {
		struct pooldns_cache_writer_stats cs;
		pooldns_cache_writer_stats(p->cache, &cs);
		st->cache_writes = cs.writes;
		st->cache_appends = cs.appends;
		st->cache_failures = cs.failures;
	}
}

const char *pooldns_load_failure_name(enum pooldns_load_failure kind)
{
	static const char *const names[POOLDNS_LOAD_FAILURE_KINDS] = {
		[POOLDNS_LOAD_FAILED_SOURCE] = "source",
		[POOLDNS_LOAD_FAILED_DATA] = "data",
		[POOLDNS_LOAD_FAILED_MEMORY] = "memory",
	};
	return (unsigned)kind < POOLDNS_LOAD_FAILURE_KINDS ? names[kind] : "unknown";
}
