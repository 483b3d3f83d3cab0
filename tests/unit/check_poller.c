/*
 * check_poller.c — unit tests for core/poller.c.
 *
 * Kept from before the paged loads: first load, reload only when the data
 * version moves, last good snapshot kept on source failure and on unusable
 * data, cache file written after loads and used at start-up when the source
 * is down, corrupt cache ignored, a restart on a serving store never falls
 * back to the cache.
 *
 * The change feed and the paged loads: a change is applied as a delta that
 * fetches only the pools it touched and keeps every other record; inserts,
 * deletes and a member moved between pools arrive the same way; more
 * changes than one request carries converge (also when a request in the
 * middle fails); a gap in the log costs exactly one full load; a schema
 * without the feed loads everything on every version change; a page that
 * fails keeps the last good snapshot and the next poll loads again; a load
 * over several pages gives every pool once; a change between pages is
 * caught by the replay; a duplicate name met in a delta is settled by a
 * full load; the cache follows deltas and is flushed on stop.
 *
 * The fake source is an in-memory database (pools, members, a change log
 * written the way schema.json's triggers write it: one row per pool a row
 * write touches, data_version bumped by every row write) behind the ops
 * position / load_page / changes / version, with their contracts from
 * source.h. Its mutex is held by each op and by the test while it writes,
 * so a group of writes under one fake_lock() is one transaction.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cache_writer.h"
#include "core/source/cache.h"
#include "core/source/cache_journal.h"
#include "core/source/cache_out.h"
#include "core/log.h"
#include "core/model/builder.h"
#include "core/poller.h"
#include "core/model/snapshot.h"
#include "core/source/source.h"
#include "core/model/store.h"
#include "core/source/table.h"
#include "testdata.h"

/* ---- the fake database ---------------------------------------------------- */

struct fpool {
	int64_t id;
	char name[64];
	int ttl;
};

struct fmember {
	int64_t id;
	int64_t pool;
	char host[48];
	int priority;
};

struct fchange {
	int64_t seq;
	int64_t zone;
};

/* What the ops were asked and answered. */
struct fake_counts {
	unsigned version;
	unsigned position; /* == full loads started: only a full load reads it */
	unsigned load_page;
	unsigned changes;
	unsigned load; /* the whole-load op: the poller must not use it */
	unsigned copies;       /* copies made by the copy op */
	unsigned copy_refused; /* copy op calls answered 1 or -1 */
	unsigned page_failures;
	unsigned changes_failures;
	size_t page_rows;           /* pool rows served by load_page */
	size_t changes_rows;        /* pool rows served by changes */
	size_t changes_member_rows; /* member rows served by changes */
	size_t max_pools;           /* the last max_pools asked for */
	size_t max_changes;         /* the last max asked for */
	int64_t zones[8];           /* the pool ids of the last delta that had some */
	size_t nzones;
};

struct fake_source {
	struct pooldns_source base;
	pthread_mutex_t lock;

	/* The database. */
	int64_t version;
	bool no_feed;        /* schema 1: position seq -1, changes always a gap */
	bool down;           /* every call fails */
	bool bad_columns;    /* pools tables come without 'policy' (and later columns) */
	struct fpool *pools; /* ascending id */
	size_t npools, pools_cap;
	struct fmember *members;
	size_t nmembers, members_cap;
	struct fchange *log; /* rows [log_start, log_len) are kept */
	size_t log_start, log_len, log_cap;
	int64_t next_seq; /* AUTOINCREMENT */

	/* Faults. */
	int fail_page;              /* > 0: page k of every full load fails */
	unsigned fail_changes_call; /* > 0: the changes() call with this number fails */
	bool changes_broken;        /* every changes() call fails (the version still answers) */
	/* Called with the lock held after a page with pools has been built
	 * (a write racing the full load). */
	void (*after_page)(struct fake_source *f, int page);
	int page; /* the page being served in the current full load, from 1 */

	/* The copy op (fake_ops_copy): 0 makes a frozen copy of the
	 * database, 1 answers "page by page", -1 fails. A copy is a
	 * fake_source of its own on the heap (is_copy), freed by destroy;
	 * broken_copy makes its pages fail. */
	int copy_answer;
	bool broken_copy;
	bool is_copy;

	struct fake_counts n;
};

static void *grow(void *v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return v;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *nv = realloc(v, c * elem);
	ck_assert_ptr_nonnull(nv);
	*cap = c;
	return nv;
}

/* The name and address the standard pool / member with this id has. */
static void std_name(int64_t id, char *buf, size_t len)
{
	if (id < 0)
		snprintf(buf, len, "m%lld.test.", -(long long)id);
	else
		snprintf(buf, len, "p%lld.test.", (long long)id);
}

static void std_host(int64_t id, char *buf, size_t len)
{
	uint32_t h = (uint32_t)(id + 100000);
	snprintf(buf, len, "10.%u.%u.%u", (h >> 16) & 255, (h >> 8) & 255, h & 255);
}

