/*
 * check_model.c — unit tests for core/model/model.c and core/model/ptab.c:
 * snapshots made from the previous one plus a change.
 *
 *   - deltas: insert, update (ttl, policy), rename (ancestors follow),
 *     delete, member insert/update/delete, a member moved between pools
 *     and two names swapped in one change, a name freed and taken in one
 *     change, cascade (an id without a row), one pool replaced twice in a
 *     transaction;
 *   - full loads: identical data keeps every record, dropped pools go,
 *     a name swap; duplicate names in a delta ask for a full load;
 *   - round-robin counters carried to a pool's new record;
 *   - abort leaves the published snapshot intact, also after both tables
 *     grew, and the next transaction works (the writer's index is rebuilt);
 *   - a store that already serves a snapshot made elsewhere is continued
 *     from (its records and ancestors count as published, not as this
 *     model's own);
 *   - health references follow the records;
 *   - the table itself: 20k names over several versions, each version
 *     keeping its own contents (copy-on-write) and sharing what it did not
 *     write; the same through the model with every old snapshot held;
 *   - readers in RCU sections during 200 published deltas never see a
 *     torn pool or half a change.
 *
 * Every snapshot a test makes is checked against the invariants of
 * snapshot.h (check_snapshot()). Under the sanitizer build, ASan catches a
 * piece freed before the last snapshot using it (the garbage/grace logic)
 * and LeakSanitizer one never freed.
 *
 * Store-backed models (pooldns_model_new(store, NULL)) publish, and the
 * published snapshot stays valid in the writer thread until the next
 * commit; tests that look at older snapshots hold a read section across
 * the commits. Store-less models hand each snapshot to the test.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/dns/dname.h"
#include "core/health/health.h"
#include "core/log.h"
#include "core/model/builder.h"
#include "core/model/model.h"
#include "core/model/ptab.h"
#include "core/model/snapshot.h"
#include "core/model/store.h"
#include "testdata.h"

/* ptab.h: every record a table holds starts with its key. */
_Static_assert(offsetof(struct pooldns_pool, name) == 0, "pool key first");
_Static_assert(offsetof(struct pooldns_pool, name_len) == sizeof(const uint8_t *),
	       "pool key length second");
_Static_assert(offsetof(struct pooldns_ancestor, name) == 0, "ancestor key first");
_Static_assert(offsetof(struct pooldns_ancestor, name_len) == sizeof(const uint8_t *),
	       "ancestor key length second");

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* IDS(1, 2): an id list and its length, for delta(). */
#define IDS(...) (const int64_t[]){ __VA_ARGS__ }, NELEMS(((const int64_t[]){ __VA_ARGS__ }))

/* ---- log capture ------------------------------------------------------------ */

static char logbuf[1 << 14];
static size_t loglen;

static void capture(enum pooldns_log_level level, const char *msg, void *ctx)
{
	int n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%s|%s\n",
			 pooldns_log_level_name(level), msg);

	(void)ctx;
	if (n > 0 && (size_t)n < sizeof(logbuf) - loglen)
		loglen += (size_t)n;
}

static void capture_start(void)
{
	loglen = 0;
	logbuf[0] = '\0';
	pooldns_log_set(capture, NULL, POOLDNS_LOG_DEBUG);
}

/* ---- snapshot invariants ------------------------------------------------------ */

struct name_ref {
	const uint8_t *name;
	size_t len;
};

static int cmp_name_ref(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->name, y->name, x->len);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void check_table_shape(const struct pooldns_ptab *t)
{
	if (t->nslots == 0) {
		ck_assert_uint_eq(t->count, 0);
		return;
	}
	ck_assert_uint_eq(t->nslots & (t->nslots - 1), 0);
	ck_assert_uint_ge(t->nslots, POOLDNS_PTAB_CHUNK);
	ck_assert_uint_ge(t->nslots, 2 * t->count);
}

/* What snapshot.h promises of every snapshot: the counts, every pool found
 * by its name and id, ids unique, members sorted by (priority, id) in the
 * right family, and the ancestor set exactly the proper non-root
 * ancestors of the pool names. */
static void check_snapshot(const struct pooldns_snapshot *s)
{
	struct pooldns_pool *p;
	struct name_ref *anc = NULL;
	int64_t *ids;
	size_t n = 0, nm = 0, na = 0, acap = 0, distinct = 0;
	uint8_t root = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->npools, s->pools.count);
	check_table_shape(&s->pools);
	check_table_shape(&s->ancestors);
	ids = calloc(s->npools + 1, sizeof(*ids));
	ck_assert_ptr_nonnull(ids);
	for (size_t it = 0; (p = pooldns_snapshot_next(s, &it)) != NULL;) {
		char text[POOLDNS_NAME_TEXT_MAX];

		ck_assert_uint_lt(n, s->npools);
		ids[n++] = p->id;
		nm += (size_t)p->n_v4 + p->n_v6;
		ck_assert_ptr_eq(pooldns_snapshot_lookup(s, p->name, p->name_len), p);
		ck_assert_ptr_eq(pooldns_snapshot_find_closest(s, p->name, p->name_len), p);
		ck_assert_int_gt(pooldns_dname_to_text(p->name, p->name_len, text, sizeof(text)),
				 0);
		ck_assert_str_eq(text, p->name_text);
		ck_assert_int_lt(p->policy, POOLDNS_POLICY_COUNT);
		for (int fam = 0; fam < 2; fam++) {
			const struct pooldns_member *m = fam ? p->v6 : p->v4;
			size_t k = fam ? p->n_v6 : p->n_v4;

			ck_assert(k == 0 || m != NULL);
			for (size_t i = 0; i < k; i++) {
				ck_assert_int_eq(m[i].family, fam ? AF_INET6 : AF_INET);
				if (i > 0)
					ck_assert(m[i - 1].priority < m[i].priority ||
						  (m[i - 1].priority == m[i].priority &&
						   m[i - 1].id < m[i].id));
			}
		}
		/* proper ancestors, root left out */
		for (const uint8_t *a = p->name + p->name[0] + 1; a[0] != 0; a += a[0] + 1) {
			size_t al = p->name_len - (size_t)(a - p->name);

			ck_assert(pooldns_snapshot_has_descendant(s, a, al));
			ck_assert_ptr_nonnull(
				pooldns_ptab_get(&s->ancestors, a, al, pooldns_dname_hash(a, al)));
			if (na == acap) {
				acap = acap ? 2 * acap : 256;
				anc = realloc(anc, acap * sizeof(*anc));
				ck_assert_ptr_nonnull(anc);
			}
			anc[na].name = a;
			anc[na].len = al;
			na++;
		}
	}
	ck_assert_uint_eq(n, s->npools);
	ck_assert_uint_eq(nm, s->nmembers);
	qsort(ids, n, sizeof(*ids), cmp_i64);
	for (size_t i = 1; i < n; i++)
		ck_assert_int_lt(ids[i - 1], ids[i]);
	/* by id (a scan each): a sample of at most 64 */
	for (size_t i = 0; i < n; i += n / 64 + 1)
		ck_assert_int_eq(pooldns_snapshot_pool_by_id(s, ids[i])->id, ids[i]);
	free(ids);
	/* The ancestor table holds exactly the distinct ancestors. */
	if (na > 0)
		qsort(anc, na, sizeof(*anc), cmp_name_ref);
	for (size_t i = 0; i < na; i++)
		if (i == 0 || cmp_name_ref(&anc[i - 1], &anc[i]) != 0)
			distinct++;
	free(anc);
	ck_assert_uint_eq(s->ancestors.count, distinct);
	for (size_t i = 0; i < s->ancestors.nslots; i++) {
		const struct pooldns_ancestor *a = pooldns_ptab_slot(&s->ancestors, i);
		if (a != NULL)
			ck_assert(pooldns_snapshot_has_descendant(s, a->name, a->name_len));
	}
	ck_assert(pooldns_snapshot_has_descendant(s, &root, 1) == (s->npools > 0));
}

/* ---- transactions ------------------------------------------------------------- */

struct recs {
	struct pooldns_pool **v;
	size_t n, cap;
};

static int collect(void *ctx, struct pooldns_pool *rec)
{
	struct recs *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct pooldns_pool **v = realloc(r->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = rec;
	return 0;
}

/* The builder's records of ds (cleared), ascending ids. */
static struct recs records(struct pooldns_dataset *ds)
{
	struct recs r = { 0 };
	char err[256] = "";

	ck_assert_msg(pooldns_build_records(ds, collect, &r, NULL, err, sizeof(err)) == 0, "%s",
		      err);
	pooldns_dataset_clear(ds);
	return r;
}

static int put_record(void *ctx, struct pooldns_pool *rec)
{
	return pooldns_model_put(ctx, rec);
}

/* A full load of ds (cleared), committed as version. */
static struct pooldns_snapshot *full(struct pooldns_model *m, struct pooldns_dataset *ds,
				     int64_t version, struct pooldns_model_stats *st)
{
	struct pooldns_snapshot *s;
	char err[256] = "";

	ck_assert_int_eq(pooldns_model_begin(m, true), 0);
	ck_assert_msg(pooldns_build_records(ds, put_record, m, NULL, err, sizeof(err)) == 0, "%s",
		      err);
	pooldns_dataset_clear(ds);
	s = pooldns_model_commit(m, version, -1, st);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->version, version);
	check_snapshot(s);
	return s;
}

/* A delta: the pools ids[] are now the pools of ds (cleared); committed as
 * version with seq == version. */
static struct pooldns_snapshot *delta(struct pooldns_model *m, const int64_t *ids, size_t nids,
				      struct pooldns_dataset *ds, int64_t version,
				      struct pooldns_model_stats *st)
{
	struct recs r = records(ds);
	struct pooldns_snapshot *s;

	ck_assert_int_eq(pooldns_model_begin(m, false), 0);
	ck_assert_int_eq(pooldns_model_replace(m, ids, nids, r.v, r.n), 0);
	free(r.v);
	s = pooldns_model_commit(m, version, version, st);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->version, version);
	ck_assert_int_eq(s->seq, version);
	check_snapshot(s);
	return s;
}

/* A store and a model publishing to it. */
struct fx {
	struct pooldns_store *store;
	struct pooldns_model *m;
};

static void fx_init(struct fx *f)
{
	f->store = pooldns_store_new();
	ck_assert_ptr_nonnull(f->store);
	f->m = pooldns_model_new(f->store, NULL);
	ck_assert_ptr_nonnull(f->m);
	ck_assert_ptr_null(pooldns_model_current(f->m));
}

