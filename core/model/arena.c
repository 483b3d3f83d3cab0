/*
 * arena.c — a chunked bump allocator (see arena.h). It owns every byte of
 * one snapshot so that the snapshot is freed as a unit.
 *
 * Memory comes in chunks of 4 KiB, then twice the last, up to 64 KiB: an
 * arena for one pool (a row check, a small change) costs a page, one for a
 * million pools is all 64 KiB chunks. An allocation larger than a quarter
 * of the largest chunk gets a chunk of its own (linked behind the current
 * one, so the current chunk's free tail is not wasted). Every allocation
 * is zeroed and aligned to max_align_t.
 *
 * Thread model: filled by one thread (the builder), then only read; freed
 * by whoever frees the snapshot. No locking.
 */
#include "config.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/model/arena.h"

#define ARENA_FIRST (4 * 1024)
#define ARENA_CHUNK (64 * 1024)
#define ARENA_ALIGN (alignof(max_align_t))
#define ARENA_BIG   (ARENA_CHUNK / 4)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes in data */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct pooldns_arena {
	struct arena_chunk *head; /* current chunk first; big chunks behind it */
	size_t next_chunk;        /* size of the next regular chunk; 0: ARENA_FIRST */
	size_t handed_out;
};

static struct arena_chunk *chunk_new(size_t size)
{
	struct arena_chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = calloc(1, sizeof(*c) + size);
	if (c == NULL)
		return NULL;
	c->size = size;
	return c;
}

struct pooldns_arena *pooldns_arena_new(void)
{
	return calloc(1, sizeof(struct pooldns_arena));
}

void *pooldns_arena_alloc(struct pooldns_arena *a, size_t size)
{
	struct arena_chunk *c;
	size_t rounded;
	void *p;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	rounded = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

	if (rounded > ARENA_BIG) {
		c = chunk_new(rounded);
		if (c == NULL)
			return NULL;
		c->used = rounded;
		if (a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->head = c;
		}
		a->handed_out += size;
		return c->data;
	}

	c = a->head;
	if (c == NULL || c->size - c->used < rounded) {
		size_t want = a->next_chunk != 0 ? a->next_chunk : ARENA_FIRST;

		while (want < rounded) /* rounded <= ARENA_BIG < ARENA_CHUNK */
			want *= 2;
		c = chunk_new(want);
		if (c == NULL)
			return NULL;
		a->next_chunk = want < ARENA_CHUNK ? want * 2 : ARENA_CHUNK;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += rounded;
	a->handed_out += size;
	return p;
}

char *pooldns_arena_strdup(struct pooldns_arena *a, const char *s)
{
	size_t len = strlen(s);
	char *d = pooldns_arena_alloc(a, len + 1);

	if (d != NULL)
		memcpy(d, s, len + 1);
	return d;
}

size_t pooldns_arena_used(const struct pooldns_arena *a)
{
	return a->handed_out;
}

void pooldns_arena_free(struct pooldns_arena *a)
{
	struct arena_chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}
