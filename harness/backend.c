/*
 * backend.c — the fake health-check backends of a case (see backend.h):
 * HTTP/1.x and HTTPS (OpenSSL) servers that read one request per
 * connection and answer it with the backend's current status and body
 * after its delay (or close without answering), and TCP listeners that
 * accept and close. Every request (every connection, for tcp) is logged
 * with its time, path, Host and User-Agent so that cases can count probes
 * and look at them.
 *
 * Owns: every listener, connection, TLS object and log entry of the set,
 * and the SSL_CTX. Thread model: control calls come from the case runner's
 * thread; one service thread runs poll(2) over all sockets. Only the
 * service thread closes sockets it polls (down/stop requests are handed to
 * it and acknowledged through req_seq/done_seq), so poll never sees an fd
 * reused behind its back. Everything shared is under `lock`, which the
 * service thread drops only while it sleeps in poll.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "backend.h"
#include "core/clock.h"
#include "probe.h"

#define MAX_CONNS    256    /* open connections over all backends */
#define REQ_MAX      8192   /* request head bytes read */
#define CONN_IDLE_MS 10000u /* a connection lives at most this (plus its delay) */
#define LOG_MAX      20000u /* requests logged per backend */
#define FIELD_MAX    256    /* bytes kept of path, Host, User-Agent */
#define ACK_WAIT_MS  5000u  /* bound of a wait for the service thread */
#define POLL_MAX_MS  1000

struct req {
	uint64_t ts;
	char path[FIELD_MAX];
	char host[FIELD_MAX];
	char ua[FIELD_MAX];
};

struct backend {
	char name[POOLDNS_CASE_MAX_BACKEND_NAME + 1];
	enum pooldns_backend_kind kind;
	int family;
	uint8_t addr[16];
	char addr_text[64];
	uint16_t port;
	int lfd;         /* listening socket (service thread's), -1: down */
	int pending_lfd; /* opened by `up`, adopted by the service thread */
	bool want_down;  /* `down`: the service thread closes lfd and connections */
	uint16_t status;
	char *body;
	uint32_t delay_ms;
	bool close_conn;
	struct req *log;
	size_t nlog, caplog;
	bool log_full;
};

enum conn_state { C_TLS = 1, C_READ, C_DELAY, C_WRITE, C_DEAD };

struct conn {
	int fd;
	struct backend *b;
	SSL *ssl;
	enum conn_state st;
	short events;
	char in[REQ_MAX + 1];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	uint64_t respond_at, deadline;
};

struct pooldns_backends {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started, stop;
	int wake[2];
	uint64_t req_seq, done_seq;
	struct backend b[POOLDNS_CASE_MAX_BACKENDS];
	size_t nb;
	struct conn *conns[MAX_CONNS]; /* service thread only */
	size_t nconns;
	SSL_CTX *ctx;
	char *cert, *key;
};

/* ---- helpers ---- */

static struct backend *find(struct pooldns_backends *bs, const char *name)
{
	for (size_t i = 0; i < bs->nb; i++)
		if (strcmp(bs->b[i].name, name) == 0)
			return &bs->b[i];
	return NULL;
}

static void ssl_errors(char *buf, size_t bufsz)
{
	unsigned long e = ERR_get_error();
	if (e == 0) {
		snprintf(buf, bufsz, "unknown TLS error");
		return;
	}
	ERR_error_string_n(e, buf, bufsz);
	ERR_clear_error();
}

static const char *reason_phrase(unsigned status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Status";
	}
}

