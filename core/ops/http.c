/*
 * http.c — the operator endpoint (http.h) on libmicrohttpd: the daemon
 * with its one internal thread, request checks (method, path, query
 * string), the routes, readiness, and filling the view the renderers read.
 *
 * Input rules are request.c's (paths, query parameters, percent-decoding);
 * a refusal is a 4xx with its one-line reason in text/plain; a method other
 * than GET and HEAD is a 405.
 *
 * Owns: the daemon and its thread, a copy of the provider and options.
 * Thread model: requests run on the daemon's thread only (internal polling
 * thread, no thread per connection), so rendering needs no lock of its own;
 * `ready` is an atomic latch; start and stop on the owner's thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/ops/http.h"
#include "core/ops/metrics.h"
#include "core/ops/request.h"
#include "core/ops/status.h"
#include "core/source/source.h"

/* Request headers and the URL must fit (bounds what a client can make us hold). */
#define HTTP_MEMORY_LIMIT (32u * 1024u)
/* At most one libmicrohttpd message in the log per this many ms. */
#define LOG_EVERY_MS 10000

struct pooldns_http {
	struct MHD_Daemon *d;
	struct pooldns_ops_provider prov;
	unsigned metrics_pools;
	unsigned page_size;
	_Atomic bool ready; /* latched once data and the first health round were seen */
	/* While MHD_start_daemon() runs, its errors are kept for the caller
	 * (start_err belongs to the owner's thread until `starting` drops). */
	char start_err[256];
	_Atomic bool starting;
	/* The daemon's thread only: rate limit of its log messages. */
	bool logged;
	uint64_t last_log_ms; /* monotonic */
	unsigned long log_suppressed;
};

/* ---- replies ------------------------------------------------------------ */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (strncmp(type, "text/html", 9) == 0)
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'none'; style-src 'unsafe-inline'");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_buf(struct MHD_Connection *c, unsigned status, const char *type,
				 struct pooldns_textbuf *b)
{
	size_t len;
	char *body = pooldns_textbuf_take(b, &len);
	if (body == NULL) {
		static const char oom[] = "out of memory\n";
		struct MHD_Response *r = MHD_create_response_from_buffer(
			sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
		MHD_destroy_response(r);
		return ret;
	}
	return reply(c, status, type, body, len);
}

__attribute__((format(printf, 3, 4))) static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	struct pooldns_textbuf b;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	pooldns_textbuf_init(&b);
	pooldns_textbuf_put(&b, line);
	pooldns_textbuf_put(&b, "\n");
	return reply_buf(c, status, "text/plain; charset=utf-8", &b);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	return pooldns_ops_args_add(cls, key, value) ? MHD_YES : MHD_NO;
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return pooldns_ops_unescape(s);
}

/* ---- the view ----------------------------------------------------------- */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pooldns_ops_data_source(struct pooldns_ops_data *d, struct pooldns_source *src)
{
	d->source_kind[0] = d->source_node[0] = '\0';
	if (src == NULL)
		return;
	snprintf(d->source_kind, sizeof d->source_kind, "%s", src->ops->name);
	snprintf(d->source_node, sizeof d->source_node, "%s",
		 src->ops->node != NULL ? src->ops->node(src) : src->ops->describe(src));
}

/* The provider's part: OUTSIDE any read-side section, because the
 * provider may wait for a reload that waits for a grace period. */
static void fill_view(struct pooldns_http *h, struct pooldns_ops_view *v, struct pooldns_qcount *q)
{
	memset(v, 0, sizeof *v);
	memset(q, 0, sizeof *q);
	v->frontend = h->prov.frontend;
	h->prov.data(h->prov.ctx, &v->data);
	h->prov.queries(h->prov.ctx, q);
	v->queries = q;
	v->tcp = h->prov.tcp;
	v->health = h->prov.health;
	if (v->health != NULL)
		pooldns_health_get_stats(v->health, &v->hstats);
	v->now_ms = wall_ms();
}

/* The snapshot part: inside the caller's read-side section. */
static void fill_snap(struct pooldns_http *h, struct pooldns_ops_view *v)
{
	v->snap = pooldns_store_get(h->prov.store);
	v->top_pools = h->metrics_pools;
	v->page_size = h->page_size;

	v->ready = atomic_load(&h->ready);
	if (!v->ready) {
		if (v->snap == NULL)
			v->not_ready = "no data yet (the source has not answered and no cache file "
				       "was read)";
		else if (v->health != NULL && !pooldns_health_first_round_done(v->health))
			v->not_ready = "the first round of health checks is not done";
		else
			atomic_store(&h->ready, v->ready = true);
	}
}

/* ---- routes ------------------------------------------------------------- */

static enum MHD_Result route_status(struct pooldns_http *h, struct MHD_Connection *c,
				    const struct pooldns_ops_request *rq)
{
	struct pooldns_ops_view v;
	struct pooldns_qcount q;
	struct pooldns_status_page pg;
	struct pooldns_textbuf b;
	char err[256];
	bool json = rq->route == POOLDNS_ROUTE_STATUS_JSON;
	enum MHD_Result ret;

	pooldns_textbuf_init(&b);
	fill_view(h, &v, &q);
	pooldns_read_lock();
	fill_snap(h, &v);
	switch (pooldns_status_page_get(&v, rq->page, rq->pool, &pg, err, sizeof err)) {
	case POOLDNS_STATUS_OK:
		if (json)
			pooldns_status_render_json(&v, &pg, &b);
		else
			pooldns_status_render_html(&v, &pg, &b);
		pooldns_status_page_free(&pg);
		pooldns_read_unlock();
		return reply_buf(c, MHD_HTTP_OK,
				 json ? "application/json" : "text/html; charset=utf-8", &b);
	case POOLDNS_STATUS_NOT_FOUND:
		pooldns_read_unlock();
		ret = reply_text(c, MHD_HTTP_NOT_FOUND, "%s", err);
		break;
	case POOLDNS_STATUS_BAD:
		pooldns_read_unlock();
		ret = reply_text(c, MHD_HTTP_BAD_REQUEST, "%s", err);
		break;
	default:
		pooldns_read_unlock();
		ret = reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
		break;
	}
	pooldns_status_page_free(&pg);
	pooldns_textbuf_free(&b);
	return ret;
}