/* First index whose pool id is >= id. */
static size_t db_pool_lb(const struct fake_source *f, int64_t id)
{
	size_t lo = 0, hi = f->npools;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->pools[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct fpool *db_pool(struct fake_source *f, int64_t id)
{
	size_t i = db_pool_lb(f, id);
	return i < f->npools && f->pools[i].id == id ? &f->pools[i] : NULL;
}

static struct fmember *db_member(struct fake_source *f, int64_t id)
{
	for (size_t i = 0; i < f->nmembers; i++)
		if (f->members[i].id == id)
			return &f->members[i];
	return NULL;
}

/* What the triggers do for one row write: bump the version, log the pool. */
static void db_row_written(struct fake_source *f)
{
	f->version++;
}

static void db_log(struct fake_source *f, int64_t zone)
{
	if (f->no_feed)
		return;
	f->log = grow(f->log, &f->log_cap, f->log_len + 1, sizeof(*f->log));
	f->log[f->log_len++] = (struct fchange){ .seq = f->next_seq++, .zone = zone };
}

static int64_t db_last_seq(const struct fake_source *f)
{
	return f->log_len > f->log_start ? f->log[f->log_len - 1].seq : 0;
}

/* Inserts or updates a pool (name NULL: the standard one). Lock held. */
static void db_pool_put(struct fake_source *f, int64_t id, const char *name, int ttl)
{
	char nbuf[64];
	if (name == NULL) {
		std_name(id, nbuf, sizeof nbuf);
		name = nbuf;
	}
	struct fpool *p = db_pool(f, id);
	if (p == NULL) {
		size_t i = db_pool_lb(f, id);
		f->pools = grow(f->pools, &f->pools_cap, f->npools + 1, sizeof(*f->pools));
		memmove(&f->pools[i + 1], &f->pools[i], (f->npools - i) * sizeof(*f->pools));
		f->npools++;
		p = &f->pools[i];
		p->id = id;
	}
	snprintf(p->name, sizeof p->name, "%s", name);
	p->ttl = ttl;
	db_row_written(f);
	db_log(f, id);
}

/* Inserts or updates a member (host NULL: the standard one of its id); an
 * update that moves it logs both pools, the old one first. Lock held. */
static void db_member_put(struct fake_source *f, int64_t id, int64_t pool, const char *host)
{
	char hbuf[48];
	if (host == NULL) {
		std_host(id, hbuf, sizeof hbuf);
		host = hbuf;
	}
	struct fmember *m = db_member(f, id);
	if (m == NULL) {
		f->members =
			grow(f->members, &f->members_cap, f->nmembers + 1, sizeof(*f->members));
		m = &f->members[f->nmembers++];
		*m = (struct fmember){ .id = id, .pool = pool };
	} else if (m->pool != pool) {
		db_log(f, m->pool);
		m->pool = pool;
	}
	snprintf(m->host, sizeof m->host, "%s", host);
	db_row_written(f);
	db_log(f, pool);
}

/* Deletes a pool and (ON DELETE CASCADE) its members. Lock held. */
static void db_pool_delete(struct fake_source *f, int64_t id)
{
	size_t k = 0;
	for (size_t i = 0; i < f->nmembers; i++) {
		if (f->members[i].pool == id) {
			db_row_written(f);
			db_log(f, id);
		} else {
			f->members[k++] = f->members[i];
		}
	}
	f->nmembers = k;
	size_t i = db_pool_lb(f, id);
	ck_assert(i < f->npools && f->pools[i].id == id);
	memmove(&f->pools[i], &f->pools[i + 1], (f->npools - i - 1) * sizeof(*f->pools));
	f->npools--;
	db_row_written(f);
	db_log(f, id);
}

/* The log keeps only the rows after upto (the triggers' pruning). */
static void db_prune(struct fake_source *f, int64_t upto)
{
	while (f->log_start < f->log_len && f->log[f->log_start].seq <= upto)
		f->log_start++;
}

/* The standard pool with this id and one member of the same id. Lock held. */
static void db_std_pool(struct fake_source *f, int64_t id)
{
	db_pool_put(f, id, NULL, 30);
	db_member_put(f, id, id, NULL);
}

static void fake_lock(struct fake_source *f)
{
	pthread_mutex_lock(&f->lock);
}

static void fake_unlock(struct fake_source *f)
{
	pthread_mutex_unlock(&f->lock);
}

/* ---- the ops ------------------------------------------------------------------ */

static int fake_down(struct fake_source *f, char *err, size_t errsz)
{
	snprintf(err, errsz, "fake: connection refused");
	fake_unlock(f);
	return -1;
}

static int fake_version(struct pooldns_source *src, int64_t *version, char *err, size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	fake_lock(f);
	f->n.version++;
	if (f->down)
		return fake_down(f, err, errsz);
	*version = f->version;
	fake_unlock(f);
	return 0;
}

static int fake_load(struct pooldns_source *src, struct pooldns_dataset *out, char *err,
		     size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	fake_lock(f);
	f->n.load++;
	fake_unlock(f);
	snprintf(err, errsz, "fake: the whole-load op is not used by the poller");
	return -1;
}

static int fake_position(struct pooldns_source *src, struct pooldns_position *pos, char *err,
			 size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	fake_lock(f);
	f->n.position++;
	if (f->down)
		return fake_down(f, err, errsz);
	pos->version = f->version;
	pos->schema_version = f->no_feed ? 1 : 2;
	pos->seq = f->no_feed ? -1 : db_last_seq(f);
	fake_unlock(f);
	return 0;
}

/* Empty tables with the columns a source gives (pools without 'policy'
 * when bad_columns is set, which the builder must refuse). */
static void fake_tables(const struct fake_source *f, struct pooldns_dataset *ds)
{
	td_dataset_init(ds, f->version);
	if (f->bad_columns) {
		pooldns_table_free(ds->pools);
		ds->pools = pooldns_table_new(TD_P_POLICY, td_pool_cols);
		ck_assert_ptr_nonnull(ds->pools);
	}
}

static void add_pool_row(struct pooldns_dataset *ds, const struct fpool *p)
{
	TD_POOL(ds, .id = p->id, .name = p->name, .ttl = p->ttl);
}

static int cmp_member(const void *a, const void *b)
{
	const struct fmember *x = *(const struct fmember *const *)a;
	const struct fmember *y = *(const struct fmember *const *)b;
	if (x->pool != y->pool)
		return x->pool < y->pool ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Adds the members accepted by keep, ordered by dns_zone, priority, id. */
static void add_member_rows(struct fake_source *f, struct pooldns_dataset *ds,
			    bool (*keep)(const struct fmember *m, const void *ctx), const void *ctx)
{
	const struct fmember **v = calloc(f->nmembers + 1, sizeof(*v));
	ck_assert_ptr_nonnull(v);
	size_t n = 0;
	for (size_t i = 0; i < f->nmembers; i++)
		if (keep(&f->members[i], ctx))
			v[n++] = &f->members[i];
	qsort(v, n, sizeof(*v), cmp_member);
	for (size_t i = 0; i < n; i++)
		TD_MEMBER(ds, .id = v[i]->id, .pool = v[i]->pool, .host = v[i]->host,
			  .priority = v[i]->priority);
	free(v);
}

struct id_range {
	int64_t after, last;
};

static bool member_in_range(const struct fmember *m, const void *ctx)
{
	const struct id_range *r = ctx;
	return m->pool > r->after && m->pool <= r->last;
}

static int fake_load_page(struct pooldns_source *src, int64_t after_id, size_t max_pools,
			  struct pooldns_dataset *out, int64_t *last_id, char *err, size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	fake_lock(f);
	f->n.load_page++;
	f->n.max_pools = max_pools;
	if (after_id == INT64_MIN)
		f->page = 0;
	int page = ++f->page;
	if (f->down)
		return fake_down(f, err, errsz);
	if (f->fail_page == page) {
		f->n.page_failures++;
		snprintf(err, errsz, "fake: page %d: connection reset", page);
		fake_unlock(f);
		return -1;
	}
	struct pooldns_dataset ds;
	fake_tables(f, &ds);
	size_t first = after_id == INT64_MIN ? 0 : db_pool_lb(f, after_id + 1);
	size_t n = f->npools - first < max_pools ? f->npools - first : max_pools;
	for (size_t i = first; i < first + n; i++)
		add_pool_row(&ds, &f->pools[i]);
	struct id_range r = { after_id, n ? f->pools[first + n - 1].id : after_id };
	add_member_rows(f, &ds, member_in_range, &r);
	*out = ds;
	*last_id = r.last;
	f->n.page_rows += n;
	if (n > 0 && f->after_page != NULL)
		f->after_page(f, page);
	fake_unlock(f);
	return 0;
}

struct id_set {
	const int64_t *v;
	size_t n;
};

static bool member_in_set(const struct fmember *m, const void *ctx)
{
	const struct id_set *s = ctx;
	return bsearch(&m->pool, s->v, s->n, sizeof(*s->v), cmp_i64) != NULL;
}

static int fake_changes(struct pooldns_source *src, int64_t since, size_t max,
			struct pooldns_delta *out, char *err, size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	fake_lock(f);
	unsigned call = ++f->n.changes;
	f->n.max_changes = max;
	if (f->down)
		return fake_down(f, err, errsz);
	if (f->fail_changes_call == call || f->changes_broken) {
		f->n.changes_failures++;
		snprintf(err, errsz, "fake: request %u: connection reset", call);
		fake_unlock(f);
		return -1;
	}
	memset(out, 0, sizeof *out);
	out->version = f->version;
	out->seq = since;
	bool empty = f->log_start == f->log_len;
	int64_t lo = empty ? 0 : f->log[f->log_start].seq, hi = db_last_seq(f);
	if (f->no_feed || since < 0 || (!empty && (lo > since + 1 || hi < since)) ||
	    (empty && since > 0)) {
		out->gap = true;
		fake_unlock(f);
		return 0;
	}
	int64_t *zones = malloc((f->log_len - f->log_start + 1) * sizeof(*zones));
	ck_assert_ptr_nonnull(zones);
	size_t nz = 0;
	for (size_t i = f->log_start; i < f->log_len; i++) {
		if (f->log[i].seq > since && f->log[i].seq <= since + (int64_t)max) {
			zones[nz++] = f->log[i].zone;
			out->seq = f->log[i].seq;
		}
	}
	qsort(zones, nz, sizeof(*zones), cmp_i64);
	size_t k = 0;
	for (size_t i = 0; i < nz; i++)
		if (k == 0 || zones[k - 1] != zones[i])
			zones[k++] = zones[i];
	out->zones = zones;
	out->nzones = k;
	out->more = !empty && hi > out->seq;

	struct pooldns_dataset ds;
	fake_tables(f, &ds);
	for (size_t i = 0; i < k; i++) {
		struct fpool *p = db_pool(f, zones[i]);
		if (p != NULL)
			add_pool_row(&ds, p);
	}
	struct id_set s = { zones, k };
	add_member_rows(f, &ds, member_in_set, &s);
	out->pools = ds.pools;
	out->members = ds.members;

	f->n.changes_rows += out->pools->nrows;
	f->n.changes_member_rows += out->members->nrows;
	if (k > 0) {
		f->n.nzones = k;
		for (size_t i = 0; i < k && i < 8; i++)
			f->n.zones[i] = zones[i];
	}
	fake_unlock(f);
	return 0;
}

static const char *fake_describe(struct pooldns_source *src)
{
	return "fake";
}

static void fake_destroy(struct pooldns_source *src)
{
}

static const struct pooldns_source_ops fake_ops = {
	.name = "fake",
	.version = fake_version,
	.load = fake_load,
	.position = fake_position,
	.changes = fake_changes,
	.load_page = fake_load_page,
	.describe = fake_describe,
	.destroy = fake_destroy,
};

static void *dup_array(const void *v, size_t n, size_t elem)
{
	void *d = malloc(n ? n * elem : 1);
	ck_assert_ptr_nonnull(d);
	if (n)
		memcpy(d, v, n * elem);
	return d;
}

static void fake_copy_destroy(struct pooldns_source *src)
{
	struct fake_source *c = (struct fake_source *)src;
	ck_assert(c->is_copy);
	pthread_mutex_destroy(&c->lock);
	free(c->pools);
	free(c->members);
	free(c->log);
	free(c);
}

static const char *fake_copy_describe(struct pooldns_source *src)
{
	return "fake (copy)";
}

static const struct pooldns_source_ops fake_copy_ops = {
	.name = "fake-copy",
	.version = fake_version,
	.load = fake_load,
	.position = fake_position,
	.changes = fake_changes,
	.load_page = fake_load_page,
	.describe = fake_copy_describe,
	.destroy = fake_copy_destroy,
};

/* A frozen copy of the database as it is now (a backup). */
static int fake_copy(struct pooldns_source *src, struct pooldns_source **copy, char *err,
		     size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	fake_lock(f);
	*copy = NULL;
	if (f->down || f->copy_answer != 0) {
		int rc = f->down ? -1 : f->copy_answer;
		f->n.copy_refused++;
		snprintf(err, errsz, "fake: no copy");
		fake_unlock(f);
		return rc;
	}
	struct fake_source *c = calloc(1, sizeof *c);
	ck_assert_ptr_nonnull(c);
	c->base.ops = &fake_copy_ops;
	pthread_mutex_init(&c->lock, NULL);
	c->is_copy = true;
	c->version = f->version;
	c->no_feed = f->no_feed;
	c->npools = c->pools_cap = f->npools;
	c->pools = dup_array(f->pools, f->npools, sizeof *f->pools);
	c->nmembers = c->members_cap = f->nmembers;
	c->members = dup_array(f->members, f->nmembers, sizeof *f->members);
	c->log_start = f->log_start;
	c->log_len = c->log_cap = f->log_len;
	c->log = dup_array(f->log, f->log_len, sizeof *f->log);
	c->next_seq = f->next_seq;
	c->fail_page = f->broken_copy ? 1 : 0;
	f->n.copies++;
	fake_unlock(f);
	*copy = &c->base;
	return 0;
}

/* The same fake database, offering copies for full loads. */
static const struct pooldns_source_ops fake_ops_copy = {
	.name = "fake",
	.version = fake_version,
	.load = fake_load,
	.position = fake_position,
	.changes = fake_changes,
	.load_page = fake_load_page,
	.copy = fake_copy,
	.describe = fake_describe,
	.destroy = fake_destroy,
};

/* n standard pools with ids first.., written before the log begins (the
 * log is empty, its position 0). */
static void fake_init_range(struct fake_source *f, int64_t version, int64_t first, int n)
{
	memset(f, 0, sizeof *f);
	f->base.ops = &fake_ops;
	pthread_mutex_init(&f->lock, NULL);
	f->next_seq = 1;
	f->no_feed = true; /* nothing logged while populating */
	for (int64_t id = first; id < first + n; id++)
		db_std_pool(f, id);
	f->no_feed = false;
	f->version = version;
}

static void fake_init(struct fake_source *f, int64_t version, int npools)
{
	fake_init_range(f, version, 1, npools);
}

static void fake_free(struct fake_source *f)
{
	ck_assert_uint_eq(f->n.load, 0);
	pthread_mutex_destroy(&f->lock);
	free(f->pools);
	free(f->members);
	free(f->log);
}

/* The standard pools 1..npools (removing the others and adding the missing
 * ones through the log), then the version set as given. */
static void fake_set(struct fake_source *f, int64_t version, int npools, bool down, bool bad)
{
	fake_lock(f);
	while (f->npools > 0 && f->pools[f->npools - 1].id > npools)
		db_pool_delete(f, f->pools[f->npools - 1].id);
	for (int64_t id = 1; id <= npools; id++)
		if (db_pool(f, id) == NULL)
			db_std_pool(f, id);
	f->version = version;
	f->down = down;
	f->bad_columns = bad;
	fake_unlock(f);
}

static struct fake_counts fake_counts(struct fake_source *f)
{
	fake_lock(f);
	struct fake_counts n = f->n;
	fake_unlock(f);
	return n;
}

static int64_t fake_last_seq(struct fake_source *f)
{
	fake_lock(f);
	int64_t s = db_last_seq(f);
	fake_unlock(f);
	return s;
}

static int64_t fake_version_now(struct fake_source *f)
{
	fake_lock(f);
	int64_t v = f->version;
	fake_unlock(f);
	return v;
}

/* ---- reading the store as a reader would ----------------------------------------- */

/* Bounded waits: up to 10 s (sanitizer builds are slow), in 5 ms steps. */
#define WAIT_STEP_US 5000
#define WAIT_STEPS   2000
#define WAIT_UNTIL(cond)                                                                           \
	for (int wait_i_ = 0; !(cond) && wait_i_ < WAIT_STEPS; wait_i_++)                          \
	usleep(WAIT_STEP_US)

/* Published snapshot's version and pool count. */
static int64_t current_version(struct pooldns_store *store, size_t *npools)
{
	pooldns_read_lock();
	const struct pooldns_snapshot *s = pooldns_store_get(store);
	int64_t v = s ? s->version : -1;
	if (npools)
		*npools = s ? s->npools : 0;
	pooldns_read_unlock();
	return v;
}

static int64_t current_seq(struct pooldns_store *store)
{
	pooldns_read_lock();
	const struct pooldns_snapshot *s = pooldns_store_get(store);
	int64_t seq = s ? s->seq : -2;
	pooldns_read_unlock();
	return seq;
}

static size_t current_members(struct pooldns_store *store)
{
	pooldns_read_lock();
	const struct pooldns_snapshot *s = pooldns_store_get(store);
	size_t n = s ? s->nmembers : 0;
	pooldns_read_unlock();
	return n;
}

static bool wait_version(struct pooldns_store *store, int64_t want)
{
	WAIT_UNTIL(current_version(store, NULL) == want);
	return current_version(store, NULL) == want;
}

static bool wait_seq(struct pooldns_store *store, int64_t want)
{
	WAIT_UNTIL(current_seq(store) == want);
	return current_seq(store) == want;
}

/* What the published snapshot says about the pool called name. */
struct pool_view {
	bool found;
	int64_t id;
	long ttl;
	size_t nmembers;
	char hosts[4][TD_HOST_MAX]; /* the first IPv4 members */
};

static struct pool_view view_pool(struct pooldns_store *store, const char *name)
{
	struct pool_view v = { 0 };
	pooldns_read_lock();
	const struct pooldns_snapshot *s = pooldns_store_get(store);
	const struct pooldns_pool *p = s ? td_lookup(s, name) : NULL;
	if (p != NULL) {
		v.found = true;
		v.id = p->id;
		v.ttl = (long)p->ttl;
		v.nmembers = (size_t)p->n_v4 + p->n_v6;
		for (size_t i = 0; i < p->n_v4 && i < 4; i++)
			td_host(&p->v4[i], v.hosts[i]);
	}
	pooldns_read_unlock();
	return v;
}

static long pool_ttl(struct pooldns_store *store, const char *name)
{
	struct pool_view v = view_pool(store, name);
	return v.found ? v.ttl : -1;
}

static int64_t pool_id(struct pooldns_store *store, const char *name)
{
	struct pool_view v = view_pool(store, name);
	return v.found ? v.id : INT64_MIN;
}

static bool view_has_host(const struct pool_view *v, const char *host)
{
	for (size_t i = 0; i < v->nmembers && i < 4; i++)
		if (strcmp(v->hosts[i], host) == 0)
			return true;
	return false;
}

static struct pooldns_poller_status poller_status(struct pooldns_poller *p)
{
	struct pooldns_poller_status st;
	pooldns_poller_status(p, &st);
	return st;
}

static void quiet_log(enum pooldns_log_level level, const char *msg, void *ctx)
{
}

static char *temp_path(const char *tag)
{
	char *p = malloc(256);
	ck_assert_ptr_nonnull(p);
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(p, 256, "%s/check_poller_%s_%ld", dir, tag, (long)getpid());
	unlink(p);
	return p;
}

static struct pooldns_poller *start_poller(struct fake_source *f, struct pooldns_store *store,
					   const char *cache)
{
	char err[256];
	struct pooldns_poller_opts o = {
		.source = &f->base, .store = store, .poll_interval_ms = 20, .cache_file = cache
	};
	struct pooldns_poller *p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	return p;
}

/* ---- cache files -------------------------------------------------------------- */

/* Removes a cache file and its journal. */
static void unlink_cache(const char *cache)
{
	char *journal = pooldns_journal_path(cache);
	unlink(cache);
	unlink(journal);
	free(journal);
}

/* The pool ids a cache file and its journal hold (ascending). */
struct cache_ids {
	int64_t *v;
	size_t n, cap;
};

static size_t ids_lb(const struct cache_ids *c, int64_t id)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void ids_add(struct cache_ids *c, int64_t id)
{
	size_t i = ids_lb(c, id);
	if (i < c->n && c->v[i] == id)
		return;
	c->v = grow(c->v, &c->cap, c->n + 1, sizeof(*c->v));
	memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(*c->v));
	c->v[i] = id;
	c->n++;
}

static void ids_del(struct cache_ids *c, int64_t id)
{
	size_t i = ids_lb(c, id);
	if (i < c->n && c->v[i] == id) {
		memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
		c->n--;
	}
}

static int count_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	for (size_t r = 0; r < page->pools->nrows; r++)
		ids_add(ctx, pooldns_table_cell(page->pools, r, 0)->i);
	return 0;
}

static int count_record(void *ctx, const struct pooldns_delta *d, char *err, size_t errsz)
{
	for (size_t i = 0; i < d->nzones; i++)
		ids_del(ctx, d->zones[i]);
	for (size_t r = 0; r < d->pools->nrows; r++)
		ids_add(ctx, pooldns_table_cell(d->pools, r, 0)->i);
	return 0;
}

/* The data version the cache file at path and its journal hold together
 * (-1 when the file cannot be read) and their number of pools. */
static int64_t cache_file_version(const char *path, size_t *npools)
{
	char err[256];
	struct cache_ids c = { 0 };
	int64_t version = -1;
	uint64_t sum;
	if (pooldns_cache_load_sum(path, 1000, count_page, &c, &version, &sum, err, sizeof err) !=
	    0) {
		free(c.v);
		return -1;
	}
	char *journal = pooldns_journal_path(path);
	struct pooldns_journal_result jr;
	ck_assert_int_eq(
		pooldns_journal_replay(journal, sum, version, count_record, &c, &jr, err,
				       sizeof err),
		0);
	/* (a journal of an older file, left beside a file a test wrote
	 * itself, is ignored: jr.stopped says so) */
	free(journal);
	if (jr.records > 0)
		version = jr.version;
	if (npools)
		*npools = c.n;
	free(c.v);
	return version;
}

/* Writes ds to path as a cache file, each pool followed by its members. */
static void write_cache_file(const char *path, const struct pooldns_dataset *ds)
{
	char err[256];
	struct pooldns_cache_out *w = pooldns_cache_out_open(path, err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	for (size_t i = 0; i < ds->pools->nrows; i++) {
		const struct pooldns_cell *pc = pooldns_table_cell(ds->pools, i, 0);
		ck_assert_msg(pooldns_cache_out_pool(w, pc, err, sizeof err) == 0, "%s", err);
		for (size_t j = 0; j < ds->members->nrows; j++) {
			const struct pooldns_cell *mc = pooldns_table_cell(ds->members, j, 0);
			if (mc[TD_M_ZONE].i == pc[TD_P_ID].i)
				ck_assert_msg(pooldns_cache_out_member(w, mc, err, sizeof err) == 0,
					      "%s", err);
		}
	}
	ck_assert_msg(pooldns_cache_out_commit(w, ds->version, err, sizeof err) == 0, "%s", err);
}

/* ---- kept from before the paged loads -------------------------------------------- */

/* _i == 0: with the change feed (a version change is a delta); 1: a schema
 * without it (every version change is a full load). */
START_TEST(first_load_and_reload_on_version_change)
{
	bool feed = _i == 0;
	struct fake_source f;
	fake_init(&f, 7, 3);
	f.no_feed = !feed;
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 7);
	ck_assert_uint_eq(n, 3);

	/* Unchanged version: several polls, no further load. */
	usleep(200000);
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.position, 1);
	ck_assert_uint_eq(c.load_page, 2); /* the pools, then an empty page */
	/* With the feed, the full load is followed by one replay of the log. */
	ck_assert_uint_eq(c.changes, feed ? 1 : 0);
	ck_assert_uint_gt(c.version, 2);

	fake_set(&f, 8, 5, false, false);
	ck_assert(wait_version(store, 8));
	current_version(store, &n);
	ck_assert_uint_eq(n, 5);
	c = fake_counts(&f);
	/* One reload: a delta with the feed, a full load without. */
	ck_assert_uint_eq(c.position, feed ? 1 : 2);
	ck_assert_uint_eq(c.changes, feed ? 2 : 0);

	WAIT_UNTIL(poller_status(p).loads_ok >= 2);
	struct pooldns_poller_status st = poller_status(p);
	ck_assert_int_eq(st.version, 8);
	ck_assert_uint_eq(st.loads_ok, 2);
	ck_assert(st.source_ok);
	ck_assert(!st.from_cache);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(source_down_keeps_last_good)
{
	struct fake_source f;
	fake_init(&f, 3, 2);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));

	fake_set(&f, 4, 9, true, false);
	usleep(200000);
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 3);
	ck_assert_uint_eq(n, 2);
	struct pooldns_poller_status st = poller_status(p);
	ck_assert(!st.source_ok);
	ck_assert_uint_gt(st.loads_failed, 0);

	/* Back up: the change is picked up (backoff is short at this
	 * interval), from the log: the outage costs no full load. */
	fake_set(&f, 4, 9, false, false);
	ck_assert(wait_version(store, 4));
	current_version(store, &n);
	ck_assert_uint_eq(n, 9);
	ck_assert_uint_eq(fake_counts(&f).position, 1);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(unusable_data_keeps_last_good)
{
	struct fake_source f;
	fake_init(&f, 10, 1);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	/* The delta is refused, then the full loads it asks for. */
	fake_set(&f, 11, 4, false, true);
	usleep(200000);
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 10);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_gt(poller_status(p).loads_failed, 0);
	ck_assert_uint_gt(fake_counts(&f).position, 1);
	/* Usable again, with one more pool: a change in the log, as every
	 * version bump of a real source has. (A full load that began before
	 * the switch may yet have read version 11's position with usable
	 * pages; the logged change then takes it to 12, where a bump with
	 * nothing logged would leave it at 11.) */
	fake_set(&f, 12, 5, false, false);
	ck_assert_msg(wait_version(store, 12), "version %lld after 10 s, %llu loads failed, position %u",
		      (long long)current_version(store, NULL),
		      (unsigned long long)poller_status(p).loads_failed, fake_counts(&f).position);
	current_version(store, &n);
	ck_assert_uint_eq(n, 5);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(cache_written_and_used_when_source_down)
{
	char *cache = temp_path("cache");

	/* Run 1: the source works; the cache file is written in the
	 * background, the first time right away. */
	struct fake_source f;
	fake_init(&f, 21, 4);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, cache);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	WAIT_UNTIL(access(cache, R_OK) == 0);
	ck_assert_int_eq(access(cache, R_OK), 0);
	size_t n;
	ck_assert_int_eq(cache_file_version(cache, &n), 21);
	ck_assert_uint_eq(n, 4);
	/* Changes after the file was written go to its journal: a TTL, a
	 * pool deleted, a pool added. */
	fake_lock(&f);
	db_pool_put(&f, 1, NULL, 99);
	db_pool_delete(&f, 2);
	db_std_pool(&f, 7);
	fake_unlock(&f);
	ck_assert(wait_version(store, fake_version_now(&f)));
	int64_t last = fake_version_now(&f);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);

	/* Run 2: the source is down from the start; the cache file and its
	 * journal serve the data as it was last. */
	struct fake_source down;
	fake_init(&down, 99, 1);
	fake_set(&down, 99, 1, true, false);
	store = pooldns_store_new();
	p = start_poller(&down, store, cache);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	ck_assert_int_eq(current_version(store, &n), last);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(pool_ttl(store, "p1.test."), 99);
	ck_assert(!view_pool(store, "p2.test.").found);
	ck_assert(view_pool(store, "p7.test.").found);
	ck_assert(poller_status(p).from_cache);

	/* The source comes back with other data: it replaces the cache's. */
	fake_set(&down, 99, 1, false, false);
	ck_assert(wait_version(store, 99));
	current_version(store, &n);
	ck_assert_uint_eq(n, 1);
	WAIT_UNTIL(!poller_status(p).from_cache);
	ck_assert(!poller_status(p).from_cache);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&down);
	unlink_cache(cache);
	free(cache);
}
END_TEST

