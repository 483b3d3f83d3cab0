/*
 * cache_journal_write.h — writing the cache file's journal
 * (cache_journal_write.c; what a journal is, and reading it, in
 * cache_journal.h): the records of the changes, a new empty journal for a
 * base, records appended to it.
 *
 * Thread-safety: no shared state; the functions are reentrant. One writer
 * per journal file at a time (the cache writer thread).
 */
#ifndef POOLDNS_CACHE_JOURNAL_WRITE_H
#define POOLDNS_CACHE_JOURNAL_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/source.h"

/* One record for the change d (not a gap; its zones, pools and members)
 * that produced snapshot generation `generation`: a new buffer in *out
 * (caller frees) of *outlen bytes. 0, or -1 with err (a row that cannot be
 * written, out of memory). */
int pooldns_journal_record(const struct pooldns_delta *d, uint64_t generation, char **out,
			   size_t *outlen, char *err, size_t errsz);

/* Replaces the journal at path with an empty one for the base with this
 * checksum and data version (a temporary file, synced, renamed). 0 or -1
 * with err. */
int pooldns_journal_start(const char *path, uint64_t base_checksum, int64_t base_version, char *err,
			  size_t errsz);

/* Appends len bytes of records to the journal at path and syncs them.
 * 0 or -1 with err (the journal may then end in a partial record, which
 * the replay ignores; the caller starts a new base). */
int pooldns_journal_append(const char *path, const char *buf, size_t len, char *err, size_t errsz);

#endif
