/*
 * tcp.c — DNS over TCP for one worker thread (see tcp.h for the behaviour:
 * framing, pipelining, idle timeout, connection cap, descriptor exhaustion).
 *
 * Each connection has a fixed input buffer (TCP_IN_CAP) and an output
 * buffer that exists only while responses could not be written at once.
 * The responses to every complete query that one read brought are built
 * one after another in a per-worker batch buffer and leave in one send()
 * (several only past TCP_BATCH bytes), on sockets with TCP_NODELAY: a
 * pipelining client gets its answers in as few segments as the data
 * allows, never held back by Nagle's algorithm waiting for a delayed ACK.
 * While output is pending the connection stops reading (EPOLLOUT instead
 * of EPOLLIN), which answers pipelined queries strictly in order and
 * bounds memory per connection to one batch. Connections sit on a list
 * ordered by last activity: the head is the first to time out and the one
 * closed when the cap is reached.
 *
 * Queries are answered by the query handler (query.c) through the worker's
 * query context; the listeners are the worker's sockets, registered here so
 * that they can be paused and resumed. Nothing here calls the worker.
 *
 * Owns: the connections, their descriptors and buffers, the batch buffer,
 * a reserved descriptor for shedding under EMFILE. Thread model: one
 * worker thread.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "tcp.h"

/* Largest query taken over TCP. Real queries are a few hundred bytes; a
 * longer frame closes the connection. */
#define TCP_MAX_QUERY 16384
#define TCP_IN_CAP    (2 + TCP_MAX_QUERY)
#define TCP_OUT_MAX   (2 + 65535)
/* Responses batched before a send(): a batch is sent once it holds this
 * much, so the batch buffer is TCP_BATCH + TCP_OUT_MAX (the last response
 * may be a full 64 KiB one and must never be cut short for lack of room). */
#define TCP_BATCH       16384
#define TCP_SCRATCH     (TCP_BATCH + TCP_OUT_MAX)
#define ACCEPT_BURST    32
#define LISTEN_PAUSE_MS 100
#define EMFILE_LOG_MS   10000

struct conn {
	struct pooldns_ev ev; /* first: epoll data.ptr points here */
	struct conn *prev, *next;
	uint64_t last_ms;
	unsigned outq; /* bytes in the socket's send queue at the last idle check */
	struct pooldns_client client;
	uint32_t events; /* current epoll interest */
	bool eof;        /* the client shut its side down */
	size_t in_off, in_len;
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	uint8_t in[TCP_IN_CAP];
};

struct pooldns_tcp {
	const struct pooldns_query_ctx *q;
	int epfd;                 /* the worker's epoll set */
	struct conn *head, *tail; /* by last activity, oldest first */
	size_t count;
	struct conn *dead; /* closed in this batch, freed by reap */
	int spare_fd;
	struct pooldns_ev *listeners[POOLDNS_MAX_LISTEN]; /* by ev->idx */
	size_t nlisteners;
	uint64_t paused_until[POOLDNS_MAX_LISTEN]; /* by ev->idx; 0: not paused */
	uint64_t last_emfile_log;
	/* The batch: framed responses, in order. Allocated apart and not
	 * cleared, so that its pages cost memory only once TCP answers
	 * reach them (a server that sees little TCP touches a page or two). */
	uint8_t *scratch;
};

static void list_unlink(struct pooldns_tcp *t, struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct pooldns_tcp *t, struct conn *c)
{
	c->prev = t->tail;
	c->next = NULL;
	if (t->tail != NULL)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
}

static void touch(struct pooldns_tcp *t, struct conn *c)
{
	c->last_ms = pooldns_now_ms();
	if (t->tail != c) {
		list_unlink(t, c);
		list_append(t, c);
	}
}

/* Closes c now; the memory is freed by pooldns_tcp_reap() because the
 * current epoll batch may still mention it. */
static void conn_close(struct pooldns_tcp *t, struct conn *c)
{
	if (c->ev.fd < 0)
		return;
	close(c->ev.fd); /* also removes it from the epoll set */
	c->ev.fd = -1;
	list_unlink(t, c);
	t->count--;
	pooldns_qcount_tcp_closed(t->q->qcount);
	c->next = t->dead;
	t->dead = c;
}

static void conn_free(struct conn *c)
{
	free(c->out);
	free(c);
}

void pooldns_tcp_reap(struct pooldns_tcp *t)
{
	while (t->dead != NULL) {
		struct conn *c = t->dead;
		t->dead = c->next;
		conn_free(c);
	}
}

static int set_interest(struct pooldns_tcp *t, struct conn *c, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = &c->ev };

	if (c->events == events)
		return 0;
	if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, c->ev.fd, &e) != 0)
		return -1;
	c->events = events;
	return 0;
}

