/*
 * poller.h — the background loader: one thread that keeps the store's
 * snapshot in step with the source.
 *
 * Start-up: a full load, paged (5,000 pools a request) so that its memory
 * follows the page, not the data; if the source cannot be reached and a
 * cache file is configured, the cache is loaded instead, page by page (a
 * corrupt cache is reported and ignored). A poller started on a store that
 * already serves a snapshot (a reload that changed the source) goes on
 * from that data and never falls back to the cache.
 *
 * Then every poll interval it reads the data version. When it moved, the
 * change feed (schema version 2, see schema.json) says which pools changed
 * since the published position; only those rows are fetched and applied
 * as a delta, so a change costs what it changes. A gap in the log (pruned
 * past the position), a schema without the feed, a failed load or a
 * duplicate name met in a delta make the next load a full one. A full
 * load keeps the record of every pool that did not change, so it
 * allocates what changed. A failed load or a dataset the builder rejects
 * keeps the last good snapshot. The cache file is written in the
 * background (cache_writer.h), never by this thread. With a health
 * registry, changed pools are attached to their health states before the
 * new snapshot is published, and states no pool uses any more are retired
 * after.
 * Errors back off exponentially up to 5 s (or the poll interval, if
 * longer) between attempts and are logged once per state change, not per
 * poll.
 *
 * Thread-safety: start/stop from one controlling thread; the store is
 * published only by the poller thread; status is read with atomics.
 */
#ifndef POOLDNS_POLLER_H
#define POOLDNS_POLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/health/health.h"
#include "core/source/source.h"
#include "core/model/store.h"

struct pooldns_poller;

/* Accepted poll intervals; the poll-interval-ms row of the configuration
 * table (core/conf_schema.c) uses the same bounds. */
#define POOLDNS_POLL_INTERVAL_MIN_MS 10L
#define POOLDNS_POLL_INTERVAL_MAX_MS 3600000L

struct pooldns_poller_opts {
	struct pooldns_source *source; /* borrowed; must outlive the poller */
	struct pooldns_store *store;   /* borrowed */
	long poll_interval_ms;         /* POOLDNS_POLL_INTERVAL_MIN_MS..MAX_MS */
	const char *cache_file;        /* NULL: no cache; copied */
	struct pooldns_health *health; /* NULL: no health checks; borrowed */
};

/* Creates the poller and starts its thread (signals blocked in it).
 * NULL with a message in err. */
struct pooldns_poller *pooldns_poller_start(const struct pooldns_poller_opts *opts, char *err,
					    size_t errsz);

/* Waits up to timeout_ms for the first snapshot (from source or cache) to
 * be published. Returns true if one is published. */
bool pooldns_poller_wait_ready(struct pooldns_poller *p, long timeout_ms);

/* Asks for an immediate version check (e.g. on SIGHUP). */
void pooldns_poller_kick(struct pooldns_poller *p);

/* Stops and joins the thread, frees the poller. NULL is accepted. */
void pooldns_poller_stop(struct pooldns_poller *p);

/* Why a load (or a change) was not applied. */
enum pooldns_load_failure {
	POOLDNS_LOAD_FAILED_SOURCE = 0, /* the source did not answer, or answered an error */
	POOLDNS_LOAD_FAILED_DATA,       /* the data as a whole was unusable */
	POOLDNS_LOAD_FAILED_MEMORY,     /* out of memory */
	POOLDNS_LOAD_FAILURE_KINDS
};
/* "source", "data", "memory". */
const char *pooldns_load_failure_name(enum pooldns_load_failure kind);

struct pooldns_poller_status {
	int64_t version; /* version of the published snapshot, -1 if none */
	uint64_t loads_ok;
	uint64_t loads_failed; /* every kind */
	uint64_t failures[POOLDNS_LOAD_FAILURE_KINDS];
	bool from_cache;      /* published snapshot came from the cache file */
	bool source_ok;       /* last contact with the source succeeded */
	int64_t published_ms; /* wall clock (ms since the epoch) of the last publish; 0: none */
	int64_t source_ok_ms; /* wall clock of the last successful read of the source; 0: none */
	/* The cache writer (all 0 without a cache file): whole files written,
	 * appends of changes to the journal, and write or append attempts
	 * that failed (each logged only when the writer starts failing). */
	uint64_t cache_writes;
	uint64_t cache_appends;
	uint64_t cache_failures;
};
/* Any thread; never waits. */
void pooldns_poller_status(struct pooldns_poller *p, struct pooldns_poller_status *st);

#endif