static void fx_free(struct fx *f)
{
	pooldns_model_free(f->m);
	pooldns_store_free(f->store);
}

/* The writer's view of the store (only the writer publishes, so the
 * current snapshot stays valid in this thread until its next commit). */
static const struct pooldns_snapshot *published(const struct fx *f)
{
	return pooldns_store_get(f->store);
}

static bool desc(const struct pooldns_snapshot *s, const char *text)
{
	uint8_t w[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(text, w, sizeof(w));

	ck_assert_int_gt(len, 0);
	return pooldns_snapshot_has_descendant(s, w, (size_t)len);
}

static const struct pooldns_pool *closest(const struct pooldns_snapshot *s, const char *text)
{
	uint8_t w[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(text, w, sizeof(w));

	ck_assert_int_gt(len, 0);
	return pooldns_snapshot_find_closest(s, w, (size_t)len);
}

/* The member with this id in either family, or NULL. */
static const struct pooldns_member *member(const struct pooldns_pool *p, int64_t id)
{
	for (size_t i = 0; i < p->n_v4; i++)
		if (p->v4[i].id == id)
			return &p->v4[i];
	for (size_t i = 0; i < p->n_v6; i++)
		if (p->v6[i].id == id)
			return &p->v6[i];
	return NULL;
}

static const char *host_of(const struct pooldns_pool *p, int64_t id, char buf[TD_HOST_MAX])
{
	const struct pooldns_member *m = member(p, id);

	ck_assert_msg(m != NULL, "pool %lld has no member %lld", (long long)p->id, (long long)id);
	return td_host(m, buf);
}

/* ---- the base data -------------------------------------------------------------- */

/*
 *   1 www.a.test.   round_robin  11 10.0.0.1, 12 10.0.0.2, 13 2001:db8::1
 *   2 api.b.test.   all          21 10.0.1.1
 *   3 x.y.b.test.   failover     31 10.0.2.1 (priority 0), 32 10.0.2.2 (priority 1)
 */
static void base_pool1(struct pooldns_dataset *ds)
{
	TD_POOL(ds, .id = 1, .name = "www.a.test.");
	TD_MEMBER(ds, .id = 11, .pool = 1, .host = "10.0.0.1");
	TD_MEMBER(ds, .id = 12, .pool = 1, .host = "10.0.0.2");
	TD_MEMBER(ds, .id = 13, .pool = 1, .host = "2001:db8::1");
}

static void base_pool2(struct pooldns_dataset *ds)
{
	TD_POOL(ds, .id = 2, .name = "api.b.test.", .policy = "all");
	TD_MEMBER(ds, .id = 21, .pool = 2, .host = "10.0.1.1");
}

static void base_pool3(struct pooldns_dataset *ds)
{
	TD_POOL(ds, .id = 3, .name = "x.y.b.test.", .policy = "failover");
	TD_MEMBER(ds, .id = 31, .pool = 3, .host = "10.0.2.1");
	TD_MEMBER(ds, .id = 32, .pool = 3, .host = "10.0.2.2", .priority = 1);
}

static void base(struct pooldns_dataset *ds, int64_t version)
{
	td_dataset_init(ds, version);
	base_pool1(ds);
	base_pool2(ds);
	base_pool3(ds);
}

/* A full load of the base data as version 1 into f. */
static const struct pooldns_snapshot *load_base(struct fx *f)
{
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s;

	base(&ds, 1);
	s = full(f->m, &ds, 1, &st);
	ck_assert_ptr_eq(s, published(f));
	ck_assert_ptr_eq(pooldns_model_current(f->m), s);
	ck_assert_uint_eq(s->npools, 3);
	ck_assert_uint_eq(s->nmembers, 6);
	ck_assert_uint_eq(st.put, 3);
	ck_assert_uint_eq(st.unchanged + st.removed + st.skipped, 0);
	ck_assert_int_eq(s->seq, -1);
	return s;
}

/* ---- deltas ------------------------------------------------------------------- */

START_TEST(test_delta_insert)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1;
	const struct pooldns_pool *p, *old[3];
	char h[TD_HOST_MAX];

	fx_init(&f);
	s0 = load_base(&f);
	for (size_t i = 0; i < 3; i++)
		old[i] = td_pool(s0, i);
	ck_assert(!desc(s0, "c.test."));

	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 4, .name = "new.c.test.", .ttl = 60);
	TD_MEMBER(&ds, .id = 41, .pool = 4, .host = "10.0.4.1");
	TD_MEMBER(&ds, .id = 42, .pool = 4, .host = "2001:db8::4");
	s1 = delta(f.m, IDS(4), &ds, 2, &st);
	ck_assert_ptr_eq(s1, published(&f));
	ck_assert_ptr_ne(s1, s0);
	ck_assert_ptr_eq(pooldns_model_current(f.m), s1);
	ck_assert_uint_eq(st.put, 1);
	ck_assert_uint_eq(st.unchanged + st.removed + st.skipped, 0);
	ck_assert_uint_eq(s1->npools, 4);
	ck_assert_uint_eq(s1->nmembers, 8);
	p = td_lookup(s1, "new.c.test.");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->id, 4);
	ck_assert_uint_eq(p->ttl, 60);
	ck_assert_str_eq(host_of(p, 41, h), "10.0.4.1");
	ck_assert_str_eq(host_of(p, 42, h), "2001:db8::4");
	ck_assert(desc(s1, "c.test."));
	ck_assert_ptr_eq(closest(s1, "deep.new.c.test."), p);
	/* the pools the change did not touch keep their records */
	for (size_t i = 0; i < 3; i++)
		ck_assert_ptr_eq(td_pool(s1, i), old[i]);
	ck_assert_ptr_eq(td_pool(s1, 3), p);
	fx_free(&f);
}
END_TEST

START_TEST(test_delta_update)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1;
	const struct pooldns_pool *p, *p0;

	fx_init(&f);
	s0 = load_base(&f);
	p0 = td_lookup(s0, "api.b.test.");
	ck_assert_uint_eq(p0->ttl, 30);
	ck_assert_int_eq(p0->policy, POOLDNS_POLICY_ALL);

	pooldns_read_lock(); /* keeps s0 for the comparison after the commit */
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 2, .name = "api.b.test.", .ttl = 99, .policy = "weighted");
	TD_MEMBER(&ds, .id = 21, .pool = 2, .host = "10.0.1.1");
	s1 = delta(f.m, IDS(2), &ds, 2, &st);
	ck_assert_uint_eq(st.put, 1);
	ck_assert_uint_eq(st.removed + st.skipped, 0);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 6);
	p = td_lookup(s1, "api.b.test.");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_ne(p, p0);
	ck_assert_int_eq(p->id, 2);
	ck_assert_uint_eq(p->ttl, 99);
	ck_assert_int_eq(p->policy, POOLDNS_POLICY_WEIGHTED);
	ck_assert_uint_eq(p->n_v4, 1);
	ck_assert_ptr_eq(td_lookup(s1, "www.a.test."), td_lookup(s0, "www.a.test."));
	ck_assert_ptr_eq(td_lookup(s1, "x.y.b.test."), td_lookup(s0, "x.y.b.test."));
	/* the old snapshot still has the old record, unchanged */
	ck_assert_ptr_eq(td_lookup(s0, "api.b.test."), p0);
	ck_assert_uint_eq(p0->ttl, 30);
	ck_assert_int_eq(p0->policy, POOLDNS_POLICY_ALL);
	check_snapshot(s0);
	pooldns_read_unlock();
	fx_free(&f);
}
END_TEST

START_TEST(test_delta_rename)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1, *s2;
	const struct pooldns_pool *p;
	char h[TD_HOST_MAX];

	fx_init(&f);
	s0 = load_base(&f);
	ck_assert(desc(s0, "y.b.test."));
	ck_assert(!desc(s0, "other."));

	pooldns_read_lock();
	/* out of the b.test. tree into a new one */
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 3, .name = "x.z.other.", .policy = "failover");
	TD_MEMBER(&ds, .id = 31, .pool = 3, .host = "10.0.2.1");
	TD_MEMBER(&ds, .id = 32, .pool = 3, .host = "10.0.2.2", .priority = 1);
	s1 = delta(f.m, IDS(3), &ds, 2, &st);
	ck_assert_uint_eq(st.put, 1);
	ck_assert_uint_eq(st.removed + st.skipped, 0);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 6);
	ck_assert_ptr_null(td_lookup(s1, "x.y.b.test."));
	p = td_lookup(s1, "x.z.other.");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->id, 3);
	ck_assert_str_eq(p->name_text, "x.z.other.");
	ck_assert_str_eq(host_of(p, 32, h), "10.0.2.2");
	ck_assert_ptr_eq(pooldns_snapshot_pool_by_id(s1, 3), p);
	/* ancestors follow: y.b.test. is gone, b.test. stays (api.b.test.) */
	ck_assert(!desc(s1, "y.b.test."));
	ck_assert(desc(s1, "b.test."));
	ck_assert(desc(s1, "test."));
	ck_assert(desc(s1, "z.other."));
	ck_assert(desc(s1, "other."));
	ck_assert(!desc(s1, "x.z.other."));
	ck_assert_ptr_eq(closest(s1, "q.x.z.other."), p);
	ck_assert_ptr_null(closest(s1, "q.x.y.b.test."));
	/* the old snapshot still answers the old way */
	ck_assert_int_eq(td_lookup(s0, "x.y.b.test.")->id, 3);
	ck_assert_ptr_null(td_lookup(s0, "x.z.other."));
	ck_assert(desc(s0, "y.b.test."));
	ck_assert(!desc(s0, "other."));
	check_snapshot(s0);

	/* within the same parent: a.test. stays an ancestor throughout */
	td_dataset_init(&ds, 3);
	TD_POOL(&ds, .id = 1, .name = "web.a.test.");
	TD_MEMBER(&ds, .id = 11, .pool = 1, .host = "10.0.0.1");
	TD_MEMBER(&ds, .id = 12, .pool = 1, .host = "10.0.0.2");
	TD_MEMBER(&ds, .id = 13, .pool = 1, .host = "2001:db8::1");
	s2 = delta(f.m, IDS(1), &ds, 3, &st);
	ck_assert_ptr_null(td_lookup(s2, "www.a.test."));
	ck_assert_int_eq(td_lookup(s2, "web.a.test.")->id, 1);
	ck_assert(desc(s2, "a.test."));
	ck_assert_uint_eq(s2->ancestors.count, 5); /* a.test b.test test z.other other */
	/* s1 is still whole too */
	ck_assert_int_eq(td_lookup(s1, "www.a.test.")->id, 1);
	check_snapshot(s1);
	pooldns_read_unlock();
	fx_free(&f);
}
END_TEST

