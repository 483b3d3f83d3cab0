/*
 * model.c — makes each snapshot from the previous one plus a change (see
 * model.h for the design and the transaction rules).
 *
 * Owns: the writer's private state — an index from pool id to the current
 * record, the open transaction (the snapshot being made, the garbage it
 * will hand to the previous snapshot, the records it created and the ones
 * it replaced) — and, without a store, nothing after commit. Records and
 * table pieces of published snapshots belong to those snapshots.
 *
 * Thread model: one writer thread. The only fields of shared objects it
 * writes are writer-only ones readers never read (pool `seen`, ancestor
 * `refs` and `born`, a published snapshot's `garbage` and `own_all` before
 * its successor is published); everything readers read is immutable once
 * published.
 */
#include "config.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"
#include "core/health/health.h"
#include "core/log.h"
#include "core/model/model.h"
#include "core/model/store.h"

/* Writer-private index: pool id -> current record (open addressing). */
struct id_index {
	struct pooldns_pool **slot;
	size_t nslots; /* 0 or a power of two */
	size_t count;
};

/* A plain growable list of records. */
struct rec_list {
	struct pooldns_pool **v;
	size_t n;
	size_t cap;
};

struct pooldns_model {
	struct pooldns_store *store;   /* NULL: commits return the snapshot */
	struct pooldns_health *health; /* NULL: no health checks */
	struct pooldns_snapshot *current;
	struct id_index idx;
	uint64_t gen; /* table version of the snapshot being made */
	uint64_t commits; /* snapshots committed: the generation of the last */
	uint32_t txn; /* seen mark of the open transaction (never 0) */
	bool open;
	bool full;
	bool needs_full;
	struct pooldns_snapshot *next;
	struct pooldns_garbage garbage; /* pieces of earlier snapshots it replaced */
	struct rec_list created;        /* records this transaction made live */
	struct rec_list replaced;       /* current records it took out */
	size_t nmembers;
	struct pooldns_model_stats st;
};

/* ---- small helpers ----------------------------------------------------------- */

static int list_add(struct rec_list *l, struct pooldns_pool *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct pooldns_pool **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return 0;
}

