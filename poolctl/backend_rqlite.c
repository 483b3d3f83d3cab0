/*
 * backend_rqlite.c — poolctl's rqlite transport: POSTs parameterised
 * statements to /db/query (reads, one read transaction) or
 * /db/execute?transaction (writes) on the configured nodes, with the same
 * options as pooldns's rqlite source (URL list, basic auth with the
 * password from a file, CA file, read consistency, timeouts). Query
 * answers are read by pooldns's own rqlite JSON parser
 * (core/source/rqlite_json.c), execute answers by rqlite_execute.c.
 *
 * Failover: a read tries every node in order until one answers; a write
 * moves on only when the request could not be sent to a node at all
 * (see backend.h). Redirects from followers are followed, POST kept.
 *
 * Owns: one libcurl easy handle, copies of the options, the password, the
 * response buffer. Thread model: one thread at a time.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/conf_opts.h"
#include "core/source/rqlite_json.h"
#include "poolctl/backend.h"

#define MAX_RESPONSE (512L * 1024 * 1024)

struct rq {
	struct pctl_backend base; /* must be first */
	struct pooldns_rqlite_opts opts;
	char pw[4096];
	CURL *curl;
	struct curl_slist *headers;
	char *buf;
	size_t len, cap;
	bool too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct rq *r = ud;
	size_t n = size * nmemb;

	if (r->len + n + 1 > (size_t)MAX_RESPONSE) {
		r->too_big = true;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t nc = r->cap ? r->cap : 65536;
		while (nc < r->len + n + 1)
			nc *= 2;
		char *nb = realloc(r->buf, nc);
		if (nb == NULL)
			return 0;
		r->buf = nb;
		r->cap = nc;
	}
	memcpy(r->buf + r->len, ptr, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static json_t *cell_json(const struct pooldns_cell *c)
{
	switch (c->type) {
	case POOLDNS_CELL_INT:
		return json_integer((json_int_t)c->i);
	case POOLDNS_CELL_REAL:
		return json_real(c->r);
	case POOLDNS_CELL_TEXT:
		return json_string(c->s);
	case POOLDNS_CELL_NULL:
		break;
	}
	return json_null();
}

/* [["SQL", v1, v2, ...], ...]; caller frees. NULL on OOM or text that is
 * not UTF-8. */
static char *make_body(const struct pctl_stmt *st, size_t n)
{
	json_t *a = json_array();
	char *body = NULL;

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array();
		if (e == NULL || json_array_append_new(a, e) != 0 ||
		    json_array_append_new(e, json_string(st[i].sql)) != 0)
			goto out;
		for (size_t k = 0; k < st[i].n; k++) {
			json_t *v = cell_json(&st[i].p[k]);
			if (v == NULL || json_array_append_new(e, v) != 0)
				goto out;
		}
	}
	body = json_dumps(a, JSON_COMPACT);
out:
	json_decref(a);
	return body;
}

/* One POST to node i. 0 and the body in r->buf, or -1 with err; *sent is
 * false when the request certainly never reached the node. */