static int open_listener(const struct backend *b, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (b->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(b->port);
		memcpy(&s4->sin_addr, b->addr, 4);
		sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(b->port);
		memcpy(&s6->sin6_addr, b->addr, 16);
		sl = sizeof *s6;
	}
	int fd = socket(b->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errsz, "backend %s: socket: %s", b->name, strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (b->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0) {
		snprintf(err, errsz, "backend %s: cannot listen on %s port %u: %s", b->name,
			 b->addr_text, b->port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void log_request(struct backend *b, const char *path, const char *host, const char *ua)
{
	if (b->nlog >= LOG_MAX) {
		b->log_full = true;
		return;
	}
	if (b->nlog == b->caplog) {
		size_t ncap = b->caplog ? b->caplog * 2 : 64;
		struct req *n = realloc(b->log, ncap * sizeof *n);
		if (n == NULL) {
			b->log_full = true;
			return;
		}
		b->log = n;
		b->caplog = ncap;
	}
	struct req *r = &b->log[b->nlog++];
	r->ts = pooldns_now_ms();
	snprintf(r->path, sizeof r->path, "%s", path);
	snprintf(r->host, sizeof r->host, "%s", host);
	snprintf(r->ua, sizeof r->ua, "%s", ua);
}

/* ---- connections (service thread, lock held) ---- */

static void conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		if (c->st == C_WRITE || c->st == C_DEAD)
			SSL_shutdown(c->ssl); /* best effort close_notify */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->st = C_DEAD;
}

/* Maps an SSL_read/SSL_write return like conn_read/conn_write's: >0 bytes,
 * 0 clean TLS close (reads only), -1 would block (c->events says for what:
 * TLS may need to write while reading and the other way round), -2 error. */
static ssize_t ssl_result(struct conn *c, int r, bool reading)
{
	if (r > 0)
		return r;
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return -1;
	}
	ERR_clear_error();
	return reading && e == SSL_ERROR_ZERO_RETURN ? 0 : -2;
}

/* Reads what is there. >0 bytes, 0 EOF, -1 would block (events set), -2 error. */
static ssize_t conn_read(struct conn *c, char *buf, size_t n)
{
	if (c->ssl != NULL)
		return ssl_result(c, SSL_read(c->ssl, buf, (int)n), true);
	ssize_t r = recv(c->fd, buf, n, 0);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		c->events = POLLIN;
		return -1;
	}
	return -2;
}

static ssize_t conn_write(struct conn *c, const char *buf, size_t n)
{
	if (c->ssl != NULL)
		return ssl_result(c, SSL_write(c->ssl, buf, (int)n), false);
	ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		c->events = POLLOUT;
		return -1;
	}
	return -2;
}

/* Value of header `name` in the request head (NUL-terminated), copied. */
static void header_value(const char *head, const char *name, char *out, size_t outsz)
{
	out[0] = '\0';
	size_t nl = strlen(name);
	const char *line = strstr(head, "\r\n");
	while (line != NULL) {
		line += 2;
		if (line[0] == '\r' || line[0] == '\0')
			return;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			const char *e = strstr(v, "\r\n");
			size_t len = e != NULL ? (size_t)(e - v) : strlen(v);
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			if (len >= outsz)
				len = outsz - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return;
		}
		line = strstr(line, "\r\n");
	}
}

static void build_response(struct conn *c)
{
	const struct backend *b = c->b;
	unsigned st = b->status;
	bool nobody = st < 200 || st == 204 || st == 304;
	const char *body = nobody || b->body == NULL ? "" : b->body;
	size_t blen = strlen(body);
	size_t cap = blen + 256;
	c->out = malloc(cap);
	if (c->out == NULL) {
		conn_close(c);
		return;
	}
	int n;
	if (nobody)
		n = snprintf(c->out, cap, "HTTP/1.1 %u %s\r\nConnection: close\r\n\r\n", st,
			     reason_phrase(st));
	else
		n = snprintf(c->out, cap,
			     "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			     "Connection: close\r\n\r\n%s",
			     st, reason_phrase(st), blen, body);
	c->outlen = n > 0 && (size_t)n < cap ? (size_t)n : 0;
	c->outoff = 0;
	c->st = C_WRITE;
	c->events = POLLOUT;
}

/* The request head is complete in c->in: log it and decide. */
static void got_request(struct conn *c)
{
	char path[FIELD_MAX] = "", host[FIELD_MAX], ua[FIELD_MAX];
	const char *sp = strchr(c->in, ' ');
	if (sp != NULL) {
		const char *p = sp + 1;
		size_t len = strcspn(p, " \r\n");
		if (len >= sizeof path)
			len = sizeof path - 1;
		memcpy(path, p, len);
		path[len] = '\0';
	}
	header_value(c->in, "Host", host, sizeof host);
	header_value(c->in, "User-Agent", ua, sizeof ua);
	log_request(c->b, path, host, ua);
	if (c->b->close_conn) {
		conn_close(c);
		return;
	}
	if (c->b->delay_ms > 0) {
		/* Answer later, with the settings of now. */
		c->respond_at = pooldns_now_ms() + c->b->delay_ms;
		c->deadline = c->respond_at + CONN_IDLE_MS;
		build_response(c);
		if (c->st != C_DEAD) {
			c->st = C_DELAY;
			c->events = 0;
		}
		return;
	}
	build_response(c);
}