/* Writes pending output. 0 (all written or would block) or -1 (error). */
static int conn_flush(struct pooldns_tcp *t, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->ev.fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->out_off += (size_t)n;
		touch(t, c);
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* Sends a batch of framed responses, keeping what the socket does not take. */
static int conn_send(struct pooldns_tcp *t, struct conn *c, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(c->ev.fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		done += (size_t)n;
	}
	if (done > 0)
		touch(t, c);
	if (done == len)
		return 0;
	/* Backpressure: keep the rest (at most one batch). */
	if (c->out_cap < len - done) {
		uint8_t *nb = realloc(c->out, len - done);
		if (nb == NULL)
			return -1;
		c->out = nb;
		c->out_cap = len - done;
	}
	memcpy(c->out, buf + done, len - done);
	c->out_off = 0;
	c->out_len = len - done;
	return 0;
}

/* Answers every complete query in the input buffer while nothing is
 * pending, the responses batched (see the top comment). -1 closes the
 * connection. */
static int conn_process(struct pooldns_tcp *t, struct conn *c)
{
	size_t used = 0;

	while (c->out_len == 0) {
		size_t avail = c->in_len - c->in_off;
		const uint8_t *p = c->in + c->in_off;
		size_t qlen, rlen;

		if (avail < 2)
			break;
		qlen = (size_t)p[0] << 8 | p[1];
		if (qlen == 0 || qlen > TCP_MAX_QUERY) {
			pooldns_log(POOLDNS_LOG_DEBUG, "tcp: %zu-byte frame, closing", qlen);
			return -1;
		}
		if (avail < 2 + qlen)
			break;
		/* used < TCP_BATCH here, so a full-size response fits. */
		rlen = pooldns_query_answer(t->q, p + 2, qlen, true, &c->client, c->ev.idx,
					    t->scratch + used + 2, TCP_OUT_MAX - 2);
		c->in_off += 2 + qlen;
		if (rlen == 0)
			continue;
		t->scratch[used] = (uint8_t)(rlen >> 8);
		t->scratch[used + 1] = (uint8_t)rlen;
		used += rlen + 2;
		if (used >= TCP_BATCH) {
			if (conn_send(t, c, t->scratch, used) != 0)
				return -1;
			used = 0;
		}
	}
	if (used > 0 && conn_send(t, c, t->scratch, used) != 0)
		return -1;
	if (c->in_off == c->in_len) {
		c->in_off = c->in_len = 0;
	} else if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	return 0;
}

/* After any progress: pick the epoll interest, or close a finished
 * connection. */
static void conn_settle(struct pooldns_tcp *t, struct conn *c)
{
	uint32_t want;

	if (c->out_len > 0)
		want = EPOLLOUT;
	else if (c->eof) {
		/* Everything the client sent before closing is answered. */
		conn_close(t, c);
		return;
	} else
		want = EPOLLIN;
	if (set_interest(t, c, want) != 0) {
		pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_ERRORS, 1);
		conn_close(t, c);
	}
}

void pooldns_tcp_event(struct pooldns_tcp *t, struct pooldns_ev *ev, uint32_t events)
{
	struct conn *c = (struct conn *)ev;

	if (events & EPOLLERR) {
		pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_ERRORS, 1);
		conn_close(t, c);
		return;
	}
	if (events & EPOLLOUT) {
		if (conn_flush(t, c) != 0 || conn_process(t, c) != 0) {
			conn_close(t, c);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP)) {
		if (c->in_len < TCP_IN_CAP && !c->eof) {
			ssize_t n = recv(c->ev.fd, c->in + c->in_len, TCP_IN_CAP - c->in_len,
					 MSG_DONTWAIT);
			if (n > 0) {
				c->in_len += (size_t)n;
				touch(t, c);
			} else if (n == 0) {
				c->eof = true;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				conn_close(t, c);
				return;
			}
		}
		if (conn_process(t, c) != 0) {
			conn_close(t, c);
			return;
		}
	}
	conn_settle(t, c);
}

/* The reserved descriptor: an eventfd, which needs no file (so it can be
 * made again inside a chroot, where /dev/null may not exist). */
static int reserve_fd(void)
{
	return eventfd(0, EFD_CLOEXEC);
}

/* EMFILE/ENFILE/ENOBUFS/ENOMEM on accept: shed the pending connection with
 * the reserved descriptor, and pause this listener briefly so that a level-
 * triggered epoll does not spin on it. */
static void accept_exhausted(struct pooldns_tcp *t, struct pooldns_ev *ev, int err)
{
	uint64_t now = pooldns_now_ms();
	struct epoll_event e = { .events = 0, .data.ptr = ev };

	pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_REJECTED, 1);
	if (t->spare_fd >= 0) {
		close(t->spare_fd);
		t->spare_fd = -1;
		int fd = accept4(ev->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		t->spare_fd = reserve_fd();
	}
	if (now - t->last_emfile_log >= EMFILE_LOG_MS || t->last_emfile_log == 0) {
		pooldns_log(POOLDNS_LOG_WARNING,
			    "worker %u: tcp accept: %s; shedding connections (raise the descriptor "
			    "limit or lower tcp-max-connections)",
			    t->q->id, strerror(err));
		t->last_emfile_log = now;
	}
	if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, ev->fd, &e) == 0)
		t->paused_until[ev->idx] = now + LISTEN_PAUSE_MS;
}

