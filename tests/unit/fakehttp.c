/*
 * fakehttp.c — the canned-reply HTTP server for unit tests (fakehttp.h).
 *
 * Owns: one listening socket on 127.0.0.1:0, up to FAKEHTTP_MAX_CONNS
 * client sockets, a wake-up pipe and one server thread running a poll()
 * loop. Requests are parsed just enough for a test client: a header block
 * ending in an empty line, then Content-Length bytes of body (no chunked
 * uploads). A delayed reply sleeps in poll() on the wake-up pipe, so stop
 * is prompt even mid-delay.
 *
 * Thread model: the server thread owns the sockets; the mutex guards the
 * reply and the records shared with the test thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakehttp.h"

#define FAKEHTTP_MAX_CONNS   32
#define FAKEHTTP_MAX_REQUEST (1024 * 1024)

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};

struct fakehttp {
	int lfd;
	int wake[2];
	int port;
	char url[64];
	pthread_t thread;
	pthread_mutex_t mu;
	/* guarded by mu */
	int status;
	char *headers;
	char *body;
	long delay_ms;
	bool close;
	unsigned requests;
	unsigned connections;
	char *last_line, *last_headers, *last_body;
	/* server thread only */
	struct conn conns[FAKEHTTP_MAX_CONNS];
};

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->len = c->cap = 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 307:
		return "Temporary Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sleeps ms unless woken for stop; returns -1 when stopping. */
static int nap(struct fakehttp *f, long ms)
{
	if (ms <= 0)
		return 0;
	struct pollfd p = { .fd = f->wake[0], .events = POLLIN };
	int r = poll(&p, 1, (int)ms);
	return r > 0 ? -1 : 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/*
 * If c holds a complete request, answers it and returns 1 (0: need more,
 * -1: close the connection).
 */
static int handle(struct fakehttp *f, struct conn *c)
{
	char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	if (end == NULL)
		return c->len >= FAKEHTTP_MAX_REQUEST ? -1 : 0;
	size_t hlen = (size_t)(end - c->buf);
	size_t clen = 0;
	char *hdr = dup_n(c->buf, hlen);
	if (hdr == NULL)
		return -1;
	for (char *p = hdr; p != NULL && *p != '\0';) {
		char *nl = strstr(p, "\r\n");
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			clen = (size_t)strtoul(p + 15, NULL, 10);
		p = nl != NULL ? nl + 2 : NULL;
	}
	if (clen > FAKEHTTP_MAX_REQUEST) {
		free(hdr);
		return -1;
	}
	if (c->len < hlen + 4 + clen) {
		free(hdr);
		return 0;
	}
	char *line_end = strstr(hdr, "\r\n");
	size_t llen = line_end != NULL ? (size_t)(line_end - hdr) : hlen;

	pthread_mutex_lock(&f->mu);
	f->requests++;
	free(f->last_line);
	free(f->last_headers);
	free(f->last_body);
	f->last_line = dup_n(hdr, llen);
	f->last_headers = dup_n(hdr + llen, hlen - llen);
	f->last_body = dup_n(c->buf + hlen + 4, clen);
	int status = f->status;
	long delay = f->delay_ms;
	bool do_close = f->close;
	char *resp = NULL;
	size_t rlen = 0;
	FILE *m = open_memstream(&resp, &rlen);
	if (m != NULL) {
		const char *body = f->body != NULL ? f->body : "";
		fprintf(m,
			"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			"Content-Length: %zu\r\nConnection: %s\r\n%s\r\n%s",
			status, reason(status), strlen(body), do_close ? "close" : "keep-alive",
			f->headers != NULL ? f->headers : "", body);
		fclose(m);
	}
	pthread_mutex_unlock(&f->mu);
	free(hdr);

	size_t used = hlen + 4 + clen;
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;

	int rc = 1;
	if (resp == NULL || nap(f, delay) != 0 || status == 0)
		rc = -1;
	else if (send_all(c->fd, resp, rlen) != 0 || do_close)
		rc = -1;
	free(resp);
	return rc;
}

static void on_readable(struct fakehttp *f, struct conn *c)
{
	if (c->cap - c->len < 4096) {
		size_t cap = c->cap ? c->cap * 2 : 8192;
		char *nb = realloc(c->buf, cap);
		if (nb == NULL) {
			conn_close(c);
			return;
		}
		c->buf = nb;
		c->cap = cap;
	}
	ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return;
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	int r;
	while ((r = handle(f, c)) == 1)
		;
	if (r < 0)
		conn_close(c);
}

static void *serve(void *arg)
{
	struct fakehttp *f = arg;
	for (;;) {
		struct pollfd p[FAKEHTTP_MAX_CONNS + 2];
		int idx[FAKEHTTP_MAX_CONNS + 2];
		nfds_t n = 0;
		p[n] = (struct pollfd){ .fd = f->wake[0], .events = POLLIN };
		idx[n++] = -2;
		p[n] = (struct pollfd){ .fd = f->lfd, .events = POLLIN };
		idx[n++] = -1;
		for (int i = 0; i < FAKEHTTP_MAX_CONNS; i++)
			if (f->conns[i].fd >= 0) {
				p[n] = (struct pollfd){ .fd = f->conns[i].fd, .events = POLLIN };
				idx[n++] = i;
			}
		if (poll(p, n, 1000) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents != 0)
			break;
		if (p[1].revents & POLLIN) {
			int cfd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0) {
				int slot = -1;
				for (int i = 0; i < FAKEHTTP_MAX_CONNS && slot < 0; i++)
					if (f->conns[i].fd < 0)
						slot = i;
				if (slot < 0) {
					close(cfd);
				} else {
					f->conns[slot].fd = cfd;
					pthread_mutex_lock(&f->mu);
					f->connections++;
					pthread_mutex_unlock(&f->mu);
				}
			}
		}
		for (nfds_t k = 2; k < n; k++)
			if (p[k].revents != 0 && f->conns[idx[k]].fd == p[k].fd)
				on_readable(f, &f->conns[idx[k]]);
	}
	return NULL;
}

