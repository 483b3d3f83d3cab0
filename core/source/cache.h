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
#include <stdio.h>

#include "core/source/source.h"
#include "core/source/table.h"

/* The longest line of a format 2 file, newline included. The writer
 * refuses to write a longer one, so it never makes a file the reader
 * refuses. */
#define POOLDNS_CACHE_MAX_LINE (1024 * 1024)

/* The most member rows a pool may have in a format 2 file: what bounds a
 * page. Well above what the builder accepts (2 × 1024). */
#define POOLDNS_CACHE_MAX_MEMBERS_PER_POOL 65536

/* ---- writing (format 2) ---- */

/* Length of the UTF-8 sequence at s (at most n bytes) by the rules of
 * jansson, which the file's text must follow: 0 when there is none there
 * (a stray continuation byte, an overlong form, a surrogate, a code point
 * past U+10FFFF, a sequence cut short). 1 for ASCII, NUL included. */
size_t pooldns_cache_utf8_len(const unsigned char *s, size_t n);

struct pooldns_cache_out;

/* Starts replacing path: creates "<path>.tmp.XXXXXX" (mode 0640) in its
 * directory. path must not name anything but a regular file. NULL with a
 * message in err. */
struct pooldns_cache_out *pooldns_cache_out_open(const char *path, char *err, size_t errsz);

/* Writes to an open stream instead (tests, tools): no temporary file, no
 * rename, no sync; commit flushes f and reports its errors but never
 * closes it. name is used in messages. */
struct pooldns_cache_out *pooldns_cache_out_open_stream(FILE *f, const char *name, char *err,
							size_t errsz);

/* One pool row: cells in the column order of POOLDNS_SQL_POOLS (text is
 * copied out before the call returns). Pool ids (cell 0) must be integers
 * in ascending order. Each pool's member rows follow it with
 * pooldns_cache_out_member(), their dns_zone (cell 1) equal to its id.
 * 0, or -1 with a message in err (a row that cannot be stored: a real that
 * is not finite, text that is not UTF-8, a line longer than
 * POOLDNS_CACHE_MAX_LINE; or a write error). After -1 only commit (which
 * then fails) or abort may follow. */
int pooldns_cache_out_pool(struct pooldns_cache_out *w,
			   const struct pooldns_cell cells[POOLDNS_POOL_NCOLS], char *err,
			   size_t errsz);
int pooldns_cache_out_member(struct pooldns_cache_out *w,
			     const struct pooldns_cell cells[POOLDNS_MEMBER_NCOLS], char *err,
			     size_t errsz);

/* Writes the end line (the data version, counts and checksum), then syncs
 * and renames the file into place. Frees w whatever happens. 0, or -1 with
 * a message in err, the temporary file removed and the old file left
 * alone. */
int pooldns_cache_out_commit(struct pooldns_cache_out *w, int64_t version, char *err, size_t errsz);

/* Drops the new file (the old one stays) and frees w. NULL is accepted. */
void pooldns_cache_out_abort(struct pooldns_cache_out *w);

/* ---- reading (formats 1 and 2) ---- */

/*
 * Receives one page: at most page_pools pool rows, in ascending id order
 * across the whole load, with all of their member rows. The tables are
 * borrowed until the callback returns; page->version is 0 (the data
 * version is known only at the end of the file, see *version below).
 * Returns 0 to go on, or -1 (with a message in err, which holds errsz
 * bytes) to stop the load.
 */
typedef int (*pooldns_cache_page_fn)(void *ctx, const struct pooldns_dataset *page, char *err,
				     size_t errsz);

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

/* The same on the len bytes at buf (tests and fuzzing); messages have no
 * "cache <path>: " prefix. */
int pooldns_cache_load_buf(const char *buf, size_t len, size_t page_pools, pooldns_cache_page_fn fn,
			   void *ctx, int64_t *version, char *err, size_t errsz);

/* ---- whole datasets (the poller until it writes through cache_writer.h) ---- */

/* Atomically replaces path with ds in format 1, one JSON document built in
 * memory. Kept for the poller of this version only; new code writes
 * format 2 with pooldns_cache_out_*. 0 or -1 with a message in err. */
int pooldns_cache_write(const char *path, const struct pooldns_dataset *ds, char *err,
			size_t errsz);

/* Reads path (format 1 or 2) into *out as one dataset (caller clears it):
 * pooldns_cache_load with every page appended. 0, or -1 with a message in
 * err and nothing left in *out. */
int pooldns_cache_read(const char *path, struct pooldns_dataset *out, char *err, size_t errsz);

#endif