START_TEST(test_delta_delete)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s1, *s2;

	fx_init(&f);
	load_base(&f);
	td_dataset_init(&ds, 2);
	s1 = delta(f.m, IDS(3), &ds, 2, &st);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_uint_eq(st.put + st.skipped, 0);
	ck_assert_uint_eq(s1->npools, 2);
	ck_assert_uint_eq(s1->nmembers, 4);
	ck_assert_ptr_null(td_lookup(s1, "x.y.b.test."));
	ck_assert_ptr_null(pooldns_snapshot_pool_by_id(s1, 3));
	ck_assert(!desc(s1, "y.b.test."));
	ck_assert(desc(s1, "b.test."));

	/* an id the data does not have: nothing changes */
	td_dataset_init(&ds, 3);
	s2 = delta(f.m, IDS(77), &ds, 3, &st);
	ck_assert_uint_eq(st.removed + st.put + st.skipped, 0);
	ck_assert_uint_eq(s2->npools, 2);
	ck_assert_uint_eq(s2->nmembers, 4);

	/* the last pools */
	td_dataset_init(&ds, 4);
	s2 = delta(f.m, IDS(1, 2), &ds, 4, &st);
	ck_assert_uint_eq(st.removed, 2);
	ck_assert_uint_eq(s2->npools, 0);
	ck_assert_uint_eq(s2->nmembers, 0);
	ck_assert_uint_eq(s2->ancestors.count, 0);
	ck_assert(!desc(s2, "test."));
	ck_assert_ptr_null(td_lookup(s2, "www.a.test."));
	fx_free(&f);
}
END_TEST

START_TEST(test_delta_members)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s1;
	const struct pooldns_pool *p;
	char h[TD_HOST_MAX];

	fx_init(&f);
	load_base(&f);
	/* 11: weight 5; 12: unchanged; 13: deleted; 14, 15: new */
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 1, .name = "www.a.test.");
	TD_MEMBER(&ds, .id = 11, .pool = 1, .host = "10.0.0.1", .weight = 5);
	TD_MEMBER(&ds, .id = 12, .pool = 1, .host = "10.0.0.2");
	TD_MEMBER(&ds, .id = 14, .pool = 1, .host = "10.0.0.4", .disabled = 1);
	TD_MEMBER(&ds, .id = 15, .pool = 1, .host = "2001:db8::5", .priority = 3);
	s1 = delta(f.m, IDS(1), &ds, 2, &st);
	ck_assert_uint_eq(st.put, 1);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 7);
	p = td_lookup(s1, "www.a.test.");
	ck_assert_uint_eq(p->n_v4, 3);
	ck_assert_uint_eq(p->n_v6, 1);
	ck_assert_uint_eq(member(p, 11)->weight, 5);
	ck_assert_uint_eq(member(p, 12)->weight, 1);
	ck_assert_ptr_null(member(p, 13));
	ck_assert_str_eq(host_of(p, 14, h), "10.0.0.4");
	ck_assert(!member(p, 14)->enabled);
	ck_assert_str_eq(host_of(p, 15, h), "2001:db8::5");
	ck_assert_uint_eq(member(p, 15)->priority, 3);
	fx_free(&f);
}
END_TEST

START_TEST(test_delta_move_member)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1;
	const struct pooldns_pool *p1, *p2;
	char h[TD_HOST_MAX];

	fx_init(&f);
	s0 = load_base(&f);
	pooldns_read_lock();
	/* member 21 moves from pool 2 to pool 1, in one change */
	td_dataset_init(&ds, 2);
	base_pool1(&ds);
	TD_MEMBER(&ds, .id = 21, .pool = 1, .host = "10.0.1.1");
	TD_POOL(&ds, .id = 2, .name = "api.b.test.", .policy = "all");
	s1 = delta(f.m, IDS(1, 2), &ds, 2, &st);
	ck_assert_uint_eq(st.put, 2);
	ck_assert_uint_eq(st.removed + st.skipped, 0);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 6);
	p1 = td_lookup(s1, "www.a.test.");
	p2 = td_lookup(s1, "api.b.test.");
	ck_assert_str_eq(host_of(p1, 21, h), "10.0.1.1");
	ck_assert_uint_eq(p1->n_v4, 3);
	ck_assert_uint_eq(p2->n_v4 + p2->n_v6, 0);
	ck_assert_ptr_null(member(p2, 21));
	/* the old snapshot has it where it was, and only there */
	ck_assert_ptr_nonnull(member(td_lookup(s0, "api.b.test."), 21));
	ck_assert_ptr_null(member(td_lookup(s0, "www.a.test."), 21));
	pooldns_read_unlock();
	fx_free(&f);
}
END_TEST

START_TEST(test_delta_swap_names)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s1;
	const struct pooldns_pool *p;

	fx_init(&f);
	capture_start();
	load_base(&f);
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 1, .name = "api.b.test.");
	TD_MEMBER(&ds, .id = 11, .pool = 1, .host = "10.0.0.1");
	TD_POOL(&ds, .id = 2, .name = "www.a.test.", .policy = "all");
	TD_MEMBER(&ds, .id = 21, .pool = 2, .host = "10.0.1.1");
	s1 = delta(f.m, IDS(1, 2), &ds, 2, &st);
	ck_assert_uint_eq(st.put, 2);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert_uint_eq(st.removed, 0);
	ck_assert(!pooldns_model_needs_full(f.m));
	ck_assert_str_eq(logbuf, "");
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 4);
	p = td_lookup(s1, "api.b.test.");
	ck_assert_int_eq(p->id, 1);
	ck_assert_ptr_nonnull(member(p, 11));
	p = td_lookup(s1, "www.a.test.");
	ck_assert_int_eq(p->id, 2);
	ck_assert_int_eq(p->policy, POOLDNS_POLICY_ALL);
	ck_assert_ptr_nonnull(member(p, 21));

	/* a name freed by a delete is taken by a rename in the same change */
	td_dataset_init(&ds, 3);
	TD_POOL(&ds, .id = 3, .name = "www.a.test.");
	s1 = delta(f.m, IDS(2, 3), &ds, 3, &st);
	ck_assert_uint_eq(st.put, 1);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert(!pooldns_model_needs_full(f.m));
	ck_assert_uint_eq(s1->npools, 2);
	ck_assert_int_eq(td_lookup(s1, "www.a.test.")->id, 3);
	ck_assert_ptr_null(td_lookup(s1, "x.y.b.test."));
	ck_assert_ptr_null(pooldns_snapshot_pool_by_id(s1, 2));
	ck_assert_str_eq(logbuf, "");
	fx_free(&f);
}
END_TEST

/* A transaction may replace the same pool more than once (a change feed
 * read in pages); the last record wins and earlier ones are dropped. */
static void replace_twice(struct pooldns_model *m)
{
	struct pooldns_dataset ds;
	struct recs r;

	td_dataset_init(&ds, 0);
	TD_POOL(&ds, .id = 1, .name = "www.a.test.", .ttl = 40);
	TD_POOL(&ds, .id = 2, .name = "api.b.test.", .ttl = 50);
	r = records(&ds);
	ck_assert_int_eq(pooldns_model_replace(m, IDS(1, 2), r.v, r.n), 0);
	free(r.v);
	td_dataset_init(&ds, 0);
	TD_POOL(&ds, .id = 1, .name = "second.a.test.", .ttl = 41);
	TD_MEMBER(&ds, .id = 11, .pool = 1, .host = "10.0.0.1");
	TD_POOL(&ds, .id = 2, .name = "api.b.test.", .ttl = 51);
	r = records(&ds);
	ck_assert_int_eq(pooldns_model_replace(m, IDS(1, 2), r.v, r.n), 0);
	free(r.v);
}

static void assert_replaced_twice(const struct pooldns_snapshot *s, size_t npools)
{
	check_snapshot(s);
	ck_assert_uint_eq(s->npools, npools);
	ck_assert_ptr_null(td_lookup(s, "www.a.test."));
	ck_assert_uint_eq(td_lookup(s, "second.a.test.")->ttl, 41);
	ck_assert_int_eq(td_lookup(s, "second.a.test.")->id, 1);
	ck_assert_uint_eq(td_lookup(s, "api.b.test.")->ttl, 51);
	ck_assert(desc(s, "a.test."));
}

START_TEST(test_delta_same_pool_twice)
{
	struct fx f;
	struct pooldns_model_stats st;
	struct pooldns_model *m;
	struct pooldns_snapshot *s;

	/* on published data: rotation carries through both records */
	fx_init(&f);
	atomic_store(&td_lookup(load_base(&f), "www.a.test.")->rr, 12);
	ck_assert_int_eq(pooldns_model_begin(f.m, false), 0);
	replace_twice(f.m);
	s = pooldns_model_commit(f.m, 2, 2, &st);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(st.put, 4);
	assert_replaced_twice(s, 3);
	ck_assert_uint_eq(s->nmembers, 3);
	ck_assert_uint_eq(atomic_load(&td_lookup(s, "second.a.test.")->rr), 12);
	fx_free(&f);

	/* and as the first transaction of a model (nothing published) */
	m = pooldns_model_new(NULL, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(pooldns_model_begin(m, false), 0);
	replace_twice(m);
	s = pooldns_model_commit(m, 1, 1, &st);
	ck_assert_ptr_nonnull(s);
	assert_replaced_twice(s, 2);
	ck_assert_uint_eq(s->nmembers, 1);
	pooldns_snapshot_free(s);
	pooldns_model_free(m);
}
END_TEST

START_TEST(test_delta_cascade)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s1;

	fx_init(&f);
	capture_start();
	load_base(&f);
	/* pool 1 is named in the change but has no row (deleted with its
	 * members; a member row left behind has no pool) */
	td_dataset_init(&ds, 2);
	TD_MEMBER(&ds, .id = 11, .pool = 1, .host = "10.0.0.1");
	s1 = delta(f.m, IDS(1), &ds, 2, &st);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_uint_eq(st.put, 0);
	ck_assert_uint_eq(s1->npools, 2);
	ck_assert_uint_eq(s1->nmembers, 3);
	ck_assert_ptr_null(td_lookup(s1, "www.a.test."));
	ck_assert_ptr_null(pooldns_snapshot_pool_by_id(s1, 1));
	ck_assert(!desc(s1, "a.test."));
	ck_assert_msg(strstr(logbuf, "member id 11 of pool id 1: no such pool") != NULL, "%s",
		      logbuf);
	fx_free(&f);
}
END_TEST

