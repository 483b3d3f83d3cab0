/*
 * cache_journal.h — the journal next to the cache file: the changes applied
 * since the cache file (its "base") was written, one record per change the
 * poller applied, appended as they happen, so that keeping the cache
 * current costs what a change costs instead of a rewrite of every pool.
 * Start-up from the cache reads the base, then replays the journal's
 * records in order. The format is described at the top of cache_journal.c,
 * which names and reads the journal (declared here); writing it is
 * cache_journal_write.h.
 *
 * A journal names its base by the base's checksum; a journal of another
 * base (the base was rewritten and the process stopped before the new
 * journal was started) is ignored. A record cut short or damaged ends the
 * replay there: the records before it still count (an append interrupted
 * by a crash loses only itself).
 *
 * Thread-safety: no shared state; the functions are reentrant. One writer
 * per journal file at a time (the cache writer thread).
 */
#ifndef POOLDNS_CACHE_JOURNAL_H
#define POOLDNS_CACHE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/source.h"

/* The header line's "format" and "format_version". */
#define POOLDNS_JOURNAL_FORMAT  "pooldns-cache-journal"
#define POOLDNS_JOURNAL_VERSION 1

/* The journal of the cache file at cache_path: "<cache_path>.journal".
 * Returns a new string (caller frees) or NULL on OOM. */
char *pooldns_journal_path(const char *cache_path);

/* Called for each valid record, in order. d is the change as the source
 * gave it (zones, pools, members, version, seq of the record); it is freed
 * after the call. Return 0 to go on, -1 to stop with err. */
typedef int (*pooldns_journal_fn)(void *ctx, const struct pooldns_delta *d, char *err,
				  size_t errsz);

struct pooldns_journal_result {
	size_t records;  /* records handed to fn */
	int64_t version; /* data version after the last of them (-1: none) */
	/* Why the replay ended before the end of the file, or why the
	 * journal was not used (another base); "" when it was read whole. */
	char stopped[256];
};

/* Replays the journal at path onto the base with checksum base_checksum
 * and data version base_version (both from its end line: the data
 * version moves with every write, so a base rewritten with the same rows
 * as an older one still has another identity). A missing journal is an
 * empty one. Returns 0 (see *res for what was used), or -1 with err when
 * the file cannot be read or fn failed. */
int pooldns_journal_replay(const char *path, uint64_t base_checksum, int64_t base_version,
			   pooldns_journal_fn fn, void *ctx, struct pooldns_journal_result *res,
			   char *err, size_t errsz);

/* The same on the len bytes at buf (tests and fuzzing). */
int pooldns_journal_replay_buf(const char *buf, size_t len, uint64_t base_checksum,
			       int64_t base_version, pooldns_journal_fn fn, void *ctx,
			       struct pooldns_journal_result *res, char *err, size_t errsz);

#endif
