/*
 * cache_writer.c — writes the published snapshot to the cache file, and the
 * records of the changes since then to its journal, from a background
 * thread (see cache_writer.h).
 *
 * Owns: the writer thread, a copy of the path, and for the length of one
 * write a 16-byte (id, record) entry per pool, to write pools in id order
 * (the format wants ascending ids; a snapshot is a hash table). That index
 * (and the merge buffer glibc's qsort takes to sort it) is the one
 * allocation that grows with the data: 32 MiB at a million pools, under a
 * tenth of the snapshot; everything else is streamed. Borrows the store.
 *
 * Thread model: the controlling threads (kick, flush, stop) and the writer
 * thread share `lock` + `cond`; the writer holds the lock only to read and
 * update the counters, never while it writes, so kick never waits for a
 * write. While it serialises a snapshot the thread stays inside one RCU
 * read-side section, which keeps that snapshot (and everything it reaches)
 * alive: that only delays the freeing of snapshots retired in the
 * meantime until the write has finished — the poller publishes with
 * call_rcu (store.c) and never waits for it. (Only when store.c is out of
 * memory for its call_rcu wrapper does it wait for readers, and then for
 * this write too.) The section ends before the file is synced and renamed.
 * The queue of journal records (q_head .. q_tail, need_base) is shared with
 * the poller thread under `lock`; appends happen outside it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>

#include "core/cache_writer.h"
#include "core/source/cache_journal.h"
#include "core/source/cache_journal_write.h"
#include "core/log.h"
#include "core/model/policy.h"

_Static_assert(2 * POOLDNS_MAX_MEMBERS_PER_FAMILY <= POOLDNS_CACHE_MAX_MEMBERS_PER_POOL,
	       "the cache file holds every member a pool can have");

/* Longest pause between retries while writes keep failing. */
#define CACHE_RETRY_MAX_MS 60000L
/* Records waiting for the writer beyond this make the next write a whole
 * file instead. */
#define CACHE_QUEUE_MAX (64u * 1024 * 1024)
/* The journal grows to at least this much before the file is rewritten. */
#define CACHE_JOURNAL_MIN_LIMIT (1024u * 1024)

/* ---- snapshot -> rows ---- */

/*
 * The pool's name as text that reads back to the same wire name: only '.'
 * and '\' inside a label are escaped, plus bytes that are not part of a
 * UTF-8 sequence (\DDD; the file is JSON, which holds UTF-8 only). The
 * record's own name_text escapes more (every byte above 0x7e and the
 * master-file specials), which can make it longer than the 254 characters
 * the builder allows for a name a source gave in fewer; this form is never
 * longer than any text of the name a source could have given.
 */
static const char *name_cell_text(const struct pooldns_pool *p, char *buf)
{
	const uint8_t *w = p->name;
	size_t pos = 0, o = 0;

	while (pos < p->name_len && w[pos] != 0) {
		size_t l = w[pos++];
		const uint8_t *lab = w + pos;

		for (size_t i = 0; i < l;) {
			uint8_t c = lab[i];
			size_t n;

			if (c == '.' || c == '\\') {
				buf[o++] = '\\';
				buf[o++] = (char)c;
				i++;
			} else if (c != 0 && c < 0x80) {
				buf[o++] = (char)c;
				i++;
			} else if (c >= 0x80 && (n = pooldns_cache_utf8_len(lab + i, l - i)) != 0) {
				memcpy(buf + o, lab + i, n);
				o += n;
				i += n;
			} else {
				o += (size_t)snprintf(buf + o, 5, "\\%03u", (unsigned)c);
				i++;
			}
		}
		pos += l;
		buf[o++] = '.';
	}
	if (o == 0)
		buf[o++] = '.';
	buf[o] = '\0';
	return buf;
}

static struct pooldns_cell c_int(int64_t v)
{
	return (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = v };
}

/* Text, or NULL for a NULL pointer. */
static struct pooldns_cell c_text(const char *s)
{
	if (s == NULL)
		return (struct pooldns_cell){ .type = POOLDNS_CELL_NULL };
	return (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = (char *)s };
}