static void conn_step(struct conn *c)
{
	if (c->st == C_TLS) {
		int r = SSL_accept(c->ssl);
		if (r != 1) {
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ) {
				c->events = POLLIN;
				return;
			}
			if (e == SSL_ERROR_WANT_WRITE) {
				c->events = POLLOUT;
				return;
			}
			/* Handshake refused (e.g. the client rejected the
			 * certificate): no request to log. */
			ERR_clear_error();
			conn_close(c);
			return;
		}
		c->st = C_READ;
		c->events = POLLIN;
	}
	if (c->st == C_READ) {
		for (;;) {
			if (c->inlen >= REQ_MAX) {
				conn_close(c); /* head too large */
				return;
			}
			ssize_t r = conn_read(c, c->in + c->inlen, REQ_MAX - c->inlen);
			if (r == -1)
				return;
			if (r <= 0) {
				conn_close(c); /* closed before a whole request */
				return;
			}
			c->inlen += (size_t)r;
			c->in[c->inlen] = '\0';
			if (strstr(c->in, "\r\n\r\n") != NULL) {
				got_request(c);
				break;
			}
		}
	}
	if (c->st == C_DELAY) {
		if (pooldns_now_ms() < c->respond_at)
			return;
		c->st = C_WRITE;
		c->events = POLLOUT;
	}
	if (c->st == C_WRITE) {
		while (c->outoff < c->outlen) {
			ssize_t r = conn_write(c, c->out + c->outoff, c->outlen - c->outoff);
			if (r == -1)
				return;
			if (r < 0) {
				conn_close(c);
				return;
			}
			c->outoff += (size_t)r;
		}
		conn_close(c);
	}
}

static void accept_all(struct pooldns_backends *bs, struct backend *b)
{
	for (;;) {
		int fd = accept4(b->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or an error the next poll reports again */
		if (b->kind == POOLDNS_BACKEND_TCP) {
			/* A TCP check only connects: log it and hang up. */
			log_request(b, "", "", "");
			close(fd);
			continue;
		}
		if (bs->nconns >= MAX_CONNS) {
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof *c);
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->b = b;
		c->deadline = pooldns_now_ms() + CONN_IDLE_MS;
		if (b->kind == POOLDNS_BACKEND_HTTPS) {
			c->ssl = bs->ctx != NULL ? SSL_new(bs->ctx) : NULL;
			if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
				conn_close(c);
				free(c);
				continue;
			}
			c->st = C_TLS;
		} else {
			c->st = C_READ;
		}
		c->events = POLLIN;
		bs->conns[bs->nconns++] = c;
		conn_step(c); /* the request may already be there */
	}
}

/* Applies down/up requests and acknowledges them. Lock held. */
static void apply_pending(struct pooldns_backends *bs)
{
	for (size_t i = 0; i < bs->nb; i++) {
		struct backend *b = &bs->b[i];
		if (b->want_down) {
			b->want_down = false;
			if (b->lfd >= 0)
				close(b->lfd);
			b->lfd = -1;
			for (size_t k = 0; k < bs->nconns; k++)
				if (bs->conns[k]->b == b)
					conn_close(bs->conns[k]);
		}
		if (b->pending_lfd >= 0) {
			if (b->lfd >= 0)
				close(b->lfd);
			b->lfd = b->pending_lfd;
			b->pending_lfd = -1;
		}
	}
	if (bs->done_seq != bs->req_seq) {
		bs->done_seq = bs->req_seq;
		pthread_cond_broadcast(&bs->cond);
	}
}

static void reap(struct pooldns_backends *bs)
{
	size_t k = 0;
	for (size_t i = 0; i < bs->nconns; i++) {
		if (bs->conns[i]->st == C_DEAD)
			free(bs->conns[i]);
		else
			bs->conns[k++] = bs->conns[i];
	}
	bs->nconns = k;
}