/* ---- full loads ------------------------------------------------------------------ */

START_TEST(test_full_identical_keeps_records)
{
	enum { N = 2000 };
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0 = NULL, *s1;
	const struct pooldns_pool **rec = calloc(N + 1, sizeof(*rec));
	char name[64], host[64];

	ck_assert_ptr_nonnull(rec);
	fx_init(&f);
	for (int round = 0; round < 3; round++) {
		td_dataset_init(&ds, round + 1);
		for (int i = 1; i <= N; i++) {
			snprintf(name, sizeof(name), "p%d.z%d.full.test.", i, i % 17);
			snprintf(host, sizeof(host), "10.1.%d.%d", i / 250, i % 250 + 1);
			/* the third round changes pool 7's ttl */
			TD_POOL(&ds, .id = i, .name = name, .ttl = round == 2 && i == 7 ? 77 : 30);
			TD_MEMBER(&ds, .id = i, .pool = i, .host = host);
		}
		s1 = full(f.m, &ds, round + 1, &st);
		ck_assert_uint_eq(s1->npools, N);
		ck_assert_uint_eq(s1->nmembers, N);
		ck_assert_uint_eq(st.removed + st.skipped, 0);
		if (round == 0) {
			ck_assert_uint_eq(st.put, N);
			for (int i = 1; i <= N; i++)
				rec[i] = pooldns_snapshot_pool_by_id(s1, i);
		} else if (round == 1) {
			/* identical: every record kept, nothing put */
			ck_assert_ptr_ne(s1, s0);
			ck_assert_uint_eq(st.unchanged, s1->npools);
			ck_assert_uint_eq(st.put, 0);
			for (int i = 1; i <= N; i++) {
				snprintf(name, sizeof(name), "p%d.z%d.full.test.", i, i % 17);
				ck_assert_ptr_eq(td_lookup(s1, name), rec[i]);
			}
		} else {
			ck_assert_uint_eq(st.unchanged, N - 1);
			ck_assert_uint_eq(st.put, 1);
			ck_assert_ptr_ne(td_lookup(s1, "p7.z7.full.test."), rec[7]);
			ck_assert_uint_eq(td_lookup(s1, "p7.z7.full.test.")->ttl, 77);
			ck_assert_ptr_eq(td_lookup(s1, "p8.z8.full.test."), rec[8]);
		}
		s0 = s1;
	}
	free(rec);
	fx_free(&f);
}
END_TEST

START_TEST(test_full_drops_pools)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1;
	static const char *const names[] = { NULL,           "one.a.test.",
					     "two.b.test.",  "three.a.test.",
					     "four.c.test.", "five.a.test." };

	fx_init(&f);
	td_dataset_init(&ds, 1);
	for (int i = 1; i <= 5; i++) {
		char host[32];
		snprintf(host, sizeof(host), "10.2.0.%d", i);
		TD_POOL(&ds, .id = i, .name = names[i]);
		TD_MEMBER(&ds, .id = i, .pool = i, .host = host);
	}
	s0 = full(f.m, &ds, 1, &st);
	ck_assert_uint_eq(s0->npools, 5);
	ck_assert(desc(s0, "b.test."));
	ck_assert(desc(s0, "c.test."));
	const struct pooldns_pool *keep = td_lookup(s0, "three.a.test.");

	td_dataset_init(&ds, 2);
	for (int i = 1; i <= 5; i += 2) {
		char host[32];
		snprintf(host, sizeof(host), "10.2.0.%d", i);
		TD_POOL(&ds, .id = i, .name = names[i]);
		TD_MEMBER(&ds, .id = i, .pool = i, .host = host);
	}
	s1 = full(f.m, &ds, 2, &st);
	ck_assert_uint_eq(st.removed, 2);
	ck_assert_uint_eq(st.unchanged, 3);
	ck_assert_uint_eq(st.put, 0);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 3);
	ck_assert_ptr_null(td_lookup(s1, "two.b.test."));
	ck_assert_ptr_null(td_lookup(s1, "four.c.test."));
	ck_assert_ptr_eq(td_lookup(s1, "three.a.test."), keep);
	ck_assert(!desc(s1, "b.test."));
	ck_assert(!desc(s1, "c.test."));
	ck_assert(desc(s1, "a.test."));

	/* an empty load empties the snapshot */
	td_dataset_init(&ds, 3);
	s1 = full(f.m, &ds, 3, &st);
	ck_assert_uint_eq(st.removed, 3);
	ck_assert_uint_eq(s1->npools, 0);
	ck_assert_uint_eq(s1->ancestors.count, 0);
	fx_free(&f);
}
END_TEST

START_TEST(test_full_swap_names)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s1;

	fx_init(&f);
	capture_start();
	load_base(&f);
	/* a full load where pool 1 takes the name pool 2 had, and 2 takes 1's */
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 1, .name = "api.b.test.");
	TD_POOL(&ds, .id = 2, .name = "www.a.test.");
	base_pool3(&ds);
	s1 = full(f.m, &ds, 2, &st);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert_uint_eq(st.unchanged, 1);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 2);
	ck_assert_int_eq(td_lookup(s1, "api.b.test.")->id, 1);
	ck_assert_int_eq(td_lookup(s1, "www.a.test.")->id, 2);
	ck_assert_str_eq(logbuf, "");
	fx_free(&f);
}
END_TEST

START_TEST(test_duplicate_name_needs_full)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s1;

	fx_init(&f);
	capture_start();
	load_base(&f);
	ck_assert(!pooldns_model_needs_full(f.m));

	/* a new pool with a name pool 1 has: skipped, a full load asked for */
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 4, .name = "www.a.test.");
	TD_MEMBER(&ds, .id = 41, .pool = 4, .host = "10.0.4.1");
	s1 = delta(f.m, IDS(4), &ds, 2, &st);
	ck_assert_uint_eq(st.skipped, 1);
	ck_assert_uint_eq(st.put, 0);
	ck_assert(pooldns_model_needs_full(f.m));
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 6);
	ck_assert_int_eq(td_lookup(s1, "www.a.test.")->id, 1);
	ck_assert_ptr_null(pooldns_snapshot_pool_by_id(s1, 4));
	ck_assert_msg(strstr(logbuf, "warning|pool id 4 \"www.a.test.\": duplicate name (pool "
				     "id 1 has it) (skipped)") != NULL,
		      "%s", logbuf);

	/* later deltas and an aborted full load leave the request standing */
	td_dataset_init(&ds, 3);
	base_pool2(&ds);
	delta(f.m, IDS(2), &ds, 3, &st);
	ck_assert(pooldns_model_needs_full(f.m));
	ck_assert_int_eq(pooldns_model_begin(f.m, true), 0);
	pooldns_model_abort(f.m);
	ck_assert(pooldns_model_needs_full(f.m));

	/* the next full commit settles it */
	base(&ds, 4);
	full(f.m, &ds, 4, &st);
	ck_assert(!pooldns_model_needs_full(f.m));
	fx_free(&f);
}
END_TEST

/* ---- round-robin counters ---------------------------------------------------------- */

START_TEST(test_rr_carried_over)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1;
	struct pooldns_pool *p;

	fx_init(&f);
	s0 = load_base(&f);
	atomic_store(&td_lookup(s0, "www.a.test.")->rr, 41);
	atomic_store(&td_lookup(s0, "x.y.b.test.")->rr, 7);
	atomic_store(&td_lookup(s0, "api.b.test.")->rr, 1000);

	pooldns_read_lock();
	/* update (same name), rename and an untouched pool, in one change */
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 1, .name = "www.a.test.", .ttl = 5);
	TD_POOL(&ds, .id = 3, .name = "renamed.b.test.", .policy = "failover");
	TD_POOL(&ds, .id = 4, .name = "new.a.test.");
	s1 = delta(f.m, IDS(1, 3, 4), &ds, 2, &st);
	p = td_lookup(s1, "www.a.test.");
	ck_assert_ptr_ne(p, td_lookup(s0, "www.a.test."));
	ck_assert_uint_eq(atomic_load(&p->rr), 41);
	ck_assert_uint_eq(atomic_load(&td_lookup(s1, "renamed.b.test.")->rr), 7);
	ck_assert_uint_eq(atomic_load(&td_lookup(s1, "api.b.test.")->rr), 1000);
	ck_assert_uint_eq(atomic_load(&td_lookup(s1, "new.a.test.")->rr), 0);
	/* the old records keep theirs */
	ck_assert_uint_eq(atomic_load(&td_lookup(s0, "www.a.test.")->rr), 41);
	ck_assert_uint_eq(atomic_load(&td_lookup(s0, "x.y.b.test.")->rr), 7);
	pooldns_read_unlock();

	/* a full load with a changed pool carries it too */
	atomic_store(&p->rr, 99);
	td_dataset_init(&ds, 3);
	TD_POOL(&ds, .id = 1, .name = "www.a.test.", .ttl = 6);
	base_pool2(&ds);
	s1 = full(f.m, &ds, 3, &st);
	ck_assert_uint_eq(st.put, 1);
	ck_assert_uint_eq(st.unchanged, 1);
	ck_assert_uint_eq(st.removed, 2);
	ck_assert_uint_eq(td_lookup(s1, "www.a.test.")->ttl, 6);
	ck_assert_uint_eq(atomic_load(&td_lookup(s1, "www.a.test.")->rr), 99);
	ck_assert_uint_eq(atomic_load(&td_lookup(s1, "api.b.test.")->rr), 1000);
	fx_free(&f);
}
END_TEST

/* ---- abort ------------------------------------------------------------------------ */

