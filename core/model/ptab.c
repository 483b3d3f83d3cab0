/*
 * ptab.c — the persistent chunked hash table of snapshot names (see
 * ptab.h for the design and the ownership rules).
 *
 * Owns nothing between calls: directories and chunks belong to the table
 * version that created them (their `gen`), replaced ones are handed to the
 * caller's garbage list.
 *
 * Thread model: readers call pooldns_ptab_get() on published versions;
 * the one writer (the model, on the poller thread) builds the next version.
 * A writer never modifies a chunk or directory whose gen is not its own,
 * which is what keeps published versions immutable.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"
#include "core/model/ptab.h"

int pooldns_garbage_add(struct pooldns_garbage *g, void *item)
{
	if (item == NULL)
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		void **n = realloc(g->items, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		g->items = n;
		g->cap = cap;
	}
	g->items[g->n++] = item;
	return 0;
}

void pooldns_garbage_free(struct pooldns_garbage *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->items[i]);
	free(g->items);
	g->items = NULL;
	g->n = g->cap = 0;
}

/* The key of a record: its first two fields (ptab.h). memcpy keeps the
 * access valid whatever the record's declared type. */
static inline void rec_key(const void *rec, const uint8_t **name, size_t *len)
{
	memcpy(name, rec, sizeof(*name));
	*len = ((const uint8_t *)rec)[sizeof(const uint8_t *)];
}

static inline uint32_t rec_hash(const void *rec)
{
	const uint8_t *name;
	size_t len;

	rec_key(rec, &name, &len);
	return pooldns_dname_hash(name, len);
}

const void *pooldns_ptab_get(const struct pooldns_ptab *t, const uint8_t *name, size_t len,
			     uint32_t hash)
{
	size_t mask, i;

	if (t->nslots == 0)
		return NULL;
	mask = t->nslots - 1;
	i = hash & mask;
	/* At most half full: an empty slot ends every probe. */
	for (;;) {
		const void *rec = pooldns_ptab_slot(t, i);
		const uint8_t *rn;
		size_t rl;

		if (rec == NULL)
			return NULL;
		rec_key(rec, &rn, &rl);
		if (rl == len && memcmp(rn, name, len) == 0)
			return rec;
		i = (i + 1) & mask;
	}
}

/* Frees now what this version created, hands the rest to g. */
static int retire(uint64_t owner, uint64_t gen, struct pooldns_garbage *g, void *p)
{
	if (owner == gen) {
		free(p);
		return 0;
	}
	return pooldns_garbage_add(g, p);
}

static int own_dir(struct pooldns_ptab *t, uint64_t gen, struct pooldns_garbage *g)
{
	size_t n = t->nslots >> POOLDNS_PTAB_CHUNK_SHIFT;
	struct pooldns_ptab_chunk **d;

	if (t->gen == gen)
		return 0;
	assert(t->gen < gen);
	d = malloc(n * sizeof(*d));
	if (d == NULL || pooldns_garbage_add(g, t->dir) != 0) {
		free(d);
		return -1;
	}
	memcpy(d, t->dir, n * sizeof(*d));
	t->dir = d;
	t->gen = gen;
	return 0;
}

/* The chunk holding slot i, writable by this version. */
static struct pooldns_ptab_chunk *own_chunk(struct pooldns_ptab *t, uint64_t gen,
					    struct pooldns_garbage *g, size_t i)
{
	size_t ci = i >> POOLDNS_PTAB_CHUNK_SHIFT;
	struct pooldns_ptab_chunk *c = t->dir[ci], *n;

	if (c->gen == gen)
		return c;
	n = malloc(sizeof(*n));
	if (n == NULL || pooldns_garbage_add(g, c) != 0) {
		free(n);
		return NULL;
	}
	memcpy(n, c, sizeof(*n));
	n->gen = gen;
	t->dir[ci] = n;
	return n;
}

static void set_slot(struct pooldns_ptab_chunk *c, size_t i, const void *rec)
{
	c->slot[i & (POOLDNS_PTAB_CHUNK - 1)] = rec;
}

