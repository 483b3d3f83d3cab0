/*
 * cache_out.h — writing a format 2 cache file row by row (cache_out.c):
 * rows go into a temporary file in the same directory, which commit syncs
 * and renames over the path; the directory is synced too. A crash or an
 * error leaves the old file as it was.
 *
 * Thread-safety: a writer is used by one thread; one writer per path.
 */
#ifndef POOLDNS_CACHE_OUT_H
#define POOLDNS_CACHE_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "core/source/cache_file.h"
#include "core/source/source.h"

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

/* The same, and *checksum = the sum written in the end line (what
 * pooldns_cache_load_sum reads back). */
int pooldns_cache_out_commit_sum(struct pooldns_cache_out *w, int64_t version, uint64_t *checksum,
				 char *err, size_t errsz);

/* Drops the new file (the old one stays) and frees w. NULL is accepted. */
void pooldns_cache_out_abort(struct pooldns_cache_out *w);

#endif
