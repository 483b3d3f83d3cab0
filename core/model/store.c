/*
 * store.c — publishes the current snapshot to lock-free readers (see
 * store.h), with liburcu's "bulletproof" flavour so that reader threads —
 * ours or Unbound's — need no registration.
 *
 * Owns the published snapshot pointer and, through call_rcu, every retired
 * snapshot until its grace period has passed.
 *
 * Thread model: one publisher at a time (the poller); any number of readers
 * between pooldns_read_lock() and pooldns_read_unlock(). A publish swaps the
 * pointer with rcu_xchg_pointer() and hands the old snapshot to call_rcu(),
 * so the publisher never waits for readers; urcu's call_rcu worker thread
 * frees it after the grace period.
 */
#include "config.h"

#include <stdlib.h>

#include <urcu-bp.h>

#include "core/log.h"
#include "core/model/store.h"

struct pooldns_store {
	struct pooldns_snapshot *current; /* RCU-protected */
};

/* A retired snapshot waiting for its grace period. */
struct retired {
	struct rcu_head head;
	struct pooldns_snapshot *snap;
};

static void retired_free(struct rcu_head *head)
{
	struct retired *r = caa_container_of(head, struct retired, head);

	pooldns_snapshot_free(r->snap);
	free(r);
}

struct pooldns_store *pooldns_store_new(void)
{
	return calloc(1, sizeof(struct pooldns_store));
}

void pooldns_store_free(struct pooldns_store *store)
{
	struct pooldns_snapshot *snap;

	if (store == NULL)
		return;
	snap = rcu_xchg_pointer(&store->current, NULL);
	/* Readers have stopped, but a caller may still be mid-section: wait. */
	synchronize_rcu();
	pooldns_snapshot_free(snap);
	rcu_barrier();
	free(store);
}

void pooldns_store_publish(struct pooldns_store *store, struct pooldns_snapshot *snap)
{
	struct pooldns_snapshot *old;
	struct retired *r;

	old = rcu_xchg_pointer(&store->current, snap);
	if (old == NULL)
		return;
	r = malloc(sizeof(*r));
	if (r == NULL) {
		/* Out of memory for the wrapper: wait for the grace period here
		 * instead; slower for the publisher but still safe. */
		pooldns_log(POOLDNS_LOG_WARNING,
			    "store: out of memory retiring a snapshot; waiting for readers");
		synchronize_rcu();
		pooldns_snapshot_free(old);
		return;
	}
	r->snap = old;
	call_rcu(&r->head, retired_free);
}

void pooldns_read_lock(void)
{
	rcu_read_lock();
}

void pooldns_read_unlock(void)
{
	rcu_read_unlock();
}

struct pooldns_snapshot *pooldns_store_get(struct pooldns_store *store)
{
	return rcu_dereference(store->current);
}

void pooldns_store_barrier(void)
{
	rcu_barrier();
}