static void assert_base(const struct pooldns_snapshot *s)
{
	check_snapshot(s);
	ck_assert_uint_eq(s->npools, 3);
	ck_assert_uint_eq(s->nmembers, 6);
	ck_assert_int_eq(td_lookup(s, "www.a.test.")->id, 1);
	ck_assert_int_eq(td_lookup(s, "api.b.test.")->id, 2);
	ck_assert_int_eq(td_lookup(s, "x.y.b.test.")->id, 3);
	ck_assert_uint_eq(td_lookup(s, "x.y.b.test.")->ttl, 30);
	ck_assert_ptr_null(td_lookup(s, "moved.q.test."));
	ck_assert_ptr_null(td_lookup(s, "four.a.test."));
	ck_assert(desc(s, "a.test."));
	ck_assert(desc(s, "y.b.test."));
	ck_assert(!desc(s, "q.test."));
}

START_TEST(test_abort)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1;
	struct recs r;

	fx_init(&f);
	s0 = load_base(&f);

	/* a delta that renames 1, deletes 3 and inserts 4 (new ancestors,
	 * a dropped one, chunks copied), then abort */
	td_dataset_init(&ds, 2);
	TD_POOL(&ds, .id = 1, .name = "moved.q.test.");
	TD_MEMBER(&ds, .id = 11, .pool = 1, .host = "10.0.0.1");
	TD_POOL(&ds, .id = 4, .name = "four.a.test.");
	r = records(&ds);
	ck_assert_int_eq(pooldns_model_begin(f.m, false), 0);
	ck_assert_int_eq(pooldns_model_replace(f.m, IDS(1, 3, 4), r.v, r.n), 0);
	free(r.v);
	pooldns_model_abort(f.m);
	ck_assert_ptr_eq(published(&f), s0);
	ck_assert_ptr_eq(pooldns_model_current(f.m), s0);
	assert_base(s0);
	pooldns_model_abort(f.m); /* no transaction: nothing */

	/* the next delta works on the data as it was: pool 3 is still
	 * known by its id (updated in place, not added twice) */
	td_dataset_init(&ds, 3);
	TD_POOL(&ds, .id = 3, .name = "x.y.b.test.", .ttl = 33);
	pooldns_read_lock(); /* keeps s0 for the comparison after the commit */
	s1 = delta(f.m, IDS(3), &ds, 3, &st);
	ck_assert_uint_eq(st.put, 1);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 4);
	ck_assert_uint_eq(td_lookup(s1, "x.y.b.test.")->ttl, 33);
	ck_assert_ptr_eq(td_lookup(s1, "www.a.test."), td_lookup(s0, "www.a.test."));
	pooldns_read_unlock();

	/* the aborted change, committed this time */
	td_dataset_init(&ds, 4);
	TD_POOL(&ds, .id = 1, .name = "moved.q.test.");
	TD_MEMBER(&ds, .id = 11, .pool = 1, .host = "10.0.0.1");
	TD_POOL(&ds, .id = 4, .name = "four.a.test.");
	s1 = delta(f.m, IDS(1, 3, 4), &ds, 4, &st);
	ck_assert_uint_eq(st.put, 2);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_uint_eq(s1->npools, 3);
	ck_assert_uint_eq(s1->nmembers, 2);
	ck_assert_int_eq(td_lookup(s1, "moved.q.test.")->id, 1);
	ck_assert_int_eq(td_lookup(s1, "four.a.test.")->id, 4);
	ck_assert(desc(s1, "q.test."));
	ck_assert(desc(s1, "a.test."));
	ck_assert(!desc(s1, "y.b.test."));

	/* a full load aborted after some puts, then the same load committed */
	base(&ds, 5);
	r = records(&ds);
	ck_assert_int_eq(pooldns_model_begin(f.m, true), 0);
	ck_assert_int_eq(pooldns_model_put(f.m, r.v[0]), 0);
	ck_assert_int_eq(pooldns_model_put(f.m, r.v[1]), 0);
	pooldns_model_abort(f.m);
	for (size_t i = 2; i < r.n; i++)
		free(r.v[i]);
	free(r.v);
	ck_assert_ptr_eq(published(&f), s1);
	check_snapshot(s1);
	ck_assert_int_eq(td_lookup(s1, "moved.q.test.")->id, 1);
	base(&ds, 6);
	s1 = full(f.m, &ds, 6, &st);
	ck_assert_uint_eq(st.put, 2);       /* pool 1 renamed back, pool 3 again */
	ck_assert_uint_eq(st.unchanged, 1); /* pool 2 */
	ck_assert_uint_eq(st.removed, 1);   /* pool 4 */
	assert_base(s1);
	fx_free(&f);
}
END_TEST

/* n pools from id first on, each below a parent of its own:
 * p<i>.a<i>.grow.test., or n<i>.b<i>.grow.test. for the new ones. */
static void grow_rows(struct pooldns_dataset *ds, int first, int n, bool new_ones)
{
	char name[64];

	for (int i = first; i < first + n; i++) {
		if (new_ones)
			snprintf(name, sizeof(name), "n%d.b%d.grow.test.", i, i);
		else
			snprintf(name, sizeof(name), "p%d.a%d.grow.test.", i, i);
		TD_POOL(ds, .id = i, .name = name);
	}
}

START_TEST(test_abort_after_growth)
{
	struct fx f;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s0, *s1;
	int64_t ids[700];
	size_t nids = 0;
	struct recs r;

	fx_init(&f);
	td_dataset_init(&ds, 1);
	grow_rows(&ds, 1, 200, false);
	s0 = full(f.m, &ds, 1, &st);
	ck_assert_uint_eq(s0->pools.nslots, POOLDNS_PTAB_CHUNK);
	ck_assert_uint_eq(s0->ancestors.count, 202);

	for (int id = 1; id <= 50; id++)
		ids[nids++] = id;
	for (int id = 1000; id < 1600; id++)
		ids[nids++] = id;
	for (int round = 0; round < 2; round++) {
		/* both tables grow (rehashed into new chunks) and lose
		 * entries; the first time the change is aborted */
		td_dataset_init(&ds, 2);
		grow_rows(&ds, 1000, 600, true);
		r = records(&ds);
		ck_assert_int_eq(pooldns_model_begin(f.m, false), 0);
		ck_assert_int_eq(pooldns_model_replace(f.m, ids, nids, r.v, r.n), 0);
		free(r.v);
		if (round == 0) {
			pooldns_model_abort(f.m);
			ck_assert_ptr_eq(published(&f), s0);
			check_snapshot(s0);
			ck_assert_uint_eq(s0->npools, 200);
			ck_assert_uint_eq(s0->pools.nslots, POOLDNS_PTAB_CHUNK);
			ck_assert_uint_eq(s0->ancestors.count, 202);
			ck_assert_int_eq(td_lookup(s0, "p7.a7.grow.test.")->id, 7);
			ck_assert_ptr_null(td_lookup(s0, "n1000.b1000.grow.test."));
			continue;
		}
		s1 = pooldns_model_commit(f.m, 2, 2, &st);
		ck_assert_ptr_nonnull(s1);
		check_snapshot(s1);
		ck_assert_uint_eq(st.put, 600);
		ck_assert_uint_eq(st.removed, 50);
		ck_assert_uint_eq(s1->npools, 750);
		ck_assert_uint_ge(s1->pools.nslots, 2048);
		ck_assert_uint_eq(s1->ancestors.count, 752);
		ck_assert_ptr_null(td_lookup(s1, "p7.a7.grow.test."));
		ck_assert_int_eq(td_lookup(s1, "p77.a77.grow.test.")->id, 77);
		ck_assert_int_eq(td_lookup(s1, "n1234.b1234.grow.test.")->id, 1234);
	}
	fx_free(&f);
}
END_TEST

/* ---- continuing from a published snapshot ------------------------------------------ */

START_TEST(test_adopt_published)
{
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_model *m;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	struct pooldns_snapshot *s0;
	const struct pooldns_snapshot *s1;
	const struct pooldns_pool *p1;
	char err[256] = "";

	/* a snapshot made elsewhere (the cache file at start-up), published
	 * before the model exists */
	base(&ds, 1);
	s0 = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof(err));
	ck_assert_msg(s0 != NULL, "%s", err);
	pooldns_dataset_clear(&ds);
	pooldns_store_publish(store, s0);
	p1 = td_lookup(s0, "www.a.test.");

	m = pooldns_model_new(store, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_eq(pooldns_model_current(m), s0);

	pooldns_read_lock();
	/* the first transaction: a full load without pool 2 */
	td_dataset_init(&ds, 2);
	base_pool1(&ds);
	base_pool3(&ds);
	s1 = full(m, &ds, 2, &st);
	ck_assert_uint_eq(st.unchanged, 2);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_uint_eq(st.put, 0);
	ck_assert_uint_eq(s1->npools, 2);
	ck_assert_ptr_null(td_lookup(s1, "api.b.test."));
	ck_assert_ptr_eq(td_lookup(s1, "www.a.test."), p1);
	/* the adopted snapshot is intact for its readers */
	assert_base(s0);
	pooldns_read_unlock();

	/* a delta from there */
	td_dataset_init(&ds, 3);
	s1 = delta(m, IDS(3), &ds, 3, &st);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert_uint_eq(s1->npools, 1);
	ck_assert(!desc(s1, "b.test."));
	pooldns_model_free(m);
	pooldns_store_free(store);
}
END_TEST

START_TEST(test_adopt_then_delta)
{
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_model *m;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	struct pooldns_snapshot *s0;
	const struct pooldns_snapshot *s1;
	char err[256] = "";

	base(&ds, 1);
	s0 = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof(err));
	ck_assert_msg(s0 != NULL, "%s", err);
	pooldns_dataset_clear(&ds);
	pooldns_store_publish(store, s0);
	m = pooldns_model_new(store, NULL);
	ck_assert_ptr_nonnull(m);

	pooldns_read_lock();
	/* the first transaction is a delta that drops the only pool below
	 * y.b.test.: the ancestor leaves the new snapshot, not the old one */
	td_dataset_init(&ds, 2);
	s1 = delta(m, IDS(3), &ds, 2, &st);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert(!desc(s1, "y.b.test."));
	assert_base(s0);
	pooldns_read_unlock();

	/* an aborted delta that adds an ancestor below an adopted one */
	td_dataset_init(&ds, 3);
	TD_POOL(&ds, .id = 5, .name = "five.a.test.");
	struct recs r = records(&ds);
	ck_assert_int_eq(pooldns_model_begin(m, false), 0);
	ck_assert_int_eq(pooldns_model_replace(m, IDS(5), r.v, r.n), 0);
	free(r.v);
	pooldns_model_abort(m);
	check_snapshot(s1);
	ck_assert(desc(s1, "a.test."));
	pooldns_model_free(m);
	pooldns_store_free(store);
}
END_TEST

