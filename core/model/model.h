/*
 * model.h — the writer side of the snapshots: makes each new snapshot from
 * the previous one plus a change, so that a change costs what it changes.
 *
 * Design (why not rebuild, why not per-pool RCU records): a snapshot is a
 * persistent structure. Pool records are immutable heap blocks shared by
 * consecutive snapshots; the name index is a chunked copy-on-write table
 * (ptab.h) whose next version copies only its directory and the chunks it
 * writes. A change of k pools allocates k records and O(k) chunks, and the
 * previous snapshot stays whole and consistent for readers still inside it
 * — unlike records published one by one, a reader never sees half of a
 * change that spans several pools (a member moved between pools, a rename).
 * What the new snapshot replaced is freed with the previous snapshot after
 * its RCU grace period; nothing is ever freed twice because a piece belongs
 * to the garbage of the last snapshot that has it.
 *
 * Transactions:
 *   begin(full = false): a delta. pooldns_model_replace() gives the new
 *       rows of some pool ids; ids without a row are deleted.
 *   begin(full = true): a full load. pooldns_model_put() every pool, in
 *       ascending id order (the source's pages); a pool identical to the
 *       one in the current snapshot keeps its record (so a full reload of
 *       unchanged data allocates almost nothing and peak memory stays near
 *       the steady state); pools not put by commit are deleted.
 *   commit() publishes the new snapshot (or hands it to the caller when the
 *   model has no store); abort() forgets the transaction, leaving the
 *   current snapshot as it is.
 * Round-robin counters move from a pool's old record to its new one.
 * Health: records are attached to their endpoints when put, old records
 * detached before the new snapshot is published, and endpoints no record
 * uses any more retired after it (health.h).
 *
 * Names are unique: a pool whose name another pool already has is skipped
 * and reported (the lower id wins, as in a full load). When that happens
 * in a delta the outcome could depend on the order of changes, so
 * pooldns_model_needs_full() asks the caller for a full load, which
 * settles it by id; the schema's UNIQUE constraint keeps this from
 * happening with rqlite and with SQLite files made by schema.json.
 *
 * Thread-safety: one writer thread per model (the poller). Readers use the
 * published snapshots through the store and never see the model.
 */
#ifndef POOLDNS_MODEL_H
#define POOLDNS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model/snapshot.h"

struct pooldns_store;
struct pooldns_health;
struct pooldns_model;

struct pooldns_model_stats {
	size_t put;       /* records put in this transaction */
	size_t unchanged; /* full load: records kept because identical */
	size_t removed;   /* pools deleted */
	size_t skipped;   /* pools skipped for a duplicate name */
};

/* store: where commits publish; NULL for a model that returns its
 * snapshots to the caller (tests, tools). A store that already serves a
 * snapshot is continued from (its records adopted). health may be NULL.
 * Both are borrowed. NULL on out of memory. */
struct pooldns_model *pooldns_model_new(struct pooldns_store *store, struct pooldns_health *health);
/* Aborts an open transaction. Published snapshots belong to the store. */
void pooldns_model_free(struct pooldns_model *m);

/* The snapshot the next transaction starts from (NULL before the first). */
const struct pooldns_snapshot *pooldns_model_current(const struct pooldns_model *m);

int pooldns_model_begin(struct pooldns_model *m, bool full);

/* Full load: takes ownership of rec (a record made by the builder). 0, or
 * -1 on out of memory (rec freed; abort the transaction). */
int pooldns_model_put(struct pooldns_model *m, struct pooldns_pool *rec);

/* Delta: the pools with these ids are now recs (ascending ids, each id in
 * ids); ids without a record are deleted. Takes ownership of every rec.
 * 0, or -1 on out of memory (abort the transaction). */
int pooldns_model_replace(struct pooldns_model *m, const int64_t *ids, size_t nids,
			  struct pooldns_pool **recs, size_t nrecs);

/* Ends the transaction. With a store: publishes and returns the published
 * snapshot (borrowed). Without: returns the snapshot, owned by the caller
 * (pooldns_snapshot_free), and the model starts afresh next time. NULL on
 * out of memory (the transaction is aborted). */
struct pooldns_snapshot *pooldns_model_commit(struct pooldns_model *m, int64_t version, int64_t seq,
					      struct pooldns_model_stats *stats);

void pooldns_model_abort(struct pooldns_model *m);

/* A delta met a duplicate name: the next load should be a full one.
 * Cleared by the next full commit. */
bool pooldns_model_needs_full(const struct pooldns_model *m);

/* Compares everything but rr, seen and health: what a record says. */
bool pooldns_pool_equal(const struct pooldns_pool *a, const struct pooldns_pool *b);

#endif