static void list_reset(struct rec_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static uint64_t id_hash(int64_t id)
{
	uint64_t x = (uint64_t)id;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct pooldns_pool *idx_get(const struct id_index *ix, int64_t id)
{
	size_t mask, i;

	if (ix->nslots == 0)
		return NULL;
	mask = ix->nslots - 1;
	for (i = id_hash(id) & mask; ix->slot[i] != NULL; i = (i + 1) & mask)
		if (ix->slot[i]->id == id)
			return ix->slot[i];
	return NULL;
}

static int idx_grow(struct id_index *ix)
{
	size_t n = ix->nslots ? 2 * ix->nslots : 1024, mask = n - 1;
	struct pooldns_pool **s = calloc(n, sizeof(*s));

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < ix->nslots; i++) {
		struct pooldns_pool *p = ix->slot[i];
		size_t j;

		if (p == NULL)
			continue;
		for (j = id_hash(p->id) & mask; s[j] != NULL; j = (j + 1) & mask)
			;
		s[j] = p;
	}
	free(ix->slot);
	ix->slot = s;
	ix->nslots = n;
	return 0;
}

/* Sets id -> p, replacing the record that has p's id. */
static int idx_set(struct id_index *ix, struct pooldns_pool *p)
{
	size_t mask, i;

	if (2 * (ix->count + 1) > ix->nslots && idx_grow(ix) != 0)
		return -1;
	mask = ix->nslots - 1;
	for (i = id_hash(p->id) & mask; ix->slot[i] != NULL; i = (i + 1) & mask) {
		if (ix->slot[i]->id == p->id) {
			ix->slot[i] = p;
			return 0;
		}
	}
	ix->slot[i] = p;
	ix->count++;
	return 0;
}

static void idx_del(struct id_index *ix, int64_t id)
{
	size_t mask, i, j;

	if (ix->nslots == 0)
		return;
	mask = ix->nslots - 1;
	for (i = id_hash(id) & mask;; i = (i + 1) & mask) {
		if (ix->slot[i] == NULL)
			return;
		if (ix->slot[i]->id == id)
			break;
	}
	ix->slot[i] = NULL;
	ix->count--;
	for (j = (i + 1) & mask; ix->slot[j] != NULL; j = (j + 1) & mask) {
		size_t home = id_hash(ix->slot[j]->id) & mask;
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		ix->slot[i] = ix->slot[j];
		ix->slot[j] = NULL;
		i = j;
	}
}

static void idx_clear(struct id_index *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}

/* ---- ancestors -------------------------------------------------------------- */

/* Calls back for every proper ancestor of (name, len) except the root. */
#define FOR_EACH_ANCESTOR(name, len, an, al)                                                       \
	for (const uint8_t *an = (name) + (name)[0] + 1;                                           \
	     an[0] != 0 && (size_t)(an - (name)) < (len); an += an[0] + 1)                         \
		for (size_t al = (len) - (size_t)(an - (name)), once_ = 1; once_; once_ = 0)

static int anc_add(struct pooldns_model *m, const uint8_t *name, size_t len)
{
	if (name[0] == 0)
		return 0;
	FOR_EACH_ANCESTOR(name, len, an, al)
	{
		struct pooldns_ancestor *a = (struct pooldns_ancestor *)pooldns_ptab_get(
			&m->next->ancestors, an, al, pooldns_dname_hash(an, al));
		if (a != NULL) {
			a->refs++;
			continue;
		}
		a = malloc(sizeof(*a) + al);
		if (a == NULL)
			return -1;
		memcpy(a->bytes, an, al);
		a->name = a->bytes;
		a->name_len = (uint8_t)al;
		a->refs = 1;
		a->born = m->txn;
		if (pooldns_ptab_put(&m->next->ancestors, m->gen, &m->garbage, a, NULL) != 0) {
			free(a);
			return -1;
		}
	}
	return 0;
}

static int anc_del(struct pooldns_model *m, const uint8_t *name, size_t len)
{
	if (name[0] == 0)
		return 0;
	FOR_EACH_ANCESTOR(name, len, an, al)
	{
		struct pooldns_ancestor *a = (struct pooldns_ancestor *)pooldns_ptab_get(
			&m->next->ancestors, an, al, pooldns_dname_hash(an, al));
		const void *old;

		assert(a != NULL && a->refs > 0);
		if (--a->refs > 0)
			continue;
		if (pooldns_ptab_del(&m->next->ancestors, m->gen, &m->garbage, an, al, &old) != 0)
			return -1;
		assert(old == a);
		/* One made by this transaction was never published: free it
		 * now, so that the garbage list holds only earlier snapshots'
		 * pieces (what abort must leave alone). */
		if (a->born == m->txn)
			free(a);
		else if (pooldns_garbage_add(&m->garbage, a) != 0)
			return -1;
	}
	return 0;
}

/* Recounts every ancestor's refs from the current snapshot's pools (after
 * an abort left them half-updated, or when adopting a snapshot). Clears
 * `born` too: the snapshot may come from another model (a stand-alone
 * build published before this model existed) whose transaction numbers
 * would otherwise pass for this model's, and anc_del() would then free a
 * published ancestor at once instead of after the grace period. */
static void anc_recount(struct pooldns_snapshot *s)
{
	struct pooldns_pool *p;

	for (size_t i = 0; i < s->ancestors.nslots; i++) {
		struct pooldns_ancestor *a =
			(struct pooldns_ancestor *)pooldns_ptab_slot(&s->ancestors, i);
		if (a != NULL) {
			a->refs = 0;
			a->born = 0; /* no transaction is 0 */
		}
	}
	for (size_t it = 0; (p = pooldns_snapshot_next(s, &it)) != NULL;) {
		if (p->name[0] == 0)
			continue;
		FOR_EACH_ANCESTOR(p->name, (size_t)p->name_len, an, al)
		{
			struct pooldns_ancestor *a = (struct pooldns_ancestor *)pooldns_ptab_get(
				&s->ancestors, an, al, pooldns_dname_hash(an, al));
			if (a != NULL)
				a->refs++;
		}
	}
}

/* Writer state from the current snapshot: the id index and the ancestor
 * counts, with the records' `seen` marks cleared (as `born` above: a
 * record of another model's transaction 1 must not count as put by this
 * model's transaction 1). -1 on out of memory. */
static int adopt_current(struct pooldns_model *m)
{
	struct pooldns_pool *p;

	idx_clear(&m->idx);
	m->nmembers = 0;
	if (m->current == NULL)
		return 0;
	for (size_t it = 0; (p = pooldns_snapshot_next(m->current, &it)) != NULL;) {
		p->seen = 0; /* no transaction is 0 */
		if (idx_set(&m->idx, p) != 0)
			return -1;
		m->nmembers += (size_t)p->n_v4 + p->n_v6;
	}
	anc_recount(m->current);
	return 0;
}

/* ---- records ---------------------------------------------------------------- */

static bool str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool members_same(const struct pooldns_member *a, const struct pooldns_member *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].id != b[i].id || memcmp(a[i].addr, b[i].addr, sizeof(a[i].addr)) != 0 ||
		    a[i].weight != b[i].weight || a[i].priority != b[i].priority ||
		    a[i].family != b[i].family || a[i].enabled != b[i].enabled)
			return false;
	}
	return true;
}

