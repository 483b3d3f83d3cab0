/*
 * cache.h — the last-good cache file: the pool and member rows of the
 * published data, so that a restart while the source is unreachable still
 * serves.
 *
 * The file holds rows exactly as the sources give them (the cells of
 * POOLDNS_SQL_POOLS and POOLDNS_SQL_MEMBERS, source.h), so reading it back
 * goes through the same validation (the builder) as a load from the source.
 * The format is described at the top of cache.c. Format 2 is streamed: it
 * is written row by row and read back line by line, handed to the caller in
 * pages, so neither side holds more than a page and one line in memory.
 * Format 1 files (one JSON document, written before format 2) are still
 * read, so an upgrade keeps its cache.
 *
 * Writing (pooldns_cache_out_*): rows go into a temporary file in the same
 * directory, which commit syncs and renames over the path; the directory
 * is synced too. A crash or an error leaves the old file as it was.
 *
 * Reading (pooldns_cache_load*): a corrupt, truncated, foreign or
 * unsupported file fails with a message. Because pages are handed out
 * before the end of the file has been checked, a caller applies them in a
 * transaction that it aborts when the load fails: errors of its page
 * callback and errors of the file are reported the same way.
 *
 * Thread-safety: no shared state. A writer (struct pooldns_cache_out) is
 * used by one thread; any number of loads may run at once. One writer per
 * path at a time.
 */
#ifndef POOLDNS_CACHE_H
#define POOLDNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/cache_file.h"
#include "core/source/source.h"
#include "core/source/table.h"

/* ---- reading (formats 1 and 2) ---- */

/*
 * Reads the cache file at path and hands its rows to fn page by page.
 * page_pools: pools per page, at least 1 (SIZE_MAX: all in one page).
 * On success returns 0 with the file's data version in *version, after
 * the last page. Returns -1 with a message in err, "cache <path>: ...",
 * when the file cannot be read or is not a complete, valid cache file, or
 * when fn returned -1; pages may have been handed out before the error was
 * found. A file without any pool calls fn never.
 *
 * A format 1 file is read whole (as before, at most 256 MiB) and then
 * handed out in the same pages; only there a page may hold more than
 * page_pools pool rows, when several rows have the same id (the builder
 * skips all but the first).
 */
int pooldns_cache_load(const char *path, size_t page_pools, pooldns_cache_page_fn fn, void *ctx,
		       int64_t *version, char *err, size_t errsz);

/* The same, and *checksum = the file's FNV-1a sum from its end line, which
 * names this exact file (the journal of cache_journal.h refers to its base
 * by it); 0 for a format 1 file, which has none. */
int pooldns_cache_load_sum(const char *path, size_t page_pools, pooldns_cache_page_fn fn,
			   void *ctx, int64_t *version, uint64_t *checksum, char *err,
			   size_t errsz);

/* The same on the len bytes at buf (tests and fuzzing); messages have no
 * "cache <path>: " prefix. */
int pooldns_cache_load_buf(const char *buf, size_t len, size_t page_pools, pooldns_cache_page_fn fn,
			   void *ctx, int64_t *version, char *err, size_t errsz);

/* A format 2 row line: its tag and cells (text borrowed). */
struct pooldns_cache_row {
	char tag; /* 'p' or 'm' */
	size_t ncells;
	struct pooldns_cell cells[POOLDNS_POOL_NCOLS];
};

/* Reads the usual shape of a row line without jansson: ["p" or "m", then
 * as many cells as the tag wants], no white space, cells null, integers
 * (int64, no leading zeros, no fraction or exponent) or strings without
 * escapes and control characters, UTF-8 as jansson checks it. Returns 1
 * with *row filled, text copied to scratch (len + 1 bytes); 0 for
 * anything else, which then goes to jansson, so that jansson alone
 * decides what is valid and how an error reads. Any line this accepts,
 * jansson reads as the same cells (fuzz_cache checks that). */
int pooldns_cache_row_fast(const char *line, size_t len, struct pooldns_cache_row *row,
			   char *scratch);

#endif
