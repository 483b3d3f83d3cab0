/*
 * rcu.c — pooldns's RCU calls (rcu.h) on liburcu's "bulletproof" flavour
 * (urcu-bp): reader threads need no registration, which the Unbound module
 * requires (Unbound's worker threads are not ours to register). This is the
 * only file that includes liburcu.
 *
 * Owns nothing: deferred callbacks are queued on liburcu's call_rcu thread,
 * which liburcu starts on first use. Thread model: any thread (see rcu.h).
 */
#include "config.h"

#include <stdalign.h>

#include <urcu-bp.h>

#include "core/rcu.h"

_Static_assert(sizeof(struct rcu_head) <= sizeof(((struct pooldns_rcu_head *)0)->opaque),
	       "struct pooldns_rcu_head too small for liburcu's rcu_head");
_Static_assert(alignof(struct rcu_head) <= alignof(struct pooldns_rcu_head),
	       "struct pooldns_rcu_head less aligned than liburcu's rcu_head");
_Static_assert(offsetof(struct pooldns_rcu_head, opaque) == 0, "opaque must come first");

const char pooldns_rcu_library_name[] = "liburcu-bp";

void pooldns_read_lock(void)
{
	rcu_read_lock();
}

void pooldns_read_unlock(void)
{
	rcu_read_unlock();
}

void *pooldns_rcu_get(const struct pooldns_rcu_ptr *slot)
{
	return rcu_dereference(slot->ptr);
}

void *pooldns_rcu_swap(struct pooldns_rcu_ptr *slot, void *ptr)
{
	return rcu_xchg_pointer(&slot->ptr, ptr);
}

void pooldns_rcu_synchronize(void)
{
	synchronize_rcu();
}

/* liburcu calls back with its own head, which sits at the start of ours. */
static void call_trampoline(struct rcu_head *rh)
{
	struct pooldns_rcu_head *head = (struct pooldns_rcu_head *)(void *)rh;

	head->fn(head);
}

void pooldns_rcu_call(struct pooldns_rcu_head *head, void (*fn)(struct pooldns_rcu_head *head))
{
	head->fn = fn;
	call_rcu((struct rcu_head *)(void *)head->opaque, call_trampoline);
}

void pooldns_rcu_barrier(void)
{
	rcu_barrier();
}

void *pooldns_rcu_library_symbol(void)
{
	return (void *)&synchronize_rcu;
}
