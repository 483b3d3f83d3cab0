/*
 * request.h — the operator endpoint's request rules, apart from the HTTP
 * server so that they are unit-tested and fuzzed on their own: which path
 * is which page, which query parameters each page takes, what a page
 * number looks like, and the percent-decoding of paths and values.
 *
 * Rules: the path must be one of the pages, exactly; a page accepts only
 * its own parameters, each at most once and with a value; page numbers are
 * decimal, 1..999999999; percent-escapes are decoded except %00 and
 * malformed ones, which stay as they are (so no NUL ever reaches a
 * comparison). A refusal carries its HTTP status (400 or 404) and a
 * one-line reason, quoting the client's text cut to 64 printable bytes.
 *
 * Thread-safety: no state; any thread.
 */
#ifndef POOLDNS_OPS_REQUEST_H
#define POOLDNS_OPS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define POOLDNS_OPS_MAX_ARGS 4

/* The query parameters, as the server found them (borrowed strings; a
 * value may be NULL for "?key"). */
struct pooldns_ops_args {
	const char *key[POOLDNS_OPS_MAX_ARGS];
	const char *value[POOLDNS_OPS_MAX_ARGS];
	size_t n;
	bool too_many; /* more than POOLDNS_OPS_MAX_ARGS were given */
};

/* Appends one parameter; false (and too_many set) when full. */
bool pooldns_ops_args_add(struct pooldns_ops_args *a, const char *key, const char *value);

enum pooldns_ops_route {
	POOLDNS_ROUTE_REFUSED = 0, /* see status and why */
	POOLDNS_ROUTE_INDEX,       /* / */
	POOLDNS_ROUTE_METRICS,     /* /metrics */
	POOLDNS_ROUTE_HEALTHZ,     /* /healthz */
	POOLDNS_ROUTE_READYZ,      /* /readyz */
	POOLDNS_ROUTE_STATUS,      /* /status */
	POOLDNS_ROUTE_STATUS_JSON, /* /status.json */
};

struct pooldns_ops_request {
	enum pooldns_ops_route route;
	size_t page;      /* status pages: 1 when not given */
	const char *pool; /* status pages: ?pool=, borrowed; NULL: none */
	unsigned status;  /* when refused: 400 or 404 */
	char why[256];    /* when refused: the reason, one line */
};

/* Decides what a GET of path with the parameters a asks for. Returns
 * false when refused (r->status, r->why). */
bool pooldns_ops_request_parse(const char *path, const struct pooldns_ops_args *a,
			       struct pooldns_ops_request *r);

/* Percent-decodes s in place (see above); returns the new length. */
size_t pooldns_ops_unescape(char *s);

#endif