START_TEST(corrupt_cache_is_ignored)
{
	char *cache = temp_path("corrupt");
	FILE *fp = fopen(cache, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":5,\"results\":[",
	      fp);
	fclose(fp);

	struct fake_source f;
	fake_init(&f, 1, 1);
	fake_set(&f, 1, 1, true, false);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, cache);
	ck_assert(!pooldns_poller_wait_ready(p, 300));
	ck_assert_int_eq(current_version(store, NULL), -1);
	/* Source recovers: data arrives and the cache is rewritten. */
	fake_set(&f, 1, 1, false, false);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	ck_assert_int_eq(current_version(store, NULL), 1);
	pooldns_poller_stop(p);
	size_t n;
	ck_assert_int_eq(cache_file_version(cache, &n), 1);
	ck_assert_uint_eq(n, 1);
	pooldns_store_free(store);
	fake_free(&f);
	unlink_cache(cache);
	free(cache);
}
END_TEST

START_TEST(restart_on_a_serving_store_never_falls_back_to_the_cache)
{
	/* What a SIGHUP with a new source does: a new poller on a store that
	 * already serves. With the new source down, the (older) cache file must
	 * not replace the live data. */
	char *cache = temp_path("restart");
	char err[256];
	struct fake_source f;
	fake_init(&f, 10, 2);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, cache);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	fake_set(&f, 50, 6, false, false);
	ck_assert(wait_version(store, 50));
	pooldns_poller_stop(p); /* flushes the cache: it holds version 50 */
	size_t n;
	ck_assert_int_eq(cache_file_version(cache, &n), 50);
	ck_assert_uint_eq(n, 6);

	/* Version 50 serves; put an older cache file back (without the
	 * journal that took it to 50) to make the difference visible. */
	char *journal = pooldns_journal_path(cache);
	ck_assert_int_eq(unlink(journal), 0);
	free(journal);
	struct fake_source old;
	fake_init(&old, 10, 2);
	struct pooldns_dataset ds = { 0 };
	int64_t last;
	ck_assert_int_eq(
		old.base.ops->load_page(&old.base, INT64_MIN, 100, &ds, &last, err, sizeof err), 0);
	write_cache_file(cache, &ds);
	pooldns_dataset_clear(&ds);
	ck_assert_int_eq(cache_file_version(cache, NULL), 10);

	struct fake_source down;
	fake_init(&down, 99, 1);
	fake_set(&down, 99, 1, true, false);
	p = start_poller(&down, store, cache);
	ck_assert(pooldns_poller_wait_ready(p, 1000)); /* ready: data is served */
	usleep(200000);
	ck_assert_int_eq(current_version(store, &n), 50);
	ck_assert_uint_eq(n, 6);
	struct pooldns_poller_status st = poller_status(p);
	ck_assert(!st.from_cache);
	ck_assert_int_eq(st.version, 50);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
	fake_free(&old);
	fake_free(&down);
	unlink_cache(cache);
	free(cache);
}
END_TEST