static void *service_main(void *arg)
{
	struct pooldns_backends *bs = arg;
	struct pollfd pfd[1 + POOLDNS_CASE_MAX_BACKENDS + MAX_CONNS];
	struct backend *lb[POOLDNS_CASE_MAX_BACKENDS];
	struct conn *pc[MAX_CONNS];
	pthread_mutex_lock(&bs->lock);
	while (!bs->stop) {
		apply_pending(bs);
		size_t n = 0, nl = 0, ncn = 0;
		pfd[n++] = (struct pollfd){ .fd = bs->wake[0], .events = POLLIN };
		for (size_t i = 0; i < bs->nb; i++)
			if (bs->b[i].lfd >= 0) {
				lb[nl++] = &bs->b[i];
				pfd[n++] = (struct pollfd){ .fd = bs->b[i].lfd, .events = POLLIN };
			}
		uint64_t now = pooldns_now_ms();
		int timeout = POLL_MAX_MS;
		for (size_t i = 0; i < bs->nconns; i++) {
			struct conn *c = bs->conns[i];
			pc[ncn++] = c;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = c->events };
			uint64_t t = c->st == C_DELAY ? c->respond_at : c->deadline;
			int ms = t <= now ? 0
					  : (t - now > POLL_MAX_MS ? POLL_MAX_MS : (int)(t - now));
			if (ms < timeout)
				timeout = ms;
		}
		pthread_mutex_unlock(&bs->lock);
		int r = poll(pfd, n, timeout);
		pthread_mutex_lock(&bs->lock);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			char buf[64];
			while (read(bs->wake[0], buf, sizeof buf) > 0)
				;
		}
		/* Only this thread closes polled sockets: entries are still valid. */
		for (size_t i = 0; r > 0 && i < nl; i++)
			if (pfd[1 + i].revents != 0 && lb[i]->lfd == pfd[1 + i].fd &&
			    !lb[i]->want_down)
				accept_all(bs, lb[i]);
		now = pooldns_now_ms();
		for (size_t i = 0; i < ncn; i++) {
			struct conn *c = pc[i];
			if (c->st == C_DEAD)
				continue;
			short re = r > 0 ? pfd[1 + nl + i].revents : 0;
			if (now >= c->deadline) {
				conn_close(c);
			} else if (c->st == C_DELAY) {
				if (now >= c->respond_at)
					conn_step(c);
				else if (re & (POLLERR | POLLNVAL))
					conn_close(c);
			} else if (re != 0) {
				conn_step(c);
			}
		}
		reap(bs);
	}
	/* Acknowledge whoever waits, then stop; free() closes the rest. */
	bs->done_seq = bs->req_seq;
	pthread_cond_broadcast(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
	return NULL;
}

/* ---- control (runner thread) ---- */

struct pooldns_backends *pooldns_backends_new(const char *tls_cert, const char *tls_key)
{
	struct pooldns_backends *bs = calloc(1, sizeof *bs);
	if (bs == NULL)
		return NULL;
	bs->wake[0] = bs->wake[1] = -1;
	if ((tls_cert != NULL && (bs->cert = strdup(tls_cert)) == NULL) ||
	    (tls_key != NULL && (bs->key = strdup(tls_key)) == NULL)) {
		free(bs->cert);
		free(bs);
		return NULL;
	}
	pthread_mutex_init(&bs->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&bs->cond, &ca);
	pthread_condattr_destroy(&ca);
	return bs;
}

static int start_thread(struct pooldns_backends *bs, char *err, size_t errsz)
{
	if (bs->started)
		return 0;
	if (pipe2(bs->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(err, errsz, "backends: pipe: %s", strerror(errno));
		bs->wake[0] = bs->wake[1] = -1;
		return -1;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&bs->thread, NULL, service_main, bs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errsz, "backends: cannot start the service thread: %s", strerror(rc));
		return -1;
	}
	bs->started = true;
	return 0;
}