void pooldns_tcp_accept(struct pooldns_tcp *t, struct pooldns_ev *ev)
{
	const struct pooldns_server *srv = t->q->srv;

	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event e;
		struct conn *c;
		int fd = accept4(ev->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				accept_exhausted(t, ev, errno);
				return;
			default:
				pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_ERRORS, 1);
				pooldns_log(POOLDNS_LOG_DEBUG, "worker %u: accept: %s", t->q->id,
					    strerror(errno));
				return;
			}
		}
		if (t->count >= (size_t)srv->tcp_max_connections && t->head != NULL) {
			pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_EVICTED, 1);
			conn_close(t, t->head);
		}
		c = malloc(sizeof(*c));
		if (c == NULL) {
			close(fd);
			pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_REJECTED, 1);
			continue;
		}
		/* Responses leave as soon as they are written: batching is
		 * done here (conn_process), not by Nagle's algorithm, which
		 * would hold a batch back until the client's delayed ACK. */
		int one = 1;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
			pooldns_log(POOLDNS_LOG_DEBUG, "worker %u: TCP_NODELAY: %s", t->q->id,
				    strerror(errno));
		memset(c, 0, offsetof(struct conn, in));
		c->ev.kind = POOLDNS_EV_TCP_CONN;
		c->ev.fd = fd;
		c->ev.idx = ev->idx; /* the listen address, for the access list */
		c->events = EPOLLIN;
		c->last_ms = pooldns_now_ms();
		pooldns_query_client(&ss, &c->client);
		e.events = EPOLLIN;
		e.data.ptr = &c->ev;
		if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &e) != 0) {
			close(fd);
			free(c);
			pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_ERRORS, 1);
			continue;
		}
		list_append(t, c);
		t->count++;
		pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_ACCEPTED, 1);
		pooldns_qcount_tcp_opened(t->q->qcount);
	}
}

int pooldns_tcp_tick(struct pooldns_tcp *t, uint64_t now_ms)
{
	uint64_t idle = (uint64_t)t->q->srv->tcp_idle_timeout_ms;
	uint64_t next = UINT64_MAX;

	while (t->head != NULL && t->head->last_ms + idle <= now_ms) {
		struct conn *c = t->head;
		int queued;

		/* Answers leaving the kernel's send queue are a client reading,
		 * which this process does not see otherwise: progress, not
		 * idleness. (touch() moves c behind now_ms: the loop ends.) */
		if (ioctl(c->ev.fd, SIOCOUTQ, &queued) == 0 && queued > 0 &&
		    (unsigned)queued != c->outq) {
			c->outq = (unsigned)queued;
			touch(t, c);
			continue;
		}
		pooldns_stat_add(t->q->stats, POOLDNS_STAT_TCP_IDLE_CLOSED, 1);
		conn_close(t, c);
	}
	pooldns_tcp_reap(t);
	if (t->head != NULL)
		next = t->head->last_ms + idle;
	for (size_t i = 0; i < t->nlisteners; i++) {
		uint64_t until = t->paused_until[i];
		if (until == 0)
			continue;
		if (now_ms >= until) {
			struct pooldns_ev *ev = t->listeners[i];
			struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };
			if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, ev->fd, &e) == 0)
				t->paused_until[i] = 0;
			else
				t->paused_until[i] = now_ms + LISTEN_PAUSE_MS;
		}
		if (t->paused_until[i] != 0 && t->paused_until[i] < next)
			next = t->paused_until[i];
	}
	if (next == UINT64_MAX)
		return -1;
	if (next <= now_ms)
		return 0;
	/* +1: wake just after the deadline rather than just before it. */
	return next - now_ms >= 60000 ? 60000 : (int)(next - now_ms) + 1;
}

struct pooldns_tcp *pooldns_tcp_new(const struct pooldns_query_ctx *q, int epfd, char *err,
				    size_t errsz)
{
	struct pooldns_tcp *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(err, errsz, "worker %u: out of memory", q->id);
		return NULL;
	}
	t->q = q;
	t->epfd = epfd;
	t->scratch = malloc(TCP_SCRATCH);
	if (t->scratch == NULL) {
		snprintf(err, errsz, "worker %u: out of memory", q->id);
		free(t);
		return NULL;
	}
	t->spare_fd = reserve_fd();
	if (t->spare_fd < 0) {
		snprintf(err, errsz, "worker %u: reserved descriptor: %s", q->id, strerror(errno));
		free(t->scratch);
		free(t);
		return NULL;
	}
	return t;
}

void pooldns_tcp_add_listener(struct pooldns_tcp *t, struct pooldns_ev *ev)
{
	t->listeners[ev->idx] = ev;
	if (ev->idx >= t->nlisteners)
		t->nlisteners = ev->idx + 1;
}

void pooldns_tcp_free(struct pooldns_tcp *t)
{
	if (t == NULL)
		return;
	while (t->head != NULL)
		conn_close(t, t->head);
	pooldns_tcp_reap(t);
	if (t->spare_fd >= 0)
		close(t->spare_fd);
	free(t->scratch);
	free(t);
}
