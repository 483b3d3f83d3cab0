/*
 * rcu.h — the one door to userspace RCU. Only rcu.c includes liburcu and
 * knows its flavour; everything else in pooldns (the snapshot store, the
 * health registry, the server's answer settings, the module) goes through
 * these calls, so a change of flavour or library touches one file.
 *
 * Readers:
 *     pooldns_read_lock();
 *     struct thing *t = pooldns_rcu_get(&slot);
 *     ... use t ...
 *     pooldns_read_unlock();
 * The pointer and everything reached from it stay valid until
 * pooldns_read_unlock(). Read sections nest, never block and need no
 * per-thread registration (threads that are not ours, such as Unbound's,
 * read too).
 *
 * Writers publish a new object with pooldns_rcu_swap() and free the one it
 * replaced only after a grace period: either wait for it,
 * pooldns_rcu_synchronize(), or hand the object to pooldns_rcu_call(),
 * whose callback runs later on the RCU library's own thread.
 *
 * Thread-safety: any thread. Writers to one slot are serialised by their
 * caller. pooldns_rcu_synchronize() and pooldns_rcu_barrier() must not be
 * called inside a read section (they would wait for themselves).
 */
#ifndef POOLDNS_RCU_H
#define POOLDNS_RCU_H

#include <stddef.h>

/* An RCU-protected pointer. Before any reader can run (and after the last
 * one stopped) the owner may also set and read .ptr directly. */
struct pooldns_rcu_ptr {
	void *ptr;
};

void pooldns_read_lock(void);
void pooldns_read_unlock(void);

/* Reader: the published pointer (inside a read section). */
void *pooldns_rcu_get(const struct pooldns_rcu_ptr *slot);

/* Writer: publishes ptr (which may be NULL) and returns the pointer it
 * replaced; readers may still use that one until a grace period passed. */
void *pooldns_rcu_swap(struct pooldns_rcu_ptr *slot, void *ptr);

/* Waits until every read section that was running has ended. */
void pooldns_rcu_synchronize(void);

/* Deferred reclamation: embed a head in the retired object and pass a
 * callback that frees it; the callback runs after a grace period on the
 * RCU library's thread. pooldns_container_of() finds the object again. */
struct pooldns_rcu_head {
	void *opaque[2]; /* the library's own head (rcu.c checks that it fits) */
	void (*fn)(struct pooldns_rcu_head *head);
};

void pooldns_rcu_call(struct pooldns_rcu_head *head, void (*fn)(struct pooldns_rcu_head *head));

/* Waits until the callback of every pooldns_rcu_call() made so far has run
 * (shutdown: before freeing what the callbacks use, or unloading). */
void pooldns_rcu_barrier(void);

#define pooldns_container_of(ptr, type, member)                                                    \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* For the module, which must keep the RCU library mapped across its own
 * dlclose() (module/pooldns.c): an address inside that library, for
 * dladdr(), and the library's name for messages. */
void *pooldns_rcu_library_symbol(void);
extern const char pooldns_rcu_library_name[];

#endif