START_TEST(bad_options_rejected)
{
	struct fake_source f;
	fake_init(&f, 1, 1);
	struct pooldns_store *store = pooldns_store_new();
	char err[256] = "";
	struct pooldns_poller_opts o = { .source = &f.base, .store = store, .poll_interval_ms = 0 };
	ck_assert_ptr_null(pooldns_poller_start(&o, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "interval"));
	o.poll_interval_ms = 100;
	o.source = NULL;
	ck_assert_ptr_null(pooldns_poller_start(&o, err, sizeof err));
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

/* ---- the change feed ------------------------------------------------------------ */

START_TEST(a_change_to_one_pool_is_a_delta)
{
	struct fake_source f;
	fake_init(&f, 1, 10);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	struct fake_counts c0 = fake_counts(&f);
	ck_assert_uint_eq(c0.position, 1);

	/* Inside one read section both snapshots stay valid, so equal
	 * pointers are the same record, not a reused address. */
	pooldns_read_lock();
	const struct pooldns_snapshot *s1 = pooldns_store_get(store);
	const struct pooldns_pool *before[11];
	for (int64_t id = 1; id <= 10; id++) {
		char name[64];
		std_name(id, name, sizeof name);
		before[id] = td_lookup(s1, name);
		ck_assert_ptr_nonnull(before[id]);
	}
	fake_lock(&f);
	db_pool_put(&f, 4, NULL, 99);
	fake_unlock(&f);
	ck_assert(wait_seq(store, 1));
	const struct pooldns_snapshot *s2 = pooldns_store_get(store);
	ck_assert_ptr_ne(s1, s2);
	ck_assert_int_eq(s2->version, 2);
	ck_assert_uint_eq(s2->npools, 10);
	for (int64_t id = 1; id <= 10; id++) {
		char name[64];
		std_name(id, name, sizeof name);
		const struct pooldns_pool *now = td_lookup(s2, name);
		ck_assert_ptr_nonnull(now);
		if (id == 4) {
			ck_assert_ptr_ne(now, before[id]);
			ck_assert_uint_eq(now->ttl, 99);
			ck_assert_uint_eq(now->n_v4, 1);
		} else {
			ck_assert_ptr_eq(now, before[id]);
		}
	}
	pooldns_read_unlock();

	/* One request, only pool 4's rows, no full load. */
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.position, c0.position);
	ck_assert_uint_eq(c.load_page, c0.load_page);
	ck_assert_uint_eq(c.changes, c0.changes + 1);
	ck_assert_uint_eq(c.changes_rows - c0.changes_rows, 1);
	ck_assert_uint_eq(c.changes_member_rows - c0.changes_member_rows, 1);
	ck_assert_uint_eq(c.nzones, 1);
	ck_assert_int_eq(c.zones[0], 4);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(pools_inserted_and_deleted_through_the_log)
{
	struct fake_source f;
	fake_init(&f, 1, 5);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	struct fake_counts c0 = fake_counts(&f);

	fake_lock(&f);
	db_pool_put(&f, 6, "new.test.", 45);
	db_member_put(&f, 60, 6, "198.51.100.6");
	db_member_put(&f, 61, 6, "198.51.100.7");
	db_pool_delete(&f, 2);
	fake_unlock(&f);
	ck_assert(wait_seq(store, fake_last_seq(&f)));

	size_t n;
	ck_assert_int_eq(current_version(store, &n), fake_version_now(&f));
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(current_members(store), 6);
	struct pool_view v = view_pool(store, "new.test.");
	ck_assert(v.found);
	ck_assert_int_eq(v.id, 6);
	ck_assert_int_eq(v.ttl, 45);
	ck_assert_uint_eq(v.nmembers, 2);
	ck_assert(view_has_host(&v, "198.51.100.6"));
	ck_assert(view_has_host(&v, "198.51.100.7"));
	ck_assert(!view_pool(store, "p2.test.").found);
	ck_assert(view_pool(store, "p1.test.").found);
	ck_assert(view_pool(store, "p5.test.").found);

	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.position, c0.position);
	ck_assert_uint_eq(c.changes, c0.changes + 1);
	ck_assert_uint_eq(c.nzones, 2);
	ck_assert_int_eq(c.zones[0], 2);
	ck_assert_int_eq(c.zones[1], 6);
	/* The deleted pool has no row: only the new pool's. */
	ck_assert_uint_eq(c.changes_rows - c0.changes_rows, 1);

	/* Delete the new pool again, re-create pool 2. */
	fake_lock(&f);
	db_pool_delete(&f, 6);
	db_std_pool(&f, 2);
	fake_unlock(&f);
	ck_assert(wait_seq(store, fake_last_seq(&f)));
	ck_assert(!view_pool(store, "new.test.").found);
	v = view_pool(store, "p2.test.");
	ck_assert(v.found);
	ck_assert_int_eq(v.id, 2);
	ck_assert_uint_eq(v.nmembers, 1);
	current_version(store, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(current_members(store), 5);
	ck_assert_uint_eq(fake_counts(&f).position, c0.position);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(a_member_moved_between_pools_is_one_change)
{
	struct fake_source f;
	fake_init(&f, 1, 4);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	WAIT_UNTIL(poller_status(p).loads_ok >= 1);
	uint64_t ok0 = poller_status(p).loads_ok;
	struct fake_counts c0 = fake_counts(&f);
	char host1[48];
	std_host(1, host1, sizeof host1);

	pooldns_read_lock();
	const struct pooldns_snapshot *s1 = pooldns_store_get(store);
	const struct pooldns_pool *p2 = td_lookup(s1, "p2.test.");
	const struct pooldns_pool *p4 = td_lookup(s1, "p4.test.");
	fake_lock(&f);
	db_member_put(&f, 1, 3, NULL); /* member 1: pool 1 -> pool 3 */
	fake_unlock(&f);
	ck_assert(wait_seq(store, 2)); /* both pools logged */
	const struct pooldns_snapshot *s2 = pooldns_store_get(store);
	ck_assert_ptr_eq(td_lookup(s2, "p2.test."), p2);
	ck_assert_ptr_eq(td_lookup(s2, "p4.test."), p4);
	ck_assert_uint_eq(s2->nmembers, 4);
	pooldns_read_unlock();

	struct pool_view v1 = view_pool(store, "p1.test.");
	ck_assert(v1.found);
	ck_assert_uint_eq(v1.nmembers, 0);
	struct pool_view v3 = view_pool(store, "p3.test.");
	ck_assert_uint_eq(v3.nmembers, 2);
	ck_assert(view_has_host(&v3, host1));

	/* Both pools in one request and one snapshot: no reader sees the
	 * member in neither pool or in both. */
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.changes, c0.changes + 1);
	ck_assert_uint_eq(c.nzones, 2);
	ck_assert_int_eq(c.zones[0], 1);
	ck_assert_int_eq(c.zones[1], 3);
	ck_assert_uint_eq(c.position, c0.position);
	WAIT_UNTIL(poller_status(p).loads_ok >= ok0 + 1);
	ck_assert_uint_eq(poller_status(p).loads_ok, ok0 + 1);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

/* 10,007 changes over 20 pools; pool k's last ttl. */
#define MANY_CHANGES (2 * 5000 + 7)
static void write_many_changes(struct fake_source *f)
{
	fake_lock(f);
	for (int i = 0; i < MANY_CHANGES; i++)
		db_pool_put(f, 1 + i % 20, NULL, 100 + i);
	fake_unlock(f);
}

static void check_many_changes(struct pooldns_store *store)
{
	for (int k = 1; k <= 20; k++) {
		int last = MANY_CHANGES - 1;
		while (last % 20 != k - 1)
			last--;
		char name[64];
		std_name(k, name, sizeof name);
		ck_assert_int_eq(pool_ttl(store, name), 100 + last);
	}
}

START_TEST(more_changes_than_one_request_converge)
{
	struct fake_source f;
	fake_init(&f, 1, 20);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	struct fake_counts c0 = fake_counts(&f);

	write_many_changes(&f);
	ck_assert(wait_seq(store, MANY_CHANGES));
	ck_assert_int_eq(current_version(store, NULL), fake_version_now(&f));
	check_many_changes(store);

	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_ge(c.max_changes, 1);
	unsigned requests = (unsigned)((MANY_CHANGES + c.max_changes - 1) / c.max_changes);
	ck_assert_uint_ge(requests, 2); /* 'more' was used */
	ck_assert_uint_eq(c.changes, c0.changes + requests);
	ck_assert_uint_eq(c.position, c0.position);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(more_changes_converge_when_a_request_in_between_fails)
{
	struct fake_source f;
	fake_init(&f, 1, 20);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	struct fake_counts c0 = fake_counts(&f);

	/* The first request of the delta succeeds (and says more), the
	 * second fails: the version the poller has seen no longer moves,
	 * and the rest of the log must still be applied. */
	fake_lock(&f);
	f.fail_changes_call = c0.changes + 2;
	fake_unlock(&f);
	write_many_changes(&f);
	wait_seq(store, MANY_CHANGES);
	ck_assert_int_eq(current_seq(store), MANY_CHANGES);
	check_many_changes(store);
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.changes_failures, 1);
	ck_assert_uint_eq(c.position, c0.position);
	ck_assert_int_eq(current_version(store, NULL), fake_version_now(&f));
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

/* Counts the poller's failure and recovery lines (any thread). */
static atomic_uint failed_lines, back_lines;

static void count_log(enum pooldns_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)ctx;
	if (strstr(msg, "failed, serving") != NULL)
		atomic_fetch_add(&failed_lines, 1);
	if (strstr(msg, "reachable again") != NULL)
		atomic_fetch_add(&back_lines, 1);
}

START_TEST(a_source_that_fails_past_the_version_poll_is_logged_once)
{
	struct fake_source f;
	fake_init(&f, 1, 5);
	struct pooldns_store *store = pooldns_store_new();
	atomic_store(&failed_lines, 0);
	atomic_store(&back_lines, 0);
	pooldns_log_set(count_log, NULL, POOLDNS_LOG_DEBUG);
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));

	/* The version poll answers and says the data moved; reading the
	 * change fails, poll after poll: one failure line, no recovery line,
	 * and the polls back off (20 ms apart they would be some 25 in 500 ms). */
	fake_lock(&f);
	f.changes_broken = true;
	db_pool_put(&f, 2, NULL, 77);
	fake_unlock(&f);
	WAIT_UNTIL(fake_counts(&f).changes_failures >= 3);
	usleep(500000);
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_ge(c.changes_failures, 3);
	ck_assert_uint_le(c.changes_failures, 12);
	ck_assert_uint_eq(atomic_load(&failed_lines), 1);
	ck_assert_uint_eq(atomic_load(&back_lines), 0);
	ck_assert(!poller_status(p).source_ok);
	ck_assert_uint_ge(poller_status(p).loads_failed, 3);
	ck_assert_int_eq(pool_ttl(store, "p2.test."), 30);

	/* The change log answers again: one recovery line, the change applied. */
	fake_lock(&f);
	f.changes_broken = false;
	fake_unlock(&f);
	WAIT_UNTIL(pool_ttl(store, "p2.test.") == 77);
	ck_assert_int_eq(pool_ttl(store, "p2.test."), 77);
	WAIT_UNTIL(atomic_load(&back_lines) == 1);
	ck_assert_uint_eq(atomic_load(&back_lines), 1);
	ck_assert_uint_eq(atomic_load(&failed_lines), 1);
	ck_assert(poller_status(p).source_ok);
	pooldns_poller_stop(p);
	pooldns_log_set(quiet_log, NULL, POOLDNS_LOG_DEBUG);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(a_gap_costs_exactly_one_full_load)
{
	struct fake_source f;
	fake_init(&f, 1, 5);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	ck_assert_uint_eq(fake_counts(&f).position, 1);

	/* Three changes, the first two pruned before the poller reads them. */
	fake_lock(&f);
	db_pool_put(&f, 1, NULL, 41);
	db_pool_put(&f, 2, NULL, 42);
	db_pool_put(&f, 3, NULL, 43);
	db_prune(&f, 2);
	fake_unlock(&f);
	ck_assert(wait_seq(store, 3));
	ck_assert_int_eq(pool_ttl(store, "p1.test."), 41);
	ck_assert_int_eq(pool_ttl(store, "p2.test."), 42);
	ck_assert_int_eq(pool_ttl(store, "p3.test."), 43);
	ck_assert_int_eq(current_version(store, NULL), fake_version_now(&f));
	usleep(150000); /* several polls */
	struct fake_counts c1 = fake_counts(&f);
	ck_assert_uint_eq(c1.position, 2);

	/* Deltas again. */
	fake_lock(&f);
	db_pool_put(&f, 4, NULL, 44);
	fake_unlock(&f);
	ck_assert(wait_seq(store, 4));
	ck_assert_int_eq(pool_ttl(store, "p4.test."), 44);
	struct fake_counts c2 = fake_counts(&f);
	ck_assert_uint_eq(c2.position, 2);
	ck_assert_uint_eq(c2.load_page, c1.load_page);
	ck_assert_uint_eq(c2.changes, c1.changes + 1);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(without_the_feed_every_version_change_is_a_full_load)
{
	struct fake_source f;
	fake_init(&f, 1, 3);
	f.no_feed = true;
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	ck_assert_int_eq(current_seq(store), -1);

	for (int k = 1; k <= 3; k++) {
		fake_lock(&f);
		db_pool_put(&f, k, NULL, 50 + k);
		fake_unlock(&f);
		ck_assert(wait_version(store, fake_version_now(&f)));
		char name[64];
		std_name(k, name, sizeof name);
		ck_assert_int_eq(pool_ttl(store, name), 50 + k);
		ck_assert_uint_eq(fake_counts(&f).position, 1 + (unsigned)k);
	}
	usleep(150000); /* several polls, nothing changed: no load */
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.position, 4);
	ck_assert_uint_eq(c.changes, 0);
	ck_assert_int_eq(current_seq(store), -1);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

#define BIG_POOLS 12000

START_TEST(a_page_that_fails_keeps_the_last_good_snapshot)
{
	struct fake_source f;
	fake_init(&f, 1, BIG_POOLS);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 10000));
	struct fake_counts c0 = fake_counts(&f);
	ck_assert_uint_eq(c0.position, 1);
	ck_assert_uint_ge(c0.load_page, 4); /* at least 3 pages with pools, then an empty one */

	/* A gap (the log pruned past the position) asks for a full load,
	 * whose page 2 fails. */
	fake_lock(&f);
	db_pool_put(&f, 1, NULL, 61);
	db_pool_put(&f, BIG_POOLS, NULL, 62);
	db_prune(&f, 1);
	f.fail_page = 2;
	fake_unlock(&f);
	/* The poller counts a failure after the source returned it. */
	WAIT_UNTIL(fake_counts(&f).page_failures >= 2 && poller_status(p).loads_failed >= 2);
	struct fake_counts c1 = fake_counts(&f);
	ck_assert_uint_ge(c1.page_failures, 2); /* the next poll loaded again */
	ck_assert_uint_ge(c1.position, c0.position + 2);
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 1);
	ck_assert_uint_eq(n, BIG_POOLS);
	ck_assert_uint_eq(current_members(store), BIG_POOLS);
	ck_assert_int_eq(pool_ttl(store, "p1.test."), 30);
	ck_assert_int_eq(current_seq(store), 0);
	struct pooldns_poller_status st = poller_status(p);
	ck_assert(!st.source_ok);
	ck_assert_uint_ge(st.loads_failed, 2);
	ck_assert_int_eq(st.version, 1);

	fake_lock(&f);
	f.fail_page = 0;
	fake_unlock(&f);
	ck_assert(wait_version(store, fake_version_now(&f)));
	current_version(store, &n);
	ck_assert_uint_eq(n, BIG_POOLS);
	ck_assert_int_eq(pool_ttl(store, "p1.test."), 61);
	char name[64];
	std_name(BIG_POOLS, name, sizeof name);
	ck_assert_int_eq(pool_ttl(store, name), 62);
	ck_assert_int_eq(current_seq(store), 2);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(a_paged_load_gives_every_pool_once)
{
	/* Ids from -99 up: the first page must start below every id. */
	const int64_t first = -99;
	struct fake_source f;
	fake_init_range(&f, 1, first, BIG_POOLS);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 10000));

	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.position, 1);
	ck_assert_uint_eq(c.page_rows, BIG_POOLS); /* every pool served once */
	ck_assert_uint_ge(c.max_pools, 1);
	ck_assert_uint_le(c.max_pools, 5000);
	unsigned pages = (unsigned)((BIG_POOLS + c.max_pools - 1) / c.max_pools);
	ck_assert_uint_ge(pages, 3);
	ck_assert_uint_eq(c.load_page, pages + 1); /* and the empty page that ends it */

	unsigned char *seen = calloc(BIG_POOLS, 1);
	ck_assert_ptr_nonnull(seen);
	pooldns_read_lock();
	const struct pooldns_snapshot *s = pooldns_store_get(store);
	ck_assert_uint_eq(s->npools, BIG_POOLS);
	ck_assert_uint_eq(s->nmembers, BIG_POOLS);
	const struct pooldns_pool *pool;
	size_t count = 0;
	for (size_t it = 0; (pool = pooldns_snapshot_next(s, &it)) != NULL; count++) {
		ck_assert_int_ge(pool->id, first);
		ck_assert_int_lt(pool->id, first + BIG_POOLS);
		seen[pool->id - first]++;
		char name[64], host[48], got[TD_HOST_MAX];
		std_name(pool->id, name, sizeof name);
		ck_assert_str_eq(pool->name_text, name);
		ck_assert_uint_eq(pool->n_v4, 1);
		std_host(pool->id, host, sizeof host);
		ck_assert_str_eq(td_host(&pool->v4[0], got), host);
	}
	pooldns_read_unlock();
	ck_assert_uint_eq(count, BIG_POOLS);
	for (size_t i = 0; i < BIG_POOLS; i++)
		ck_assert_msg(seen[i] == 1, "pool id %lld seen %u times",
			      (long long)(first + (int64_t)i), (unsigned)seen[i]);
	free(seen);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

