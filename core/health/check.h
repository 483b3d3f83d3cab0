/*
 * check.h — a probe in flight and the check types that configure and judge
 * it: check_http.c ("http", "https") and check_tcp.c ("tcp"). The checker
 * (checker.c) creates the probe, asks the endpoint's check type to set it
 * up, runs it on its libcurl multi handle and asks the type again to judge
 * the finished transfer; the check types never report to the registry
 * themselves.
 *
 * Thread model: checker thread only. Not part of the library's interface.
 */
#ifndef POOLDNS_HEALTH_CHECK_H
#define POOLDNS_HEALTH_CHECK_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/health/health_internal.h"

/* One probe in flight: a curl easy handle and what it collects. Owned by
 * the checker; ep->probe points back at it. */
struct pooldns_probe {
	struct pooldns_endpoint *ep;
	CURL *easy;
	struct curl_slist *headers;
	struct curl_slist *resolve;
	char *body; /* collected body (http with body check) */
	size_t body_len;
	size_t body_cap;
	size_t body_seen; /* bytes received in all */
	char url[512];
	char errbuf[CURL_ERROR_SIZE];
};

/* Configure an easy handle for a probe, and judge the finished transfer.
 * setup returns 0 or -1 (reason in err); result returns whether the
 * member passed, with a short reason either way. */
int pooldns_check_http_setup(struct pooldns_health *h, struct pooldns_probe *pr, char *err,
			     size_t errsz);
bool pooldns_check_http_result(struct pooldns_probe *pr, CURLcode rc, char *reason, size_t rsz);
int pooldns_check_tcp_setup(struct pooldns_health *h, struct pooldns_probe *pr, char *err,
			    size_t errsz);
bool pooldns_check_tcp_result(struct pooldns_probe *pr, CURLcode rc, char *reason, size_t rsz);

/* Shared by both check types (check_http.c): the address as a URL host
 * ("10.0.0.1", "[::1]"), and a transfer error as a short reason
 * ("connect: Connection refused", "timeout after 2000 ms"). */
void pooldns_check_url_host(const struct pooldns_endpoint *ep, char *buf, size_t bufsz);
void pooldns_check_describe_error(const struct pooldns_probe *pr, CURLcode rc, char *reason,
				  size_t rsz);

#endif