bool pooldns_pool_equal(const struct pooldns_pool *a, const struct pooldns_pool *b)
{
	const struct pooldns_check *x = &a->check, *y = &b->check;

	return a->id == b->id && a->name_len == b->name_len &&
	       memcmp(a->name, b->name, a->name_len) == 0 && str_same(a->name_text, b->name_text) &&
	       a->ttl == b->ttl && a->policy == b->policy && a->fallback == b->fallback &&
	       a->max_answers == b->max_answers && x->type == y->type && x->port == y->port &&
	       x->expect_status == y->expect_status && str_same(x->path, y->path) &&
	       str_same(x->host, y->host) && str_same(x->body, y->body) &&
	       x->interval_ms == y->interval_ms && x->timeout_ms == y->timeout_ms &&
	       x->rise == y->rise && x->fall == y->fall && a->n_v4 == b->n_v4 &&
	       a->n_v6 == b->n_v6 && members_same(a->v4, b->v4, a->n_v4) &&
	       members_same(a->v6, b->v6, a->n_v6);
}

/* Takes old out of the snapshot being made (name, ancestors, index). */
static int take_out(struct pooldns_model *m, struct pooldns_pool *old)
{
	const void *gone;

	if (pooldns_ptab_del(&m->next->pools, m->gen, &m->garbage, old->name, old->name_len,
			     &gone) != 0 ||
	    anc_del(m, old->name, old->name_len) != 0)
		return -1;
	assert(gone == old);
	idx_del(&m->idx, old->id);
	m->nmembers -= (size_t)old->n_v4 + old->n_v6;
	return list_add(&m->replaced, old);
}

/* Puts rec in place of old (the record that has its id now; NULL: none).
 * rr_from gives the rotation counter (old, or a record of the same id
 * already taken out; NULL: start at 0). Takes ownership of rec. -1 on out
 * of memory (rec is then on the created list, freed by abort). */
static int install(struct pooldns_model *m, struct pooldns_pool *rec, struct pooldns_pool *old,
		   const struct pooldns_pool *rr_from)
{
	const void *displaced = NULL;

	if (list_add(&m->created, rec) != 0) {
		free(rec);
		return -1;
	}
	rec->seen = m->txn;
	if (rr_from != NULL) {
		atomic_store_explicit(&rec->rr,
				      atomic_load_explicit(&rr_from->rr, memory_order_relaxed),
				      memory_order_relaxed);
		/* Queries counted on the old record after this load are lost
		 * (it is still answered from until the swap): a counter may
		 * fall short by the queries of one swap, never count twice. */
		atomic_store_explicit(&rec->queries,
				      atomic_load_explicit(&rr_from->queries, memory_order_relaxed),
				      memory_order_relaxed);
	}
	if (old != NULL) {
		if (!(old->name_len == rec->name_len &&
		      memcmp(old->name, rec->name, rec->name_len) == 0) &&
		    take_out(m, old) != 0)
			return -1;
	}
	if (m->health != NULL)
		pooldns_health_attach_pool(m->health, rec);
	if (pooldns_ptab_put(&m->next->pools, m->gen, &m->garbage, rec, &displaced) != 0)
		return -1;
	if (displaced != NULL) {
		/* Same name, so it is old itself: the name's ancestors stay. */
		assert(displaced == old);
		m->nmembers -= (size_t)old->n_v4 + old->n_v6;
		if (list_add(&m->replaced, old) != 0)
			return -1;
	} else if (anc_add(m, rec->name, rec->name_len) != 0) {
		return -1;
	}
	m->nmembers += (size_t)rec->n_v4 + rec->n_v6;
	m->st.put++;
	return idx_set(&m->idx, rec);
}

static void skip_duplicate(struct pooldns_model *m, struct pooldns_pool *rec,
			   const struct pooldns_pool *holder)
{
	pooldns_log(POOLDNS_LOG_WARNING,
		    "pool id %lld \"%s\": duplicate name (pool id %lld has it) (skipped)",
		    (long long)rec->id, rec->name_text, (long long)holder->id);
	m->st.skipped++;
	free(rec);
}

/* ---- transactions ------------------------------------------------------------ */