/* After page 1 of the load: pool 1 (on page 1, served) gets a new ttl and
 * the member of pool 2 (page 1) moves to pool 11000 (page 3, not served
 * yet), so the pages alone give member 2 twice and pool 1 stale. */
static void write_after_page_1(struct fake_source *f, int page)
{
	if (page != 1)
		return;
	db_pool_put(f, 1, NULL, 77);
	db_member_put(f, 2, 11000, NULL);
	f->after_page = NULL;
}

START_TEST(a_change_between_pages_converges_after_the_replay)
{
	struct fake_source f;
	fake_init(&f, 1, BIG_POOLS);
	f.after_page = write_after_page_1;
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 10000));
	ck_assert(wait_seq(store, 3)); /* pool 1, then pools 2 and 11000 */
	ck_assert_int_eq(current_version(store, NULL), fake_version_now(&f));
	ck_assert_int_eq(pool_ttl(store, "p1.test."), 77);
	struct pool_view v2 = view_pool(store, "p2.test.");
	ck_assert(v2.found);
	ck_assert_uint_eq(v2.nmembers, 0);
	struct pool_view v = view_pool(store, "p11000.test.");
	char host2[48];
	std_host(2, host2, sizeof host2);
	ck_assert_uint_eq(v.nmembers, 2);
	ck_assert(view_has_host(&v, host2));
	size_t n;
	current_version(store, &n);
	ck_assert_uint_eq(n, BIG_POOLS);
	ck_assert_uint_eq(current_members(store), BIG_POOLS);
	/* The replay did it: no second full load. */
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.position, 1);
	ck_assert_uint_eq(c.page_rows, BIG_POOLS);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

