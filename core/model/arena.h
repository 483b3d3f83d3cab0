/*
 * arena.h — a bump allocator that owns everything of one snapshot, so a
 * snapshot is freed as a unit and readers never see partial frees.
 *
 * Thread-safety: an arena is filled by one thread (the builder) and then
 * only read; it is freed by whoever frees the snapshot.
 */
#ifndef POOLDNS_ARENA_H
#define POOLDNS_ARENA_H

#include <stddef.h>

struct pooldns_arena;

struct pooldns_arena *pooldns_arena_new(void);
/* Zeroed, aligned for any type. NULL on OOM. */
void *pooldns_arena_alloc(struct pooldns_arena *a, size_t size);
char *pooldns_arena_strdup(struct pooldns_arena *a, const char *s);
/* Total bytes handed out (for stats). */
size_t pooldns_arena_used(const struct pooldns_arena *a);
void pooldns_arena_free(struct pooldns_arena *a);

#endif