/* ---- a model without a store ------------------------------------------------------- */

START_TEST(test_storeless)
{
	struct pooldns_model *m = pooldns_model_new(NULL, NULL);
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	struct pooldns_snapshot *a, *b, *c;
	struct pooldns_pool *p;

	ck_assert_ptr_nonnull(m);
	base(&ds, 1);
	a = full(m, &ds, 1, &st);
	ck_assert_ptr_null(pooldns_model_current(m));
	ck_assert(a->own_all);
	/* every load starts afresh: b shares nothing with a */
	base(&ds, 2);
	b = full(m, &ds, 2, &st);
	ck_assert_uint_eq(st.put, 3);
	ck_assert_uint_eq(st.unchanged, 0);
	for (size_t it = 0; (p = pooldns_snapshot_next(b, &it)) != NULL;)
		ck_assert_ptr_ne(td_lookup(a, p->name_text), p);
	pooldns_snapshot_free(a);
	assert_base(b);
	/* a delta on nothing: just its pools */
	td_dataset_init(&ds, 3);
	base_pool2(&ds);
	c = delta(m, IDS(2, 3), &ds, 3, &st);
	ck_assert_uint_eq(c->npools, 1);
	ck_assert_uint_eq(st.removed, 0);
	pooldns_snapshot_free(b);
	check_snapshot(c);
	pooldns_snapshot_free(c);
	pooldns_model_free(m);
}
END_TEST

/* ---- health references --------------------------------------------------------------- */

static void hc_pool(struct pooldns_dataset *ds, int64_t id, const char *name, int ttl,
		    const char *const *hosts, size_t n)
{
	TD_POOL(ds, .id = id, .name = name, .ttl = ttl, .check_type = "tcp", .check_port = 9,
		.interval_ms = 60000);
	for (size_t i = 0; i < n; i++)
		TD_MEMBER(ds, .id = id * 10 + (int64_t)i, .pool = id, .host = hosts[i]);
}

static size_t endpoints(struct pooldns_health *h)
{
	struct pooldns_health_stats hs;

	pooldns_health_get_stats(h, &hs);
	return hs.endpoints;
}

