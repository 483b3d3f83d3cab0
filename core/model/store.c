/*
 * store.c — publishes the current snapshot to lock-free readers (see
 * store.h), through the RCU calls of core/rcu.h.
 *
 * Owns the published snapshot pointer and, through pooldns_rcu_call(),
 * every retired snapshot until its grace period has passed.
 *
 * Thread model: one publisher at a time (the poller); any number of readers
 * between pooldns_read_lock() and pooldns_read_unlock(). A publish swaps the
 * pointer with pooldns_rcu_swap() and hands the old snapshot to
 * pooldns_rcu_call(), so the publisher never waits for readers; the RCU
 * library's callback thread frees it after the grace period.
 */
#include "config.h"

#include <stdlib.h>

#include "core/log.h"
#include "core/model/store.h"
#include "core/rcu.h"

struct pooldns_store {
	struct pooldns_rcu_ptr current; /* struct pooldns_snapshot */
};

/* A retired snapshot waiting for its grace period. */
struct retired {
	struct pooldns_rcu_head head;
	struct pooldns_snapshot *snap;
};

static void retired_free(struct pooldns_rcu_head *head)
{
	struct retired *r = pooldns_container_of(head, struct retired, head);

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
	snap = pooldns_rcu_swap(&store->current, NULL);
	/* Readers have stopped, but a caller may still be mid-section: wait. */
	pooldns_rcu_synchronize();
	pooldns_snapshot_free(snap);
	pooldns_rcu_barrier();
	free(store);
}

void pooldns_store_publish(struct pooldns_store *store, struct pooldns_snapshot *snap)
{
	struct pooldns_snapshot *old;
	struct retired *r;

	old = pooldns_rcu_swap(&store->current, snap);
	if (old == NULL)
		return;
	r = malloc(sizeof(*r));
	if (r == NULL) {
		/* Out of memory for the wrapper: wait for the grace period here
		 * instead; slower for the publisher but still safe. */
		pooldns_log(POOLDNS_LOG_WARNING,
			    "store: out of memory retiring a snapshot; waiting for readers");
		pooldns_rcu_synchronize();
		pooldns_snapshot_free(old);
		return;
	}
	r->snap = old;
	pooldns_rcu_call(&r->head, retired_free);
}

struct pooldns_snapshot *pooldns_store_get(struct pooldns_store *store)
{
	return pooldns_rcu_get(&store->current);
}

void pooldns_store_barrier(void)
{
	pooldns_rcu_barrier();
}
