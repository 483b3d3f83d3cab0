/*
 * cache_v1.h — format 1 of the cache file (cache_v1.c): one JSON document
 * in rqlite's result shape, written before format 2 and still read so that
 * an upgrade keeps its cache.
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

#endif