static int tls_init(struct pooldns_backends *bs, char *err, size_t errsz)
{
	if (bs->ctx != NULL)
		return 0;
	if (bs->cert == NULL || bs->key == NULL) {
		snprintf(err, errsz, "https backends need --tls-cert FILE and --tls-key FILE");
		return -1;
	}
	char e[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		ssl_errors(e, sizeof e);
		snprintf(err, errsz, "TLS: %s", e);
		return -1;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, bs->cert) != 1) {
		ssl_errors(e, sizeof e);
		snprintf(err, errsz, "TLS: certificate %s: %s", bs->cert, e);
		SSL_CTX_free(ctx);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, bs->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors(e, sizeof e);
		snprintf(err, errsz, "TLS: key %s: %s", bs->key, e);
		SSL_CTX_free(ctx);
		return -1;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
	bs->ctx = ctx;
	return 0;
}

/* Wakes the service thread and waits (bounded) until it has applied every
 * change made so far. Lock held. */
static int sync_thread(struct pooldns_backends *bs, const char *name, char *err, size_t errsz)
{
	uint64_t seq = ++bs->req_seq;
	char one = 1;
	if (write(bs->wake[1], &one, 1) < 0 && errno != EAGAIN) {
		snprintf(err, errsz, "backend %s: cannot wake the service thread: %s", name,
			 strerror(errno));
		return -1;
	}
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ACK_WAIT_MS / 1000;
	while (bs->done_seq < seq) {
		if (pthread_cond_timedwait(&bs->cond, &bs->lock, &until) == ETIMEDOUT &&
		    bs->done_seq < seq) {
			snprintf(err, errsz,
				 "backend %s: the service thread did not answer within %u ms", name,
				 ACK_WAIT_MS);
			return -1;
		}
	}
	return 0;
}