/* Rehashes into a fresh table of at least want slots owned by gen. */
static int grow(struct pooldns_ptab *t, uint64_t gen, struct pooldns_garbage *g, size_t want)
{
	size_t nslots = POOLDNS_PTAB_CHUNK, nchunks, mask;
	struct pooldns_ptab nt;

	while (nslots < want)
		nslots <<= 1;
	nchunks = nslots >> POOLDNS_PTAB_CHUNK_SHIFT;
	nt.nslots = nslots;
	nt.count = t->count;
	nt.gen = gen;
	nt.dir = calloc(nchunks, sizeof(*nt.dir));
	if (nt.dir == NULL)
		return -1;
	for (size_t c = 0; c < nchunks; c++) {
		nt.dir[c] = calloc(1, sizeof(**nt.dir));
		if (nt.dir[c] == NULL) {
			pooldns_ptab_free_all(&nt);
			return -1;
		}
		nt.dir[c]->gen = gen;
	}
	mask = nslots - 1;
	for (size_t i = 0; i < t->nslots; i++) {
		const void *rec = pooldns_ptab_slot(t, i);
		size_t j;

		if (rec == NULL)
			continue;
		j = rec_hash(rec) & mask;
		while (pooldns_ptab_slot(&nt, j) != NULL)
			j = (j + 1) & mask;
		set_slot(nt.dir[j >> POOLDNS_PTAB_CHUNK_SHIFT], j, rec);
	}
	/* Make sure the garbage list can take every old piece before any is
	 * handed over, so a failure leaves t as it was. */
	if (t->nslots > 0) {
		size_t need = (t->nslots >> POOLDNS_PTAB_CHUNK_SHIFT) + 1;
		if (g->cap - g->n < need) {
			size_t cap = g->n + need + 64;
			void **items = realloc(g->items, cap * sizeof(*items));
			if (items == NULL) {
				pooldns_ptab_free_all(&nt);
				return -1;
			}
			g->items = items;
			g->cap = cap;
		}
		for (size_t c = 0; c < (t->nslots >> POOLDNS_PTAB_CHUNK_SHIFT); c++)
			(void)retire(t->dir[c]->gen, gen, g, t->dir[c]);
		(void)retire(t->gen, gen, g, t->dir);
	}
	*t = nt;
	return 0;
}

int pooldns_ptab_put(struct pooldns_ptab *t, uint64_t gen, struct pooldns_garbage *g,
		     const void *rec, const void **old)
{
	const uint8_t *name;
	size_t len, mask, i;

	if (old != NULL)
		*old = NULL;
	if (2 * (t->count + 1) > t->nslots && grow(t, gen, g, 2 * (t->count + 1)) != 0)
		return -1;
	if (own_dir(t, gen, g) != 0)
		return -1;
	rec_key(rec, &name, &len);
	mask = t->nslots - 1;
	i = pooldns_dname_hash(name, len) & mask;
	for (;;) {
		const void *cur = pooldns_ptab_slot(t, i);
		struct pooldns_ptab_chunk *c;
		const uint8_t *cn;
		size_t cl;

		if (cur != NULL) {
			rec_key(cur, &cn, &cl);
			if (cl != len || memcmp(cn, name, len) != 0) {
				i = (i + 1) & mask;
				continue;
			}
		}
		if ((c = own_chunk(t, gen, g, i)) == NULL)
			return -1;
		set_slot(c, i, rec);
		if (cur == NULL)
			t->count++;
		else if (old != NULL)
			*old = cur;
		return 0;
	}
}

int pooldns_ptab_del(struct pooldns_ptab *t, uint64_t gen, struct pooldns_garbage *g,
		     const uint8_t *name, size_t len, const void **old)
{
	size_t mask, i, j;
	const void *found;
	struct pooldns_ptab_chunk *c;

	*old = NULL;
	if (t->nslots == 0)
		return 0;
	mask = t->nslots - 1;
	i = pooldns_dname_hash(name, len) & mask;
	for (;;) {
		const void *cur = pooldns_ptab_slot(t, i);
		const uint8_t *cn;
		size_t cl;

		if (cur == NULL)
			return 0;
		rec_key(cur, &cn, &cl);
		if (cl == len && memcmp(cn, name, len) == 0) {
			found = cur;
			break;
		}
		i = (i + 1) & mask;
	}
	/* Own every chunk of the run from the hole to the next empty slot
	 * first, so that running out of memory leaves the table untouched. */
	if (own_dir(t, gen, g) != 0)
		return -1;
	for (j = i;; j = (j + 1) & mask) {
		if (pooldns_ptab_slot(t, j) == NULL)
			break;
		if (own_chunk(t, gen, g, j) == NULL)
			return -1;
	}
	c = t->dir[i >> POOLDNS_PTAB_CHUNK_SHIFT];
	set_slot(c, i, NULL);
	t->count--;
	*old = found;
	/* Backward shift: pull later entries of the run into the hole when
	 * their home slot is not after the hole, so probes stay unbroken. */
	for (j = (i + 1) & mask;; j = (j + 1) & mask) {
		const void *cur = pooldns_ptab_slot(t, j);
		size_t home;

		if (cur == NULL)
			break;
		home = rec_hash(cur) & mask;
		/* Stays when home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		set_slot(t->dir[i >> POOLDNS_PTAB_CHUNK_SHIFT], i, cur);
		set_slot(t->dir[j >> POOLDNS_PTAB_CHUNK_SHIFT], j, NULL);
		i = j;
	}
	return 0;
}

void pooldns_ptab_free_all(struct pooldns_ptab *t)
{
	if (t->dir != NULL) {
		for (size_t c = 0; c < (t->nslots >> POOLDNS_PTAB_CHUNK_SHIFT); c++)
			free(t->dir[c]);
		free(t->dir);
	}
	t->dir = NULL;
	t->nslots = 0;
	t->count = 0;
}
