/*
 * cachefile.h — cache files for the tests and tools (cachefile.c): files of
 * the old format 1, which pooldns still reads but no longer writes, and a
 * whole cache file read into one dataset.
 *
 * Thread-safety: no shared state.
 */
#ifndef POOLDNS_TESTS_CACHEFILE_H
#define POOLDNS_TESTS_CACHEFILE_H

#include <stddef.h>

#include "core/source/table.h"

/* Atomically replaces path with ds in format 1, one JSON document built in
 * memory (what pooldns wrote before format 2). 0 or -1 with a message in
 * err: a dataset that cannot be stored (a real that is not finite, text
 * that is not UTF-8), or a file error. */
int cachefile_write_v1(const char *path, const struct pooldns_dataset *ds, char *err, size_t errsz);

/* Reads path (format 1 or 2) into *out as one dataset (caller clears it):
 * pooldns_cache_load with every page appended. 0, or -1 with a message in
 * err and nothing left in *out. */
int cachefile_read(const char *path, struct pooldns_dataset *out, char *err, size_t errsz);

#endif