static enum MHD_Result route(struct pooldns_http *h, struct MHD_Connection *c,
			     const struct pooldns_ops_request *rq)
{
	struct pooldns_ops_view v;
	struct pooldns_qcount q;
	struct pooldns_textbuf b;

	switch (rq->route) {
	case POOLDNS_ROUTE_REFUSED:
		return reply_text(c, rq->status, "%s", rq->why);
	case POOLDNS_ROUTE_INDEX:
		return reply_text(c, MHD_HTTP_OK,
				  "pooldns: /metrics /healthz /readyz /status /status.json");
	case POOLDNS_ROUTE_HEALTHZ:
		return reply_text(c, MHD_HTTP_OK, "ok");
	case POOLDNS_ROUTE_READYZ:
		fill_view(h, &v, &q);
		pooldns_read_lock();
		fill_snap(h, &v);
		pooldns_read_unlock();
		if (v.ready)
			return reply_text(c, MHD_HTTP_OK, "ready");
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready: %s", v.not_ready);
	case POOLDNS_ROUTE_METRICS:
		pooldns_textbuf_init(&b);
		fill_view(h, &v, &q);
		pooldns_read_lock();
		fill_snap(h, &v);
		pooldns_metrics_render(&v, &b);
		pooldns_read_unlock();
		return reply_buf(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &b);
	case POOLDNS_ROUTE_STATUS:
	case POOLDNS_ROUTE_STATUS_JSON:
		return route_status(h, c, rq);
	}
	return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no handler");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	static int first_call;
	struct pooldns_http *h = cls;
	struct pooldns_ops_args a = { .n = 0 };
	struct pooldns_ops_request rq;

	if (*con_cls == NULL) {
		/* Headers only so far; answer on the next call. */
		*con_cls = &first_call;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* a body is ignored; the method is refused below */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD");
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
	pooldns_ops_request_parse(url, &a, &rq);
	return route(h, c, &rq);
}

/* libmicrohttpd's messages: while starting, kept for the caller's error;
 * after that (on the daemon's thread only) logged at most once per
 * LOG_EVERY_MS, since a client can cause them at will (a header too big,
 * the connection limit). */
__attribute__((format(printf, 2, 0))) static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	struct pooldns_http *h = cls;
	char line[256];

	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (atomic_load(&h->starting)) {
		snprintf(h->start_err, sizeof h->start_err, "%s", line);
		return;
	}
	uint64_t now = pooldns_now_ms();
	if (h->logged && now - h->last_log_ms < LOG_EVERY_MS) {
		h->log_suppressed++;
		return;
	}
	if (h->log_suppressed > 0)
		pooldns_log(POOLDNS_LOG_WARNING, "http: %s (and %lu more messages since the last)",
			    line, h->log_suppressed);
	else
		pooldns_log(POOLDNS_LOG_WARNING, "http: %s", line);
	h->logged = true;
	h->last_log_ms = now;
	h->log_suppressed = 0;
}

/* ---- start and stop ----------------------------------------------------- */

/* "a.b.c.d:port" or "[v6]:port" (the configuration has checked it). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, char *err, size_t errsz)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	size_t hl;
	bool v6 = s[0] == '[';

	memset(ss, 0, sizeof *ss);
	if (v6) {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			goto bad;
		hl = (size_t)(end - s - 1);
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, s + 1, hl);
		colon = end + 1;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL || (hl = (size_t)(colon - s)) >= sizeof host)
			goto bad;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	char *e;
	unsigned long port = strtoul(colon + 1, &e, 10);
	if (colon[1] == '\0' || *e != '\0' || port == 0 || port > 65535)
		goto bad;
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errsz, "http-listen %s: expected addr:port or [v6addr]:port", s);
	return -1;
}

struct pooldns_http *pooldns_http_start(const struct pooldns_http_opts *opts,
					const struct pooldns_ops_provider *prov, char *err,
					size_t errsz)
{
	struct sockaddr_storage ss;

	if (parse_listen(opts->listen, &ss, err, errsz) != 0)
		return NULL;
	struct pooldns_http *h = calloc(1, sizeof *h);
	if (h == NULL) {
		snprintf(err, errsz, "http: out of memory");
		return NULL;
	}
	h->prov = *prov;
	h->metrics_pools = opts->metrics_pools;
	h->page_size = opts->page_size > 0 ? opts->page_size : 1;
	atomic_init(&h->starting, true);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;

	/* The daemon's thread inherits a mask that blocks every signal: they
	 * belong to the server's main thread, or to Unbound. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->d = MHD_start_daemon(flags,
				ntohs(ss.ss_family == AF_INET6
					      ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port),
				NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)opts->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)opts->timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
				MHD_OPTION_EXTERNAL_LOGGER, log_mhd, h,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (h->d == NULL) {
		snprintf(err, errsz, "http-listen %s: cannot start the endpoint: %s", opts->listen,
			 h->start_err[0] != '\0' ? h->start_err : "unknown error");
		free(h);
		return NULL;
	}
	atomic_store(&h->starting, false);
	return h;
}

void pooldns_http_stop(struct pooldns_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
