/*
 * check_tcp.c — the "tcp" check type: a member is up when a TCP connection
 * to its check port completes within the timeout. Done through libcurl's
 * connect-only mode so it runs on the same multi handle as HTTP probes.
 *
 * Owns nothing beyond the probe it configures. Thread model: checker thread.
 */
#include "config.h"

#include <stdio.h>

#include "core/health/check.h"

int pooldns_check_tcp_setup(struct pooldns_health *h, struct pooldns_probe *pr, char *err,
			    size_t errsz)
{
	char host[64];
	pooldns_check_url_host(pr->ep, host, sizeof host);
	if ((size_t)snprintf(pr->url, sizeof pr->url, "http://%s:%u/", host, pr->ep->port) >=
	    sizeof pr->url) {
		snprintf(err, errsz, "probe URL too long");
		return -1;
	}
	curl_easy_setopt(pr->easy, CURLOPT_URL, pr->url);
	curl_easy_setopt(pr->easy, CURLOPT_CONNECT_ONLY, 1L);
	return 0;
}

bool pooldns_check_tcp_result(struct pooldns_probe *pr, CURLcode rc, char *reason, size_t rsz)
{
	if (rc == CURLE_OK) {
		snprintf(reason, rsz, "TCP connect to port %u", pr->ep->port);
		return true;
	}
	pooldns_check_describe_error(pr, rc, reason, rsz);
	return false;
}
