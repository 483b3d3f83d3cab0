/*
 * check_http.c — the "http" and "https" check types: a GET of the pool's
 * check path on the member; up when the status is the expected one (200 by
 * default, as in the prototype) and, if set, the body contains the expected
 * substring. With a check host, it is sent as Host and used for TLS SNI and
 * certificate verification while the connection still goes to the member's
 * address. Certificate verification is always on for https. Redirects are
 * not followed: a 301 is a status like any other.
 *
 * Also the helpers both check types share (URL host form, error text).
 * Owns nothing beyond the probe it configures. Thread model: checker thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/health/check.h"

/* Body bytes kept for the substring check; the rest is read and dropped. */
#define BODY_KEEP_MAX (64u * 1024u)
/* A response larger than this fails the probe (and stops the transfer). */
#define BODY_READ_MAX (1024u * 1024u)

void pooldns_check_url_host(const struct pooldns_endpoint *ep, char *buf, size_t bufsz)
{
	if (ep->family == AF_INET6)
		snprintf(buf, bufsz, "[%s]", ep->host);
	else
		snprintf(buf, bufsz, "%s", ep->host);
}

void pooldns_check_describe_error(const struct pooldns_probe *pr, CURLcode rc, char *reason,
				  size_t rsz)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(reason, rsz, "timeout after %u ms", pr->ep->timeout_ms);
		return;
	case CURLE_COULDNT_CONNECT:
		snprintf(reason, rsz, "connect failed: %s",
			 pr->errbuf[0] ? pr->errbuf : curl_easy_strerror(rc));
		return;
	case CURLE_WRITE_ERROR:
		snprintf(reason, rsz, "response body larger than %u bytes", BODY_READ_MAX);
		return;
	default:
		snprintf(reason, rsz, "%s", pr->errbuf[0] ? pr->errbuf : curl_easy_strerror(rc));
		return;
	}
}

static size_t body_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct pooldns_probe *pr = userdata;
	size_t n = size * nmemb;
	pr->body_seen += n;
	if (pr->body_seen > BODY_READ_MAX)
		return 0; /* aborts with CURLE_WRITE_ERROR */
	if (pr->ep->body == NULL || pr->body_len >= BODY_KEEP_MAX)
		return n;
	size_t keep = n;
	if (keep > BODY_KEEP_MAX - pr->body_len)
		keep = BODY_KEEP_MAX - pr->body_len;
	if (pr->body_len + keep + 1 > pr->body_cap) {
		size_t cap = pr->body_cap ? pr->body_cap * 2 : 4096;
		while (cap < pr->body_len + keep + 1)
			cap *= 2;
		char *nb = realloc(pr->body, cap);
		if (nb == NULL)
			return 0;
		pr->body = nb;
		pr->body_cap = cap;
	}
	memcpy(pr->body + pr->body_len, data, keep);
	pr->body_len += keep;
	pr->body[pr->body_len] = '\0';
	return n;
}

static bool is_ip_literal(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int pooldns_check_http_setup(struct pooldns_health *h, struct pooldns_probe *pr, char *err,
			     size_t errsz)
{
	const struct pooldns_endpoint *ep = pr->ep;
	const char *scheme = ep->type == POOLDNS_CHECK_HTTPS ? "https" : "http";
	char host[300];
	bool named = ep->vhost != NULL && !is_ip_literal(ep->vhost);

	if (named) {
		/* The URL names the host (SNI, certificate, Host header);
		 * CURLOPT_RESOLVE pins it to the member's address. */
		snprintf(host, sizeof host, "%s", ep->vhost);
		char rule[400];
		snprintf(rule, sizeof rule, "%s:%u:%s", ep->vhost, ep->port, ep->host);
		pr->resolve = curl_slist_append(NULL, rule);
		if (pr->resolve == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		curl_easy_setopt(pr->easy, CURLOPT_RESOLVE, pr->resolve);
	} else {
		pooldns_check_url_host(ep, host, sizeof host);
		if (ep->vhost != NULL) {
			char hdr[320];
			snprintf(hdr, sizeof hdr, "Host: %s", ep->vhost);
			pr->headers = curl_slist_append(NULL, hdr);
			if (pr->headers == NULL) {
				snprintf(err, errsz, "out of memory");
				return -1;
			}
			curl_easy_setopt(pr->easy, CURLOPT_HTTPHEADER, pr->headers);
		}
	}
	if ((size_t)snprintf(pr->url, sizeof pr->url, "%s://%s:%u%s", scheme, host, ep->port,
			     ep->path) >= sizeof pr->url) {
		snprintf(err, errsz, "probe URL too long");
		return -1;
	}
	CURL *e = pr->easy;
	curl_easy_setopt(e, CURLOPT_URL, pr->url);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, pr);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (ep->type == POOLDNS_CHECK_HTTPS) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
		if (h->ca_file != NULL)
			curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file);
	}
	return 0;
}

bool pooldns_check_http_result(struct pooldns_probe *pr, CURLcode rc, char *reason, size_t rsz)
{
	if (rc != CURLE_OK) {
		pooldns_check_describe_error(pr, rc, reason, rsz);
		return false;
	}
	long status = 0;
	curl_easy_getinfo(pr->easy, CURLINFO_RESPONSE_CODE, &status);
	const struct pooldns_endpoint *ep = pr->ep;
	if (status != ep->expect_status) {
		snprintf(reason, rsz, "HTTP %ld, expected %u", status, ep->expect_status);
		return false;
	}
	if (ep->body != NULL && (pr->body == NULL || strstr(pr->body, ep->body) == NULL)) {
		snprintf(reason, rsz, "HTTP %ld but the body lacks \"%.64s\"", status, ep->body);
		return false;
	}
	snprintf(reason, rsz, "HTTP %ld", status);
	return true;
}