/* A full load read from a copy of the database: the copy is paged, the
 * source itself only answers the replay of the log from the copy's
 * position, so writes after the copy still show. */
START_TEST(a_full_load_from_a_copy_replays_the_source_after_it)
{
	struct fake_source f;
	fake_init(&f, 1, BIG_POOLS);
	f.base.ops = &fake_ops_copy;
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 10000));
	ck_assert_int_eq(current_version(store, NULL), fake_version_now(&f));
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.copies, 1);
	ck_assert_uint_eq(c.load_page, 0); /* every page came from the copy */
	ck_assert_uint_eq(c.position, 0);
	size_t n;
	current_version(store, &n);
	ck_assert_uint_eq(n, BIG_POOLS);

	/* A change now is a delta from the source, not another copy. */
	fake_lock(&f);
	db_pool_put(&f, 1, NULL, 77);
	fake_unlock(&f);
	ck_assert(wait_version(store, fake_version_now(&f)));
	ck_assert_int_eq(pool_ttl(store, "p1.test."), 77);
	c = fake_counts(&f);
	ck_assert_uint_eq(c.copies, 1);
	ck_assert_uint_ge(c.changes, 1);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

/* No copy (1): page by page from the source. A copy that cannot be read:
 * page by page too, in the same attempt. A failed copy (-1): the load
 * fails and the last good data stays. */