void pooldns_cache_pool_cells(const struct pooldns_pool *p,
			      struct pooldns_cell cells[POOLDNS_POOL_NCOLS],
			      char name_buf[POOLDNS_NAME_TEXT_MAX])
{
	const struct pooldns_check *ck = &p->check;
	struct pooldns_cell *c = cells;

	/* The order of POOLDNS_SQL_POOLS; the builder's reading in reverse. */
	*c++ = c_int(p->id);
	*c++ = c_text(name_cell_text(p, name_buf));
	*c++ = c_int(p->ttl);
	*c++ = c_text(pooldns_policy_name((enum pooldns_policy)p->policy));
	*c++ = c_int(p->max_answers);
	*c++ = c_text(pooldns_fallback_name((enum pooldns_fallback)p->fallback));
	*c++ = c_text(pooldns_check_type_name(ck->type));
	*c++ = ck->port != 0 ? c_int(ck->port) : c_text(NULL);
	*c++ = c_text(ck->path);
	*c++ = c_text(ck->host);
	*c++ = c_int(ck->expect_status);
	*c++ = c_text(ck->body);
	*c++ = c_int(ck->interval_ms);
	*c++ = c_int(ck->timeout_ms);
	*c++ = c_int(ck->rise);
	*c++ = c_int(ck->fall);
	assert(c == cells + POOLDNS_POOL_NCOLS);
}

void pooldns_cache_member_cells(const struct pooldns_pool *p, const struct pooldns_member *m,
				struct pooldns_cell cells[POOLDNS_MEMBER_NCOLS],
				char host_buf[INET6_ADDRSTRLEN])
{
	_Static_assert(POOLDNS_MEMBER_NCOLS == 6, "one cell per member column below");
	if (inet_ntop(m->family, m->addr, host_buf, INET6_ADDRSTRLEN) == NULL)
		host_buf[0] = '\0'; /* an unknown family: the builder skips the row */
	cells[0] = c_int(m->id);
	cells[1] = c_int(p->id);
	cells[2] = c_text(host_buf);
	cells[3] = c_int(m->weight);
	cells[4] = c_int(m->priority);
	cells[5] = c_int(m->enabled ? 1 : 0);
}

struct by_id {
	int64_t id;
	const struct pooldns_pool *p;
};