static int set_body(struct backend *b, const char *body, char *err, size_t errsz)
{
	char *n = strdup(body != NULL ? body : "");
	if (n == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	free(b->body);
	b->body = n;
	return 0;
}

static int do_start(struct pooldns_backends *bs, const struct pooldns_backend_spec *s, char *err,
		    size_t errsz)
{
	if (find(bs, s->name) != NULL) {
		snprintf(err, errsz, "backend %s: already running", s->name);
		return -1;
	}
	if (bs->nb >= POOLDNS_CASE_MAX_BACKENDS) {
		snprintf(err, errsz, "backend %s: too many backends", s->name);
		return -1;
	}
	if (s->kind == POOLDNS_BACKEND_HTTPS && tls_init(bs, err, errsz) != 0)
		return -1;
	struct backend tmp;
	memset(&tmp, 0, sizeof tmp);
	snprintf(tmp.name, sizeof tmp.name, "%s", s->name);
	tmp.kind = s->kind;
	tmp.family = s->family;
	memcpy(tmp.addr, s->addr, 16);
	snprintf(tmp.addr_text, sizeof tmp.addr_text, "%s", s->addr_text);
	tmp.port = s->port;
	tmp.lfd = tmp.pending_lfd = -1;
	tmp.status = s->status_set ? s->status : 200;
	tmp.delay_ms = s->delay_ms;
	tmp.close_conn = s->close_conn;
	if (set_body(&tmp, s->body_set || s->body != NULL ? s->body : "OK", err, errsz) != 0)
		return -1;
	if (!s->start_down) {
		tmp.pending_lfd = open_listener(&tmp, err, errsz);
		if (tmp.pending_lfd < 0) {
			free(tmp.body);
			return -1;
		}
	}
	if (start_thread(bs, err, errsz) != 0) {
		if (tmp.pending_lfd >= 0)
			close(tmp.pending_lfd);
		free(tmp.body);
		return -1;
	}
	pthread_mutex_lock(&bs->lock);
	bs->b[bs->nb++] = tmp;
	int rc = sync_thread(bs, s->name, err, errsz);
	pthread_mutex_unlock(&bs->lock);
	return rc;
}

int pooldns_backends_apply(struct pooldns_backends *bs, const struct pooldns_backend_spec *s,
			   char *err, size_t errsz)
{
	if (s->op == POOLDNS_BACKEND_START)
		return do_start(bs, s, err, errsz);
	pthread_mutex_lock(&bs->lock);
	struct backend *b = find(bs, s->name);
	int rc = 0;
	if (b == NULL) {
		snprintf(err, errsz,
			 "backend %s: not running (its declaration was skipped or failed)",
			 s->name);
		rc = -1;
	} else if (s->op == POOLDNS_BACKEND_SET) {
		if (s->status_set)
			b->status = s->status;
		if (s->delay_set)
			b->delay_ms = s->delay_ms;
		if (s->close_set)
			b->close_conn = s->close_conn;
		if (s->body_set)
			rc = set_body(b, s->body, err, errsz);
	} else if (s->op == POOLDNS_BACKEND_DOWN) {
		if (b->lfd >= 0 || b->pending_lfd >= 0) {
			if (b->pending_lfd >= 0) {
				close(b->pending_lfd); /* never polled */
				b->pending_lfd = -1;
			}
			b->want_down = true;
			rc = sync_thread(bs, s->name, err, errsz);
		}
	} else if (s->op == POOLDNS_BACKEND_UP) {
		if (b->lfd < 0 && b->pending_lfd < 0) {
			b->pending_lfd = open_listener(b, err, errsz);
			rc = b->pending_lfd < 0 ? -1 : sync_thread(bs, s->name, err, errsz);
		}
	} else if (s->op == POOLDNS_BACKEND_RESET) {
		b->nlog = 0;
		b->log_full = false;
	} else {
		snprintf(err, errsz, "backend %s: not a change", s->name);
		rc = -1;
	}
	pthread_mutex_unlock(&bs->lock);
	return rc;
}

static bool host_match(const char *want, const char *got)
{
	if (strcasecmp(want, got) == 0)
		return true;
	/* "member.test" matches "member.test:20271" */
	size_t n = strlen(want);
	return strncasecmp(want, got, n) == 0 && got[n] == ':' && strchr(got + n + 1, ':') == NULL;
}

long pooldns_backends_count(struct pooldns_backends *bs, const char *name, uint64_t since_ms,
			    const char *path, const char *host)
{
	pthread_mutex_lock(&bs->lock);
	struct backend *b = find(bs, name);
	long n = -1;
	if (b != NULL) {
		n = 0;
		for (size_t i = 0; i < b->nlog; i++) {
			const struct req *r = &b->log[i];
			if (r->ts < since_ms)
				continue;
			if (path != NULL && strcmp(path, r->path) != 0)
				continue;
			if (host != NULL && !host_match(host, r->host))
				continue;
			n++;
		}
	}
	pthread_mutex_unlock(&bs->lock);
	return n;
}

int pooldns_backends_last(struct pooldns_backends *bs, const char *name, char *path, size_t pathsz,
			  char *host, size_t hostsz, char *ua, size_t uasz)
{
	pthread_mutex_lock(&bs->lock);
	struct backend *b = find(bs, name);
	int rc = -1;
	if (b != NULL) {
		rc = b->nlog > 0 ? 1 : 0;
		if (rc == 1) {
			const struct req *r = &b->log[b->nlog - 1];
			snprintf(path, pathsz, "%s", r->path);
			snprintf(host, hostsz, "%s", r->host);
			snprintf(ua, uasz, "%s", r->ua);
		}
	}
	pthread_mutex_unlock(&bs->lock);
	return rc;
}

void pooldns_backends_free(struct pooldns_backends *bs)
{
	if (bs == NULL)
		return;
	if (bs->started) {
		pthread_mutex_lock(&bs->lock);
		bs->stop = true;
		pthread_mutex_unlock(&bs->lock);
		char one = 1;
		if (write(bs->wake[1], &one, 1) < 0) {
			/* The pipe is non-blocking and nearly empty: a
			 * failure leaves poll's 1 s timeout to notice. */
		}
		pthread_join(bs->thread, NULL);
	}
	for (size_t i = 0; i < bs->nconns; i++) {
		conn_close(bs->conns[i]);
		free(bs->conns[i]);
	}
	for (size_t i = 0; i < bs->nb; i++) {
		struct backend *b = &bs->b[i];
		if (b->lfd >= 0)
			close(b->lfd);
		if (b->pending_lfd >= 0)
			close(b->pending_lfd);
		free(b->body);
		free(b->log);
	}
	if (bs->wake[0] >= 0)
		close(bs->wake[0]);
	if (bs->wake[1] >= 0)
		close(bs->wake[1]);
	SSL_CTX_free(bs->ctx);
	pthread_cond_destroy(&bs->cond);
	pthread_mutex_destroy(&bs->lock);
	free(bs->cert);
	free(bs->key);
	free(bs);
}
