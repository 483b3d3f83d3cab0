/*
 * store.h — publishes the current snapshot and lets readers use it without
 * locks (userspace RCU through core/rcu.h; reader threads — ours or
 * Unbound's — need no registration).
 *
 * Writer: pooldns_store_publish() swaps one pointer; the old snapshot is
 * freed by a deferred RCU callback after every reader that could see it
 * has left its read-side section.
 *
 * Readers:
 *     pooldns_read_lock();
 *     const struct pooldns_snapshot *s = pooldns_store_get(store);
 *     ... use s (may be NULL before the first load) ...
 *     pooldns_read_unlock();
 * The pointer and everything reached from it is valid only until
 * pooldns_read_unlock(). Read sections nest and never block.
 *
 * Thread-safety: any number of readers; publishes serialised by the caller
 * (only the poller publishes).
 */
#ifndef POOLDNS_STORE_H
#define POOLDNS_STORE_H

#include "core/model/snapshot.h"
#include "core/rcu.h" /* pooldns_read_lock(), pooldns_read_unlock() */

struct pooldns_store;

struct pooldns_store *pooldns_store_new(void);
/* Waits for readers, frees the current snapshot and the store. Call after
 * every reader and the publisher have stopped. */
void pooldns_store_free(struct pooldns_store *store);

/* Takes ownership of snap (may be NULL to unpublish). */
void pooldns_store_publish(struct pooldns_store *store, struct pooldns_snapshot *snap);

struct pooldns_snapshot *pooldns_store_get(struct pooldns_store *store);

/* Waits until every snapshot retired so far has been freed (shutdown, tests). */
void pooldns_store_barrier(void);

#endif
