/*
 * run.h — runs one parsed case against a server: setup SQL, version syncs,
 * queries with their expectations, bounded (and timed) wait-until loops,
 * fake health-check backends (backend.h), and the case's cleanup
 * statements at the end, pass or fail; the backends are stopped after
 * them.
 *
 * Thread model: the runner is single-threaded (the backends of a case have
 * their own service thread, see backend.h); the options are read-only
 * during a run.
 */
#ifndef POOLDNS_HARNESS_RUN_H
#define POOLDNS_HARNESS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "case.h"
#include "hstore.h"
#include "probe.h"

struct pooldns_run_opts {
	struct pooldns_probe_server server;
	unsigned target;              /* POOLDNS_CASE_TARGET_* bit of --target */
	struct pooldns_hstore *store; /* NULL: no store given; sql/sync steps fail */
	uint32_t timeout_ms;          /* per query, when the step gives none */
	uint32_t sync_timeout_ms;     /* per sync, when the step gives none */
	const char *tls_cert;         /* PEM certificate of https backends (NULL: none) */
	const char *tls_key;          /* its private key */
	bool verbose;
	FILE *log; /* verbose trace (stderr) */
};

/* Runs case c. 0 when every step held; -1 with a one-line reason in msg
 * ("line 12: expected rcode NOERROR, got REFUSED") and, in detail, the
 * decoded response it concerns (several lines, possibly empty). */
int pooldns_run_case(const struct pooldns_run_opts *o, const struct pooldns_case *c, char *msg,
		     size_t msgsz, char *detail, size_t detailsz);

#endif
