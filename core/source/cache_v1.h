/*
 * cache_v1.h — format 1 of the cache file (cache_v1.c): one JSON document
 * in rqlite's result shape, written before format 2 and still read so that
 * an upgrade keeps its cache. The writer remains for tests and tools.
 *
 * Thread-safety: no shared state.
 */
#ifndef POOLDNS_CACHE_V1_H
#define POOLDNS_CACHE_V1_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/cache_file.h"

/* Format 1: parses the document buf[0..len) and hands its rows out in
 * pages as pooldns_cache_load_buf() describes. */
int pooldns_cache_v1_load(const char *buf, size_t len, size_t page_pools, pooldns_cache_page_fn fn,
			  void *ctx, int64_t *version, char *err, size_t errsz);

/* Atomically replaces path with ds in format 1, one JSON document built in
 * memory. Kept for the poller of this version only; new code writes
 * format 2 with pooldns_cache_out_*. 0 or -1 with a message in err. */
int pooldns_cache_write(const char *path, const struct pooldns_dataset *ds, char *err,
			size_t errsz);

#endif