START_TEST(a_full_load_without_a_usable_copy_pages_the_source)
{
	struct fake_source f;
	fake_init(&f, 1, 10);
	f.base.ops = &fake_ops_copy;
	f.copy_answer = 1;
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 10000));
	struct fake_counts c = fake_counts(&f);
	ck_assert_uint_eq(c.copies, 0);
	ck_assert_uint_eq(c.copy_refused, 1);
	ck_assert_uint_eq(c.position, 1);
	ck_assert_uint_ge(c.load_page, 2);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);

	fake_init(&f, 1, 10);
	f.base.ops = &fake_ops_copy;
	f.broken_copy = true;
	store = pooldns_store_new();
	p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 10000));
	ck_assert_int_eq(current_version(store, NULL), fake_version_now(&f));
	c = fake_counts(&f);
	ck_assert_uint_eq(c.copies, 1);
	ck_assert_uint_eq(c.position, 1); /* then the source itself, paged */
	ck_assert_uint_ge(c.load_page, 2);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);

	fake_init(&f, 1, 10);
	f.base.ops = &fake_ops_copy;
	f.copy_answer = -1;
	store = pooldns_store_new();
	p = start_poller(&f, store, NULL);
	ck_assert(!pooldns_poller_wait_ready(p, 300));
	c = fake_counts(&f);
	ck_assert_uint_ge(c.copy_refused, 1);
	ck_assert_uint_eq(c.load_page, 0);
	ck_assert_int_lt(current_version(store, NULL), 0);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(a_duplicate_name_in_a_delta_is_settled_by_a_full_load)
{
	struct fake_source f;
	fake_init(&f, 1, 3);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, NULL);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	ck_assert_int_eq(pool_id(store, "p2.test."), 2);

	/* Pool 1 takes pool 2's name (a database without the UNIQUE
	 * constraint). The delta skips pool 1; a full load settles it by
	 * id: the lower id keeps the name. */
	fake_lock(&f);
	db_pool_put(&f, 1, "p2.test.", 30);
	fake_unlock(&f);
	WAIT_UNTIL(pool_id(store, "p2.test.") == 1);
	ck_assert_int_eq(pool_id(store, "p2.test."), 1);
	ck_assert(!view_pool(store, "p1.test.").found);
	ck_assert_int_eq(pool_id(store, "p3.test."), 3);
	usleep(150000); /* several polls: one full load, not one per poll */
	struct fake_counts c1 = fake_counts(&f);
	ck_assert_uint_eq(c1.position, 2);

	/* Deltas again. */
	fake_lock(&f);
	db_pool_put(&f, 3, NULL, 33);
	fake_unlock(&f);
	ck_assert(wait_seq(store, 2));
	ck_assert_int_eq(pool_ttl(store, "p3.test."), 33);
	struct fake_counts c2 = fake_counts(&f);
	ck_assert_uint_eq(c2.position, 2);
	ck_assert_uint_eq(c2.changes, c1.changes + 1);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	fake_free(&f);
}
END_TEST