struct pooldns_model *pooldns_model_new(struct pooldns_store *store, struct pooldns_health *health)
{
	struct pooldns_model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->store = store;
	m->health = health;
	if (store != NULL) {
		/* Only one model publishes to a store at a time, so the current
		 * snapshot cannot be retired under us: no read section needed. */
		m->current = pooldns_store_get(store);
		if (m->current != NULL) {
			m->gen = m->current->pools.gen > m->current->ancestors.gen
					 ? m->current->pools.gen
					 : m->current->ancestors.gen;
			if (adopt_current(m) != 0) {
				idx_clear(&m->idx);
				free(m);
				return NULL;
			}
		}
	}
	return m;
}

void pooldns_model_free(struct pooldns_model *m)
{
	if (m == NULL)
		return;
	if (m->open)
		pooldns_model_abort(m);
	idx_clear(&m->idx);
	free(m);
}

const struct pooldns_snapshot *pooldns_model_current(const struct pooldns_model *m)
{
	return m->current;
}

bool pooldns_model_needs_full(const struct pooldns_model *m)
{
	return m->needs_full;
}

int pooldns_model_begin(struct pooldns_model *m, bool full)
{
	struct pooldns_snapshot *n;

	assert(!m->open);
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -1;
	if (m->current != NULL) {
		n->pools = m->current->pools;
		n->ancestors = m->current->ancestors;
	}
	n->own_all = true;
	m->next = n;
	m->gen++;
	if (++m->txn == 0)
		m->txn = 1;
	m->open = true;
	m->full = full;
	memset(&m->st, 0, sizeof(m->st));
	return 0;
}

int pooldns_model_put(struct pooldns_model *m, struct pooldns_pool *rec)
{
	struct pooldns_pool *old, *holder;

	assert(m->open && m->full);
	old = idx_get(&m->idx, rec->id);
	/* Pages come in ascending id order: an id is put once. */
	assert(old == NULL || old->seen != m->txn);
	if (old != NULL && pooldns_pool_equal(old, rec)) {
		old->seen = m->txn;
		m->st.unchanged++;
		free(rec);
		return 0;
	}
	holder = pooldns_snapshot_lookup(m->next, rec->name, rec->name_len);
	if (holder != NULL && holder != old) {
		if (holder->seen == m->txn) {
			/* A lower id took the name in this load. */
			skip_duplicate(m, rec, holder);
			return 0;
		}
		/* A pool of the current data that this load has not reached
		 * yet: it loses the name; its own row, if any, comes later and
		 * then meets this one as a duplicate. */
		if (take_out(m, holder) != 0) {
			free(rec);
			return -1;
		}
	}
	return install(m, rec, old, old);
}

