/*
 * status.h — the status pages: /status (HTML, status_html.c) and
 * /status.json (status.c), the same data in two forms: the data freshness,
 * then pools with their members, each member's state (up, down, disabled),
 * the time of its last transition and its reason.
 *
 * Bounded: a page lists at most view->page_size pools. Pages follow the
 * order of the snapshot's pool table (stable while the data does not
 * change), and the pools of a page are sorted by name; ?pool=NAME shows one
 * pool whatever the size of the data. The JSON schema is documented in
 * README.md ("Metrics and status").
 *
 * Thread-safety: the operator endpoint's thread, inside the RCU read-side
 * section that found view->snap; the page borrows the snapshot's pools.
 */
#ifndef POOLDNS_OPS_STATUS_H
#define POOLDNS_OPS_STATUS_H

#include <stddef.h>

#include "core/ops/textbuf.h"
#include "core/ops/view.h"

struct pooldns_status_page {
	size_t npools, nmembers; /* in the whole snapshot */
	size_t page, pages;      /* 1-based; pages >= 1 */
	size_t page_size;
	const char *pool_filter;           /* ?pool= given: the only pool shown */
	const struct pooldns_pool **pools; /* this page's pools, by name (owned array) */
	size_t n;
};

enum pooldns_status_rc {
	POOLDNS_STATUS_OK = 0,
	POOLDNS_STATUS_NOT_FOUND, /* no such page or pool: message in err */
	POOLDNS_STATUS_BAD,       /* a bad pool name: message in err */
	POOLDNS_STATUS_NOMEM,
};

/* Collects page `page` (1-based), or the one pool named pool (text form,
 * NULL: no filter). */
enum pooldns_status_rc pooldns_status_page_get(const struct pooldns_ops_view *v, size_t page,
					       const char *pool, struct pooldns_status_page *out,
					       char *err, size_t errsz);
void pooldns_status_page_free(struct pooldns_status_page *pg);

/* One member as the pages show it: "up", "down" or "disabled", with its
 * health details. */
const char *pooldns_status_member(const struct pooldns_ops_view *v, const struct pooldns_member *m,
				  struct pooldns_health_view *hv);

void pooldns_status_render_json(const struct pooldns_ops_view *v,
				const struct pooldns_status_page *pg, struct pooldns_textbuf *b);
void pooldns_status_render_html(const struct pooldns_ops_view *v,
				const struct pooldns_status_page *pg, struct pooldns_textbuf *b);

#endif