struct fakehttp *fakehttp_start(void)
{
	struct fakehttp *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->lfd = -1;
	f->wake[0] = f->wake[1] = -1;
	f->status = 200;
	for (int i = 0; i < FAKEHTTP_MAX_CONNS; i++)
		f->conns[i].fd = -1;
	pthread_mutex_init(&f->mu, NULL);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(f->lfd, 16) != 0 || getsockname(f->lfd, (struct sockaddr *)&sa, &sl) != 0 ||
	    pipe2(f->wake, O_CLOEXEC) != 0)
		goto fail;
	f->port = ntohs(sa.sin_port);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", f->port);
	if (pthread_create(&f->thread, NULL, serve, f) != 0)
		goto fail;
	return f;
fail:
	if (f->lfd >= 0)
		close(f->lfd);
	if (f->wake[0] >= 0) {
		close(f->wake[0]);
		close(f->wake[1]);
	}
	pthread_mutex_destroy(&f->mu);
	free(f);
	return NULL;
}

void fakehttp_stop(struct fakehttp *f)
{
	if (f == NULL)
		return;
	ssize_t w;
	do
		w = write(f->wake[1], "x", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(f->thread, NULL);
	for (int i = 0; i < FAKEHTTP_MAX_CONNS; i++)
		conn_close(&f->conns[i]);
	close(f->lfd);
	close(f->wake[0]);
	close(f->wake[1]);
	pthread_mutex_destroy(&f->mu);
	free(f->headers);
	free(f->body);
	free(f->last_line);
	free(f->last_headers);
	free(f->last_body);
	free(f);
}

int fakehttp_port(const struct fakehttp *f)
{
	return f->port;
}

const char *fakehttp_url(const struct fakehttp *f)
{
	return f->url;
}

void fakehttp_set_reply(struct fakehttp *f, const struct fakehttp_reply *r)
{
	pthread_mutex_lock(&f->mu);
	free(f->headers);
	free(f->body);
	f->status = r->status;
	f->headers = r->headers != NULL ? strdup(r->headers) : NULL;
	f->body = r->body != NULL ? strdup(r->body) : NULL;
	f->delay_ms = r->delay_ms;
	f->close = r->close;
	pthread_mutex_unlock(&f->mu);
}

unsigned fakehttp_requests(struct fakehttp *f)
{
	pthread_mutex_lock(&f->mu);
	unsigned n = f->requests;
	pthread_mutex_unlock(&f->mu);
	return n;
}

unsigned fakehttp_connections(struct fakehttp *f)
{
	pthread_mutex_lock(&f->mu);
	unsigned n = f->connections;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static void copy_out(char *dst, size_t dstsz, const char *src)
{
	if (dst == NULL || dstsz == 0)
		return;
	snprintf(dst, dstsz, "%s", src != NULL ? src : "");
}

void fakehttp_last(struct fakehttp *f, char *line, size_t linesz, char *headers, size_t headerssz,
		   char *body, size_t bodysz)
{
	pthread_mutex_lock(&f->mu);
	copy_out(line, linesz, f->last_line);
	copy_out(headers, headerssz, f->last_headers);
	copy_out(body, bodysz, f->last_body);
	pthread_mutex_unlock(&f->mu);
}