static struct pooldns_pool *find_rec(struct pooldns_pool **recs, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (recs[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && recs[lo]->id == id ? recs[lo] : NULL;
}

int pooldns_model_replace(struct pooldns_model *m, const int64_t *ids, size_t nids,
			  struct pooldns_pool **recs, size_t nrecs)
{
	struct pooldns_pool **rr_from;
	int rc = 0;
	size_t i;

	assert(m->open && !m->full);
	rr_from = calloc(nrecs ? nrecs : 1, sizeof(*rr_from));
	if (rr_from == NULL) {
		for (i = 0; i < nrecs; i++)
			free(recs[i]);
		return -1;
	}
	for (i = 0; i < nrecs; i++)
		rr_from[i] = idx_get(&m->idx, recs[i]->id);
	/* First take out every pool that goes away or changes its name, so
	 * that names swapped within one change meet no stale holder. */
	for (i = 0; i < nids && rc == 0; i++) {
		struct pooldns_pool *old = idx_get(&m->idx, ids[i]);
		struct pooldns_pool *rec = find_rec(recs, nrecs, ids[i]);

		if (old == NULL)
			continue;
		if (rec == NULL) {
			rc = take_out(m, old);
			m->st.removed++;
		} else if (old->name_len != rec->name_len ||
			   memcmp(old->name, rec->name, rec->name_len) != 0) {
			rc = take_out(m, old);
		}
	}
	/* Then put the new records; rotation carries over from the old ones,
	 * taken out or still in place. */
	for (i = 0; i < nrecs; i++) {
		struct pooldns_pool *rec = recs[i], *holder;

		recs[i] = NULL;
		if (rc != 0) {
			free(rec);
			continue;
		}
		holder = pooldns_snapshot_lookup(m->next, rec->name, rec->name_len);
		if (holder != NULL && holder->id != rec->id) {
			skip_duplicate(m, rec, holder);
			m->needs_full = true;
			continue;
		}
		rc = install(m, rec, idx_get(&m->idx, rec->id), rr_from[i]);
	}
	free(rr_from);
	return rc;
}

/* Frees the table pieces this transaction created in t (gen == m->gen). */
static void free_new_pieces(struct pooldns_ptab *t, uint64_t gen)
{
	if (t->dir == NULL || t->gen != gen)
		return;
	for (size_t c = 0; c < (t->nslots >> POOLDNS_PTAB_CHUNK_SHIFT); c++)
		if (t->dir[c]->gen == gen)
			free(t->dir[c]);
	free(t->dir);
}

void pooldns_model_abort(struct pooldns_model *m)
{
	struct pooldns_snapshot *n = m->next;

	if (!m->open)
		return;
	/* Ancestors made by this transaction and still in n's table; the
	 * garbage list holds only earlier snapshots' pieces, still live. */
	for (size_t i = 0; n->ancestors.dir != NULL && i < n->ancestors.nslots; i++) {
		struct pooldns_ancestor *a =
			(struct pooldns_ancestor *)pooldns_ptab_slot(&n->ancestors, i);
		if (a != NULL && a->born == m->txn)
			free(a);
	}
	/* Records made live by this transaction: detach and free. */
	for (size_t i = 0; i < m->created.n; i++) {
		if (m->health != NULL)
			pooldns_health_detach_pool(m->health, m->created.v[i]);
		free(m->created.v[i]);
	}
	free_new_pieces(&n->pools, m->gen);
	free_new_pieces(&n->ancestors, m->gen);
	free(m->garbage.items);
	memset(&m->garbage, 0, sizeof(m->garbage));
	list_reset(&m->created);
	list_reset(&m->replaced);
	free(n);
	m->next = NULL;
	m->open = false;
	if (m->health != NULL)
		pooldns_health_retire_unused(m->health);
	if (adopt_current(m) != 0) {
		/* Cannot rebuild the index: forget the data; the next load is
		 * a full one from nothing (the store keeps serving). */
		pooldns_log(POOLDNS_LOG_ERR, "model: out of memory rebuilding the index");
		idx_clear(&m->idx);
	}
}

struct pooldns_snapshot *pooldns_model_commit(struct pooldns_model *m, int64_t version, int64_t seq,
					      struct pooldns_model_stats *stats)
{
	struct pooldns_snapshot *n = m->next, *prev = m->current;

	assert(m->open);
	if (m->full) {
		/* Pools the load did not put are gone. */
		struct rec_list gone = { 0 };
		for (size_t i = 0; i < m->idx.nslots; i++) {
			struct pooldns_pool *p = m->idx.slot[i];
			if (p != NULL && p->seen != m->txn && list_add(&gone, p) != 0) {
				list_reset(&gone);
				goto oom;
			}
		}
		for (size_t i = 0; i < gone.n; i++) {
			if (take_out(m, gone.v[i]) != 0) {
				list_reset(&gone);
				goto oom;
			}
			m->st.removed++;
		}
		list_reset(&gone);
	}
	/* Replaced records leave with the previous snapshot. */
	for (size_t i = 0; i < m->replaced.n; i++)
		if (pooldns_garbage_add(&m->garbage, m->replaced.v[i]) != 0)
			goto oom;
	if (m->health != NULL)
		for (size_t i = 0; i < m->replaced.n; i++)
			pooldns_health_detach_pool(m->health, m->replaced.v[i]);

	n->version = version;
	n->seq = seq;
	n->generation = ++m->commits;
	n->npools = n->pools.count;
	n->nmembers = m->nmembers;
	n->own_all = true;
	if (stats != NULL)
		*stats = m->st;
	if (m->full)
		m->needs_full = false;
	if (prev != NULL) {
		assert(prev->garbage.n == 0);
		prev->garbage = m->garbage;
		prev->own_all = false;
	} else {
		/* Nothing earlier to hand the pieces to: the only ones there
		 * can be are records this transaction made and then replaced
		 * again (one pool in two replace calls), never published. */
		pooldns_garbage_free(&m->garbage);
	}
	memset(&m->garbage, 0, sizeof(m->garbage));
	list_reset(&m->created);
	list_reset(&m->replaced);
	m->next = NULL;
	m->open = false;

	if (m->store == NULL) {
		/* The caller owns it; the next transaction starts afresh. */
		m->current = NULL;
		idx_clear(&m->idx);
		m->nmembers = 0;
		return n;
	}
	m->current = n;
	pooldns_store_publish(m->store, n);
	if (m->health != NULL)
		pooldns_health_retire_unused(m->health);
	return n;
oom:
	pooldns_log(POOLDNS_LOG_ERR, "model: out of memory committing a change");
	pooldns_model_abort(m);
	return NULL;
}
