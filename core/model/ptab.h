/*
 * ptab.h — a persistent (copy-on-write) hash table from lower-cased wire
 * names to records, the index of a snapshot.
 *
 * Why: a change of one pool must not copy a million-slot table. The slots
 * are split into fixed chunks reached through a directory; the next version
 * of a table copies the directory (8 bytes per chunk) and only the chunks it
 * writes to. Every other chunk is shared with the previous version, which
 * stays valid for its readers until its grace period ends. Open addressing
 * with linear probing, load factor at most 1/2, backward-shift deletion (no
 * tombstones); growth rehashes into a fresh table (amortised O(1)).
 *
 * Records: every record a table holds starts with the fields
 *     const uint8_t *name; uint8_t name_len;
 * in this order (snapshot.h checks it for its record types at compile
 * time), so the table needs no key callback on the read path.
 *
 * Ownership: a table version owns nothing by itself. Directories and chunks
 * created while building version `gen` belong to it; ones it replaced are
 * appended to the caller's garbage list, to be freed with the previous
 * version after its grace period (see model.c). Records are the caller's.
 *
 * Thread-safety: a published version is read-only: any number of readers,
 * lock-free, no allocation. One writer builds the next version.
 */
#ifndef POOLDNS_PTAB_H
#define POOLDNS_PTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOLDNS_PTAB_CHUNK_SHIFT 9
#define POOLDNS_PTAB_CHUNK       (1u << POOLDNS_PTAB_CHUNK_SHIFT)

struct pooldns_ptab_chunk {
	uint64_t gen; /* the table version that created it; only it may write */
	const void *slot[POOLDNS_PTAB_CHUNK];
};

struct pooldns_ptab {
	size_t nslots; /* 0 (empty) or a power of two >= POOLDNS_PTAB_CHUNK */
	size_t count;
	struct pooldns_ptab_chunk **dir; /* nslots / POOLDNS_PTAB_CHUNK chunks */
	uint64_t gen;                    /* the version that created dir */
};

/* Things a new version replaced, freed (free()) with the old version. */
struct pooldns_garbage {
	void **items;
	size_t n;
	size_t cap;
};

int pooldns_garbage_add(struct pooldns_garbage *g, void *item);
/* Frees every item and the list itself. */
void pooldns_garbage_free(struct pooldns_garbage *g);

/* The record whose name equals (name, len), or NULL. hash is
 * pooldns_dname_hash(name, len). Reader side. */
const void *pooldns_ptab_get(const struct pooldns_ptab *t, const uint8_t *name, size_t len,
			     uint32_t hash);

/* Slot i's record or NULL, for iteration over 0 .. nslots-1. */
static inline const void *pooldns_ptab_slot(const struct pooldns_ptab *t, size_t i)
{
	return t->dir[i >> POOLDNS_PTAB_CHUNK_SHIFT]->slot[i & (POOLDNS_PTAB_CHUNK - 1)];
}

/*
 * Writer side. t is the table of the version being built, identified by
 * gen (strictly greater than every earlier version's gen). The first write
 * of a version copies the directory; writes copy shared chunks. Replaced
 * directories and chunks of earlier versions go to g. All return 0, or -1
 * when out of memory (t is then unchanged or still consistent).
 */

/* Inserts rec under its name, or replaces the record that has the name;
 * *old (may be NULL) receives the replaced record or NULL. */
int pooldns_ptab_put(struct pooldns_ptab *t, uint64_t gen, struct pooldns_garbage *g,
		     const void *rec, const void **old);

/* Removes the record named (name, len); *old receives it or NULL. */
int pooldns_ptab_del(struct pooldns_ptab *t, uint64_t gen, struct pooldns_garbage *g,
		     const uint8_t *name, size_t len, const void **old);

/* Frees every chunk and the directory of t (not the records): for a table
 * no other version shares. */
void pooldns_ptab_free_all(struct pooldns_ptab *t);

#endif
