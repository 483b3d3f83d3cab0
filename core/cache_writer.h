/*
 * cache_writer.h — keeps the cache file (core/source/cache.h) in step with
 * the published snapshot, from a background thread.
 *
 * The poller no longer holds a whole dataset, so the file is written from
 * the snapshot: each pool record is turned back into exactly the cells a
 * source gives for it, so that reading the file back through the builder
 * gives records equal to the ones written (pooldns_pool_equal).
 *
 * A change applied from the change feed reaches the writer as a journal
 * record (pooldns_cache_writer_record, cache_journal.h), which is appended
 * to "<path>.journal" at once: a change costs what it changes. The whole
 * file is written when kicked (a full load), when records do not follow
 * the journal generation after generation, when the journal has grown to
 * half the file, or after a failed append; at most once every
 * min_interval_ms after the previous write ended, or nine times as long as
 * that write took if that is longer (the first write right away), so a
 * large write never delays the next change being applied and never uses
 * more than a tenth of a core whatever the size of the data. After each
 * whole write a new empty journal naming that file is put in place. A failed write leaves the last good file in
 * place, is logged once (and its recovery once) and retried with a
 * growing pause.
 *
 * Thread-safety: kick, flush and stats may be called from any thread; start
 * and stop from one controlling thread. The conversion functions are
 * reentrant.
 */
#ifndef POOLDNS_CACHE_WRITER_H
#define POOLDNS_CACHE_WRITER_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/dname.h"
#include "core/model/snapshot.h"
#include "core/model/store.h"
#include "core/source/cache_out.h"

/* Default pause between two writes. */
#define POOLDNS_CACHE_WRITE_INTERVAL_MS 2000L

/* ---- snapshot -> rows ---- */

/* The cells of p's pool row, in the column order of POOLDNS_SQL_POOLS.
 * Text cells point into p, into static tables or into name_buf, which
 * must live as long as the cells. */
void pooldns_cache_pool_cells(const struct pooldns_pool *p,
			      struct pooldns_cell cells[POOLDNS_POOL_NCOLS],
			      char name_buf[POOLDNS_NAME_TEXT_MAX]);

/* The cells of member m of pool p (POOLDNS_SQL_MEMBERS); the host text is
 * written to host_buf. */
void pooldns_cache_member_cells(const struct pooldns_pool *p, const struct pooldns_member *m,
				struct pooldns_cell cells[POOLDNS_MEMBER_NCOLS],
				char host_buf[INET6_ADDRSTRLEN]);

/* Writes every pool of snap, in id order, each followed by its members, to
 * out (not committed). snap must stay valid during the call (for a
 * published snapshot: inside a read-side section). Sorts them through a
 * 16-byte entry per pool. 0, or -1 with a message in err (out then only
 * takes abort). */
int pooldns_cache_put_snapshot(struct pooldns_cache_out *out, const struct pooldns_snapshot *snap,
			       char *err, size_t errsz);

/* Atomically replaces path with snap (its data version in the end line).
 * 0, or -1 with a message in err and the old file left alone. */
int pooldns_cache_write_snapshot(const char *path, const struct pooldns_snapshot *snap, char *err,
				 size_t errsz);

/* ---- the background writer ---- */

struct pooldns_cache_writer;

/* Starts the thread (signals blocked). path is copied; store is borrowed
 * and must outlive the writer. min_interval_ms: 0..3600000, usually
 * POOLDNS_CACHE_WRITE_INTERVAL_MS. Nothing is written before the first
 * kick. NULL with a message in err. */
struct pooldns_cache_writer *pooldns_cache_writer_start(const char *path,
							struct pooldns_store *store,
							long min_interval_ms, char *err,
							size_t errsz);

/* The published data changed: write it when the interval allows. Never
 * waits for a write in progress (it takes a mutex that the thread holds
 * only to read and set a few fields). Data loaded from the cache file
 * itself need not be kicked. */
void pooldns_cache_writer_kick(struct pooldns_cache_writer *w);

/* A change was published as snapshot `generation` (data version
 * `version`): buf[0..len) is its journal record (pooldns_journal_record;
 * taken over and freed by the writer). The writer appends records to the
 * journal as they come, with no pause, while they continue the journal
 * generation after generation; otherwise (a kick, a gap, a journal grown
 * to half the file) it writes the whole file at the usual pace. */
void pooldns_cache_writer_record(struct pooldns_cache_writer *w, uint64_t generation,
				 int64_t version, char *buf, size_t len);

/* If a kick is pending, writes now (without waiting for the interval) and
 * waits for that write. Returns 0 when the file holds the data of every
 * kick so far (or nothing was ever kicked), -1 when the last write failed
 * (it was logged). */
int pooldns_cache_writer_flush(struct pooldns_cache_writer *w);

/* Flushes, stops the thread and frees w. Stop whoever kicks first: a kick
 * after the flush is not written. NULL is accepted. */
void pooldns_cache_writer_stop(struct pooldns_cache_writer *w);

struct pooldns_cache_writer_stats {
	uint64_t writes;   /* files written */
	uint64_t appends;  /* appends to the journal */
	uint64_t failures; /* failed attempts */
	int64_t version;   /* data version of the last file written; -1: none yet */
};

void pooldns_cache_writer_stats(struct pooldns_cache_writer *w,
				struct pooldns_cache_writer_stats *st);

#endif