static int cmp_by_id(const void *a, const void *b)
{
	const struct by_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int put_members(struct pooldns_cache_out *out, const struct pooldns_pool *p,
		       const struct pooldns_member *m, size_t n, char *err, size_t errsz)
{
	struct pooldns_cell cells[POOLDNS_MEMBER_NCOLS];
	char host[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		pooldns_cache_member_cells(p, &m[i], cells, host);
		if (pooldns_cache_out_member(out, cells, err, errsz) != 0)
			return -1;
	}
	return 0;
}

int pooldns_cache_put_snapshot(struct pooldns_cache_out *out, const struct pooldns_snapshot *snap,
			       char *err, size_t errsz)
{
	struct pooldns_cell cells[POOLDNS_POOL_NCOLS];
	char name[POOLDNS_NAME_TEXT_MAX];
	const struct pooldns_pool *p;
	size_t n = 0;
	int rc = -1;

	struct by_id *v = malloc((snap->npools ? snap->npools : 1) * sizeof(*v));
	if (v == NULL) {
		pooldns_set_err(err, errsz, "out of memory sorting %zu pools", snap->npools);
		return -1;
	}
	for (size_t it = 0; (p = pooldns_snapshot_next(snap, &it)) != NULL;) {
		if (n == snap->npools) {
			pooldns_set_err(err, errsz,
					"the snapshot has more pools than it counts (%zu)",
					snap->npools);
			goto out;
		}
		v[n].id = p->id;
		v[n].p = p;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_by_id);
	for (size_t i = 0; i < n; i++) {
		p = v[i].p;
		pooldns_cache_pool_cells(p, cells, name);
		if (pooldns_cache_out_pool(out, cells, err, errsz) != 0 ||
		    put_members(out, p, p->v4, p->n_v4, err, errsz) != 0 ||
		    put_members(out, p, p->v6, p->n_v6, err, errsz) != 0)
			goto out;
	}
	rc = 0;
out:
	free(v);
	return rc;
}

int pooldns_cache_write_snapshot(const char *path, const struct pooldns_snapshot *snap, char *err,
				 size_t errsz)
{
	struct pooldns_cache_out *out = pooldns_cache_out_open(path, err, errsz);

	if (out == NULL)
		return -1;
	if (pooldns_cache_put_snapshot(out, snap, err, errsz) != 0) {
		pooldns_cache_out_abort(out);
		return -1;
	}
	return pooldns_cache_out_commit(out, snap->version, err, errsz);
}

/* ---- the background writer ---- */

/* A journal record waiting to be appended (cache_journal.h). */
struct journal_rec {
	struct journal_rec *next;
	uint64_t generation; /* of the snapshot the change produced */
	int64_t version;
	char *buf;
	size_t len;
};

struct pooldns_cache_writer {
	char *path;
	char *journal; /* "<path>.journal" */
	struct pooldns_store *store;
	long interval_ms;

	pthread_t thread;
	pthread_mutex_t lock; /* protects the fields down to idle */
	pthread_cond_t cond;  /* CLOCK_MONOTONIC; kicks, flushes, stop and finished writes */
	uint64_t kicked;      /* kicks so far */
	uint64_t written;     /* kicks the file reflects (as of the last good write) */
	uint64_t started;     /* write attempts started */
	uint64_t finished;    /* write attempts finished */
	bool flush;           /* write now, never mind the interval */
	bool stop;
	bool idle; /* the thread waits for a kick (not for the interval to pass) */
	/* Records of changes, oldest first, and whether something changed
	 * that no record describes (a full load): then the next write is a
	 * whole file. */
	struct journal_rec *q_head, *q_tail;
	size_t q_bytes;
	bool need_base;

	/* The writer thread's own. */
	struct timespec next_ok; /* no whole-file write starts before this */
	bool failing;
	long retry_ms;
	bool have_base;        /* the file and an empty or valid journal are on disk */
	uint64_t journal_gen;  /* the generation the file + journal reflect */
	size_t journal_bytes;  /* records in the journal */
	size_t base_bytes;     /* size of the file */
	bool journal_failing;

	_Atomic uint64_t st_writes;
	_Atomic uint64_t st_appends;
	_Atomic uint64_t st_failures;
	_Atomic int64_t st_version;
};

static void now_plus(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Drops the queued records the file already reflects. Lock held. */
static void drop_written(struct pooldns_cache_writer *w, uint64_t upto)
{
	while (w->q_head != NULL && w->q_head->generation <= upto) {
		struct journal_rec *r = w->q_head;
		w->q_head = r->next;
		w->q_bytes -= r->len;
		free(r->buf);
		free(r);
	}
	if (w->q_head == NULL)
		w->q_tail = NULL;
}

/* The journal may grow to half the file (at least 1 MiB) before the next
 * change rewrites the file: start-up then reads at most half again as
 * much as the file, and a rewrite costs at most as much as the changes
 * appended since the last one. */
static size_t journal_limit(const struct pooldns_cache_writer *w)
{
	size_t half = w->base_bytes / 2;
	return half > CACHE_JOURNAL_MIN_LIMIT ? half : CACHE_JOURNAL_MIN_LIMIT;
}

/* The queued records continue the journal one generation after another,
 * and fit: they can be appended instead of writing the whole file. Lock
 * held. */
static bool can_append(const struct pooldns_cache_writer *w)
{
	if (!w->have_base || w->need_base || w->q_head == NULL ||
	    w->journal_bytes + w->q_bytes > journal_limit(w))
		return false;
	uint64_t g = w->journal_gen;
	for (const struct journal_rec *r = w->q_head; r != NULL; r = r->next)
		if (r->generation != ++g)
			return false;
	return true;
}

/* Appends the records list (taken off the queue) to the journal: 0, or -1
 * (logged once per change of state; the next write is a whole file). */
static int append_records(struct pooldns_cache_writer *w, struct journal_rec *list)
{
	char err[1024];
	size_t total = 0;
	uint64_t gen = w->journal_gen;
	int64_t version = -1;
	for (struct journal_rec *r = list; r != NULL; r = r->next)
		total += r->len;
	char *buf = calloc(1, total ? total : 1);
	int rc = -1;
	if (buf == NULL) {
		pooldns_set_err(err, sizeof err, "out of memory");
	} else {
		size_t off = 0;
		for (struct journal_rec *r = list; r != NULL; r = r->next) {
			memcpy(buf + off, r->buf, r->len);
			off += r->len;
			gen = r->generation;
			version = r->version;
		}
		rc = pooldns_journal_append(w->journal, buf, total, err, sizeof err);
	}
	free(buf);
	while (list != NULL) {
		struct journal_rec *r = list;
		list = r->next;
		free(r->buf);
		free(r);
	}
	if (rc != 0) {
		atomic_fetch_add(&w->st_failures, 1);
		if (!w->journal_failing)
			pooldns_log(POOLDNS_LOG_WARNING,
				    "cache journal not updated (%s); the cache file will be "
				    "rewritten whole",
				    err);
		w->journal_failing = true;
		w->have_base = false;
		return -1;
	}
	if (w->journal_failing)
		pooldns_log(POOLDNS_LOG_NOTICE, "cache journal %s written again", w->journal);
	w->journal_failing = false;
	w->journal_gen = gen;
	w->journal_bytes += total;
	atomic_fetch_add(&w->st_appends, 1);
	atomic_store(&w->st_version, version);
	return 0;
}

/* One write of the current snapshot: 0 written, 1 nothing published yet,
 * -1 failed (logged once per change of state). */
static int write_once(struct pooldns_cache_writer *w)
{
	struct pooldns_cache_out *out = NULL;
	struct timespec t0;
	char err[1024];
	int64_t version = 0;
	size_t npools = 0, nmembers = 0;
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pooldns_read_lock();
	const struct pooldns_snapshot *snap = pooldns_store_get(w->store);
	if (snap == NULL) {
		pooldns_read_unlock();
		return 1;
	}
	version = snap->version;
	npools = snap->npools;
	nmembers = snap->nmembers;
	uint64_t gen = snap->generation, checksum = 0;
	out = pooldns_cache_out_open(w->path, err, sizeof err);
	if (out != NULL && pooldns_cache_put_snapshot(out, snap, err, sizeof err) != 0) {
		pooldns_cache_out_abort(out);
		out = NULL;
	}
	/* The rows are out: sync and rename need not keep the snapshot. */
	pooldns_read_unlock();
	if (out != NULL)
		rc = pooldns_cache_out_commit_sum(out, version, &checksum, err, sizeof err);
	/* A new, empty journal for this file; until it is in place the old
	 * journal names the old file's checksum, so it is never replayed
	 * onto this one. */
	w->have_base = false;
	if (rc == 0 && pooldns_journal_start(w->journal, checksum, version, err, sizeof err) != 0) {
		pooldns_log(POOLDNS_LOG_WARNING,
			    "cache file written, but no journal can be started next to it: %s", err);
	} else if (rc == 0) {
		struct stat st;
		w->have_base = true;
		w->journal_gen = gen;
		w->journal_bytes = 0;
		w->base_bytes = stat(w->path, &st) == 0 ? (size_t)st.st_size : 0;
		pthread_mutex_lock(&w->lock);
		drop_written(w, gen);
		pthread_mutex_unlock(&w->lock);
	}

	if (rc != 0) {
		atomic_fetch_add(&w->st_failures, 1);
		w->retry_ms = !w->failing ? (w->interval_ms > 1000 ? w->interval_ms : 1000)
					  : w->retry_ms * 2;
		if (w->retry_ms > CACHE_RETRY_MAX_MS)
			w->retry_ms = CACHE_RETRY_MAX_MS;
		if (!w->failing)
			pooldns_log(POOLDNS_LOG_WARNING,
				    "cache file not updated, the last good one stays: %s", err);
		else
			pooldns_log(POOLDNS_LOG_DEBUG, "cache file still not updated: %s", err);
		w->failing = true;
		return -1;
	}
	atomic_fetch_add(&w->st_writes, 1);
	atomic_store(&w->st_version, version);
	if (w->failing)
		pooldns_log(POOLDNS_LOG_NOTICE, "cache file %s written again (data version %lld)",
			    w->path, (long long)version);
	else
		pooldns_log(POOLDNS_LOG_DEBUG,
			    "cache file %s: data version %lld written (%zu pools, %zu members) in "
			    "%ld ms",
			    w->path, (long long)version, npools, nmembers, ms_since(&t0));
	w->failing = false;
	return 0;
}

static void *writer_main(void *arg)
{
	struct pooldns_cache_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec now;

		if (w->written == w->kicked) {
			w->flush = false;
			w->idle = true;
			pthread_cond_wait(&w->cond, &w->lock);
			w->idle = false;
			continue;
		}
		if (w->have_base)
			drop_written(w, w->journal_gen);
		if (w->have_base && !w->need_base && w->q_head == NULL) {
			/* Every change is in the journal already. */
			w->written = w->kicked;
			pthread_cond_broadcast(&w->cond);
			continue;
		}
		if (can_append(w)) {
			struct journal_rec *list = w->q_head;
			uint64_t seq = w->kicked;
			w->q_head = w->q_tail = NULL;
			w->q_bytes = 0;
			w->flush = false;
			w->started++;
			pthread_mutex_unlock(&w->lock);
			int rc = append_records(w, list);
			pthread_mutex_lock(&w->lock);
			w->finished++;
			if (rc == 0)
				w->written = seq;
			else
				w->need_base = true;
			pthread_cond_broadcast(&w->cond);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!w->flush && before(&now, &w->next_ok)) {
			pthread_cond_timedwait(&w->cond, &w->lock, &w->next_ok);
			continue;
		}
		uint64_t seq = w->kicked;
		bool need_base = w->need_base;
		w->need_base = false;
		w->flush = false;
		w->started++;
		pthread_mutex_unlock(&w->lock);

		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int rc = write_once(w);
		clock_gettime(CLOCK_MONOTONIC, &t1);

		pthread_mutex_lock(&w->lock);
		w->finished++;
		if (rc >= 0)
			w->written = seq;
		if (rc != 0 && need_base)
			w->need_base = true;
		if (rc <= 0) {
			/* The pause is at least nine times the write itself, so
			 * the writer never takes more than a tenth of a core
			 * however large the data (a 3 s write of a million pools
			 * is followed by 27 s of rest; 2 s otherwise). */
			long took_ms = (long)(t1.tv_sec - t0.tv_sec) * 1000L +
				       (t1.tv_nsec - t0.tv_nsec) / 1000000L;
			long pause = w->interval_ms;
			if (rc == 0 && took_ms > 0 && took_ms * 9 > pause)
				pause = took_ms * 9 > 3600000L ? 3600000L : took_ms * 9;
			now_plus(&w->next_ok, rc == 0 ? pause : w->retry_ms);
		}
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct pooldns_cache_writer *pooldns_cache_writer_start(const char *path,
							struct pooldns_store *store,
							long min_interval_ms, char *err,
							size_t errsz)
{
	if (path == NULL || path[0] == '\0' || store == NULL) {
		pooldns_set_err(err, errsz, "cache writer: a path and a store are required");
		return NULL;
	}
	if (min_interval_ms < 0 || min_interval_ms > 3600000) {
		pooldns_set_err(err, errsz,
				"cache writer: interval %ld ms out of range (0..3600000)",
				min_interval_ms);
		return NULL;
	}
	struct pooldns_cache_writer *w = calloc(1, sizeof(*w));
	if (w == NULL || (w->path = strdup(path)) == NULL ||
	    (w->journal = pooldns_journal_path(path)) == NULL) {
		if (w != NULL)
			free(w->path);
		free(w);
		pooldns_set_err(err, errsz, "cache writer: out of memory");
		return NULL;
	}
	w->store = store;
	w->interval_ms = min_interval_ms;
	atomic_init(&w->st_version, -1);

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&w->lock, NULL);

	/* The thread must never take a process signal meant for the server
	 * or for Unbound. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pooldns_set_err(err, errsz, "cache writer: cannot start thread: %s", strerror(rc));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w->path);
		free(w->journal);
		free(w);
		return NULL;
	}
	return w;
}

void pooldns_cache_writer_record(struct pooldns_cache_writer *w, uint64_t generation,
				 int64_t version, char *buf, size_t len)
{
	struct journal_rec *r = malloc(sizeof(*r));
	pthread_mutex_lock(&w->lock);
	w->kicked++;
	if (r == NULL || w->q_bytes + len > CACHE_QUEUE_MAX) {
		/* Too much waiting (the disk is slow or failing): the next
		 * write is the whole file, which holds all of it. */
		free(r);
		free(buf);
		drop_written(w, UINT64_MAX);
		w->need_base = true;
	} else {
		*r = (struct journal_rec){ .generation = generation, .version = version, .buf = buf,
					   .len = len };
		if (w->q_tail != NULL)
			w->q_tail->next = r;
		else
			w->q_head = r;
		w->q_tail = r;
		w->q_bytes += len;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void pooldns_cache_writer_kick(struct pooldns_cache_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->kicked++;
	w->need_base = true;
	/* A thread waiting out the interval sees the kick when it wakes; a
	 * stream of kicks does not wake it each time. */
	if (w->idle)
		pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int pooldns_cache_writer_flush(struct pooldns_cache_writer *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t target = w->kicked;
	/* An attempt that starts after this point; one already running may
	 * have begun before the newest kick. */
	uint64_t after = w->started + 1;
	if (w->written < target) {
		w->flush = true;
		pthread_cond_broadcast(&w->cond);
	}
	while (w->written < target && w->finished < after)
		pthread_cond_wait(&w->cond, &w->lock);
	int rc = w->written >= target ? 0 : -1;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void pooldns_cache_writer_stop(struct pooldns_cache_writer *w)
{
	if (w == NULL)
		return;
	pooldns_cache_writer_flush(w);
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	drop_written(w, UINT64_MAX);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w->journal);
	free(w);
}

void pooldns_cache_writer_stats(struct pooldns_cache_writer *w,
				struct pooldns_cache_writer_stats *st)
{
	st->writes = atomic_load(&w->st_writes);
	st->appends = atomic_load(&w->st_appends);
	st->failures = atomic_load(&w->st_failures);
	st->version = atomic_load(&w->st_version);
}