START_TEST(the_cache_follows_deltas_and_is_flushed_on_stop)
{
	char *cache = temp_path("flush");
	struct fake_source f;
	fake_init(&f, 5, 3);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller *p = start_poller(&f, store, cache);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	WAIT_UNTIL(cache_file_version(cache, NULL) == 5);
	size_t n;
	ck_assert_int_eq(cache_file_version(cache, &n), 5);
	ck_assert_uint_eq(n, 3);
	struct stat base0, base1, j0, j1;
	char *journal = pooldns_journal_path(cache);
	ck_assert_int_eq(stat(cache, &base0), 0);
	WAIT_UNTIL(stat(journal, &j0) == 0);

	/* A delta, then stop well before the writer's interval has passed:
	 * the stop writes what is pending. */
	fake_set(&f, 6, 4, false, false);
	ck_assert(wait_version(store, 6));
	pooldns_poller_stop(p);
	ck_assert_int_eq(cache_file_version(cache, &n), 6);
	ck_assert_uint_eq(n, 4);
	/* The change went to the journal: the file itself is the same one. */
	ck_assert_int_eq(stat(cache, &base1), 0);
	ck_assert_int_eq(stat(journal, &j1), 0);
	ck_assert_uint_eq(base1.st_ino, base0.st_ino);
	ck_assert_int_gt(j1.st_size, j0.st_size);
	free(journal);
	pooldns_store_free(store);
	fake_free(&f);
	unlink_cache(cache);
	free(cache);
}
END_TEST

static Suite *poller_suite(void)
{
	Suite *s = suite_create("poller");
	TCase *tc = tcase_create("poller");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, first_load_and_reload_on_version_change, 0, 2);
	tcase_add_test(tc, source_down_keeps_last_good);
	tcase_add_test(tc, a_source_that_fails_past_the_version_poll_is_logged_once);
	tcase_add_test(tc, unusable_data_keeps_last_good);
	tcase_add_test(tc, cache_written_and_used_when_source_down);
	tcase_add_test(tc, corrupt_cache_is_ignored);
	tcase_add_test(tc, restart_on_a_serving_store_never_falls_back_to_the_cache);
	tcase_add_test(tc, bad_options_rejected);
	tcase_add_test(tc, a_change_to_one_pool_is_a_delta);
	tcase_add_test(tc, pools_inserted_and_deleted_through_the_log);
	tcase_add_test(tc, a_member_moved_between_pools_is_one_change);
	tcase_add_test(tc, more_changes_than_one_request_converge);
	tcase_add_test(tc, more_changes_converge_when_a_request_in_between_fails);
	tcase_add_test(tc, a_gap_costs_exactly_one_full_load);
	tcase_add_test(tc, without_the_feed_every_version_change_is_a_full_load);
	tcase_add_test(tc, a_page_that_fails_keeps_the_last_good_snapshot);
	tcase_add_test(tc, a_paged_load_gives_every_pool_once);
	tcase_add_test(tc, a_change_between_pages_converges_after_the_replay);
	tcase_add_test(tc, a_duplicate_name_in_a_delta_is_settled_by_a_full_load);
	tcase_add_test(tc, a_full_load_from_a_copy_replays_the_source_after_it);
	tcase_add_test(tc, a_full_load_without_a_usable_copy_pages_the_source);
	tcase_add_test(tc, the_cache_follows_deltas_and_is_flushed_on_stop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pooldns_log_set(quiet_log, NULL, POOLDNS_LOG_DEBUG);
	SRunner *sr = srunner_create(poller_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
