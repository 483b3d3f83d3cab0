/*
 * fuzz_http_request.c — fuzz target for the operator endpoint's request
 * rules (core/ops/request.c): the input is a request target, a path with
 * an optional query string ("/status?page=2&pool=x"). It is split as an
 * HTTP server splits it (first '?', then '&', then the first '='),
 * percent-decoded with pooldns_ops_unescape(), and judged by
 * pooldns_ops_request_parse(); an accepted status page request is then
 * looked up on a view without data (the page bounds and the pool name
 * parser). Must never crash or read out of bounds; a refusal must carry a
 * 400 or 404 and a one-line printable reason.
 *
 * Thread model: single-threaded.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/request.h"
#include "core/ops/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_ops_args a = { .n = 0 };
	struct pooldns_ops_request rq;

	if (size > 8192)
		return 0;
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0'; /* a server never passes a NUL: the text ends there */

	char *query = strchr(buf, '?');
	if (query != NULL)
		*query++ = '\0';
	pooldns_ops_unescape(buf);
	while (query != NULL && *query != '\0') {
		char *next = strchr(query, '&');
		if (next != NULL)
			*next++ = '\0';
		char *value = strchr(query, '=');
		if (value != NULL) {
			*value++ = '\0';
			pooldns_ops_unescape(value);
		}
		pooldns_ops_unescape(query);
		if (*query != '\0')
			pooldns_ops_args_add(&a, query, value);
		query = next;
	}

	if (!pooldns_ops_request_parse(buf, &a, &rq)) {
		if ((rq.status != 400 && rq.status != 404) || rq.why[0] == '\0' ||
		    memchr(rq.why, '\0', sizeof rq.why) == NULL)
			abort();
		for (const char *p = rq.why; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				abort();
	} else if (rq.route == POOLDNS_ROUTE_STATUS || rq.route == POOLDNS_ROUTE_STATUS_JSON) {
		struct pooldns_ops_view v;
		struct pooldns_status_page pg;
		char err[256];

		if (rq.page < 1)
			abort();
		memset(&v, 0, sizeof v);
		v.page_size = 10;
		enum pooldns_status_rc rc =
			pooldns_status_page_get(&v, rq.page, rq.pool, &pg, err, sizeof err);
		if (rc == POOLDNS_STATUS_OK && (rq.page != 1 || pg.n != 0 || pg.pages != 1))
			abort();
		pooldns_status_page_free(&pg);
	}
	free(buf);
	return 0;
}