static int post(struct rq *r, size_t i, const char *path, const char *body, bool *sent, char *err,
		size_t errsz)
{
	char url[2200], cerr[CURL_ERROR_SIZE];
	CURLcode rc;
	long status = 0;

	*sent = true;
	cerr[0] = '\0';
	r->len = 0;
	r->too_big = false;
	const char *u = r->opts.urls[i];
	bool https = strncmp(u, "https://", 8) == 0;

	/* path starts with '/': drop it when the URL ends with one */
	snprintf(url, sizeof(url), "%s%s", u, u[strlen(u) - 1] == '/' ? path + 1 : path);
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	/* an https node is never followed to plain http (credentials) */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
#else
	curl_easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS,
			 https ? (long)CURLPROTO_HTTPS : (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	rc = curl_easy_perform(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		*sent = !(rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
			  rc == CURLE_COULDNT_RESOLVE_PROXY);
		if (r->too_big)
			snprintf(err, errsz, "answer larger than %ld bytes", MAX_RESPONSE);
		else
			snprintf(err, errsz, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		const char *hint = status == 401 || status == 403
					   ? " (authentication failed: check rqlite-user and "
					     "rqlite-password-file)"
				   : status == 503 ? " (no leader?)"
						   : "";
		snprintf(err, errsz, "HTTP %ld%s", status, hint);
		return -1;
	}
	if (r->buf == NULL) {
		snprintf(err, errsz, "empty answer");
		return -1;
	}
	return 0;
}

static void append(char *err, size_t errsz, const char *url, const char *one)
{
	size_t l = strlen(err);

	if (l + 1 < errsz)
		snprintf(err + l, errsz - l, "%srqlite %s: %s", l ? "; " : "", url, one);
}

static int rq_query(struct pctl_backend *b, const struct pctl_stmt *st, size_t n,
		    struct pooldns_table **out, char *err, size_t errsz)
{
	struct rq *r = (struct rq *)b;
	char *body = make_body(st, n), path[96], one[512];
	bool sent;
	int rc = -1;

	err[0] = '\0';
	if (body == NULL) {
		snprintf(err, errsz, "out of memory (or text that is not UTF-8)");
		return -1;
	}
	snprintf(path, sizeof(path), "/db/query?level=%s&transaction",
		 pooldns_rqlite_level_name(r->opts.level));
	for (size_t i = 0; i < r->opts.nurls && rc != 0; i++) {
		one[0] = '\0';
		if (post(r, i, path, body, &sent, one, sizeof(one)) == 0 &&
		    pooldns_rqlite_parse_results(r->buf, r->len, out, n, one, sizeof(one)) == 0)
			rc = 0;
		else
			append(err, errsz, r->opts.urls[i], one);
	}
	free(body);
	return rc;
}

static int rq_execute(struct pctl_backend *b, const struct pctl_stmt *st, size_t n,
		      int64_t *affected, char *err, size_t errsz)
{
	struct rq *r = (struct rq *)b;
	char *body = make_body(st, n), one[512];
	bool sent = false;
	int rc = -1;

	err[0] = '\0';
	if (body == NULL) {
		snprintf(err, errsz, "out of memory (or text that is not UTF-8)");
		return -1;
	}
	for (size_t i = 0; i < r->opts.nurls; i++) {
		one[0] = '\0';
		if (post(r, i, "/db/execute?transaction", body, &sent, one, sizeof(one)) == 0) {
			if (pctl_rqlite_parse_execute(r->buf, r->len, n, affected, one,
						      sizeof(one)) == 0)
				rc = 0;
			else
				append(err, errsz, r->opts.urls[i], one);
			break;
		}
		append(err, errsz, r->opts.urls[i], one);
		if (sent)
			break; /* it may have arrived: never send a write twice */
	}
	free(body);
	return rc;
}

static void rq_close(struct pctl_backend *b)
{
	struct rq *r = (struct rq *)b;

	if (r->curl != NULL)
		curl_easy_cleanup(r->curl);
	curl_slist_free_all(r->headers);
	explicit_bzero(r->pw, sizeof(r->pw));
	free(r->buf);
	free(r);
	curl_global_cleanup();
}

static const struct pctl_backend_ops rq_ops = {
	.query = rq_query,
	.execute = rq_execute,
	.close = rq_close,
};

struct pctl_backend *pctl_backend_rqlite_open(const struct pooldns_config *cfg, char *err,
					      size_t errsz)
{
	struct rq *r;
	CURLcode rc = CURLE_OK;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errsz, "libcurl did not initialise");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errsz, "out of memory");
		curl_global_cleanup();
		return NULL;
	}
	r->base.ops = &rq_ops;
	if (pooldns_config_rqlite_opts(cfg, &r->opts, r->pw, sizeof(r->pw), err, errsz) != 0)
		goto fail;
	for (size_t i = 0; i < r->opts.nurls; i++) {
		if (strncmp(r->opts.urls[i], "http://", 7) != 0 &&
		    strncmp(r->opts.urls[i], "https://", 8) != 0) {
			snprintf(err, errsz, "rqlite-url %s: not http:// or https://",
				 r->opts.urls[i]);
			goto fail;
		}
	}
	if ((r->curl = curl_easy_init()) == NULL ||
	    (r->headers = curl_slist_append(NULL, "Content-Type: application/json")) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
#define SETOPT(o, v)                                                                               \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(r->curl, o, v);                                      \
	} while (0)
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_POST, 1L);
	SETOPT(CURLOPT_HTTPHEADER, r->headers);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, r);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, r->opts.connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, r->opts.timeout_ms);
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, 3L);
	SETOPT(CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	SETOPT(CURLOPT_UNRESTRICTED_AUTH, 1L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (r->opts.ca_file != NULL)
		SETOPT(CURLOPT_CAINFO, r->opts.ca_file);
	if (r->opts.user != NULL) {
		SETOPT(CURLOPT_USERNAME, r->opts.user);
		SETOPT(CURLOPT_PASSWORD, r->opts.password != NULL ? r->opts.password : "");
	}
#undef SETOPT
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "setting up libcurl: %s", curl_easy_strerror(rc));
		goto fail;
	}
	return &r->base;
fail:
	rq_close(&r->base);
	return NULL;
}
