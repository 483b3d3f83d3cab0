/*
 * view.h — what the operator endpoint's pages are rendered from: a
 * struct pooldns_ops_view, one moment of the process (data status, health
 * statistics, query counters, the snapshot in use), filled by http.c from
 * the front end's provider and handed to the renderers (metrics.c,
 * status.c, status_html.c), which read nothing else. Unit tests fill a view
 * by hand.
 *
 * Ownership: a view borrows everything it points at. The snapshot, and the
 * health states its members point at, are valid only inside the RCU
 * read-side section the view was filled in.
 * Thread-safety: a view belongs to the thread rendering a page.
 */
#ifndef POOLDNS_OPS_VIEW_H
#define POOLDNS_OPS_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/health/health.h"
#include "core/model/snapshot.h"
#include "core/ops/qcount.h"
#include "core/poller.h"

/* The data side, from the front end (copied: a reload may replace the
 * source while a page is rendered). */
struct pooldns_ops_data {
	bool have_poller; /* false: no poller runs (a failed reload) */
	struct pooldns_poller_status poller;
	char source_kind[16];   /* "rqlite", "sqlite"; "": none */
	char source_node[1024]; /* the node URL or file in use */
};

/* Fills the source fields of d from a source (NULL: none). */
struct pooldns_source;
void pooldns_ops_data_source(struct pooldns_ops_data *d, struct pooldns_source *src);

struct pooldns_ops_view {
	const char *frontend; /* "standalone", "module" */
	int64_t now_ms;       /* wall clock */
	struct pooldns_ops_data data;
	const struct pooldns_snapshot *snap; /* NULL: no data yet */
	struct pooldns_health *health;       /* NULL: no checker */
	struct pooldns_health_stats hstats;  /* zeros without a checker */
	const struct pooldns_qcount *queries;
	bool tcp;              /* the front end counts TCP connections */
	bool ready;            /* what /readyz answers */
	const char *not_ready; /* why not, when !ready */
	unsigned top_pools;    /* per-pool series: the busiest this many pools */
	unsigned page_size;    /* pools per status page */
};

#endif
