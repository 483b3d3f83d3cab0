/*
 * http.h — the operator endpoint: an HTTP server (libmicrohttpd, one
 * internal thread, a connection limit and an idle timeout) that serves
 *   /metrics      Prometheus text (metrics.h)
 *   /healthz      200 while the process runs
 *   /readyz       200 once the process has data and the first round of
 *                 health checks is done (it stays ready after that), else
 *                 503 with the reason
 *   /status       the status page in HTML; /status.json the same as JSON
 *                 (status.h), ?page=N and ?pool=NAME
 * GET and HEAD only; anything else, an unknown path or a bad query string
 * is refused with a status and a one-line reason. One endpoint per process:
 * the standalone server starts it in main(), the Unbound module in init().
 *
 * The front end describes itself with a provider: the store and health
 * registry to read, and callbacks for what only it knows (its data status
 * and query counters). Rendering happens on the endpoint's thread inside
 * an RCU read-side section; the answer path is never involved.
 *
 * Thread-safety: start and stop on the owner's thread; between them the
 * endpoint's thread calls the provider's callbacks, which must be safe
 * there (they read atomics, or take a lock the answer path never takes).
 * The callbacks are never called inside an RCU read-side section, so they
 * may wait for a thread that waits for a grace period (a reload).
 * Everything the provider points at must outlive pooldns_http_stop().
 */
#ifndef POOLDNS_OPS_HTTP_H
#define POOLDNS_OPS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/model/store.h"
#include "core/ops/view.h"

struct pooldns_ops_provider {
	const char *frontend;          /* "standalone", "module" */
	struct pooldns_store *store;   /* borrowed */
	struct pooldns_health *health; /* borrowed; NULL: no checker */
	bool tcp;                      /* the query counters count TCP connections */
	/* Fills the data status (poller status, source). */
	void (*data)(void *ctx, struct pooldns_ops_data *out);
	/* Adds every thread's counters into sum (zeroed by the caller). */
	void (*queries)(void *ctx, struct pooldns_qcount *sum);
	void *ctx;
};

struct pooldns_http_opts {
	const char *listen;       /* "127.0.0.1:9153", "[::1]:9153" (checked by the config) */
	unsigned max_connections; /* open at once; one more is closed when accepted */
	unsigned timeout_s;       /* an idle connection is closed after this */
	unsigned metrics_pools;   /* per-pool series for the busiest this many pools */
	unsigned page_size;       /* pools per status page */
};

struct pooldns_http;

/* Binds and starts the endpoint's thread (signals blocked in it). NULL
 * with a message in err (e.g. the address is in use). */
struct pooldns_http *pooldns_http_start(const struct pooldns_http_opts *opts,
					const struct pooldns_ops_provider *prov, char *err,
					size_t errsz);

/* Closes the socket and joins the thread. NULL is accepted. */
void pooldns_http_stop(struct pooldns_http *h);

#endif
