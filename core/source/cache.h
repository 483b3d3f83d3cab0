/*
 * cache.h — the last-good-snapshot cache file.
 *
 * After every successful load the poller writes the dataset it built from
 * (data version + pool and member tables) to a file, atomically: a temporary
 * file in the same directory, fsync, rename. At start-up, when the source
 * cannot be reached, the poller loads this file instead so that a restart
 * while rqlite is down still serves. The file uses rqlite's own result JSON
 * shape plus a header, so it is read back by rqlite_json.c:
 *   {"format":"pooldns-cache","format_version":1,"data_version":N,
 *    "results":[<pools result>,<members result>]}
 * A corrupt or foreign file is reported and ignored, never trusted.
 *
 * Thread-safety: functions are reentrant; one writer per path at a time
 * (the poller).
 */
#ifndef POOLDNS_CACHE_H
#define POOLDNS_CACHE_H

#include <stddef.h>

#include "core/source/table.h"

/* Atomically replaces path with ds. 0 or -1 with a message in err. */
int pooldns_cache_write(const char *path, const struct pooldns_dataset *ds, char *err,
			size_t errsz);

/* Reads path into *out (caller clears it). 0 or -1 with a message in err. */
int pooldns_cache_read(const char *path, struct pooldns_dataset *out, char *err, size_t errsz);

/* Same as pooldns_cache_read on an in-memory buffer (for tests and fuzzing). */
int pooldns_cache_parse(const char *buf, size_t len, struct pooldns_dataset *out, char *err,
			size_t errsz);

#endif
