/*
 * feedsteps.h — one scenario of writes for the change-feed tests, run the
 * same way against the SQLite source (check_change_feed.c) and a real
 * rqlited (check_source_rqlite_live.c): each step is one SQL write, and
 * changes() from the position before it must name exactly the pools it
 * touched, with their current rows.
 *
 * The scenario starts from schema.json + populate_data.json (pools 1-5).
 * Failures go through Check (ck_assert). Thread model: none.
 */
#ifndef POOLDNS_FEEDSTEPS_H
#define POOLDNS_FEEDSTEPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/source.h"

/* Runs sql on the database behind the source under test (a write). */
typedef void (*feed_exec_fn)(void *ctx, const char *sql);

/* Runs every step through exec, checking src->ops->changes() after each
 * one, then once more over the whole scenario in one delta. */
void feed_run_steps(struct pooldns_source *src, feed_exec_fn exec, void *ctx);

/* The sorted distinct pool ids of a delta must be exactly want[0..n). */
void feed_expect_zones(const struct pooldns_delta *d, const int64_t *want, size_t n,
		       const char *what);

/* Rows of t whose column col equals v. */
size_t feed_count_rows(const struct pooldns_table *t, const char *col, int64_t v);

#endif