START_TEST(test_health_refs)
{
	static const char *const h12[] = { "127.0.0.1", "127.0.0.2" };
	static const char *const h1[] = { "127.0.0.1" };
	static const char *const h3[] = { "127.0.0.3" };
	struct pooldns_health_opts o = { .max_concurrent = 4 };
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_health *h;
	struct pooldns_model *m;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	const struct pooldns_snapshot *s;
	const struct pooldns_hstate *st1, *st2;
	char err[256] = "";

	h = pooldns_health_start(&o, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	m = pooldns_model_new(store, h);
	ck_assert_ptr_nonnull(m);

	td_dataset_init(&ds, 1);
	hc_pool(&ds, 1, "hc1.test.", 30, h12, 2);
	hc_pool(&ds, 2, "hc2.test.", 30, h1, 1);
	s = full(m, &ds, 1, &st);
	ck_assert_uint_eq(endpoints(h), 2); /* 127.0.0.1 shared by both pools */
	st1 = member(td_lookup(s, "hc1.test."), 10)->health;
	st2 = member(td_lookup(s, "hc1.test."), 11)->health;
	ck_assert_ptr_nonnull(st1);
	ck_assert_ptr_nonnull(st2);
	ck_assert_ptr_eq(member(td_lookup(s, "hc2.test."), 20)->health, st1);

	/* a new record for pool 1: same endpoints, same states */
	td_dataset_init(&ds, 2);
	hc_pool(&ds, 1, "hc1.test.", 60, h12, 2);
	s = delta(m, IDS(1), &ds, 2, &st);
	ck_assert_uint_eq(endpoints(h), 2);
	ck_assert_ptr_eq(member(td_lookup(s, "hc1.test."), 10)->health, st1);
	ck_assert_ptr_eq(member(td_lookup(s, "hc1.test."), 11)->health, st2);

	/* an identical full load keeps them too */
	td_dataset_init(&ds, 3);
	hc_pool(&ds, 1, "hc1.test.", 60, h12, 2);
	hc_pool(&ds, 2, "hc2.test.", 30, h1, 1);
	s = full(m, &ds, 3, &st);
	ck_assert_uint_eq(st.unchanged, 2);
	ck_assert_uint_eq(endpoints(h), 2);

	/* an aborted insert of a new endpoint leaves nothing behind */
	td_dataset_init(&ds, 4);
	hc_pool(&ds, 3, "hc3.test.", 30, h3, 1);
	struct recs r = records(&ds);
	ck_assert_int_eq(pooldns_model_begin(m, false), 0);
	ck_assert_int_eq(pooldns_model_replace(m, IDS(3), r.v, r.n), 0);
	free(r.v);
	ck_assert_uint_eq(endpoints(h), 3);
	pooldns_model_abort(m);
	ck_assert_uint_eq(endpoints(h), 2);

	/* pool 1 gone: 127.0.0.2 retires, 127.0.0.1 stays for pool 2 */
	td_dataset_init(&ds, 5);
	s = delta(m, IDS(1), &ds, 5, &st);
	ck_assert_uint_eq(endpoints(h), 1);
	ck_assert_ptr_eq(member(td_lookup(s, "hc2.test."), 20)->health, st1);
	/* and the last one */
	td_dataset_init(&ds, 6);
	delta(m, IDS(2), &ds, 6, &st);
	ck_assert_uint_eq(endpoints(h), 0);

	pooldns_health_stop(h);
	pooldns_model_free(m);
	pooldns_store_free(store);
	pooldns_health_free(h);
}
END_TEST

/* ---- the table itself ---------------------------------------------------------------- */

/* A table record: the key first, as ptab.h requires. */
struct trec {
	const uint8_t *name;
	uint8_t name_len;
	uint32_t key;
	uint32_t serial;
	uint8_t bytes[64];
};

#define PT_NAMES    20000
#define PT_FIRST    10000 /* inserted by the first version */
#define PT_NEW      1500  /* names never seen before, per later version */
#define PT_VERSIONS 8
_Static_assert(PT_FIRST + (PT_VERSIONS - 2) * PT_NEW <= PT_NAMES, "enough names");

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

struct trecs {
	struct trec **v;
	size_t n;
};

/* The wire name of key k in w; its length. */
static size_t kname(uint32_t k, uint8_t w[64])
{
	char text[64];
	int len;

	snprintf(text, sizeof(text), "n%u.t%u.ptab.", k, k % 97);
	len = pooldns_dname_from_text(text, w, 64);
	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

static struct trec *trec_new(struct trecs *all, uint32_t key, uint32_t serial)
{
	struct trec *r = calloc(1, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	r->name_len = (uint8_t)kname(key, r->bytes);
	r->name = r->bytes;
	r->key = key;
	r->serial = serial;
	all->v[all->n++] = r;
	return r;
}

static const struct trec *tget(const struct pooldns_ptab *t, uint32_t k)
{
	uint8_t w[64];
	size_t len = kname(k, w);

	return pooldns_ptab_get(t, w, len, pooldns_dname_hash(w, len));
}

/* t holds exactly the records of want[] (indexed by key). */
static void tcheck(const struct pooldns_ptab *t, const struct trec *const *want)
{
	size_t n = 0, slots = 0;

	check_table_shape(t);
	for (uint32_t k = 0; k < PT_NAMES + 100; k++) {
		const struct trec *w = k < PT_NAMES ? want[k] : NULL;

		ck_assert_ptr_eq(tget(t, k), w);
		if (w != NULL)
			n++;
	}
	ck_assert_uint_eq(t->count, n);
	for (size_t i = 0; i < t->nslots; i++) {
		const struct trec *r = pooldns_ptab_slot(t, i);
		if (r == NULL)
			continue;
		slots++;
		ck_assert_uint_lt(r->key, PT_NAMES);
		ck_assert_ptr_eq(want[r->key], r);
	}
	ck_assert_uint_eq(slots, n);
}

START_TEST(test_ptab_versions)
{
	struct pooldns_ptab t[PT_VERSIONS];
	struct pooldns_garbage g[PT_VERSIONS];
	const struct trec *(*want)[PT_NAMES] = calloc(PT_VERSIONS, sizeof(*want));
	struct trecs all = { calloc(4 * PT_NAMES, sizeof(struct trec *)), 0 };
	uint32_t serial = 0;
	const void *old;

	ck_assert_ptr_nonnull(want);
	ck_assert_ptr_nonnull(all.v);
	memset(t, 0, sizeof(t));
	memset(g, 0, sizeof(g));

	/* an empty table answers and deletes nothing */
	ck_assert_ptr_null(tget(&t[0], 1));
	ck_assert_int_eq(pooldns_ptab_del(&t[0], 1, &g[0], (const uint8_t *)"\0", 1, &old), 0);
	ck_assert_ptr_null(old);

	/* version 0: the first names */
	for (uint32_t k = 0; k < PT_FIRST; k++) {
		struct trec *r = trec_new(&all, k, serial++);
		ck_assert_int_eq(pooldns_ptab_put(&t[0], 1, &g[0], r, &old), 0);
		ck_assert_ptr_null(old);
		want[0][k] = r;
	}
	/* a fresh table replaces nothing of an earlier version */
	ck_assert_uint_eq(g[0].n, 0);
	tcheck(&t[0], want[0]);

	/* versions 1..6: random deletes (of names present or not), new
	 * names (so that the table grows in a later version too), random
	 * puts (replacing a record or bringing a deleted name back) */
	for (int v = 1; v < PT_VERSIONS - 1; v++) {
		uint64_t gen = (uint64_t)v + 1;
		uint32_t fresh = PT_FIRST + (uint32_t)(v - 1) * PT_NEW;

		t[v] = t[v - 1];
		memcpy(want[v], want[v - 1], sizeof(want[v]));
		for (int i = 0; i < 500; i++) {
			uint32_t k = rnd(PT_NAMES);
			uint8_t w[64];
			size_t wl = kname(k, w);

			ck_assert_int_eq(pooldns_ptab_del(&t[v], gen, &g[v], w, wl, &old), 0);
			ck_assert_ptr_eq(old, want[v][k]);
			want[v][k] = NULL;
		}
		for (uint32_t i = 0; i < PT_NEW + 600; i++) {
			uint32_t k = i < PT_NEW ? fresh + i : rnd(PT_NAMES);
			struct trec *r = trec_new(&all, k, serial++);

			ck_assert_int_eq(pooldns_ptab_put(&t[v], gen, &g[v], r, &old), 0);
			ck_assert_ptr_eq(old, want[v][k]);
			want[v][k] = r;
		}
		tcheck(&t[v], want[v]);
		/* the earlier versions are untouched */
		for (int u = 0; u < v; u++)
			tcheck(&t[u], want[u]);
	}
	ck_assert_uint_gt(t[PT_VERSIONS - 2].nslots, t[0].nslots); /* it grew */

	/* the last version writes one record: it copies the directory and
	 * that record's chunk, and shares every other chunk */
	{
		int v = PT_VERSIONS - 1;
		uint32_t k = 0;
		size_t differ = 0;

		t[v] = t[v - 1];
		memcpy(want[v], want[v - 1], sizeof(want[v]));
		while (want[v][k] == NULL)
			k++;
		struct trec *r = trec_new(&all, k, serial++);
		ck_assert_int_eq(pooldns_ptab_put(&t[v], (uint64_t)v + 1, &g[v], r, &old), 0);
		ck_assert_ptr_eq(old, want[v][k]);
		want[v][k] = r;
		ck_assert_ptr_ne(t[v].dir, t[v - 1].dir);
		ck_assert_uint_eq(t[v].nslots, t[v - 1].nslots);
		for (size_t c = 0; c < (t[v].nslots >> POOLDNS_PTAB_CHUNK_SHIFT); c++)
			if (t[v].dir[c] != t[v - 1].dir[c])
				differ++;
		ck_assert_uint_eq(differ, 1);
		/* what it replaced: the old directory and the old chunk */
		ck_assert_uint_eq(g[v].n, 2);
		tcheck(&t[v], want[v]);
	}
	for (int u = 0; u < PT_VERSIONS; u++)
		tcheck(&t[u], want[u]);

	/* Every piece is in the last version or in exactly one garbage list
	 * (ASan reports a double free, LeakSanitizer a piece in neither). */
	pooldns_ptab_free_all(&t[PT_VERSIONS - 1]);
	for (int u = 0; u < PT_VERSIONS; u++)
		pooldns_garbage_free(&g[u]);
	for (size_t i = 0; i < all.n; i++)
		free(all.v[i]);
	free(all.v);
	free(want);
}
END_TEST

/* ---- the same through the model: old snapshots keep their contents ----------------- */

#define CW_POOLS    3000
#define CW_MAXID    (CW_POOLS + 600)
#define CW_VERSIONS 7

struct cw_state {
	bool present[CW_MAXID + 1];
	int name[CW_MAXID + 1]; /* name number */
	uint32_t ttl[CW_MAXID + 1];
};

static void cw_name(char *buf, size_t cap, int name)
{
	snprintf(buf, cap, "p%d.g%d.cow.test.", name, name % 50);
}

static void cw_add(struct pooldns_dataset *ds, const struct cw_state *s, int id)
{
	char name[64], host[32];

	cw_name(name, sizeof(name), s->name[id]);
	snprintf(host, sizeof(host), "10.%d.%d.%u", id >> 8, id & 255, s->ttl[id] & 255);
	TD_POOL(ds, .id = id, .name = name, .ttl = (int)s->ttl[id]);
	TD_MEMBER(ds, .id = id, .pool = id, .host = host);
}

/* snap holds exactly the pools of s. */
static void cw_check(const struct pooldns_snapshot *snap, const struct cw_state *s)
{
	const struct pooldns_pool *p;
	size_t n = 0;
	char name[64];

	for (int id = 1; id <= CW_MAXID; id++) {
		if (!s->present[id])
			continue;
		n++;
		cw_name(name, sizeof(name), s->name[id]);
		p = td_lookup(snap, name);
		ck_assert_msg(p != NULL, "%s", name);
		ck_assert_int_eq(p->id, id);
		ck_assert_uint_eq(p->ttl, s->ttl[id]);
		ck_assert_uint_eq(p->n_v4, 1);
		ck_assert_uint_eq(p->v4[0].addr[3], s->ttl[id] & 255);
	}
	ck_assert_uint_eq(snap->npools, n);
	for (size_t it = 0; (p = pooldns_snapshot_next(snap, &it)) != NULL;) {
		ck_assert(p->id >= 1 && p->id <= CW_MAXID && s->present[p->id]);
		cw_name(name, sizeof(name), s->name[p->id]);
		ck_assert_str_eq(p->name_text, name);
	}
}

START_TEST(test_model_versions_keep_contents)
{
	struct fx f;
	struct cw_state *s = calloc(CW_VERSIONS, sizeof(*s));
	const struct pooldns_snapshot *snap[CW_VERSIONS];
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	int next_id = CW_POOLS + 1, next_name = 100000;

	ck_assert_ptr_nonnull(s);
	fx_init(&f);
	/* Held to the end: every snapshot published below stays readable. */
	pooldns_read_lock();
	td_dataset_init(&ds, 0);
	for (int id = 1; id <= CW_POOLS; id++) {
		s[0].present[id] = true;
		s[0].name[id] = id;
		s[0].ttl[id] = 100;
		cw_add(&ds, &s[0], id);
	}
	snap[0] = full(f.m, &ds, 0, &st);
	cw_check(snap[0], &s[0]);

	for (int v = 1; v < CW_VERSIONS; v++) {
		bool touched[CW_MAXID + 1] = { false };
		int64_t ids[CW_MAXID];
		size_t nids = 0, ndel = 0, nput = 0;

		s[v] = s[v - 1];
		td_dataset_init(&ds, v);
		for (int i = 0; i < 300; i++) {
			int id = 1 + (int)rnd(next_id - 1), op = (int)rnd(3);

			if (touched[id] || !s[v].present[id])
				continue;
			touched[id] = true;
			if (op == 0) {
				s[v].present[id] = false;
				ndel++;
				continue;
			}
			s[v].ttl[id] = 100 + (uint32_t)v;
			if (op == 2)
				s[v].name[id] = next_name++;
			nput++;
		}
		for (int i = 0; i < 100 && next_id <= CW_MAXID; i++, next_id++) {
			touched[next_id] = true;
			s[v].present[next_id] = true;
			s[v].name[next_id] = next_name++;
			s[v].ttl[next_id] = 100 + (uint32_t)v;
			nput++;
		}
		for (int id = 1; id <= CW_MAXID; id++) {
			if (!touched[id])
				continue;
			ids[nids++] = id;
			if (s[v].present[id])
				cw_add(&ds, &s[v], id);
		}
		snap[v] = delta(f.m, ids, nids, &ds, v, &st);
		ck_assert_uint_eq(st.removed, ndel);
		ck_assert_uint_eq(st.put, nput);
		ck_assert_uint_eq(st.skipped, 0);
		cw_check(snap[v], &s[v]);
		/* untouched pools share their record with the previous version */
		for (int id = 1; id <= CW_MAXID; id++) {
			char name[64];

			if (touched[id] || !s[v].present[id])
				continue;
			cw_name(name, sizeof(name), s[v].name[id]);
			ck_assert_ptr_eq(td_lookup(snap[v], name), td_lookup(snap[v - 1], name));
		}
	}
	/* every version still sees its own contents */
	for (int v = 0; v < CW_VERSIONS; v++) {
		check_snapshot(snap[v]);
		cw_check(snap[v], &s[v]);
	}
	pooldns_read_unlock();
	fx_free(&f);
	free(s);
}
END_TEST

/* ---- readers during published deltas ------------------------------------------------- */

#define CR_POOLS  48
#define CR_GROUPS 4
#define CR_DELTAS 200
#define CR_FLIP   1000 /* present in even versions only */
#define CR_RENAME 2000 /* "r-even" in even versions, "r-odd" in odd ones */
#define CR_MOVE_A 3000 /* member 777 here in even versions */
#define CR_MOVE_B 3001 /* and here in odd ones */

/* Pool id at generation gen (its ttl is 1000 + gen): 1 + gen % 4 IPv4
 * members 10.j.(gen >> 8).(gen & 255), ids id * 100 + j, and one IPv6
 * member ending in gen. */
static void cr_pool(struct pooldns_dataset *ds, int64_t id, const char *name, int gen)
{
	char host[64];
	int n = 1 + gen % 4;

	TD_POOL(ds, .id = id, .name = name, .ttl = 1000 + gen);
	for (int j = 0; j < n; j++) {
		snprintf(host, sizeof(host), "10.%d.%d.%d", j, gen >> 8, gen & 255);
		TD_MEMBER(ds, .id = id * 100 + j, .pool = id, .host = host);
	}
	snprintf(host, sizeof(host), "2001:db8::%x:%x", (unsigned)id, (unsigned)gen);
	TD_MEMBER(ds, .id = id * 100 + 99, .pool = id, .host = host);
}

struct cr_names {
	uint8_t w[CR_POOLS + 1][POOLDNS_NAME_MAX];
	size_t len[CR_POOLS + 1];
	uint8_t flip[POOLDNS_NAME_MAX], even[POOLDNS_NAME_MAX], odd[POOLDNS_NAME_MAX],
		ma[POOLDNS_NAME_MAX], mb[POOLDNS_NAME_MAX], parent[POOLDNS_NAME_MAX];
	size_t flip_len, even_len, odd_len, ma_len, mb_len, parent_len;
};

static void cr_name(char *buf, size_t cap, int64_t id)
{
	snprintf(buf, cap, "c%lld.g%lld.conc.test.", (long long)id, (long long)(id % CR_GROUPS));
}

static size_t wire(const char *text, uint8_t *w)
{
	int len = pooldns_dname_from_text(text, w, POOLDNS_NAME_MAX);

	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

struct cr_reader {
	struct pooldns_store *store;
	const struct cr_names *names;
	atomic_bool *stop;
	atomic_ulong reads;
	unsigned long bad, versions_seen;
	int64_t last;
	char why[160];
};

static void cr_bad(struct cr_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cr_bad(struct cr_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->bad++ == 0) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
}

/* 0..: the pool's generation when its members all carry it; -1: torn. */
static int cr_gen(const struct pooldns_pool *p)
{
	int gen = (int)p->ttl - 1000;

	if (gen < 0 || p->n_v4 != 1 + gen % 4 || p->n_v6 != 1)
		return -1;
	for (int j = 0; j < p->n_v4; j++) {
		const struct pooldns_member *m = &p->v4[j];
		if (m->id != p->id * 100 + j || m->addr[0] != 10 || m->addr[1] != j ||
		    m->addr[2] != (gen >> 8) || m->addr[3] != (gen & 255))
			return -1;
	}
	if (p->v6[0].id != p->id * 100 + 99 || p->v6[0].addr[14] != ((gen >> 8) & 255) ||
	    p->v6[0].addr[15] != (gen & 255))
		return -1;
	return gen;
}

static void cr_check(struct cr_reader *r, const struct pooldns_snapshot *s)
{
	const struct cr_names *nm = r->names;
	int64_t v = s->version;
	int group_gen[CR_GROUPS];
	const struct pooldns_pool *p, *a, *b;

	for (int g = 0; g < CR_GROUPS; g++)
		group_gen[g] = -2;
	if (v < r->last)
		cr_bad(r, "version %lld after %lld", (long long)v, (long long)r->last);
	if (v != r->last)
		r->versions_seen++;
	r->last = v;
	if (s->npools != CR_POOLS + 3 + (v % 2 == 0))
		cr_bad(r, "version %lld: %zu pools", (long long)v, s->npools);
	for (int id = 1; id <= CR_POOLS; id++) {
		int gen;

		p = pooldns_snapshot_lookup(s, nm->w[id], nm->len[id]);
		if (p == NULL || p->id != id) {
			cr_bad(r, "version %lld: pool %d missing", (long long)v, id);
			continue;
		}
		gen = cr_gen(p);
		if (gen < 0 || gen > v) {
			cr_bad(r, "version %lld: pool %d torn or from the future (gen %d)",
			       (long long)v, id, gen);
			continue;
		}
		/* one change rewrites a whole group: all or nothing */
		if (group_gen[id % CR_GROUPS] == -2)
			group_gen[id % CR_GROUPS] = gen;
		else if (group_gen[id % CR_GROUPS] != gen)
			cr_bad(r, "version %lld: group %d half changed", (long long)v,
			       id % CR_GROUPS);
	}
	if (v >= 2 && group_gen[v % CR_GROUPS] != v)
		cr_bad(r, "version %lld: its group has gen %d", (long long)v,
		       group_gen[v % CR_GROUPS]);
	p = pooldns_snapshot_lookup(s, nm->flip, nm->flip_len);
	if ((p != NULL) != (v % 2 == 0) || (p != NULL && cr_gen(p) != v))
		cr_bad(r, "version %lld: flip pool wrong", (long long)v);
	a = pooldns_snapshot_lookup(s, nm->even, nm->even_len);
	b = pooldns_snapshot_lookup(s, nm->odd, nm->odd_len);
	p = v % 2 == 0 ? a : b;
	if (p == NULL || (v % 2 == 0 ? b : a) != NULL || p->id != CR_RENAME || cr_gen(p) != v)
		cr_bad(r, "version %lld: renamed pool wrong", (long long)v);
	a = pooldns_snapshot_lookup(s, nm->ma, nm->ma_len);
	b = pooldns_snapshot_lookup(s, nm->mb, nm->mb_len);
	if (a == NULL || b == NULL) {
		cr_bad(r, "version %lld: move pools missing", (long long)v);
	} else {
		bool in_a = a->n_v4 == 1 && a->v4[0].id == 777;
		bool in_b = b->n_v4 == 1 && b->v4[0].id == 777;
		if (in_a == in_b || in_a != (v % 2 == 0) || a->n_v4 + b->n_v4 != 1)
			cr_bad(r, "version %lld: moved member in %s", (long long)v,
			       in_a == in_b ? (in_a ? "both" : "neither") : "the wrong pool");
	}
	if (!pooldns_snapshot_has_descendant(s, nm->parent, nm->parent_len))
		cr_bad(r, "version %lld: conc.test. lost its descendants", (long long)v);
}

static void *cr_reader_main(void *arg)
{
	struct cr_reader *r = arg;

	while (!atomic_load(r->stop)) {
		const struct pooldns_snapshot *s;

		pooldns_read_lock();
		s = pooldns_store_get(r->store);
		if (s != NULL) {
			cr_check(r, s);
			if ((atomic_load(&r->reads) & 7) == 0)
				sched_yield(); /* stay inside a little longer */
			cr_check(r, s);
		}
		pooldns_read_unlock();
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

/* Waits (up to 2 s) until every reader has made a whole read that began
 * after this call, i.e. has seen what is published now. */
static void cr_sync(struct cr_reader *rd, size_t n)
{
	unsigned long before[2];

	ck_assert_uint_le(n, 2);
	for (size_t i = 0; i < n; i++)
		before[i] = atomic_load(&rd[i].reads);
	for (int t = 0; t < 2000; t++) {
		size_t done = 0;
		for (size_t i = 0; i < n; i++)
			done += atomic_load(&rd[i].reads) >= before[i] + 2;
		if (done == n)
			return;
		usleep(1000);
	}
}

/* The rows of version v for the pools the change of version v rewrites
 * (every pool at version 1). */
static void cr_rows(struct pooldns_dataset *ds, int v, bool all, int64_t *ids, size_t *nids)
{
	char name[64];

	td_dataset_init(ds, v);
	*nids = 0;
	for (int64_t id = 1; id <= CR_POOLS; id++) {
		if (!all && id % CR_GROUPS != v % CR_GROUPS)
			continue;
		cr_name(name, sizeof(name), id);
		cr_pool(ds, id, name, all ? 0 : v);
		ids[(*nids)++] = id;
	}
	if (v % 2 == 0)
		cr_pool(ds, CR_FLIP, "flip.conc.test.", v);
	ids[(*nids)++] = CR_FLIP;
	cr_pool(ds, CR_RENAME, v % 2 == 0 ? "r-even.conc.test." : "r-odd.conc.test.", v);
	ids[(*nids)++] = CR_RENAME;
	TD_POOL(ds, .id = CR_MOVE_A, .name = "ma.conc.test.", .ttl = 1000 + v);
	TD_POOL(ds, .id = CR_MOVE_B, .name = "mb.conc.test.", .ttl = 1000 + v);
	TD_MEMBER(ds, .id = 777, .pool = v % 2 == 0 ? CR_MOVE_A : CR_MOVE_B, .host = "10.200.0.1");
	ids[(*nids)++] = CR_MOVE_A;
	ids[(*nids)++] = CR_MOVE_B;
}

START_TEST(test_concurrent_readers)
{
	struct fx f;
	struct cr_names *nm = calloc(1, sizeof(*nm));
	struct cr_reader rd[2];
	pthread_t th[2];
	atomic_bool stop;
	struct pooldns_dataset ds;
	struct pooldns_model_stats st;
	int64_t ids[CR_POOLS + 8];
	size_t nids;
	char name[64];

	ck_assert_ptr_nonnull(nm);
	for (int id = 1; id <= CR_POOLS; id++) {
		cr_name(name, sizeof(name), id);
		nm->len[id] = wire(name, nm->w[id]);
	}
	nm->flip_len = wire("flip.conc.test.", nm->flip);
	nm->even_len = wire("r-even.conc.test.", nm->even);
	nm->odd_len = wire("r-odd.conc.test.", nm->odd);
	nm->ma_len = wire("ma.conc.test.", nm->ma);
	nm->mb_len = wire("mb.conc.test.", nm->mb);
	nm->parent_len = wire("conc.test.", nm->parent);

	fx_init(&f);
	/* version 1: a full load, every pool at generation 0 (the ones
	 * that alternate at 1) */
	cr_rows(&ds, 1, true, ids, &nids);
	full(f.m, &ds, 1, &st);
	ck_assert_uint_eq(published(&f)->npools, CR_POOLS + 3);

	atomic_init(&stop, false);
	for (int i = 0; i < 2; i++) {
		memset(&rd[i], 0, sizeof(rd[i]));
		atomic_init(&rd[i].reads, 0);
		rd[i].store = f.store;
		rd[i].names = nm;
		rd[i].stop = &stop;
		ck_assert_int_eq(pthread_create(&th[i], NULL, cr_reader_main, &rd[i]), 0);
	}
	/* (A writer the readers held up would show as this test running
	 * into its case's timeout, not as a bound on seconds here.) */
	for (int v = 2; v < 2 + CR_DELTAS; v++) {
		cr_rows(&ds, v, false, ids, &nids);
		delta(f.m, ids, nids, &ds, v, &st);
		ck_assert_uint_eq(st.skipped, 0);
		/* now and then, make sure both readers are really reading
		 * while the deltas go on (each time a newer version) */
		if (v % 20 == 2)
			cr_sync(rd, 2);
		else if (v % 8 == 0)
			sched_yield();
	}
	cr_sync(rd, 2); /* and the last version */
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_msg(rd[i].bad == 0, "reader %d: %lu bad reads, first: %s", i, rd[i].bad,
			      rd[i].why);
		ck_assert_uint_gt(atomic_load(&rd[i].reads), 0);
		ck_assert_uint_ge(rd[i].versions_seen, CR_DELTAS / 20 + 1);
		ck_assert_int_eq(rd[i].last, 1 + CR_DELTAS);
	}
	ck_assert_int_eq(published(&f)->version, 1 + CR_DELTAS);
	fx_free(&f);
	free(nm);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("delta");
	TCase *tl = tcase_create("large");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_delta_insert);
	tcase_add_test(tc, test_delta_update);
	tcase_add_test(tc, test_delta_rename);
	tcase_add_test(tc, test_delta_delete);
	tcase_add_test(tc, test_delta_members);
	tcase_add_test(tc, test_delta_move_member);
	tcase_add_test(tc, test_delta_swap_names);
	tcase_add_test(tc, test_delta_same_pool_twice);
	tcase_add_test(tc, test_delta_cascade);
	tcase_add_test(tc, test_full_drops_pools);
	tcase_add_test(tc, test_full_swap_names);
	tcase_add_test(tc, test_duplicate_name_needs_full);
	tcase_add_test(tc, test_rr_carried_over);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_abort_after_growth);
	tcase_add_test(tc, test_adopt_published);
	tcase_add_test(tc, test_adopt_then_delta);
	tcase_add_test(tc, test_storeless);
	tcase_add_test(tc, test_health_refs);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tl, 300);
	tcase_add_test(tl, test_full_identical_keeps_records);
	tcase_add_test(tl, test_ptab_versions);
	tcase_add_test(tl, test_model_versions_keep_contents);
	tcase_add_test(tl, test_concurrent_readers);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int failed;

	/* quiet unless a test captures the log */
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
